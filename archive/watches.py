"""Saved searches ("watches"): what is new in a story since you last looked.

A watch is a query and its filters, kept in the archive (its store, on every engine; exports
carry them). Showing one runs the search over the articles added since it was last shown,
then remembers when that was."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from .errors import ArchiveError
from .model import SearchResult
from .search import SearchOptions

# What of a search a watch keeps (the filters and how the hits are grouped and sorted).
KEPT = ("source", "since", "until", "article", "kind", "lang", "tag", "by_article", "per_article", "sort", "semantic")
_NAME = re.compile(r"^[\w][\w.-]{0,63}$")


@dataclass
class Watch:
    """A saved search: its name, query and options, and when it was last shown."""

    name: str
    query: str
    options: dict[str, Any] = field(default_factory=dict)  # of KEPT, those that differ from the defaults
    created: str | None = None
    last_shown: str | None = None  # None: never shown (the first showing shows every hit)
    # The articles added in the second of the last showing that it showed (timestamps are to
    # the second: the next showing starts at that second, and leaves these out).
    shown_at_boundary: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, name: str, query: str, options: SearchOptions, created: str) -> "Watch":
        check_name(name)
        default = SearchOptions()
        kept = {k: getattr(options, k) for k in KEPT if getattr(options, k) != getattr(default, k)}
        return cls(name, query, kept, created, None)

    @classmethod
    def from_record(cls, name: str, record: dict) -> "Watch":
        names = {f.name for f in fields(cls)} - {"name"}
        options = {k: v for k, v in (record.get("options") or {}).items() if k in KEPT}
        rest = {k: record.get(k) for k in names - {"query", "options", "shown_at_boundary"}}
        boundary = [str(i) for i in record.get("shown_at_boundary") or []]
        return cls(name, str(record.get("query", "")), options, shown_at_boundary=boundary, **rest)

    def record(self) -> dict:
        d = asdict(self)
        d.pop("name")
        return d

    def search_options(self, **more) -> SearchOptions:
        return SearchOptions(**{**self.options, **more})

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class WatchNews:
    """What a watch found: the hits added since ``since`` (None: every hit, the first time or
    when all were asked for), shown at ``shown_at``."""

    watch: Watch
    since: str | None
    shown_at: str
    result: SearchResult

    def to_dict(self) -> dict:
        return {"name": self.watch.name, "query": self.watch.query, "options": self.watch.options,
                "since": self.since, "shown_at": self.shown_at, **self.result.to_dict()}  # fmt: skip


def check_name(name: str) -> None:
    if not _NAME.match(name or ""):
        raise ArchiveError(f"watch name {name!r}: letters, digits, '-', '_' or '.' (up to 64), e.g. openai-safety",
                           setting="name")  # fmt: skip
