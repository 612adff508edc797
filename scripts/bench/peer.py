"""The peer in the same run: a txtai API server (uvicorn, as many workers as the service, the same packaged
MiniLM, the same passages), asked the same new questions the same way. txtai lives in its own virtual
environment (.venv-peer, `make bench` creates it from scripts/bench/peer-requirements.txt); the product never
imports it."""

from __future__ import annotations

import json
import os
import subprocess
import time
import urllib.request
from pathlib import Path

import psutil
from live import free_port
from load import failures, wrk, wrk_sequence
from paths import ROOT
from workload import questions

PEER_PYTHON = ROOT / ".venv-peer" / "bin" / "python"
HERE = Path(__file__).parent


def _offline() -> dict[str, str]:
    return {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}


def txtai_figures(passages: Path, model: Path, work: Path, workers: int, seconds: int, count: int) -> dict | None:
    """Index build, start-up, p50 on new questions (one client), 8-client throughput and memory per worker;
    None when the peer's environment is missing (``make bench`` makes it)."""
    if not PEER_PYTHON.exists():
        print(f"{PEER_PYTHON} is missing (make bench creates it): the peer is not measured", flush=True)
        return None
    version = subprocess.run(
        [str(PEER_PYTHON), "-c", 'from importlib.metadata import version as v; print(v("txtai"), v("torch"))'],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    index = work / "txtai-index"
    started = time.perf_counter()
    subprocess.run(
        [str(PEER_PYTHON), str(HERE / "peer_index.py"), str(passages), str(model), str(index)],
        env=_offline(),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    build_s = time.perf_counter() - started
    config = work / "txtai.yml"
    # `path`: the saved index, loaded read-only; `embeddings`: what turns the search routes on
    config.write_text(f"path: {index}\nwritable: false\nembeddings:\n  path: {model}\n  content: true\n")
    port = free_port()
    started = time.perf_counter()
    proc = subprocess.Popen(
        [str(PEER_PYTHON), "-m", "uvicorn", "txtai.api:app", "--host", "127.0.0.1", "--port", str(port)]
        + ["--workers", str(workers), "--log-level", "warning"],
        env={**_offline(), "CONFIG": str(config)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        startup = _first_answer(port, started)
        time.sleep(3)  # every worker loaded
        memory = sorted(p.memory_info().rss / 2**20 for p in psutil.Process(proc.pid).children(recursive=True))
        wrk_sequence(port, [f"{q} (warm-up)" for q in questions(50, seed=3)], peer=True)
        lat = wrk_sequence(port, questions(count, seed=5), peer=True)
        load = wrk(port, seconds, peer=True)
    finally:
        os.killpg(proc.pid, 15)
        proc.wait(timeout=30)
    return {
        "version": f"txtai {version[0]} (torch {version[1]})",
        "build_s": build_s,
        "startup_s": startup,
        "p50": lat["p50"],
        "rps": load["rps"],
        "errors": failures(lat, load),
        "worker_mb": memory[-workers:],
    }


def _first_answer(port: int, started: float) -> float:
    while time.perf_counter() - started < 180:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/search?query=pimples&limit=1", timeout=10) as r:
                json.loads(r.read())
                return time.perf_counter() - started
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("the txtai server did not answer within 180 s")
