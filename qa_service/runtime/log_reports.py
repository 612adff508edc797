"""What the staff console reads from the query log, and the one change it makes to it (deleting a question).

Every text here is already scrubbed (the log stores nothing else). Reports are per period, by UTC day.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from qa_service.runtime.query_log import QueryLog

log = logging.getLogger(__name__)
MAX_QUESTIONS = 5000  # distinct unanswered questions read for grouping: the most asked first


@dataclass(frozen=True)
class Day:
    day: str
    questions: int
    answered: int
    urgent: int


@dataclass(frozen=True)
class Unhelpful:
    question: str
    answer_id: str
    count: int
    last: str


def _since(days: int) -> float:
    return (datetime.now(UTC) - timedelta(days=days)).timestamp()


def per_day(query_log: QueryLog, days: int) -> list[Day]:
    """Every day of the period, the quiet ones as zeros (a chart with gaps would lie about the trend)."""
    query_log.flush()
    found = {
        day: Day(day, int(n), int(a or 0), int(u or 0))
        for day, n, a, u in query_log.store.rows(
            "SELECT day, COUNT(*), SUM(answered), SUM(CASE WHEN urgent IS NULL THEN 0 ELSE 1 END) "
            "FROM queries WHERE ts >= ? GROUP BY day",
            (_since(days),),
        )
    }
    today = datetime.now(UTC).date()
    out = []
    for back in range(days - 1, -1, -1):
        day = (today - timedelta(days=back)).isoformat()
        out.append(found.get(day, Day(day, 0, 0, 0)))
    return out


def unanswered(query_log: QueryLog, days: int) -> list[tuple[str, int]]:
    """Distinct unanswered questions (case folded) with how often each was asked, most asked first."""
    query_log.flush()
    rows = query_log.store.rows(
        "SELECT lower(question) AS q, COUNT(*) AS n FROM queries WHERE ts >= ? AND answered = 0 "
        "GROUP BY q ORDER BY n DESC, q LIMIT ?",
        (_since(days), MAX_QUESTIONS),
    )
    return [(str(q), int(n)) for q, n in rows]


def unhelpful(query_log: QueryLog, days: int, limit: int = 200) -> list[Unhelpful]:
    """Questions whose answer a patient marked "not helpful", with the passage they were shown."""
    rows = query_log.store.rows(
        "SELECT lower(question) AS q, answer_id, COUNT(*) AS n, MAX(ts) FROM feedback "
        "WHERE ts >= ? AND helpful = 0 GROUP BY q, answer_id ORDER BY n DESC, MAX(ts) DESC LIMIT ?",
        (_since(days), limit),
    )
    return [
        Unhelpful(str(q), str(a), int(n), datetime.fromtimestamp(ts, UTC).isoformat(timespec="minutes"))
        for q, a, n, ts in rows
    ]


def delete_question(query_log: QueryLog, question: str) -> int:
    """Remove every entry of a question (case folded) from the log and its feedback; the deletion itself is
    recorded with its time and count, never the text."""
    query_log.flush()
    text = question.strip().lower()
    gone = query_log.store.execute("DELETE FROM queries WHERE lower(question) = ?", (text,))
    gone += query_log.store.execute("DELETE FROM feedback WHERE lower(question) = ?", (text,))
    query_log.store.execute(
        "INSERT INTO deletions (ts, rows, reason) VALUES (?, ?, ?)", (time.time(), gone, "deleted by staff")
    )
    log.info("staff deleted a question from the query log (%d entries)", gone)
    return gone


def deletions(query_log: QueryLog, limit: int = 20) -> list[tuple[str, int]]:
    """The latest deletions: when, and how many entries."""
    rows = query_log.store.rows("SELECT ts, rows FROM deletions ORDER BY ts DESC LIMIT ?", (limit,))
    return [(datetime.fromtimestamp(ts, UTC).isoformat(timespec="minutes"), int(n)) for ts, n in rows]
