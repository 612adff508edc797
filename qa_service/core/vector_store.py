"""The vector-store seam: what retrieval needs from a nearest-neighbour index, and the index kinds.

FAISS implements it in ``qa_service.runtime.faiss_store``; another engine would be another adapter
behind the same protocol, without touching retrieval.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import numpy as np

KINDS = ("auto", "flat", "hnsw")  # QA_INDEX_KIND
AUTO_THRESHOLD = 100_000  # below: exact search is fast enough (≈ 10 ms at 100k x 384 on 2 cores)


def choose_kind(kind: str, count: int) -> str:
    """The kind to build for ``count`` vectors: exact (flat) below the threshold, HNSW above."""
    if kind == "auto":
        return "flat" if count < AUTO_THRESHOLD else "hnsw"
    return kind


class VectorStore(Protocol):
    """Inner-product search over normalised passage vectors (inner product = cosine)."""

    size: int
    dimension: int

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Scores and rows of the ``k`` nearest passages per query (rows -1 when fewer exist)."""
        ...

    def vectors(self, rows: Sequence[int]) -> np.ndarray:
        """The stored vectors of ``rows``, (len(rows), d), in one call."""
        ...
