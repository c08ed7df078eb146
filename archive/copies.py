"""Copies: the same story republished under another address (a wire story on a dozen sites, a
site's own reprint), recognised at ingest and kept as a copy of the earliest one.

The rule (the README's "Copies of the same article"): two articles that are not the same
article (archive.identity: different URLs, or different texts without one) are copies when
their body text is mostly the same, compared as sets of word shingles (runs of SHINGLE words,
case and punctuation aside): at least OVERLAP of the shorter one's shingles are in the other,
and at least JACCARD_FLOOR of all their shingles are common to both (so a brief quoted whole
in a long feature is not a copy of it); and when both state at least MIN_FIGURES figures, at
least SAME_FIGURES of the fewer are in the other (a recurring report, the weekly fuel stocks
or a dividend notice, repeats its wording with new figures: it is a new story). Headlines, decks and
captions are left out, since a republisher rewrites those first. A group of copies has one
original, the earliest (:func:`earliest`: the first added, unless a later one carries an
earlier date); each copy points to it and says how much of its text it shares with the
article it was recognised by.

Finding the candidates is MinHash locality-sensitive hashing (the signatures from ``rensa``):
each article's signature is cut into BANDS bands of ROWS values, and two articles that agree
on any band are compared exactly, on their shingles. The band keys are kept in the store, so
a new article is checked against the whole archive in one indexed lookup. BANDS, ROWS,
OVERLAP, JACCARD_FLOOR and SAME_FIGURES were chosen on the judged set in ``benchmarks/copies.py`` (RESULTS.md).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable

from .analysis import UNSPACED, WORD_RE
from .errors import NotFound

if TYPE_CHECKING:
    from .model import Article

SHINGLE = 4  # words per shingle
ROWS = 2  # signature values per band (band_keys writes a band's two values as its key)
BANDS = 32  # bands per signature: two articles sharing 20% of their shingles meet with p = 0.73, 30%: 0.95
NUM_PERM = BANDS * ROWS
SEED = 1987  # the MinHash permutations' seed: part of the layout (changing it means new band keys)
OVERLAP = 0.5  # at least this share of the shorter text's shingles is in the other's ...
JACCARD_FLOOR = 0.15  # ... and at least this share of all their shingles is common to both
MIN_SHINGLES = 12  # an article with fewer (a brief of a dozen words) is too short to call a copy
MAX_CANDIDATES = 12  # articles compared word for word with a new one: those sharing the most band keys
MIN_FIGURES = 3  # when both state at least this many figures (numbers) ...
SAME_FIGURES = 0.5  # ... at least this share of the fewer figures are in the other
_FIGURE = re.compile(r"\d(?:[\d,.]*\d)?")


def body_text(article: "Article") -> list[str]:
    """The paragraphs a copy is recognised by: the body (every paragraph but the headline when
    a reader gave no body)."""
    body = [p.text for p in article.paragraphs if p.kind == "body"]
    return body or [p.text for p in article.paragraphs if p.kind != "title"]


# In Chinese and Japanese (analysis.UNSPACED) each character counts as a word: a "word" there
# would be a whole clause, and one edited character would change four clause-long shingles.
# Hangul is written with spaces between words, and keeps them.
RULE = "2"  # the rule the stored band keys were made by (1: before characters counted as words)
UNSPACED_LANGS = ("ja", "zh")  # the articles whose band keys rule 2 made anew


@functools.cache
def _pieces() -> re.Pattern[str]:
    return re.compile(f"[{UNSPACED}]|[^{UNSPACED}]+")


def words(text: str) -> list[str]:
    """The words copies are compared by: case folded, and in Chinese and Japanese each
    character a word."""
    found = WORD_RE.findall(text.casefold())
    if text.isascii() or max(text) < "\u3040":
        return found
    pieces = _pieces()
    return [piece for w in found for piece in (pieces.findall(w) if max(w) >= "\u3040" else (w,))]


def shingles(paragraphs: Iterable[str]) -> frozenset[str]:
    """The article's word shingles: SHINGLE consecutive words (case folded, Unicode forms and
    punctuation aside), across paragraph breaks, since a republisher rejoins paragraphs."""
    text = "\n".join(paragraphs)
    if not text.isascii():  # (NFKC leaves ASCII as it is)
        text = unicodedata.normalize("NFKC", text)
    words_ = words(text)
    if len(words_) < SHINGLE:
        return frozenset([" ".join(words_)]) if words_ else frozenset()
    return frozenset(map(" ".join, zip(*(words_[i:] for i in range(SHINGLE)))))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter)


def band_keys(sh: frozenset[str]) -> list[int]:
    """The article's LSH band keys (empty for an article too short to call a copy): two
    articles that share one are compared. A key is the band's number and its two 32-bit
    values, folded into 63 bits (an integer keeps the store's table small)."""
    if len(sh) < MIN_SHINGLES:
        return []
    from rensa import RMinHash

    m = RMinHash(NUM_PERM, SEED)
    m.update(list(sh))
    d = m.digest()
    return [(band << 57) | (((d[2 * band] << 32) | d[2 * band + 1]) >> 7) for band in range(BANDS)]


def figures(paragraphs: Iterable[str]) -> frozenset[str]:
    """The figures an article states (``24.3``, ``1,125``, ``1987``): what a copy repeats and a
    recurring report changes."""
    return frozenset(f.replace(",", "") for f in _FIGURE.findall("\n".join(paragraphs)))


@dataclass
class Fingerprint:
    """What recognising copies needs of one article: its shingles, its figures and its band keys."""

    shingles: frozenset[str]
    figures: frozenset[str]
    keys: list[int]

    @classmethod
    def of(cls, article: "Article") -> "Fingerprint":
        return cls.of_text(body_text(article))

    @classmethod
    def of_text(cls, paragraphs: list[str]) -> "Fingerprint":
        sh = shingles(paragraphs)
        return cls(sh, figures(paragraphs), band_keys(sh))


def compare(copy: Fingerprint, other: Fingerprint) -> float | None:
    """How much of ``copy`` is in ``other`` (the share of its shingles), if the two are copies
    of each other (the module's rule); None if they are not."""
    a, b = copy.shingles, other.shingles
    if len(a) < MIN_SHINGLES or len(b) < MIN_SHINGLES:
        return None
    inter = len(a & b)
    if inter / min(len(a), len(b)) < OVERLAP or inter / (len(a) + len(b) - inter) < JACCARD_FLOOR:
        return None
    fa, fb = copy.figures, other.figures
    if min(len(fa), len(fb)) >= MIN_FIGURES and len(fa & fb) / min(len(fa), len(fb)) < SAME_FIGURES:
        return None  # the same wording with other figures: the next of a recurring report
    return inter / len(a)


def order_key(article: "Article") -> tuple[str, str, str]:
    """For listing a group: by date (an undated article by the day it was added), then by
    when it was added, then by id."""
    added = article.ingested_at or ""
    return (article.date or added[:10] or "9999", added, article.id or "")


def earliest(articles: Iterable["Article"]) -> "Article":
    """A group's original: the first added to the archive, unless one added later carries an
    earlier date than it (a story found after its republications). Dates are compared only
    when both articles have one; articles added in the same second go by id, so the same
    articles make the same decision in any order (an import of an export decides as the
    archive it came from did)."""
    ordered = sorted(articles, key=lambda a: (a.ingested_at or "", a.id or ""))
    first = ordered[0]
    for a in ordered[1:]:
        if a.date and first.date and a.date < first.date:
            first = a
    return first


class Copies:
    """Keeps the archive's groups of copies right as articles come and go (inside a write's
    transaction): :meth:`place` an article just stored, :meth:`forget` one about to be removed,
    :meth:`flush` before the transaction ends. Works through the store's copy records
    (``put_copy_bands``, ``add_copy_bands``, ``copy_candidates``, ``set_copy_link``,
    ``copy_links``, ``copy_members``) on either engine."""

    def __init__(self, store, written: dict[str, "Article"] | None = None) -> None:
        self.store = store
        self.written = written if written is not None else {}  # articles of this batch, not yet readable
        self._fingerprints: dict[str, Fingerprint] = {}
        # band keys of this write's new articles, written together (in key order) by flush()
        self._pending: dict[str, list[int]] = {}
        self._pending_by_key: dict[int, set[str]] = {}
        self._articles: dict[str, "Article"] = {}

    def _article(self, article_id: str) -> "Article":
        a = self.written.get(article_id) or self._articles.get(article_id)
        if a is None:
            a = self._articles[article_id] = self.store.get(article_id)
        return a

    def _fp(self, article_id: str) -> Fingerprint:
        if article_id not in self._fingerprints:
            self._fingerprints[article_id] = Fingerprint.of(self._article(article_id))
        return self._fingerprints[article_id]

    def _root(self, article_id: str) -> str:
        link = self.store.copy_links([article_id]).get(article_id)
        return link[0] if link else article_id

    def place(self, article: "Article", new: bool = False) -> tuple[str, float] | None:
        """Decide whether ``article`` (stored, with its id) is a copy; record it (its band keys,
        its link, and the group's new original if it is earlier than the one there was).
        ``new``: the article was just added (it is in no group yet). Returns (original id,
        similarity) for a copy, else None."""
        assert article.id
        if not new:
            self.forget(article.id)
        self._articles[article.id] = article
        fp = Fingerprint.of(article)
        self._fingerprints[article.id] = fp
        if new:
            self._pending[article.id] = fp.keys
        else:
            self.store.put_copy_bands(article.id, fp.keys, False)
        if not fp.keys:
            return None
        shared = self.store.copy_candidates(fp.keys)
        for key in fp.keys:
            for other in self._pending_by_key.get(key, ()):
                shared[other] = shared.get(other, 0) + 1
            self._pending_by_key.setdefault(key, set()).add(article.id)
        shared.pop(article.id, None)
        # (the most alike first, and a bounded number: a formulaic story meets dozens of its kind)
        candidates = sorted(shared, key=lambda i: (-shared[i], i))[:MAX_CANDIDATES]
        matches: list[tuple[float, str]] = []
        for other in candidates:
            try:
                sim = compare(fp, self._fp(other))
            except NotFound:  # (band keys left by an article removed meanwhile)
                continue
            if sim is not None:
                matches.append((sim, other))
        if not matches:
            return None
        roots = sorted({self._root(other) for _, other in matches})
        best_sim, best = max(matches)
        group = set(roots) | {article.id}
        original = earliest(self._article(i) for i in group).id
        members = self.store.copy_members(roots)
        for root in roots:
            for member, sim in members.get(root, []):
                if member != original:
                    self.store.set_copy_link(member, original, sim)
            if root != original:  # a former original joins as a copy, recognised by the new article
                sim = compare(self._fp(root), fp) or compare(self._fp(root), self._fp(original)) or best_sim
                self.store.set_copy_link(root, original, sim)
        if original == article.id:
            self.store.set_copy_link(article.id, None)
            return None
        self.store.set_copy_link(article.id, original, best_sim)
        return original, best_sim

    def forget(self, article_id: str, keep_bands: bool = False) -> None:
        """Take ``article_id`` out of its group (before it is removed or read again): a copy
        leaves; an original hands the group to its earliest copy."""
        link = self.store.copy_links([article_id]).get(article_id)
        if link is not None:
            self.store.set_copy_link(article_id, None)
        members = self.store.copy_members([article_id]).get(article_id, [])
        if members:
            heir = earliest(self._article(m) for m, _ in members).id
            self.store.set_copy_link(heir, None)
            for member, sim in members:
                if member != heir:
                    self.store.set_copy_link(member, heir, sim)
        if not keep_bands:
            for key in self._pending.pop(article_id, []):
                self._pending_by_key.get(key, set()).discard(article_id)
            self.store.put_copy_bands(article_id, [], False)

    def flush(self) -> None:
        """Write the band keys of the new articles placed since the last flush (before the
        write's transaction ends): in key order, one pass over the store's index of them."""
        if self._pending:
            self.store.add_copy_bands(self._pending)
        self._pending, self._pending_by_key = {}, {}


def same_passage(a: str, b: str) -> bool:
    """Whether two paragraphs of copies are the same passage, by the articles' own rule on
    words: at least OVERLAP of the shorter one's shingles are in the other (a word edited, a
    sentence cut, two paragraphs rejoined), and the shorter is at least 40% of the longer."""
    sa, sb = shingles([a]), shingles([b])
    if not sa or not sb:
        return False
    short, long = sorted((sa, sb), key=len)
    return len(short) >= 0.4 * len(long) and len(short & long) / len(short) >= OVERLAP


@dataclass
class CopyMember:
    """One article of a group of copies, as ``archive copies`` and a hit's ``copies`` show it."""

    article_id: str
    title: str
    source: str | None
    date: str | None
    url: str | None
    ingested_at: str | None
    similarity: float | None = None  # None for the original

    def to_dict(self) -> dict:
        d = {"article_id": self.article_id, "title": self.title, "source": self.source, "date": self.date,
             "url": self.url, "ingested_at": self.ingested_at}  # fmt: skip
        if self.similarity is not None:
            d["similarity"] = round(self.similarity, 3)
        return d


@dataclass
class CopyGroup:
    """An original and its copies, earliest first: who published it first, who republished it."""

    original: CopyMember
    copies: list[CopyMember]

    def to_dict(self) -> dict:
        return {"original": self.original.to_dict(), "copies": [c.to_dict() for c in self.copies]}
