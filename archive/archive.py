"""The archive: a canonical store of articles and a search index derived from it.

This is the library's public face; the CLI only parses arguments, calls it and renders.

    from archive import Archive
    with Archive.open("index", create=True) as ar:
        for outcome in ar.ingest_inputs(["seeds/"]):
            print(outcome)
        print(ar.search("superalignment").hits[0].snippet)
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Callable, Iterable, Iterator

from .config import EngineConfig
from .dates import now_iso as _now
from .engine.whoosh import INDEX_DIR, LOCK_FILE, STORE_FILE  # noqa: F401 (a Whoosh archive's files)
from .errors import ArchiveError, ArchiveExists, NoArchive, NotFound, QueryError, ReadError
from .lock import write_lock
from .model import Article, Paragraph, SearchResult
from .options import (  # noqa: F401 (as the library has always exported them)
    BATCH_ARTICLES, BATCH_PARAGRAPHS, EMBED_BATCH, MEMORY_MB, MIN_MEMORY_MB, ArchiveOptions, MemoryPlan)
from .journal import PENDING_FILE, Journal  # noqa: F401
from .search import (  # noqa: F401 (the searcher's names, as the library has always exported them)
    ALL_WORDS_UP_TO, COUNT_UP_TO, FACETS, SUGGEST_BELOW, TITLE_WEIGHT, SearchOptions, Searcher, index_errors)
from .settings import settings

if TYPE_CHECKING:
    from .copies import CopyGroup
    from .ingest import Metadata
    from .reports import ArchiveSettings, IngestOutcome, Stats
    from .watches import Watch, WatchNews
    from .engine.base import Backend, Index, Store


class Archive:
    """An archive: the library's entry point. Open one with :meth:`open` (or make one with
    :meth:`init`); it is engine-blind, and asks its backend (``archive.engine``) for the store,
    the index and their lifecycle. Safe to search from several threads at once."""

    def __init__(self, path: Path, backend: "Backend", options: ArchiveOptions | None = None) -> None:
        options = options or ArchiveOptions()
        self.path = path
        self.backend = backend
        self.journal = Journal(path)
        self.searcher = Searcher(self)
        # (see ArchiveOptions; kept as attributes a caller may still change after opening)
        self.lock_timeout = options.lock_timeout
        self.on_wait: Callable[[str], None] | None = options.on_wait
        self.embed_on_ingest: bool | None = options.embed_on_ingest
        self.set_memory(options.memory_mb)

    @property
    def store(self) -> "Store":
        return self.backend.store

    @property
    def engine(self) -> "Index":
        """The search index (the name earlier versions used)."""
        return self.backend.index

    def set_memory(self, memory_mb: int | None) -> MemoryPlan:
        """Bound what writes use (megabytes of peak resident memory; None: the default)."""
        self.memory = MemoryPlan.for_budget(memory_mb)
        self.backend.set_memory(self.memory.writer_mb)
        return self.memory

    # -- opening ----------------------------------------------------------------------------

    @classmethod
    def open(cls, path: str | os.PathLike, *, create: bool = False, options: ArchiveOptions | None = None) -> "Archive":
        """Open the archive at ``path``; with ``create``, make one if there is none (a Whoosh
        archive, or whatever ARCHIVE_ENGINE / ARCHIVE_URL ask for). ``options``: the lock
        timeout, the memory budget, embedding on ingest, a callback for waits."""
        from .engine import DEFAULT_ENGINE, backend_class

        path = Path(path)
        config = EngineConfig.load(path)
        if config is None and not (path / STORE_FILE).exists():
            if not create:
                raise NoArchive(f"no archive at {path}", hint="add articles to make one: archive ingest FILES")
            try:
                return cls.init(path, EngineConfig.from_env(), options)
            except ArchiveExists:  # another process made it a moment ago: use it
                return cls.open(path, create=True, options=options)
        name = config.engine if config is not None else DEFAULT_ENGINE
        # (with create: another process may be making this archive at this moment)
        return cls(path, backend_class(name).open(path, config, create=create), options)

    @classmethod
    def init(cls, path: str | os.PathLike, config: "EngineConfig", options: ArchiveOptions | None = None) -> "Archive":
        """Make a new archive at ``path`` on the engine ``config`` names. On OpenSearch, an
        archive of that name already in the cluster is joined (another machine's, say)."""
        from .engine import backend_class

        path = Path(path)
        if EngineConfig.load(path) is not None or (path / STORE_FILE).exists():
            raise ArchiveExists(f"there is already an archive at {path}", hint="pick another --index, or use it as it is")
        if path.exists() and not path.is_dir():
            raise ArchiveError(f"{path} exists and is not a directory")
        return cls(path, backend_class(config.engine).create(path, config), options)

    def close(self) -> None:
        self.backend.close()

    def __enter__(self) -> "Archive":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- writing ----------------------------------------------------------------------------

    def _locked(self):
        return write_lock(self.path / LOCK_FILE, self.lock_timeout, self.on_wait)

    def _recover(self) -> None:
        """Finish what a killed writer left: re-sync the articles it was writing from the store."""
        self.store.upgrade()
        found = self.store.get_meta("copies_found")  # (the copies rule its band keys were made by)
        if found not in ("1", "2"):  # an archive made before copies were recognised
            self._find_copies()
        elif found == "1":  # made before a Chinese or Japanese character counted as a word
            from .copies import UNSPACED_LANGS

            self._find_copies(UNSPACED_LANGS)
        journal = self.journal
        if not journal.exists():
            return
        ids = journal.read()
        if ids is None:  # a journal that cannot be trusted: set it aside, and rebuild the index from the store
            journal.set_aside()
            self._rebuild_locked()
            return
        known = self.store.article_ids()
        self.engine.apply([self.store.get(i) for i in ids if i in known], [i for i in ids if i not in known])
        journal.clear()

    def _commit(self, upserts: dict[str, Article], deletes: list[str]) -> None:
        """Write the engine, then commit the store (the caller holds a store transaction).
        A journal of the ids being written lets the next writer repair a crash in between."""
        self.journal.write(list(upserts) + deletes)
        self.store.prepare()  # (a shared store claims new ids before the index is written)
        _crash_point("before-index")
        with self._reading_index():
            self.engine.apply(list(upserts.values()), deletes)
        _crash_point("after-index")

    def ingest(self, articles: Iterable[Article | ReadError]) -> Iterator[IngestOutcome | ReadError]:
        """Add articles; yield what happened to each (or the ReadError given in its place).
        Each outcome is yielded only once its batch is committed to store and index both
        (see archive.ingest)."""
        from .ingest import Ingester

        return Ingester(self).run(articles)

    def ingest_inputs(self, inputs: list[str], metadata: Metadata | None = None, stdin: bytes | BinaryIO | None = None,
                      fmt: str | None = None, max_bytes: int | None = None, timeout: float | None = None,
                      progress: Callable[[int | None], None] | None = None,
                      follow_links: bool = False) -> Iterator[IngestOutcome | ReadError]:  # fmt: skip
        """Read files, directories (recursively), URLs and ``-`` (``stdin``: bytes, or a binary
        stream, read a line at a time when ``fmt`` is json), and ingest them.

        ``fmt`` forces a reader (see ``archive.readers.FORMATS``); ``max_bytes`` caps an input's
        size; ``timeout`` bounds each URL fetch; ``follow_links`` reads links in a directory
        that lead out of it. ``progress`` is called once with the estimated
        number of articles, then with None for each article read.
        """
        from .ingest import Metadata
        from .readers import MAX_FILE_BYTES, collect, estimate_articles, read_source

        sources, errors = collect(inputs, follow_links)
        overrides = (metadata or Metadata()).as_overrides()
        if progress is not None:
            progress(estimate_articles(sources))

        limit = max_bytes or MAX_FILE_BYTES
        # Pages are fetched before the write lock is taken: no network wait holds up other writers.
        fetched = {i: list(read_source(source, stdin, overrides, fmt, limit, timeout))
                   for i, source in enumerate(sources) if source.url is not None}  # fmt: skip

        def articles() -> Iterator[Article | ReadError]:
            yield from errors
            for i, source in enumerate(sources):
                items = fetched.pop(i) if i in fetched else read_source(source, stdin, overrides, fmt, limit, timeout)
                for item in items:
                    if progress is not None:
                        progress(None)
                    yield item

        return self.ingest(articles())

    def _embedding(self) -> bool:
        """Whether this write embeds what it adds (see ``embed_on_ingest``)."""
        from . import semantic

        if self.embed_on_ingest is False:
            return False
        reason = semantic.unavailable_reason()
        if reason and self.embed_on_ingest:
            raise ArchiveError(f"cannot embed articles: {reason}")
        return reason is None

    def semantic_status(self) -> dict:
        """Whether sentence queries are ranked by meaning as well as words, and if not, why."""
        from . import semantic

        articles = self.store.article_count()
        embedded = self.store.vector_count(semantic.MODEL)
        reason = semantic.unavailable_reason()
        if reason is None and embedded < articles:
            reason = f"{articles - embedded:,} of {articles:,} articles have no embedding (run: archive embed)"
        return {"active": reason is None, "model": semantic.MODEL, "runtime": semantic.runtime(), "articles": articles,
                "embedded": embedded, "reason": reason}  # fmt: skip

    def embed(self, progress: Callable[[int | None], None] | None = None, batch: int = EMBED_BATCH) -> int:
        """Embed every article that has no embedding yet (articles ingested before the model
        was installed, or with ``embed_on_ingest`` False); return how many were embedded.
        Each batch is committed as it is done, so an interrupted run keeps its work."""
        from . import semantic

        reason = semantic.unavailable_reason()
        if reason:
            raise ArchiveError(f"cannot embed articles: {reason}")
        with self._locked():
            todo = self.store.without_vector(semantic.MODEL)
            if progress is not None:
                progress(len(todo))
            done = 0
            for start in range(0, len(todo), batch):
                articles = [self.store.get(i) for i in todo[start : start + batch]]
                vectors = semantic.embed_articles(articles, progress=_per_article(progress))  # the bar moves per article
                with self.store.transaction():
                    for article_id, blob in vectors.items():
                        self.store.put_vector(article_id, semantic.MODEL, blob)
                done += len(vectors)
        return done

    def drop_embeddings(self) -> int:
        """Forget every article's embedding (sentence queries rank by words alone)."""
        with self._locked(), self.store.transaction():
            return self.store.drop_vectors()

    def exact_ids(self, refs: list[str], prefixes: bool = False) -> list[str]:
        """The ids ``refs`` name, each once: exact ids only (a write must never land on another
        article because an id was mistyped or already gone), or unique prefixes too when
        ``prefixes`` is true. Raises NotFound for the first that names nothing."""
        out: list[str] = []
        for ref in refs:
            if self.store.has(ref):
                out.append(ref)
                continue
            if prefixes:
                out.append(self.store.resolve(ref))
                continue
            try:
                near = self.store.resolve(ref)
            except NotFound:
                raise NotFound(f"no article with id {ref!r}", hint="see the ids with: archive list") from None
            raise NotFound(f"no article with id {ref!r} (it is the start of {near!r})",
                           hint="give the full id, or allow prefixes", setting="prefixes") from None  # fmt: skip
        return list(dict.fromkeys(out))

    def remove(self, refs: list[str], prefixes: bool = False, dry_run: bool = False) -> list[Article]:
        """Remove articles by exact id (or unique prefix, with ``prefixes``); return what was
        removed (or, with ``dry_run``, what would be). Nothing is removed unless every ref
        names an article."""
        if dry_run:
            return [self.store.get(i) for i in self.exact_ids(refs, prefixes)]
        with self._locked():
            self._recover()
            ids = self.exact_ids(refs, prefixes)
            removed = [self.store.get(i) for i in ids]
            with self.store.transaction():
                from .copies import Copies

                copies = Copies(self.store)
                for i in ids:  # (removing an original hands its copies to the earliest of them)
                    copies.forget(i)
                    self.store.delete(i)
                self._commit({}, ids)
            self.journal.clear()
        return removed

    def set_metadata(self, article_id: str, changes: dict[str, str | None], add_tags: Iterable[str] = (),
                     remove_tags: Iterable[str] = ()) -> IngestOutcome:  # fmt: skip
        """Correct an article's metadata (``changes``: title, source, author, date, url, lang; an
        empty value clears the field) and tags, in the store and the index together. The
        previous state is kept as a version. ``article_id`` is an exact id."""
        from . import identity
        from .reports import IngestOutcome
        from .dates import parse_date

        unknown = set(changes) - set(identity.METADATA_FIELDS)
        if unknown:
            raise ArchiveError(f"cannot set {sorted(unknown)[0]!r} (fields: {', '.join(identity.METADATA_FIELDS)})")
        values: dict[str, str | None] = {}
        for name, value in changes.items():
            value = " ".join(value.split()) if value else None
            if name == "title" and not value:
                raise ArchiveError("an article's title cannot be empty")
            if name == "date" and value:
                iso = parse_date(value)
                if iso is None:
                    raise ArchiveError(f"date {value!r} is not a date (use YYYY-MM-DD)")
                value = iso
            if name == "lang" and value:
                value = value.lower()
            values[name] = value
        with self._locked():
            self._recover()
            (article_id,) = self.exact_ids([article_id])
            old = self.store.get(article_id)
            new = identity.merge(old, old)
            new.paragraphs = [Paragraph(p.n, p.kind, p.text, p.credit) for p in old.paragraphs]
            for name, value in values.items():
                setattr(new, name, value)
            if "title" in values and new.paragraphs and new.paragraphs[0].kind == "title":
                new.paragraphs[0].text = new.title
            dropped = {identity.tag_key(t) for t in remove_tags}
            new.tags = identity.merge_tags([t for t in old.tags if identity.tag_key(t) not in dropped],
                                           [t for t in add_tags if t.strip()])  # fmt: skip
            if new.url and identity.url_key(new.url) != identity.url_key(old.url):
                other = self.store.find_existing(Article(new.title, [], url=new.url))
                if other is not None and other[0] != article_id:
                    raise ArchiveError(f"{new.url} is already the address of {other[0]!r}",
                                       hint="an address names one article")  # fmt: skip
            with self.store.transaction():
                from .ingest import Ingester

                Ingester(self).canonical_tags([new])
                if identity.change(old, new) is None:
                    return IngestOutcome("unchanged", old.id, old.title, len(old.paragraphs), old.origin)
                new.versions.append(identity.snapshot(old, _now(), "metadata"))
                from .semantic import MODEL

                kept = self.store.vectors([article_id], MODEL) if new.title == old.title else {}
                self.store.put(new, new.content_hash())
                for blob in kept.values():  # the embedded text (headline, decks, body) is the same
                    self.store.put_vector(article_id, MODEL, blob)
                if "date" in values:  # (which of a group came first may have changed)
                    from .copies import Copies

                    Copies(self.store, {article_id: new}).place(new)
                self._commit({article_id: new}, [])
            self.journal.clear()
        return IngestOutcome("updated", new.id, new.title, len(new.paragraphs), new.origin, "metadata")

    def version(self, ref: str, n: int | None = None) -> Article:
        """Version ``n`` of an article (1 is the first read; None, the current one)."""
        from .identity import version_article

        current = self.get(ref)
        total = len(current.versions) + 1
        if n is None:
            return current
        if not 1 <= n <= total:
            raise NotFound(f"{current.id} has no version {n} (it has {total})")
        return version_article(current, n)

    def diff(self, ref: str, old: int | None = None, new: int | None = None):
        """What changed between versions ``old`` and ``new`` of an article (by default the one
        before the current, and the current)."""
        from .diff import diff_articles
        from .identity import version_article

        current = self.get(ref)
        total = len(current.versions) + 1
        new = total if new is None else new
        old = (new - 1 if new > 1 else 1) if old is None else old
        for n in (old, new):
            if not 1 <= n <= total:
                raise NotFound(f"{current.id} has no version {n} (it has {total})")
        return diff_articles(current.id, version_article(current, old), version_article(current, new), old, new)

    def add_synonyms(self, terms: list[str]) -> list[str]:
        """Make ``terms`` find each other in searches; returns the whole group."""
        if len([t for t in terms if t.strip()]) < 2:
            raise QueryError("synonyms: give at least two terms, e.g. OpenAI \"Open AI\"")
        with self.store.transaction():
            return self.store.add_synonyms(terms)

    # -- saved searches -----------------------------------------------------------------------

    def watches(self) -> list["Watch"]:
        """Every saved search, by name."""
        from .watches import Watch

        return [Watch.from_record(name, rec) for name, rec in self.store.watches().items()]

    def add_watch(self, name: str, query: str, options: SearchOptions | None = None) -> "Watch":
        """Save a search as ``name`` (its query must be one the archive can run)."""
        from .watches import Watch

        options = options or SearchOptions()
        watch = Watch.of(name, query, options, _now())
        if name in self.store.watches():
            raise ArchiveExists(f"there is already a watch named {name!r}", hint="remove it first, or pick another name",
                                setting="name")  # fmt: skip
        self.searcher.plan(query, watch.search_options(suggest=False))  # refuses a query or filter it cannot run
        with self.store.transaction():
            self.store.put_watch(name, watch.record())
        return watch

    def remove_watch(self, name: str) -> None:
        with self.store.transaction():
            if not self.store.remove_watch(name):
                raise NotFound(f"no watch named {name!r}", hint="archive watch list shows them")

    def watch(self, name: str, everything: bool = False, limit: int = 20) -> "WatchNews":
        """What ``name`` finds among the articles added since it was last shown (``everything``:
        among all of them), the best ``limit`` hits; then it remembers this showing."""
        from .watches import Watch, WatchNews

        records = self.store.watches()
        if name not in records:
            raise NotFound(f"no watch named {name!r}", hint="archive watch list shows them")
        watch = Watch.from_record(name, records[name])
        shown_at = _now()  # taken first: what is added while this runs is new next time
        since = None if everything else watch.last_shown
        seen = tuple(watch.shown_at_boundary) if since else ()
        result = self.search(watch.query, watch.search_options(limit=limit, added_since=since, exclude_articles=seen))
        watch.last_shown = shown_at
        watch.shown_at_boundary = self.store.added_between(shown_at, shown_at, 1_000) or []
        with self.store.transaction():
            self.store.put_watch(name, watch.record())
        return WatchNews(watch, since, shown_at, result)

    def settings(self) -> ArchiveSettings:
        """What belongs to the archive itself (its synonyms and saved searches), as an export carries it."""
        from .reports import ArchiveSettings

        return ArchiveSettings(self.synonym_groups(), [w.to_dict() for w in self.watches()])

    def synonym_groups(self) -> list[list[str]]:
        """Every group of terms that find each other."""
        return self.store.synonym_groups()

    def counts(self) -> dict:
        """The store's counts (articles, paragraphs, dates, sources, kinds, languages), without
        asking the index anything."""
        return self.store.stats()

    def remove_synonym(self, term: str) -> None:
        with self.store.transaction():
            if not self.store.remove_synonym(term):
                raise QueryError(f"synonyms: {term!r} is not in any group")

    def optimize(self) -> tuple[int, int]:
        """Merge the index into one segment; return (segments before, after)."""
        with self._locked():
            self._recover()
            before = self.engine.optimize()
            self.journal.clear()
        return before, self.engine.segment_count()

    def rebuild(self, progress: Callable[[int], None] | None = None) -> int:
        """Recreate the index from the store and swap it in; return the article count."""
        with self._locked():
            n = self._rebuild_locked(progress)
            self.journal.clear()
        return n

    def _rebuild_locked(self, progress: Callable[[int], None] | None = None) -> int:
        count = 0

        def articles():
            nonlocal count
            for a in self.store.iter_articles():
                count += 1
                if progress:
                    progress(count)
                yield a

        self.backend.rebuild(articles(), self.memory.writer_mb)
        self.set_memory(self.memory.memory_mb)
        return count

    def migrate(self, dest: "Archive", progress: Callable[[int | None], None] | None = None) -> dict:
        """Copy every article into ``dest`` (ids, paragraphs and ingestion times kept), then
        check that ``dest`` holds each of them with the same paragraph count."""
        from .reports import IngestOutcome

        if dest.describe() == self.describe() or dest.path.resolve() == self.path.resolve():
            raise ArchiveError(f"{dest.describe()} is the archive being copied", hint="copy it into another archive")
        ours = self.store.summaries("id")
        if progress is not None:
            progress(len(ours))
        counts = {"added": 0, "updated": 0, "unchanged": 0}

        def articles() -> Iterator[Article | ArchiveSettings]:
            yield self.settings()  # the archive's own settings travel too
            for a in self.store.iter_articles():
                if progress is not None:
                    progress(None)
                yield a

        # Embeddings travel with their articles (computing them again would take ~0.1 s each).
        from .semantic import MODEL

        embed, dest.embed_on_ingest = dest.embed_on_ingest, False
        try:
            for outcome in dest.ingest(articles()):
                if isinstance(outcome, IngestOutcome):
                    counts[outcome.action] += 1
        finally:
            dest.embed_on_ingest = embed
        ids = [s.id for s in ours]
        with dest._locked():
            for start in range(0, len(ids), 1000):
                vectors = self.store.vectors(ids[start : start + 1000], MODEL)
                with dest.store.transaction():
                    for article_id, blob in vectors.items():
                        dest.store.put_vector(article_id, MODEL, blob)
        theirs = {s.id: s.paragraphs for s in dest.store.summaries("id")}
        missing = [s.id for s in ours if theirs.get(s.id) != s.paragraphs]
        if missing:
            raise ArchiveError(
                f"{len(missing)} of {len(ours)} articles did not arrive whole in {dest.path} (e.g. {missing[0]})",
                hint="run the same migrate again: articles already copied are left as they are",
            )
        return {"articles": len(ours), "paragraphs": sum(s.paragraphs for s in ours), "from": self.describe(),
                "to": dest.describe(), **counts}  # fmt: skip

    def describe(self) -> str:
        """Where this archive lives, for messages: a path, or a cluster and name."""
        return self.backend.describe()

    def export(self) -> Iterator[dict]:
        """Every article as a JSON-ready record (what ``archive import`` reads back), after the
        archive's own settings (its synonyms) when it has any."""
        settings = self.settings()
        if settings:
            yield settings.to_dict()
        for a in self.store.iter_articles():
            yield {
                "id": a.id, "title": a.title, "source": a.source, "author": a.author, "date": a.date,
                "url": a.url, "lang": a.lang, "tags": a.tags, "ingested_at": a.ingested_at, "origin": a.origin,
                "source_hash": a.source_hash, "paragraphs": [p.to_dict() for p in a.paragraphs],
                **({"versions": a.versions} if a.versions else {}),
            }  # fmt: skip

    # -- reading ----------------------------------------------------------------------------

    def get(self, ref: str) -> Article:
        """The article ``ref`` names (an id or a unique prefix), with its place among copies."""
        article = self.store.get(self.store.resolve(ref))
        assert article.id
        link = self.store.copy_links([article.id]).get(article.id)
        if link is not None:
            article.copy_of, article.similarity = link
        article.copies = [m for m, _ in self.store.copy_members([article.id]).get(article.id, [])]
        return article

    def list(self, sort: str = "date"):
        return self.store.summaries(sort)

    def stats(self) -> Stats:
        from .reports import Stats

        counts = self.store.stats()
        try:
            segments, problem = self.engine.segment_count(), None
        except ArchiveError as e:  # the store's counts still stand; say what is wrong with the index
            segments, problem = 0, e.message
        extra = self.backend.stats()
        return Stats(**counts, segments=segments, index_problem=problem, index_bytes=self.engine.size_bytes(),
                     store_bytes=extra.pop("store_bytes"), path=str(self.path), engine=self.backend.name,
                     semantic=self.semantic_status(), engine_info=extra)  # fmt: skip

    def check(self) -> list[str]:
        """Problems between store and index, each a sentence; empty when all agree."""
        problems: list[str] = []
        stored = self.store.paragraph_keys()
        try:
            indexed_list = self._indexed_keys()
            self.engine.verify()
        except ArchiveError as e:
            return [e.message]
        except Exception as e:  # a damaged index is exactly what check is for
            return [f"the index is damaged: it cannot be read ({e.__class__.__name__}: {' '.join(str(e).split())[:160]})"]
        indexed = set(indexed_list)
        if len(indexed_list) != len(indexed):
            problems.append(f"{len(indexed_list) - len(indexed)} paragraphs are in the index more than once")
        missing = stored - indexed
        orphans = indexed - stored
        if missing:
            arts = sorted({a for a, _ in missing})
            problems.append(f"{len(missing)} paragraphs of {len(arts)} articles are missing from the index "
                            f"(e.g. {arts[0]})")  # fmt: skip
        if orphans:
            arts = sorted({a for a, _ in orphans})
            problems.append(f"{len(orphans)} paragraphs in the index belong to no stored article (e.g. {arts[0]})")
        if self.journal.exists():
            if self.journal.read() is None:
                problems.append(f"the journal {self.journal.path} is damaged (the next write sets it aside and "
                                "rebuilds the index)")  # fmt: skip
            else:
                problems.append("an interrupted write left a journal (the next ingest repairs it)")
        return problems

    def _indexed_keys(self) -> list[tuple[str, int]]:
        return self.engine.paragraph_keys()

    # -- searching --------------------------------------------------------------------------

    def search(self, query: str, options: SearchOptions | None = None, **kw) -> SearchResult:
        """Ranked paragraphs for ``query`` (the query language of archive.query); see
        archive.search for the steps."""
        return self.searcher.search(query, options or SearchOptions(**kw))

    def timeline(self, query: str, options: SearchOptions | None = None, by: str | None = None):
        """How many articles matching ``query`` appeared per day, week, month or year (``by``;
        None: chosen by the span), and the first and latest of them (archive.timeline)."""
        from .timeline import story_timeline

        return story_timeline(self, query, options or SearchOptions(), by)

    # -- copies (archive.copies) ------------------------------------------------------------

    def _find_copies(self, langs: tuple[str, ...] | None = None) -> None:
        """Recognise the copies among every stored article (``langs``: those in these
        languages), oldest first: once, for an archive made before copies were recognised, or
        before the rule changed for those languages (under the write lock)."""
        from .copies import RULE, Copies

        with self.store.transaction():
            copies = Copies(self.store)
            if langs is None:
                for article in self.store.iter_articles():
                    copies.place(article)
            else:
                chosen = sorted((s.ingested_at or "", s.id) for s in self.store.summaries("id") if s.lang in langs)
                for _, article_id in chosen:
                    copies.place(self.store.get(article_id))
            self.store.set_meta("copies_found", RULE)

    def copy_groups(self, ref: str | None = None) -> list["CopyGroup"]:
        """The archive's groups of copies, each its original and its copies earliest first, the
        groups by their original's date; with ``ref``, the group of that article (an original or
        a copy; empty if it has none)."""
        from .copies import CopyGroup, CopyMember, order_key

        if ref is not None:
            article_id = self.exact_ids([ref], prefixes=True)[0]
            link = self.store.copy_links([article_id]).get(article_id)
            originals = [link[0] if link else article_id]
        else:
            originals = sorted({o for o, _ in self.store.copy_links().values()})
        members = self.store.copy_members(originals)
        groups = []
        for original in originals:
            if original not in members:
                continue
            arts = {i: self.store.get(i) for i in [original] + [m for m, _ in members[original]]}

            def member(i: str, sim: float | None) -> CopyMember:
                a = arts[i]
                return CopyMember(i, a.title, a.source, a.date, a.url, a.ingested_at, sim)

            copies = sorted(members[original], key=lambda m: order_key(arts[m[0]]))
            groups.append(CopyGroup(member(original, None), [member(i, s) for i, s in copies]))
        groups.sort(key=lambda g: (g.original.date or (g.original.ingested_at or "")[:10], g.original.ingested_at or "",
                                   g.original.article_id))  # fmt: skip
        return groups

    def marks(self, article: Article, query: str) -> dict[int, list[tuple[str, bool]]]:
        """``article``'s paragraphs as segments of (text, matched by ``query``): the words a
        search for ``query`` found, marked through the whole article."""
        return self.searcher.marks(query, article.paragraphs)

    def related(self, ref: str, para: int | None = None, limit: int = 10) -> SearchResult:
        """Articles most like article ``ref`` (or, with ``para``, paragraphs most like that
        paragraph), by more-like-this over its distinctive words."""
        return self.searcher.related(ref, para, limit)

    @contextmanager
    def _reading_index(self) -> Iterator[None]:
        with index_errors(self.describe()):
            yield


def _per_article(progress: Callable[[int | None], None] | None) -> Callable[[int], None] | None:
    """A progress callback of k articles done, as one call per article (the CLI's bar)."""
    if progress is None:
        return None

    def moved(k: int) -> None:
        for _ in range(k):
            progress(None)

    return moved


def _crash_point(name: str) -> None:
    """Tests kill a writer here (ARCHIVE_CRASH_AT=name) to prove an interrupted write is repaired."""
    if settings().crash_at == name:
        import signal

        os.kill(os.getpid(), signal.SIGKILL)


def __getattr__(name: str):
    """``Ingester`` and ``Metadata``, as this module has always exported them (loaded when
    asked for: a search does not need the ingester)."""
    if name in ("Ingester", "Metadata"):
        from . import ingest

        return getattr(ingest, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
