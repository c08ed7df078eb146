"""The crash journal: before a writer touches the index, it writes down the ids of the
articles it is about to write (``pending.json``, fsynced). If it is killed between the index
and the store, the next writer finds the journal and re-syncs those articles from the store;
a writer that finishes removes it. A journal that is not a list of ids cannot be trusted: it
is set aside, and the whole index is rebuilt from the store.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

PENDING_FILE = "pending.json"


class Journal:
    def __init__(self, folder: Path) -> None:
        self.path = folder / PENDING_FILE

    def exists(self) -> bool:
        return self.path.exists() or self.path.is_symlink()

    def write(self, ids: list[str]) -> None:
        """Note the ids about to be written (durably, before the index is touched)."""
        with open(self.path, "w") as f:
            json.dump(ids, f)
            f.flush()
            os.fsync(f.fileno())

    def read(self) -> list[str] | None:
        """The ids a killed writer was writing, or None if the journal is not a list of ids."""
        try:
            ids = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError):
            return None
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            return None
        return ids

    def set_aside(self) -> Path:
        """Move a journal that cannot be trusted out of the way (kept for a look)."""
        aside = self.path.with_name(f"{PENDING_FILE}.bad-{int(time.time())}")
        os.replace(self.path, aside)
        return aside

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)
