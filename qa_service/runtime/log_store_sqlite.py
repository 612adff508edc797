"""The embedded query-log store: one SQLite file in WAL mode, shared safely by a replica's workers."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from qa_service.runtime.log_store import LogStoreError

SCHEMA = """
CREATE TABLE IF NOT EXISTS queries (
    id INTEGER PRIMARY KEY,
    ts REAL NOT NULL,
    day TEXT NOT NULL,
    question TEXT NOT NULL,
    lang TEXT NOT NULL,
    answered INTEGER NOT NULL,
    urgent TEXT,
    confidence REAL,
    index_version TEXT
);
CREATE INDEX IF NOT EXISTS queries_ts ON queries (ts);
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY,
    ts REAL NOT NULL,
    question TEXT NOT NULL,
    answer_id TEXT NOT NULL,
    helpful INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS feedback_ts ON feedback (ts);
CREATE TABLE IF NOT EXISTS deletions (
    id INTEGER PRIMARY KEY,
    ts REAL NOT NULL,
    rows INTEGER NOT NULL,
    reason TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS staff_sessions (
    sid TEXT PRIMARY KEY,
    expires REAL NOT NULL,
    ended INTEGER NOT NULL
);
"""


class SqliteLogStore:
    """A connection per thread (sqlite3 objects are not shared across threads)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.where = str(path)
        self._local = threading.local()
        path.parent.mkdir(parents=True, exist_ok=True)
        # gunicorn starts its workers together: the first creates the file and switches it to WAL while
        # the others wait (SQLite does not apply its busy timeout to a journal-mode change).
        for attempt in range(50):
            try:
                db = self.connection()
                if db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                    db.execute("PRAGMA journal_mode=WAL")
                db.executescript(SCHEMA)
                break
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise LogStoreError(f"{path}: {exc}") from None
                time.sleep(0.05 * (attempt + 1) ** 0.5)

    def connection(self) -> sqlite3.Connection:
        """This thread's connection (autocommit; transactions are explicit)."""
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=5.0, isolation_level=None)
            db.execute("PRAGMA synchronous=NORMAL")
            self._local.db = db
        return db

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        try:
            return self.connection().execute(sql, params).rowcount
        except sqlite3.Error as exc:
            raise LogStoreError(str(exc)) from None

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        try:
            with self.connection() as db:  # one transaction for the batch
                db.execute("BEGIN")
                db.executemany(sql, rows)
        except sqlite3.Error as exc:
            raise LogStoreError(str(exc)) from None

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        try:
            return self.connection().execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise LogStoreError(str(exc)) from None
