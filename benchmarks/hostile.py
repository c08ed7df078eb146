"""Hostile queries and pages, timed: what the bounds of archive.limits and the readers' size
limits change (issue: hostile input and broken disks).

Builds an archive of 18,000 Reuters paragraphs, then times, each in a fresh `archive`
process (a 150 s cap, peak memory from the kernel):

- wildcard queries that stand for thousands of words (`to*`, `to* OR to*` ×5 and ×20),
- ten and thirty fuzzy `word~2` terms,
- `archive ingest` of web pages of 1.1, 4.4 and 17.6 MB of distinct <p> paragraphs.

    python benchmarks/hostile.py                          # this checkout
    git worktree add /tmp/before 8b75327                  # the code before these bounds
    python benchmarks/hostile.py --before /tmp/before     # both, case by case, in one run

Results go to stdout as a Markdown table (benchmarks/RESULTS.md quotes them).
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from perf import all_queries, build_corpus  # noqa: E402

FUZZY = ["market", "price", "company", "bank", "trade", "share", "stock", "dollar", "profit", "export",
         "government", "official", "billion", "quarter", "interest", "analyst", "industry", "production",
         "agreement", "minister", "economic", "foreign", "report", "increase", "record", "growth", "demand",
         "contract", "meeting", "capital"]  # fmt: skip
QUERIES = {
    "to*": "to*",
    "to* OR to* (x5)": " OR ".join(["to*"] * 5),
    "to* OR to* (x20)": " OR ".join(["to*"] * 20),
    "ten word~2": " OR ".join(f"{w}~2" for w in FUZZY[:10]),
    "thirty word~2": " OR ".join(f"{w}~2" for w in FUZZY),
    "co* OR pr* OR re* OR st* OR ma*": "co* OR pr* OR re* OR st* OR ma*",
}
CAP = 150.0


def command(code: Path | None) -> list[str]:
    if code is None:
        return [sys.executable, "-m", "archive.cli"]
    boot = f"import sys; sys.path.insert(0, {str(code)!r}); sys.argv[0] = 'archive'; from archive.cli import main; main()"
    return [sys.executable, "-c", boot]


def timed(cmd: list[str], env: dict) -> tuple[float, float, int, str]:
    """(seconds, the child's peak MB, exit status or -1 when cut at CAP, last line of stderr)."""
    with tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, env=env)
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                code = os.waitstatus_to_exitcode(status)
                break
            if time.perf_counter() - started > CAP:
                proc.kill()
                _, _, usage = os.wait4(proc.pid, 0)
                code = -1
                break
            time.sleep(0.02)
        seconds = time.perf_counter() - started
        proc.returncode = code  # (reaped above)
        err.seek(0)
        lines = err.read().decode("utf-8", "replace").strip().splitlines()
    said = f"still running after {CAP:.0f} s" if code == -1 else (lines[-1] if lines else "")
    return seconds, usage.ru_maxrss / 1024, code, said


WARM = r"""
import statistics, sys, time
if sys.argv[1] != "-":
    sys.path.insert(0, sys.argv[1])
from archive.archive import Archive, SearchOptions
queries = sys.argv[3:]
with Archive.open(sys.argv[2]) as ar:
    for q in queries:  # warm up: files read, caches filled
        ar.search(q, SearchOptions(limit=10))
    times = []
    for _ in range(5):
        for q in queries:
            t = time.perf_counter()
            ar.search(q, SearchOptions(limit=10))
            times.append((time.perf_counter() - t) * 1000)
print(f"{statistics.median(times):.2f} {sorted(times)[int(len(times) * 0.95)]:.2f}")
"""


def warm(code: Path | None, ix: str, env: dict) -> tuple[float, float]:
    """Median and p95 ms of the benchmark's ordinary queries, warm, in one process."""
    done = subprocess.run([sys.executable, "-c", WARM, str(code) if code else "-", ix, *all_queries()],
                          capture_output=True, text=True, env=env, check=True)  # fmt: skip
    p50, p95 = map(float, done.stdout.split())
    return p50, p95


def page(mb: float, seed: int = 1) -> str:
    rng = random.Random(seed)
    words = "the market said oil prices rose in trading on monday after the bank raised its rate by half".split()
    paras, size, i = [], 0, 0
    while size < mb * 1024 * 1024:
        p = "<p>" + " ".join(rng.choice(words) for _ in range(40)) + f" {i}.</p>\n"
        paras.append(p)
        size += len(p)
        i += 1
    return "<html><head><title>Big page</title></head><body><article><h1>Big page</h1>\n" + "".join(paras) + \
        "</article></body></html>"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--before", type=Path, help="another checkout to time beside this one, case by case")
    ap.add_argument("--paragraphs", type=int, default=18_000)
    args = ap.parse_args()
    codes = {"after": None, **({"before": args.before} if args.before else {})}
    env = {**os.environ, "ARCHIVE_SEMANTIC": "off"}
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        corpus = work / "corpus.jsonl"
        build_corpus(args.paragraphs, corpus)
        for name, code in codes.items():  # (each version its own archive: a store's layout is per version)
            t = timed(command(code) + ["--index", str(work / f"ix-{name}"), "import", str(corpus)], env)
            print(f"{name}: built {args.paragraphs:,} paragraphs in {t[0]:.1f} s (exit {t[2]})", file=sys.stderr)
        cases = [(f"search `{label}`", lambda ix, q=q: ["--index", ix, "search", q, "--format", "json"])
                 for label, q in QUERIES.items()]  # fmt: skip
        for mb_size in (1.1, 4.4, 17.6):
            f = work / f"page-{mb_size}.html"
            f.write_text(page(mb_size))
            cases.append((f"ingest a {mb_size} MB page", lambda ix, f=f: ["--index", ix + "-pages", "ingest", str(f)]))
        for label, args_for in cases:
            for name, code in reversed(codes.items()):  # before, then after, case by case
                s, mb, rc, err = timed(command(code) + args_for(str(work / f"ix-{name}")), env)
                rows.append((label, name, s, mb, rc, err))
        warm_rows = []
        for round_ in range(3):  # alternating, three times: the machine's speed drifts
            for name, code in reversed(codes.items()):
                warm_rows.append((name, round_, *warm(code, str(work / f"ix-{name}"), env)))
    print("| case | code | seconds | peak MB | exit | what it said |")
    print("|---|---|---|---|---|---|")
    for label, name, s, mb, rc, err in rows:
        said = err.replace("|", "/").split(": ", 1)[-1][:100] if rc != 0 else "(done)"
        print(f"| {label} | {name} | {s:.1f} | {mb:.0f} | {rc if rc >= 0 else 'cut'} | {said} |")
    print()
    print(f"Ordinary queries, warm ({len(all_queries())} of benchmarks/perf.py, 5 rounds each, top 10):")
    print()
    print("| code | round | p50 ms | p95 ms |")
    print("|---|---|---|---|")
    for name, round_, p50, p95 in warm_rows:
        print(f"| {name} | {round_ + 1} | {p50:.2f} | {p95:.2f} |")


if __name__ == "__main__":
    main()
