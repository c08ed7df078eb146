"""Plain-text articles: the scraped form (like the seed), plain paragraphs, and a
``key: value`` front-matter block.

The scraped form, read the way a person reads it:

* the first line is the headline, and the lines right after it (before any debris) are decks;
* lines of nothing but commas are scraping debris;
* body paragraphs come wrapped as ``, ‘…’,``: only that outer wrapper goes, inner quotes stay;
* image captions end in ``/Credit,``: the credit is kept apart from the caption text.

Plain text: the first line is the headline, up to three short lines right under it are decks,
and blank lines separate paragraphs (hard-wrapped lines are joined).
"""

from __future__ import annotations

from typing import Iterator

import re

from ..analysis import normalize_text
from ..dates import parse_date
from ..errors import ReadError
from ..identity import line_key
from ..model import Article, Paragraph
from .captions import split_caption

FRONT_KEYS = {
    "title": "title", "headline": "title",
    "subtitle": "subtitle", "deck": "subtitle",
    "source": "source", "publisher": "source", "site": "source",
    "date": "date", "published": "date", "pubdate": "date",
    "url": "url", "link": "url",
    "author": "author", "byline": "author", "by": "author",
    "tags": "tags", "tag": "tags", "keywords": "tags",
    "lang": "lang", "language": "lang",
    "id": "id",
}  # fmt: skip
_KEY = re.compile(r"^([A-Za-z][A-Za-z_-]*)\s*:\s*(.*)$")
_DEBRIS = re.compile(r"^[\s,]*$")
_OPEN_QUOTES = "‘'“\""
_CLOSE_QUOTES = {"‘": "’", "'": "'", "“": "”", '"': '"'}


def read_text(text: str, origin: str, overrides: dict | None = None) -> Article:
    """Read one text article. A ``title`` in ``overrides`` is the headline, and the text's
    first line then counts as text (the other overrides are applied by ``archive.readers``)."""
    lines = text.splitlines()
    meta, body_lines = parse_front_matter(lines, origin)
    if (overrides or {}).get("title"):
        meta["title"] = overrides["title"]  # type: ignore[index]
    titled = bool(meta.get("title"))
    if is_scraped(body_lines):
        pieces = _scraped(body_lines)
    else:
        pieces = _plain(body_lines, titled)
    pieces = [(k, normalize_text(t), c) for k, t, c in pieces]
    pieces = [(k, t, c) for k, t, c in pieces if t]

    title = meta.pop("title", None)
    if title:
        title = normalize_text(title)
        if titled and pieces and pieces[0][0] == "body" and line_key(pieces[0][1]) == line_key(title):
            pieces.pop(0)  # the headline again, under the one the front matter gave
        if pieces and pieces[0][0] == "title" and pieces[0][1] != title:
            # the file's own first line is not the headline given in the front matter
            pieces[0] = ("body", pieces[0][1], pieces[0][2])
        if not pieces or pieces[0][1] != title:
            pieces.insert(0, ("title", title, None))
    if not pieces:
        raise ReadError(origin, "no article text found")
    if pieces[0][0] != "title":
        raise ReadError(origin, "no headline: the first line should be the article's title")
    subtitle = meta.pop("subtitle", None)
    if subtitle:
        pieces.insert(1, ("subtitle", normalize_text(subtitle), None))
    paragraphs = [Paragraph(n, k, t, c) for n, (k, t, c) in enumerate(pieces, start=1)]
    return Article(
        title=paragraphs[0].text,
        paragraphs=paragraphs,
        source=meta.get("source"),
        author=meta.get("author"),
        date=meta.get("date"),
        url=meta.get("url"),
        lang=meta.get("lang"),
        tags=meta.get("tags", []),
        id=meta.get("id"),
        origin=origin,
    )


def parse_front_matter(lines: list[str], origin: str) -> tuple[dict, list[str]]:
    """Split a leading ``key: value`` block (optionally fenced by ``---``) from the text.

    Only known keys count, so a headline such as ``Leike: “AI Safety…”`` is never metadata.
    """
    i = 0
    while i < len(lines) and not lines[i].strip():
        i += 1
    fenced = i < len(lines) and lines[i].strip() == "---"
    start = i + 1 if fenced else i
    raw: dict[str, str | list[str]] = {}
    last_key: str | None = None
    j = start
    while j < len(lines):
        s = lines[j].strip()
        if fenced and s == "---":
            j += 1
            break
        m = _KEY.match(s)
        if m and m.group(1).lower() in FRONT_KEYS:
            last_key = FRONT_KEYS[m.group(1).lower()]
            raw[last_key] = m.group(2).strip()
        elif fenced and s.startswith("- ") and last_key == "tags":
            cur = raw.get("tags") or []
            raw["tags"] = (cur if isinstance(cur, list) else [cur]) + [s[2:]]
        elif not s and (fenced or not raw):
            pass
        elif fenced:
            return {}, lines  # not our kind of front matter: treat it all as text
        else:
            break
        j += 1
    else:
        if fenced:
            return {}, lines
    if not raw:
        return {}, lines
    return _clean_meta(raw, origin), lines[j:]


def _unquote(value: str) -> str:
    """A value without the quotes around it (``"Leike says 'it took a backseat'"``), and only
    those: a quote inside it, or at one end only (``Wire, "Intl"``), is part of the value."""
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        value = value[1:-1].strip()
    return value


def _clean_meta(raw: dict, origin: str) -> dict:
    meta: dict = {}
    for key, value in raw.items():
        if key == "tags":
            items = value if isinstance(value, list) else str(value).strip("[]").split(",")
            tags = [_unquote(str(t)) for t in items]
            meta["tags"] = [t for t in tags if t]
            continue
        value = _unquote(str(value))
        if not value:
            continue
        if key == "date":
            iso = parse_date(value)
            if iso is None:
                raise ReadError(origin, f"front matter date {value!r} is not a date")
            value = iso
        elif key == "lang":
            value = value.lower()
        meta[key] = value
    return meta


def is_scraped(lines: list[str]) -> bool:
    """The scraped form has comma-only debris lines or ``, ‘…’,``-wrapped paragraphs."""
    marks = 0
    for line in lines:
        s = line.strip()
        if s and _DEBRIS.match(s):
            marks += 1
        elif _unwrap(s) is not None:
            marks += 1
        if marks >= 2:
            return True
    return False


def _unwrap(s: str) -> str | None:
    """The inside of a ``, ‘…’,`` wrapped paragraph, or None if ``s`` is not one."""
    if len(s) < 4 or not (s.startswith(",") and s.endswith(",")):
        return None
    inner = s[1:-1].strip()
    if inner and inner[0] in _OPEN_QUOTES:
        close = _CLOSE_QUOTES[inner[0]]
        inner = inner[1:-1] if inner.endswith(close) else inner[1:]
        return inner.strip()
    return None


def _scraped(lines: list[str]) -> list[tuple[str, str, str | None]]:
    out: list[tuple[str, str, str | None]] = []
    header = True
    for line in lines:
        s = line.strip()
        if _DEBRIS.match(s):
            if out:
                header = False
            continue
        inner = _unwrap(s)
        if inner is not None:
            if not out:
                out.append(("title", inner, None))
            else:
                out.append(("body", inner, None))
                header = False
            continue
        cap = split_caption(s)
        if cap is not None and out:
            out.append(("caption", cap[0], cap[1]))
            header = False
            continue
        s = s[:-1].rstrip() if s.endswith(",") else s
        if not out:
            out.append(("title", s, None))
        elif header:
            out.append(("subtitle", s, None))
        else:
            out.append(("body", s, None))
    return out


def _plain(lines: list[str], titled: bool = False) -> list[tuple[str, str, str | None]]:
    """Blank-line separated blocks: the first block's first line is the headline and its
    other short lines are decks; a hard-wrapped block joins into one paragraph. With
    ``titled`` (the front matter or the caller gave the headline) there is no headline or deck
    to guess: every block is a paragraph, its wrapped lines joined."""
    blocks: list[list[str]] = []
    cur: list[str] = []
    for line in lines:
        if line.strip():
            cur.append(line.strip())
        elif cur:
            blocks.append(cur)
            cur = []
    if cur:
        blocks.append(cur)
    out: list[tuple[str, str, str | None]] = []
    for i, block in enumerate(blocks):
        if i == 0 and not titled:
            out.append(("title", block[0], None))
            rest = block[1:]
            if rest and len(rest) <= 3 and all(len(x) <= 200 for x in rest):
                out.extend(("subtitle", x, None) for x in rest)
            elif rest:
                out.append(("body", " ".join(rest), None))
        else:
            out.append(("body", " ".join(block), None))
    return out


def read(data: bytes, text: str, origin: str, overrides: dict | None = None,
         base_url: str | None = None) -> Iterator[Article | ReadError]:  # fmt: skip
    """The registry's entry (archive.formats): one article per input."""
    yield read_text(text, origin, overrides)
