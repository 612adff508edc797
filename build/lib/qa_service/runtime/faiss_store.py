"""FAISS behind the VectorStore seam: building (exact or HNSW by corpus size), saving and loading.

Every faiss call of the project is in this module, so another vector engine is another adapter with
the same four functions, and retrieval never changes.
"""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np

from qa_service.core.errors import IndexCorrupt
from qa_service.core.vector_store import choose_kind

HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 128


class FaissStore:
    """A FAISS index (flat or HNSW) behind the VectorStore interface."""

    def __init__(self, index: faiss.Index) -> None:
        self.index = _prepare_loaded(index)
        self.size = int(index.ntotal)
        self.dimension = int(index.d)

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Inner-product scores and rows of the ``k`` nearest passages (rows -1 when fewer exist)."""
        scores, rows = self.index.search(queries, min(k, max(self.size, 1)))
        return scores, rows

    def vector(self, row: int) -> np.ndarray:
        return np.asarray(self.index.reconstruct(row), dtype=np.float32)


def build_store(vectors: np.ndarray, kind: str) -> tuple[FaissStore, dict[str, object]]:
    """A store over normalised vectors (inner product = cosine); returns it and its manifest entry."""
    dim = vectors.shape[1]
    chosen = choose_kind(kind, len(vectors))
    index: faiss.Index
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
    return FaissStore(index), params


def save_store(store: FaissStore, path: Path) -> None:
    """Write the store's file; a failed write (e.g. disk full) is an OSError like any other."""
    try:
        faiss.write_index(store.index, str(path))
    except RuntimeError as exc:  # FAISS reports a failed write as RuntimeError
        raise OSError(str(exc).strip().splitlines()[-1][-300:]) from None


def load_store(path: Path) -> FaissStore:
    """Read a store's file; an unreadable one raises IndexCorrupt."""
    try:
        return FaissStore(faiss.read_index(str(path)))
    except RuntimeError as exc:
        raise IndexCorrupt(f"{path} cannot be read: {str(exc).splitlines()[0]}") from None


def _prepare_loaded(index: faiss.Index) -> faiss.Index:
    """Search-time settings that FAISS does not store in the file."""
    hnsw = getattr(faiss.downcast_index(index), "hnsw", None)
    if hnsw is not None:
        hnsw.efSearch = max(hnsw.efSearch, HNSW_EF_SEARCH)
    return index
