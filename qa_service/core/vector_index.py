"""FAISS index construction by corpus size: exact below a threshold, approximate (HNSW) above.

Kept apart from the artifact code so a deployment can swap the vector store (a managed engine, say)
by providing another ``make_vector_index`` and search wrapper, without touching retrieval.
"""

from __future__ import annotations

from typing import Protocol

import faiss
import numpy as np

KINDS = ("auto", "flat", "hnsw")
AUTO_THRESHOLD = 100_000  # below: exact search is fast enough (≈ 10 ms at 100k x 384 on 2 cores)
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 128


def choose_kind(kind: str, count: int) -> str:
    if kind == "auto":
        return "flat" if count < AUTO_THRESHOLD else "hnsw"
    return kind


def make_vector_index(vectors: np.ndarray, kind: str) -> tuple[faiss.Index, dict[str, object]]:
    """Build the index over normalised vectors (inner product = cosine); returns it and its manifest entry."""
    dim = vectors.shape[1]
    chosen = choose_kind(kind, len(vectors))
    if chosen == "hnsw":
        index = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        index.hnsw.efSearch = HNSW_EF_SEARCH
        params: dict[str, object] = {
            "kind": "hnsw",
            "M": HNSW_M,
            "efConstruction": HNSW_EF_CONSTRUCTION,
            "efSearch": HNSW_EF_SEARCH,
        }
    else:
        index = faiss.IndexFlatIP(dim)
        params = {"kind": "flat"}
    if len(vectors):
        index.add(vectors)
    return index, params


def prepare_loaded(index: faiss.Index) -> faiss.Index:
    """Search-time settings that FAISS does not store in the file."""
    hnsw = getattr(faiss.downcast_index(index), "hnsw", None)
    if hnsw is not None:
        hnsw.efSearch = max(hnsw.efSearch, HNSW_EF_SEARCH)
    return index


class VectorStore(Protocol):
    """What retrieval needs from a vector store: the seam for an external engine."""

    size: int
    dimension: int

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]: ...

    def vector(self, row: int) -> np.ndarray: ...


class FaissStore:
    """A loaded FAISS index (flat or HNSW) behind the VectorStore interface."""

    def __init__(self, index: faiss.Index) -> None:
        self.index = prepare_loaded(index)
        self.size = int(index.ntotal)
        self.dimension = int(index.d)

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Inner-product scores and rows of the ``k`` nearest passages (rows -1 when fewer exist)."""
        return self.index.search(queries, min(k, max(self.size, 1)))

    def vector(self, row: int) -> np.ndarray:
        return np.asarray(self.index.reconstruct(row), dtype=np.float32)
