"""The quality gate: the one policy that decides whether an index version is good enough to go live.

The build command runs it on the gate questions before switching ``CURRENT``; the test suite runs the
same function on its dev set, so the suite and production can never disagree about "good enough".
"""

from __future__ import annotations

from dataclasses import dataclass

from qa_service.core.answer import AnswerPassage, answer_question
from qa_service.core.evaluation import Scores, evaluate
from qa_service.core.question_sets import Item
from qa_service.core.retrieval import Retriever


@dataclass(frozen=True)
class GatePolicy:
    """Floors an index version must reach; a slice with no such question is not judged on it."""

    min_recall_at_3: float = 0.9
    min_oos_rejection: float = 0.8
    min_answered_rate: float = 0.9
    min_red_flag_recall: float = 1.0  # never fewer red flags caught: patient safety
    max_false_alarms: int = 0


def gate_problems(scores: Scores, policy: GatePolicy) -> list[str]:
    """What keeps these scores from passing the gate (empty: it passes), one readable reason each."""
    figures = scores.figures()
    floors = (
        ("recall@3", policy.min_recall_at_3),
        ("oos_rejection", policy.min_oos_rejection),
        ("answered_rate", policy.min_answered_rate),
        ("red_flag_recall", policy.min_red_flag_recall),
    )
    problems = [
        f"{name} {value:.3f} < {floor}"
        for name, floor in floors
        if (value := figures[name]) is not None and value < floor
    ]
    if scores.false_alarms > policy.max_false_alarms:
        problems.append(f"{scores.false_alarms} benign question(s) raised a red-flag alarm")
    return problems


def score_retriever(
    retriever: Retriever, items: list[Item], *, min_confidence: float, max_chars: int = 100_000
) -> dict[str, Scores]:
    """Ask every labelled question of a set as the API would (top 10) and score it, per language; a passage
    counts with its translations (gold phrases are written once, in the original's language)."""

    def texts_of(passage: AnswerPassage) -> list[str]:
        row = retriever.row_of(passage.id)
        links = retriever.passages[row].translations if row is not None else ()
        rows = [retriever.row_of(pid) for _, pid in links]
        return [passage.text, *(retriever.passages[r].text for r in rows if r is not None)]

    return evaluate(
        items,
        lambda question, _lang: answer_question(
            retriever, question, top_k=10, min_confidence=min_confidence, max_chars=max_chars
        ),
        texts_of,
    )
