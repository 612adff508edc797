"""What the core needs from an embedding model: the Encoder protocol and the names of its runtimes.

The implementations (ONNX, OpenVINO, sentence-transformers) are adapters in ``qa_service.runtime``;
the core only ever sees this protocol, so it never imports torch or onnxruntime.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # numpy is imported by whoever computes vectors, not by readers of this module
    import numpy as np

BACKENDS = ("onnx-int8", "onnx", "torch")  # QA_ENCODER: what embeds questions (passages are always fp32)
BULK_RUNTIMES = ("auto", "openvino", "onnxruntime")  # QA_BULK_RUNTIME: what embeds large passage batches


class Encoder(Protocol):
    """An embedding model: passages at build time, questions per request, both L2-normalised."""

    name: str
    dimension: int
    max_seq_length: int
    fingerprint: str
    backend: str  # what computes passage vectors: "torch" or "onnx" (recorded in manifests)
    query_backend: str  # what computes question vectors: the same, or "onnx-int8"

    def count_tokens(self, text: str) -> int: ...

    def encode(self, texts: Sequence[str], *, batch_size: int = 32, progress: bool = False) -> np.ndarray:
        """Passage vectors, in full precision: computed once per passage, at build time."""
        ...

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Question vectors, once per request: may come from a quantised model (cosine >= 0.99 to encode())."""
        ...


class MultilingualModel(Protocol):
    """The multilingual stage's model (``core/multilingual.py``): reads every registered language,
    L2-normalised vectors of any batch of texts."""

    name: str
    fingerprint: str
    dimension: int

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


def searched_dimension(encoder: Encoder) -> int:
    """How much of each vector search reads: all of it, or the first model's part of a pair
    (``runtime/paired_encoder.py``), whose second part only rescores candidates."""
    return int(getattr(encoder, "first_dimension", encoder.dimension))


QueryEmbedder = Callable[[str], "np.ndarray"]  # one question -> a (1, dimension) vector (cached by the runtime)
