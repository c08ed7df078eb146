"""`show`, `list`, `stats`, `remove`, `check` and `rebuild`."""

from __future__ import annotations

import json

import pytest

from .conftest import golden, write

# Every test here runs on Whoosh and on OpenSearch (tests/conftest.py: engine).
pytestmark = pytest.mark.engines

SEED_ID = "openai-co-leader-yan-leike-also"


def _mask_times(text: str) -> str:
    import re

    return re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", "<time>", text).replace("\\", "/")


def test_show_golden(seeded, seed):
    out = seeded("show", SEED_ID).stdout
    golden("show_seed.txt", _mask_times(out.replace(str(seed), "<seed>")))


def test_show_para_golden(seeded, seed):
    out = seeded("show", "openai", "--para", "8").stdout
    golden("show_seed_para8.txt", _mask_times(out.replace(str(seed), "<seed>")))


def test_show_by_prefix_and_json(seeded):
    art = seeded.json("show", "openai-co")
    assert art["id"] == SEED_ID and len(art["paragraphs"]) == 12
    assert art["paragraphs"][6] == {"n": 7, "kind": "caption", "credit": "Yan Leike screenshot",
                                    "text": art["paragraphs"][6]["text"]}  # fmt: skip
    one = seeded.json("show", SEED_ID, "--para", "1", "--context", "0")
    assert [p["n"] for p in one["paragraphs"]] == [1]


def test_show_errors(seeded):
    r = seeded("show", "nope", code=1)
    assert r.stderr.startswith("archive: no article with id 'nope'")
    r = seeded("show", SEED_ID, "--para", "99", code=2)
    assert "has 12 paragraphs" in r.stderr


def test_ambiguous_prefix(seeded, tmp_path):
    write(tmp_path / "x.txt", "OpenAI Another Story\n\nText.\n")
    seeded("ingest", str(tmp_path / "x.txt"))
    r = seeded("show", "openai", code=1)
    assert "matches several articles" in r.stderr and SEED_ID in r.stderr


def test_list(seeded, tmp_path):
    write(tmp_path / "x.txt", "date: 2024-05-20\nsource: Wire\n\nLater Story\n\nText.\n")
    seeded("ingest", str(tmp_path / "x.txt"))
    rows = seeded.json("list")
    assert [r["id"] for r in rows] == ["later-story", SEED_ID]  # newest first, undated last
    assert rows[0] == {"id": "later-story", "date": "2024-05-20", "source": "Wire", "title": "Later Story",
                       "paragraphs": 2, "lang": rows[0]["lang"], "ingested_at": rows[0]["ingested_at"]}  # fmt: skip
    text = seeded("list").stdout
    assert text.splitlines()[0].split() == ["ID", "DATE", "SOURCE", "PARAS", "TITLE"]
    assert "2 articles" in text


def test_stats(seeded):
    s = seeded.json("stats")
    assert (s["articles"], s["paragraphs"]) == (1, 12)
    assert s["kinds"] == {"body": 7, "subtitle": 2, "caption": 2, "title": 1}
    assert s["index_bytes"] > 0 and s["store_bytes"] > 0
    assert "paragraphs  12" in seeded("stats").stdout


def test_remove(seeded, tmp_path):
    write(tmp_path / "x.txt", "Other Story\n\nSuperalignment again.\n")
    seeded("ingest", str(tmp_path / "x.txt"))
    r = seeded("remove", SEED_ID)
    assert r.stdout.startswith(f"removed   {SEED_ID}")
    assert [h["article_id"] for h in seeded.json("search", "superalignment")["hits"]] == ["other-story"]
    assert [x["id"] for x in seeded.json("list")] == ["other-story"]
    seeded("check")
    seeded("remove", SEED_ID, code=1)


@pytest.mark.whoosh_only  # deletes Whoosh segment files; OpenSearch: tests/test_opensearch.py
def test_check_and_rebuild_repair_a_damaged_index(seeded):
    seeded("check")
    generation = (seeded.index / "whoosh").resolve()
    segments = [f for f in generation.iterdir() if f.suffix not in (".toc", ".lock")]
    assert segments
    for f in segments:  # a deliberately removed index segment
        f.unlink()
    r = seeded("check", code=1)
    assert "is damaged" in r.stderr and "archive rebuild" in r.stderr
    r = seeded("search", "superalignment", code=2)
    assert "archive rebuild" in r.stderr and "Traceback" not in r.output
    assert "articles    1" in seeded("stats").stdout  # the store's counts still show
    r = seeded("rebuild", code=None)
    assert r.exit_code == 0, r.output
    assert "from 1 article" in r.stdout
    seeded("check")
    assert seeded.json("search", "superalignment")["total"] == 2


def test_check_finds_missing_and_orphaned_paragraphs(seeded):
    from archive.archive import Archive

    with Archive.open(seeded.index) as ar:
        ar.engine.apply([], [SEED_ID])  # index loses the article, store keeps it
    r = seeded("check", code=1)
    assert "12 paragraphs of 1 articles are missing from the index" in r.stderr
    assert "archive rebuild" in r.stderr
    seeded("rebuild")
    with Archive.open(seeded.index) as ar:
        with ar.store.transaction():
            ar.store.delete(SEED_ID)  # store loses it, index keeps it
    r = seeded("check", code=1)
    assert "belong to no stored article" in r.stderr


def test_optimize_merges_segments_and_keeps_results(seeded, tmp_path):
    for i in range(3):  # three ingests, three commits
        write(tmp_path / f"x{i}.txt", f"Extra Story {i}\n\nSuperalignment note number {i}.\n")
        seeded("ingest", str(tmp_path / f"x{i}.txt"))
    assert seeded.json("stats")["segments"] > 1
    before = seeded.json("search", "superalignment", "--limit", "50")["hits"]
    r = seeded("optimize")
    assert r.stdout.startswith("merged ") and " into 1 in " in r.stdout
    assert seeded.json("stats")["segments"] == 1
    after = seeded.json("search", "superalignment", "--limit", "50")["hits"]
    assert sorted((h["article_id"], h["paragraph"]) for h in before) == sorted((h["article_id"], h["paragraph"]) for h in after)
    seeded("check")


@pytest.mark.whoosh_only
def test_init_makes_an_empty_whoosh_archive_once(run, seed):
    assert "made a Whoosh archive" in run("init").stdout
    assert run.json("stats")["articles"] == 0
    r = run("init", code=2)
    assert "already an archive" in r.stderr
    run("ingest", str(seed))
    assert run.json("stats")["engine"] == "whoosh"


@pytest.mark.whoosh_only
@pytest.mark.parametrize("args, message", [
    (["--engine", "opensearch", "--name", "Bad Name"], "--name 'Bad Name'"),
    (["--engine", "opensearch", "--url", "localhost:9200"], "--url 'localhost:9200'"),
    (["--engine", "solr"], "Invalid value for '--engine'"),
])  # fmt: skip
def test_init_rejects_bad_settings_in_one_line(run, args, message):
    r = run("init", *args, code=2)
    assert message in r.stderr and "Traceback" not in r.output
    assert not (run.index / "archive.json").exists()


def test_init_whoosh_ignores_an_opensearch_engine_in_the_environment(tmp_path, monkeypatch):
    """`archive init --engine whoosh` makes a Whoosh archive whatever ARCHIVE_ENGINE says (it
    went init → open → init and tried to reach a cluster)."""
    from click.testing import CliRunner

    from archive.cli import cli

    monkeypatch.setenv("ARCHIVE_ENGINE", "opensearch")
    monkeypatch.setenv("ARCHIVE_URL", "http://127.0.0.1:9")  # nothing listens there
    r = CliRunner().invoke(cli, ["--index", str(tmp_path / "ix"), "init", "--engine", "whoosh"], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    assert (tmp_path / "ix" / "archive.db").exists() and not (tmp_path / "ix" / "archive.json").exists()
    r = CliRunner().invoke(cli, ["--index", str(tmp_path / "ix"), "stats", "--format", "json"], catch_exceptions=False)
    assert json.loads(r.stdout)["engine"] == "whoosh"


def test_engines_come_from_the_registry():
    """Every registered engine has a Backend with the lifecycle the archive uses, imported only
    when asked for; the CLI offers exactly the registered engines."""
    import subprocess
    import sys

    from archive.engine import ENGINES, backend_class
    from archive.cli import init

    assert set(ENGINES) == {"whoosh", "opensearch"}
    for name in ENGINES:
        cls = backend_class(name)
        assert cls.name == name
        for method in ("create", "open", "rebuild", "set_memory", "describe", "stats", "close"):
            assert callable(getattr(cls, method)), (name, method)
    engine_option = next(p for p in init.params if p.name == "engine")
    assert list(engine_option.type.choices) == list(ENGINES)
    code = "import sys, archive.cli, archive.archive; print('opensearchpy' in sys.modules, 'whoosh' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.split() == ["False",
                                                                                                            "False"]
