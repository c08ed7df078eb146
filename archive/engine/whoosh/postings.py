"""Walking a word's postings without a Python loop over each document it skips.

Every search of two words or more intersects postings lists: Whoosh 2.7.5 moves the list that
is behind to the other's document with ``skip_to``, which steps one posting at a time through
the block it lands in, calling ``is_active``, ``id`` and ``next`` for each (a cold search of
`oil prices` on 100,000 Reuters paragraphs made 6,079 such skips and 44,241 ``id`` calls), and
it decodes a block's document numbers with a Python generator. Here the block's numbers are
summed by ``itertools.accumulate`` and the skip within a block is a ``bisect``; whole blocks
are skipped as Whoosh does. Both give what Whoosh's own methods give
(tests/test_whoosh_postings.py). Importing this module installs them.
"""

from __future__ import annotations

from bisect import bisect_left
from itertools import accumulate

from . import lean  # noqa: F401 (first: Whoosh without what it pulls in and the archive never uses)

from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.matching import ReadTooFar

WHOOSH_SKIP_TO = W3LeafMatcher.skip_to
WHOOSH_READ_IDS = W3LeafMatcher._read_ids


def read_ids(self) -> None:
    """``W3LeafMatcher._read_ids`` of Whoosh 2.7.5, the deltas summed in C."""
    if self._data is None:
        self._read_data()
    ids = self._data[0]
    if not self._byteids:  # (a term vector's ids are the words themselves, stored whole)
        ids = tuple(accumulate(ids))
    self._ids = ids


def skip_to(self, targetid) -> None:
    """``W3LeafMatcher.skip_to`` of Whoosh 2.7.5: move to the first posting whose document is
    ``targetid`` or after it (or to the end), finding it within a block by bisection."""
    if self._byteids:
        return WHOOSH_SKIP_TO(self, targetid)
    if self._atend or self._i >= self._blocklength:
        raise ReadTooFar
    ids = self._ids
    if ids is None:
        self._read_ids()
        ids = self._ids
    if targetid <= ids[self._i]:
        return None
    if targetid > self._maxid:  # whole blocks first, by their greatest document
        while not self._atend and targetid > self._maxid:
            self._next_block()
        if self._atend:
            return None
        self._read_ids()
        ids = self._ids
    i = bisect_left(ids, targetid, self._i)
    if i == self._blocklength:  # (only if a block's greatest document were not its last)
        return WHOOSH_SKIP_TO(self, targetid)
    self._i = i
    return None


W3LeafMatcher._read_ids = read_ids
W3LeafMatcher.skip_to = skip_to
