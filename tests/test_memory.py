"""`--memory MB`: what a write may hold (batch size, Whoosh's posting pool), on the command line
and in the library. The peak resident sizes it gives are measured in benchmarks/ (not here)."""

from __future__ import annotations

import json

import pytest

from archive import cli as cli_module
from archive.archive import BATCH_ARTICLES, BATCH_PARAGRAPHS, MIN_MEMORY_MB, Archive, MemoryPlan
from archive.engine.whoosh import index as whoosh_index, writing
from archive.errors import ArchiveError

from .conftest import write

pytestmark = pytest.mark.whoosh_only


def test_the_default_plan_keeps_the_batch_sizes_the_archive_always_used():
    plan = MemoryPlan.for_budget()
    assert (plan.memory_mb, plan.batch_paragraphs, plan.batch_articles) == (1024, BATCH_PARAGRAPHS, BATCH_ARTICLES)
    assert plan.writer_mb <= writing.WRITER_MB


@pytest.mark.parametrize("low, high", [(200, 256), (256, 512), (512, 768), (768, 1024), (1024, 4096)])
def test_more_memory_never_means_smaller_batches_or_pool(low, high):
    a, b = MemoryPlan.for_budget(low), MemoryPlan.for_budget(high)
    assert a.batch_paragraphs <= b.batch_paragraphs and a.batch_articles <= b.batch_articles
    assert a.writer_mb <= b.writer_mb
    # what the plan holds stays inside the budget: fixed part + batch (20 MB per 1,000) + pool
    for p in (a, b):
        assert 150 + p.batch_paragraphs * 20 // 1000 + p.writer_mb <= p.memory_mb


def test_too_little_memory_is_refused():
    with pytest.raises(ArchiveError, match=f"at least {MIN_MEMORY_MB} MB"):
        MemoryPlan.for_budget(MIN_MEMORY_MB - 1)
    assert cli_module.MIN_MEMORY_MB == MIN_MEMORY_MB  # the command line says the same


def test_cli_rejects_too_little_memory(run, seed):
    r = run("ingest", str(seed), "--memory", "50", code=2)
    assert "Invalid value for '--memory'" in r.stderr and "x>=200" in r.stderr
    assert not (run.index / "archive.db").exists()  # nothing was made


def _jsonl(path, n_articles: int, paras: int):
    lines = [json.dumps({"id": f"m{i}", "title": f"Story {i}",
                         "paragraphs": [f"Paragraph {j} of story {i} about zinc." for j in range(paras)]})
             for i in range(n_articles)]  # fmt: skip
    return write(path, "\n".join(lines) + "\n")


def test_a_small_budget_commits_smaller_batches_with_a_smaller_pool(tmp_path, monkeypatch):
    """With --memory 200 a 3,000-paragraph ingest is committed in batches of at most 1,250
    paragraphs, each through a Whoosh writer whose pool is the plan's."""
    source = _jsonl(tmp_path / "in.jsonl", 300, 10)  # 300 articles, 3,300 paragraphs with headlines
    pools: list[int] = []
    batches: list[int] = []
    real_writer = whoosh_index.WhooshEngine.apply

    def apply(self, upserts, deletes):
        batches.append(sum(len(a.paragraphs) for a in upserts))
        real = self.ix.writer

        def writer(**kwargs):
            pools.append(kwargs["limitmb"])
            return real(**kwargs)

        monkeypatch.setattr(self.ix, "writer", writer)
        return real_writer(self, upserts, deletes)

    monkeypatch.setattr(whoosh_index.WhooshEngine, "apply", apply)
    with Archive.open(tmp_path / "ix", create=True) as ar:
        plan = ar.set_memory(200)
        added = [o for o in ar.ingest_inputs([str(source)]) if getattr(o, "action", "") == "added"]
        assert len(added) == 300
        assert ar.search("zinc").total == 1000  # capped count: every paragraph is there
    assert len(batches) >= 3 and max(batches) <= plan.batch_paragraphs + 11 and sum(batches) == 3300
    assert set(pools) == {plan.writer_mb}


def test_memory_option_on_every_writing_command(run, seed, tmp_path):
    run("ingest", str(seed), "--memory", "256")
    run("rebuild", "--memory", "256")
    run("export", "-o", str(tmp_path / "all.jsonl"))
    other = tmp_path / "other"
    run("--index", str(other), "import", str(tmp_path / "all.jsonl"), "--memory", "300")
    run("--index", str(other), "init", code=2)  # there is one now
    assert run.json("--index", str(other), "search", "superalignment")["total"] == run.json(
        "search", "superalignment")["total"] > 0
    for command in ("ingest", "import", "rebuild", "migrate"):
        assert "--memory MB" in run(command, "--help").stdout
