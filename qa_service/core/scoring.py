"""Scoring the candidates: one figure per passage from its evidence, then what the question asks for.

The learned fusion's probability is both the order and the confidence (docs/QUALITY.md). A question that
asks for a kind of fact (a price, hours, booking) lifts the passages that give one and, when it must be
given, lowers those that do not; a question naming a subject no article mentions is lowered as a whole.
"""

from __future__ import annotations

import math

import numpy as np

from qa_service.core.evidence import RRF_K, Evidence
from qa_service.core.fusion import blend, confidence, convex, learned_fusion, rrf
from qa_service.core.hits import Hit
from qa_service.core.query import Query
from qa_service.core.retrieval import Retriever
from qa_service.core.tuning import Tuning

ANSWER_TYPE_PENALTY = 0.2


def fuse(tuning: Tuning, evidence: Evidence) -> np.ndarray:
    """One score per candidate from the dense and the lexical evidence, as ``tuning`` says."""
    mode, fusion, weight = tuning.mode, tuning.fusion, tuning.lexical_weight
    if mode == "dense":
        return evidence.cosine
    if mode == "lexical":
        return evidence.bm25
    if fusion == "rrf":
        return rrf(evidence, weight)
    if fusion == "blend":
        return blend(evidence)
    if fusion == "convex":
        return convex(evidence, weight)
    return learned_fusion(evidence.second is not None).probability(evidence)


def score(retriever: Retriever, query: Query, evidence: Evidence) -> list[Hit]:
    """Every candidate as a Hit, best first (ties by row, so the order is deterministic)."""
    tuning = retriever.tuning
    learned = tuning.mode == "hybrid" and tuning.fusion == "learned"
    scores = fuse(tuning, evidence).tolist()
    kind = query.answer_type
    scored: list[Hit] = []
    for i, r in enumerate(evidence.rows):
        cos, cov = float(evidence.cosine[i]), float(evidence.coverage[i])
        value = scores[i]
        conf = value if learned else confidence(cos, cov)
        if kind is not None and tuning.mode == "hybrid":
            if retriever.holds(kind, r):  # gives the asked fact
                value += 1.0 / (RRF_K + 1) if tuning.fusion == "rrf" else 0.1
                conf = math.sqrt(conf) if learned else conf
            elif kind.required:
                conf *= ANSWER_TYPE_PENALTY  # asks for a price / hours / booking the passage doesn't give
        if query.uncovered:
            conf *= ANSWER_TYPE_PENALTY  # names a subject (laser, makeup...) no article mentions
        scored.append(Hit(retriever.passages[r], r, conf if learned else value, cos, cov, conf))
    scored.sort(key=lambda h: (-h.score, h.row))
    return scored
