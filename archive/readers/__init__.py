"""Readers turn an input (a file, a directory's files, standard input) into Articles.

Each format is one module here; :func:`read_bytes` picks the reader. A reader never writes
anything: it returns Articles or raises :class:`~archive.errors.ReadError` naming the input.
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
from .text import read_text

# Files a directory walk picks up. A file named on the command line is always tried.
ARTICLE_SUFFIXES = {".txt", ".text", ""}
MAX_FILE_BYTES = 50 * 1024 * 1024


@dataclass
class Source:
    """One input to read: its bytes' origin (a path, or ``-`` for standard input)."""

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
                errors.append(ReadError(raw, "directory has no articles (looked for *.txt)"))
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
            if not name.startswith(".") and p.suffix.lower() in ARTICLE_SUFFIXES:
                yield p


def read_source(source: Source, stdin: bytes | None = None, overrides: dict | None = None,
                max_bytes: int = MAX_FILE_BYTES) -> list[Article]:  # fmt: skip
    """Read one source into its articles. Raises ReadError naming the source."""
    if source.path is None:
        data = stdin if stdin is not None else b""
    else:
        try:
            size = source.path.stat().st_size
            if size > max_bytes:
                raise ReadError(source.origin, f"file is {size:,} bytes, over the {max_bytes:,}-byte limit")
            data = source.path.read_bytes()
        except PermissionError:
            raise ReadError(source.origin, "permission denied") from None
        except IsADirectoryError:
            raise ReadError(source.origin, "is a directory") from None
        except OSError as e:
            raise ReadError(source.origin, e.strerror or str(e)) from None
    return read_bytes(data, source.origin, overrides)


def read_bytes(data: bytes, origin: str, overrides: dict | None = None) -> list[Article]:
    if not data.strip():
        raise ReadError(origin, "empty file")
    try:
        text, _encoding = decode_bytes(data)
    except NotText as e:
        raise ReadError(origin, str(e)) from None
    article = read_text(text, origin, overrides)
    article.source_hash = hashlib.sha256(data).hexdigest()
    return [article]
