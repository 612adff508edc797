"""Two embedding models as one encoder: the first's vector searched, the second's for a second opinion.

It embeds with both (the two unit vectors side by side), so the manifest (name, fingerprint, dimension) and
the embedding cache work as for one model, and a version built with another pair is refused like any
foreign model. The build splits them: the FAISS index holds the first model's vectors, the second's go to
a store of their own (``second.npy``); the second model's scoring stage (``core/second_model.py``) reads
its cosine for the candidates the first found, and the learned fusion fitted with that feature is
``data/fusion-paired.json``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

from qa_service.core.encoder import Encoder


class PairedEncoder:
    """``first`` cuts passages and is searched; ``second`` only gives a second opinion on candidates."""

    def __init__(self, first: Encoder, second: Encoder, second_name: str | None = None) -> None:
        """``second_name``: what manifests call the second model (its upstream name rather than the folder it
        was installed into, so an index moves between checkouts; the fingerprint still pins its weights)."""
        self.first, self.second = first, second
        self.name = f"{first.name} + {second_name or second.name}"
        self.first_dimension = first.dimension
        self.dimension = first.dimension + second.dimension
        # Passages are cut to what the first model reads; the second model reads at least as much.
        self.max_seq_length = min(first.max_seq_length, second.max_seq_length)
        self.fingerprint = hashlib.sha256(f"{first.fingerprint}+{second.fingerprint}".encode()).hexdigest()
        self.backend = first.backend
        self.query_backend = first.query_backend
        self.export = getattr(first, "export", None)  # the manifest's export: the searched model's
        self.second_export = getattr(second, "export", None)

    @property
    def passage_runtime(self) -> str:
        """What embedded the last large batch, read when asked: the first encoder only knows once it has
        embedded one (OpenVINO bf16 or onnxruntime fp32), so a copy taken at start-up would be stale."""
        return str(getattr(self.first, "passage_runtime", self.first.backend))

    def count_tokens(self, text: str) -> int:
        return self.first.count_tokens(text)

    def encode(self, texts: Sequence[str], *, batch_size: int = 32, progress: bool = False) -> np.ndarray:
        return np.hstack(
            [
                self.first.encode(texts, batch_size=batch_size, progress=progress),
                self.second.encode(texts, batch_size=batch_size, progress=progress),
            ]
        ).astype(np.float32)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return np.hstack([self.first.encode_queries(texts), self.second.encode_queries(texts)]).astype(np.float32)
