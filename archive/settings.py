"""Every ``ARCHIVE_*`` environment variable the library reads, in one place.

``settings()`` gives them parsed and checked, as one frozen :class:`Settings`; it parses the
environment once for each distinct set of values (a test or a server that changes a variable
sees the change at its next call). A value that does not parse falls back to the default: the
environment tunes the archive, it never breaks it. The command line's own variables
(``ARCHIVE_INDEX`` and the flags' ``envvar``\\ s) are Click's, in ``cli.py``.
"""

from __future__ import annotations

import functools
import os
from typing import NamedTuple

DEFAULT_URL = "http://127.0.0.1:9200"

from .limits import MAX_EXPANDED_TERMS, MAX_QUERY_CHARS, MAX_QUERY_TERMS, MAX_WILDCARD_TERMS, SEARCH_TIMEOUT

NAMES = (
    "ARCHIVE_ENGINE", "ARCHIVE_URL", "ARCHIVE_NAME", "ARCHIVE_SEARCH_TIMEOUT", "ARCHIVE_MAX_QUERY_CHARS",
    "ARCHIVE_MAX_QUERY_TERMS", "ARCHIVE_MAX_WILDCARD_TERMS", "ARCHIVE_MAX_EXPANDED_TERMS", "ARCHIVE_SEMANTIC",
    "ARCHIVE_MODEL_DIR", "ARCHIVE_TRACEBACK", "ARCHIVE_CRASH_AT",
)  # fmt: skip


class Settings(NamedTuple):
    """The environment's settings (a named tuple: immutable, and cheap to define at start-up)."""

    engine: str = "whoosh"  # ARCHIVE_ENGINE: the engine of a new archive
    url: str | None = None  # ARCHIVE_URL: the cluster's address (overrides an archive's own)
    name: str = "archive"  # ARCHIVE_NAME: a new OpenSearch archive's name
    search_timeout: float = SEARCH_TIMEOUT  # ARCHIVE_SEARCH_TIMEOUT, seconds
    max_query_chars: int = MAX_QUERY_CHARS  # ARCHIVE_MAX_QUERY_CHARS
    max_query_terms: int = MAX_QUERY_TERMS  # ARCHIVE_MAX_QUERY_TERMS
    max_wildcard_terms: int = MAX_WILDCARD_TERMS  # ARCHIVE_MAX_WILDCARD_TERMS
    max_expanded_terms: int = MAX_EXPANDED_TERMS  # ARCHIVE_MAX_EXPANDED_TERMS
    semantic: bool = True  # ARCHIVE_SEMANTIC=off (or 0, no, false): ranking by words only
    semantic_value: str | None = None  # ... as it was set, for messages
    model_dir: str | None = None  # ARCHIVE_MODEL_DIR: the embedding model's files
    traceback: bool = False  # ARCHIVE_TRACEBACK=1: let the original exception through (bug reports)
    crash_at: str | None = None  # ARCHIVE_CRASH_AT: tests kill a writer at this point


def settings() -> Settings:
    return _parse(tuple(os.environ.get(name) for name in NAMES))


@functools.lru_cache(maxsize=16)
def _parse(values: tuple[str | None, ...]) -> Settings:
    env = dict(zip(NAMES, values))
    semantic = env["ARCHIVE_SEMANTIC"]
    return Settings(
        engine=(env["ARCHIVE_ENGINE"] or "whoosh").strip().lower(),
        url=env["ARCHIVE_URL"] or None,
        name=env["ARCHIVE_NAME"] or "archive",
        search_timeout=_positive(env["ARCHIVE_SEARCH_TIMEOUT"], SEARCH_TIMEOUT),
        max_query_chars=_count(env["ARCHIVE_MAX_QUERY_CHARS"], MAX_QUERY_CHARS),
        max_query_terms=_count(env["ARCHIVE_MAX_QUERY_TERMS"], MAX_QUERY_TERMS),
        max_wildcard_terms=_count(env["ARCHIVE_MAX_WILDCARD_TERMS"], MAX_WILDCARD_TERMS),
        max_expanded_terms=_count(env["ARCHIVE_MAX_EXPANDED_TERMS"], MAX_EXPANDED_TERMS),
        semantic=(semantic or "").strip().lower() not in ("off", "0", "no", "false"),
        semantic_value=semantic,
        model_dir=env["ARCHIVE_MODEL_DIR"] or None,
        traceback=(env["ARCHIVE_TRACEBACK"] or "") not in ("", "0"),
        crash_at=env["ARCHIVE_CRASH_AT"] or None,
    )


def _positive(raw: str | None, default: float) -> float:
    try:
        value = float(raw) if raw is not None else default
    except ValueError:
        return default
    return value if value > 0 else default


def _count(raw: str | None, default: int) -> int:
    return max(1, int(_positive(raw, default)))
