"""Opening a segment's variable-length columns (its stored fields among them) without a Python
loop over every document.

To read one hit's stored fields, Whoosh 2.7.5 opens the segment's stored-fields column, and
for a segment of up to 32,768 documents (its writer stores the offsets only above that) it
derives every document's offset from the lengths one ``array.append`` at a time. A cold
`archive search` touches most segments for its 20 hits, so that loop was a few milliseconds of
each search (benchmarks/RESULTS.md). :func:`read_offsets_and_lengths` is the same method with
the offsets summed by ``itertools.accumulate``; the arrays it makes are equal to Whoosh's
(tests/test_whoosh_columns.py). Importing this module installs it.
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
    from the lengths in C rather than in a Python loop."""
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
    if offsets is None:
        offsets = array("L", accumulate(lengths, initial=0))
        offsets.pop()  # (the last sum is where the column's data ends)
    self._offsets = offsets
    self._lengths = lengths


VarBytesColumn.Reader._read_offsets_and_lengths = read_offsets_and_lengths
