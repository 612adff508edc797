"""The evidence about each candidate passage of a question, gathered once and read by every fusion.

Dense search gives cosines and ranks; BM25 gives scores and ranks; the passage's own words give the share
of the question it covers; the document's title gives how much of its subject the question names.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

FEATURES = ("cosine", "cosine_gap", "bm25", "coverage", "dense_rrf", "lexical_rrf", "title")
# What the question's candidates say together: how close the best one comes, how much of a title and of
# the question any of them covers. The same for every candidate of a question, so they move confidence
# (is there an answer at all?) without changing the order.
QUESTION_FEATURES = ("best_cosine", "best_title", "best_coverage")
# With a second model (a paired encoder): its cosine and that cosine's gap to the question's best, and for
# the question its best such cosine.
SECOND_FEATURES = ("second_cosine", "second_gap")
SECOND_QUESTION_FEATURES = ("best_second",)
RRF_K = 60


def feature_names(paired: bool) -> tuple[str, ...]:
    """The candidate features read for one model, or for a pair (the second model's two appended)."""
    return FEATURES + (SECOND_FEATURES if paired else ())


def question_feature_names(paired: bool) -> tuple[str, ...]:
    """The question features read for one model, or for a pair."""
    return QUESTION_FEATURES + (SECOND_QUESTION_FEATURES if paired else ())


@dataclass(frozen=True)
class Evidence:
    """Rows of the candidate passages and, for each, the figures of FEATURES (a row of ``matrix``)."""

    rows: list[int]
    cosine: np.ndarray  # inner product of question and passage vectors
    dense_rank: np.ndarray  # 0-based rank in the dense list (depth when absent)
    bm25: np.ndarray  # BM25 score / the best BM25 score of the question (0 when absent)
    lexical_rank: np.ndarray  # 0-based rank in the lexical list (depth when absent)
    coverage: np.ndarray  # weighted share of the question's words the passage holds
    title: np.ndarray  # share of the document title's words the question names
    second: np.ndarray | None = None  # the second model's cosine (a paired encoder), else None

    @property
    def names(self) -> tuple[str, ...]:
        """The columns of ``matrix``."""
        return feature_names(self.second is not None)

    @property
    def question_names(self) -> tuple[str, ...]:
        """The entries of ``question_features``."""
        return question_feature_names(self.second is not None)

    def matrix(self) -> np.ndarray:
        """The features, one row per candidate, in the order of FEATURES."""
        gap = self.cosine - (self.cosine.max() if len(self.cosine) else 0.0)
        columns: list[np.ndarray] = [
            self.cosine,
            gap,
            self.bm25,
            self.coverage,
            (RRF_K + 1) / (RRF_K + 1 + self.dense_rank),  # reciprocal-rank terms, 1 for the first
            (RRF_K + 1) / (RRF_K + 1 + self.lexical_rank),
            self.title,
        ]
        if self.second is not None:
            best = self.second.max() if len(self.second) else 0.0
            columns += [self.second, self.second - best]
        return np.stack(columns, axis=1) if len(self.rows) else np.zeros((0, len(self.names)))

    def question_features(self) -> np.ndarray:
        """``question_names``, as one vector."""
        if not len(self.rows):
            return np.zeros(len(self.question_names))
        best = [self.cosine.max(), self.title.max(), self.coverage.max()]
        return np.array(best + ([self.second.max()] if self.second is not None else []))
