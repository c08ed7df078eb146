"""An experiment, not a feature: would bringing in the nearest articles by meaning (brute force
over the archive's own vectors) help sentence queries? Only to fill the candidate pool: the
nearest articles not matched by any word are added, with word score 0, while a sentence query's
word matches number fewer than the candidates blended (archive.semantic.CANDIDATES), so they
never displace a word match. Whoosh only (it reads the SQLite store's vectors).

    python benchmarks/meaning_recall.py scifact     # SciFact train and test nDCG@10 (one ingest)
    python benchmarks/meaning_recall.py news        # the judged news set, both halves

Each runs three times on one archive: nothing added, at most 10, at most CANDIDATES.
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
from archive.engine.base import EngineHit  # noqa: E402

MOST = {"added": 0, "queries": 0, "fill": 0}
_vectors: dict[int, tuple[list[str], object]] = {}
_blend = search.Searcher.blend


def blend(self, plan, res):
    import numpy as np

    if MOST["fill"] and self._blending(plan):
        if id(self.archive) not in _vectors:
            rows = self.store.db.execute("SELECT article_id, vector FROM vectors WHERE model = ?", (sem.MODEL,)).fetchall()
            _vectors[id(self.archive)] = ([r[0] for r in rows], np.stack([sem.from_blob(r[1]) for r in rows]))
        ids, matrix = _vectors[id(self.archive)]
        room = min(MOST["fill"], sem.CANDIDATES - len(res.hits))
        if room > 0:
            have = {h.article_id for h in res.hits}
            nearest = [ids[i] for i in np.argsort(-(matrix @ sem.embed_query(plan.query))) if ids[i] not in have]
            res.hits = list(res.hits) + [EngineHit(a, 1, 0.0, None) for a in nearest[:room]]
            MOST["added"] += len(nearest[:room])
            MOST["queries"] += 1
    return _blend(self, plan, res)


def main() -> None:
    which = sys.argv[1] if len(sys.argv) > 1 else "scifact"
    search.Searcher.blend = blend
    with tempfile.TemporaryDirectory() as tmp:
        for fill in (0, 10, sem.CANDIDATES):
            MOST.update(added=0, queries=0, fill=fill)
            if which == "news":
                rows = relevance.evaluate_news([("train", {}), ("test", {})], index=Path(tmp) / "ix")
                figures = [(r["split"], round(r["success@1"], 3), round(r["mrr@10"], 3), round(r["ndcg@10"], 3))
                           for r in rows]  # fmt: skip
            else:
                rows = relevance.evaluate_runs(relevance.DEFAULT_COLLECTION, [("train", {}), ("test", {})],
                                               index=Path(tmp) / "ix")  # fmt: skip
                figures = [(r["split"], round(r["ndcg@10"], 4)) for r in rows]
            print(f"at most {fill} added: {figures}; queries with room {MOST['queries']}, articles added {MOST['added']}",
                  flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
