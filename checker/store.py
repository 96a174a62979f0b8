"""The corpus store: articles, claims (offsets and vectors) and findings in SQLite, plus a usearch index.

SQLite is the source of truth. It runs in WAL mode, so readers (``ci``) never block the one
writer, and every write is one ``BEGIN IMMEDIATE`` transaction with a busy timeout, so two
ingests queue instead of failing or losing rows. A process killed mid-ingest leaves the batches
it committed and nothing else; the next ingest skips them by content hash.

A claim text and its vector are stored once (``texts``), however many articles repeat the
sentence: wire copy is reprinted, and an HNSW graph over dozens of identical vectors loses
neighbours. The vector index (``DB.usearch`` beside the database, docs/store.md) is a derived
file: its keys are text row ids, which ``AUTOINCREMENT`` never reuses, so the index matches the
database when it has as many vectors, the same highest key and the same vector under that key. A
missing, stale or corrupt index is brought up to date from SQLite: written back (temp file +
``os.replace``) by writers, kept in memory by read-only users. Read-only users open SQLite with
``mode=ro`` and never write the database or the index.
"""

from __future__ import annotations

import datetime as dt
import errno
import fcntl
import functools
import hashlib
import json
import logging
import os
import shutil
import sqlite3
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from checker import __version__
from checker.analyze import ClaimFacts, dump_facts, load_facts
from checker.errors import ClaimcheckError, Errors
from checker.config import Settings
from checker.report.records import finding_key, finding_record
from checker.stories import StoryIndex, hnsw_index, language_code, published
from checker.types import Article, Claim, Finding

logger = logging.getLogger(__name__)

APPLICATION_ID = 0x436C4368  # "ClCh" in the SQLite header (PRAGMA application_id): a claimcheck store
BUSY_TIMEOUT_S = 60.0  # how long a writer waits for another one before E404
INDEX_SUFFIX = ".usearch"
# HNSW candidates kept while searching (usearch's default is 64): more finds the true neighbours
# more often, at a cost that is small next to one NLI call (docs/store.md, eval/bench_ci.py).
EXPANSION_SEARCH = 256
EXACT_UP_TO = 5_000  # texts; a smaller index is searched by brute force (exact, and as fast)
_CHUNK = 500  # ids per "IN (...)" query, below SQLite's variable limit
MIN_FREE_BYTES = 8 * 2**20  # a writer refuses to start on a disk with less free space (E410)

# MIGRATIONS[v] takes a store from schema version v to v + 1; version 0 is an empty file.
# Statements are separated by ";\n" and run one by one inside one transaction (executescript
# would commit halfway).
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE articles (
        id TEXT PRIMARY KEY,
        content_hash TEXT NOT NULL,
        text TEXT NOT NULL,
        title TEXT, date TEXT, source TEXT, url TEXT, lang TEXT, path TEXT
    );
    CREATE TABLE texts (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        text TEXT NOT NULL UNIQUE,
        vector BLOB NOT NULL
    );
    CREATE TABLE claims (
        article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        idx INTEGER NOT NULL,
        text_id INTEGER NOT NULL REFERENCES texts(id),
        start INTEGER NOT NULL,
        "end" INTEGER NOT NULL,
        lang TEXT NOT NULL,
        paragraph_start INTEGER NOT NULL,
        paragraph_end INTEGER NOT NULL,
        attribution TEXT,
        PRIMARY KEY (article_id, idx)
    );
    CREATE INDEX claims_text ON claims(text_id);
    CREATE TABLE findings (
        id INTEGER PRIMARY KEY,
        key TEXT NOT NULL,
        verdict TEXT NOT NULL,
        score REAL NOT NULL,
        a_article TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        a_index INTEGER NOT NULL,
        b_article TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        b_index INTEGER NOT NULL,
        record TEXT NOT NULL,
        UNIQUE (key, a_article, b_article)
    );
    CREATE INDEX findings_b_article ON findings(b_article)
    """,
    # 2: stories. An article's story vector (title + lead) and its story; a story keeps no copy of
    # its vectors' sum, which is recomputed from its articles when the store is read.
    """
    CREATE TABLE stories (id INTEGER PRIMARY KEY AUTOINCREMENT, created TEXT NOT NULL);
    ALTER TABLE articles ADD COLUMN story_id INTEGER REFERENCES stories(id);
    ALTER TABLE articles ADD COLUMN story_vector BLOB;
    CREATE INDEX articles_story ON articles(story_id)
    """,
    # 3: the facts of each claim (checker.analyze, JSON), computed once at ingest; NULL for claims
    # stored before, whose facts are computed when a check needs them.
    """
    ALTER TABLE claims ADD COLUMN facts TEXT
    """,
)


def schema_version() -> int:
    """The schema version this claimcheck writes (the number of migrations)."""
    return len(MIGRATIONS)


def index_path(db: Path) -> Path:
    return db.with_name(db.name + INDEX_SUFFIX)


def content_hash(article: Article) -> str:
    """What decides "same article": the text and the metadata the judge uses, not where it was read."""
    fields = [article.text, article.title, article.date, article.source, article.url, article.lang]
    return hashlib.sha256(json.dumps(fields, ensure_ascii=False).encode()).hexdigest()


@dataclass(frozen=True)
class Entry:
    """One article ready to store: its claims and their vectors, shape ``(len(claims), dim)``."""

    article: Article
    claims: list[Claim]
    vectors: np.ndarray
    story_vector: np.ndarray | None = None  # of ``stories.story_text``; None leaves the story to a later backfill
    facts: Sequence[ClaimFacts] | None = None  # of each claim (checker.analyze), stored with it


def _sqlite_errors(method):
    """Turn SQLite failures inside a store method into E404 (locked) or E401 (corrupt)."""

    @functools.wraps(method)
    def wrapper(self: Store, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except sqlite3.DatabaseError as exc:
            raise store_error(self.path, exc) from exc

    return wrapper


def store_error(path: Path, exc: sqlite3.Error) -> ClaimcheckError:
    """E404 locked, E409 read-only, E410 disk full; anything else SQLite refuses is E401 (not a store)."""
    why = str(exc)
    if "locked" in why or "busy" in why:
        return ClaimcheckError(Errors.E404.format(path=path, seconds=int(BUSY_TIMEOUT_S)))
    if "readonly" in why or "read-only" in why:
        return ClaimcheckError(Errors.E409.format(path=path, why=why))
    if "disk is full" in why:
        return ClaimcheckError(Errors.E410.format(path=path))
    return ClaimcheckError(Errors.E401.format(path=path, why=why))


def write_error(path: Path, exc: OSError) -> ClaimcheckError:
    """A failed file write as E410 (disk full), E409 (read-only) or E302."""
    if exc.errno == errno.ENOSPC:
        return ClaimcheckError(Errors.E410.format(path=path))
    if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return ClaimcheckError(Errors.E409.format(path=path, why=exc.strerror))
    return ClaimcheckError(Errors.E302.format(path=path, why=exc.strerror))


def check_writable(path: Path) -> None:
    """Before any expensive work: E411 when the store cannot be created there, E409 when it or its
    folder (which holds the WAL and the index) is read-only, E410 when the disk is (nearly) full."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ClaimcheckError(Errors.E411.format(path=path, why=exc.strerror or exc)) from exc
    for target, what in ((path, "the database file"), (path.parent, "its folder")):
        if target.exists() and not os.access(target, os.W_OK):
            raise ClaimcheckError(Errors.E409.format(path=path, why=f"{what} is not writable"))
    if shutil.disk_usage(path.parent).free < MIN_FREE_BYTES:
        raise ClaimcheckError(Errors.E410.format(path=path))


# Story indexes read from stores in this process: (store path, story settings) -> (file state, index).
_STORY_INDEXES: dict[tuple, tuple[tuple, StoryIndex]] = {}


def _file_state(path: Path) -> tuple:
    """What changes when a store is written: inode, size and mtime of the database and its WAL."""
    state = []
    for file in (path, path.with_name(path.name + "-wal")):
        try:
            stat = file.stat()
            state.append((stat.st_ino, stat.st_size, stat.st_mtime_ns))
        except FileNotFoundError:
            state.append(None)
    return tuple(state)


class Store:
    """An open store. ``Store.open(path)`` is read-only; ``write=True`` creates the store if needed."""

    def __init__(self, path: Path, conn: sqlite3.Connection, writable: bool):
        self.path = path
        self.conn = conn
        self.writable = writable
        self._index: Any = None  # usearch.index.Index, loaded on first use

    @classmethod
    def open(cls, path: str | Path, *, write: bool = False, upgrade: bool = False) -> Store:
        """Open (``write``: create) a store and check it is a claimcheck store of this schema.

        Args:
            write: open read-write, creating the store when the file is missing or empty.
            upgrade: with ``write``, apply the migrations an older store lacks.

        Raises:
            ClaimcheckError: E403 missing (read-only), E401 not a claimcheck store, E402 newer
                schema, E407 older schema (upgrade with ``claimcheck migrate``).
        """
        path = Path(path)
        if not write and not path.exists():
            raise ClaimcheckError(Errors.E403.format(path=path))
        if path.is_dir():
            raise ClaimcheckError(Errors.E401.format(path=path, why="a directory"))
        if write:
            check_writable(path)
        uri = f"{path.absolute().as_uri()}?mode={'rwc' if write else 'ro'}"
        if not write and not os.access(path.parent, os.W_OK):
            uri += "&immutable=1"  # a read-only folder (a read-only mount): no writer, and no room for the WAL index
        try:
            conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        except sqlite3.Error as exc:
            raise store_error(path, exc) from exc
        store = cls(path, conn, write)
        try:
            store._prepare(upgrade)
        except BaseException:
            conn.close()
            raise
        return store

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.conn.close()

    @_sqlite_errors
    def _prepare(self, upgrade: bool) -> None:
        self.conn.execute("PRAGMA foreign_keys = ON")
        found = self.version()
        if found > schema_version():
            raise ClaimcheckError(Errors.E402.format(path=self.path, found=found, supported=schema_version()))
        if self.writable:
            self.conn.execute("PRAGMA journal_mode = WAL")
            self.conn.execute("PRAGMA synchronous = FULL")
            if found == 0 or (upgrade and found < schema_version()):
                self.migrate()
                return
        if found == 0:
            raise ClaimcheckError(Errors.E401.format(path=self.path, why="an empty file"))
        if found < schema_version():
            raise ClaimcheckError(Errors.E407.format(path=self.path, found=found, supported=schema_version()))

    def version(self) -> int:
        """The schema version in the file: 0 for an empty database; E401 for anything not ours."""
        try:
            app_id = self.conn.execute("PRAGMA application_id").fetchone()[0]
            tables = {row[0] for row in self.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        except sqlite3.DatabaseError as exc:
            raise ClaimcheckError(Errors.E401.format(path=self.path, why=str(exc))) from exc
        if not tables and app_id == 0:
            return 0
        if app_id != APPLICATION_ID or "meta" not in tables:
            raise ClaimcheckError(Errors.E401.format(path=self.path, why="an SQLite database of another application"))
        row = self.conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        if row is None or not str(row[0]).isdigit():
            raise ClaimcheckError(Errors.E401.format(path=self.path, why="no schema version in its meta table"))
        return int(row[0])

    @_sqlite_errors
    def migrate(self) -> tuple[int, int]:
        """Apply the missing migrations in one transaction; returns (version before, version after)."""
        with self._write():
            before = self.version()  # again: another process may have migrated meanwhile
            for migration in MIGRATIONS[before:]:
                for statement in migration.split(";\n"):
                    self.conn.execute(statement)
            if before < schema_version():
                self.conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                self._set_meta(schema_version=schema_version(), claimcheck=__version__)
        return before, schema_version()

    @contextmanager
    def _write(self) -> Iterator[None]:
        """One write transaction, taken at once (``BEGIN IMMEDIATE``) so concurrent writers queue."""
        if not self.writable:
            raise RuntimeError("store opened read-only")
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            if self.conn.in_transaction:  # SQLite has already rolled back after "disk full" (SQLITE_FULL)
                self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    @contextmanager
    def _snapshot(self) -> Iterator[None]:
        """A read transaction: every query inside sees the same committed state."""
        self.conn.execute("BEGIN")
        try:
            yield
        finally:
            self.conn.execute("ROLLBACK")

    def _set_meta(self, **values: object) -> None:
        self.conn.executemany("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                              [(k, str(v)) for k, v in values.items()])

    @_sqlite_errors
    def meta(self) -> dict[str, str]:
        return dict(self.conn.execute("SELECT key, value FROM meta").fetchall())

    def check_embedder(self, embedder: str) -> None:
        """E406 unless the store is empty or was built with ``embedder`` (vectors must be comparable)."""
        found = self.meta().get("embedder")
        if found is not None and found != embedder:
            raise ClaimcheckError(Errors.E406.format(path=self.path, found=found, expected=embedder))

    # --- writes ------------------------------------------------------------------------------

    @_sqlite_errors
    def add(self, entries: Sequence[Entry], *, embedder: str, findings: Sequence[Finding] = (),
            settings: Settings | None = None) -> Counter:
        """Store articles (replacing an id whose content changed) and findings in one transaction,
        and put every article that has a story vector but no story into one (``settings``' rules).

        Returns:
            Counts of ``added``, ``replaced`` and ``unchanged`` articles, of ``claims`` written, and
            of ``stories`` opened and ``merged``.
        """
        counts: Counter = Counter()
        with self._write():
            if entries:
                self._claim_embedder(embedder, int(entries[0].vectors.shape[1]))
            for entry in entries:
                outcome = self._put(entry)
                counts[outcome] += 1
                if outcome != "unchanged":
                    counts["claims"] += len(entry.claims)
            if settings is not None:
                counts.update(self._assign_stories(settings))
            self._put_findings(findings)
        return counts

    @_sqlite_errors
    def set_story_vectors(self, vectors: dict[str, np.ndarray], settings: Settings) -> Counter:
        """Backfill: store the story vectors of articles ingested before stories existed, and place them."""
        with self._write():
            self.conn.executemany("UPDATE articles SET story_vector = ? WHERE id = ?",
                                  [(np.asarray(v, dtype="<f4").tobytes(), k) for k, v in vectors.items()])
            return self._assign_stories(settings)

    @_sqlite_errors
    def without_story_vector(self) -> list[Article]:
        """Articles stored before stories existed (schema 1): they need a story vector (``set_story_vectors``)."""
        ids = [r[0] for r in self.conn.execute("SELECT id FROM articles WHERE story_vector IS NULL ORDER BY id")]
        return list(self._articles(ids).values())

    @_sqlite_errors
    def story_index(self, settings: Settings) -> StoryIndex:
        """Every placed article's story vector, time and story, for placing new ones (read-only: copy
        it with ``without`` to place articles). Kept per process and read again only when the store's
        files change, so a resident checker (``serve``) does not rebuild it from every article for
        each check (about half of a check's time against 10,000 articles, eval/serve_bench.py)."""
        key = (str(self.path.resolve()), settings.story_threshold, settings.story_neighbours,
               settings.story_window_hours, settings.story_cross_language_bonus)
        state = _file_state(self.path)  # taken before reading: a write meanwhile makes the next call read again
        cached = _STORY_INDEXES.get(key)
        if cached is None or cached[0] != state:
            cached = _STORY_INDEXES[key] = (state, self._story_index(settings))
        return cached[1]

    def _story_index(self, settings: Settings) -> StoryIndex:
        index = StoryIndex.from_settings(self.dim(), settings)
        rows = self.conn.execute(f"SELECT a.id, a.date, a.story_vector, a.story_id, {_LANGUAGE} FROM articles a"
                                 " WHERE a.story_id IS NOT NULL ORDER BY a.id").fetchall()
        for article_id, date, vector, story, lang in rows:
            index.add(article_id, np.frombuffer(vector, dtype="<f4"), _published(date), language_code(lang), story)
        return index

    def _assign_stories(self, settings: Settings) -> Counter:
        """Place the articles that have a story vector and no story, in order of publication."""
        rows = self.conn.execute(f"SELECT a.id, a.date, a.story_vector, {_LANGUAGE} FROM articles a"
                                 " WHERE a.story_id IS NULL AND a.story_vector IS NOT NULL").fetchall()
        if not rows:
            return Counter()
        index = self._story_index(settings)
        before = list(index.story)  # the stored articles' stories; only those that merge move
        numbered: dict[int, int] = {}
        counts: Counter = Counter()
        for article_id, date, vector, lang in sorted(rows, key=lambda r: (_published(r[1]) or dt.datetime.min, r[0])):
            story = index.place(article_id, np.frombuffer(vector, dtype="<f4"), _published(date), language_code(lang))
            if story < 0 and story not in numbered:
                numbered[story] = self.conn.execute("INSERT INTO stories (created) VALUES (?)",
                                                    (dt.datetime.now(dt.timezone.utc).isoformat(),)).lastrowid
                counts["stories"] += 1
        placed = {r[0] for r in rows}
        merged = {numbered.get(source, source) for source in index.merged}
        for story in merged:  # the articles of a merged story move below; its row goes
            self.conn.execute("UPDATE articles SET story_id = NULL WHERE story_id = ?", (story,))
            self.conn.execute("DELETE FROM stories WHERE id = ?", (story,))
        counts.update("merged" for source in index.merged if source > 0)  # stored stories merged away
        was = before + [None] * (len(index.ids) - len(before))
        moved = [(numbered.get(story, story), article_id) for article_id, story, old in zip(index.ids, index.story, was)
                 if article_id in placed or old in merged]
        self.conn.executemany("UPDATE articles SET story_id = ? WHERE id = ?", moved)
        return counts

    @_sqlite_errors
    def story_members(self, stories: Iterable[int]) -> dict[int, list[str]]:
        """Article ids of each stored story."""
        out: dict[int, list[str]] = {}
        for chunk in _chunks(sorted(set(stories))):
            for article_id, story in self.conn.execute(
                    f"SELECT id, story_id FROM articles WHERE story_id IN ({_marks(chunk)}) ORDER BY id", chunk):
                out.setdefault(story, []).append(article_id)
        return out

    @_sqlite_errors
    def claims_of(self, article_ids: Iterable[str]) -> tuple[list[Claim], np.ndarray]:
        """Every stored claim of these articles, in (article, index) order, and its vector."""
        claims, vectors = [], []
        for chunk in _chunks(sorted(set(article_ids))):
            for row in self.conn.execute(
                    'SELECT c.article_id, c.idx, t.text, c.start, c."end", c.lang, c.paragraph_start, c.paragraph_end,'
                    f" c.attribution, t.vector FROM claims c JOIN texts t ON t.id = c.text_id"
                    f" WHERE c.article_id IN ({_marks(chunk)}) ORDER BY c.article_id, c.idx", chunk):
                claims.append(Claim(article_id=row[0], index=row[1], text=row[2], start=row[3], end=row[4],
                                    lang=row[5], paragraph=(row[6], row[7]), attribution=row[8]))
                vectors.append(np.frombuffer(row[9], dtype="<f4"))
        return claims, _stack(vectors, self.dim())

    @_sqlite_errors
    def facts(self, claims: Iterable[Claim]) -> dict[Claim, ClaimFacts]:
        """The stored facts of these claims (claims stored without facts, or with facts of an older
        claimcheck, are left out)."""
        wanted = {(c.article_id, c.index): c for c in claims}
        out: dict[Claim, ClaimFacts] = {}
        for chunk in _chunks(sorted({article for article, _ in wanted})):
            for article, index, text in self.conn.execute(
                    f"SELECT article_id, idx, facts FROM claims WHERE article_id IN ({_marks(chunk)})"
                    " AND facts IS NOT NULL", chunk):
                if (article, index) in wanted and (loaded := load_facts(text)) is not None:
                    out[wanted[article, index]] = loaded
        return out

    def _claim_embedder(self, embedder: str, dim: int) -> None:
        """Record the embedder of a new store; E406 when a store's embedder or dimension differs."""
        self.check_embedder(embedder)
        found = self.meta().get("dim")
        if found is None:
            self._set_meta(embedder=embedder, dim=dim)
        elif found != str(dim):
            raise ClaimcheckError(Errors.E406.format(path=self.path, found=f"{embedder} ({found} dims)",
                                                     expected=f"{embedder} ({dim} dims)"))

    def _put(self, entry: Entry) -> str:
        article, digest = entry.article, content_hash(entry.article)
        row = self.conn.execute("SELECT content_hash FROM articles WHERE id = ?", (article.id,)).fetchone()
        if row is not None and row[0] == digest:
            return "unchanged"
        if len(entry.claims) != len(entry.vectors):
            raise ValueError(f"{article.id}: {len(entry.claims)} claims but {len(entry.vectors)} vectors")
        if row is not None:
            self._delete(article.id)
        story_vector = None if entry.story_vector is None else np.asarray(entry.story_vector, dtype="<f4").tobytes()
        self.conn.execute(
            "INSERT INTO articles (id, content_hash, text, title, date, source, url, lang, path, story_vector)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (article.id, digest, article.text, article.title, article.date, article.source, article.url,
             article.lang, article.path, story_vector))
        facts = entry.facts or [None] * len(entry.claims)
        for c, vector, claim_facts in zip(entry.claims, entry.vectors, facts):
            self.conn.execute("INSERT OR IGNORE INTO texts (text, vector) VALUES (?, ?)",
                              (c.text, np.asarray(vector, dtype="<f4").tobytes()))
            self.conn.execute(
                'INSERT INTO claims (article_id, idx, text_id, start, "end", lang, paragraph_start, paragraph_end,'
                " attribution, facts) SELECT ?, ?, id, ?, ?, ?, ?, ?, ?, ? FROM texts WHERE text = ?",
                (c.article_id, c.index, c.start, c.end, c.lang, c.paragraph[0], c.paragraph[1], c.attribution,
                 None if claim_facts is None else dump_facts(claim_facts), c.text))
        return "replaced" if row is not None else "added"

    def _delete(self, article_id: str) -> None:
        """Remove an article, its claims and findings (cascade) and the texts no other claim uses."""
        text_ids = [r[0] for r in self.conn.execute("SELECT text_id FROM claims WHERE article_id = ?", (article_id,))]
        self.conn.execute("DELETE FROM articles WHERE id = ?", (article_id,))
        for chunk in _chunks(text_ids):
            self.conn.execute(f"DELETE FROM texts WHERE id IN ({_marks(chunk)})"
                              " AND NOT EXISTS (SELECT 1 FROM claims WHERE text_id = texts.id)", chunk)

    def _put_findings(self, findings: Sequence[Finding]) -> None:
        """Findings whose two articles are both stored (a corpus article replaced meanwhile drops out)."""
        rows = []
        for f in findings:
            articles = self._articles([f.a.article_id, f.b.article_id])
            if len(articles) == 2:
                rows.append((finding_key(f), f.verdict, f.score, f.a.article_id, f.a.index, f.b.article_id,
                             f.b.index, json.dumps(finding_record(f, articles), ensure_ascii=False, sort_keys=True)))
        self.conn.executemany(
            "INSERT OR REPLACE INTO findings (key, verdict, score, a_article, a_index, b_article, b_index, record)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)

    # --- reads -------------------------------------------------------------------------------

    @_sqlite_errors
    def hashes(self, ids: Iterable[str]) -> dict[str, str]:
        """Content hash of each stored article among ``ids``."""
        out: dict[str, str] = {}
        for chunk in _chunks(list(ids)):
            out.update(self.conn.execute(f"SELECT id, content_hash FROM articles WHERE id IN ({_marks(chunk)})",
                                         chunk).fetchall())
        return out

    @_sqlite_errors
    def articles(self, ids: Iterable[str]) -> dict[str, Article]:
        return self._articles(ids)

    def _articles(self, ids: Iterable[str]) -> dict[str, Article]:
        out: dict[str, Article] = {}
        for chunk in _chunks(sorted(set(ids))):
            for row in self.conn.execute("SELECT id, text, title, date, source, url, lang, path FROM articles"
                                         f" WHERE id IN ({_marks(chunk)})", chunk):
                out[row[0]] = Article(*row)
        return out

    @_sqlite_errors
    def claims(self, text_ids: Iterable[int], *, exclude: Iterable[str] = (),
               copies: int | None = None) -> tuple[list[Claim], np.ndarray]:
        """Stored claims with one of these texts (by text id), outside the ``exclude``d articles, and
        their vectors, shape ``(n, dim)``; with ``copies``, at most that many claims per text.

        Claims that repeat a sentence have the same vector: a top-k search needs k of them at most.
        """
        skip = sorted(set(exclude))
        claims, vectors = [], []
        for chunk in _chunks(sorted({int(k) for k in text_ids})):
            rows = self.conn.execute(
                'SELECT c.article_id, c.idx, t.text, c.start, c."end", c.lang, c.paragraph_start, c.paragraph_end,'
                " c.attribution, t.vector FROM (SELECT *, row_number() OVER (PARTITION BY text_id ORDER BY article_id, idx)"
                f" AS copy FROM claims WHERE text_id IN ({_marks(chunk)}) AND article_id NOT IN ({_marks(skip)})) c"
                " JOIN texts t ON t.id = c.text_id WHERE c.copy <= ? ORDER BY c.article_id, c.idx",
                [*chunk, *skip, 2**62 if copies is None else copies])
            for row in rows:
                claims.append(Claim(article_id=row[0], index=row[1], text=row[2], start=row[3], end=row[4],
                                    lang=row[5], paragraph=(row[6], row[7]), attribution=row[8]))
                vectors.append(np.frombuffer(row[9], dtype="<f4"))
        return claims, _stack(vectors, self.dim())

    @_sqlite_errors
    def claim_counts(self, article_ids: Iterable[str]) -> dict[str, int]:
        """How many claims each stored article among ``article_ids`` has."""
        out: dict[str, int] = {}
        for chunk in _chunks(sorted(set(article_ids))):
            out.update(self.conn.execute(f"SELECT article_id, count(*) FROM claims WHERE article_id IN ({_marks(chunk)})"
                                         " GROUP BY article_id", chunk).fetchall())
        return out

    def dim(self) -> int:
        value = self.meta().get("dim", "0")
        if not value.isdigit():
            raise ClaimcheckError(Errors.E401.format(path=self.path, why=f"its meta 'dim' is {value[:40]!r}, not a number"))
        return int(value)

    @_sqlite_errors
    def counts(self) -> dict[str, object]:
        """Counts of articles, claims and findings (by verdict) and the schema version."""
        verdicts = dict(self.conn.execute("SELECT verdict, count(*) FROM findings GROUP BY verdict").fetchall())
        return {
            "schema_version": self.version(),
            "articles": self.conn.execute("SELECT count(*) FROM articles").fetchone()[0],
            "claims": self.conn.execute("SELECT count(*) FROM claims").fetchone()[0],
            "stories": self.conn.execute("SELECT count(*) FROM stories").fetchone()[0],
            "distinct_claim_texts": self.conn.execute("SELECT count(*) FROM texts").fetchone()[0],
            "findings": sum(verdicts.values()),
            "findings_by_verdict": {v: verdicts.get(v, 0) for v in ("contradiction", "update", "agreement")},
        }

    @_sqlite_errors
    def neighbours(self, vectors: np.ndarray, count: int, *, exclude: set[str], min_similarity: float,
                   copies: int | None = None) -> tuple[list[Claim], np.ndarray]:
        """The stored claims with one of the ``count`` nearest texts of any query vector, outside the
        ``exclude``d articles (at most ``copies`` claims per text): a superset of each query's
        ``count`` nearest claims when ``copies >= count``.

        As many texts as the excluded articles have are fetched on top of ``count``, so each query
        still gets its ``count`` nearest from the rest. Texts below ``min_similarity`` (cosine,
        less a small margin for the index's rounding) are left out.
        """
        index = self.vector_index()
        if len(index) == 0 or len(vectors) == 0:
            return [], np.zeros((0, np.shape(vectors)[-1]), dtype=np.float32)
        skipped = sum(self.claim_counts(exclude).values())
        queries = np.unique(np.asarray(vectors, dtype=np.float32), axis=0)  # repeated sentences: one search
        matches = index.search(queries, min(count + skipped, len(index)), exact=len(index) <= EXACT_UP_TO)
        return self.claims(_similar_keys(matches, min_similarity), exclude=exclude, copies=copies)

    # --- vector index --------------------------------------------------------------------------

    def vector_index(self):  # -> usearch.index.Index
        """The index of every stored text's vector, matching SQLite (brought up to date when needed)."""
        if self._index is None:
            self._index = self.sync_index()
        return self._index

    @_sqlite_errors
    def index_in_sync(self) -> bool:
        """Whether the index file beside the database matches it (no rebuild, no write)."""
        with self._snapshot():
            return self._matches(_restore(index_path(self.path), view=True))

    @_sqlite_errors
    def sync_index(self):  # -> usearch.index.Index
        """Bring the index up to date from SQLite; a writer saves it (temp file + ``os.replace``).

        Writers hold an exclusive ``flock`` on ``DB.usearch.lock`` meanwhile, so the last index
        written is built from a snapshot that holds every earlier writer's commits.
        """
        path = index_path(self.path)
        with _index_lock(path, self.writable):
            with self._snapshot():
                index = _restore(path, view=True)
                if self._matches(index):
                    return index
                index = self._updated(_restore(path, view=False))
            if self.writable:
                _save_index(index, path)
            else:
                logger.warning("the vector index %s is missing or stale; rebuilt in memory (an ingest saves it)", path)
        return index

    def _matches(self, index) -> bool:
        count, top = self.conn.execute("SELECT count(*), max(id) FROM texts").fetchone()
        if index is None or len(index) != count:
            return False
        if count == 0:
            return True
        if index.ndim != self.dim() or int(np.max(np.asarray(index.keys))) != top:
            return False
        stored = np.frombuffer(self.conn.execute("SELECT vector FROM texts WHERE id = ?", (top,)).fetchone()[0], "<f4")
        return bool(np.allclose(index[top], stored, atol=1e-6))

    def _updated(self, index):
        """``index`` (or a new one) with the stored vectors it lacks added and the deleted ones removed."""
        Index = hnsw_index()

        dim = self.dim()
        if index is None or index.ndim != dim or not self._matches_some(index):
            index = Index(ndim=max(dim, 1), metric="cos", dtype="f32", expansion_search=EXPANSION_SEARCH)
        stored = np.asarray([row[0] for row in self.conn.execute("SELECT id FROM texts")], dtype=np.uint64)
        held = np.asarray(index.keys, dtype=np.uint64)
        gone = np.setdiff1d(held, stored)
        if len(gone):
            index.remove(gone)
        new = np.setdiff1d(stored, held)
        for chunk in _chunks(new.tolist(), 5000):
            rows = self.conn.execute(f"SELECT id, vector FROM texts WHERE id IN ({_marks(chunk)})", chunk).fetchall()
            index.add(np.asarray([r[0] for r in rows], dtype=np.uint64),
                      np.stack([np.frombuffer(r[1], dtype="<f4") for r in rows]))
        return index

    def _matches_some(self, index) -> bool:
        """Whether an old index holds this store's vectors (and not a foreign store's) for the keys it shares."""
        keys = np.asarray(index.keys)
        if len(keys) == 0:
            return True
        key = int(keys.max())
        row = self.conn.execute("SELECT vector FROM texts WHERE id = ?", (key,)).fetchone()
        return row is None or bool(np.allclose(index[key], np.frombuffer(row[0], "<f4"), atol=1e-6))


# An article's language: as given, else that of its claims (detected when it was segmented).
_LANGUAGE = "COALESCE(a.lang, (SELECT c.lang FROM claims c WHERE c.article_id = a.id LIMIT 1))"


def _published(date: str | None) -> dt.datetime | None:
    return published(Article("", "", date=date))


def _restore(path: Path, view: bool):
    """The index saved at ``path``, or None when it is missing or unreadable."""
    Index = hnsw_index()

    if not path.is_file():
        return None
    try:
        index = Index.restore(str(path), view=view)
    except (ValueError, RuntimeError, OSError) as exc:
        logger.warning("ignoring unreadable vector index %s (%s)", path, exc)
        return None
    if index is not None:
        index.expansion_search = EXPANSION_SEARCH  # a search setting, not saved in the file
    return index


def _save_index(index, path: Path) -> None:
    """Save through a temp file (removed when the save fails) and ``os.replace``."""
    tmp = path.with_name(path.name + ".tmp")
    try:
        index.save(str(tmp))
        os.replace(tmp, path)
    except OSError as exc:
        raise write_error(path, exc) from exc
    except RuntimeError as exc:  # usearch's own report of a failed write
        raise ClaimcheckError(Errors.E302.format(path=path, why=exc)) from exc
    finally:
        tmp.unlink(missing_ok=True)


def _similar_keys(matches, min_similarity: float) -> np.ndarray:
    """Keys of the matches of one query (``Matches``) or many (``BatchMatches``) at or above ``min_similarity``."""
    keys, distances = np.atleast_2d(matches.keys), np.atleast_2d(matches.distances)
    counts = np.asarray(getattr(matches, "counts", [keys.shape[1]]))
    found = np.arange(keys.shape[1])[None, :] < counts[:, None]
    with np.errstate(invalid="ignore"):
        found &= 1.0 - distances >= min_similarity - 1e-3  # cosine distance, rounded in the index
    return np.unique(keys[found])


@contextmanager
def _index_lock(path: Path, exclusive: bool) -> Iterator[None]:
    if not exclusive:
        yield
        return
    with open(path.with_name(path.name + ".lock"), "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _chunks(items: list, size: int = _CHUNK) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _marks(chunk: list) -> str:
    return ", ".join("?" * len(chunk))


def _stack(vectors: list[np.ndarray], dim: int) -> np.ndarray:
    return np.stack(vectors).astype(np.float32) if vectors else np.zeros((0, dim), dtype=np.float32)
