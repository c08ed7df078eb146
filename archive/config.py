"""Which engine an archive runs on, kept beside it in ``archive.json``.

A Whoosh archive needs no configuration (its directory holds the store and the index). An
OpenSearch archive's directory holds only this file (and the local write lock): the articles
and the index live in the cluster, under the archive's name.

    {"engine": "opensearch", "url": "http://127.0.0.1:9200", "name": "archive",
     "shards": 1, "replicas": 0}

``ARCHIVE_URL`` overrides the stored address (a cluster that moved, a tunnel); a new archive
made by ``archive ingest`` takes its engine from ``ARCHIVE_ENGINE`` (and ``ARCHIVE_URL``,
``ARCHIVE_NAME``).
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import asdict, dataclass
from pathlib import Path

from .engine import ENGINES as _REGISTRY
from .errors import ArchiveError
from .settings import DEFAULT_URL, settings

CONFIG_FILE = "archive.json"
ENGINES = tuple(_REGISTRY)
_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,100}$")


@dataclass
class EngineConfig:
    """Which engine an archive runs on, and where (``archive.json``)."""

    engine: str = "whoosh"
    url: str = DEFAULT_URL
    name: str = "archive"
    shards: int = 1
    replicas: int = 0

    def __post_init__(self) -> None:
        if self.engine not in ENGINES:
            raise ArchiveError(f"unknown engine {self.engine!r}", hint=f"use one of: {', '.join(ENGINES)}")
        if not _NAME.match(self.name):
            raise ArchiveError(
                f"name {self.name!r}: an archive name is lower-case letters, digits, '-', '_' or '.'",
                hint="e.g. newsroom", setting="name",
            )
        if not all(re.match(r"^https?://[^/\s,]+/?$", u.strip()) for u in self.url.split(",")):
            raise ArchiveError(f"url {self.url!r}: give the cluster's address as http://HOST:PORT "
                               "(or several, separated by commas)", setting="url")
        if self.shards < 1 or self.replicas < 0:
            raise ArchiveError("shards must be at least 1 and replicas at least 0", setting="shards")

    @classmethod
    def load(cls, path: Path) -> "EngineConfig | None":
        file = path / CONFIG_FILE
        if not file.exists():
            return None
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
            config = cls(**{k: data[k] for k in ("engine", "url", "name", "shards", "replicas") if k in data})
        except (OSError, ValueError, TypeError) as e:
            raise ArchiveError(f"{file}: cannot read the archive's configuration ({e})") from None
        url = settings().url
        if url:
            config.url = url
            config.__post_init__()
        return config

    @classmethod
    def from_env(cls) -> "EngineConfig":
        env = settings()
        return cls(engine=env.engine, url=env.url or DEFAULT_URL, name=env.name)

    def save(self, path: Path) -> None:
        tmp = path / (CONFIG_FILE + ".tmp")
        tmp.write_text(json.dumps(asdict(self), indent=2) + "\n", encoding="utf-8")
        os.replace(tmp, path / CONFIG_FILE)


DEFAULT_FOLDER = "index"


def holds_archive(path: Path) -> bool:
    """Whether ``path`` is an archive (its store on this machine, or its configuration)."""
    return (path / "archive.db").is_file() or (path / CONFIG_FILE).is_file()


def find_archive(start: Path) -> Path | None:
    """The archive a command run in ``start`` uses when none is named, found as git finds its
    repository: ``start/index``, else the nearest parent folder's ``index/`` that holds an
    archive; None when there is none."""
    start = start.resolve()
    for folder in (start, *start.parents):
        candidate = folder / DEFAULT_FOLDER
        if holds_archive(candidate):
            return candidate
    return None
