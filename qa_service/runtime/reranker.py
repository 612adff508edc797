"""The cross-encoder reranker: an int8 ONNX file + the base model's tokenizer, run by onnxruntime.

Trained by scripts/train_reranker.py (docs/QUALITY.md, "Reranker"); ``lab/reranker_export.py`` writes the
folder this module reads. int8 weights *and* word-embedding table keep the file under the 25 MB a committed
artifact may weigh; serving needs no torch.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from qa_service.core.errors import ConfigError

MODEL_FILE = "reranker.int8.onnx"
META_FILE = "reranker.json"
MAX_TOKENS = 160  # question + passage, as trained (the first ~120 tokens of a passage name its subject)


class OnnxReranker:
    """Scores (question, passage) pairs with a cross-encoder folder (installed: ``bundled_models``);
    thread-safe (onnxruntime sessions are), one session per process."""

    def __init__(self, folder: Path, *, threads: int = 1) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        try:
            meta = json.loads((folder / META_FILE).read_text("utf-8"))
            blob = (folder / MODEL_FILE).read_bytes()
        except (OSError, ValueError) as exc:
            raise ConfigError(f"{folder} holds no reranker ({exc}); set QA_RERANKER=off or train one") from exc
        if hashlib.sha256(blob).hexdigest() != meta.get("sha256"):
            raise ConfigError(f"{folder / MODEL_FILE} does not match the sha256 in {META_FILE}")
        self.name = str(meta["name"])
        self.fingerprint = str(meta["sha256"])[:16]
        self._tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self._tokenizer.enable_truncation(int(meta["max_tokens"]), strategy="longest_first")
        self._tokenizer.enable_padding()
        self._lock = threading.Lock()  # the tokenizer's padding/truncation state is shared
        options = ort.SessionOptions()
        options.intra_op_num_threads = max(1, threads)
        options.inter_op_num_threads = 1
        self._session = ort.InferenceSession(blob, options, providers=["CPUExecutionProvider"])

    def score(self, question: str, passages: Sequence[str]) -> np.ndarray:
        """One logit per passage (higher: more likely to answer)."""
        if not passages:
            return np.zeros(0, dtype=np.float32)
        with self._lock:
            encoded = self._tokenizer.encode_batch([(question, text) for text in passages])
        feeds = {
            "input_ids": np.array([e.ids for e in encoded], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in encoded], dtype=np.int64),
            "token_type_ids": np.array([e.type_ids for e in encoded], dtype=np.int64),
        }
        logits: np.ndarray = self._session.run(None, feeds)[0]
        return logits.astype(np.float32)
