"""How a story grew: `archive timeline` (bars per period, empty periods kept, the first and
the latest article) and `archive search --first`, on every engine."""

from __future__ import annotations

import json

import pytest

from .conftest import GOLDEN, write
from .test_web import story


@pytest.fixture
def told(run, seed, tmp_path, monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")
    run("ingest", str(seed), str(story(tmp_path)))
    return run


@pytest.mark.engines
def test_timeline_draws_a_bar_a_day_with_the_gaps_and_names_the_first_and_latest(told, engine):
    out = told("timeline", "superalignment").stdout
    assert out == (GOLDEN / "timeline_story.txt").read_text(encoding="utf-8")


@pytest.mark.engines
def test_timeline_as_json_and_csv(told, engine):
    d = told.json("timeline", "superalignment")
    assert (d["unit"], d["articles"], d["undated"], len(d["periods"])) == ("day", 4, 1, 12)
    assert [p["articles"] for p in d["periods"]] == [1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1]
    assert d["periods"][0] == {"start": "2024-05-17", "end": "2024-05-17", "label": "17 May 2024", "articles": 1,
                               "paragraphs": 2}  # fmt: skip
    assert d["first"]["article_id"] == "superalignment-team-disbanded-at-openai"
    assert d["latest"]["article_id"] == "leike-joins-anthropic"
    csv = told("timeline", "superalignment", "--by", "week", "--format", "csv").stdout
    assert csv.splitlines() == ["start,end,label,articles,paragraphs",
                                "2024-05-13,2024-05-19,week of 13 May 2024,1,2",
                                "2024-05-20,2024-05-26,week of 20 May 2024,1,1",
                                "2024-05-27,2024-06-02,week of 27 May 2024,1,1"]  # fmt: skip


@pytest.mark.engines
def test_timeline_filters_apply_and_nothing_matching_is_exit_1(told, engine):
    d = told.json("timeline", "leike", "--source", "Wire", "--by", "month")
    assert (d["unit"], d["articles"], [p["articles"] for p in d["periods"]]) == ("month", 2, [2])
    r = told("timeline", "zzzqx", code=1)
    assert r.stdout == "No articles match 'zzzqx'.\n"
    r = told("timeline", "superalignment", "--since", "2024-06", code=1)
    assert told.json("timeline", "superalignment", "--since", "2024-06", code=1)["periods"] == []


def test_timeline_refuses_a_unit_that_would_draw_too_many_bars(run, tmp_path):
    write(tmp_path / "old.txt", "date: 1901-01-01\n\nAn Old Report\n\nThe comet was seen.\n")
    write(tmp_path / "new.txt", "date: 2024-01-01\n\nA New Report\n\nThe comet was seen again.\n")
    run("ingest", str(tmp_path / "old.txt"), str(tmp_path / "new.txt"))
    r = run("timeline", "comet", "--by", "day", code=2)
    assert r.stderr.startswith("archive: --by: a bar a day from 1901-01-01 to 2024-01-01 would be 44,926 bars")
    assert len(r.stderr.strip().splitlines()) == 1
    assert json.loads(run("timeline", "comet", "--format", "json").stdout)["unit"] == "year"


@pytest.mark.engines
def test_search_first_finds_who_reported_it_first(told, engine):
    hits = told.json("search", "leike", "--first", "--by-article")["hits"]
    assert [h["date"] for h in hits] == ["2024-05-17", "2024-05-20", "2024-05-28"]  # the undated seed is left out
    assert told.json("search", "leike", "--sort", "oldest", "--by-article")["hits"] == hits
    newest = told.json("search", "leike", "--sort", "date", "--by-article")["hits"]
    assert [h["date"] for h in newest][:3] == ["2024-05-28", "2024-05-20", "2024-05-17"]


def test_a_story_without_dates_says_so(seeded):
    assert seeded("timeline", "superalignment").stdout == "1 article matches 'superalignment', not dated.\n"
    d = seeded.json("timeline", "superalignment")
    assert (d["articles"], d["undated"], d["periods"], d["first"]) == (1, 1, [], None)


@pytest.mark.engines
def test_newest_first_when_the_undated_articles_came_in_a_write_of_their_own(run, seed, tmp_path, engine):
    """Whoosh's reversed sort failed ("b'' is not in list") when a segment held no dated
    paragraph: the seed (undated) ingested alone, then a dated story."""
    run("ingest", str(seed))
    run("ingest", str(write(tmp_path / "a.txt", "date: 2024-05-20\n\nLeike Story\n\nJan Leike left OpenAI.\n")))
    d = run.json("search", "Leike", "--sort", "date", "--by-article")
    assert [h["article_id"] for h in d["hits"]] == ["leike-story", "openai-co-leader-yan-leike-also"]
    assert run.json("timeline", "Leike")["latest"]["article_id"] == "leike-story"
