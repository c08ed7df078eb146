"""Ranking quality guard: a small judged collection written here, and the metric code
checked against pytrec_eval. Fails if ranking regresses."""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

from ir_metrics import mrr, ndcg, recall  # noqa: E402

DOCS = {
    "sa1": ("OpenAI disbands Superalignment team", "The team led by Ilya Sutskever and Jan Leike was dissolved after less than a year, and its members were reassigned."),
    "sa2": ("Jan Leike resigns from OpenAI", "Leike said safety culture and processes had taken a back seat to shiny products at the company."),
    "sa3": ("Leike joins Anthropic", "The former OpenAI safety researcher will continue the superalignment mission at rival Anthropic."),
    "sa4": ("Sutskever leaves OpenAI", "The co-founder and chief scientist announced his departure, months after the board crisis."),
    "sa5": ("Altman responds to safety criticism", "Sam Altman and Greg Brockman said the company would keep investing in safety research."),
    "ch1": ("Chip exports tighten", "New rules restrict exports of advanced semiconductors and chip-making tools to several countries."),
    "ch2": ("Samsung expands chip plant", "Samsung Electronics will build a new semiconductor factory to meet demand for memory chips."),
    "ch3": ("TSMC profit rises", "Taiwan Semiconductor reported higher quarterly profit on strong demand for AI chips."),
    "cl1": ("Heatwave breaks records", "Temperatures across southern Europe broke records as a heatwave strained power grids."),
    "cl2": ("Drought hits wheat harvest", "A dry spring cut the wheat harvest and pushed grain prices higher."),
    "cl3": ("Floods displace thousands", "Heavy rain caused rivers to burst their banks, flooding towns and displacing thousands of residents."),
    "ec1": ("Central bank holds rates", "The central bank kept interest rates unchanged, citing sticky inflation."),
    "ec2": ("Inflation eases in May", "Consumer prices rose more slowly in May as energy costs fell."),
    "ec3": ("Stocks rally on rate hopes", "Markets rose as investors bet the central bank would cut interest rates later this year."),
    "sp1": ("Champions league final", "The final ended in a penalty shootout after a goalless draw."),
    "sp2": ("Marathon record falls", "The runner broke the marathon world record by eleven seconds."),
    "he1": ("New malaria vaccine approved", "Health regulators approved a second malaria vaccine for children."),
    "he2": ("Hospital staff shortages", "Hospitals reported shortages of nurses as winter infections rose."),
    "ko1": ("오픈AI 초정렬 팀 해체", "오픈AI가 인공지능 안전을 연구하던 초정렬 팀을 해체했다."),
    "ko2": ("레이케 앤트로픽 합류", "얀 레이케가 경쟁사 앤트로픽에 합류해 초정렬 연구를 이어간다."),
    "ko3": ("반도체 수출 규제 강화", "정부가 첨단 반도체 장비 수출 규제를 강화했다."),
}  # fmt: skip

QUERIES = {
    "q1": ("superalignment team disbanded", {"sa1": 2, "sa3": 1}),
    "q2": ("Jan Leike", {"sa2": 2, "sa3": 2, "sa1": 1}),
    "q3": ("Why did OpenAI's safety researchers leave the company?", {"sa2": 2, "sa1": 1, "sa4": 1, "sa3": 1}),
    "q4": ("semiconductor export restrictions", {"ch1": 2, "ko3": 1}),
    "q5": ("chip factory", {"ch2": 2, "ch3": 1}),
    "q6": ("interest rates", {"ec1": 2, "ec3": 2}),
    "q7": ("inflation", {"ec2": 2, "ec1": 1}),
    "q8": ("record heat in Europe", {"cl1": 2}),
    "q9": ("wheat prices drought", {"cl2": 2}),
    "q10": ("오픈AI 해체", {"ko1": 2}),
    "q11": ("레이케", {"ko2": 2}),
    "q12": ("Leike Anthropic superalignment", {"sa3": 2, "ko2": 1, "sa2": 1}),
    "q13": ("malaria vaccine for children", {"he1": 2}),
    "q14": ("Brockman", {"sa5": 2}),
}  # fmt: skip


@pytest.fixture(scope="module")
def ranking(tmp_path_factory):
    from archive.archive import Archive, SearchOptions

    d = tmp_path_factory.mktemp("rel")
    corpus = d / "corpus.jsonl"
    corpus.write_text("\n".join(json.dumps({"_id": k, "title": t, "text": x}) for k, (t, x) in DOCS.items()))
    with Archive.open(d / "ix", create=True) as ar:
        list(ar.ingest_inputs([str(corpus)]))
        run = {q: [h.article_id for h in ar.search(text, SearchOptions(limit=10, by_article=True)).hits]
               for q, (text, _) in QUERIES.items()}  # fmt: skip
    return run


def test_ranking_quality_does_not_regress(ranking):
    qrels = {q: rel for q, (_, rel) in QUERIES.items()}
    score = ndcg(qrels, ranking, 10)
    # measured 0.896 when written; below 0.85 means ranking got worse
    assert score >= 0.85, (score, ranking)
    assert mrr(qrels, ranking, 10) >= 0.9
    assert ranking["q3"][0] in QUERIES["q3"][1]  # a pasted question still finds the story


def test_metrics_agree_with_pytrec_eval():
    pytrec_eval = pytest.importorskip("pytrec_eval")
    rng = random.Random(7)
    docs = [f"d{i}" for i in range(40)]
    qrels = {f"q{i}": {d: rng.choice([0, 1, 2]) for d in rng.sample(docs, 8)} for i in range(25)}
    run = {q: rng.sample(docs, 30) for q in qrels}
    scored = {q: {d: float(len(ds) - i) for i, d in enumerate(ds)} for q, ds in run.items()}
    ev = pytrec_eval.RelevanceEvaluator(qrels, {"ndcg_cut.10", "recall.100", "recip_rank"})
    res = ev.evaluate(scored)
    mean = lambda key: sum(r[key] for r in res.values()) / len(res)  # noqa: E731
    assert abs(ndcg(qrels, run, 10) - mean("ndcg_cut_10")) < 1e-9
    assert abs(recall(qrels, run, 100) - mean("recall_100")) < 1e-9
    # pytrec_eval's recip_rank has no cut-off: compare over the whole 30-document run
    assert abs(mrr(qrels, run, 30) - mean("recip_rank")) < 1e-9


def test_the_judged_news_set_holds_and_does_not_regress(monkeypatch):
    """benchmarks/news-story: every marked phrase still names exactly one passage after the
    readers have read the six formats (else the judged set is broken), and passage ranking by
    words alone stays where it was measured (RESULTS.md: train 0.833, test 0.542 success@1)."""
    monkeypatch.setenv("ARCHIVE_SEMANTIC", "off")
    import relevance

    train, test = relevance.evaluate_news([("train", {}), ("test", {})], embed=False)
    assert train["queries"] == test["queries"] == 24
    assert train["success@1"] >= 0.79 and train["ndcg@10"] >= 0.80, train["missed"]
    assert test["success@1"] >= 0.50 and test["ndcg@10"] >= 0.68, test["missed"]
