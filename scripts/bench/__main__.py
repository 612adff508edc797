#!/usr/bin/env python3
"""Benchmark: the service against the model's own cost, on this machine, in one run.

Prints a table and writes docs/PERFORMANCE.md. Figures, not assertions. Needs `wrk` (Debian) for the
concurrent load; `make bench` installs it when missing.

    python scripts/bench [--quick] [--sizes 100000,1000000] [--out docs/PERFORMANCE.md]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from builds import build_figures, large_corpus
from live import Server, one_client
from load import wrk, wrk_sequence
from machine import floor_in_process, floor_ms, machine, pct, rerank_floor_in_process, rerank_floor_ms
from paths import ROOT
from report import NOTES
from workload import batch_texts, questions

from qa_service.settings import Settings


def rerank_depth(settings: Settings) -> int:
    """How many passages the served pipeline gives the cross-encoder per question (0: none)."""
    from qa_service.core.rerank import rerank_model

    model = rerank_model()
    return 0 if settings.reranker == "off" or model is None else model.depth


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="shorter runs (for a smoke check)")
    ap.add_argument("--sizes", default="100000,1000000", help="synthetic corpus sizes for the retrieval part")
    ap.add_argument("--out", default=str(ROOT / "docs" / "PERFORMANCE.md"))
    ap.add_argument("--floor", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--rerank-floor", type=int, default=0, help=argparse.SUPPRESS)
    ap.add_argument("--floor-model", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.floor:
        floor, batch = floor_in_process(args.floor_model)
        print(json.dumps({"floor_ms": floor, "torch_batch": batch}))
        return
    if args.rerank_floor:
        print(json.dumps({"floor_ms": rerank_floor_in_process(args.rerank_floor)}))
        return
    settings = Settings.from_env()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: `make bench` installs it (Debian package wrk)")
    seconds = 5 if args.quick else 20
    subprocess.run(
        [sys.executable, "-m", "qa_service.cli", "build-index", "--if-missing", "--quiet"],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    print("measuring the floor (plain sentence-transformers, torch, 2 threads)...", flush=True)
    encode_floor, torch_batch = floor_ms()
    # every model the default pipeline runs per question: the encoder, the second model and the reranker
    # when they are on
    second_floor = 0.0
    if settings.second_model != "off":
        from qa_service.runtime.model_install import second_model_folder

        second_floor, second_batch = floor_ms(
            str(second_model_folder(settings.second_model, settings.model_cache_dir)[0])
        )
        torch_batch = 1 / (1 / torch_batch + 1 / second_batch)  # both models embed every passage
    depth = rerank_depth(settings)
    rerank_floor = rerank_floor_ms(depth) if depth else 0.0
    floor = encode_floor + second_floor + rerank_floor
    cores = os.cpu_count() or 1
    work = Path(tempfile.mkdtemp(prefix="qa-bench-"))
    try:
        server = Server(settings.index_dir, work / "var")
        try:
            server.settle()
            idle = server.rss_mb()
            one_client(server.port, [f"{q} (warm-up)" for q in questions(100, seed=3)])  # new questions, discarded
            count = 600 if not args.quick else 200
            lat = wrk_sequence(server.port, questions(count, seed=5))
            py_lat = one_client(server.port, questions(count, seed=6))
            same = wrk_sequence(server.port, ["How long do pimples last after microneedling?"] * 300)
            load = wrk(server.port, seconds)
            served = load["requests"] + lat["requests"] + len(py_lat) + same["requests"]
            while served < 10_000:  # memory after at least 10,000 requests
                extra = wrk(server.port, 5)
                served += extra["requests"]
            after = server.rss_mb()
            startup = server.startup_s
        finally:
            server.stop()
        # The quickstart itself, on the built index: make's setup check, build-index --if-missing, serve.
        make_serve = Server(settings.index_dir, work / "var-make", ["make", "--no-print-directory", "serve"])
        make_startup = make_serve.startup_s
        make_serve.stop()
        print("building synthetic articles...", flush=True)
        build = build_figures(settings, work, 20 if args.quick else 80)
        sizes = [int(s) for s in args.sizes.split(",") if s]
        print(f"large corpora {sizes}...", flush=True)
        large = large_corpus(settings, sizes)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    per_core = cores / (floor / 1000)
    p50 = lat["p50"]
    lines = [
        "# Performance",
        "",
        f"Measured by `make bench` (`python scripts/bench{' --quick' if args.quick else ''}`) on "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {machine()}, "
        f"Python {platform.python_version()}, encoder `{settings.encoder}`, "
        f"{settings.workers} gunicorn workers × {settings.threads} threads, 1 intra-op thread each.",
        "",
        "| figure | value | ratio | target |",
        "|---|---|---|---|",
        "| floor: plain sentence-transformers (torch, 2 threads) encoding one question, median"
        + f" ({encode_floor:.2f} ms)"
        + (
            f", + the same for the second model `QA_SECOND_MODEL={settings.second_model}` ({second_floor:.2f} ms)"
            if second_floor
            else " (`QA_SECOND_MODEL=off`)"
        )
        + (
            f", + plain PyTorch MiniLM-L6 cross-encoder over {depth} passages, "
            f"fp32, 2 threads, median ({rerank_floor:.2f} ms; `QA_RERANKER={settings.reranker}`)"
            if depth
            else " (`QA_RERANKER=off`)"
        )
        + f" | {floor:.2f} ms | 1 | |",
        f"| service p50 / p90 / p99, {lat['requests']} distinct new questions, 1 client (wrk, 1 keep-alive "
        f"connection), errors {lat['errors'] + lat['non2xx']} | {p50:.2f} / {lat['p90']:.2f} / {lat['p99']:.2f} ms | "
        f"p50 / floor = {p50 / floor:.2f} | ≤ 0.5 |",
        f"| the same through Python's http.client (the client's own cost included; earlier runs' method) | "
        f"{pct(py_lat, 50):.2f} / {pct(py_lat, 90):.2f} / {pct(py_lat, 99):.2f} ms | {pct(py_lat, 50) / floor:.2f} | |",
        f"| repeated question (answer cache hit), p50, wrk 1 connection | {same['p50']:.2f} ms | | ≤ 2 ms |",
        f"| throughput, 8 concurrent clients (wrk, {seconds} s, new questions) | {load['rps']:.0f} req/s "
        f"(p50 {load['p50']:.1f} ms, p99 {load['p99']:.1f} ms, errors {load['errors'] + load['non2xx']}) | "
        f"÷ (cores / floor = {per_core:.0f}/s) = {load['rps'] / per_core:.2f} | ≥ 1.0 |",
        f"| start-up on a built index: server launch / `make serve` to first answer | {startup:.2f} s / "
        f"{make_startup:.2f} s | | ≤ 3 s |",
        f"| memory (RSS) per worker: idle / after {served:,} requests | "
        f"{' + '.join(f'{m:.0f}' for m in idle)} MB / {' + '.join(f'{m:.0f}' for m in after)} MB | | |",
        f"| build: {build['passages']:,} passages ({build['articles']} articles), full | {build['build_s']:.1f} s, "
        f"{build['build_pps']:.0f} passages/s | ÷ raw batch (ours {build['raw_pps']:.0f}/s, torch {torch_batch:.0f}/s) "
        f"= {build['build_pps'] / build['raw_pps']:.2f} / {build['build_pps'] / torch_batch:.2f} | ≥ 0.9 |",
        f"| raw model batch throughput on the same {len(batch_texts())} passages: torch (sentence-transformers, "
        f"2 threads{', both models one after the other' if second_floor else ''}) vs our encoder's passage path ({build['runtime']}, 2 threads) | {torch_batch:.0f} vs "
        f"{build['raw_pps']:.0f} passages/s | | |",
        f"| rebuild after one article changed | {build['edit_s']:.2f} s "
        f"({build['edit_embedded']} passages embedded) | | |",
        "",
        "## Retrieval part on synthetic corpora",
        "",
        "Passage vectors are sums of real MiniLM sentence embeddings plus noise; BM25 documents are the stems of "
        "the same sentences. 200 queries are real question embeddings. HNSW: M=32, efConstruction=80, efSearch=128.",
        "",
        "| passages | flat build / memory / p50 / p99 | HNSW build / memory / p50 / p99 | HNSW recall@10 vs exact | "
        "BM25 build / load / memory / p99 | hybrid retrieval p50 / p99 |",
        "|---|---|---|---|---|---|",
    ]
    for r in large:
        lines.append(
            f"| {r['n']:,} | {r['flat_build_s']:.1f} s / {r['flat_mb']:.0f} MB / {r['flat_p50_ms']:.1f} / "
            f"{r['flat_p99_ms']:.1f} ms | {r['hnsw_build_s']:.1f} s / {r['hnsw_mb']:.0f} MB / {r['hnsw_p50_ms']:.2f} / "
            f"{r['hnsw_p99_ms']:.2f} ms | {r['hnsw_recall@10']:.3f} | {r['bm25_build_s']:.1f} s / {r['bm25_load_s']:.2f} s / "
            f"{r['bm25_mb']:.0f} MB / {r['bm25_p99_ms']:.1f} ms | {r['hybrid_p50_ms']:.1f} / "
            f"{r['hybrid_p99_ms']:.1f} ms ({r['hybrid_kind']}) |"
        )
    text = "\n".join(lines) + "\n"
    print(text)
    Path(args.out).write_text(text + "\n" + NOTES)


if __name__ == "__main__":
    main()
