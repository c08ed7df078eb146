"""Speed of the archive against SQLite FTS5 and tantivy, on real news (Reuters-21578).

    pip install -e ".[bench]"
    python benchmarks/perf.py --sizes 100000            # paragraphs; writes benchmarks/RESULTS.md
    python benchmarks/perf.py --sizes 10000,100000 --plot
    python benchmarks/perf.py --sizes 1000000 --engines opensearch-1,opensearch-2 --no-baselines
    python benchmarks/perf.py --archive index --out /tmp/here.md   # searches on an archive you have
    git worktree add /tmp/before COMMIT                             # cold start against another version:
    python benchmarks/perf.py --cold-before /tmp/before --sizes 100000 --out /tmp/cold.md

For each size, the same paragraph documents (each story's headline and body paragraphs; a
corpus larger than Reuters repeats it with distinct article ids, so the vocabulary does not
grow) go into the archive (through its public API, and cold searches through the `archive`
command), into SQLite FTS5 (porter tokenizer, bm25(), snippet()) and into tantivy (en_stem,
its snippet generator). Every figure of ours is reported with its ratio to theirs.

``--engines`` picks what the archive runs on: ``whoosh``, ``opensearch-1`` (a one-node
cluster, 1 shard) and ``opensearch-2`` (two nodes, 2 shards, 1 replica), each started here
with scripts/opensearch.sh (heap from --os-heap) and stopped afterwards. The OpenSearch
archives go through the same public API and the same `archive` command.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import random
import resource
import shutil
import sqlite3
import statistics
import subprocess

# What is measured here is the word index: ingest would also embed every article when the
# embedding model is installed (about 0.1 s each; README, "Semantic ranking"), and the
# processes started below inherit this.
os.environ.setdefault("ARCHIVE_SEMANTIC", "off")
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
REUTERS = ROOT.parent / "shared" / "corpora" / "reuters21578" / "articles.jsonl.gz"

# At least 50 realistic queries: rare and common single terms, two-term AND, phrases,
# a field filter and a date range. Baselines run the ones they can express the same way.
WORDS_RARE = ["cocoa", "sugar", "zinc", "copra", "tapioca", "rubber", "shipping", "strike", "yen", "coffee",
              "opec", "gold", "platinum", "soybean", "jaguar", "bundesbank", "moody", "takeover", "dividend", "lumber"]
WORDS_COMMON = ["mln", "pct", "dlrs", "said", "year", "billion", "company", "market", "prices", "shares"]
AND2 = ["oil prices", "interest rates", "trade deficit", "crude output", "grain exports", "bank loans",
        "stock split", "wheat tender", "money supply", "federal reserve"]
PHRASES = ['"interest rates"', '"trade deficit"', '"net profit"', '"crude oil"', '"money supply"',
           '"stock split"', '"federal reserve"', '"central bank"']
FILTERED = ["title:oil", "title:coffee prices", "kind:title gold", "date:[1987-03-01 TO 1987-03-31] coffee",
            "date:[1987-04-01 TO 1987-04-30] oil prices", "date:1987-06 dividend"]
MISSPELT = ["cofee", "ptroleum", "bundesbnak", "dividnd", "takover", "exprots", "shiping", "platnum", "soybaen",
            "moneey"]


def plain_queries() -> list[str]:
    return WORDS_RARE + WORDS_COMMON + AND2 + PHRASES


def all_queries() -> list[str]:
    return plain_queries() + FILTERED


# -- corpus -------------------------------------------------------------------------------------


def build_corpus(size: int, out: Path) -> tuple[int, int, list[tuple[str, str]]]:
    """Write ``size`` paragraphs of Reuters as archive JSONL; return (articles, raw bytes, docs)."""
    stories = []
    with gzip.open(REUTERS, "rt") as f:
        for line in f:
            r = json.loads(line)
            if r.get("title") and r.get("paragraphs"):
                stories.append(r)
    docs: list[tuple[str, str]] = []
    articles = 0
    raw = 0
    with open(out, "w") as f:
        rep = 0
        while len(docs) < size:
            for r in stories:
                if len(docs) >= size:
                    break
                aid = f"r{r['_id']}" + (f"-{rep}" if rep else "")
                paras = r["paragraphs"][: max(1, size - len(docs) - 1)]
                rec = {"id": aid, "title": r["title"].title(), "paragraphs": paras, "date": r.get("date"),
                       "source": "Reuters"}  # fmt: skip
                f.write(json.dumps(rec) + "\n")
                articles += 1
                for text in [rec["title"], *paras]:
                    docs.append((aid, text))
                    raw += len(text.encode())
            rep += 1
    return articles, raw, docs


# -- helpers ------------------------------------------------------------------------------------


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def timed(fn, queries: list[str], rounds: int = 3) -> list[float]:
    """Milliseconds per query, each query run ``rounds`` times after one warm-up pass."""
    for q in queries:
        fn(q)
    out = []
    for _ in range(rounds):
        for q in queries:
            t = time.perf_counter()
            fn(q)
            out.append((time.perf_counter() - t) * 1000)
    return out


MEMORY: int | None = None  # --memory

COLD_QUERIES = ["coffee", "oil prices", '"interest rates"', "cocoa", "gold"] * 2


def cold_runs(command, queries: list[str], check: bool = True) -> list[float]:
    """Wall milliseconds of a fresh process answering each query, as a user would run it."""
    out = []
    for q in queries:
        t = time.perf_counter()
        subprocess.run(command(q), capture_output=True, check=check)
        out.append((time.perf_counter() - t) * 1000)
    return out


def dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def child_peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


# -- the archive --------------------------------------------------------------------------------

INGEST_CHILD = """
import sys, time, resource
from archive.archive import Archive
t = time.perf_counter()
with Archive.open(sys.argv[1], create=True) as ar:
    ar.set_memory(int(sys.argv[3]) if sys.argv[3] != "-" else None)
    n = sum(1 for o in ar.ingest_inputs([sys.argv[2]], max_bytes=1 << 40) if getattr(o, "action", "") == "added")
print(n, time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def bench_archive(work: Path, corpus: Path, n_docs: int, n_articles_expected: int, config=None) -> dict:
    """The archive through its API and command; ``config`` (an EngineConfig) puts it on a cluster."""
    from archive.archive import Archive

    index = work / ("archive" if config is None else f"archive-{config.name}")
    if config is not None:
        Archive.init(index, config).close()
    proc = subprocess.run([sys.executable, "-c", INGEST_CHILD, str(index), str(corpus), str(MEMORY or "-")],
                          capture_output=True,
                          text=True, check=True)  # fmt: skip
    n_articles, ingest_s, peak_mb = proc.stdout.split()
    assert int(n_articles) == n_articles_expected, f"{n_articles} of {n_articles_expected} added: {proc.stderr[-500:]}"
    r: dict = {"ingest_s": float(ingest_s), "ingest_rate": n_docs / float(ingest_s), "peak_mb": float(peak_mb)}
    return r | measure_archive(index, work, on_cluster=config is not None)


def measure_archive(index: Path, work: Path, on_cluster: bool = False) -> dict:
    """Searches (warm, through the API), adding one article and cold `archive search` (through
    the command) on an archive that exists. Adds five small articles to it."""
    from archive.archive import Archive, SearchOptions

    r: dict = {}
    with Archive.open(index) as ar:
        if not on_cluster:
            r["size"] = dir_size(index)
        else:
            st = ar.stats()
            r["size"] = st.index_bytes + st.store_bytes
        plain = lambda q: ar.search(q, SearchOptions(limit=10, snippets=False, suggest=False))  # noqa: E731
        snip = lambda q: ar.search(q, SearchOptions(limit=10, suggest=False))  # noqa: E731
        r["plain"] = timed(plain, all_queries())
        r["plain_subset"] = timed(plain, plain_queries())
        r["snippets"] = timed(snip, all_queries())
        r["snippets_subset"] = timed(snip, plain_queries())
        r["by_article"] = timed(lambda q: ar.search(q, SearchOptions(limit=10, by_article=True, suggest=False)),
                                plain_queries(), rounds=1)  # fmt: skip
        r["facets"] = timed(lambda q: ar.search(q, SearchOptions(limit=10, facets=["source", "date", "kind"],
                                                                 suggest=False)), plain_queries(), rounds=1)  # fmt: skip
        r["didyoumean"] = timed(lambda q: ar.search(q, SearchOptions(limit=10)), MISSPELT, rounds=2)
        right = sum(1 for q in MISSPELT if ar.search(q).suggestion)
        r["didyoumean_found"] = f"{right}/{len(MISSPELT)}"
    # adding one article to the archive, then a search that sees it
    one = work / "one.txt"
    adds = []
    stamp = int(time.time())  # a word no earlier run added
    for i in range(5):
        one.write_text(f"Benchmark Extra Story {stamp} {i}\n\nA zyzzogeton{stamp}x{i} sighting was reported.\n")
        t = time.perf_counter()
        subprocess.run(["archive", "--index", str(index), "ingest", str(one)], check=True, capture_output=True)
        adds.append((time.perf_counter() - t) * 1000)
        found = subprocess.run(["archive", "--index", str(index), "search", f"zyzzogeton{stamp}x{i}"],
                               capture_output=True)  # fmt: skip
        assert found.returncode == 0, "a search right after the ingest must see the new article"
    r["add_one"] = adds
    # cold `archive search` as a user types it
    r["cold"] = cold_runs(lambda q: ["archive", "--index", str(index), "search", q], COLD_QUERIES, check=False)
    return r


# -- OpenSearch nodes ---------------------------------------------------------------------------

SCRIPT = ROOT / "scripts" / "opensearch.sh"
OS_PORTS = {"opensearch-1": (9270,), "opensearch-2": (9280, 9281)}


def start_cluster(engine: str, heap: str) -> str:
    ports = OS_PORTS[engine]
    env = {**os.environ, "ARCHIVE_OPENSEARCH_HEAP": heap}
    peers = ",".join(map(str, ports)) if len(ports) > 1 else ""
    procs = []
    for p in ports:
        subprocess.run([str(SCRIPT), "stop", str(p)], capture_output=True, env=env)
        subprocess.run([str(SCRIPT), "reset", str(p)], check=True, capture_output=True, env=env)
        procs.append(subprocess.Popen([str(SCRIPT), "start", str(p)] + ([peers] if peers else []), env=env,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.PIPE))  # fmt: skip
    for pr in procs:
        assert pr.wait() == 0, pr.stderr.read()
    url = f"http://127.0.0.1:{ports[0]}"
    import urllib.request

    with urllib.request.urlopen(f"{url}/_cluster/health?wait_for_status=green&wait_for_nodes={len(ports)}"
                                f"&timeout=120s", timeout=130) as resp:  # fmt: skip
        assert json.loads(resp.read())["status"] == "green"
    return ",".join(f"http://127.0.0.1:{p}" for p in ports)


def stop_cluster(engine: str) -> None:
    for p in OS_PORTS[engine]:
        subprocess.run([str(SCRIPT), "stop", str(p)], capture_output=True)


def bench_opensearch(engine: str, work: Path, corpus: Path, n_docs: int, n_articles: int, heap: str) -> dict:
    from archive.config import EngineConfig

    urls = start_cluster(engine, heap)
    try:
        two = engine == "opensearch-2"
        config = EngineConfig("opensearch", url=urls, name=f"bench-{engine}", shards=2 if two else 1,
                              replicas=1 if two else 0)  # fmt: skip
        return bench_archive(work, corpus, n_docs, n_articles, config)
    finally:
        stop_cluster(engine)


# -- SQLite FTS5 --------------------------------------------------------------------------------


def bench_fts5(work: Path, docs: list[tuple[str, str]]) -> dict:
    path = work / "fts5.db"
    t = time.perf_counter()
    db = sqlite3.connect(path)
    db.execute("CREATE VIRTUAL TABLE p USING fts5(aid UNINDEXED, text, tokenize='porter unicode61')")
    with db:
        db.executemany("INSERT INTO p (aid, text) VALUES (?, ?)", docs)
    db.execute("INSERT INTO p(p) VALUES ('optimize')")
    db.commit()
    ingest_s = time.perf_counter() - t
    r: dict = {"ingest_s": ingest_s, "ingest_rate": len(docs) / ingest_s, "size": path.stat().st_size}

    def plain(q: str):
        return db.execute("SELECT aid, bm25(p) FROM p WHERE p MATCH ? ORDER BY rank LIMIT 10", (q,)).fetchall()

    def snip(q: str):
        return db.execute("SELECT aid, snippet(p, 1, '<mark>', '</mark>', '…', 24) FROM p WHERE p MATCH ? "
                          "ORDER BY rank LIMIT 10", (q,)).fetchall()  # fmt: skip

    r["plain_subset"] = timed(plain, plain_queries())
    r["snippets_subset"] = timed(snip, plain_queries())
    db.close()
    code = ("import sqlite3,sys; db=sqlite3.connect(sys.argv[1]); "
            "print(db.execute(\"SELECT aid, snippet(p,1,'[',']','…',24) FROM p WHERE p MATCH ? ORDER BY rank LIMIT 10\","
            " (sys.argv[2],)).fetchall())")  # fmt: skip
    r["cold"] = cold_runs(lambda q: [sys.executable, "-c", code, str(path), q], COLD_QUERIES)
    return r


# -- tantivy ------------------------------------------------------------------------------------


def bench_tantivy(work: Path, docs: list[tuple[str, str]]) -> dict:
    import tantivy

    path = work / "tantivy"
    path.mkdir()
    sb = tantivy.SchemaBuilder()
    sb.add_text_field("text", stored=True, tokenizer_name="en_stem")
    sb.add_text_field("aid", stored=True, tokenizer_name="raw")
    schema = sb.build()
    t = time.perf_counter()
    ix = tantivy.Index(schema, path=str(path))
    w = ix.writer(heap_size=256_000_000)
    for aid, text in docs:
        w.add_document(tantivy.Document(aid=aid, text=text))
    w.commit()
    w.wait_merging_threads()
    ingest_s = time.perf_counter() - t
    ix.reload()
    s = ix.searcher()
    r: dict = {"ingest_s": ingest_s, "ingest_rate": len(docs) / ingest_s, "size": dir_size(path)}

    def conj(q: str) -> str:  # all words must match, as in the archive and FTS5
        return q if q.startswith('"') else " ".join("+" + w for w in q.split())

    def plain(q: str):
        return [s.doc(a)["aid"] for _, a in s.search(ix.parse_query(conj(q), ["text"]), 10).hits]

    def snip(q: str):
        query = ix.parse_query(conj(q), ["text"])
        gen = tantivy.SnippetGenerator.create(s, query, schema, "text")
        return [gen.snippet_from_doc(s.doc(a)).to_html() for _, a in s.search(query, 10).hits]

    r["plain_subset"] = timed(plain, plain_queries())
    r["snippets_subset"] = timed(snip, plain_queries())
    code = ("import tantivy,sys; ix=tantivy.Index.open(sys.argv[1]); s=ix.searcher(); q=ix.parse_query(sys.argv[2],['text']); "
            "print([s.doc(a)['aid'] for _, a in s.search(q, 10).hits])")  # fmt: skip
    r["cold"] = cold_runs(lambda q: [sys.executable, "-c", code, str(path), q],
                          ["+oil +prices" if q == "oil prices" else q for q in COLD_QUERIES])  # fmt: skip
    return r


# -- report -------------------------------------------------------------------------------------


def report(size: int, n_articles: int, raw: int, a: dict, f: dict, t: dict) -> str:
    def ratio(x: float, y: float) -> str:
        return f"{x / y:.1f}×" if y else "—"

    def lat(r: dict, key: str) -> tuple[float, float]:
        return statistics.median(r[key]), pct(r[key], 0.95)

    rows = []
    rows.append(f"### {size:,} paragraphs ({n_articles:,} articles, {raw / 1e6:.1f} MB of text)\n")
    rows.append("| measure | archive (Whoosh) | SQLite FTS5 | tantivy | archive ÷ FTS5 | archive ÷ tantivy |")
    rows.append("|---|---|---|---|---|---|")
    rows.append(f"| ingest, paragraphs/s | {a['ingest_rate']:,.0f} | {f['ingest_rate']:,.0f} | {t['ingest_rate']:,.0f} | "
                f"{ratio(a['ingest_rate'], f['ingest_rate'])} | {ratio(a['ingest_rate'], t['ingest_rate'])} |")
    rows.append(f"| ingest, wall time | {a['ingest_s']:.1f} s | {f['ingest_s']:.1f} s | {t['ingest_s']:.1f} s | | |")
    rows.append(f"| ingest, peak RSS | {a['peak_mb']:.0f} MB | | | | |")
    rows.append(f"| size on disk (text {raw / 1e6:.1f} MB) | {a['size'] / 1e6:.1f} MB | {f['size'] / 1e6:.1f} MB | "
                f"{t['size'] / 1e6:.1f} MB | {ratio(a['size'], f['size'])} | {ratio(a['size'], t['size'])} |")
    for key, label in (("plain_subset", "top-10, words and phrases"), ("snippets_subset", "top-10 with snippets")):
        am, ap = lat(a, key)
        fm, fp = lat(f, key)
        tm, tp = lat(t, key)
        rows.append(f"| {label}, p50 / p95 | {am:.1f} / {ap:.1f} ms | {fm:.2f} / {fp:.2f} ms | {tm:.2f} / {tp:.2f} ms | "
                    f"{ratio(am, fm)} / {ratio(ap, fp)} | {ratio(am, tm)} / {ratio(ap, tp)} |")
    for key, label in (("plain", "top-10, all 54 queries incl. field and date filters"),
                       ("snippets", "the same with snippets"), ("by_article", "`--by-article`"),
                       ("facets", "with facets source,date,kind"), ("didyoumean", "misspelt word, with did-you-mean")):
        m, p = lat(a, key)
        rows.append(f"| {label}, p50 / p95 | {m:.1f} / {p:.1f} ms | | | | |")
    cm, cf, ct = (statistics.median(r["cold"]) for r in (a, f, t))
    rows.append(f"| cold search, fresh process, median | {cm:.0f} ms (`archive search`) | {cf:.0f} ms (python + sqlite3) | "
                f"{ct:.0f} ms (python + tantivy) | {ratio(cm, cf)} | {ratio(cm, ct)} |")
    rows.append(f"| add one article (`archive ingest`, whole process), median / max | "
                f"{statistics.median(a['add_one']):.0f} / {max(a['add_one']):.0f} ms | | | | |")
    rows.append(f"\nDid-you-mean found a suggestion for {a['didyoumean_found']} misspellings.\n")
    return "\n".join(rows)


def report_engines(size: int, results: dict[str, dict]) -> str:
    """The archive on each engine, side by side, with each one's ratio to Whoosh."""
    names = list(results)
    base = results.get("whoosh")

    def cell(r: dict, key: str) -> str:
        return f"{statistics.median(r[key]):.1f} / {pct(r[key], 0.95):.1f} ms"

    def vs(r: dict, key: str, median: bool = True) -> str:
        if base is None or r is base:
            return ""
        a = statistics.median(r[key]) if median else r[key]
        b = statistics.median(base[key]) if median else base[key]
        return f" ({a / b:.2f}×)" if b else ""

    rows = [f"### The archive on each engine, {size:,} paragraphs (ratio to Whoosh in brackets)\n",
            "| measure | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    rows.append("| ingest, paragraphs/s | " + " | ".join(f"{r['ingest_rate']:,.0f}{vs(r, 'ingest_rate', False)}"
                                                         for r in results.values()) + " |")  # fmt: skip
    rows.append("| ingest, wall time | " + " | ".join(f"{r['ingest_s']:.1f} s" for r in results.values()) + " |")
    rows.append("| ingest, peak RSS of the archive process | " + " | ".join(f"{r['peak_mb']:.0f} MB" for r in results.values()) + " |")
    rows.append("| size (index + store) | " + " | ".join(f"{r['size'] / 1e6:.1f} MB" for r in results.values()) + " |")
    for key, label in (("plain_subset", "top-10, words and phrases"), ("snippets_subset", "top-10 with snippets"),
                       ("plain", "top-10, all 54 queries"), ("by_article", "`--by-article`"),
                       ("facets", "with facets source,date,kind"), ("didyoumean", "misspelt word, did-you-mean")):
        rows.append(f"| {label}, p50 / p95 | " + " | ".join(cell(r, key) + vs(r, key) for r in results.values()) + " |")
    rows.append("| cold `archive search`, median | " + " | ".join(f"{statistics.median(r['cold']):.0f} ms{vs(r, 'cold')}"
                                                              for r in results.values()) + " |")  # fmt: skip
    rows.append("| add one article (`archive ingest`), median | " + " | ".join(
        f"{statistics.median(r['add_one']):.0f} ms{vs(r, 'add_one')}" for r in results.values()) + " |")  # fmt: skip
    rows.append("| did-you-mean suggestions found | " + " | ".join(r["didyoumean_found"] for r in results.values()) + " |")
    return "\n".join(rows) + "\n"


def plot(points: dict[str, dict[int, dict]], out: Path) -> None:
    """Ingest rate and top-10 latency (with snippets) against corpus size, per engine."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    for name, by_size in sorted(points.items()):
        sizes = sorted(by_size)
        left.plot(sizes, [by_size[n]["ingest_rate"] for n in sizes], marker="o", label=name)
        right.plot(sizes, [statistics.median(by_size[n]["snippets_subset"]) for n in sizes], marker="o", label=name)
    for ax, title, unit in ((left, "ingest", "paragraphs / s"), (right, "top-10 with snippets, p50", "ms")):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("paragraphs in the corpus")
        ax.set_ylabel(unit)
        ax.set_title(title)
        ax.grid(True, which="both", alpha=0.3)
    right.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out, dpi=110)


def compile_package() -> None:
    """Byte-compile the archive's modules, as `pip install` does for a regular install. (This
    machine sets PYTHONDONTWRITEBYTECODE, so an editable install would compile every module
    again on every cold start: about 80 ms of the 'cold search' that no user would see.)"""
    import compileall

    import archive

    compileall.compile_dir(str(Path(archive.__file__).parent), quiet=1)


def startup_ms() -> float:
    """Median wall time of a fresh `python -c pass` here (the floor of every cold figure)."""
    return statistics.median(cold_runs(lambda _: [sys.executable, "-c", "pass"], ["-"] * 10))


def measure_existing(index: Path, out: Path, parts: list[str]) -> None:
    from archive.archive import Archive

    with Archive.open(index) as ar:
        st = ar.stats().to_dict()
    with tempfile.TemporaryDirectory() as work:
        r = measure_archive(index, Path(work), on_cluster=ar.backend.name == "opensearch")
    rows = [f"### An existing archive: {st['paragraphs']:,} paragraphs, {st['articles']:,} articles, "
            f"{st.get('segments', 0)} segments\n", "| measure | value |", "|---|---|"]
    for key, label in (("plain_subset", "top-10, words and phrases"), ("snippets_subset", "top-10 with snippets"),
                       ("plain", "top-10, all 54 queries"), ("snippets", "the same with snippets"),
                       ("by_article", "`--by-article`"), ("facets", "with facets source,date,kind"),
                       ("didyoumean", "misspelt word, did-you-mean")):
        rows.append(f"| {label}, p50 / p95 | {statistics.median(r[key]):.1f} / {pct(r[key], 0.95):.1f} ms |")
    rows.append(f"| cold `archive search`, median | {statistics.median(r['cold']):.0f} ms |")
    rows.append(f"| add one article (`archive ingest`), median / max | {statistics.median(r['add_one']):.0f} / "
                f"{max(r['add_one']):.0f} ms |")  # fmt: skip
    rows.append(f"| did-you-mean suggestions found | {r['didyoumean_found']} |")
    parts.append("\n".join(rows) + "\n")
    out.write_text("\n".join(parts) + "\n")
    print("\n".join(parts))


def run_code(code: Path) -> list[str]:
    """The `archive` command of the checkout at ``code`` (this one, or another to compare with)."""
    boot = f"import sys; sys.path.insert(0, {str(code)!r}); sys.argv[0] = 'archive'; from archive.cli import main; main()"
    return [sys.executable, "-c", boot]


def compare_cold(before: Path, size: int, rounds: int, out: Path, parts: list[str],
                 also: list[str] | None = None) -> None:  # fmt: skip
    """Cold `archive search` of this checkout against the one at ``before``, side by side: each
    version gets its own archive of the same Reuters paragraphs (a store's layout belongs to its
    version), both are started the same way, and the runs alternate query by query (the
    machine's speed drifts: only a comparison within one run means anything)."""
    import compileall

    env = {**os.environ, "ARCHIVE_SEMANTIC": "off"}
    codes = {"before": before.resolve(), "after": ROOT}
    for code in codes.values():
        compileall.compile_dir(str(code / "archive"), quiet=1)
    variants = {name: (code, name, []) for name, code in codes.items()}  # name -> (checkout, archive, extra args)
    if also:  # this checkout once more, with these arguments after the query
        variants["after " + " ".join(also)] = (ROOT, "after", list(also))
    times: dict[str, list[float]] = {name: [] for name in variants}
    cpu: dict[str, list[float]] = {name: [] for name in variants}  # the child's user + system time
    order = random.Random(15)  # (which version goes first changes query by query: no place is favoured)
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus.jsonl"
        n_articles, _, docs = build_corpus(size, corpus)
        for name, code in codes.items():
            subprocess.run(run_code(code) + ["--index", f"{tmp}/ix-{name}", "import", str(corpus)], env=env,
                           check=True, capture_output=True)  # fmt: skip
        for _ in range(rounds):
            for q in COLD_QUERIES:
                names = list(variants)
                order.shuffle(names)
                for name in names:
                    code, ix, extra = variants[name]
                    used = resource.getrusage(resource.RUSAGE_CHILDREN)
                    started = time.perf_counter()
                    subprocess.run(run_code(code) + ["--index", f"{tmp}/ix-{ix}", "search", q, *extra], env=env,
                                   check=True, capture_output=True)  # fmt: skip
                    times[name].append((time.perf_counter() - started) * 1000)
                    now = resource.getrusage(resource.RUSAGE_CHILDREN)
                    cpu[name].append((now.ru_utime - used.ru_utime + now.ru_stime - used.ru_stime) * 1000)
    b, a = times["before"], times["after"]
    parts.append(
        f"### Cold `archive search`: {before} against this checkout, {len(docs):,} paragraphs "
        f"({n_articles:,} articles), {len(a)} runs each, alternating\n\n"
        "| | before | after | after ÷ before |\n|---|---|---|---|\n"
        f"| median | {statistics.median(b):.0f} ms | {statistics.median(a):.0f} ms | "
        f"{statistics.median(a) / statistics.median(b):.2f} |\n"
        f"| fastest | {min(b):.0f} ms | {min(a):.0f} ms | {min(a) / min(b):.2f} |\n"
        f"| p90 | {pct(b, 0.9):.0f} ms | {pct(a, 0.9):.0f} ms | {pct(a, 0.9) / pct(b, 0.9):.2f} |\n"
        f"| CPU time (user + system), median | {statistics.median(cpu['before']):.0f} ms | "
        f"{statistics.median(cpu['after']):.0f} ms | {statistics.median(cpu['after']) / statistics.median(cpu['before']):.2f} |\n"
    )  # fmt: skip
    for name in list(times)[2:]:
        x = times[name]
        c = statistics.median(cpu[name])
        parts.append(f"`{name}`: median {statistics.median(x):.0f} ms ({statistics.median(x) / statistics.median(b):.2f} "
                     f"of before), fastest {min(x):.0f} ms, p90 {pct(x, 0.9):.0f} ms; CPU {c:.0f} ms "
                     f"({c / statistics.median(cpu['before']):.2f})\n")  # fmt: skip
    out.write_text("\n".join(parts) + "\n")
    print("\n".join(parts))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="100000", help="comma-separated paragraph counts")
    ap.add_argument("--keep", type=Path, help="keep the indexes in this folder")
    ap.add_argument("--out", type=Path, default=HERE / "perf-results.md", help="where to write the tables")
    ap.add_argument("--engines", default="whoosh", help="whoosh, opensearch-1, opensearch-2 (comma-separated)")
    ap.add_argument("--no-baselines", action="store_true", help="skip SQLite FTS5 and tantivy")
    ap.add_argument("--os-heap", default="1g", help="heap of each OpenSearch node")
    ap.add_argument("--raw", type=Path, default=HERE / "perf-raw.json",
                    help="every measurement, merged with earlier runs (for --plot)")
    ap.add_argument("--plot", type=Path, nargs="?", const=HERE / "perf.png",
                    help="draw ingest rate and latency against size from --raw (PNG)")
    ap.add_argument("--archive", type=Path, metavar="PATH",
                    help="measure the searches, add-one and cold start of this existing archive (no ingest, no "
                         "baselines; it gains five small articles)")  # fmt: skip
    ap.add_argument("--cold-before", type=Path, metavar="CHECKOUT",
                    help="compare cold `archive search` with another checkout (git worktree add DIR COMMIT), side "
                         "by side on --sizes paragraphs")  # fmt: skip
    ap.add_argument("--rounds", type=int, default=3, help="--cold-before: rounds of the 10 cold queries")
    ap.add_argument("--cold-also", metavar="ARGS",
                    help="--cold-before: a third series, this checkout with these search arguments (e.g. --all-copies)")
    ap.add_argument("--memory", type=int, metavar="MB",
                    help="the archive's ingest memory budget (archive ingest --memory; default: its default)")
    args = ap.parse_args()
    global MEMORY
    MEMORY = args.memory
    sizes = [int(x) for x in args.sizes.split(",")]
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    command = " ".join(["python benchmarks/perf.py"] + sys.argv[1:])
    parts = [f"Machine: {os.cpu_count()} cores, {platform.python_implementation()} {platform.python_version()}, "
             f"{platform.machine()}; command: `{command}`\n"]  # fmt: skip
    raw_all: dict = json.loads(args.raw.read_text()) if args.raw.exists() else {}
    compile_package()
    if args.archive:
        measure_existing(args.archive, args.out, parts)
        return
    if args.cold_before:
        compare_cold(args.cold_before, sizes[0], args.rounds, args.out, parts,
                     args.cold_also.split() if args.cold_also else None)  # fmt: skip
        return
    parts.append(f"A fresh `python -c pass` takes {startup_ms():.0f} ms here (median of 10), this machine's "
                 "site-packages start-up hooks included.\n")  # fmt: skip
    for size in sizes:
        work = Path(tempfile.mkdtemp(dir=args.keep)) if args.keep else Path(tempfile.mkdtemp())
        try:
            corpus = work / "corpus.jsonl"
            n_articles, raw, docs = build_corpus(size, corpus)
            print(f"{size:,}: {n_articles:,} articles, {len(docs):,} paragraphs", file=sys.stderr)
            results: dict[str, dict] = {}
            for engine in engines:
                if engine == "whoosh":
                    results[engine] = bench_archive(work, corpus, len(docs), n_articles)
                else:
                    results[engine] = bench_opensearch(engine, work, corpus, len(docs), n_articles, args.os_heap)
                print(f"{engine} done", file=sys.stderr)
                raw_all.setdefault(engine, {})[str(len(docs))] = results[engine]
                args.raw.write_text(json.dumps(raw_all))  # each engine's figures are kept as soon as they exist
            if not args.no_baselines:
                f = bench_fts5(work, docs)
                t = bench_tantivy(work, docs)
                results.update({"fts5": f, "tantivy": t})
                if "whoosh" in results:
                    parts.append(report(len(docs), n_articles, raw, results["whoosh"], f, t))
            archives = {k: v for k, v in results.items() if k not in ("fts5", "tantivy")}
            if archives:
                parts.append(report_engines(len(docs), archives))
            for name, r in results.items():
                raw_all.setdefault(name, {})[str(len(docs))] = r
            args.raw.write_text(json.dumps(raw_all))
        finally:
            if not args.keep:
                shutil.rmtree(work, ignore_errors=True)
    if args.plot:
        plot({k: {int(n): r for n, r in v.items()} for k, v in raw_all.items()}, args.plot)
        parts.append(f"Plot: {args.plot.name}\n")
    args.out.write_text("\n".join(parts) + "\n")
    print("\n".join(parts))


if __name__ == "__main__":
    main()
