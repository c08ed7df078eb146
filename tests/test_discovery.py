"""Discovery: facets, grouping, explain, related articles, synonyms, relative dates."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from .conftest import write

# Every test here runs on Whoosh and on OpenSearch (tests/conftest.py: engine).
pytestmark = pytest.mark.engines

SEED_ID = "openai-co-leader-yan-leike-also"


@pytest.fixture
def story(run, seed, tmp_path):
    """The seed plus three related articles and one unrelated."""
    today = date.today()
    write(tmp_path / "a.txt", "source: Wire\ndate: 2024-05-17\ntags: openai, safety\n\n"
          "Superalignment Team Disbanded at OpenAI\n\nOpenAI disbanded its superalignment safety team. "
          "Sutskever and Leike both left the company.\n\nThe team had been promised a fifth of compute.\n")
    write(tmp_path / "b.txt", "source: Daily\ndate: 2024-05-20\ntags: openai\n\nLeike Explains His Exit\n\n"
          "Jan Leike said safety culture took a back seat to shiny products at OpenAI.\n\n"
          "Leike wrote that superalignment research struggled for compute.\n\nHe called for more safety work.\n")
    write(tmp_path / "c.txt", f"source: Wire\ndate: {today - timedelta(days=3)}\ntags: anthropic\n\n"
          "Leike Joins Anthropic\n\nJan Leike joined Anthropic to continue superalignment work.\n")
    write(tmp_path / "d.txt", "source: Farm News\ndate: 2024-03-01\n\nWheat Prices Rise\n\n"
          "Wheat prices rose on strong export demand and a dry spring.\n")  # fmt: skip
    run("ingest", str(seed), str(tmp_path))
    return run


def test_facets_at_article_and_paragraph_level(story):
    out = story.json("search", "superalignment", "--facets", "source,date,kind,tag,lang")
    f = out["facets"]
    assert set(f) == {"source", "date", "kind", "tag", "lang"}
    src = {v["value"]: (v["articles"], v["paragraphs"]) for v in f["source"]}
    assert src == {"Wire": (2, 3), "Daily": (1, 1)}
    months = {v["value"]: v["articles"] for v in f["date"]}
    assert months["2024-05"] == 2
    assert {v["value"] for v in f["kind"]} == {"body", "title"}
    assert {v["value"]: v["articles"] for v in f["tag"]}["openai"] == 2
    assert f["lang"] == [{"value": "en", "articles": 4, "paragraphs": out["total"]}]
    text = story("search", "superalignment", "--facets", "source").stdout
    assert "source: Wire (2/3) · Daily (1/1)" in text
    story("search", "superalignment", "--facets", "colour", code=2)


def test_per_article_groups_paragraphs(story):
    out = story.json("search", "leike", "--per-article", "3")
    first = next(h for h in out["hits"] if h["article_id"] == SEED_ID)
    assert first["matched_paragraphs"] == 6 and len(first["paragraphs"]) == 2
    assert all("<mark>" in p["snippet"] for p in first["paragraphs"])
    assert len({h["article_id"] for h in out["hits"]}) == len(out["hits"]) == out["total"] == 4
    assert first["score"] >= first["paragraphs"][0]["score"] >= first["paragraphs"][1]["score"]


def test_explain_adds_up(story):
    out = story.json("search", "leike safety", "--explain")
    for h in out["hits"]:
        evidence, *parts = h["explain"]  # a passage's worth as evidence multiplies its match score
        assert evidence["field"] == "(evidence)" and 0 < evidence["factor"] <= 1 and "words" in evidence["term"]
        assert {p["field"] for p in parts} <= {"text", "title"}
        assert abs(sum(p["score"] for p in parts) - h["score"]) < 0.01
    text = story("search", "leike", "--explain", "-n", "1").stdout
    assert "score " in text and "text:leik" in text and "; (evidence) ×" in text


def test_related_finds_the_rest_of_the_story(story):
    out = story.json("related", SEED_ID)
    ids = [h["article_id"] for h in out["hits"]]
    assert SEED_ID not in ids and "wheat-prices-rise" not in ids[:3]
    assert set(ids[:3]) == {"superalignment-team-disbanded-at-openai", "leike-explains-his-exit", "leike-joins-anthropic"}
    para = story.json("related", SEED_ID, "--para", "8", "-n", "2")
    assert para["hits"][0]["article_id"] in ("leike-explains-his-exit", "leike-joins-anthropic")
    story("related", "nope", code=1)


def test_synonyms(story):
    story("search", '"Open AI"', code=1)
    r = story("synonyms", "add", "OpenAI", "Open AI")
    assert r.stdout.strip() == "open ai = openai"
    assert story.json("search", '"Open AI"', "--by-article")["total"] == 3
    assert story.json("search", "Open AI safety", "--by-article")["match"] == "all"
    story("synonyms", "add", "Yan Leike", "Jan Leike")
    hits = story.json("search", '"Yan Leike"', "--limit", "50")["hits"]
    assert any("<mark>Jan</mark> <mark>Leike</mark>" in h["snippet"] for h in hits)
    assert story.json("synonyms", "list") == [["open ai", "openai"], ["jan leike", "yan leike"]]
    story("synonyms", "remove", "open ai")
    story("search", '"Open AI"', code=1)
    story("synonyms", "remove", "nothing", code=2)


def test_synonyms_file(story, tmp_path):
    write(tmp_path / "syn.txt", "# names\nOpenAI, Open AI, 오픈AI\nAltman, 올트먼\n")
    assert story("synonyms", "load", str(tmp_path / "syn.txt")).stdout.strip() == "2 groups added"
    assert len(story.json("synonyms", "list")) == 2
    write(tmp_path / "bad.txt", "lonely\n")
    r = story("synonyms", "load", str(tmp_path / "bad.txt"), code=2)
    assert "bad.txt: line 1: a group needs at least two terms" in r.stderr


@pytest.mark.parametrize("since, expect", [("30d", {"leike-joins-anthropic"}), ("2024-05", None), ("2024", None)])
def test_relative_dates(story, since, expect):
    ids = {h["article_id"] for h in story.json("search", "leike", "--since", since, "--by-article")["hits"]}
    if expect is not None:
        assert ids == expect
    else:
        assert "leike-joins-anthropic" in ids and "leike-explains-his-exit" in ids
    assert story.json("search", "leike", "--until", "yesterday", "--since", "2024-05-18")["total"] >= 1


def test_pasted_sentence_finds_the_right_article(story):
    claim = "Jan Leike said OpenAI's safety culture took a back seat to shiny products."
    out = story.json("search", claim, "--by-article")
    assert out["match"] == "any" and out["hits"][0]["article_id"] == "leike-explains-his-exit"
