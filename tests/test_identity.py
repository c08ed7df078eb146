"""What makes two articles the same (archive.identity), versions, exact removal, `archive set`.

Each case is one a user hit while a story grew (issue: an archive that never merges,
duplicates or deletes the wrong article); every test runs on Whoosh and on OpenSearch.
"""

from __future__ import annotations

import json
import sqlite3

import pytest

from .conftest import SEED, Run, golden, write

pytestmark = pytest.mark.engines
SEED_ID = "openai-co-leader-yan-leike-also"


def _feed(items: list[tuple[str, str, str, str]]) -> str:
    entries = "".join(
        f"<item><title>{t}</title><link>{link}</link><pubDate>{date}</pubDate>"
        f"<description>{body}</description></item>" for t, link, date, body in items)  # fmt: skip
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>AI Daily</title>'
            f"<link>https://ai-daily.example/</link>{entries}</channel></rss>")  # fmt: skip


def test_recurring_headlines_in_a_feed_are_different_articles(run, tmp_path):
    feed = write(tmp_path / "feed.xml", _feed([
        ("Morning Briefing", "https://ai-daily.example/2024/05/17/briefing", "Fri, 17 May 2024 06:00:00 GMT",
         "Jakub Pachocki becomes OpenAI's chief scientist."),
        ("Morning Briefing", "https://ai-daily.example/2024/05/18/briefing", "Sat, 18 May 2024 06:00:00 GMT",
         "Jan Leike says safety culture took a backseat."),
    ]))  # fmt: skip
    r = run.json("ingest", str(feed))
    assert (r["added"], r["updated"]) == (2, 0)
    rows = run.json("list")
    assert sorted(x["date"] for x in rows) == ["2024-05-17", "2024-05-18"]
    assert run.json("search", "Pachocki")["total"] == 1 and run.json("search", "backseat")["total"] == 1
    assert run.json("ingest", str(feed))["unchanged"] == 2 and len(run.json("list")) == 2


def test_same_title_and_source_on_other_days_are_different_articles(run, tmp_path):
    a = write(tmp_path / "a" / "newsletter.txt", "The Week in AI\n\nJakub Pachocki was named chief scientist.\n")
    b = write(tmp_path / "b" / "newsletter.txt", "The Week in AI\n\nAnthropic hired Jan Leike.\n")
    run("ingest", str(a), "--source", "AI Newsletter", "--date", "2024-05-17")
    r = run("ingest", str(b), "--source", "AI Newsletter", "--date", "2024-05-24")
    assert r.stdout.startswith("added") and "same headline" not in r.stdout
    assert len(run.json("list")) == 2
    assert run.json("search", "Pachocki")["total"] == 1


def test_same_headline_source_and_date_without_url_keeps_both_and_says_so(run, tmp_path):
    a = write(tmp_path / "a.txt", "Letters\n\nThe superalignment team deserved better.\n")
    b = write(tmp_path / "b.txt", "Letters\n\nOpenAI's board owes readers an answer.\n")
    run("ingest", str(a), "--source", "The Paper", "--date", "2024-05-20")
    r = run("ingest", str(b), "--source", "The Paper", "--date", "2024-05-20")
    assert r.stdout.startswith("added") and "letters-2" in r.stdout
    assert "(another article has the same headline: letters)" in r.stdout
    assert run.json("ingest", str(b))["unchanged"] == 1
    assert sorted(x["id"] for x in run.json("list")) == ["letters", "letters-2"]


def test_same_bytes_with_or_without_flags_is_one_article(run, tmp_path):
    story = write(tmp_path / "story" / "01.txt", "Ilya Sutskever, OpenAI's co-founder, leaves\n\nHe is leaving after "
                                                 "almost a decade, he said on Tuesday.\n")  # fmt: skip
    run("ingest", str(story), "--source", "The Verge")
    r = run("ingest", str(tmp_path / "story"))
    assert r.stdout.startswith("unchanged")
    assert [x["source"] for x in run.json("list")] == ["The Verge"]
    assert run.json("search", "decade")["total"] == 1


def test_flags_that_change_metadata_update_it_never_duplicate(run, seed):
    run("ingest", str(seed))
    r = run("ingest", str(seed), "--source", "Korea Herald", "--date", "2024-05-18")
    assert r.stdout.startswith("updated") and f"{SEED_ID}" in r.stdout and "(metadata)" in r.stdout
    assert "0 added, 1 updated" in r.stdout
    rows = run.json("list")
    assert [(x["id"], x["source"], x["date"]) for x in rows] == [(SEED_ID, "Korea Herald", "2024-05-18")]
    assert run.json("search", "superalignment")["total"] == 2
    versions = run.json("show", SEED_ID, "--versions")["versions"]
    assert [v["change"] for v in versions] == ["added", "metadata"]
    out = run.json("ingest", str(seed), "--source", "Korea Herald")
    assert out["unchanged"] == 1 and out["results"][0]["change"] is None
    run("check")


def test_an_update_merges_metadata_instead_of_dropping_it(run, seed):
    run("ingest", str(seed), "--author", "Kim Hae-yeon", "--tag", "openai", "--tag", "safety")
    r = run("ingest", str(seed), "--url", "https://www.koreaherald.com/view.php?ud=1")
    assert "(metadata)" in r.stdout
    art = run.json("show", SEED_ID)
    assert art["author"] == "Kim Hae-yeon" and art["tags"] == ["openai", "safety"]
    assert art["url"] == "https://www.koreaherald.com/view.php?ud=1"


def test_same_url_with_changed_text_is_a_new_version(run, seed, tmp_path):
    url = "https://www.koreaherald.com/view.php?ud=20240518000001"
    run("ingest", str(seed), "--url", url)
    text = seed.read_text().replace("abruptly disbanded", "suddenly dissolved")
    v2 = write(tmp_path / "v2" / "story.txt", text)
    # the same page, reached with a tracking parameter and a fragment
    r = run("ingest", str(v2), "--url", "https://koreaherald.com/view.php?ud=20240518000001&utm_source=x#top")
    assert r.stdout.startswith("updated") and "(metadata)" not in r.stdout
    assert len(run.json("list")) == 1
    assert run("search", "abruptly", code=1)  # search covers the current version only
    assert run.json("search", "dissolved")["total"] == 1
    versions = run.json("show", SEED_ID, "--versions")["versions"]
    assert [(v["version"], v["change"], v["current"]) for v in versions] == [(1, "added", False), (2, "text", True)]
    assert versions[0]["until"] == versions[1]["from"]
    old = run.json("show", SEED_ID, "--version", "1")
    assert old["version"] == 1 and old["versions"] == 2
    assert any("abruptly disbanded" in p["text"] for p in old["paragraphs"])
    assert "version 1 of 2" in run("show", SEED_ID, "--version", "1").stdout
    again = run("ingest", str(seed), "--url", url)  # the first version's bytes again: not a new version
    assert again.stdout.startswith("unchanged") and "the bytes of its version 1" in again.stdout
    assert len(run.json("show", SEED_ID, "--versions")["versions"]) == 2
    r = run("show", SEED_ID, "--version", "3", code=1)
    assert "has no version 3" in r.stderr
    d = run.json("diff", SEED_ID)
    assert (d["from_version"], d["to_version"]) == (1, 2) and d["metadata"][0]["field"] == "url"
    [changed] = d["paragraphs"]
    assert changed["change"] == "changed" and changed["old"] == changed["new"] == 5
    assert ["-", "abruptly disbanded"] in changed["words"] and ["+", "suddenly dissolved"] in changed["words"]
    run("check")


def test_diff_output_is_golden(run, tmp_path):
    v1 = ("url: https://example.com/leike\n\nLeike Resigns From OpenAI\n\nJan Leike, who led the superalignment team, "
          "resigned on Wednesday.\n\nHe said safety had taken a backseat to shiny products.\n\n"
          "OpenAI did not comment.\n")  # fmt: skip
    v2 = ("url: https://example.com/leike\ndate: 2024-05-17\n\nLeike Resigns From OpenAI\n\nJan Leike, who co-led "
          "the superalignment team, resigned on Wednesday night.\n\nHe said safety had taken a backseat to shiny "
          "products.\n\nSam Altman said he was sad to see him leave.\n")  # fmt: skip
    run("ingest", str(write(tmp_path / "v1" / "leike.txt", v1)))
    run("ingest", str(write(tmp_path / "v2" / "leike.txt", v2)))
    golden("diff_versions.txt", run("diff", "leike-resigns-from-openai").stdout)
    assert run("diff", "leike-resigns-from-openai", "2", "2").stdout.endswith("no differences\n")
    run("ingest", str(write(tmp_path / "other.txt", "Another Story\n\nIts body.\n")))
    assert run("diff", "another-story").stdout == "another-story has one version: it has not changed since it was first read\n"
    assert "has no version 7" in run("diff", "leike-resigns-from-openai", "1", "7", code=1).stderr


def test_remove_twice_never_removes_another_article(run, tmp_path):
    body = "Ilya Sutskever, OpenAI's co-founder, leaves\n\n"
    run("ingest", str(write(tmp_path / "a.txt", body + "The first report.\n")))
    run("ingest", str(write(tmp_path / "b.txt", body + "A second, different report.\n")))
    ids = sorted(x["id"] for x in run.json("list"))
    assert ids == ["ilya-sutskever-openai-s-co-founder", "ilya-sutskever-openai-s-co-founder-2"]
    run("remove", "ilya-sutskever-openai-s-co-founder")
    r = run("remove", "ilya-sutskever-openai-s-co-founder", code=1)
    assert "no article with id 'ilya-sutskever-openai-s-co-founder'" in r.stderr and len(r.stderr.splitlines()) == 1
    assert [x["id"] for x in run.json("list")] == ["ilya-sutskever-openai-s-co-founder-2"]
    r = run("remove", "ilya-sutskever", code=1)  # a prefix is not an id
    assert "it is the start of 'ilya-sutskever-openai-s-co-founder-2'" in r.stderr
    r = run("remove", "ilya-sutskever", "nosuch", "--prefix", code=1)  # nothing goes unless every id is found
    assert len(run.json("list")) == 1
    dry = run("remove", "ilya-sutskever", "--prefix", "--dry-run")
    assert dry.stdout.startswith("would remove ilya-sutskever-openai-s-co-founder-2")
    assert len(run.json("list")) == 1
    assert run("remove", "ilya-sutskever", "--prefix").stdout.startswith("removed")
    assert run.json("list") == []
    run("check")


def test_set_corrects_metadata_in_store_and_index(run, seed):
    run("ingest", str(seed), "--tag", "misc")
    r = run("set", SEED_ID, "--date", "May 18, 2024", "--source", "Korea Herald", "--tag", "OpenAI", "--untag", "MISC")
    assert r.stdout.startswith("updated") and "(metadata)" in r.stdout
    art = run.json("show", SEED_ID)
    assert (art["date"], art["source"], art["tags"]) == ("2024-05-18", "Korea Herald", ["OpenAI"])
    assert run.json("search", "superalignment", "--source", "Korea Herald")["total"] == 2
    assert run.json("search", "superalignment", "--since", "2024-05-18")["total"] == 2
    assert run.json("search", "tag:openai")["total"] == 12
    assert run.json("search", "superalignment tag:misc", code=1)["total"] == 0
    assert run("set", SEED_ID, "--source", "Korea Herald").stdout.startswith("unchanged")
    run("set", SEED_ID, "--source", "")
    assert run.json("show", SEED_ID)["source"] is None
    versions = run.json("show", SEED_ID, "--versions")["versions"]
    assert [v["change"] for v in versions] == ["added", "metadata", "metadata"]
    d = run.json("diff", SEED_ID, "1", "2")
    assert {m["field"] for m in d["metadata"]} == {"date", "source", "tags"} and d["paragraphs"] == []
    r = run("set", SEED_ID, "--title", "Leike Also Resigns")
    assert run.json("show", SEED_ID)["paragraphs"][0]["text"] == "Leike Also Resigns"
    assert run.json("search", "title:resigns")["hits"][0]["title"] == "Leike Also Resigns"
    run("check")


def test_set_refuses_what_it_cannot_do(run, seed):
    run("ingest", str(seed))
    r = run("set", SEED_ID, "--date", "someday", code=2)
    assert "'someday' is not a date" in r.stderr and len(r.stderr.splitlines()) == 1
    r = run("set", "openai", "--source", "X", code=1)  # a write takes a full id
    assert "it is the start of" in r.stderr
    assert run("set", "openai", "--prefix", "--source", "X").stdout.startswith("updated")
    r = run("set", SEED_ID, code=2)
    assert "say what to change" in r.stderr
    r = run("set", SEED_ID, "--title", "", code=2)
    assert "title cannot be empty" in r.stderr


def test_tags_are_split_and_compared_without_case(run, tmp_path):
    records = [
        {"id": "a1", "title": "Anthropic hires Leike", "text": "Jan Leike joins Anthropic.",
         "tags": "Anthropic;OpenAI;AI safety"},
        {"id": "a2", "title": "OpenAI disbands team", "text": "The superalignment team is gone.",
         "tags": ["openai", " AI Safety "]},
    ]  # fmt: skip
    run("ingest", str(write(tmp_path / "x.jsonl", "\n".join(json.dumps(r) for r in records) + "\n")))
    assert run.json("show", "a1")["tags"] == ["Anthropic", "OpenAI", "AI safety"]
    assert run.json("show", "a2")["tags"] == ["OpenAI", "AI safety"]  # the first-seen spelling
    facets = run.json("search", "tag:openai", "--facets", "tag", "--by-article")["facets"]["tag"]
    assert {f["value"]: f["articles"] for f in facets} == {"OpenAI": 2, "AI safety": 2, "Anthropic": 1}
    assert run.json("search", 'tag:"ai safety"', "--by-article")["total"] == 2


def test_versions_travel_with_export_import_migrate_and_rebuild(run, seed, tmp_path, engine, request):
    url = "https://www.koreaherald.com/view.php?ud=20240518000001"
    run("ingest", str(seed), "--url", url)
    run("ingest", str(write(tmp_path / "v2.txt", seed.read_text().replace("abruptly", "suddenly"))), "--url", url)
    run("set", SEED_ID, "--date", "2024-05-18")
    before = run.json("show", SEED_ID, "--versions")["versions"]
    assert len(before) == 3
    exported = run("export").stdout
    assert json.loads(exported)["versions"][0]["change"] == "text"
    other = Run(tmp_path / "other")
    other("import", "-", input=exported)
    assert other.json("show", SEED_ID, "--versions")["versions"] == before
    assert other("export").stdout == exported
    assert other("import", "-", input=exported).stdout.startswith("unchanged")
    copy = Run(tmp_path / "copy", engine, run.url)
    copy("init") if engine == "whoosh" else copy.make()
    try:
        run("migrate", "--to", str(copy.index))
        assert copy.json("show", SEED_ID, "--versions")["versions"] == before
        assert "abruptly" in copy("diff", SEED_ID, "1", "2").stdout
    finally:
        copy.drop()
    run("rebuild")
    assert run.json("show", SEED_ID, "--versions")["versions"] == before
    assert run("search", "abruptly", code=1) and run.json("search", "suddenly")["total"] == 1
    run("check")


@pytest.mark.whoosh_only  # the layout of the SQLite store (OpenSearch records: test_opensearch.py)
def test_an_archive_from_the_previous_release_is_migrated(run, tmp_path, engine):
    """A store in layout 3 (the release before identity keys and versions), made by hand."""
    ix = tmp_path / "old"
    ix.mkdir()
    db = sqlite3.connect(ix / "archive.db")
    db.executescript(OLD_SCHEMA)
    db.execute("INSERT INTO meta VALUES ('schema_version', '3'), ('created_at', '2024-05-01T00:00:00Z')")
    db.execute("INSERT INTO articles VALUES ('leike', 'Leike Resigns', 'leike resigns', 'Wired', NULL, '2024-05-17',"
               " 'https://wired.example/leike', 'en', '[\"OpenAI\"]', '2024-05-17T10:00:00Z', '2024-05-17T10:00:00Z',"
               " 'x', NULL, 'leike.txt', 2)")  # fmt: skip
    db.executemany("INSERT INTO paragraphs VALUES ('leike', ?, ?, ?, NULL)",
                   [(1, "title", "Leike Resigns"), (2, "body", "Jan Leike led the superalignment team.")])
    db.commit()
    db.close()
    old = Run(ix)
    old("rebuild")  # the index is derived: the store is what must survive
    assert old.json("search", "superalignment")["total"] == 1
    assert old.json("show", "leike")["tags"] == ["OpenAI"]
    assert sqlite3.connect(ix / "archive.db").execute("SELECT value FROM meta WHERE key = 'schema_version'"
                                                      ).fetchone()[0] == "6"  # (through every layout since)  # fmt: skip
    # identity keys were filled in: the same page again is that article, a new version of it
    r = old("ingest", str(write(tmp_path / "new.txt", "url: https://wired.example/leike/\n\nLeike Resigns\n\n"
                                                       "Jan Leike led the superalignment team until Tuesday.\n")))  # fmt: skip
    assert r.stdout.startswith("updated  ") and " leike " in r.stdout
    assert old.json("show", "leike", "--versions")["versions"][0]["title"] == "Leike Resigns"
    assert old.json("ingest", str(tmp_path / "new.txt"))["unchanged"] == 1
    old("check")


OLD_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE articles (
    id TEXT PRIMARY KEY, title TEXT NOT NULL, title_key TEXT NOT NULL,
    source TEXT, author TEXT, date TEXT, url TEXT, lang TEXT,
    tags TEXT NOT NULL DEFAULT '[]', ingested_at TEXT NOT NULL, updated_at TEXT NOT NULL,
    content_hash TEXT NOT NULL, source_hash TEXT, origin TEXT, paragraph_count INTEGER NOT NULL);
CREATE INDEX articles_url ON articles(url);
CREATE INDEX articles_title ON articles(title_key, source);
CREATE TABLE paragraphs (
    article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE, n INTEGER NOT NULL,
    kind TEXT NOT NULL, text TEXT NOT NULL, credit TEXT, PRIMARY KEY (article_id, n)) WITHOUT ROWID;
CREATE TABLE words (word TEXT PRIMARY KEY, count INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE spell (variant TEXT NOT NULL, word TEXT NOT NULL, PRIMARY KEY (variant, word)) WITHOUT ROWID;
CREATE TABLE synonyms (term TEXT PRIMARY KEY, grp INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE vectors (
    article_id TEXT PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
    model TEXT NOT NULL, vector BLOB NOT NULL) WITHOUT ROWID;
"""


def test_identity_rules_unit():
    from archive.identity import clean_tags, url_key

    assert url_key("https://www.Example.com/a/b/?utm_source=x&id=3#top") == url_key("http://example.com/a/b?id=3")
    assert url_key("https://example.com/a?id=3") != url_key("https://example.com/a?id=4")
    assert url_key("https://example.com:8080/a") != url_key("https://example.com/a")
    assert url_key("http://[::1") == "http://[::1"  # unparseable: compared as written
    assert clean_tags(["Anthropic;OpenAI|AI safety", "openai", "  ", "#News"]) == ["Anthropic", "OpenAI", "AI safety",
                                                                                   "News"]  # fmt: skip
    assert SEED.exists()


def test_an_opensearch_archive_from_the_previous_release_is_upgraded(run, seed, tmp_path, engine):
    """Records written before the identity fields existed get them at the first write."""
    if engine != "opensearch":
        pytest.skip("the records' layout on OpenSearch (the SQLite store: the test above)")
    from archive.engine.opensearch.cluster import Cluster, ClusterConfig

    url = "https://www.koreaherald.com/view.php?ud=1"
    run("ingest", str(seed), "--url", url, "--tag", "OpenAI")
    cluster = Cluster(ClusterConfig(run.url, run.name))
    try:  # back to the previous layout: no identity fields, no tag spellings, no layout mark
        cluster.client.update_by_query(index=cluster.articles, refresh=True, body={"script": {
            "source": "ctx._source.remove('url_key'); ctx._source.remove('text_key'); ctx._source.remove('hash_key');"
                      " ctx._source.remove('versions')"}})  # fmt: skip
        cluster.client.delete_by_query(index=cluster.meta, refresh=True, body={"query": {"terms": {
            "_id": ["meta:store_layout", "tag:openai"]}}})  # fmt: skip
    finally:
        cluster.close()
    assert run.json("search", "superalignment")["total"] == 2
    v2 = write(tmp_path / "v2.txt", seed.read_text().replace("abruptly", "suddenly"))
    r = run("ingest", str(v2), "--url", url + "&utm_medium=email", "--tag", "openai")
    assert r.stdout.startswith("updated") and SEED_ID in r.stdout
    assert run.json("show", SEED_ID)["tags"] == ["OpenAI"]
    assert run.json("ingest", str(v2))["unchanged"] == 1  # the same bytes, found by their hash
    assert [x["id"] for x in run.json("list")] == [SEED_ID]


@pytest.mark.whoosh_only
def test_remove_by_prefix_at_a_terminal_asks_first(run, seed, engine):
    """At a terminal, a prefix is offered: the article it names is removed only after a yes."""
    import os
    import pty
    import subprocess

    run("ingest", str(seed))

    def answer(reply: bytes) -> tuple[int, str]:
        master, slave = pty.openpty()
        proc = subprocess.Popen(["archive", "--index", str(run.index), "remove", "openai-co"], stdin=slave,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env={**os.environ, "ARCHIVE_SEMANTIC": "off"})  # fmt: skip
        os.close(slave)
        os.write(master, reply)
        out, err = proc.communicate(timeout=60)
        os.close(master)
        return proc.returncode, out + err

    code, out = answer(b"n\n")
    assert code == 1 and f"remove {SEED_ID}" in out and "nothing removed" in out
    assert len(run.json("list")) == 1
    code, out = answer(b"y\n")
    assert code == 0 and f"removed   {SEED_ID}" in out
    assert run.json("list") == []


@pytest.mark.parametrize("title, slug", [
    ("OpenAI Co-Leader Yan Leike Also Resigns", "openai-co-leader-yan-leike-also"),
    ("Café Société: naïve résumé", "cafe-societe-naive-resume"),
    ("Straße nach Köln", "strasse-nach-koln"),
    ('오픈AI "초정렬" 안전팀 해체… 레이케도 떠났다', "오픈ai-초정렬-안전팀-해체-레이케도"),  # (40 columns at most)
    ("オープンAI、安全研究チームを解散", "オープンai-安全研究チームを解散"),
    ("安全研究チーム「スーパーアライメント」を解散する方針を固めた", "安全研究チーム-スーパーアライメント"),
    ("スーパーアライメントチームを解散する方針を固めたと発表", "スーパーアライメントチームを解散する方針"),
    ("Москва сегодня", "москва-сегодня"),
    ("🙂 !!!", ""),
])  # fmt: skip
def test_an_id_is_the_headline_in_its_own_script(title, slug):
    """A Korean or Japanese headline's id was once its Latin letters alone (`ai`, `ai-2`,
    `article`); now its words in their own script, Latin letters without accents."""
    from archive.identity import _GIVEN_ID, slugify

    assert slugify(title) == slug
    assert len(slug) + sum(ord(c) >= 0x1100 for c in slug) <= 40  # (these wide ones count two columns)
    assert not slug or _GIVEN_ID.match(slug)  # (an export's ids are taken back as given)


@pytest.mark.engines
def test_a_korean_article_is_shown_by_its_id_and_a_prefix_of_it(run, tmp_path, engine):
    path = write(tmp_path / "ko.txt", "오픈AI 안전팀 해체\n\n오픈AI가 초정렬 안전팀을 해체했다고 17일 밝혔다. 팀을 이끌던 레이케도 회사를 떠났다.\n")
    out = run("ingest", str(path)).stdout
    assert out.startswith("added     오픈ai-안전팀-해체  ")
    assert run.json("show", "오픈ai-안전팀-해체")["title"] == "오픈AI 안전팀 해체"
    assert run.json("show", "오픈ai-안전")["id"] == "오픈ai-안전팀-해체"
    hits = run.json("search", "안전팀")["hits"]
    assert hits and hits[0]["article_id"] == "오픈ai-안전팀-해체"
