"""Readers turn an input (a file, a directory's files, standard input) into Articles.

Each format is one module here; :func:`read_bytes` picks the reader by the name's extension
and the content (or as told). A reader never writes anything: it yields Articles, or
:class:`~archive.errors.ReadError` naming the input (and line) for what it cannot read.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterator

from ..errors import ReadError
from ..formats import FORMATS as _REGISTRY
from ..formats import binary_format, by_content_type, by_suffix, sniff
from ..model import Article
from .decode import NotText, decode_bytes

# Files a directory walk picks up, by extension, and the format of each (archive.formats).
SUFFIX_FORMATS = by_suffix()
FORMATS = tuple(_REGISTRY)
MAX_FILE_BYTES = 50 * 1024 * 1024  # per file; for a streamed JSONL file, per line
# The most one article may hold: the longest long-reads run to a few hundred paragraphs.
MAX_ARTICLE_PARAGRAPHS = 5_000
MAX_ARTICLE_CHARS = 2_000_000
# The largest web page read as an article (beyond it, extraction alone takes over 10 s).
MAX_HTML_BYTES = 10 * 1024 * 1024
# The longest metadata values kept (characters); longer ones are cut, marked with "…".
METADATA_CHARS = {"title": 1_000, "source": 300, "author": 300, "url": 2_048, "lang": 16}
# Read a line at a time, however large: JSON Lines (one article per line).
STREAMED = tuple(x for f in _REGISTRY.values() for x in f.streamed)
BINARY = {f.name for f in _REGISTRY.values() if f.magic}


@dataclass
class Source:
    """One input to read: its origin (a path, a URL, or ``<stdin>``)."""

    origin: str
    path: Path | None  # None for standard input and URLs
    url: str | None = None


def collect(inputs: list[str], follow_links: bool = False) -> tuple[list[Source], list[ReadError]]:
    """Expand command-line inputs into sources: files as given (a link too), directories
    recursively (hidden files and folders skipped, links out of the directory only with
    ``follow_links``, sorted for a stable order), ``-`` for stdin."""
    sources: list[Source] = []
    errors: list[ReadError] = []
    for raw in inputs:
        if raw == "-":
            sources.append(Source("<stdin>", None))
            continue
        if raw.startswith(("http://", "https://")):
            sources.append(Source(raw, None, url=raw))
            continue
        scheme = re.match(r"^([A-Za-z][A-Za-z0-9+.-]*)://", raw)
        if scheme:
            errors.append(ReadError(raw, f"unsupported URL scheme {scheme.group(1).lower()!r} (use http or https,"
                                         " or give a file's path)"))  # fmt: skip
            continue
        path = Path(raw)
        if path.is_dir():
            walked = list(_walk(path, follow_links))
            errors.extend(w for w in walked if isinstance(w, ReadError))
            found = sorted(w for w in walked if isinstance(w, Path))
            if not walked:
                kinds = ", ".join(sorted({f"*{s}" for s in SUFFIX_FORMATS if s}))
                errors.append(ReadError(raw, f"directory has no articles (looked for {kinds})"))
            sources.extend(Source(str(p), p) for p in found)
        elif path.exists():
            sources.append(Source(raw, path))
        else:
            errors.append(ReadError(raw, "no such file or directory"))
    return sources, errors


def estimate_articles(sources: list[Source]) -> int:
    """About how many articles the sources hold (a JSONL file: its lines), for a progress bar."""
    total = 0
    for source in sources:
        if source.path is not None and source.path.suffix.lower() in (".jsonl", ".ndjson"):
            try:
                with open(source.path, "rb") as f:
                    total += sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b""))
            except OSError:
                total += 1
        else:
            total += 1
    return total


def _read_jsonl_stream(stream, origin: str, overrides: dict | None, max_bytes: int) -> Iterator[Article | ReadError]:
    """JSON Lines from a stream (standard input), a line at a time."""
    from .jsonl import read_jsonl_stream

    try:
        yield from read_jsonl_stream(stream, origin, overrides, max_bytes)
    except OSError as e:
        yield ReadError(origin, e.strerror or str(e))


def _json_lines(path: Path, max_line_bytes: int) -> bool:
    """A JSONL file that really is one value per line (else it is read whole, as JSON)."""
    from .jsonl import is_json_lines

    try:
        return is_json_lines(path, max_line_bytes)
    except OSError:
        return True  # the streaming reader names the problem


def _is_archive_dir(d: Path) -> bool:
    """An archive's own folder (a store, or an OpenSearch archive's settings): never read as articles."""
    if (d / "archive.db").exists():
        return True
    config = d / "archive.json"
    try:
        return config.is_file() and '"engine"' in config.read_text(encoding="utf-8", errors="replace")[:4096]
    except OSError:
        return False


def _walk(root: Path, follow_links: bool = False) -> Iterator[Path | ReadError]:
    """The article files under ``root``. A link is followed only to a file inside ``root``
    (a link to /etc/passwd dropped into a folder is not an article), unless ``follow_links``."""
    inside = root.resolve()
    for dirpath, dirnames, filenames in os.walk(root, followlinks=follow_links):
        if _is_archive_dir(Path(dirpath)):
            dirnames[:] = []
            continue
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for name in filenames:
            p = Path(dirpath) / name
            if name.startswith(".") or p.suffix.lower() not in SUFFIX_FORMATS:
                continue
            if p.is_symlink() and not follow_links:
                target = p.resolve()
                if not target.is_relative_to(inside):
                    yield ReadError(str(p), "is a link to a file outside the directory; not read")
                    continue
            yield p


def read_source(source: Source, stdin: bytes | BinaryIO | None = None, overrides: dict | None = None,
                fmt: str | None = None, max_bytes: int = MAX_FILE_BYTES,
                timeout: float | None = None) -> Iterator[Article | ReadError]:  # fmt: skip
    """Read one source: its articles, or ReadErrors naming what could not be read.

    ``overrides`` (title, source, date, url, author, lang, tags) win over what the input says;
    tags are added to its own. A language nobody gave is detected."""
    for item in _read_source(source, stdin, overrides, fmt, max_bytes, timeout):
        if isinstance(item, Article):
            too_big = oversized(item)  # (before language detection, which reads all the text)
            if too_big:
                yield ReadError(item.origin or source.origin, too_big)
                continue
            finish(item, overrides)
        yield item


def oversized(article: Article) -> str | None:
    """Why an article is more text than any news article has, or None. (A page of 20,000
    paragraphs is a dump, not an article: refused before it costs minutes to index.)"""
    chars = sum(len(p.text) for p in article.paragraphs)
    if len(article.paragraphs) > MAX_ARTICLE_PARAGRAPHS or chars > MAX_ARTICLE_CHARS:
        return (f"has {len(article.paragraphs):,} paragraphs and {chars:,} characters: more than an article has "
                f"(at most {MAX_ARTICLE_PARAGRAPHS:,} paragraphs and {MAX_ARTICLE_CHARS:,} characters); split it")
    return None


def finish(article: Article, overrides: dict | None) -> Article:
    """Apply command-line metadata (all but the title, which readers place) and detect the language."""
    from ..identity import clean_tags

    for key, value in (overrides or {}).items():
        if key == "tags":
            article.tags = [*article.tags, *value]
        elif key != "title" and value:
            setattr(article, key, value)
    article.tags = clean_tags(article.tags)
    for name, most in METADATA_CHARS.items():  # a byline of a million characters is no byline
        value = getattr(article, name)
        if isinstance(value, str) and len(value) > most:
            setattr(article, name, value[:most].rstrip() + "…")
            if name == "title" and article.paragraphs and article.paragraphs[0].kind == "title":
                article.paragraphs[0].text = article.title
    if not article.lang:
        from .language import detect_language

        article.lang = detect_language(article)
    return article


def _read_source(source: Source, stdin: bytes | BinaryIO | None, overrides: dict | None, fmt: str | None, max_bytes: int,
                 timeout: float | None) -> Iterator[Article | ReadError]:  # fmt: skip
    if source.url is not None:
        yield from _read_url(source.url, overrides, fmt, max_bytes, timeout)
        return
    if source.path is None:
        if stdin is not None and not isinstance(stdin, (bytes, bytearray)):  # a stream
            from .jsonl import stream_json_lines

            head = stream_json_lines(stdin, max_bytes) if fmt == "json" else None
            if head is not None and not isinstance(head, bytes):  # JSON Lines: a line at a time
                yield from _read_jsonl_stream(head, source.origin, overrides, max_bytes)
                return
            data = (head or b"") + stdin.read(max_bytes + 1 - len(head or b""))
        else:
            data = stdin if stdin is not None else b""
        if len(data) > max_bytes:
            yield ReadError(source.origin, f"input is {len(data):,} bytes, over the {max_bytes:,}-byte limit")
            return
    elif fmt in (None, "json") and source.path.suffix.lower() in STREAMED and _json_lines(source.path, max_bytes):
        from .jsonl import read_jsonl_file

        try:
            yield from read_jsonl_file(source.path, source.origin, overrides, max_bytes)
        except PermissionError:
            yield ReadError(source.origin, "permission denied")
        except OSError as e:
            yield ReadError(source.origin, e.strerror or str(e))
        return
    else:
        try:
            size = source.path.stat().st_size
            if size > max_bytes:
                raise ReadError(source.origin, f"file is {size:,} bytes, over the {max_bytes:,}-byte limit")
            data = source.path.read_bytes()
        except ReadError as e:
            yield e
            return
        except PermissionError:
            yield ReadError(source.origin, "permission denied")
            return
        except IsADirectoryError:
            yield ReadError(source.origin, "is a directory")
            return
        except OSError as e:
            yield ReadError(source.origin, e.strerror or str(e))
            return
    yield from read_bytes(data, source.origin, overrides, fmt)


def _read_url(url: str, overrides: dict | None, fmt: str | None, max_bytes: int,
              timeout: float | None) -> Iterator[Article | ReadError]:  # fmt: skip
    from .fetch import DEFAULT_TIMEOUT, fetch

    try:
        page = fetch(url, max_bytes, timeout or DEFAULT_TIMEOUT)
    except ReadError as e:
        yield e
        return
    ctype = page.content_type
    if fmt is None:
        fmt = by_content_type(ctype)
        if fmt is None:
            yield ReadError(url, f"not an HTML page or a feed (content type {ctype})")
            return
    if page.charset:
        try:
            page.data.decode(page.charset)
        except (LookupError, UnicodeDecodeError):
            page.charset = None
    text = page.data.decode(page.charset) if page.charset else None
    overrides = dict(overrides or {})
    for item in read_bytes(page.data, url, overrides, fmt, text=text, base_url=page.url):
        if isinstance(item, Article):
            item.url = item.url or page.url
        yield item


def detect_format(name: str, text: str) -> str:
    """The format of an input: by its name's suffix, else by its first characters."""
    suffix = Path(name).suffix.lower()
    if suffix in SUFFIX_FORMATS and suffix:
        return SUFFIX_FORMATS[suffix]
    return sniff(text)


def read_bytes(data: bytes, origin: str, overrides: dict | None = None, fmt: str | None = None,
               text: str | None = None, base_url: str | None = None) -> Iterator[Article | ReadError]:  # fmt: skip
    """The articles in ``data`` read as ``fmt`` (detected from ``origin`` and content if None).
    ``text`` is the decoded data when the caller knows the charset (a web page's header)."""
    if not data.strip():
        yield ReadError(origin, "empty file")
        return
    if fmt is None and SUFFIX_FORMATS.get(Path(origin).suffix.lower()) in BINARY:
        fmt = SUFFIX_FORMATS[Path(origin).suffix.lower()]
    fmt = fmt or binary_format(data)
    if fmt in BINARY:  # (never decoded as text)
        text = ""
    elif text is None:
        try:
            text, _encoding = decode_bytes(data)
        except NotText as e:
            yield ReadError(origin, str(e))
            return
    fmt = fmt or detect_format(origin, text)
    if fmt == "html" and len(data) > MAX_HTML_BYTES:
        yield ReadError(origin, f"page is {len(data):,} bytes of HTML, over the {MAX_HTML_BYTES:,} bytes read as "
                                "one article")  # fmt: skip
        return
    digest = None
    try:
        for item in _REGISTRY[fmt].reader()(data, text, origin, overrides, base_url):
            if isinstance(item, Article) and not item.source_hash:  # one article per input: its bytes
                digest = digest or hashlib.sha256(data).hexdigest()
                item.source_hash = digest
            yield item
    except ReadError as e:  # a reader that cannot go on: the input's last word is this error
        yield e


def read_all(data: bytes, origin: str, overrides: dict | None = None, fmt: str | None = None) -> list[Article]:
    """Every article in ``data`` (language detected); raises the first ReadError. For tests and scripts."""
    out = []
    for item in read_bytes(data, origin, overrides, fmt):
        if isinstance(item, Article):
            finish(item, overrides)
        if isinstance(item, ReadError):
            raise item
        out.append(item)
    return out
