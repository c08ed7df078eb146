"""Korean analysis: character bigrams (what the archive uses) against Kiwi morphological
analysis (kiwipiepy), on the small judged test set in korean_testset.json.

    python benchmarks/korean.py            # needs: pip install kiwipiepy

Bigrams are measured through the archive itself (ingest the sentences, run each query with
`Archive.search`); Kiwi by matching the query's content morphemes against each sentence's.
Prints a Markdown table for benchmarks/RESULTS.md.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

CONTENT_TAGS = ("NN", "VV", "VA", "XR", "SL", "SH", "SN", "MAG")


def prf(found: set[str], relevant: set[str]) -> tuple[float, float, float]:
    tp = len(found & relevant)
    p = tp / len(found) if found else 0.0
    r = tp / len(relevant) if relevant else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def run_bigrams(sentences: dict[str, str], queries: dict[str, list[str]]) -> tuple[dict, float]:
    from archive.archive import Archive

    out = {}
    with tempfile.TemporaryDirectory() as d:
        started = time.perf_counter()
        with Archive.open(Path(d) / "ix", create=True) as ar:
            from archive.readers.jsonl import article_from_object

            arts = [article_from_object({"id": f"s{k}", "title": f"s{k}", "text": v}, k) for k, v in sentences.items()]
            list(ar.ingest(arts))
            for q in queries:
                res = ar.search(q, limit=100, by_article=True, suggest=False)
                out[q] = {h.article_id[1:] for h in res.hits}
        took = time.perf_counter() - started
    return out, took


def run_kiwi(sentences: dict[str, str], queries: dict[str, list[str]]) -> tuple[dict, float, float]:
    started = time.perf_counter()
    from kiwipiepy import Kiwi

    kiwi = Kiwi()
    kiwi.tokenize("준비")
    load = time.perf_counter() - started

    def morphs(text: str) -> set[str]:
        return {t.form.lower() for t in kiwi.tokenize(text) if t.tag.startswith(CONTENT_TAGS)}

    started = time.perf_counter()
    index = {k: morphs(v) for k, v in sentences.items()}
    out = {q: {k for k, ms in index.items() if morphs(q) <= ms} for q in queries}
    return out, load, time.perf_counter() - started


def main() -> None:
    data = json.loads((HERE / "korean_testset.json").read_text())
    sentences, queries = data["sentences"], data["queries"]
    bigram, t_bigram = run_bigrams(sentences, queries)
    kiwi, t_load, t_kiwi = run_kiwi(sentences, queries)
    print("| query | relevant | bigrams P / R | Kiwi P / R |")
    print("|---|---|---|---|")
    scores = {"bigrams": [], "kiwi": []}
    for q, rel in queries.items():
        rel_s = set(rel)
        row = [q, str(len(rel_s))]
        for name, found in (("bigrams", bigram[q]), ("kiwi", kiwi[q])):
            p, r, f = prf(found, rel_s)
            scores[name].append((p, r, f))
            row.append(f"{p:.2f} / {r:.2f}")
        print("| " + " | ".join(row) + " |")
    print()
    print("| analysis | macro precision | macro recall | macro F1 | set-up cost |")
    print("|---|---|---|---|---|")
    for name, cost in (("character bigrams (archive)", f"none (ingest + 22 searches: {t_bigram:.2f} s)"),
                       ("Kiwi (kiwipiepy 0.24)", f"{t_load:.2f} s to load the model, then {t_kiwi:.2f} s")):
        key = "bigrams" if name.startswith("char") else "kiwi"
        ps, rs, fs = zip(*scores[key])
        print(f"| {name} | {statistics.mean(ps):.3f} | {statistics.mean(rs):.3f} | {statistics.mean(fs):.3f} | {cost} |")


if __name__ == "__main__":
    main()
