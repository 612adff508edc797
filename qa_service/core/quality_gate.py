"""The quality gate: the one policy that decides whether an index version is good enough to go live.

The build command runs it on the gate questions before switching ``CURRENT``; the test suite runs the
same function on its dev set, so the suite and production can never disagree about "good enough".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from qa_service.core.answer import AnswerPassage, answer_question
from qa_service.core.documents import Document
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


def judged_items(
    retriever: Retriever,
    items: list[Item],
    documents: Sequence[Document],
    *,
    min_confidence: float,
    max_chars: int = 100_000,
) -> tuple[list[Item], tuple[str, ...]]:
    """The gate questions that apply to this library, and a note for each kind left out.

    A gate set is written for some articles (its *home*: the documents that hold its answers). When no
    document of the library holds any of its answers, it was written for another library (the shipped
    example beside a clinic's own articles): its answerable questions are not judged. When some do, every
    answerable question is judged, so a lost article or a reader that drops text is still refused. An
    out-of-scope question the library answers from an article outside the home has been covered since the
    set was written ("Do you offer chemical peels?" once a peel article is added): not judged. Red flags and
    harmless symptoms are always judged."""
    answers = [g.lower() for item in items if item.kind == "answerable" for g in item.gold]
    home = {d.id for d in documents if any(g in d.text.lower() for g in answers)}
    home |= {d.translation_of for d in documents if d.id in home and d.translation_of}
    home |= {d.id for d in documents if d.translation_of in home}
    judged: list[Item] = []
    foreign = covered = 0
    for item in items:
        if item.kind == "answerable" and not home:
            foreign += 1
            continue
        if item.kind == "out_of_scope":
            answer = answer_question(
                retriever, item.question, top_k=1, min_confidence=min_confidence, max_chars=max_chars
            )
            row = retriever.row_of(answer.passages[0].id) if answer.answered else None
            if row is not None and retriever.passages[row].document_id not in home:
                covered += 1
                continue
        judged.append(item)
    notes = []
    if foreign:
        notes.append(
            f"{foreign} answerable gate question(s) not judged: none of their answers is in this library's "
            "articles (the gate set was written for others); write gate questions for these articles"
        )
    if covered:
        notes.append(
            f"{covered} out-of-scope gate question(s) not judged: the library now answers them from articles "
            "the gate set was not written about"
        )
    return judged, tuple(notes)
