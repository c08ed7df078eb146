"""The house rules that keep the code easy to extend, checked on the source itself (see
docs/architecture.md): every engine call behind its engine package, every ARCHIVE_* variable
read in archive/settings.py, and the settings parsed the way they are documented."""

from __future__ import annotations

import ast
import gc
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from archive import settings as settings_module
from archive.settings import NAMES, settings

ROOT = Path(__file__).resolve().parent.parent / "archive"
SOURCES = sorted(ROOT.rglob("*.py"))


def _code(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def test_every_whoosh_and_opensearch_call_is_behind_its_engine_package():
    engine_import = re.compile(r"^\s*(from|import) (whoosh|opensearchpy)\b", re.M)
    outside = [str(p.relative_to(ROOT)) for p in SOURCES
               if engine_import.search(_code(p)) and "engine" not in p.relative_to(ROOT).parts]  # fmt: skip
    assert outside == []
    # and each engine's calls in its own package (the analyzers beside them are Whoosh's, pickled)
    for p in SOURCES:
        rel = p.relative_to(ROOT).as_posix()
        if re.search(r"^\s*(from|import) opensearchpy\b", _code(p), re.M):
            assert rel.startswith("engine/opensearch/"), rel
        if re.search(r"^\s*(from|import) whoosh\b", _code(p), re.M):
            assert rel.startswith("engine/whoosh/") or rel == "engine/whoosh_analysis.py", rel


def test_every_archive_variable_is_read_in_the_settings_module():
    reads = re.compile(r"os\.environ(\.get)?\(?\[?\s*[\"'](ARCHIVE_\w+)")
    elsewhere = {(p.name, m.group(2)) for p in SOURCES if p.name != "settings.py" for m in reads.finditer(_code(p))}
    # the command line's own: --traceback sets it for the library (cli.py)
    assert elsewhere <= {("cli.py", "ARCHIVE_TRACEBACK")}
    for name in NAMES:
        assert name in _code(ROOT / "settings.py")


@pytest.mark.parametrize("value, expected", [("2.5", 2.5), ("0", 5.0), ("-1", 5.0), ("soon", 5.0), (None, 5.0)])
def test_a_setting_that_does_not_parse_falls_back_to_its_default(monkeypatch, value, expected):
    if value is None:
        monkeypatch.delenv("ARCHIVE_SEARCH_TIMEOUT", raising=False)
    else:
        monkeypatch.setenv("ARCHIVE_SEARCH_TIMEOUT", value)
    assert settings().search_timeout == expected


def test_settings_follow_the_environment_and_are_parsed_once_per_value(monkeypatch):
    monkeypatch.setenv("ARCHIVE_MAX_QUERY_TERMS", "7")
    monkeypatch.setenv("ARCHIVE_SEMANTIC", "Off")
    first = settings()
    assert first.max_query_terms == 7 and first.semantic is False and first.semantic_value == "Off"
    assert settings() is first  # the same environment: parsed once
    monkeypatch.setenv("ARCHIVE_MAX_QUERY_TERMS", "8")
    assert settings().max_query_terms == 8
    monkeypatch.setenv("ARCHIVE_ENGINE", " OpenSearch ")
    assert settings().engine == "opensearch"
    assert settings_module.settings().max_query_chars == settings_module.MAX_QUERY_CHARS


def _one_article(path) -> None:
    from archive.archive import Archive
    from archive.model import Article, Paragraph

    with Archive.open(path, create=True) as ar:
        list(ar.ingest([Article("Leike resigns", [Paragraph(1, "title", "Leike resigns"),
                                                  Paragraph(2, "body", "The superalignment team is gone.")])]))


def _command(args: list[str], before: str = "", after: str = "") -> subprocess.CompletedProcess:
    """The `archive` command run in a fresh process as its entry point runs it, with Python
    lines before and after it (which report on stderr)."""
    code = f"import sys\n{before}sys.argv = ['archive'] + {args!r}\nfrom archive.cli import main\n" \
           f"try:\n    main()\nexcept SystemExit:\n    pass\n{after}"  # fmt: skip
    env = {**os.environ, "ARCHIVE_SEMANTIC": "off", "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)


def test_a_search_loads_only_what_a_search_needs(tmp_path):
    """Start-up time is part of every `archive search`: the ingester, the readers, the reports
    and the other engine stay unloaded (each costs milliseconds, measured in RESULTS.md)."""
    _one_article(tmp_path / "ix")
    run = _command(["--index", str(tmp_path / "ix"), "search", "superalignment"], after=(
        "from archive import analysis\n"
        "print(analysis._cjk_run.cache_info().currsize, file=sys.stderr)\n"
        "print(sorted(m for m in sys.modules if m.startswith(('archive.', 'opensearchpy', 'numpy', 'flask'))),"
        " file=sys.stderr)\n"
    ))  # fmt: skip
    assert "superalignment" in run.stdout.lower()
    loaded = set(ast.literal_eval(run.stderr.strip().splitlines()[-1]))
    unwanted = {"archive.ingest", "archive.reports", "archive.readers", "archive.embeddings",
                "archive.engine.opensearch", "archive.watches", "archive.timeline", "archive.web", "opensearchpy",
                "numpy", "flask"}  # fmt: skip
    assert not loaded & unwanted, sorted(loaded & unwanted)
    assert "archive.search" in loaded and "archive.engine.whoosh.index" in loaded
    # (an English search does not compile the class of CJK ranges: a millisecond of start-up)
    assert run.stderr.strip().splitlines()[-2] == "0"


def test_the_command_collects_no_garbage_while_it_starts(tmp_path):
    """The `archive` command pauses the cyclic garbage collector while it starts (the objects
    start-up makes live as long as the process) and resumes it once the archive is open, with
    those objects frozen out of later collections (and out of the collection as the process
    exits); a caller of the library (or CliRunner) keeps the collector as it was."""
    from click.testing import CliRunner

    from archive.cli import cli

    _one_article(tmp_path / "ix")
    run = _command(["--index", str(tmp_path / "ix"), "search", "superalignment"], before=(
        "import gc\n"
        "from archive import archive\n"
        "real = archive.Archive.open.__func__\n"
        "seen = []\n"
        "def spy(cls, *a, **k):\n"
        "    seen.append(gc.isenabled())\n"
        "    return real(cls, *a, **k)\n"
        "archive.Archive.open = classmethod(spy)\n"
    ), after="print(seen, gc.isenabled(), gc.get_freeze_count() > 5000, file=sys.stderr)\n")  # fmt: skip
    assert "superalignment" in run.stdout.lower()
    assert run.stderr.strip().splitlines()[-1] == "[False] True True"  # paused while starting; resumed
    # a command that fails before its archive opens: the collector is back on as it ends
    run = _command(["--index", str(tmp_path / "none"), "stats"], before="import gc\n",
                   after="print(gc.isenabled(), file=sys.stderr)\n")  # fmt: skip
    assert "no archive at" in run.stderr and run.stderr.strip().splitlines()[-1] == "True"
    frozen = gc.get_freeze_count()
    assert CliRunner().invoke(cli, ["--index", str(tmp_path / "ix"), "search", "superalignment"]).exit_code == 0
    assert gc.isenabled() and gc.get_freeze_count() == frozen  # (in-process: nothing paused, nothing frozen)
