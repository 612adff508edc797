"""FAISS index construction by corpus size: exact below a threshold, approximate (HNSW) above.

Kept apart from the artifact code so a deployment can swap the vector store (a managed engine, say)
by providing another ``make_vector_index`` and search wrapper, without touching retrieval.
"""

from __future__ import annotations

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
        params: dict[str, object] = {"kind": "hnsw", "M": HNSW_M, "efConstruction": HNSW_EF_CONSTRUCTION,
                                     "efSearch": HNSW_EF_SEARCH}
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
