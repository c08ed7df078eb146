"""The Whoosh engine: one Whoosh document per paragraph.

Every Whoosh call in the project is in this module (and the analyzers beside it). Paragraph
text is indexed, not stored: what hits display comes from the canonical store.
"""

from __future__ import annotations

import functools
import importlib
import math
import os
import shutil
import sys
import threading
import time
import types
from pathlib import Path
from typing import Iterator


def _stand_in(module: str, *names: str) -> types.ModuleType:
    """A module whose functions ``names`` import the real ``module`` when first called."""
    stub = types.ModuleType(module)

    def deferred(name: str):
        def call(*args, **kwargs):
            if sys.modules.get(module) is stub:
                del sys.modules[module]
            return getattr(importlib.import_module(module), name)(*args, **kwargs)

        call.__name__ = name
        return call

    for name in names:
        setattr(stub, name, deferred(name))
    return stub


def _lean_whoosh_import() -> None:
    """Import Whoosh without what it pulls in and never uses here (measured, see RESULTS.md):
    ``whoosh.compat`` imports ``urllib.request`` (http, email, ssl) for a download helper,
    ``whoosh.reading`` imports the ``cached_property`` package, which imports asyncio, and
    ``whoosh.query`` and ``whoosh.analysis`` import the English morphology tables and the
    Porter stemmer (30 ms of regular expressions to compile) for queries and filters the
    archive does not use. All are served by stand-ins during the import only (a stand-in's
    function imports the real module if it is ever called); later imports get the real ones."""
    if "whoosh.compat" in sys.modules:
        return
    import functools

    shim = types.ModuleType("cached_property")
    shim.cached_property = functools.cached_property  # type: ignore[attr-defined]
    stand_ins = {
        "cached_property": shim,
        "urllib.request": _stand_in("urllib.request", "urlretrieve"),
        "whoosh.lang.morph_en": _stand_in("whoosh.lang.morph_en", "variations"),
        "whoosh.lang.porter": _stand_in("whoosh.lang.porter", "stem"),
    }
    added = [name for name in stand_ins if name not in sys.modules]
    for name in added:
        sys.modules[name] = stand_ins[name]
    try:
        import whoosh.analysis  # noqa: F401
        import whoosh.compat  # noqa: F401
        import whoosh.query  # noqa: F401
        import whoosh.reading  # noqa: F401
    finally:
        for name in added:
            if sys.modules.get(name) is stand_ins[name]:
                del sys.modules[name]


_lean_whoosh_import()

from whoosh import index as windex  # noqa: E402
from whoosh import query as wq  # noqa: E402
from whoosh import collectors, columns, scoring, sorting  # noqa: E402
from whoosh.filedb.filestore import FileStorage  # noqa: E402
from whoosh.fields import ID, KEYWORD, STORED, TEXT, Schema  # noqa: E402
from whoosh.codec.whoosh3 import LENGTHS_COLUMN  # noqa: E402
from whoosh.matching import AndMaybeMatcher, NullMatcher, WrappingMatcher  # noqa: E402
from whoosh.util.numeric import byte_to_length, length_to_byte  # noqa: E402

from .. import query as aq
from ..errors import ArchiveError, QueryError
from ..model import Article
from ..ranking import BM25_B, BM25_K1, KIND_WEIGHTS
from .base import EngineHit, EngineQuery, EngineResult
from .fields import FACET_FIELDS, paragraph_fields
from .translate import Translator, field_terms, prefix_of
from .whoosh_analysis import NewsAnalyzer, PlainAnalyzer

INDEX_NAME = "paragraphs"
# Memory for the writer's posting pool: below this the pool spills to disk and re-reads
# every posting (shared/notes/perf-facts.md: 546 paragraphs/s at 128 MB, about 950 at 2 GB).
WRITER_MB = 512


# A search that can match at most this many paragraphs (by its rarest word's count) scores every
# match in one walk and so counts them too; above it, block-quality skipping pays for a second,
# unscored walk to count (see _CountingTop).
WALK_ALL_UP_TO = 5000


class NewsBM25F(scoring.BM25F):
    """Whoosh's BM25F with Lucene's idf (which never goes negative or flat for common words),
    scored from a segment's field lengths held in memory (see BM25Scorer)."""

    def scorer(self, searcher, fieldname, text, qf=1):
        if not searcher.schema[fieldname].scorable:
            return scoring.WeightScorer.for_(searcher, fieldname, text)
        parent = searcher.get_parent()
        cache = _kept(parent, "idf")
        idf = cache.get((fieldname, text))
        if idf is None:
            n_docs = parent.doc_count_all()
            df = parent.doc_frequency(fieldname, text)
            idf = math.log(1 + (n_docs - df + 0.5) / (df + 0.5))
            cache[(fieldname, text)] = idf
        avgfl = parent.avg_field_length(fieldname) or 1
        B = self._field_B.get(fieldname, self.B)
        return BM25Scorer(searcher, fieldname, text, idf, avgfl, B, self.K1)


class BM25Scorer(scoring.WeightLengthScorer):
    """BM25 as Whoosh's BM25FScorer computes it, with two differences of cost only: the
    segment's field-length bytes are read once into memory (Whoosh reads one byte from the
    column file per scored paragraph: a third of a common word's search time), and the length
    part of the formula is a table over the 256 length codes."""

    def __init__(self, searcher, fieldname: str, text: bytes, idf: float, avgfl: float, B: float, K1: float):
        self.idf, self.avgfl, self.B, self.K1 = idf, avgfl, B, K1
        self._top = idf * (K1 + 1)
        self._norm = _length_norms(avgfl, B, K1)
        self._codes = _length_codes(searcher.reader(), fieldname)
        self.setup(searcher, fieldname, text)

    def score(self, matcher) -> float:
        w = matcher.weight()
        return self._top * w / (w + self._norm[self._codes[matcher.id()]])

    def _score(self, weight, length) -> float:
        return scoring.bm25(self.idf, weight, length, self.avgfl, self.B, self.K1)


@functools.lru_cache(maxsize=64)
def _length_norms(avgfl: float, B: float, K1: float) -> tuple[float, ...]:
    """K1 * (1 - B + B * length / avgfl) for each of the 256 one-byte length codes."""
    return tuple(K1 * ((1 - B) + B * (byte_to_length(c) if c else 0) / avgfl) for c in range(256))


def _length_codes(reader, fieldname: str):
    """Every paragraph's length code for ``fieldname`` in one segment, as bytes (cached on
    the segment reader)."""
    cache = _kept(reader, "length_codes")
    codes = cache.get(fieldname)
    if codes is None:
        n = reader.doc_count_all()
        if hasattr(reader, "readers"):  # a whole multi-segment index: segments in docnum order
            codes = b"".join(_length_codes(r, fieldname) for r in reader.readers)
            cache[fieldname] = codes
            return codes
        raw = _segment_length_codes(getattr(reader, "_perdoc", reader), fieldname) or b""
        codes = cache[fieldname] = raw[:n] + bytes(max(0, n - len(raw)))
    return codes


def make_schema() -> Schema:
    news, plain = NewsAnalyzer(), PlainAnalyzer()
    return Schema(
        key=ID(unique=True, stored=True),
        article=ID(stored=True, sortable=True),
        n=STORED(),
        text=TEXT(analyzer=news, phrase=True),
        title=TEXT(analyzer=news, phrase=True),
        source=TEXT(analyzer=plain, phrase=True),
        author=TEXT(analyzer=plain, phrase=True),
        kind=ID(sortable=True),
        lang=ID(sortable=True),
        tag=KEYWORD(lowercase=True, commas=True),
        date=ID(sortable=True),
        # columns read only for facets
        source_name=ID(sortable=True),
        month=ID(sortable=True),
        tags=ID(sortable=True),
    )


# The paragraph document's fields this schema holds (besides its key).
SCHEMA_FIELDS = frozenset({"article", "n", "text", "title", "source", "author", "kind", "lang", "tag", "date",
                           "source_name", "month", "tags"})  # fmt: skip


class WhooshEngine:
    name = "whoosh"
    # Bump when the schema or the analysis changes: archives built before then must be rebuilt.
    LAYOUT = "whoosh/3"  # 3: kind weights applied at query time, not as index-time boosts

    def __init__(self, path: Path, *, create: bool = False) -> None:
        """Open the index at ``path`` (a link to the current generation's directory)."""
        self.path = path
        if create and not path.exists():
            target = _fresh_dir(path)
            DurableStorage(str(target)).create_index(make_schema(), indexname=INDEX_NAME)
            swap_in(path, target)
        try:
            self.ix = _open_index(path)
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
        return _with_length_cache(self.ix.writer(limitmb=self.writer_mb, compound=False))

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
        _commit(writer)
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
        _commit(writer, optimize=True)
        self._refresh()
        return before

    def segment_count(self) -> int:
        return len(self.ix._segments())

    @classmethod
    def rebuild(cls, link: Path, articles, writer_mb: int = WRITER_MB) -> "WhooshEngine":
        """Build a new generation holding ``articles`` (an iterable) beside the current one,
        then swap it in. If this is interrupted, the current generation stays as it was."""
        remove_stale_generations(link)
        target = _fresh_dir(link)
        ix = DurableStorage(str(target)).create_index(make_schema(), indexname=INDEX_NAME)
        writer = _with_length_cache(ix.writer(limitmb=writer_mb, compound=False))
        try:
            for article in articles:
                for doc in cls._docs(article):
                    writer.add_document(**doc)
        except BaseException:
            writer.cancel()
            ix.close()
            shutil.rmtree(target, ignore_errors=True)
            raise
        _commit(writer)
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
        from ..limits import max_expanded_terms, max_wildcard_terms

        reader = self.searcher().reader()
        total, most, budget = 0, max_wildcard_terms(), max_expanded_terms()
        for leaf in aq.leaves(node):
            field = getattr(leaf, "field", None) or "text"
            if isinstance(leaf, aq.Wildcard):
                n = _count_upto(_wildcard_terms(reader, field, leaf.pattern), most + 1)
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
                                 f"words are expanded (at {_leaf_text(leaf)!r}): use fewer of them")  # fmt: skip

    def _fuzzy_words(self, field: str, text: str, distance: int) -> list[str]:
        """The index words within ``distance`` edits of ``text`` (optimal string alignment, as
        Whoosh's FuzzyTerm counts them), the closest MAX_FUZZY_TERMS of them (as OpenSearch's
        fuzzy query keeps its best 50). The field's word list is read once per searcher and
        compared by rapidfuzz (C++); Whoosh's own multi-segment path compares every word in
        Python (0.6 s a fuzzy word at 18,000 paragraphs)."""
        from rapidfuzz import process
        from rapidfuzz.distance import OSA

        from ..limits import MAX_FUZZY_TERMS

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
        from ..limits import search_timeout

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
        if q.sort == "date":
            kwargs["sortedby"] = sorting.MultiFacet(
                [sorting.FieldFacet("date", reverse=True), sorting.ScoreFacet()]
            )
        if q.by_article:
            return self._by_article(s, wquery, q, kwargs, seconds)
        limit = None if q.limit is None else q.offset + q.limit
        if limit is not None and q.sort != "date" and limit < s.doc_count():
            walk_all = _positional(wquery) or wquery.estimate_size(s.reader()) <= WALK_ALL_UP_TO
            collector = _CountingTop(limit, walk_all=walk_all)
            s.search_with_collector(wquery, _timed(collector, seconds))
            results = collector.results()
        else:
            collector = None
            results = _timed_search(s, wquery, limit, seconds, **kwargs)
        hits = []
        end = len(results.top_n) if q.limit is None else min(len(results.top_n), q.offset + q.limit)
        for i in range(q.offset, end):
            stored = results.fields(i)
            hits.append(EngineHit(stored["article"], stored["n"], _score(results.score(i)), results.docnum(i)))
        if q.sort != "date":  # equal scores: by article id, then paragraph (as on OpenSearch)
            hits.sort(key=lambda h: (-h.score, h.article_id, h.n))
        total, exact = self._total(s, core, fq, results, limit, q.count_up_to, collector)
        return EngineResult(total, hits, total_exact=exact)

    @staticmethod
    def _total(s, core, fq, results, limit: int | None, up_to: int,
               collector: "_CountingTop | None" = None) -> tuple[int, bool]:  # fmt: skip
        """How many paragraphs match, counted up to ``up_to`` (an exact count of a very common
        word costs more than the search itself: 'mln' took 246 ms of which most was counting)."""
        collected = results.scored_length()
        if limit is None or collected < limit:
            return collected, True  # everything that matched was collected
        if collector is not None and collector.walk_all:  # the search saw every match
            return min(collector.total, up_to), collector.total < up_to
        # (the kind weights and the headline lift match nothing more than the core)
        return _count(s, wq.And([core, fq]) if fq is not None else core, up_to)

    def _by_article(self, s, wquery, q: EngineQuery, kwargs: dict, seconds: float) -> EngineResult:
        """The best paragraph of each article, best article first, and how many matched.

        Every match is scored (an article's count needs them all), but only the article id
        column is read for each; stored fields only for the page shown."""
        results = _timed_search(s, wquery, None, seconds, **kwargs)
        if not results.scored_length():
            return EngineResult(0, [], {})
        column = _column(s.reader(), "article")
        best: dict[str, list[tuple[float, int]]] = {}
        counts: dict[str, int] = {}
        keep = max(1, q.per_article)
        for score, docnum in results.top_n:
            article_id = column[docnum]
            if article_id not in best:
                best[article_id] = [(_score(score), docnum)]
                counts[article_id] = 1
            else:
                counts[article_id] += 1
                if len(best[article_id]) < keep:
                    best[article_id].append((_score(score), docnum))
        ranked = list(best.items())
        if q.sort != "date":  # equal scores: by article id (as on OpenSearch)
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
        articles = _column(reader, "article")
        columns = {name: _column(reader, FACET_FIELDS[name]) for name in names}
        tally: dict[str, dict[str, list]] = {name: {} for name in names}
        for docnum in _matching_docs(s, full):
            article_id = articles[docnum]
            for name, column in columns.items():
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
        s = self.searcher()
        docnum = hit.ref if isinstance(hit.ref, int) else None
        if docnum is None:
            return []
        parts = []
        core = self._translate(q.query)
        kind_w = KIND_WEIGHTS.get(_column(s.reader(), "kind")[docnum], 1.0)
        leaves = [(leaf, w * kind_w) for leaf, w in _scoring_leaves(core)] if core is not None else []
        if q.title_weight > 0:
            lift = self._with_title_lift(q.query, q.title_weight)
            if isinstance(lift, wq.AndMaybe):
                leaves += list(_scoring_leaves(lift.b))
        for leaf, weight in leaves:
            try:
                m = leaf.matcher(s, s.context())
            except Exception:
                continue
            if m.is_active():
                m.skip_to(docnum)
            if m.is_active() and m.id() == docnum:
                score = m.score() * weight
                field, term = _leaf_name(leaf)
                parts.append({"field": field, "term": term, "score": round(score, 4)})
        parts.sort(key=lambda p: -p["score"])
        return parts

    def more_like(self, text: str, exclude_article: str | None, q: EngineQuery) -> EngineResult:
        return self._fresh_retry(lambda: self._more_like_once(text, exclude_article, q))

    def _more_like_once(self, text: str, exclude_article: str | None, q: EngineQuery) -> EngineResult:
        from ..limits import search_timeout

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
        results = _timed_search(s, query, q.offset + (q.limit or 10), search_timeout(), **kwargs)
        hits = []
        for i in range(q.offset, len(results.top_n)):
            stored = results.fields(i)
            hits.append(EngineHit(stored["article"], stored["n"], _score(results.score(i)), results.docnum(i)))
        return EngineResult(len(results), hits)

    def count(self, q: EngineQuery) -> int:
        return self._fresh_retry(lambda: self._count_once(q))

    def _count_once(self, q: EngineQuery) -> int:
        wquery = self._translate(q.query)
        if wquery is None:
            return 0
        fq = self._filter(q.filters)
        full = wq.And([wquery, fq]) if fq is not None else wquery
        return _count(self.searcher(), full, q.count_up_to)[0]  # did-you-mean asks "more than N?"

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


class WhooshTranslator(Translator):
    """The query tree as Whoosh queries (the walk: archive.engine.translate)."""

    def __init__(self, engine: WhooshEngine) -> None:
        self.engine = engine

    def all_of(self, must, must_not):
        q = must[0] if len(must) == 1 else wq.And(must)
        for n in must_not:
            q = wq.AndNot(q, n)
        return q

    def any_of(self, parts, coord):
        q = wq.Or(parts, scale=coord)
        if len(parts) >= 4:  # many terms: scoring into arrays beats a tree of union matchers (~1.7x)
            q.matcher_type = wq.Or.ARRAY_MATCHER
        return q

    def none_of(self, inner):
        return wq.Not(inner)

    def exact(self, field, value):
        return wq.Term(field, value)

    def term(self, field, term):
        return wq.Term(field, term)

    def phrase(self, field, terms, text, slop):
        return wq.Phrase(field, terms, slop=slop + 1)  # Whoosh's slop 1: next to each other

    def syllable(self, field, term):
        return wq.Or([wq.Term(field, term), wq.ConstantScoreQuery(wq.Prefix(field, term)),
                      wq.ConstantScoreQuery(wq.Wildcard(field, "?" + term))])  # fmt: skip

    # Fuzzy words and wildcards score 1 where they match, however many words they expand to
    # (Whoosh scores a lone expansion by BM25 and several as a constant; OpenSearch's
    # constant_score is the same everywhere, and so is this).
    def fuzzy(self, field, word, distance):
        return wq.ConstantScoreQuery(ExpandedFuzzy(field, word, self.engine._fuzzy_words(field, word, distance)))

    def prefixes(self, field, prefixes):
        return wq.ConstantScoreQuery(wq.Or([wq.Prefix(field, p) for p in prefixes]))

    def wildcard(self, field, pattern):
        return wq.ConstantScoreQuery(wq.Wildcard(field, pattern))

    def date_range(self, field, lo, hi):
        return wq.TermRange(field, lo or "0000-00-00", hi or "9999-99-99")


class ExpandedFuzzy(wq.Or):
    """A fuzzy word as the words it stands for (named as asked in explain)."""

    def __init__(self, fieldname: str, text: str, words: list[str]) -> None:
        super().__init__([wq.Term(fieldname, w) for w in words])
        self.fieldname, self.text = fieldname, text


class _Deadline(collectors.WrappingCollector):
    """A collector that stops the search (collectors.TimeLimit) once it has run past a
    deadline, looking at the clock every 1,024 matches and at each segment. (Whoosh's
    TimeLimitCollector starts a timer thread per search: +1.4 ms on a 4 ms search.)"""

    def __init__(self, child, seconds: float) -> None:
        super().__init__(child)
        self.deadline = time.monotonic() + seconds

    def collect_matches(self) -> None:
        deadline, collect = self.deadline, self.child.collect
        if time.monotonic() > deadline:
            raise collectors.TimeLimit
        n = 0
        for sub_docnum in self.child.matches():
            collect(sub_docnum)
            n += 1
            if not n & 1023 and time.monotonic() > deadline:
                raise collectors.TimeLimit


def _timed(collector, seconds: float):
    """``collector`` stopped (collectors.TimeLimit) once the search has run ``seconds``."""
    return _Deadline(collector, seconds)


def _timed_search(s, wquery, limit: int | None, seconds: float, **kwargs):
    """What ``s.search(wquery, limit=limit, **kwargs)`` gives, within ``seconds`` (no filter or
    mask here: Whoosh's filtering collector would sit outside the time limit and be skipped)."""
    assert "mask" not in kwargs and "filter" not in kwargs
    collector = s.collector(limit=limit, terms=False, **kwargs)
    s.search_with_collector(wquery, _timed(collector, seconds))
    return collector.results()


def _count_upto(items, most: int) -> int:
    n = 0
    for _ in items:
        n += 1
        if n >= most:
            break
    return n


def _wildcard_terms(reader, field: str, pattern: str):
    """The index words a wildcard stands for (as the translation matches them)."""
    prefixes = prefix_of(field, pattern)
    if prefixes:
        seen = set()
        for p in prefixes:
            for t in reader.expand_prefix(field, p):
                if t not in seen:
                    seen.add(t)
                    yield t
        return
    yield from wq.Wildcard(field, pattern)._btexts(reader)


def _leaf_text(leaf: aq.Node) -> str:
    if isinstance(leaf, aq.Fuzzy):
        return f"{leaf.text}~{leaf.distance}"
    return getattr(leaf, "pattern", None) or getattr(leaf, "text", "")


class _CountingTop(collectors.TopCollector):
    """Whoosh's top-N collector, which can also walk every match so that its count is the
    total and the query need not be walked a second time to count them. Worth it for phrases:
    checking positions costs the same whether a match is scored or counted, and block-quality
    skipping rarely skips any ('central bank': 150 ms, half of it counting again); not for
    common words, where skipping saves most of the work ('said': 40,000 matches)."""

    def __init__(self, limit: int, walk_all: bool) -> None:
        # Walking all: no block skipping, and no matcher replacement (which can drop matches too).
        super().__init__(limit, usequality=not walk_all, replace=0 if walk_all else 10)
        self.walk_all = walk_all  # else matches may go uncounted


def _positional(q) -> bool:
    """Whether a query checks word positions (a phrase) in what it scores."""
    if isinstance(q, (wq.Phrase, wq.Ordered)):
        return True
    if isinstance(q, (wq.AndNot, wq.AndMaybe)):
        return _positional(q.a)
    if isinstance(q, wq.WrappingQuery):
        return _positional(q.child)
    if isinstance(q, wq.CompoundQuery):
        return any(_positional(sub) for sub in q.subqueries)
    return False


class _AndMaybeMatcher(AndMaybeMatcher):
    """Whoosh's AndMaybeMatcher, but skip_to() leaves the optional side on the required
    side's paragraph: Whoosh's moves it to the target id only, so when the required side
    lands beyond the target, the optional side's score is silently left out."""

    def skip_to(self, id):
        moved = super().skip_to(id)
        if self.a.is_active() and self.b.is_active() and self.b.id() < self.a.id():
            moved = self.b.skip_to(self.a.id()) or moved
        return moved


class TitleLift(wq.AndMaybe):
    """The paragraphs the query matches, lifted where their headline matches too."""

    matcherclass = _AndMaybeMatcher


class Restricted(wq.WrappingQuery):
    """The child's matches that ``allow`` also matches, scored as the child alone scores them.

    A filter (dates, source, kind, one article) is walked beside the query, each skipping
    to the other, so Whoosh's block skipping still works; Whoosh's own ``filter=`` first makes
    a set of every paragraph the filter matches ('oil' since a month with 60,000 paragraphs:
    300 ms against 38 ms for 'oil' alone)."""

    def __init__(self, child, allow) -> None:
        super().__init__(child)
        self.allow = allow

    def _rewrap(self, child):
        return Restricted(child, self.allow)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Restricted) and other.child == self.child and other.allow == self.allow

    def __hash__(self) -> int:
        return hash(self.child) ^ hash(self.allow)

    def estimate_size(self, ixreader) -> int:
        return min(self.child.estimate_size(ixreader), self.allow.estimate_size(ixreader))

    def matcher(self, searcher, context=None):
        child = self.child.matcher(searcher, context)
        allow = self.allow.matcher(searcher, searcher.boolean_context())
        return _RestrictedMatcher(child, allow)


class _RestrictedMatcher(WrappingMatcher):
    def __init__(self, child, allow) -> None:
        super().__init__(child)
        self.allow = allow
        self._align()

    def _align(self) -> bool:
        """Move both to the next paragraph they both match (or to the end); True if the child
        may have entered a new block (Whoosh's matchers say so from next() and skip_to())."""
        child, allow = self.child, self.allow
        new_block = False
        while child.is_active() and allow.is_active():
            doc = child.id()
            if allow.id() < doc:
                allow.skip_to(doc)
                if not allow.is_active():
                    break
            other = allow.id()
            if other == doc:
                break
            new_block = bool(child.skip_to(other)) or new_block
        return new_block

    def _replacement(self, newchild):
        return _RestrictedMatcher(newchild, self.allow)

    def copy(self):
        return _RestrictedMatcher(self.child.copy(), self.allow.copy())

    def replace(self, minquality=0):
        if not self.is_active():
            return NullMatcher()
        r = self.child.replace(minquality)
        return self if r is self.child else _RestrictedMatcher(r, self.allow)

    def is_active(self) -> bool:
        return self.child.is_active() and self.allow.is_active()

    def next(self) -> bool:
        new_block = bool(self.child.next())
        return self._align() or new_block

    def skip_to(self, id) -> bool:
        new_block = bool(self.child.skip_to(id))
        return self._align() or new_block

    def skip_to_quality(self, minquality) -> int:
        skipped = self.child.skip_to_quality(minquality)
        self._align()
        return skipped

    def all_ids(self):
        while self.is_active():
            yield self.id()
            self.next()


class Scaled(wq.WrappingQuery):
    """Multiplies its child's scores by ``factor``. (Whoosh's own ``boost`` on a query is
    folded into its terms, and BM25F ignores a term's boost: measured, it changed nothing.)"""

    def __init__(self, child, factor: float) -> None:
        super().__init__(child)
        self.factor = factor

    def _rewrap(self, child):
        return Scaled(child, self.factor)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Scaled) and other.child == self.child and other.factor == self.factor

    def __hash__(self) -> int:
        return hash(self.child) ^ hash(self.factor)

    def matcher(self, searcher, context=None):
        return WrappingMatcher(self.child.matcher(searcher, context), boost=self.factor)


class KindWeighted(wq.WrappingQuery):
    """Multiplies each paragraph's score by its kind's weight (KIND_WEIGHTS)."""

    def _rewrap(self, child):
        return KindWeighted(child)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, KindWeighted) and other.child == self.child

    def __hash__(self) -> int:
        return hash(self.child) ^ 0x6B696E64

    def matcher(self, searcher, context=None):
        child = self.child.matcher(searcher, context)
        weights = _kind_weights(searcher.reader())
        return _KindMatcher(child, weights) if weights else child


def _kind_weights(reader) -> dict[int, float]:
    """docnum -> weight for the paragraphs whose kind weighs other than 1 (headlines, decks:
    a small share), read from the kind field's postings once per segment reader (reading the
    kind column for every scored paragraph cost 40-60% of a search)."""
    kept = _kept(reader, "kind_weights")
    if "weights" not in kept:
        weights: dict[int, float] = {}
        for kind, w in KIND_WEIGHTS.items():
            if w != 1.0 and (("kind", kind)) in reader:
                weights.update(dict.fromkeys(_posting_ids(reader.postings("kind", kind)), w))
        kept["weights"] = weights
    return kept["weights"]


def _kept(obj, name: str) -> dict:
    """A dict kept on a Whoosh reader or searcher: what is worked out from it once (field
    lengths, headline weights, idf, column readers) lives exactly as long as it does."""
    return obj.__dict__.setdefault(f"_archive_{name}", {})


def _column(reader, name: str):
    """A column reader, kept for as long as the index reader (making one reads every
    segment's offsets table, 400,000 entries for four facet columns at 100k paragraphs: half
    the time of a search with facets, each time)."""
    cache = _kept(reader, "columns")
    column = cache.get(name)
    if column is None:
        if reader.is_atomic():
            column = reader.column_reader(name)
        else:  # every segment's, those without the column too (Whoosh's MultiReader leaves them
            # out but keeps counting documents from the first it has: a segment of articles with
            # no source made facets on source fail, "array index out of range")
            leaves = reader.leaf_readers()
            column = columns.MultiColumnReader([r.column_reader(name) for r, _ in leaves], [o for _, o in leaves])
        cache[name] = column
    return column


def _posting_ids(m) -> list[int]:
    """Every docnum of a posting list, a block at a time (Whoosh's ``all_ids`` steps through
    them one by one: 60 ms for a cold search's headlines at 100k paragraphs). Deleted
    paragraphs may be included; they are never scored."""
    leaf = getattr(m, "child", m)
    if not all(hasattr(leaf, a) for a in ("_read_ids", "_next_block", "_ids")):
        return list(m.all_ids())  # pragma: no cover - another codec
    out: list[int] = []
    while leaf.is_active():
        leaf._read_ids()
        out.extend(leaf._ids[leaf._i :])
        leaf._next_block()
    return out


class _KindMatcher(WrappingMatcher):
    """Scores are the child's times the paragraph's kind weight; for skipping, the largest
    weight bounds what a block can score (so Whoosh's block-quality skipping stays exact)."""

    def __init__(self, child, weights: dict[int, float]) -> None:
        super().__init__(child, boost=max(KIND_WEIGHTS.values()))
        self.weights = weights

    def _replacement(self, newchild):
        return _KindMatcher(newchild, self.weights)

    def replace(self, minquality=0):
        r = self.child.replace(minquality / self.boost)
        return self if r is self.child else self._replacement(r)

    def score(self) -> float:
        return self.child.score() * self.weights.get(self.child.id(), 1.0)


def _matching_docs(s, query) -> Iterator[int]:
    """The docnums ``query`` matches, walking its matchers unscored. (Whoosh's ``docs_for_query``
    asks an intersection for ``all_ids``, which makes a set of each side's every match: counting
    'said' read all 40,000 of its paragraphs.)"""
    context = s.boolean_context()
    for sub, offset in s.leaf_searchers():
        m = query.matcher(sub, context)
        while m.is_active():
            yield offset + m.id()
            m.next()


def _count(s, query, up_to: int) -> tuple[int, bool]:
    """How many paragraphs ``query`` matches, counted up to ``up_to``; and whether that is all."""
    n = 0
    for n, _ in enumerate(_matching_docs(s, query), start=1):
        if n >= up_to:
            return n, False
    return n, True


def _scoring_leaves(q, weight: float = 1.0):
    """The leaf queries that add to a score (not the NOT side), with their weight."""
    if isinstance(q, Scaled):
        yield from _scoring_leaves(q.child, weight * q.factor)
    elif isinstance(q, KindWeighted):
        yield from _scoring_leaves(q.child, weight)
    elif isinstance(q, wq.AndNot):
        yield from _scoring_leaves(q.a, weight)
    elif isinstance(q, wq.AndMaybe):
        yield from _scoring_leaves(q.a, weight)
        yield from _scoring_leaves(q.b, weight)
    elif isinstance(q, wq.Not):
        return
    elif isinstance(q, wq.CompoundQuery):
        for sub in q.subqueries:
            yield from _scoring_leaves(sub, weight * q.boost)
    elif isinstance(q, (wq.FuzzyTerm, wq.Wildcard, wq.Prefix)):
        yield q, weight  # an expanding term: scored as one
    else:
        yield q, weight


def _leaf_name(leaf) -> tuple[str, str]:
    """(field, term) as explain shows a scoring leaf: a fuzzy word as asked, a prefix as word*."""
    if isinstance(leaf, wq.ConstantScoreQuery):
        inner = leaf.child
        if isinstance(inner, wq.Or) and inner.subqueries and not isinstance(inner, ExpandedFuzzy):
            inner = inner.subqueries[0]
        if isinstance(inner, wq.Prefix):
            return inner.fieldname, inner.text + "*"
        return getattr(inner, "fieldname", "text"), str(getattr(inner, "text", inner))
    field = getattr(leaf, "fieldname", "text")
    return field, " ".join(getattr(leaf, "words", None) or [str(getattr(leaf, "text", leaf))])


def _score(key) -> float:
    """A hit's score; sorted by (date, score), Whoosh gives the sort key, with -score last."""
    if isinstance(key, tuple):
        return float(-key[-1])
    return float(key or 0.0)


def _with_length_cache(writer):
    """A Whoosh segment writer whose flush reads the new segment's field lengths from memory.
    (Writing the postings, Whoosh asks each posting's field length from the column file it has
    just written, a file read per posting, plus a stat() per posting of a field that has no
    lengths: 13% of an ingest's time, profiled.)"""
    make_reader = writer.per_document_reader

    def per_document_reader():
        return _CachedLengths(make_reader())

    writer.per_document_reader = per_document_reader
    return writer


class _CachedLengths:
    """The part of a per-document reader that writing postings uses, with lengths in memory."""

    def __init__(self, reader) -> None:
        self.reader = reader
        self.codes: dict[str, bytes | None] = {}

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0) -> int:
        if fieldname not in self.codes:
            self.codes[fieldname] = _segment_length_codes(self.reader, fieldname)
        codes = self.codes[fieldname]
        if codes is None or docnum >= len(codes) or not codes[docnum]:
            return default
        return byte_to_length(codes[docnum])

    def close(self) -> None:
        self.reader.close()


def _segment_length_codes(perdoc, fieldname: str) -> bytes | None:
    """A segment's length codes for a field, from its per-document reader (None: no lengths)."""
    try:
        column = perdoc._cached_reader(f"_{fieldname}_len", LENGTHS_COLUMN)
        if column is None:
            return None
        return bytes(column._dbfile.get(column._basepos, column._count))
    except AttributeError:  # pragma: no cover - another codec: ask Whoosh per document
        n = perdoc.doc_count_all()
        return bytes(length_to_byte(perdoc.doc_field_length(d, fieldname, 0)) for d in range(n))


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


def _open_index(path: Path, attempts: int = 10):
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


def _commit(writer, **kwargs) -> None:
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


def _fresh_dir(link: Path) -> Path:
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
        aside = _fresh_dir(link)
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
