"""The paragraph document: the fields each engine indexes for one paragraph, and which of
them the facets count. One definition for both engines (each adapts the values to its own
types: Whoosh joins lists with commas, OpenSearch keeps them as lists)."""

from __future__ import annotations

from typing import Iterator

from ..model import Article, Paragraph

# Facet name -> the field (a stored column) that it counts.
FACET_FIELDS = {"source": "source_name", "date": "month", "day": "date", "kind": "kind", "tag": "tags", "lang": "lang"}

# Fields analysed as words the way the paragraph text is (stemmed, CJK bigrams); the others
# (source, author) are lower-cased words only.
STEMMED_FIELDS = ("text", "title")


def paragraph_fields(article: Article) -> Iterator[tuple[Paragraph, dict]]:
    """(paragraph, its document's fields) for each paragraph of ``article``; a field without
    a value is left out."""
    shared: dict = {
        "article": article.id,
        "title": article.title,
        "source": article.source,
        "source_name": article.source,
        "author": article.author,
        "author_name": article.author,
        "lang": article.lang,
        "date": article.date,
        "month": article.date[:7] if article.date else None,
        "url": article.url,
        "tag": [t.lower() for t in article.tags] or None,
        "tags": list(article.tags) or None,
    }
    shared = {k: v for k, v in shared.items() if v}
    for p in article.paragraphs:
        doc = {**shared, "n": p.n, "kind": p.kind, "text": p.text}
        if p.credit:
            doc["credit"] = p.credit
        yield p, doc
