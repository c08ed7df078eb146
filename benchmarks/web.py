"""The web page against the engine and the command line, on the same archive (Reuters-21578).

    python benchmarks/web.py --paragraphs 100000                # builds the archive (a few minutes)
    python benchmarks/web.py --archive PATH                     # an archive you have

For the benchmark's 54 queries (perf.py's words, phrases, field and date filters): the
engine's own warm search (the library, in this process: what a search costs once everything
is open), ``/api/search`` and the search page (``/search``, which also counts five facets and
the timeline) through a real ``archive serve`` on 127.0.0.1, time to first byte with 1 and
with 8 clients at once, and the same search as a fresh ``archive search`` process. Also the
weight of a search page with everything it loads, and whether any request went elsewhere.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote, urlsplit

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from perf import AND2, FILTERED, PHRASES, WORDS_COMMON, WORDS_RARE, build_corpus, compile_package, pct  # noqa: E402

QUERIES = WORDS_RARE + WORDS_COMMON + AND2 + PHRASES + FILTERED
ROUNDS = 3  # each query this many times, after a warm-up round


def ttfb(host: str, port: int, path: str) -> tuple[float, int, int]:
    """(ms to the response's first byte, status, body bytes) of one GET on a fresh connection."""
    conn = http.client.HTTPConnection(host, port, timeout=60)
    started = time.perf_counter()
    conn.request("GET", path, headers={"Host": f"{host}:{port}"})
    resp = conn.getresponse()
    first = (time.perf_counter() - started) * 1000
    body = resp.read()
    conn.close()
    return first, resp.status, len(body)


def clients(host: str, port: int, paths: list[str], n: int) -> tuple[list[float], int]:
    """Every path fetched by ``n`` clients at once (each client goes through the list from its
    own starting point); (times, errors)."""
    times: list[float] = []
    errors = [0]
    lock = threading.Lock()

    def client(i: int) -> None:
        order = paths[i % len(paths):] + paths[: i % len(paths)]
        for path in order:
            try:
                t, status, _ = ttfb(host, port, path)
            except OSError:
                with lock:
                    errors[0] += 1
                continue
            with lock:
                times.append(t)
                if status != 200:
                    errors[0] += 1

    threads = [threading.Thread(target=client, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return times, errors[0]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--archive", type=Path, help="an existing archive (else one is built from Reuters)")
    ap.add_argument("--paragraphs", type=int, default=100_000)
    ap.add_argument("--out", type=Path, help="also write the table here")
    args = ap.parse_args()
    env = {**os.environ, "ARCHIVE_SEMANTIC": "off"}
    compile_package()
    with tempfile.TemporaryDirectory() as tmp:
        index = args.archive
        if index is None:
            index = Path(tmp) / "index"
            corpus = Path(tmp) / "corpus.jsonl"
            build_corpus(args.paragraphs, corpus)
            subprocess.run([sys.executable, "-m", "archive.cli", "--index", str(index), "import", str(corpus)], env=env,
                           check=True, capture_output=True)  # fmt: skip
        from archive.archive import Archive, SearchOptions

        os.environ["ARCHIVE_SEMANTIC"] = "off"
        with Archive.open(index) as ar:
            st = ar.stats()
            for q in QUERIES:  # warm-up
                ar.search(q, SearchOptions())
            engine = []
            for _ in range(ROUNDS):
                for q in QUERIES:
                    t = time.perf_counter()
                    ar.search(q, SearchOptions())
                    engine.append((time.perf_counter() - t) * 1000)
        server = subprocess.Popen([sys.executable, "-m", "archive.cli", "--index", str(index), "serve", "--port", "0",
                                   "--read-only"], env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)  # fmt: skip
        try:
            url = re.search(r"at (http://\S+/) ", server.stdout.readline()).group(1)
            host, port = urlsplit(url).hostname, urlsplit(url).port
            api = [f"/api/search?q={quote(q)}" for q in QUERIES]
            pages = [f"/search?q={quote(q)}" for q in QUERIES]
            for path in api + pages:  # warm-up
                ttfb(host, port, path)
            r: dict[str, list[float]] = {"api": [], "page": []}
            for _ in range(ROUNDS):
                r["api"] += [ttfb(host, port, p)[0] for p in api]
                r["page"] += [ttfb(host, port, p)[0] for p in pages]
            api8, api8_errors = clients(host, port, api * ROUNDS, 8)
            page8, page8_errors = clients(host, port, pages * ROUNDS, 8)
            html = ttfb(host, port, "/search?q=oil+prices")[2]
            assets = sum(ttfb(host, port, f"/static/{f}")[2] for f in ("style.css", "app.js", "favicon.svg"))
            page_html = http.client.HTTPConnection(host, port)
            page_html.request("GET", "/search?q=oil+prices", headers={"Host": f"{host}:{port}"})
            body = page_html.getresponse().read().decode()
            elsewhere = [u for u in re.findall(r'(?:src|href)="([^"]+)"', body) if not u.startswith(("/", "#"))]
        finally:
            server.send_signal(signal.SIGINT)
            server.communicate(timeout=60)
        cold = []
        for q in QUERIES[:10]:
            t = time.perf_counter()
            subprocess.run([sys.executable, "-m", "archive.cli", "--index", str(index), "search", q], env=env,
                           capture_output=True)  # fmt: skip
            cold.append((time.perf_counter() - t) * 1000)

    e50 = statistics.median(engine)
    rows = [
        f"### The web page on {st.paragraphs:,} paragraphs ({st.articles:,} articles), {st.engine}",
        "",
        f"Command: `python benchmarks/web.py {' '.join(sys.argv[1:])}`; {len(QUERIES)} queries × {ROUNDS} rounds "
        "after a warm-up; milliseconds to the first byte of the response, over 127.0.0.1.",
        "",
        "| | p50 | p95 | p50 ÷ engine's warm p50 | errors |",
        "|---|---|---|---|---|",
        f"| engine's own warm search (library, in process) | {e50:.1f} | {pct(engine, 0.95):.1f} | 1.00 | |",
        f"| `/api/search`, 1 client | {statistics.median(r['api']):.1f} | {pct(r['api'], 0.95):.1f} | "
        f"{statistics.median(r['api']) / e50:.2f} | 0 |",
        f"| `/api/search`, 8 clients at once | {statistics.median(api8):.1f} | {pct(api8, 0.95):.1f} | "
        f"{statistics.median(api8) / e50:.2f} | {api8_errors} |",
        f"| search page (with 5 facets and the timeline), 1 client | {statistics.median(r['page']):.1f} | "
        f"{pct(r['page'], 0.95):.1f} | {statistics.median(r['page']) / e50:.2f} | 0 |",
        f"| search page, 8 clients at once | {statistics.median(page8):.1f} | {pct(page8, 0.95):.1f} | "
        f"{statistics.median(page8) / e50:.2f} | {page8_errors} |",
        f"| a fresh `archive search` process (10 queries) | {statistics.median(cold):.0f} | {pct(cold, 0.95):.0f} | "
        f"{statistics.median(cold) / e50:.0f} | |",
        "",
        f"8 clients: p95 ÷ p50 = {pct(api8, 0.95) / statistics.median(api8):.1f} (API), "
        f"{pct(page8, 0.95) / statistics.median(page8):.1f} (page). Page weight: {html + assets:,} bytes "
        f"({html:,} of HTML for `oil prices`, {assets:,} of CSS, script and icon); requests to another host: "
        f"{len(elsewhere)}.",
    ]  # fmt: skip
    text = "\n".join(rows) + "\n"
    print(text)
    if args.out:
        args.out.write_text(text)


if __name__ == "__main__":
    main()
