"""Export a sentence-transformers model to ONNX once, at build time, from local weights (never a hub).

Serving then needs only onnxruntime + tokenizers: ~0.4 s to start instead of ~6 s to import torch, and
~4 ms per question instead of ~12 ms, with the same vectors (fp32 export; cosine to torch = 1.0).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from pathlib import Path
from typing import Any

from qa_service.core.errors import ConfigError
from qa_service.core.manifest import ModelRecord

log = logging.getLogger(__name__)
EXPORT_FORMAT = 1
MODEL_FILE = "model.onnx"
INT8_FILE = "model.query-int8-smooth.onnx"  # the recipe in quantized(); a new recipe takes a new name
META_FILE = "export.json"


def pooling_of(source: Path) -> str | None:
    """'mean' or 'cls' from the model's pooling config; None when the exporter can't reproduce it."""
    modules = source / "modules.json"
    if not modules.exists():
        return "mean"  # a bare transformers model: sentence-transformers' default pooling
    entries = json.loads(modules.read_text())
    types = [e.get("type", "") for e in entries]
    if any(not t.endswith(("Transformer", "Pooling", "Normalize")) for t in types):
        return None  # dense layers, custom modules...: keep the torch backend
    pooling = next((e for e in entries if e.get("type", "").endswith("Pooling")), None)
    if pooling is None:
        return "cls"
    cfg = json.loads((source / pooling["path"] / "config.json").read_text())
    if cfg.get("pooling_mode_mean_tokens"):
        return "mean"
    if cfg.get("pooling_mode_cls_token"):
        return "cls"
    return None


def slug(name: str) -> str:
    """A folder-safe short name for a model."""
    return "".join(ch if ch.isalnum() else "-" for ch in name.split("/")[-1]).strip("-")[:40]


def export_dir(cache_dir: Path, name: str, fingerprint: str) -> Path:
    return cache_dir / f"{slug(name)}-{fingerprint[:16]}"


def read_export(folder: Path) -> dict[str, Any] | None:
    try:
        meta = json.loads((folder / META_FILE).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    if meta.get("format") != EXPORT_FORMAT or not (folder / MODEL_FILE).is_file():
        return None
    return meta


def exported_identity(model: str, cache_dir: Path) -> ModelRecord | None:
    """The identity of ``model``'s ONNX export when it exists and its weights are unchanged since they were
    fingerprinted, else None (then only loading the model says): `build-index --if-missing` checks the live
    index against it before every `make serve` without importing the model's runtime."""
    from qa_service.runtime.model_source import fingerprint_of, resolve_model

    name, source = resolve_model(model)
    if not Path(source).is_dir():
        return None
    fingerprint = fingerprint_of(Path(source), cache_dir / f"{slug(name)}.source.json", compute=False)
    meta = read_export(export_dir(cache_dir, name, fingerprint)) if fingerprint else None
    if meta is None:
        return None
    return ModelRecord(str(meta["name"]), str(meta["fingerprint"]), int(meta["dimension"]))


def export_model(source: Path, name: str, fingerprint: str, cache_dir: Path) -> Path:
    """Export ``source`` (a local sentence-transformers folder) to ``cache_dir``; atomic, idempotent."""
    target = export_dir(cache_dir, name, fingerprint)
    if read_export(target) is not None:
        return target
    pooling = pooling_of(source)
    if pooling is None:
        raise ConfigError(f"the model {name!r} has modules the ONNX exporter does not reproduce; set QA_ENCODER=torch")
    if not (source / "tokenizer.json").exists():
        raise ConfigError(f"the model {name!r} has no tokenizer.json (fast tokenizer); set QA_ENCODER=torch")
    import torch
    from transformers import AutoModel

    model = AutoModel.from_pretrained(str(source)).eval()
    max_len = (
        json.loads((source / "sentence_bert_config.json").read_text()).get("max_seq_length", 256)
        if (source / "sentence_bert_config.json").exists()
        else 256
    )

    class _Body(torch.nn.Module):
        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(
            self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor
        ) -> torch.Tensor:
            return self.inner(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = cache_dir / f".tmp-{target.name}-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        dummy = torch.ones((2, 8), dtype=torch.long)
        axes = {0: "batch", 1: "tokens"}
        torch.onnx.export(
            _Body(model),
            (dummy, dummy, torch.zeros_like(dummy)),
            str(tmp / MODEL_FILE),
            input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=["last_hidden_state"],
            dynamic_axes={"input_ids": axes, "attention_mask": axes, "token_type_ids": axes, "last_hidden_state": axes},
            opset_version=17,
            dynamo=False,
        )
        shutil.copy2(source / "tokenizer.json", tmp / "tokenizer.json")
        meta = {
            "format": EXPORT_FORMAT,
            "name": name,
            "fingerprint": fingerprint,
            "pooling": pooling,
            "normalize": True,
            "max_seq_length": int(max_len),
            "dimension": int(model.config.hidden_size),
            "source": str(source),
        }
        (tmp / META_FILE).write_text(json.dumps(meta, indent=2) + "\n", "utf-8")
        os.replace(tmp, target) if not target.exists() else shutil.rmtree(tmp)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    log.info("exported %s to %s", name, target)
    return target


def quantized(folder: Path) -> Path:
    """The int8 question model beside an export (made once, atomically): ~2x faster per question than fp32.

    Plain dynamic quantisation (one int8 scale per activation tensor) moved question vectors to cosine
    0.93-0.97 of fp32 and changed answers: a few activation channels are much larger than the rest and
    take the whole int8 range. Smoothing first (SmoothQuant, Xiao et al. 2023) divides each input channel
    of a weight matrix by a factor and multiplies the matching weight row by it, the same function in
    fp32, with activations and weights sharing the range; then per-channel int8 weights. Question vectors
    stay within cosine 0.99 of fp32 (docs/PERFORMANCE.md, scripts/compare_encoders.py).
    """
    target = folder / INT8_FILE
    if target.exists():
        return target
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    smooth = folder / f".{INT8_FILE}.{os.getpid()}.smooth"
    tmp = folder / f".{INT8_FILE}.{os.getpid()}"
    try:
        onnx.save(smoothed(folder), str(smooth))
        quantize_dynamic(
            str(smooth), str(tmp), weight_type=QuantType.QInt8, per_channel=True, op_types_to_quantize=["MatMul"]
        )
        os.replace(tmp, target)
    finally:
        smooth.unlink(missing_ok=True)
        tmp.unlink(missing_ok=True)
    return target


SMOOTHING_ALPHA = 0.75  # 0.5 (the paper's default) measured cosine 0.987 on questions, 0.75 measured 0.997


def smoothed(folder: Path) -> Any:
    """The fp32 export with SmoothQuant factors folded in: same outputs, quantisation-friendly activations.

    The factors come from the activations of the fixed, generic texts in ``data/calibration.txt``, never
    from the clinic's articles, so the question model does not change when articles do.
    """
    import numpy as np
    import onnx
    from onnx import helper, numpy_helper

    model = onnx.load(str(folder / MODEL_FILE))
    weights = {init.name: init for init in model.graph.initializer}
    groups: dict[str, list[Any]] = {}  # activation tensor -> the MatMuls (q, k, v...) that read it
    for node in model.graph.node:
        if node.op_type == "MatMul" and len(getattr(weights.get(node.input[1]), "dims", ())) == 2:
            groups.setdefault(node.input[0], []).append(node)
    peak = _activation_peaks(folder, list(groups))
    for number, (tensor, nodes) in enumerate(groups.items()):
        rows = [numpy_helper.to_array(weights[n.input[1]]) for n in nodes]
        weight_peak = np.max([np.abs(w).max(axis=1) for w in rows], axis=0)
        factor = np.maximum(peak[tensor], 1e-5) ** SMOOTHING_ALPHA / np.maximum(weight_peak, 1e-5) ** (
            1 - SMOOTHING_ALPHA
        )
        factor = np.clip(factor, 1e-2, 1e2).astype(np.float32)
        for node, w in zip(nodes, rows, strict=True):
            weights[node.input[1]].CopyFrom(numpy_helper.from_array(w * factor[:, None], node.input[1]))
        inverse = numpy_helper.from_array((1.0 / factor).astype(np.float32), f"smoothquant_inverse_{number}")
        model.graph.initializer.append(inverse)
        scaled = f"{tensor}_smoothquant"
        first = min(list(model.graph.node).index(n) for n in nodes)
        model.graph.node.insert(
            first, helper.make_node("Mul", [tensor, inverse.name], [scaled], name=f"smoothquant_{number}")
        )
        for node in nodes:
            node.input[0] = scaled
    return model


def _activation_peaks(folder: Path, tensors: list[str]) -> dict[str, Any]:
    """Largest |value| of each input channel of ``tensors`` over the calibration texts (fp32 model)."""
    import numpy as np
    import onnx
    import onnxruntime as ort
    from onnx import TensorProto, helper
    from tokenizers import Tokenizer

    probe = onnx.load(str(folder / MODEL_FILE))
    for tensor in tensors:
        probe.graph.output.append(helper.make_tensor_value_info(tensor, TensorProto.FLOAT, None))
    session = ort.InferenceSession(probe.SerializeToString(), providers=["CPUExecutionProvider"])
    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    tokenizer.no_padding()
    peaks: dict[str, Any] = {}
    takes = {i.name for i in session.get_inputs()}
    for text in calibration_texts():
        encoded = tokenizer.encode(text)
        ids = np.array([encoded.ids], dtype=np.int64)
        feed = {"input_ids": ids, "attention_mask": np.ones_like(ids), "token_type_ids": np.zeros_like(ids)}
        feed = {k: v for k, v in feed.items() if k in takes}
        for tensor, value in zip(tensors, session.run(tensors, feed), strict=True):
            channel_peak = np.abs(value).reshape(-1, value.shape[-1]).max(axis=0)
            peaks[tensor] = np.maximum(peaks[tensor], channel_peak) if tensor in peaks else channel_peak
    return peaks


def calibration_texts() -> list[str]:
    path = Path(__file__).parent / "data" / "calibration.txt"
    return [line for line in path.read_text("utf-8").splitlines() if line.strip() and not line.startswith("#")]
