"""Scoring the candidates: the learned fusion's probability, then what the question asks for.

The learned fusion (``fusion.py``) reads every figure of the evidence; its probability is both the order
and the confidence (docs/QUALITY.md). A question that asks for a kind of fact (a price, hours, booking)
lifts the passages that give one and, when it must be given, lowers those that do not; a question naming a
subject no article mentions is lowered as a whole, and so is one that names no candidate's subject in a
library of subject-named documents (``Retriever.names_subjects``). ``Scorer`` is the stage's shape: the
lab's comparison fusions (``lab/fusions.py``) are other scorers a benchmark passes in.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from qa_service.core.evidence import Evidence
from qa_service.core.fusion import learned_fusion
from qa_service.core.hits import Hit
from qa_service.core.query import Query
from qa_service.core.retrieval import Retriever

ANSWER_TYPE_PENALTY = 0.2
NAMED_TITLE = 0.66  # the share of a title's words that names its subject ("yeast infection" of three)

Scorer = Callable[[Retriever, Query, Evidence], list[Hit]]


def ruled_out(retriever: Retriever, query: Query, row: int) -> bool:
    """Whether this stage lowers the passage however close it reads: it lacks a kind of fact the question
    requires, or the question names a subject no article mentions. A later stage never raises such a one."""
    kind = query.answer_type
    return bool(query.uncovered) or (kind is not None and kind.required and not retriever.holds(kind, row))


def score(retriever: Retriever, query: Query, evidence: Evidence) -> list[Hit]:
    """Every candidate as a Hit, best first (ties by row, so the order is deterministic)."""
    probabilities = learned_fusion(evidence.second is not None).probability(evidence).tolist()
    kind = query.answer_type
    # In a library of subject-named documents, a question that names none of its candidates' subjects asks
    # about one the library does not cover ("itchy ears" beside "Itchy scalp": tests/test_subject_library.py).
    unnamed = retriever.names_subjects and not bool((evidence.title >= NAMED_TITLE).any())
    scored: list[Hit] = []
    for i, r in enumerate(evidence.rows):
        cos, cov = float(evidence.cosine[i]), float(evidence.coverage[i])
        conf = probabilities[i]
        if kind is not None:
            if retriever.holds(kind, r):  # gives the asked fact: its probability's square root, higher
                conf = math.sqrt(conf)
            elif kind.required:
                conf *= ANSWER_TYPE_PENALTY  # asks for a price / hours / booking the passage doesn't give
        if query.uncovered or unnamed:
            conf *= ANSWER_TYPE_PENALTY  # names a subject (laser, makeup...) no article mentions
        scored.append(Hit(retriever.passages[r], r, conf, cos, cov, conf))
    scored.sort(key=lambda h: (-h.score, h.row))
    return scored
