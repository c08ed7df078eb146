"""Never lose an article: export/import, rebuild, concurrent writers, crashes, hostile input."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archive.archive import Archive
from archive.errors import ReadError
from archive.lock import write_lock

from .conftest import write

ARCHIVE = shutil.which("archive")


def make_articles(folder: Path, n: int, prefix: str = "story", paragraphs: int = 3) -> list[Path]:
    paths = []
    for i in range(n):
        body = "\n\n".join(f"Paragraph {j} of {prefix} {i} mentions superalignment and item{i}x{j}."
                           for j in range(paragraphs))  # fmt: skip
        paths.append(write(folder / f"{prefix}-{i:04d}.txt", f"{prefix.title()} Number {i} Headline\n\n{body}\n"))
    return paths


def consistent(index: Path) -> None:
    with Archive.open(index) as ar:
        assert ar.check() == []
        for a in ar.store.iter_articles():
            assert [p.n for p in a.paragraphs] == list(range(1, len(a.paragraphs) + 1))


def test_export_import_export_is_byte_identical(seeded, tmp_path):
    write(tmp_path / "k.txt", "source: 한겨레\ndate: 2024-05-18\ntags: ai, 안전\n\n오픈AI 안전팀 해체\n\n본문 문단.\n")
    seeded("ingest", str(tmp_path / "k.txt"))
    first = seeded("export").stdout
    assert len(first.splitlines()) == 2
    (tmp_path / "dump.jsonl").write_text(first)
    other = tmp_path / "other"
    r = seeded.runner.invoke(__import__("archive.cli").cli.cli, ["--index", str(other), "import", str(tmp_path / "dump.jsonl")])
    assert r.exit_code == 0 and "2 added" in r.stdout
    again = seeded.runner.invoke(__import__("archive.cli").cli.cli, ["--index", str(other), "export"]).stdout
    assert again == first
    rec = json.loads(first.splitlines()[0])
    assert set(rec) == {"id", "title", "source", "author", "date", "url", "lang", "tags", "ingested_at", "origin",
                        "source_hash", "paragraphs"}  # fmt: skip
    consistent(other)


def test_export_to_file_and_json(seeded, tmp_path):
    seeded("export", "-o", str(tmp_path / "out.jsonl"))
    assert json.loads((tmp_path / "out.jsonl").read_text())["id"] == "openai-co-leader-yan-leike-also"
    assert len(json.loads(seeded("export", "--format", "json").stdout)) == 1


def test_rebuild_gives_the_same_search_results(seeded, tmp_path):
    make_articles(tmp_path / "more", 20)
    seeded("ingest", str(tmp_path / "more"))
    queries = ["superalignment", "Leike", '"Jan Leike"', "item3x1", "paragraph OR headline"]
    before = [seeded.json("search", q, "--limit", "500")["hits"] for q in queries]
    seeded("rebuild")
    after = [seeded.json("search", q, "--limit", "500")["hits"] for q in queries]
    # the same hits with the same scores (ties may come in another order)
    strip = lambda hits: sorted((-round(h["score"], 3), h["article_id"], h["paragraph"]) for h in hits)  # noqa: E731
    assert list(map(strip, before)) == list(map(strip, after))
    generations = [p.name for p in seeded.index.iterdir() if p.name.startswith("whoosh.")]
    assert len(generations) == 1  # the old generation is gone


def test_interrupted_rebuild_leaves_old_index(seeded, monkeypatch):
    from archive.engine.whoosh.index import WhooshEngine

    def boom(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(WhooshEngine, "_docs", staticmethod(boom))
    with Archive.open(seeded.index) as ar, pytest.raises(KeyboardInterrupt):
        ar.rebuild()
    monkeypatch.undo()
    assert seeded.json("search", "superalignment")["total"] == 2
    consistent(seeded.index)


def test_concurrent_writers_all_succeed(tmp_path):
    index = tmp_path / "ix"
    groups = []
    for g in range(4):
        make_articles(tmp_path / f"g{g}", 6, prefix=f"writer{g}")
        groups.append(tmp_path / f"g{g}")
    procs = [subprocess.Popen([ARCHIVE, "--index", str(index), "ingest", str(d)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE) for d in groups]  # fmt: skip
    outs = [p.communicate(timeout=120) for p in procs]
    # (every writer's whole stderr, should one fail: a failure once seen could not be read, cut short)
    said = "\n".join(f"writer {i}: {o[1].decode(errors='replace')}" for i, o in enumerate(outs))
    assert [p.returncode for p in procs] == [0, 0, 0, 0], said
    with Archive.open(index) as ar:
        titles = [s.title for s in ar.list()]
    assert len(titles) == 24 and len(set(titles)) == 24
    consistent(index)


def test_writer_waits_for_the_lock_then_gives_up_clearly(seeded, seed):
    with write_lock(seeded.index / "write.lock"):
        r = subprocess.run([ARCHIVE, "--index", str(seeded.index), "ingest", str(seed), "--lock-timeout", "0.5"],
                           capture_output=True, text=True, timeout=60)  # fmt: skip
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert "waiting for another writer" in lines[0]
    assert "another process has been writing" in lines[-1] and "Traceback" not in r.stderr


def test_stale_lock_file_from_a_dead_process_is_no_obstacle(seeded, seed, tmp_path):
    (seeded.index / "write.lock").write_text("999999")
    make_articles(tmp_path / "x", 1)
    seeded("ingest", str(tmp_path / "x"), "--lock-timeout", "2")


@pytest.mark.parametrize("point", ["before-index", "after-index"])
def test_sigkill_at_a_commit_point_loses_nothing_acknowledged(seeded, tmp_path, point):
    make_articles(tmp_path / "new", 3, prefix="late")
    env = {**os.environ, "ARCHIVE_CRASH_AT": point}
    r = subprocess.run([ARCHIVE, "--index", str(seeded.index), "ingest", str(tmp_path / "new")], env=env,
                       capture_output=True, timeout=60)  # fmt: skip
    assert r.returncode == -signal.SIGKILL and b"added" not in r.stdout
    # the archive opens, the acknowledged article is intact, nothing is half-present
    assert seeded.json("search", "superalignment", "--article", "openai")["total"] == 2
    with Archive.open(seeded.index) as ar:
        assert [s.id for s in ar.list()] == ["openai-co-leader-yan-leike-also"]
        problems = ar.check()
    if point == "after-index":
        assert problems  # the index got ahead of the store: check says so
    r = seeded("check", code=None)
    assert (r.exit_code == 0) == (not problems)
    # the next writer repairs it by itself
    seeded("ingest", str(tmp_path / "new"))
    consistent(seeded.index)
    assert len(seeded.json("list")) == 4


def test_sigkill_mid_ingest_at_random_moments(tmp_path):
    index = tmp_path / "ix"
    make_articles(tmp_path / "big", 400, paragraphs=4)
    subprocess.run([ARCHIVE, "--index", str(index), "ingest", str(tmp_path / "big" / "story-0000.txt")], check=True)
    acknowledged: set[str] = set()
    for delay in (0.4, 0.9, 1.6):
        p = subprocess.Popen([ARCHIVE, "--index", str(index), "ingest", str(tmp_path / "big")],
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)  # fmt: skip
        time.sleep(delay)
        p.send_signal(signal.SIGKILL)
        out, _ = p.communicate(timeout=60)
        acknowledged |= {line.split()[1] for line in out.splitlines() if line.startswith(("added", "unchanged"))}
        with Archive.open(index) as ar:
            present = {s.id for s in ar.list()}
            assert acknowledged <= present
            for s in ar.list():  # no half article in the store
                assert s.paragraphs == 5 and len(ar.store.paragraphs(s.id)) == 5
    r = subprocess.run([ARCHIVE, "--index", str(index), "check"], capture_output=True, text=True)
    if r.returncode != 0:
        subprocess.run([ARCHIVE, "--index", str(index), "rebuild"], check=True, capture_output=True)
    consistent(index)


def test_newer_layout_is_refused_clearly(seeded):
    db = sqlite3.connect(seeded.index / "archive.db")
    db.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    db.commit()
    db.close()
    r = seeded("search", "superalignment", code=2)
    assert "newer archive (layout 99" in r.stderr and "upgrade" in r.stderr


def test_index_built_by_another_analysis_asks_for_rebuild(seeded):
    db = sqlite3.connect(seeded.index / "archive.db")
    db.execute("UPDATE meta SET value = 'whoosh/0' WHERE key = 'index_layout'")
    db.commit()
    db.close()
    r = seeded("search", "superalignment", code=2)
    assert "archive rebuild" in r.stderr
    stats = seeded("stats").stdout  # the store's counts still show, with what is wrong
    assert "articles    1" in stats and "index       damaged: " in stats
    seeded("rebuild")
    assert seeded.json("search", "superalignment")["total"] == 2


def test_hostile_inputs(run, tmp_path):
    huge_line = "word " * 250_000  # a 1.25 MB line
    write(tmp_path / "h" / "long-line.txt", "Long Line Story\n\n" + huge_line + "superalignment\n")
    write(tmp_path / "h" / "long-word.txt", "Long Word Story\n\n" + "x" * 100_000 + " superalignment /a/b/c,\n")
    write(tmp_path / "h" / "slashes.txt", "Slashes\n\n" + "a/" * 50_000 + ",\n,\n")
    (tmp_path / "h" / "nul.txt").write_bytes(b"Title\n\n\x00\x00 body")
    (tmp_path / "h" / "badutf8.txt").write_bytes(b"Bad \xff\xfe UTF-8 Story\n\nText with \xc3\x28 bytes.\n")
    write(tmp_path / "h" / "zw.txt", "Zero\u200bWidth Story\n\nsuper\u200balignment here\n")
    started = time.perf_counter()
    r = run("ingest", str(tmp_path / "h"), code=1)
    assert time.perf_counter() - started < 60
    assert "nul.txt: binary file" in r.stderr
    assert run.json("search", "superalignment")["total"] == 3
    run("search", " ".join(f"w{i}" for i in range(2000)), code=2)
    run("search", "a" * 20_000, code=2)
    run("search", "((((((((superalignment", code=0)
    run("check")


def test_max_size_option(run, seed):
    r = run("ingest", str(seed), "--max-size", "1", code=0)
    big = seed.parent / "big.txt"
    big.write_text("Big\n\n" + "x " * 600_000)
    r = run("ingest", str(big), "--max-size", "1", code=1)
    assert "over the 1,048,576-byte limit" in r.stderr


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts=st.lists(st.text(min_size=0, max_size=300), min_size=1, max_size=4))
def test_any_text_ingests_or_is_refused_and_archive_stays_consistent(tmp_path, texts):
    import tempfile

    index = Path(tempfile.mkdtemp(dir=tmp_path)) / "prop"
    with Archive.open(index, create=True) as ar:
        from archive.readers import read_bytes

        items = []
        for i, t in enumerate(texts):
            items.extend(read_bytes(t.encode("utf-8", "surrogatepass"), f"t{i}.txt"))
        for outcome in ar.ingest(items):
            assert isinstance(outcome, ReadError) or outcome.action in ("added", "updated", "unchanged")
        assert ar.check() == []
        for t in texts:
            words = t.split()
            if words:
                try:
                    ar.search(words[0][:50])
                except Exception as e:  # only a query error is acceptable, never a crash
                    from archive.errors import QueryError

                    assert isinstance(e, QueryError)
