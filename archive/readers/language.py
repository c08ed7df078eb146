"""Which language an article is in (py3langid), with its model ready to load.

py3langid ships its model LZMA-compressed and decompresses it in every new process: about
0.5 s, most of what adding one article costs (`archive ingest story.txt`). The first process
keeps the decompressed model in the user's cache (``$XDG_CACHE_HOME/archive`` or
``~/.cache/archive``, 69 MB); later ones map its large table from there (only the rows a text
needs are read) and load the rest in milliseconds. If the cache cannot be written or read,
py3langid loads its model as it always does.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from array import array
from pathlib import Path

from ..model import Article

_identifier = None
CACHE_FORMAT = 1  # bump when the files kept change


def detect_language(article: Article) -> str | None:
    """The article's language code, guessed from its text; None if unsure."""
    sample = " ".join(p.text for p in article.paragraphs[:6])[:600]
    if len(sample.strip()) < 12:
        return None
    lang, _score = identifier().classify(sample)
    return lang


def identifier():
    """py3langid's language identifier, loaded once per process (from the cache if it can)."""
    global _identifier
    if _identifier is None:
        _identifier = _from_cache() or _load_and_cache()
    return _identifier


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "archive"


def _cache_path() -> Path | None:
    """Named after py3langid's model file's size and time, so a new model is never mixed up."""
    from py3langid import langid

    model = langid.MODEL_DIR / langid.MODEL_FILE
    try:
        st = model.stat()
    except OSError:
        return None
    return cache_dir() / f"py3langid-{CACHE_FORMAT}-{st.st_size}-{int(st.st_mtime)}"


def _from_cache():
    try:
        import numpy as np
        from py3langid.langid import LanguageIdentifier

        path = _cache_path()
        if path is None or not path.is_dir():
            return None
        big = {name: np.load(path / f"{name}.npy", mmap_mode="r", allow_pickle=False)
               for name in ("ptc", "nextmove", "row", "out_feat")}  # fmt: skip
        with np.load(path / "rest.npz", allow_pickle=False) as d:
            pc, classes = d["pc"], d["classes"].tolist()
        # The feature table stays mapped (a text reads only its features' rows); the automaton
        # py3langid walks byte by byte is copied into a stdlib array, as py3langid itself
        # holds it (item access on a NumPy map costs a microsecond: 5% of a bulk ingest), and
        # its row offsets become Python ints (py3langid shifts them left by 8: uint16 wraps).
        return LanguageIdentifier(big["ptc"], pc, classes, _to_array(big["nextmove"]), big["out_feat"].tolist(),
                                  tk_row=big["row"].tolist())  # fmt: skip
    except Exception:  # a damaged or foreign cache, another py3langid: load the usual way
        return None


def _load_and_cache():
    """Load py3langid's own model, and keep a decompressed copy for the next process."""
    import py3langid
    from py3langid import langid

    if not hasattr(langid, "_get_identifier"):  # another py3langid: use it as it is
        return py3langid
    ident = langid._get_identifier()
    try:
        import numpy as np

        path = _cache_path()
        if path is not None:
            if path.exists():  # it could not be read (damaged): make it again
                shutil.rmtree(path, ignore_errors=True)
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = Path(tempfile.mkdtemp(dir=path.parent, prefix=".py3langid-"))
            try:
                ptc, pc, classes = ident._full_model
                np.save(tmp / "ptc.npy", np.ascontiguousarray(ptc))
                np.save(tmp / "nextmove.npy", _to_numpy(ident.tk_nextmove))
                np.save(tmp / "row.npy", _to_numpy(ident.tk_row))
                np.save(tmp / "out_feat.npy", np.asarray(ident.tk_output, dtype=np.int64))
                np.savez(tmp / "rest.npz", pc=pc, classes=np.array(classes))
                os.rename(tmp, path)  # whole or not at all (another process may have been first)
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
    except Exception:  # no cache (read-only home, full disk, another py3langid): nothing lost
        pass
    return ident


def _to_numpy(arr):
    import numpy as np

    if isinstance(arr, array):
        return np.frombuffer(arr, dtype={"H": np.uint16, "I": np.uint32, "L": np.uint64}[arr.typecode])
    return np.asarray(arr)


def _to_array(values) -> array:
    """A NumPy vector of unsigned ints as a stdlib array (one copy of its bytes)."""
    out = array({2: "H", 4: "I", 8: "L"}[values.dtype.itemsize])
    out.frombytes(memoryview(values).cast("B"))
    return out
