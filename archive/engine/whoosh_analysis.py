"""Whoosh analyzers for the archive's fields.

Whoosh pickles these into the index's schema, so their import path is part of the on-disk
format: keep them here, under these names.
"""

from __future__ import annotations

from typing import Iterator

from whoosh.analysis import Analyzer, Token

from ..analysis import WORD_RE, analyze


class _WordsAnalyzer(Analyzer):
    """Adapts a function yielding (term, surface, start, end) to Whoosh's token stream.
    Positions count only the words kept, so phrases skip stop words."""

    def words(self, value: str) -> Iterator[tuple[str, str, int, int]]:
        raise NotImplementedError

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, tokenize=True, mode="", **kwargs):  # fmt: skip
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for pos, (term, surface, start, end) in enumerate(self.words(value), start=start_pos):
            t.text = term
            t.boost = 1.0
            t.stopped = False
            if keeporiginal:
                t.original = surface
            if positions:
                t.pos = pos
            if chars:
                t.startchar = start_char + start
                t.endchar = start_char + end
            yield t


class NewsAnalyzer(_WordsAnalyzer):
    """``archive.analysis.analyze``: words, lower case, short stop list, Snowball English stems."""

    def words(self, value: str) -> Iterator[tuple[str, str, int, int]]:
        # An article's title is indexed with each of its paragraphs: analyse it once.
        cache = self.__dict__.get("_last")
        if cache is not None and cache[0] is value:
            return iter(cache[1])
        out = [(tok.term, tok.surface, tok.start, tok.end) for tok in analyze(value)]
        self.__dict__["_last"] = (value, out)
        return iter(out)

    def __getstate__(self) -> dict:
        return {}  # the cache is not part of the schema


class PlainAnalyzer(_WordsAnalyzer):
    """Words in lower case, nothing dropped or stemmed: names of sources and authors."""

    def words(self, value: str) -> Iterator[tuple[str, str, int, int]]:
        for m in WORD_RE.finditer(value):
            yield m.group().lower(), m.group(), m.start(), m.end()
