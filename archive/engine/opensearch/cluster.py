"""The connection to an OpenSearch cluster: one client, every call through one funnel that
turns the client's errors into one line with a hint, and the archive's indices (create,
generations, refresh, drop).
"""

from __future__ import annotations

from dataclasses import dataclass

from ...errors import ArchiveError
from ...ranking import BM25_B, BM25_K1
from .mapping import ANALYSIS, ARTICLES_MAPPING, META_MAPPING, PARAGRAPHS_MAPPING, articles_fields


@dataclass
class ClusterConfig:
    """Where a cluster is, and the name of the archive in it."""

    url: str
    name: str = "archive"
    shards: int = 1
    replicas: int = 0
    timeout: float = 30.0


def unreachable_hint(url: str) -> str:
    return "start the cluster, or point ARCHIVE_URL at it"


class Cluster:
    """A client for one archive's indices, with the cluster's errors made into ArchiveErrors."""

    def __init__(self, config: ClusterConfig) -> None:
        import logging

        from opensearchpy import OpenSearch

        # The client logs every 404 (an article looked up and not there) as a warning on
        # stderr; failures reach the user as ArchiveErrors instead.
        logging.getLogger("opensearch").setLevel(logging.CRITICAL)

        self.config = config
        self.url = config.url
        self.articles = f"{config.name}-articles"
        self.paragraphs = f"{config.name}-paragraphs"
        self.meta = f"{config.name}-meta"
        self._knn: bool | None = None  # whether the k-NN plugin is on every node (has_knn)
        # Several comma-separated addresses: requests go round them, and a node that stops
        # answering is left out until it is back.
        self.client = OpenSearch(
            hosts=[u.strip() for u in config.url.split(",")], timeout=config.timeout, max_retries=3, retry_on_timeout=True,
            http_compress=False,
        )  # fmt: skip

    def call(self, what: str, fn, *args, **kwargs):
        """Run one client call; the cluster's failures become one-line ArchiveErrors."""
        from opensearchpy import exceptions as ox

        try:
            return fn(*args, **kwargs)
        except ox.ConnectionTimeout:
            raise ArchiveError(f"OpenSearch at {self.url} did not answer in time ({what})",
                               hint="the cluster may be overloaded or a node down") from None  # fmt: skip
        except ox.ConnectionError as e:
            raise ArchiveError(
                f"cannot reach OpenSearch at {self.url} ({what}: {_reason(e)})", hint=unreachable_hint(self.url)
            ) from None
        except ox.TransportError as e:
            status = e.status_code if isinstance(e.status_code, int) else 0
            raise ArchiveError(f"OpenSearch at {self.url} refused {what} (HTTP {status}: {_reason(e)})",
                               hint=_hint_for(status)) from None  # fmt: skip

    def get(self, index: str, doc_id: str, what: str, fields: list[str] | None = None,
            without: list[str] | None = None) -> dict | None:  # fmt: skip
        """A document's source (only ``fields``, or all but ``without``), or None if it is not
        there (any other failure is an ArchiveError)."""
        kwargs = {"_source_includes": fields} if fields else {"_source_excludes": without} if without else {}
        try:
            return self.call(what, self._get, index, doc_id, kwargs)
        except _Missing:
            return None

    def _get(self, index: str, doc_id: str, kwargs: dict) -> dict:
        from opensearchpy import NotFoundError

        try:
            return self.client.get(index=index, id=doc_id, **kwargs)["_source"]
        except NotFoundError:  # no such document, or no such index (an archive not made yet)
            raise _Missing from None

    # -- layout ---------------------------------------------------------------------------

    def exists(self) -> bool:
        return bool(self.call("a check for the archive", self.client.indices.exists, index=self.articles))

    def create(self) -> None:
        """Create the archive's indices (refuses if an archive of this name is there)."""
        if self.exists():
            raise ArchiveError(f"an archive named {self.config.name!r} already exists at {self.url}",
                               hint="use it with --index, or pick another --name")  # fmt: skip
        settings = self.index_settings()
        self.call("creating the meta index", self.client.indices.create, index=self.meta,
                  body={"settings": {**settings, "number_of_shards": 1}, "mappings": META_MAPPING})  # fmt: skip
        articles = {**ARTICLES_MAPPING, "properties": articles_fields(knn=self.has_knn())}
        self.call("creating the articles index", self.client.indices.create, index=self.articles,
                  body={"settings": settings, "mappings": articles})  # fmt: skip
        self.create_paragraphs(1, alias=True)
        self.wait_healthy()

    def has_knn(self) -> bool:
        """Whether every node has the k-NN plugin (the official distribution does; a minimal
        one does not): without it there is no ``knn_vector`` field, and nothing is found by
        meaning alone. Asked once; a user not allowed to list the nodes' plugins is taken to
        have it, as every official distribution does."""
        if self._knn is None:
            try:
                info = self.call("listing the cluster's plugins", self.client.nodes.info, metric="plugins")
            except ArchiveError:
                self._knn = True
                return True
            nodes = info.get("nodes", {}).values()
            self._knn = bool(nodes) and all(any(p.get("name") == "opensearch-knn" for p in n.get("plugins", []))
                                            for n in nodes)  # fmt: skip
        return self._knn

    def index_settings(self) -> dict:
        return {
            "number_of_shards": self.config.shards,
            "number_of_replicas": self.config.replicas,
            "analysis": ANALYSIS,
            "similarity": {"default": {"type": "BM25", "k1": BM25_K1, "b": BM25_B}},
        }

    def create_paragraphs(self, generation: int, alias: bool) -> str:
        name = f"{self.paragraphs}-{generation:06d}"
        body: dict = {"settings": self.index_settings(), "mappings": PARAGRAPHS_MAPPING}
        if alias:
            body["aliases"] = {self.paragraphs: {}}
        self.call("creating the paragraphs index", self.client.indices.create, index=name, body=body)
        return name

    def paragraph_generations(self) -> list[str]:
        got = self.call("reading the paragraphs alias", self.client.indices.get_alias, name=self.paragraphs)
        return sorted(got)

    def swap_paragraphs(self, new: str) -> None:
        """Point the paragraphs alias at ``new`` in one step, then delete the old generations."""
        old = self.paragraph_generations()
        actions = [{"remove": {"index": o, "alias": self.paragraphs}} for o in old]
        actions.append({"add": {"index": new, "alias": self.paragraphs}})
        self.call("swapping the paragraphs index", self.client.indices.update_aliases, body={"actions": actions})
        for o in old:
            if o != new:
                self.call("deleting an old paragraphs index", self.client.indices.delete, index=o)

    def drop(self) -> None:
        """Delete every index of this archive (tests and ``archive init --replace``)."""
        names = [self.meta, self.articles, f"{self.paragraphs}-*"]
        self.call("deleting the archive", self.client.indices.delete, index=",".join(names),
                  ignore_unavailable=True)  # fmt: skip

    def wait_healthy(self, timeout: str = "30s") -> None:
        """Wait until every primary shard of the archive is allocated (yellow or green)."""
        # (the server's "timeout" parameter goes in the path: opensearch-py 3 takes a "timeout"
        # keyword for its own socket timeout and rejects "30s" there)
        path = f"/_cluster/health/{self.config.name}-*?wait_for_status=yellow&timeout={timeout}"
        health = self.call("a health check", self.client.transport.perform_request, "GET", path)
        if health.get("status") == "red" or health.get("timed_out"):
            raise ArchiveError(
                f"the archive's indices at {self.url} are {health.get('status', 'unknown')}: "
                f"{health.get('unassigned_shards', '?')} shards unassigned",
                hint="a node holding them is down; start it, or give the archive replicas",
            )

    def health(self) -> dict:
        """The archive's health as the cluster sees it: status, nodes, shards, replicas."""
        h = self.call("a health check", self.client.transport.perform_request, "GET",
                      f"/_cluster/health/{self.config.name}-*")  # fmt: skip
        settings = self.call("reading index settings", self.client.indices.get_settings, index=self.articles)
        idx = next(iter(settings.values()))["settings"]["index"]
        return {"status": h.get("status"), "nodes": h.get("number_of_nodes"),
                "shards": int(idx["number_of_shards"]), "replicas": int(idx["number_of_replicas"])}  # fmt: skip

    def size_bytes(self, index: str) -> int:
        """Bytes of the primary copy: its segments on disk plus what is still only in the
        translog (recent writes, not yet flushed into segments)."""
        stats = self.call("reading index stats", self.client.indices.stats, index=index, metric="store,translog")
        primaries = stats["_all"]["primaries"]
        return int(primaries.get("store", {}).get("size_in_bytes", 0)) + int(
            primaries.get("translog", {}).get("uncommitted_size_in_bytes", 0))

    def refresh(self, *indices: str) -> None:
        self.call("a refresh", self.client.indices.refresh, index=",".join(indices))

    def close(self) -> None:
        try:
            self.client.close()
        except Exception:  # pragma: no cover - closing a pool never matters to the user
            pass

    # -- bulk writes ----------------------------------------------------------------------

    def bulk(self, actions: list[dict], what: str) -> None:
        """Send ``actions`` in chunks, retrying rejected (429) items with back-off; raise one
        error naming what failed if anything did (nothing is dropped silently)."""
        from opensearchpy import helpers

        if not actions:
            return
        _, errors = self.call(
            what, helpers.bulk, self.client, actions, chunk_size=1000, max_chunk_bytes=20 * 1024 * 1024,
            max_retries=5, initial_backoff=1, max_backoff=30, raise_on_error=False, raise_on_exception=True,
        )  # fmt: skip
        if errors:
            first = next(iter(errors[0].values()))
            reason = first.get("error", {})
            if isinstance(reason, dict):
                reason = f"{reason.get('type')}: {reason.get('reason')}"
            raise ArchiveError(
                f"OpenSearch at {self.url} rejected {len(errors)} of {len(actions)} writes while {what} "
                f"(first: {first.get('_id')}: {reason})",
                hint="nothing was acknowledged for those articles; run the same command again",
            )

    def scan(self, index: str, query: dict | None = None, source: list[str] | bool = True, size: int = 2000):
        """Every matching document, in no particular order (a scroll)."""
        from opensearchpy import helpers

        body = {"query": query or {"match_all": {}}, "_source": source}
        it = helpers.scan(self.client, index=index, query=body, size=size, scroll="2m", preserve_order=False)
        while True:
            try:
                doc = self.call(f"reading {index}", next, it, None)
            except StopIteration:  # pragma: no cover - next() with a default never raises it
                return
            if doc is None:
                return
            yield doc


class _Missing(Exception):
    """A document that is not in its index (an answer, not a failure)."""

def _reason(e: Exception) -> str:
    text = str(e)
    for marker, short in (("Connection refused", "connection refused"), ("Name or service not known", "unknown host"),
                          ("timed out", "timed out"), ("Connection reset", "connection reset")):  # fmt: skip
        if marker in text:
            return short
    info = getattr(e, "info", None)
    if isinstance(info, dict):
        err = info.get("error")
        if isinstance(err, dict):
            root = (err.get("root_cause") or [err])[0]
            return f"{root.get('type')}: {root.get('reason')}"
        if err:
            return str(err)
    err = getattr(e, "error", None)
    if isinstance(err, str) and err and err != "N/A":
        return err
    text = str(getattr(e, "info", "") or e)
    return text.splitlines()[0][:200] if text else e.__class__.__name__


def _hint_for(status: int) -> str | None:
    if status == 429:
        return "the cluster is overloaded; retry later or slow the ingest down"
    if status == 404:
        return "the archive's indices are missing; create them with: archive init --engine opensearch"
    if status in (401, 403):
        return "the cluster wants credentials; put them in the URL (https://user:pass@host:9200)"
    if status == 503:
        return "part of the archive is unavailable: a node holding one of its shards is down; start it, or give the archive replicas"
    if status >= 500:
        return "the cluster is unhealthy; see its logs"
    return None
