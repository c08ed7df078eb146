from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive.cli import cli

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "000_e7c3c1c26a4b60e9.txt"
GOLDEN = Path(__file__).parent / "golden"


@pytest.fixture(autouse=True)
def _isolate(tmp_path, monkeypatch):
    """No test sees the user's home, archive or colour settings."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("ARCHIVE_INDEX", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def seed(tmp_path) -> Path:
    d = tmp_path / "seeds"
    d.mkdir(exist_ok=True)
    return Path(shutil.copy(SEED, d / SEED.name))


class Run:
    """Runs the CLI in-process against one archive and keeps the last result."""

    def __init__(self, index: Path) -> None:
        self.index = index
        self.runner = CliRunner()

    def __call__(self, *args: str, input: str | bytes | None = None, code: int | None = 0):
        result = self.runner.invoke(cli, ["--index", str(self.index), *args], input=input, catch_exceptions=False)
        if code is not None:
            assert result.exit_code == code, (result.exit_code, result.output, result.stderr)
        return result

    def json(self, *args: str, code: int | None = 0):
        return json.loads(self(*args, "--format", "json", code=code).stdout)


@pytest.fixture
def run(tmp_path) -> Run:
    return Run(tmp_path / "ix")


@pytest.fixture
def seeded(run, seed) -> Run:
    run("ingest", str(seed))
    return run


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


def golden(name: str, actual: str) -> None:
    """Compare with tests/golden/NAME; UPDATE_GOLDEN=1 rewrites it."""
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.parent.mkdir(exist_ok=True)
        path.write_text(actual)
    assert path.exists(), f"missing golden file {path}; run with UPDATE_GOLDEN=1"
    assert actual == path.read_text()
