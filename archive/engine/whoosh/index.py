"""The Whoosh index of an archive: one Whoosh document per paragraph.

Paragraph text is indexed, not stored: what hits display comes from the canonical store.
Searching, counting, facets, explain and more-like-this are here; the query objects, the
collectors, the storage and the writer's internals are in their own modules beside it.
"""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

from . import lean  # noqa: F401 (first: Whoosh without what it pulls in and the archive never uses)

from whoosh import collectors, sorting
from whoosh import index as windex
from whoosh import query as wq

from ... import query as aq
from ...errors import ArchiveError, QueryError
from ...model import Article
from ...ranking import BM25_B, BM25_K1, KIND_WEIGHTS
from ..base import EngineHit, EngineQuery, EngineResult
from ..fields import FACET_FIELDS, paragraph_fields
from ..translate import field_terms
from . import columns  # noqa: F401 (installs the fast way to open a segment's stored fields)
from . import postings  # noqa: F401 (installs the fast way to skip through a word's postings)
from .collectors import NewestFirst, CountingTop, hit_score, count_matches, count_upto, matching_docs, timed, timed_search
from .queries import KindWeighted, Restricted, Scaled, TitleLift
from .schema import INDEX_NAME, SCHEMA_FIELDS, make_schema
from .scoring import NewsBM25F
from .storage import DurableStorage, commit, fresh_dir, open_index, remove_stale_generations, swap_in
from .translate import WhooshTranslator
from .walk import column_of, leaf_text, positional, wildcard_terms
from .writing import WRITER_MB, with_length_cache


# A search that can match at most this many paragraphs (by its rarest word's count) scores every
# match in one walk and so counts them too; above it, block-quality skipping pays for a second,
# unscored walk to count (see CountingTop).
WALK_ALL_UP_TO = 5000


class WhooshEngine:
    name = "whoosh"
    # Bump when the schema or the analysis changes: archives built before then must be rebuilt.
    LAYOUT = "whoosh/4"  # 3: kind weights applied at query time; 4: the stemmer's overrides (STEM_OVERRIDES)

    def __init__(self, path: Path, *, create: bool = False) -> None:
        """Open the index at ``path`` (a link to the current generation's directory)."""
        self.path = path
        if create and not path.exists():
            target = fresh_dir(path)
            DurableStorage(str(target)).create_index(make_schema(), indexname=INDEX_NAME)
            swap_in(path, target)
        try:
            self.ix = open_index(path)
        except (windex.EmptyIndexError, OSError, EOFError, ValueError) as e:
            raise ArchiveError(
                f"the search index at {path} cannot be opened ({e.__class__.__name__})",
                hint="rebuild it from the store with: archive rebuild",
            ) from None
        self._local = threading.local()  # each thread's searcher (see searcher())
        self._generation = 0  # bumped by every write: searchers opened before it are stale
        self._searchers: list = []  # every searcher opened, to close them all
        self._searchers_lock = threading.Lock()
        self._fuzzy_cache: dict[tuple, list[str]] = {}  # (reader, field, word, distance) -> the words
        self.writer_mb = WRITER_MB  # the posting pool's size: the archive sets it from its memory plan

    # -- writing ----------------------------------------------------------------------------

    def _writer(self):
        return with_length_cache(self.ix.writer(limitmb=self.writer_mb, compound=False))

    def apply(self, upserts: list[Article], deletes: list[str]) -> None:
        writer = self._writer()
        try:
            for article_id in deletes:
                writer.delete_by_term("article", article_id)
            for article in upserts:
                writer.delete_by_term("article", article.id)
                for doc in self._docs(article):
                    writer.add_document(**doc)
        except BaseException:
            writer.cancel()
            raise
        commit(writer)
        self._refresh()

    @staticmethod
    def _docs(article: Article):
        """The paragraph documents (archive.engine.fields) as this schema has them: lists
        joined with commas, what the schema does not hold left out."""
        for p, fields in paragraph_fields(article):
            doc = {name: value for name, value in fields.items() if name in SCHEMA_FIELDS}
            doc["key"] = f"{article.id}\x1f{p.n}"
            for name in ("tag", "tags"):
                if name in doc:
                    doc[name] = ",".join(doc[name])
            yield doc

    def optimize(self) -> int:
        """Merge every segment into one (faster searches; slow: pure Python). Returns the
        number of segments there were."""
        before = len(self.ix._segments())
        writer = self._writer()
        commit(writer, optimize=True)
        self._refresh()
        return before

    def segment_count(self) -> int:
        return len(self.ix._segments())

    @classmethod
    def rebuild(cls, link: Path, articles, writer_mb: int = WRITER_MB) -> "WhooshEngine":
        """Build a new generation holding ``articles`` (an iterable) beside the current one,
        then swap it in. If this is interrupted, the current generation stays as it was."""
        remove_stale_generations(link)
        target = fresh_dir(link)
        ix = DurableStorage(str(target)).create_index(make_schema(), indexname=INDEX_NAME)
        writer = with_length_cache(ix.writer(limitmb=writer_mb, compound=False))
        try:
            for article in articles:
                for doc in cls._docs(article):
                    writer.add_document(**doc)
        except BaseException:
            writer.cancel()
            ix.close()
            shutil.rmtree(target, ignore_errors=True)
            raise
        commit(writer)
        ix.close()
        swap_in(link, target)
        return cls(link)

    # -- reading ----------------------------------------------------------------------------

    def _refresh(self) -> None:
        """After a write, the next search opens a new searcher. (Not Whoosh's refresh(): it
        reuses the reader of a segment whose deletions changed, so a long-lived archive kept
        finding removed and replaced paragraphs; and on a searcher opened on an empty index it
        fails outright.) A search still running on an old searcher keeps it until it ends."""
        self._generation += 1

    def _fresh_retry(self, read):
        """Run ``read`` on this thread's searcher; if it fails while another process has
        committed since the searcher was opened (a merge there deletes segment files that a
        reader here opens only when first needed), open a new searcher and run it once more."""
        try:
            return read()
        except (ArchiveError, collectors.TimeLimit, AttributeError, NameError):
            raise
        except Exception:
            searcher = getattr(self._local, "searcher", None)
            if searcher is None or self.ix.latest_generation() == searcher.reader().generation():
                raise  # the index did not change under it: a real failure
            self._local.generation = -1  # stale: the next searcher() replaces (and closes) it
            return read()

    def searcher(self):
        """This thread's searcher. Whoosh's readers seek and read shared file objects, so two
        threads must not read through one: each thread has its own, opened on first use and
        again after a write."""
        local = self._local
        current = getattr(local, "searcher", None)
        if current is not None and local.generation == self._generation and local.checked + 0.5 < time.monotonic():
            local.checked = time.monotonic()  # another process's commit: at most every half second
            if self.ix.latest_generation() != current.reader().generation():
                local.generation = -1  # stale: replaced (and closed) below
        if getattr(local, "searcher", None) is None or local.generation != self._generation:
            generation = self._generation
            try:
                searcher = self.ix.searcher(weighting=NewsBM25F(B=BM25_B, K1=BM25_K1))
            except (OSError, EOFError, ValueError) as e:
                raise ArchiveError(
                    f"the search index at {self.path} is damaged ({e.__class__.__name__}: {e})",
                    hint="rebuild it from the store with: archive rebuild",
                ) from None
            old, local.searcher, local.generation = getattr(local, "searcher", None), searcher, generation
            local.checked = time.monotonic()
            with self._searchers_lock:
                self._searchers.append(searcher)
                if old is not None and old in self._searchers:  # this thread's own: no search is using it
                    self._searchers.remove(old)
                    old.close()
        return local.searcher

    def _expansions(self, node: aq.Node) -> None:
        """Refuse a query whose wildcards stand for too many words (archive.limits), naming
        the part that is too broad; count what its fuzzy words stand for."""
        from ...limits import max_expanded_terms, max_wildcard_terms

        reader = self.searcher().reader()
        total, most, budget = 0, max_wildcard_terms(), max_expanded_terms()
        for leaf in aq.leaves(node):
            field = getattr(leaf, "field", None) or "text"
            if isinstance(leaf, aq.Wildcard):
                n = count_upto(wildcard_terms(reader, field, leaf.pattern), most + 1)
                if n > most:
                    raise QueryError(f"{leaf.pattern!r} stands for more than {most:,} words: "
                                     "write more letters before the *")  # fmt: skip
            elif isinstance(leaf, aq.Fuzzy):
                ts = field_terms(field, leaf.text)
                n = len(self._fuzzy_words(field, ts[0], leaf.distance)) if ts else 0
            else:
                continue
            total += n
            if total > budget:
                raise QueryError(f"the query stands for more than {budget:,} words once its wildcards and fuzzy "
                                 f"words are expanded (at {leaf_text(leaf)!r}): use fewer of them")  # fmt: skip

    def _fuzzy_words(self, field: str, text: str, distance: int) -> list[str]:
        """The index words within ``distance`` edits of ``text`` (optimal string alignment, as
        Whoosh's FuzzyTerm counts them), the closest MAX_FUZZY_TERMS of them (as OpenSearch's
        fuzzy query keeps its best 50). The field's word list is read once per searcher and
        compared by rapidfuzz (C++); Whoosh's own multi-segment path compares every word in
        Python (0.6 s a fuzzy word at 18,000 paragraphs)."""
        from rapidfuzz import process
        from rapidfuzz.distance import OSA

        from ...limits import MAX_FUZZY_TERMS

        reader = self.searcher().reader()
        key = (id(reader), field, text, distance)
        found = self._fuzzy_cache.get(key)
        if found is None:
            vocab_key = (id(reader), field)
            vocab = self._fuzzy_cache.get(vocab_key)
            if vocab is None:
                vocab = list(reader.field_terms(field)) if field in reader.schema else []
                self._fuzzy_cache[vocab_key] = vocab
            near = process.extract(text, vocab, scorer=OSA.distance, score_cutoff=distance, limit=None)
            freq = {w: reader.doc_frequency(field, w) for w, _, _ in near}
            found = [w for w, _ in sorted(((w, d) for w, d, _ in near), key=lambda x: (x[1], -freq[x[0]], x[0]))]
            found = found[:MAX_FUZZY_TERMS]
            if len(self._fuzzy_cache) > 256:
                self._fuzzy_cache.clear()
            self._fuzzy_cache[key] = found
        return found

    def search(self, q: EngineQuery) -> EngineResult:
        return self._fresh_retry(lambda: self._search_once(q))

    def _search_once(self, q: EngineQuery) -> EngineResult:
        from ...limits import search_timeout

        s = self.searcher()
        self._expansions(q.query)
        try:
            return self._search(s, q, search_timeout())
        except collectors.TimeLimit:
            raise QueryError(f"the search took more than {search_timeout():g} s and was stopped",
                             hint="narrow it: fewer wildcard or fuzzy words, or a filter") from None

    def _search(self, s, q: EngineQuery, seconds: float) -> EngineResult:
        core = self._translate(q.query)
        if core is None:
            return EngineResult(0, [])
        wquery = self._with_title_lift(q.query, q.title_weight, core)
        fq = self._filter(q.filters)
        if fq is not None:
            wquery = Restricted(wquery, fq)
        kwargs: dict = {}
        if q.sort in ("date", "oldest"):  # newest or oldest first; equal dates best first
            date = NewestFirst("date") if q.sort == "date" else sorting.FieldFacet("date")
            kwargs["sortedby"] = sorting.MultiFacet([date, sorting.ScoreFacet()])
        if q.by_article:
            return self._by_article(s, wquery, q, kwargs, seconds)
        limit = None if q.limit is None else q.offset + q.limit
        if limit is not None and q.sort == "relevance" and limit < s.doc_count():
            # (bounded by the core's rarest word: the headline lift and the kind weights only add
            # to the score of what the core matches, so the lifted query's estimate, their sum,
            # overstates it: `oil prices` is at most 2,878 paragraphs, the lifted query 7,238)
            walk_all = positional(wquery) or core.estimate_size(s.reader()) <= WALK_ALL_UP_TO
            collector = CountingTop(limit, walk_all=walk_all)
            s.search_with_collector(wquery, timed(collector, seconds))
            results = collector.results()
        else:
            collector = None
            results = timed_search(s, wquery, limit, seconds, **kwargs)
        hits = []
        end = len(results.top_n) if q.limit is None else min(len(results.top_n), q.offset + q.limit)
        for i in range(q.offset, end):
            stored = results.fields(i)
            hits.append(EngineHit(stored["article"], stored["n"], hit_score(results.score(i)), results.docnum(i)))
        if q.sort == "relevance":  # equal scores: by article id, then paragraph (as on OpenSearch)
            hits.sort(key=lambda h: (-h.score, h.article_id, h.n))
        total, exact = self._total(s, core, fq, results, limit, q.count_up_to, collector)
        return EngineResult(total, hits, total_exact=exact)

    @staticmethod
    def _total(s, core, fq, results, limit: int | None, up_to: int,
               collector: "CountingTop | None" = None) -> tuple[int, bool]:  # fmt: skip
        """How many paragraphs match, counted up to ``up_to`` (an exact count of a very common
        word costs more than the search itself: 'mln' took 246 ms of which most was counting)."""
        collected = results.scored_length()
        if limit is None or collected < limit:
            return collected, True  # everything that matched was collected
        if collector is not None and collector.walk_all:  # the search saw every match
            return min(collector.total, up_to), collector.total < up_to
        # (the kind weights and the headline lift match nothing more than the core)
        return count_matches(s, wq.And([core, fq]) if fq is not None else core, up_to)

    def _by_article(self, s, wquery, q: EngineQuery, kwargs: dict, seconds: float) -> EngineResult:
        """The best paragraph of each article, best article first, and how many matched.

        Every match is scored (an article's count needs them all), but only the article id
        column is read for each; stored fields only for the page shown."""
        results = timed_search(s, wquery, None, seconds, **kwargs)
        if not results.scored_length():
            return EngineResult(0, [], {})
        column = column_of(s.reader(), "article")
        best: dict[str, list[tuple[float, int]]] = {}
        counts: dict[str, int] = {}
        keep = max(1, q.per_article)
        for score, docnum in results.top_n:
            article_id = column[docnum]
            if article_id not in best:
                best[article_id] = [(hit_score(score), docnum)]
                counts[article_id] = 1
            else:
                counts[article_id] += 1
                if len(best[article_id]) < keep:
                    best[article_id].append((hit_score(score), docnum))
        ranked = list(best.items())
        if q.sort == "relevance":  # equal scores: by article id (as on OpenSearch)
            ranked.sort(key=lambda kv: (-kv[1][0][0], kv[0]))
        end = len(ranked) if q.limit is None else q.offset + q.limit
        hits = []
        for article_id, paras in ranked[q.offset : end]:
            found = [EngineHit(article_id, s.stored_fields(d)["n"], sc, d) for sc, d in paras]
            found[0].inner = found[1:]
            hits.append(found[0])
        return EngineResult(len(ranked), hits, counts)  # every match was scored: exact

    def facets(self, q: EngineQuery, names: list[str]) -> dict[str, list[dict]]:
        return self._fresh_retry(lambda: self._facets_once(q, names))

    def _facets_once(self, q: EngineQuery, names: list[str]) -> dict[str, list[dict]]:
        """Counts of matching paragraphs and articles per value of each facet (dates by month)."""
        s = self.searcher()
        core = self._translate(q.query)
        if core is None:
            return {name: [] for name in names}
        fq = self._filter(q.filters)
        full = wq.And([core, fq]) if fq is not None else core
        reader = s.reader()
        if not reader.doc_count():
            return {name: [] for name in names}
        articles = column_of(reader, "article")
        facet_columns = {name: column_of(reader, FACET_FIELDS[name]) for name in names}
        tally: dict[str, dict[str, list]] = {name: {} for name in names}
        for docnum in matching_docs(s, full):
            article_id = articles[docnum]
            for name, column in facet_columns.items():
                value = column[docnum]
                for v in (value.split(",") if name == "tag" else (value,)):
                    if v:
                        entry = tally[name].setdefault(v, [0, set()])
                        entry[0] += 1
                        entry[1].add(article_id)
        return {
            name: [{"value": v, "articles": len(e[1]), "paragraphs": e[0]}
                   for v, e in sorted(values.items(), key=lambda kv: (-len(kv[1][1]), -kv[1][0], kv[0]))]
            for name, values in tally.items()
        }  # fmt: skip

    def explain(self, q: EngineQuery, hit: EngineHit) -> list[dict]:
        from .explain import leaf_name, scoring_leaves  # (only explain needs these: start-up time)

        s = self.searcher()
        docnum = hit.ref if isinstance(hit.ref, int) else None
        if docnum is None:
            return []
        parts = []
        core = self._translate(q.query)
        kind_w = KIND_WEIGHTS.get(column_of(s.reader(), "kind")[docnum], 1.0)
        leaves = [(leaf, w * kind_w) for leaf, w in scoring_leaves(core)] if core is not None else []
        if q.title_weight > 0:
            lift = self._with_title_lift(q.query, q.title_weight)
            if isinstance(lift, wq.AndMaybe):
                leaves += list(scoring_leaves(lift.b))
        for leaf, weight in leaves:
            try:
                m = leaf.matcher(s, s.context())
            except Exception:
                continue
            if m.is_active():
                m.skip_to(docnum)
            if m.is_active() and m.id() == docnum:
                score = m.score() * weight
                field, term = leaf_name(leaf)
                parts.append({"field": field, "term": term, "score": round(score, 4)})
        parts.sort(key=lambda p: -p["score"])
        return parts

    def more_like(self, text: str, exclude_article: str | None, q: EngineQuery) -> EngineResult:
        return self._fresh_retry(lambda: self._more_like_once(text, exclude_article, q))

    def _more_like_once(self, text: str, exclude_article: str | None, q: EngineQuery) -> EngineResult:
        from ...limits import search_timeout

        s = self.searcher()
        terms = s.key_terms_from_text("text", text, numterms=40, normalize=True)
        if not terms:
            return EngineResult(0, [])
        query = wq.Or([Scaled(wq.Term("text", t), w) for t, w in terms])
        query.matcher_type = wq.Or.ARRAY_MATCHER
        query = KindWeighted(query)
        fq = self._filter(q.filters)
        if fq is not None:
            query = Restricted(query, fq)
        kwargs: dict = {}
        if exclude_article:  # (in the query: a collector's mask would sit outside the time limit)
            query = wq.AndNot(query, wq.Term("article", exclude_article))
        if q.by_article:
            return self._by_article(s, query, q, kwargs, search_timeout())
        results = timed_search(s, query, q.offset + (q.limit or 10), search_timeout(), **kwargs)
        hits = []
        for i in range(q.offset, len(results.top_n)):
            stored = results.fields(i)
            hits.append(EngineHit(stored["article"], stored["n"], hit_score(results.score(i)), results.docnum(i)))
        return EngineResult(len(results), hits)

    def count(self, q: EngineQuery) -> int:
        return self._fresh_retry(lambda: self._count_once(q))

    def _count_once(self, q: EngineQuery) -> int:
        wquery = self._translate(q.query)
        if wquery is None:
            return 0
        fq = self._filter(q.filters)
        full = wq.And([wquery, fq]) if fq is not None else wquery
        return count_matches(self.searcher(), full, q.count_up_to)[0]  # did-you-mean asks "more than N?"

    def paragraph_keys(self) -> list[tuple[str, int]]:
        return [(f["article"], f["n"]) for f in self.searcher().all_stored_fields()]

    def verify(self) -> None:
        """Read every posting list of every segment: a damaged or emptied file raises here
        (``archive check``), not in the middle of someone's search."""
        with self.ix.reader() as reader:
            for fieldname, text in reader.all_terms():
                for _ in reader.postings(fieldname, text).all_ids():
                    pass

    def size_bytes(self) -> int:
        return sum(f.stat().st_size for f in self.path.resolve().iterdir() if f.is_file())

    def close(self) -> None:
        with self._searchers_lock:
            searchers, self._searchers = self._searchers, []
        for searcher in searchers:
            try:
                searcher.close()
            except Exception:  # pragma: no cover - a reader's files already closed
                pass
        self._local = threading.local()

    # -- query translation --------------------------------------------------------------------

    def _with_title_lift(self, node: aq.Node, weight: float, core=None):
        """``core`` (``node`` translated, if the caller has it) weighted by kind and lifted
        where the headline matches too."""
        core = self._translate(node) if core is None else core
        if core is None:
            return None
        core = KindWeighted(core)
        if weight <= 0:
            return core
        lift = WhooshTranslator(self).title_lift(node)
        if not lift:
            return core
        return TitleLift(core, Scaled(wq.Or(lift), weight))

    def _filter(self, filters: list[aq.Node]):
        parts = WhooshTranslator(self).filters(filters)
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else wq.And(parts)

    def _translate(self, node: aq.Node):
        return WhooshTranslator(self).translate(node)
