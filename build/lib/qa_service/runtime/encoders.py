"""Choosing and loading the configured encoder: ONNX when an export exists or can be made, else torch."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from qa_service.core.encoder import Encoder
from qa_service.runtime.model_source import resolve_model, weight_files, weights_fingerprint
from qa_service.runtime.onnx_encoder import OnnxEncoder
from qa_service.runtime.torch_encoder import SentenceTransformerEncoder

log = logging.getLogger(__name__)


def load_encoder(
    model: str, *, backend: str = "onnx", cache_dir: Path | None = None, threads: int = 1, bulk: str = "auto"
) -> Encoder:
    """The encoder for ``model``: ONNX when an export exists or can be made from local weights, else torch.

    Exporting needs torch once (at build time, or the first start); afterwards serving imports no torch.
    """
    if backend == "torch":
        return SentenceTransformerEncoder(model, threads=threads)
    from qa_service.runtime.onnx_export import export_dir, export_model, read_export, slug

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
    return [[p.name, p.stat().st_size, p.stat().st_mtime_ns] for p in weight_files(folder)]
