"""The quality gate on the labelled dev set: the suite fails when answer quality regresses."""

from __future__ import annotations

from qa_service.core.answer import answer_question
from qa_service.core.evaluation import evaluate, format_table, load_set
from qa_service.core.retrieval import Retriever
from qa_service.settings import Settings
from tests.conftest import DEV_SET


def test_dev_set_meets_the_quality_gate(retriever: Retriever) -> None:
    threshold = Settings().min_confidence
    slices = evaluate(
        load_set(DEV_SET), lambda q, lang: answer_question(retriever, q, top_k=10, min_confidence=threshold)
    )
    print(format_table(slices))
    overall = slices["all"].figures()
    failures = "\n".join(slices["all"].failures)
    assert overall["recall@3"] >= 0.95, failures
    assert overall["oos_rejection"] >= 0.8, failures
    assert overall["answered_rate"] >= 0.9, failures
    assert overall["red_flag_recall"] == 1.0, failures
    assert slices["all"].false_alarms == 0, failures
