"""Semantic ranking: what of an article is embedded, how embeddings are kept, and how a
sentence query's word-match ranking is blended with the similarity of meaning.

A long query (a pasted sentence, a claim: more than ``ALL_WORDS_UP_TO`` plain words) ranks by
any of its words; words alone miss what a passage says in other words. When the archive
holds an embedding of every article (``archive.embeddings``: all-MiniLM-L6-v2), the best
``CANDIDATES`` word matches are re-ranked by

    score = LEXICAL_WEIGHT · (word-match score / best word-match score)
            + (1 − LEXICAL_WEIGHT) · cosine(query, article)

(weights and candidate count chosen on SciFact's train split; benchmarks/RESULTS.md). Short
queries, where every word must match, keep the word-match ranking: those are precise by
design. Only articles that matched words are ranked, so every hit still has its evidence to
highlight, and filters hold because the candidates come from the filtered search.

Recall by meaning: while a sentence query's word matches are fewer than ``CANDIDATES`` (the
pool has room, so nothing a word found is displaced), up to ``MEANING_HITS`` of the articles
nearest the query by meaning that no word found join the pool with a word-match score of 0,
if their cosine is at least ``MEANING_FLOOR``. Each is shown by its first paragraph that
passes the search's filters (its lede, when body text passes), marked as found by meaning.
The store finds them (``nearest``): every vector scored, exactly (brute force; measured
against an approximate index in benchmarks/RESULTS.md, "Recall by meaning").
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Iterable

from .settings import settings

if TYPE_CHECKING:
    import numpy as np

    from .model import Article

MODEL = "all-MiniLM-L6-v2"  # the model, and the name stored beside each vector
DIMENSIONS = 384  # the length of its vectors
LEXICAL_WEIGHT = 0.3
CANDIDATES = 300
MAX_CHARS = 4000  # the model reads 256 word pieces; more text is cut before tokenizing
ENV = "ARCHIVE_SEMANTIC"  # "off" (or 0/no/false): no embeddings made, word-match ranking only
EMBEDDED_KINDS = ("title", "subtitle", "body")  # captions describe pictures, not the story
MEANING_HITS = 10  # at most this many articles brought in by meaning alone, per search
# How close by meaning an article must be to be brought in: above what unrelated text reaches
# (the 99.9th percentile of the cosines of the news set's sentence questions and of SciFact's
# claims to 2,000 random Reuters stories of 1987: 0.31 and 0.27), keeping 90 % of the abstracts
# relevant to SciFact train's claims (their 10th percentile: 0.364). benchmarks/RESULTS.md.
MEANING_FLOOR = 0.35


def enabled_by_env() -> bool:
    return settings().semantic


RUNTIMES = {"onnxruntime": "ONNX Runtime", "numpy": "numpy"}


def runtime() -> str:
    """What runs the encoder here: the loaded model's runtime, else the one it would use
    ("onnxruntime" when installed, else "numpy"); nothing is imported to tell."""
    import sys

    loaded = sys.modules.get(__package__ + ".embeddings")
    if loaded is not None and loaded._shared is not None:
        return loaded._shared.runtime
    return "onnxruntime" if _onnxruntime_installed() else "numpy"


@functools.cache
def _onnxruntime_installed() -> bool:
    """(Looked up once per process: a sentence search asks for the status every time.)"""
    import importlib.util

    return importlib.util.find_spec("onnxruntime") is not None


def unavailable_reason() -> str | None:
    """None when semantic ranking can run here; else why not (no weights are read)."""
    if not enabled_by_env():
        return f"turned off by {ENV}={settings().semantic_value}"
    from .embeddings import unavailable_reason as model_missing

    return model_missing()


def article_text(article: "Article") -> str:
    """What is embedded: the headline, deck and body in order (the model reads the first
    256 word pieces, so this is in effect the headline and the lede)."""
    parts: list[str] = []
    size = 0
    for p in article.paragraphs:
        if p.kind not in EMBEDDED_KINDS:
            continue
        parts.append(p.text)
        size += len(p.text) + 1
        if size >= MAX_CHARS:
            break
    return "\n".join(parts)[:MAX_CHARS] or article.title


def to_blob(vector: "np.ndarray") -> bytes:
    """An embedding as kept: 384 little-endian half floats (768 bytes; cosines move < 1e-3)."""
    import numpy as np

    return np.asarray(vector, dtype="<f2").tobytes()


def from_blob(blob: bytes) -> "np.ndarray":
    import numpy as np

    return np.frombuffer(blob, dtype="<f2").astype(np.float32)


@dataclass
class Blended:
    """A candidate after blending: its place in the engine's list, and its new score."""

    index: int
    score: float
    lexical: float  # the word-match part, before weighting
    similarity: float  # cosine of query and article


def blend(lexical_scores: list[float], article_ids: list[str], query_vector: "np.ndarray",
          vectors: dict[str, bytes]) -> list[Blended]:  # fmt: skip
    """Re-rank candidates (word-match scores, best first, and their articles) by the blend of
    word match and meaning; an article with no vector counts as similarity 0."""
    best = max(lexical_scores, default=0.0) or 1.0
    out: list[Blended] = []
    for i, (score, aid) in enumerate(zip(lexical_scores, article_ids)):
        blob = vectors.get(aid)
        ok = blob is not None and len(blob) == 2 * len(query_vector)  # (a damaged one counts as none)
        sim = float(from_blob(blob) @ query_vector) if ok else 0.0
        lex = score / best
        out.append(Blended(i, LEXICAL_WEIGHT * lex + (1 - LEXICAL_WEIGHT) * sim, lex, sim))
    out.sort(key=lambda b: (-b.score, b.index))
    return out


class Nearest:
    """The ``k`` nearest vectors seen so far, fed a chunk at a time (so memory stays bounded
    however many articles there are): ``add`` ids with their blobs, then ``best``."""

    def __init__(self, query: "np.ndarray", k: int, exclude: "Iterable[str]" = ()) -> None:
        import numpy as np

        self.query = np.asarray(query, dtype=np.float32)
        self.k = k
        self.exclude = set(exclude)
        self._ids: list[str] = []
        self._scores = np.empty(0, dtype=np.float32)

    def add(self, ids: list[str], blobs: list[bytes]) -> None:
        import numpy as np

        width = 2 * len(self.query)  # (a damaged vector of another length is passed over)
        keep = [i for i, a in enumerate(ids) if a not in self.exclude and len(blobs[i]) == width]
        if not keep or self.k <= 0:
            return
        matrix = np.frombuffer(b"".join(blobs[i] for i in keep), dtype="<f2").reshape(len(keep), -1)
        scores = np.concatenate([self._scores, matrix.astype(np.float32) @ self.query])
        ids_all = self._ids + [ids[i] for i in keep]
        if len(scores) > self.k:
            top = np.argpartition(-scores, self.k - 1)[: self.k]
            scores, ids_all = scores[top], [ids_all[i] for i in top]
        self._ids, self._scores = ids_all, scores

    def best(self) -> list[tuple[str, float]]:
        """(article id, cosine), nearest first (ties by id)."""
        return sorted(((a, float(s)) for a, s in zip(self._ids, self._scores)), key=lambda x: (-x[1], x[0]))


def embed_articles(articles: Iterable["Article"], progress: "Callable[[int], None] | None" = None) -> dict[str, bytes]:
    """Embeddings of articles (which must have ids), ready to keep; ``progress(k)`` as each
    k more are embedded."""
    from .embeddings import shared_embedder

    chosen = list(articles)
    vectors = shared_embedder().embed([article_text(a) for a in chosen], progress=progress)
    return {a.id: to_blob(v) for a, v in zip(chosen, vectors)}  # type: ignore[misc]


def embed_query(text: str) -> "np.ndarray":
    from .embeddings import shared_embedder

    return shared_embedder().embed([text])[0]
