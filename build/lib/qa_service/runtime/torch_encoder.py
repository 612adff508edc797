"""The sentence-transformers (torch) encoder: the reference the ONNX exports are checked against.

Also the fallback for a model the exporter cannot reproduce (extra dense layers, custom modules).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from qa_service.core import DEFAULT_MODEL
from qa_service.core.errors import ConfigError
from qa_service.runtime.model_source import resolve_model, weights_fingerprint


class SentenceTransformerEncoder:
    """A sentence-transformers model on CPU: normalised embeddings for inner-product search."""

    def __init__(self, model: str = DEFAULT_MODEL, *, threads: int = 1) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        import torch
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # weight-loading bars would flood every worker's log

        if threads > 0:
            torch.set_num_threads(threads)
        self.name, source = resolve_model(model)
        try:
            self._model = SentenceTransformer(source, device="cpu")
        except OSError as exc:
            raise ConfigError(
                f"cannot load the embedding model {model!r} offline: {exc}".splitlines()[0]
                + " (set QA_MODEL to a local folder or a model in the local cache)"
            ) from None
        self._model.eval()
        self.dimension = int(self._model.get_embedding_dimension() or 0)
        self.max_seq_length = int(self._model.max_seq_length or 0)
        self.backend = self.query_backend = "torch"
        self.source = Path(source) if Path(source).is_dir() else None
        self.fingerprint = (weights_fingerprint(self.source) if self.source else None) or self._weights_fingerprint()
        self._tokenizer = self._model.tokenizer

    def _weights_fingerprint(self) -> str:
        """sha256 over every parameter tensor, for models loaded by name from a cache."""
        digest = hashlib.sha256()
        for key, tensor in sorted(self._model.state_dict().items()):
            digest.update(key.encode())
            digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
        return digest.hexdigest()

    def count_tokens(self, text: str) -> int:
        """Tokens the model would see, special tokens included, without truncation."""
        return len(self._tokenizer(text, add_special_tokens=True, truncation=False, verbose=False)["input_ids"])

    def encode(self, texts: Sequence[str], *, batch_size: int = 32, progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self._model.encode(
            list(texts),
            batch_size=batch_size,
            show_progress_bar=progress,
            convert_to_numpy=True,
            normalize_embeddings=True,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.encode(texts)
