"""Dates: everything that turns a written date into an ISO ``YYYY-MM-DD`` lives here."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

_KOREAN = re.compile(r"^\s*(\d{4})\s*년\s*(\d{1,2})\s*월\s*(\d{1,2})\s*일")
_DOTTED = re.compile(r"^\s*(\d{4})[./](\d{1,2})[./](\d{1,2})\.?\s*$")
_ISO_PREFIX = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})(?:[T ].*)?$")
_MONTH = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")
_YEAR = re.compile(r"^\s*(\d{4})\s*$")
_RELATIVE = re.compile(r"^\s*(\d+)\s*([dwmy])\s*$", re.I)


def parse_date(text: str) -> str | None:
    """Normalise a date written in any common form to ``YYYY-MM-DD``; None if it is not a date.

    Accepts ISO dates and timestamps, ``2024.05.18``, ``2024/05/18``, ``May 18, 2024``,
    ``18 May 2024``, RFC 2822 (``Sat, 18 May 2024 09:00:00 +0900``) and ``2024년 5월 18일``.
    """
    if not text or not text.strip():
        return None
    text = text.strip()
    for rx in (_ISO_PREFIX, _DOTTED, _KOREAN):
        m = rx.match(text)
        if m:
            return _valid(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    if len(text) > 64 or not re.search(r"\d{4}", text):
        return None
    try:
        from dateutil import parser as du
    except ImportError:  # pragma: no cover - python-dateutil is a declared dependency
        return None
    try:
        parsed = du.parse(text, default=datetime(1900, 1, 1), fuzzy=False)
    except (ValueError, OverflowError):
        return None
    return parsed.date().isoformat()


def _valid(y: int, m: int, d: int) -> str | None:
    try:
        return date(y, m, d).isoformat()
    except ValueError:
        return None


def date_bound(text: str, *, end: bool, today: date | None = None) -> str:
    """A ``--since``/``--until`` bound: a date, a month (``2024-05``), a year, ``today``,
    ``yesterday`` or an age (``30d``, ``2w``, ``6m``, ``1y``). Raises ValueError otherwise.

    A month or year as an upper bound means its last day.
    """
    today = today or datetime.now(timezone.utc).date()
    t = text.strip().lower()
    if t == "today":
        return today.isoformat()
    if t == "yesterday":
        return (today - timedelta(days=1)).isoformat()
    m = _RELATIVE.match(t)
    if m:
        n, unit = int(m.group(1)), m.group(2).lower()
        days = {"d": 1, "w": 7, "m": 30, "y": 365}[unit] * n
        if days >= (today - date.min).days:  # before the year 1: every date is after it
            raise ValueError(f"{text!r} reaches back before the year 1 (the oldest date is 0001-01-01)")
        return (today - timedelta(days=days)).isoformat()
    m = _MONTH.match(t)
    if m and 1 <= int(m.group(2)) <= 12:
        y, mo = int(m.group(1)), int(m.group(2))
        if not end:
            return f"{y:04d}-{mo:02d}-01"
        nxt = date(y + (mo == 12), mo % 12 + 1, 1)
        return (nxt - timedelta(days=1)).isoformat()
    m = _YEAR.match(t)
    if m:
        return f"{m.group(1)}-12-31" if end else f"{m.group(1)}-01-01"
    iso = parse_date(text)
    if iso is None:
        raise ValueError(f"not a date: {text!r} (use YYYY-MM-DD, YYYY-MM, YYYY, 30d, today)")
    return iso


def now_iso() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


_AGE = re.compile(r"^(\d{1,6})\s*(h|d|w)$", re.I)


def moment_bound(text: str, *, end: bool, now: datetime | None = None) -> str:
    """A bound on when something was added, as an ISO timestamp (UTC, ``Z``): a timestamp
    (``2024-05-17T09:30:00Z``), an age from now (``12h``, ``2d``, ``1w``), or anything
    ``date_bound`` takes (a day then starts at 00:00:00 and, as an upper bound, ends at
    23:59:59). Raises ValueError otherwise."""
    now = now or datetime.now(timezone.utc)
    t = text.strip()
    m = _AGE.match(t)
    if m:
        hours = int(m.group(1)) * {"h": 1, "d": 24, "w": 168}[m.group(2).lower()]
        try:
            moment = now - timedelta(hours=hours)
        except OverflowError:
            raise ValueError(f"{text!r} reaches back before the year 1") from None
        return moment.replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")
    if "T" in t.upper() and len(t) > 10:
        try:
            moment = datetime.fromisoformat(t.replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError:
            raise ValueError(f"{text!r} is not a date or a time (e.g. 2024-05-17T09:30:00Z, 2d, 2024-05)") from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
        return moment.astimezone(timezone.utc).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")
    day = date_bound(t, end=end, today=now.date())
    return f"{day}T23:59:59Z" if end else f"{day}T00:00:00Z"
