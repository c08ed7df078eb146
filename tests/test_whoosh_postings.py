"""Skipping through a word's postings (archive.engine.whoosh.postings): a bisection within the
block and block numbers summed in C land where Whoosh's own step-by-step walk lands, for any
postings and any run of targets, across blocks, at a list's end and on term vectors; and the
engine installs it."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archive.engine.whoosh import postings
from whoosh import fields
from whoosh.codec.whoosh3 import W3Codec, W3LeafMatcher
from whoosh.filedb.filestore import RamStorage
from whoosh.matching import ReadTooFar

pytestmark = pytest.mark.whoosh_only


def _searcher(docs: list[set[str]], blocklimit: int):
    ix = RamStorage().create_index(fields.Schema(body=fields.TEXT(vector=True)))
    w = ix.writer(codec=W3Codec(blocklimit=blocklimit))
    for words in docs:
        w.add_document(body=" ".join(sorted(words)))
    w.commit()
    return ix.searcher()


def _walk(matcher, targets: list[int], skip_to) -> list:
    """Where the matcher stands after each target: (document, its weight) or 'end'."""
    seen = []
    for target in targets:
        try:
            skip_to(matcher, target)
        except ReadTooFar:
            seen.append("read too far")
            continue
        seen.append((matcher.id(), matcher.weight()) if matcher.is_active() else "end")
    return seen


@settings(max_examples=150, deadline=None)
@given(members=st.lists(st.booleans(), min_size=1, max_size=400), blocklimit=st.sampled_from([2, 5, 16, 128]),
       steps=st.lists(st.integers(0, 60), max_size=40))  # fmt: skip
def test_skipping_lands_where_whoosh_lands(members, blocklimit, steps):
    docs = [{"word", "other"} if m else {"other"} for m in members]
    if not any(members):
        docs[0] = {"word"}
    with _searcher(docs, blocklimit) as s:
        targets, t = [], 0
        for step in steps:  # (skip_to is only ever asked to go forward, or to stay)
            t += step
            targets.append(t)
        theirs = s.postings("body", "word")
        ours = s.postings("body", "word")
        assert isinstance(ours, W3LeafMatcher)
        postings.WHOOSH_READ_IDS(theirs)
        assert postings.read_ids.__get__(ours)() is None and ours._ids == theirs._ids
        assert _walk(ours, targets, postings.skip_to) == _walk(theirs, targets, postings.WHOOSH_SKIP_TO)


def test_a_term_vector_is_walked_by_whoosh():
    """A term vector's ids are the words themselves: Whoosh's own walk, unchanged."""
    with _searcher([{"alpha", "beta", "delta", "gamma"}], 2) as s:
        v = s.reader().vector(0, "body")
        assert v._byteids
        v.skip_to("c")
        assert v.id() == "delta"
        v.skip_to("zeta")
        assert not v.is_active()


def test_the_engine_installs_it():
    from archive.engine.whoosh import index  # noqa: F401

    assert W3LeafMatcher.skip_to is postings.skip_to
    assert W3LeafMatcher._read_ids is postings.read_ids
