"""PDF articles (a saved page, a press release, a report): the text of each page (pypdf), with
lines that a layout broke joined into paragraphs, words hyphenated at a line's end made whole,
and the document's own title, author and date when it has them."""

from __future__ import annotations

import io
import re
import statistics
from typing import Iterator

from ..analysis import normalize_text
from ..errors import ReadError
from ..model import Article, Paragraph

MAX_PAGES = 300  # a PDF longer than this is a book or a report, not an article: only its start is read
_SENTENCE_END = re.compile(r"[.!?:;…\"”’)]$")
_HYPHEN = re.compile(r"(\w)-$")


def read_pdf(data: bytes, origin: str, overrides: dict | None = None) -> Article:
    try:
        from pypdf import PdfReader
    except ImportError as e:  # pragma: no cover - a declared dependency
        raise ReadError(origin, f"reading PDF needs {e.name}: pip install pypdf") from None
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise ReadError(origin, "the PDF is encrypted (give a copy without a password)")
        pages = [_page_text(page) for page in reader.pages[:MAX_PAGES]]
        info = reader.metadata or {}
        meta_title = normalize_text(str(info.get("/Title") or ""))
        author = normalize_text(str(info.get("/Author") or "")) or None
        created = _pdf_date(str(info.get("/CreationDate") or ""))
    except ReadError:
        raise
    except Exception as e:  # pypdf on a damaged or hostile file
        raise ReadError(origin, f"cannot read the PDF ({e.__class__.__name__}: {' '.join(str(e).split())[:100]})") from None
    # A page that ends a sentence ends its paragraph; one that does not goes on on the next page.
    text = "".join(page + ("\n\n" if _SENTENCE_END.search(page.rstrip()) else "\n") for page in pages)
    blocks = paragraphs_of(text)
    if not blocks:
        raise ReadError(origin, "the PDF has no text (a scan? it would need OCR)")
    title = normalize_text((overrides or {}).get("title") or "") or meta_title
    if not title or title.lower() in ("untitled", "microsoft word") or title.lower().endswith((".doc", ".docx", ".pdf")):
        title = blocks.pop(0) if len(blocks[0]) <= 200 and len(blocks) > 1 else blocks[0][:80]
    elif blocks and normalize_text(blocks[0]).casefold() == title.casefold():
        blocks.pop(0)
    paragraphs = [Paragraph(1, "title", title)] + [Paragraph(i, "body", b) for i, b in enumerate(blocks, start=2)]
    return Article(title=title, paragraphs=paragraphs, author=author, date=created, origin=origin)


def _page_text(page) -> str:
    """A page's text laid out as on the page (a vertical gap is a blank line: a paragraph's end)."""
    try:
        return page.extract_text(extraction_mode="layout") or ""
    except Exception:  # layout mode on an odd page: the plain text still reads
        return page.extract_text() or ""


def paragraphs_of(text: str) -> list[str]:
    """The paragraphs of a PDF's text: a blank line ends one, and so does a line that ends a
    sentence well short of the usual line length; a word hyphenated at a line's end is joined."""
    lines = [" ".join(line.split()) for line in text.splitlines()]
    full = [len(x) for x in lines if x]
    usual = statistics.median(full) if full else 0
    out: list[str] = []
    cur = ""
    for line in lines:
        if not line:
            if cur:
                out.append(cur)
                cur = ""
            continue
        if cur.endswith("-") and _HYPHEN.search(cur) and line[:1].islower():
            cur = cur[:-1] + line  # inter-|national -> international
        else:
            cur = f"{cur} {line}" if cur else line
        if _SENTENCE_END.search(line) and len(line) < 0.8 * usual:
            out.append(cur)
            cur = ""
    if cur:
        out.append(cur)
    return [normalize_text(p) for p in out if normalize_text(p)]


def _pdf_date(raw: str) -> str | None:
    """``D:20240517093000+09'00'`` -> ``2024-05-17``."""
    m = re.match(r"^(?:D:)?(\d{4})(\d{2})(\d{2})", raw.strip())
    if not m:
        return None
    y, mo, d = m.groups()
    return f"{y}-{mo}-{d}" if 1 <= int(mo) <= 12 and 1 <= int(d) <= 31 else None


def read(data: bytes, text: str, origin: str, overrides: dict | None = None,
         base_url: str | None = None) -> Iterator[Article | ReadError]:  # fmt: skip
    """The registry's entry (archive.formats): one article per PDF."""
    yield read_pdf(data, origin, overrides)


def looks_like_pdf(data: bytes) -> bool:
    return data.lstrip()[:5] == b"%PDF-"
