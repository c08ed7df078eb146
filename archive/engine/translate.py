"""One translation of the query tree (archive.query) for every engine.

The walk, and every decision that is not an engine's own (which field a bare word searches,
how a field analyses its words, when a lone Korean syllable also matches the bigrams it
opens or closes, when a trailing ``*`` is a prefix of the word and of its stem, which leaves
lift a headline), are made here once. An engine subclasses :class:`Translator` and supplies
only the builders: how its own query objects say "all of", "any of", a term, a phrase, a
fuzzy word, a wildcard, a date range."""

from __future__ import annotations

from typing import Generic, TypeVar

from .. import query as aq
from ..analysis import WORD_RE, analyze, is_cjk_syllable, stem
from ..query import KEYWORD_FIELDS
from .fields import STEMMED_FIELDS

Q = TypeVar("Q")


def field_terms(field: str, text: str) -> list[str]:
    """The index terms of ``text`` as ``field`` analyses it (both engines' analyzers give
    these terms: tests/test_opensearch.py checks the cluster's)."""
    if field in STEMMED_FIELDS:
        return [t.term for t in analyze(text)]
    return [m.group().lower() for m in WORD_RE.finditer(text)]


def prefix_of(field: str, pattern: str) -> list[str] | None:
    """The prefixes a ``word*`` pattern stands for on a text field: the word as typed and its
    stem (``superalign*`` also finds what was indexed as ``superalign``'s stem); None when the
    pattern is not a plain trailing-``*`` prefix (a ``?`` anywhere, or ``*`` inside)."""
    if field not in STEMMED_FIELDS or not pattern.endswith("*"):
        return None
    prefix = pattern[:-1]
    if "*" in prefix or "?" in prefix:
        return None
    return sorted({prefix, stem(prefix)})


class Translator(Generic[Q]):
    """Walks a query tree once, building the engine's query with the builders below. A part
    that can match nothing (a word that is only punctuation) translates to None, and drops
    out of the part around it."""

    # -- the walk -------------------------------------------------------------------------------

    def translate(self, node: aq.Node) -> Q | None:
        if isinstance(node, aq.And):
            pos = [self.translate(x) for x in node.items if not isinstance(x, aq.Not)]
            neg = [self.translate(x.item) for x in node.items if isinstance(x, aq.Not)]
            must = [p for p in pos if p is not None]
            if not must:
                return None
            return self.all_of(must, [n for n in neg if n is not None])
        if isinstance(node, aq.Or):
            parts = [p for p in (self.translate(x) for x in node.items) if p is not None]
            if not parts:
                return None
            return parts[0] if len(parts) == 1 else self.any_of(parts, node.coord)
        if isinstance(node, aq.Not):
            inner = self.translate(node.item)
            return None if inner is None else self.none_of(inner)
        field = getattr(node, "field", None) or "text"
        if isinstance(node, aq.Term):
            if field in KEYWORD_FIELDS:
                return self.exact(field, node.text if field == "article" else node.text.lower())
            return self._words(field, node.text, 0)
        if isinstance(node, aq.Phrase):
            return self._words(field, node.text, node.slop)
        # Fuzzy words and wildcards score 1 where they match, however many words they stand for.
        if isinstance(node, aq.Fuzzy):
            ts = field_terms(field, node.text)
            return self.fuzzy(field, ts[0], node.distance) if ts else None
        if isinstance(node, aq.Wildcard):
            pattern = node.pattern.lower()
            prefixes = prefix_of(field, pattern)
            return self.prefixes(field, prefixes) if prefixes else self.wildcard(field, pattern)
        if isinstance(node, aq.Range):
            return self.date_range(node.field, node.lo, node.hi)
        raise TypeError(f"unknown query node {node!r}")

    def _words(self, field: str, text: str, slop: int) -> Q | None:
        ts = field_terms(field, text)
        if not ts:
            return None
        if len(ts) > 1:
            return self.phrase(field, ts, text, slop)
        if field in STEMMED_FIELDS and is_cjk_syllable(ts[0]):  # 팀: alone, or opening or closing a bigram
            return self.syllable(field, ts[0])
        return self.term(field, ts[0])

    def filters(self, nodes: list[aq.Node]) -> list[Q]:
        return [q for q in (self.translate(n) for n in nodes) if q is not None]

    def title_lift(self, node: aq.Node) -> list[Q]:
        """What lifts a paragraph whose article's headline has the query's words: each word
        and phrase searched without a field (a field, a fuzzy word or a wildcard lifts nothing)."""
        lift: list[Q] = []
        for leaf in aq.positive_leaves(node):
            if not isinstance(leaf, (aq.Term, aq.Phrase)) or leaf.field is not None:
                continue
            ts = field_terms("title", leaf.text)
            if isinstance(leaf, aq.Term) or len(ts) == 1:
                lift.extend(self.term("title", t) for t in ts)
            elif ts:
                lift.append(self.phrase("title", ts, leaf.text, 0))
        return lift

    # -- the builders an engine supplies ----------------------------------------------------

    def all_of(self, must: list[Q], must_not: list[Q]) -> Q:
        raise NotImplementedError

    def any_of(self, parts: list[Q], coord: float) -> Q:
        raise NotImplementedError

    def none_of(self, inner: Q) -> Q:
        raise NotImplementedError

    def exact(self, field: str, value: str) -> Q:
        """A keyword field's whole value."""
        raise NotImplementedError

    def term(self, field: str, term: str) -> Q:
        """One index term of an analysed field."""
        raise NotImplementedError

    def phrase(self, field: str, terms: list[str], text: str, slop: int) -> Q:
        """The terms in order; ``slop`` is the query's (0: next to each other, as typed once
        stopwords are left out); ``text``: the words as typed."""
        raise NotImplementedError

    def syllable(self, field: str, term: str) -> Q:
        """A lone CJK syllable: as a term, and as the first or last half of a bigram."""
        raise NotImplementedError

    def fuzzy(self, field: str, word: str, distance: int) -> Q | None:
        raise NotImplementedError

    def prefixes(self, field: str, prefixes: list[str]) -> Q:
        raise NotImplementedError

    def wildcard(self, field: str, pattern: str) -> Q:
        raise NotImplementedError

    def date_range(self, field: str, lo: str | None, hi: str | None) -> Q:
        raise NotImplementedError
