"""JSON and JSONL articles: one article per object, as news exports and ``archive export`` write them.

Accepted field names (the first one present wins):

=========  ===================================================================================
field      names accepted
=========  ===================================================================================
id         ``id``, ``_id``, ``article_id``, ``uuid``
title      ``title``, ``headline``, ``name``
subtitle   ``subtitle``, ``subheadline``, ``deck``, ``dek``
text       ``paragraphs`` (a list of strings or of ``{"text", "kind", "credit"}`` objects),
           ``text``, ``body``, ``content``, ``full_text``, ``maintext``, ``article``, ``sentences``
           (a string is split at blank lines, or at line ends if it has no blank lines)
url        ``url``, ``link``, ``canonical_url``, ``source_url``
source     ``source`` (a string or ``{"name": …}``), ``publisher``, ``site_name``, ``sitename``, ``outlet``
author     ``author``, ``authors`` (a list), ``byline``, ``creator``
date       ``date``, ``published``, ``published_at``, ``publishedAt``, ``pubDate``, ``date_publish``,
           ``datePublished``, ``publish_date``, ``created_at``
lang       ``lang``, ``language``
tags       ``tags``, ``keywords``, ``categories``, ``topics`` (a list or a comma-separated string)
=========  ===================================================================================

``ingested_at``, ``origin`` and ``source_hash`` (as ``archive export`` writes them) are kept.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from pathlib import Path
from typing import Any, BinaryIO, Iterator

from ..analysis import normalize_text
from ..dates import parse_date
from ..errors import ReadError
from ..model import KINDS, Article, Paragraph
from ..reports import ArchiveSettings

ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("id", "_id", "article_id", "uuid"),
    "title": ("title", "headline", "name"),
    "subtitle": ("subtitle", "subheadline", "deck", "dek"),
    "text": ("paragraphs", "text", "body", "content", "full_text", "maintext", "article", "sentences"),
    "url": ("url", "link", "canonical_url", "source_url"),
    "source": ("source", "publisher", "site_name", "sitename", "outlet"),
    "author": ("author", "authors", "byline", "creator"),
    "date": ("date", "published", "published_at", "publishedAt", "pubDate", "date_publish", "datePublished",
             "publish_date", "created_at"),  # fmt: skip
    "lang": ("lang", "language"),
    "tags": ("tags", "keywords", "categories", "topics"),
}


def read_json_text(text: str, origin: str, overrides: dict | None = None) -> Iterator[Article | ReadError]:
    """Articles of a JSON document (an object, or a list of objects) or of JSONL lines.

    A line or object that is not an article yields a ReadError naming it; the rest go on.
    """
    stripped = text.lstrip()
    if stripped.startswith("["):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as e:
            yield ReadError(origin, f"not valid JSON (line {e.lineno}: {e.msg})")
            return
        except (ValueError, RecursionError) as e:
            yield ReadError(origin, _unreadable(e))
            return
        for i, obj in enumerate(data, start=1):
            yield _safe(obj, f"{origin}: item {i}", overrides, json.dumps(obj, sort_keys=True))
        return
    if stripped.startswith("{"):
        try:  # one object, maybe spread over many lines
            obj = json.loads(text)
        except (ValueError, RecursionError):
            pass
        else:
            yield _safe(obj, origin, overrides, text)
            return
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{origin}: line {lineno}"
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            yield ReadError(where, f"not valid JSON ({e.msg})")
            continue
        except (ValueError, RecursionError) as e:
            yield ReadError(where, _unreadable(e))
            continue
        yield _safe(obj, where, overrides, line)


def is_json_lines(path: Path, max_line_bytes: int) -> bool:
    """Whether the file's first non-blank line is a whole JSON value (so the file is JSON
    Lines), and not the start of one document spread over many lines."""
    with open(path, "rb") as f:
        return not isinstance(stream_json_lines(f, max_line_bytes), bytes)


class _Prepended:
    """A stream whose first lines were already read: they are given back first."""

    def __init__(self, head: bytes, stream: BinaryIO) -> None:
        self.head = io.BytesIO(head)
        self.stream = stream

    def readline(self, size: int = -1) -> bytes:
        line = self.head.readline(size)
        return line if line else self.stream.readline(size)


def stream_json_lines(stream: BinaryIO, max_line_bytes: int) -> BinaryIO | bytes:
    """Look at a stream's first non-blank line: if it is a whole JSON value, the stream (with
    that line given back) to read as JSON Lines; if not (one document spread over many
    lines), the bytes read so far, for the caller to read the rest and parse it whole."""
    head = b""
    while True:
        raw = stream.readline(max_line_bytes + 1)
        head += raw
        if not raw or raw.strip():
            break
    if len(raw) > max_line_bytes and not raw.endswith(b"\n"):  # a first line over the limit: JSON Lines,
        return _Prepended(head, stream)  # whose reader reports that line and goes on with the rest
    try:
        json.loads(raw.removeprefix(b"\xef\xbb\xbf"))
    except (ValueError, RecursionError):
        return head
    return _Prepended(head, stream)


def read_jsonl_file(path: Path, origin: str, overrides: dict | None = None,
                    max_line_bytes: int = 50 * 1024 * 1024) -> Iterator[Article | ReadError]:  # fmt: skip
    """Articles of a JSONL file, read a line at a time: memory stays flat however large the
    file (an export of a million paragraphs is 150 MB). The size limit applies to each line,
    that is to each article; a longer line is refused by number and the rest go on."""
    with open(path, "rb") as f:
        yield from read_jsonl_stream(f, origin, overrides, max_line_bytes)


def read_jsonl_stream(f: BinaryIO, origin: str, overrides: dict | None = None,
                      max_line_bytes: int = 50 * 1024 * 1024) -> Iterator[Article | ReadError]:  # fmt: skip
    """The same for any binary stream with ``readline`` (standard input, say)."""
    from .decode import NotText, decode_bytes

    seen = False
    lineno = 0
    while True:
        raw = f.readline(max_line_bytes + 1)
        if not raw:
            break
        lineno += 1
        where = f"{origin}: line {lineno}"
        if len(raw) > max_line_bytes and not raw.endswith(b"\n"):
            size = len(raw)
            while raw and not raw.endswith(b"\n"):  # skip the rest of the line, a chunk at a time
                raw = f.readline(1 << 20)
                size += len(raw)
            yield ReadError(where, f"line is {size:,} bytes, over the {max_line_bytes:,}-byte limit")
            continue
        if lineno == 1:
            raw = raw.removeprefix(b"\xef\xbb\xbf")
        if not raw.strip():
            continue
        seen = True
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            try:
                line, _ = decode_bytes(raw)
            except NotText as e:
                yield ReadError(where, str(e))
                continue
        line = line.rstrip("\r\n")
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            yield ReadError(where, f"not valid JSON ({e.msg})")
            continue
        except (ValueError, RecursionError) as e:
            yield ReadError(where, _unreadable(e))
            continue
        if isinstance(obj, list):  # a JSON array on one line: each item an article
            for i, item in enumerate(obj, start=1):
                yield _safe(item, f"{where}: item {i}", overrides, json.dumps(item, sort_keys=True))
            continue
        yield _safe(obj, where, overrides, line)
    if not seen:
        yield ReadError(origin, "empty file")


MAX_SYNONYM_GROUPS = 100_000
MAX_SYNONYM_CHARS = 200


def _safe(obj: Any, where: str, overrides: dict | None, raw: str) -> Article | ArchiveSettings | ReadError:
    if isinstance(obj, dict) and list(obj) == ["archive"]:  # an export's first record: the archive's own settings
        return _settings(obj["archive"], where)
    try:
        article = article_from_object(obj, where, overrides)
    except ReadError as e:
        return e
    if not article.source_hash:
        article.source_hash = hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()
    return article


def _settings(value: Any, where: str) -> ArchiveSettings | ReadError:
    groups = value.get("synonyms", []) if isinstance(value, dict) else None
    watches = value.get("watches", []) if isinstance(value, dict) else None
    if not isinstance(watches, list) or not all(isinstance(w, dict) and isinstance(w.get("name"), str)
                                                and isinstance(w.get("query"), str) for w in watches):
        return ReadError(where, "the archive's settings are not readable (watches: a list of saved searches)")
    if not isinstance(groups, list) or len(groups) > MAX_SYNONYM_GROUPS:
        return ReadError(where, "the archive's settings are not readable (synonyms: a list of lists of terms)")
    out = []
    for group in groups:
        if not isinstance(group, list) or not all(isinstance(t, str) for t in group):
            return ReadError(where, "the archive's settings are not readable (synonyms: a list of lists of terms)")
        terms = [" ".join(t.split())[:MAX_SYNONYM_CHARS] for t in group if t.strip()]
        if len(terms) >= 2:
            out.append(terms)
    return ArchiveSettings(out, watches[:MAX_SYNONYM_GROUPS])


def _unreadable(e: BaseException) -> str:
    """What json.loads could not read, beyond a syntax error: a value nested too deeply, a
    number too long to convert."""
    if isinstance(e, RecursionError):
        return "not readable JSON (nested too deeply)"
    return f"not readable JSON ({' '.join(str(e).split())[:120]})"


def _first(obj: dict, field: str) -> Any:
    for name in ALIASES[field]:
        value = obj.get(name)
        if value not in (None, "", [], {}):
            return value
    return None


def _string(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, dict):
        value = value.get("name") or value.get("title") or value.get("value")
    if isinstance(value, list):
        value = ", ".join(str(_string(v)) for v in value if _string(v))
    value = normalize_text(str(value)) if value is not None else None
    return value or None


def article_from_object(obj: Any, where: str, overrides: dict | None = None) -> Article:
    if not isinstance(obj, dict):
        raise ReadError(where, f"expected an article object, found {type(obj).__name__}")
    paragraphs = _paragraphs(_first(obj, "text"), where)
    title = _string((overrides or {}).get("title")) or _string(_first(obj, "title"))
    has_title_para = bool(paragraphs) and paragraphs[0].kind == "title"
    if has_title_para:
        title = title or paragraphs[0].text
        paragraphs[0] = Paragraph(1, "title", title)
    elif title:
        subtitle = _string(_first(obj, "subtitle"))
        head = [Paragraph(0, "title", title)] + ([Paragraph(0, "subtitle", subtitle)] if subtitle else [])
        paragraphs = head + paragraphs
    if not any(p.kind != "title" for p in paragraphs):
        raise ReadError(where, "no article text (looked for " + ", ".join(ALIASES["text"][:4]) + ", …)")
    if not title:  # a headline-less record: its first words stand in as the title
        first = paragraphs[0].text
        title = first if len(first) <= 80 else first[: first.rfind(" ", 0, 80)] + " …"
    for n, p in enumerate(paragraphs, start=1):
        p.n = n

    meta: dict[str, Any] = {
        "source": _string(_first(obj, "source")),
        "author": _string(_first(obj, "author")),
        "url": _string(_first(obj, "url")),
        "lang": (_string(_first(obj, "lang")) or "").lower()[:8] or None,
        "id": _string(_first(obj, "id")),
    }
    raw_date = _first(obj, "date")
    if raw_date is not None:
        meta["date"] = parse_date(str(raw_date))
        if meta["date"] is None:
            raise ReadError(where, f"date {raw_date!r} is not a date")
    tags = _first(obj, "tags")
    if isinstance(tags, str):
        tags = tags.split(",")
    meta["tags"] = [t for t in (_string(x) for x in (tags or [])) if t]
    return Article(
        title=title, paragraphs=paragraphs, source=meta["source"], author=meta["author"], date=meta.get("date"),
        url=meta["url"], lang=meta["lang"], tags=meta["tags"], id=meta["id"],
        ingested_at=_string(obj.get("ingested_at")), origin=_string(obj.get("origin")) or where,
        source_hash=_string(obj.get("source_hash")), versions=_versions(obj.get("versions"), where),
    )  # fmt: skip


def _versions(value: Any, where: str) -> list[dict]:
    """Earlier versions as ``archive export`` writes them (archive.identity.snapshot records)."""
    if value in (None, []):
        return []
    ok = isinstance(value, list) and all(
        isinstance(v, dict) and isinstance(v.get("title"), str) and isinstance(v.get("paragraphs"), list)
        and all(isinstance(p, dict) and isinstance(p.get("n"), int) and isinstance(p.get("text"), str)
                and p.get("kind") in KINDS for p in v["paragraphs"])
        for v in value)  # fmt: skip
    if not ok:
        raise ReadError(where, "versions should be a list of earlier versions as archive export writes them")
    return value


def _paragraphs(value: Any, where: str) -> list[Paragraph]:
    if value is None:
        return []
    if isinstance(value, str):
        chunks = re.split(r"\n\s*\n", value) if re.search(r"\n\s*\n", value) else value.splitlines()
        items: list[Any] = chunks
    elif isinstance(value, list):
        items = value
    else:
        raise ReadError(where, f"article text should be a string or a list, found {type(value).__name__}")
    out: list[Paragraph] = []
    for item in items:
        if isinstance(item, dict):
            text = normalize_text(str(item.get("text") or ""))
            kind = str(item.get("kind") or "body")
            if kind not in KINDS:
                raise ReadError(where, f"paragraph kind {kind!r} is not one of {', '.join(KINDS)}")
            credit = _string(item.get("credit"))
        else:
            text, kind, credit = normalize_text(str(item)), "body", None
        if text:
            out.append(Paragraph(0, kind, text, credit))
    return out


def read(data: bytes, text: str, origin: str, overrides: dict | None = None,
         base_url: str | None = None) -> Iterator[Article | ReadError]:  # fmt: skip
    """The registry's entry (archive.formats): one article per object or line."""
    yield from read_json_text(text, origin, overrides)


def looks_like_json(head: str) -> bool:
    return head[:1] in ("{", "[")
