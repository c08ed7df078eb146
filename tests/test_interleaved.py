"""Long runs of interleaved writes and reads: the index and the store must agree after every
step, in one process (a hypothesis state machine against a model of the archive) and across
processes (writers and readers at once on one archive). This is where a committed segment
with an empty postings file was once seen; commits now fsync before they publish.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, rule

from archive.archive import Archive, SearchOptions
from archive.model import Article, Paragraph

WORDS = ["quokka", "walrus", "heron", "otter", "badger", "lynx", "marten", "ibis", "tapir", "zebu",
         "the", "of", "🙂", "오픈AI가", "---"]  # fmt: skip
ANIMALS = WORDS[:10]


def _article(aid: str, body: list[list[str]]) -> Article:
    paras = [Paragraph(1, "title", f"Story {aid}")]
    paras += [Paragraph(i, "body", " ".join(words) or "empty") for i, words in enumerate(body, start=2)]
    return Article(title=f"Story {aid}", paragraphs=paras, id=aid, lang="en")


bodies = st.lists(st.lists(st.sampled_from(WORDS), min_size=0, max_size=6), min_size=0, max_size=4)


@pytest.mark.slow
def test_interleaved_operations_in_one_process(tmp_path):
    class Machine(RuleBasedStateMachine):
        ids = Bundle("ids")

        def __init__(self) -> None:
            super().__init__()
            self.n = getattr(Machine, "_runs", 0)
            Machine._runs = self.n + 1
            self.ar = Archive.open(tmp_path / f"ix{self.n}", create=True)
            self.model: dict[str, set[str]] = {}
            self.counter = 0

        def teardown(self) -> None:
            self.ar.close()

        @rule(target=ids, body=bodies)
        def add(self, body):
            self.counter += 1
            aid = f"a{self.counter}"
            list(self.ar.ingest([_article(aid, body)]))
            self.model[aid] = {w for words in body for w in words}
            return aid

        @rule(aid=ids, body=bodies)
        def update(self, aid, body):
            if aid not in self.model:
                return
            list(self.ar.ingest([_article(aid, body)]))
            self.model[aid] = {w for words in body for w in words}

        @rule(aid=ids)
        def remove(self, aid):
            if aid in self.model:
                self.ar.remove([aid])
                del self.model[aid]

        @rule(word=st.sampled_from(ANIMALS))
        def search(self, word):
            res = self.ar.search(word, SearchOptions(by_article=True, limit=1000, suggest=False))
            assert {h.article_id for h in res.hits} == {a for a, ws in self.model.items() if word in ws}

        @invariant()
        def agree(self):
            assert self.ar.check() == []

    Machine.TestCase.settings = settings(max_examples=6, stateful_step_count=25, deadline=None,
                                         suppress_health_check=list(HealthCheck))  # fmt: skip
    Machine.TestCase().runTest()


WORKER = r"""
import json, random, sys
from archive.archive import Archive, SearchOptions
from archive.model import Article, Paragraph
ix, seed, steps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = random.Random(seed)
animals = ["quokka", "walrus", "heron", "otter", "badger", "lynx"]
with Archive.open(ix, create=True) as ar:
    for i in range(steps):
        op = rng.random()
        aid = f"w{seed}-{rng.randrange(8)}"
        if op < 0.6:
            words = " ".join(rng.choice(animals) for _ in range(rng.randrange(1, 6)))
            art = Article(title=f"Story {aid}", id=aid, lang="en",
                          paragraphs=[Paragraph(1, "title", f"Story {aid}"), Paragraph(2, "body", words)])
            list(ar.ingest([art]))
        elif op < 0.75:
            try:
                ar.remove([aid])
            except Exception as e:
                if "no article" not in str(e):
                    raise
        else:
            ar.search(rng.choice(animals), SearchOptions(by_article=True, limit=100))
"""


@pytest.mark.slow
def test_interleaved_operations_across_processes(tmp_path):
    ix = str(tmp_path / "ix")
    env = {**os.environ, "ARCHIVE_SEMANTIC": "off"}
    procs = [subprocess.Popen([sys.executable, "-c", WORKER, ix, str(seed), "40"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for seed in range(4)]  # fmt: skip
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
    with Archive.open(ix) as ar:
        assert ar.check() == []
        for s in ar.list():  # every stored article is found by the words of its body
            art = ar.get(s.id)
            word = art.paragraphs[1].text.split()[0]
            found = ar.search(word, SearchOptions(article=s.id, limit=100, suggest=False))
            assert found.total >= 1, (s.id, word)
        listed = len(ar.list())
    done = subprocess.run(["archive", "--index", ix, "check"], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    stats = subprocess.run(["archive", "--index", ix, "stats", "--format", "json"], capture_output=True, text=True,
                           env=env)  # fmt: skip
    assert json.loads(stats.stdout)["articles"] == listed
