"""Search engines behind the archive, found by name in a registry and imported only when an
archive uses them (start-up time matters: `archive search` on a Whoosh archive never imports
the OpenSearch client).

Each engine is a *backend* (``base.Backend``): the store that is its source of truth, the
index that answers queries, and the lifecycle around them (create, open, rebuild, close).
Adding an engine: a module with a ``Backend`` class, and a record here.
"""

from __future__ import annotations

import importlib
from typing import NamedTuple


class EngineInfo(NamedTuple):
    name: str
    module: str  # the module whose ``Backend`` class runs an archive on this engine
    summary: str  # one line for help texts


ENGINES: dict[str, EngineInfo] = {
    "whoosh": EngineInfo("whoosh", "archive.engine.whoosh",
                         "files on this machine (the store in SQLite, the index in Whoosh)"),
    "opensearch": EngineInfo("opensearch", "archive.engine.opensearch",
                             "an OpenSearch cluster, for big archives and many users"),
}  # fmt: skip
DEFAULT_ENGINE = "whoosh"


def backend_class(name: str):
    """The Backend class of engine ``name`` (its module imported now)."""
    from ..errors import ArchiveError

    info = ENGINES.get(name)
    if info is None:
        raise ArchiveError(f"unknown engine {name!r}", hint=f"use one of: {', '.join(ENGINES)}")
    return importlib.import_module(info.module).Backend
