"""How the nearest articles by meaning are found: brute force over the vectors the store
keeps, against an approximate index (usearch's HNSW, a well-kept single-file library).

    python benchmarks/vector_search.py            # SciFact's 5,183 abstracts, then 150,000
    python benchmarks/vector_search.py --sizes 5183
    python benchmarks/vector_search.py --opensearch http://127.0.0.1:9200 --sizes 5183,50000

The vectors are SciFact's abstracts embedded as the archive embeds an article (all-MiniLM-L6-v2,
kept as half floats); for sizes beyond the collection they are tiled with a little noise
(each copy moved by a random vector of norm 0.3 and made unit length again), so an exact
answer is still known. The queries are SciFact's 1,109 claims, embedded as a query is. For
each way and size: the time to find the 200 nearest in a new connection (what one
``archive search`` pays: the store or the index file opened, then read), the time with
everything already in memory (a long-running server), and recall@10 and @200 against the
exact answer. sqlite-vec (a ``vec0`` table, float32, cosine: exact too, in C) is measured
through apsw, because this Python's sqlite3 cannot load extensions (no
``enable_load_extension``), which also rules it out for the archive's own store here.

With ``--opensearch URL``, the same on a cluster instead: the k-NN plugin's exact scoring
script over a ``knn_vector`` field of an ordinary index (what the archive does), against its
approximate search (HNSW, in an index made with ``index.knn``), one request per query. The
approximate index uses the plugin's Lucene engine: its native ones (nmslib, faiss) need a
library that the OpenSearch tarball's node cannot load here (``UnsatisfiedLinkError: no
opensearchknn_nmslib in java.library.path``, and the node exits).

Results and what they decided: benchmarks/RESULTS.md, "Recall by meaning".
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from archive import semantic as sem  # noqa: E402
from archive.embeddings import shared_embedder  # noqa: E402

SCIFACT = HERE.parent.parent / "shared" / "corpora" / "scifact"
K = 200
CACHE = Path(tempfile.gettempdir()) / "archive-bench-vectors"  # the embeddings, made once (about 2 minutes)


def vectors(cache: Path = CACHE) -> tuple[np.ndarray, np.ndarray]:
    cache.mkdir(parents=True, exist_ok=True)
    docs_file, queries_file = cache / "scifact-docs.npy", cache / "scifact-queries.npy"
    if not docs_file.exists():
        from archive.model import Article, Paragraph

        docs = [json.loads(line) for line in gzip.open(SCIFACT / "corpus.jsonl.gz", "rt")]
        texts = [sem.article_text(Article(title=d.get("title", ""), paragraphs=[
            Paragraph(0, "title", d.get("title", "")), Paragraph(1, "body", d["text"])])) for d in docs]  # fmt: skip
        np.save(docs_file, np.stack(shared_embedder().embed(texts)).astype(np.float32))
        claims = [json.loads(line)["text"] for line in open(SCIFACT / "queries.jsonl")]
        np.save(queries_file, np.stack(shared_embedder().embed(claims)).astype(np.float32))
    return np.load(docs_file), np.load(queries_file)


def tiled(base: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    out = [base]
    while sum(len(b) for b in out) < n:
        noise = rng.normal(size=base.shape).astype(np.float32)
        noise *= 0.3 / np.linalg.norm(noise, axis=1, keepdims=True)
        moved = base + noise
        out.append(moved / np.linalg.norm(moved, axis=1, keepdims=True))
    return np.concatenate(out)[:n]


def store(path: Path, matrix: np.ndarray) -> None:
    """An archive's SQLite store holding these vectors (and nothing else)."""
    from archive.engine.whoosh.store import Store

    st = Store(path, create=True)
    st.db.execute("PRAGMA foreign_keys = OFF")  # (vectors without their articles: only vectors are read)
    st.db.execute("BEGIN")
    st.db.executemany("INSERT INTO vectors VALUES (?, ?, ?)",
                      ((f"a{i:07d}", sem.MODEL, sem.to_blob(v)) for i, v in enumerate(matrix)))  # fmt: skip
    st.db.execute("COMMIT")
    st.close()


def brute_force_cold(path: Path, q: np.ndarray) -> list[int]:
    """What the archive does: its store opened, every vector of the model read and scored
    (archive.engine.whoosh.store.Store.nearest)."""
    from archive.engine.whoosh.store import Store

    st = Store(path)
    found = st.nearest(q, sem.MODEL, K)
    st.close()
    return [int(a[1:]) for a, _ in found]


def _vec_connection(path: Path):
    import apsw
    import sqlite_vec

    db = apsw.Connection(str(path))
    db.enable_load_extension(True)
    db.load_extension(sqlite_vec.loadable_path())
    return db


def sqlite_vec_store(path: Path, matrix: np.ndarray) -> None:
    db = _vec_connection(path)
    db.execute(f"CREATE VIRTUAL TABLE v USING vec0(embedding float[{matrix.shape[1]}] distance_metric=cosine)")
    with db:
        db.executemany("INSERT INTO v(rowid, embedding) VALUES (?, ?)",
                       ((i, v.astype("<f4").tobytes()) for i, v in enumerate(matrix)))  # fmt: skip
    db.close()


def sqlite_vec_search(path: Path, q: np.ndarray) -> list[int]:
    db = _vec_connection(path)
    rows = db.execute("SELECT rowid FROM v WHERE embedding MATCH ? AND k = ? ORDER BY distance",
                      (q.astype("<f4").tobytes(), K)).fetchall()  # fmt: skip
    db.close()
    return [r[0] for r in rows]


def top(scores: np.ndarray, k: int = K) -> list[int]:
    k = min(k, len(scores))
    best = np.argpartition(-scores, k - 1)[:k]
    return best[np.argsort(-scores[best])].tolist()


def median_ms(fn, queries) -> float:
    times = []
    for q in queries:
        t = time.perf_counter()
        fn(q)
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def opensearch(url: str, sizes: list[int], docs: np.ndarray, queries: np.ndarray, timed: int) -> None:
    from opensearchpy import OpenSearch, helpers

    client = OpenSearch(url, timeout=600)
    rng = np.random.default_rng(7)
    print("| articles | way | indexing | median per query | recall@10 | recall@200 |")
    print("|---|---|---|---|---|---|")
    for n in sizes:
        matrix = tiled(docs, n, rng).astype(np.float16).astype(np.float32)
        truth = [top(matrix @ q) for q in queries[:timed]]
        for way in ("exact", "hnsw"):
            name = f"bench-vectors-{way}"
            client.indices.delete(index=name, ignore_unavailable=True)
            field = {"type": "knn_vector", "dimension": matrix.shape[1]}
            settings = {"number_of_shards": 1, "number_of_replicas": 0}
            if way == "hnsw":
                settings["index.knn"] = True
                field["method"] = {"name": "hnsw", "space_type": "cosinesimil", "engine": "lucene"}
            client.indices.create(index=name, body={"settings": settings, "mappings": {"properties": {"v": field}}})
            t = time.perf_counter()
            helpers.bulk(client, ({"_index": name, "_id": str(i), "_source": {"v": v.tolist()}}
                                  for i, v in enumerate(matrix)), chunk_size=500, request_timeout=600)  # fmt: skip
            client.indices.refresh(index=name)
            client.indices.forcemerge(index=name, max_num_segments=1, request_timeout=600)
            indexing = time.perf_counter() - t
            times, found = [], []
            for q in queries[:timed]:
                if way == "exact":
                    query = {"script_score": {"query": {"match_all": {}}, "script": {
                        "source": "knn_score", "lang": "knn",
                        "params": {"field": "v", "query_value": q.tolist(), "space_type": "cosinesimil"}}}}  # fmt: skip
                else:
                    query = {"knn": {"v": {"vector": q.tolist(), "k": K}}}
                t = time.perf_counter()
                res = client.search(index=name, body={"size": K, "_source": False, "query": query})
                times.append((time.perf_counter() - t) * 1000)
                found.append([int(h["_id"]) for h in res["hits"]["hits"]])
            r10 = statistics.mean(len(set(f[:10]) & set(t[:10])) / 10 for f, t in zip(found, truth))
            r200 = statistics.mean(len(set(f) & set(t)) / len(t) for f, t in zip(found, truth))
            label = "exact: knn_score script, ordinary index (the archive)" if way == "exact" else "approximate: HNSW (Lucene), index.knn"
            print(f"| {n:,} | {label} | {indexing:.0f} s | {statistics.median(times):.1f} ms | {r10:.3f} | {r200:.3f} |",
                  flush=True)  # fmt: skip
            client.indices.delete(index=name)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="5183,150000")
    ap.add_argument("--timed", type=int, default=30, help="queries timed per way (cold)")
    ap.add_argument("--opensearch", metavar="URL", help="measure on this cluster instead")
    args = ap.parse_args()
    if args.opensearch:
        docs, queries = vectors()
        opensearch(args.opensearch, [int(s) for s in args.sizes.split(",")], docs, queries, max(args.timed, 100))
        return
    from usearch.index import Index

    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        docs, queries = vectors()
        rng = np.random.default_rng(7)
        print("| articles | way | build | size on disk | new connection: median | in memory: median | recall@10 | recall@200 |")
        print("|---|---|---|---|---|---|---|---|")
        for n in (int(s) for s in args.sizes.split(",")):
            matrix = tiled(docs, n, rng).astype(np.float16)
            exact32 = matrix.astype(np.float32)
            truth = [top(exact32 @ q) for q in queries]
            path = tmpdir / f"store-{n}.db"
            t = time.perf_counter()
            store(path, matrix)
            build_bf = time.perf_counter() - t
            timed = queries[: args.timed]
            cold = median_ms(lambda q: brute_force_cold(path, q), timed)
            warm = median_ms(lambda q: top(exact32 @ q), queries)
            print(f"| {n:,} | brute force (the store's rows) | {build_bf:.1f} s | {path.stat().st_size / 1e6:.1f} MB "
                  f"| {cold:.1f} ms | {warm:.2f} ms | 1.000 | 1.000 |", flush=True)
            vec_path = tmpdir / f"vec-{n}.db"
            t = time.perf_counter()
            sqlite_vec_store(vec_path, matrix)
            build_vec = time.perf_counter() - t
            cold_v = median_ms(lambda q: sqlite_vec_search(vec_path, q), timed)
            found = [sqlite_vec_search(vec_path, q) for q in queries[:100]]
            r10 = statistics.mean(len(set(f[:10]) & set(t[:10])) / 10 for f, t in zip(found, truth))
            print(f"| {n:,} | sqlite-vec vec0 (float32, cosine; through apsw) | {build_vec:.1f} s "
                  f"| {vec_path.stat().st_size / 1e6:.1f} MB | {cold_v:.1f} ms | | {r10:.3f} | |", flush=True)
            t = time.perf_counter()
            index = Index(ndim=matrix.shape[1], metric="cos", dtype="f16")
            index.add(np.arange(n), matrix)
            build = time.perf_counter() - t
            ipath = tmpdir / f"usearch-{n}.usearch"
            index.save(str(ipath))
            found = [index.search(q, K).keys.tolist() for q in queries]
            r10 = statistics.mean(len(set(f[:10]) & set(t[:10])) / 10 for f, t in zip(found, truth))
            r200 = statistics.mean(len(set(f) & set(t)) / len(t) for f, t in zip(found, truth))
            cold_u = median_ms(lambda q: Index.restore(str(ipath), view=True).search(q, K), timed)
            warm_u = median_ms(lambda q: index.search(q, K), queries)
            print(f"| {n:,} | usearch HNSW (f16, cosine, defaults) | {build:.1f} s | {ipath.stat().st_size / 1e6:.1f} MB "
                  f"| {cold_u:.1f} ms | {warm_u:.2f} ms | {r10:.3f} | {r200:.3f} |", flush=True)


if __name__ == "__main__":
    main()
