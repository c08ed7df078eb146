"""Image captions and their credits, as the different formats write them."""

from __future__ import annotations

import re

_CAPTION = re.compile(r"^(?P<text>.*\S)\s*/\s*(?P<credit>[^/]+?)\s*,\s*$")
_CREDIT = re.compile(
    r"^(?P<text>.*?)[\s(\[/|·—–-]*(?:(?:(?:photo(?:graph)?|image|picture)s?(?:\s+credits?)?|credits?|사진)\s*(?:by\b|:)|©)\s*"
    r"(?P<credit>[^()\[\]:]{1,60}?)[)\]]?\s*$",
    re.I,
)


def split_credit(caption: str) -> tuple[str, str | None]:
    """``("Jan Leike at a conference.", "Example Times")`` for "… Photo: Example Times"
    (also "Photo by …", "Credit: …", "Image Credits: …", "Photos: …", "© …", "(사진: …)")."""
    if len(caption) > 1000:
        return caption, None
    m = _CREDIT.match(caption)
    if m and m.group("text").strip() and m.group("credit").strip():
        return m.group("text").strip(), m.group("credit").strip()
    return caption, None


def split_caption(s: str) -> tuple[str, str] | None:
    """``(text, credit)`` for a scraped caption line ``Text./Credit,``, else None."""
    if len(s) > 1000 or "/" not in s:  # captions are short; and no regex work on huge lines
        return None
    m = _CAPTION.match(s)
    if not m:
        return None
    text, credit = m.group("text").strip(), m.group("credit").strip()
    if not text or text.startswith(","):
        return None
    if len(credit) > 60 or len(credit.split()) > 6 or credit.endswith("."):
        return None
    if not credit[0].isalpha() or (credit[0].isascii() and credit[0].islower()):
        return None
    if ":" in credit or text.endswith((":", "http", "https")):
        return None
    return text, credit
