"""The machine and the floor: what a straightforward implementation pays for one question on this CPU."""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import psutil
from workload import batch_texts, questions


def machine() -> str:
    """Cores, CPU model, memory and the matrix instructions that matter for the encoders."""
    model = platform.processor() or platform.machine()
    flags: set[str] = set()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name") and model in ("", platform.machine()):
                model = line.split(":", 1)[1].strip()
            elif line.startswith("flags"):
                flags = set(line.split(":", 1)[1].split())
    except OSError:
        pass
    units = [name for flag, name in (("avx512_vnni", "AVX512-VNNI"), ("amx_bf16", "AMX-BF16")) if flag in flags]
    memory = psutil.virtual_memory().total / 2**30
    return f"{os.cpu_count()} cores ({model}{', ' + ', '.join(units) if units else ''}), {memory:.0f} GiB RAM"


def pct(values: list[float], p: float) -> float:
    return float(np.percentile(np.asarray(values), p))


def _own_process(*flags: str) -> dict:
    """A floor measured in a process of its own (torch's spinning threads would slow anything after it)."""
    out = subprocess.run(
        [sys.executable, str(Path(__file__).parent), *flags], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def floor_ms(model: str | None = None) -> tuple[float, float]:
    """Encoding one question the plain way (ms), and plain torch's batch throughput (passages/s); ``model``:
    a model folder (default: the packaged MiniLM)."""
    figures = _own_process("--floor", *(["--floor-model", model] if model else []))
    return figures["floor_ms"], figures["torch_batch"]


def rerank_floor_ms(depth: int) -> float:
    """Reranking ``depth`` passages the plain way (ms); see rerank_floor_in_process."""
    return float(_own_process("--rerank-floor", str(depth))["floor_ms"])


def rerank_floor_in_process(depth: int) -> float:
    """Plain PyTorch (transformers, fp32, 2 threads) running a MiniLM-L6 cross-encoder over one question and
    ``depth`` passages, median ms: what reranking costs done the straightforward way. The weights are the
    base model's (the shipped reranker is only ONNX); the cost depends on the shape, not the values."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    from qa_service.runtime.model_source import default_model_path
    from qa_service.runtime.reranker import MAX_TOKENS

    torch.set_num_threads(2)
    source = str(default_model_path())
    tokenizer, model = AutoTokenizer.from_pretrained(source), AutoModel.from_pretrained(source).eval()
    passages, times = batch_texts(1), []
    for i, q in enumerate(questions(130, seed=2)):
        picked = [passages[(i + j) % len(passages)] for j in range(depth)]
        t = time.perf_counter()
        with torch.inference_mode():
            batch = tokenizer(
                [q] * depth,
                picked,
                padding=True,
                truncation="longest_first",
                max_length=MAX_TOKENS,
                return_tensors="pt",
            )
            model(**batch).last_hidden_state.mean(1)
        if i >= 30:
            times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def floor_in_process(folder: str | None = None) -> tuple[float, float]:
    """Plain sentence-transformers, torch backend, 2 threads, in-process: one short question."""
    import torch
    from sentence_transformers import SentenceTransformer

    from qa_service.runtime.model_source import default_model_path

    torch.set_num_threads(2)
    model = SentenceTransformer(folder or str(default_model_path()), device="cpu")
    qs = questions(230, seed=1)
    for q in qs[:30]:
        model.encode([q])
    times = []
    for q in qs[30:]:
        t = time.perf_counter()
        model.encode([q], normalize_embeddings=True)
        times.append((time.perf_counter() - t) * 1000)
    texts = batch_texts()
    t = time.perf_counter()
    model.encode(texts, batch_size=32)
    torch_batch = len(texts) / (time.perf_counter() - t)
    return statistics.median(times), torch_batch
