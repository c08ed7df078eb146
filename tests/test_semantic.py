"""Semantic ranking: the MiniLM encoder (ONNX Runtime and numpy) against sentence-transformers' own vectors, embeddings
kept with their articles, sentence queries blended with meaning, and the ways to turn it off."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from archive import embeddings, semantic
from archive.archive import Archive, SearchOptions

from .conftest import GOLDEN, write

pytestmark = pytest.mark.engines


def need_model() -> None:
    """Skip without the model, unless the run requires it (CI installs it)."""
    reason = embeddings.unavailable_reason()
    if reason:
        if os.environ.get("ARCHIVE_REQUIRE_MODEL"):
            pytest.fail(f"the embedding model is required (ARCHIVE_REQUIRE_MODEL) but: {reason}")
        pytest.skip(reason)


@pytest.fixture(autouse=True)
def _semantic_on(monkeypatch):
    monkeypatch.setenv("ARCHIVE_SEMANTIC", "on")
    need_model()


# Three articles where the words of the query favour the wrong one: a sports story uses
# "company", "team", "control" and "study"; the story the query means uses none of them twice.
STORIES = [
    {"id": "lab-safety", "title": "Safety group dissolved at AI lab", "date": "2024-05-17",
     "text": "OpenAI has disbanded the Superalignment group that studied how to keep superintelligent "
             "systems under human control."},
    {"id": "football", "title": "Team news", "date": "2024-05-18",
     "text": "The team said the company will control ticket costs this season. The team risks losing its "
             "captain, the company said, and the team will study the offer."},
    {"id": "budget", "title": "Council budget", "date": "2024-04-01",
     "text": "The council approved a budget for road repairs and a new library after a long debate about costs."},
]  # fmt: skip
QUERY = "the company shut down the team studying control of superintelligent AI"


@pytest.fixture
def stories(tmp_path) -> Path:
    return write(tmp_path / "stories.json", json.dumps(STORIES))


def ranked(run, *args: str) -> tuple[str, list[str]]:
    out = run.json("search", QUERY, "--by-article", *args)
    return out["ranking"], [h["article_id"] for h in out["hits"]]


# -- the model ----------------------------------------------------------------------------------


RUNTIMES = ["onnxruntime", "numpy"]
_embedders: dict[str, embeddings.Embedder] = {}


def embedder(runtime: str) -> embeddings.Embedder:
    if runtime not in _embedders:
        _embedders[runtime] = embeddings.Embedder(runtime=runtime)
    return _embedders[runtime]


@pytest.mark.whoosh_only
def test_onnx_runtime_is_what_runs_when_installed():
    assert embeddings.shared_embedder().runtime == "onnxruntime"


@pytest.mark.whoosh_only
@pytest.mark.parametrize("runtime", RUNTIMES)
def test_vectors_equal_sentence_transformers(runtime):
    golden = json.loads((GOLDEN / "minilm_vectors.json").read_text())
    ours = embedder(runtime).embed(golden["texts"])
    theirs = np.array(golden["vectors"], dtype=np.float32)
    assert ours.shape == (4, 384)
    assert np.abs(ours - theirs).max() < 2e-6  # the fourth text is cut at 256 word pieces, as theirs
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)


@pytest.mark.whoosh_only
@pytest.mark.parametrize("runtime", RUNTIMES)
def test_batching_and_workers_do_not_change_vectors(runtime):
    texts = ["short", "a somewhat longer sentence about OpenAI's safety team", "", "x " * 400, "Jan Leike"] * 3
    e = embedder(runtime)
    together = e.embed(texts, batch_tokens=4096)
    alone = np.stack([e.embed([t])[0] for t in texts])
    on_two = e.embed(texts, workers=2)
    assert np.abs(together - alone).max() < 1e-5
    assert np.abs(on_two - alone).max() < 1e-5
    assert e.embed([]).shape == (0, 384)


@pytest.mark.whoosh_only
def test_progress_moves_with_every_text():
    seen: list[int] = []
    texts = ["x " * n for n in (300, 5, 200, 40, 120, 7)]
    embedder("onnxruntime").embed(texts, progress=seen.append)
    assert sum(seen) == len(texts) and len(seen) >= 4  # as each batch is done, not once at the end


@pytest.mark.whoosh_only
def test_blas_is_held_to_one_thread_while_embedding(monkeypatch):
    from threadpoolctl import threadpool_info

    seen: list[int] = []
    e = embedder("numpy")
    real = e._encode

    def spy(tokens, mask):
        seen.extend(i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas")
        return real(tokens, mask)

    monkeypatch.setattr(e, "_encode", spy)
    e.embed(["one text", "and another"], workers=1)
    assert seen and set(seen) == {1}


@pytest.mark.whoosh_only
def test_an_onnx_runtime_that_cannot_run_the_graph_leaves_numpy(monkeypatch):
    def broken(weights):
        raise RuntimeError("no such operator")

    monkeypatch.setattr(embeddings, "_session", broken)
    e = embeddings.Embedder()
    assert e.runtime == "numpy" and "no such operator" in e.runtime_note
    assert np.abs(e.embed(["Jan Leike"]) - embedder("onnxruntime").embed(["Jan Leike"])).max() < 1e-5
    with pytest.raises(embeddings.ModelUnavailable, match="ONNX Runtime cannot run the encoder"):
        embeddings.Embedder(runtime="onnxruntime")  # asked for by name: said, not replaced


@pytest.mark.whoosh_only
def test_status_names_the_runtime_without_loading_the_model(monkeypatch):
    import importlib.util

    monkeypatch.setattr(embeddings, "_shared", None)
    semantic._onnxruntime_installed.cache_clear()
    assert semantic.runtime() == "onnxruntime"
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "onnxruntime" else real(name, *a))
    semantic._onnxruntime_installed.cache_clear()  # (looked up once per process)
    assert semantic.runtime() == "numpy"  # (where ONNX Runtime is not installed)
    semantic._onnxruntime_installed.cache_clear()
    monkeypatch.setattr(embeddings, "_shared", embedder("numpy"))
    assert semantic.runtime() == "numpy"  # the model loaded: what it runs on


@pytest.mark.whoosh_only
def test_without_threadpoolctl_numpy_embeds_as_it_comes(monkeypatch):
    monkeypatch.setattr(embeddings, "_controller", False)
    assert embedder("numpy").embed(["one", "two"], workers=2).shape == (2, 384)


@pytest.mark.whoosh_only
def test_the_shipped_encoder_graph_is_what_the_builder_makes():
    pytest.importorskip("onnx")
    from archive import encoder_graph

    assert encoder_graph.GRAPH.read_bytes() == encoder_graph.build()


@pytest.mark.whoosh_only
def test_other_weights_are_refused(tmp_path, monkeypatch):
    real = embeddings.model_dir()
    fake = tmp_path / "model"
    fake.mkdir()
    shutil.copy(real / "tokenizer.json", fake / "tokenizer.json")
    data = bytearray((real / "model.safetensors").read_bytes())
    data[-1] ^= 1  # one bit of one weight
    (fake / "model.safetensors").write_bytes(bytes(data))
    monkeypatch.setenv("ARCHIVE_MODEL_DIR", str(fake))
    with pytest.raises(embeddings.ModelUnavailable, match="SHA-256 differs"):
        embeddings.Embedder()


@pytest.mark.whoosh_only
def test_verification_is_remembered_per_file(tmp_path, monkeypatch):
    real = embeddings.model_dir()
    copy = tmp_path / "model"
    copy.mkdir()
    for name in ("tokenizer.json", "model.safetensors"):
        shutil.copy(real / name, copy / name)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    calls = []
    real_hash = embeddings._sha256
    monkeypatch.setattr(embeddings, "_sha256", lambda p: calls.append(p) or real_hash(p))
    assert embeddings._verified(copy / "model.safetensors")
    assert embeddings._verified(copy / "model.safetensors")
    assert len(calls) == 1  # the second time, the marker in the cache answers
    os.utime(copy / "model.safetensors", ns=(1, 1))  # the file changed: hash it again
    assert embeddings._verified(copy / "model.safetensors")
    assert len(calls) == 2


def test_article_text_is_headline_deck_and_body_not_captions():
    from archive.model import Article, Paragraph

    a = Article(title="T", paragraphs=[Paragraph(1, "title", "T"), Paragraph(2, "caption", "A photo/Credit"),
                                       Paragraph(3, "subtitle", "Deck"), Paragraph(4, "body", "Body " * 2000)])  # fmt: skip
    text = semantic.article_text(a)
    assert text.startswith("T\nDeck\nBody") and "photo" not in text
    assert len(text) == semantic.MAX_CHARS


def test_blob_round_trip():
    assert semantic.MODEL == embeddings.MODEL_NAME  # kept twice so that semantic imports no numpy
    v = np.random.default_rng(1).standard_normal(384).astype(np.float32)
    v /= np.linalg.norm(v)
    back = semantic.from_blob(semantic.to_blob(v))
    assert len(semantic.to_blob(v)) == 768 and back.dtype == np.float32
    assert abs(float(back @ v) - 1.0) < 1e-3


def test_blend_formula():
    q = np.zeros(384, dtype=np.float32)
    q[0] = 1.0
    near = np.zeros(384, dtype=np.float32)
    near[0] = 1.0
    out = semantic.blend([10.0, 5.0, 2.0], ["a", "b", "c"], q, {"b": semantic.to_blob(near)})
    w = semantic.LEXICAL_WEIGHT
    assert [o.index for o in out] == ([1, 0, 2] if (w * 0.5 + (1 - w)) > w else [0, 1, 2])
    by = {o.index: o for o in out}
    assert by[0].score == pytest.approx(w * 1.0)  # no vector: similarity 0
    assert by[1].score == pytest.approx(w * 0.5 + (1 - w) * 1.0, abs=1e-3)


# -- end to end ---------------------------------------------------------------------------------


def test_meaning_outranks_repeated_words(run, stories):
    run("ingest", str(stories))
    assert ranked(run) == ("words+meaning", ["lab-safety", "football"])
    assert ranked(run, "--words-only") == ("words", ["football", "lab-safety"])


def test_threads_blending_on_one_archive_see_what_one_thread_sees(run, stories):
    """A web server's tabs: sentence queries ranked by meaning from eight threads at once (the
    query embeddings made concurrently) give what one thread gets."""
    import threading

    run("ingest", str(stories))
    queries = [QUERY, "who studied control of superintelligent systems", "road repairs and a new library",
               "the captain and ticket costs this season"]  # fmt: skip
    with Archive.open(run.index) as ar:
        def answer(q: str) -> tuple:
            r = ar.search(q, SearchOptions(limit=5, suggest=False))
            return r.ranking, [(h.article_id, h.paragraph, round(h.score, 4)) for h in r.hits]

        expected = {q: answer(q) for q in queries}
        assert {r for r, _ in expected.values()} == {"words+meaning"}
        failures: list[str] = []

        def worker() -> None:
            try:
                for q in queries * 5:
                    if answer(q) != expected[q]:
                        failures.append(q)
            except Exception as e:  # (a thread's exception is otherwise lost)
                failures.append(f"{type(e).__name__}: {e}")

        threads = [threading.Thread(target=worker) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=300)
    assert not failures, failures[:3]


def test_short_queries_keep_all_words_ranking(run, stories):
    run("ingest", str(stories))
    out = run.json("search", "team company")
    assert out["ranking"] == "words" and [h["article_id"] for h in out["hits"]] == ["football"]


def test_filters_and_pages_hold_when_blended(run, stories):
    run("ingest", str(stories))
    out = run.json("search", QUERY, "--by-article", "--since", "2024-05-18")
    assert out["ranking"] == "words+meaning" and [h["article_id"] for h in out["hits"]] == ["football"]
    whole = [(h["article_id"], h["paragraph"]) for h in run.json("search", QUERY, "-n", "4")["hits"]]
    paged = [(h["article_id"], h["paragraph"]) for p in ("1", "2")
             for h in run.json("search", QUERY, "-n", "2", "--page", p)["hits"]]  # fmt: skip
    assert len(whole) == 4 and paged == whole
    scores = [h["score"] for h in run.json("search", QUERY, "-n", "4")["hits"]]
    assert scores == sorted(scores, reverse=True)


def test_explain_shows_both_parts(run, stories):
    run("ingest", str(stories))
    hit = run.json("search", QUERY, "--by-article", "--explain")["hits"][0]
    parts = {e["field"]: e for e in hit["explain"]}
    assert parts["(meaning)"]["term"].startswith("similarity ")
    assert parts["(meaning)"]["score"] + parts["(words)"]["score"] == pytest.approx(hit["score"], abs=2e-4)
    text = run("search", QUERY, "--by-article").stdout
    assert "ranked by words and meaning" in text


def test_embeddings_follow_their_articles(run, stories, tmp_path):
    run("ingest", str(stories))
    status = run.json("stats")["semantic"]
    assert status == {"active": True, "model": semantic.MODEL, "runtime": "onnxruntime", "articles": 3, "embedded": 3,
                      "reason": None}
    changed = [dict(STORIES[0], text="The lab's safety group now reports to the board.")]
    run("ingest", str(write(tmp_path / "v2.json", json.dumps(changed))))
    run("remove", "budget")
    with Archive.open(run.index) as ar:
        assert ar.semantic_status()["embedded"] == 2
        blob = ar.store.vectors(["lab-safety"], semantic.MODEL)["lab-safety"]
        text = semantic.article_text(ar.get("lab-safety"))
    fresh = embeddings.shared_embedder().embed([text])[0]
    assert float(semantic.from_blob(blob) @ fresh) > 0.999  # the new version's embedding, not the old


def test_no_embed_then_embed_catches_up(run, stories):
    out = run("ingest", "--no-embed", str(stories)).stdout
    assert "3 added" in out
    assert ranked(run)[0] == "words"
    status = run("embed", "--status", code=1).stdout
    assert "semantic ranking: off (3 of 3 articles have no embedding (run: archive embed))" in status
    assert "off: 3 of 3 articles have no embedding" in run("stats").stdout
    out = run("embed").stdout
    assert "embedded 3 articles" in out and "semantic ranking: on (all-MiniLM-L6-v2 on ONNX Runtime; 3 articles embedded)" in out
    assert ranked(run) == ("words+meaning", ["lab-safety", "football"])
    assert "embedded 0 articles" in run("embed").stdout
    assert "dropped 3 embeddings" in run("embed", "--drop").stdout
    assert ranked(run)[0] == "words"


def test_archive_semantic_off_makes_no_embeddings(run, stories, monkeypatch):
    monkeypatch.setenv("ARCHIVE_SEMANTIC", "off")
    run("ingest", str(stories))
    assert ranked(run)[0] == "words"
    assert run.json("stats")["semantic"]["reason"] == "turned off by ARCHIVE_SEMANTIC=off"


@pytest.mark.whoosh_only
def test_without_the_model_ingest_works_and_embed_says_why(run, stories, tmp_path, monkeypatch):
    monkeypatch.setenv("ARCHIVE_MODEL_DIR", str(tmp_path / "nowhere"))
    run("ingest", str(stories))
    assert ranked(run)[0] == "words"
    result = run("embed", code=2)
    assert result.stderr.strip().splitlines() == [
        f"archive: cannot embed articles: {tmp_path / 'nowhere' / 'model.safetensors'}: missing"]
    assert "Traceback" not in result.output


@pytest.mark.whoosh_only
def test_a_store_from_before_embeddings_is_migrated(tmp_path, stories):
    import sqlite3

    with Archive.open(tmp_path / "old", create=True) as ar:
        ar.embed_on_ingest = False
        list(ar.ingest_inputs([str(stories)]))
    db = sqlite3.connect(tmp_path / "old" / "archive.db")
    db.execute("DROP TABLE vectors")
    db.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")
    db.commit()
    db.close()
    with Archive.open(tmp_path / "old") as ar:
        assert ar.semantic_status()["embedded"] == 0
        assert ar.embed() == 3
        assert ar.search(QUERY, SearchOptions(by_article=True)).ranking == "words+meaning"


@pytest.mark.whoosh_only
def test_installed_command(tmp_path, stories):
    env = {**os.environ, "ARCHIVE_SEMANTIC": "on"}
    ix = str(tmp_path / "ix")
    done = subprocess.run(["archive", "--index", ix, "ingest", str(stories)], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    done = subprocess.run(["archive", "--index", ix, QUERY, "--by-article", "--format", "jsonl"],
                          capture_output=True, text=True, env=env)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert [json.loads(line)["article_id"] for line in done.stdout.splitlines()] == ["lab-safety", "football"]


# -- a ranking guard: questions put in other words than the articles use ------------------------

PARAPHRASES = {
    "p1": ("Why was the team working on keeping superintelligent AI in check dissolved?", {"sa1": 2, "sa3": 1}),
    "p2": ("Which researcher criticised the company for putting products before safety?", {"sa2": 2, "sa5": 1}),
    "p3": ("new limits on selling advanced processors abroad", {"ch1": 2, "ko3": 1}),
    "p4": ("very hot weather causing problems for electricity supply", {"cl1": 2}),
    "p5": ("towns flooded and people forced out of their homes", {"cl3": 2}),
    "p6": ("a vaccine shot that protects kids against a mosquito-borne disease", {"he1": 2}),
    "p7": ("the price of bread grain went up after months without rain", {"cl2": 2}),
    "p8": ("the central bank left borrowing costs where they were", {"ec1": 2, "ec3": 1}),
}  # fmt: skip


@pytest.mark.whoosh_only
def test_meaning_finds_what_words_miss(tmp_path):
    from .test_relevance import DOCS, ndcg  # the metric from benchmarks/ir_metrics.py

    corpus = write(tmp_path / "corpus.jsonl",
                   "\n".join(json.dumps({"_id": k, "title": t, "text": x}) for k, (t, x) in DOCS.items()))  # fmt: skip
    qrels = {q: rel for q, (_, rel) in PARAPHRASES.items()}
    runs = {}
    with Archive.open(tmp_path / "ix", create=True) as ar:
        list(ar.ingest_inputs([str(corpus)]))
        for semantic_on in (True, False):
            opts = SearchOptions(limit=10, by_article=True, semantic=semantic_on)
            runs[semantic_on] = {q: [h.article_id for h in ar.search(text, opts).hits]
                                 for q, (text, _) in PARAPHRASES.items()}  # fmt: skip
    words, blended = ndcg(qrels, runs[False], 10), ndcg(qrels, runs[True], 10)
    # Measured when written: words alone 0.815, with meaning 0.798 (p2: the article *answering*
    # the criticism now outranks the one making it; p1, p3, p8 move up). Twenty-one short
    # articles say little either way (SciFact's 300 queries: +0.06, benchmarks/RESULTS.md);
    # these bounds catch a broken blend (a wrong sign or scale falls far below them).
    assert words >= 0.8 and blended >= 0.77, (words, blended, runs)
    assert [runs[True][q][0] for q in ("p1", "p5", "p6", "p8")] == ["sa1", "cl3", "he1", "ec1"], runs


def test_migrate_carries_embeddings(run, stories, tmp_path, monkeypatch):
    """Whoosh → (Whoosh or OpenSearch): the embeddings move with the articles, not made again."""
    src = tmp_path / "src"
    with Archive.open(src, create=True) as ar:
        list(ar.ingest_inputs([str(stories)]))
        assert ar.semantic_status()["embedded"] == 3
    run("init") if run.engine == "whoosh" else run.make()
    monkeypatch.setattr(semantic, "embed_articles", lambda articles: pytest.fail("embedded again"))
    from click.testing import CliRunner

    from archive.cli import cli

    done = CliRunner().invoke(cli, ["--index", str(src), "migrate", "--to", str(run.index)], catch_exceptions=False)
    assert done.exit_code == 0, done.output
    assert ranked(run) == ("words+meaning", ["lab-safety", "football"])
    assert run.json("stats")["semantic"]["embedded"] == 3
