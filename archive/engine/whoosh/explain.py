"""What a hit's score is made of: the leaves of a Whoosh query that score, named as the
query asked for them."""

from __future__ import annotations

from . import lean  # noqa: F401 (first: Whoosh without what it pulls in and the archive never uses)

from whoosh import query as wq

from .queries import ExpandedFuzzy, KindWeighted, Scaled


def scoring_leaves(q, weight: float = 1.0):
    """The leaf queries that add to a score (not the NOT side), with their weight."""
    if isinstance(q, Scaled):
        yield from scoring_leaves(q.child, weight * q.factor)
    elif isinstance(q, KindWeighted):
        yield from scoring_leaves(q.child, weight)
    elif isinstance(q, wq.AndNot):
        yield from scoring_leaves(q.a, weight)
    elif isinstance(q, wq.AndMaybe):
        yield from scoring_leaves(q.a, weight)
        yield from scoring_leaves(q.b, weight)
    elif isinstance(q, wq.Not):
        return
    elif isinstance(q, wq.CompoundQuery):
        for sub in q.subqueries:
            yield from scoring_leaves(sub, weight * q.boost)
    elif isinstance(q, (wq.FuzzyTerm, wq.Wildcard, wq.Prefix)):
        yield q, weight  # an expanding term: scored as one
    else:
        yield q, weight


def leaf_name(leaf) -> tuple[str, str]:
    """(field, term) as explain shows a scoring leaf: a fuzzy word as asked, a prefix as word*."""
    if isinstance(leaf, wq.ConstantScoreQuery):
        inner = leaf.child
        if isinstance(inner, wq.Or) and inner.subqueries and not isinstance(inner, ExpandedFuzzy):
            inner = inner.subqueries[0]
        if isinstance(inner, wq.Prefix):
            return inner.fieldname, inner.text + "*"
        return getattr(inner, "fieldname", "text"), str(getattr(inner, "text", inner))
    field = getattr(leaf, "fieldname", "text")
    return field, " ".join(getattr(leaf, "words", None) or [str(getattr(leaf, "text", leaf))])
