"""What changed between two versions of an article: metadata field by field, paragraphs
paragraph by paragraph, and inside a changed paragraph word by word (difflib)."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import Any

from .identity import metadata_changes
from .model import Article, Paragraph

# Two paragraphs at the same place are "the same paragraph, edited" when at least this much of
# their text is shared (difflib's ratio); below it, one was removed and another added.
SAME_PARAGRAPH = 0.5
_TOKENS = re.compile(r"\s+|\w+|[^\w\s]")


@dataclass
class ParagraphChange:
    """One paragraph's change between two versions: added, removed, changed or the same."""

    change: str  # "added", "removed" or "changed"
    old: Paragraph | None
    new: Paragraph | None
    words: list[tuple[str, str]] = field(default_factory=list)  # changed: ("=", "+" or "-", text) runs

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "change": self.change,
            "old": self.old.n if self.old else None,
            "new": self.new.n if self.new else None,
            "kind": (self.new or self.old).kind,  # type: ignore[union-attr]
            "old_text": self.old.text if self.old else None,
            "new_text": self.new.text if self.new else None,
        }
        if self.words:
            d["words"] = [[op, text] for op, text in self.words]
        return d


@dataclass
class VersionDiff:
    """What changed between two versions of an article: its metadata and its paragraphs."""

    article_id: str
    old_version: int
    new_version: int
    metadata: list[tuple[str, object, object]]
    paragraphs: list[ParagraphChange]
    unchanged: int  # paragraphs with the same text in both

    def to_dict(self) -> dict[str, Any]:
        return {
            "article_id": self.article_id,
            "from_version": self.old_version,
            "to_version": self.new_version,
            "metadata": [{"field": f, "old": a, "new": b} for f, a, b in self.metadata],
            "paragraphs": [p.to_dict() for p in self.paragraphs],
            "unchanged_paragraphs": self.unchanged,
        }

    @property
    def empty(self) -> bool:
        return not self.metadata and not self.paragraphs


def diff_articles(article_id: str, old: Article, new: Article, old_version: int, new_version: int) -> VersionDiff:
    a = [p.text for p in old.paragraphs]
    b = [p.text for p in new.paragraphs]
    changes: list[ParagraphChange] = []
    unchanged = 0
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            unchanged += i2 - i1
            continue
        olds, news = old.paragraphs[i1:i2], new.paragraphs[j1:j2]
        if op == "replace":  # pair them up in order while they stay alike
            while olds and news and _ratio(olds[0].text, news[0].text) >= SAME_PARAGRAPH:
                o, n = olds.pop(0), news.pop(0)
                changes.append(ParagraphChange("changed", o, n, word_diff(o.text, n.text)))
        changes += [ParagraphChange("removed", o, None) for o in olds]
        changes += [ParagraphChange("added", None, n) for n in news]
    return VersionDiff(article_id, old_version, new_version, metadata_changes(old, new), changes, unchanged)


def _ratio(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, _TOKENS.findall(a), _TOKENS.findall(b), autojunk=False).ratio()


def word_diff(old: str, new: str) -> list[tuple[str, str]]:
    """The new text as runs of kept ("="), removed ("-") and added ("+") words. A space alone
    between two edits joins them (``[-abruptly disbanded-]{+suddenly dissolved+}``)."""
    a, b = _TOKENS.findall(old), _TOKENS.findall(new)
    groups: list[list[str]] = []  # [op, removed, added] with op "=" or "~"
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        removed, added = "".join(a[i1:i2]), "".join(b[j1:j2])
        if op != "equal":
            groups.append(["~", removed, added])
        else:
            groups.append(["=", removed, added])
    merged: list[list[str]] = []
    for i, g in enumerate(groups):
        between = 0 < i < len(groups) - 1 and g[0] == "=" and not g[1].strip()
        if (g[0] == "~" or between) and merged and merged[-1][0] == "~":
            merged[-1][1] += g[1]
            merged[-1][2] += g[2]
        elif between and i + 1 < len(groups) and groups[i + 1][0] == "~" and merged:
            merged.append(["~", g[1], g[2]])
        else:
            merged.append(list(g))
    out: list[tuple[str, str]] = []
    for op, removed, added in merged:
        if op == "=":
            out.append(("=", removed))
            continue
        if removed:
            out.append(("-", removed))
        if added:
            out.append(("+", added))
    return out
