"""A search as the page's address says it: parsed from the query string (every state of the
page is in its URL, so a search can be bookmarked, shared and gone back to), turned into the
library's SearchOptions, and written back into links that change one thing."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Mapping
from urllib.parse import urlencode

from ..search import FACETS, SearchOptions

SORTS = ("relevance", "date")
KINDS = ("title", "subtitle", "body", "caption")
MAX_LIMIT = 10_000  # as `archive search --limit`
MAX_PAGE = 100_000
# The filters a facet sets, in the order the page shows them applied.
FILTERS = ("source", "since", "until", "kind", "tag", "lang", "article")


class BadParameter(ValueError):
    """A parameter of the address that cannot be used, named, with what it should be."""

    def __init__(self, name: str, problem: str) -> None:
        super().__init__(f"{name}: {problem}")
        self.name = name


@dataclass(frozen=True)
class SearchState:
    """A search as the page's address has it (every field a query-string parameter)."""

    q: str = ""
    page: int = 1
    n: int = 10  # hits per page
    sort: str = "relevance"
    by: str = ""  # "article": one hit per article
    per: int = 0  # with N > 0: an article's best N paragraphs under it
    all_copies: bool = False  # every copy of a story as a hit of its own, not folded under the first
    source: str = ""
    since: str = ""
    until: str = ""
    kind: str = ""
    tag: str = ""
    lang: str = ""
    article: str = ""
    # the JSON API's extras (as the command's flags)
    facets: tuple[str, ...] = field(default=())
    context: int = 0
    explain: bool = False
    words_only: bool = False

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> "SearchState":
        """The search an address asks for; a parameter that cannot be used raises BadParameter."""
        s = cls()
        values: dict = {}
        for name in ("q", "source", "since", "until", "tag", "lang", "article"):
            value = " ".join((args.get(name) or "").split()) if name != "q" else (args.get(name) or "").strip()
            if len(value) > 10_000:
                raise BadParameter(name, "is too long")
            values[name] = value
        values["page"] = _whole(args, "page", s.page, 1, MAX_PAGE)
        values["n"] = _whole(args, "n", s.n, 1, MAX_LIMIT)
        values["per"] = _whole(args, "per", s.per, 0, 100)
        values["context"] = _whole(args, "context", s.context, 0, 20)
        sort = args.get("sort") or s.sort
        if sort not in SORTS:
            raise BadParameter("sort", f"use {' or '.join(SORTS)}")
        values["sort"] = sort
        by = args.get("by") or ""
        if by not in ("", "article"):
            raise BadParameter("by", "use by=article, or leave it out")
        values["by"] = by
        kind = (args.get("kind") or "").strip().lower()
        if kind and kind not in KINDS:
            raise BadParameter("kind", f"use one of {', '.join(KINDS)}")
        values["kind"] = kind
        facets = tuple(f.strip() for f in (args.get("facets") or "").split(",") if f.strip())
        unknown = [f for f in facets if f not in FACETS]
        if unknown:
            raise BadParameter("facets", f"no facet {unknown[0]!r} (use {', '.join(FACETS)})")
        values["facets"] = facets
        values["all_copies"] = _flag(args, "all_copies")
        values["explain"] = _flag(args, "explain")
        values["words_only"] = _flag(args, "words_only")
        return cls(**values)

    def options(self, facets: tuple[str, ...] | None = None) -> SearchOptions:
        """The library's options for this search (``facets``: what the page counts, else what
        the address asked for)."""
        return SearchOptions(limit=self.n, page=self.page, source=self.source or None, since=self.since or None,
                             until=self.until or None, article=self.article or None, kind=self.kind or None,
                             lang=self.lang or None, tag=self.tag or None, by_article=self.by == "article",
                             per_article=self.per, sort=self.sort, context=self.context, explain=self.explain,
                             semantic=not self.words_only, all_copies=self.all_copies,
                             facets=list(self.facets if facets is None else facets))  # fmt: skip

    def params(self, **changes) -> dict[str, str]:
        """The address's parameters with ``changes``, defaults left out (short, stable URLs)."""
        state = replace(self, **changes)
        out: dict[str, str] = {}
        default = SearchState()
        for f in fields(self):
            value = getattr(state, f.name)
            if value == getattr(default, f.name):
                continue
            if isinstance(value, bool):
                out[f.name] = "1"
            elif isinstance(value, tuple):
                out[f.name] = ",".join(value)
            else:
                out[f.name] = str(value)
        return out

    def query_string(self, **changes) -> str:
        return urlencode(self.params(**changes))

    def narrowed(self, **changes) -> str:
        """A link to this search with a filter changed, from its first page."""
        return self.query_string(page=1, **changes)

    def applied(self) -> list[tuple[str, str]]:
        """(filter, value) of every filter this search applies, as the page lists them."""
        return [(name, getattr(self, name)) for name in FILTERS if getattr(self, name)]


def _whole(args: Mapping[str, str], name: str, default: int, lo: int, hi: int) -> int:
    raw = (args.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadParameter(name, f"must be a whole number, not {raw[:40]!r}") from None
    if not lo <= value <= hi:
        raise BadParameter(name, f"must be from {lo} to {hi:,}")
    return value


def _flag(args: Mapping[str, str], name: str) -> bool:
    return (args.get(name) or "").strip().lower() in ("1", "true", "yes", "on")
