"""Language detection with py3langid's model kept decompressed in the user's cache: the same
answers as py3langid's own loading, and nothing lost when the cache cannot be used."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archive.readers import language

TEXTS = [
    "OpenAI disbanded its Superalignment team in May 2024, after Jan Leike resigned.",
    "오픈AI가 초정렬 팀을 해체했다고 밝혔다.",
    "Die Bundesbank hat die Zinsen erhöht.",
    "Le gouvernement a annoncé une réforme des retraites.",
    "12 mln dlrs vs 9.5 mln dlrs",
]


def _classify_in_fresh_process(texts: list[str], env: dict) -> list[str]:
    code = ("import sys, json\nfrom archive.readers import language\n"
            "ident = language.identifier()\n"
            "print(json.dumps([ident.classify(t)[0] for t in json.loads(sys.stdin.read())]))\n")  # fmt: skip
    import json

    out = subprocess.run([sys.executable, "-c", code], input=json.dumps(texts), capture_output=True, text=True,
                         env=env, check=True)  # fmt: skip
    return json.loads(out.stdout)


def test_cache_is_written_once_and_gives_py3langid_answers(tmp_path):
    import py3langid

    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    first = _classify_in_fresh_process(TEXTS, env)  # loads py3langid's model, writes the cache
    cached = list((tmp_path / "cache" / "archive").iterdir())
    assert len(cached) == 1 and {p.name for p in cached[0].iterdir()} >= {"ptc.npy", "nextmove.npy", "rest.npz"}
    second = _classify_in_fresh_process(TEXTS, env)  # maps the cache
    assert first == second == [py3langid.classify(t)[0] for t in TEXTS]
    assert first[:4] == ["en", "ko", "de", "fr"]


_from_cache: list = []


def _cached_identifier():
    """The identifier as a later process builds it: from the cache (written first if needed)."""
    if not _from_cache:
        language._load_and_cache()
        ident = language._from_cache()
        assert ident is not None and type(ident.nb_ptc).__name__ == "memmap"
        _from_cache.append(ident)
    return _from_cache[0]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(min_size=0, max_size=200))
def test_cached_identifier_equals_py3langid(text):
    import py3langid

    ours = _cached_identifier()
    assert ours.classify(text)[0] == py3langid.classify(text)[0]
    assert ours.classify(text)[1] == pytest.approx(py3langid.classify(text)[1], rel=1e-5)


def test_unwritable_or_damaged_cache_falls_back(tmp_path):
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the cache folder would go")
    env = {**os.environ, "XDG_CACHE_HOME": str(blocked)}
    assert _classify_in_fresh_process(TEXTS[:2], env) == ["en", "ko"]
    damaged = tmp_path / "damaged"
    env = {**os.environ, "XDG_CACHE_HOME": str(damaged)}
    _classify_in_fresh_process(TEXTS[:1], env)
    folder = next((damaged / "archive").iterdir())
    (folder / "nextmove.npy").write_bytes(b"not numpy")
    assert _classify_in_fresh_process(TEXTS[:2], env) == ["en", "ko"]
    assert (folder / "nextmove.npy").stat().st_size > 1000  # made again
