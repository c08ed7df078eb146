"""An archive on this machine: the store in SQLite (``archive.db``), the index in Whoosh
(``whoosh``, a link to the current generation ``whoosh.N/``)."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from ...errors import ArchiveError, NoArchive, SchemaMismatch, StoreDamaged
from ...lock import write_lock
from ...model import Article
from ..base import BrokenIndex
from .store import Store


STORE_FILE = "archive.db"
INDEX_DIR = "whoosh"
LOCK_FILE = "write.lock"


class Backend:
    name = "whoosh"

    def __init__(self, path: Path, store: Store, index) -> None:
        self.path = path
        self.store = store
        self.index = index

    @classmethod
    def create(cls, path: Path, config=None) -> "Backend":
        if path.exists() and not path.is_dir():
            raise ArchiveError(f"{path} exists and is not a directory")
        path.mkdir(parents=True, exist_ok=True)
        return cls.open(path, config, create=True)

    @classmethod
    def open(cls, path: Path, config=None, create: bool = False) -> "Backend":
        store_path = path / STORE_FILE
        if store_path.is_file() and store_path.stat().st_size == 0 and (path / INDEX_DIR).exists():
            raise StoreDamaged(
                f"the store {store_path} is empty, but the archive has a search index",
                hint="restore archive.db from a backup, or make a new archive and import your last export; "
                     "archive check says what is there")  # fmt: skip
        if not store_path.exists() and not create:
            raise NoArchive(f"no archive at {path}")
        store = Store(store_path, create=create)
        try:
            index = cls._open_index(path, store)
        except BaseException:
            store.close()
            raise
        return cls(path, store, index)

    @staticmethod
    def _open_index(path: Path, store: Store):
        from .index import WhooshEngine

        try:
            index_dir = path / INDEX_DIR
            if index_dir.exists():  # a complete index: a new one is linked in only once made
                index = WhooshEngine(index_dir)
            elif index_dir.is_symlink() or store.article_count() > 0:  # never an empty index in its place
                raise ArchiveError(f"the search index {index_dir} is missing (the store has the articles)",
                                   hint="rebuild it from the store with: archive rebuild")  # fmt: skip
            else:  # a new archive, made by one process: writers may race here
                with write_lock(path / LOCK_FILE, 300.0, None):
                    index = WhooshEngine(index_dir, create=not index_dir.exists())
            layout = store.get_meta("index_layout")
            if layout is None and not store.read_only:
                with store.transaction():
                    store.set_meta("index_layout", WhooshEngine.LAYOUT)
            elif layout is not None and layout != WhooshEngine.LAYOUT:
                index.close()
                raise SchemaMismatch(
                    f"the search index in {path} was built by another version of archive ({layout}; "
                    f"this one builds {WhooshEngine.LAYOUT})",
                    hint="rebuild it from the store with: archive rebuild",
                )
        except ArchiveError as e:  # the store is intact: let check and rebuild work
            index = BrokenIndex(e, "whoosh")
        return index

    def rebuild(self, articles: Iterable[Article], writer_mb: int) -> None:
        from .index import WhooshEngine

        fresh = WhooshEngine.rebuild(self.path / INDEX_DIR, articles, writer_mb)
        self.index.close()
        self.index = fresh
        with self.store.transaction():
            self.store.set_meta("index_layout", WhooshEngine.LAYOUT)

    def set_memory(self, writer_mb: int) -> None:
        if "writer_mb" in vars(self.index):  # Whoosh's posting pool (not hasattr: a broken index raises)
            self.index.writer_mb = writer_mb

    def describe(self) -> str:
        return str(self.path)

    def stats(self) -> dict:
        size = sum(p.stat().st_size for p in self.path.iterdir() if p.is_file() and p.name.startswith(STORE_FILE))
        return {"store_bytes": size}

    def close(self) -> None:
        self.index.close()
        self.store.close()
