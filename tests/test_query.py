"""The query language: parsing, and that no text at all can make it crash."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archive import query as aq
from archive.errors import QueryError


def test_words_phrases_and_operators():
    assert aq.parse("a b") == aq.And((aq.Term(None, "a"), aq.Term(None, "b")))
    assert aq.parse('"Jan Leike"~2') == aq.Phrase(None, "Jan Leike", 2)
    assert aq.parse("a OR b") == aq.Or((aq.Term(None, "a"), aq.Term(None, "b")))
    assert aq.parse("a -b") == aq.And((aq.Term(None, "a"), aq.Not(aq.Term(None, "b"))))
    assert aq.parse("a AND b") == aq.parse("a b")


def test_fields_dates_fuzzy_wildcards():
    assert aq.parse("title:leike") == aq.Term("title", "leike")
    assert aq.parse('title:"Jan Leike"') == aq.Phrase("title", "Jan Leike")
    assert aq.parse("date:[2024-05-01 TO 2024-05-31]") == aq.Range("date", "2024-05-01", "2024-05-31")
    assert aq.parse("date:2024-05") == aq.Range("date", "2024-05-01", "2024-05-31")
    assert aq.parse("date:[2024-05-01 TO *]") == aq.Range("date", "2024-05-01", None)
    assert aq.parse("Yan~") == aq.Fuzzy(None, "Yan", 1)
    assert aq.parse("Yan~2") == aq.Fuzzy(None, "Yan", 2)
    assert aq.parse("superalign*") == aq.Wildcard(None, "superalign*")
    assert aq.parse("kind:Caption") == aq.Term("kind", "caption")


def test_punctuation_is_text():
    assert aq.parse("safety?") == aq.Term(None, "safety")
    assert aq.parse("Leike: safety") == aq.And((aq.Term(None, "Leike"), aq.Term(None, "safety")))
    assert aq.parse("what? (really)") == aq.And((aq.Term(None, "what"), aq.Term(None, "really")))
    assert aq.parse("unbalanced (a b") == aq.And((aq.Term(None, "unbalanced"), aq.And((aq.Term(None, "a"),
                                                                                       aq.Term(None, "b")))))


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=200))
def test_any_text_parses_or_raises_query_error(text):
    try:
        node = aq.parse(text)
    except QueryError as e:
        assert e.message and "\n" not in e.message
    else:
        assert aq.has_positive(node)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(['"', "(", ")", "OR", "NOT", "-", "title:", "date:[", "TO", "]", "~", "*", "a",
                                 "leike", "2024-05-01", "kind:", "x*y", ":"]), max_size=12))  # fmt: skip
def test_syntax_soup_never_crashes(parts):
    try:
        aq.parse(" ".join(parts))
    except QueryError:
        pass


def test_query_limits_are_configurable(monkeypatch):
    import pytest

    aq.parse("a b c")
    monkeypatch.setenv("ARCHIVE_MAX_QUERY_TERMS", "2")
    with pytest.raises(QueryError, match="limit is 2 .ARCHIVE_MAX_QUERY_TERMS"):
        aq.parse("a b c")
    monkeypatch.setenv("ARCHIVE_MAX_QUERY_CHARS", "4")
    with pytest.raises(QueryError, match="limit is 4"):
        aq.parse("abcde")


def test_a_field_applies_to_a_group_as_in_lucene():
    assert aq.parse("title:(Leike OR Sutskever)") == aq.Or((aq.Term("title", "Leike"), aq.Term("title", "Sutskever")))
    assert aq.parse('kind:(title OR "caption") leike') == aq.And(
        (aq.Or((aq.Term("kind", "title"), aq.Term("kind", "caption"))), aq.Term(None, "leike")))
    # a part with its own field keeps it; phrases, fuzzy words and wildcards take the group's field
    assert aq.parse('title:("jan leike" yan~ super* source:wire)') == aq.And(
        (aq.Phrase("title", "jan leike"), aq.Fuzzy("title", "yan", 1), aq.Wildcard("title", "super*"),
         aq.Term("source", "wire")))  # fmt: skip
    assert aq.parse("date:(2024-05 OR 2024-07)") == aq.Or(
        (aq.Range("date", "2024-05-01", "2024-05-31"), aq.Range("date", "2024-07-01", "2024-07-31")))
    assert aq.parse("title:(leike -anthropic)") == aq.And((aq.Term("title", "leike"), aq.Not(aq.Term("title", "anthropic"))))
    _refused([("title:()", "title: needs a value in its parentheses"), ("kind:(poem)", "kind:poem is not"),
              ("date:(someday)", "date:")])  # fmt: skip


def test_date_ranges_with_two_dots():
    assert aq.parse("date:2024-05-14..2024-05-20") == aq.Range("date", "2024-05-14", "2024-05-20")
    assert aq.parse("date:2024-05..2024-06") == aq.Range("date", "2024-05-01", "2024-06-30")
    assert aq.parse("date:2024-05-17..") == aq.Range("date", "2024-05-17", None)
    assert aq.parse("date:..2024-05") == aq.Range("date", None, "2024-05-31")
    _refused([("date:2024-05-21..2024-05-18", "starts after it ends"), ("date:..", "date: needs a value, e.g. date:2024-05"),
              ("date:2024-05-01..someday", "date:")])  # fmt: skip


def _refused(cases: list[tuple[str, str]]) -> None:
    """Each query is refused with a QueryError that says the given words."""
    for bad, says in cases:
        with pytest.raises(QueryError) as e:
            aq.parse(bad)
        assert says in str(e.value), (bad, e.value)
