"""What an archive is opened with (ArchiveOptions) and how a write spends its memory
(MemoryPlan, with the batch sizes it bounds). Every opening needs these, a search included, so
they live apart from the ingester (archive.ingest), which only a write loads."""

from __future__ import annotations

from typing import Callable, NamedTuple

from .errors import ArchiveError
from .limits import MIN_MEMORY_MB

# A batch is committed (store and index) and acknowledged when it reaches either size: each
# Whoosh commit writes a segment and may merge, so bigger batches ingest faster.
BATCH_ARTICLES = 2_000
BATCH_PARAGRAPHS = 20_000
MEMORY_MB = 1024  # what a write may use by default (see MemoryPlan)
EMBED_BATCH = 64  # articles per batch when ingest embeds them


class MemoryPlan(NamedTuple):
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

class ArchiveOptions(NamedTuple):
    """What an archive is opened with, for the writes it will do (a library speaks of these;
    the CLI fills them from its flags)."""

    lock_timeout: float = 300.0  # seconds to wait for another writer
    memory_mb: int | None = None  # what a write may hold (MemoryPlan); None: MEMORY_MB
    # Embed added articles for semantic ranking: None = when the model is installed (and
    # ARCHIVE_SEMANTIC is not off), False = never (a fast bulk load; `embed` catches up).
    embed_on_ingest: bool | None = None
    on_wait: Callable[[str], None] | None = None  # told once when a write waits for the lock
