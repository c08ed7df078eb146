"""How much work one search may do, whatever its text: the bounds that keep a query from
tying the archive up (Lucene's ``max_expansions`` and ``maxBooleanClauses`` play this part in
OpenSearch). Each can be changed by an environment variable (archive.settings), read when a
search starts.
"""

from __future__ import annotations

# Characters and terms (words, phrases, operators) one query may have.
MAX_QUERY_CHARS = 10_000
MAX_QUERY_TERMS = 1_000
# Words one wildcard (``wor*``, ``w?rd``) may stand for: ``to*`` in 18,000 Reuters paragraphs
# stands for about 15,000, and OR-ing five of them took 13 s.
MAX_WILDCARD_TERMS = 1_000
# Words one fuzzy term (``word~2``) may stand for; the closest are kept beyond that (as
# OpenSearch's fuzzy query keeps its 50 best).
MAX_FUZZY_TERMS = 50
# Words a whole query may stand for once its wildcards and fuzzy terms are expanded.
MAX_EXPANDED_TERMS = 4_000
# Articles a filter on when they were added may name (it becomes a list of ids).
MAX_ADDED_ARTICLES = 10_000
# Megabytes a write needs at the least: Python, the modules, an open store and searcher.
MIN_MEMORY_MB = 200
# Seconds a search may take before it is stopped.
SEARCH_TIMEOUT = 5.0


def search_timeout() -> float:
    """ARCHIVE_SEARCH_TIMEOUT, in seconds (default SEARCH_TIMEOUT)."""
    from .settings import settings

    return settings().search_timeout


def max_wildcard_terms() -> int:
    from .settings import settings

    return settings().max_wildcard_terms


def max_expanded_terms() -> int:
    from .settings import settings

    return settings().max_expanded_terms
