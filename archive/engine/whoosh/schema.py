"""The Whoosh schema of a paragraph document (the analyzers are in archive.engine.whoosh_analysis:
Whoosh pickles them, so their import path is part of the on-disk format).
"""

from __future__ import annotations

from . import lean  # noqa: F401 (first: Whoosh without what it pulls in and the archive never uses)

from whoosh.fields import ID, KEYWORD, STORED, TEXT, Schema

from ..whoosh_analysis import NewsAnalyzer, PlainAnalyzer


INDEX_NAME = "paragraphs"


def make_schema() -> Schema:
    news, plain = NewsAnalyzer(), PlainAnalyzer()
    return Schema(
        key=ID(unique=True, stored=True),
        article=ID(stored=True, sortable=True),
        n=STORED(),
        text=TEXT(analyzer=news, phrase=True),
        title=TEXT(analyzer=news, phrase=True),
        source=TEXT(analyzer=plain, phrase=True),
        author=TEXT(analyzer=plain, phrase=True),
        kind=ID(sortable=True),
        lang=ID(sortable=True),
        tag=KEYWORD(lowercase=True, commas=True),
        date=ID(sortable=True),
        # columns read only for facets
        source_name=ID(sortable=True),
        month=ID(sortable=True),
        tags=ID(sortable=True),
    )


# The paragraph document's fields this schema holds (besides its key).
SCHEMA_FIELDS = frozenset({"article", "n", "text", "title", "source", "author", "kind", "lang", "tag", "date",
                           "source_name", "month", "tags"})  # fmt: skip
