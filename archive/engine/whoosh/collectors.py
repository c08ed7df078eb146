"""Collecting hits: within the search's time budget, counting while collecting the top, and
counting matches without scoring them.
"""

from __future__ import annotations

import time
from typing import Iterator

from . import lean  # noqa: F401 (first: Whoosh without what it pulls in and the archive never uses)

from whoosh import collectors, sorting


class _Deadline(collectors.WrappingCollector):
    """A collector that stops the search (collectors.TimeLimit) once it has run past a
    deadline, looking at the clock every 1,024 matches and at each segment. (Whoosh's
    TimeLimitCollector starts a timer thread per search: +1.4 ms on a 4 ms search.)"""

    def __init__(self, child, seconds: float) -> None:
        super().__init__(child)
        self.deadline = time.monotonic() + seconds

    def collect_matches(self) -> None:
        deadline, collect = self.deadline, self.child.collect
        if time.monotonic() > deadline:
            raise collectors.TimeLimit
        n = 0
        for sub_docnum in self.child.matches():
            collect(sub_docnum)
            n += 1
            if not n & 1023 and time.monotonic() > deadline:
                raise collectors.TimeLimit


def timed(collector, seconds: float):
    """``collector`` stopped (collectors.TimeLimit) once the search has run ``seconds``."""
    return _Deadline(collector, seconds)


def timed_search(s, wquery, limit: int | None, seconds: float, **kwargs):
    """What ``s.search(wquery, limit=limit, **kwargs)`` gives, within ``seconds`` (no filter or
    mask here: Whoosh's filtering collector would sit outside the time limit and be skipped)."""
    assert "mask" not in kwargs and "filter" not in kwargs
    collector = s.collector(limit=limit, terms=False, **kwargs)
    s.search_with_collector(wquery, timed(collector, seconds))
    return collector.results()


def count_upto(items, most: int) -> int:
    n = 0
    for _ in items:
        n += 1
        if n >= most:
            break
    return n


class CountingTop(collectors.TopCollector):
    """Whoosh's top-N collector, which can also walk every match so that its count is the
    total and the query need not be walked a second time to count them. Worth it for phrases:
    checking positions costs the same whether a match is scored or counted, and block-quality
    skipping rarely skips any ('central bank': 150 ms, half of it counting again); not for
    common words, where skipping saves most of the work ('said': 40,000 matches)."""

    def __init__(self, limit: int, walk_all: bool) -> None:
        # Walking all: no block skipping, and no matcher replacement (which can drop matches too).
        super().__init__(limit, usequality=not walk_all, replace=0 if walk_all else 10)
        self.walk_all = walk_all  # else matches may go uncounted


def matching_docs(s, query) -> Iterator[int]:
    """The docnums ``query`` matches, walking its matchers unscored. (Whoosh's ``docs_for_query``
    asks an intersection for ``all_ids``, which makes a set of each side's every match: counting
    'said' read all 40,000 of its paragraphs.)"""
    context = s.boolean_context()
    for sub, offset in s.leaf_searchers():
        m = query.matcher(sub, context)
        while m.is_active():
            yield offset + m.id()
            m.next()


def count_matches(s, query, up_to: int) -> tuple[int, bool]:
    """How many paragraphs ``query`` matches, counted up to ``up_to``; and whether that is all."""
    n = 0
    for n, _ in enumerate(matching_docs(s, query), start=1):
        if n >= up_to:
            return n, False
    return n, True


def hit_score(key) -> float:
    """A hit's score; sorted by (date, score), Whoosh gives the sort key, with -score last."""
    if isinstance(key, tuple):
        return float(-key[-1])
    return float(key or 0.0)


class NewestFirst(sorting.FacetType):
    """Sort by a date column, newest first, the undated last. (Whoosh's own reversed sort on a
    column that is not reversible lists the values of the whole index and fails on a segment
    where no document has one: "b'' is not in list", whenever an archive's undated articles
    were added in a write of their own.)"""

    def __init__(self, fieldname: str) -> None:
        self.fieldname = fieldname

    def categorizer(self, global_searcher) -> "_NewestFirst":
        return _NewestFirst(self.fieldname)


class _NewestFirst(sorting.Categorizer):
    def __init__(self, fieldname: str) -> None:
        self.fieldname = fieldname
        self._column = None

    def set_searcher(self, segment_searcher, docoffset: int) -> None:
        self._column = segment_searcher.reader().column_reader(self.fieldname, translate=False)

    def key_for(self, matcher, segment_docnum: int) -> tuple[int, bytes]:
        value = self._column[segment_docnum]
        return (0, bytes(255 - b for b in value)) if value else (1, b"")
