"""Choosing and loading the configured encoder: ONNX when an export exists or can be made, else torch."""

from __future__ import annotations

import logging
from pathlib import Path

from qa_service.core.encoder import Encoder
from qa_service.runtime.model_source import fingerprint_of, resolve_model
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
    fingerprint = fingerprint_of(source_path, cache_dir / f"{slug(name)}.source.json")
    if fingerprint is None:
        return SentenceTransformerEncoder(model, threads=threads)
    folder = export_dir(cache_dir, name, fingerprint)
    if read_export(folder) is None:
        export_model(source_path, name, fingerprint, cache_dir)
    return OnnxEncoder(folder, threads=threads, query_int8=backend == "onnx-int8", bulk=bulk)
