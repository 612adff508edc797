"""The query log on PostgreSQL (``QA_DATABASE_URL``): one log for every replica, through a connection pool.

The schema is created, or migrated to the newest version, at start: each migration runs once, under an
advisory lock, so replicas and workers starting together never race. psycopg 3 with psycopg_pool.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import psycopg
from psycopg_pool import ConnectionPool

from qa_service.runtime.log_store import LogStoreError

MIGRATIONS = (
    # 1: the tables of the SQLite store, with PostgreSQL's types
    """
    CREATE TABLE IF NOT EXISTS queries (
        id BIGSERIAL PRIMARY KEY,
        ts DOUBLE PRECISION NOT NULL,
        day TEXT NOT NULL,
        question TEXT NOT NULL,
        lang TEXT NOT NULL,
        answered INTEGER NOT NULL,
        urgent TEXT,
        confidence DOUBLE PRECISION,
        index_version TEXT
    );
    CREATE INDEX IF NOT EXISTS queries_ts ON queries (ts);
    CREATE TABLE IF NOT EXISTS feedback (
        id BIGSERIAL PRIMARY KEY,
        ts DOUBLE PRECISION NOT NULL,
        question TEXT NOT NULL,
        answer_id TEXT NOT NULL,
        helpful INTEGER NOT NULL
    );
    CREATE INDEX IF NOT EXISTS feedback_ts ON feedback (ts);
    """,
    # 2: staff deletions from the console, recorded without the text they removed
    """
    CREATE TABLE IF NOT EXISTS deletions (
        id BIGSERIAL PRIMARY KEY,
        ts DOUBLE PRECISION NOT NULL,
        rows INTEGER NOT NULL,
        reason TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS staff_sessions (
        sid TEXT PRIMARY KEY,
        expires DOUBLE PRECISION NOT NULL,
        ended INTEGER NOT NULL
    );
    """,
)
_LOCK_ID = 0x5141_4C4F47  # pg_advisory_lock key of the schema migrations ("QALOG")


def _pg(sql: str) -> str:
    """The shared SQL's ``?`` placeholders as psycopg's ``%s``."""
    return sql.replace("%", "%%").replace("?", "%s")


class PostgresLogStore:
    """A small pool per worker (1–4 connections): the writer thread and the occasional stats request."""

    def __init__(self, url: str, *, max_size: int = 4) -> None:
        self.where = re.sub(r"//[^@/]*@", "//", url)  # never a password in a log line
        try:
            self.pool = ConnectionPool(url, min_size=1, max_size=max_size, open=True, timeout=10)
            self.pool.wait(timeout=10)
            self._migrate()
        except (psycopg.Error, OSError) as exc:
            raise LogStoreError(f"PostgreSQL at {self.where}: {exc}") from None

    def _migrate(self) -> None:
        with self.pool.connection() as db, db.transaction():
            db.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_ID,))
            db.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            row = db.execute("SELECT max(version) FROM schema_version").fetchone()
            current = (row[0] if row else None) or 0
            for number, migration in enumerate(MIGRATIONS[current:], current + 1):
                db.execute(migration)
                db.execute("INSERT INTO schema_version (version) VALUES (%s)", (number,))

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        try:
            with self.pool.connection() as db:
                return db.execute(_pg(sql), params).rowcount
        except (psycopg.Error, OSError) as exc:
            raise LogStoreError(str(exc)) from None

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        try:
            with self.pool.connection() as db, db.cursor() as cur:
                cur.executemany(_pg(sql), rows)
        except (psycopg.Error, OSError) as exc:
            raise LogStoreError(str(exc)) from None

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        try:
            with self.pool.connection() as db:
                return db.execute(_pg(sql), params).fetchall()
        except (psycopg.Error, OSError) as exc:
            raise LogStoreError(str(exc)) from None
