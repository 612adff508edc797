#!/usr/bin/env python3
"""Benchmark: the service against the model's own cost, on this machine, in one run.

Prints a table and writes docs/PERFORMANCE.md. Figures, not assertions. Needs `wrk` (Debian) for the
concurrent load; `make bench` installs it when missing.

    python scripts/bench [--quick] [--sizes 100000,1000000] [--no-peer] [--no-choices] [--out docs/PERFORMANCE.md]
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
from choices import choices, measure
from library import SAMPLE, library_build
from live import Server, one_client
from load import failures, wrk, wrk_sequence
from machine import floor_in_process, floor_ms, machine, pct, plain_batch_in_process
from paths import ROOT
from peer import txtai_figures
from report import NOTES
from workload import batch_texts, french_questions, questions

from qa_service.runtime.index_files import read_current, versions_dir
from qa_service.runtime.model_source import default_model_path
from qa_service.settings import Settings


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="shorter runs (for a smoke check)")
    ap.add_argument(
        "--sizes", default="100000", help="synthetic corpus sizes for the retrieval part (e.g. 100000,1000000)"
    )
    ap.add_argument("--no-peer", action="store_true", help="skip the txtai server")
    ap.add_argument("--no-choices", action="store_true", help="skip the opt-in choices")
    ap.add_argument("--out", default=str(ROOT / "docs" / "PERFORMANCE.md"))
    ap.add_argument("--floor", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--plain-batch", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.floor:
        floor, batch = floor_in_process()
        print(json.dumps({"floor_ms": floor, "torch_batch": batch}))
        return
    if args.plain_batch:
        print(json.dumps({"passages_per_s": plain_batch_in_process(args.plain_batch)}))
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
    # The fixed reference: the design's plain implementation (sentence-transformers, MiniLM, torch, 2 threads)
    # encoding one question. It does not grow with what the pipeline runs: every choice is priced against it.
    print("measuring the floor (plain sentence-transformers MiniLM, torch, 2 threads)...", flush=True)
    floor, torch_batch = floor_ms()
    cores = os.cpu_count() or 1
    per_core = cores / (floor / 1000)
    work = Path(tempfile.mkdtemp(prefix="qa-bench-"))
    try:
        print("the default server...", flush=True)
        server = Server(settings.index_dir, work / "var")
        try:
            server.settle()
            idle = server.rss_mb()
            one_client(server.port, [f"{q} (warm-up)" for q in questions(100, seed=3)])  # new questions, discarded
            count = 600 if not args.quick else 200
            lat = wrk_sequence(server.port, questions(count, seed=5))
            french = wrk_sequence(server.port, french_questions(count // 3, seed=8))  # the multilingual stage
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
        priced = []
        if not args.no_choices:
            for i, choice in enumerate(choices(settings)):
                print(f"opt-in {choice.label}...", flush=True)
                priced.append(measure(choice, settings, work / f"choice-{i}", seconds // 2, count // 3))
        peer = None
        if not args.no_peer:
            print("the peer (txtai)...", flush=True)
            live = versions_dir(settings.index_dir) / str(read_current(settings.index_dir))
            peer = txtai_figures(
                live / "passages.jsonl", default_model_path(), work, settings.workers, seconds, count // 3
            )
        print("building synthetic articles...", flush=True)
        build = build_figures(settings, work, 20 if args.quick else 80)
        print("the library-scale build (consumer-health)...", flush=True)
        library = library_build(settings, work / "library")
        sizes = [int(s) for s in args.sizes.split(",") if s]
        print(f"large corpora {sizes}...", flush=True)
        large = large_corpus(settings, sizes)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    p50 = lat["p50"]
    default_row = {
        "label": "default (one small model: MiniLM int8)",
        "p50": p50,
        "rps": load["rps"],
        "errors": failures(lat, load),
        "idle_mb": idle,
        "build_pps": build["build_pps"],
    }
    lines = [
        "# Performance",
        "",
        f"Measured by `make bench` (`python scripts/bench{' --quick' if args.quick else ''}`) on "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {machine()}, "
        f"Python {platform.python_version()}, encoder `{settings.encoder}`, second model "
        f"`{settings.second_model}`, reranker `{settings.reranker}`, multilingual stage `{settings.multilingual}`, "
        f"{settings.workers} gunicorn workers × {settings.threads} threads, 1 intra-op thread each.",
        "",
        "| figure | value | ratio | target |",
        "|---|---|---|---|",
        f"| floor: plain sentence-transformers all-MiniLM-L6-v2 (torch, 2 threads) encoding one question, median "
        f"| {floor:.2f} ms | 1 | |",
        f"| service p50 / p90 / p99, {lat['requests']} distinct new questions, 1 client (wrk, 1 keep-alive "
        f"connection), errors {lat['errors'] + lat['non2xx']} | {p50:.2f} / {lat['p90']:.2f} / {lat['p99']:.2f} ms | "
        f"p50 / floor = {p50 / floor:.2f} | ≤ 0.5 |",
        f"| French question p50 / p90, {french['requests']} distinct new questions, 1 client (the multilingual "
        f"stage runs: `QA_MULTILINGUAL={settings.multilingual}`), errors {french['errors'] + french['non2xx']} | "
        f"{french['p50']:.2f} / {french['p90']:.2f} ms | p50 / floor = {french['p50'] / floor:.2f} | ≤ 1 |",
        f"| the same through Python's http.client (the client's own cost included) | "
        f"{pct(py_lat, 50):.2f} / {pct(py_lat, 90):.2f} / {pct(py_lat, 99):.2f} ms | {pct(py_lat, 50) / floor:.2f} | |",
        f"| repeated question (answer cache hit), p50, wrk 1 connection | {same['p50']:.2f} ms | | ≤ 1 ms |",
        f"| throughput, 8 concurrent clients (wrk, {seconds} s, new questions) | {load['rps']:.0f} req/s "
        f"(p50 {load['p50']:.1f} ms, p99 {load['p99']:.1f} ms, errors {load['errors'] + load['non2xx']}) | "
        f"÷ (cores / floor = {per_core:.0f}/s) = {load['rps'] / per_core:.2f} | ≥ 2 |",
        f"| start-up on a built index: server launch / `make serve` to first answer | {startup:.2f} s / "
        f"{make_startup:.2f} s | | ≤ 1.5 s |",
        f"| memory (RSS) per worker: idle / after {served:,} requests | "
        f"{' + '.join(f'{m:.0f}' for m in idle)} MB / {' + '.join(f'{m:.0f}' for m in after)} MB | | ≤ 300 MB idle |",
        f"| build: {build['passages']:,} passages ({build['articles']} articles), full | {build['build_s']:.1f} s, "
        f"{build['build_pps']:.0f} passages/s | ÷ raw batch (ours {build['raw_pps']:.0f}/s, torch {torch_batch:.0f}/s) "
        f"= {build['build_pps'] / build['raw_pps']:.2f} / {build['build_pps'] / torch_batch:.2f} | ≥ 0.9 |",
        f"| raw model batch throughput on the same {len(batch_texts())} passages: torch (sentence-transformers, "
        f"2 threads) vs our encoder's passage path ({build['runtime']}, 2 threads) | {torch_batch:.0f} vs "
        f"{build['raw_pps']:.0f} passages/s | | |",
        f"| rebuild after one article changed | {build['edit_s']:.2f} s "
        f"({build['edit_embedded']} passages embedded) | | |",
    ]
    if library:
        lines.append(
            f"| build at library scale: consumer-health, {library['documents']:,} NIH passages → "
            f"{library['passages']:,} indexed ({library['runtime']}) | {library['seconds']:.1f} s, "
            f"{library['pps']:.0f} passages/s | ÷ plain sentence-transformers batch (2 threads) of every "
            f"{SAMPLE}th of the same passages, {library['plain_sample']:,} ({library['plain_pps']:.0f}/s) = {library['pps'] / library['plain_pps']:.2f} | |"
        )
    lines += choices_table([default_row, *priced], floor, per_core)
    lines += peer_table(peer, p50, load["rps"], make_startup, startup, idle, settings.workers)
    lines += large_table(large)
    text = "\n".join(lines) + "\n"
    print(text)
    Path(args.out).write_text(text + "\n" + NOTES)


def choices_table(rows: list[dict], floor: float, per_core: float) -> list[str]:
    """Each opt-in's own price against the same floor (the default first)."""
    out = [
        "",
        "## What each choice costs, against the same floor",
        "",
        "Each opt-in measured alone, on a server started with that one setting changed (1 client on new "
        "questions; 8 clients for half the default's time); the build rate is that of a 10-article build.",
        "",
        "| choice | new question p50 (÷ floor) | 8 clients (÷ cores / floor) | memory per worker, idle | build |",
        "|---|---|---|---|---|",
    ]
    for r in rows:
        built = f"{r['build_pps']:.0f} passages/s" if r["build_pps"] else "as the default"
        out.append(
            f"| {r['label']} | {r['p50']:.2f} ms ({r['p50'] / floor:.2f}) | {r['rps']:.0f} req/s "
            f"({r['rps'] / per_core:.2f}){_errors(r)} | "
            f"{' + '.join(f'{m:.0f}' for m in r['idle_mb'])} MB | {built} |"
        )
    return out


def _errors(row: dict) -> str:
    return f", {row['errors']} errors" if row["errors"] else ""


def peer_table(
    peer: dict | None, p50: float, rps: float, make_startup: float, startup: float, idle: list[float], workers: int
) -> list[str]:
    """The service beside txtai's API server, measured in this run."""
    if peer is None:
        return []
    return [
        "",
        "## The peer, in the same run",
        "",
        f"{peer['version']} API (`uvicorn txtai.api:app --workers {workers}`, its own virtual environment "
        "`.venv-peer`), the same packaged MiniLM (txtai's own transformers pooling), the same passages as the "
        f"served index, asked the same new questions the same way (wrk; GET /search?limit=3). Its index build "
        f"took {peer['build_s']:.1f} s (a process of its own, imports included); errors {peer['errors']}.",
        "",
        "| | qa_service (default) | txtai | ours ÷ txtai |",
        "|---|---|---|---|",
        f"| new question p50, 1 client | {p50:.2f} ms | {peer['p50']:.2f} ms | {p50 / peer['p50']:.2f} × the time |",
        f"| 8 concurrent clients, new questions | {rps:.0f} req/s | {peer['rps']:.0f} req/s | "
        f"{rps / peer['rps']:.1f} × the throughput |",
        f"| start-up to first answer (server launch) | {startup:.2f} s (`make serve` {make_startup:.2f} s) | "
        f"{peer['startup_s']:.2f} s | |",
        f"| memory per worker (RSS), loaded | {' + '.join(f'{m:.0f}' for m in idle)} MB | "
        f"{' + '.join(f'{m:.0f}' for m in peer['worker_mb'])} MB | |",
    ]


def large_table(large: list[dict]) -> list[str]:
    out = [
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
        out.append(
            f"| {r['n']:,} | {r['flat_build_s']:.1f} s / {r['flat_mb']:.0f} MB / {r['flat_p50_ms']:.1f} / "
            f"{r['flat_p99_ms']:.1f} ms | {r['hnsw_build_s']:.1f} s / {r['hnsw_mb']:.0f} MB / {r['hnsw_p50_ms']:.2f} / "
            f"{r['hnsw_p99_ms']:.2f} ms | {r['hnsw_recall@10']:.3f} | {r['bm25_build_s']:.1f} s / {r['bm25_load_s']:.2f} s / "
            f"{r['bm25_mb']:.0f} MB / {r['bm25_p99_ms']:.1f} ms | {r['hybrid_p50_ms']:.1f} / "
            f"{r['hybrid_p99_ms']:.1f} ms ({r['hybrid_kind']}) |"
        )
    return out


if __name__ == "__main__":
    main()
