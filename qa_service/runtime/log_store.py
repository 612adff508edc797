"""Where the query log keeps its rows: one small interface, SQLite by default, PostgreSQL for replicas.

SQL is written once, with ``?`` placeholders and portable types; each store owns its connection
handling and schema. ``log_stores.py`` chooses one: ``QA_DATABASE_URL`` names PostgreSQL
(``log_store_postgres``); otherwise a SQLite file in ``QA_VAR_DIR``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol


class LogStoreError(Exception):
    """A store could not read or write (locked file, lost connection...): logged, never shown to patients."""


class LogStore(Protocol):
    """The rows of the query log and the feedback; every method raises LogStoreError on failure."""

    where: str  # for log lines: a file path or a database name, never a password

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one statement in its own transaction; returns the rows it changed."""
        ...

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """Run one statement for every row, all in one transaction."""
        ...

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]: ...
