"""Lexical search: BM25 (bm25s) over Snowball stems, plus weighted coverage of the question.

BM25 ranks; coverage ("how much of the question's informative words does this passage contain")
is bounded in [0, 1], so it can feed an absolute confidence where raw BM25 scores cannot.

Both read bm25s's term -> passages matrix (CSC: for each stem, the sorted rows that contain it), so
nothing is kept per passage: at 1,000,000 passages a Python set per passage would cost gigabytes.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import bm25s
import numpy as np

from qa_service.core.chunking import Passage
from qa_service.core.languages import fold
from qa_service.core.terms import content_stems, words

logging.getLogger("bm25s").setLevel(logging.WARNING)  # bm25s sets its logger to DEBUG on import


class LexicalIndex:
    """BM25 over pre-stemmed passages; stems are computed by ``terms.content_stems``."""

    def __init__(self, documents: Sequence[Sequence[str]] | None = None, *, bm25: bm25s.BM25 | None = None) -> None:
        if bm25 is None:
            bm25 = bm25s.BM25()
            # bm25s needs at least one token per document; an empty document gets a placeholder.
            bm25.index([list(doc) or ["\u2400"] for doc in documents or []], show_progress=False)
        self._bm25 = bm25
        self.size = int(bm25.scores["num_docs"])
        self._vocabulary: dict[str, int] = bm25.vocab_dict
        self._rows: np.ndarray = bm25.scores["indices"]
        self._starts: np.ndarray = bm25.scores["indptr"]

    def save(self, folder: Path) -> list[Path]:
        """Write the index (bm25s's own format) into ``folder``; returns the files written."""
        self._bm25.save(str(folder))
        return sorted(path for path in folder.iterdir() if path.is_file())

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex:
        """Read a saved index, memory-mapped: workers share its pages, and loading takes no stemming."""
        return cls(bm25=bm25s.BM25.load(str(folder), mmap=True))

    def scores(self, stems: Sequence[str]) -> np.ndarray:
        """BM25 score of every passage for the query stems (zeros when none is in the corpus)."""
        known = [s for s in stems if s in self._vocabulary]
        if not known:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._bm25.get_scores(known), dtype=np.float32)

    def top(self, stems: Sequence[str], k: int) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` best-scoring passages with a score > 0, best first (ties by row): rows and scores.

        A partial selection, not a full sort: at 1 M passages sorting every score took ~60 ms (p99),
        selecting the top ~100 takes ~5 ms.
        """
        scores = self.scores(stems)
        if k <= 0 or not scores.any():
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        if k < self.size:  # everything above the k-th score, then the lowest rows among those tied with it
            kth = -np.partition(-scores, k - 1)[k - 1]
            above = np.flatnonzero(scores > kth)
            picked = np.concatenate([above, np.flatnonzero(scores == kth)[: k - len(above)]])
        else:
            picked = np.arange(self.size)
        picked = picked[scores[picked] > 0]
        order = np.lexsort((picked, -scores[picked]))
        return picked[order], scores[picked[order]]

    def _contains(self, stem: str, rows: np.ndarray) -> np.ndarray:
        """Which of ``rows`` contain ``stem`` (binary search in its sorted posting list)."""
        token = self._vocabulary.get(stem)
        if token is None or token + 1 >= len(self._starts):
            return np.zeros(len(rows), dtype=bool)
        posting = self._rows[self._starts[token] : self._starts[token + 1]]
        where = np.searchsorted(posting, rows)
        found: np.ndarray = (where < len(posting)) & (posting[np.minimum(where, len(posting) - 1)] == rows)
        return found

    def coverage(self, concepts: Sequence[Sequence[str]], weights: Sequence[float], rows: Sequence[int]) -> np.ndarray:
        """For each row, the weighted share of the question's words (any of their forms) it contains."""
        targets = np.asarray(rows, dtype=np.int64)
        total = sum(weights)
        found = np.zeros(len(targets), dtype=np.float64)
        if not total or not len(targets):
            return found
        for weight, forms in zip(weights, concepts, strict=True):
            present = np.zeros(len(targets), dtype=bool)
            for stem in forms:
                present |= self._contains(stem, targets)
            found += weight * present
        return found / total


def lexical_documents(passages: Sequence[Passage]) -> list[list[str]]:
    """What BM25 indexes for each passage: the stems of the text the encoder sees (heading included)."""
    return [content_stems(p.embed_text, p.language) for p in passages]


def corpus_words(passages: Sequence[Passage]) -> set[str]:
    """Every word of the passages, folded: the vocabulary spelling correction may correct towards."""
    distinct = {w for p in passages for _, _, w in words(p.embed_text)}  # fold each word once, not per use
    return {fold(w) for w in distinct}
