"""What makes two articles the same article, and what a new reading of one changes.

The rules (the README's table "What makes two articles the same"):

1. A record that brings its own id (a JSON record's ``id``, an export) is that article.
2. The same canonical URL (``url_key``: scheme, case of the host, default port, fragment,
   tracking parameters and a trailing slash ignored) is the same article; changed text there
   is a new *version* of it.
3. Without a URL on one side, the same content is the same article: the same bytes read
   (``source_hash``) or the same text once whitespace and Unicode forms are normalised
   (``text_key``). Two different URLs are never merged, whatever the text says.
4. Anything else is a new article, even with the same headline and source: recurring
   headlines ("Morning Briefing") are everyday news. When the headline, source and date all
   match an article with no URL, the new one is kept and the ingest line says so.

A new reading of a known article is merged over the stored one (:func:`merge`): a field the
new reading has wins, a field it lacks keeps its stored value, tags are the union.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import replace
from typing import Callable, Iterable

from .analysis import columns
from .model import Article, Paragraph

METADATA_FIELDS = ("title", "source", "author", "date", "url", "lang")
# Query parameters that say how a reader arrived, not which page it is.
_TRACKING = re.compile(r"^(utm_\w+|fbclid|gclid|dclid|mc_cid|mc_eid|igshid|ocid|cmpid|ref_src|_ga)$", re.I)
_GIVEN_ID = re.compile(r"^\w[\w.\-/:]{0,99}$")


def title_key(title: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", title).casefold().split())


_QUOTES = str.maketrans({"‘": "'", "’": "'", "‚": "'", "‛": "'", "′": "'", "`": "'", "´": "'",
                         "“": '"', "”": '"', "„": '"', "‟": '"', "″": '"', "«": '"', "»": '"'})  # fmt: skip


def line_key(text: str) -> str:
    """A line as two readers of it would call the same: case, spacing, the shape of its quotes
    and the punctuation around it set aside (a ``# heading`` that repeats the headline)."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES).casefold()
    return " ".join(text.split()).strip(" .:;,!?-–—'\"")


def synonym_key(term: str) -> str:
    return " ".join(term.casefold().split())


def tag_key(tag: str) -> str:
    """Tags compare without case or extra spaces (``OpenAI`` is ``openai``)."""
    return " ".join(unicodedata.normalize("NFKC", tag).casefold().split())


MAX_TAG_CHARS = 100
MAX_TAGS = 100


def clean_tags(tags: Iterable[str]) -> list[str]:
    """Tags as a reader should keep them: ``Anthropic;OpenAI;AI safety`` is three tags (split
    at ``;``, ``,`` and ``|``), trimmed, each once whatever its case (as first given); at most
    MAX_TAGS of at most MAX_TAG_CHARS characters."""
    out: list[str] = []
    for tag in tags:
        for part in re.split(r"[;,|]", str(tag)):
            part = " ".join(part.split()).strip("\"'#")[:MAX_TAG_CHARS].strip()
            if part:
                out.append(part)
    return merge_tags(out)[:MAX_TAGS]


def url_key(url: str | None) -> str | None:
    """The canonical form of an article's address, for identity: ``https://Example.com/a/?utm_source=x#top``
    and ``http://example.com/a`` are the same page."""
    if not url or not url.strip():
        return None
    from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit  # (only writes need it: start-up)

    url = url.strip()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return url
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return url
    host = parts.hostname.lower().removeprefix("www.")
    if port and port not in (80, 443):
        host = f"{host}:{port}"
    path = re.sub(r"/+$", "", parts.path) or "/"
    query = urlencode(sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                             if not _TRACKING.match(k)))  # fmt: skip
    return urlunsplit(("", host, path, query, "")).removeprefix("//")


def text_key(paragraphs: Iterable[Paragraph]) -> str:
    """A hash of an article's words as read (every paragraph, whitespace and Unicode forms
    normalised): the same text gives the same key whatever file or flags it came with."""
    h = hashlib.sha256()
    for p in paragraphs:
        h.update(" ".join(unicodedata.normalize("NFC", p.text).split()).encode("utf-8"))
        h.update(b"\n")
    return h.hexdigest()


def new_id(article: Article, taken: Callable[[str], bool]) -> str:
    """An unused id: the article's own id if it has a usable one, else a slug of its title
    (with -2, -3, … while ``taken`` says the id is in use)."""
    if article.id and _GIVEN_ID.match(article.id) and not taken(article.id):
        return article.id
    base = slugify(article.id or article.title) or "article"
    candidate, n = base, 1
    while taken(candidate):
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def slugify(title: str, max_len: int = 40, max_words: int = 6) -> str:
    """The first words of ``title`` (at most ``max_len`` terminal columns), lower case, joined
    by hyphens: Latin letters without their accents (``café`` → ``cafe``), other scripts as they
    are (``오픈ai-안전팀``, ``москва``), since an id of a Korean or Japanese headline made of its
    Latin letters alone said nothing (``ai``, ``article-2``)."""
    kept: list[str] = []
    for c in unicodedata.normalize("NFD", unicodedata.normalize("NFKC", title).casefold()):
        if unicodedata.combining(c) and kept and kept[-1] < "\u0250":  # an accent on a Latin letter
            continue
        kept.append(c)
    words = re.findall(r"[^\W_]+", unicodedata.normalize("NFC", "".join(kept)))
    out: list[str] = []
    for w in words:
        if out and (columns("-".join(out + [w])) > max_len or len(out) >= max_words):
            break
        while columns(w) > max_len:
            w = w[:-1]
        out.append(w)
    return "-".join(out)


def merge(old: Article, new: Article) -> Article:
    """The stored article ``old`` read again as ``new``: the new text, and the metadata the new
    reading has (each field it lacks keeps its stored value; tags are the union, the stored
    ones first). Ids, ingestion time and versions are the stored article's."""
    merged = replace(new, paragraphs=list(new.paragraphs), tags=list(new.tags))
    for name in ("source", "author", "date", "url", "lang"):
        if not getattr(merged, name):
            setattr(merged, name, getattr(old, name))
    merged.tags = merge_tags(old.tags, new.tags)
    merged.id = old.id
    merged.ingested_at = old.ingested_at
    merged.versions = list(old.versions)
    if not merged.source_hash:
        merged.source_hash = old.source_hash
    return merged


def merge_tags(*lists: Iterable[str]) -> list[str]:
    """Tags in order, each once (compared without case), as first given."""
    out: dict[str, str] = {}
    for tags in lists:
        for t in tags:
            out.setdefault(tag_key(t), t)
    return list(out.values())


def change(old: Article, new: Article) -> str | None:
    """What ``new`` changes in ``old``: ``"text"``, ``"metadata"``, or None for nothing."""
    if _paragraphs(old) != _paragraphs(new):
        return "text"
    if metadata_changes(old, new):
        return "metadata"
    return None


def metadata_changes(old: Article, new: Article) -> list[tuple[str, object, object]]:
    """(field, old value, new value) for each metadata field that differs."""
    out: list[tuple[str, object, object]] = []
    for name in METADATA_FIELDS:
        a, b = getattr(old, name), getattr(new, name)
        if (a or None) != (b or None):
            out.append((name, a, b))
    if [tag_key(t) for t in old.tags] != [tag_key(t) for t in new.tags] or old.tags != new.tags:
        out.append(("tags", list(old.tags), list(new.tags)))
    return out


def _paragraphs(a: Article) -> list[tuple[str, str, str | None]]:
    return [(p.kind, p.text, p.credit or None) for p in a.paragraphs]


def snapshot(old: Article, replaced_at: str, change_kind: str) -> dict:
    """The record of a replaced version (what ``archive show --versions`` and export carry)."""
    return {
        "version": len(old.versions) + 1, "replaced_at": replaced_at, "change": change_kind,
        "title": old.title, "source": old.source, "author": old.author, "date": old.date, "url": old.url,
        "lang": old.lang, "tags": list(old.tags), "origin": old.origin, "source_hash": old.source_hash,
        "paragraphs": [p.to_dict() for p in old.paragraphs],
    }  # fmt: skip


def version_article(current: Article, n: int) -> Article:
    """Version ``n`` (1 = the first read) of ``current`` as an Article; the last is ``current``."""
    total = len(current.versions) + 1
    if n == total:
        return current
    rec = current.versions[n - 1]
    return Article(
        title=rec["title"], paragraphs=[Paragraph(p["n"], p["kind"], p["text"], p.get("credit"))
                                        for p in rec["paragraphs"]],
        source=rec.get("source"), author=rec.get("author"), date=rec.get("date"), url=rec.get("url"),
        lang=rec.get("lang"), tags=list(rec.get("tags") or []), id=current.id, ingested_at=current.ingested_at,
        origin=rec.get("origin"), source_hash=rec.get("source_hash"),
    )  # fmt: skip


def version_times(current: Article) -> list[tuple[str | None, str | None]]:
    """(from, until) of each version, the last (the current one) until None."""
    out: list[tuple[str | None, str | None]] = []
    start = current.ingested_at
    for rec in current.versions:
        out.append((start, rec.get("replaced_at")))
        start = rec.get("replaced_at")
    out.append((start, None))
    return out
