"""`archive search` on the seed and on small articles the tests write."""

from __future__ import annotations

import pytest

from .conftest import write

# Every test here runs on Whoosh and on OpenSearch (tests/conftest.py: engine).
pytestmark = pytest.mark.engines

SEED_ID = "openai-co-leader-yan-leike-also"


def test_superalignment_finds_paragraphs_5_and_6_highlighted(seeded):
    out = seeded.json("search", "superalignment")
    assert out["total"] == 2
    assert [h["paragraph"] for h in out["hits"]] == [5, 6]
    for h in out["hits"]:
        assert "‘<mark>Superalignment</mark>’" in h["snippet"]
        assert h["kind"] == "body" and h["article_id"] == SEED_ID


def test_phrase_jan_leike_finds_paragraph_8(seeded):
    out = seeded.json("search", '"Jan Leike"')
    assert [h["paragraph"] for h in out["hits"]] == [8]
    assert "<mark>Jan</mark> <mark>Leike</mark>" in out["hits"][0]["snippet"]


def test_leike_ranks_the_passage_that_says_what_happened_first(seeded):
    hits = seeded.json("search", "Leike")["hits"]
    # evidence over fragments (archive.ranking): what Leike said, not the headline
    assert hits[0]["paragraph"] == 9 and hits[0]["kind"] == "body" and hits[0]["text"].startswith("Leike continued")
    assert {h["paragraph"] for h in hits} == {1, 2, 7, 8, 9, 10}


def test_every_hit_shows_a_highlighted_match(seeded):
    for q in ["OpenAI", "safety team", "Altman", "resign", "research"]:
        for h in seeded.json("search", q, "--limit", "50")["hits"]:
            assert "<mark>" in h["snippet"], (q, h)


def test_stemming_marks_the_word_as_written(seeded):
    hits = seeded.json("search", "resign")["hits"]
    marked = {s.split("<mark>")[1].split("</mark>")[0] for s in (h["snippet"] for h in hits)}
    assert marked == {"Resigns", "resigns", "resigning", "resignation"}


def test_all_words_must_match(seeded):
    out = seeded.json("search", "superalignment July")
    assert (out["total"], out["match"]) == (1, "all")
    # nothing has every word: the paragraphs with most of them, and the output says so
    out = seeded.json("search", "superalignment banana")
    assert out["match"] == "any" and [h["paragraph"] for h in out["hits"]] == [5, 6]
    r = seeded("search", "superalignment banana")
    assert r.stdout.startswith("No paragraph has all of the words; showing those with the most of them.")
    seeded("search", "zebra banana", code=1)


def test_long_queries_rank_by_most_words(seeded):
    claim = "OpenAI disbanded the superalignment safety team after Leike resigned"
    out = seeded.json("search", claim, "--by-article")
    assert out["match"] == "any" and out["total"] == 1
    hits = seeded.json("search", claim)["hits"]
    assert hits[0]["paragraph"] in (5, 6, 7)


def test_or_not_and_grouping(seeded):
    assert seeded.json("search", "superalignment OR Brockman")["total"] == 3
    assert [h["paragraph"] for h in seeded.json("search", "superalignment NOT WIRED")["hits"]] == [5]
    assert [h["paragraph"] for h in seeded.json("search", "superalignment -WIRED")["hits"]] == [5]
    assert seeded.json("search", "(Brockman OR Schulman) governance")["total"] == 1


def test_field_queries(seeded):
    assert {h["paragraph"] for h in seeded.json("search", "kind:caption")["hits"]} == {4, 7}
    assert seeded.json("search", "leike kind:subtitle")["hits"][0]["paragraph"] == 2
    assert seeded.json("search", "title:resigns superalignment")["total"] == 2
    seeded("search", "title:superalignment", code=1)


def test_fuzzy_lets_yan_reach_jan(seeded):
    plain = {h["paragraph"] for h in seeded.json("search", "Yan Leike")["hits"]}
    assert 8 not in plain
    fuzzy = seeded.json("search", "Yan~ Leike", "--limit", "20")["hits"]
    p8 = [h for h in fuzzy if h["paragraph"] == 8]
    assert p8 and "<mark>Jan</mark> <mark>Leike</mark>" in p8[0]["snippet"]


def test_a_swapped_pair_of_letters_is_one_edit_on_every_engine(seeded):
    """`Lieke~1` reaches Leike: two neighbouring letters swapped count as one edit (optimal
    string alignment), on Whoosh and on OpenSearch alike (OpenSearch counted two)."""
    hits = seeded.json("search", "Lieke~1", "--limit", "20")["hits"]
    leike = [h for h in hits if "<mark>Leike</mark>" in h["snippet"]]
    assert {h["paragraph"] for h in leike} == {1, 2, 7, 8, 9, 10}
    seeded("search", "Lieker~1", code=1)  # (a swap and an insertion: two edits, and no other word within one)


def test_wildcard(seeded):
    hits = seeded.json("search", "superalign*")["hits"]
    assert [h["paragraph"] for h in hits] == [5, 6]
    assert "<mark>Superalignment</mark>" in hits[0]["snippet"]
    assert seeded.json("search", "superalignment*")["total"] == 2


def test_curly_quotes_are_not_part_of_words(seeded):
    assert seeded.json("search", "doomsayers")["hits"][0]["paragraph"] == 5
    assert seeded.json("search", "‘Superalignment’")["total"] == 2


@pytest.mark.parametrize("query", ["title:", "kind:banana", "date:[2024-05-09 TO 2024-05-01]", "NOT openai", "*",
                                   "date:notadate"])  # fmt: skip
def test_bad_queries_exit_2_with_one_line(seeded, query):
    r = seeded("search", query, code=2)
    assert r.stderr.startswith("archive: ") and len(r.stderr.strip().splitlines()) == 1
    assert "Traceback" not in r.output


def test_pasted_punctuation_is_just_text(seeded):
    for q in ["Leike: safety?", "OpenAI’s (safety) team!", "20% compute", "co-leader", 'unbalanced "quote', "a (b"]:
        r = seeded("search", q, code=None)
        assert r.exit_code in (0, 1), (q, r.output)


def test_no_hits_exits_1(seeded):
    r = seeded("search", "zebra", code=1)
    assert "No hits" in r.stdout


def test_did_you_mean(seeded):
    out = seeded.json("search", "superalignmnt", code=1)
    assert out["total"] == 0 and out["suggestion"] == "superalignment"
    r = seeded("search", "Superalignmnt team")  # "team" alone matches: shown, with the better spelling
    assert r.stdout.startswith("Did you mean: Superalignment team?")
    assert seeded.json("search", "Superalignmnt team")["suggestion"] == "Superalignment team"
    assert seeded.json("search", "superalignment")["suggestion"] is None


def test_json_contract(seeded):
    out = seeded.json("search", "superalignment")
    assert set(out) == {"query", "match", "ranking", "total", "total_exact", "took_ms", "page", "limit", "suggestion",
                        "hits"}
    assert out["ranking"] == "words"
    assert (out["query"], out["page"], out["limit"]) == ("superalignment", 1, 10)
    h = out["hits"][0]
    assert set(h) == {"rank", "score", "article_id", "paragraph", "kind", "title", "source", "author", "date", "url",
                      "text", "snippet", "matched"}  # fmt: skip
    assert h["rank"] == 1 and h["date"] is None and h["matched"] == "words" and h["text"].startswith("One of the co-founders")


def test_snippet_is_html_escaped(run, tmp_path):
    write(tmp_path / "a.txt", "Tags & Markup\n\nThe <b>bold</b> claim & the superalignment plan.\n")
    run("ingest", str(tmp_path / "a.txt"))
    snip = run.json("search", "superalignment")["hits"][0]["snippet"]
    assert snip == "The &lt;b&gt;bold&lt;/b&gt; claim &amp; the <mark>superalignment</mark> plan."


def test_jsonl_one_hit_per_line(seeded):
    import json

    lines = seeded("search", "Leike", "--format", "jsonl").stdout.strip().splitlines()
    assert len(lines) == 6 and [json.loads(x)["rank"] for x in lines] == [1, 2, 3, 4, 5, 6]


def test_text_output_piped_uses_visible_marker_and_no_colour(seeded):
    r = seeded("search", "superalignment")
    assert "‘**Superalignment**’" in r.stdout and "\x1b[" not in r.stdout
    assert "¶5 body" in r.stdout and SEED_ID in r.stdout
    assert r.stdout.strip().splitlines()[-1].startswith("2 hits for 'superalignment' in ")


def test_colour_always_and_no_color(seeded, monkeypatch):
    r = seeded.runner.invoke(__import__("archive.cli").cli.cli,
                             ["--index", str(seeded.index), "--color", "always", "search", "superalignment"])
    assert "\x1b[1;33mSuperalignment\x1b[0m" in r.stdout
    monkeypatch.setenv("NO_COLOR", "1")
    r = seeded("search", "superalignment")
    assert "\x1b[" not in r.stdout


def test_limit_and_page(seeded):
    p1 = seeded.json("search", "Leike", "--limit", "4")
    p2 = seeded.json("search", "Leike", "--limit", "4", "--page", "2")
    assert p1["total"] == p2["total"] == 6
    assert [h["rank"] for h in p2["hits"]] == [5, 6]
    assert not {h["paragraph"] for h in p1["hits"]} & {h["paragraph"] for h in p2["hits"]}
    r = seeded("search", "Leike", "--limit", "4", "--page", "3", code=1)
    assert "page 3" in r.stdout


def test_context(seeded):
    h = seeded.json("search", '"Jan Leike"', "--context", "1")["hits"][0]
    assert [p["n"] for p in h["context"]] == [7, 9]
    r = seeded("search", '"Jan Leike"', "-C", "1")
    assert "¶7 " in r.stdout and "¶9 " in r.stdout


@pytest.fixture
def three(run, tmp_path):
    write(tmp_path / "a.txt", "source: Wire\ndate: 2024-05-17\n\nSafety Team Disbanded\n\nThe safety team is gone. "
                              "Safety was the point.\n\nAnother safety paragraph.\n")
    write(tmp_path / "b.txt", "source: Daily\ndate: 2024-05-20\n\nLeike Speaks\n\nHe spoke about safety.\n")
    write(tmp_path / "c.txt", "source: Wire\ndate: 2023-11-20\n\nBoard Fires Altman\n\nSafety concerns cited.\n")
    run("ingest", str(tmp_path / "a.txt"), str(tmp_path / "b.txt"), str(tmp_path / "c.txt"))
    return run


def test_source_and_date_filters(three):
    assert {h["source"] for h in three.json("search", "safety", "--source", "wire")["hits"]} == {"Wire"}
    assert {h["date"] for h in three.json("search", "safety", "--since", "2024-05-18")["hits"]} == {"2024-05-20"}
    assert {h["date"] for h in three.json("search", "safety", "--until", "2023")["hits"]} == {"2023-11-20"}
    assert {h["date"] for h in three.json("search", "safety date:2024-05")["hits"]} == {"2024-05-17", "2024-05-20"}
    assert three.json("search", "safety date:[2024-05-18 TO *]")["total"] == 1
    assert three.json("search", "source:daily")["total"] == 2
    three("search", "safety", "--since", "whenever", code=2)


def test_sort_by_date(three):
    dates = [h["date"] for h in three.json("search", "safety", "--sort", "date")["hits"]]
    assert dates == sorted(dates, reverse=True)


def test_article_and_kind_filters(three):
    hits = three.json("search", "safety", "--article", "safety-team")["hits"]
    assert {h["article_id"] for h in hits} == {"safety-team-disbanded"}
    assert {h["kind"] for h in three.json("search", "safety", "--kind", "title")["hits"]} == {"title"}
    r = three("search", "safety", "--article", "nope", code=1)
    assert "no article with id 'nope'" in r.stderr


def test_by_article(three):
    out = three.json("search", "safety", "--by-article")
    assert out["total"] == 3
    first = out["hits"][0]
    assert first["article_id"] == "safety-team-disbanded" and first["matched_paragraphs"] == 3
    assert len({h["article_id"] for h in out["hits"]}) == 3
    r = three("search", "safety", "--by-article")
    assert "3 matching paragraphs" in r.stdout and "3 articles for 'safety'" in r.stdout


def test_default_command_is_search(seeded):
    r = seeded("superalignment")
    assert "**Superalignment**" in r.stdout
    r = seeded("Jan", "Leike", "--format", "json")
    assert '"total"' in r.stdout


@pytest.mark.whoosh_only  # OpenSearch: tests/test_opensearch.py
def test_no_archive_says_how_to_make_one(run):
    r = run("search", "anything", code=2)
    assert r.stderr.startswith("archive: no archive at") and " ingest FILES" in r.stderr


def test_index_from_environment(seed, tmp_path, monkeypatch):
    from click.testing import CliRunner

    from archive.cli import cli

    monkeypatch.setenv("ARCHIVE_INDEX", str(tmp_path / "envix"))
    assert CliRunner().invoke(cli, ["ingest", str(seed)]).exit_code == 0
    assert (tmp_path / "envix" / "archive.db").exists()
    assert CliRunner().invoke(cli, ["search", "superalignment"]).exit_code == 0


def test_total_is_counted_up_to_a_cap(run, tmp_path, monkeypatch):
    import archive.search

    lines = [f'{{"id": "a{i}", "title": "Story {i}", "text": "common word here. item{i}"}}' for i in range(80)]
    write(tmp_path / "many.jsonl", "\n".join(lines))
    run("ingest", str(tmp_path / "many.jsonl"))
    out = run.json("search", "common", "--limit", "5")
    assert (out["total"], out["total_exact"]) == (80, True)
    monkeypatch.setattr(archive.search, "COUNT_UP_TO", 10)
    out = run.json("search", "common", "--limit", "5")
    # counted up to the cap, or up to the passages read anyway to weigh them as evidence
    assert out["total_exact"] is False and 10 <= out["total"] <= archive.search.EVIDENCE_POOL
    assert f"1–5 of {out['total']}+ hits" in run("search", "common", "--limit", "5").stdout


def test_empty_archive_searches_cleanly(run, tmp_path):
    write(tmp_path / "a.txt", "Only Story\n\nSome text.\n")
    run("ingest", str(tmp_path / "a.txt"))
    run("remove", "only-story")
    for args in (["leike"], ["leike", "--by-article"], ["leike", "--facets", "source"], ["leike", "--per-article", "2"]):
        r = run("search", *args, code=1)
        assert "No hits" in r.stdout


def test_search_output_golden(seeded):
    """What a user reads for the README's first search, the same on every engine."""
    import re

    from .conftest import golden

    out = seeded("search", "superalignment").stdout + seeded("search", '"Jan Leike"', "--by-article").stdout
    golden("search_seed.txt", re.sub(r" in [\d.]+ ms", " in N ms", out))


def test_facets_when_the_first_articles_have_no_source(seeded, tmp_path):
    """The seed has no source; an article added after it has one. (Whoosh's multi-segment
    column reader counted documents wrongly when a segment had no value for the column.)"""
    seeded("ingest", str(write(tmp_path / "s.txt", "source: Wire\n\nAnthropic Hires Jan Leike\n\n"
                                                    "Jan Leike joins Anthropic to continue superalignment research.\n")))  # fmt: skip
    facets = seeded.json("search", "superalignment", "--facets", "source,kind")["facets"]
    assert facets["source"] == [{"value": "Wire", "articles": 1, "paragraphs": 1}]
    assert sum(f["paragraphs"] for f in facets["kind"]) == 3


def test_a_question_mark_before_a_trailing_star_is_a_wildcard_on_both_engines(seeded):
    """`super?lign*`: one unknown letter, then anything. (Whoosh's prefix fast path took the
    `?` as a letter and found nothing; OpenSearch found the superalignment paragraphs.)"""
    hits = seeded.json("search", "super?lign*")["hits"]
    assert [(h["paragraph"]) for h in hits] == [5, 6]
