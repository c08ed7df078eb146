"""What is particular to the OpenSearch engine: the analyzers agree with archive.analysis, both
engines give the same results, init/join/migrate/rebuild, the cluster's failures, the installed
command, and a two-node cluster that loses a node.

(The behavioural tests in test_search, test_discovery, test_ingest and test_manage run on both
engines already; see conftest.engine.)
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from archive.analysis import terms
from archive.archive import Archive
from archive.errors import ArchiveError
from archive.config import EngineConfig
from archive.engine.opensearch.cluster import Cluster, ClusterConfig

from .conftest import Run, need_opensearch, port_free, start_node, stop_node, write

QUERIES = ["superalignment", '"Jan Leike"', "Leike", "Yan~ Leike", "safety team", "openai OR anthropic",
           "leike -anthropic", "title:leike", "super*", "compute", "openai safety team disbanded after leaders quit",
           "source:wire superalignment", "kind:caption", "2024"]  # fmt: skip


@pytest.fixture
def cluster(opensearch_url):
    c = Cluster(ClusterConfig(opensearch_url, "t-analysis"))
    c.drop()
    c.create()
    yield c
    c.drop()
    c.close()


def _analyzed(cluster: Cluster, text: str, analyzer: str = "news") -> list[str]:
    res = cluster.client.indices.analyze(index=cluster.articles, body={"analyzer": analyzer, "text": text})
    return [t["token"] for t in res["tokens"]]


@pytest.mark.parametrize("text", [
    "OpenAI’s co-leader Jan Leike didn't resign; the ‘Superalignment’ team was disbanded.",
    "오픈AI가 안전팀을 해체했다 팀 U.S. 3.5% 1,000 leaders' CEO's",
    "Ｆｕｌｌ width, naïve café, résumé — 東京 とうきょう トウキョウ e-mail@example.com",
])  # fmt: skip
def test_cluster_analyzer_gives_the_same_terms_as_archive_analysis(cluster, text):
    assert _analyzed(cluster, text) == terms(text)


_words = st.text(alphabet=st.sampled_from(list("abcdefghijklmnopqrstuvwxyzABCXYZ0123456789'’‘-.,:;_!?()\"“” \n"
                                               "éü팀안전해체오픈東京カナ·：，😀🇰@#%&/")), max_size=80)  # fmt: skip


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=_words)
def test_cluster_analyzer_agrees_on_any_text(cluster, text):
    # The two known differences (README, "Engines"): an apostrophe between a digit and a letter
    # joins them in archive.analysis (1990's -> 1990) and splits them on OpenSearch (1990 s); and
    # a three-letter vowel-and-double-consonant stem left by -ed/-ing (added -> add) keeps its
    # double in PyStemmer's Snowball and loses it in Lucene's (ad).
    assume(not re.search(r"[0-9]['’][^\W_]|[^\W_]['’][0-9]", text))
    assume(not any(re.fullmatch(r"[aeiou]([bdfgmnprt])\1", t) and w.lower() != t
                   for w in re.findall(r"[A-Za-z]+(?:ed|ing)\b", text) for t in terms(w)))
    assert _analyzed(cluster, text) == terms(text)


def _story(tmp_path: Path) -> list[str]:
    d = tmp_path / "story"
    write(d / "a.txt", "source: Wire\ndate: 2024-05-17\ntags: openai, safety\n\nSuperalignment Team Disbanded at OpenAI"
          "\n\nOpenAI disbanded its superalignment safety team. Sutskever and Leike both left the company.\n\n"
          "The team had been promised a fifth of compute.\n")
    write(d / "b.txt", "source: Daily\ndate: 2024-05-20\ntags: openai\n\nLeike Explains His Exit\n\n"
          "Jan Leike said safety culture took a back seat to shiny products at OpenAI.\n\n"
          "Leike wrote that superalignment research struggled for compute.\n")
    write(d / "c.txt", "source: Wire\ndate: 2024-05-28\ntags: anthropic\n\nLeike Joins Anthropic\n\n"
          "Jan Leike joined Anthropic to continue superalignment work.\n")  # fmt: skip
    return [str(d)]


def _results(run: Run, query: str) -> dict:
    out = run.json("search", query, "--limit", "50", code=None)
    return {
        "total": out.get("total"),
        "hits": sorted((h["article_id"], h["paragraph"], h["snippet"]) for h in out.get("hits", [])),
        "top": out["hits"][0]["article_id"] if out.get("hits") else None,
        "suggestion": out.get("did_you_mean"),
    }


# Where the two engines' translations once differed (each had its own walk of the query tree;
# now archive.engine.translate walks it for both): tag values whatever their case or form, a
# `?` before a trailing `*` (a wildcard, not a prefix), and a quoted phrase in a headline with a
# stopword left out of it (the lift, and the match).
DRIFTS = ["tag:OpenAI", "tag:open*", 'tag:"OpenAI"', "tag:openai superalignment", "su?er*", "comput?",
          '"disbanded openai"', '"disbanded openai" team', '"leike explains" OR culture', "source:WIRE leike"]  # fmt: skip


def test_the_engines_agree_where_their_translations_drifted(tmp_path, opensearch_url):
    whoosh = Run(tmp_path / "w")
    opensearch = Run(tmp_path / "o", "opensearch", opensearch_url)
    try:
        for r in (whoosh, opensearch):
            r("ingest", *_story(tmp_path))
        for q in DRIFTS:
            w = whoosh.json("search", q, "--limit", "50", code=None)
            o = opensearch.json("search", q, "--limit", "50", code=None)
            assert w.get("total"), q  # each finds something: a drift shows as a difference
            assert [(h["article_id"], h["paragraph"]) for h in o["hits"]] == \
                   [(h["article_id"], h["paragraph"]) for h in w["hits"]], q  # fmt: skip
    finally:
        opensearch.drop()


def test_both_engines_give_the_same_results(tmp_path, seed, opensearch_url):
    whoosh = Run(tmp_path / "w")
    opensearch = Run(tmp_path / "o", "opensearch", opensearch_url)
    try:
        for r in (whoosh, opensearch):
            r("ingest", str(seed), *_story(tmp_path))
        for q in QUERIES + ["superalignmnet"]:
            assert _results(opensearch, q) == _results(whoosh, q), q
        for args in (["--by-article"], ["--facets", "source,date,kind,tag,lang"], ["--sort", "date"]):
            w = whoosh.json("search", "leike", *args)
            o = opensearch.json("search", "leike", *args)
            for key in ("total", "facets"):
                assert o.get(key) == w.get(key), (args, key)
            assert [(h["article_id"], h["paragraph"], h.get("matched_paragraphs")) for h in o["hits"]] == \
                   [(h["article_id"], h["paragraph"], h.get("matched_paragraphs")) for h in w["hits"]], args  # fmt: skip
        # --explain names the same terms in the same fields, biggest first
        for q in ("Yan~ Leike", "super*", "safety team", "leike"):
            w = whoosh.json("search", q, "--explain", "--limit", "3")["hits"]
            o = opensearch.json("search", q, "--explain", "--limit", "3")["hits"]
            assert [[(p["field"], p["term"]) for p in h["explain"]] for h in o] == \
                   [[(p["field"], p["term"]) for p in h["explain"]] for h in w], q  # fmt: skip
        # what people read is byte for byte the same (but for when each was ingested)
        stamp = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ| in [\d.]+ ms")
        for cmd in (["show", "openai-co"], ["list"], ["export"], ["search", "leike", "--by-article"]):
            assert stamp.sub("T", opensearch(*cmd).stdout) == stamp.sub("T", whoosh(*cmd).stdout), cmd
    finally:
        opensearch.drop()


def test_init_joins_an_existing_archive_and_refuses_a_second_one_here(tmp_path, seed, opensearch_url):
    first = Run(tmp_path / "one", "opensearch", opensearch_url)
    try:
        first("ingest", str(seed))
        # another machine (another directory) joins the same archive by its name
        second = Run(tmp_path / "two")
        r = second("init", "--engine", "opensearch", "--url", opensearch_url, "--name", first.name)
        assert "1 article" in r.stdout
        assert second.json("search", "superalignment")["total"] == 2
        r = first("init", "--engine", "opensearch", "--url", opensearch_url, "--name", first.name, code=2)
        assert "already an archive" in r.stderr
    finally:
        first.drop()


def test_environment_chooses_the_engine_of_a_new_archive(tmp_path, seed, opensearch_url, monkeypatch):
    name = "t-env-" + os.urandom(4).hex()
    monkeypatch.setenv("ARCHIVE_ENGINE", "opensearch")
    monkeypatch.setenv("ARCHIVE_URL", opensearch_url)
    monkeypatch.setenv("ARCHIVE_NAME", name)
    run = Run(tmp_path / "env")
    try:
        run("ingest", str(seed))
        assert json.loads((tmp_path / "env" / "archive.json").read_text())["engine"] == "opensearch"
        assert run.json("stats")["engine"] == "opensearch"
        assert not (tmp_path / "env" / "archive.db").exists()
    finally:
        c = Cluster(ClusterConfig(opensearch_url, name))
        c.drop()


def test_migrate_from_whoosh_keeps_everything(tmp_path, seed, opensearch_url):
    src = Run(tmp_path / "src")
    src("ingest", str(seed), *_story(tmp_path))
    dst = Run(tmp_path / "dst", "opensearch", opensearch_url)
    try:
        dst.make()
        r = src("migrate", "--to", str(dst.index))
        assert "copied 4 articles (20 paragraphs)" in r.stdout and "counts checked" in r.stdout
        assert dst("export").stdout == src("export").stdout
        dst("check")
        r = src("migrate", "--to", str(dst.index))  # again: nothing changes
        assert "4 unchanged" in r.stdout
    finally:
        dst.drop()


def test_rebuild_swaps_in_a_new_generation(seeded_os):
    run, cluster = seeded_os
    before = cluster.paragraph_generations()
    r = run("rebuild")
    assert "from 1 article" in r.stdout
    after = cluster.paragraph_generations()
    assert len(after) == 1 and after != before
    run("check")
    assert run.json("search", "superalignment")["total"] == 2


def test_check_reports_what_a_half_write_left_and_ingest_repairs_it(seeded_os, seed):
    run, cluster = seeded_os
    # a writer that died after the paragraphs but before the record: orphans, then repaired
    cluster.client.index(index=cluster.paragraphs, id="ghost#1", refresh=True,
                         body={"article": "ghost", "n": 1, "kind": "body", "text": "ghost text"})
    r = run("check", code=1)
    assert "belong to no stored article" in r.stderr and "archive rebuild" in r.stderr
    run("rebuild")
    run("check")
    # an index that lost an article's paragraphs
    cluster.client.delete_by_query(index=cluster.paragraphs, body={"query": {"term": {"n": 5}}}, refresh=True)
    assert "missing from the index" in run("check", code=1).stderr


@pytest.fixture
def seeded_os(tmp_path, seed, opensearch_url):
    run = Run(tmp_path / "os", "opensearch", opensearch_url)
    run("ingest", str(seed))
    cluster = Cluster(ClusterConfig(opensearch_url, run.name))
    yield run, cluster
    run.drop()
    cluster.close()


def test_an_old_layout_asks_for_a_rebuild(seeded_os):
    run, cluster = seeded_os
    cluster.client.index(index=cluster.meta, id="meta:index_layout", refresh=True,
                         body={"kind": "meta", "key": "index_layout", "value": "opensearch/0"})
    r = run("search", "superalignment", code=2)
    assert "another version" in r.stderr and "archive rebuild" in r.stderr
    run("rebuild")
    assert run.json("search", "superalignment")["total"] == 2


def test_unreachable_cluster_is_one_line(tmp_path, seed, opensearch_url, monkeypatch):
    run = Run(tmp_path / "os", "opensearch", opensearch_url)
    try:
        run("ingest", str(seed))
        dead = "http://127.0.0.1:9"  # nothing listens on the discard port
        monkeypatch.setenv("ARCHIVE_URL", dead)
        for cmd in (["search", "superalignment"], ["ingest", str(seed)], ["show", "openai"], ["stats"]):
            r = run(*cmd, code=2)
            assert r.stderr.count("\n") == 1 and "cannot reach OpenSearch at http://127.0.0.1:9" in r.stderr, cmd
            assert "Traceback" not in r.output
        r = Run(tmp_path / "new")("init", "--engine", "opensearch", "--url", dead, code=2)
        assert "cannot reach OpenSearch" in r.stderr
    finally:
        monkeypatch.delenv("ARCHIVE_URL")
        run.drop()


def test_an_archive_missing_from_the_cluster_says_so(seeded_os):
    run, cluster = seeded_os
    cluster.drop()
    r = run("search", "superalignment", code=2)
    assert f"the archive {run.name!r} is not in the cluster" in r.stderr and "init" in r.stderr


def test_a_rejected_write_is_reported_and_nothing_is_acknowledged(seeded_os, tmp_path):
    run, cluster = seeded_os
    cluster.client.indices.put_settings(index=cluster.paragraphs, body={"index.blocks.write": True})
    try:
        new = write(tmp_path / "new.txt", "A New Article\n\nLeike spoke about zorblax budgets.\n")
        r = run("ingest", str(new), code=2)
        assert "refused" in r.stderr or "rejected" in r.stderr
        assert "Traceback" not in r.output and "added" not in r.stdout
        assert run.json("search", "zorblax", code=1)["total"] == 0
        assert len(run.json("list")) == 1  # no record without its paragraphs
    finally:
        cluster.client.indices.put_settings(index=cluster.paragraphs, body={"index.blocks.write": False})
    assert "added" in run("ingest", str(new)).stdout  # the same command again succeeds
    assert run.json("search", "zorblax")["total"] == 1
    run("check")


def test_installed_command_on_opensearch(seeded_os):
    run, _ = seeded_os
    exe = Path(sys.executable).parent / "archive"
    done = subprocess.run([str(exe), "--index", str(run.index), "superalignment"], capture_output=True, text=True,
                          env={**os.environ, "NO_COLOR": "1"})  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "‘**Superalignment**’" in done.stdout and "2 hits" in done.stdout


def test_library_use_without_click(tmp_path, seed, opensearch_url):
    name = "t-lib-" + os.urandom(4).hex()
    with Archive.init(tmp_path / "lib", EngineConfig("opensearch", url=opensearch_url, name=name)) as ar:
        try:
            assert [o.action for o in ar.ingest_inputs([str(seed)])] == ["added"]
            assert [h.paragraph for h in ar.search("superalignment").hits] == [5, 6]
        finally:
            ar.backend.cluster.drop()


# -- a two-node cluster ------------------------------------------------------------------------

CLUSTER_PORTS = (9260, 9261)


def _get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=60) as r:
        return json.loads(r.read())


def _wait_for(url: str, status: str, nodes: int, timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    last: dict = {}
    while time.monotonic() < deadline:
        try:
            last = _get(f"{url}/_cluster/health?wait_for_status={status}&wait_for_nodes={nodes}&timeout=5s")
            if not last.get("timed_out"):
                return last
        except OSError:
            pass
        time.sleep(1)
    raise AssertionError(f"cluster at {url} not {status} with {nodes} nodes: {last}")


@pytest.fixture
def two_nodes():
    if os.environ.get("ARCHIVE_TEST_OPENSEARCH_URL"):
        pytest.skip("the cluster test starts its own nodes")
    need_opensearch()
    peers = ",".join(map(str, CLUSTER_PORTS))
    for p in CLUSTER_PORTS:  # a node left by an interrupted run is stopped by its PID first
        subprocess.run([str(Path(__file__).parent.parent / "scripts" / "opensearch.sh"), "stop", str(p)],
                       capture_output=True)  # fmt: skip
        assert port_free(p), f"port {p} is taken by something else"
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda p: start_node(p, peers), CLUSTER_PORTS))
    urls = [f"http://127.0.0.1:{p}" for p in CLUSTER_PORTS]
    try:
        _wait_for(urls[0], "green", 2)
        yield urls
    finally:
        for p in CLUSTER_PORTS:
            stop_node(p)


@pytest.mark.slow
def test_two_nodes_survive_losing_one(two_nodes, tmp_path, seed):
    urls = two_nodes
    run = Run(tmp_path / "c", "opensearch", ",".join(urls))
    run._made = True
    run("init", "--engine", "opensearch", "--url", ",".join(urls), "--name", run.name, "--shards", "2",
        "--replicas", "1")  # fmt: skip
    for i in range(20):
        write(tmp_path / "batch" / f"{i:02}.txt", f"Report {i} on compute\n\nReport {i} says superalignment "
              f"needs compute number {i}.\n")  # fmt: skip
    run("ingest", str(seed), str(tmp_path / "batch"))
    _wait_for(urls[0], "green", 2)
    s = run.json("stats")
    assert s["cluster"] == {"status": "green", "nodes": 2, "shards": 2, "replicas": 1}
    before = {q: _results(run, q) for q in ("superalignment", "compute", '"Jan Leike"')}
    assert before["superalignment"]["total"] == 22

    # stop the node that is not the cluster manager: its shards' copies on the other node serve
    manager = _get(f"{urls[0]}/_cluster/state/cluster_manager_node")["cluster_manager_node"]
    nodes = _get(f"{urls[0]}/_nodes/_all/http")["nodes"]
    victim = next(p for p in CLUSTER_PORTS if nodes[manager]["http"]["publish_address"] != f"127.0.0.1:{p}")
    survivor = next(u for u in urls if not u.endswith(str(victim)))
    stop_node(victim)
    _wait_for(survivor, "yellow", 1)
    assert {q: _results(run, q) for q in before} == before

    # ingest while a node is down: it succeeds, or fails with a clear error; never silently lost
    late = write(tmp_path / "late.txt", "Late Report\n\nA late report on superalignment funding.\n")
    r = run("ingest", str(late), code=None)
    if r.exit_code == 0:
        assert "added" in r.stdout
    else:
        assert r.exit_code == 2 and r.stderr.startswith("archive: ") and "Traceback" not in r.output
        r = run("ingest", str(late))
    assert run.json("search", "funding")["total"] == 1

    # the node comes back and the cluster heals
    start_node_keep = subprocess.run([str(Path(__file__).parent.parent / "scripts" / "opensearch.sh"), "start",
                                      str(victim), ",".join(map(str, CLUSTER_PORTS))], capture_output=True, text=True)  # fmt: skip
    assert start_node_keep.returncode == 0, start_node_keep.stderr
    health = _wait_for(urls[0], "green", 2)
    assert health["unassigned_shards"] == 0
    assert run.json("stats")["cluster"]["status"] == "green"
    run("check")
    after = {q: _results(run, q) for q in before}
    assert after["superalignment"]["total"] == 23
    assert after['"Jan Leike"'] == before['"Jan Leike"']
    run.drop()


def test_two_machines_adding_under_one_id_at_once_lose_nothing(tmp_path, opensearch_url, monkeypatch):
    """Two directories joined to one cluster archive are two machines. The second adds an
    article with the same headline (so the same id) between the first's lookup and its write."""
    from archive.engine.opensearch.store import OpenSearchStore
    from archive.model import Article, Paragraph

    name = "t-race-" + os.urandom(4).hex()
    one = Archive.init(tmp_path / "one", EngineConfig("opensearch", url=opensearch_url, name=name))
    two = Archive.init(tmp_path / "two", EngineConfig("opensearch", url=opensearch_url, name=name))
    try:
        def story(source: str) -> Article:
            return Article("Storm Hits Coast", [Paragraph(1, "title", "Storm Hits Coast"),
                                                Paragraph(2, "body", f"Reported by {source}.")], source=source)

        real_prepare = OpenSearchStore.prepare

        def racing_prepare(self):
            monkeypatch.setattr(OpenSearchStore, "prepare", real_prepare)
            assert [o.action for o in two.ingest([story("Gazette")])] == ["added"]
            real_prepare(self)

        monkeypatch.setattr(OpenSearchStore, "prepare", racing_prepare)
        with pytest.raises(ArchiveError, match="another writer added an article with the id 'storm-hits-coast'"):
            list(one.ingest([story("Herald")]))
        assert [s.id for s in one.list()] == ["storm-hits-coast"]  # the other machine's, intact
        assert one.get("storm-hits-coast").source == "Gazette"
        outcomes = list(one.ingest([story("Herald")]))  # the same command again
        assert [(o.action, o.article_id) for o in outcomes] == [("added", "storm-hits-coast-2")]
        assert {h.article_id for h in one.search("reported").hits} == {"storm-hits-coast", "storm-hits-coast-2"}
        assert one.check() == []
    finally:
        one.backend.cluster.drop()
        one.close()
        two.close()


def test_a_red_index_is_one_clear_line(seeded_os):
    """Every copy of a shard unavailable (here: a generation that cannot be allocated anywhere)."""
    run, cluster = seeded_os
    red = f"{cluster.paragraphs}-000009"
    cluster.client.indices.create(index=red, body={"settings": {
        "number_of_shards": 1, "number_of_replicas": 0, "index.routing.allocation.require._name": "nowhere"}},
        params={"wait_for_active_shards": "0"})  # fmt: skip
    cluster.swap_paragraphs(red)
    for cmd in (["search", "superalignment"], ["stats"]):
        r = run(*cmd, code=None)
        if cmd[0] == "stats":  # stats still shows the store's counts, and says the cluster is red
            assert r.exit_code == 0 and "red" in r.stdout, r.output
            continue
        assert r.exit_code == 2 and r.stderr.count("\n") == 1 and "Traceback" not in r.output
        assert "red" in r.stderr or "unavailable" in r.stderr, r.stderr
