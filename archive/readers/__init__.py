"""Readers turn an input (a file, a directory's files, standard input) into Articles.

Each format is one module here; :func:`read_bytes` picks the reader by the name's extension
and the content (or as told). A reader never writes anything: it yields Articles, or
:class:`~archive.errors.ReadError` naming the input (and line) for what it cannot read.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from ..errors import ReadError
from ..model import Article
from .decode import NotText, decode_bytes

# Files a directory walk picks up, by extension, and the reader for each.
SUFFIX_FORMATS = {
    ".txt": "text", ".text": "text", "": "text",
    ".json": "json", ".jsonl": "json", ".ndjson": "json",
}  # fmt: skip
FORMATS = ("text", "json")
MAX_FILE_BYTES = 50 * 1024 * 1024


@dataclass
class Source:
    """One input to read: its origin (a path, or ``<stdin>``)."""

    origin: str
    path: Path | None  # None for standard input


def collect(inputs: list[str]) -> tuple[list[Source], list[ReadError]]:
    """Expand command-line inputs into sources: files as given, directories recursively
    (hidden files and folders skipped, sorted for a stable order), ``-`` for stdin."""
    sources: list[Source] = []
    errors: list[ReadError] = []
    for raw in inputs:
        if raw == "-":
            sources.append(Source("<stdin>", None))
            continue
        path = Path(raw)
        if path.is_dir():
            found = sorted(_walk(path))
            if not found:
                kinds = ", ".join(sorted({f"*{s}" for s in SUFFIX_FORMATS if s}))
                errors.append(ReadError(raw, f"directory has no articles (looked for {kinds})"))
            sources.extend(Source(str(p), p) for p in found)
        elif path.exists():
            sources.append(Source(raw, path))
        else:
            errors.append(ReadError(raw, "no such file or directory"))
    return sources, errors


def _walk(root: Path) -> Iterator[Path]:
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for name in filenames:
            p = Path(dirpath) / name
            if not name.startswith(".") and p.suffix.lower() in SUFFIX_FORMATS:
                yield p


def read_source(source: Source, stdin: bytes | None = None, overrides: dict | None = None,
                fmt: str | None = None, max_bytes: int = MAX_FILE_BYTES) -> Iterator[Article | ReadError]:  # fmt: skip
    """Read one source: its articles, or ReadErrors naming what could not be read."""
    if source.path is None:
        data = stdin if stdin is not None else b""
        if len(data) > max_bytes:
            yield ReadError(source.origin, f"input is {len(data):,} bytes, over the {max_bytes:,}-byte limit")
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


def detect_format(name: str, text: str) -> str:
    suffix = Path(name).suffix.lower()
    if suffix in SUFFIX_FORMATS and suffix:
        return SUFFIX_FORMATS[suffix]
    head = text.lstrip()[:1]
    if head in ("{", "["):
        return "json"
    return "text"


def read_bytes(data: bytes, origin: str, overrides: dict | None = None,
               fmt: str | None = None) -> Iterator[Article | ReadError]:  # fmt: skip
    """The articles in ``data`` read as ``fmt`` (detected from ``origin`` and content if None)."""
    if not data.strip():
        yield ReadError(origin, "empty file")
        return
    try:
        text, _encoding = decode_bytes(data)
    except NotText as e:
        yield ReadError(origin, str(e))
        return
    fmt = fmt or detect_format(origin, text)
    if fmt == "json":
        from .jsonl import read_json_text

        yield from read_json_text(text, origin, overrides)
        return
    from .text import read_text

    try:
        article = read_text(text, origin, overrides)
    except ReadError as e:
        yield e
        return
    article.source_hash = hashlib.sha256(data).hexdigest()
    yield article


def read_all(data: bytes, origin: str, overrides: dict | None = None, fmt: str | None = None) -> list[Article]:
    """Every article in ``data``; raises the first ReadError. Handy in tests and scripts."""
    out = []
    for item in read_bytes(data, origin, overrides, fmt):
        if isinstance(item, ReadError):
            raise item
        out.append(item)
    return out
