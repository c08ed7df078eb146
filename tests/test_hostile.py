"""Hostile input and broken disks: each case below once ended in a traceback, a hang or
runaway memory. Each is run as a user would meet it (the installed command in a subprocess,
under a memory limit and a timeout where the failure was unbounded) and must give one line
on stderr and a non-zero exit status, or work.
"""

from __future__ import annotations

import http.server
import json
import os
import resource
import shutil
import socketserver
import sqlite3
import subprocess
import threading
import time
from pathlib import Path

import pytest

from .conftest import SEED, Run, write

ARCHIVE = shutil.which("archive") or "archive"


def sh(*args: str, index: Path, timeout: float = 60, memory_mb: int = 1024, **kw) -> subprocess.CompletedProcess:
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (memory_mb << 20, memory_mb << 20))

    env = {**os.environ, "ARCHIVE_SEMANTIC": "off"}
    return subprocess.run([ARCHIVE, "--index", str(index), *args], capture_output=True, text=True, timeout=timeout,
                          preexec_fn=limit, env=env, **kw)  # fmt: skip


def one_line(done: subprocess.CompletedProcess, code: int | None = None) -> str:
    assert "Traceback" not in done.stderr, done.stderr
    if code is not None:
        assert done.returncode == code, (done.returncode, done.stderr)
    lines = [x for x in done.stderr.splitlines() if x.startswith("archive:")]
    return "\n".join(lines)


def test_yaml_alias_bomb_is_refused_in_bounded_memory(tmp_path):
    levels = ["a: &a [x,x,x,x,x,x,x,x,x]"] + [
        f"{chr(98 + i)}: &{chr(98 + i)} [" + ",".join([f"*{chr(97 + i)}"] * 9) + "]" for i in range(8)]
    bomb = write(tmp_path / "in" / "bomb.md", "---\n" + "\n".join(levels) + "\ntags: *i\ntitle: Bomb\n---\n# Bomb\n\nBody.\n")
    ok = write(tmp_path / "in" / "ok.md", "---\ntitle: Fine\n---\n# Fine\n\nA fine body.\n")
    assert bomb.stat().st_size < 600 and ok.exists()
    done = sh("ingest", str(tmp_path / "in"), index=tmp_path / "ix", memory_mb=600, timeout=60)
    msg = one_line(done, 1)
    assert "bomb.md: aliases are not allowed in front matter (line 3)" in msg
    assert "1 added" in done.stdout


@pytest.mark.parametrize("front, problem", [
    ("date: 2024-13-45", "front matter has a value YAML cannot read"),
    ("title: " + "[" * 5000 + "]" * 5000, "nested more than 20 levels"),
])  # fmt: skip
def test_front_matter_that_yaml_cannot_read_is_one_line(tmp_path, front, problem):
    f = write(tmp_path / "x.md", f"---\n{front}\n---\n# X\n\nBody.\n")
    done = sh("ingest", str(f), index=tmp_path / "ix")
    assert problem in one_line(done, 1)


def test_metadata_values_are_capped(run, tmp_path):
    f = write(tmp_path / "x.txt", f"author: {'Kim ' * 100_000}\n\nA Headline\n\nBody text.\n")
    run("ingest", str(f), code=0)
    author = run.json("show", "a-headline")["author"]
    assert len(author) <= 301 and author.endswith("…")


class _Trickle(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # a server that sends a byte every half second, forever
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        try:
            while True:
                self.wfile.write(b"<")
                self.wfile.flush()
                time.sleep(0.5)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, *args) -> None:
        pass


@pytest.mark.slow
def test_a_trickling_server_is_bounded_by_the_timeout_and_holds_no_lock(tmp_path):
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Trickle)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/story"
        ix = tmp_path / "ix"
        sh("ingest", str(SEED), index=ix)
        proc = subprocess.Popen([ARCHIVE, "--index", str(ix), "ingest", url, "--timeout", "3"], text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                env={**os.environ, "ARCHIVE_SEMANTIC": "off"})  # fmt: skip
        time.sleep(1.0)  # while it waits for the page, another writer is not held up
        other = write(tmp_path / "other.txt", "Another Story\n\nWritten meanwhile.\n")
        started = time.monotonic()
        done = sh("ingest", str(other), "--lock-timeout", "1", index=ix)
        assert done.returncode == 0, done.stderr
        assert time.monotonic() - started < 10
        out, err = proc.communicate(timeout=30)
        assert proc.returncode == 1 and "timed out after 3 s" in err and "Traceback" not in err
    finally:
        server.shutdown()


def test_json_that_cannot_be_read_is_reported_per_record(tmp_path):
    lines = [
        json.dumps({"title": "First fine", "text": "Fine body one."}),
        "[" * 100_000 + "]" * 100_000,
        '{"title": "Big", "text": "x", "n": ' + "9" * 100_000 + "}",
        '{"title": "Lone \\ud800 surrogate", "text": "body \\ud800 with a NUL \\u0000 here"}',
        json.dumps({"title": "Last fine", "text": "Fine body two."}),
    ]
    f = write(tmp_path / "x.jsonl", "\n".join(lines) + "\n")
    done = sh("ingest", str(f), index=tmp_path / "ix")
    msg = one_line(done, 1)
    assert "x.jsonl: line 2: not readable JSON (nested too deeply)" in msg
    assert "x.jsonl: line 3: not readable JSON (Exceeds the limit" in msg
    assert "3 added" in done.stdout
    listed = json.loads(sh("list", "--format", "json", index=tmp_path / "ix").stdout)
    titles = sorted(r["title"] for r in listed)
    assert titles == ["First fine", "Last fine", "Lone \ufffd surrogate"]


def test_a_jsonl_first_line_over_the_limit_loses_only_that_line(tmp_path):
    f = write(tmp_path / "x.jsonl", json.dumps({"title": "Huge", "text": "y" * 1_200_000}) + "\n"
              + json.dumps({"title": "Small after", "text": "fine"}) + "\n")  # fmt: skip
    done = sh("ingest", str(f), "--max-size", "1", index=tmp_path / "ix")
    assert "x.jsonl: line 1: line is 1,200,030 bytes, over the 1,048,576-byte limit" in one_line(done, 1)
    assert "1 added" in done.stdout


@pytest.mark.parametrize("args, problem", [
    (["search", "x", "--since", "99999999d"], "reaches back before the year 1"),
    (["ingest", "http://[::1"], "http://[::1: not a valid URL"),
    (["ingest", "file:///etc/passwd"], "unsupported URL scheme 'file'"),
    (["ingest", "gopher://example.com/x"], "unsupported URL scheme 'gopher'"),
])  # fmt: skip
def test_bad_arguments_are_one_line(tmp_path, args, problem):
    sh("ingest", str(SEED), index=tmp_path / "ix")
    done = sh(*args, index=tmp_path / "ix")
    assert done.returncode in (1, 2)
    assert problem in one_line(done)


def test_links_out_of_a_directory_are_not_followed(tmp_path):
    d = tmp_path / "in"
    write(d / "story.txt", "Inside Story\n\nThe body of the story.\n")
    secret = write(tmp_path / "secret" / "passwd.txt", "root:x:0:0:root:/root:/bin/bash\n")
    (d / "passwd.txt").symlink_to(secret)
    (d / "alias.txt").symlink_to(d / "story.txt")  # inside: followed
    done = sh("ingest", str(d), index=tmp_path / "ix")
    assert "passwd.txt: is a link to a file outside the directory; not read" in one_line(done, 1)
    assert "1 added" in done.stdout and sh("search", "root", index=tmp_path / "ix").returncode == 1
    done = sh("ingest", str(d), "--follow-links", index=tmp_path / "ix")
    assert done.returncode == 0 and "1 added" in done.stdout


def test_a_file_name_with_a_newline_stays_on_one_line(tmp_path):
    bad = write(tmp_path / "in" / "bad\nadded     forged  Forged (1 paragraph).txt", "")
    done = sh("ingest", str(bad), index=tmp_path / "ix")
    msg = one_line(done, 1)
    assert "\\nadded" in msg and "empty file" in msg
    assert not any(line.startswith("added") for line in done.stdout.splitlines() + done.stderr.splitlines())


def test_a_damaged_store_is_one_line_with_a_way_out(tmp_path):
    ix = tmp_path / "ix"
    sh("ingest", str(SEED), index=ix)
    db = ix / "archive.db"
    with open(db, "r+b") as f:
        f.write(b"this is not a SQLite header!")
    for args in (["search", "superalignment"], ["check"], ["list"], ["ingest", str(SEED)], ["rebuild"]):
        msg = one_line(sh(*args, index=ix), 2)
        assert "is damaged" in msg and ".recover" in msg, (args, msg)


def test_an_empty_store_beside_an_index_is_refused(tmp_path):
    ix = tmp_path / "ix"
    sh("ingest", str(SEED), index=ix)
    for suffix in ("", "-wal", "-shm"):
        p = ix / f"archive.db{suffix}"
        if p.exists():
            p.write_bytes(b"")
    msg = one_line(sh("ingest", str(SEED), index=ix), 2)
    assert "is empty, but the archive has a search index" in msg
    assert (ix / "archive.db").stat().st_size == 0  # nothing was made in its place


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads and writes through file permissions")
def test_a_read_only_archive_can_be_searched(tmp_path):  # pragma: no cover - CI runs as root
    ix = tmp_path / "ix"
    sh("ingest", str(SEED), index=ix)
    for p in [ix, *ix.rglob("*")]:
        p.chmod(0o555 if p.is_dir() else 0o444)
    assert sh("search", "superalignment", index=ix).returncode == 0
    assert "read-only" in one_line(sh("ingest", str(SEED), index=ix))


def test_a_read_only_store_can_be_searched_and_refuses_writes(tmp_path):
    """As root, file permissions do not stop writes; a read-only open does (the same path)."""
    from archive.archive import Archive
    from archive.errors import ArchiveError
    from archive.engine.whoosh.store import Store

    ix = tmp_path / "ix"
    sh("ingest", str(SEED), index=ix)
    store = Store(ix / "archive.db")
    store._open_read_only(ix / "archive.db")
    ar = Archive.open(ix)
    ar.store.close()
    ar.backend.store = store
    assert ar.search("superalignment").total == 2
    with pytest.raises(ArchiveError, match="read-only"):
        ar.set_metadata("openai-co-leader-yan-leike-also", {"source": "X"})
    ar.close()


def test_a_write_lock_that_is_a_directory_is_one_line(tmp_path):
    ix = tmp_path / "ix"
    sh("ingest", str(SEED), index=ix)
    (ix / "write.lock").unlink()
    (ix / "write.lock").mkdir()
    msg = one_line(sh("ingest", str(SEED), index=ix), 2)
    assert "write.lock is a directory where a file belongs" in msg


@pytest.mark.parametrize("journal", ["5", "[1, 2]", "[null]", "{", None])
def test_a_damaged_journal_is_set_aside_and_the_index_rebuilt(tmp_path, journal):
    ix = tmp_path / "ix"
    sh("ingest", str(SEED), index=ix)
    pending = ix / "pending.json"
    if journal is None:
        pending.mkdir()
    else:
        pending.write_text(journal)
    check = sh("check", index=ix)
    assert check.returncode == 1 and "journal" in check.stderr and "damaged" in check.stderr
    other = write(tmp_path / "other.txt", "Another Story\n\nIts body.\n")
    done = sh("ingest", str(other), index=ix)
    assert done.returncode == 0, done.stderr
    assert list(ix.glob("pending.json.bad-*")) and not pending.exists()
    assert sh("check", index=ix).returncode == 0
    assert sh("search", "superalignment", index=ix).returncode == 0


def _segment_files(ix: Path, suffix: str) -> list[Path]:
    return [f for f in (ix / "whoosh").resolve().iterdir() if f.suffix == suffix]


def test_a_truncated_terms_file_is_one_line(tmp_path):
    ix = tmp_path / "ix"
    sh("ingest", str(SEED), index=ix)
    for f in _segment_files(ix, ".trm"):
        f.write_bytes(f.read_bytes()[:20])
    msg = one_line(sh("search", "superalignment", index=ix), 2)
    assert "search index" in msg and "archive rebuild" in msg


def test_a_zeroed_postings_file_is_found_by_check_and_search_says_rebuild(tmp_path):
    ix = tmp_path / "ix"
    sh("ingest", str(SEED), index=ix)
    for f in _segment_files(ix, ".pst"):
        f.write_bytes(b"\0" * f.stat().st_size)
    check = sh("check", index=ix)
    assert check.returncode == 1 and "damaged" in check.stderr
    msg = one_line(sh("search", "superalignment", index=ix), 2)
    assert "cannot be read" in msg and "archive rebuild" in msg
    assert sh("rebuild", index=ix).returncode == 0
    assert sh("search", "superalignment", index=ix).returncode == 0


def test_a_dangling_index_link_is_an_error_not_an_empty_index(tmp_path):
    ix = tmp_path / "ix"
    sh("ingest", str(SEED), index=ix)
    shutil.rmtree((ix / "whoosh").resolve())
    msg = one_line(sh("search", "superalignment", index=ix), 2)
    assert "search index" in msg and "missing" in msg and "archive rebuild" in msg
    assert sh("rebuild", index=ix).returncode == 0
    assert sh("search", "superalignment", index=ix).returncode == 0


def test_traceback_only_when_asked(tmp_path, monkeypatch):
    """An unforeseen failure is one line; --traceback shows the Python traceback for a bug report."""
    ix = tmp_path / "ix"
    sh("ingest", str(SEED), index=ix)
    for f in _segment_files(ix, ".pst"):
        f.write_bytes(b"\0" * f.stat().st_size)
    done = sh("search", "superalignment", index=ix)
    assert "cannot be read" in one_line(done, 2)
    done = sh("--traceback", "search", "superalignment", index=ix)
    assert done.returncode != 0 and "Traceback" in done.stderr


def test_a_store_from_the_test_run_is_usable(tmp_path):
    """(sanity: the helpers above use a real archive)"""
    r = Run(tmp_path / "ix")
    r("ingest", str(SEED))
    assert sqlite3.connect(tmp_path / "ix" / "archive.db").execute("SELECT count(*) FROM articles").fetchone()[0] == 1


# -- bounds on a query's work (archive.limits) ----------------------------------------------------


@pytest.fixture
def words_archive(run, tmp_path):
    """Articles with many words beginning "to" and many words one or two edits from "market"."""
    records = []
    for i in range(40):
        words = [f"to{chr(97 + i % 26)}{chr(97 + i // 26)}x{j}" for j in range(5)]
        near = ["markey", "marked", "marker", "makret", "mrket", "marke", "markets"][i % 7]
        records.append({"id": f"a{i}", "title": f"Story {i}", "text": " ".join(words) + f" {near} market news"})
    run("ingest", str(write(tmp_path / "w.jsonl", "\n".join(json.dumps(r) for r in records) + "\n")))
    return run


@pytest.mark.engines
@pytest.mark.whoosh_only  # OpenSearch applies its own limits (max_expansions, max_clause_count)
def test_a_wildcard_that_stands_for_too_many_words_is_refused(words_archive, monkeypatch, engine):
    assert words_archive.json("search", "to*", "--by-article")["total"] == 40
    monkeypatch.setenv("ARCHIVE_MAX_WILDCARD_TERMS", "50")
    r = words_archive("search", "news to*", code=2)
    assert "'to*' stands for more than 50 words: write more letters before the *" in r.stderr
    assert len(r.stderr.splitlines()) == 1
    assert words_archive.json("search", "toa*")["total"] >= 1  # narrower: fine


@pytest.mark.engines
@pytest.mark.whoosh_only
def test_a_query_that_expands_to_too_many_words_is_refused(words_archive, monkeypatch, engine):
    monkeypatch.setenv("ARCHIVE_MAX_EXPANDED_TERMS", "8")
    r = words_archive("search", "market~2 OR news~1 OR story~1 OR market~1", code=2)
    assert "stands for more than 8 words once its wildcards and fuzzy words are expanded" in r.stderr
    assert "market~" in r.stderr


@pytest.mark.whoosh_only
@pytest.mark.slow
def test_a_search_past_its_time_budget_stops_with_one_line(tmp_path, monkeypatch):
    records = [{"id": f"n{i}", "title": f"Note {i}", "text": f"common words in note {i} about markets and trade"}
               for i in range(3000)]  # fmt: skip
    run = Run(tmp_path / "ix")
    run("import", str(write(tmp_path / "n.jsonl", "\n".join(json.dumps(r) for r in records) + "\n")))
    monkeypatch.setenv("ARCHIVE_SEARCH_TIMEOUT", "0.000001")
    r = run("search", "common OR words OR note", "--by-article", code=2)
    assert "the search took more than 1e-06 s and was stopped" in r.stderr and len(r.stderr.splitlines()) == 1
    monkeypatch.delenv("ARCHIVE_SEARCH_TIMEOUT")
    assert run.json("search", "common OR words OR note", "--by-article")["total"] == 3000


def test_opensearch_searches_carry_the_time_budget_and_a_timeout_is_one_error(monkeypatch):
    from archive.engine.opensearch.index import OpenSearchEngine
    from archive.errors import QueryError

    sent = {}

    class Cluster:
        def call(self, what, fn, **kw):
            sent.update(kw)
            return {"timed_out": True, "_shards": {}, "hits": {"hits": []}}

    engine = OpenSearchEngine.__new__(OpenSearchEngine)
    class Client:
        def search(self, **kw):  # (the fake cluster answers instead)
            raise AssertionError("not called")

    engine.cluster, engine.client, engine.index, engine.search_type = Cluster(), Client(), "x", None
    monkeypatch.setenv("ARCHIVE_SEARCH_TIMEOUT", "2.5")
    with pytest.raises(QueryError, match="took more than 2.5 s"):
        engine._search({"query": {"match_all": {}}})
    assert sent["body"]["timeout"] == "2500ms" and sent["request_timeout"] == 12.5


@pytest.mark.slow
def test_a_page_with_more_text_than_an_article_is_refused_before_indexing(tmp_path):
    paras = "".join(f"<p>Paragraph {i} says the market rose on trading in oil and gold today.</p>\n" for i in range(6000))
    f = write(tmp_path / "dump.html", f"<html><head><title>Dump</title></head><body><article><h1>Dump</h1>{paras}"
                                      "</article></body></html>")  # fmt: skip
    done = sh("ingest", str(f), index=tmp_path / "ix", timeout=120)
    msg = one_line(done, 1)
    assert "dump.html: has 6,00" in msg and "more than an article has (at most 5,000 paragraphs" in msg
    big = write(tmp_path / "huge.html", "<html><body><p>" + "x " * (6 * 1024 * 1024) + "</p></body></html>")
    msg = one_line(sh("ingest", str(big), index=tmp_path / "ix"), 1)
    assert "bytes of HTML, over the 10,485,760 bytes read as one article" in msg


def test_control_characters_never_reach_the_terminal(run, tmp_path):
    rec = {"id": "evil", "title": "Evil \u001b[31mred\u0000 title", "text": "Body \u001b]0;pwned\u0007 text.",
           "source": "Bad\u0008Source"}  # fmt: skip
    run("ingest", str(write(tmp_path / "e.jsonl", json.dumps(rec) + "\n")))
    for args in (["list"], ["show", "evil"], ["search", "body"]):
        out = run(*args).stdout
        assert "\x1b" not in out and "\x00" not in out and "\x07" not in out and "\x08" not in out, args
    assert run.json("show", "evil")["title"] == "Evil [31mred title"


@pytest.fixture
def small_disk(tmp_path):
    """A 3 MB file system of its own (tmpfs), unmounted afterwards; skipped where mounting is
    not allowed (CI runs as root on a machine where it is)."""
    mnt = tmp_path / "disk"
    mnt.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mnt)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small file system here ({done.stderr.decode().strip()})")
    yield mnt
    subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


@pytest.mark.slow
def test_a_full_disk_is_one_line_and_loses_nothing_acknowledged(small_disk, tmp_path):
    ix = small_disk / "ix"
    assert sh("ingest", str(SEED), index=ix).returncode == 0
    many = write(tmp_path / "many.jsonl", "".join(
        json.dumps({"id": f"n{i}", "title": f"Note {i}", "text": " ".join(f"w{i}x{j}" for j in range(200))}) + "\n"
        for i in range(3000)))  # fmt: skip
    done = sh("ingest", str(many), index=ix)
    msg = one_line(done)
    assert done.returncode != 0 and "is full" in msg and len(msg.splitlines()) == 1, done.stderr
    assert "cannot rollback" not in done.stderr
    acknowledged = {line.split()[1] for line in done.stdout.splitlines() if line.startswith("added")}
    found = sh("search", "superalignment", index=ix)  # reads work on a full disk
    assert found.returncode == 0, found.stderr
    listed = {r["id"] for r in json.loads(sh("list", "--format", "json", index=ix).stdout)}
    assert acknowledged <= listed and "openai-co-leader-yan-leike-also" in listed


def test_an_archive_on_a_read_only_disk_can_be_searched(small_disk):
    ix = small_disk / "ix"
    assert sh("ingest", str(SEED), index=ix).returncode == 0
    done = subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], capture_output=True)
    assert done.returncode == 0, done.stderr
    for args in (["search", "superalignment"], ["show", "openai-co"], ["list"], ["stats"], ["check"]):
        r = sh(*args, index=ix)
        assert r.returncode == 0 and "Traceback" not in r.stderr, (args, r.stderr)
    msg = one_line(sh("ingest", str(SEED), index=ix), 2)
    assert "cannot be written" in msg or "read-only" in msg
    msg = one_line(sh("remove", "openai-co-leader-yan-leike-also", index=ix), 2)
    assert "read-only" in msg or "cannot be written" in msg


def test_a_deleted_postings_file_makes_ingest_say_rebuild(tmp_path):
    ix = tmp_path / "ix"
    sh("ingest", str(SEED), index=ix)
    for f in _segment_files(ix, ".pst"):
        f.unlink()
    other = write(tmp_path / "other.txt", "Another Story\n\nIts body.\n")
    msg = one_line(sh("ingest", str(other), index=ix), 2)
    assert "search index" in msg and "archive rebuild" in msg
    assert sh("rebuild", index=ix).returncode == 0
    assert sh("ingest", str(other), index=ix).returncode == 0
    assert sh("check", index=ix).returncode == 0


def test_a_redirect_loop_is_one_line(httpserver, tmp_path):
    httpserver.expect_request("/a").respond_with_data("", status=302, headers={"Location": "/b"})
    httpserver.expect_request("/b").respond_with_data("", status=302, headers={"Location": "/a"})
    done = sh("ingest", httpserver.url_for("/a"), index=tmp_path / "ix")
    msg = one_line(done, 1)
    assert "too many redirects" in msg and len(done.stderr.strip().splitlines()) == 1


def test_reads_work_on_a_disk_that_is_full(small_disk):
    ix = small_disk / "ix"
    assert sh("ingest", str(SEED), index=ix).returncode == 0
    for name in ("archive.db-wal", "archive.db-shm"):
        (ix / name).unlink(missing_ok=True)
    with open(small_disk / "filler", "wb") as f:  # fill every block that is left
        try:
            while True:
                f.write(b"\0" * 65536)
                f.flush()
        except OSError:
            pass
    r = sh("search", "superalignment", index=ix)
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr
    msg = one_line(sh("ingest", str(write(small_disk.parent / "x.txt", "X Story\n\nBody.\n")), index=ix))
    assert "full" in msg or "read-only" in msg or "cannot be written" in msg


# -- no input file and no query prints a traceback ------------------------------------------------


from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_PIECES = ["superalignment", "leike", "Leike", "OpenAI", '"', "(", ")", "*", "?", "~", "~2", ":", "-", "+", "[",
           "]", " TO ", " AND ", " OR ", " NOT ", "title:", "tag:", "date:", "kind:", "source:", "lang:", "2024-05",
           "..", "\\", "/", "^", "팀", "오픈AI가", "‘", "’", " ", "\u0000", "\u200b", "9" * 30, "99999999d", "a"]


@pytest.mark.engines
def test_no_query_prints_a_traceback(seeded, engine):
    """Arbitrary query strings, from the pieces of the query language and worse: every one is
    hits (0), no hits (1) or one line saying what is wrong (2), on both engines."""
    from click.testing import CliRunner

    from archive.cli import cli

    runner = CliRunner()

    @settings(max_examples=60 if engine == "whoosh" else 25, deadline=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(st.lists(st.sampled_from(_PIECES), min_size=1, max_size=12).map("".join))
    def one(query: str) -> None:
        r = runner.invoke(cli, ["--index", str(seeded.index), "search", "--", query], catch_exceptions=False)
        assert r.exit_code in (0, 1, 2), (query, r.output)
        assert "Traceback" not in r.output and "internal error" not in r.output, (query, r.output)
        if r.exit_code == 2:
            assert len(r.stderr.strip().splitlines()) == 1, (query, r.stderr)

    one()


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.binary(max_size=3000), suffix=st.sampled_from([".txt", ".md", ".html", ".json", ".jsonl", ".xml", ".eml"]))
def test_no_input_file_prints_a_traceback(tmp_path_factory, data, suffix):
    from click.testing import CliRunner

    from archive.cli import cli

    d = tmp_path_factory.mktemp("in")
    (d / f"input{suffix}").write_bytes(data)
    r = CliRunner().invoke(cli, ["--index", str(d / "ix"), "ingest", str(d / f"input{suffix}")], catch_exceptions=False)
    assert r.exit_code in (0, 1), r.output
    assert "Traceback" not in r.output and "internal error" not in r.output, r.output
