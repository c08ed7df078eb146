"""The web page (archive serve) through Flask's test client: every route, every bad input, the
JSON API against the command's own JSON, escaping, writes from the page and who may make them,
and several searches at once. The page in a real browser: tests/test_web_browser.py."""

from __future__ import annotations

import http.client
import json
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archive.archive import Archive
from archive.web import create_app
from archive.web.params import BadParameter, SearchState
from archive.web.server import trusted_hosts
from archive.timeline import timeline

from .conftest import Run, write

HOST = {"Host": "127.0.0.1:8000"}  # (the test client's own requests say localhost)


def story(tmp_path: Path) -> Path:
    d = tmp_path / "story"
    write(d / "a.txt", "source: Wire\ndate: 2024-05-17\ntags: OpenAI; AI safety\n\nSuperalignment Team Disbanded at OpenAI"
          "\n\nOpenAI disbanded its superalignment safety team. Sutskever and Leike both left the company.\n\n"
          "The team had been promised a fifth of compute.\n")
    write(d / "b.txt", "source: Daily\ndate: 2024-05-20\ntags: OpenAI\n\nLeike Explains His Exit\n\n"
          "Jan Leike said safety culture took a back seat to shiny products at OpenAI.\n\n"
          "Leike wrote that superalignment research struggled for compute.\n")
    write(d / "c.txt", "source: Wire\ndate: 2024-05-28\ntags: Anthropic\n\nLeike Joins Anthropic\n\n"
          "Jan Leike joined Anthropic to continue superalignment work.\n")  # fmt: skip
    return d


@pytest.fixture
def site(run: Run, seed, tmp_path):
    """(the CLI runner, a test client) on one archive holding the seed and a small story."""
    run("ingest", str(seed), str(story(tmp_path)))
    ar = Archive.open(run.index)
    app = create_app(ar, trusted_hosts=trusted_hosts("127.0.0.1"))
    app.testing = True
    client = app.test_client()
    yield run, client, ar
    ar.close()


def text(resp) -> str:
    return resp.get_data(as_text=True)


def without_time(obj: dict) -> dict:
    return {k: v for k, v in obj.items() if k != "took_ms"}


# -- the search page ----------------------------------------------------------------------------


@pytest.mark.engines
def test_search_page_shows_ranked_hits_with_marks_facets_and_a_timeline(site, engine):
    run, client, _ = site
    r = client.get("/search?q=superalignment")
    assert r.status_code == 200 and r.mimetype == "text/html"
    page = text(r)
    assert re.search(r"6 paragraphs\s*<span class=\"took\">for <q>superalignment</q> in \d+ ms", page)
    assert page.count('<li class="hit">') == 6
    assert "<mark>superalignment</mark>" in page and "<mark>Superalignment</mark>" in page
    # each hit links to its article, at its paragraph, with the query to mark there
    assert 'href="/a/superalignment-team-disbanded-at-openai?q=superalignment#p2"' in page
    # facets narrow, with counts of articles
    assert 'href="/search?q=superalignment&amp;source=Wire"' in page
    assert 'href="/search?q=superalignment&amp;tag=AI+safety"' in page
    assert 'href="/search?q=superalignment&amp;since=2024-05&amp;until=2024-05"' in page
    # the timeline: a bar a day from the 17th to the 28th, each narrowing to its day
    bars = re.findall(r'<a href="/search\?q=superalignment&amp;since=(\d{4}-\d\d-\d\d)&amp;until=(\d{4}-\d\d-\d\d)"', page)
    assert len(bars) == 12 and bars[0] == ("2024-05-17", "2024-05-17") and bars[-1] == ("2024-05-28", "2024-05-28")
    assert 'aria-label="17 May 2024: 1 article"' in page and 'aria-label="18 May 2024: 0 articles"' in page


@pytest.mark.engines
def test_filters_narrow_show_what_is_applied_and_can_each_be_removed(site, engine):
    run, client, _ = site
    page = text(client.get("/search?q=superalignment&source=Wire&since=2024-05-20"))
    assert page.count('<li class="hit">') == 1 and "Leike Joins Anthropic" in page
    assert '<span>source: Wire</span> <a href="/search?q=superalignment&amp;since=2024-05-20"' in page
    assert '<span>since: 2024-05-20</span> <a href="/search?q=superalignment&amp;source=Wire"' in page
    # a tag filter ignores case; the header's search box keeps the filters for the next query
    page = text(client.get("/search?q=leike&tag=ai+SAFETY"))
    assert page.count('<li class="hit">') == 1
    assert '<input type="hidden" name="tag" value="ai SAFETY">' in page


@pytest.mark.engines
def test_grouping_sorting_paging_and_did_you_mean(site, engine):
    run, client, _ = site
    page = text(client.get("/search?q=superalignment&by=article"))
    assert re.search(r"4 articles", page) and page.count('<li class="hit">') == 4
    page = text(client.get("/search?q=leike&per=2"))
    assert '<ul class="inner">' in page
    page = text(client.get("/search?q=leike&sort=date"))
    dates = re.findall(r'<time datetime="([\d-]+)">', page)
    assert dates == sorted(dates, reverse=True) and dates
    page = text(client.get("/search?q=superalignment&n=2"))
    assert "page 1 of 3" in page and 'rel="next" href="/search?q=superalignment&amp;page=2&amp;n=2"' in page
    page = text(client.get("/search?q=superalignment&n=2&page=3"))
    assert 'rel="prev" href="/search?q=superalignment&amp;page=2&amp;n=2"' in page and 'rel="next"' not in page
    page = text(client.get("/search?q=superalignmnet"))
    assert 'Did you mean <a href="/search?q=superalignment">superalignment</a>?' in page


def test_the_home_page_says_what_the_archive_holds(site):
    run, client, _ = site
    page = text(client.get("/"))
    assert "4 articles, 20 paragraphs, 2024-05-17 to 2024-05-28." in page
    assert '<a href="/a/leike-joins-anthropic">Leike Joins Anthropic</a>' in page
    assert page.index("Leike Joins Anthropic") < page.index("Superalignment Team Disbanded")  # newest first


# -- the JSON API: one contract with the command line ----------------------------------------


@pytest.mark.engines
@pytest.mark.parametrize("params, args", [
    ("q=superalignment", ["superalignment"]),
    ("q=leike&by=article&facets=source,date,day,tag", ["leike", "--by-article", "--facets", "source,date,day,tag"]),
    ("q=leike&per=2&sort=date", ["leike", "--per-article", "2", "--sort", "date"]),
    ("q=%22Jan+Leike%22&context=1&explain=1", ['"Jan Leike"', "--context", "1", "--explain"]),
    ("q=superalignment&n=2&page=2&source=Wire&since=2024-05&tag=openai", ["superalignment", "-n", "2", "--page", "2",
                                                                      "--source", "Wire", "--since", "2024-05", "--tag", "openai"]),
    ("q=superalignmnet", ["superalignmnet"]),
    ("q=zzzqx", ["zzzqx"]),
    ("q=leike&all_copies=1", ["leike", "--all-copies"]),
])  # fmt: skip
def test_api_search_answers_what_the_command_prints(site, engine, params, args):
    run, client, _ = site
    r = client.get(f"/api/search?{params}")
    assert r.status_code == 200 and r.mimetype == "application/json"
    cli = run.json("search", *args, code=None)
    assert without_time(r.get_json()) == without_time(cli)


@pytest.mark.engines
def test_api_article_answers_what_show_prints(site, engine):
    run, client, _ = site
    r = client.get("/api/articles/leike-joins")
    assert r.status_code == 200
    assert r.get_json() == run.json("show", "leike-joins")
    r = client.get("/api/articles/nothing-like-this")
    assert r.status_code == 404 and "no article" in r.get_json()["error"]


def test_api_bad_input_is_a_400_with_the_parameter_named(site):
    run, client, _ = site
    for url, expected in [("/api/search", "q: give a query"), ("/api/search?q=a&page=0", "page: must be from 1"),
                          ("/api/search?q=a&facets=colour", "facets: no facet 'colour'"),
                          ("/api/search?q=a&sort=size", "sort: use relevance or date"),
                          ("/api/search?q=date:[2024-99-99+TO+*]", "date")]:  # fmt: skip
        r = client.get(url)
        assert r.status_code == 400, url
        assert expected in r.get_json()["error"], (url, r.get_json())


# -- an article ---------------------------------------------------------------------------------


def test_article_page_marks_the_search_and_links_every_paragraph(site):
    run, client, _ = site
    page = text(client.get("/a/openai-co-leader-yan-leike-also?q=superalignment"))
    assert "<h1 id=\"p1\">OpenAI Co-Leader Yan Leike Also Resigns</h1>" in page
    assert page.count("<mark>Superalignment</mark>") == 2
    for n in range(2, 13):
        assert f'id="p{n}"' in page and f'href="#p{n}"' in page
    # decks, captions with their credit, a way back to the results
    assert '<p class="deck para" id="p2">' in page
    assert re.search(r'<figure class="para caption" id="p4">.*Ilya Sutskever, OpenAI Co-Founder\. <span class="credit">OpenAI</span>', page)
    assert '<a href="/search?q=superalignment">← results for <q>superalignment</q></a>' in page
    # related articles beside it
    assert re.search(r'<h2>Related articles</h2>\s*<ol class="mini">\s*<li><a href="/a/', page)


def test_article_page_metadata_source_link_tags_and_paragraphs_like_one(site):
    run, client, _ = site
    page = text(client.get("/a/leike-explains-his-exit?like=2"))
    assert '<span class="source">Daily</span>' in page and '<time datetime="2024-05-20">' in page
    assert '<a href="/search?q=tag:%22OpenAI%22">OpenAI</a>' in page
    assert '<section id="similar">' in page and "<h2>Like paragraph 2</h2>" in page


def test_article_addresses_by_prefix_redirect_and_unknown_ones_are_404(site):
    run, client, _ = site
    r = client.get("/a/leike-joins?q=x")
    assert r.status_code == 302 and r.headers["Location"] == "/a/leike-joins-anthropic?q=x"
    r = client.get("/a/nothing-like-this")
    assert r.status_code == 404 and "no article" in text(r)
    r = client.get("/a/l")  # more than one article starts so
    assert r.status_code == 404 and "Not found" in text(r)


# -- the overview ---------------------------------------------------------------------------------


def test_overview_lists_stats_and_articles_newest_first(site, monkeypatch):
    run, client, _ = site
    page = text(client.get("/about"))
    assert re.search(r"<dt>Articles</dt><dd>4</dd>", page) and re.search(r"<dt>Engine</dt><dd>whoosh", page)
    assert re.search(r"<dt>Ranking by meaning</dt><dd>off \(turned off by ARCHIVE_SEMANTIC=off\)", page)
    rows = re.findall(r'<tr><td>([\d-]*)</td><td><a href="/a/([^"]+)">', page)
    assert [r[0] for r in rows] == ["2024-05-28", "2024-05-20", "2024-05-17", ""]
    monkeypatch.setattr("archive.web.app.LIST_PAGE", 3)
    assert "page 1 of 2 (4 articles)" in text(client.get("/about"))
    assert text(client.get("/about?page=2")).count("<tr><td>") == 1
    assert client.get("/about?page=3").status_code == 404
    assert client.get("/about?page=x").status_code == 400


# -- bad input, escaping, safety ------------------------------------------------------------------


@pytest.mark.parametrize("url, status, says", [
    ("/search?q=%22Jan", 200, ""),  # an unclosed quote is read as a phrase to the end
    ("/search?q=title:", 400, "title: needs a value"),
    ("/search?q=a&page=-1", 400, "page: must be from 1"),
    ("/search?q=a&n=zero", 400, "n: must be a whole number"),
    ("/search?q=a&since=someday", 400, "since/until"),
    ("/search?q=a&kind=poem", 400, "kind: use one of"),
    ("/search?q=" + "x" * 10_001, 400, "too long"),
    ("/a/" + "x" * 300, 404, "no article"),
    ("/nowhere", 404, "Not found"),
])  # fmt: skip
def test_bad_input_gets_the_page_with_a_clear_message_and_the_right_status(site, url, status, says):
    run, client, _ = site
    r = client.get(url)
    assert r.status_code == status, (url, text(r)[:300])
    assert says in text(r)
    assert "Traceback" not in text(r)
    assert client.get("/search?q=leike").status_code == 200  # and it keeps serving


def test_a_bug_gets_a_500_page_and_the_server_keeps_serving(site, monkeypatch):
    run, client, ar = site

    def broken(*a, **k):
        raise RuntimeError("a bug")

    monkeypatch.setattr(ar, "search", broken)
    r = client.get("/search?q=leike")
    assert r.status_code == 500 and "Something went wrong" in text(r) and "a bug" not in text(r)
    monkeypatch.undo()
    assert client.get("/search?q=leike").status_code == 200


def test_article_text_and_metadata_are_escaped(run, tmp_path):
    write(tmp_path / "evil.txt", 'title: <script>alert("t")</script> Headline\nsource: "><img src=x onerror=alert(1)>\n'
          "url: javascript:alert(1)\ntags: <b>bold</b>\n\n"
          "Body with <script>alert('x')</script> and <mark>fake</mark> and &amp; superalignment.\n")  # fmt: skip
    run("ingest", str(tmp_path / "evil.txt"))
    with Archive.open(run.index) as ar:
        client = create_app(ar, trusted_hosts=None).test_client()
        pages = [text(client.get("/search?q=superalignment")), text(client.get("/search?q=superalignment&per=1")),
                 text(client.get("/about"))]  # fmt: skip
        aid = ar.list()[0].id
        pages.append(text(client.get(f"/a/{aid}?q=superalignment")))
    for page in pages:
        assert "<script>alert" not in page and "<img src=x" not in page and "<b>bold</b>" not in page
        assert "javascript:" not in page
        assert "<mark>fake</mark>" not in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in pages[0]
    assert "&lt;mark&gt;fake&lt;/mark&gt;" in pages[-1] and "<mark>superalignment</mark>" in pages[-1]
    assert "&amp;amp;" in pages[-1]  # an ampersand in the text is text


def test_requests_for_another_host_are_refused(site):
    run, client, _ = site
    assert client.get("/", headers={"Host": "evil.example"}).status_code == 400
    assert client.get("/", headers={"Host": "evil.example:8000"}).status_code == 400
    for host in ("127.0.0.1:8000", "localhost:8000", "[::1]:8000"):
        assert client.get("/", headers={"Host": host}).status_code == 200, host
    assert trusted_hosts("0.0.0.0") is None and trusted_hosts("10.0.0.5") == ["10.0.0.5"]


@pytest.mark.parametrize("url", ["/static/../archive.db", "/static/%2e%2e/archive.db", "/static/..%2farchive.db",
                                 "/a/..%2f..%2farchive.db", "/static/%2e%2e/%2e%2e/whoosh/_paragraphs_1.toc",
                                 "/static//etc/passwd", "/a/%2e%2e"])  # fmt: skip
def test_no_request_reads_a_file_outside_the_static_folder(site, url):
    run, client, _ = site
    r = client.get(url)
    assert r.status_code in (404, 400, 308), url  # (308: //x is /x)
    if r.status_code == 308:
        assert client.get(r.headers["Location"]).status_code == 404
    assert b"SQLite format" not in r.data and b"root:" not in r.data


def test_every_response_carries_the_security_headers(site):
    run, client, _ = site
    for url in ("/", "/search?q=leike", "/api/search?q=leike", "/static/style.css", "/nowhere"):
        h = client.get(url).headers
        assert "default-src 'self'" in h["Content-Security-Policy"] and h["X-Content-Type-Options"] == "nosniff", url


def test_the_page_loads_nothing_from_another_host_and_stays_light(site):
    run, client, _ = site
    page = text(client.get("/search?q=superalignment"))
    refs = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert refs and all(r.startswith(("/", "#")) for r in refs), [r for r in refs if not r.startswith(("/", "#"))]
    weight = len(page.encode()) + sum(len(client.get(f"/static/{f}").data) for f in ("style.css", "app.js", "favicon.svg"))
    assert weight < 150_000


# -- adding from the page ------------------------------------------------------------------------


def _token(client) -> str:
    return re.search(r'name="token" value="([^"]+)"', text(client.get("/add"))).group(1)


def test_adding_pasted_text_ingests_it_as_archive_ingest_does(site):
    run, client, ar = site
    form = {"token": _token(client), "text": "Quokka Census Completed\n\nRangers counted 12,000 quokkas on Rottnest.\n",
            "source": "Island Times", "date": "2024-06-01", "tags": "wildlife, census"}  # fmt: skip
    r = client.post("/add", data=form, headers={"Origin": "http://localhost"})
    assert r.status_code == 200
    assert re.search(r'<strong>added</strong> <a href="/a/quokka-census-completed">Quokka Census Completed</a>', text(r))
    hit = run.json("search", "quokkas")["hits"][0]
    assert (hit["source"], hit["date"]) == ("Island Times", "2024-06-01")
    assert run.json("show", "quokka-census-completed")["tags"] == ["wildlife", "census"]
    r = client.post("/add", data=form)  # the same again: nothing new
    assert "<strong>unchanged</strong>" in text(r)
    assert len(run.json("list")) == 5


def test_adding_a_url_fetches_it(site, httpserver):
    run, client, _ = site
    httpserver.expect_request("/otter").respond_with_data(
        "<html><head><title>Otters Return to the Thames</title></head><body><article><h1>Otters Return to the Thames"
        "</h1><p>Otters were seen again in the Thames, a sign the river is cleaner than in decades.</p>"
        "</article></body></html>", content_type="text/html")  # fmt: skip
    r = client.post("/add", data={"token": _token(client), "url": httpserver.url_for("/otter"), "source": "River News"})
    assert r.status_code == 200 and "<strong>added</strong>" in text(r), text(r)
    assert run.json("search", "otters")["hits"][0]["source"] == "River News"


@pytest.mark.parametrize("headers, token, says", [
    ({}, "forged", "the form has expired or came from another site"),
    ({}, None, "the form has expired or came from another site"),
    ({"Origin": "http://evil.example"}, "right", "a page on another site cannot add"),
])  # fmt: skip
def test_only_the_page_itself_may_add(site, headers, token, says):
    run, client, _ = site
    data = {"text": "Forged Article\n\nSomething someone wants in the archive.\n"}
    if token is not None:
        data["token"] = _token(client) if token == "right" else token
    r = client.post("/add", data=data, headers=headers)
    assert r.status_code == 403 and says in text(r)
    assert len(run.json("list")) == 4


def test_add_without_anything_to_add_and_unreadable_input_say_so(site):
    run, client, _ = site
    r = client.post("/add", data={"token": _token(client)})
    assert r.status_code == 400 and "give the address of an article, or paste its text" in text(r)
    r = client.post("/add", data={"token": _token(client), "text": "   \n\n  "})
    assert r.status_code == 400 and "give the address of an article, or paste its text" in text(r)
    r = client.post("/add", data={"token": _token(client), "url": "ftp://example.com/x"})
    assert r.status_code == 400 and re.search(r"<strong>not added</strong> [^<]*ftp://example.com/x", text(r))
    r = client.post("/add", data={"token": _token(client), "url": "http://127.0.0.1:9/nothing-listens-here"})
    assert r.status_code == 400 and "<strong>not added</strong>" in text(r)
    assert len(run.json("list")) == 4


def test_a_read_only_server_has_no_form_and_refuses_writes(run, seed):
    run("ingest", str(seed))
    with Archive.open(run.index) as ar:
        client = create_app(ar, read_only=True).test_client()
        page = text(client.get("/add"))
        assert "served read-only" in page and "<form method=\"post\"" not in page
        assert 'href="/add"' not in text(client.get("/"))
        r = client.post("/add", data={"text": "Headline\n\nBody.\n"})
        assert r.status_code == 403
    assert len(run.json("list")) == 1


# -- several tabs at once --------------------------------------------------------------------------


@pytest.mark.engines
def test_concurrent_searches_through_the_server_get_what_serial_ones_get(site, engine):
    run, client, ar = site
    app = client.application
    queries = ["superalignment", "leike", "openai", "compute", "safety team", "anthropic", "sutskever", "team"]
    serial = {q: without_time(app.test_client().get(f"/api/search?q={q}&facets=source",
                                                    headers=HOST).get_json()) for q in queries}  # fmt: skip
    seen: list = []
    errors: list = []

    def tab(i: int) -> None:
        c = app.test_client()
        for k in range(6):
            q = queries[(i + k) % len(queries)]
            try:
                seen.append((q, without_time(c.get(f"/api/search?q={q}&facets=source", headers=HOST).get_json())))
                c.get(f"/search?q={q}", headers=HOST)
            except Exception as e:  # pragma: no cover - reported below
                errors.append(e)

    threads = [threading.Thread(target=tab, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(seen) == 48
    for q, got in seen:
        assert got == serial[q], q


# -- the parts ------------------------------------------------------------------------------------


def test_timeline_picks_days_weeks_months_or_years_by_span_and_keeps_gaps():
    day = timeline([{"value": "2024-05-17", "articles": 2, "paragraphs": 3}, {"value": "2024-05-19", "articles": 1}])
    assert day.unit == "day" and [b.articles for b in day.bars] == [2, 0, 1] and day.most == 2
    week = timeline([{"value": "2024-05-01", "articles": 1}, {"value": "2024-08-01", "articles": 1}])
    assert week.unit == "week" and week.bars[0].start == "2024-04-29" and week.bars[0].label == "week of 29 Apr 2024"
    month = timeline([{"value": "2020-01-15", "articles": 1}, {"value": "2024-05-28", "articles": 4}])
    assert month.unit == "month" and len(month.bars) == 53 and month.bars[-1].end == "2024-05-31"
    assert month.articles == 5
    odd = timeline([{"value": "0001-01-01", "articles": 1}, {"value": "9999-12-31", "articles": 1},
                    {"value": "not a date", "articles": 5}])  # fmt: skip
    assert odd.unit == "year" and len(odd.bars) == 100 and odd.bars[-1].end == "9999-12-31"
    assert timeline([]) is None and timeline([{"value": "", "articles": 1}]) is None


_text = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=30).map(lambda s: " ".join(s.split()))


@settings(max_examples=200, deadline=None)
@given(q=st.text(max_size=40).map(str.strip), page=st.integers(1, 999), n=st.integers(1, 500),
       sort=st.sampled_from(["relevance", "date"]), by=st.sampled_from(["", "article"]), per=st.integers(0, 100),
       source=_text, tag=_text, since=_text, all_copies=st.booleans())  # fmt: skip
def test_every_search_state_survives_its_own_address(q, page, n, sort, by, per, source, tag, since, all_copies):
    from urllib.parse import parse_qsl

    state = SearchState(q=q, page=page, n=n, sort=sort, by=by, per=per, source=source, tag=tag, since=since,
                        all_copies=all_copies)
    assert SearchState.from_args(dict(parse_qsl(state.query_string()))) == state


def test_search_state_rejects_what_it_cannot_use():
    for args, name in [({"page": "0"}, "page"), ({"n": "10001"}, "n"), ({"per": "x"}, "per"), ({"sort": "?"}, "sort"),
                       ({"by": "source"}, "by"), ({"facets": "x"}, "facets")]:  # fmt: skip
        with pytest.raises(BadParameter) as e:
            SearchState.from_args(args)
        assert e.value.name == name


# -- the command -----------------------------------------------------------------------------------


def _serve(index: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "archive.cli", "--index", str(index), "serve", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip


def test_serve_prints_its_address_answers_and_stops_on_ctrl_c(tmp_path, seed):
    import signal
    import urllib.request

    subprocess.run([sys.executable, "-m", "archive.cli", "--index", str(tmp_path / "ix"), "ingest", str(seed)], check=True,
                   capture_output=True)  # fmt: skip
    proc = _serve(tmp_path / "ix", "--port", "0")
    try:
        line = proc.stdout.readline()
        url = re.search(r"at (http://127\.0\.0\.1:\d+/) \(Ctrl-C to stop\)", line).group(1)
        body = json.loads(urllib.request.urlopen(url + "api/search?q=superalignment", timeout=10).read())
        assert body["total"] == 2
        # the same port again: one line, exit status 2
        port = url.rsplit(":", 1)[1].strip("/")
        busy = subprocess.run([sys.executable, "-m", "archive.cli", "--index", str(tmp_path / "ix"), "serve", "--port", port],
                              capture_output=True, text=True, timeout=30)  # fmt: skip
        assert busy.returncode == 2 and busy.stderr.strip().splitlines()[0].startswith(f"archive: --port {port} on 127.0.0.1 is in use")
        assert "Traceback" not in busy.stderr
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0 and "Traceback" not in err


class _FakeServer:
    """What serve() drives of a waitress server: run until closed."""

    def __init__(self) -> None:
        import types

        self.closed = threading.Event()
        self.task_dispatcher = types.SimpleNamespace(shutdown=lambda **kw: None)

    def run(self) -> None:
        self.closed.wait(30)

    def close(self) -> None:
        self.closed.set()


@pytest.mark.parametrize("when", ["starting", "waiting", "ready"])
def test_a_signal_at_any_moment_of_serving_stops_it(monkeypatch, when):
    """The interrupt's handler takes no lock: it once set a threading.Event, and a signal that
    came while the main thread was inside that event's wait deadlocked the server (CI saw
    `archive serve` never stop). Here the signal arrives while the loop thread starts, while the
    main thread waits, and while the address is being printed; each time it stops, says so,
    and gives back the handlers it found."""
    import signal
    import time

    from archive.web import server as web_server

    before = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    fake, events = _FakeServer(), []
    if when == "starting":
        run = fake.run
        fake.run = lambda: (signal.raise_signal(signal.SIGINT), run())  # (from the loop's own thread)
    if when == "waiting":
        sleep = time.sleep
        monkeypatch.setattr(time, "sleep", lambda s: (signal.raise_signal(signal.SIGTERM), sleep(s)))
    ready = (lambda: (events.append("ready"), signal.raise_signal(signal.SIGINT))) if when == "ready" else \
        (lambda: events.append("ready"))  # fmt: skip
    done = threading.Timer(10, lambda: fake.close())  # (a stuck serve() fails the test, not the run)
    done.start()
    started = time.monotonic()
    try:
        web_server.serve(fake, on_ready=ready, on_stop=lambda: events.append("stopped"), poll=0.05)
    finally:
        done.cancel()
    assert time.monotonic() - started < 5 and fake.closed.is_set()
    assert events[-1] == "stopped"
    assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == before


def test_an_interrupt_just_after_the_address_is_a_clean_stop(tmp_path, seed):
    """The address is printed once Ctrl-C would stop the server cleanly: an interrupt the
    moment it appears gives exit status 0 and 'stopped', not an interrupted exit."""
    import signal

    subprocess.run([sys.executable, "-m", "archive.cli", "--index", str(tmp_path / "ix"), "ingest", str(seed)], check=True,
                   capture_output=True)  # fmt: skip
    for _ in range(3):
        proc = _serve(tmp_path / "ix", "--port", "0", "--read-only")
        assert "(Ctrl-C to stop)" in proc.stdout.readline()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
        assert proc.returncode == 0 and err.strip().splitlines()[-1] == "stopped", err


def test_serving_beyond_this_machine_warns(tmp_path, seed):
    import signal

    subprocess.run([sys.executable, "-m", "archive.cli", "--index", str(tmp_path / "ix"), "ingest", str(seed)], check=True,
                   capture_output=True)  # fmt: skip
    proc = _serve(tmp_path / "ix", "--host", "0.0.0.0", "--port", "0", "--read-only")
    try:
        line = proc.stdout.readline()
        assert "http://0.0.0.0:" in line
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    assert "warning: serving on 0.0.0.0: anyone who can reach this address can read the archive" in err


@pytest.mark.slow
@pytest.mark.parametrize("sig", ["SIGINT", "SIGTERM"])
def test_serve_stops_promptly_while_busy(tmp_path, seed, sig):
    """An interrupt that arrives while requests are being handled stops the server (waitress
    catches every exception in its handlers: an interrupt delivered there was once swallowed,
    and the server kept running), and so does one sent to a server started in the background,
    where SIGINT is ignored and Python would never raise KeyboardInterrupt."""
    import signal
    import time
    import urllib.request

    subprocess.run([sys.executable, "-m", "archive.cli", "--index", str(tmp_path / "ix"), "ingest", str(seed)], check=True,
                   capture_output=True)  # fmt: skip
    proc = subprocess.Popen([sys.executable, "-m", "archive.cli", "--index", str(tmp_path / "ix"), "serve", "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))  # (as `cmd &` starts it)
    url = re.search(r"at (http://127\.0\.0\.1:\d+/) ", proc.stdout.readline()).group(1)
    done = threading.Event()

    def hammer() -> None:
        while not done.is_set():
            try:
                urllib.request.urlopen(url + "search?q=superalignment", timeout=5).read()
            except (OSError, http.client.HTTPException):  # (the server going away mid-answer)
                pass

    clients = [threading.Thread(target=hammer) for _ in range(6)]
    for c in clients:
        c.start()
    time.sleep(2)
    started = time.monotonic()
    proc.send_signal(getattr(signal, sig))
    try:
        proc.communicate(timeout=30)
    finally:
        done.set()
        for c in clients:
            c.join()
    assert proc.returncode == 0 and time.monotonic() - started < 15
