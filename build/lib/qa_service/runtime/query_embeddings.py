"""The question-embedding cache: search-as-you-type sends the same prefixes again and again."""

from __future__ import annotations

import numpy as np

from qa_service.core.encoder import Encoder
from qa_service.runtime.lru import LRU


class QueryEmbeddings:
    """An LRU of question embeddings: search-as-you-type sends the same prefixes again and again.

    Keyed by the question with case and spacing normalised (the default model is uncased); one cache per
    encoder, so a new model never serves an old vector.
    """

    def __init__(self, encoder: Encoder, size: int = 2048) -> None:
        self.encoder = encoder
        self.size = size
        self._cache: LRU[str, np.ndarray] = LRU(size)

    @property
    def hits(self) -> int:
        return self._cache.hits

    @property
    def misses(self) -> int:
        return self._cache.misses

    def __call__(self, text: str) -> np.ndarray:
        key = " ".join(text.lower().split())
        vec = self._cache.get(key)
        if vec is None:
            vec = self.encoder.encode_queries([text])
            vec.setflags(write=False)
            self._cache.put(key, vec)
        return vec
