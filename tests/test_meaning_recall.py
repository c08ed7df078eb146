"""Recall by meaning: a sentence query brings in the articles nearest it by meaning that no word
found, marked as such, within every filter, never for short queries and never unrelated ones;
the stores' nearest-neighbour search is exact on every engine."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archive import semantic
from archive.archive import Archive

from .conftest import write
from .test_semantic import need_model

pytestmark = pytest.mark.engines


@pytest.fixture(autouse=True)
def _semantic_on(monkeypatch):
    monkeypatch.setenv("ARCHIVE_SEMANTIC", "on")
    need_model()


# "apology" says what the query asks in other words: no word of the query is in it.
STORIES = [
    {"id": "lab-safety", "title": "Safety group dissolved at AI lab", "date": "2024-05-17", "source": "Wire",
     "text": "OpenAI has disbanded the Superalignment group that studied how to keep superintelligent "
             "systems under human control."},
    {"id": "football", "title": "Team news", "date": "2024-05-18", "source": "Sport",
     "text": "The team said the company will control ticket costs this season. The team risks losing its "
             "captain, the company said, and the team will study the offer."},
    {"id": "budget", "title": "Council budget", "date": "2024-04-01", "source": "Local",
     "text": "The council approved a budget for road repairs and a new library after a long debate about costs."},
    {"id": "apology", "title": "Chief executive writes to staff", "date": "2024-05-24", "source": "Wire",
     "text": "Sam Altman wrote that he was embarrassed and sorry for the distress the exit papers caused "
             "people who left."},
]  # fmt: skip
PARAPHRASE = "firm says it regrets how departing workers were treated"


@pytest.fixture
def stories(tmp_path) -> Path:
    return write(tmp_path / "stories.json", json.dumps(STORIES))


def hits(run, *args: str) -> list[tuple[str, int, str]]:
    out = run.json("search", *args, code=None)
    assert run("search", *args, code=None).exit_code == (0 if out["hits"] else 1)
    return [(h["article_id"], h["paragraph"], h["matched"]) for h in out["hits"]]


def test_a_paraphrase_finds_the_article_that_shares_no_word(run, stories):
    run("ingest", str(stories))
    out = run.json("search", PARAPHRASE)
    assert out["ranking"] == "words+meaning" and out["total"] == 1
    [hit] = out["hits"]
    assert (hit["article_id"], hit["paragraph"], hit["kind"], hit["matched"]) == ("apology", 2, "body", "meaning")
    assert hit["snippet"] == STORIES[3]["text"] and "<mark>" not in hit["snippet"]  # the paragraph's start
    text = run("search", PARAPHRASE).stdout
    assert "¶2 body · found by meaning: no word in common" in text and "1 hit for" in text
    explained = run.json("search", PARAPHRASE, "--explain")["hits"][0]["explain"]
    assert [e["field"] for e in explained] == ["(meaning)", "(words)"]
    assert explained[1]["term"] == "no word of the query" and explained[1]["score"] == 0


def test_word_matches_come_first_and_are_marked_as_words(run, stories):
    run("ingest", str(stories))
    found = hits(run, "Altman says sorry to workers who left the firm")
    assert found[0][:2] == ("apology", 2) and found[0][2] == "words"  # it shares words now: no meaning hit
    assert all(m == "words" for _, _, m in found)


def test_meaning_hits_keep_every_filter(run, stories):
    run("ingest", str(stories))
    assert hits(run, PARAPHRASE, "--source", "Sport") == []
    assert hits(run, PARAPHRASE, "--source", "Wire", "--by-article") == [("apology", 2, "meaning")]
    assert hits(run, PARAPHRASE, "--until", "2024-05-23") == []
    assert hits(run, PARAPHRASE, "--since", "2024-05-24") == [("apology", 2, "meaning")]
    assert hits(run, PARAPHRASE, "--kind", "title") == [("apology", 1, "meaning")]  # shown by its headline
    assert hits(run, PARAPHRASE, "--kind", "caption") == []
    assert hits(run, PARAPHRASE, "--article", "football") == []
    run("set", "apology", "--tag", "ethics")
    assert hits(run, PARAPHRASE, "--tag", "sport") == []
    assert hits(run, PARAPHRASE, "--tag", "ethics") == [("apology", 2, "meaning")]


def test_never_for_short_queries_unrelated_articles_or_words_only(run, stories):
    run("ingest", str(stories))
    assert run.json("search", "regrets departing workers", code=1)["hits"] == []  # three words: all must match
    assert run.json("search", PARAPHRASE, "--words-only", code=1)["hits"] == []
    # the council's budget and the football team are not near enough in meaning to be brought in
    assert not {"budget", "football"} & {a for a, _, _ in hits(run, PARAPHRASE)}
    assert [m for _, _, m in hits(run, "a treatment lowers blood pressure in older patients")] == []


def test_meaning_only_fills_room_the_word_matches_leave(run, stories, monkeypatch):
    """Nothing a word found is displaced: with the candidate pool full of word matches, no
    article comes in by meaning."""
    run("ingest", str(stories))
    query = "the company regrets how the team treated departing workers"
    assert ("apology", 2, "meaning") in hits(run, query)
    monkeypatch.setattr(semantic, "CANDIDATES", 2)  # the word matches (football, twice) fill it
    assert [m for _, _, m in hits(run, query)] == ["words", "words"]


def test_pages_hold_with_meaning_hits(run, stories, tmp_path):
    more = [{"id": f"regret-{i}", "title": f"Letter {i}", "source": "Wire", "text": text} for i, text in enumerate([
        "The chief executive wrote to former staff, sorry for the way their exits were handled.",
        "Leaders of the startup apologised to ex-employees over the exit paperwork.",
        "An apology to people who quit: the lab's bosses admit the leaving terms were unfair.",
        "Management expressed remorse over its treatment of staff who resigned.",
    ])]  # fmt: skip
    run("ingest", str(stories), str(write(tmp_path / "more.json", json.dumps(more))))
    whole = hits(run, PARAPHRASE, "-n", "4")
    assert len(whole) == 4 and {m for _, _, m in whole} == {"meaning"}
    paged = [h for p in ("1", "2") for h in hits(run, PARAPHRASE, "-n", "2", "--page", p)]
    assert paged == whole
    assert run.json("search", PARAPHRASE)["total"] == 5


# -- the stores' nearest-neighbour search -------------------------------------------------------


def test_nearest_is_exact_on_every_engine(run, stories):
    run("ingest", str(stories))
    with Archive.open(run.index) as ar:
        ids = [s["id"] for s in STORIES]
        blobs = ar.store.vectors(ids, semantic.MODEL)
        q = semantic.embed_query(PARAPHRASE)
        exact = sorted(((i, float(semantic.from_blob(blobs[i]) @ q)) for i in ids), key=lambda x: -x[1])
        got = ar.store.nearest(q, semantic.MODEL, 3)
        assert [a for a, _ in got] == [a for a, _ in exact[:3]]
        assert np.allclose([c for _, c in got], [c for _, c in exact[:3]], atol=1e-4)
        assert [a for a, _ in ar.store.nearest(q, semantic.MODEL, 10, exclude={"apology"})] == \
            [a for a, _ in exact if a != "apology"]  # fmt: skip
        assert ar.store.nearest(q, "another-model", 3) == []
        if run.engine == "opensearch":  # an article read whole leaves its embedding (7 kB of JSON) behind
            assert not {"vector", "meaning"} & set(ar.store._record("apology"))


@pytest.mark.whoosh_only
@settings(max_examples=60, deadline=None)
@given(st.integers(1, 40), st.integers(0, 12), st.lists(st.integers(1, 9), min_size=1, max_size=8), st.integers(0, 2**31))
def test_nearest_in_chunks_is_the_best_k_of_all(n, k, chunks, seed):
    """Fed a chunk at a time, of any sizes, Nearest keeps exactly the k best of all (ties by id)."""
    rng = np.random.default_rng(seed)
    vectors = rng.normal(size=(n, 8)).astype(np.float16)
    q = rng.normal(size=8).astype(np.float32)
    ids = [f"a{i:03d}" for i in range(n)]
    exclude = set(ids[:: 5])
    found = semantic.Nearest(q, k, exclude)
    at, c = 0, 0
    while at < n:
        size = chunks[c % len(chunks)]
        found.add(ids[at : at + size], [v.astype("<f2").tobytes() for v in vectors[at : at + size]])
        at, c = at + size, c + 1
    scores = vectors.astype(np.float32) @ q
    expected = sorted(((ids[i], float(scores[i])) for i in range(n) if ids[i] not in exclude),
                      key=lambda x: (-x[1], x[0]))[:k]  # fmt: skip
    got = found.best()
    assert [round(s, 4) for _, s in got] == [round(s, 4) for _, s in expected]
    exact = dict(zip(ids, scores.tolist()))
    assert len({a for a, _ in got}) == len(got) and not exclude & {a for a, _ in got}
    assert all(abs(exact[a] - s) < 1e-4 for a, s in got)  # (each id with its own score)


def test_an_opensearch_archive_from_before_recall_by_meaning_is_upgraded(run, stories, engine, tmp_path):
    """Layout 4 kept each embedding as bytes only: the first write adds its k-NN vector; until
    then a search simply brings in nothing by meaning."""
    if engine != "opensearch":
        pytest.skip("the records' layout on OpenSearch (the SQLite store keeps only the bytes)")
    from archive.engine.opensearch.cluster import Cluster, ClusterConfig

    run("ingest", str(stories))
    cluster = Cluster(ClusterConfig(run.url, run.name))
    try:
        cluster.client.update_by_query(index=cluster.articles, refresh=True, conflicts="proceed", body={
            "script": {"source": "ctx._source.remove('meaning')"}})  # fmt: skip
        cluster.client.index(index=cluster.meta, id="meta:store_layout", refresh=True,
                             body={"kind": "meta", "key": "store_layout", "value": "4"})  # fmt: skip
    finally:
        cluster.close()
    assert hits(run, PARAPHRASE) == []
    run("ingest", str(write(tmp_path / "one.txt", "A note\n\nNothing else happened today at the council.")))
    assert hits(run, PARAPHRASE) == [("apology", 2, "meaning")]


def test_a_timeline_counts_only_what_words_match(run, stories):
    """A story's timeline counts the articles its words match, day by day: one found by meaning
    alone is a search's suggestion, not part of the count."""
    run("ingest", str(stories))
    query = "the company regrets how the team treated departing workers"
    assert {a for a, _, m in hits(run, query, "--by-article")} == {"football", "apology"}
    line = run.json("timeline", query)
    assert (line["articles"], line["undated"]) == (1, 0)
    out = run.json("search", query, "--by-article", "--facets", "source")
    assert out["total"] == 2 and out["facets"]["source"] == [{"value": "Sport", "articles": 1, "paragraphs": 2}]
    assert run("search", query, "-c").stdout.strip() == str(run.json("search", query)["total"])


def test_the_web_page_says_a_hit_was_found_by_meaning(run, stories):
    """The page and its JSON API show what the command shows: the hit, and how it was found."""
    from archive.web import create_app
    from archive.web.server import trusted_hosts

    run("ingest", str(stories))
    with Archive.open(run.index) as ar:
        app = create_app(ar, trusted_hosts=trusted_hosts("127.0.0.1"))
        client = app.test_client()
        page = client.get("/search", query_string={"q": PARAPHRASE}, headers={"Host": "127.0.0.1:8000"})
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        assert html.count('<li class="hit') == 1 and 'class="by-meaning"' in html and "found by meaning" in html
        api = client.get("/api/search", query_string={"q": PARAPHRASE}, headers={"Host": "127.0.0.1:8000"}).get_json()
    cli = run.json("search", PARAPHRASE)
    assert [(h["article_id"], h["matched"]) for h in api["hits"]] == [("apology", "meaning")]
    assert {k: v for k, v in api.items() if k != "took_ms"} == {k: v for k, v in cli.items() if k != "took_ms"}


def test_a_cluster_without_the_knn_plugin_keeps_working_and_gains_it_later(run, stories, engine, monkeypatch):
    """A minimal OpenSearch has no k-NN plugin, so no `knn_vector` field: the archive is made,
    ingests, embeds and blends as before, and finds nothing by meaning alone; once the plugin
    is there, the next write adds the field and fills it."""
    if engine != "opensearch":
        pytest.skip("the k-NN plugin is OpenSearch's")
    from archive.engine.opensearch.cluster import Cluster, ClusterConfig

    monkeypatch.setattr(Cluster, "has_knn", lambda self: False)
    run("ingest", str(stories))
    assert hits(run, PARAPHRASE) == []
    assert hits(run, semantic_query := "the company shut down the team studying control of superintelligent AI")
    assert run.json("search", semantic_query)["ranking"] == "words+meaning"
    cluster = Cluster(ClusterConfig(run.url, run.name))
    try:
        fields = cluster.client.indices.get_mapping(index=cluster.articles)[cluster.articles]["mappings"]["properties"]
        assert "meaning" not in fields and "vector" in fields
    finally:
        cluster.close()
    monkeypatch.undo()
    monkeypatch.setenv("ARCHIVE_SEMANTIC", "on")
    run("set", "budget", "--tag", "council")  # a write: the plugin is there now
    assert hits(run, PARAPHRASE) == [("apology", 2, "meaning")]


@pytest.mark.whoosh_only  # (no node needed: the client's answer is made up)
def test_a_user_who_may_not_list_plugins_is_taken_to_have_knn(monkeypatch):
    pytest.importorskip("opensearchpy")
    from opensearchpy import AuthorizationException

    from archive.engine.opensearch.cluster import Cluster, ClusterConfig

    cluster = Cluster(ClusterConfig("http://127.0.0.1:9", "t"))

    def refused(**kwargs):
        raise AuthorizationException(403, "security_exception", {"error": "no permissions for [cluster:monitor/nodes/info]"})

    monkeypatch.setattr(cluster.client.nodes, "info", refused)
    assert cluster.has_knn() is True
    cluster.close()
    with_plugins = Cluster(ClusterConfig("http://127.0.0.1:9", "t"))
    monkeypatch.setattr(with_plugins.client.nodes, "info", lambda **kw: {"nodes": {
        "a": {"plugins": [{"name": "opensearch-knn"}]}, "b": {"plugins": [{"name": "opensearch-sql"}]}}})  # fmt: skip
    assert with_plugins.has_knn() is False  # (one node without it: no knn_vector field)
    with_plugins.close()


@pytest.mark.whoosh_only
def test_a_damaged_vector_is_passed_over_not_a_crash(run, stories):
    """A stored embedding of the wrong length (a damaged store) counts as no embedding: the
    search still answers, and the other articles are still found by meaning."""
    run("ingest", str(stories))
    with Archive.open(run.index) as ar:
        ar.store.db.execute("UPDATE vectors SET vector = ? WHERE article_id = 'lab-safety'", (b"\x00" * 17,))
    assert hits(run, PARAPHRASE) == [("apology", 2, "meaning")]
    assert hits(run, "the company shut down the team studying control of superintelligent AI")
