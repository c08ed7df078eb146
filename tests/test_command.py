"""The installed `archive` command, run as a user runs it: a real process, real pipes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

ARCHIVE = shutil.which("archive")


def sh(*args: str, cwd, input: bytes | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items() if k != "ARCHIVE_INDEX"} | (env or {})
    return subprocess.run([ARCHIVE, *args], cwd=cwd, input=input, capture_output=True, env=full_env, timeout=60)


@pytest.fixture(autouse=True)
def _installed():
    assert ARCHIVE, "the `archive` command is not installed: pip install -e .[test]"


def test_quick_start_from_the_readme(seed, tmp_path):
    r = sh("ingest", str(seed.parent), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert b"added" in r.stdout and (tmp_path / "index" / "archive.db").exists()
    r = sh("search", "superalignment", cwd=tmp_path)
    assert r.returncode == 0
    out = r.stdout.decode()
    assert "‘**Superalignment**’" in out and "¶5 body" in out and "¶6 body" in out
    assert "\x1b[" not in out  # piped: no colour


def test_exit_statuses(seed, tmp_path):
    sh("ingest", str(seed), cwd=tmp_path)
    assert sh("search", "superalignment", cwd=tmp_path).returncode == 0
    assert sh("search", "zebra", cwd=tmp_path).returncode == 1
    r = sh("search", "kind:nonsense", cwd=tmp_path)
    assert r.returncode == 2 and r.stderr.decode().startswith("archive: ") and b"Traceback" not in r.stderr
    r = sh("search", "--limit", "0", "x", cwd=tmp_path)
    assert r.returncode == 2


def test_default_command_and_json(seed, tmp_path):
    sh("ingest", str(seed), cwd=tmp_path)
    r = sh('"Jan Leike"', "--format", "json", cwd=tmp_path)
    assert r.returncode == 0
    assert [h["paragraph"] for h in json.loads(r.stdout)["hits"]] == [8]


def test_stdin_and_env_index(seed, tmp_path):
    r = sh("ingest", "-", cwd=tmp_path, input=seed.read_bytes(), env={"ARCHIVE_INDEX": str(tmp_path / "elsewhere")})
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "elsewhere" / "archive.db").exists()


def test_python_dash_m(seed, tmp_path):
    r = subprocess.run([sys.executable, "-m", "archive", "--index", str(tmp_path / "ix"), "ingest", str(seed)],
                       capture_output=True, timeout=60)  # fmt: skip
    assert r.returncode == 0, r.stderr


def test_help_everywhere_has_examples(tmp_path):
    for cmd in ([], ["ingest"], ["search"], ["show"], ["list"], ["stats"], ["remove"], ["check"], ["rebuild"]):
        r = sh(*cmd, "--help", cwd=tmp_path)
        assert r.returncode == 0 and b"Example" in r.stdout, cmd


def test_missing_archive_is_one_line(tmp_path):
    r = sh("search", "anything", cwd=tmp_path)
    assert r.returncode == 2
    assert r.stderr.decode().count("\n") == 1 and b"archive ingest" in r.stderr


def test_broken_pipe_is_quiet(seed, tmp_path):
    sh("ingest", str(seed), cwd=tmp_path)
    p = subprocess.run(f"'{ARCHIVE}' search Leike --limit 50 | head -1", shell=True, cwd=tmp_path,
                       capture_output=True, timeout=60)  # fmt: skip
    assert b"Traceback" not in p.stderr and p.stdout.count(b"\n") == 1


def test_progress_bar_on_a_terminal_only(tmp_path):
    """On a terminal a long ingest shows a bar with rate and time left; in a pipe it does not."""
    script = shutil.which("script")
    if script is None:
        pytest.skip("needs util-linux `script` for a pseudo-terminal")
    lines = [json.dumps({"id": f"m{i}", "title": f"Story {i}", "text": f"Body {i}."}) for i in range(400)]
    (tmp_path / "many.jsonl").write_text("\n".join(lines) + "\n")
    cmd = f"stty cols 100 rows 30; '{ARCHIVE}' --index '{tmp_path / 'ix'}' ingest '{tmp_path / 'many.jsonl'}' --lang en"
    out = subprocess.run([script, "-qec", cmd, "/dev/null"], capture_output=True, timeout=120).stdout
    assert b"/400 [" in out and b"articles/s]" in out
    piped = sh("--index", str(tmp_path / "ix2"), "ingest", str(tmp_path / "many.jsonl"), "--lang", "en", cwd=tmp_path)
    assert b"articles/s" not in piped.stderr + piped.stdout and b"400 added" in piped.stdout


def test_export_piped_into_import_between_processes(tmp_path, seed):
    """`archive export | archive import -` through a real pipe, as a user moves an archive."""
    src, dst = tmp_path / "src", tmp_path / "dst"
    subprocess.run([ARCHIVE, "--index", str(src), "ingest", str(seed)], check=True, capture_output=True)
    export = subprocess.Popen([ARCHIVE, "--index", str(src), "export"], stdout=subprocess.PIPE)
    imported = subprocess.run([ARCHIVE, "--index", str(dst), "import", "-"], stdin=export.stdout,
                              capture_output=True, text=True, timeout=120)  # fmt: skip
    export.stdout.close()
    assert export.wait(timeout=60) == 0 and imported.returncode == 0, imported.stderr
    assert "1 added" in imported.stdout
    again = [subprocess.run([ARCHIVE, "--index", str(ix), "export"], capture_output=True, check=True).stdout
             for ix in (src, dst)]  # fmt: skip
    assert again[0] == again[1]


def test_the_archive_is_found_in_a_parent_folder_as_git_finds_its_repository(seed, tmp_path):
    project = tmp_path / "story"
    deep = project / "notes" / "drafts"
    deep.mkdir(parents=True)
    (project / "notes" / "index").mkdir()  # a folder named index that is not an archive is passed over
    assert sh("ingest", str(seed), cwd=project).returncode == 0
    r = sh("search", "superalignment", "-c", cwd=deep)
    assert (r.returncode, r.stdout) == (0, b"2\n"), r.stderr
    stats = json.loads(sh("stats", "--format", "json", cwd=deep).stdout)
    assert os.path.realpath(stats["path"]) == os.path.realpath(project / "index")
    assert str(project / "index").encode() in sh("stats", cwd=deep).stdout  # which archive it is, said in stats
    # --index and ARCHIVE_INDEX name one explicitly; init makes one here, never in a parent
    assert sh("--index", str(tmp_path / "none"), "search", "x", cwd=deep).returncode == 2
    r = sh("search", "x", cwd=deep, env={"ARCHIVE_INDEX": str(tmp_path / "none")})
    assert r.returncode == 2 and b"no archive at" in r.stderr
    assert sh("init", cwd=deep).returncode == 0 and (deep / "index" / "archive.db").exists()
    assert sh("search", "superalignment", cwd=deep).returncode == 1  # the nearest archive now: the new, empty one
    # nowhere: one line that says where it looked and how to make one
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    r = sh("search", "x", cwd=elsewhere)
    assert r.returncode == 2
    assert r.stderr.decode().strip() == (f"archive: no archive here: no index/ in {elsewhere} or a folder above it "
                                         "(add articles to make one: archive ingest FILES (or name one with --index "
                                         "or ARCHIVE_INDEX))")  # fmt: skip


def _on_a_terminal(args: list[str], cwd, env: dict, rows: int = 12, cols: int = 60) -> str:
    """Run the command with its output on a pseudo-terminal of rows x cols; what it printed."""
    import fcntl
    import pty
    import struct
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    full_env = {k: v for k, v in os.environ.items() if k not in ("ARCHIVE_INDEX", "COLUMNS", "LINES")} | env
    proc = subprocess.Popen([ARCHIVE, *args], cwd=cwd, stdin=slave, stdout=slave, stderr=slave, env=full_env)
    os.close(slave)
    out = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the terminal closed: the command is done
            break
        if not chunk:
            break
        out += chunk
    proc.wait(timeout=60)
    os.close(master)
    return out.decode("utf-8", "replace").replace("\r\n", "\n")


def test_long_output_goes_through_a_pager_on_a_terminal_and_lines_fit_it(seed, tmp_path):
    assert sh("ingest", str(seed), "--title", "A Very Long Headline That Would Wrap In The Middle Of A Word On A Narrow Screen",
              cwd=tmp_path).returncode == 0  # fmt: skip
    paged = tmp_path / "paged.txt"
    pager = tmp_path / "pager.sh"
    pager.write_text(f"#!/bin/sh\ncat > {paged}\n")
    pager.chmod(0o755)
    env = {"PAGER": str(pager), "NO_COLOR": "1"}
    _on_a_terminal(["show", "a-very-long"], tmp_path, env)
    assert "[Caption] Ilya Sutskever" in paged.read_text()  # more than a screen: the pager had it
    paged.unlink()
    shown = _on_a_terminal(["--no-pager", "show", "a-very-long"], tmp_path, env)
    assert not paged.exists() and "[Caption] Ilya Sutskever" in shown
    assert b"[Caption]" in sh("show", "a-very-long", cwd=tmp_path, env=env).stdout and not paged.exists()  # a pipe: never
    # at 60 columns: `list` cuts the title with …, --wide does not; a hit's headline wraps between words
    listed = _on_a_terminal(["list"], tmp_path, env, rows=40, cols=60).splitlines()
    assert all(len(line) <= 60 for line in listed) and listed[1].endswith("…")
    wide = _on_a_terminal(["list", "--wide"], tmp_path, env, rows=40, cols=60)
    assert "On A Narrow Screen" in wide
    hit = _on_a_terminal(["search", "superalignment", "-n", "1"], tmp_path, env, rows=40, cols=60).splitlines()
    assert hit[0] == " 1. A Very Long Headline That Would Wrap In The Middle Of A"
    assert hit[1] == "    Word On A Narrow Screen"
    assert all(len(line) <= 60 for line in hit)
