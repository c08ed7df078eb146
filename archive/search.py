"""The searcher: a query in, ranked hits with snippets out, in explicit steps that can each
be read and tested alone:

    plan      parse the query, expand synonyms, decide all-words or any-words, build filters
    run       ask the index (archive.engine) for a page of matches
    fall back nothing has every word: rank by the most of them
    blend     a sentence query re-ranked by meaning as well as words (archive.semantic)
    fill in   metadata and text (from the search result or the store), snippets, context
    explain   why each hit ranked
    facets    counts per source, month, kind, tag, language
    suggest   did you mean

It holds no state between searches: one Searcher serves any number of threads.
"""

from __future__ import annotations

import re
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Iterator

from . import query as aq
from .dates import date_bound
from .errors import ArchiveError, QueryError, disk_error
from .model import Hit, SearchResult
from .ranking import EVIDENCE_POOL, EVIDENCE_POWER, EVIDENCE_WORDS, TITLE_WEIGHT
from .settings import settings

if TYPE_CHECKING:
    from .archive import Archive
    from .engine.base import EngineQuery, EngineResult, Index, Store

SUGGEST_BELOW = 3  # offer a spelling when a query finds fewer hits than this
# Plain-word queries: up to this many words must all match; a longer one (a pasted sentence,
# a claim) ranks paragraphs with any of its words, best first (chosen on SciFact train).
ALL_WORDS_UP_TO = 3
COUNT_UP_TO = 1_000  # hits are counted exactly up to here; beyond, the total is "1,000+"
# With copies in the archive a page asks for the hits up to its end, from the first (a copy
# folds under a passage shown before it), and FOLD_EXTRA more; when folding leaves it short, for
# FOLD_FETCH times as many. (A second search costs more than ten more hits in the first.)
FOLD_EXTRA = 10
FOLD_FETCH = 3
FOLD_MAX = 320  # a page that folding left short asks again, for twice as many, up to this
SORTS = ("relevance", "date", "oldest")
FACETS = ("source", "date", "day", "kind", "tag", "lang")  # date: by month; day: by day
# Recall by meaning under filters: the nearest this many times as many articles as there is
# room for are asked for, and the first that pass the filters kept.
MEANING_OVERFETCH = 5
LEDE_WITHIN = 20  # an article found by meaning shows its first body paragraph among its first 20


@dataclass
class SearchOptions:
    """Everything about a search but its query: paging, filters, grouping, sorting, snippets."""

    limit: int = 10
    page: int = 1
    source: str | None = None
    since: str | None = None  # a date bound as date_bound() accepts it
    until: str | None = None
    article: str | None = None  # an id or unique prefix
    kind: str | None = None
    lang: str | None = None
    tag: str | None = None  # only articles with this tag (any case)
    added_since: str | None = None  # only articles added then or later (archive.dates.moment_bound)
    added_until: str | None = None
    exclude_articles: tuple[str, ...] = ()  # never these articles (what a watch has shown already)
    by_article: bool = False
    context: int = 0
    sort: str = "relevance"  # or "date" (newest first) or "oldest" (who reported it first: dated only)
    snippet_length: int = 240
    suggest: bool = True
    facets: list[str] = field(default_factory=list)  # of FACETS
    per_article: int = 0  # with N > 0: the top N paragraphs of each article, grouped under it
    explain: bool = False
    snippets: bool = True  # False: hits carry no snippet (a ranking-only caller)
    semantic: bool = True  # False: a sentence query ranks by words alone, even with embeddings
    recall_by_meaning: bool = True  # False: only what words found (articles are not brought in by meaning)
    all_copies: bool = False  # True: copies of a passage are hits of their own (archive.copies)


@dataclass(eq=False)  # (compared by no one: eq costs start-up time)
class Plan:
    """What a search will ask, decided before the index is asked anything."""

    query: str
    opts: SearchOptions
    strict: aq.Node  # the query as written, synonyms expanded
    node: aq.Node  # what is run: ``strict``, or any of its words
    match: str  # "all" or "any"
    words: list[aq.Term] | None  # the query's plain words, if it is nothing else
    filters: list[aq.Node]
    groups: list[list[str]]
    offset: int
    by_article: bool
    strict_total: int | None = None  # how many matched every word, once known
    meaning: bool | None = None  # whether sentence queries blend meaning (asked once)
    fold: bool = False  # whether copies of a passage fold under it (the archive has copies)
    sentence: bool = False  # a long query of plain words (a pasted sentence, a claim)
    by_meaning: set[tuple[str, int]] = field(default_factory=set)  # hits no word found (blend adds them)


@contextmanager
def index_errors(where: str) -> Iterator[None]:
    """A failure to read (or write) the index, as one error that says how to repair it. Bugs
    (AttributeError, NameError, TypeError) go on to the error funnel as they are."""
    try:
        yield
    except (ArchiveError, AttributeError, NameError, TypeError):
        raise
    except Exception as e:  # Whoosh reports a damaged block as a bare Exception ("Block tag error")
        if settings().traceback:  # a bug report wants the original
            raise
        import errno

        if isinstance(e, OSError) and e.errno in (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES):
            raise disk_error(e, where, "writing the search index") from None
        detail = " ".join(str(e).split())[:160]
        raise ArchiveError(f"the search index of {where} cannot be read ({type(e).__name__}: {detail})",
                           hint="rebuild it from the store with: archive rebuild") from None  # fmt: skip


class Searcher:
    def __init__(self, archive: "Archive") -> None:
        self.archive = archive

    @property
    def store(self) -> "Store":
        return self.archive.store

    @property
    def index(self) -> "Index":
        return self.archive.engine

    # -- the steps ----------------------------------------------------------------------------

    def search(self, query: str, opts: SearchOptions) -> SearchResult:
        with index_errors(self.archive.describe()):
            started = time.perf_counter()
            plan = self.plan(query, opts)
            equery, res = self.run(plan)
            if plan.match == "all" and plan.words is not None and len(plan.words) > 1 and res.total == 0:
                equery, res = self.fall_back(plan)
            priors = self.weigh_evidence(plan, res)
            blended = self.blend(plan, res)
            total = res.total
            folded: dict[tuple[str, int], list[dict]] = {}
            if plan.fold:
                if plan.by_article and res.total_exact:  # a story counts once, on every page alike
                    total = self._stories(plan, res)
                fetched = len(res.hits)
                folded, n_folded = self.fold_copies(res, plan)
                while n_folded and len(res.hits) < opts.limit and fetched < min(res.total, FOLD_MAX) and not blended:
                    # (so many copies that the page came out short: ask for more, a few times at most)
                    equery, res = self.run(plan, wide=True, at_least=min(2 * fetched, FOLD_MAX))
                    priors = self.weigh_evidence(plan, res, size=len(res.hits))  # (a rare path: weigh them all)
                    fetched = len(res.hits) if len(res.hits) > fetched else res.total  # (nothing more: stop)
                    folded, n_folded = self.fold_copies(res, plan)
            hits = self.fill_in(res, plan.node, opts, plan.offset, res.per_article if plan.by_article else None,
                                plan.by_meaning)  # fmt: skip
            for hit in hits:
                hit.copies = folded.get((hit.article_id, hit.paragraph), [])
            if opts.explain:
                self.explain(equery, res, hits, blended, priors)
            facets = self.facets(plan) if opts.facets else None
            suggestion = self.suggest(plan, res.total)
            took = (time.perf_counter() - started) * 1000
            return SearchResult(query, total, took, opts.page, opts.limit, hits, suggestion, plan.by_article,
                                plan.match, facets, res.total_exact,
                                "words+meaning" if plan.meaning and plan.match == "any" else "words")  # fmt: skip

    def plan(self, query: str, opts: SearchOptions) -> Plan:
        if opts.limit < 1:
            raise QueryError("limit must be at least 1", setting="limit")
        if opts.page < 1:
            raise QueryError("page must be at least 1", setting="page")
        if opts.sort not in SORTS:
            raise QueryError(f"sort: use one of {', '.join(SORTS)}", setting="sort")
        unknown = [f for f in opts.facets if f not in FACETS]
        if unknown:
            raise QueryError(f"facets: no facet {unknown[0]!r} (use {', '.join(FACETS)})", setting="facets")
        node = aq.parse(query)
        groups = self.store.synonym_groups()
        words = aq.plain_words(node)
        strict = aq.expand_synonyms(node, groups)
        plan = Plan(query, opts, strict, strict, "all", words, self.filters(opts), groups,
                    (opts.page - 1) * opts.limit, opts.by_article or opts.per_article > 0)  # fmt: skip
        plan.fold = not opts.all_copies and self.store.has_copies()
        if words is not None and len(words) > ALL_WORDS_UP_TO:
            from .analysis import SENTENCE_STOP_WORDS  # common function words leave a long query

            kept = [w for w in words if w.text.lower().strip("?.,!:;'’\"") not in SENTENCE_STOP_WORDS]
            plan.words = kept or words
            plan.sentence = True
            plan.node, plan.match = aq.expand_synonyms(aq.any_of(plan.words), groups), "any"
        return plan

    def _blending(self, plan: Plan) -> bool:
        """Whether this search ranks by meaning too (a sentence query, every article embedded)."""
        opts = plan.opts
        if not (plan.match == "any" and opts.semantic and opts.sort == "relevance"):
            return False
        if plan.meaning is None:
            plan.meaning = self.archive.semantic_status()["active"]
        return plan.meaning

    def run(self, plan: Plan, wide: bool = False, at_least: int = 0) -> tuple["EngineQuery", "EngineResult"]:
        """Ask the index. With copies in the archive, for the hits up to the page's end and
        FOLD_EXTRA more (``wide``: FOLD_FETCH times as many, or ``at_least``, to fill a page
        that folding left short)."""
        from .engine.base import EngineQuery

        opts = plan.opts
        # The headline lift is for short queries: on long ones it made no difference on
        # SciFact train (nDCG@10 0.657 without, 0.656 with) and took 2.7 times as long.
        lift = TITLE_WEIGHT if plan.match == "all" else 0.0
        limit, skip = opts.limit, plan.offset
        if plan.fold:
            end = plan.offset + opts.limit
            limit, skip = (end * FOLD_FETCH + FOLD_EXTRA if wide else end + FOLD_EXTRA), 0
        if self._weighing(plan):  # the best matches, ranked again by weigh_evidence(), then the page
            limit, skip = max(EVIDENCE_POOL, limit + skip), 0
        if self._blending(plan):  # the best candidates, re-ranked by blend(), then the page
            from .semantic import CANDIDATES

            limit, skip = max(CANDIDATES, limit + skip), 0
        if at_least > limit + skip:
            limit, skip = at_least, 0
        eq = EngineQuery(plan.node, plan.filters, limit=limit, offset=skip, sort=opts.sort, title_weight=lift,
                         by_article=plan.by_article, per_article=max(1, opts.per_article),
                         count_up_to=COUNT_UP_TO, explain=opts.explain)  # fmt: skip
        return eq, self.index.search(eq)

    def fall_back(self, plan: Plan) -> tuple["EngineQuery", "EngineResult"]:
        """Nothing has every word: rank by the most of them."""
        assert plan.words is not None
        plan.strict_total = 0
        plan.node, plan.match = aq.expand_synonyms(aq.any_of(plan.words), plan.groups), "any"
        return self.run(plan)

    def _weighing(self, plan: Plan) -> bool:
        """Whether passages are weighed as evidence (archive.ranking: a passage search by relevance)."""
        return plan.opts.sort == "relevance" and not plan.by_article

    def weigh_evidence(self, plan: Plan, res: "EngineResult", size: int = EVIDENCE_POOL) -> dict[tuple[str, int], tuple[float, int]]:
        """Rank the best ``size`` passages again by their worth as evidence (their length;
        archive.ranking), keep the page unless a later step pages; return each
        passage's (prior, words) for explain. The rows read here are kept for the page."""
        if not self._weighing(plan) or not res.hits:
            return {}
        pool = res.hits[:size]
        missing = [(h.article_id, h.n) for h in pool if (h.article_id, h.n) not in res.rows]
        if missing:
            res.rows.update(self.store.hit_rows(missing))
        priors: dict[tuple[str, int], tuple[float, int]] = {}
        for h in pool:
            row = res.rows.get((h.article_id, h.n))
            if row is None:  # (index ahead of store: fill_in skips it)
                continue
            words = passage_words(row.text)
            prior = min(1.0, words / EVIDENCE_WORDS) ** EVIDENCE_POWER
            priors[(h.article_id, h.n)] = (prior, words)
            h.score *= prior
        res.hits = sorted(pool, key=lambda h: -h.score) + res.hits[size:]
        if not plan.fold and not self._blending(plan):
            res.hits = res.hits[plan.offset : plan.offset + plan.opts.limit]
        return priors

    def blend(self, plan: Plan, res: "EngineResult") -> dict[tuple[str, int], object]:
        """Re-rank a sentence query's candidates by words and meaning (with the articles
        nearest by meaning when the candidates leave room), and keep the page."""
        if not self._blending(plan):
            return {}
        from . import semantic as sem

        qv = sem.embed_query(plan.query)
        self.recall_by_meaning(plan, res, qv)
        if not res.hits:
            return {}
        vectors = self.store.vectors({h.article_id for h in res.hits}, sem.MODEL)
        order = sem.blend([h.score for h in res.hits], [h.article_id for h in res.hits], qv, vectors)
        page = order if plan.fold else order[plan.offset : plan.offset + plan.opts.limit]
        blended: dict[tuple[str, int], object] = {}
        for b in page:
            blended[(res.hits[b.index].article_id, res.hits[b.index].n)] = b
            res.hits[b.index].score = b.score
        res.hits = [res.hits[b.index] for b in page]
        return blended

    def recall_by_meaning(self, plan: Plan, res: "EngineResult", query_vector) -> None:
        """Add to a sentence query's candidates the articles nearest it by meaning that no word
        found (archive.semantic: only while the candidates leave room, at most MEANING_HITS,
        at least MEANING_FLOOR close), each as its first paragraph that passes the filters
        (its lede when body text passes), with a word-match score of 0."""
        from . import semantic as sem
        from .engine.base import EngineHit, EngineQuery

        room = min(sem.MEANING_HITS, sem.CANDIDATES - len(res.hits))
        if not (plan.sentence and plan.opts.recall_by_meaning) or room <= 0:
            return
        have = {h.article_id for h in res.hits}
        wanted = room * MEANING_OVERFETCH if plan.filters else room  # (some may not pass the filters)
        near = [(a, c) for a, c in self.store.nearest(query_vector, sem.MODEL, wanted, exclude=have)
                if c >= sem.MEANING_FLOOR]  # fmt: skip
        if not near:
            return
        eq = EngineQuery(ids_filter([a for a, _ in near]), plan.filters, limit=len(near), by_article=True,
                         title_weight=0.0)  # fmt: skip
        passed = {h.article_id: h.n for h in self.index.search(eq).hits}
        chosen = [a for a, _ in near if a in passed][:room]
        # Each is shown by its first body paragraph (or, when the search keeps one kind, its
        # first of that kind) among its first LEDE_WITHIN, read for all of them at once.
        rows = self.store.hit_rows([(a, n) for a in chosen for n in range(1, LEDE_WITHIN + 1)])
        kind = plan.opts.kind or "body"
        res.hits = list(res.hits)
        for article_id in chosen:
            n = next((n for n in range(1, LEDE_WITHIN + 1) if (article_id, n) in rows and
                      rows[(article_id, n)].kind == kind), passed[article_id])  # fmt: skip
            if (article_id, n) in rows:
                res.rows[(article_id, n)] = rows[(article_id, n)]
            res.hits.append(EngineHit(article_id, n, 0.0))
            plan.by_meaning.add((article_id, n))
        res.total += len(chosen)

    def fill_in(self, res: "EngineResult", node: aq.Node | None, opts: SearchOptions, offset: int,
                counts: dict[str, int] | None, by_meaning: set[tuple[str, int]] = frozenset()) -> list[Hit]:  # fmt: skip
        """Engine hits made into Hits: metadata and text (what the search brought back, the
        rest from the store), snippets, context. A hit found by meaning alone has no word to
        mark: its snippet is the paragraph's start."""
        from .snippets import Matcher, make_snippet

        found = res.hits
        keys = [(h.article_id, h.n) for h in found] + [(i.article_id, i.n) for h in found for i in h.inner]
        rows = dict(res.rows)
        rows.update(self.store.hit_rows([k for k in dict.fromkeys(keys) if k not in rows]))
        matcher = Matcher.from_query(node) if node is not None and opts.snippets else None

        def make(h, rank: int) -> Hit | None:
            row = rows.get((h.article_id, h.n))
            if row is None:  # index ahead of store (an interrupted write): skip, check reports it
                return None
            meaning = (h.article_id, h.n) in by_meaning
            spans = matcher.spans(row.text) if matcher and not meaning else []
            snippet = make_snippet(row.text, spans, opts.snippet_length)
            hit = Hit(
                rank=rank, score=h.score, article_id=h.article_id, paragraph=h.n, kind=row.kind,
                title=row.title, source=row.source, author=row.author, date=row.date, url=row.url,
                text=row.text, snippet=snippet.html(),
                matched_paragraphs=counts.get(h.article_id) if counts is not None else None,
                matched="meaning" if meaning else "words",
            )  # fmt: skip
            hit.segments = snippet.segments
            return hit

        hits: list[Hit] = []
        for i, h in enumerate(found):
            hit = make(h, offset + i + 1)
            if hit is None:
                continue
            hit.inner = [x for x in (make(inner, 0) for inner in h.inner) if x is not None]
            if opts.context > 0:
                hit.context = [p for p in self.store.paragraphs(h.article_id, h.n - opts.context, h.n + opts.context)
                               if p.n != h.n]  # fmt: skip
            hits.append(hit)
        return hits

    def _stories(self, plan: Plan, res: "EngineResult") -> int:
        """How many matching articles there are with a group of copies counted once (by
        article, when the count is exact: at most COUNT_UP_TO articles are looked at)."""
        from .engine.base import EngineQuery

        if len(res.hits) >= res.total:
            ids = {h.article_id for h in res.hits}
        else:
            eq = EngineQuery(plan.node, plan.filters, limit=res.total, by_article=True, title_weight=0.0,
                             count_up_to=COUNT_UP_TO)  # fmt: skip
            ids = {h.article_id for h in self.index.search(eq).hits}
        links = self.store.copy_links(ids)
        return len({links[i][0] if i in links else i for i in ids})

    def fold_copies(self, res: "EngineResult", plan: Plan) -> tuple[dict[tuple[str, int], list[dict]], int]:
        """Each passage once: a hit from a copy of an article already shown (archive.copies)
        folds under that hit when it is the same passage, or both are headlines (or, by
        article, whatever its passage); where the group's original is among them, it is the one shown, in the place
        the best of them earned. Leaves the page's hits in ``res``; returns what folded under
        each of them and how many hits folded. Only the articles in a group of copies are read."""
        hits, page = res.hits, slice(plan.offset, plan.offset + plan.opts.limit)
        links = self.store.copy_links({h.article_id for h in hits})
        if not links:  # (no hit is a copy: nothing folds)
            res.hits = hits[page]
            return {}, 0
        originals = {o for o, _ in links.values()}
        grouped = [h for h in hits if h.article_id in links or h.article_id in originals]
        if not plan.by_article:
            missing = [(h.article_id, h.n) for h in grouped if (h.article_id, h.n) not in res.rows]
            res.rows.update(self.store.hit_rows(missing))
        shown: list = []
        home_of: dict[str, list] = {}  # a group's original -> its hits shown so far
        folded_under: dict[int, list] = {}  # id(a shown hit) -> the hits folded under it
        n_folded = 0
        for h in hits:
            root = links[h.article_id][0] if h.article_id in links else h.article_id
            row = res.rows.get((h.article_id, h.n))
            home = None
            if root in originals:
                for s in home_of.get(root, []):
                    if s.article_id != h.article_id and (plan.by_article or (
                            row is not None and _same_place(res.rows[(s.article_id, s.n)], row))):
                        home = s
                        break
            if home is None:
                shown.append(h)
                if root in originals and (plan.by_article or row is not None):
                    home_of.setdefault(root, []).append(h)
                continue
            n_folded += 1
            folded_under.setdefault(id(home), []).append(h)
        copies: dict[tuple[str, int], list[dict]] = {}
        for i, home in enumerate(shown):
            under = folded_under.get(id(home))
            if not under:
                continue
            members = [home] + under
            root = links[home.article_id][0] if home.article_id in links else home.article_id
            first = next((m for m in members if m.article_id == root), home)  # the passage as first published
            if first is not home:
                first.score = home.score  # (in the place the passage earned)
                shown[i] = first
            rows = self.store.hit_rows([(m.article_id, m.n) for m in members if (m.article_id, m.n) not in res.rows])
            res.rows.update(rows)
            copies[(first.article_id, first.n)] = [{
                "article_id": m.article_id, "source": res.rows[(m.article_id, m.n)].source,
                "url": res.rows[(m.article_id, m.n)].url, "date": res.rows[(m.article_id, m.n)].date,
                "paragraph": m.n, "similarity": round(links[m.article_id][1], 3) if m.article_id in links else None,
            } for m in members if m is not first and (m.article_id, m.n) in res.rows]  # fmt: skip
        res.hits = shown[page]
        return copies, n_folded

    def explain(self, equery: "EngineQuery", res: "EngineResult", hits: list[Hit],
                blended: dict[tuple[str, int], object], priors: dict[tuple[str, int], tuple[float, int]]) -> None:  # fmt: skip
        found = {(eh.article_id, eh.n): eh for eh in res.hits}
        for hit in hits:
            # (a hit found by meaning alone matched no word: the engine has nothing to explain)
            eh = found[(hit.article_id, hit.paragraph)]
            hit.explain = [] if hit.matched == "meaning" else self.index.explain(equery, eh)
            weighed = priors.get((hit.article_id, hit.paragraph))
            if weighed is not None:  # the match score times the passage's worth as evidence:
                for part in hit.explain:  # the parts still add up to the score
                    part["score"] = round(part["score"] * weighed[0], 4)
                hit.explain.insert(0, {"field": "(evidence)", "term": f"{hit.kind}, {weighed[1]} words",
                                       "factor": round(weighed[0], 4)})  # fmt: skip
            b = blended.get((hit.article_id, hit.paragraph))
            if b is not None:  # what the blend made of the word-match and the meaning
                from .semantic import LEXICAL_WEIGHT, MODEL

                hit.explain[:0] = [
                    {"field": "(meaning)", "term": f"similarity {b.similarity:.3f} by {MODEL}",
                     "score": round((1 - LEXICAL_WEIGHT) * b.similarity, 4)},
                    {"field": "(words)", "term": "no word of the query" if hit.matched == "meaning"
                     else f"word match {b.lexical:.3f} of the best", "score": round(LEXICAL_WEIGHT * b.lexical, 4)},
                ]  # fmt: skip

    def facets(self, plan: Plan) -> dict[str, list[dict]]:
        from .engine.base import EngineQuery

        return self.index.facets(EngineQuery(plan.node, plan.filters), list(plan.opts.facets))

    def suggest(self, plan: Plan, total: int) -> str | None:
        """Did you mean: the query with each misspelt word replaced, if that finds more."""
        from .engine.base import EngineQuery

        strict_total = total if plan.strict_total is None and plan.match == "all" else plan.strict_total
        if not plan.opts.suggest or strict_total is None or strict_total >= SUGGEST_BELOW:
            return None
        mapping: dict[str, str] = {}
        for leaf in aq.positive_leaves(plan.strict):
            if not (isinstance(leaf, aq.Term) and leaf.field is None):
                continue
            word = leaf.text.lower()
            if not word.isalpha() or len(word) < 3:
                continue
            known = self.store.word_count(word)
            cands = self.store.corrections(word)
            if cands and (known == 0 or cands[0][2] >= 20 * known):
                mapping[word] = cands[0][0]
        if not mapping:
            return None
        corrected = aq.replace_words(plan.strict, mapping)
        if self.index.count(EngineQuery(corrected, plan.filters, count_up_to=strict_total + 1)) <= strict_total:
            return None  # (more, or not at all)
        out = plan.query
        for wrong, right in mapping.items():
            out = re.sub(rf"(?<!\w){re.escape(wrong)}(?!\w)", _same_case(right), out, flags=re.I)
        return out

    def filters(self, opts: SearchOptions) -> list[aq.Node]:
        filters: list[aq.Node] = []
        if opts.source:
            filters.append(aq.Phrase("source", opts.source))
        if opts.since or opts.until:
            try:
                lo = date_bound(opts.since, end=False) if opts.since else None
                hi = date_bound(opts.until, end=True) if opts.until else None
            except ValueError as e:
                raise QueryError(f"since/until: {e}", setting="since/until") from None
            if lo and hi and lo > hi:  # (an error, as date:[…] is: never silently no hits)
                raise QueryError(f"since/until: the range starts after it ends ({lo} > {hi})",
                                 setting="since/until")  # fmt: skip
            filters.append(aq.Range("date", lo, hi))
        if opts.article:
            filters.append(aq.Term("article", self.store.resolve(opts.article)))
        if opts.kind:
            filters.append(aq.Term("kind", opts.kind))
        if opts.lang:
            filters.append(aq.Term("lang", opts.lang.lower()))
        if opts.added_since or opts.added_until:
            filters.append(self._added(opts))
        if opts.exclude_articles:
            filters.append(aq.Not(ids_filter(list(opts.exclude_articles))))
        if opts.sort == "oldest":  # the earliest first: what has no date cannot be among them
            filters.append(aq.Range("date", "0000-00-00", None))
        if opts.tag and opts.tag.strip():
            filters.append(aq.Term("tag", " ".join(opts.tag.split()).lower()))
        return filters

    def _added(self, opts: SearchOptions) -> aq.Node:
        """The articles added in the window, as a filter (the store knows when each was added)."""
        from .dates import moment_bound
        from .limits import MAX_ADDED_ARTICLES

        try:
            lo = moment_bound(opts.added_since, end=False) if opts.added_since else None
            hi = moment_bound(opts.added_until, end=True) if opts.added_until else None
        except ValueError as e:
            raise QueryError(f"added since/until: {e}", setting="added since/until") from None
        if lo and hi and lo > hi:
            raise QueryError(f"added since/until: the window starts after it ends ({lo} > {hi})",
                             setting="added since/until")  # fmt: skip
        ids = self.store.added_between(lo, hi, MAX_ADDED_ARTICLES)
        if ids is None:
            raise QueryError(f"added since/until: more than {MAX_ADDED_ARTICLES:,} articles were added then; "
                             "narrow the window, or filter by publication date", setting="added since/until")  # fmt: skip
        if not ids:
            return aq.Term("article", "\x00")  # (no article has this id: nothing matches)
        return ids_filter(ids)

    # -- marks in a whole article ---------------------------------------------------------------

    def marks(self, query: str, paragraphs: list) -> dict[int, list[tuple[str, bool]]]:
        """Each paragraph's text as segments of (text, matched by ``query``), marked as a
        search's snippets are (synonyms, stems, fuzzy words and wildcards included): for
        showing a whole article with the words a search found."""
        from .snippets import Matcher, make_snippet

        plan = self.plan(query, SearchOptions(suggest=False))
        matcher = Matcher.from_query(plan.node)
        return {p.n: make_snippet(p.text, matcher.spans(p.text), len(p.text) + 1).segments for p in paragraphs}

    # -- more like this -----------------------------------------------------------------------

    def related(self, ref: str, para: int | None = None, limit: int = 10) -> SearchResult:
        """Articles most like article ``ref`` (or, with ``para``, paragraphs most like that
        paragraph), by more-like-this over its distinctive words."""
        from .engine.base import EngineQuery

        with index_errors(self.archive.describe()):
            started = time.perf_counter()
            article = self.archive.get(ref)
            if para is not None:
                chosen = [p for p in article.paragraphs if p.n == para]
                if not chosen:
                    raise QueryError(f"para {para}: {article.id} has {len(article.paragraphs)} paragraphs",
                                     setting="para")  # fmt: skip
                text = chosen[0].text
            else:
                text = "\n".join(p.text for p in article.paragraphs)
            equery = EngineQuery(aq.Term(None, ""), limit=limit, by_article=para is None, title_weight=0)
            res = self.index.more_like(text, article.id, equery)
            opts = SearchOptions(limit=limit, snippets=False)
            hits = self.fill_in(res, None, opts, 0, res.per_article if para is None else None)
            label = f"related:{article.id}" + (f"#{para}" if para is not None else "")
            took = (time.perf_counter() - started) * 1000
            return SearchResult(label, res.total, took, 1, limit, hits, None, para is None, "any")


_WIDE = "\u2e80"  # CJK and after: scripts written without spaces


def passage_words(text: str) -> int:
    """How many words a passage has: its spaced words, or in a script written without spaces
    (Chinese, Japanese), one word per two characters. (Counted without a regular expression:
    a class of every character from U+2E80 up takes Python's compiler 2.7 ms.)"""
    spaced = len(text.split())
    if not text or max(text) < _WIDE:
        return spaced
    return max(spaced, sum(c >= _WIDE for c in text) // 2)


def _same_place(a, b) -> bool:
    """Whether two hits' rows (HitRow) from copies of one article are the same passage: the
    headlines of both (a republisher rewrites the headline first), or paragraphs the same by
    the copies' rule on words."""
    return (a.kind == "title" and b.kind == "title") or _same_passage(a.text, b.text)


def _same_passage(a: str, b: str) -> bool:
    from .copies import same_passage  # (loaded only when two hits of one group meet)

    return same_passage(a, b)


def _same_case(word: str) -> Callable[[re.Match[str]], str]:
    def repl(m: re.Match[str]) -> str:
        w = m.group()
        if w.isupper() and len(w) > 1:
            return word.upper()
        if w[:1].isupper():
            return word[:1].upper() + word[1:]
        return word

    return repl


def ids_filter(ids: list[str]) -> aq.Node:
    """Any of these articles."""
    terms = tuple(aq.Term("article", i) for i in sorted(ids))
    return terms[0] if len(terms) == 1 else aq.Or(terms)
