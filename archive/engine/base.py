"""The interface every search engine behind the archive implements.

The archive (``archive.archive``) owns the store and decides what to write; an engine keeps a
searchable copy of the paragraphs and answers queries given as ``archive.query`` trees.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Protocol

from ..errors import ArchiveError
from ..model import Article, HitRow

if TYPE_CHECKING:
    from ..config import EngineConfig
from ..query import Node




@dataclass(eq=False)  # (compared by no one: eq costs start-up time)
class EngineQuery:
    """A search as an engine receives it: the query tree, filters, paging and grouping."""

    query: Node
    filters: list[Node] = field(default_factory=list)  # must match, do not score
    limit: int | None = 10  # None: every match
    offset: int = 0
    sort: str = "relevance"  # or "date" (newest first) or "oldest" (oldest first, dated paragraphs only)
    title_weight: float = 0.3  # how much a match in the article's title lifts its paragraphs
    by_article: bool = False  # one hit per article (its best paragraph); totals count articles
    per_article: int = 1  # with by_article: up to this many paragraphs of each article
    count_up_to: int = 1000  # count matches exactly up to here; beyond, the total is a lower bound
    explain: bool = False  # the caller will ask explain() about the hits (an engine may prepare)
    raw: object = None  # an engine's own query in place of ``query`` (used inside an engine)


@dataclass(eq=False)  # (compared by no one: eq costs start-up time)
class EngineHit:
    """A paragraph an engine found, with its score (and the engine's own reference to it)."""

    article_id: str
    n: int
    score: float
    ref: object = None  # the engine's own handle for the paragraph (for explain)
    inner: list["EngineHit"] = field(default_factory=list)  # more paragraphs of the article


@dataclass(eq=False)  # (compared by no one: eq costs start-up time)
class EngineResult:
    """An engine's answer: the hits, the total and, when the engine has them, the hits' rows."""

    total: int
    hits: list[EngineHit]
    per_article: dict[str, int] = field(default_factory=dict)  # with by_article: matching paragraphs
    total_exact: bool = True  # False: at least ``total`` match
    # What the hits show, when the search brought it back (OpenSearch's documents hold it):
    # it travels with the result, never through state another search could overwrite.
    rows: dict[tuple[str, int], HitRow] = field(default_factory=dict)


if TYPE_CHECKING:  # (the protocols are for type checkers and readers; defining them costs start-up time)
    class Index(Protocol):
        """A searchable copy of the paragraphs, answering ``archive.query`` trees."""

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


    Engine = Index  # (the name earlier versions used)


    class Store(Protocol):
        """The canonical articles: what the archive's logic asks of a store, on every engine
        (``engine.whoosh.store.Store`` on SQLite, ``engine.opensearch.store.OpenSearchStore`` in a cluster)."""

        read_only: bool

        def transaction(self): ...
        def upgrade(self) -> None: ...
        def prepare(self) -> None: ...
        def prefetch(self, articles: Iterable[Article]) -> None: ...
        def find_existing(self, article: Article) -> tuple[str, str] | None: ...
        def same_headline(self, article: Article) -> str | None: ...
        def new_id(self, article: Article) -> str: ...
        def has(self, article_id: str) -> bool: ...
        def resolve(self, ref: str) -> str: ...
        def put(self, article: Article, content_hash: str) -> None: ...
        def delete(self, article_id: str) -> None: ...
        def get(self, article_id: str) -> Article: ...
        def iter_articles(self) -> Iterator[Article]: ...
        def hit_rows(self, keys: Iterable[tuple[str, int]]) -> dict[tuple[str, int], HitRow]: ...
        def get_meta(self, key: str) -> str | None: ...
        def set_meta(self, key: str, value: str) -> None: ...
        def added_between(self, lo: str | None, hi: str | None, most: int) -> list[str] | None: ...
        def put_vector(self, article_id: str, model: str, vector: bytes) -> None: ...
        def vectors(self, article_ids: Iterable[str], model: str) -> dict[str, bytes]: ...
        def nearest(self, query: Any, model: str, k: int, exclude: Iterable[str] = ()) -> list[tuple[str, float]]: ...
        def watches(self) -> dict[str, dict]: ...
        def put_watch(self, name: str, record: dict) -> None: ...
        def remove_watch(self, name: str) -> bool: ...
        def close(self) -> None: ...


    class Backend(Protocol):
        """An archive on one engine: its store, its index and their lifecycle. The archive
        (``archive.archive.Archive``) is engine-blind: it asks its backend for these."""

        name: str
        store: Store
        index: Index

        @classmethod
        def create(cls, path: Path, config: "EngineConfig") -> "Backend":
            """Make a new archive at ``path`` (on OpenSearch: or join one of that name) and open it."""

        @classmethod
        def open(cls, path: Path, config: "EngineConfig | None", create: bool = False) -> "Backend":
            """Open the archive at ``path``; ``create``: another process may be making it now."""

        def rebuild(self, articles: Iterable[Article], writer_mb: int) -> None:
            """Build a new index from ``articles`` beside the old one and swap it in."""

        def set_memory(self, writer_mb: int) -> None:
            """What an index writer may hold in memory, in MB."""

        def describe(self) -> str:
            """Where the archive lives, for messages: a path, or a cluster and a name."""

        def stats(self) -> dict:
            """What ``archive stats`` shows of this engine beyond the store's counts."""

        def close(self) -> None: ...


class BrokenIndex:
    """Stands in for an index that cannot be opened: every use says so and how to repair it
    (while the store still serves check, rebuild, list and export)."""

    def __init__(self, error: ArchiveError, name: str) -> None:
        self.error = error
        self.name = name

    def __getattr__(self, name: str):
        raise self.error

    def close(self) -> None:
        pass

    def size_bytes(self) -> int:
        return 0
