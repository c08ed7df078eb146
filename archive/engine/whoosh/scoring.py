"""How a paragraph scores: BM25F with Lucene's idf, the archive's length normalisation read
from the segment's length column.
"""

from __future__ import annotations

import functools
import math

from . import lean  # noqa: F401 (first: Whoosh without what it pulls in and the archive never uses)

from whoosh import scoring
from whoosh.util.numeric import byte_to_length

from .walk import kept
from .writing import segment_length_codes


class NewsBM25F(scoring.BM25F):
    """Whoosh's BM25F with Lucene's idf (which never goes negative or flat for common words),
    scored from a segment's field lengths held in memory (see BM25Scorer)."""

    def scorer(self, searcher, fieldname, text, qf=1):
        if not searcher.schema[fieldname].scorable:
            return scoring.WeightScorer.for_(searcher, fieldname, text)
        parent = searcher.get_parent()
        cache = kept(parent, "idf")
        idf = cache.get((fieldname, text))
        if idf is None:
            n_docs = parent.doc_count_all()
            df = parent.doc_frequency(fieldname, text)
            idf = math.log(1 + (n_docs - df + 0.5) / (df + 0.5))
            cache[(fieldname, text)] = idf
        avgfl = parent.avg_field_length(fieldname) or 1
        B = self._field_B.get(fieldname, self.B)
        return BM25Scorer(searcher, fieldname, text, idf, avgfl, B, self.K1)


class BM25Scorer(scoring.WeightLengthScorer):
    """BM25 as Whoosh's BM25FScorer computes it, with two differences of cost only: the
    segment's field-length bytes are read once into memory (Whoosh reads one byte from the
    column file per scored paragraph: a third of a common word's search time), and the length
    part of the formula is a table over the 256 length codes."""

    def __init__(self, searcher, fieldname: str, text: bytes, idf: float, avgfl: float, B: float, K1: float):
        self.idf, self.avgfl, self.B, self.K1 = idf, avgfl, B, K1
        self._top = idf * (K1 + 1)
        self._norm = _length_norms(avgfl, B, K1)
        self._codes = _length_codes(searcher.reader(), fieldname)
        self.setup(searcher, fieldname, text)

    def score(self, matcher) -> float:
        w = matcher.weight()
        return self._top * w / (w + self._norm[self._codes[matcher.id()]])

    def _score(self, weight, length) -> float:
        return scoring.bm25(self.idf, weight, length, self.avgfl, self.B, self.K1)


@functools.lru_cache(maxsize=64)
def _length_norms(avgfl: float, B: float, K1: float) -> tuple[float, ...]:
    """K1 * (1 - B + B * length / avgfl) for each of the 256 one-byte length codes."""
    return tuple(K1 * ((1 - B) + B * (byte_to_length(c) if c else 0) / avgfl) for c in range(256))


def _length_codes(reader, fieldname: str):
    """Every paragraph's length code for ``fieldname`` in one segment, as bytes (cached on
    the segment reader)."""
    cache = kept(reader, "length_codes")
    codes = cache.get(fieldname)
    if codes is None:
        n = reader.doc_count_all()
        if hasattr(reader, "readers"):  # a whole multi-segment index: segments in docnum order
            codes = b"".join(_length_codes(r, fieldname) for r in reader.readers)
            cache[fieldname] = codes
            return codes
        raw = segment_length_codes(getattr(reader, "_perdoc", reader), fieldname) or b""
        codes = cache[fieldname] = raw[:n] + bytes(max(0, n - len(raw)))
    return codes
