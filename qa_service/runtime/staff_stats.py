"""The staff summary of the query log (``GET /admin/stats``) as typed records; ``to_dict`` is its JSON."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class DayCount:
    day: str
    questions: int
    answered: int


@dataclass(frozen=True)
class QuestionCount:
    """A scrubbed question, how often it was asked in the period, and when last."""

    question: str
    count: int
    last_asked: str


@dataclass(frozen=True)
class UrgentCounts:
    emergency: int = 0
    urgent: int = 0


@dataclass(frozen=True)
class UnhelpfulAnswer:
    answer_id: str
    unhelpful: int


@dataclass(frozen=True)
class FeedbackSummary:
    helpful: int
    not_helpful: int
    most_unhelpful_answers: tuple[UnhelpfulAnswer, ...] = ()


@dataclass(frozen=True)
class StaffStats:
    period_days: int
    retention_days: int
    questions: int
    answered_rate: float | None  # None when nothing was asked in the period
    per_day: tuple[DayCount, ...]
    top_questions: tuple[QuestionCount, ...]
    unanswered_questions: tuple[QuestionCount, ...]
    urgent: UrgentCounts
    feedback: FeedbackSummary

    def to_dict(self) -> dict[str, Any]:
        """The JSON body of ``GET /admin/stats`` (openapi.yaml's AdminStats), keys in this order."""
        return dataclasses.asdict(
            self, dict_factory=lambda items: {k: list(v) if isinstance(v, tuple) else v for k, v in items}
        )
