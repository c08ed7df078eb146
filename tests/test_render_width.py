"""Text output in terminal columns: a Hangul syllable, a Chinese character or a kana takes two,
so wrapping, the list's columns and the copies' columns count columns, not characters."""

from __future__ import annotations

import textwrap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archive import render
from archive.render import Style, cells, clip, pad

from .conftest import write

KOREAN = ("오픈AI가 초정렬 안전팀을 해체했다고 17일 밝혔다. 팀을 이끌던 일리야 수츠케버와 얀 레이케가 잇따라 "
          "회사를 떠난 뒤의 일이다. 레이케는 엑스에 올린 글에서 안전 문화와 절차가 화려한 제품에 밀려났다고 "
          "비판했다.")  # fmt: skip


def test_columns_of_each_script():
    assert cells("superalignment") == 14 and cells("안전팀") == 6 and cells("オープンAI") == 10
    assert cells("Café — ‘quoted’") == 15 and cells("") == 0 and cells("ＡＢ") == 4
    assert pad("안전팀", 8) == "안전팀  " and pad("team", 8) == "team    "
    assert clip("안전팀 해체", 5) == "안전" and clip("safety team", 6) == "safety" and clip("abc", 9) == "abc"


def test_korean_text_wraps_at_the_width_in_columns():
    lines = render.wrap(KOREAN, Style(width=40), indent="    ").splitlines()
    assert len(lines) > 3 and all(cells(line) <= 40 for line in lines)
    assert max(cells(line) for line in lines) > 30  # (and fills them)
    assert " ".join(line.strip() for line in lines) == KOREAN


JAPANESE = ("米オープンAIは17日、人工知能の長期的なリスクを研究してきた「スーパーアライメント」チームを事実上解散したことを"
            "明らかにした。チームを率いていた共同創業者のイリヤ・サツケバー氏とヤン・ライケ氏が相次いで退社を表明していた。")  # fmt: skip


@pytest.mark.parametrize("width", [24, 30, 40, 80])
def test_chinese_and_japanese_break_between_characters_never_before_a_closing_mark(width):
    lines = [line.strip() for line in render.wrap(JAPANESE, Style(width=width), indent="    ").splitlines()]
    assert "".join(lines) == JAPANESE and len(lines) > 1
    assert all(cells("    " + line) <= width for line in lines)
    assert sum(cells("    " + line) >= width - 2 for line in lines) >= len(lines) - 2  # (full lines, but the last)
    assert not any(line[0] in "、。」』）" for line in lines)


_words = st.lists(st.text(st.sampled_from("ab안전팀オーﾊ漢Ｘé’"), min_size=1, max_size=8), min_size=1, max_size=40)


@settings(max_examples=300, deadline=None)
@given(words=_words, width=st.integers(20, 100))
def test_no_line_is_wider_than_the_width_and_nothing_is_lost(words, width):
    text = " ".join(words)
    lines = render.wrap(text, Style(width=width), indent="  ").splitlines()
    assert all(cells(line) <= width for line in lines)
    assert "".join("".join(line.split()) for line in lines) == "".join(text.split())
    spaced = [w for w in words if not any("\u3040" <= c <= "\u9fff" for c in w)]  # (only kana and Han break)
    assert all(w in " ".join(line.strip() for line in lines).split() for w in spaced)


@settings(max_examples=200, deadline=None)
@given(text=st.text(st.characters(max_codepoint=0x10FF, blacklist_categories=("Cs",)), max_size=300), width=st.integers(10, 100))
def test_text_without_wide_characters_wraps_as_textwrap_does(text, width):
    expected = "\n".join(textwrap.wrap(text, width=width, initial_indent="  ", subsequent_indent="  ",
                                       break_long_words=False, break_on_hyphens=False)) or ""  # fmt: skip
    assert render.wrap(text, Style(width=width), indent="  ") == expected


@pytest.mark.engines
def test_the_list_and_the_copies_line_up_in_columns(run, seed, tmp_path, engine):
    from .test_copies import japanese

    files = japanese(tmp_path)
    run("ingest", str(seed), str(write(tmp_path / "ko.txt", "source: 한겨레\n\n오픈AI 안전팀 해체\n\n" + KOREAN + "\n")))
    run("ingest", str(files["original"]))
    run("ingest", str(files["copy"]))
    rows = run("list", "--sort", "id").stdout.splitlines()
    header, rows = rows[0], rows[1:-1]
    assert len(rows) == 4
    for name in ("DATE", "SOURCE", "PARAS"):  # each column starts in the same terminal column on every row
        x = cells(header[: header.index(name)])
        assert all(cells(clip(row, x)) == x and row[len(clip(row, x)) - 1] == " " for row in rows), (name, rows)
    assert all(_at(row, cells(header[: header.index("DATE")]))[:1] in "2—" for row in rows), rows
    group = [line for line in run("copies").stdout.splitlines() if line.startswith("  ")]
    assert len(group) == 2
    x = cells(group[0][: group[0].index("地方タイムズ" if "地方タイムズ" in group[0] else "毎朝新聞")])
    assert {_at(line, x)[:4] for line in group} == {"毎朝新聞", "地方タイ"}


def _at(line: str, x: int) -> str:
    """What ``line`` shows from terminal column ``x`` on."""
    return line[len(clip(line, x)):]
