"""Ranking quality of the archive on a BEIR-layout collection, through its own ingest and search.

    python benchmarks/relevance.py                                  # SciFact test split
    python benchmarks/relevance.py --split train                    # where defaults are chosen
    python benchmarks/relevance.py --split train,test --words-only  # both splits, with and without meaning
    python benchmarks/relevance.py --collection ../shared/corpora/nfcorpus
    python benchmarks/relevance.py --engine opensearch --url http://127.0.0.1:9200   # the same on a cluster

    python benchmarks/relevance.py --news                           # the judged news set (train and test halves)

Ingests ``corpus.jsonl[.gz]`` (``_id``/``title``/``text``) into a throwaway archive with the
JSONL reader (record ids become article ids), runs every judged query exactly as a user would
type it with default options and ``--by-article``, and reports nDCG@10, Recall@100, MRR@10,
ingest time and mean query time.

``--news`` runs the judged news set in ``news-story/`` instead: one story's articles (``articles/``, written
for this project, in six formats, with a scraped page's debris) and the seed, 48 questions a
reader would ask, each with its best passage(s) and other relevant ones marked by a phrase
of their text. Every question is searched as typed (default options, passages not grouped by
article) and scored on passages: success@1 (a best passage first), MRR@10 (of the first best
passage), nDCG@10 (best 2, relevant 1). Odd-numbered questions are the train half, on which
choices are made; even-numbered ones the test half, reported.
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
                ar.backend.cluster.drop()  # (the benchmark's throwaway archive leaves the cluster)
    return results


NEWS = HERE / "news-story"
SEEDS = HERE.parent / "seeds"


def news_passages(ar, phrases: set[str]) -> dict[str, str]:
    """Each marked phrase → the passage that holds it ("article#paragraph"); exactly one must."""
    found: dict[str, list[str]] = {p: [] for p in phrases}
    for summary in ar.list():
        article = ar.get(summary.id)
        for i, para in enumerate(article.paragraphs, 1):
            for phrase in phrases:
                if phrase in para.text:
                    found[phrase].append(f"{article.id}#{i}")
    wrong = {p: where for p, where in found.items() if len(where) != 1}
    if wrong:
        raise SystemExit(f"news-story/questions.json: phrases that do not name one passage: {wrong}")
    return {p: where[0] for p, where in found.items()}


def evaluate_news(runs: list[tuple[str, dict]], engine=None, embed: bool | None = None,
                  index: Path | None = None) -> list[dict]:  # fmt: skip
    """Ingest the news set once, then run each (split, search options); one result per run."""
    from archive.archive import Archive, SearchOptions

    questions = json.loads((NEWS / "questions.json").read_text())
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        index = index or Path(tmp) / "ix"
        if engine is not None:
            Archive.init(index, engine).close()
        with Archive.open(index, create=True) as ar:
            ar.embed_on_ingest = embed
            failed = [o for o in ar.ingest_inputs([str(NEWS / "articles"), str(SEEDS)]) if not hasattr(o, "action")]
            if failed:
                raise SystemExit(f"news-story: articles that could not be read: {failed}")
        with Archive.open(index) as ar:
            status = ar.semantic_status()
            where = news_passages(ar, {p for q in questions for p in q["best"] + q["also"]})
            for split, options in runs:
                chosen = [q for q in questions if split in ("all", q["split"])]
                graded: dict[str, dict[str, int]] = {}
                best: dict[str, dict[str, int]] = {}
                run: dict[str, list[str]] = {}
                times = []
                for q in chosen:
                    graded[q["id"]] = {where[p]: 1 for p in q["also"]} | {where[p]: 2 for p in q["best"]}
                    best[q["id"]] = {where[p]: 1 for p in q["best"]}
                    t = time.perf_counter()
                    res = ar.search(q["query"], SearchOptions(limit=10, suggest=False, **options))
                    times.append((time.perf_counter() - t) * 1000)
                    run[q["id"]] = [f"{h.article_id}#{h.paragraph}" for h in res.hits]
                first = [run[q][0] in best[q] if run[q] else False for q in run]
                results.append({
                    "collection": "news-story", "split": split, "queries": len(chosen),
                    "success@1": sum(first) / len(first), "mrr@10": mrr(best, run, 10), "ndcg@10": ndcg(graded, run, 10),
                    "query_ms_mean": statistics.mean(times), "semantic": status, "run": run, "best": best,
                    "missed": [q["id"] for q, ok in zip(chosen, first) if not ok],
                })  # fmt: skip
            if engine is not None:
                ar.backend.cluster.drop()  # (the benchmark's throwaway archive leaves the cluster)
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
    ap.add_argument("--news", action="store_true", help="the judged news set (news-story/) instead of a collection")
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
    if args.news:
        runs = [(split, opts) for split in ("train", "test") for opts in ([{}, {"semantic": False}] if args.words_only else [{}])]
        results = evaluate_news(runs, engine=config, embed=False if args.no_embed else None)
        if results[0]["semantic"]["reason"]:
            print(f"semantic ranking off: {results[0]['semantic']['reason']}", file=sys.stderr)
        print("| set | split | engine | meaning | questions | success@1 | MRR@10 | nDCG@10 | mean query | best passage not first |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        for (split, opts), r in zip(runs, results):
            meaning = "off" if opts.get("semantic") is False or r["semantic"]["reason"] else "on"
            print(f"| news-story | {split} | {args.engine} | {meaning} | {r['queries']} | {r['success@1']:.3f} | "
                  f"{r['mrr@10']:.3f} | {r['ndcg@10']:.3f} | {r['query_ms_mean']:.1f} ms | {' '.join(r['missed'])} |")
        return
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
