"""The default encoder: the model exported to ONNX (see ``onnx_export``), run by onnxruntime + tokenizers.

No torch at serve time. Questions go through the int8 question model (``QA_ENCODER=onnx-int8``), passages
through the fp32 export, large passage batches through OpenVINO bf16 when the CPU has the matrix units.
"""

from __future__ import annotations

import copy
import logging
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from qa_service.core.errors import ConfigError
from qa_service.runtime.openvino_session import OpenVinoSession
from qa_service.runtime.progress import progress as _progress

if TYPE_CHECKING:
    from tokenizers import Tokenizer

log = logging.getLogger(__name__)
BULK_MIN_TEXTS = 256  # below this, OpenVINO's import and compile (~0.9 s) would cost more than it saves


class OnnxEncoder:
    """The same model exported to ONNX (see ``onnx_export``): onnxruntime + tokenizers, no torch.

    Passages go through the fp32 export (large batches through OpenVINO with bf16 matrix units when the CPU
    has them, see ``OpenVinoSession``); questions through the int8 model when ``query_int8`` (half the
    time per question, the latency a patient feels), else through fp32 too.
    """

    def __init__(self, folder: Path, *, threads: int = 1, query_int8: bool = False, bulk: str = "auto") -> None:
        from qa_service.runtime.onnx_export import MODEL_FILE, quantized, read_export

        meta = read_export(folder)
        if meta is None:
            raise ConfigError(f"{folder} holds no usable ONNX export; run `qa-service build-index`")
        self.name = str(meta["name"])
        # Passage vectors are full precision (bf16 batches within cosine 0.9999 of fp32) and int8 question
        # vectors within 0.99 of fp32, so one fingerprint (the weights') covers them all: an index serves
        # either kind of question encoder.
        self.fingerprint = str(meta["fingerprint"])
        self.dimension = int(meta["dimension"])
        self.max_seq_length = int(meta["max_seq_length"])
        self._pooling = str(meta["pooling"])
        self._threads = max(1, threads)
        self._model_file = folder / MODEL_FILE
        self.backend = "onnx"
        self.query_backend = "onnx-int8" if query_int8 else "onnx"
        self.export = f"{folder.name}/{MODEL_FILE}"
        self._lock = threading.Lock()
        self._input_names: dict[int, frozenset[str]] = {}
        self._fp32 = None  # loaded on first use: a serving worker with int8 questions never needs it
        self._bulk_choice = bulk
        self._bulk: OpenVinoSession | None | bool = None  # False: looked, not available
        self.passage_runtime = "onnxruntime-fp32"  # what embedded the passages of the last large batch
        # opened on the first question (in a worker's warm-up): `build-index --if-missing` only reads identity
        self._query_file = quantized(folder) if query_int8 else None
        self._query = None
        self._counter: Tokenizer | None = None  # built on first count (builds only): ~13 MB a serving worker keeps
        self._tokenizer_file = folder / "tokenizer.json"
        self._loaded_tokenizer: Tokenizer | None = None  # read on first use: `build-index --if-missing` needs none

    def _open(self, model_file: Path):  # noqa: ANN202 - an onnxruntime.InferenceSession
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = self._threads
        options.inter_op_num_threads = 1
        return ort.InferenceSession(str(model_file), options, providers=["CPUExecutionProvider"])

    @property
    def _session(self):  # noqa: ANN202 - the fp32 session, opened once
        with self._lock:
            if self._fp32 is None:
                self._fp32 = self._open(self._model_file)
            return self._fp32

    @property
    def _tokenizer(self) -> Tokenizer:
        """The model's tokenizer, truncating at the model's length and padding a batch to its longest."""
        with self._lock:
            if self._loaded_tokenizer is None:
                from tokenizers import Tokenizer

                tokenizer = Tokenizer.from_file(str(self._tokenizer_file))
                tokenizer.enable_truncation(self.max_seq_length)
                tokenizer.enable_padding()
                self._loaded_tokenizer = tokenizer
            return self._loaded_tokenizer

    @property
    def _query_session(self):  # noqa: ANN202 - the int8 session (None: questions go through fp32)
        if self._query_file is None:
            return None
        with self._lock:
            if self._query is None:
                self._query = self._open(self._query_file)
            return self._query

    def _bulk_session(self) -> OpenVinoSession | None:
        """OpenVINO with bf16 matrix units for large passage batches, when wanted and the CPU has them."""
        with self._lock:
            if self._bulk is None:
                self._bulk = False
                if self._bulk_choice != "onnxruntime":
                    try:
                        self._bulk = OpenVinoSession(self._model_file, self._threads)
                    except (ImportError, RuntimeError) as exc:
                        if self._bulk_choice == "openvino":
                            raise ConfigError(f"QA_BULK_RUNTIME=openvino is not usable here: {exc}") from None
                        log.info("passages embedded with onnxruntime fp32 (%s)", exc)
            return self._bulk if isinstance(self._bulk, OpenVinoSession) else None

    def _inputs(self, session) -> frozenset[str]:  # noqa: ANN001 - an InferenceSession or OpenVinoSession
        """What a session takes: the exporter drops inputs a model ignores (MPNet has no token types)."""
        names = self._input_names.get(id(session))
        if names is None:
            names = self._input_names[id(session)] = frozenset(i.name for i in session.get_inputs())
        return names

    def count_tokens(self, text: str) -> int:
        counter = self._counter
        if counter is None:  # no truncation, no padding: the text's whole length
            counter = copy.deepcopy(self._tokenizer)
            counter.no_truncation()
            counter.no_padding()
            self._counter = counter
        return len(counter.encode(text, add_special_tokens=True).ids)

    def _batch(self, texts: list[str], session=None) -> np.ndarray:  # noqa: ANN001 - an InferenceSession
        encoded = self._tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encoded], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
        types = np.array([e.type_ids for e in encoded], dtype=np.int64)
        feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
        session = session or self._session
        hidden = session.run(None, {k: v for k, v in feed.items() if k in self._inputs(session)})[0]
        if self._pooling == "cls":
            pooled = hidden[:, 0]
        else:
            weights = mask[..., None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)

    def encode(self, texts: Sequence[str], *, batch_size: int = 32, progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        session = self._bulk_session() if len(texts) >= BULK_MIN_TEXTS else None
        if session is not None:
            self.passage_runtime = session.name
        # Sorting by length keeps padding (wasted work) small inside each batch.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        starts = range(0, len(order), batch_size)
        for start in _progress(starts, "embedding") if progress else starts:
            chunk = order[start : start + batch_size]
            out[chunk] = self._batch([texts[i] for i in chunk], session)
        return np.ascontiguousarray(out)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return self._batch(list(texts), self._query_session)
