"""The OpenSearch index of an archive: one document per paragraph in ``NAME-paragraphs``.

The same contract as the Whoosh index (``engine/base.py``), over the REST API: the archive's
query trees become query DSL (translate.py), grouping by article is ``collapse`` with
``inner_hits``, facets are aggregations, and every search on several shards uses
``dfs_query_then_fetch`` so that a word's rarity is counted over the whole archive, not per
shard (the ranking does not depend on the shard count).
"""

from __future__ import annotations

from typing import Iterable

from ... import query as aq
from ...errors import ArchiveError, QueryError
from ...model import Article, HitRow
from ...ranking import KIND_WEIGHTS
from ..base import EngineHit, EngineQuery, EngineResult
from ..fields import FACET_FIELDS
from ..translate import field_terms
from .cluster import Cluster
from .documents import HIT_FIELDS, paragraph_doc_id, paragraph_docs, paragraph_row
from .explain import score_parts
from .mapping import LAYOUT
from .translate import OpenSearchTranslator


SEARCH_TYPE = "dfs_query_then_fetch"  # with more than one shard


MAX_FACET_VALUES = 1_000
# The day facet draws a timeline: every day counts (a story's days, up to the cluster's
# default bucket limit, search.max_buckets 65,535: 179 years of days).
MAX_DAY_VALUES = 65_000


EXACT_ARTICLE_COUNT = 40_000


class OpenSearchEngine:
    name = "opensearch"
    LAYOUT = LAYOUT

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self.client = cluster.client
        self.index = cluster.paragraphs
        # One shard scores with its own statistics already; with several, dfs_query_then_fetch
        # first gathers every shard's so a word's rarity is the archive's, not one shard's.
        self.search_type = SEARCH_TYPE if cluster.config.shards > 1 else "query_then_fetch"

    # -- writing ----------------------------------------------------------------------------

    def apply(self, upserts: list[Article], deletes: list[str]) -> None:
        """Write the new paragraphs (each replaces its earlier version in place), then drop
        what the new versions no longer have and the deleted articles, then refresh so the
        next search sees it all."""
        actions = [
            {"_op_type": "index", "_index": self.index, "_id": doc_id, "_source": doc}
            for article in upserts
            for doc_id, doc in paragraph_docs(article)
        ]
        self.cluster.bulk(actions, "indexing paragraphs")
        shrunk = self._shrunk(upserts)
        stale = [
            {"bool": {"filter": [{"term": {"article": a.id}}, {"range": {"n": {"gt": len(a.paragraphs)}}}]}}
            for a in upserts if a.id in shrunk
        ]
        gone = [{"terms": {"article": deletes[i : i + 1000]}} for i in range(0, len(deletes), 1000)]
        clauses = stale + gone
        for i in range(0, len(clauses), 500):
            self.cluster.call(
                "deleting old paragraphs", self.client.delete_by_query, index=self.index,
                body={"query": {"bool": {"should": clauses[i : i + 500], "minimum_should_match": 1}}},
                conflicts="proceed", refresh=True, slices="auto",
            )  # fmt: skip
        self.cluster.refresh(self.index)

    def _shrunk(self, upserts: list[Article]) -> set[str]:
        """The articles whose earlier version had more paragraphs than the new one (found by
        asking for the paragraph after the new last one, all in one request)."""
        found: set[str] = set()
        for i in range(0, len(upserts), 5000):
            chunk = upserts[i : i + 5000]
            ids = [paragraph_doc_id(a.id, len(a.paragraphs) + 1) for a in chunk]
            res = self.cluster.call("looking up old paragraphs", self.client.mget, index=self.index,
                                    body={"ids": ids}, _source=False, realtime=True)  # fmt: skip
            found.update(a.id for a, d in zip(chunk, res["docs"]) if d.get("found"))
        return found

    def optimize(self) -> int:
        before = self.segment_count()
        self.cluster.call("merging segments", self.client.indices.forcemerge, index=self.index, max_num_segments=1)
        self.cluster.refresh(self.index)
        return before

    def segment_count(self) -> int:
        stats = self.cluster.call("reading index stats", self.client.indices.stats, index=self.index,
                                  metric="segments")  # fmt: skip
        return int(stats["_all"]["primaries"].get("segments", {}).get("count", 0))

    def rebuild(self, articles: Iterable[Article]) -> "OpenSearchEngine":
        """Fill a new generation of the paragraphs index from ``articles``, then point the
        alias at it. Searches use the old generation until the swap."""
        gens = self.cluster.paragraph_generations()
        last = max(int(g.rsplit("-", 1)[1]) for g in gens) if gens else 0
        new = self.cluster.create_paragraphs(last + 1, alias=False)
        try:
            batch: list[dict] = []
            for article in articles:
                for doc_id, doc in paragraph_docs(article):
                    batch.append({"_op_type": "index", "_index": new, "_id": doc_id, "_source": doc})
                if len(batch) >= 5000:
                    self.cluster.bulk(batch, "rebuilding the index")
                    batch = []
            self.cluster.bulk(batch, "rebuilding the index")
            self.cluster.refresh(new)
        except BaseException:
            self.cluster.call("dropping a half-built index", self.client.indices.delete, index=new)
            raise
        self.cluster.swap_paragraphs(new)
        return self

    # -- reading ----------------------------------------------------------------------------

    def _search(self, body: dict, what: str = "a search") -> dict:
        from ...limits import search_timeout

        seconds = search_timeout()  # the cluster stops the search then; the request waits a little longer
        body = {**body, "timeout": f"{max(1, int(seconds * 1000))}ms"}
        res = self.cluster.call(what, self.client.search, index=self.index, body=body, search_type=self.search_type,
                                request_timeout=seconds + 10)  # fmt: skip
        if res.get("timed_out"):
            raise QueryError(f"the search took more than {seconds:g} s and was stopped",
                             hint="narrow it: fewer wildcard or fuzzy words, or a filter")  # fmt: skip
        shards = res.get("_shards", {})
        if shards.get("failed"):
            failure = (shards.get("failures") or [{}])[0].get("reason", {})
            raise ArchiveError(
                f"{shards['failed']} of {shards.get('total')} shards of {self.index} failed "
                f"({failure.get('type')}: {failure.get('reason')})",
                hint="results would be incomplete; check the cluster's health",
            )
        return res

    def search(self, q: EngineQuery) -> EngineResult:
        query = self._scored(q)
        if query is None:
            return EngineResult(0, [])
        body: dict = {
            "query": query, "from": q.offset, "size": q.limit if q.limit is not None else 10_000,
            "_source": HIT_FIELDS, "track_total_hits": True if q.by_article else q.count_up_to,
        }  # fmt: skip
        if q.sort in ("date", "oldest"):
            order = "desc" if q.sort == "date" else "asc"
            body["sort"] = [{"date": {"order": order, "missing": "_last"}}, {"_score": "desc"}, {"article": "asc"}, {"n": "asc"}]
        else:
            body["sort"] = [{"_score": "desc"}, {"article": "asc"}, {"n": "asc"}]
        if q.explain:
            body["explain"] = True
        if q.by_article:
            body["collapse"] = {"field": "article", "inner_hits": {
                "name": "more", "size": max(1, q.per_article), "_source": HIT_FIELDS,
                "sort": body["sort"], "track_scores": True}}  # fmt: skip
            body["aggs"] = {"articles": {"cardinality": {"field": "article", "precision_threshold": EXACT_ARTICLE_COUNT}}}
        res = self._search(body)
        hits: list[EngineHit] = []
        counts: dict[str, int] = {}
        # What the hits display came with them: it goes back with the result (no second request).
        rows: dict[tuple[str, int], HitRow] = {}
        for h in res["hits"]["hits"]:
            hit = _hit(h)
            rows[(hit.article_id, hit.n)] = paragraph_row(h["_source"])
            for inner_hit in h.get("inner_hits", {}).get("more", {}).get("hits", {}).get("hits", []):
                rows[(inner_hit["_source"]["article"], inner_hit["_source"]["n"])] = paragraph_row(inner_hit["_source"])
            if q.by_article:
                inner = h.get("inner_hits", {}).get("more", {}).get("hits", {})
                counts[hit.article_id] = inner.get("total", {}).get("value", 1)
                rest = [_hit(i) for i in inner.get("hits", [])]
                hit.inner = [r for r in rest if r.n != hit.n][: max(0, q.per_article - 1)]
            hits.append(hit)
        if q.by_article:
            total = int(res["aggregations"]["articles"]["value"])
            return EngineResult(total, hits, counts, total_exact=total < EXACT_ARTICLE_COUNT, rows=rows)
        tot = res["hits"]["total"]
        return EngineResult(tot["value"], hits, total_exact=tot.get("relation", "eq") == "eq", rows=rows)

    def count(self, q: EngineQuery) -> int:
        query = self._filtered(q)
        if query is None:
            return 0
        res = self.cluster.call("a count", self.client.count, index=self.index, body={"query": query})
        return int(res["count"])

    def facets(self, q: EngineQuery, names: list[str]) -> dict[str, list[dict]]:
        query = self._filtered(q)
        if query is None:
            return {name: [] for name in names}
        size = {"day": MAX_DAY_VALUES}
        aggs = {
            name: {"terms": {"field": FACET_FIELDS[name], "size": size.get(name, MAX_FACET_VALUES)},
                   "aggs": {"articles": {"cardinality": {"field": "article",
                                                         "precision_threshold": EXACT_ARTICLE_COUNT}}}}
            for name in names
        }  # fmt: skip
        res = self._search({"query": query, "size": 0, "aggs": aggs, "track_total_hits": False}, "counting facets")
        out: dict[str, list[dict]] = {}
        for name in names:
            values = [
                {"value": b["key"], "articles": int(b["articles"]["value"]), "paragraphs": b["doc_count"]}
                for b in res["aggregations"][name]["buckets"]
            ]
            values.sort(key=lambda v: (-v["articles"], -v["paragraphs"], v["value"]))
            out[name] = values
        return out

    def explain(self, q: EngineQuery, hit: EngineHit) -> list[dict]:
        """The matched terms and their share of the score, from Lucene's explanation (the
        search asked for it when ``q.explain`` was set)."""
        tree = hit.ref if isinstance(hit.ref, dict) else None
        if tree is None:
            return []
        parts: dict[tuple[str, str], float] = {}
        asked = {t for leaf in aq.positive_leaves(q.query) if isinstance(leaf, aq.Fuzzy)
                 for t in field_terms(getattr(leaf, "field", None) or "text", leaf.text)}  # fmt: skip
        for field, term, value in score_parts(tree):
            words = term.split()
            if len(words) > 1 and asked & set(words):  # a fuzzy word: named as asked, as on Whoosh
                term = next(w for w in words if w in asked)
            key = (field, term)
            parts[key] = parts.get(key, 0.0) + value
        out = [{"field": f, "term": t, "score": round(v, 4)} for (f, t), v in parts.items()]
        out.sort(key=lambda p: -p["score"])
        return out

    def more_like(self, text: str, exclude_article: str | None, q: EngineQuery) -> EngineResult:
        mlt = {"more_like_this": {"fields": ["text"], "like": text, "min_term_freq": 1, "min_doc_freq": 1,
                                  "max_query_terms": 40, "minimum_should_match": "1"}}  # fmt: skip
        query: dict = {"bool": {"must": [mlt], "filter": self._filter_clauses(q.filters)}}
        if exclude_article:
            query["bool"]["must_not"] = [{"term": {"article": exclude_article}}]
        return self.search(EngineQuery(aq.Term(None, ""), q.filters, limit=q.limit, offset=q.offset,
                                       by_article=q.by_article, per_article=q.per_article,
                                       count_up_to=q.count_up_to, raw=query))  # fmt: skip

    def verify(self) -> None:
        """The cluster checks its own files (checksums on every read); nothing more to read here."""

    def paragraph_keys(self) -> list[tuple[str, int]]:
        return [(d["_source"]["article"], d["_source"]["n"]) for d in self.cluster.scan(self.index, source=["article", "n"])]

    def size_bytes(self) -> int:
        return self.cluster.size_bytes(self.index)

    def close(self) -> None:
        pass  # the cluster connection belongs to the backend

    # -- query translation --------------------------------------------------------------------

    def _filtered(self, q: EngineQuery) -> dict | None:
        """The query with its filters, unscored extras left out (for counts and facets)."""
        if q.raw is not None:
            return q.raw
        core = self._translate(q.query)
        if core is None:
            return None
        return {"bool": {"must": [core], "filter": self._filter_clauses(q.filters)}}

    def _scored(self, q: EngineQuery) -> dict | None:
        """The query as ranked: the paragraph's match weighed by its kind, and with
        ``title_weight`` a lift for paragraphs whose article's headline has the words (as the
        Whoosh engine does)."""
        if q.raw is not None:
            return _kind_weighted(q.raw)
        core = self._translate(q.query)
        if core is None:
            return None
        scored: dict = {"bool": {"must": [_kind_weighted(core)], "filter": self._filter_clauses(q.filters)}}
        lift = self._title_lift(q.query) if q.title_weight > 0 else []
        if lift:
            scored["bool"]["should"] = [{"bool": {"should": lift, "boost": q.title_weight}}]
        return scored

    def _title_lift(self, node: aq.Node) -> list[dict]:
        return OpenSearchTranslator().title_lift(node)

    def _filter_clauses(self, filters: list[aq.Node]) -> list[dict]:
        return OpenSearchTranslator().filters(filters)

    def _translate(self, node: aq.Node) -> dict | None:
        return OpenSearchTranslator().translate(node)


def _kind_weighted(query: dict) -> dict:
    """``query`` with each paragraph's score multiplied by its kind's weight (at query time, as
    the Whoosh engine does: changing KIND_WEIGHTS needs no reindex)."""
    functions = [{"filter": {"term": {"kind": k}}, "weight": w} for k, w in KIND_WEIGHTS.items() if w != 1.0]
    if not functions:
        return query
    return {"function_score": {"query": query, "functions": functions, "score_mode": "first", "boost_mode": "multiply"}}


def _hit(h: dict) -> EngineHit:
    src = h.get("_source") or {}
    return EngineHit(src.get("article", ""), int(src.get("n", 0)), float(h.get("_score") or 0.0), h.get("_explanation"))
