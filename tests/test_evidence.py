"""Evidence over fragments (issue #19): in a passage search, a three-word bullet, a caption or a
headline that holds the query's words no longer stands above the paragraph that says what
happened (archive.ranking: a passage's worth as evidence grows with its length up to a point).
On both engines, through the CLI."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from .conftest import write

pytestmark = pytest.mark.engines

PAGE = """<html><head><meta charset="utf-8"><title>Leike quits OpenAI over superalignment</title>
<meta property="article:published_time" content="2024-05-17T10:00:00Z"></head><body><article>
<h1>Leike quits OpenAI over superalignment</h1>
<figure><img src="a.jpg"><figcaption>Jan Leike, who co-led the superalignment team.</figcaption></figure>
<p>Jan Leike said on Friday that he had resigned because the superalignment team he co-led had been
denied the computing power it was promised, and that safety culture had taken a backseat to products.
The team was disbanded days later and its researchers were moved to other groups.</p>
<ul><li>adversarial robustness, superalignment and confidentiality</li><li>more compute</li></ul>
<p>OpenAI said it remained committed to safety research and would publish more about its plans.</p>
</article></body></html>"""


@pytest.fixture
def story(run, tmp_path):
    run("ingest", str(write(tmp_path / "leike.html", PAGE)))
    return run


def test_the_paragraph_that_says_what_happened_comes_first(story):
    hits = story.json("search", "superalignment")["hits"]
    assert hits[0]["kind"] == "body" and hits[0]["text"].startswith("Jan Leike said on Friday")
    kinds = [h["kind"] for h in hits]
    assert set(kinds) == {"title", "caption", "body"} and len(hits) == 4  # the fragments are still found, below


def test_explain_says_what_the_passage_is_worth(story):
    hits = story.json("search", "superalignment", "--explain")["hits"]
    for h in hits:
        evidence, *parts = h["explain"]
        assert evidence["field"] == "(evidence)" and evidence["term"].startswith(h["kind"])
        words = len(h["text"].split())
        assert evidence["factor"] == pytest.approx(min(1.0, words / 30), abs=1e-3)
        assert sum(p["score"] for p in parts) == pytest.approx(h["score"], abs=0.01)


def test_pages_follow_the_weighed_order(story):
    every = [(h["article_id"], h["paragraph"]) for h in story.json("search", "superalignment")["hits"]]
    paged = [(h["article_id"], h["paragraph"]) for page in (1, 2)
             for h in story.json("search", "superalignment", "--limit", "2", "--page", str(page))["hits"]]
    assert paged == every


def test_by_article_and_date_order_are_not_weighed(story):
    by_article = story.json("search", "superalignment", "--by-article", "--explain")["hits"]
    assert all(p["field"] != "(evidence)" for h in by_article for p in h["explain"])
    newest = story.json("search", "superalignment", "--sort", "date", "--explain")["hits"]
    assert all(p["field"] != "(evidence)" for h in newest for p in h["explain"])


# -- a passage's words, counted without a regular expression ----------------------------------


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=300) | st.text("ab 中文字 오픈 カナ\u2e7f\u2e80 ", max_size=60))
@settings(max_examples=400, deadline=None)
def test_passage_words_counts_as_the_regular_expression_did(text):
    import re

    from archive.search import passage_words

    assert passage_words(text) == max(len(text.split()), len(re.findall("[\u2e80-\U0010ffff]", text)) // 2)


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=40) | st.text("aé’ 팀을 中文 カナ\u1100\u10ff", max_size=20))
@settings(max_examples=400, deadline=None)
def test_the_cjk_test_answers_as_the_regular_expression_did(text):
    import re

    from archive import analysis

    cjk = re.compile(r"[\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7a3\uf900-\ufaff]+")
    assert analysis.has_cjk(text) == (cjk.search(text) is not None)
    assert analysis.is_cjk_syllable(text) == (len(text) == 1 and cjk.match(text) is not None)
