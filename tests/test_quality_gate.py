"""The quality gate on the labelled dev set: the suite fails when answer quality regresses.

It runs the very function the build runs before a version goes live (``core.quality_gate``), with a
stricter recall floor than the production default.
"""

from __future__ import annotations

from qa_service.core.evaluation import format_table
from qa_service.core.quality_gate import GatePolicy, gate_problems, score_retriever
from qa_service.core.question_sets import load_set
from qa_service.core.retrieval import Retriever
from qa_service.settings import Settings
from tests.conftest import DEV_SET

SUITE_POLICY = GatePolicy(min_recall_at_3=0.95, min_oos_rejection=0.8, min_answered_rate=0.9)


def test_dev_set_meets_the_quality_gate(retriever: Retriever) -> None:
    slices = score_retriever(retriever, load_set(DEV_SET), min_confidence=Settings().min_confidence)
    print(format_table(slices))
    problems = gate_problems(slices["all"], SUITE_POLICY)
    assert not problems, "; ".join(problems) + "\n" + "\n".join(slices["all"].failures)


def test_the_gate_names_every_floor_a_version_misses() -> None:
    from qa_service.core.evaluation import Scores

    weak = Scores(answerable=10, hit3=8, answered=7, out_of_scope=4, rejected=2, red_flag=2, flagged=1, benign=3)
    weak.false_alarms = 1
    problems = gate_problems(weak, GatePolicy())
    assert problems == [
        "recall@3 0.800 < 0.9",
        "oos_rejection 0.500 < 0.8",
        "answered_rate 0.700 < 0.9",
        "red_flag_recall 0.500 < 1.0",
        "1 benign question(s) raised a red-flag alarm",
    ]
    assert gate_problems(Scores(answerable=4, hit3=4, answered=4), GatePolicy()) == []
