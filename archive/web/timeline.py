"""When the story happened: the articles a search matched, counted per day, week, month or
year (whichever gives a readable number of bars for the span they cover)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

MAX_DAYS = 62  # up to two months: a bar a day
MAX_WEEKS = 53  # up to a year: a bar a week
MAX_MONTHS = 240  # up to 20 years: a bar a month; beyond, a bar a year
MAX_YEARS = 100  # beyond a century (odd dates do happen), a bar covers several years


@dataclass(frozen=True)
class Bar:
    start: str  # the first day of the period (YYYY-MM-DD)
    end: str  # its last day
    label: str  # the period as people read it: 17 May 2024, week of 13 May 2024, May 2024, 2024
    articles: int
    paragraphs: int


@dataclass(frozen=True)
class Timeline:
    unit: str  # day, week, month or year
    bars: list[Bar]
    years: int = 1  # with unit year: how many years a bar covers

    @property
    def most(self) -> int:
        return max((b.articles for b in self.bars), default=0)

    @property
    def articles(self) -> int:
        return sum(b.articles for b in self.bars)


def timeline(days: list[dict]) -> Timeline | None:
    """The timeline of a search from its ``day`` facet ([{"value": "2024-05-17", "articles",
    "paragraphs"}]); None when no matched article has a date. Periods with no article are
    kept as empty bars: a gap in the story shows as one."""
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
    if span <= MAX_DAYS:
        unit = "day"
    elif span <= MAX_WEEKS * 7:
        unit = "week"
    elif _months(first, last) <= MAX_MONTHS:
        unit = "month"
    else:
        unit = "year"
    step = max(1, -(-(last.year - first.year + 1) // MAX_YEARS)) if unit == "year" else 1
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
