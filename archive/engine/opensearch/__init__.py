"""An archive in an OpenSearch cluster: the articles' records (the store) and the paragraphs
(the index) live in the cluster under the archive's name; the archive's directory keeps only
``archive.json`` (the address and the name) and the local write lock."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from ...config import CONFIG_FILE, EngineConfig
from ...dates import now_iso
from ...errors import NoArchive, SchemaMismatch
from ...model import Article
from ..base import BrokenIndex
from .cluster import Cluster, ClusterConfig
from .index import OpenSearchEngine
from .mapping import LAYOUT, STORE_LAYOUT
from .store import OpenSearchStore


def cluster_config(config: EngineConfig) -> ClusterConfig:
    return ClusterConfig(url=config.url.rstrip("/"), name=config.name, shards=config.shards, replicas=config.replicas)


class Backend:
    name = "opensearch"

    def __init__(self, path: Path, cluster: Cluster, store: OpenSearchStore, index) -> None:
        self.path = path
        self.cluster = cluster
        self.store = store
        self.index = index

    @classmethod
    def create(cls, path: Path, config: EngineConfig) -> "Backend":
        """Make the archive's indices in the cluster, or join the archive of that name if the
        cluster has one (another machine's), and keep the address in ``archive.json``."""
        cluster = Cluster(cluster_config(config))
        try:
            if not cluster.exists():
                cluster.create()
                store = OpenSearchStore(cluster)
                store.set_meta("index_layout", LAYOUT)
                # (without the k-NN plugin, layout 4: the vector field is added once it is there)
                store.set_meta("store_layout", STORE_LAYOUT if cluster.has_knn() else "4")
                store.set_meta("copies_found", "2")  # (archive.copies.RULE; a test keeps them equal)
                store.set_meta("created_at", now_iso())
            else:  # joining: the cluster's layout is the archive's
                health = cluster.health()
                config.shards, config.replicas = health["shards"], health["replicas"]
        finally:
            cluster.close()
        path.mkdir(parents=True, exist_ok=True)
        config.save(path)
        return cls.open(path, config)

    @classmethod
    def open(cls, path: Path, config: EngineConfig, create: bool = False) -> "Backend":
        cluster = Cluster(cluster_config(config))
        try:
            store = OpenSearchStore(cluster)
            layout = store.get_meta("index_layout")
            if layout is None and not cluster.exists():
                raise NoArchive(
                    f"the archive {config.name!r} is not in the cluster at {config.url}",
                    hint=f"move {path / CONFIG_FILE} aside, then: archive --index {path} init --engine opensearch "
                    f"--url {config.url} --name {config.name}",
                )
            index = OpenSearchEngine(cluster)
            if layout != OpenSearchEngine.LAYOUT:
                index = BrokenIndex(SchemaMismatch(
                    f"the archive's search index at {config.url} was built by another version of archive "
                    f"({layout}; this one builds {OpenSearchEngine.LAYOUT})",
                    hint="rebuild it from the articles with: archive rebuild"), name="opensearch")  # fmt: skip
        except BaseException:
            cluster.close()
            raise
        return cls(path, cluster, store, index)

    def rebuild(self, articles: Iterable[Article], writer_mb: int) -> None:
        fresh = OpenSearchEngine(self.cluster).rebuild(articles)
        self.index.close()
        self.index = fresh
        with self.store.transaction():
            self.store.set_meta("index_layout", OpenSearchEngine.LAYOUT)

    def set_memory(self, writer_mb: int) -> None:
        """(The cluster's nodes have their own memory; the archive's batches are bounded by it.)"""

    def describe(self) -> str:
        return f"{self.cluster.config.name!r} at {self.cluster.url}"

    def stats(self) -> dict:
        return {"store_bytes": self.store.size_bytes(), "url": self.cluster.url, "name": self.cluster.config.name,
                "cluster": self.cluster.health()}  # fmt: skip

    def close(self) -> None:
        self.index.close()
        self.store.close()
        self.cluster.close()
