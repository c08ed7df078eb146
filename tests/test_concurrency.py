"""One Archive searched from several threads at once (a web server's tabs): the same answers
as one after another, on both engines, and writes in between are seen by later searches."""

from __future__ import annotations

import random
import threading

import pytest

from archive.archive import Archive, SearchOptions

from .conftest import write

pytestmark = pytest.mark.engines

QUERIES = ["superalignment", '"Jan Leike"', "Leike", "Yan~ Leike", "safety team", "openai OR anthropic",
           "leike -anthropic", "title:leike", "super*", "Why did OpenAI disband its safety team?"]  # fmt: skip
OPTIONS = [SearchOptions(limit=5), SearchOptions(by_article=True, limit=5), SearchOptions(limit=3, facets=["source"])]


def _answer(ar: Archive, q: str, opts: SearchOptions) -> tuple:
    r = ar.search(q, opts)
    return (r.total, [(h.article_id, h.paragraph, round(h.score, 3), h.snippet, h.title) for h in r.hits],
            r.facets, r.suggestion)  # fmt: skip


def test_threads_searching_one_archive_see_what_one_thread_sees(seeded, tmp_path):
    for i, (title, body) in enumerate([
        ("Anthropic Hires Jan Leike", "Jan Leike joins Anthropic to continue superalignment research."),
        ("OpenAI Safety Team Disbanded", "The superalignment team was dissolved after its leaders quit."),
        ("Sutskever Leaves", "Ilya Sutskever said he would leave OpenAI after almost a decade."),
    ]):  # fmt: skip
        seeded("ingest", str(write(tmp_path / f"s{i}.txt", f"source: Wire {i}\n\n{title}\n\n{body}\n")))
    with Archive.open(seeded.index) as ar:
        expected = {(q, i): _answer(ar, q, o) for q in QUERIES for i, o in enumerate(OPTIONS)}
        assert expected[("superalignment", 0)][0] >= 3
        failures: list[str] = []

        def worker(seed: int) -> None:
            rng = random.Random(seed)
            work = list(expected) * 2
            rng.shuffle(work)
            try:
                for q, i in work:
                    got = _answer(ar, q, OPTIONS[i])
                    if got != expected[(q, i)]:
                        failures.append(f"{q!r} with options {i}: {got} != {expected[(q, i)]}")
            except Exception as e:  # reported below: a thread's exception is otherwise lost
                failures.append(f"{type(e).__name__}: {e}")

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=300)
        assert not failures, failures[:3]


def test_a_long_lived_archive_sees_its_own_writes(seeded, tmp_path, engine):
    """A server keeps one Archive open: what it writes (or removes) shows in its next search,
    in every thread."""
    story = write(tmp_path / "q.txt", "url: https://ex.com/q\n\nQuokka News\n\nA quokka was seen.\n")
    with Archive.open(seeded.index) as ar:
        assert ar.search("quokka").total == 0
        list(ar.ingest_inputs([str(story)]))
        seen: list[int] = []
        t = threading.Thread(target=lambda: seen.append(ar.search("quokka").total))
        t.start()
        t.join()
        assert seen == [2] and ar.search("quokka").total == 2  # the headline and the paragraph
        write(story, "url: https://ex.com/q\n\nQuokka News\n\nA wallaby, not a quokka, was seen.\n")
        list(ar.ingest_inputs([str(story)]))
        assert sorted(h.text for h in ar.search("quokka").hits) == ["A wallaby, not a quokka, was seen.", "Quokka News"]
        ar.remove(["quokka-news"])
        assert ar.search("quokka").total == 0 and ar.check() == []


def test_opening_while_another_process_commits(tmp_path, monkeypatch):
    """Another process's commit publishes a new table of contents and deletes the old one; an
    archive opened between Whoosh listing the tables and reading the newest saw the file gone
    (FileNotFoundError, "the search index cannot be opened"). It tries again, as Whoosh's own
    reader does."""
    from archive.engine.whoosh.storage import DurableStorage

    with Archive.open(tmp_path / "ix", create=True):
        pass
    original, missed = DurableStorage.open_file, []

    def open_file(self, name, *args, **kwargs):
        if name.endswith(".toc") and len(missed) < 2:  # gone: committed over twice meanwhile
            missed.append(name)
            raise FileNotFoundError(2, "No such file or directory", name)
        return original(self, name, *args, **kwargs)

    monkeypatch.setattr(DurableStorage, "open_file", open_file)
    with Archive.open(tmp_path / "ix") as ar:
        assert len(missed) == 2
        assert ar.search("anything", SearchOptions(suggest=False)).total == 0
