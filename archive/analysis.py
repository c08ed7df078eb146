"""Text analysis shared by every engine, the query parser and the snippet builder.

One pass over the text: find words, lower-case them, drop a short list of English stop
words, and stem with the Snowball English stemmer. Korean (and Chinese and Japanese) runs
inside a word become overlapping character bigrams, so ``해체`` is found inside ``해체됐다``,
``안전팀`` (``안전`` ``전팀``) inside ``안전팀을``, and ``오픈AI`` inside ``오픈AI가``; a
mixed archive searches both languages through the one analysis (see benchmarks/RESULTS.md
for how this compared with a morphological analyser). Curly quotes and other punctuation are
never part of a word (so ``‘Superalignment’`` is found by ``superalignment``), a possessive
``’s`` is dropped, and hyphenated words are split into their parts (``co-leader`` ->
``co`` ``leader``).

Nothing here imports a search engine: engines wrap :func:`analyze` in their own analyzer
classes (see ``archive.engine.whoosh_analysis``).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterator

# Letters and digits, with inner apostrophes (don't, OpenAI’s). \w also matches Hangul.
WORD_RE = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")

# A deliberately short list: news text needs "us", "may", "it", "will", "not", "no" as words.
STOP_WORDS = frozenset(
    "a an and are as at be by for from has have in into is of on or that the their this to "
    "was were with".split()
)

# Function words dropped from long, any-word queries (a pasted sentence), where they only add
# noise and time; short queries and the index keep them. The English list NLTK and Whoosh use.
SENTENCE_STOP_WORDS = frozenset(
    "a about above after again against all am an and any are as at be because been before being below between "
    "both but by can did do does doing don down during each few for from further had has have having he her here "
    "hers herself him himself his how i if in into is it its itself just me more most my myself no nor not now of "
    "off on once only or other our ours ourselves out over own s same she should so some such t than that the "
    "their theirs them themselves then there these they this those through to too under until up very was we were "
    "what when where which while who whom why will with you your yours yourself yourselves".split()
)

MAX_WORD = 64  # longer "words" (base64, hashes, garbage) are not indexed

# Zero-width characters, soft hyphens and control characters (a NUL, an escape sequence that
# would colour or move the terminal's cursor): never part of the text. (Tabs and line ends are
# whitespace, handled by the split below.)
_INVISIBLE = dict.fromkeys([*map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"),
                            *(c for c in [*range(0x20), *range(0x7F, 0xA0)] if chr(c) not in "\t\n\r\x0b\x0c"
                              and not chr(c).isspace())], None)  # fmt: skip
# A surrogate left alone (JavaScript exports write "\ud800" without its pair) cannot be stored as UTF-8.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def normalize_text(text: str) -> str:
    """NFC, no zero-width characters or soft hyphens, and single spaces."""
    text = _LONE_SURROGATE.sub("\ufffd", text)
    text = unicodedata.normalize("NFC", text).translate(_INVISIBLE)
    return " ".join(text.split())


try:  # PyStemmer (C, Snowball); a declared dependency, but degrade to Whoosh-free fallback
    import Stemmer as _pystemmer

    _STEMMER = _pystemmer.Stemmer("english")
    _stem_word = _STEMMER.stemWord
except ImportError:  # pragma: no cover - PyStemmer is a hard dependency
    _stem_word = None


# Words that the Snowball stemmer merges with an unrelated word, each with the index form it
# keeps instead (what Lucene's StemmerOverrideFilter does; the OpenSearch analyzer has the same
# rules, archive.engine.opensearch.mapping): a search for `quit` must not find, or mark, `quite`.
# In the comments, what each would otherwise be one word with.
STEM_OVERRIDES: dict[str, str] = {
    "quite": "quite",  # quit
    **dict.fromkeys(("experiment", "experiments", "experimented", "experimenting"), "experiment"),  # experience
    **dict.fromkeys(("animal", "animals"), "animal"),  # animation, animated
    **dict.fromkeys(("executive", "executives"), "executive"),  # execute, executed
    **dict.fromkeys(("authority", "authorities"), "authority"),  # author, authors
    **dict.fromkeys(("business", "businesses"), "business"),  # busy
    "united": "united",  # unit, units
}


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """The index form of one lower-cased word."""
    if word.endswith(("'s", "’s")):
        word = word[:-2]
    word = word.replace("’", "'")
    if _stem_word is None or not word.isascii():
        return word
    return STEM_OVERRIDES.get(word) or _stem_word(word)


@dataclass(frozen=True, slots=True)
class Token:
    """One analysed word: its index term, its surface form, its position and where it is in the text."""

    term: str  # the index form (lower-cased, stemmed; a bigram for Korean)
    surface: str  # the word as written
    start: int  # character offsets of the term in the analysed text
    end: int
    pos: int  # position
    wstart: int = -1  # offsets of the whole word the term came from (for highlighting)
    wend: int = -1


# Hangul syllables and jamo, CJK ideographs, kana: scripts written without spaces between
# morphemes, indexed as overlapping bigrams.
# (Compiled when first needed: a class of wide ranges takes Python's regex compiler a
# millisecond, a tenth of a search's own start-up; text below the first of them never needs it.)
_CJK_FIRST = "\u1100"


@functools.cache
def _cjk_run() -> re.Pattern[str]:
    return re.compile(r"[\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7a3\uf900-\ufaff]+")


def has_cjk(text: str) -> bool:
    """Whether ``text`` has a character of a script written without spaces between morphemes."""
    return bool(text) and max(text) >= _CJK_FIRST and _cjk_run().search(text) is not None


# Chinese characters and kana: written without spaces between words, so copies compare them
# (archive.copies, after NFKC has made half-width kana full width) and lines break between them
# (archive.render) character by character.
UNSPACED = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # (a regex class's body)


def is_wide(c: str) -> bool:
    """Whether a terminal draws character ``c`` two columns wide (Hangul, Chinese, kana, full width)."""
    return c >= _CJK_FIRST and unicodedata.east_asian_width(c) in "WF"


def columns(text: str) -> int:
    """How many terminal columns ``text`` takes: two for a wide character, one for any other."""
    if not text or max(text) < _CJK_FIRST:
        return len(text)
    return len(text) + sum(map(is_wide, text))


def is_cjk_syllable(term: str) -> bool:
    """A one-character Korean/CJK term: in the index it lives inside bigrams (팀 in 팀을, 전팀)."""
    return len(term) == 1 and has_cjk(term)


def _split_word(word: str, offset: int) -> Iterator[tuple[str, int, int, bool]]:
    """(piece, start, end, is_cjk) for the script runs of one word."""
    pos = 0
    for m in _cjk_run().finditer(word):
        if m.start() > pos:
            yield word[pos : m.start()], offset + pos, offset + m.start(), False
        yield m.group(), offset + m.start(), offset + m.end(), True
        pos = m.end()
    if pos < len(word):
        yield word[pos:], offset + pos, offset + len(word), False


def analyze(text: str, *, keep_stops: bool = False) -> Iterator[Token]:
    """Tokens of ``text`` in order, with offsets, for indexing, querying and highlighting.

    Positions count the tokens kept, so a phrase matches across dropped stop words.
    """
    pos = -1
    for m in WORD_RE.finditer(text):
        surface = m.group()
        if len(surface) > MAX_WORD:
            continue
        if surface.isascii() or not has_cjk(surface):
            lower = surface.lower()
            if not keep_stops and lower in STOP_WORDS:
                continue
            pos += 1
            yield Token(stem(lower), surface, m.start(), m.end(), pos, m.start(), m.end())
            continue
        for piece, a, b, cjk in _split_word(surface, m.start()):
            if not cjk:
                trimmed = piece.lstrip("'’")  # an apostrophe beside Korean joins nothing (A'カ)
                a += len(piece) - len(trimmed)
                piece = trimmed.rstrip("'’")
                b = a + len(piece)
                if not piece or (not keep_stops and piece.lower() in STOP_WORDS):
                    continue
                pos += 1
                yield Token(stem(piece.lower()), surface, a, b, pos, m.start(), m.end())
            elif len(piece) == 1:
                pos += 1
                yield Token(piece, surface, a, b, pos, m.start(), m.end())
            else:
                for i in range(len(piece) - 1):
                    pos += 1
                    yield Token(piece[i : i + 2], surface, a + i, a + i + 2, pos, m.start(), m.end())


def terms(text: str) -> list[str]:
    """Just the index terms of ``text``."""
    return [t.term for t in analyze(text)]


def spelling_words(text: str) -> Iterator[str]:
    """Words worth remembering for did-you-mean: lower-cased, alphabetic, 3 to 30 letters."""
    for m in WORD_RE.finditer(text):
        w = m.group().lower()
        if w.endswith(("'s", "’s")):
            w = w[:-2]
        if 3 <= len(w) <= 30 and w.isalpha():
            yield w
