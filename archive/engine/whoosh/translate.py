"""The query tree as Whoosh queries: the builders (the walk is archive.engine.translate).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import lean  # noqa: F401 (first: Whoosh without what it pulls in and the archive never uses)

from whoosh import query as wq

from ..translate import Translator
from .queries import ExpandedFuzzy


if TYPE_CHECKING:
    from .index import WhooshEngine


class WhooshTranslator(Translator):
    """The query tree as Whoosh queries (the walk: archive.engine.translate)."""

    def __init__(self, engine: WhooshEngine) -> None:
        self.engine = engine

    def all_of(self, must, must_not):
        q = must[0] if len(must) == 1 else wq.And(must)
        for n in must_not:
            q = wq.AndNot(q, n)
        return q

    def any_of(self, parts, coord):
        q = wq.Or(parts, scale=coord)
        if len(parts) >= 4:  # many terms: scoring into arrays beats a tree of union matchers (~1.7x)
            q.matcher_type = wq.Or.ARRAY_MATCHER
        return q

    def none_of(self, inner):
        return wq.Not(inner)

    def exact(self, field, value):
        return wq.Term(field, value)

    def term(self, field, term):
        return wq.Term(field, term)

    def phrase(self, field, terms, text, slop):
        return wq.Phrase(field, terms, slop=slop + 1)  # Whoosh's slop 1: next to each other

    def syllable(self, field, term):
        return wq.Or([wq.Term(field, term), wq.ConstantScoreQuery(wq.Prefix(field, term)),
                      wq.ConstantScoreQuery(wq.Wildcard(field, "?" + term))])  # fmt: skip

    # Fuzzy words and wildcards score 1 where they match, however many words they expand to
    # (Whoosh scores a lone expansion by BM25 and several as a constant; OpenSearch's
    # constant_score is the same everywhere, and so is this).
    def fuzzy(self, field, word, distance):
        return wq.ConstantScoreQuery(ExpandedFuzzy(field, word, self.engine._fuzzy_words(field, word, distance)))

    def prefixes(self, field, prefixes):
        return wq.ConstantScoreQuery(wq.Or([wq.Prefix(field, p) for p in prefixes]))

    def wildcard(self, field, pattern):
        return wq.ConstantScoreQuery(wq.Wildcard(field, pattern))

    def date_range(self, field, lo, hi):
        return wq.TermRange(field, lo or "0000-00-00", hi or "9999-99-99")
