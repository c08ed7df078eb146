"""`archive ingest`: adding, re-adding, updating, metadata, and bad input."""

from __future__ import annotations

from .conftest import write
import pytest

# Every test here runs on Whoosh and on OpenSearch (tests/conftest.py: engine).
pytestmark = pytest.mark.engines


def test_ingest_seed_reports_and_stores_12_paragraphs(run, seed):
    r = run("ingest", str(seed))
    assert "added" in r.stdout and "openai-co-leader-yan-leike-also" in r.stdout and "(12 paragraphs)" in r.stdout
    assert r.stdout.strip().splitlines()[-1].startswith("1 added, 0 updated, 0 unchanged (12 paragraphs)")
    art = run.json("show", "openai-co-leader-yan-leike-also")
    assert [p["kind"] for p in art["paragraphs"]] == (
        ["title", "subtitle", "subtitle", "caption", "body", "body", "caption"] + ["body"] * 5)
    assert art["paragraphs"][3]["credit"] == "OpenAI"


def test_reingest_is_unchanged(seeded, seed):
    r = seeded("ingest", str(seed))
    assert r.stdout.startswith("unchanged")
    assert "0 added, 0 updated, 1 unchanged" in r.stdout
    assert len(seeded.json("list")) == 1
    assert seeded.json("search", "superalignment")["total"] == 2


def test_new_version_replaces_old_paragraphs(run, seed, tmp_path):
    url = "https://www.koreaherald.com/view.php?ud=20240518000001"
    run("ingest", str(seed), "--url", url)
    text = seed.read_text().replace("abruptly disbanded", "suddenly dissolved")
    v2 = write(tmp_path / "v2" / "story.txt", text)
    r = run("ingest", str(v2), "--url", url)
    seeded = run
    assert r.stdout.startswith("updated") and "openai-co-leader-yan-leike-also" in r.stdout
    assert len(seeded.json("list")) == 1
    assert seeded.json("search", "dissolved")["total"] == 1
    assert seeded("search", "abruptly", code=1)
    stats = seeded.json("stats")
    assert stats["paragraphs"] == 12
    seeded("check")


def test_a_shorter_new_version_leaves_no_old_paragraphs(run, tmp_path):
    long = "url: https://example.com/story\n\nA Story\n\n" + "\n\n".join(f"Paragraph {i} mentions quokka{i}." for i in range(1, 9))
    run("ingest", str(write(tmp_path / "v1" / "s.txt", long)))
    assert run.json("search", "quokka7")["total"] == 1
    short = "url: https://example.com/story\n\nA Story\n\nParagraph 1 mentions quokka1.\n"
    assert run("ingest", str(write(tmp_path / "v2" / "s.txt", short))).stdout.startswith("updated")
    assert run.json("search", "quokka7", code=1)["total"] == 0
    assert run.json("stats")["paragraphs"] == 2
    run("check")


def test_same_url_is_the_same_article(run, tmp_path):
    a = write(tmp_path / "a.txt", "url: https://ex.com/1\n\nFirst Headline\n\nOld body.\n")
    b = write(tmp_path / "b.txt", "url: https://ex.com/1\n\nCorrected Headline\n\nNew body.\n")
    run("ingest", str(a))
    r = run("ingest", str(b))
    assert r.stdout.startswith("updated")
    rows = run.json("list")
    assert [x["title"] for x in rows] == ["Corrected Headline"]


def test_two_articles_coexist_and_are_both_searchable(seeded, tmp_path):
    other = write(tmp_path / "other.txt",
                  "Anthropic Hires Former OpenAI Safety Lead\n\nJan Leike joined Anthropic to continue "
                  "superalignment research.\n")  # fmt: skip
    r = seeded("ingest", str(other))
    assert r.stdout.startswith("added")
    assert len(seeded.json("list")) == 2
    ids = {h["article_id"] for h in seeded.json("search", "superalignment")["hits"]}
    assert ids == {"openai-co-leader-yan-leike-also", "anthropic-hires-former-openai-safety"}
    assert seeded.json("search", "Anthropic")["hits"][0]["article_id"].startswith("anthropic")


def test_same_title_different_source_gets_its_own_id(run, tmp_path):
    a = write(tmp_path / "a.txt", "source: One\n\nSame Headline\n\nText one.\n")
    b = write(tmp_path / "b.txt", "source: Two\n\nSame Headline\n\nText two.\n")
    run("ingest", str(a), str(b))
    assert sorted(x["id"] for x in run.json("list")) == ["same-headline", "same-headline-2"]


def test_metadata_options(run, seed):
    run("ingest", str(seed), "--source", "Korea Herald", "--date", "May 18, 2024", "--url", "https://ex.com/x",
        "--author", "Kim", "--tag", "openai", "--tag", "safety", "--lang", "en")  # fmt: skip
    art = run.json("show", "openai")
    assert (art["source"], art["date"], art["url"], art["author"], art["lang"], art["tags"]) == (
        "Korea Herald", "2024-05-18", "https://ex.com/x", "Kim", "en", ["openai", "safety"])
    hit = run.json("search", "superalignment")["hits"][0]
    assert (hit["source"], hit["date"], hit["url"], hit["author"]) == (
        "Korea Herald", "2024-05-18", "https://ex.com/x", "Kim")


def test_bad_date_option_is_a_usage_error(run, seed):
    r = run("ingest", str(seed), "--date", "someday", code=2)
    assert "--date" in r.stderr and "someday" in r.stderr


def test_stdin(run, seed):
    r = run("ingest", "-", "--source", "Paste", input=seed.read_bytes())
    assert r.stdout.startswith("added")
    assert run.json("show", "openai")["origin"] == "<stdin>"


def test_directory_is_read_recursively(run, tmp_path):
    write(tmp_path / "d" / "a.txt", "Alpha Story\n\nAbout alpha.\n")
    write(tmp_path / "d" / "sub" / "b.txt", "Beta Story\n\nAbout beta.\n")
    write(tmp_path / "d" / ".hidden.txt", "Hidden\n\nNo.\n")
    write(tmp_path / "d" / "image.png", "not an article")
    run("ingest", str(tmp_path / "d"))
    assert sorted(x["title"] for x in run.json("list")) == ["Alpha Story", "Beta Story"]


def test_bad_inputs_are_reported_and_the_rest_goes_in(run, seed, tmp_path):
    empty = write(tmp_path / "bad" / "empty.txt", "")
    binary = tmp_path / "bad" / "blob.txt"
    binary.write_bytes(b"\x00\x01\x02\x03PK\x03\x04" * 20)
    emptydir = tmp_path / "nothing"
    emptydir.mkdir()
    r = run("ingest", str(tmp_path / "missing.txt"), str(empty), str(binary), str(emptydir), str(seed), code=1)
    err = r.stderr.strip().splitlines()
    assert len(err) == 4
    assert f"archive: {tmp_path / 'missing.txt'}: no such file or directory" in err
    assert f"archive: {empty}: empty file" in err
    assert any(line.startswith(f"archive: {binary}: binary file") for line in err)
    assert any(line.startswith(f"archive: {emptydir}: directory has no articles") for line in err)
    assert "Traceback" not in r.output
    assert "1 added" in r.stdout and "4 failed" in r.stdout
    assert run.json("search", "superalignment")["total"] == 2


def test_non_utf8_inputs_are_decoded(run, tmp_path):
    ko = write(tmp_path / "ko.txt", "오픈AI 안전팀 해체\n\n오픈AI가 초정렬 팀을 해체했다.\n", "cp949")
    l1 = write(tmp_path / "fr.txt", "Café Politique\n\nUn résumé naïf.\n", "latin-1")
    run("ingest", str(ko), str(l1))
    titles = sorted(x["title"] for x in run.json("list"))
    assert titles == ["Café Politique", "오픈AI 안전팀 해체"]
    assert run.json("search", "résumé")["total"] == 1


def test_failed_article_leaves_existing_archive_intact(seeded, tmp_path):
    bad = write(tmp_path / "bad.txt", ",\n,\n")
    seeded("ingest", str(bad), code=1)
    seeded("check")
    assert seeded.json("search", "superalignment")["total"] == 2


def test_ingest_json_formats(run, seed, tmp_path):
    bad = write(tmp_path / "e.txt", "")
    out = run.json("ingest", str(seed), str(bad), code=1)
    assert out["added"] == 1 and out["failed"] == 1
    assert {r["action"] for r in out["results"]} == {"added", "failed"}


def test_records_with_their_own_ids_are_never_merged_by_title(run, tmp_path):
    write(tmp_path / "r.jsonl", '{"id": "doc-1", "title": "Same Title", "text": "First text."}\n'
                                '{"id": "doc-2", "title": "Same Title", "text": "Second text."}\n')
    r = run("ingest", str(tmp_path / "r.jsonl"))
    assert "2 added" in r.stdout
    assert sorted(x["id"] for x in run.json("list")) == ["doc-1", "doc-2"]
