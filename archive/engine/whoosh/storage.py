"""The index's files: commits that reach the disk before they are published, opening while
another process commits, and index generations (a rebuilt index is linked in whole).
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

from . import lean  # noqa: F401 (first: Whoosh without what it pulls in and the archive never uses)

from whoosh.filedb.filestore import FileStorage

from .schema import INDEX_NAME


class DurableStorage(FileStorage):
    """Whoosh's file storage, with commits in the order write, fsync, publish: before the
    table of contents (the commit point) is renamed into place, every file of the index is
    flushed to the disk, and the directory after it. Whoosh itself syncs nothing, so a machine
    that stopped just after a commit could come back with a published segment whose files
    were never written (a 0-byte postings file)."""

    def rename_file(self, oldname, newname, safe=False):
        if newname.endswith(".toc"):
            for name in os.listdir(self.folder):
                if name.endswith(("WRITELOCK", ".lock")):
                    continue
                _fsync(os.path.join(self.folder, name))
        super().rename_file(oldname, newname, safe)
        if newname.endswith(".toc"):
            _fsync(self.folder, directory=True)


def open_index(path: Path, attempts: int = 10):
    """Open the index, trying again while the table of contents Whoosh found newest is gone:
    another process committed between Whoosh listing the tables and reading it, and deleted
    it (as Whoosh's own reader() retries for the segment files)."""
    for attempt in range(attempts):
        try:
            return DurableStorage(str(path)).open_index(INDEX_NAME)
        except FileNotFoundError:
            if attempt == attempts - 1 or not path.exists():
                raise
            time.sleep(0.05)


def _fsync(path: str, directory: bool = False) -> None:
    try:
        fd = os.open(path, os.O_RDONLY | (os.O_DIRECTORY if directory else 0))
    except FileNotFoundError:  # a segment file merged away meanwhile
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def commit(writer, **kwargs) -> None:
    """Commit, and if that fails, still release Whoosh's lock (the table of contents is the
    commit point, so a failed commit leaves the index as it was)."""
    try:
        writer.commit(**kwargs)
    except BaseException:
        try:
            writer._finish()
        except Exception:
            pass
        raise


def fresh_dir(link: Path) -> Path:
    """A new, unused directory beside ``link`` for an index generation."""
    n = 1
    while (d := link.with_name(f"{link.name}.{n}")).exists():
        n += 1
    d.mkdir(parents=True)
    return d


def swap_in(link: Path, target: Path) -> None:
    """Point ``link`` at ``target`` in one atomic rename, then delete what it pointed at.

    A search that opened the old generation keeps reading it (its files stay open); a new
    search sees either the old generation or the new one, never a half-built index.
    """
    old = link.resolve() if link.is_symlink() else None
    tmp = link.with_name(link.name + ".swap")
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    os.symlink(target.name, tmp)
    if link.exists() and not link.is_symlink():  # a plain directory: move it aside first
        aside = fresh_dir(link)
        aside.rmdir()
        os.rename(link, aside)
        old = aside
    os.replace(tmp, link)
    if old is not None and old != target.resolve() and old.exists():
        shutil.rmtree(old, ignore_errors=True)


def remove_stale_generations(link: Path) -> None:
    """Delete index generations that ``link`` does not point at (left by an interrupted rebuild)."""
    current = link.resolve() if link.is_symlink() else None
    for d in link.parent.glob(link.name + ".*"):
        if d.is_dir() and not d.is_symlink() and d.resolve() != current:
            shutil.rmtree(d, ignore_errors=True)
