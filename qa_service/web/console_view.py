"""What the staff console shows, gathered from the query log and the live index for one period."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from markupsafe import Markup

from qa_service.core.question_groups import QuestionGroup, group_questions
from qa_service.core.retrieval import Retriever
from qa_service.runtime.log_reports import Day, Unhelpful, unanswered, unhelpful
from qa_service.runtime.query_log import QueryLog
from qa_service.web.charts import bar_chart

PERIODS = (7, 30, 90)


@dataclass(frozen=True)
class ShownUnhelpful:
    row: Unhelpful
    passage_text: str | None
    document: str | None


def groups(query_log: QueryLog, retriever: Retriever | None, days: int) -> list[QuestionGroup]:
    """Unanswered questions grouped by meaning, with the vectors the service reads questions into."""
    questions = unanswered(query_log, days)
    if not questions:
        return []
    if retriever is None:  # no index: no vectors; each wording is its own group
        return [QuestionGroup(q, n, [(q, n)]) for q, n in questions]
    vectors = np.vstack([retriever.question_vector(retriever.read(q).dense_text)[0] for q, _ in questions])
    return group_questions(questions, vectors)


def unhelpful_shown(query_log: QueryLog, retriever: Retriever | None, days: int) -> list[ShownUnhelpful]:
    out = []
    for row in unhelpful(query_log, days):
        at = retriever.row_of(row.answer_id) if retriever is not None else None
        passage = retriever.passages[at] if retriever is not None and at is not None else None
        out.append(ShownUnhelpful(row, passage.text if passage else None, passage.document_title if passage else None))
    return out


def charts(days: list[Day], text: dict[str, str]) -> tuple[Markup, Markup]:
    labels = [d.day for d in days]
    questions = bar_chart(
        text["chart_questions"],
        labels,
        [
            ("answered", "qa-bar-answered", [d.answered for d in days]),
            ("unanswered", "qa-bar-unanswered", [d.questions - d.answered for d in days]),
        ],
        text["tip_questions"],
    )
    urgent = bar_chart(
        text["chart_urgent"], labels, [("urgent", "qa-bar-urgent", [d.urgent for d in days])], text["tip_urgent"]
    )
    return questions, urgent


def summary(days: list[Day]) -> dict[str, Any]:
    total = sum(d.questions for d in days)
    answered = sum(d.answered for d in days)
    return {
        "questions": total,
        "answered_rate": f"{answered / total:.0%}" if total else "–",
        "urgent": sum(d.urgent for d in days),
    }
