"""Paragraph documents in the cluster: their ids, their fields (archive.engine.fields) and
what a hit shows of them.
"""

from __future__ import annotations

from typing import Iterable

from ...model import Article, HitRow
from ..fields import paragraph_fields


# The fields a hit shows (paragraph_row() makes them the store's row).
HIT_FIELDS = ["article", "n", "kind", "text", "title", "source_name", "author_name", "date", "url"]  # the cardinality aggregation is exact below this (its maximum)


def paragraph_docs(article: Article) -> Iterable[tuple[str, dict]]:
    """(document id, document) for each paragraph of ``article`` (archive.engine.fields)."""
    for p, doc in paragraph_fields(article):
        yield paragraph_doc_id(article.id, p.n), doc


def paragraph_doc_id(article_id: str, n: int) -> str:
    return f"{article_id}#{n}"


def paragraph_row(s: dict) -> HitRow:
    """A paragraph document as what a hit shows (as the SQLite store's hit_rows gives it)."""
    return HitRow(s["article"], s["n"], s["kind"], s["text"], s.get("title") or "", s.get("source_name"),
                  s.get("author_name"), s.get("date"), s.get("url"))  # fmt: skip
