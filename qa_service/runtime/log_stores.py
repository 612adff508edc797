"""The query log's stores, and which one a deployment opens: add a store here (and its module)."""

from __future__ import annotations

from pathlib import Path

from qa_service.runtime.log_store import LogStore


def open_log_store(database_url: str, var_dir: Path) -> LogStore:
    """PostgreSQL when ``database_url`` names it, else the embedded SQLite file."""
    if database_url:
        from qa_service.runtime.log_store_postgres import PostgresLogStore

        return PostgresLogStore(database_url)
    from qa_service.runtime.log_store_sqlite import SqliteLogStore

    return SqliteLogStore(var_dir / "analytics.sqlite3")
