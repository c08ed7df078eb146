"""The archive's own Whoosh queries and matchers: a fuzzy word as the words it stands for, the
headline lift, a restriction to some documents, a scaled score, the kind weights.
"""

from __future__ import annotations

from . import lean  # noqa: F401 (first: Whoosh without what it pulls in and the archive never uses)

from whoosh import query as wq
from whoosh.matching import AndMaybeMatcher, NullMatcher, WrappingMatcher

from ...ranking import KIND_WEIGHTS
from .walk import kept


class ExpandedFuzzy(wq.Or):
    """A fuzzy word as the words it stands for (named as asked in explain)."""

    def __init__(self, fieldname: str, text: str, words: list[str]) -> None:
        super().__init__([wq.Term(fieldname, w) for w in words])
        self.fieldname, self.text = fieldname, text


class _AndMaybeMatcher(AndMaybeMatcher):
    """Whoosh's AndMaybeMatcher, but skip_to() leaves the optional side on the required
    side's paragraph: Whoosh's moves it to the target id only, so when the required side
    lands beyond the target, the optional side's score is silently left out."""

    def skip_to(self, id):
        moved = super().skip_to(id)
        if self.a.is_active() and self.b.is_active() and self.b.id() < self.a.id():
            moved = self.b.skip_to(self.a.id()) or moved
        return moved


class TitleLift(wq.AndMaybe):
    """The paragraphs the query matches, lifted where their headline matches too."""

    matcherclass = _AndMaybeMatcher


class Restricted(wq.WrappingQuery):
    """The child's matches that ``allow`` also matches, scored as the child alone scores them.

    A filter (dates, source, kind, one article) is walked beside the query, each skipping
    to the other, so Whoosh's block skipping still works; Whoosh's own ``filter=`` first makes
    a set of every paragraph the filter matches ('oil' since a month with 60,000 paragraphs:
    300 ms against 38 ms for 'oil' alone)."""

    def __init__(self, child, allow) -> None:
        super().__init__(child)
        self.allow = allow

    def _rewrap(self, child):
        return Restricted(child, self.allow)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Restricted) and other.child == self.child and other.allow == self.allow

    def __hash__(self) -> int:
        return hash(self.child) ^ hash(self.allow)

    def estimate_size(self, ixreader) -> int:
        return min(self.child.estimate_size(ixreader), self.allow.estimate_size(ixreader))

    def matcher(self, searcher, context=None):
        child = self.child.matcher(searcher, context)
        allow = self.allow.matcher(searcher, searcher.boolean_context())
        return _RestrictedMatcher(child, allow)


class _RestrictedMatcher(WrappingMatcher):
    def __init__(self, child, allow) -> None:
        super().__init__(child)
        self.allow = allow
        self._align()

    def _align(self) -> bool:
        """Move both to the next paragraph they both match (or to the end); True if the child
        may have entered a new block (Whoosh's matchers say so from next() and skip_to())."""
        child, allow = self.child, self.allow
        new_block = False
        while child.is_active() and allow.is_active():
            doc = child.id()
            if allow.id() < doc:
                allow.skip_to(doc)
                if not allow.is_active():
                    break
            other = allow.id()
            if other == doc:
                break
            new_block = bool(child.skip_to(other)) or new_block
        return new_block

    def _replacement(self, newchild):
        return _RestrictedMatcher(newchild, self.allow)

    def copy(self):
        return _RestrictedMatcher(self.child.copy(), self.allow.copy())

    def replace(self, minquality=0):
        if not self.is_active():
            return NullMatcher()
        r = self.child.replace(minquality)
        return self if r is self.child else _RestrictedMatcher(r, self.allow)

    def is_active(self) -> bool:
        return self.child.is_active() and self.allow.is_active()

    def next(self) -> bool:
        new_block = bool(self.child.next())
        return self._align() or new_block

    def skip_to(self, id) -> bool:
        new_block = bool(self.child.skip_to(id))
        return self._align() or new_block

    def skip_to_quality(self, minquality) -> int:
        skipped = self.child.skip_to_quality(minquality)
        self._align()
        return skipped

    def all_ids(self):
        while self.is_active():
            yield self.id()
            self.next()


class Scaled(wq.WrappingQuery):
    """Multiplies its child's scores by ``factor``. (Whoosh's own ``boost`` on a query is
    folded into its terms, and BM25F ignores a term's boost: measured, it changed nothing.)"""

    def __init__(self, child, factor: float) -> None:
        super().__init__(child)
        self.factor = factor

    def _rewrap(self, child):
        return Scaled(child, self.factor)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Scaled) and other.child == self.child and other.factor == self.factor

    def __hash__(self) -> int:
        return hash(self.child) ^ hash(self.factor)

    def matcher(self, searcher, context=None):
        return WrappingMatcher(self.child.matcher(searcher, context), boost=self.factor)


class KindWeighted(wq.WrappingQuery):
    """Multiplies each paragraph's score by its kind's weight (KIND_WEIGHTS)."""

    def _rewrap(self, child):
        return KindWeighted(child)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, KindWeighted) and other.child == self.child

    def __hash__(self) -> int:
        return hash(self.child) ^ 0x6B696E64

    def matcher(self, searcher, context=None):
        child = self.child.matcher(searcher, context)
        weights = _kind_weights(searcher.reader())
        return _KindMatcher(child, weights) if weights else child


def _kind_weights(reader) -> dict[int, float]:
    """docnum -> weight for the paragraphs whose kind weighs other than 1 (headlines, decks:
    a small share), read from the kind field's postings once per segment reader (reading the
    kind column for every scored paragraph cost 40-60% of a search)."""
    memo = kept(reader, "kind_weights")
    if "weights" not in memo:
        weights: dict[int, float] = {}
        for kind, w in KIND_WEIGHTS.items():
            if w != 1.0 and (("kind", kind)) in reader:
                weights.update(dict.fromkeys(_posting_ids(reader.postings("kind", kind)), w))
        memo["weights"] = weights
    return memo["weights"]


def _posting_ids(m) -> list[int]:
    """Every docnum of a posting list, a block at a time (Whoosh's ``all_ids`` steps through
    them one by one: 60 ms for a cold search's headlines at 100k paragraphs). Deleted
    paragraphs may be included; they are never scored."""
    leaf = getattr(m, "child", m)
    if not all(hasattr(leaf, a) for a in ("_read_ids", "_next_block", "_ids")):
        return list(m.all_ids())  # pragma: no cover - another codec
    out: list[int] = []
    while leaf.is_active():
        leaf._read_ids()
        out.extend(leaf._ids[leaf._i :])
        leaf._next_block()
    return out


class _KindMatcher(WrappingMatcher):
    """Scores are the child's times the paragraph's kind weight; for skipping, the largest
    weight bounds what a block can score (so Whoosh's block-quality skipping stays exact)."""

    def __init__(self, child, weights: dict[int, float]) -> None:
        super().__init__(child, boost=max(KIND_WEIGHTS.values()))
        self.weights = weights

    def _replacement(self, newchild):
        return _KindMatcher(newchild, self.weights)

    def replace(self, minquality=0):
        r = self.child.replace(minquality / self.boost)
        return self if r is self.child else self._replacement(r)

    def score(self) -> float:
        return self.child.score() * self.weights.get(self.child.id(), 1.0)
