"""nDCG@k (linear gain, as BEIR and pytrec_eval compute it), Recall@k and MRR@k.

tests/test_relevance.py checks these against pytrec_eval on the same runs.
"""

from __future__ import annotations

import math

Qrels = dict[str, dict[str, int]]  # query id -> doc id -> gain
Run = dict[str, list[str]]  # query id -> doc ids, best first


def ndcg(qrels: Qrels, run: Run, k: int = 10) -> float:
    scores = []
    for qid, rels in qrels.items():
        ranked = run.get(qid, [])[:k]
        dcg = sum(rels.get(d, 0) / math.log2(i + 2) for i, d in enumerate(ranked))
        ideal = sorted((g for g in rels.values() if g > 0), reverse=True)[:k]
        idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
        scores.append(dcg / idcg if idcg else 0.0)
    return sum(scores) / len(scores) if scores else 0.0


def recall(qrels: Qrels, run: Run, k: int = 100) -> float:
    scores = []
    for qid, rels in qrels.items():
        relevant = {d for d, g in rels.items() if g > 0}
        if not relevant:
            continue
        found = set(run.get(qid, [])[:k]) & relevant
        scores.append(len(found) / len(relevant))
    return sum(scores) / len(scores) if scores else 0.0


def mrr(qrels: Qrels, run: Run, k: int = 10) -> float:
    scores = []
    for qid, rels in qrels.items():
        rr = 0.0
        for i, d in enumerate(run.get(qid, [])[:k]):
            if rels.get(d, 0) > 0:
                rr = 1.0 / (i + 1)
                break
        scores.append(rr)
    return sum(scores) / len(scores) if scores else 0.0
