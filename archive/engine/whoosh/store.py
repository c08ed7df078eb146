"""The canonical store of an archive on this machine: every article as read (metadata,
paragraphs, earlier versions), in one SQLite file.

The store is the archive's source of truth; the search index is derived from it and can be
rebuilt from it. It also keeps the word list behind did-you-mean.
"""

from __future__ import annotations

import json
import sqlite3
import struct
import threading
from collections import Counter
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Iterator

from ...analysis import spelling_words
from ...dates import now_iso
from ...errors import ArchiveError, NotFound, SchemaMismatch, sqlite_error
from ...identity import new_id, synonym_key, tag_key, text_key, title_key, url_key
from ...model import Article, HitRow, Paragraph
from ...spelling import deletes, edit_distance

if TYPE_CHECKING:
    import numpy as np

    from ...reports import ArticleSummary


SCHEMA_VERSION = 6

# Numbered layout steps: MIGRATIONS[n] takes a store from layout n to n + 1.
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS articles (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    title_key TEXT NOT NULL,
    source TEXT, author TEXT, date TEXT, url TEXT, lang TEXT,
    tags TEXT NOT NULL DEFAULT '[]',
    ingested_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    source_hash TEXT,
    origin TEXT,
    paragraph_count INTEGER NOT NULL,
    url_key TEXT,
    text_key TEXT
);
CREATE INDEX IF NOT EXISTS articles_url ON articles(url);
CREATE INDEX IF NOT EXISTS articles_title ON articles(title_key, source);
CREATE TABLE IF NOT EXISTS paragraphs (
    article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    n INTEGER NOT NULL,
    kind TEXT NOT NULL,
    text TEXT NOT NULL,
    credit TEXT,
    PRIMARY KEY (article_id, n)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS words (word TEXT PRIMARY KEY, count INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS spell (variant TEXT NOT NULL, word TEXT NOT NULL,
    PRIMARY KEY (variant, word)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS synonyms (term TEXT PRIMARY KEY, grp INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS vectors (
    article_id TEXT PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
    model TEXT NOT NULL,
    vector BLOB NOT NULL
) WITHOUT ROWID;
"""
_VECTORS = _SCHEMA[_SCHEMA.index("CREATE TABLE IF NOT EXISTS vectors"):]
# Layout 4: identity by canonical URL and by content (archive.identity), earlier versions of
# each article, and the first-seen spelling of each tag.
_IDENTITY = """
CREATE INDEX IF NOT EXISTS articles_url_key ON articles(url_key);
CREATE INDEX IF NOT EXISTS articles_text_key ON articles(text_key);
CREATE INDEX IF NOT EXISTS articles_source_hash ON articles(source_hash);
CREATE TABLE IF NOT EXISTS versions (
    article_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    record TEXT NOT NULL,
    PRIMARY KEY (article_id, version)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS tag_names (key TEXT PRIMARY KEY, name TEXT NOT NULL) WITHOUT ROWID;
"""

def _fill_identity(db: sqlite3.Connection) -> None:
    """Layout 3 -> 4: the identity keys of the articles already stored, and their tags' spellings."""
    columns = {r[1] for r in db.execute("PRAGMA table_info(articles)")}
    for column in ("url_key", "text_key"):
        if column not in columns:
            db.execute(f"ALTER TABLE articles ADD COLUMN {column} TEXT")
    for stmt in _IDENTITY.split(";"):
        if stmt.strip():
            db.execute(stmt)
    rows = db.execute("SELECT id, url, tags FROM articles ORDER BY ingested_at, id").fetchall()
    for article_id, url, tags in rows:
        paras = [Paragraph(n, k, t) for n, k, t in
                 db.execute("SELECT n, kind, text FROM paragraphs WHERE article_id = ? ORDER BY n", (article_id,))]
        db.execute("UPDATE articles SET url_key = ?, text_key = ? WHERE id = ?",
                   (url_key(url), text_key(paras), article_id))  # fmt: skip
        for t in json.loads(tags or "[]"):
            db.execute("INSERT OR IGNORE INTO tag_names (key, name) VALUES (?, ?)", (tag_key(t), t))

# Layout 5: copies (archive.copies): each copy's original.
_COPIES = """
CREATE TABLE IF NOT EXISTS copies (article_id TEXT PRIMARY KEY, copy_of TEXT NOT NULL,
    similarity REAL NOT NULL) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS copies_of ON copies(copy_of);
"""
# Layout 6: each article's MinHash band keys, under a small number of its own (``n``), so that a
# band row is two integers: a write's band rows land all over the band B-tree, and with the
# article's id in every row that B-tree was three times the size (benchmarks/RESULTS.md).
_COPY_BANDS = """
CREATE TABLE IF NOT EXISTS copy_articles (n INTEGER PRIMARY KEY, article_id TEXT NOT NULL UNIQUE,
    keys BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS copy_bands (key INTEGER NOT NULL, n INTEGER NOT NULL,
    PRIMARY KEY (key, n)) WITHOUT ROWID;
"""


def _pack_keys(keys: list[int]) -> bytes:
    return struct.pack(f"<{len(keys)}q", *keys)


def _unpack_keys(blob: bytes) -> list[int]:
    return list(struct.unpack(f"<{len(blob) // 8}q", blob))


def _number_copy_bands(db: sqlite3.Connection) -> None:
    """Layout 5 -> 6: the band rows keyed by a number per article instead of its id."""
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    db.execute("DROP TABLE IF EXISTS copy_bands")
    for stmt in _COPY_BANDS.split(";"):
        if stmt.strip():
            db.execute(stmt)
    if "copy_keys" not in tables:
        return
    _insert_copy_bands(db, {article_id: json.loads(keys) for article_id, keys in
                            db.execute("SELECT article_id, keys FROM copy_keys ORDER BY article_id")})  # fmt: skip
    db.execute("DROP TABLE copy_keys")


def _insert_copy_bands(db: sqlite3.Connection, keys: dict[str, list[int]]) -> None:
    """Record the band keys of articles that have none yet, all at once: each article gets
    the next number, and SQLite itself unpacks the rows from one JSON document and inserts
    them in key order (a B-tree takes sorted inserts page by page; one at a time they land
    all over it; and binding half a million pairs one by one from Python took as long)."""
    keys = {i: ks for i, ks in keys.items() if ks}
    if not keys:
        return
    first = db.execute("SELECT coalesce(max(n), 0) + 1 FROM copy_articles").fetchone()[0]
    db.executemany("INSERT INTO copy_articles (n, article_id, keys) VALUES (?, ?, ?)",
                   [(n, i, _pack_keys(ks)) for n, (i, ks) in enumerate(keys.items(), first)])  # fmt: skip
    by_number = json.dumps({n: ks for n, ks in enumerate(keys.values(), first)})
    db.execute("INSERT OR IGNORE INTO copy_bands (key, n) SELECT k.value AS key, CAST(a.key AS INTEGER) "
               "FROM json_each(?) AS a, json_each(a.value) AS k ORDER BY key", (by_number,))  # fmt: skip


MIGRATIONS: dict[int, str | Callable[[sqlite3.Connection], None]] = {
    1: "CREATE TABLE IF NOT EXISTS synonyms (term TEXT PRIMARY KEY, grp INTEGER NOT NULL) WITHOUT ROWID",
    2: _VECTORS,  # semantic ranking: one embedding per article (archive.embeddings)
    3: _fill_identity,  # identity keys, versions, tag spellings
    4: _COPIES,  # copies (the groups of the articles already stored are found when the archive next opens to write)
    5: _number_copy_bands,  # band rows as two integers
}


class Store:
    """The SQLite store. Safe to read from several threads: each thread that uses it gets its
    own connection (SQLite connections are not shared between threads); writes happen in one
    thread at a time, under the archive's write lock."""

    def __init__(self, path: Path, *, create: bool = False) -> None:
        self.path = path
        self.read_only = False
        self._uri: str | None = None  # for a read-only store: how each connection opens it
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._connections_lock = threading.Lock()
        try:
            self._open(path, create)
        except sqlite3.Error as e:
            self.close()
            raise sqlite_error(e, path) from None

    @property
    def db(self) -> sqlite3.Connection:
        """This thread's connection to the store."""
        db = getattr(self._local, "db", None)
        if db is None:
            db = self._connect()
        return db

    def _connect(self) -> sqlite3.Connection:
        if self._uri is not None:
            db = sqlite3.connect(self._uri, uri=True, isolation_level=None, check_same_thread=False)
        else:
            db = sqlite3.connect(self.path, timeout=60, isolation_level=None, check_same_thread=False)
        db.row_factory = sqlite3.Row
        if self._uri is None:
            db.execute("PRAGMA foreign_keys = ON")
        self._local.db = db
        with self._connections_lock:
            self._connections.append(db)
        return db

    def _open(self, path: Path, create: bool) -> None:
        db = self.db
        try:
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = NORMAL")
        except sqlite3.OperationalError as e:
            if not _cannot_write(e) or not path.exists() or path.stat().st_size == 0:
                raise
            self._open_read_only(path)
        version = self._version()
        if version is None:
            if not create:
                raise SchemaMismatch(f"{path} is not an archive store (no layout version)")
            with self.transaction():
                if self._version() is None:  # (another process may have made it while we waited)
                    for stmt in (_SCHEMA + _IDENTITY + _COPIES + _COPY_BANDS).split(";"):
                        if stmt.strip():
                            self.db.execute(stmt)
                    self.db.execute("INSERT INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
                    self.db.execute("INSERT INTO meta VALUES ('created_at', ?)", (now_iso(),))
                    # (the copies rule its band keys are made by: archive.copies.RULE; a test keeps them equal)
                    self.db.execute("INSERT INTO meta VALUES ('copies_found', '2')")
        elif version > SCHEMA_VERSION:
            raise SchemaMismatch(
                f"{path.parent} was written by a newer archive (layout {version}; this one knows {SCHEMA_VERSION})",
                hint="upgrade archive (pip install -U ...) to use it",
            )
        elif version < SCHEMA_VERSION:
            self._migrate(version)

    def _open_read_only(self, path: Path) -> None:
        """A store on a read-only disk (or without write permission) is opened for reading:
        searches work, writes say the archive is read-only."""
        self.close()
        uri = path.resolve().as_uri()
        self._uri = f"{uri}?mode=ro"
        try:
            self.db.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.OperationalError:  # a WAL store whose shared-memory file cannot be made here
            self.close()
            self._uri = f"{uri}?immutable=1"
        self.read_only = True

    def _version(self) -> int | None:
        try:
            row = self.db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        except sqlite3.OperationalError:
            return None
        return int(row[0]) if row else None

    def _migrate(self, version: int) -> None:
        with self.transaction():
            while version < SCHEMA_VERSION:
                step = MIGRATIONS[version]
                if callable(step):
                    step(self.db)
                else:
                    for stmt in step.split(";"):
                        if stmt.strip():
                            self.db.execute(stmt)
                version += 1
            self.db.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(version),))

    def close(self) -> None:
        with self._connections_lock:
            connections, self._connections = self._connections, []
        for db in connections:
            db.close()
        self._local = threading.local()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        if self.read_only:
            raise ArchiveError(f"{self.path.parent} is read-only here", hint="the archive can be searched, not changed")
        try:
            self.db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as e:
            raise sqlite_error(e, self.path) from None
        self._word_delta: Counter[str] = Counter()
        try:
            yield
            self._flush_words()
        except BaseException as e:
            self._word_delta = Counter()
            if self.db.in_transaction:  # (SQLite rolls back by itself on a full disk)
                self.db.execute("ROLLBACK")
            if isinstance(e, sqlite3.Error):
                raise sqlite_error(e, self.path) from None
            raise
        else:
            try:
                self.db.execute("COMMIT")
            except sqlite3.Error as e:
                if self.db.in_transaction:
                    self.db.execute("ROLLBACK")
                raise sqlite_error(e, self.path) from None

    # -- identity -------------------------------------------------------------------------

    def find_existing(self, article: Article) -> tuple[str, str] | None:
        """The id of the stored article that ``article`` is a reading of, if any (the rules of
        :mod:`archive.identity`: its own id; else the same canonical URL; else the same bytes
        or text where the URLs do not differ)."""
        if article.id:
            row = self.db.execute("SELECT id, content_hash FROM articles WHERE id = ?", (article.id,)).fetchone()
            return (row["id"], row["content_hash"]) if row else None
        ukey = url_key(article.url)
        if ukey:
            row = self.db.execute("SELECT id, content_hash FROM articles WHERE url_key = ?"
                                  " ORDER BY ingested_at, id LIMIT 1", (ukey,)).fetchone()  # fmt: skip
            if row:
                return row["id"], row["content_hash"]
        for column, value in (("source_hash", article.source_hash), ("text_key", text_key(article.paragraphs))):
            if not value:
                continue
            row = self.db.execute(
                f"SELECT id, content_hash FROM articles WHERE {column} = ?"
                " AND (url_key IS NULL OR ? IS NULL OR url_key = ?) ORDER BY ingested_at, id LIMIT 1",
                (value, ukey, ukey)).fetchone()  # fmt: skip
            if row:
                return row["id"], row["content_hash"]
        return None

    def same_headline(self, article: Article) -> str | None:
        """Another article with this one's headline, source and date and no URL (when neither
        has a URL, the archive cannot tell a correction from a new article: both are kept)."""
        if article.url:
            return None
        row = self.db.execute(
            "SELECT id FROM articles WHERE title_key = ? AND coalesce(source, '') = ? AND coalesce(date, '') = ?"
            " AND url_key IS NULL AND id != ? ORDER BY ingested_at, id LIMIT 1",
            (title_key(article.title), article.source or "", article.date or "", article.id or ""),
        ).fetchone()  # fmt: skip
        return row["id"] if row else None

    def tag_names(self, keys: Iterable[str]) -> dict[str, str]:
        """The first-seen spelling of each tag key that the archive knows."""
        keys = list(dict.fromkeys(keys))
        out: dict[str, str] = {}
        for i in range(0, len(keys), 500):
            chunk = keys[i : i + 500]
            q = "SELECT key, name FROM tag_names WHERE key IN (%s)" % ",".join("?" * len(chunk))
            out.update({r[0]: r[1] for r in self.db.execute(q, chunk)})
        return out

    def add_tag_names(self, names: dict[str, str]) -> None:
        self.db.executemany("INSERT OR IGNORE INTO tag_names (key, name) VALUES (?, ?)", list(names.items()))

    def new_id(self, article: Article) -> str:
        return new_id(article, self._taken)

    def upgrade(self) -> None:
        """Nothing to do: a store's layout is brought up to date when it is opened."""

    def prefetch(self, articles: Iterable[Article]) -> None:
        """Nothing to do: looking an article up in SQLite costs less than preparing for it."""

    def prepare(self) -> None:
        """Nothing to do: one store file has one writer at a time (the write lock)."""

    def has(self, article_id: str) -> bool:
        """Whether an article has exactly this id."""
        return self._taken(article_id)

    def _taken(self, article_id: str) -> bool:
        return self.db.execute("SELECT 1 FROM articles WHERE id = ?", (article_id,)).fetchone() is not None

    def get_meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    def resolve(self, ref: str) -> str:
        """An article id from an id or a unique prefix of one."""
        if self.db.execute("SELECT 1 FROM articles WHERE id = ?", (ref,)).fetchone():
            return ref
        escaped = ref.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        rows = self.db.execute(
            "SELECT id FROM articles WHERE id LIKE ? ESCAPE '\\' ORDER BY id LIMIT 6", (escaped + "%",)
        ).fetchall()
        if not rows:
            raise NotFound(f"no article with id {ref!r}", hint="see the ids with: archive list")
        if len(rows) > 1:
            names = ", ".join(r[0] for r in rows[:5])
            raise NotFound(f"{ref!r} matches several articles: {names}", hint="type more of the id")
        return rows[0][0]

    # -- writing --------------------------------------------------------------------------

    def put(self, article: Article, content_hash: str) -> None:
        """Insert or replace an article with its versions (call inside :meth:`transaction`)."""
        assert article.id
        now = now_iso()
        old = self.db.execute("SELECT ingested_at FROM articles WHERE id = ?", (article.id,)).fetchone()
        if old:
            self._count_words(self.paragraphs(article.id), -1)
            self.db.execute("DELETE FROM paragraphs WHERE article_id = ?", (article.id,))
            self.db.execute("DELETE FROM articles WHERE id = ?", (article.id,))
        article.ingested_at = article.ingested_at or (old["ingested_at"] if old else now)
        self.db.execute(
            "INSERT INTO articles (id, title, title_key, source, author, date, url, lang, tags, ingested_at,"
            " updated_at, content_hash, source_hash, origin, paragraph_count, url_key, text_key)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                article.id, article.title, title_key(article.title), article.source, article.author,
                article.date, article.url, article.lang, json.dumps(article.tags, ensure_ascii=False),
                article.ingested_at, now, content_hash, article.source_hash, article.origin,
                len(article.paragraphs), url_key(article.url), text_key(article.paragraphs),
            ),
        )  # fmt: skip
        self.db.executemany(
            "INSERT INTO paragraphs (article_id, n, kind, text, credit) VALUES (?, ?, ?, ?, ?)",
            [(article.id, p.n, p.kind, p.text, p.credit) for p in article.paragraphs],
        )
        self._count_words(article.paragraphs, +1)
        if old or article.versions:
            self.db.execute("DELETE FROM versions WHERE article_id = ?", (article.id,))
            self.db.executemany(
                "INSERT INTO versions (article_id, version, record) VALUES (?, ?, ?)",
                [(article.id, i, json.dumps(v, ensure_ascii=False)) for i, v in enumerate(article.versions, 1)],
            )

    def delete(self, article_id: str) -> None:
        self._count_words(self.paragraphs(article_id), -1)
        self.db.execute("DELETE FROM paragraphs WHERE article_id = ?", (article_id,))
        self.db.execute("DELETE FROM articles WHERE id = ?", (article_id,))
        self.db.execute("DELETE FROM versions WHERE article_id = ?", (article_id,))
        self.put_copy_bands(article_id, [])
        self.db.execute("DELETE FROM copies WHERE article_id = ?", (article_id,))

    # -- copies (archive.copies) --------------------------------------------------------------

    def put_copy_bands(self, article_id: str, keys: list[int], new: bool = False) -> None:
        """Record an article's band keys (``new``: it has none yet), replacing those it had.
        (Each article's keys are kept in a row of their own too: removing them then needs no
        second index on the bands, which would double the cost of adding them.)"""
        if not new:
            row = self.db.execute("SELECT n, keys FROM copy_articles WHERE article_id = ?", (article_id,)).fetchone()
            if row is not None:
                self.db.executemany("DELETE FROM copy_bands WHERE key = ? AND n = ?",
                                    [(k, row[0]) for k in _unpack_keys(row[1])])  # fmt: skip
                self.db.execute("DELETE FROM copy_articles WHERE n = ?", (row[0],))
        if keys:
            self.add_copy_bands({article_id: keys})

    def add_copy_bands(self, keys: dict[str, list[int]]) -> None:
        """Record the band keys of articles that have none yet, all at once (_insert_copy_bands)."""
        _insert_copy_bands(self.db, keys)

    def has_copies(self) -> bool:
        return self.db.execute("SELECT 1 FROM copies LIMIT 1").fetchone() is not None

    def copy_candidates(self, keys: list[int]) -> dict[str, int]:
        """The articles that share a band key with ``keys``, and how many keys each shares."""
        out: dict[str, int] = {}
        for i in range(0, len(keys), 500):
            part = keys[i:i + 500]
            for article_id, n in self.db.execute(
                    f"SELECT a.article_id, c.shared FROM (SELECT n, count(*) AS shared FROM copy_bands WHERE key IN "
                    f"({','.join('?' * len(part))}) GROUP BY n) AS c JOIN copy_articles AS a ON a.n = c.n", part):  # fmt: skip
                out[article_id] = out.get(article_id, 0) + n
        return out

    def set_copy_link(self, article_id: str, copy_of: str | None, similarity: float = 0.0) -> None:
        """Record ``article_id`` as a copy of ``copy_of`` (None: it is no one's copy)."""
        if copy_of is None:
            self.db.execute("DELETE FROM copies WHERE article_id = ?", (article_id,))
        else:
            self.db.execute("INSERT OR REPLACE INTO copies (article_id, copy_of, similarity) VALUES (?, ?, ?)",
                            (article_id, copy_of, similarity))  # fmt: skip

    def copy_links(self, article_ids: Iterable[str] | None = None) -> dict[str, tuple[str, float]]:
        """article id -> (its original, its similarity) for those of ``article_ids`` that are
        copies (None: every copy in the archive)."""
        if article_ids is None:
            rows = self.db.execute("SELECT article_id, copy_of, similarity FROM copies").fetchall()
        else:
            ids, rows = list(article_ids), []
            for i in range(0, len(ids), 500):
                part = ids[i:i + 500]
                rows += self.db.execute("SELECT article_id, copy_of, similarity FROM copies WHERE article_id IN "
                                        f"({','.join('?' * len(part))})", part).fetchall()  # fmt: skip
        return {r[0]: (r[1], r[2]) for r in rows}

    def copy_members(self, originals: Iterable[str]) -> dict[str, list[tuple[str, float]]]:
        """original id -> [(copy id, similarity)] for those of ``originals`` that have copies."""
        ids, out = list(originals), {}
        for i in range(0, len(ids), 500):
            part = ids[i:i + 500]
            for r in self.db.execute("SELECT copy_of, article_id, similarity FROM copies WHERE copy_of IN "
                                     f"({','.join('?' * len(part))}) ORDER BY copy_of, article_id", part):  # fmt: skip
                out.setdefault(r[0], []).append((r[1], r[2]))
        return out

    # -- reading --------------------------------------------------------------------------

    def get(self, article_id: str) -> Article:
        row = self.db.execute("SELECT * FROM articles WHERE id = ?", (article_id,)).fetchone()
        if row is None:
            raise NotFound(f"no article with id {article_id!r}")
        return self._article(row, self.paragraphs(article_id))

    def _article(self, row: sqlite3.Row, paragraphs: list[Paragraph]) -> Article:
        versions = [json.loads(r[0]) for r in self.db.execute(
            "SELECT record FROM versions WHERE article_id = ? ORDER BY version", (row["id"],))]  # fmt: skip
        return Article(
            id=row["id"], title=row["title"], paragraphs=paragraphs, source=row["source"],
            author=row["author"], date=row["date"], url=row["url"], lang=row["lang"],
            tags=json.loads(row["tags"]), ingested_at=row["ingested_at"], origin=row["origin"],
            source_hash=row["source_hash"], versions=versions,
        )  # fmt: skip

    def paragraphs(self, article_id: str, lo: int = 1, hi: int | None = None) -> list[Paragraph]:
        rows = self.db.execute(
            "SELECT n, kind, text, credit FROM paragraphs WHERE article_id = ? AND n >= ? AND n <= ? ORDER BY n",
            (article_id, lo, hi if hi is not None else 1 << 30),
        ).fetchall()
        return [Paragraph(r["n"], r["kind"], r["text"], r["credit"]) for r in rows]

    def hit_rows(self, keys: Iterable[tuple[str, int]]) -> dict[tuple[str, int], HitRow]:
        """Article metadata and paragraph text for each (article id, paragraph number)."""
        out: dict[tuple[str, int], HitRow] = {}
        for article_id, n in keys:
            row = self.db.execute(
                "SELECT a.title, a.source, a.author, a.date, a.url, p.kind, p.text"
                " FROM paragraphs p JOIN articles a ON a.id = p.article_id WHERE p.article_id = ? AND p.n = ?",
                (article_id, n),
            ).fetchone()
            if row is not None:
                out[(article_id, n)] = HitRow(article_id, n, row["kind"], row["text"], row["title"], row["source"],
                                              row["author"], row["date"], row["url"])  # fmt: skip
        return out

    def iter_articles(self) -> Iterator[Article]:
        ids = [r[0] for r in self.db.execute("SELECT id FROM articles ORDER BY ingested_at, id")]
        for article_id in ids:
            yield self.get(article_id)

    def summaries(self, sort: str = "date") -> list[ArticleSummary]:
        from ...reports import ArticleSummary

        order = {
            "date": "date IS NULL, date DESC, id",
            "id": "id",
            "added": "ingested_at DESC, id",
            "title": "title_key, id",
        }[sort]
        rows = self.db.execute(
            f"SELECT id, title, source, date, paragraph_count, lang, ingested_at FROM articles ORDER BY {order}"
        ).fetchall()
        return [ArticleSummary(r[0], r[1], r[2], r[3], r[4], r[5], r[6]) for r in rows]

    def article_ids(self) -> set[str]:
        return {r[0] for r in self.db.execute("SELECT id FROM articles")}

    def paragraph_keys(self) -> set[tuple[str, int]]:
        return {(r[0], r[1]) for r in self.db.execute("SELECT article_id, n FROM paragraphs")}

    def stats(self) -> dict:
        articles, paragraphs = self.db.execute(
            "SELECT count(*), coalesce(sum(paragraph_count), 0) FROM articles"
        ).fetchone()
        first, last = self.db.execute("SELECT min(date), max(date) FROM articles").fetchone()
        sources = self.db.execute(
            "SELECT coalesce(source, '(none)'), count(*) FROM articles GROUP BY 1 ORDER BY 2 DESC, 1"
        ).fetchall()
        kinds = self.db.execute("SELECT kind, count(*) FROM paragraphs GROUP BY kind ORDER BY 2 DESC").fetchall()
        langs = self.db.execute(
            "SELECT coalesce(lang, '(unknown)'), count(*) FROM articles GROUP BY 1 ORDER BY 2 DESC"
        ).fetchall()
        return {
            "articles": articles,
            "paragraphs": paragraphs,
            "first_date": first,
            "last_date": last,
            "sources": {s: c for s, c in sources},
            "kinds": {k: c for k, c in kinds},
            "languages": {k: c for k, c in langs},
        }

    # -- article embeddings (semantic ranking) ----------------------------------------------

    def put_vector(self, article_id: str, model: str, vector: bytes) -> None:
        """Keep an article's embedding (call inside :meth:`transaction`, after :meth:`put`: an
        article that is replaced or deleted loses its embedding with it)."""
        self.db.execute("INSERT OR REPLACE INTO vectors VALUES (?, ?, ?)", (article_id, model, vector))

    def vectors(self, article_ids: Iterable[str], model: str) -> dict[str, bytes]:
        ids = list(article_ids)
        out: dict[str, bytes] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for r in self.db.execute(f"SELECT article_id, vector FROM vectors WHERE model = ? AND article_id IN ({marks})",
                                     (model, *chunk)):  # fmt: skip
                out[r[0]] = r[1]
        return out

    def nearest(self, query: "np.ndarray", model: str, k: int, exclude: Iterable[str] = ()) -> list[tuple[str, float]]:
        """The ``k`` articles whose embeddings by ``model`` are nearest ``query`` (a unit
        vector), with their cosines, nearest first; none of ``exclude``. Exact: every vector
        is read and scored, 4,096 at a time."""
        from ...semantic import Nearest

        found = Nearest(query, k, exclude)
        cursor = self.db.execute("SELECT article_id, vector FROM vectors WHERE model = ?", (model,))
        while rows := cursor.fetchmany(4096):
            found.add([r[0] for r in rows], [r[1] for r in rows])
        return found.best()

    def article_count(self) -> int:
        return self.db.execute("SELECT count(*) FROM articles").fetchone()[0]

    def vector_count(self, model: str) -> int:
        return self.db.execute("SELECT count(*) FROM vectors WHERE model = ?", (model,)).fetchone()[0]

    def without_vector(self, model: str) -> list[str]:
        """Ids of the articles with no embedding by ``model``, in the order they were added."""
        return [r[0] for r in self.db.execute(
            "SELECT id FROM articles WHERE id NOT IN (SELECT article_id FROM vectors WHERE model = ?)"
            " ORDER BY ingested_at, id", (model,))]  # fmt: skip

    def drop_vectors(self) -> int:
        return self.db.execute("DELETE FROM vectors").rowcount

    # -- when articles were added; saved searches ---------------------------------------------

    def added_between(self, lo: str | None, hi: str | None, most: int) -> list[str] | None:
        """The ids of the articles added from ``lo`` to ``hi`` (ISO timestamps, either open);
        None when there are more than ``most``."""
        rows = self.db.execute(
            "SELECT id FROM articles WHERE ingested_at >= ? AND ingested_at <= ? LIMIT ?",
            (lo or "", hi or "\uffff", most + 1),
        ).fetchall()
        return None if len(rows) > most else [r[0] for r in rows]

    def watches(self) -> dict[str, dict]:
        rows = self.db.execute("SELECT key, value FROM meta WHERE key LIKE 'watch:%' ORDER BY key").fetchall()
        return {key[len("watch:"):]: json.loads(value) for key, value in rows}

    def put_watch(self, name: str, record: dict) -> None:
        self.set_meta(f"watch:{name}", json.dumps(record, ensure_ascii=False, sort_keys=True))

    def remove_watch(self, name: str) -> bool:
        return self.db.execute("DELETE FROM meta WHERE key = ?", (f"watch:{name}",)).rowcount > 0

    # -- synonyms -------------------------------------------------------------------------

    def add_synonyms(self, terms: list[str]) -> list[str]:
        """Make ``terms`` (and every term already grouped with any of them) one group."""
        terms = [synonym_key(t) for t in terms if synonym_key(t)]
        rows = self.db.execute(
            "SELECT DISTINCT grp FROM synonyms WHERE term IN (%s)" % ",".join("?" * len(terms)), terms
        ).fetchall()
        groups = [r[0] for r in rows]
        grp = groups[0] if groups else (self.db.execute("SELECT coalesce(max(grp), 0) + 1 FROM synonyms").fetchone()[0])
        for g in groups[1:]:
            self.db.execute("UPDATE synonyms SET grp = ? WHERE grp = ?", (grp, g))
        self.db.executemany("INSERT OR REPLACE INTO synonyms (term, grp) VALUES (?, ?)", [(t, grp) for t in terms])
        return [r[0] for r in self.db.execute("SELECT term FROM synonyms WHERE grp = ? ORDER BY term", (grp,))]

    def remove_synonym(self, term: str) -> bool:
        cur = self.db.execute("DELETE FROM synonyms WHERE term = ?", (synonym_key(term),))
        self.db.execute("DELETE FROM synonyms WHERE grp IN (SELECT grp FROM synonyms GROUP BY grp HAVING count(*) < 2)")
        return cur.rowcount > 0

    def synonym_groups(self) -> list[list[str]]:
        groups: dict[int, list[str]] = {}
        for term, grp in self.db.execute("SELECT term, grp FROM synonyms ORDER BY grp, term"):
            groups.setdefault(grp, []).append(term)
        return [g for g in groups.values() if len(g) > 1]

    # -- did you mean ---------------------------------------------------------------------

    def _count_words(self, paragraphs: list[Paragraph], sign: int) -> None:
        """Note word-count changes; they are written once per transaction."""
        for p in paragraphs:
            for w in spelling_words(p.text):
                self._word_delta[w] += sign

    def _flush_words(self) -> None:
        delta = {w: c for w, c in self._word_delta.items() if c}
        self._word_delta = Counter()
        if not delta:
            return
        words = list(delta)
        known: set[str] = set()
        for i in range(0, len(words), 500):
            chunk = words[i : i + 500]
            q = "SELECT word FROM words WHERE word IN (%s)" % ",".join("?" * len(chunk))
            known.update(r[0] for r in self.db.execute(q, chunk))
        self.db.executemany(
            "INSERT INTO words (word, count) VALUES (?, max(0, ?))"
            " ON CONFLICT(word) DO UPDATE SET count = max(0, count + excluded.count)",
            list(delta.items()),
        )
        self.db.executemany(
            "INSERT OR IGNORE INTO spell (variant, word) VALUES (?, ?)",
            [(v, w) for w in words if w not in known and delta[w] > 0 for v in deletes(w, 1)],
        )

    def word_count(self, word: str) -> int:
        row = self.db.execute("SELECT count FROM words WHERE word = ?", (word,)).fetchone()
        return row[0] if row else 0

    def corrections(self, word: str) -> list[tuple[str, int, int]]:
        """Known words within edit distance 2 of ``word``: (word, distance, count), best first."""
        word = word.lower()
        variants = {word} | deletes(word, 2)
        cands: set[str] = set()
        vs = list(variants)
        for i in range(0, len(vs), 400):
            chunk = vs[i : i + 400]
            marks = ",".join("?" * len(chunk))
            cands.update(r[0] for r in self.db.execute(f"SELECT word FROM spell WHERE variant IN ({marks})", chunk))
            cands.update(r[0] for r in self.db.execute(f"SELECT word FROM words WHERE word IN ({marks})", chunk))
        out = []
        for c in cands:
            if c == word:
                continue
            d = edit_distance(word, c)
            if d <= 2:
                n = self.word_count(c)
                if n > 0:
                    out.append((c, d, n))
        out.sort(key=lambda x: (x[1], -x[2], x[0]))
        return out


def _cannot_write(e: sqlite3.OperationalError) -> bool:
    text = str(e)
    return "readonly" in text or "unable to open" in text or "disk I/O" in text
