"""Opening a segment's variable-length columns (its stored fields among them) without a Python
loop over every document.

To read one hit's stored fields, Whoosh 2.7.5 opens the segment's stored-fields column, and
for a segment of up to 32,768 documents (its writer stores the offsets only above that) it
derives every document's offset from the lengths one ``array.append`` at a time. A cold
`archive search` touches most segments for its 20 hits, so that loop was a few milliseconds of
each search (benchmarks/RESULTS.md). :func:`read_offsets_and_lengths` is the same method with
the offsets left to :class:`Offsets`: a document's offset is the sum of the lengths before
it, summed in C for each of the first few documents read (a cold search reads two or three a
segment), and for all of them at once, by ``itertools.accumulate``, when more are read. Both
give Whoosh's offsets (tests/test_whoosh_columns.py). Importing this module installs it.
"""

from __future__ import annotations

import struct
from array import array
from itertools import accumulate

from . import lean  # noqa: F401 (first: Whoosh without what it pulls in and the archive never uses)

from whoosh.columns import VarBytesColumn

WHOOSH_READ_OFFSETS_AND_LENGTHS = VarBytesColumn.Reader._read_offsets_and_lengths


def read_offsets_and_lengths(self) -> None:
    """``VarBytesColumn.Reader._read_offsets_and_lengths`` of Whoosh 2.7.5, the offsets derived
    from the lengths in C, and only when asked for, rather than all in a Python loop."""
    dbfile = self._dbfile
    lastbyte = self._basepos + self._length - 1
    doccount = self._doccount
    lens_code = chr(dbfile.get_byte(lastbyte))  # (the column ends with its lengths' type code ...)
    offsets = None
    if lens_code == "X":  # (... or with "X" when the offsets were written too)
        self.had_stored_offsets = True
        lens_code = chr(dbfile.get_byte(lastbyte - 2))
        offsets_code = chr(dbfile.get_byte(lastbyte - 1))
        offsetstart = (lastbyte - 2) - doccount * struct.calcsize(offsets_code)
        offsets = dbfile.get_array(offsetstart, offsets_code, doccount)
        lastbyte = offsetstart
    lengths = dbfile.get_array(lastbyte - struct.calcsize(lens_code) * doccount, lens_code, doccount)
    self._offsets = Offsets(lengths) if offsets is None else offsets
    self._lengths = lengths


class Offsets:
    """Where each document's value starts in a column that stores only the lengths: the sum of
    the lengths before it. Summed for one document at a time while few are asked for (a slice
    summed in C: 0.06 ms for 12,000 one-byte lengths, where summing them all into an array
    takes 0.4 to 0.6 ms), all at once from the ``ONE_BY_ONE + 1``th (a walk over many documents
    then costs what Whoosh's own array costs)."""

    ONE_BY_ONE = 8
    __slots__ = ("_lengths", "_all", "_asked")

    def __init__(self, lengths: array) -> None:
        self._lengths = lengths
        self._all: array | None = None
        self._asked = 0

    def __len__(self) -> int:
        return len(self._lengths)

    def __getitem__(self, docnum: int) -> int:
        if self._all is None:
            if self._asked < self.ONE_BY_ONE and 0 <= docnum < len(self._lengths):
                self._asked += 1
                return sum(self._lengths[:docnum])
            all_ = array("L", accumulate(self._lengths, initial=0))
            all_.pop()  # (the last sum is where the column's data ends)
            self._all = all_
        return self._all[docnum]

    def tolist(self) -> list[int]:
        return [self[d] for d in range(len(self))]


VarBytesColumn.Reader._read_offsets_and_lengths = read_offsets_and_lengths
