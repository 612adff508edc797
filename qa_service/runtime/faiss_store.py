"""FAISS behind the VectorStore seam: building (exact or HNSW by corpus size), saving and loading.

Every faiss call of the project is in this module, so another vector engine is another adapter with
the same four functions, and retrieval never changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import faiss
import numpy as np

from qa_service.core.errors import IndexCorrupt
from qa_service.core.manifest import IndexRecord
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
        self._matrix = _stored_vectors(self.index)  # a view of FAISS's own rows (no copy), while it lives

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Inner-product scores and rows of the ``k`` nearest passages (rows -1 when fewer exist)."""
        scores, rows = self.index.search(queries, min(k, max(self.size, 1)))
        return scores, rows

    def vectors(self, rows: Sequence[int]) -> np.ndarray:
        """The stored vectors of ``rows``, (len(rows), d): one copy, not a FAISS call per row."""
        picked = np.asarray(rows, dtype=np.int64)
        if self._matrix is not None:
            return self._matrix[picked]
        return np.asarray(self.index.reconstruct_batch(picked), dtype=np.float32).reshape(len(picked), self.dimension)


def build_store(vectors: np.ndarray, kind: str) -> tuple[FaissStore, IndexRecord]:
    """A store over normalised vectors (inner product = cosine); returns it and its manifest entry."""
    dim = vectors.shape[1]
    chosen = choose_kind(kind, len(vectors))
    index: faiss.Index
    if chosen == "hnsw":
        index = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        index.hnsw.efSearch = HNSW_EF_SEARCH
        record = IndexRecord("hnsw", {"M": HNSW_M, "efConstruction": HNSW_EF_CONSTRUCTION, "efSearch": HNSW_EF_SEARCH})
    else:
        index = faiss.IndexFlatIP(dim)
        record = IndexRecord("flat")
    if len(vectors):
        index.add(vectors)
    return FaissStore(index), record


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


def _stored_vectors(index: faiss.Index) -> np.ndarray | None:
    """The (n, d) float32 rows a flat index (or an HNSW index's flat storage) holds, as a numpy view; None
    for an empty index or another kind of storage (read through reconstruct_batch instead)."""
    flat = faiss.downcast_index(index)
    storage = faiss.downcast_index(flat.storage) if hasattr(flat, "storage") else flat
    if not isinstance(storage, faiss.IndexFlat) or storage.ntotal == 0:
        return None
    view = faiss.rev_swig_ptr(storage.get_xb(), storage.ntotal * storage.d)
    return np.asarray(view, dtype=np.float32).reshape(storage.ntotal, storage.d)


def _prepare_loaded(index: faiss.Index) -> faiss.Index:
    """Search-time settings that FAISS does not store in the file."""
    hnsw = getattr(faiss.downcast_index(index), "hnsw", None)
    if hnsw is not None:
        hnsw.efSearch = max(hnsw.efSearch, HNSW_EF_SEARCH)
    return index
