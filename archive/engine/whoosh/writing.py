"""The segment writer's internals: the posting pool's size, and field lengths read from memory
when a segment is flushed.
"""

from __future__ import annotations

from . import lean  # noqa: F401 (first: Whoosh without what it pulls in and the archive never uses)

from whoosh.codec.whoosh3 import LENGTHS_COLUMN
from whoosh.util.numeric import byte_to_length, length_to_byte


# Memory for the writer's posting pool: below this the pool spills to disk and re-reads
# every posting (shared/notes/perf-facts.md: 546 paragraphs/s at 128 MB, about 950 at 2 GB).
WRITER_MB = 512


def with_length_cache(writer):
    """A Whoosh segment writer whose flush reads the new segment's field lengths from memory.
    (Writing the postings, Whoosh asks each posting's field length from the column file it has
    just written, a file read per posting, plus a stat() per posting of a field that has no
    lengths: 13% of an ingest's time, profiled.)"""
    make_reader = writer.per_document_reader

    def per_document_reader():
        return _CachedLengths(make_reader())

    writer.per_document_reader = per_document_reader
    return writer


class _CachedLengths:
    """The part of a per-document reader that writing postings uses, with lengths in memory."""

    def __init__(self, reader) -> None:
        self.reader = reader
        self.codes: dict[str, bytes | None] = {}

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0) -> int:
        if fieldname not in self.codes:
            self.codes[fieldname] = segment_length_codes(self.reader, fieldname)
        codes = self.codes[fieldname]
        if codes is None or docnum >= len(codes) or not codes[docnum]:
            return default
        return byte_to_length(codes[docnum])

    def close(self) -> None:
        self.reader.close()


def segment_length_codes(perdoc, fieldname: str) -> bytes | None:
    """A segment's length codes for a field, from its per-document reader (None: no lengths)."""
    try:
        column = perdoc._cached_reader(f"_{fieldname}_len", LENGTHS_COLUMN)
        if column is None:
            return None
        return bytes(column._dbfile.get(column._basepos, column._count))
    except AttributeError:  # pragma: no cover - another codec: ask Whoosh per document
        n = perdoc.doc_count_all()
        return bytes(length_to_byte(perdoc.doc_field_length(d, fieldname, 0)) for d in range(n))
