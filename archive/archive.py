"""The archive: a canonical store of articles and a search index derived from it.

This is the library's public face; the CLI only parses arguments, calls it and renders.

    from archive import Archive
    with Archive.open("index", create=True) as ar:
        for outcome in ar.ingest_inputs(["seeds/"]):
            print(outcome)
        print(ar.search("superalignment").hits[0].snippet)
"""

from __future__ import annotations

import errno
import json
import os
import re
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Callable, Iterable, Iterator

from . import query as aq
from .config import EngineConfig
from .dates import date_bound
from .dates import now_iso as _now
from .engine.whoosh_backend import INDEX_DIR, LOCK_FILE, STORE_FILE  # noqa: F401 (a Whoosh archive's files)
from .errors import ArchiveError, NoArchive, NotFound, QueryError, ReadError, disk_error
from .lock import write_lock
from .model import Article, Hit, IngestOutcome, Paragraph, SearchResult

PENDING_FILE = "pending.json"
# A batch is committed (store and index) and acknowledged when it reaches either size: each
# Whoosh commit writes a segment and may merge, so bigger batches ingest faster.
BATCH_ARTICLES = 2_000
BATCH_PARAGRAPHS = 20_000
MEMORY_MB = 1024  # what a write may use by default (see MemoryPlan)
MIN_MEMORY_MB = 200  # Python, the modules, an open store and searcher: below this, nothing fits
SUGGEST_BELOW = 3  # offer a spelling when a query finds fewer hits than this
# Plain-word queries: up to this many words must all match; a longer one (a pasted sentence,
# a claim) ranks paragraphs with any of its words, best first (chosen on SciFact train).
ALL_WORDS_UP_TO = 3
COORD = None
TITLE_WEIGHT = 0.3  # how much a match in an article's headline lifts all its paragraphs
SENTENCE_STOPS = True  # drop common function words from long (any-word) queries
EMBED_BATCH = 64  # articles per batch when ingest embeds them
COUNT_UP_TO = 1_000  # hits are counted exactly up to here; beyond, the total is "1,000+"


@dataclass
class SearchOptions:
    limit: int = 10
    page: int = 1
    source: str | None = None
    since: str | None = None  # a date bound as date_bound() accepts it
    until: str | None = None
    article: str | None = None  # an id or unique prefix
    kind: str | None = None
    lang: str | None = None
    by_article: bool = False
    context: int = 0
    sort: str = "relevance"
    snippet_length: int = 240
    suggest: bool = True
    facets: list[str] = field(default_factory=list)  # of FACETS
    per_article: int = 0  # with N > 0: the top N paragraphs of each article, grouped under it
    explain: bool = False
    snippets: bool = True  # False: hits carry no snippet (a ranking-only caller)
    semantic: bool = True  # False: a sentence query ranks by words alone, even with embeddings


FACETS = ("source", "date", "kind", "tag", "lang")


@dataclass
class Metadata:
    """Metadata given on the command line, applied to every article read."""

    title: str | None = None
    source: str | None = None
    date: str | None = None
    url: str | None = None
    author: str | None = None
    lang: str | None = None
    tags: list[str] = field(default_factory=list)

    def as_overrides(self) -> dict:
        d = {k: v for k, v in self.__dict__.items() if v and k != "tags"}
        if self.tags:
            d["tags"] = list(self.tags)
        return d


@dataclass(frozen=True)
class MemoryPlan:
    """How a write (ingest, import, rebuild) spends a memory budget, in megabytes of the
    process's peak resident size. Beyond a fixed part (the interpreter, the modules, the open
    store and searcher: about 150 MB), the memory goes to the batch of articles held before a
    commit (about 20 MB per 1,000 paragraphs as read, stored and indexed) and to Whoosh's
    posting pool, which spills sorted runs to disk when full (so a smaller pool costs speed,
    not correctness). The default, 1,024 MB, keeps the batch sizes the archive always used
    (with a 374 MB pool where it had 512); the measured peaks are in benchmarks/RESULTS.md."""

    memory_mb: int
    batch_paragraphs: int
    batch_articles: int
    writer_mb: int

    @classmethod
    def for_budget(cls, memory_mb: int | None = None) -> "MemoryPlan":
        mb = MEMORY_MB if memory_mb is None else memory_mb
        if mb < MIN_MEMORY_MB:
            raise ArchiveError(f"memory {mb}: a write needs at least {MIN_MEMORY_MB} MB", setting="memory")
        spare = mb - 150
        paragraphs = max(1_000, min(BATCH_PARAGRAPHS, spare * 1_000 // 20 // 2))  # half the rest to the batch
        writer = max(16, min(512, spare - paragraphs * 20 // 1_000 - 100))  # the pool, less its own overhead
        return cls(mb, paragraphs, max(100, min(BATCH_ARTICLES, paragraphs // 10)), writer)


class Archive:
    """An archive: the library's entry point. Open one with :meth:`open` (or make one with
    :meth:`init`); it is engine-blind, and asks its backend (``archive.engine``) for the store,
    the index and their lifecycle. Safe to search from several threads at once."""

    def __init__(self, path: Path, backend) -> None:
        self.path = path
        self.backend = backend
        self.lock_timeout = 300.0
        self.on_wait: Callable[[str], None] | None = None
        # Embed added articles for semantic ranking: None = when the model is installed (and
        # ARCHIVE_SEMANTIC is not off), False = never (a fast bulk load; `embed` catches up).
        self.embed_on_ingest: bool | None = None
        self.set_memory(None)

    @property
    def store(self):
        return self.backend.store

    @property
    def engine(self):
        """The search index (the name earlier versions used)."""
        return self.backend.index

    def set_memory(self, memory_mb: int | None) -> MemoryPlan:
        """Bound what writes use (megabytes of peak resident memory; None: the default)."""
        self.memory = MemoryPlan.for_budget(memory_mb)
        self.backend.set_memory(self.memory.writer_mb)
        return self.memory

    # -- opening ----------------------------------------------------------------------------

    @classmethod
    def open(cls, path: str | os.PathLike, *, create: bool = False) -> "Archive":
        """Open the archive at ``path``; with ``create``, make one if there is none (a Whoosh
        archive, or whatever ARCHIVE_ENGINE / ARCHIVE_URL ask for)."""
        from .engine import DEFAULT_ENGINE, backend_class

        path = Path(path)
        config = EngineConfig.load(path)
        if config is None and not (path / STORE_FILE).exists():
            if not create:
                raise NoArchive(
                    f"no archive at {path}",
                    hint="add articles to make one: archive ingest seeds/ (or pick another with --index)",
                )
            return cls.init(path, EngineConfig.from_env())
        name = config.engine if config is not None else DEFAULT_ENGINE
        # (with create: another process may be making this archive at this moment)
        return cls(path, backend_class(name).open(path, config, create=create))

    @classmethod
    def init(cls, path: str | os.PathLike, config: "EngineConfig") -> "Archive":
        """Make a new archive at ``path`` on the engine ``config`` names. On OpenSearch, an
        archive of that name already in the cluster is joined (another machine's, say)."""
        from .engine import backend_class

        path = Path(path)
        if EngineConfig.load(path) is not None or (path / STORE_FILE).exists():
            raise ArchiveError(f"there is already an archive at {path}", hint="pick another --index, or use it as it is")
        if path.exists() and not path.is_dir():
            raise ArchiveError(f"{path} exists and is not a directory")
        return cls(path, backend_class(config.engine).create(path, config))

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
        pending = self.path / PENDING_FILE
        if not pending.exists() and not pending.is_symlink():
            return
        ids = _read_journal(pending)
        if ids is None:  # a journal that cannot be trusted: set it aside, and rebuild the index from the store
            aside = pending.with_name(f"{PENDING_FILE}.bad-{int(time.time())}")
            os.replace(pending, aside)
            self._rebuild_locked()
            return
        known = self.store.article_ids()
        self.engine.apply([self.store.get(i) for i in ids if i in known], [i for i in ids if i not in known])
        pending.unlink()

    def _commit(self, upserts: dict[str, Article], deletes: list[str]) -> None:
        """Write the engine, then commit the store (the caller holds a store transaction).
        A journal of the ids being written lets the next writer repair a crash in between."""
        pending = self.path / PENDING_FILE
        ids = list(upserts) + deletes
        with open(pending, "w") as f:
            json.dump(ids, f)
            f.flush()
            os.fsync(f.fileno())
        prepare = getattr(self.store, "prepare", None)
        if prepare is not None:  # a shared store claims new ids before the index is written
            prepare()
        _crash_point("before-index")
        with self._reading_index():
            self.engine.apply(list(upserts.values()), deletes)
        _crash_point("after-index")

    def ingest(self, articles: Iterable[Article | ReadError]) -> Iterator[IngestOutcome | ReadError]:
        """Add articles; yield what happened to each (or the ReadError given in its place).

        Each outcome is yielded only once its batch is committed to store and index both.
        """
        batch: list[Article | ReadError] = []
        paragraphs = 0
        with self._locked():
            self._recover()
            # Embedding takes about 0.1 s an article: smaller batches keep the progress bar
            # moving and commit work as it is done (the commit is small beside the embedding).
            embedding = self._embedding()
            most = min(self.memory.batch_articles, EMBED_BATCH) if embedding else self.memory.batch_articles
            for item in articles:
                batch.append(item)
                paragraphs += len(item.paragraphs) if isinstance(item, Article) else 0
                if len(batch) >= most or paragraphs >= self.memory.batch_paragraphs:
                    yield from self._ingest_batch(batch, embedding)
                    batch, paragraphs = [], 0
            if batch:
                yield from self._ingest_batch(batch, embedding)

    def _ingest_batch(self, batch: list[Article | ReadError], embedding: bool) -> list[IngestOutcome | ReadError]:
        outcomes: list[IngestOutcome | ReadError] = []
        upserts: dict[str, Article] = {}
        with self.store.transaction():
            prefetch = getattr(self.store, "prefetch", None)
            if prefetch is not None:  # a remote store looks a batch up in a few requests
                prefetch([a for a in batch if isinstance(a, Article)])
            self._canonical_tags([a for a in batch if isinstance(a, Article)])
            for article in batch:
                if isinstance(article, ReadError):
                    outcomes.append(article)
                    continue
                outcome, stored = self._place(article, upserts)
                outcomes.append(outcome)
                if stored is not None:
                    upserts[stored.id] = stored
            if upserts and embedding:
                from .semantic import MODEL, embed_articles

                for article_id, blob in embed_articles(upserts.values()).items():
                    self.store.put_vector(article_id, MODEL, blob)
            if upserts:
                self._commit(upserts, [])
        (self.path / PENDING_FILE).unlink(missing_ok=True)
        return outcomes

    def _place(self, article: Article, written: dict[str, Article]) -> tuple[IngestOutcome, Article | None]:
        """Decide what ``article`` is (archive.identity): a new article, a new version or new
        metadata of a stored one (merged over it, the old state kept as a version), or nothing
        new; store it accordingly (inside the batch's transaction)."""
        from . import identity

        existing = self.store.find_existing(article)
        note = None
        if existing is not None and existing[1] == article.content_hash():
            unchanged = IngestOutcome("unchanged", existing[0], article.title, len(article.paragraphs), article.origin)
            return unchanged, None
        if existing is not None:
            old = written.get(existing[0]) or self.store.get(existing[0])
            earlier = [v["version"] for v in old.versions if article.source_hash and
                       v.get("source_hash") == article.source_hash and article.source_hash != old.source_hash]
            if earlier:  # the bytes of a version it has had: nothing new (a revert would be a stealth edit)
                note = f"the bytes of its version {earlier[-1]}; the current text is newer"
                return IngestOutcome("unchanged", old.id, old.title, len(old.paragraphs), article.origin,
                                     note=note), None  # fmt: skip
            merged = identity.merge(old, article)
            change = identity.change(old, merged)
            if change is None:
                return IngestOutcome("unchanged", old.id, old.title, len(old.paragraphs), article.origin), None
            merged.versions.append(identity.snapshot(old, _now(), change))
            article, action = merged, "updated"
        else:
            article.id, action, change = self.store.new_id(article), "added", None
            other = self.store.same_headline(article)
            if other is not None:
                note = f"another article has the same headline: {other}"
        self.store.put(article, article.content_hash())
        outcome = IngestOutcome(action, article.id, article.title, len(article.paragraphs), article.origin, change, note)
        return outcome, article

    def _canonical_tags(self, articles: list[Article]) -> None:
        """Each tag as the archive first saw it (``openai`` becomes ``OpenAI`` if that came
        first), so tag filters and facets treat spellings as one tag."""
        from .identity import tag_key

        keys = {tag_key(t) for a in articles for t in a.tags}
        if not keys:
            return
        known = self.store.tag_names(keys)
        new: dict[str, str] = {}
        for a in articles:
            tags: dict[str, str] = {}
            for t in a.tags:
                k = tag_key(t)
                if k not in known:
                    known[k] = new[k] = t
                tags.setdefault(k, known[k])
            a.tags = list(tags.values())
        if new:
            self.store.add_tag_names(new)

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
        return {"active": reason is None, "model": semantic.MODEL, "articles": articles, "embedded": embedded,
                "reason": reason}  # fmt: skip

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
                vectors = semantic.embed_articles(articles)
                with self.store.transaction():
                    for article_id, blob in vectors.items():
                        self.store.put_vector(article_id, semantic.MODEL, blob)
                done += len(vectors)
                if progress is not None:
                    for _ in vectors:
                        progress(None)
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
                           hint="give the full id, or allow prefixes") from None  # fmt: skip
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
                for i in ids:
                    self.store.delete(i)
                self._commit({}, ids)
            (self.path / PENDING_FILE).unlink(missing_ok=True)
        return removed

    def set_metadata(self, article_id: str, changes: dict[str, str | None], add_tags: Iterable[str] = (),
                     remove_tags: Iterable[str] = ()) -> IngestOutcome:  # fmt: skip
        """Correct an article's metadata (``changes``: title, source, author, date, url, lang; an
        empty value clears the field) and tags, in the store and the index together. The
        previous state is kept as a version. ``article_id`` is an exact id."""
        from . import identity
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
                self._canonical_tags([new])
                if identity.change(old, new) is None:
                    return IngestOutcome("unchanged", old.id, old.title, len(old.paragraphs), old.origin)
                new.versions.append(identity.snapshot(old, _now(), "metadata"))
                from .semantic import MODEL

                kept = self.store.vectors([article_id], MODEL) if new.title == old.title else {}
                self.store.put(new, new.content_hash())
                for blob in kept.values():  # the embedded text (headline, decks, body) is the same
                    self.store.put_vector(article_id, MODEL, blob)
                self._commit({article_id: new}, [])
            (self.path / PENDING_FILE).unlink(missing_ok=True)
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
            (self.path / PENDING_FILE).unlink(missing_ok=True)
        return before, self.engine.segment_count()

    def rebuild(self, progress: Callable[[int], None] | None = None) -> int:
        """Recreate the index from the store and swap it in; return the article count."""
        with self._locked():
            n = self._rebuild_locked(progress)
            (self.path / PENDING_FILE).unlink(missing_ok=True)
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
        ours = self.store.summaries("id")
        if progress is not None:
            progress(len(ours))
        counts = {"added": 0, "updated": 0, "unchanged": 0}

        def articles() -> Iterator[Article]:
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
        """Every article as a JSON-ready record (what ``archive import`` reads back)."""
        for a in self.store.iter_articles():
            yield {
                "id": a.id, "title": a.title, "source": a.source, "author": a.author, "date": a.date,
                "url": a.url, "lang": a.lang, "tags": a.tags, "ingested_at": a.ingested_at, "origin": a.origin,
                "source_hash": a.source_hash, "paragraphs": [p.to_dict() for p in a.paragraphs],
                **({"versions": a.versions} if a.versions else {}),
            }  # fmt: skip

    # -- reading ----------------------------------------------------------------------------

    def get(self, ref: str) -> Article:
        return self.store.get(self.store.resolve(ref))

    def list(self, sort: str = "date"):
        return self.store.summaries(sort)

    def stats(self) -> dict:
        s = self.store.stats()
        try:
            s["segments"] = self.engine.segment_count()
            s["index_problem"] = None
        except ArchiveError as e:  # the store's counts still stand; say what is wrong with the index
            s["segments"], s["index_problem"] = 0, e.message
        s["index_bytes"] = self.engine.size_bytes()
        s.update(self.backend.stats())
        s["path"] = str(self.path)
        s["engine"] = self.engine.name
        s["semantic"] = self.semantic_status()
        return s

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
        pending = self.path / PENDING_FILE
        if pending.exists() or pending.is_symlink():
            if _read_journal(pending) is None:
                problems.append(f"the journal {pending} is damaged (the next write sets it aside and rebuilds the index)")
            else:
                problems.append("an interrupted write left a journal (the next ingest repairs it)")
        return problems

    def _indexed_keys(self) -> list[tuple[str, int]]:
        return self.engine.paragraph_keys()

    # -- searching --------------------------------------------------------------------------

    def search(self, query: str, options: SearchOptions | None = None, **kw) -> SearchResult:
        """Ranked paragraphs for ``query`` (the query language of archive.query)."""
        with self._reading_index():
            return self._search(query, options, **kw)

    @contextmanager
    def _reading_index(self) -> Iterator[None]:
        """A failure to read the index (a damaged or vanished file) is one error that says how
        to repair it, never a traceback."""
        try:
            yield
        except (ArchiveError, AttributeError, NameError, TypeError):  # (those are bugs: the funnel reports them)
            raise
        except Exception as e:  # Whoosh reports a damaged block as a bare Exception ("Block tag error")
            if os.environ.get("ARCHIVE_TRACEBACK", "") not in ("", "0"):  # a bug report wants the original
                raise
            if isinstance(e, OSError) and e.errno in (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES):
                raise disk_error(e, self.path, "writing the search index") from None
            detail = " ".join(str(e).split())[:160]
            raise ArchiveError(f"the search index of {self.describe()} cannot be read "
                               f"({type(e).__name__}: {detail})",
                               hint="rebuild it from the store with: archive rebuild") from None  # fmt: skip

    def _search(self, query: str, options: SearchOptions | None = None, **kw) -> SearchResult:
        from .engine.base import EngineQuery

        opts = options or SearchOptions(**kw)
        if opts.limit < 1:
            raise QueryError("limit must be at least 1", setting="limit")
        if opts.page < 1:
            raise QueryError("page must be at least 1", setting="page")
        unknown = [f for f in opts.facets if f not in FACETS]
        if unknown:
            raise QueryError(f"facets: no facet {unknown[0]!r} (use {', '.join(FACETS)})", setting="facets")
        started = time.perf_counter()
        node = aq.parse(query)
        filters = self._filters(opts)
        groups = self.store.synonym_groups()
        words = aq.plain_words(node)
        strict = aq.expand_synonyms(node, groups)
        match, node, strict_total = "all", strict, None
        if words is not None and len(words) > ALL_WORDS_UP_TO:
            if SENTENCE_STOPS:
                from .analysis import SENTENCE_STOP_WORDS

                kept = [w for w in words if w.text.lower().strip("?.,!:;'’\"") not in SENTENCE_STOP_WORDS]
                words = kept or words
            node, match = aq.expand_synonyms(aq.any_of(words, COORD), groups), "any"
        offset = (opts.page - 1) * opts.limit
        by_article = opts.by_article or opts.per_article > 0

        def run(node: aq.Node, match: str):
            # The headline lift is for short queries: on long ones it made no difference on
            # SciFact train (nDCG@10 0.657 without, 0.656 with) and took 2.7 times as long.
            lift = TITLE_WEIGHT if match == "all" else 0.0
            limit, skip = opts.limit, offset
            if blending(match):  # the best candidates, re-ranked below, then the page
                from .semantic import CANDIDATES

                limit, skip = max(CANDIDATES, offset + opts.limit), 0
            eq = EngineQuery(node, filters, limit=limit, offset=skip, sort=opts.sort, title_weight=lift,
                             by_article=by_article, per_article=max(1, opts.per_article),
                             count_up_to=COUNT_UP_TO, explain=opts.explain)  # fmt: skip
            return eq, self.engine.search(eq)

        ready: list[bool] = []

        def blending(match: str) -> bool:
            if not (match == "any" and opts.semantic and opts.sort == "relevance"):
                return False
            if not ready:
                ready.append(self.semantic_status()["active"])
            return ready[0]

        equery, res = run(node, match)
        if match == "all" and words is not None and len(words) > 1 and res.total == 0:
            strict_total = 0  # nothing has every word: rank by the most of them
            node, match = aq.expand_synonyms(aq.any_of(words, COORD), groups), "any"
            equery, res = run(node, match)
        meaning = blending(match)
        blended: dict[tuple[str, int], object] = {}
        if meaning and res.hits:
            from . import semantic as sem

            qv = sem.embed_query(query)
            vectors = self.store.vectors({h.article_id for h in res.hits}, sem.MODEL)
            order = sem.blend([h.score for h in res.hits], [h.article_id for h in res.hits], qv, vectors)
            page = order[offset : offset + opts.limit]
            for b in page:
                blended[(res.hits[b.index].article_id, res.hits[b.index].n)] = b
                res.hits[b.index].score = b.score
            res.hits = [res.hits[b.index] for b in page]
        hits = self._hits(res.hits, node, opts, offset, res.per_article if by_article else None, res.rows)
        if opts.explain:
            found = {(eh.article_id, eh.n): eh for eh in res.hits}
            for hit in hits:
                hit.explain = self.engine.explain(equery, found[(hit.article_id, hit.paragraph)])
                b = blended.get((hit.article_id, hit.paragraph))
                if b is not None:  # what the blend made of the word-match and the meaning
                    from .semantic import LEXICAL_WEIGHT, MODEL

                    hit.explain[:0] = [
                        {"field": "(meaning)", "term": f"similarity {b.similarity:.3f} by {MODEL}",
                         "score": round((1 - LEXICAL_WEIGHT) * b.similarity, 4)},
                        {"field": "(words)", "term": f"word match {b.lexical:.3f} of the best",
                         "score": round(LEXICAL_WEIGHT * b.lexical, 4)},
                    ]  # fmt: skip
        total, total_exact = res.total, res.total_exact
        facets = self.engine.facets(EngineQuery(node, filters), list(opts.facets)) if opts.facets else None
        suggestion = None
        if strict_total is None and match == "all":
            strict_total = total
        if opts.suggest and strict_total is not None and strict_total < SUGGEST_BELOW:
            suggestion = self._suggest(query, strict, filters, strict_total)
        took = (time.perf_counter() - started) * 1000
        return SearchResult(query, total, took, opts.page, opts.limit, hits, suggestion, by_article, match, facets,
                            total_exact, "words+meaning" if meaning else "words")

    def _hits(self, found: list, node: aq.Node | None, opts: SearchOptions, offset: int,
              counts: dict[str, int] | None, known: dict | None = None) -> list[Hit]:  # fmt: skip
        """Engine hits made into Hits: metadata and text from the store, snippets, context."""
        from .snippets import Matcher, make_snippet

        keys = [(h.article_id, h.n) for h in found] + [(i.article_id, i.n) for h in found for i in h.inner]
        rows = dict(known or {})  # what the engine's search brought back
        rows.update(self.store.hit_rows([k for k in dict.fromkeys(keys) if k not in rows]))
        matcher = Matcher.from_query(node) if node is not None and opts.snippets else None

        def make(h, rank: int) -> Hit | None:
            row = rows.get((h.article_id, h.n))
            if row is None:  # index ahead of store (an interrupted write): skip, check reports it
                return None
            snippet = make_snippet(row.text, matcher.spans(row.text) if matcher else [], opts.snippet_length)
            hit = Hit(
                rank=rank, score=h.score, article_id=h.article_id, paragraph=h.n, kind=row.kind,
                title=row.title, source=row.source, author=row.author, date=row.date, url=row.url,
                text=row.text, snippet=snippet.html(),
                matched_paragraphs=counts.get(h.article_id) if counts is not None else None,
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

    def related(self, ref: str, para: int | None = None, limit: int = 10) -> SearchResult:
        """Articles most like article ``ref`` (or, with ``para``, paragraphs most like that
        paragraph), by more-like-this over its distinctive words."""
        from .engine.base import EngineQuery

        started = time.perf_counter()
        article = self.get(ref)
        if para is not None:
            chosen = [p for p in article.paragraphs if p.n == para]
            if not chosen:
                raise QueryError(f"para {para}: {article.id} has {len(article.paragraphs)} paragraphs", setting="para")
            text = chosen[0].text
        else:
            text = "\n".join(p.text for p in article.paragraphs)
        equery = EngineQuery(aq.Term(None, ""), limit=limit, by_article=para is None, title_weight=0)
        res = self.engine.more_like(text, article.id, equery)
        opts = SearchOptions(limit=limit, snippets=False)
        hits = self._hits(res.hits, None, opts, 0, res.per_article if para is None else None, res.rows)
        label = f"related:{article.id}" + (f"#{para}" if para is not None else "")
        took = (time.perf_counter() - started) * 1000
        return SearchResult(label, res.total, took, 1, limit, hits, None, para is None, "any")

    def _filters(self, opts: SearchOptions) -> list[aq.Node]:
        filters: list[aq.Node] = []
        if opts.source:
            filters.append(aq.Phrase("source", opts.source))
        if opts.since or opts.until:
            try:
                lo = date_bound(opts.since, end=False) if opts.since else None
                hi = date_bound(opts.until, end=True) if opts.until else None
            except ValueError as e:
                raise QueryError(f"since/until: {e}", setting="since/until") from None
            filters.append(aq.Range("date", lo, hi))
        if opts.article:
            filters.append(aq.Term("article", self.store.resolve(opts.article)))
        if opts.kind:
            filters.append(aq.Term("kind", opts.kind))
        if opts.lang:
            filters.append(aq.Term("lang", opts.lang.lower()))
        return filters

    def _suggest(self, query: str, node: aq.Node, filters: list[aq.Node], total: int) -> str | None:
        from .engine.base import EngineQuery

        mapping: dict[str, str] = {}
        for leaf in aq.positive_leaves(node):
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
        corrected = aq.replace_words(node, mapping)
        if self.engine.count(EngineQuery(corrected, filters, count_up_to=total + 1)) <= total:  # more, or not
            return None
        out = query
        for wrong, right in mapping.items():
            out = re.sub(rf"(?<!\w){re.escape(wrong)}(?!\w)", _same_case(right), out, flags=re.I)
        return out


def _read_journal(pending: Path) -> list[str] | None:
    """The ids a killed writer was writing, or None if the journal is not a list of ids."""
    try:
        ids = json.loads(pending.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return None
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        return None
    return ids


def _crash_point(name: str) -> None:
    """Tests kill a writer here (ARCHIVE_CRASH_AT=name) to prove an interrupted write is repaired."""
    if os.environ.get("ARCHIVE_CRASH_AT") == name:
        import signal

        os.kill(os.getpid(), signal.SIGKILL)


def _same_case(word: str) -> Callable[[re.Match[str]], str]:
    def repl(m: re.Match[str]) -> str:
        w = m.group()
        if w.isupper() and len(w) > 1:
            return word.upper()
        if w[:1].isupper():
            return word[:1].upper() + word[1:]
        return word

    return repl
