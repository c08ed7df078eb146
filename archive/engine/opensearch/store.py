"""The canonical store of an OpenSearch archive: the articles' records in ``NAME-articles``.

It answers what the SQLite store (``engine.whoosh.store.Store``) answers (identity, records, listings, counts, synonyms,
did-you-mean), so the archive's logic is the same on both engines; the cluster is the source
of truth, and any machine that reaches it sees the same archive.

Writes are collected during :meth:`transaction` and sent when it ends, after the engine has
written the paragraphs: an article's record is its commit point. If a write fails half-way,
the paragraphs written without their record are replaced by the next ingest of the article
and reported by ``archive check`` meanwhile; nothing acknowledged is lost.
"""

from __future__ import annotations

import base64
import json
import time
from contextlib import contextmanager
from typing import TYPE_CHECKING, Iterable, Iterator

from ...dates import now_iso
from ...errors import ArchiveError, NotFound
from ...identity import new_id, synonym_key, tag_key, text_key, title_key, url_key
from ...model import Article, HitRow, Paragraph
from ...semantic import from_blob
from ...spelling import edit_distance
from .cluster import Cluster
from .documents import paragraph_doc_id, paragraph_row
from .mapping import IDENTITY_FIELDS, STORE_LAYOUT

# An article's embedding, as bytes and as floats (7 kB of JSON): read only where it is needed.
EMBEDDING_FIELDS = ["vector", "meaning"]

if TYPE_CHECKING:
    import numpy as np

    from ...reports import ArticleSummary


RECORD_FIELDS = ["id", "title", "source", "author", "date", "url", "lang", "tags", "ingested_at", "origin",
                 "source_hash", "content_hash", "paragraph_count"]  # fmt: skip
_LOOKUP = ["id", "content_hash", "ingested_at", "url_key", "text_key", "hash_key", "title_key", "source_key", "date"]
_NONE = object()
SYNONYMS_TTL = 10.0


class OpenSearchStore:
    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self.client = cluster.client
        self.index = cluster.articles
        self._puts: dict[str, dict] = {}
        self._deletes: set[str] = set()
        self._known: dict[tuple, object] = {}  # prefetched identity lookups: key -> record or None
        self._by_url: dict[str, str] = {}  # in this transaction: url_key / text_key / hash_key -> id
        self._by_text: dict[str, str] = {}
        self._by_hash: dict[str, str] = {}
        self._ingested: dict[str, str | None] = {}  # id -> first ingested_at, from lookups
        self._groups: tuple[float, list[list[str]]] | None = None
        self._claimed: list[str] = []
        self._vector_updates: dict[str, dict] = {}  # embeddings of articles not rewritten (archive embed)
        self._vector_mapping = False
        self._layout_seen: str | None = None
        self._knn_mapped: bool | None = None  # whether the articles index has the k-NN vector field
        # copies (archive.copies), in this transaction: article id -> band keys / (original, similarity);
        # an empty list / None: none any more
        self._bands: dict[str, list[int]] = {}
        self._links: dict[str, tuple[str, float] | None] = {}
        self._has_copies: tuple[float, bool] | None = None

    def close(self) -> None:
        pass

    # -- meta -----------------------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        doc = self.cluster.get(self.cluster.meta, f"meta:{key}", "reading the archive's settings")
        return doc["value"] if doc else None

    def set_meta(self, key: str, value: str) -> None:
        self.cluster.call("writing the archive's settings", self.client.index, index=self.cluster.meta,
                          id=f"meta:{key}", body={"kind": "meta", "key": key, "value": value},
                          refresh=True)  # fmt: skip

    # -- writing --------------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self._puts, self._deletes, self._vector_updates = {}, set(), {}
        self._bands, self._links = {}, {}
        self._by_url, self._by_text, self._by_hash = {}, {}, {}
        self._claimed = []
        try:
            yield
        except BaseException:
            claimed, self._claimed = self._claimed, []
            self._puts, self._deletes, self._known, self._ingested = {}, set(), {}, {}
            self._vector_updates = {}
            self._bands, self._links = {}, {}
            if claimed:  # give back the ids claimed for articles that were not written
                try:
                    self.cluster.bulk([{"_op_type": "delete", "_index": self.index, "_id": i} for i in claimed],
                                      "releasing claimed ids")  # fmt: skip
                    self.cluster.refresh(self.index)
                except ArchiveError:
                    pass  # the cluster is down: the next ingest or `check` deals with them
            raise
        actions = [{"_op_type": "index", "_index": self.index, "_id": i, "_source": rec} for i, rec in self._puts.items()]
        actions += [{"_op_type": "delete", "_index": self.index, "_id": i} for i in self._deletes]
        actions += [{"_op_type": "update", "_index": self.index, "_id": i, "doc": doc}
                    for i, doc in self._vector_updates.items() if i not in self._deletes]  # fmt: skip
        self._puts, self._deletes, self._known, self._ingested = {}, set(), {}, {}
        self._vector_updates = {}
        if actions:
            self.cluster.bulk(actions, "writing article records")
            self.cluster.refresh(self.index)
        self._write_copies()

    def put(self, article: Article, content_hash: str) -> None:
        assert article.id
        now = now_iso()
        if article.id in self._ingested:
            first = self._ingested[article.id]
        else:
            old = self._record(article.id, ["ingested_at"])
            first = old["ingested_at"] if old else None
        article.ingested_at = article.ingested_at or first or now
        rec = {
            "id": article.id, "title": article.title, "title_key": title_key(article.title),
            "source": article.source, "source_key": article.source or "", "author": article.author,
            "date": article.date, "url": article.url, "lang": article.lang, "tags": list(article.tags),
            "ingested_at": article.ingested_at, "updated_at": now, "content_hash": content_hash,
            "source_hash": article.source_hash, "origin": article.origin,
            "paragraph_count": len(article.paragraphs), "paragraphs": [p.to_dict() for p in article.paragraphs],
            "url_key": url_key(article.url), "text_key": text_key(article.paragraphs),
            "hash_key": article.source_hash, "versions": list(article.versions),
        }  # fmt: skip
        self._puts[article.id] = rec
        self._deletes.discard(article.id)
        for keys, value in ((self._by_url, rec["url_key"]), (self._by_text, rec["text_key"]),
                            (self._by_hash, rec["hash_key"])):  # fmt: skip
            if value:
                keys.setdefault(value, article.id)

    def prepare(self) -> None:
        """Claim the ids of the articles this transaction adds, before any paragraph is written:
        another machine adding an article under the same id at the same moment gets a conflict
        instead of overwriting it. A claimed record has no paragraphs and an empty hash until
        the transaction's end fills it in (so if this writer dies, the next ingest of the
        article updates it, and ``check`` reports it meanwhile)."""
        new = [i for i, rec in self._puts.items() if self._ingested.get(i, "") is None]
        if not new:
            return
        actions = [{"_op_type": "create", "_index": self.index, "_id": i,
                    "_source": {**self._puts[i], "content_hash": "", "paragraphs": [], "paragraph_count": 0}}
                   for i in new]  # fmt: skip
        from opensearchpy import helpers

        _, errors = self.cluster.call("claiming article ids", helpers.bulk, self.client, actions, chunk_size=1000,
                                      max_retries=5, initial_backoff=1, raise_on_error=False)  # fmt: skip
        if not errors:
            self._claimed = new
            return
        failed = {next(iter(e.values()))["_id"] for e in errors}
        claimed = [i for i in new if i not in failed]
        self.cluster.bulk([{"_op_type": "delete", "_index": self.index, "_id": i} for i in claimed],
                          "releasing claimed ids")  # fmt: skip
        first = next(iter(errors[0].values()))
        status = first.get("status")
        if status == 409:
            raise ArchiveError(
                f"another writer added an article with the id {first['_id']!r} at the same moment",
                hint="nothing of this batch was written; run the same command again",
            )
        raise ArchiveError(f"OpenSearch at {self.cluster.url} refused to record {len(failed)} articles "
                           f"(HTTP {status}: {first.get('error')})", hint="run the same command again")  # fmt: skip

    def delete(self, article_id: str) -> None:
        self._puts.pop(article_id, None)
        self._deletes.add(article_id)
        self._bands[article_id] = []
        self._links[article_id] = None

    # -- copies (archive.copies): documents in the meta index, "bands:ID" and "copy:ID" ---------

    def _write_copies(self) -> None:
        bands, links, self._bands, self._links = self._bands, self._links, {}, {}
        meta = self.cluster.meta
        actions = [{"_op_type": "index", "_index": meta, "_id": f"bands:{i}",
                    "_source": {"kind": "bands", "key": i, "term": [str(k) for k in keys]}} for i, keys in bands.items() if keys]
        actions += [{"_op_type": "index", "_index": meta, "_id": f"copy:{i}",
                     "_source": {"kind": "copy", "key": i, "term": link[0], "value": repr(link[1])}}
                    for i, link in links.items() if link is not None]  # fmt: skip
        gone = [f"bands:{i}" for i, keys in bands.items() if not keys]
        gone += [f"copy:{i}" for i, link in links.items() if link is None]
        if gone:
            self.cluster.call("removing copy records", self.client.delete_by_query, index=meta, conflicts="proceed",
                              body={"query": {"ids": {"values": gone}}})  # fmt: skip
        self.cluster.bulk(actions, "writing copy records")
        if actions or gone:
            self.cluster.refresh(meta)
            self._has_copies = None

    def _meta_search(self, query: dict, fields: list[str]) -> list[dict]:
        return [d["_source"] for d in self.cluster.scan(self.cluster.meta, query=query, source=fields)]

    def has_copies(self) -> bool:
        """Whether any article is a copy (asked by every search: read at most once every
        SYNONYMS_TTL seconds, at once after a write here)."""
        now = time.monotonic()
        if self._has_copies is None or now - self._has_copies[0] > SYNONYMS_TTL:
            res = self.cluster.call("reading copies", self.client.count, index=self.cluster.meta,
                                    body={"query": {"term": {"kind": "copy"}}})  # fmt: skip
            self._has_copies = (now, int(res["count"]) > 0)
        return self._has_copies[1]

    def add_copy_bands(self, keys: dict[str, list[int]]) -> None:
        self._bands.update(keys)

    def put_copy_bands(self, article_id: str, keys: list[int], new: bool = False) -> None:
        self._bands[article_id] = list(keys)

    def copy_candidates(self, keys: list[int]) -> dict[str, int]:
        wanted = set(keys)
        out = {i: len(wanted.intersection(ks)) for i, ks in self._bands.items() if wanted.intersection(ks)}
        terms = [str(k) for k in keys]
        for i in range(0, len(terms), 1000):
            query = {"bool": {"filter": [{"term": {"kind": "bands"}}, {"terms": {"term": terms[i:i + 1000]}}]}}
            for r in self._meta_search(query, ["key", "term"]):
                if r["key"] not in self._bands:
                    out[r["key"]] = len(wanted.intersection(int(t) for t in r["term"]))
        return out

    def set_copy_link(self, article_id: str, copy_of: str | None, similarity: float = 0.0) -> None:
        self._links[article_id] = (copy_of, similarity) if copy_of is not None else None

    def _stored_links(self, query: dict) -> dict[str, tuple[str, float]]:
        recs = self._meta_search({"bool": {"filter": [{"term": {"kind": "copy"}}, query]}},
                                 ["key", "term", "value"])  # fmt: skip
        return {r["key"]: (r["term"], float(r["value"])) for r in recs}

    def copy_links(self, article_ids: Iterable[str] | None = None) -> dict[str, tuple[str, float]]:
        if article_ids is None:
            out = self._stored_links({"match_all": {}})
        else:
            ids, out = list(article_ids), {}
            for i in range(0, len(ids), 1000):
                out.update(self._stored_links({"terms": {"key": ids[i:i + 1000]}}))
            out = {i: v for i, v in out.items() if i in set(ids)}
            wanted = set(ids)
        for i, link in self._links.items():
            if article_ids is not None and i not in wanted:
                continue
            if link is None:
                out.pop(i, None)
            else:
                out[i] = link
        return out

    def copy_members(self, originals: Iterable[str]) -> dict[str, list[tuple[str, float]]]:
        ids = list(originals)
        links: dict[str, tuple[str, float]] = {}
        for i in range(0, len(ids), 1000):
            links.update(self._stored_links({"terms": {"term": ids[i:i + 1000]}}))
        for i, link in self._links.items():
            if link is None:
                links.pop(i, None)
            else:
                links[i] = link
        out: dict[str, list[tuple[str, float]]] = {}
        for i, (original, sim) in sorted(links.items()):
            if original in set(ids):
                out.setdefault(original, []).append((i, sim))
        return out

    # -- article embeddings (semantic ranking) ----------------------------------------------

    def _ensure_vector_mapping(self) -> None:
        """Archives made before embeddings existed get the fields (adding fields is allowed);
        the k-NN vector only where every node has the k-NN plugin."""
        if not self._vector_mapping:
            from .mapping import VECTOR_FIELDS, articles_fields

            fields = articles_fields(VECTOR_FIELDS, knn=self.cluster.has_knn())
            self.cluster.call("adding the embedding fields", self.client.indices.put_mapping, index=self.index,
                              body={"properties": fields})  # fmt: skip
            self._vector_mapping = True
            self._knn_mapped = "meaning" in fields

    def _meaning_mapped(self) -> bool:
        """Whether the articles index has the k-NN vector field (asked once)."""
        if self._knn_mapped is None:
            got = self.cluster.call("reading the articles' fields", self.client.indices.get_mapping, index=self.index)
            self._knn_mapped = any("meaning" in m.get("mappings", {}).get("properties", {}) for m in got.values())
        return self._knn_mapped

    def put_vector(self, article_id: str, model: str, vector: bytes) -> None:
        self._ensure_vector_mapping()
        doc = {"vector": base64.b64encode(vector).decode("ascii"), "vector_model": model}
        if self._meaning_mapped():
            doc["meaning"] = from_blob(vector).tolist()
        if article_id in self._puts:
            self._puts[article_id].update(doc)
        else:
            self._vector_updates[article_id] = doc

    def vectors(self, article_ids: Iterable[str], model: str) -> dict[str, bytes]:
        ids = list(article_ids)
        out: dict[str, bytes] = {}
        for i in range(0, len(ids), 500):
            res = self.cluster.call("reading embeddings", self.client.mget, index=self.index,
                                    body={"ids": ids[i : i + 500]}, _source=["vector", "vector_model"])  # fmt: skip
            for d in res["docs"]:
                src = d.get("_source") or {}
                if d.get("found") and src.get("vector_model") == model and src.get("vector"):
                    out[d["_id"]] = base64.b64decode(src["vector"])
        return out

    def nearest(self, query: "np.ndarray", model: str, k: int, exclude: Iterable[str] = ()) -> list[tuple[str, float]]:
        """The ``k`` articles whose embeddings by ``model`` are nearest ``query`` (a unit
        vector), with their cosines, nearest first; none of ``exclude``. Exact: the k-NN
        plugin's scoring script scores every embedding in the cluster."""
        if k <= 0 or self._layout() != STORE_LAYOUT or not self._meaning_mapped():
            return []  # (not upgraded yet, which the next write does; or no k-NN plugin)
        script = {"source": "knn_score", "lang": "knn",
                  "params": {"field": "meaning", "query_value": [float(x) for x in query], "space_type": "cosinesimil"}}
        body = {"size": k, "_source": False, "sort": [{"_score": "desc"}, {"id": "asc"}],
                "query": {"script_score": {"script": script, "query": {"bool": {
                    "filter": [{"term": {"vector_model": model}}, {"exists": {"field": "meaning"}}],
                    "must_not": [{"ids": {"values": sorted(set(exclude))}}]}}}}}  # fmt: skip
        res = self.cluster.call("finding articles by meaning", self.client.search, index=self.index, body=body)
        return [(h["_id"], float(h["_score"]) - 1.0) for h in res["hits"]["hits"]]  # (the script gives 1 + cosine)

    def _layout(self) -> str | None:
        if self._layout_seen != STORE_LAYOUT:
            self._layout_seen = self.get_meta("store_layout")
        return self._layout_seen

    def _count(self, query: dict) -> int:
        res = self.cluster.call("counting articles", self.client.count, index=self.index, body={"query": query})
        return int(res["count"])

    def article_count(self) -> int:
        return self._count({"match_all": {}})

    def vector_count(self, model: str) -> int:
        return self._count({"term": {"vector_model": model}})

    def without_vector(self, model: str) -> list[str]:
        query = {"bool": {"must_not": [{"term": {"vector_model": model}}]}}
        recs = [d["_source"] for d in self.cluster.scan(self.index, query=query, source=["id", "ingested_at"])]
        return [r["id"] for r in sorted(recs, key=lambda r: (r.get("ingested_at") or "", r["id"]))]

    def drop_vectors(self) -> int:
        self._ensure_vector_mapping()
        res = self.cluster.call(
            "dropping embeddings", self.client.update_by_query, index=self.index, refresh=True, conflicts="proceed",
            body={"query": {"exists": {"field": "vector_model"}},
                  "script": {"lang": "painless",
                             "source": "ctx._source.remove('vector'); ctx._source.remove('vector_model');"
                                       " ctx._source.remove('meaning')"}},
        )  # fmt: skip
        return int(res.get("updated", 0))

    # -- identity -------------------------------------------------------------------------

    def upgrade(self) -> None:
        """Bring records written by an earlier layout up to this one (under the write lock):
        the identity fields, filled in from each record (layout 4); each embedding as a k-NN
        vector as well (layout 5)."""
        layout = self.get_meta("store_layout")
        if layout == STORE_LAYOUT:
            return
        if layout != "4":
            self._add_identity_fields()
            self.set_meta("store_layout", "4")
        self._ensure_vector_mapping()
        if not self._meaning_mapped():  # (no k-NN plugin: layout 4 it stays, until one is installed)
            return
        actions = []
        query = {"bool": {"filter": [{"exists": {"field": "vector_model"}}], "must_not": [{"exists": {"field": "meaning"}}]}}
        for d in self.cluster.scan(self.index, query=query, source=["vector"]):
            vector = from_blob(base64.b64decode(d["_source"]["vector"])).tolist()
            actions.append({"_op_type": "update", "_index": self.index, "_id": d["_id"], "doc": {"meaning": vector}})
            if len(actions) >= 500:
                self.cluster.bulk(actions, "adding the embeddings' k-NN vectors")
                actions = []
        self.cluster.bulk(actions, "adding the embeddings' k-NN vectors")
        self.cluster.refresh(self.index)
        self.set_meta("store_layout", STORE_LAYOUT)

    def _add_identity_fields(self) -> None:
        self.cluster.call("adding the identity fields", self.client.indices.put_mapping, index=self.index,
                          body={"properties": IDENTITY_FIELDS})  # fmt: skip
        actions, tags = [], {}
        for d in self.cluster.scan(self.index, source=["id", "url", "source_hash", "tags", "paragraphs"]):
            r = d["_source"]
            paras = [_paragraph(p) for p in r.get("paragraphs") or []]
            actions.append({"_op_type": "update", "_index": self.index, "_id": d["_id"],
                            "doc": {"url_key": url_key(r.get("url")), "text_key": text_key(paras),
                                    "hash_key": r.get("source_hash")}})  # fmt: skip
            for t in r.get("tags") or []:
                tags.setdefault(tag_key(t), t)
        self.cluster.bulk(actions, "filling in the identity fields")
        self.cluster.refresh(self.index)
        self.add_tag_names(tags)

    def prefetch(self, articles: Iterable[Article]) -> None:
        """Look up the identities of a whole batch in a few requests (not one per article)."""
        ids: set[str] = set()
        keys: dict[str, set[str]] = {"url_key": set(), "text_key": set(), "hash_key": set(), "title_key": set()}
        for a in articles:
            if a.id:
                ids.add(a.id)
                continue
            for field, value in (("url_key", url_key(a.url)), ("text_key", text_key(a.paragraphs)),
                                 ("hash_key", a.source_hash),
                                 ("title_key", None if a.url else title_key(a.title))):  # (for same_headline)  # fmt: skip
                if value:
                    keys[field].add(value)
        if ids:
            found = self.cluster.call("looking up articles", self.client.mget, index=self.index,
                                      body={"ids": sorted(ids)}, _source_includes=_LOOKUP)  # fmt: skip
            for d in found["docs"]:
                self._known[("id", d["_id"])] = d["_source"] if d.get("found") else None
                self._ingested[d["_id"]] = d["_source"].get("ingested_at") if d.get("found") else None
        for field, values in keys.items():
            ordered = sorted(values)
            for i in range(0, len(ordered), 500):
                chunk = ordered[i : i + 500]
                for v in chunk:
                    self._known[(field, v)] = []
                body = {"query": {"terms": {field: chunk}}, "size": 10_000, "_source": _LOOKUP,
                        "sort": [{"ingested_at": "asc"}, {"id": "asc"}]}  # fmt: skip
                res = self.cluster.call("looking up articles", self.client.search, index=self.index, body=body)
                for h in res["hits"]["hits"]:
                    s = h["_source"]
                    if s.get(field):
                        self._known[(field, s[field])].append(s)
                    self._ingested[s["id"]] = s.get("ingested_at")

    def find_existing(self, article: Article) -> tuple[str, str] | None:
        """The (id, content_hash) of the stored article this one is a reading of (the rules of
        archive.identity, as the SQLite store's find_existing applies them)."""
        if article.id:
            if article.id in self._puts:
                return article.id, self._puts[article.id]["content_hash"]
            recs = self._lookup(("id", article.id), lambda: self._record(article.id, _LOOKUP))
            return (recs[0]["id"], recs[0]["content_hash"]) if recs else None
        ukey = url_key(article.url)
        if ukey:
            if ukey in self._by_url:
                i = self._by_url[ukey]
                return i, self._puts[i]["content_hash"]
            recs = self._lookup(("url_key", ukey), lambda: self._matching({"term": {"url_key": ukey}}))
            if recs:
                return recs[0]["id"], recs[0]["content_hash"]
        for field, value, written in (("hash_key", article.source_hash, self._by_hash),
                                      ("text_key", text_key(article.paragraphs), self._by_text)):  # fmt: skip
            if not value:
                continue
            i = written.get(value)
            if i is not None and i in self._puts and (not ukey or self._puts[i]["url_key"] in (None, ukey)):
                return i, self._puts[i]["content_hash"]
            recs = self._lookup((field, value), lambda: self._matching({"term": {field: value}}))
            for rec in recs:
                if not ukey or rec.get("url_key") in (None, ukey):
                    return rec["id"], rec["content_hash"]
        return None

    def same_headline(self, article: Article) -> str | None:
        if article.url:
            return None
        key = title_key(article.title)
        for rec in self._lookup(("title_key", key), lambda: self._matching({"term": {"title_key": key}})):
            if (rec["id"] != article.id and not rec.get("url_key") and rec.get("source_key", "") == (article.source or "")
                    and (rec.get("date") or "") == (article.date or "")):
                return rec["id"]
        for i, rec in self._puts.items():
            if (i != article.id and rec["title_key"] == title_key(article.title) and not rec["url_key"]
                    and rec["source_key"] == (article.source or "") and (rec.get("date") or "") == (article.date or "")):
                return i
        return None

    # -- tags: the first-seen spelling of each (meta documents "tag:KEY") ------------------

    def tag_names(self, keys: Iterable[str]) -> dict[str, str]:
        keys = sorted(set(keys))
        out: dict[str, str] = {}
        for i in range(0, len(keys), 500):
            res = self.cluster.call("reading tags", self.client.mget, index=self.cluster.meta,
                                    body={"ids": [f"tag:{k}" for k in keys[i : i + 500]]})  # fmt: skip
            for d in res["docs"]:
                if d.get("found"):
                    out[d["_source"]["key"]] = d["_source"]["value"]
        return out

    def add_tag_names(self, names: dict[str, str]) -> None:
        if not names:
            return
        from opensearchpy import helpers

        actions = [{"_op_type": "create", "_index": self.cluster.meta, "_id": f"tag:{k}",
                    "_source": {"kind": "tag", "key": k, "value": v}} for k, v in names.items()]  # fmt: skip
        # "create": a spelling another writer recorded first stays (a 409 here is that, not a failure)
        self.cluster.call("writing tags", helpers.bulk, self.client, actions, chunk_size=1000, max_retries=5,
                          raise_on_error=False)  # fmt: skip

    def _lookup(self, key: tuple, fetch) -> list[dict]:
        """The stored records under an identity key (prefetched, or fetched now), oldest first."""
        recs = self._known.get(key, _NONE)
        if recs is _NONE:
            recs = fetch()
        if isinstance(recs, dict) or recs is None:  # an id lookup: one record or none
            recs = [recs] if recs else []
        return [r for r in recs if r["id"] not in self._deletes]

    def _matching(self, query: dict) -> list[dict]:
        body = {"query": query, "size": 100, "_source": _LOOKUP,
                "sort": [{"ingested_at": "asc"}, {"id": "asc"}]}  # fmt: skip
        hits = self.cluster.call("looking up an article", self.client.search, index=self.index, body=body)["hits"]["hits"]
        return [h["_source"] for h in hits]

    def new_id(self, article: Article) -> str:
        return new_id(article, self._taken)

    def has(self, article_id: str) -> bool:
        return self._record(article_id, ["id"]) is not None

    def _taken(self, article_id: str) -> bool:
        if article_id in self._puts:
            return True
        if article_id in self._ingested:
            return self._ingested[article_id] is not None
        known = self._known.get(("id", article_id), _NONE)
        if known is not _NONE:
            return known is not None
        rec = self._record(article_id, ["id", "ingested_at"])
        self._ingested[article_id] = rec.get("ingested_at") if rec else None
        return rec is not None

    def _record(self, article_id: str, fields: list[str] | None = None) -> dict | None:
        if article_id in self._puts:
            return self._puts[article_id]
        return self.cluster.get(self.index, article_id, "reading an article", fields, without=EMBEDDING_FIELDS)

    def resolve(self, ref: str) -> str:
        if self._record(ref, ["id"]) is not None:
            return ref
        body = {"query": {"prefix": {"id": ref}}, "size": 6, "_source": ["id"], "sort": [{"id": "asc"}]}
        hits = self.cluster.call("looking up an article", self.client.search, index=self.index, body=body)["hits"]["hits"]
        ids = [h["_source"]["id"] for h in hits]
        if not ids:
            raise NotFound(f"no article with id {ref!r}", hint="see the ids with: archive list")
        if len(ids) > 1:
            raise NotFound(f"{ref!r} matches several articles: {', '.join(ids[:5])}", hint="type more of the id")
        return ids[0]

    # -- reading --------------------------------------------------------------------------

    def get(self, article_id: str) -> Article:
        rec = self._record(article_id)
        if rec is None:
            raise NotFound(f"no article with id {article_id!r}")
        return _article(rec)

    def paragraphs(self, article_id: str, lo: int = 1, hi: int | None = None) -> list[Paragraph]:
        rec = self._record(article_id, ["paragraphs"])
        if rec is None:
            return []
        top = hi if hi is not None else 1 << 30
        return [_paragraph(p) for p in rec.get("paragraphs", []) if lo <= p["n"] <= top]

    def hit_rows(self, keys: Iterable[tuple[str, int]]) -> dict[tuple[str, int], HitRow]:
        """What a hit shows, from the paragraph documents (one request for a page of hits)."""
        missing = list(dict.fromkeys(keys))
        out: dict[tuple[str, int], HitRow] = {}
        if missing:
            res = self.cluster.call("reading hits", self.client.mget, index=self.cluster.paragraphs,
                                    body={"ids": [paragraph_doc_id(a, n) for a, n in missing]})  # fmt: skip
            for d in res["docs"]:
                if d.get("found"):
                    out[(d["_source"]["article"], d["_source"]["n"])] = paragraph_row(d["_source"])
        return out

    def _records(self, fields: list[str]) -> list[dict]:
        return [d["_source"] for d in self.cluster.scan(self.index, source=fields)]

    def iter_articles(self) -> Iterator[Article]:
        order = sorted(self._records(["id", "ingested_at"]), key=lambda r: (r.get("ingested_at") or "", r["id"]))
        ids = [r["id"] for r in order]
        for i in range(0, len(ids), 200):
            res = self.cluster.call("reading articles", self.client.mget, index=self.index, body={"ids": ids[i : i + 200]},
                                    _source_excludes=EMBEDDING_FIELDS)  # fmt: skip
            for d in res["docs"]:
                if d.get("found"):
                    yield _article(d["_source"])

    def summaries(self, sort: str = "date") -> list[ArticleSummary]:
        from ...reports import ArticleSummary

        recs = self._records(["id", "title", "title_key", "source", "date", "paragraph_count", "lang", "ingested_at"])
        if sort == "date":
            recs.sort(key=lambda r: r["id"])
            recs.sort(key=lambda r: r.get("date") or "", reverse=True)
            recs.sort(key=lambda r: r.get("date") is None)
        elif sort == "added":
            recs.sort(key=lambda r: r["id"])
            recs.sort(key=lambda r: r.get("ingested_at") or "", reverse=True)
        elif sort == "title":
            recs.sort(key=lambda r: (r.get("title_key") or "", r["id"]))
        else:
            recs.sort(key=lambda r: r["id"])
        return [ArticleSummary(r["id"], r["title"], r.get("source"), r.get("date"), r.get("paragraph_count", 0),
                               r.get("lang"), r.get("ingested_at", "")) for r in recs]  # fmt: skip

    def article_ids(self) -> set[str]:
        return {r["id"] for r in self._records(["id"])}

    def paragraph_keys(self) -> set[tuple[str, int]]:
        return {(r["id"], p["n"]) for r in self._records(["id", "paragraphs.n"]) for p in r.get("paragraphs", [])}

    def stats(self) -> dict:
        aggs = {
            "paragraphs": {"sum": {"field": "paragraph_count"}},
            "sources": {"terms": {"field": "source", "size": 10_000, "missing": "(none)"}},
            "languages": {"terms": {"field": "lang", "size": 1_000, "missing": "(unknown)"}},
        }
        res = self.cluster.call("counting articles", self.client.search, index=self.index,
                                body={"size": 0, "aggs": aggs, "track_total_hits": True})  # fmt: skip
        try:
            kinds = self.cluster.call("counting paragraphs", self.client.search, index=self.cluster.paragraphs,
                                      body={"size": 0, "aggs": {"k": {"terms": {"field": "kind", "size": 20}}}})  # fmt: skip
        except ArchiveError:  # the index is unavailable; the records' counts still stand
            kinds = {"aggregations": {"k": {"buckets": []}}}

        def edge(order: str) -> str | None:
            body = {"size": 1, "_source": ["date"], "query": {"exists": {"field": "date"}}, "sort": [{"date": order}]}
            hits = self.cluster.call("reading dates", self.client.search, index=self.index, body=body)["hits"]["hits"]
            return hits[0]["_source"]["date"] if hits else None

        def buckets(agg: dict) -> dict:
            items = sorted(((b["key"], b["doc_count"]) for b in agg["buckets"]), key=lambda kv: (-kv[1], kv[0]))
            return dict(items)

        a = res["aggregations"]
        return {
            "articles": res["hits"]["total"]["value"],
            "paragraphs": int(a["paragraphs"]["value"]),
            "first_date": edge("asc"),
            "last_date": edge("desc"),
            "sources": buckets(a["sources"]),
            "kinds": buckets(kinds["aggregations"]["k"]),
            "languages": buckets(a["languages"]),
        }

    def size_bytes(self) -> int:
        return self.cluster.size_bytes(self.index)

    # -- when articles were added; saved searches ---------------------------------------------

    def added_between(self, lo: str | None, hi: str | None, most: int) -> list[str] | None:
        bounds = {k: v for k, v in (("gte", lo), ("lte", hi)) if v}
        query = {"range": {"ingested_at": bounds}} if bounds else {"match_all": {}}
        if self._count(query) > most:
            return None
        return [d["_source"]["id"] for d in self.cluster.scan(self.index, query=query, source=["id"])]

    def watches(self) -> dict[str, dict]:
        body = {"query": {"term": {"kind": "watch"}}, "size": 10_000, "_source": ["key", "value"]}
        hits = self.cluster.call("reading saved searches", self.client.search, index=self.cluster.meta, body=body)
        found = {h["_source"]["key"]: json.loads(h["_source"]["value"]) for h in hits["hits"]["hits"]}
        return dict(sorted(found.items()))

    def put_watch(self, name: str, record: dict) -> None:
        self.cluster.call("saving a search", self.client.index, index=self.cluster.meta, id=f"watch:{name}",
                          body={"kind": "watch", "key": name, "value": json.dumps(record, ensure_ascii=False, sort_keys=True)},
                          refresh=True)  # fmt: skip

    def remove_watch(self, name: str) -> bool:
        if self.cluster.get(self.cluster.meta, f"watch:{name}", "reading a saved search") is None:
            return False
        self.cluster.call("removing a saved search", self.client.delete, index=self.cluster.meta, id=f"watch:{name}",
                          refresh=True)  # fmt: skip
        return True

    # -- synonyms -------------------------------------------------------------------------

    def _synonyms(self) -> dict[str, int]:
        body = {"query": {"term": {"kind": "synonym"}}, "size": 10_000, "_source": ["term", "grp"]}
        hits = self.cluster.call("reading synonyms", self.client.search, index=self.cluster.meta, body=body)["hits"]["hits"]
        return {h["_source"]["term"]: h["_source"]["grp"] for h in hits}

    def _write_synonyms(self, put: dict[str, int], drop: Iterable[str]) -> None:
        actions = [{"_op_type": "index", "_index": self.cluster.meta, "_id": f"synonym:{t}",
                    "_source": {"kind": "synonym", "term": t, "grp": g}} for t, g in put.items()]  # fmt: skip
        actions += [{"_op_type": "delete", "_index": self.cluster.meta, "_id": f"synonym:{t}"} for t in drop]
        self.cluster.bulk(actions, "writing synonyms")
        self.cluster.refresh(self.cluster.meta)
        self._groups = None

    def add_synonyms(self, terms: list[str]) -> list[str]:
        terms = [synonym_key(t) for t in terms if synonym_key(t)]
        current = self._synonyms()
        groups = sorted({current[t] for t in terms if t in current})
        grp = groups[0] if groups else max(current.values(), default=0) + 1
        put = {t: grp for t, g in current.items() if g in groups}
        put.update({t: grp for t in terms})
        self._write_synonyms(put, [])
        current.update(put)
        return sorted(t for t, g in current.items() if g == grp)

    def remove_synonym(self, term: str) -> bool:
        current = self._synonyms()
        key = synonym_key(term)
        if key not in current:
            return False
        grp = current.pop(key)
        drop = [key]
        rest = [t for t, g in current.items() if g == grp]
        if len(rest) < 2:
            drop += rest
        self._write_synonyms({}, drop)
        return True

    def synonym_groups(self) -> list[list[str]]:
        """The groups, read at most once every SYNONYMS_TTL seconds by a process (every search
        applies them; a change made elsewhere shows within that time, one made here at once)."""
        now = time.monotonic()
        if self._groups is None or now - self._groups[0] > SYNONYMS_TTL:
            self._groups = (now, self._read_groups())
        return self._groups[1]

    def _read_groups(self) -> list[list[str]]:
        groups: dict[int, list[str]] = {}
        for term, grp in sorted(self._synonyms().items(), key=lambda kv: (kv[1], kv[0])):
            groups.setdefault(grp, []).append(term)
        return [g for g in groups.values() if len(g) > 1]

    # -- did you mean (the term suggester over the unstemmed words) ------------------------

    def word_count(self, word: str) -> int:
        res = self.cluster.call("a count", self.client.count, index=self.cluster.paragraphs,
                                body={"query": {"term": {"text.spell": word.lower()}}})  # fmt: skip
        return int(res["count"])

    def corrections(self, word: str) -> list[tuple[str, int, int]]:
        word = word.lower()
        body = {"size": 0, "suggest": {"w": {"text": word, "term": {
            "field": "text.spell", "suggest_mode": "always", "max_edits": 2, "size": 10, "prefix_length": 0,
            "min_word_length": 3, "string_distance": "damerau_levenshtein"}}}}  # fmt: skip
        res = self.cluster.call("a spelling lookup", self.client.search, index=self.cluster.paragraphs, body=body)
        out = []
        for entry in res.get("suggest", {}).get("w", []):
            for opt in entry.get("options", []):
                c = opt["text"]
                if c == word or not c.isalpha():
                    continue
                d = edit_distance(word, c)
                if d <= 2:
                    out.append((c, d, int(opt.get("freq", 0))))
        out.sort(key=lambda x: (x[1], -x[2], x[0]))
        return out


def _paragraph(p: dict) -> Paragraph:
    return Paragraph(p["n"], p["kind"], p["text"], p.get("credit"))


def _article(rec: dict) -> Article:
    return Article(
        id=rec["id"], title=rec["title"], paragraphs=[_paragraph(p) for p in rec.get("paragraphs", [])],
        source=rec.get("source"), author=rec.get("author"), date=rec.get("date"), url=rec.get("url"),
        lang=rec.get("lang"), tags=list(rec.get("tags") or []), ingested_at=rec.get("ingested_at"),
        origin=rec.get("origin"), source_hash=rec.get("source_hash"), versions=list(rec.get("versions") or []),
    )  # fmt: skip
