"""What is new since you last looked: saved searches (`archive watch`) and the filter on when
articles were added (`--added-since`), on every engine."""

from __future__ import annotations

import json

import pytest

from .conftest import Run
from .test_web import story

pytestmark = pytest.mark.engines


def test_a_watch_shows_what_was_added_since_it_was_last_shown(run, seed, tmp_path, engine):
    run("ingest", str(seed))
    assert run("watch", "add", "leike", "leike", "--by-article").stdout == "watching leike: leike\n"
    first = run.json("watch")  # never shown: every hit
    assert [(n["name"], n["since"], n["total"]) for n in first] == [("leike", None, 1)]
    r = run("watch", code=1)  # nothing new: exit 1, for cron
    assert r.stdout.startswith("leike: nothing new since ")
    run("ingest", str(story(tmp_path)))
    news = run.json("watch", "leike")[0]
    assert news["since"] == first[0]["shown_at"] and news["total"] == 3
    assert {h["article_id"] for h in news["hits"]} == {"leike-joins-anthropic", "leike-explains-his-exit",
                                                      "superalignment-team-disbanded-at-openai"}  # fmt: skip
    run("watch", "leike", code=1)
    assert run.json("watch", "leike", "--all")[0]["total"] == 4
    listed = run.json("watch", "list")
    assert [(w["name"], w["query"], w["options"]) for w in listed] == [("leike", "leike", {"by_article": True})]
    assert listed[0]["last_shown"] >= news["shown_at"]
    run("watch", "remove", "leike")
    assert run("watch", "list").stdout == "No watches yet (archive watch add NAME QUERY).\n"


def test_watches_keep_their_filters_and_refuse_what_cannot_run(run, seed, tmp_path, engine):
    run("ingest", str(seed), str(story(tmp_path)))
    run("watch", "add", "wire", "superalignment", "--source", "Wire")
    assert run.json("watch", "wire")[0]["total"] == 3
    for args, says in [(["watch", "add", "bad name", "x"], "watch name 'bad name'"),
                       (["watch", "add", "wire", "x"], "there is already a watch named 'wire'"),
                       (["watch", "add", "odd", "date:[2024-06 TO 2024-05]"], "date range starts after it ends"),
                       (["watch", "add", "odd", "x", "--added-since", "2d"], "leave out --added-since"),
                       (["watch", "nosuch"], "no watch named 'nosuch'"),
                       (["watch", "remove", "nosuch"], "no watch named 'nosuch'")]:  # fmt: skip
        r = run(*args, code=None)
        assert r.exit_code in (1, 2) and says in r.stderr, (args, r.stderr)
        assert len(r.stderr.strip().splitlines()) == 1


def test_watches_travel_with_export_and_import(run, seed, tmp_path, engine):
    run("ingest", str(seed))
    run("watch", "add", "team", '"safety team"', "--sort", "date")
    run("watch", "team")
    exported = run("export").stdout
    settings = json.loads(exported.splitlines()[0])["archive"]
    assert [(w["name"], w["query"], w["options"]) for w in settings["watches"]] == [("team", '"safety team"', {"sort": "date"})]
    other = Run(tmp_path / "other")
    other("import", "-", input=exported)
    assert other.json("watch", "list") == run.json("watch", "list")
    assert other("export").stdout == exported


def test_added_since_filters_by_when_articles_came_in(run, seed, tmp_path, engine):
    run("ingest", str(seed))
    assert run.json("search", "leike", "--added-since", "1h", "--by-article")["total"] == 1
    run("search", "leike", "--added-until", "2000-01-01", code=1)
    assert run.json("search", "leike", "--added-since", "2000", "--added-until", "2999-12-31T23:59:59Z",
                    "--by-article")["total"] == 1  # fmt: skip
    r = run("search", "leike", "--added-since", "2024-06", "--added-until", "2024-05", code=2)
    assert "--added-since/--added-until: the window starts after it ends" in r.stderr
    r = run("search", "leike", "--added-since", "soonish", code=2)
    assert r.stderr.startswith("archive: --added-since/--added-until:")
    assert run.json("timeline", "superalignment", "--added-since", "1d")["articles"] == 1
