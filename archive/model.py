"""The dataclasses that travel through the pipeline: reader -> store -> engine -> search -> render."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Any

KINDS = ("title", "subtitle", "caption", "body")


@dataclass
class Paragraph:
    """One piece of an article's text, numbered from 1 in reading order."""

    n: int
    kind: str
    text: str
    credit: str | None = None  # image credit of a caption, kept apart from its text

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"n": self.n, "kind": self.kind, "text": self.text}
        if self.credit:
            d["credit"] = self.credit
        return d


@dataclass
class Article:
    """An article as read: metadata plus its paragraphs (the headline is paragraph 1)."""

    title: str
    paragraphs: list[Paragraph]
    source: str | None = None
    author: str | None = None
    date: str | None = None  # ISO date, YYYY-MM-DD
    url: str | None = None
    lang: str | None = None
    tags: list[str] = field(default_factory=list)
    id: str | None = None
    ingested_at: str | None = None  # ISO timestamp (UTC), set by the store
    origin: str | None = None  # the file or URL it was read from
    source_hash: str | None = None  # sha256 of the original bytes it was read from
    # Earlier versions, oldest first (archive.identity.snapshot records), kept when the
    # article was updated; the article itself is the current version.
    versions: list[dict] = field(default_factory=list, repr=False)
    # Copies (archive.copies), as the archive last decided: the original this one is a copy of
    # and the share of its text that is the same; or, for an original, its copies' ids.
    copy_of: str | None = None
    similarity: float | None = None
    copies: list[str] = field(default_factory=list, repr=False)

    @property
    def subtitles(self) -> list[str]:
        return [p.text for p in self.paragraphs if p.kind == "subtitle"]

    def content_hash(self) -> str:
        """A hash of everything a reader produced, so re-ingesting the same article is a no-op."""
        payload = {
            "title": self.title,
            "source": self.source,
            "author": self.author,
            "date": self.date,
            "url": self.url,
            "lang": self.lang,
            "tags": sorted(self.tags),
            "paragraphs": [p.to_dict() for p in self.paragraphs],
        }
        blob = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode("utf-8")
        return hashlib.sha256(blob).hexdigest()

    def to_dict(self) -> dict[str, Any]:
        """The article as ``archive show --format json`` prints it: its versions as a count
        (``version``: this one's number, ``versions``: how many there are)."""
        d = asdict(self)
        d["paragraphs"] = [p.to_dict() for p in self.paragraphs]
        d["versions"] = d["version"] = len(self.versions) + 1
        if self.copy_of is None:
            del d["copy_of"], d["similarity"]
        else:
            d["similarity"] = round(self.similarity or 0.0, 3)
        if not self.copies:
            del d["copies"]
        return d


@dataclass(frozen=True)
class HitRow:
    """What a hit shows of its paragraph and article (from the store, or from the engine when
    its search already brought it back)."""

    article_id: str
    n: int
    kind: str
    text: str
    title: str
    source: str | None = None
    author: str | None = None
    date: str | None = None
    url: str | None = None


@dataclass
class Hit:
    """One ranked paragraph (or, grouped by article, an article's best paragraph)."""

    rank: int
    score: float
    article_id: str
    paragraph: int
    kind: str
    title: str
    source: str | None
    author: str | None
    date: str | None
    url: str | None
    text: str
    snippet: str  # HTML: matched words in <mark>...</mark>, the rest escaped
    matched_paragraphs: int | None = None  # with by_article: how many paragraphs matched
    context: list[Paragraph] = field(default_factory=list)  # neighbouring paragraphs, if asked
    inner: list["Hit"] = field(default_factory=list)  # with per_article: the article's next-best paragraphs
    explain: list[dict] | None = None  # with explain: [{"field", "term", "score"}]
    segments: list[tuple[str, bool]] = field(default_factory=list, repr=False)  # the snippet as (text, marked)
    # copies of this passage in other articles, folded under it: [{article_id, source, url, date, paragraph, similarity}]
    copies: list[dict] = field(default_factory=list)
    matched: str = "words"  # or "meaning": a sentence query's hit that shares no word with it

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "rank": self.rank,
            "score": round(self.score, 4),
            "article_id": self.article_id,
            "paragraph": self.paragraph,
            "kind": self.kind,
            "title": self.title,
            "source": self.source,
            "author": self.author,
            "date": self.date,
            "url": self.url,
            "text": self.text,
            "snippet": self.snippet,
            "matched": self.matched,
        }
        if self.matched_paragraphs is not None:
            d["matched_paragraphs"] = self.matched_paragraphs
        if self.context:
            d["context"] = [p.to_dict() for p in self.context]
        if self.inner:
            d["paragraphs"] = [{"paragraph": h.paragraph, "kind": h.kind, "score": round(h.score, 4),
                                "snippet": h.snippet} for h in self.inner]  # fmt: skip
        if self.explain is not None:
            d["explain"] = self.explain
        if self.copies:
            d["copies"] = self.copies
        return d


@dataclass
class SearchResult:
    """A search's answer: the ranked hits of one page, the total, and what helps read them."""

    query: str
    total: int
    took_ms: float
    page: int
    limit: int
    hits: list[Hit]
    suggestion: str | None = None
    by_article: bool = False
    match: str = "all"  # "all" words matched, or "any": a long query (or no hit with all) ranks by most
    facets: dict[str, list[dict]] | None = None  # name -> [{"value", "articles", "paragraphs"}]
    total_exact: bool = True  # False: at least ``total`` hits (counting stops at 1,000)
    ranking: str = "words"  # or "words+meaning": a sentence query blended with embeddings

    def to_dict(self) -> dict[str, Any]:
        d = {
            "query": self.query,
            "match": self.match,
            "ranking": self.ranking,
            "total": self.total,
            "total_exact": self.total_exact,
            "took_ms": round(self.took_ms, 1),
            "page": self.page,
            "limit": self.limit,
            "suggestion": self.suggestion,
            "hits": [h.to_dict() for h in self.hits],
        }
        if self.facets is not None:
            d["facets"] = self.facets
        return d


# What operations report (archive.reports): a search never needs them, so they are defined only
# when first asked for, here as before.
_REPORTS = frozenset({"Stats", "IngestOutcome", "ArticleSummary", "ArchiveSettings"})


def __getattr__(name: str) -> Any:
    if name in _REPORTS:
        from . import reports

        return getattr(reports, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
