"""Ranking quality of the archive on a BEIR-layout collection, through its own ingest and search.

    python benchmarks/relevance.py                                  # SciFact test split
    python benchmarks/relevance.py --split train                    # where defaults are chosen
    python benchmarks/relevance.py --split train,test --words-only  # both splits, with and without meaning
    python benchmarks/relevance.py --collection ../shared/corpora/nfcorpus
    python benchmarks/relevance.py --engine opensearch --url http://127.0.0.1:9200   # the same on a cluster

Ingests ``corpus.jsonl[.gz]`` (``_id``/``title``/``text``) into a throwaway archive with the
JSONL reader (record ids become article ids), runs every judged query exactly as a user would
type it with default options and ``--by-article``, and reports nDCG@10, Recall@100, MRR@10,
ingest time and mean query time.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from ir_metrics import mrr, ndcg, recall  # noqa: E402

DEFAULT_COLLECTION = HERE.parent.parent / "shared" / "corpora" / "scifact"


def load_qrels(path: Path) -> dict[str, dict[str, int]]:
    opener = gzip.open if path.suffix == ".gz" else open
    qrels: dict[str, dict[str, int]] = {}
    with opener(path, "rt") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            qrels.setdefault(row["query-id"], {})[row["corpus-id"]] = int(row["score"])
    return qrels


def load_queries(path: Path) -> dict[str, str]:
    return {q["_id"]: q["text"] for q in map(json.loads, path.read_text().splitlines())}


def corpus_path(collection: Path) -> Path:
    for name in ("corpus.jsonl.gz", "corpus.jsonl"):
        if (collection / name).exists():
            return collection / name
    raise SystemExit(f"no corpus.jsonl[.gz] in {collection}")


def evaluate(collection: Path, split: str = "test", limit: int = 100, index: Path | None = None,
             options: dict | None = None, engine=None) -> dict:  # fmt: skip
    """``engine``: an archive.config.EngineConfig to run on (default: a Whoosh archive)."""
    return evaluate_runs(collection, [(split, options or {})], limit, index, engine)[0]


def evaluate_runs(collection: Path, runs: list[tuple[str, dict]], limit: int = 100, index: Path | None = None,
                  engine=None, embed: bool | None = None) -> list[dict]:  # fmt: skip
    """Ingest once, then run each (split, search options) in ``runs``; one result per run.
    ``embed``: as Archive.embed_on_ingest (None: embed when the model is installed)."""
    from archive.archive import Archive, SearchOptions

    queries = load_queries(collection / "queries.jsonl")
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        index = index or Path(tmp) / "ix"
        corpus = corpus_path(collection)
        plain = Path(tmp) / "corpus.jsonl"
        if corpus.suffix == ".gz":
            with gzip.open(corpus, "rb") as src:
                plain.write_bytes(src.read())
        else:
            plain = corpus
        started = time.perf_counter()
        if engine is not None:
            Archive.init(index, engine).close()
        with Archive.open(index, create=True) as ar:
            ar.embed_on_ingest = embed
            outcomes = list(ar.ingest_inputs([str(plain)]))
        ingest_s = time.perf_counter() - started
        failed = [o for o in outcomes if not hasattr(o, "action")]
        with Archive.open(index) as ar:
            status = ar.semantic_status()
            for split, options in runs:
                qrels = load_qrels(next(p for p in (collection / "qrels").iterdir() if p.name.startswith(split + ".")))
                run: dict[str, list[str]] = {}
                times = []
                ranking = set()
                for qid in qrels:
                    t = time.perf_counter()
                    opts = SearchOptions(limit=limit, by_article=True, suggest=False, snippets=False, **options)
                    res = ar.search(queries[qid], opts)
                    times.append((time.perf_counter() - t) * 1000)
                    run[qid] = [h.article_id for h in res.hits]
                    ranking.add(res.ranking)
                results.append({
                    "collection": collection.name, "split": split, "queries": len(qrels),
                    "docs": len(outcomes) - len(failed), "failed": len(failed), "ndcg@10": ndcg(qrels, run, 10),
                    "recall@100": recall(qrels, run, 100), "mrr@10": mrr(qrels, run, 10), "ingest_s": ingest_s,
                    "query_ms_mean": statistics.mean(times), "query_ms_p50": statistics.median(times),
                    "ranking": "/".join(sorted(ranking)), "semantic": status, "run": run, "qrels": qrels,
                })  # fmt: skip
            if engine is not None:
                ar._cluster.drop()
    return results


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--collection", type=Path, default=DEFAULT_COLLECTION)
    ap.add_argument("--split", default="test", help="a split, or several: train,test (one ingest)")
    ap.add_argument("--words-only", action="store_true",
                    help="also rank by words alone (the figure without semantic ranking), in the same run")
    ap.add_argument("--no-embed", action="store_true", help="ingest without embeddings (words-only ranking)")
    ap.add_argument("--engine", choices=["whoosh", "opensearch"], default="whoosh")
    ap.add_argument("--url", default="http://127.0.0.1:9200", help="with --engine opensearch")
    args = ap.parse_args()
    config = None
    if args.engine == "opensearch":
        from archive.config import EngineConfig

        config = EngineConfig("opensearch", url=args.url, name="relevance-" + args.split.replace(",", "-"))
    runs = []
    for split in args.split.split(","):
        runs.append((split, {}))
        if args.words_only:
            runs.append((split, {"semantic": False}))
    results = evaluate_runs(args.collection, runs, engine=config, embed=False if args.no_embed else None)
    if results[0]["semantic"]["reason"]:
        print(f"semantic ranking off: {results[0]['semantic']['reason']}", file=sys.stderr)
    print("| collection | split | engine | ranking | queries | docs | nDCG@10 | Recall@100 | MRR@10 | ingest | mean query |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r['collection']} | {r['split']} | {args.engine} | {r['ranking']} | {r['queries']} | {r['docs']:,} | "
              f"{r['ndcg@10']:.4f} | {r['recall@100']:.4f} | {r['mrr@10']:.4f} | {r['ingest_s']:.1f} s | "
              f"{r['query_ms_mean']:.1f} ms |")


if __name__ == "__main__":
    main()
