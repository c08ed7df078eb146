"""Reading text articles the way a person would: the seed's scraped form, plain text, front matter."""

from __future__ import annotations

import pytest

from archive.errors import ReadError
from archive.readers import read_all as read_bytes
from archive.readers.text import read_text, split_caption

from .conftest import SEED


def seed_article():
    return read_bytes(SEED.read_bytes(), str(SEED))[0]


def test_seed_has_twelve_paragraphs_with_their_kinds():
    a = seed_article()
    kinds = [p.kind for p in a.paragraphs]
    assert kinds == ["title", "subtitle", "subtitle", "caption", "body", "body", "caption"] + ["body"] * 5
    assert [p.n for p in a.paragraphs] == list(range(1, 13))
    assert a.title == "OpenAI Co-Leader Yan Leike Also Resigns"


def test_seed_wrappers_removed_inner_quotes_kept():
    a = seed_article()
    p5 = a.paragraphs[4].text
    assert p5.startswith("One of the co-founders of OpenAI and renowned as a ‘genius developer,’")
    assert p5.endswith("who had rejected him.")
    assert "‘Superalignment’ Team" in p5
    p9 = a.paragraphs[8].text
    assert p9.startswith("Leike continued, “OpenAI should")
    assert p9.endswith("benefit humanity.”")
    assert not any(p.text.startswith(",") or p.text.endswith(",") for p in a.paragraphs)


def test_seed_captions_keep_credit_apart():
    a = seed_article()
    assert (a.paragraphs[3].text, a.paragraphs[3].credit) == ("Ilya Sutskever, OpenAI Co-Founder.", "OpenAI")
    cap = a.paragraphs[6]
    assert cap.credit == "Yan Leike screenshot"
    assert cap.text.endswith("being left behind by profitable products.’")
    assert "/" not in cap.text


def test_seed_subtitles():
    a = seed_article()
    assert a.subtitles == [
        "Leike: “AI Safety Losing Ground to Profitable Products”",
        "OpenAI, Post-Dismissal Exodus Leaves Anti-Alignment Faction Eradicated",
    ]


@pytest.mark.parametrize(
    "line, expected",
    [
        ("Ilya Sutskever, OpenAI Co-Founder./OpenAI,", ("Ilya Sutskever, OpenAI Co-Founder.", "OpenAI")),
        ("A caption./Yonhap News,", ("A caption.", "Yonhap News")),
        ("See https://example.com/page,", None),  # a URL is not a credit
        ("cats and/or dogs,", None),  # lower-case word after a slash is not a credit
        ("A claim./This is a whole sentence that goes on far too long to be a credit line,", None),
    ],
)
def test_split_caption(line, expected):
    assert split_caption(line) == expected


def test_plain_text_blank_line_paragraphs_and_wrapped_lines():
    text = "A Plain Headline\nA deck under it\n\nFirst paragraph starts here\nand goes on here.\n\nSecond one.\n"
    a = read_text(text, "plain.txt")
    assert [(p.kind, p.text) for p in a.paragraphs] == [
        ("title", "A Plain Headline"),
        ("subtitle", "A deck under it"),
        ("body", "First paragraph starts here and goes on here."),
        ("body", "Second one."),
    ]


def test_front_matter_block():
    text = (
        "title: Board Members Leave\nsource: Example Daily\ndate: May 18, 2024\nurl: https://ex.com/a\n"
        "author: Kim Min-ji\ntags: openai, safety\nlang: EN\n\nBoard Members Leave\n\nThe body.\n"
    )
    a = read_text(text, "fm.txt")
    assert (a.title, a.source, a.date, a.url, a.author, a.lang) == (
        "Board Members Leave", "Example Daily", "2024-05-18", "https://ex.com/a", "Kim Min-ji", "en")
    assert a.tags == ["openai", "safety"]
    assert [(p.kind, p.text) for p in a.paragraphs] == [("title", "Board Members Leave"), ("body", "The body.")]


def test_fenced_front_matter_with_yaml_list():
    text = "---\ntitle: Fenced\ntags:\n  - one\n  - two\n---\n\nBody text here.\n"
    a = read_text(text, "f.txt")
    assert a.title == "Fenced" and a.tags == ["one", "two"]
    assert [p.kind for p in a.paragraphs] == ["title", "body"]


def test_headline_with_colon_is_not_front_matter():
    a = read_text("Leike: AI Safety Losing Ground\n\nBody.\n", "x.txt")
    assert a.title == "Leike: AI Safety Losing Ground"


def test_bad_front_matter_date_is_an_error_naming_the_file():
    with pytest.raises(ReadError, match=r"fm\.txt: .*not a date"):
        read_text("date: someday\n\nTitle\n\nBody\n", "fm.txt")


def test_overrides_win_and_tags_add_up():
    a = read_bytes(b"tags: a\n\nHeadline\n\nBody\n", "x", {"source": "Wire", "tags": ["b"], "lang": "en"})[0]
    assert a.source == "Wire" and a.tags == ["a", "b"] and a.lang == "en"


def test_title_override_turns_first_line_into_text():
    a = read_text("not really a headline\n\nbody\n", "x", {"title": "Given Title"})
    assert [(p.kind, p.text) for p in a.paragraphs][:2] == [("title", "Given Title"), ("body", "not really a headline")]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "cp949", "euc-kr", "utf-16"])
def test_korean_in_legacy_encodings(encoding):
    text = "오픈AI 안전팀 해체\n\n오픈AI가 초정렬 팀을 해체했다.\n"
    a = read_bytes(text.encode(encoding), "ko.txt")[0]
    assert a.title == "오픈AI 안전팀 해체"
    assert a.paragraphs[1].text == "오픈AI가 초정렬 팀을 해체했다."


def test_latin1_text():
    a = read_bytes("Café Society\n\nA naïve résumé.\n".encode("latin-1"), "l1.txt")[0]
    assert a.title == "Café Society" and a.paragraphs[1].text == "A naïve résumé."


@pytest.mark.parametrize(
    "data, problem",
    [(b"", "empty file"), (b"  \n\n ", "empty file"), (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
     (b",\n,\n,\n", "no article text")],
)  # fmt: skip
def test_bad_input_names_file_and_problem(data, problem):
    with pytest.raises(ReadError) as e:
        read_bytes(data, "bad.txt")
    assert e.value.message.startswith("bad.txt: ") and problem in e.value.message


def test_zero_width_characters_are_dropped():
    a = read_text("Head\u200bline\n\nBo\u00addy\ufeff text\n", "z")
    assert a.title == "Headline" and a.paragraphs[1].text == "Body text"
