"""Reading a query and a reader: the words a wildcard stands for, which leaves score (for
explain), a column read right on every segment.
"""

from __future__ import annotations

from . import lean  # noqa: F401 (first: Whoosh without what it pulls in and the archive never uses)

from whoosh import columns
from whoosh import query as wq

from ... import query as aq
from ..translate import prefix_of


def wildcard_terms(reader, field: str, pattern: str):
    """The index words a wildcard stands for (as the translation matches them)."""
    prefixes = prefix_of(field, pattern)
    if prefixes:
        seen = set()
        for p in prefixes:
            for t in reader.expand_prefix(field, p):
                if t not in seen:
                    seen.add(t)
                    yield t
        return
    yield from wq.Wildcard(field, pattern)._btexts(reader)


def leaf_text(leaf: aq.Node) -> str:
    if isinstance(leaf, aq.Fuzzy):
        return f"{leaf.text}~{leaf.distance}"
    return getattr(leaf, "pattern", None) or getattr(leaf, "text", "")


def positional(q) -> bool:
    """Whether a query checks word positions (a phrase) in what it scores."""
    if isinstance(q, (wq.Phrase, wq.Ordered)):
        return True
    if isinstance(q, (wq.AndNot, wq.AndMaybe)):
        return positional(q.a)
    if isinstance(q, wq.WrappingQuery):
        return positional(q.child)
    if isinstance(q, wq.CompoundQuery):
        return any(positional(sub) for sub in q.subqueries)
    return False


def kept(obj, name: str) -> dict:
    """A dict kept on a Whoosh reader or searcher: what is worked out from it once (field
    lengths, headline weights, idf, column readers) lives exactly as long as it does."""
    return obj.__dict__.setdefault(f"_archive_{name}", {})


def column_of(reader, name: str):
    """A column reader, kept for as long as the index reader (making one reads every
    segment's offsets table, 400,000 entries for four facet columns at 100k paragraphs: half
    the time of a search with facets, each time)."""
    cache = kept(reader, "columns")
    column = cache.get(name)
    if column is None:
        if reader.is_atomic():
            column = reader.column_reader(name)
        else:  # every segment's, those without the column too (Whoosh's MultiReader leaves them
            # out but keeps counting documents from the first it has: a segment of articles with
            # no source made facets on source fail, "array index out of range")
            leaves = reader.leaf_readers()
            column = columns.MultiColumnReader([r.column_reader(name) for r, _ in leaves], [o for _, o in leaves])
        cache[name] = column
    return column
