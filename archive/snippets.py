"""Snippets: the best passage of a paragraph, with the words that matched marked.

Engine-neutral: the query tree says what to mark, and the text is analysed the same way it
was indexed, so marks land on the words as written (``resigns`` for ``resign``), never stems.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from . import query as aq
from .analysis import Token, analyze, is_cjk_syllable, stem
from .spelling import edit_distance

DEFAULT_LENGTH = 240
_SENTENCE_END = re.compile(r"[.!?。][’”\"')\]]*\s+")


@dataclass
class Matcher:
    """What counts as a match in paragraph text, from the query's positive leaves."""

    terms: set[str] = field(default_factory=set)
    phrases: list[list[str]] = field(default_factory=list)
    fuzzy: list[tuple[str, str, int]] = field(default_factory=list)  # (stem, lower word, distance)
    wildcards: list[re.Pattern[str]] = field(default_factory=list)
    syllables: set[str] = field(default_factory=set)  # one-character Korean terms (see analysis)

    @classmethod
    def from_query(cls, node: aq.Node) -> "Matcher":
        m = cls()
        for leaf in aq.positive_leaves(node):
            if getattr(leaf, "field", "x") not in (None, "text"):
                continue
            if isinstance(leaf, (aq.Term, aq.Phrase)):
                ts = [t.term for t in analyze(leaf.text)]
                if len(ts) == 1:
                    (m.syllables if is_cjk_syllable(ts[0]) else m.terms).add(ts[0])
                elif ts:
                    m.phrases.append(ts)
            elif isinstance(leaf, aq.Fuzzy):
                w = leaf.text.lower()
                m.fuzzy.append((stem(w), w, leaf.distance))
            elif isinstance(leaf, aq.Wildcard):
                rx = ".*".join(re.escape(p) for p in leaf.pattern.split("*"))
                m.wildcards.append(re.compile(rx + r"\Z"))
        return m

    def _token_matches(self, tok: Token) -> bool:
        if tok.term in self.terms:
            return True
        if self.syllables and (tok.term[:1] in self.syllables or tok.term[-1:] in self.syllables):
            return True
        lower = tok.surface.lower()
        for st, w, d in self.fuzzy:
            if edit_distance(tok.term, st) <= d or edit_distance(lower, w) <= d:
                return True
        return any(rx.match(lower) or rx.match(tok.term) for rx in self.wildcards)

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Character spans of matches in ``text``, in order, not overlapping."""
        tokens = list(analyze(text))
        marked = [self._token_matches(t) for t in tokens]
        for phrase in self.phrases:
            k = len(phrase)
            for i in range(len(tokens) - k + 1):
                if all(tokens[i + j].term == phrase[j] for j in range(k)):
                    for j in range(k):
                        marked[i + j] = True
        spans: list[tuple[int, int]] = []
        for t, hit in zip(tokens, marked):
            if hit:
                span = (t.wstart, t.wend)  # the whole word: 오픈AI가 for the bigram 오픈
                if spans and span[0] < spans[-1][1]:
                    spans[-1] = (spans[-1][0], max(spans[-1][1], span[1]))
                else:
                    spans.append(span)
        return spans


@dataclass
class Snippet:
    """A passage as segments of (text, matched)."""

    segments: list[tuple[str, bool]]

    def html(self) -> str:
        return "".join(f"<mark>{html.escape(t, quote=False)}</mark>" if m else html.escape(t, quote=False)
                       for t, m in self.segments)  # fmt: skip

    def plain(self) -> str:
        return "".join(t for t, _ in self.segments)


def make_snippet(text: str, spans: list[tuple[int, int]], length: int = DEFAULT_LENGTH,
                 max_fragments: int = 3) -> Snippet:  # fmt: skip
    """The best passage(s) of ``text`` of about ``length`` characters around ``spans``."""
    if len(text) <= length:
        return Snippet(_segments(text, 0, len(text), spans))
    if not spans:
        end = _word_end(text, length)
        return Snippet([(text[:end].rstrip(), False), (" …", False)])
    windows = _choose_windows(text, spans, length, max_fragments)
    segments: list[tuple[str, bool]] = []
    for i, (a, b) in enumerate(windows):
        if a > 0:
            segments.append(("… " if i == 0 else " … ", False))
        elif i > 0:
            segments.append((" ", False))
        segments.extend(_segments(text, a, b, spans))
        if i == len(windows) - 1 and b < len(text):
            segments.append((" …", False))
    return Snippet(segments)


def _choose_windows(text: str, spans: list[tuple[int, int]], length: int, max_fragments: int):
    words = [text[a:b].lower() for a, b in spans]
    lead = length // 4

    def window_at(i: int, size: int) -> tuple[int, int]:
        start = _passage_start(text, spans[i][0], lead, int(size * 0.6))
        end = _word_end(text, min(len(text), start + size))
        return start, end

    def score(win: tuple[int, int]) -> tuple[int, int]:
        inside = [w for (a, b), w in zip(spans, words) if a >= win[0] and b <= win[1]]
        return (len(set(inside)), len(inside))

    best = max((window_at(i, length) for i in range(len(spans))), key=lambda w: (score(w), -w[0]))
    covered = {w for (a, b), w in zip(spans, words) if a >= best[0] and b <= best[1]}
    missing = [i for i, w in enumerate(words) if w not in covered]
    if not missing or max_fragments < 2:
        return [best]
    # Matches far apart: split the space into fragments, one per group of missing words.
    size = max(80, length // min(max_fragments, 1 + len({words[i] for i in missing})))
    windows = [window_at(next(i for i, (a, b) in enumerate(spans) if a >= best[0]), size)]
    seen = {w for (a, b), w in zip(spans, words) if a >= windows[0][0] and b <= windows[0][1]}
    for i in missing:
        if len(windows) >= max_fragments:
            break
        if words[i] in seen:
            continue
        w = window_at(i, size)
        if any(not (w[1] <= x[0] or w[0] >= x[1]) for x in windows):
            continue
        windows.append(w)
        seen |= {ww for (a, b), ww in zip(spans, words) if a >= w[0] and b <= w[1]}
    return sorted(windows)


def _passage_start(text: str, match_start: int, lead: int, reach: int) -> int:
    """Where a passage around a match should begin: the start of the match's sentence when
    that is within ``reach`` characters, else a word start about ``lead`` characters before."""
    sentence = 0
    for m in _SENTENCE_END.finditer(text, max(0, match_start - reach), match_start):
        sentence = m.end()
    if sentence or match_start <= reach:
        return sentence
    start = max(0, match_start - lead)
    while start < match_start and not text[start - 1].isspace():
        start += 1
    return start


def _word_end(text: str, end: int) -> int:
    if end >= len(text):
        return len(text)
    while end > 0 and not text[end].isspace() and end < len(text):
        end -= 1
        if end == 0:
            return len(text)
    # keep punctuation attached to the last word
    return end


def _segments(text: str, a: int, b: int, spans: list[tuple[int, int]]) -> list[tuple[str, bool]]:
    out: list[tuple[str, bool]] = []
    pos = a
    for s, e in spans:
        if e <= a or s >= b:
            continue
        s, e = max(s, a), min(e, b)
        if s > pos:
            out.append((text[pos:s], False))
        out.append((text[s:e], True))
        pos = e
    if pos < b:
        out.append((text[pos:b], False))
    return out
