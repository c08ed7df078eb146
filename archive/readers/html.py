"""Web pages: the article itself (not menus, ads, related links or comments), with its
headline, deck, byline, date, canonical URL, site name and image captions.

Extraction is trafilatura's (with htmldate for dates); this module maps its result onto
paragraphs and puts back the figure captions it leaves out.
"""

from __future__ import annotations

import re
from typing import Iterator
from urllib.parse import urljoin

from ..analysis import normalize_text
from ..dates import parse_date
from ..errors import ReadError
from ..model import Article, Paragraph
from .captions import split_credit

def read_html(html: str | bytes, origin: str, url: str | None = None, overrides: dict | None = None) -> Article:
    try:
        import trafilatura
        from lxml import etree
        from lxml import html as lxml_html
    except ImportError as e:  # pragma: no cover - declared dependencies
        raise ReadError(origin, f"reading HTML needs {e.name}: pip install trafilatura") from None
    try:
        xml = trafilatura.extract(html, url=url, output_format="xml", include_images=True, include_comments=False,
                                  include_tables=False, with_metadata=True, deduplicate=False)  # fmt: skip
    except Exception as e:  # trafilatura/lxml on a malformed page
        raise ReadError(origin, f"cannot read the page as HTML ({e.__class__.__name__})") from None
    if not xml:
        raise ReadError(origin, "no article text found in the page")
    doc = etree.fromstring(xml.encode("utf-8"))
    captions = _figure_captions(html, url, lxml_html)
    decks = _visible_decks(html, lxml_html)

    title = normalize_text(doc.get("title") or "")
    paragraphs: list[Paragraph] = []
    seen_body = False
    main = doc.find("main")
    for el in main.iter("head", "p", "item", "quote", "graphic") if main is not None else []:
        if el.tag == "graphic":
            src = el.get("src") or ""
            text = captions.get(src) or normalize_text(el.get("title") or el.get("alt") or "")
            if text:
                text, credit = split_credit(text)
                paragraphs.append(Paragraph(0, "caption", text, credit))
            continue
        if el.tag in ("p", "item") and el.getparent() is not None and el.getparent().tag in ("quote", "item"):
            continue  # counted with its container
        text = normalize_text("".join(el.itertext()))
        if not text:
            continue
        if el.tag == "head":
            if not title:
                title = text
            if text == title and not paragraphs:
                continue
            paragraphs.append(Paragraph(0, "body" if seen_body else "subtitle", text))
            continue
        if not seen_body and text in decks:  # the page's own deck, under the headline
            paragraphs.append(Paragraph(0, "subtitle", text))
            continue
        seen_body = True
        paragraphs.append(Paragraph(0, "body", text))
    if not any(p.kind == "body" for p in paragraphs):
        raise ReadError(origin, "no article text found in the page")
    title = normalize_text((overrides or {}).get("title") or title) or paragraphs[0].text[:80]
    description = normalize_text(doc.get("description") or "")
    head = [Paragraph(0, "title", title)]
    shown = {p.text for p in paragraphs}
    head += [Paragraph(0, "subtitle", d) for d in decks if d not in shown and d != title]  # (extraction left it out)
    has_deck = len(head) > 1 or any(p.kind == "subtitle" for p in paragraphs)
    first_body = next(p.text for p in paragraphs if p.kind == "body")
    if description and not has_deck and not _overlaps(description, first_body):
        head.append(Paragraph(0, "subtitle", description))
    paragraphs = head + paragraphs
    for n, p in enumerate(paragraphs, start=1):
        p.n = n
    tags = [t.strip() for t in (doc.get("tags") or doc.get("categories") or "").split(",") if t.strip()]
    article = Article(
        title=title, paragraphs=paragraphs, source=normalize_text(doc.get("sitename") or "") or None,
        author=_byline(doc.get("author") or ""), date=parse_date(doc.get("date") or ""),
        url=doc.get("url") or url, tags=tags, origin=origin,
    )  # fmt: skip
    return article


def _byline(text: str) -> str | None:
    """The author of a byline as extraction found it, without what the page put beside the
    name (``Kyle Wiggers · May 28, 2024``, ``Jane Doe | Reuters``)."""
    text = re.split(r"\s+[·|•—]\s+", normalize_text(text))[0].strip(" ,;")
    return text or None


def _overlaps(description: str, first: str) -> bool:
    """A page description that is just the start of the first paragraph is not a deck."""
    d = description.rstrip(".… ").lower()
    return first.lower().startswith(d[: max(20, len(d) // 2)])


_DECK_CLASS = re.compile(r"(?:^|[\s_-])(dek|deck|standfirst|subtitle|sub-title|subhead|subheadline|sub-headline|"
                         r"summary|article-summary|excerpt|lede|strapline)(?:$|[\s_-])", re.I)


def _visible_decks(html: str | bytes, lxml_html) -> list[str]:
    """The deck the page shows under its headline (a dek, standfirst, summary): an element so
    named near the <h1>, or the <h2>/<p> that follows the <h1> in the article's header. A
    page's own deck is the deck; its og:description is only a fallback."""
    try:
        tree = lxml_html.fromstring(html)
    except Exception:
        return []
    out: list[str] = []
    h1 = next(iter(tree.iter("h1")), None)
    candidates = []
    if h1 is not None:
        sib = h1.getnext()
        if sib is not None and sib.tag in ("h2", "p") and h1.getparent() is not None and h1.getparent().tag in (
                "header", "hgroup"):  # fmt: skip
            candidates.append(sib)
    for el in tree.iter("p", "h2", "div", "span"):
        if _DECK_CLASS.search(el.get("class") or "") and len(el) <= 3:
            candidates.append(el)
    for el in candidates:
        text = normalize_text(el.text_content())
        if 20 <= len(text) <= 400 and text not in out:
            out.append(text)
    return out[:2]


def _figure_captions(html: str | bytes, url: str | None, lxml_html) -> dict[str, str]:
    """Image address -> its <figcaption> text, which trafilatura does not keep."""
    try:
        tree = lxml_html.fromstring(html)
    except Exception:
        return {}
    out: dict[str, str] = {}
    for fig in tree.iter("figure"):
        cap = fig.find(".//figcaption")
        img = fig.find(".//img")
        if cap is None or img is None:
            continue
        text = normalize_text(cap.text_content())
        src = img.get("src") or img.get("data-src") or ""
        if text and src:
            out[urljoin(url or "", src)] = text
            out[src] = text
    return out


def read(data: bytes, text: str, origin: str, overrides: dict | None = None,
         base_url: str | None = None) -> Iterator[Article | ReadError]:  # fmt: skip
    """The registry's entry (archive.formats): one article per page."""
    yield read_html(text, origin, base_url, overrides)


def looks_like_html(head: str) -> bool:
    head = head[:200].lower()
    return head.startswith(("<!doctype html", "<html")) or "<html" in head
