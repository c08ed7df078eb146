"""Copies (issue 17): the same story republished under other addresses, recognised at ingest
(and not the other stories of the same day), folded under the passage in a search, listed by
`archive copies`, kept right when articles are updated or removed, on every engine."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archive import copies as cp
from archive.model import Article, Paragraph

from .conftest import SEED, golden, write

SEED_ID = "openai-co-leader-yan-leike-also"


def seed_body() -> list[str]:
    """The seed's body paragraphs as the text reader makes them (real scraped text)."""
    from archive.readers import read_all

    (article,) = read_all(SEED.read_bytes(), str(SEED))
    return [p.text for p in article.paragraphs if p.kind == "body"]


def syndicated(tmp_path: Path) -> Path:
    """The seed's story as two sites republished it, and two other stories of the same days."""
    body = seed_body()
    d = tmp_path / "syndicated"
    # a wire copy as Markdown: a new headline, boilerplate, a word edited, the last paragraph cut
    edited = [body[0].replace("has decided to leave", "decided to leave")] + body[1:-1]
    write(d / "yahoo.md", "---\ntitle: \"OpenAI's Leike quits, says safety 'took a backseat'\"\nsource: Yahoo News\n"
          "date: 2024-05-19\nurl: https://news.yahoo.example/leike-quits\n---\n\n"
          "Sign up for our morning newsletter and get the day's top stories.\n\n" + "\n\n".join(edited)
          + "\n\nCopyright 2024. All rights reserved.\n")  # fmt: skip
    # a saved page: menus around it, two paragraphs rejoined, the last two cut
    joined = body[:2] + [body[2] + " " + body[3]] + body[4:-2]
    paras = "\n".join(f"<p>{p}</p>" for p in joined)
    write(d / "msn.html", f"""<!doctype html><html><head><title>Leike resigns from OpenAI | MSN</title>
<meta property="og:site_name" content="MSN"><meta property="article:published_time" content="2024-05-20">
<link rel="canonical" href="https://www.msn.example/leike-resigns"></head><body>
<nav><a href="/">Home</a> <a href="/news">News</a> <a href="/money">Money</a></nav>
<article><h1>Leike resigns from OpenAI, citing safety</h1>{paras}</article>
<footer>© 2024 Microsoft. Privacy. Terms of use.</footer></body></html>""")
    # other stories of the same days, on the same subject (hard negatives)
    write(d / "other.txt", "source: Wire\ndate: 2024-05-18\nurl: https://wire.example/altman-responds\n\n"
          "Altman Responds to Safety Criticism\n\n"
          "Sam Altman said OpenAI would publish more about its safety work after Jan Leike resigned.\n\n"
          "Altman and Greg Brockman wrote a long post on X about the company's approach to AGI.\n\n"
          "Critics said the statement did not explain why the superalignment team was disbanded.\n\n"
          "OpenAI said John Schulman would lead alignment research across the company.\n")  # fmt: skip
    write(d / "daily.txt", "source: Daily\ndate: 2024-05-19\nurl: https://daily.example/safety-culture\n\n"
          "Inside OpenAI's Safety Exodus\n\n"
          "Former employees describe a company where safety researchers fought for computing power.\n\n"
          "The superalignment team had been promised a fifth of OpenAI's compute, people said.\n\n"
          "Several researchers left in the months after Sam Altman returned as chief executive.\n\n"
          "OpenAI did not respond to questions about the team's budget.\n")  # fmt: skip
    return d


@pytest.fixture
def story(run, seed, tmp_path, monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")
    run("ingest", str(seed))
    time.sleep(1.05)  # (added a second later than the seed, as a story grows: the seed is the first)
    out = run("ingest", str(syndicated(tmp_path))).stdout
    run.ingest_output = out
    return run


def _line(out: str, name: str) -> str:
    return next(line for line in out.splitlines() if name in line)


@pytest.mark.engines
def test_copies_are_recognised_at_ingest_and_other_stories_of_the_day_are_not(story, engine):
    out = story.ingest_output
    yahoo = _line(out, "openai-s-leike-quits")
    assert yahoo.startswith("added") and f"(copy of {SEED_ID}, " in yahoo and yahoo.endswith("% the same)")
    assert int(yahoo.rsplit(", ", 1)[1].split("%")[0]) >= 80
    assert f"(copy of {SEED_ID}, " in _line(out, "leike-resigns-from-openai")
    assert "copy of" not in _line(out, "altman-responds") and "copy of" not in _line(out, "inside-openai-s")
    d = story.json("show", "openai-s-leike-quits")
    assert d["copy_of"] == SEED_ID and 0.8 <= d["similarity"] <= 1
    seed = story.json("show", SEED_ID)
    assert "copy_of" not in seed and sorted(seed["copies"]) == ["leike-resigns-from-openai-citing-safety", "openai-s-leike-quits-says-safety"]
    assert "copy of  " not in story("show", "openai-s-leike-quits").stdout
    assert f"copy of {SEED_ID} (" in story("show", "openai-s-leike-quits").stdout


@pytest.mark.engines
def test_a_search_shows_each_passage_once_with_its_copies_folded_under_it(story, engine):
    out = story("search", "Superalignment team reassigned").stdout
    assert out.count("**reassigned**") == 1
    assert out.endswith("1 hit (+2 copies) for 'Superalignment team reassigned' in " + out.rsplit(" in ", 1)[1])
    assert out.startswith(" 1. OpenAI Co-Leader Yan Leike Also Resigns\n")  # the passage as first published
    folded = next(line for line in out.splitlines() if line.startswith("    +2 copies: "))
    assert set(folded.removeprefix("    +2 copies: ").split(", ")) == {"Yahoo News", "MSN"}
    d = story.json("search", "Superalignment team reassigned")
    top = d["hits"][0]
    assert top["article_id"] == SEED_ID and len(top["copies"]) == 2
    assert {c["article_id"] for c in top["copies"]} | {top["article_id"]} == {
        SEED_ID, "openai-s-leike-quits-says-safety", "leike-resigns-from-openai-citing-safety"}
    for c in top["copies"]:
        assert set(c) >= {"article_id", "source", "url", "similarity"} and 0 < c["similarity"] <= 1
    every = story.json("search", "Superalignment team reassigned", "--all-copies")
    assert len(every["hits"]) == len(d["hits"]) + 2 and all("copies" not in h for h in every["hits"])
    assert every["total"] == d["total"] == 3  # (paragraphs that match, copies included)
    assert story("search", "-c", "Superalignment team reassigned").stdout.strip() == str(d["total"])


@pytest.mark.engines
def test_by_article_counts_a_story_once(story, engine):
    once = story.json("search", "Leike", "--by-article", "-n", "50")
    ids = [h["article_id"] for h in once["hits"]]
    group = {SEED_ID, "openai-s-leike-quits-says-safety", "leike-resigns-from-openai-citing-safety"}
    assert group & set(ids) == {SEED_ID} and "altman-responds-to-safety-criticism" in ids
    assert {c["source"] for c in once["hits"][ids.index(SEED_ID)]["copies"]} == {"Yahoo News", "MSN"}
    every = story.json("search", "Leike", "--by-article", "-n", "50", "--all-copies")
    assert group <= {h["article_id"] for h in every["hits"]}
    assert once["total"] == every["total"] - 2


@pytest.mark.engines
def test_archive_copies_lists_the_groups(story, engine, tmp_path):
    out = story("copies").stdout
    golden("copies_story.txt", out.replace(story.json("show", SEED_ID)["ingested_at"][:10], "ADDED"))
    assert story("copies", "openai-s-leike").stdout == out  # the group of a copy is its original's
    d = story.json("copies")
    assert len(d) == 1 and d[0]["original"]["article_id"] == SEED_ID
    assert [c["source"] for c in d[0]["copies"]] == ["Yahoo News", "MSN"]
    r = story("copies", "altman-responds", code=1)
    assert r.stdout == "altman-responds-to-safety-criticism has no copies in the archive.\n"
    r = story("copies", "nosuch", code=1)
    assert r.stderr.startswith("archive: no article with id 'nosuch'")


@pytest.mark.engines
def test_removing_the_original_hands_the_group_to_the_earliest_copy(story, engine):
    story("remove", SEED_ID)
    d = story.json("copies")
    assert len(d) == 1
    assert d[0]["original"]["article_id"] == "openai-s-leike-quits-says-safety"
    assert [c["article_id"] for c in d[0]["copies"]] == ["leike-resigns-from-openai-citing-safety"]
    story("remove", "openai-s-leike-quits-says-safety")
    story("copies", code=1)
    assert "copy_of" not in story.json("show", "leike-resigns-from-openai")


@pytest.mark.engines
def test_a_new_version_is_decided_again(story, engine, tmp_path):
    """The Yahoo page is replaced by another story at the same address: no longer a copy."""
    write(tmp_path / "v2" / "yahoo.md", "---\ntitle: Markets rally\nsource: Yahoo News\ndate: 2024-05-21\n"
          "url: https://news.yahoo.example/leike-quits\n---\n\n" + "\n\n".join(
              f"Stocks rose for the {n} day as investors weighed earnings from retailers and chip makers." * 2
              for n in ("first", "second", "third", "fourth")) + "\n")  # fmt: skip
    out = story("ingest", str(tmp_path / "v2")).stdout
    assert out.startswith("updated") and "copy of" not in out
    assert "copy_of" not in story.json("show", "openai-s-leike-quits")
    assert [c["article_id"] for c in story.json("copies")[0]["copies"]] == ["leike-resigns-from-openai-citing-safety"]


@pytest.mark.engines
def test_copies_survive_rebuild_and_export_import(story, engine, tmp_path):
    before = story.json("copies")
    story("rebuild")
    assert story.json("copies") == before
    export = tmp_path / "all.jsonl"
    export.write_text(story("export").stdout, encoding="utf-8")
    from .conftest import Run

    fresh = Run(tmp_path / "ix2")
    fresh("import", str(export))
    after = fresh.json("copies")
    strip = lambda groups: [[(m["article_id"], m.get("similarity")) for m in [g["original"]] + g["copies"]]  # noqa: E731
                            for g in groups]  # fmt: skip
    assert strip(after) == strip(before)
    dest = Run(tmp_path / "ix3")
    dest("init")
    story("migrate", "--to", str(tmp_path / "ix3"))  # (into a Whoosh archive, from either engine)
    assert strip(dest.json("copies")) == strip(before)


@pytest.mark.engines
def test_the_timeline_counts_a_story_once(story, engine):
    d = story.json("timeline", "Leike")
    every = story.json("search", "Leike", "--by-article", "-n", "50", "--all-copies")
    assert d["articles"] == every["total"] - 2  # the seed and its two copies are one article


def test_an_archive_made_before_copies_finds_them_at_its_next_write(run, seed, tmp_path):
    run("ingest", str(seed), str(syndicated(tmp_path)))
    db = sqlite3.connect(tmp_path / "ix" / "archive.db")
    db.executescript("DROP TABLE copies; DROP TABLE copy_bands; UPDATE meta SET value = '4' WHERE key = 'schema_version';"
                     "DELETE FROM meta WHERE key = 'copies_found';")  # fmt: skip
    db.commit()
    db.close()
    run("search", "superalignment")  # reading an old archive works, and says nothing about copies yet
    write(tmp_path / "more" / "note.txt", "A Note\n\nSomething else entirely happened today in the city.\n")
    run("ingest", str(tmp_path / "more"))
    d = run.json("copies")  # (all three added at once: the earliest dated, Yahoo's, is the original)
    assert len(d) == 1 and d[0]["original"]["article_id"] == "openai-s-leike-quits-says-safety"
    assert {c["article_id"] for c in d[0]["copies"]} == {SEED_ID, "leike-resigns-from-openai-citing-safety"}


def test_an_archive_of_layout_5_keeps_its_band_keys(run, seed, tmp_path):
    """Layout 5 kept band rows with the article's id in each; layout 6 numbers the articles.
    The seed's keys, stored before the upgrade, still find its copies added after it."""
    import struct

    run("ingest", str(seed))
    db = sqlite3.connect(tmp_path / "ix" / "archive.db")
    rows = db.execute("SELECT article_id, keys FROM copy_articles").fetchall()
    assert [r[0] for r in rows] == [SEED_ID]
    db.executescript("DROP TABLE copy_bands; DROP TABLE copy_articles;"
                     "CREATE TABLE copy_keys (article_id TEXT PRIMARY KEY, keys TEXT NOT NULL) WITHOUT ROWID;"
                     "CREATE TABLE copy_bands (key INTEGER NOT NULL, article_id TEXT NOT NULL, "
                     "PRIMARY KEY (key, article_id)) WITHOUT ROWID;"
                     "UPDATE meta SET value = '5' WHERE key = 'schema_version';")  # fmt: skip
    for article_id, blob in rows:
        keys = list(struct.unpack(f"<{len(blob) // 8}q", blob))
        db.execute("INSERT INTO copy_keys VALUES (?, ?)", (article_id, json.dumps(keys)))
        db.executemany("INSERT INTO copy_bands VALUES (?, ?)", [(k, article_id) for k in keys])
    db.commit()
    db.close()
    time.sleep(1.05)
    run("ingest", str(syndicated(tmp_path)))
    (group,) = run.json("copies")
    assert group["original"]["article_id"] == SEED_ID
    assert {c["article_id"] for c in group["copies"]} == {"openai-s-leike-quits-says-safety",
                                                          "leike-resigns-from-openai-citing-safety"}  # fmt: skip
    db = sqlite3.connect(tmp_path / "ix" / "archive.db")
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert "copy_keys" not in tables
    assert db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == ("6",)
    assert db.execute("SELECT count(*) FROM copy_articles").fetchone() == (5,)
    assert db.execute("SELECT count(*) FROM copy_bands").fetchone() == (5 * cp.BANDS,)
    run("remove", SEED_ID)  # (removing takes its keys away, by its number)
    assert db.execute("SELECT count(*) FROM copy_bands").fetchone() == (4 * cp.BANDS,)


# -- Chinese and Japanese: a character is a word ----------------------------------------------

JA_ORIGINAL = """source: 毎朝新聞
date: 2024-05-18
url: https://maiasa.example/ai/openai-superalignment

オープンAI、安全研究チーム「スーパーアライメント」を解散

米オープンAIは17日、人工知能の長期的なリスクを研究してきた「スーパーアライメント」チームを事実上解散したことを明らかにした。チームを率いていた共同創業者のイリヤ・サツケバー氏とヤン・ライケ氏が相次いで退社を表明していた。

ライケ氏はX（旧ツイッター）への投稿で、同社では「安全の文化とプロセスが、輝かしい製品の陰に追いやられてきた」と批判した。計算資源の確保にも苦労していたという。

チームは昨年7月に発足し、4年間で会社の計算能力の20%を充てると約束されていた。人間よりはるかに賢いAIを制御する方法の研究が目的だった。

関係者によると、チームのメンバーは社内の他の研究グループに再配置される。今後の安全研究は共同創業者のジョン・シュルマン氏が統括する。

サム・アルトマン最高経営責任者は、ライケ氏の貢献に感謝するとした上で、安全への取り組みについて近く詳しく説明すると述べた。

オープンAIを巡っては、元従業員に退職時の秘密保持契約への署名を求めていたことも報じられ、批判が強まっている。
"""
# a regional paper's reprint: its own headline, a word or an ending edited in four places, the
# last paragraph cut, the wire's notice added
JA_COPY = """source: 地方タイムズ
date: 2024-05-19
url: https://chiho-times.example/news/20240519-openai

オープンAIの安全チーム解散　幹部が相次ぎ退社

米オープンAIは17日（米国時間）、人工知能の長期的なリスクを研究してきた「スーパーアライメント」チームを事実上解散したことを明らかにした。チームを率いていた共同創業者のイリヤ・サツケバー氏とヤン・ライケ氏が相次ぎ退社を表明していた。

ライケ氏はX（旧ツイッター）への投稿で、同社では「安全の文化とプロセスが、輝かしい製品の陰に追いやられてきた」と批判している。計算資源の確保にも苦労していたという。

チームは昨年7月に発足し、4年間で会社の計算能力の20%を充てると約束されていた。人間よりはるかに賢いAIを制御する方法を研究するのが目的だった。

関係者によれば、チームのメンバーは社内の他の研究グループに再配置される。今後の安全研究は共同創業者のジョン・シュルマン氏が統括する。

この記事は通信社の配信記事です。無断転載を禁じます。
"""
# the next chapter of the story, in the same paper, in the same words here and there
JA_OTHER = """source: 毎朝新聞
date: 2024-05-29
url: https://maiasa.example/ai/leike-anthropic

ライケ氏、アンソロピックに移籍　安全研究を継続

オープンAIを退社したヤン・ライケ氏は28日、競合のアンソロピックに加わると発表した。スーパーアライメントの研究を新天地で続けるとしている。

アンソロピックはオープンAIの元幹部らが設立した企業で、安全性を重視する姿勢を打ち出している。計算資源の配分についても研究者の裁量を広く認めているという。

ライケ氏はオープンAIで「安全の文化が製品の陰に追いやられてきた」と批判しており、移籍は業界の注目を集めている。

業界では、安全研究者の人材獲得競争が激しくなっている。チームの再配置や退社が相次ぐ中、各社は研究体制の立て直しを急いでいる。
"""


def japanese(tmp_path: Path) -> dict[str, Path]:
    return {name: write(tmp_path / "ja" / f"{name}.txt", text)
            for name, text in (("original", JA_ORIGINAL), ("copy", JA_COPY), ("other", JA_OTHER))}  # fmt: skip


def test_in_chinese_and_japanese_each_character_is_a_word():
    assert cp.words("OpenAIの安全チーム、解散") == ["openai", "の", "安", "全", "チ", "ー", "ム", "解", "散"]
    assert cp.words("오픈AI는 안전팀을 해체했다") == ["오픈ai는", "안전팀을", "해체했다"]  # (Korean is spaced)
    assert cp.words("OpenAI’s safety team") == ["openai’s", "safety", "team"]
    from archive.readers import read_all

    original, copy, other = (cp.Fingerprint.of(read_all(t.encode(), "a.txt")[0]) for t in (JA_ORIGINAL, JA_COPY, JA_OTHER))
    assert cp.compare(copy, original) == pytest.approx(0.83, abs=0.01)
    assert cp.compare(other, original) is None and cp.compare(original, other) is None
    assert set(copy.keys) & set(original.keys) and not set(other.keys) & set(original.keys)


@pytest.mark.engines
def test_a_japanese_reprint_is_recognised_and_the_next_story_is_not(run, tmp_path, engine):
    files = japanese(tmp_path)
    run("ingest", str(files["original"]))
    out = run("ingest", str(files["copy"]), str(files["other"])).stdout
    assert _line(out, "オープンAIの安全チーム解散").endswith("% the same)")
    assert "copy of" not in _line(out, "ライケ")
    (group,) = run.json("copies")
    assert group["original"]["source"] == "毎朝新聞" and [c["source"] for c in group["copies"]] == ["地方タイムズ"]


@pytest.mark.engines
def test_an_archive_whose_keys_came_from_the_first_rule_gets_new_ones_for_chinese_and_japanese(run, tmp_path, engine):
    """Archives made before a character counted as a word keep band keys that the new rule
    never makes for Chinese and Japanese: the next write makes those articles' keys again
    (and only theirs), so a reprint added later still finds its original."""
    from archive.archive import Archive

    files = japanese(tmp_path)
    run("ingest", str(files["original"]), str(SEED))
    with Archive.open(run.index) as ar:
        assert ar.store.get_meta("copies_found") == cp.RULE
        (original,) = [s.id for s in ar.list() if s.lang == "ja"]
        with ar.store.transaction():  # (the keys the first rule made: none the new rule shares)
            ar.store.put_copy_bands(original, [(b << 57) | (7 + b) for b in range(cp.BANDS)], False)
            ar.store.set_meta("copies_found", "1")
    run("ingest", str(files["copy"]))
    (group,) = run.json("copies")
    assert group["original"]["article_id"] == original
    with Archive.open(run.index) as ar:
        assert ar.store.get_meta("copies_found") == cp.RULE


# -- the rule itself ---------------------------------------------------------------------------


def _article(paragraphs: list[str], **kw) -> Article:
    return Article("T", [Paragraph(1, "title", "T")] + [Paragraph(i, "body", t) for i, t in enumerate(paragraphs, 2)],
                   **kw)  # fmt: skip


def test_the_rule_on_what_republishers_do():
    body = seed_body()
    fp = cp.Fingerprint.of(_article(body))
    assert len(fp.keys) == cp.BANDS
    of = cp.Fingerprint.of_text
    assert cp.compare(of(body[:4]), fp) == pytest.approx(1.0)  # the ending cut
    assert cp.compare(of(body[:1]), fp) == pytest.approx(1.0)  # the lede alone, as a site's brief with a link
    feature = of([body[0]] + [f"A long feature goes on about {w} in its own words, paragraph after paragraph, "
                              f"number {i}, with nothing more from the wire story." * 4
                              for i, w in enumerate(["chips", "markets", "courts", "Seoul"] * 3)])  # fmt: skip
    assert cp.compare(feature, fp) is None  # the wire's lede quoted in a long feature: not a copy
    other = of(["Sam Altman said OpenAI would publish more about its safety work after Jan Leike "
                "resigned, and Greg Brockman wrote a long post about the company's approach."])  # fmt: skip
    assert cp.compare(other, fp) is None
    assert cp.band_keys(cp.shingles(["Too short to tell."])) == []


# Reuters-21578 stories 1856 and 3980 (4 and 11 March 1987): the same wording a week apart
EIA_WEEK_1 = [
    "Distillate fuel stocks held in primary storage fell by 3.4 mln barrels in the week ended Feb 27 to 128.4 mln "
    "barrels, the Energy Information Administration (EIA) said.",
    "In its weekly petroleum status report, the Department of Energy agency said gasoline stocks were off 100,000 "
    "barrels in the week to 251.5 mln barrels and refinery crude oil stocks were up 3.2 mln barrels to 333.0 mln.",
    "The EIA said residual fuel stocks fell 2.2 mln barrels to 37.9 mln barrels and crude oil stocks in the "
    "Strategic Petroleum Reserve (SPR) were up 700,000 barrels to 516.5 mln.",
    "The total of all crude, refined product and SPR stocks were unchanged at 1,575.1 mln barrels, it said.",
]
EIA_WEEK_2 = [
    "Distillate fuel stocks held in primary storage fell by 8.8 mln barrels in the week ended March six to 119.6 "
    "mln barrels, the Energy Information Administration (EIA) said.",
    "In its weekly petroleum status report, the Department of Energy agency said gasoline stocks were off 500,000 "
    "barrels in the week to 251.0 mln barrels and refinery crude oil stocks fell 1.2 mln barrels to 331.8 mln.",
    "The EIA said residual fuel stocks fell 1.5 mln barrels to 36.4 mln barrels and crude oil stocks in the "
    "Strategic Petroleum Reserve (SPR) rose 200,000 barrels to 516.7 mln.",
    "The total of all crude, refined product and SPR stocks fell 10.3 mln barrels to 1,564.8, it said.",
]


def test_a_recurring_report_with_new_figures_is_not_a_copy():
    first, next_week = cp.Fingerprint.of_text(EIA_WEEK_1), cp.Fingerprint.of_text(EIA_WEEK_2)
    a, b = first.shingles, next_week.shingles  # the wording is the same: the words alone would call it a copy ...
    assert len(a & b) / min(len(a), len(b)) >= cp.OVERLAP and cp.jaccard(a, b) >= cp.JACCARD_FLOOR
    assert cp.compare(next_week, first) is None  # ... the figures are not the same
    refiled = cp.Fingerprint.of_text(EIA_WEEK_1[:3] + ["The EIA's totals were unchanged, it said."])
    assert cp.compare(refiled, first) is not None  # the same report filed again, its end rewritten: a copy


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=60), min_size=1, max_size=8))
def test_any_text_is_either_a_copy_of_itself_or_too_short_to_tell(paragraphs):
    fp = cp.Fingerprint.of_text(paragraphs)
    if len(fp.shingles) >= cp.MIN_SHINGLES:
        assert cp.compare(fp, fp) == 1.0 and len(fp.keys) == cp.BANDS and fp.keys == cp.band_keys(fp.shingles)
    else:
        assert fp.keys == [] and cp.compare(fp, fp) is None


def test_the_original_is_the_first_added_unless_a_later_one_is_dated_earlier():
    a = _article(["x"], id="a", date="2024-05-19", ingested_at="2024-06-01T00:00:00Z")
    b = _article(["x"], id="b", date=None, ingested_at="2024-06-02T00:00:00Z")
    c = _article(["x"], id="c", date="2024-05-17", ingested_at="2024-06-03T00:00:00Z")
    assert cp.earliest([b, a]).id == "a"
    assert cp.earliest([a, b, c]).id == "c"
    assert cp.earliest([b, c]).id == "b"  # an undated article is not compared by date
    same = _article(["x"], id="z", ingested_at="2024-06-01T00:00:00Z")
    twin = _article(["x"], id="y", ingested_at="2024-06-01T00:00:00Z")
    assert cp.earliest([same, twin]).id == cp.earliest([twin, same]).id == "y"  # the same second: by id


def test_same_passage():
    p = seed_body()[1]
    assert cp.same_passage(p, p.replace("several teams", "other teams"))
    assert cp.same_passage(p[: len(p) // 2], p)
    assert not cp.same_passage(p, seed_body()[2])


def test_json_of_an_article_that_is_not_a_copy_has_no_copy_fields(run, seed):
    run("ingest", str(seed))
    d = json.loads(run("show", SEED_ID, "--format", "json").stdout)
    assert "copy_of" not in d and "copies" not in d and "similarity" not in d


@pytest.mark.engines
def test_the_web_page_folds_copies_too(story, engine):
    from archive.archive import Archive
    from archive.web.app import create_app
    from archive.web.server import trusted_hosts

    import re

    with Archive.open(story.index) as ar:
        client = create_app(ar, trusted_hosts=trusted_hosts("127.0.0.1")).test_client()
        page = client.get("/search?q=superalignment+team+reassigned").get_data(as_text=True)
        assert page.count('<li class="hit">') == 1
        assert '<p class="copies meta">+2 copies:' in page
        assert 'href="/a/openai-s-leike-quits-says-safety?q=superalignment+team+reassigned#p' in page
        assert ">Yahoo News</a>" in page and ">MSN</a>" in page
        # one click shows every copy as a hit of its own, and the form's switch says so
        link = re.search(r'<a class="all-copies" href="([^"]+)"', page).group(1).replace("&amp;", "&")
        assert link == "/search?q=superalignment+team+reassigned&all_copies=1"
        every = client.get(link).get_data(as_text=True)
        assert every.count('<li class="hit">') == 3 and "copies meta" not in every
        assert '<input type="checkbox" name="all_copies" value="1" checked>' in every
        # the sort-and-group form sends the switch as ticked or not (not also as a hidden
        # setting); the search box keeps it, as it keeps every setting
        controls = re.search(r'<form class="controls".*?</form>', every, re.S).group(0)
        assert 'type="hidden" name="all_copies"' not in controls and 'type="hidden" name="q"' in controls
        keep = every[:every.index('<div id="results"')]
        assert '<input type="hidden" name="all_copies" value="1">' in keep
        assert '<input type="checkbox" name="all_copies" value="1">' in page


def test_paging_shows_each_passage_once_across_pages(tmp_path):
    """Page by page, a story's copies never come back as hits of their own, and the pages
    together hold every other match once."""
    from archive.archive import Archive, ArchiveOptions, SearchOptions

    body = seed_body()
    arts = [_article(body, id="original", date="2024-05-17", url="https://a.example/1")]
    arts += [_article(body[:-1] + [f"Republished by site {i}."], id=f"copy-{i}", date="2024-05-18",
                      url=f"https://site{i}.example/x") for i in range(14)]  # fmt: skip
    words = "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike".split()
    arts += [_article([" ".join(f"{w}{i}" for w in words) + " superalignment " + " ".join(f"{w}{i}x" for w in words)],
                      id=f"other-{i}", date="2024-05-19", url=f"https://other.example/{i}") for i in range(9)]  # fmt: skip
    with Archive.open(tmp_path / "ix", create=True, options=ArchiveOptions(embed_on_ingest=False)) as ar:
        list(ar.ingest(arts))
        seen: list[str] = []
        page, total = 1, None
        while True:
            res = ar.search("superalignment", SearchOptions(limit=2, page=page, by_article=True))
            total = res.total if total is None else total
            if not res.hits:
                break
            seen += [h.article_id for h in res.hits]
            page += 1
        group = [a for a in seen if a == "original" or a.startswith("copy-")]
        assert len(group) == 1  # the story once (the original, or the best copy when the original ranks below the window)
        assert sorted(a for a in seen if a.startswith("other-")) == [f"other-{i}" for i in range(9)]
        assert total == 10
        every = ar.search("superalignment", SearchOptions(limit=50, by_article=True, all_copies=True))
        assert every.total == 24
        # more copies than a page asks for beyond its hits: it asks again, and the page is full
        first = ar.search("superalignment", SearchOptions(limit=2, by_article=True, sort="oldest"))
        assert [h.article_id for h in first.hits] == ["original", "other-0"]
        assert len(first.hits[0].copies) == 14


def test_a_formulaic_story_is_compared_with_a_bounded_number_of_its_kind(tmp_path, monkeypatch):
    """Dividend notices share most of their words: each new one meets all the earlier ones as
    candidates, but is compared word for word with at most MAX_CANDIDATES of them."""
    from archive.archive import Archive, ArchiveOptions

    calls = []
    real = cp.compare
    monkeypatch.setattr(cp, "compare", lambda a, b: calls.append(1) or real(a, b))
    notice = ("{name} Inc said its board declared a quarterly dividend of {c} cts per share, payable on April "
              "{d} to holders of record on March {e}, unchanged from the prior quarter, the company said in a "
              "statement issued after the close of trading on the New York Stock Exchange.")  # fmt: skip
    arts = [_article([notice.format(name=f"Company{i}", c=10 + i, d=1 + i % 28, e=1 + (i * 7) % 28)],
                     id=f"notice-{i}", url=f"https://wire.example/{i}") for i in range(60)]  # fmt: skip
    with Archive.open(tmp_path / "ix", create=True, options=ArchiveOptions(embed_on_ingest=False)) as ar:
        list(ar.ingest(arts))
    assert 0 < len(calls) <= cp.MAX_CANDIDATES * len(arts)


@pytest.mark.engines
def test_republications_fold_and_the_evidence_still_comes_first(run, tmp_path):
    """Twelve republications of the seed under their own headlines: a search's first hit is
    still a paragraph of Leike's statement (passages weighed as evidence), not one of the
    thirteen headlines; the republications fold under each passage, and each passage shows once."""
    body = seed_body()
    records = [{"title": f"Leike quits OpenAI ({i})", "text": "\n\n".join(body), "source": f"Site {i}",
                "url": f"https://site{i}.example/leike", "date": f"2024-05-{20 + i % 9:02d}"} for i in range(12)]
    run("ingest", str(SEED))
    run("ingest", str(write(tmp_path / "copies.jsonl", "\n".join(json.dumps(r) for r in records))))
    out = run.json("search", "Leike", "--limit", "10")
    first = out["hits"][0]
    assert first["kind"] == "body" and first["text"].startswith("Leike continued"), first
    assert first["copies"], "the republications fold under it"
    shown = [(h["kind"], h["text"]) for h in out["hits"]]
    assert len(shown) == len(set(shown))  # each passage once
    # the thirteen headlines are one passage (a republished headline folds under its group's),
    # and the page, short after folding, is filled from further down: every paragraph that
    # names him, each with its twelve republications, before the headline
    kinds = [h["kind"] for h in out["hits"]]
    assert kinds.count("title") == 1 and len(out["hits"][kinds.index("title")].get("copies", [])) == 12
    bodies = [i for i, k in enumerate(kinds) if k == "body"]
    assert len(bodies) == 3 and max(bodies) < kinds.index("title")
    assert all(len(out["hits"][i].get("copies", [])) == 12 for i in bodies)
