"""Turning an input's bytes into text, trying the encodings articles really come in."""

from __future__ import annotations

import re

_HANGUL = re.compile(r"[\uac00-\ud7a3]")
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f]")


class NotText(ValueError):
    """The bytes are not text in any encoding we try (a binary file)."""


def looks_binary(data: bytes) -> bool:
    head = data[:8192]
    if b"\x00" in head and not (head.startswith((b"\xff\xfe", b"\xfe\xff"))):
        return True
    return False


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Return ``(text, encoding)``. Tries UTF-8 (with or without BOM), UTF-16 with a BOM,
    CP949/EUC-KR (accepted only when it yields Korean text), then Windows-1252.

    Raises :class:`NotText` for binary data.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as e:
            raise NotText("not valid UTF-16 text") from e
    if looks_binary(data):
        raise NotText("binary file (contains NUL bytes), not an article")
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp949")
        non_ascii = sum(1 for ch in text if ord(ch) > 127)
        if non_ascii and len(_HANGUL.findall(text)) >= 0.8 * non_ascii:
            return text, "cp949"
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
        encoding = "latin-1"
    else:
        encoding = "cp1252"
    if len(_CONTROL.findall(text[:8192])) > 0.01 * max(1, len(text[:8192])):
        raise NotText("binary file (not text in UTF-8, CP949/EUC-KR or Latin-1)")
    return text, encoding
