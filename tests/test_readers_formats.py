"""Articles from everywhere: web pages and URLs, Markdown, JSON/JSONL, feeds, Korean text."""

from __future__ import annotations

import json
import socket
import time

import pytest

from archive.dates import parse_date
from archive.readers import read_all

from .conftest import write

NEWS_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>OpenAI dissolves its Superalignment team | The Example Times</title>
<meta property="og:title" content="OpenAI dissolves its Superalignment team">
<meta property="og:site_name" content="The Example Times">
<meta name="author" content="Jane Reporter">
<meta property="article:published_time" content="2024-05-18T09:30:00+09:00">
<link rel="canonical" href="https://example.com/news/openai-superalignment">
</head><body>
<header><nav><a href="/">Home</a> <a href="/world">World</a> <a href="/login">Sign in to Premium</a></nav></header>
<div class="ad">Buy cheap flights now! Limited offer on hotels.</div>
<main><article>
<h1>OpenAI dissolves its Superalignment team</h1>
<h2 class="subtitle">Co-leader Jan Leike says safety has taken a back seat to shiny products</h2>
<p class="byline">By Jane Reporter · May 18, 2024</p>
<figure><img src="/img/leike.jpg" alt="Jan Leike speaking"><figcaption>Jan Leike at a conference in 2023. Photo: Example Times</figcaption></figure>
<p>OpenAI has disbanded its Superalignment team, the group formed in July last year to steer and control AI systems much smarter than people, the company confirmed on Friday.</p>
<p>The team's co-leaders, Ilya Sutskever and Jan Leike, both announced their departures this week. Leike wrote that safety culture and processes have taken a backseat to shiny products.</p>
<p>Members of the team are being reassigned to other research groups inside the company, according to people familiar with the matter.</p>
</article>
<aside class="related"><h3>Related stories</h3><ul><li><a href="/a">Ten gadgets you need this summer</a></li><li><a href="/b">Celebrity chef opens new restaurant</a></li></ul></aside>
<section id="comments"><h3>Comments</h3><div class="comment"><p>First! This is outrageous clickbait nonsense.</p></div></section>
</main>
<footer><p>© 2024 The Example Times. All rights reserved. Privacy policy. Cookie settings.</p></footer>
</body></html>"""

MARKDOWN = """---
title: "OpenAI's safety team, explained"
source: Example Notes
date: May 19, 2024
author: [Kim Min-ji, Jane Reporter]
tags: [openai, safety]
---

# OpenAI's safety team, explained

## What the Superalignment team was, and why it ended

![Jan Leike at a 2023 event](leike.jpg)
*Jan Leike at a 2023 event. Photo: Example*

The **Superalignment** team was formed in [July 2023](https://openai.com) to solve `alignment`.

> "Safety culture and processes have taken a backseat to shiny products," Leike wrote.

- Ilya Sutskever left.
- Jan Leike left.
"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>AI Safety Wire</title>
  <link href="https://wire.example/"/>
  <updated>2024-05-20T12:00:00Z</updated>
  <id>urn:uuid:feed</id>
  <entry>
    <title>Leike joins Anthropic</title>
    <link href="https://wire.example/leike-anthropic"/>
    <id>urn:uuid:1</id>
    <published>2024-05-28T10:00:00Z</published>
    <author><name>Sam Writer</name></author>
    <content type="html">&lt;p&gt;Jan Leike said he will continue the superalignment mission at Anthropic.&lt;/p&gt;&lt;p&gt;He left OpenAI earlier this month.&lt;/p&gt;</content>
  </entry>
  <entry>
    <title>Board statement</title>
    <link href="https://wire.example/board"/>
    <id>urn:uuid:2</id>
    <updated>2024-05-21T08:00:00Z</updated>
    <summary>The board said it remains committed to safety research.</summary>
  </entry>
  <entry>
    <title>Empty entry</title>
    <id>urn:uuid:3</id>
    <updated>2024-05-22T08:00:00Z</updated>
  </entry>
</feed>"""

KOREAN = """오픈AI, 초정렬 안전팀 해체
레이케 "안전이 제품에 밀렸다"

오픈AI가 인공지능 안전을 연구하던 초정렬 팀을 해체했다.

얀 레이케는 안전팀을 이끌던 공동 리더였으며 회사를 떠났다.

팀원들은 다른 연구 조직으로 재배치됐다. 업계에서는 안전팀이 사실상 해체됐다는 평가가 나온다.
"""


# -- HTML ---------------------------------------------------------------------------------------


def test_news_page_extraction():
    a = read_all(NEWS_PAGE.encode(), "page.html")[0]
    assert a.title == "OpenAI dissolves its Superalignment team"
    assert (a.source, a.author, a.date, a.url, a.lang) == (
        "The Example Times", "Jane Reporter", "2024-05-18", "https://example.com/news/openai-superalignment", "en")
    kinds = [(p.kind, p.text[:30]) for p in a.paragraphs]
    assert kinds[0] == ("title", "OpenAI dissolves its Superalig")
    assert kinds[1] == ("subtitle", "Co-leader Jan Leike says safet")
    cap = next(p for p in a.paragraphs if p.kind == "caption")
    assert (cap.text, cap.credit) == ("Jan Leike at a conference in 2023.", "Example Times")
    bodies = [p.text for p in a.paragraphs if p.kind == "body"]
    assert [b[:20] for b in bodies] == ["OpenAI has disbanded", "The team's co-leader", "Members of the team "]
    everything = " ".join(p.text for p in a.paragraphs)
    for junk in ("flights", "Sign in", "gadgets", "Celebrity", "clickbait", "Cookie", "Related stories"):
        assert junk not in everything


def test_boilerplate_is_not_indexed(run, tmp_path):
    write(tmp_path / "page.html", NEWS_PAGE)
    run("ingest", str(tmp_path / "page.html"))
    assert run.json("search", "superalignment")["total"] >= 1
    for junk in ("clickbait", "flights", "gadgets", "cookie"):
        run("search", junk, code=1)
    assert run.json("search", "conference kind:caption")["hits"][0]["kind"] == "caption"


def test_malformed_html_is_reported(run, tmp_path):
    write(tmp_path / "bad.html", "<html><body><div><div><div>" * 2000)
    r = run("ingest", str(tmp_path / "bad.html"), code=1)
    assert "bad.html: no article text found" in r.stderr


# -- URLs ---------------------------------------------------------------------------------------


@pytest.fixture
def server(httpserver):
    return httpserver


def test_ingest_url_follows_redirects(run, server):
    server.expect_request("/old").respond_with_data("", status=301, headers={"Location": server.url_for("/news")})
    server.expect_request("/news").respond_with_data(NEWS_PAGE, content_type="text/html; charset=utf-8")
    r = run("ingest", server.url_for("/old"))
    assert r.stdout.startswith("added")
    hit = run.json("search", "reassigned")["hits"][0]
    assert hit["url"] == "https://example.com/news/openai-superalignment"  # the canonical URL


def test_url_charset_from_header(run, server):
    page = "<html><head><title>한국 기사</title></head><body><article><h1>오픈AI 안전팀 해체</h1>" \
           "<p>오픈AI가 초정렬 안전팀을 해체했다고 밝혔다. 연구원들은 다른 팀으로 재배치됐다.</p>" \
           "<p>업계에서는 안전 연구가 뒷전으로 밀렸다는 비판이 나온다.</p></article></body></html>"  # fmt: skip
    server.expect_request("/ko").respond_with_data(page.encode("euc-kr"), content_type="text/html; charset=EUC-KR")
    run("ingest", server.url_for("/ko"))
    hits = run.json("search", "안전팀")["hits"]
    assert [h["kind"] for h in hits] == ["body", "title"]  # the passage that says it, then the headline
    assert "<mark>안전팀을</mark>" in hits[0]["snippet"]


@pytest.mark.parametrize(
    "status, ctype, body, problem",
    [(404, "text/html", "nope", "HTTP 404 NOT FOUND"), (500, "text/html", "err", "HTTP 500"),
     (200, "application/pdf", "%PDF-1.4", "cannot read the PDF"),
     (200, "image/png", "\x89PNG", "not an HTML page or a feed (content type image/png)")],
)  # fmt: skip
def test_url_errors(run, server, status, ctype, body, problem):
    server.expect_request("/x").respond_with_data(body, status=status, content_type=ctype)
    r = run("ingest", server.url_for("/x"), code=1)
    assert r.stderr.startswith(f"archive: {server.url_for('/x')}: ") and problem.lower() in r.stderr.lower()


def test_url_timeout(run, server):
    def slow(request):
        time.sleep(2)
        from werkzeug import Response

        return Response(NEWS_PAGE, content_type="text/html")

    server.expect_request("/slow").respond_with_handler(slow)
    r = run("ingest", server.url_for("/slow"), "--timeout", "0.5", code=1)
    assert "timed out after 0.5 s" in r.stderr


def test_url_dns_failure(run, monkeypatch):
    def no_dns(*a, **k):
        raise socket.gaierror(-2, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_dns)
    r = run("ingest", "http://no-such-host.invalid/story", code=1)
    assert "cannot resolve the host name (DNS)" in r.stderr


def test_url_size_limit(run, server):
    server.expect_request("/big").respond_with_data("<html>" + "x" * (2 * 1024 * 1024), content_type="text/html")
    r = run("ingest", server.url_for("/big"), "--max-size", "1", code=1)
    assert "over the 1,048,576-byte limit" in r.stderr


def test_feed_url(run, server):
    server.expect_request("/feed").respond_with_data(ATOM, content_type="application/atom+xml")
    r = run("ingest", server.url_for("/feed"), code=1)  # the empty entry is reported
    assert [line.split()[0] for line in r.stdout.splitlines()[:2]] == ["added", "added"] and "entry 3" in r.stderr and "has no content" in r.stderr


# -- Markdown -----------------------------------------------------------------------------------


def test_markdown_article():
    a = read_all(MARKDOWN.encode(), "notes.md")[0]
    assert (a.title, a.source, a.date, a.author, a.tags) == (
        "OpenAI's safety team, explained", "Example Notes", "2024-05-19", "Kim Min-ji, Jane Reporter",
        ["openai", "safety"])  # fmt: skip
    assert [(p.kind, p.text) for p in a.paragraphs] == [
        ("title", "OpenAI's safety team, explained"),
        ("subtitle", "What the Superalignment team was, and why it ended"),
        ("caption", "Jan Leike at a 2023 event."),
        ("body", "The Superalignment team was formed in July 2023 to solve alignment."),
        ("body", '"Safety culture and processes have taken a backseat to shiny products," Leike wrote.'),
        ("body", "Ilya Sutskever left."),
        ("body", "Jan Leike left."),
    ]
    assert a.paragraphs[2].credit == "Example"


def test_markdown_syntax_does_not_leak(run, tmp_path):
    write(tmp_path / "notes.md", MARKDOWN)
    run("ingest", str(tmp_path / "notes.md"))
    for h in run.json("search", "superalignment OR alignment OR Leike", "--limit", "50")["hits"]:
        for syntax in ("**", "](", "`", "> ", "- ", "#", "!["):
            assert syntax not in h["text"], (syntax, h["text"])


def test_markdown_bad_front_matter(run, tmp_path):
    write(tmp_path / "bad.md", "---\ntitle: [unclosed\n---\n\n# T\n\nBody.\n")
    r = run("ingest", str(tmp_path / "bad.md"), code=1)
    assert "bad.md: front matter is not valid YAML" in r.stderr


# -- JSON / JSONL -------------------------------------------------------------------------------


def test_jsonl_with_a_bad_line(run, tmp_path):
    lines = [
        json.dumps({"id": "wire-1", "headline": "Leike Resigns", "body": "First para.\n\nSecond para about superalignment.",
                    "source": {"name": "Wire"}, "published_at": "2024-05-18T10:00:00Z", "authors": ["A. B", "C. D"],
                    "keywords": "ai, safety", "link": "https://wire.example/1"}),
        "{not json",
        json.dumps({"title": "No text here"}),
        json.dumps({"_id": "wire-2", "title": "Board Replies", "paragraphs": ["One.", "Two mentions superalignment."],
                    "date": "2024.05.19", "lang": "en"}),
    ]  # fmt: skip
    write(tmp_path / "export.jsonl", "\n".join(lines) + "\n")
    r = run("ingest", str(tmp_path / "export.jsonl"), code=1)
    assert f"archive: {tmp_path / 'export.jsonl'}: line 2: not valid JSON" in r.stderr
    assert f"archive: {tmp_path / 'export.jsonl'}: line 3: no article text" in r.stderr
    assert "2 added" in r.stdout and "2 failed" in r.stdout
    art = run.json("show", "wire-1")
    assert (art["id"], art["title"], art["source"], art["date"], art["author"], art["tags"], art["url"]) == (
        "wire-1", "Leike Resigns", "Wire", "2024-05-18", "A. B, C. D", ["ai", "safety"], "https://wire.example/1")
    assert [p["text"] for p in art["paragraphs"]] == ["Leike Resigns", "First para.", "Second para about superalignment."]
    assert {h["article_id"] for h in run.json("search", "superalignment")["hits"]} == {"wire-1", "wire-2"}


def test_jsonl_is_streamed_so_the_size_limit_is_per_line(run, tmp_path):
    """A JSONL export larger than --max-size is read a line at a time; only a line (one
    article) over the limit is refused, by number, and the rest go on."""
    body = "word " * 100
    lines = [json.dumps({"id": f"s{i}", "title": f"Story {i}", "text": f"{body} number{i}"}) for i in range(3000)]
    lines[1500] = json.dumps({"id": "huge", "title": "Huge", "text": "x " * 700_000})
    path = write(tmp_path / "big.jsonl", "\n".join(lines) + "\n")
    assert path.stat().st_size > 2 * 1024 * 1024
    r = run("ingest", str(path), "--max-size", "1", code=1)
    assert f"archive: {path}: line 1501: line is 1,400," in r.stderr and "over the 1,048,576-byte limit" in r.stderr
    assert "2,999 added, 0 updated, 0 unchanged, 1 failed (5,998 paragraphs)" in r.stdout
    assert run.json("search", "number2999")["hits"][0]["article_id"] == "s2999"


def test_jsonl_lines_read_as_a_person_would(run, tmp_path):
    """A byte-order mark, CRLF endings and a raw U+2028 inside a string (legal in JSON, a line
    break to str.splitlines) are read as written; the same file again is unchanged."""
    lines = [json.dumps({"id": "a1", "title": "First", "text": "Alpha\u2028beta text."}, ensure_ascii=False),
             json.dumps({"id": "a2", "title": "Second", "text": "Gamma text."})]  # fmt: skip
    path = tmp_path / "crlf.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(lines).encode("utf-8") + b"\r\n")
    r = run("ingest", str(path))
    assert "2 added" in r.stdout
    assert run.json("show", "a1")["paragraphs"][1]["text"].startswith("Alpha")
    assert "2 unchanged" in run("ingest", str(path)).stdout


def test_jsonl_file_holding_one_pretty_printed_object_or_an_array(run, tmp_path):
    obj = {"id": "p1", "title": "Pretty", "text": "Spread over many lines."}
    path = write(tmp_path / "pretty.jsonl", json.dumps(obj, indent=2))
    assert "1 added" in run("ingest", str(path)).stdout
    items = [{"id": f"a{i}", "title": f"Item {i}", "text": f"Array item {i}."} for i in range(3)]
    path = write(tmp_path / "array.jsonl", json.dumps(items))
    assert "3 added" in run("ingest", str(path)).stdout


def test_import_from_stdin_is_streamed_and_reads_as_a_file_does(run, tmp_path):
    """`archive import -` reads JSON Lines a line at a time (a bad line is named by number,
    the rest go in); a pretty-printed document on standard input is still read whole."""
    lines = [json.dumps({"id": f"in{i}", "title": f"Piped {i}", "text": f"Piped text {i}."}) for i in range(500)]
    lines[7] = "{oops"
    r = run("import", "-", input=("\n".join(lines) + "\n").encode(), code=1)
    assert "archive: <stdin>: line 8: not valid JSON" in r.stderr and "499 added" in r.stdout
    pretty = json.dumps({"id": "pp", "title": "Pretty Piped", "text": "Over many lines."}, indent=2)
    assert "1 added" in run("ingest", "-", "--as", "json", input=pretty.encode()).stdout
    assert "1 added" in run("ingest", "-", input=b"Plain Piped Story\n\nA paragraph from a pipe.\n").stdout


def test_stdin_stream_holds_a_line_at_a_time():
    import io
    import tracemalloc

    from archive.readers import Source, read_source

    line = json.dumps({"title": "Story", "text": "word " * 2000}) + "\n"
    stream = io.BytesIO(line.encode() * 1200)  # 12 MB, allocated before tracing starts
    tracemalloc.start()
    n = sum(1 for _ in read_source(Source("<stdin>", None), stream, None, "json", 1 << 20))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert n == 1200 and peak < 3_000_000


def test_jsonl_reading_keeps_memory_flat(tmp_path):
    """Reading a 12 MB JSONL file holds one line at a time, not the file."""
    import tracemalloc

    from archive.readers.jsonl import read_jsonl_file

    line = json.dumps({"title": "Story", "text": "word " * 2000}) + "\n"
    path = tmp_path / "flat.jsonl"
    with open(path, "w") as f:
        for _ in range(1200):
            f.write(line)
    assert path.stat().st_size > 12_000_000
    tracemalloc.start()
    n = sum(1 for _ in read_jsonl_file(path, str(path)))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert n == 1200 and peak < 2_000_000


def test_json_list_and_progress_free_when_piped(run, tmp_path):
    data = [{"id": f"n{i}", "title": f"Story {i}", "text": f"Body {i} text."} for i in range(300)]
    write(tmp_path / "all.json", json.dumps(data))
    r = run("ingest", str(tmp_path / "all.json"))
    assert "300 added" in r.stdout and "\r" not in r.output
    assert run.json("stats")["articles"] == 300


# -- feeds --------------------------------------------------------------------------------------


def test_atom_feed_entries():
    items = list(__import__("archive.readers", fromlist=["read_bytes"]).read_bytes(ATOM.encode(), "feed.xml"))
    arts = [i for i in items if not isinstance(i, Exception)]
    errs = [i for i in items if isinstance(i, Exception)]
    assert [a.title for a in arts] == ["Leike joins Anthropic", "Board statement"]
    a = arts[0]
    assert (a.source, a.url, a.date, a.author) == ("AI Safety Wire", "https://wire.example/leike-anthropic",
                                                   "2024-05-28", "Sam Writer")  # fmt: skip
    assert [p.text for p in a.paragraphs[1:]] == [
        "Jan Leike said he will continue the superalignment mission at Anthropic.", "He left OpenAI earlier this month."]
    assert arts[1].date == "2024-05-21"
    assert len(errs) == 1 and "entry 3" in errs[0].message


def test_feed_without_entries(run, tmp_path):
    write(tmp_path / "empty.xml", '<?xml version="1.0"?><rss version="2.0"><channel><title>T</title></channel></rss>')
    r = run("ingest", str(tmp_path / "empty.xml"), code=1)
    assert "empty.xml: the feed has no entries" in r.stderr


# -- Korean -------------------------------------------------------------------------------------


@pytest.fixture
def korean(run, seed, tmp_path):
    write(tmp_path / "ko-utf8.txt", KOREAN)
    write(tmp_path / "ko-cp949.txt", KOREAN.replace("오픈AI, 초정렬", "[CP949] 오픈AI, 초정렬"), "cp949")
    run("ingest", str(seed), str(tmp_path / "ko-utf8.txt"), str(tmp_path / "ko-cp949.txt"))
    return run


@pytest.mark.parametrize("query, word, paras", [
    ("오픈AI", "오픈AI가", {1, 3}), ("안전팀", "안전팀을", {1, 4, 5}), ("해체", "해체했다", {1, 3, 5}),
])  # fmt: skip
def test_korean_words_inside_inflected_forms(korean, query, word, paras):
    hits = korean.json("search", query, "--lang", "ko", "--limit", "50", "--all-copies")["hits"]
    ids = {h["article_id"] for h in hits}
    assert len(ids) == 2  # the UTF-8 and the CP949 copy (recognised as copies: folded without --all-copies)
    folded = korean.json("search", query, "--lang", "ko", "--limit", "50")["hits"]
    assert len({h["article_id"] for h in folded}) == 1 and all(len(h["copies"]) == 1 for h in folded)
    for aid in ids:
        assert {h["paragraph"] for h in hits if h["article_id"] == aid} == paras
    assert any(f"<mark>{word}</mark>" in h["snippet"] for h in hits)


def test_language_is_detected_and_filters(korean):
    langs = {r["title"]: r["lang"] for r in korean.json("list")}
    assert langs["OpenAI Co-Leader Yan Leike Also Resigns"] == "en"
    assert langs["오픈AI, 초정렬 안전팀 해체"] == "ko"
    assert {h["article_id"] for h in korean.json("search", "lang:en leike")["hits"]} == {"openai-co-leader-yan-leike-also"}
    korean("search", "superalignment", "--lang", "ko", code=1)


def test_mixed_archive_one_query_box(korean):
    out = korean.json("search", "Leike OR 레이케", "--by-article", "--all-copies")
    assert out["total"] == 3
    assert korean.json("search", "Leike OR 레이케", "--by-article")["total"] == 2  # (the Korean copy counted once)


def test_lang_option_overrides(run, tmp_path):
    write(tmp_path / "x.txt", "A short English headline\n\nSome English body text here.\n")
    run("ingest", str(tmp_path / "x.txt"), "--lang", "de")
    assert run.json("list")[0]["lang"] == "de"


# -- dates --------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["2024-05-18", "May 18, 2024", "2024.05.18", "2024년 5월 18일", "18 May 2024",
                                  "2024-05-18T09:30:00+09:00", "Sat, 18 May 2024 09:00:00 GMT", "2024/05/18"])  # fmt: skip
def test_dates_normalised(text):
    assert parse_date(text) == "2024-05-18"


# Every registered input format, with a small real-looking sample of it: a format added to
# archive.formats without a sample here fails the test below.
FORMAT_SAMPLES = {
    "text": ("story.txt", "OpenAI Co-Leader Resigns\n\nJan Leike said safety took a backseat.\n"),
    "markdown": ("story.md", "---\ntitle: OpenAI Co-Leader Resigns\n---\n# OpenAI Co-Leader Resigns\n\n"
                             "Jan Leike said safety took a backseat.\n"),
    "html": ("story.html", "<html><head><title>OpenAI Co-Leader Resigns</title></head><body><article>"
                           "<h1>OpenAI Co-Leader Resigns</h1><p>Jan Leike said safety took a backseat to shiny "
                           "products, in a thread on Friday that explained why he left the company.</p><p>He led "
                           "the superalignment team, which OpenAI formed last July to steer future systems.</p>"
                           "</article></body></html>"),
    "json": ("story.jsonl", '{"title": "OpenAI Co-Leader Resigns", "text": "Jan Leike said safety took a backseat."}\n'),
    "feed": ("feed.xml", '<?xml version="1.0"?><rss version="2.0"><channel><title>AI Daily</title><item>'
                         "<title>OpenAI Co-Leader Resigns</title><link>https://ex.com/1</link>"
                         "<description>Jan Leike said safety took a backseat.</description></item></channel></rss>"),
    "email": ("story.eml", "From: AI Daily <news@example.com>\nSubject: OpenAI Co-Leader Resigns\n"
                           "Date: Fri, 17 May 2024 09:00:00 +0000\n\nJan Leike said safety took a backseat.\n"),
    "pdf": ("story.pdf", None),  # made by make_pdf() below
}  # fmt: skip


def make_pdf(title: str | None, pages: list[list[str]], author: str | None = None) -> bytes:
    """A PDF as a word processor makes one: paragraphs with a gap between them, lines wrapped
    at the margin (a word split with a hyphen where asked: ``inter-\nnational``)."""
    from fpdf import FPDF

    pdf = FPDF()
    if title:
        pdf.set_title(title)
    if author:
        pdf.set_author(author)
    pdf.set_font("Helvetica", size=11)
    for paragraphs in pages:
        pdf.add_page()
        for para in paragraphs:
            pdf.multi_cell(0, 6, para)
            pdf.ln(6)
    return bytes(pdf.output())


def test_every_registered_format_reads_its_sample_by_suffix_and_by_content():
    from archive.formats import FORMATS, sniff
    from archive.readers import detect_format, read_all

    from archive.formats import binary_format

    assert set(FORMAT_SAMPLES) == set(FORMATS)
    for name, (filename, text) in FORMAT_SAMPLES.items():
        if text is None:  # a binary format: known by its bytes
            data = make_pdf("OpenAI Co-Leader Resigns", [["Jan Leike said safety took a backseat."]])
            assert detect_format(filename, "") == name and binary_format(data) == name
            [article] = read_all(data, "no-suffix")
            assert article.title == "OpenAI Co-Leader Resigns"
        else:
            data = text.encode()
            assert detect_format(filename, text) == name
            if name != "markdown":  # (Markdown is plain text to a sniffer: its suffix says it)
                assert sniff(text) == name, name
        [article] = read_all(data, filename)
        assert article.title == "OpenAI Co-Leader Resigns" and any("backseat" in p.text for p in article.paragraphs), name
        assert article.source_hash


def test_the_cli_offers_exactly_the_registered_formats():
    from archive.cli import ingest
    from archive.formats import FORMATS

    option = next(p for p in ingest.params if p.name == "reader")
    assert list(option.type.choices) == ["auto", *FORMATS]


def test_a_pdf_reads_as_an_article_across_pages_with_hyphenated_words_made_whole(tmp_path):
    from archive.readers import read_all

    data = make_pdf("Leike Joins Anthropic", [
        ["Jan Leike, who co-led the superalignment team at OpenAI, said on Tuesday that he has joined Anthropic, "
         "where he will lead a new team working on scalable oversight and weak-to-strong generalisation.",
         "The announcement came two weeks after his inter-\nnational resignation drew wide attention."],
        ["On the second page: Anthropic said the team would publish its research openly."]], author="Wire Staff")  # fmt: skip
    [a] = read_all(data, "leike.pdf")
    assert (a.title, a.author) == ("Leike Joins Anthropic", "Wire Staff")
    texts = [p.text for p in a.paragraphs[1:]]
    assert len(texts) == 3 and texts[0].startswith("Jan Leike, who co-led") and texts[0].endswith("generalisation.")
    assert "international resignation" in texts[1]  # the hyphen at the line's end is gone
    assert texts[2].startswith("On the second page")
    # no title in the document: its first short line is the headline
    [b] = read_all(make_pdf(None, [["Safety Team Disbanded", "OpenAI disbanded the team this week."]]), "x.pdf")
    assert b.title == "Safety Team Disbanded" and b.paragraphs[1].text == "OpenAI disbanded the team this week."


@pytest.mark.parametrize("data, says", [
    (b"%PDF-1.4\n%garbage that is no PDF at all\n", "cannot read the PDF"),
    (None, "the PDF has no text"),
])  # fmt: skip
def test_a_pdf_that_cannot_be_read_is_one_line(data, says):
    from archive.errors import ReadError
    from archive.readers import read_all

    data = data if data is not None else make_pdf("Scan", [[" "]])
    with pytest.raises(ReadError) as e:
        read_all(data, "bad.pdf")
    assert says in str(e.value) and "bad.pdf" in str(e.value)


def test_an_email_reads_subject_sender_date_and_text(tmp_path):
    from archive.readers import read_all

    plain = (b"From: \"AI Newsletter\" <news@example.com>\nTo: reader@example.com\nSubject: Leike joins Anthropic\n"
             b"Date: Tue, 28 May 2024 09:30:00 +0000\nContent-Type: text/plain; charset=utf-8\n\n"
             b"Jan Leike has joined Anthropic to continue\nsuperalignment work.\n\nHe left OpenAI two weeks ago.\n\n"
             b"> an earlier message, quoted\n")  # fmt: skip
    [a] = read_all(plain, "mail.eml")
    assert (a.title, a.author, a.date) == ("Leike joins Anthropic", "AI Newsletter", "2024-05-28")
    assert [p.text for p in a.paragraphs[1:]] == ["Jan Leike has joined Anthropic to continue superalignment work.",
                                                  "He left OpenAI two weeks ago."]  # fmt: skip
    html = (b"From: news@example.com\nSubject: Weekly digest\nMIME-Version: 1.0\nContent-Type: text/html\n\n"
            b"<html><body><h1>This week</h1><p>Leike joined Anthropic.</p><p>OpenAI named a new committee.</p>"
            b"<script>alert(1)</script></body></html>")  # fmt: skip
    [b] = read_all(html, "digest.eml")
    assert (b.title, b.author) == ("Weekly digest", "news@example.com")
    assert [p.text for p in b.paragraphs[1:]] == ["This week", "Leike joined Anthropic.", "OpenAI named a new committee."]
