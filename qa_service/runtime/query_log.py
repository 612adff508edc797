"""The query log and feedback: what patients ask, especially what goes unanswered.

Rows live in a LogStore: a SQLite file (WAL) per replica by default, PostgreSQL shared by every replica
with ``QA_DATABASE_URL`` (``log_store*.py``).

Only scrubbed questions are stored (see ``privacy.scrub``); entries older than the retention period are
deleted. Questions are queued in memory and written by a background thread, a batch per transaction, at
most ``flush_interval`` seconds later: scrubbing and writing cost a patient's request ~0.14 ms when done
inline, and one transaction per batch instead of per question saves work under load. A worker ended by
SIGKILL or by the request watchdog (``os._exit``) loses at most that interval of entries; a normal exit
writes them (``atexit``). Feedback, rare, is written at once.
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
from collections import deque
from datetime import UTC, datetime, timedelta
from typing import Any

from qa_service.core.answer import Answer
from qa_service.core.privacy import scrub
from qa_service.runtime.log_store import LogStore, LogStoreError
from qa_service.runtime.staff_stats import (
    DayCount,
    FeedbackSummary,
    QuestionCount,
    StaffStats,
    UnhelpfulAnswer,
    UrgentCounts,
)

log = logging.getLogger(__name__)


class QueryLog:
    """Append-only log of scrubbed questions and feedback, with retention and a staff summary."""

    def __init__(self, store: LogStore, retention_days: int = 90, flush_interval: float = 0.5) -> None:
        self.store = store
        self.retention_days = retention_days
        self.flush_interval = flush_interval
        self._last_purge = 0.0
        # Bounded: if the store stays unavailable, the oldest unwritten entries go first, never the answers.
        self._queue: deque[tuple[Any, ...]] = deque(maxlen=100_000)
        self._flush_lock = threading.Lock()
        self._writer: threading.Thread | None = None
        self._writer_lock = threading.Lock()
        self.purge()

    def _write(self, sql: str, params: tuple[Any, ...]) -> None:
        """A failed write is logged, never raised: analytics must not cost a patient an answer."""
        try:
            self.store.execute(sql, params)
        except LogStoreError as exc:
            log.error("analytics write failed (%s): %s", self.store.where, exc)

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
                self.store.executemany(
                    "INSERT INTO queries (ts, day, question, lang, answered, urgent, confidence, index_version) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    rows,
                )
            except LogStoreError as exc:
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
            gone = self.store.execute("DELETE FROM queries WHERE ts < ?", (cutoff,))
            gone += self.store.execute("DELETE FROM feedback WHERE ts < ?", (cutoff,))
        except LogStoreError as exc:
            log.error("analytics purge failed: %s", exc)
            return 0
        return gone

    def stats(self, days: int = 30, limit: int = 20) -> StaffStats:
        """The staff summary: volume, answered rate, top and unanswered questions, triage, feedback.
        Raises LogStoreError when the store cannot be read."""
        self.flush()  # this worker's queued questions; other workers' arrive within their flush interval
        db = self.store
        since = (datetime.now(UTC) - timedelta(days=days)).timestamp()
        per_day = tuple(
            DayCount(day, int(n), int(a or 0))
            for day, n, a in db.rows(
                "SELECT day, COUNT(*), SUM(answered) FROM queries WHERE ts >= ? GROUP BY day ORDER BY day", (since,)
            )
        )
        total, answered = db.rows("SELECT COUNT(*), COALESCE(SUM(answered), 0) FROM queries WHERE ts >= ?", (since,))[0]

        def grouped(where: str) -> tuple[QuestionCount, ...]:
            rows = db.rows(
                f"SELECT lower(question) AS q, COUNT(*) AS n, MAX(ts) FROM queries WHERE ts >= ? {where} "  # noqa: S608
                "GROUP BY q ORDER BY n DESC, MAX(ts) DESC LIMIT ?",
                (since, limit),
            )
            return tuple(
                QuestionCount(q, int(n), datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds"))
                for q, n, ts in rows
            )

        urgent = dict(
            db.rows(
                "SELECT urgent, COUNT(*) FROM queries WHERE ts >= ? AND urgent IS NOT NULL GROUP BY urgent", (since,)
            )
        )
        helpful, unhelpful = db.rows(
            "SELECT COALESCE(SUM(helpful), 0), COALESCE(SUM(1 - helpful), 0) FROM feedback WHERE ts >= ?", (since,)
        )[0]
        worst = tuple(
            UnhelpfulAnswer(a, int(n))
            for a, n in db.rows(
                "SELECT answer_id, SUM(1 - helpful) AS n FROM feedback WHERE ts >= ? GROUP BY answer_id "
                "HAVING SUM(1 - helpful) > 0 ORDER BY n DESC LIMIT ?",
                (since, limit),
            )
        )
        return StaffStats(
            period_days=days,
            retention_days=self.retention_days,
            questions=int(total),
            answered_rate=round(answered / total, 4) if total else None,
            per_day=per_day,
            top_questions=grouped(""),
            unanswered_questions=grouped("AND answered = 0"),
            urgent=UrgentCounts(int(urgent.get("emergency", 0)), int(urgent.get("urgent", 0))),
            feedback=FeedbackSummary(int(helpful), int(unhelpful), worst),
        )
