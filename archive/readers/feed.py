"""RSS and Atom feeds (parsed with feedparser): each entry with content becomes an article
(title, link, published date, author; the source is the feed's title)."""

from __future__ import annotations

import hashlib
from typing import Iterator

from ..analysis import normalize_text
from ..dates import parse_date
from ..errors import ReadError
from ..model import Article, Paragraph

_BLOCKS = ("p", "li", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "figcaption", "pre", "dd", "td")


def looks_like_feed(text: str) -> bool:
    head = text.lstrip()[:2000].lower()
    return head.startswith("<?xml") and ("<rss" in head or "<feed" in head or "<rdf:rdf" in head) or \
        head.startswith(("<rss", "<feed"))  # fmt: skip


def read_feed(data: bytes | str, origin: str, overrides: dict | None = None) -> Iterator[Article | ReadError]:
    import feedparser

    parsed = feedparser.parse(data)
    if parsed.get("bozo") and not parsed.entries:
        problem = parsed.get("bozo_exception")
        yield ReadError(origin, f"not a readable RSS/Atom feed ({problem.__class__.__name__ if problem else 'bad XML'})")
        return
    if not parsed.entries:
        yield ReadError(origin, "the feed has no entries")
        return
    feed_title = normalize_text(parsed.feed.get("title", "")) or None
    feed_lang = (parsed.feed.get("language") or "").split("-")[0].lower() or None
    for i, entry in enumerate(parsed.entries, start=1):
        where = f"{origin}: entry {i}"
        try:
            yield _entry(entry, where, feed_title, feed_lang, overrides)
        except ReadError as e:
            yield e


def _entry(entry, where: str, feed_title: str | None, feed_lang: str | None, overrides: dict | None) -> Article:
    content = ""
    if entry.get("content"):
        content = max((c.get("value", "") for c in entry.content), key=len)
    content = content or entry.get("summary", "")
    paragraphs = [Paragraph(0, "body", t) for t in html_paragraphs(content)]
    title = normalize_text((overrides or {}).get("title") or entry.get("title", ""))
    if not paragraphs:
        raise ReadError(where, f"entry {title or entry.get('link') or ''!r} has no content")
    if not title:
        title = paragraphs[0].text[:80]
    paragraphs.insert(0, Paragraph(0, "title", title))
    for n, p in enumerate(paragraphs, start=1):
        p.n = n
    date = None
    for key in ("published", "updated", "created"):
        if entry.get(key):
            date = parse_date(entry[key])
            if date:
                break
    tags = [normalize_text(t.get("term", "")) for t in entry.get("tags", []) if t.get("term")]
    article = Article(
        title=title, paragraphs=paragraphs, source=feed_title, author=normalize_text(entry.get("author", "")) or None,
        date=date, url=entry.get("link"), lang=feed_lang, tags=tags, origin=where,
        source_hash=hashlib.sha256(content.encode("utf-8")).hexdigest(),
    )  # fmt: skip
    return article


def html_paragraphs(fragment: str) -> list[str]:
    """The paragraphs of an HTML fragment (a feed entry's content), in order."""
    if not fragment or not fragment.strip():
        return []
    if "<" not in fragment:
        return [t for t in (normalize_text(x) for x in fragment.split("\n\n")) if t]
    from lxml import html as lxml_html

    try:
        root = lxml_html.fragment_fromstring(fragment, create_parent="div")
    except Exception:
        return []
    for bad in root.xpath("//script|//style"):
        bad.drop_tree()
    out: list[str] = []
    blocks = [el for el in root.iter(*_BLOCKS) if not any(a.tag in _BLOCKS for a in el.iterancestors())]
    if not blocks:
        text = normalize_text(root.text_content())
        return [text] if text else []
    for el in blocks:
        text = normalize_text(el.text_content())
        if text:
            out.append(text)
    return out


def read(data: bytes, text: str, origin: str, overrides: dict | None = None,
         base_url: str | None = None) -> Iterator[Article | ReadError]:  # fmt: skip
    """The registry's entry (archive.formats): each entry with content."""
    yield from read_feed(data, origin, overrides)
