"""The README's Python example runs as written (on a copy of seeds/, in a temporary folder)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

from .conftest import ROOT

pytestmark = __import__("pytest").mark.whoosh_only


def test_python_example_runs(tmp_path):
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## Using it from Python") :]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    shutil.copytree(ROOT / "seeds", tmp_path / "seeds")
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "openai-co-leader-yan-leike-also" in out.stdout and "<mark>Superalignment</mark>" in out.stdout
