"""How an archive is laid out in a cluster: the analyzers (the same terms as
archive.analysis: tests/test_opensearch.py checks it), the mappings of the paragraphs,
articles and meta indices, and the layout versions.
"""

from __future__ import annotations

from ...analysis import MAX_WORD, STEM_OVERRIDES, STOP_WORDS
from ...semantic import DIMENSIONS


# Bump when a mapping or analyzer changes: an archive built before then must be rebuilt.
LAYOUT = "opensearch/2"  # 2: the stemmer's overrides (archive.analysis.STEM_OVERRIDES)


# Scripts written without spaces between morphemes: each run becomes a word of its own, which
# cjk_bigram turns into overlapping bigrams (as archive.analysis does for the Whoosh engine).
_CJK = r"\p{IsHangul}\p{IsHan}\p{IsHiragana}\p{IsKatakana}"


# Characters that join the parts of a word in Unicode's word rules (UAX #29), which the
# standard tokenizer follows and archive.analysis.WORD_RE does not: U.S. is u s here, 3.5 is
# 3 5, a_b is a b. A mapping char filter turns them into spaces (a regex over the whole text
# did the same at a sixth of the ingest speed: benchmarks/RESULTS.md).
_JOINERS = (".,_:;\u00b7\u2027\ufe13\ufe55\uff1a\u0589\u060c\u060d\u066c\u07f8\u2044\ufe10\ufe14"
            "\ufe50\ufe54\uff0c\uff1b\u2024\ufe52\uff0e\u203f\u2040\u2054\ufe33\ufe34\ufe4d\ufe4e\ufe4f"
            "\uff3f\u2018\uff07\u0387\u05f4\u037e")


def _override_rules() -> list[str]:
    """archive.analysis.STEM_OVERRIDES as the rules of Lucene's stemmer_override filter."""
    groups: dict[str, list[str]] = {}
    for word, term in STEM_OVERRIDES.items():
        groups.setdefault(term, []).append(word)
    return [f"{', '.join(words)} => {term}" for term, words in groups.items()]


ANALYSIS = {
    "char_filter": {
        "word_joiners": {"type": "mapping",
                         "mappings": [f"\\u{ord(c):04x} => \\u0020" for c in _JOINERS] + ["\\u2019 => '"]},
        "cjk_runs": {"type": "pattern_replace", "pattern": f"([{_CJK}]+)", "replacement": " $1 "},
    },
    "filter": {
        "news_stop": {"type": "stop", "stopwords": sorted(STOP_WORDS)},
        "news_stem": {"type": "snowball", "language": "English"},  # = PyStemmer's english
        "news_overrides": {"type": "stemmer_override", "rules": _override_rules()},  # = STEM_OVERRIDES
        # archive.analysis.stem leaves words with non-ASCII letters (naïve, café) as written
        "news_ascii_only": {"type": "keyword_marker", "keywords_pattern": ".*[^\\x00-\\x7F].*"},
        "news_possessive": {"type": "stemmer", "language": "possessive_english"},
        "news_length": {"type": "length", "max": MAX_WORD},
        "news_bigrams": {"type": "cjk_bigram", "ignored_scripts": []},
        "no_emoji": {"type": "keep_types", "types": ["<EMOJI>"], "mode": "exclude"},  # not words in WORD_RE
    },
    "analyzer": {
        "news": {  # paragraph text and headlines: archive.analysis.analyze
            "type": "custom",
            "char_filter": ["word_joiners", "cjk_runs"],
            "tokenizer": "standard",
            "filter": ["no_emoji", "news_length", "lowercase", "news_bigrams", "news_possessive", "news_stop",
                       "news_ascii_only", "news_overrides", "news_stem"],
        },
        "plain": {  # sources and bylines: words, lower-cased
            "type": "custom",
            "char_filter": ["word_joiners"],
            "tokenizer": "standard",
            "filter": ["no_emoji", "lowercase"],
        },
        "spelling": {  # did-you-mean: words as written, lower-cased, no stemming
            "type": "custom",
            "char_filter": ["word_joiners"],
            "tokenizer": "standard",
            "filter": ["no_emoji", "lowercase", "news_possessive"],
        },
    },
}  # fmt: skip


PARAGRAPHS_MAPPING = {
    "dynamic": "strict",
    "properties": {
        "article": {"type": "keyword"},
        "n": {"type": "integer"},
        "kind": {"type": "keyword"},
        "text": {
            "type": "text", "analyzer": "news",
            "fields": {"spell": {"type": "text", "analyzer": "spelling"}},
        },
        "title": {"type": "text", "analyzer": "news"},
        "source": {"type": "text", "analyzer": "plain"},
        "author": {"type": "text", "analyzer": "plain"},
        "source_name": {"type": "keyword"},
        "author_name": {"type": "keyword", "index": False},
        "url": {"type": "keyword", "index": False},
        "lang": {"type": "keyword"},
        "tag": {"type": "keyword", "normalizer": "lowercase"},
        "tags": {"type": "keyword"},
        "date": {"type": "keyword"},  # ISO YYYY-MM-DD: ranges compare as strings, as in Whoosh
        "month": {"type": "keyword"},
        "credit": {"type": "keyword", "index": False},
    },
}  # fmt: skip


ARTICLES_MAPPING = {
    "dynamic": "strict",
    "properties": {
        "id": {"type": "keyword"},
        "title": {"type": "text", "analyzer": "news"},
        "title_key": {"type": "keyword"},
        "source": {"type": "keyword"},
        "source_key": {"type": "keyword"},  # "" for none, for the title + source identity rule
        "author": {"type": "keyword"},
        "date": {"type": "keyword"},
        "url": {"type": "keyword"},
        "lang": {"type": "keyword"},
        "tags": {"type": "keyword"},
        "ingested_at": {"type": "keyword"},
        "updated_at": {"type": "keyword"},
        "content_hash": {"type": "keyword", "index": False},
        "source_hash": {"type": "keyword", "index": False},
        "origin": {"type": "keyword", "index": False},
        "paragraph_count": {"type": "integer"},
        "paragraphs": {"type": "object", "enabled": False},
        # identity (archive.identity): canonical URL, text and bytes; earlier versions, kept whole
        "url_key": {"type": "keyword"},
        "text_key": {"type": "keyword"},
        "hash_key": {"type": "keyword"},
        "versions": {"type": "object", "enabled": False},
        "vector": {"type": "binary"},  # the article's embedding (archive.semantic.to_blob), base64
        "vector_model": {"type": "keyword"},
        # the same embedding as floats, for the k-NN plugin's exact scoring (recall by meaning)
        "meaning": {"type": "knn_vector", "dimension": DIMENSIONS},
    },
}


KNN_FIELDS = ("meaning",)  # what needs the k-NN plugin


def articles_fields(names: tuple[str, ...] | None = None, knn: bool = True) -> dict:
    """The articles index's fields (those ``names``), without the ones only the k-NN plugin
    knows when the cluster lacks it."""
    props = ARTICLES_MAPPING["properties"]
    return {k: v for k, v in props.items() if (names is None or k in names) and (knn or k not in KNN_FIELDS)}


VECTOR_FIELDS = ("vector", "vector_model", "meaning")


IDENTITY_FIELDS = articles_fields(("url_key", "text_key", "hash_key", "versions"))


# The records' layout: 4 has the identity fields (IDENTITY_FIELDS), 5 each embedding as a
# k-NN vector as well ("meaning").
STORE_LAYOUT = "5"


META_MAPPING = {
    "dynamic": "strict",
    "properties": {
        "kind": {"type": "keyword"},  # "meta", "synonym" or "tag" (a tag's first-seen spelling in value)
        "key": {"type": "keyword"},
        "value": {"type": "keyword", "index": False},
        "term": {"type": "keyword"},
        "grp": {"type": "integer"},
    },
}
