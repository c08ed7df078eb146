from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive.cli import cli

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "000_e7c3c1c26a4b60e9.txt"
GOLDEN = Path(__file__).parent / "golden"


SCRIPT = ROOT / "scripts" / "opensearch.sh"
OPENSEARCH_PORT = 9250  # the test node's HTTP port (its transport port is 9350)


def pytest_configure(config) -> None:
    config.addinivalue_line("markers", "engines: run the test on every engine (Whoosh and OpenSearch)")
    config.addinivalue_line("markers", "whoosh_only: what the test checks exists on the Whoosh engine only")
    config.addinivalue_line("markers", "slow: takes more than a few seconds (the quick loop is -m 'not slow')")


def pytest_generate_tests(metafunc) -> None:
    if "engine" in metafunc.fixturenames and metafunc.definition.get_closest_marker("engines") is not None:
        if metafunc.definition.get_closest_marker("whoosh_only") is None:
            from archive.engine import ENGINES  # every registered engine runs the engine-marked tests

            metafunc.parametrize("engine", list(ENGINES), indirect=True)


@pytest.fixture(scope="session")
def _session_cache(tmp_path_factory) -> Path:
    """One cache folder for the whole run (the language model's decompressed copy, 66 MB, is
    written once, not once per test)."""
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(autouse=True)
def _isolate(tmp_path, monkeypatch, _session_cache):
    """No test sees the user's home, cache, archive, engine or colour settings."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(_session_cache))
    for name in ("ARCHIVE_INDEX", "NO_COLOR", "ARCHIVE_ENGINE", "ARCHIVE_URL", "ARCHIVE_NAME", "ARCHIVE_MODEL_DIR"):
        monkeypatch.delenv(name, raising=False)
    # Embedding costs about 0.1 s an article on this kind of machine: tests that are not about
    # semantic ranking turn it off (as a user can); tests/test_semantic.py turns it on.
    monkeypatch.setenv("ARCHIVE_SEMANTIC", "off")
    monkeypatch.chdir(tmp_path)


def opensearch_installed() -> bool:
    home = subprocess.run([str(SCRIPT), "home"], capture_output=True, text=True).stdout.strip()
    return bool(home) and (Path(home) / "bin" / "opensearch").exists()


def need_opensearch() -> None:
    """Skip when OpenSearch is not installed here, unless the run requires it (CI does)."""
    if not opensearch_installed():
        if os.environ.get("ARCHIVE_REQUIRE_OPENSEARCH"):
            pytest.fail("OpenSearch is required (ARCHIVE_REQUIRE_OPENSEARCH) but not installed: "
                        "run scripts/opensearch.sh install")  # fmt: skip
        pytest.skip("OpenSearch is not installed (scripts/opensearch.sh install)")


def port_free(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def start_node(port: int, peers: str = "") -> None:
    subprocess.run([str(SCRIPT), "stop", str(port)], capture_output=True)
    subprocess.run([str(SCRIPT), "reset", str(port)], check=True, capture_output=True)
    args = [str(SCRIPT), "start", str(port)] + ([peers] if peers else [])
    done = subprocess.run(args, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr + done.stdout


def stop_node(port: int) -> None:
    subprocess.run([str(SCRIPT), "stop", str(port)], check=True, capture_output=True)


@pytest.fixture(scope="session")
def opensearch_url():
    """A one-node OpenSearch on 127.0.0.1 for the session (or ARCHIVE_TEST_OPENSEARCH_URL's)."""
    given = os.environ.get("ARCHIVE_TEST_OPENSEARCH_URL")
    if given:
        yield given.rstrip("/")
        return
    need_opensearch()
    if not port_free(OPENSEARCH_PORT):
        subprocess.run([str(SCRIPT), "stop", str(OPENSEARCH_PORT)], capture_output=True)
    start_node(OPENSEARCH_PORT)
    try:
        yield f"http://127.0.0.1:{OPENSEARCH_PORT}"
    finally:
        stop_node(OPENSEARCH_PORT)


@pytest.fixture
def engine(request) -> str:
    return getattr(request, "param", "whoosh")


@pytest.fixture
def seed(tmp_path) -> Path:
    d = tmp_path / "seeds"
    d.mkdir(exist_ok=True)
    return Path(shutil.copy(SEED, d / SEED.name))


class Run:
    """Runs the CLI in-process against one archive and keeps the last result.

    On OpenSearch the archive (a uniquely named one in the test node) is made by the first
    command, with `archive init`, and its indices are deleted when the test ends."""

    def __init__(self, index: Path, engine: str = "whoosh", url: str | None = None) -> None:
        self.index = index
        self.engine = engine
        self.url = url
        self.name = f"t-{uuid.uuid4().hex[:12]}"
        self.runner = CliRunner()
        self._made = engine == "whoosh"

    def make(self) -> None:
        if not self._made:
            self._made = True
            self("init", "--engine", "opensearch", "--url", self.url, "--name", self.name)

    def drop(self) -> None:
        if self.engine == "opensearch" and (self.index / "archive.json").exists():
            from archive.engine.opensearch.cluster import Cluster, ClusterConfig

            cluster = Cluster(ClusterConfig(self.url, self.name))
            cluster.drop()
            cluster.close()

    def __call__(self, *args: str, input: str | bytes | None = None, code: int | None = 0):
        self.make()
        result = self.runner.invoke(cli, ["--index", str(self.index), *args], input=input, catch_exceptions=False)
        if code is not None:
            assert result.exit_code == code, (result.exit_code, result.output, result.stderr)
        return result

    def json(self, *args: str, code: int | None = 0):
        return json.loads(self(*args, "--format", "json", code=code).stdout)


@pytest.fixture
def run(tmp_path, engine, request) -> Run:
    url = request.getfixturevalue("opensearch_url") if engine == "opensearch" else None
    r = Run(tmp_path / "ix", engine, url)
    yield r
    r.drop()


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
