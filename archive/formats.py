"""The input formats the archive reads, as records in a registry: a name, the file suffixes
and web content types that mean it, how to recognise it from its first characters, and the
function that reads it (``module:function``, imported only when a file of that format is
read). Dispatch by suffix, by content type and by content, the directory walk and the CLI's
``--input-format`` choices all come from here.

A reader function takes ``(data: bytes, text: str, origin: str, overrides: dict | None,
base_url: str | None)`` and yields ``Article``s or ``ReadError``s.
"""

from __future__ import annotations

import importlib
from typing import Callable, NamedTuple


class Format(NamedTuple):
    """An input format: a record of the registry (a named tuple: cheap to make at start-up)."""

    name: str
    read: str  # "module:function"
    suffixes: tuple[str, ...] = ()
    content_types: tuple[str, ...] = ()
    sniff: str | None = None  # "module:function" (the decoded text's start -> bool), tried in registry order
    streamed: tuple[str, ...] = ()  # suffixes read a line at a time (JSON Lines)
    magic: bytes = b""  # a binary format: how its bytes start (it is never decoded as text)

    def reader(self) -> Callable:
        return _load(self.read)

    def recognises(self, head: str) -> bool:
        return self.sniff is not None and _load(self.sniff)(head)


def _load(ref: str) -> Callable:
    module, _, name = ref.partition(":")
    return getattr(importlib.import_module(module), name)


# In the order content is sniffed when neither the suffix nor the content type says (text,
# the fallback, last).
FORMATS: dict[str, Format] = {f.name: f for f in (
    Format("json", "archive.readers.jsonl:read", (".json", ".jsonl", ".ndjson"),
           ("application/json", "application/x-ndjson"), "archive.readers.jsonl:looks_like_json",
           streamed=(".jsonl", ".ndjson")),
    Format("feed", "archive.readers.feed:read", (".rss", ".atom", ".xml"),
           ("application/rss+xml", "application/atom+xml", "application/xml", "text/xml"),
           "archive.readers.feed:looks_like_feed"),
    Format("html", "archive.readers.html:read", (".html", ".htm", ".xhtml"), ("text/html", "application/xhtml+xml"),
           "archive.readers.html:looks_like_html"),
    Format("markdown", "archive.readers.markdown:read", (".md", ".markdown"), ("text/markdown",)),
    Format("pdf", "archive.readers.pdf:read", (".pdf",), ("application/pdf",), magic=b"%PDF-"),
    Format("email", "archive.readers.mail:read", (".eml",), ("message/rfc822",), "archive.readers.mail:looks_like_email"),
    Format("text", "archive.readers.text:read", (".txt", ".text", ""), ("text/plain",)),
)}  # fmt: skip
FALLBACK = "text"


def by_suffix() -> dict[str, str]:
    return {s: f.name for f in FORMATS.values() for s in f.suffixes}


def by_content_type(content_type: str) -> str | None:
    for f in FORMATS.values():
        if content_type in f.content_types:
            return f.name
    return None


def binary_format(data: bytes) -> str | None:
    """The binary format whose bytes ``data`` starts with, if any."""
    head = data[:1024].lstrip()
    for f in FORMATS.values():
        if f.magic and head.startswith(f.magic):
            return f.name
    return None


def sniff(text: str) -> str:
    head = text.lstrip()[:2000]
    for f in FORMATS.values():
        if f.recognises(head):
            return f.name
    return FALLBACK
