"""The interface every search engine behind the archive implements.

The archive (``archive.archive``) owns the store and decides what to write; an engine keeps a
searchable copy of the paragraphs and answers queries given as ``archive.query`` trees.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from ..model import Article, HitRow
from ..query import Node


# A match in a headline or a deck says more about what the article is about: every engine
# multiplies a paragraph's match score by its kind's weight. Chosen on SciFact train (nDCG@10
# with the headline at 1.0 / 1.2 / 1.6: 0.6750 / 0.6743 / 0.6631; benchmarks/RESULTS.md).
KIND_WEIGHTS = {"title": 1.2, "subtitle": 1.1, "caption": 1.0, "body": 1.0}


@dataclass
class EngineQuery:
    query: Node
    filters: list[Node] = field(default_factory=list)  # must match, do not score
    limit: int | None = 10  # None: every match
    offset: int = 0
    sort: str = "relevance"  # or "date" (newest first)
    title_weight: float = 0.3  # how much a match in the article's title lifts its paragraphs
    by_article: bool = False  # one hit per article (its best paragraph); totals count articles
    per_article: int = 1  # with by_article: up to this many paragraphs of each article
    count_up_to: int = 1000  # count matches exactly up to here; beyond, the total is a lower bound
    explain: bool = False  # the caller will ask explain() about the hits (an engine may prepare)
    raw: object = None  # an engine's own query in place of ``query`` (used inside an engine)


@dataclass
class EngineHit:
    article_id: str
    n: int
    score: float
    ref: object = None  # the engine's own handle for the paragraph (for explain)
    inner: list["EngineHit"] = field(default_factory=list)  # more paragraphs of the article


@dataclass
class EngineResult:
    total: int
    hits: list[EngineHit]
    per_article: dict[str, int] = field(default_factory=dict)  # with by_article: matching paragraphs
    total_exact: bool = True  # False: at least ``total`` match
    # What the hits show, when the search brought it back (OpenSearch's documents hold it):
    # it travels with the result, never through state another search could overwrite.
    rows: dict[tuple[str, int], HitRow] = field(default_factory=dict)


class Engine(Protocol):
    name: str

    def apply(self, upserts: list[Article], deletes: list[str]) -> None:
        """Replace the paragraphs of ``upserts`` and drop the articles ``deletes``, atomically."""

    def search(self, q: EngineQuery) -> EngineResult: ...

    def count(self, q: EngineQuery) -> int:
        """How many paragraphs match, counted at least up to ``q.count_up_to``."""

    def facets(self, q: EngineQuery, names: list[str]) -> dict[str, list[dict]]: ...

    def explain(self, q: EngineQuery, hit: EngineHit) -> list[dict]:
        """What made ``hit`` match: [{"field", "term", "score"}], biggest first."""

    def more_like(self, text: str, exclude_article: str | None, q: EngineQuery) -> EngineResult:
        """Paragraphs (or with q.by_article, articles) most like ``text``, by its distinctive terms."""

    def paragraph_keys(self) -> list[tuple[str, int]]:
        """Every (article id, paragraph number) in the index, once per document (so
        duplicates show), for consistency checks."""

    def size_bytes(self) -> int: ...

    def close(self) -> None: ...
