"""The Whoosh engine's fast paths give exactly what Whoosh's own slow paths give.

Scores from in-memory field lengths, counting matches in the same walk that scores them,
reading a posting list a block at a time and importing Whoosh without the modules the archive
never uses: each is checked here against Whoosh itself, on an archive of several segments."""

from __future__ import annotations

import random
import subprocess
import sys

import pytest

from archive import archive as archive_module
from archive.archive import Archive, SearchOptions
from archive.engine.whoosh import index as whoosh_index
from archive.engine.whoosh import queries, writing
from archive.engine.whoosh.scoring import BM25Scorer
from archive.ranking import KIND_WEIGHTS
from archive.model import Article, Paragraph

pytestmark = [pytest.mark.whoosh_only, pytest.mark.slow]  # (a 50,000-paragraph archive)

COMMON = ["market", "prices", "said", "bank"]
RARE = ["cocoa", "zinc", "tapioca", "copra", "lumber", "jaguar"]


def _article(rng: random.Random, i: int) -> Article:
    def sentence() -> str:
        words = rng.choices(COMMON, k=rng.randint(2, 6)) + rng.sample(RARE, k=rng.randint(0, 2))
        words += ["central", "bank"] if rng.random() < 0.3 else []
        rng.shuffle(words)
        return " ".join(words + ["filler"] * rng.randint(0, 30)) + "."

    paras = [Paragraph(1, "title", f"Story {i} {rng.choice(COMMON)} {rng.choice(RARE)}")]
    paras += [Paragraph(n, "body", sentence()) for n in range(2, rng.randint(3, 7))]
    return Article(title=paras[0].text, paragraphs=paras, source="Wire", date=f"1987-0{1 + i % 3}-1{i % 9}")


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    """Three ingests (three segments at least), one article removed (deleted documents)."""
    rng = random.Random(7)
    path = tmp_path_factory.mktemp("fast") / "ix"
    with Archive.open(path, create=True) as ar:
        for start in (0, 150, 300):
            list(ar.ingest(_article(rng, i) for i in range(start, start + 150)))
        ar.remove([ar.list()[3].id])
    ar = Archive.open(path)
    assert ar.engine.segment_count() >= 2
    yield ar
    ar.close()


def test_scores_equal_whoosh_bm25(archive):
    """Every posting of every text term scores as Whoosh's BM25F (with the archive's idf)."""
    from whoosh import scoring

    s = archive.engine.searcher()
    checked = 0
    for sub, _ in s.leaf_searchers():
        reader = sub.reader()
        for fieldname, text in list(reader.all_terms()):
            if fieldname not in ("text", "title"):
                continue
            ours = s.weighting.scorer(sub, fieldname, text)
            assert isinstance(ours, BM25Scorer)
            m = reader.postings(fieldname, text)
            while m.is_active():
                length = reader.doc_field_length(m.id(), fieldname, 0) or 0
                expected = scoring.bm25(ours.idf, m.weight(), length, ours.avgfl, ours.B, ours.K1)
                assert ours.score(m) == pytest.approx(expected, rel=1e-12)
                checked += 1
                m.next()
    assert checked > 1000


def test_writer_reads_the_same_field_lengths_from_memory(archive):
    """What a flush asks of the new segment's lengths, per posting, answered from memory."""
    s = archive.engine.searcher()
    fields = ["text", "title", "kind", "article", "date", "source"]
    for sub, _ in s.leaf_searchers():
        perdoc = sub.reader()._perdoc
        cached = writing._CachedLengths(perdoc)
        for docnum in range(sub.reader().doc_count_all()):
            for f in fields:
                assert cached.doc_field_length(docnum, f) == (perdoc.doc_field_length(docnum, f) or 0)


def test_every_writer_is_given_the_length_cache(tmp_path, monkeypatch):
    flushed = []
    real = writing._CachedLengths.__init__

    def spy(self, reader):
        flushed.append(reader)
        real(self, reader)

    monkeypatch.setattr(writing._CachedLengths, "__init__", spy)
    with Archive.open(tmp_path / "ix", create=True) as ar:
        list(ar.ingest([_article(random.Random(1), 1)]))
        ar.optimize()
        ar.rebuild()
    assert len(flushed) >= 3  # ingest, optimize and rebuild each flushed through it


@pytest.mark.parametrize("walk_all_up_to", [0, 10**9])
@pytest.mark.parametrize(
    "query, opts",
    [
        ("said", {}),
        ("market prices", {}),
        ('"central bank"', {}),
        ("cocoa OR zinc", {}),
        ("bank -cocoa", {}),
        ("said", {"since": "1987-02-01"}),
        ('"central bank"', {"until": "1987-02-28"}),
        ("tapioca", {"kind": "title"}),
    ],
)
def test_totals_and_hits_match_whoosh(archive, monkeypatch, walk_all_up_to, query, opts):
    """Totals are Whoosh's own count of matches, whether the search walked every match
    (and counted as it scored) or skipped blocks (and counted in a second walk); the hits
    are the same either way."""
    monkeypatch.setattr(whoosh_index, "WALK_ALL_UP_TO", walk_all_up_to)
    result = archive.search(query, SearchOptions(limit=5, snippets=False, suggest=False, **opts))
    monkeypatch.setattr(whoosh_index, "WALK_ALL_UP_TO", -1 if walk_all_up_to else 10**9)
    other = archive.search(query, SearchOptions(limit=5, snippets=False, suggest=False, **opts))

    from whoosh import query as wq

    from archive import query as aq

    engine = archive.engine
    s = engine.searcher()
    core = engine._translate(aq.parse(query))
    fq = engine._filter(archive.searcher.filters(SearchOptions(**opts)))
    full = wq.And([core, fq]) if fq is not None else core
    expected = len(list(s.docs_for_query(full)))  # Whoosh's own count
    assert expected > 0
    cap = archive_module.COUNT_UP_TO  # beyond it, the total is a lower bound
    assert result.total == min(expected, cap) == other.total
    assert result.total_exact == (expected < cap) == other.total_exact
    assert [(h.article_id, h.paragraph, round(h.score, 9)) for h in result.hits] == [
        (h.article_id, h.paragraph, round(h.score, 9)) for h in other.hits
    ]


def test_a_search_is_bounded_by_its_rarest_word(archive, monkeypatch):
    """Whether a search walks every match (and counts as it scores) is decided by the most
    paragraphs its words can match: the rarer word's count. The headline lift adds score, not
    matches, so its larger estimate must not send a search that few matches through a second,
    counting walk."""
    from archive import query as aq

    engine = archive.engine
    s = engine.searcher()
    tree = aq.parse("tapioca bank")
    core = engine._translate(tree)
    lifted = engine._with_title_lift(tree, archive_module.TITLE_WEIGHT, core)
    bound = core.estimate_size(s.reader())
    assert lifted.estimate_size(s.reader()) > bound  # (else this test shows nothing)
    monkeypatch.setattr(whoosh_index, "WALK_ALL_UP_TO", bound)
    walks = []
    monkeypatch.setattr(whoosh_index, "count_matches", lambda *a: walks.append(a) or (0, True))
    result = archive.search("tapioca bank", SearchOptions(limit=5, snippets=False, suggest=False))
    assert walks == []
    assert result.total > 5 and result.total_exact


def test_posting_ids_by_block_equal_all_ids(archive):
    """The same docnums as Whoosh's all_ids, plus deleted ones (which are never scored)."""
    s = archive.engine.searcher()
    deleted_seen = 0
    for sub, _ in s.leaf_searchers():
        reader = sub.reader()
        deleted = {d for d in range(reader.doc_count_all()) if reader.is_deleted(d)}
        deleted_seen += len(deleted)
        for kind in ("title", "body"):
            ours = queries._posting_ids(reader.postings("kind", kind))
            assert ours == sorted(ours)
            assert [d for d in ours if d not in deleted] == list(reader.postings("kind", kind).all_ids())
    assert deleted_seen  # the removed article's paragraphs are still in a segment


def test_kind_weights_cover_every_headline(archive):
    s = archive.engine.searcher()
    for sub, _ in s.leaf_searchers():
        reader = sub.reader()
        weights = queries._kind_weights(reader)
        titles = [d for d in range(reader.doc_count_all()) if not reader.is_deleted(d)
                  and reader.stored_fields(d) and reader.column_reader("kind")[d] == "title"]  # fmt: skip
        assert titles and all(weights[d] == KIND_WEIGHTS["title"] for d in titles)


def test_whoosh_imports_lean_and_whole():
    """Importing the engine leaves out what the archive never uses; Whoosh's own functions
    that need those modules still work (the stand-in imports the real module)."""
    code = (
        "import sys\n"
        "import archive.engine.whoosh.index\n"
        "left_out = [m for m in ('urllib.request', 'asyncio', 'whoosh.lang.morph_en', 'whoosh.lang.porter')"
        " if m in sys.modules]\n"
        "print(left_out)\n"
        "from whoosh.query.terms import variations\n"
        "from whoosh.analysis import StemmingAnalyzer\n"
        "print('rendering' in variations('rendered'), [t.text for t in StemmingAnalyzer()('rendering dogs')])\n"
        "import whoosh.lang.morph_en, whoosh.lang.porter\n"
        "print(whoosh.lang.porter.__file__ is not None)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split("\n")
    assert out[0] == "[]"
    assert out[1] == "True ['render', 'dog']"
    assert out[2] == "True"


@pytest.mark.parametrize(
    "query, opts",
    [
        ("said", {"kind": "title"}),
        ("tapioca OR copra", {"kind": "title"}),
        ("story cocoa", {"since": "1987-02-01"}),
        ("said", {"since": "1987-02-01"}),
        ("market prices", {"since": "1987-02-01"}),
        ('"central bank"', {"until": "1987-01-31", "kind": "body"}),
        ("tapioca OR copra", {"until": "1987-01-31", "kind": "body"}),
    ],
)
def test_filtered_search_equals_filtering_every_scored_match(archive, query, opts):
    """A filter walked beside the query gives what scoring every match and then dropping
    those the filter refuses gives: same paragraphs, same scores (headline lift included)."""
    from archive import query as aq

    engine = archive.engine
    s = engine.searcher()
    lifted = engine._with_title_lift(aq.parse(query), archive_module.TITLE_WEIGHT)
    allowed = set(s.docs_for_query(engine._filter(archive.searcher.filters(SearchOptions(**opts)))))
    everything = s.search(lifted, limit=None)
    fields = s.reader().stored_fields
    kept = {(fields(d)["article"], fields(d)["n"]): round(sc, 9) for sc, d in everything.top_n if d in allowed}
    assert kept, "the fixture should have matches for this filter"
    best = sorted(kept.values(), reverse=True)[:5]
    # the searcher's own engine step (the scores before passages are weighed as evidence)
    plan = archive.searcher.plan(query, SearchOptions(limit=5, snippets=False, suggest=False, **opts))
    hits = archive.searcher.run(plan)[1].hits[:5]
    assert [round(h.score, 9) for h in hits] == best  # (ties at the cut may be either paragraph)
    assert all(kept[(h.article_id, h.n)] == round(h.score, 9) for h in hits)


def test_and_maybe_skip_keeps_the_optional_side_on_the_match():
    from whoosh.matching import AndMaybeMatcher, ListMatcher

    def pair(cls):
        m = cls(ListMatcher([1, 10], all_weights=1.0), ListMatcher([5, 10], all_weights=2.0))
        m.skip_to(3)
        return m.id(), m.score()

    assert pair(queries._AndMaybeMatcher) == (10, 3.0)
    assert pair(AndMaybeMatcher) == (10, 1.0)  # Whoosh's own: the optional side left behind


def test_count_stops_where_it_was_asked_to(archive):
    from archive import query as aq
    from archive.engine.base import EngineQuery

    full = archive.engine.count(EngineQuery(aq.parse("said"), [], count_up_to=10**9))
    assert full > 1000
    assert archive.engine.count(EngineQuery(aq.parse("said"), [], count_up_to=3)) == 3
    kind = archive.searcher.filters(SearchOptions(kind="title"))
    titles = archive.engine.count(EngineQuery(aq.parse("said"), kind, count_up_to=10**9))
    assert 0 < titles < full


def test_facets_follow_new_articles_in_one_open_archive(tmp_path):
    """The column readers kept between searches are the index reader's: new articles show."""
    rng = random.Random(3)
    with Archive.open(tmp_path / "ix", create=True) as ar:
        list(ar.ingest(_article(rng, i) for i in range(40)))
        before = ar.search("said", SearchOptions(facets=["source", "kind"], suggest=False)).facets
        extra = _article(rng, 999)
        extra.source = "Other Wire"
        extra.paragraphs[1].text += " said"
        list(ar.ingest([extra]))
        after = ar.search("said", SearchOptions(facets=["source", "kind"], suggest=False)).facets
    assert [v["value"] for v in before["source"]] == ["Wire"]
    assert {v["value"]: v["articles"] for v in after["source"]}["Other Wire"] == 1
