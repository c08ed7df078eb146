"""When the story happened: the articles a search matched, counted per day, week, month or
year (whichever gives a readable number of bars for the span they cover, unless asked for
one). Used by ``archive timeline`` and by the web page's chart."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .archive import Archive
    from .model import Hit
    from .search import SearchOptions

MAX_DAYS = 62  # up to two months: a bar a day
MAX_WEEKS = 53  # up to a year: a bar a week
MAX_MONTHS = 240  # up to 20 years: a bar a month; beyond, a bar a year
MAX_YEARS = 100  # beyond a century (odd dates do happen), a bar covers several years
MAX_BARS = 3_700  # a unit asked for may give at most this many periods (ten years of days)
UNITS = ("day", "week", "month", "year")


@dataclass(frozen=True)
class Bar:
    """One period of the timeline and the matching articles in it."""

    start: str  # the first day of the period (YYYY-MM-DD)
    end: str  # its last day
    label: str  # the period as people read it: 17 May 2024, week of 13 May 2024, May 2024, 2024
    articles: int
    paragraphs: int


@dataclass(frozen=True)
class Timeline:
    """The matching articles per period, first to last, empty periods included."""

    unit: str  # day, week, month or year
    bars: list[Bar]
    years: int = 1  # with unit year: how many years a bar covers

    @property
    def most(self) -> int:
        return max((b.articles for b in self.bars), default=0)

    @property
    def articles(self) -> int:
        return sum(b.articles for b in self.bars)

    @property
    def peak(self) -> Bar | None:
        """The first period with the most articles."""
        return max(self.bars, key=lambda b: b.articles) if self.bars else None

    def to_dict(self) -> dict:
        return {"unit": self.unit, "periods": [{"start": b.start, "end": b.end, "label": b.label,
                                                "articles": b.articles, "paragraphs": b.paragraphs}
                                               for b in self.bars]}  # fmt: skip


def timeline(days: list[dict], by: str | None = None) -> Timeline | None:
    """The timeline of a search from its ``day`` facet ([{"value": "2024-05-17", "articles",
    "paragraphs"}]), a bar per ``by`` (day, week, month or year; None: chosen by the span);
    None when no matched article has a date. Periods with no article are kept as empty bars:
    a gap in the story shows as one. A unit that would make more than MAX_BARS periods raises
    ValueError."""
    if by is not None and by not in UNITS:
        raise ValueError(f"by: use one of {', '.join(UNITS)}")
    counts: dict[date, list[int]] = {}
    for entry in days:
        try:
            day = date.fromisoformat(str(entry["value"])[:10])
        except (ValueError, KeyError):
            continue
        c = counts.setdefault(day, [0, 0])
        c[0] += int(entry.get("articles", 0))
        c[1] += int(entry.get("paragraphs", 0))
    if not counts:
        return None
    first, last = min(counts), max(counts)
    span = (last - first).days + 1
    if by is not None:
        unit = by
        periods = {"day": span, "week": span // 7 + 2, "month": _months(first, last), "year": last.year - first.year + 1}
        if periods[by] > MAX_BARS:
            raise ValueError(f"by: a bar a {by} from {first} to {last} would be {periods[by]:,} bars "
                             f"(at most {MAX_BARS:,}); use a longer period")  # fmt: skip
    elif span <= MAX_DAYS:
        unit = "day"
    elif span <= MAX_WEEKS * 7:
        unit = "week"
    elif _months(first, last) <= MAX_MONTHS:
        unit = "month"
    else:
        unit = "year"
    step = max(1, -(-(last.year - first.year + 1) // MAX_YEARS)) if unit == "year" and by is None else 1
    buckets: dict[date, list[int]] = {}
    for day, (a, p) in counts.items():
        b = buckets.setdefault(_start(day, unit, step), [0, 0])
        b[0] += a
        b[1] += p
    bars = []
    start = _start(first, unit, step)
    while start <= last:
        nxt = _next(start, unit, step)
        end = (nxt - timedelta(days=1)) if nxt else date.max
        a, p = buckets.get(start, (0, 0))
        bars.append(Bar(start.isoformat(), end.isoformat(), _label(start, end, unit), a, p))
        if nxt is None:
            break
        start = nxt
    return Timeline(unit, bars, step)


def _months(first: date, last: date) -> int:
    return (last.year - first.year) * 12 + last.month - first.month + 1


def _start(day: date, unit: str, step: int = 1) -> date:
    if unit == "day":
        return day
    if unit == "week":
        return day - timedelta(days=day.weekday())  # weeks start on Monday (ISO 8601)
    if unit == "month":
        return day.replace(day=1)
    return date(max(1, day.year - (day.year - 1) % step), 1, 1)


def _next(start: date, unit: str, step: int = 1) -> date | None:
    """The start of the period after the one starting at ``start`` (None after the last day
    a date can have)."""
    try:
        if unit == "day":
            return start + timedelta(days=1)
        if unit == "week":
            return start + timedelta(days=7)
        if unit == "month":
            return date(start.year + (start.month == 12), start.month % 12 + 1, 1)
        return date(start.year + step, 1, 1)
    except (OverflowError, ValueError):
        return None


def _label(start: date, end: date, unit: str) -> str:
    if unit == "day":
        return f"{start.day} {start:%b %Y}"
    if unit == "week":
        return f"week of {start.day} {start:%b %Y}"
    if unit == "month":
        return f"{start:%B %Y}"
    return str(start.year) if start.year == end.year else f"{start.year}–{end.year}"


@dataclass(frozen=True)
class StoryTimeline:
    """A story over time: the articles a search matched per period, how many have no date,
    and the first and the latest of them."""

    query: str
    timeline: Timeline | None  # None: no matching article has a date
    articles: int  # matching articles, dated or not
    articles_exact: bool
    undated: int
    first: "Hit | None"  # the earliest matching paragraph (who reported it first)
    latest: "Hit | None"

    def to_dict(self) -> dict:
        line = self.timeline.to_dict() if self.timeline else {"unit": None, "periods": []}
        return {"query": self.query, "articles": self.articles, "articles_exact": self.articles_exact,
                "undated": self.undated, **line, "first": self.first.to_dict() if self.first else None,
                "latest": self.latest.to_dict() if self.latest else None}  # fmt: skip


MAX_MATCHED = 10_000  # the matching articles looked at to count copies once


def _repeated_copies(archive: "Archive", query: str, base: "SearchOptions") -> set[str]:
    """The matching articles that are copies of another matching one (archive.copies): a
    story republished ten times is one article of the timeline, on its earliest day."""
    if not archive.store.has_copies():
        return set()
    found = archive.search(query, replace(base, facets=[], limit=MAX_MATCHED, snippets=False, semantic=False))
    matched = {h.article_id: h.date or "9999" for h in found.hits}
    links = archive.store.copy_links(matched)
    groups: dict[str, list[tuple[str, str]]] = {}
    for article_id, day in matched.items():
        root = links[article_id][0] if article_id in links else article_id
        groups.setdefault(root, []).append((day if article_id != root else "", article_id))  # (the original first)
    return {article_id for members in groups.values() for _, article_id in sorted(members)[1:]}


def story_timeline(archive: "Archive", query: str, options: "SearchOptions", by: str | None = None) -> StoryTimeline:
    """``query``'s story in ``archive`` (``options``' filters apply; paging and grouping do not)."""
    from .errors import QueryError

    if by is not None and by not in UNITS:
        raise QueryError(f"by: use one of {', '.join(UNITS)}", setting="by")
    # (the articles words match: the count is the days' sum, so none is brought in by meaning)
    base = replace(options, by_article=True, per_article=0, limit=1, page=1, suggest=False, explain=False, context=0,
                   facets=["day"], sort="relevance", all_copies=True, recall_by_meaning=False)  # fmt: skip
    repeats = _repeated_copies(archive, query, base)
    if repeats:
        base = replace(base, exclude_articles=tuple(options.exclude_articles) + tuple(sorted(repeats)))
    counted = archive.search(query, base)
    try:
        line = timeline((counted.facets or {}).get("day", []), by)
    except ValueError as e:
        raise QueryError(str(e), setting="by") from None
    first = latest = None
    if line is not None:
        first = next(iter(archive.search(query, replace(base, facets=[], sort="oldest")).hits), None)
        latest = next(iter(archive.search(query, replace(base, facets=[], sort="date")).hits), None)
    dated = line.articles if line else 0
    return StoryTimeline(query, line, counted.total, counted.total_exact, max(0, counted.total - dated), first, latest)
