"""Recall by meaning, two rules on the judged sets: the archive's (articles that no word found
join a sentence query's candidates only while its word matches leave room, archive.semantic),
and bringing them in on every sentence query, pool full or not (up to MEANING_HITS, at least
MEANING_FLOOR close, as the archive does). Whoosh; one ingest per set.

    python benchmarks/meaning_recall.py scifact     # SciFact train and test nDCG@10
    python benchmarks/meaning_recall.py news        # the judged news set, both halves

Results and what they decided: benchmarks/RESULTS.md, "Recall by meaning".
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import relevance  # noqa: E402

from archive import search  # noqa: E402
from archive import semantic as sem  # noqa: E402

STATS = {"always": False, "queries": 0, "added": 0}
_recall = search.Searcher.recall_by_meaning


def recall_by_meaning(self, plan, res, query_vector):
    """The archive's own step, counted; with ``always``, as if the pool always had room."""
    before, saved = len(res.hits), sem.CANDIDATES
    if STATS["always"]:
        sem.CANDIDATES = 10**9
    try:
        _recall(self, plan, res, query_vector)
    finally:
        sem.CANDIDATES = saved
    if len(res.hits) > before:
        STATS["queries"] += 1
        STATS["added"] += len(res.hits) - before


def main() -> None:
    which = sys.argv[1] if len(sys.argv) > 1 else "scifact"
    search.Searcher.recall_by_meaning = recall_by_meaning
    with tempfile.TemporaryDirectory() as tmp:
        for always in (False, True):
            STATS.update(always=always, queries=0, added=0)
            if which == "news":
                rows = relevance.evaluate_news([("train", {}), ("test", {})], index=Path(tmp) / "ix")
                figures = [(r["split"], round(r["success@1"], 3), round(r["mrr@10"], 3), round(r["ndcg@10"], 3))
                           for r in rows]  # fmt: skip
            else:
                rows = relevance.evaluate_runs(relevance.DEFAULT_COLLECTION, [("train", {}), ("test", {})],
                                               index=Path(tmp) / "ix")  # fmt: skip
                figures = [(r["split"], round(r["ndcg@10"], 4)) for r in rows]
            rule = "on every sentence query" if always else "while the word matches leave room (the archive)"
            print(f"{rule}: {figures}; queries that gained {STATS['queries']}, articles brought in {STATS['added']}",
                  flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
