"""What the archive's operations report (an ingest's outcome per article, the list of articles,
the archive's statistics) and the settings that belong to a whole archive. A search needs none
of them, so they live apart from the pipeline's records (archive.model) and cost its start-up
nothing."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Stats:
    """What ``archive stats`` shows: the store's counts, the index's size and health, where
    the archive lives, and whether semantic ranking is on. ``engine_info`` holds what only
    one engine has (a cluster's address, name and health)."""

    articles: int
    paragraphs: int
    first_date: str | None
    last_date: str | None
    sources: dict[str, int]
    kinds: dict[str, int]
    languages: dict[str, int]
    segments: int
    index_problem: str | None
    index_bytes: int
    store_bytes: int
    path: str
    engine: str
    semantic: dict
    engine_info: dict = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d.update(d.pop("engine_info"))  # (the JSON keeps its flat shape: url, name, cluster)
        return d


@dataclass
class IngestOutcome:
    """What ingesting one article did: added, updated or unchanged."""

    action: str
    article_id: str
    title: str
    paragraphs: int
    origin: str | None = None
    change: str | None = None  # with "updated": "text" (a new version) or "metadata"
    note: str | None = None  # something the reader should know, e.g. another article has the same headline
    copy_of: str | None = None  # the original this article is a copy of (archive.copies)
    similarity: float | None = None  # with copy_of: the share of its text that is the same

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ArticleSummary:
    """One line of the archive's list of articles."""

    id: str
    title: str
    source: str | None
    date: str | None
    paragraphs: int
    lang: str | None
    ingested_at: str

    def to_dict(self) -> dict:
        return {
            "id": self.id, "date": self.date, "source": self.source, "title": self.title,
            "paragraphs": self.paragraphs, "lang": self.lang, "ingested_at": self.ingested_at,
        }  # fmt: skip


@dataclass
class ArchiveSettings:
    """What belongs to a whole archive rather than to an article, and travels with it: an
    export carries it as its first record (``{"archive": {...}}``), import and migrate bring
    it along."""

    synonyms: list[list[str]] = field(default_factory=list)
    watches: list[dict] = field(default_factory=list)  # saved searches: {"name", "query", "options", ...}

    def __bool__(self) -> bool:
        return bool(self.synonyms or self.watches)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"synonyms": self.synonyms}
        if self.watches:
            d["watches"] = self.watches
        return {"archive": d}
