"""Snippets and highlights: golden outputs for what people read."""

from __future__ import annotations

from archive import query as aq
from archive.snippets import Matcher, make_snippet

from .conftest import SEED, golden


def snip(text: str, q: str, length: int = 240) -> str:
    m = Matcher.from_query(aq.parse(q))
    return make_snippet(text, m.spans(text), length).html()


def test_short_paragraph_is_whole():
    assert snip("Leike: “AI Safety Losing Ground”", "leike") == "<mark>Leike</mark>: “AI Safety Losing Ground”"


def test_match_at_start_and_end():
    text = "Superalignment " + "filler words here " * 30 + "ends with Leike"
    s = snip(text, "superalignment leike", 120)
    assert s.startswith("<mark>Superalignment</mark> filler")
    assert s.count("<mark>") == 2 and " … " in s and s.endswith("<mark>Leike</mark>")
    # the same word twice far apart: one passage is enough
    s = snip("Superalignment " + "filler words here " * 30 + "superalignment", "superalignment", 120)
    assert s.startswith("<mark>Superalignment</mark>") and s.endswith("…")


def test_long_paragraph_window_around_the_densest_part():
    text = ("Unrelated opening sentence about the weather. " * 8 + "Then the safety team and the safety plan. "
            + "More unrelated closing words here. " * 8)  # fmt: skip
    s = snip(text, "safety team", 120)
    assert s.startswith("… Then the <mark>safety</mark> <mark>team</mark>") or s.startswith("Then the")
    assert s.count("<mark>") == 3 and s.endswith("…")
    assert len(s.replace("<mark>", "").replace("</mark>", "")) <= 130


def test_repeated_terms_and_phrase_parts():
    text = "Jan Leike said Leike was leaving; Jan agreed."
    assert snip(text, '"Jan Leike"') == "<mark>Jan</mark> <mark>Leike</mark> said Leike was leaving; Jan agreed."
    assert snip(text, "leike") == "Jan <mark>Leike</mark> said <mark>Leike</mark> was leaving; Jan agreed."


def test_curly_quotes_and_possessives():
    text = "OpenAI’s ‘Superalignment’ team"
    assert snip(text, "openai superalignment") == "<mark>OpenAI’s</mark> ‘<mark>Superalignment</mark>’ team"


def test_fuzzy_and_wildcard_marks():
    assert snip("Jan Leike resigned", "Yan~ leike") == "<mark>Jan</mark> <mark>Leike</mark> resigned"
    assert snip("the superalignment team", "superalign*") == "the <mark>superalignment</mark> team"


def test_korean_word_marked():
    assert snip("오픈AI가 안전팀을 해체했다", "오픈AI가") == "<mark>오픈AI가</mark> 안전팀을 해체했다"


def test_escaping():
    assert snip("a <script> & superalignment", "superalignment") == "a &lt;script&gt; &amp; <mark>superalignment</mark>"


def test_seed_snippets_golden():
    from archive.readers import read_all as read_bytes

    article = read_bytes(SEED.read_bytes(), "seed")[0]
    lines = []
    for q in ["superalignment", '"Jan Leike"', "Leike", "resign", "safety team", "Altman OR Brockman", "Yan~ Leike"]:
        m = Matcher.from_query(aq.parse(q))
        for p in article.paragraphs:
            spans = m.spans(p.text)
            if spans:
                lines.append(f"{q} | ¶{p.n} | {make_snippet(p.text, spans).html()}")
    golden("snippets_seed.txt", "\n".join(lines) + "\n")
