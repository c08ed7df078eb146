"""Opening a segment's stored fields (archive.engine.whoosh.columns): the offsets summed in C
are Whoosh's own, for columns with and without written offsets, with gaps, empty values and
no values at all, whether a few documents are read (each summed alone) or many (all summed at
once); and the engine installs it."""

from __future__ import annotations

from io import BytesIO

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archive.engine.whoosh import columns
from whoosh.columns import CompressedBytesColumn, VarBytesColumn
from whoosh.filedb.structfile import BufferFile, StructFile

pytestmark = pytest.mark.whoosh_only


def _reader(column, values: dict[int, bytes], doccount: int):
    f = StructFile(BytesIO())
    w = column.writer(f)
    for docnum in sorted(values):
        w.add(docnum, values[docnum])
    w.finish(doccount)
    buf = f.file.getvalue()
    return column.reader(BufferFile(buf), 0, len(buf), doccount)


@settings(max_examples=150, deadline=None)
@given(values=st.dictionaries(st.integers(0, 300), st.binary(max_size=40), max_size=120),
       extra=st.integers(0, 20), cutoff=st.sampled_from([0, 10, 2**15]), compressed=st.booleans())  # fmt: skip
def test_offsets_and_lengths_are_whooshs_own(values, extra, cutoff, compressed):
    doccount = (max(values) + 1 if values else 0) + extra
    column = CompressedBytesColumn() if compressed else VarBytesColumn(write_offsets_cutoff=cutoff)
    reader = _reader(column, values, doccount)
    ours = (reader._offsets.tolist(), reader._lengths.tolist())
    columns.WHOOSH_READ_OFFSETS_AND_LENGTHS(reader)
    assert ours == (reader._offsets.tolist(), reader._lengths.tolist())
    columns.read_offsets_and_lengths(reader)
    assert [reader[d] for d in range(doccount)] == [values.get(d, b"") for d in range(doccount)]


@settings(max_examples=150, deadline=None)
@given(values=st.dictionaries(st.integers(0, 300), st.binary(min_size=1, max_size=40), min_size=1, max_size=120),
       data=st.data())  # fmt: skip
def test_a_few_documents_read_alone_then_many(values, data):
    """The first few documents read are summed alone, in any order; the rest from all the
    sums; every value is the one written, and the sums are never made twice."""
    doccount = max(values) + 1
    reader = _reader(VarBytesColumn(write_offsets_cutoff=2**15), values, doccount)
    assert isinstance(reader._offsets, columns.Offsets)
    few = data.draw(st.lists(st.integers(0, doccount - 1), max_size=columns.Offsets.ONE_BY_ONE))
    for d in few:
        assert reader[d] == values.get(d, b"")
    assert reader._offsets._all is None  # (each summed alone so far)
    order = data.draw(st.permutations(range(doccount)))
    assert [reader[d] for d in order] == [values.get(d, b"") for d in order]
    if sum(1 for d in order if values.get(d)) + sum(1 for d in few if values.get(d)) > columns.Offsets.ONE_BY_ONE:
        made = reader._offsets._all
        assert made is not None
        reader[order[0]]
        assert reader._offsets._all is made
    assert reader[-1] == values.get(doccount - 1, b"")


def test_the_engine_installs_it():
    from archive.engine.whoosh import index  # noqa: F401

    assert VarBytesColumn.Reader._read_offsets_and_lengths is columns.read_offsets_and_lengths
    assert CompressedBytesColumn.Reader._read_offsets_and_lengths is columns.read_offsets_and_lengths
