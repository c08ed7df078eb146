"""E-mail (a newsletter, a press release as it arrived: ``.eml``): the subject is the headline,
the sender the author, its Date the date, and the text part (else the HTML part) the
paragraphs. Read with the standard library's ``email`` package."""

from __future__ import annotations

import re
from typing import Iterator

from ..analysis import normalize_text
from ..errors import ReadError
from ..model import Article, Paragraph

_HEADER = re.compile(r"^(From|To|Subject|Date|Message-ID|MIME-Version|Received|Return-Path|Content-Type|Reply-To):",
                     re.I)  # fmt: skip


def read_mail(data: bytes, origin: str, overrides: dict | None = None) -> Article:
    import email
    import email.policy
    import email.utils

    try:
        msg = email.message_from_bytes(data, policy=email.policy.default)
        subject = normalize_text(str(msg.get("subject") or ""))
        sender = msg.get("from")
        author = None
        if sender:
            name, address = email.utils.parseaddr(str(sender))
            author = normalize_text(name or address) or None
        date = None
        if msg.get("date"):
            try:
                date = email.utils.parsedate_to_datetime(str(msg["date"])).date().isoformat()
            except (TypeError, ValueError):
                date = None
        part = msg.get_body(preferencelist=("plain", "html"))
        body = part.get_content() if part is not None else ""
        html = part is not None and part.get_content_type() == "text/html"
    except Exception as e:  # a malformed message
        raise ReadError(origin, f"cannot read the e-mail ({e.__class__.__name__})") from None
    if html:
        body = _html_text(body)
    blocks = [normalize_text(" ".join(b.split())) for b in re.split(r"\n\s*\n", body.replace("\r\n", "\n"))]
    blocks = [b for b in blocks if b and not b.startswith(">")]  # (quoted replies are someone else's text)
    title = normalize_text((overrides or {}).get("title") or "") or subject
    if not title:
        raise ReadError(origin, "the e-mail has no subject (give a headline with --title)")
    if not blocks:
        raise ReadError(origin, "the e-mail has no text")
    paragraphs = [Paragraph(1, "title", title)] + [Paragraph(i, "body", b) for i, b in enumerate(blocks, start=2)]
    return Article(title=title, paragraphs=paragraphs, author=author, date=date, origin=origin)


def _html_text(html: str) -> str:
    """An HTML part's text, a blank line between its blocks."""
    from lxml import html as lxml_html

    try:
        tree = lxml_html.fromstring(html)
    except Exception:
        return ""
    for bad in tree.xpath("//script|//style|//head"):
        bad.drop_tree()
    blocks = [" ".join(el.text_content().split()) for el in tree.iter("p", "h1", "h2", "h3", "li", "blockquote")]
    return "\n\n".join(b for b in blocks if b) or tree.text_content()


def read(data: bytes, text: str, origin: str, overrides: dict | None = None,
         base_url: str | None = None) -> Iterator[Article | ReadError]:  # fmt: skip
    """The registry's entry (archive.formats): one article per message."""
    yield read_mail(data, origin, overrides)


def looks_like_email(head: str) -> bool:
    """A message's header block: header lines from the first, with From and a Subject or Date."""
    lines = head.lstrip().splitlines()[:40]
    names = {m.group(1).lower() for line in lines if (m := _HEADER.match(line))}
    return bool(lines) and bool(_HEADER.match(lines[0])) and "from" in names and bool(names & {"subject", "date"})
