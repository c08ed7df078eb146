"""The web page in a real browser: Debian's Chromium, headless, driven by Playwright, against a
real `archive serve` on 127.0.0.1. What a reader does following a story: search, read the
passage, narrow, go back, see when the story broke, add an article; with and without
JavaScript, on a phone and a wide screen, light and dark, and through an accessibility check
(axe-core)."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import SEED
from .test_web import story

pytestmark = pytest.mark.slow
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def _need_browser() -> None:
    if not Path(CHROMIUM).exists():
        if os.environ.get("ARCHIVE_REQUIRE_BROWSER"):
            pytest.fail(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
        pytest.skip("no Chromium here (apt-get install chromium); CI installs it")


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """A real `archive serve` on the seed and a small story: its address."""
    _need_browser()
    tmp = tmp_path_factory.mktemp("served")
    index = tmp / "ix"
    env = {**os.environ, "ARCHIVE_SEMANTIC": "off", "HOME": str(tmp)}
    seeds = tmp / "seeds"
    seeds.mkdir()
    shutil.copy(SEED, seeds / SEED.name)
    subprocess.run([sys.executable, "-m", "archive.cli", "--index", str(index), "ingest", str(seeds), str(story(tmp))],
                   env=env, check=True, capture_output=True)  # fmt: skip
    proc = subprocess.Popen([sys.executable, "-m", "archive.cli", "--index", str(index), "serve", "--port", "0"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    line = proc.stdout.readline()
    m = re.search(r"at (http://127\.0\.0\.1:\d+)/", line)
    assert m, (line, proc.stderr.read() if proc.poll() is not None else "")
    yield m.group(1)
    proc.send_signal(signal.SIGINT)
    proc.communicate(timeout=30)


@pytest.fixture(scope="module")
def browser(served):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.errors = []
    pg.on("console", lambda m: pg.errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    yield pg
    context.close()


def _in_view(page, selector: str) -> bool:
    return page.evaluate(f"""() => {{ const r = document.querySelector({selector!r}).getBoundingClientRect();
                                    return r.top >= 0 && r.top < window.innerHeight; }}""")


def test_a_reader_follows_the_story(page, served):
    page.goto(served + "/")
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "q"
    page.keyboard.type("superalignment")  # results follow the typing
    page.wait_for_selector("li.hit")
    page.wait_for_url(re.compile(r"/search\?q=superalignment$"))
    assert page.locator("li.hit").count() == 6
    assert page.locator("li.hit mark").first.inner_text().lower() == "superalignment"
    assert "6 paragraphs" in page.locator("#summary").inner_text()

    # open the best hit: the article, at the hit's paragraph, the word marked there
    first = page.locator("li.hit h2 a").first
    href = first.get_attribute("href")
    n = re.search(r"#p(\d+)$", href).group(1)
    first.click()
    page.wait_for_url(re.compile(rf"/a/[\w-]+\?q=superalignment#p{n}$"))
    assert page.locator(f"#p{n} mark").count() >= 1
    assert _in_view(page, f"#p{n}")
    page.go_back()
    page.wait_for_url(re.compile(r"/search\?q=superalignment$"))
    assert page.locator("li.hit").count() == 6

    # narrow by a facet, see what is applied, go back
    page.locator("aside.facets a", has_text="Wire").first.click()
    page.wait_for_url(re.compile(r"source=Wire"))
    assert page.locator("li.hit").count() == 3  # (two articles: a headline and two paragraphs)
    assert "source: Wire" in page.locator("ul.applied").inner_text()
    page.go_back()
    page.wait_for_url(re.compile(r"/search\?q=superalignment$"))
    assert page.locator("li.hit").count() == 6

    # the timeline: when the story broke; a bar narrows to its day
    bars = page.locator("svg.bars a")
    assert bars.count() == 12
    page.locator('svg.bars a[aria-label^="28 May 2024"]').click()
    page.wait_for_url(re.compile(r"since=2024-05-28&until=2024-05-28"))
    assert page.locator("li.hit").count() == 1 and "Leike Joins Anthropic" in page.locator("li.hit").inner_text()

    # sort by date applies at once
    page.goto(served + "/search?q=leike")
    page.select_option("select[name=sort]", "date")
    page.wait_for_url(re.compile(r"sort=date"))
    dates = page.locator("li.hit time").all_inner_texts()
    assert dates == sorted(dates, reverse=True) and dates
    assert page.errors == []


def test_adding_an_article_from_the_page(page, served):
    page.goto(served + "/add")
    page.fill("#text", "Platypus Sighted in Melbourne Creek\n\nA platypus was filmed in the Merri Creek for the first time in years.\n")
    page.fill("#source", "Creek Gazette")
    page.fill("#date", "2024-06-02")
    page.click("form.addform button[type=submit]")
    page.wait_for_selector("ul.outcomes")
    assert "added" in page.locator("ul.outcomes").inner_text()
    page.locator("ul.outcomes a").click()
    assert page.locator("h1").inner_text() == "Platypus Sighted in Melbourne Creek"
    page.goto(served + "/search?q=platypus")
    assert page.locator("li.hit").count() == 2 and "Creek Gazette" in page.locator("li.hit").first.inner_text()
    assert page.errors == []


def test_the_page_works_without_javascript(browser, served):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(served + "/")
    page.fill("#q", "leike")
    page.press("#q", "Enter")
    page.wait_for_url(re.compile(r"/search\?q=leike"))
    assert page.locator("li.hit").count() > 1
    page.check("input[name=by]")
    page.click("form.controls button[type=submit]")
    page.wait_for_url(re.compile(r"by=article"))
    assert "articles" in page.locator("#summary").inner_text()
    page.locator("aside.facets a", has_text="Daily").first.click()
    page.wait_for_url(re.compile(r"source=Daily"))
    assert page.locator("li.hit").count() == 1
    context.close()


@pytest.mark.parametrize("width", [390, 1440])
def test_the_layout_fits_a_phone_and_a_wide_screen(browser, served, width):
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    for path in ("/search?q=superalignment", "/a/openai-co-leader-yan-leike-also?q=superalignment#p5", "/about", "/add"):
        page.goto(served + path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, (path, width, overflow)
    context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_page_passes_an_accessibility_check(browser, served, scheme):
    from axe_playwright_python.sync_playwright import Axe

    context = browser.new_context(color_scheme=scheme, bypass_csp=True)
    page = context.new_page()
    axe = Axe()
    for path in ("/", "/search?q=superalignment", "/search?q=leike&per=2", "/a/openai-co-leader-yan-leike-also?q=superalignment",
                 "/about", "/add", "/a/no-such-article"):  # fmt: skip
        page.goto(served + path)
        results = axe.run(page)
        problems = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in results.response["violations"]]
        assert problems == [], (path, scheme, problems)
    # dark mode is the system's setting, honoured
    page.goto(served + "/")
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert (background == "rgb(21, 23, 26)") == (scheme == "dark")
    context.close()


def test_a_hit_found_by_meaning_says_so_and_passes_the_accessibility_check(browser, tmp_path):
    """With the model, a sentence that shares no word with an article still finds it; the page
    says it was found by meaning, in light and dark alike, to axe's satisfaction."""
    import json

    from axe_playwright_python.sync_playwright import Axe

    from .test_meaning_recall import PARAPHRASE, STORIES
    from .test_semantic import need_model

    need_model()
    index, env = tmp_path / "ix", {**os.environ, "ARCHIVE_SEMANTIC": "on", "HOME": str(tmp_path)}
    stories = tmp_path / "stories.json"
    stories.write_text(json.dumps(STORIES))
    subprocess.run([sys.executable, "-m", "archive.cli", "--index", str(index), "ingest", str(stories)],
                   env=env, check=True, capture_output=True)  # fmt: skip
    proc = subprocess.Popen([sys.executable, "-m", "archive.cli", "--index", str(index), "serve", "--port", "0"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        base = re.search(r"at (http://127\.0\.0\.1:\d+)/", proc.stdout.readline()).group(1)
        for scheme in ("light", "dark"):
            context = browser.new_context(color_scheme=scheme, bypass_csp=True)
            page = context.new_page()
            page.goto(base + "/")
            page.fill("#q", PARAPHRASE)
            page.press("#q", "Enter")
            page.wait_for_selector("li.hit")
            hit = page.locator("li.hit")
            assert hit.count() == 1 and "Chief executive writes to staff" in hit.inner_text()
            assert hit.locator(".by-meaning").inner_text() == "found by meaning"
            assert hit.locator("mark").count() == 0  # no word to mark
            problems = [(v["id"], v["impact"]) for v in Axe().run(page).response["violations"]]
            assert problems == [], (scheme, problems)
            context.close()
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=30)
