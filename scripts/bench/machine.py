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


def own_process(*flags: str) -> dict:
    """A floor measured in a process of its own (torch's spinning threads would slow anything after it)."""
    out = subprocess.run(
        [sys.executable, str(Path(__file__).parent), *flags], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def floor_ms() -> tuple[float, float]:
    """Encoding one question the plain way with the packaged MiniLM (ms), and plain torch's batch throughput
    (passages/s): the fixed reference every choice is priced against."""
    figures = own_process("--floor")
    return figures["floor_ms"], figures["torch_batch"]


def _plain_model():  # noqa: ANN202 - a SentenceTransformer
    """The design's plain implementation: sentence-transformers with the packaged MiniLM, torch, 2 threads."""
    import torch
    from sentence_transformers import SentenceTransformer

    from qa_service.runtime.model_source import default_model_path

    torch.set_num_threads(2)
    return SentenceTransformer(str(default_model_path()), device="cpu")


def floor_in_process() -> tuple[float, float]:
    """The plain implementation in-process: one short question (ms, median), and its batch rate."""
    model = _plain_model()
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


def plain_batch_in_process(listed: str) -> float:
    """The plain implementation batch-encoding the texts of a JSON list: passages/s."""
    texts = json.loads(Path(listed).read_text())
    model = _plain_model()
    model.encode(texts[:64], batch_size=32)  # warm
    started = time.perf_counter()
    model.encode(texts, batch_size=32)
    return len(texts) / (time.perf_counter() - started)
