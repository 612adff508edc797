"""Lexical search: BM25 (bm25s) over Snowball stems, plus weighted coverage of the question.

BM25 ranks; coverage ("how much of the question's informative words does this passage contain")
is bounded in [0, 1], so it can feed an absolute confidence where raw BM25 scores cannot.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import bm25s
import numpy as np

logging.getLogger("bm25s").setLevel(logging.WARNING)  # bm25s sets its logger to DEBUG on import


class LexicalIndex:
    """BM25 over pre-stemmed passages; stems are computed by ``terms.content_stems``."""

    def __init__(self, documents: Sequence[Sequence[str]]) -> None:
        self.size = len(documents)
        self._sets = [frozenset(doc) for doc in documents]
        self._vocabulary = frozenset().union(*self._sets)
        self._bm25 = bm25s.BM25()
        # bm25s needs at least one token per document; an empty document gets a placeholder.
        self._bm25.index([list(doc) or ["\u2400"] for doc in documents], show_progress=False)

    def scores(self, stems: Sequence[str]) -> np.ndarray:
        """BM25 score of every passage for the query stems (zeros when none is in the corpus)."""
        known = [s for s in stems if s in self._vocabulary]
        if not known:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._bm25.get_scores(known), dtype=np.float32)

    def coverage(self, concepts: Sequence[Sequence[str]], weights: Sequence[float], index: int) -> float:
        """Weighted share of the question's words (any of their forms) found in passage ``index``."""
        total = sum(weights)
        if not total:
            return 0.0
        found = sum(w for w, c in zip(weights, concepts, strict=True) if any(s in self._sets[index] for s in c))
        return found / total
