"""The query log and feedback store (SQLite, WAL): what patients ask, especially what goes unanswered.

Only scrubbed questions are stored (see ``privacy.scrub``); entries older than the retention period are
deleted. Questions are queued in memory and written by a background thread, a batch per transaction, at
most ``flush_interval`` seconds later: scrubbing and writing cost a patient's request ~0.14 ms when done
inline, and one transaction per batch instead of per question saves work under load. A worker ended by
SIGKILL or by the request watchdog (``os._exit``) loses at most that interval of entries; a normal exit
writes them (``atexit``). Feedback, rare, is written at once. gunicorn workers share the file safely
through WAL.
"""

from __future__ import annotations

import atexit
import logging
import sqlite3
import threading
import time
from collections import deque
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from qa_service.core.answer import Answer
from qa_service.core.privacy import scrub

log = logging.getLogger(__name__)
_SCHEMA = """
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
"""


class QueryLog:
    """Append-only log of scrubbed questions and feedback, with retention and a staff summary."""

    def __init__(self, path: Path, retention_days: int = 90, flush_interval: float = 0.5) -> None:
        self.path = path
        self.retention_days = retention_days
        self.flush_interval = flush_interval
        self._local = threading.local()
        self._last_purge = 0.0
        # Bounded: if the file stays locked, the oldest unwritten entries go first, never the answers.
        self._queue: deque[tuple[Any, ...]] = deque(maxlen=100_000)
        self._flush_lock = threading.Lock()
        self._writer: threading.Thread | None = None
        self._writer_lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)
        # gunicorn starts its workers together: the first creates the file and switches it to WAL while
        # the others wait (SQLite does not apply its busy timeout to a journal-mode change).
        for attempt in range(50):
            try:
                db = self._connect()
                if db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                    db.execute("PRAGMA journal_mode=WAL")
                db.executescript(_SCHEMA)
                break
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise
                time.sleep(0.05 * (attempt + 1) ** 0.5)
        self.purge()

    def _connect(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=5.0, isolation_level=None)
            db.execute("PRAGMA synchronous=NORMAL")
            self._local.db = db
        return db

    def _write(self, sql: str, params: tuple[Any, ...]) -> None:
        """A failed write is logged, never raised: analytics must not cost a patient an answer."""
        try:
            self._connect().execute(sql, params)
        except sqlite3.Error as exc:
            log.error("analytics write failed: %s", exc)

    def record_query(self, answer: Answer) -> None:
        """Queue one answered question (written within ``flush_interval`` s, scrubbed, by the writer)."""
        urgent = answer.urgent.level if answer.urgent else None
        self._queue.append(
            (
                time.time(),
                answer.question,
                answer.lang,
                int(answer.answered),
                urgent,
                answer.top_confidence,
                answer.index_version,
            )
        )
        if self._writer is None:
            self._start_writer()

    def _start_writer(self) -> None:
        with self._writer_lock:
            if self._writer is None:
                self._writer = threading.Thread(target=self._write_loop, name="qa-query-log", daemon=True)
                self._writer.start()
                atexit.register(self.flush)

    def _write_loop(self) -> None:
        while True:
            time.sleep(self.flush_interval)
            self.flush()
            if time.time() - self._last_purge > 3600:
                self.purge()

    def flush(self) -> int:
        """Write the queued questions now, in one transaction; returns how many were written."""
        with self._flush_lock:
            rows = []
            while self._queue:
                ts, question, *rest = self._queue.popleft()
                day = datetime.fromtimestamp(ts, UTC).date().isoformat()
                rows.append((ts, day, scrub(question), *rest))
            if not rows:
                return 0
            try:
                with self._connect() as db:  # one transaction for the batch
                    db.execute("BEGIN")
                    db.executemany(
                        "INSERT INTO queries (ts, day, question, lang, answered, urgent, confidence, index_version) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        rows,
                    )
            except sqlite3.Error as exc:
                log.error("analytics write failed, %d questions not logged: %s", len(rows), exc)
                return 0
            return len(rows)

    def record_feedback(self, question: str, answer_id: str, helpful: bool) -> None:
        self._write(
            "INSERT INTO feedback (ts, question, answer_id, helpful) VALUES (?, ?, ?, ?)",
            (time.time(), scrub(question), answer_id, int(helpful)),
        )

    def purge(self) -> int:
        """Delete entries older than the retention period; returns how many went."""
        self.flush()
        self._last_purge = time.time()
        cutoff = (datetime.now(UTC) - timedelta(days=self.retention_days)).timestamp()
        try:
            db = self._connect()
            gone = db.execute("DELETE FROM queries WHERE ts < ?", (cutoff,)).rowcount
            gone += db.execute("DELETE FROM feedback WHERE ts < ?", (cutoff,)).rowcount
        except sqlite3.Error as exc:
            log.error("analytics purge failed: %s", exc)
            return 0
        return gone

    def stats(self, days: int = 30, limit: int = 20) -> dict[str, Any]:
        """The staff summary: volume, answered rate, top and unanswered questions, triage, feedback."""
        self.flush()  # this worker's queued questions; other workers' arrive within their flush interval
        db = self._connect()
        since = (datetime.now(UTC) - timedelta(days=days)).timestamp()
        per_day = [
            {"day": day, "questions": n, "answered": a}
            for day, n, a in db.execute(
                "SELECT day, COUNT(*), SUM(answered) FROM queries WHERE ts >= ? GROUP BY day ORDER BY day", (since,)
            )
        ]
        total, answered = db.execute(
            "SELECT COUNT(*), COALESCE(SUM(answered), 0) FROM queries WHERE ts >= ?", (since,)
        ).fetchone()

        def grouped(where: str) -> list[dict[str, Any]]:
            rows = db.execute(
                f"SELECT lower(question) AS q, COUNT(*) AS n, MAX(ts) FROM queries WHERE ts >= ? {where} "  # noqa: S608
                "GROUP BY q ORDER BY n DESC, MAX(ts) DESC LIMIT ?",
                (since, limit),
            )
            return [
                {"question": q, "count": n, "last_asked": datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds")}
                for q, n, ts in rows
            ]

        urgent = dict(
            db.execute(
                "SELECT urgent, COUNT(*) FROM queries WHERE ts >= ? AND urgent IS NOT NULL GROUP BY urgent", (since,)
            ).fetchall()
        )
        helpful, unhelpful = db.execute(
            "SELECT COALESCE(SUM(helpful), 0), COALESCE(SUM(1 - helpful), 0) FROM feedback WHERE ts >= ?", (since,)
        ).fetchone()
        worst = [
            {"answer_id": a, "unhelpful": n}
            for a, n in db.execute(
                "SELECT answer_id, SUM(1 - helpful) AS n FROM feedback WHERE ts >= ? GROUP BY answer_id "
                "HAVING n > 0 ORDER BY n DESC LIMIT ?",
                (since, limit),
            )
        ]
        return {
            "period_days": days,
            "retention_days": self.retention_days,
            "questions": total,
            "answered_rate": round(answered / total, 4) if total else None,
            "per_day": per_day,
            "top_questions": grouped(""),
            "unanswered_questions": grouped("AND answered = 0"),
            "urgent": {"emergency": urgent.get("emergency", 0), "urgent": urgent.get("urgent", 0)},
            "feedback": {"helpful": helpful, "not_helpful": unhelpful, "most_unhelpful_answers": worst},
        }
