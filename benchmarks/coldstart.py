"""A fresh `archive search` process, this checkout against another, alternating run by run
(the machine's speed drifts: compare within one run). Each version gets its own archive of
the same Reuters paragraphs (a store's layout belongs to its version).

    git worktree add /tmp/before 8b75327
    python benchmarks/coldstart.py --before /tmp/before [--runs 25] [--paragraphs 18000]
"""

from __future__ import annotations

import argparse
import compileall
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from hostile import command  # noqa: E402
from perf import build_corpus  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--before", type=Path, required=True, help="another checkout to compare with")
    ap.add_argument("--runs", type=int, default=25)
    ap.add_argument("--paragraphs", type=int, default=18_000)
    ap.add_argument("--query", default="oil prices")
    args = ap.parse_args()
    env = {**os.environ, "ARCHIVE_SEMANTIC": "off"}
    codes = {"before": args.before, "after": None}
    for code in (args.before / "archive", HERE.parent / "archive"):
        compileall.compile_dir(str(code), quiet=1)
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus.jsonl"
        build_corpus(args.paragraphs, corpus)
        for name, code in codes.items():
            subprocess.run(command(code) + ["--index", f"{tmp}/ix-{name}", "import", str(corpus)], env=env,
                           check=True, capture_output=True)  # fmt: skip
        times: dict[str, list[float]] = {name: [] for name in codes}
        for _ in range(args.runs):
            for name, code in codes.items():
                started = time.perf_counter()
                subprocess.run(command(code) + ["--index", f"{tmp}/ix-{name}", "search", args.query, "--format", "json"],
                               env=env, check=True, capture_output=True)  # fmt: skip
                times[name].append(time.perf_counter() - started)
    for name, values in times.items():
        print(f"{name}: median {statistics.median(values):.3f} s, fastest {min(values):.3f} s ({len(values)} runs)")


if __name__ == "__main__":
    main()
