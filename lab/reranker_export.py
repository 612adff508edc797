"""Writing the reranker's folder from a trained cross-encoder: ONNX export (torch), int8 weights, meta file.

Lab code: serving reads the folder (``qa_service/runtime/reranker.py``) and never needs torch.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qa_service.runtime.reranker import MAX_TOKENS, META_FILE, MODEL_FILE

if TYPE_CHECKING:
    import torch


def export_reranker(model: torch.nn.Module, source: Path, out: Path, trained: dict[str, Any], work: Path) -> Path:
    """ONNX export of a trained ``CrossEncoder`` (scripts/train_reranker.py), int8 quantised, into ``out``."""
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    work.mkdir(parents=True, exist_ok=True)
    fp32 = work / "reranker.onnx"
    dummy = torch.ones((2, 8), dtype=torch.long)
    axes = {0: "pairs", 1: "tokens"}
    torch.onnx.export(
        model.eval(),
        (dummy, dummy, torch.zeros_like(dummy)),
        str(fp32),
        input_names=["input_ids", "attention_mask", "token_type_ids"],
        output_names=["logit"],
        dynamic_axes={"input_ids": axes, "attention_mask": axes, "token_type_ids": axes, "logit": {0: "pairs"}},
        opset_version=17,
        dynamo=False,
    )
    out.mkdir(parents=True, exist_ok=True)
    tmp = out / f".{MODEL_FILE}.{os.getpid()}"
    quantize_dynamic(
        str(fp32), str(tmp), weight_type=QuantType.QInt8, per_channel=True, op_types_to_quantize=["MatMul", "Gather"]
    )
    os.replace(tmp, out / MODEL_FILE)
    shutil.copy2(source / "tokenizer.json", out / "tokenizer.json")
    meta = {
        "name": "clinic-minilm-reranker",
        "max_tokens": MAX_TOKENS,
        "sha256": hashlib.sha256((out / MODEL_FILE).read_bytes()).hexdigest(),
        "trained": trained,
    }
    (out / META_FILE).write_text(json.dumps(meta, indent=2) + "\n", "utf-8")
    return out / MODEL_FILE
