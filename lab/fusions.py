"""Hand-set fusions and single-sided retrieval, kept only to compare the learned fusion against.

Each is a scoring stage (``qa_service.core.scoring.Scorer``) a benchmark passes to ``answer_question``:
dense only, BM25 only, reciprocal-rank fusion, a min-max convex combination, a fixed blend. Their
confidence is the hand-set logistic of cosine and coverage; a question asking for a kind of fact lifts
the passages that give one (in the hybrid ones), as the service did before the learned fusion.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from qa_service.core.evidence import RRF_K, Evidence
from qa_service.core.hits import Hit
from qa_service.core.query import Query
from qa_service.core.retrieval import Retriever
from qa_service.core.scoring import ANSWER_TYPE_PENALTY, Scorer


def confidence(cosine: float, coverage: float) -> float:
    """The hand-set confidence in [0, 1]: a passage must be close in meaning AND share the question's
    informative words (or their synonyms/translations) to be called an answer."""
    z = 8.0 * (cosine - 0.35) + 4.0 * (coverage - 0.5)
    return 1.0 / (1.0 + math.exp(-z))  # as the service computed it before the learned fusion


def rrf(evidence: Evidence, lexical_weight: float = 1.0) -> np.ndarray:
    """Reciprocal-rank fusion, the lexical list weighted against the dense list's 1."""
    return 1.0 / (RRF_K + evidence.dense_rank + 1) + lexical_weight / (RRF_K + evidence.lexical_rank + 1)


def blend(evidence: Evidence) -> np.ndarray:
    """0.7 x cosine + 0.3 x BM25 relative to the question's best BM25 score."""
    return 0.7 * evidence.cosine + 0.3 * evidence.bm25


def convex(evidence: Evidence, lexical_weight: float = 1.0) -> np.ndarray:
    """Min-max normalised cosine and relative BM25, weighted."""
    lo, hi = (evidence.cosine.min(), evidence.cosine.max()) if len(evidence.rows) else (0.0, 1.0)
    dense = (evidence.cosine - lo) / ((hi - lo) or 1.0)
    return (dense + lexical_weight * evidence.bm25) / (1.0 + lexical_weight)


def hand_set(fuse: Callable[[Evidence], np.ndarray], *, hybrid: bool = True, fact_bonus: float = 0.1) -> Scorer:
    """A scoring stage ranking by ``fuse`` with the hand-set confidence (``hybrid``: answer types count)."""

    def score(retriever: Retriever, query: Query, evidence: Evidence) -> list[Hit]:
        scores = fuse(evidence).tolist()
        kind = query.answer_type
        scored = []
        for i, r in enumerate(evidence.rows):
            cos, cov = float(evidence.cosine[i]), float(evidence.coverage[i])
            value, conf = scores[i], confidence(cos, cov)
            if kind is not None and hybrid:
                if retriever.holds(kind, r):
                    value += fact_bonus
                elif kind.required:
                    conf *= ANSWER_TYPE_PENALTY
            if query.uncovered:
                conf *= ANSWER_TYPE_PENALTY
            scored.append(Hit(retriever.passages[r], r, value, cos, cov, conf))
        scored.sort(key=lambda h: (-h.score, h.row))
        return scored

    return score


COMPARISONS: dict[str, Scorer] = {
    "dense": hand_set(lambda e: e.cosine, hybrid=False),
    "lexical": hand_set(lambda e: e.bm25, hybrid=False),
    "rrf": hand_set(rrf, fact_bonus=1.0 / (RRF_K + 1)),
    "convex": hand_set(lambda e: convex(e, 0.3)),
    "blend": hand_set(blend),
}
