#!/usr/bin/env python3
"""Quality figures for docs/QUALITY.md: both benchmarks' check halves, plain BM25 and plain dense beside
every fusion of the service, and the ablation of each reading step, in one run. Prints; asserts nothing.

    python scripts/quality_report.py ../shared/eval/consumer-health [--split check] [--work /tmp/chwork]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

from lab.ablation import ABLATIONS, ablated  # noqa: E402
from lab.fusions import COMPARISONS  # noqa: E402
from qa_service.cli.benchmark_command import format_rows  # noqa: E402
from qa_service.core.benchmark import load_beir  # noqa: E402
from qa_service.core.scoring import score  # noqa: E402
from qa_service.runtime.benchmark_run import clinic_set, corpus_index, run_plain, run_service, served  # noqa: E402
from qa_service.settings import Settings  # noqa: E402
from qa_service.wiring import load_encoder  # noqa: E402

VARIANTS = {"rrf": COMPARISONS["rrf"], "convex": COMPARISONS["convex"], "learned": score}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("consumer_health", type=Path)
    ap.add_argument("--split", default="check", choices=("all", "tune", "check"))
    ap.add_argument("--work", type=Path, help="folder to keep the consumer-health index in between runs")
    ap.add_argument("--reranker", type=Path, help="a reranker folder (scripts/train_reranker.py): adds +rerank rows")
    args = ap.parse_args()
    settings = Settings.from_env()
    encoder = load_encoder(settings, threads=2)
    public = load_beir(args.consumer_health)
    public_index = corpus_index(public, encoder, args.work or Path(tempfile.mkdtemp()), settings.chunk_tokens)
    clinic, clinic_index = clinic_set(
        ROOT / "tests" / "data", encoder, Path(tempfile.mkdtemp(prefix="qa-quality-")), "clinic dev + hold-out"
    )
    reranker = None
    if args.reranker:  # one session for both benchmarks
        from qa_service.runtime.reranker import OnnxReranker

        reranker = OnnxReranker(args.reranker, threads=2)
    benches = [
        (clinic, clinic_index, "passage"),
        (public, public_index, "corpus"),
    ]
    for bench, loaded, by in benches:
        bench = bench.split(args.split)
        outcomes = [run_plain(bench, loaded, encoder, "bm25", by=by), run_plain(bench, loaded, encoder, "dense", by=by)]
        for name, scorer in VARIANTS.items():
            outcome = run_service(bench, served(loaded, encoder), settings.min_confidence, by=by, scorer=scorer)
            outcome.method = name
            outcomes.append(outcome)
        if reranker is not None:
            outcome = run_service(bench, served(loaded, encoder, reranker), settings.min_confidence, by=by)
            outcome.method = "+rerank"
            outcomes.append(outcome)
        for step in ABLATIONS:
            outcome = run_service(bench, ablated(served(loaded, encoder), step), settings.min_confidence, by=by)
            outcome.method = f"-{step}"
            outcomes.append(outcome)
        print(f"\n{bench.name}: {len(bench.queries)} questions, {len(bench.out_of_scope)} out of scope")
        print(format_rows(bench, outcomes))


if __name__ == "__main__":
    main()
