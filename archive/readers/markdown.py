"""Markdown articles: YAML front matter for metadata, ``#`` headline, paragraphs, block
quotes and list items as paragraphs, images as captions. Parsed with markdown-it-py, so
no Markdown syntax reaches the index or the snippets."""

from __future__ import annotations

from typing import Iterator

import re

from ..analysis import normalize_text
from ..errors import ReadError
from ..identity import line_key
from ..model import Article, Paragraph
from .captions import split_credit
from .text import FRONT_KEYS, _clean_meta

_FENCE = re.compile(r"\A\ufeff?---[ \t]*\n(.*?\n)(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)


def read_markdown(text: str, origin: str, overrides: dict | None = None) -> Article:
    from markdown_it import MarkdownIt

    meta: dict = {}
    m = _FENCE.match(text)
    if m:
        meta = _yaml_meta(m.group(1), origin)
        text = text[m.end():]
    if (overrides or {}).get("title"):
        meta["title"] = overrides["title"]  # type: ignore[index]

    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    pieces: list[tuple[str, str, str | None]] = []
    title = meta.get("title")
    heading_level = 0
    seen_body = False
    for i, tok in enumerate(tokens):
        if tok.type == "heading_open":
            heading_level = int(tok.tag[1])
            continue
        if tok.type != "inline":
            continue
        images = [c for c in tok.children or [] if c.type == "image"]
        plain = normalize_text(_inline_text(tok.children or []))
        if heading_level:
            level, heading_level = heading_level, 0
            if not plain:
                continue
            if level == 1 and not title:
                title = plain
            elif level == 1 and line_key(plain) == line_key(title):  # the headline again, quoted otherwise
                continue
            else:
                pieces.append(("body" if seen_body else "subtitle", plain, None))
            continue
        for img in images:  # an image's alt text (or title) is its caption
            caption = normalize_text(img.attrs.get("title") or _inline_text(img.children or []))
            if caption:
                pieces.append(("caption", *split_credit(caption)))
        if images and _only_images(tok.children or []):
            continue
        if plain:
            if images and pieces and pieces[-1][0] == "caption" and _is_emphasis_only(tok.children or []):
                pieces[-1] = ("caption", *split_credit(plain))
                continue
            pieces.append(("body", plain, None))
            seen_body = True
    if not title:
        if not pieces:
            raise ReadError(origin, "no article text found")
        title = pieces.pop(0)[1]
    if not any(k == "body" for k, _, _ in pieces):
        raise ReadError(origin, "no article text found (only a headline)")
    subtitle = meta.get("subtitle")
    head = [("title", normalize_text(title), None)] + ([("subtitle", normalize_text(subtitle), None)] if subtitle else [])
    paragraphs = [Paragraph(n, k, t, c) for n, (k, t, c) in enumerate(head + pieces, start=1)]
    return Article(
        title=paragraphs[0].text, paragraphs=paragraphs, source=meta.get("source"), author=meta.get("author"),
        date=meta.get("date"), url=meta.get("url"), lang=meta.get("lang"), tags=meta.get("tags", []),
        id=meta.get("id"), origin=origin,
    )  # fmt: skip


MAX_FRONT_MATTER_DEPTH = 20  # nesting levels; metadata is flat, a list of tags at most


def _yaml_meta(block: str, origin: str) -> dict:
    import yaml

    class Loader(yaml.SafeLoader):
        """YAML without aliases: ``b: &b [*a, *a, …]`` nested a few levels deep expands a
        few hundred bytes into gigabytes, and metadata never needs them."""

        def compose_node(self, parent, index):  # type: ignore[override]
            if self.check_event(yaml.events.AliasEvent):
                mark = self.peek_event().start_mark
                raise yaml.YAMLError(f"aliases are not allowed in front matter (line {mark.line + 2})")
            self._depth = getattr(self, "_depth", 0) + 1
            try:
                if self._depth > MAX_FRONT_MATTER_DEPTH:
                    raise yaml.YAMLError(f"front matter is nested more than {MAX_FRONT_MATTER_DEPTH} levels deep")
                return super().compose_node(parent, index)
            finally:
                self._depth -= 1

    try:
        data = yaml.load(block, Loader=Loader) or {}
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" (line {mark.line + 2})" if mark else ""
        detail = str(e) if type(e) is yaml.YAMLError else ""
        raise ReadError(origin, detail or f"front matter is not valid YAML{where}") from None
    except (ValueError, OverflowError, TypeError, RecursionError) as e:  # a "date" that is no date: 2024-13-45
        raise ReadError(origin, f"front matter has a value YAML cannot read ({type(e).__name__}: "
                                f"{str(e)[:80]})") from None  # fmt: skip
    if not isinstance(data, dict):
        raise ReadError(origin, "front matter should be key: value pairs")
    raw: dict = {}
    for key, value in data.items():
        name = FRONT_KEYS.get(str(key).lower())
        if name is None or value is None:
            continue
        if name == "tags" and isinstance(value, list):
            raw[name] = [str(v) for v in value]
        elif name == "author" and isinstance(value, list):
            raw[name] = ", ".join(str(v) for v in value)
        else:
            raw[name] = str(value)
    return _clean_meta(raw, origin)


def _inline_text(children) -> str:
    out: list[str] = []
    for c in children:
        if c.type in ("text", "code_inline"):
            out.append(c.content)
        elif c.type in ("softbreak", "hardbreak"):
            out.append(" ")
        elif c.type == "image":
            continue
        elif c.children:
            out.append(_inline_text(c.children))
        elif c.type == "html_inline":
            continue
    return "".join(out)


def _only_images(children) -> bool:
    return all(c.type == "image" or (c.type == "text" and not c.content.strip()) or c.type in ("softbreak",)
               for c in children)  # fmt: skip


def _is_emphasis_only(children) -> bool:
    """``![alt](src)`` followed by ``*A caption*`` on the next line: the emphasis is the caption."""
    rest = [c for c in children if c.type not in ("image", "softbreak") and not (c.type == "text" and not c.content.strip())]
    return bool(rest) and rest[0].type == "em_open" and rest[-1].type == "em_close"


def read(data: bytes, text: str, origin: str, overrides: dict | None = None,
         base_url: str | None = None) -> Iterator[Article | ReadError]:  # fmt: skip
    """The registry's entry (archive.formats): one article per input."""
    yield read_markdown(text, origin, overrides)
