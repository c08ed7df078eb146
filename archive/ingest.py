"""Adding articles: the metadata given with an ingest, and the ingester: batches under the
write lock (sized by archive.options.MemoryPlan), each article placed by the identity rules
(archive.identity) as added, updated or unchanged, embedded when the model is there, and
acknowledged only once its batch is committed to index and store.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable, Iterator, NamedTuple

from .dates import now_iso as _now
from .errors import ReadError
from .options import (  # noqa: F401 (the write's sizes, as this module has always exported them)
    BATCH_ARTICLES, BATCH_PARAGRAPHS, EMBED_BATCH, MEMORY_MB, MIN_MEMORY_MB, ArchiveOptions, MemoryPlan)
from .model import Article

if TYPE_CHECKING:
    from .archive import Archive
    from .reports import ArchiveSettings, IngestOutcome


class Metadata(NamedTuple):
    """Metadata given with an ingest (the command line's flags, the web page's form), applied
    to every article read."""

    title: str | None = None
    source: str | None = None
    date: str | None = None
    url: str | None = None
    author: str | None = None
    lang: str | None = None
    tags: list[str] | tuple[str, ...] = ()

    def as_overrides(self) -> dict:
        d = {k: v for k, v in self._asdict().items() if v and k != "tags"}
        if self.tags:
            d["tags"] = list(self.tags)
        return d


class Ingester:
    """One ingest: ``run`` is a generator; the write lock is taken at its first step."""

    def __init__(self, archive: "Archive") -> None:
        self.archive = archive

    def run(self, articles: Iterable[Article | ReadError]) -> Iterator[IngestOutcome | ReadError]:
        """Add articles; yield what happened to each (or the ReadError given in its place).

        Each outcome is yielded only once its batch is committed to store and index both.
        """
        from .reports import ArchiveSettings

        batch: list[Article | ReadError] = []
        paragraphs = 0
        with self.archive._locked():
            self.archive._recover()
            # Embedding takes about 0.1 s an article: smaller batches keep the progress bar
            # moving and commit work as it is done (the commit is small beside the embedding).
            embedding = self.archive._embedding()
            most = min(self.archive.memory.batch_articles, EMBED_BATCH) if embedding else self.archive.memory.batch_articles
            for item in articles:
                if isinstance(item, ArchiveSettings):  # an export's synonyms: they belong to the archive
                    self.apply_settings(item)
                    continue
                batch.append(item)
                paragraphs += len(item.paragraphs) if isinstance(item, Article) else 0
                if len(batch) >= most or paragraphs >= self.archive.memory.batch_paragraphs:
                    yield from self._batch(batch, embedding)
                    batch, paragraphs = [], 0
            if batch:
                yield from self._batch(batch, embedding)

    def apply_settings(self, settings: ArchiveSettings) -> None:
        """An export's synonyms and saved searches (a saved search of the same name here is kept)."""
        from .watches import Watch

        have = self.archive.store.watches() if settings.watches else {}
        with self.archive.store.transaction():
            for group in settings.synonyms:
                self.archive.store.add_synonyms(group)
            for record in settings.watches:
                name = record.get("name")
                if name and name not in have:
                    self.archive.store.put_watch(name, Watch.from_record(name, record).record())

    def _batch(self, batch: list[Article | ReadError], embedding: bool) -> list[IngestOutcome | ReadError]:
        outcomes: list[IngestOutcome | ReadError] = []
        upserts: dict[str, Article] = {}
        with self.archive.store.transaction():
            from .copies import Copies

            copies = Copies(self.archive.store, upserts)
            # (a store in a cluster looks the whole batch up in a few requests)
            self.archive.store.prefetch([a for a in batch if isinstance(a, Article)])
            self.canonical_tags([a for a in batch if isinstance(a, Article)])
            for article in batch:
                if isinstance(article, ReadError):
                    outcomes.append(article)
                    continue
                outcome, stored = self.place(article, upserts)
                outcomes.append(outcome)
                if stored is not None:
                    upserts[stored.id] = stored
                    found = copies.place(stored, new=outcome.action == "added")
                    if found is not None:
                        outcome.copy_of, outcome.similarity = found
            if upserts and embedding:
                from .semantic import MODEL, embed_articles

                for article_id, blob in embed_articles(upserts.values()).items():
                    self.archive.store.put_vector(article_id, MODEL, blob)
            copies.flush()
            if upserts:
                self.archive._commit(upserts, [])
        self.archive.journal.clear()
        return outcomes

    def place(self, article: Article, written: dict[str, Article]) -> tuple[IngestOutcome, Article | None]:
        """Decide what ``article`` is (archive.identity): a new article, a new version or new
        metadata of a stored one (merged over it, the old state kept as a version), or nothing
        new; store it accordingly (inside the batch's transaction)."""
        from . import identity
        from .reports import IngestOutcome

        existing = self.archive.store.find_existing(article)
        note = None
        if existing is not None and existing[1] == article.content_hash():
            unchanged = IngestOutcome("unchanged", existing[0], article.title, len(article.paragraphs), article.origin)
            return unchanged, None
        if existing is not None:
            old = written.get(existing[0]) or self.archive.store.get(existing[0])
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
            article.id, action, change = self.archive.store.new_id(article), "added", None
            other = self.archive.store.same_headline(article)
            if other is not None:
                note = f"another article has the same headline: {other}"
        self.archive.store.put(article, article.content_hash())
        outcome = IngestOutcome(action, article.id, article.title, len(article.paragraphs), article.origin, change, note)
        return outcome, article

    def canonical_tags(self, articles: list[Article]) -> None:
        """Each tag as the archive first saw it (``openai`` becomes ``OpenAI`` if that came
        first), so tag filters and facets treat spellings as one tag."""
        from .identity import tag_key

        keys = {tag_key(t) for a in articles for t in a.tags}
        if not keys:
            return
        known = self.archive.store.tag_names(keys)
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
            self.archive.store.add_tag_names(new)
