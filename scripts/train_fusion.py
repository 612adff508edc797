#!/usr/bin/env python3
"""Fit the learned fusion (qa_service/core/data/fusion.json) on the tuning halves of both benchmarks.

    python scripts/train_fusion.py ../shared/eval/consumer-health [--work /tmp/chwork] \
        [--library ../shared/eval/clinic-library]

One logistic regression over the retriever's evidence for each candidate passage (cosine, its gap to the
best, relative BM25, coverage, both ranks, title words named): label 1 when the passage answers the
question, 0 otherwise, every candidate of an out-of-scope question 0. Each benchmark (with ``--library``,
the bilingual clinic library's tune part as a third) weighs the same, and each question the same within its
benchmark. The decision threshold is then chosen on the same tuning
halves (out-of-scope declined, answerable ones not) and folded into the bias, so "confident" stays
probability >= 0.5. The check halves are never read here: `qa-service benchmark --split check` reports them.
"""

from __future__ import annotations

import argparse
import json
import math
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from lab.fitting import Example, calibration, examples, listwise, rerank_examples, threshold, top_probability
from qa_service.core.benchmark import Benchmark, load_beir
from qa_service.core.encoder import Encoder, searched_dimension
from qa_service.core.evidence import feature_names, question_feature_names
from qa_service.core.fusion import LearnedFusion, fusion_file
from qa_service.core.loaded_index import LoadedIndex
from qa_service.core.retrieval import Retriever
from qa_service.core.tuning import Tuning
from qa_service.runtime.benchmark_run import clinic_set, corpus_index, library_set
from qa_service.settings import Settings
from qa_service.wiring import load_encoder

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "qa_service" / "core" / "data" / "fusion.json"
RERANK_OUT = OUT.with_name("rerank.json")


def fit_rerank(sets: list[list[Example]], args: argparse.Namespace, depth: int) -> dict[str, object]:
    """The RerankModel: a listwise ranking direction over the two logits, then its scale and bias from a
    logistic regression of "the top passage answers", then the decline cut folded into the bias."""
    direction = listwise(sets, (1.0, 1.0), args.l2)
    model = calibration(sets, direction, (1.0, 1.0), args.c)
    w, b = float(model.coef_[0, 0]) * direction, float(model.intercept_[0])

    def top(features: np.ndarray) -> float:
        return float(1 / (1 + np.exp(-(features @ w + b).max()))) if len(features) else 0.0

    cut = threshold([[(top(x), a) for x, _, a, _ in rows] for rows in sets], (args.max_false, 0.05))
    return {
        "depth": depth,
        "first_weight": round(float(w[0]), 6),
        "rerank_weight": round(float(w[1]), 6),
        "bias": round(b - math.log(cut / (1 - cut)), 6),
        "threshold_before_shift": round(cut, 3),
    }


def benchmark_indexes(
    args: argparse.Namespace, encoder: Encoder
) -> tuple[Benchmark, LoadedIndex, Benchmark, LoadedIndex]:
    """Consumer-health over its index (kept in ``--work`` between runs) and the clinic's set over its own."""
    public = load_beir(args.consumer_health)
    public_index = corpus_index(public, encoder, args.work or Path(tempfile.mkdtemp(prefix="qa-fusion-")), 200)
    clinic, clinic_index = clinic_set(
        ROOT / "tests" / "data", encoder, Path(tempfile.mkdtemp(prefix="qa-fusion-clinic-")), "clinic"
    )
    return public, public_index, clinic, clinic_index


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("consumer_health", type=Path)
    ap.add_argument("--work", type=Path, help="folder to keep the consumer-health index in between runs")
    ap.add_argument("--c", type=float, default=1.0, help="inverse regularisation strength")
    ap.add_argument("--l2", type=float, default=0.01, help="L2 penalty of the ranking weights")
    ap.add_argument(
        "--clinic-weight", type=float, default=1.0, help="the clinic's questions' weight against the public set's"
    )
    ap.add_argument("--library", type=Path, help="a clinic library (documents/, questions.jsonl): its tune part too")
    ap.add_argument("--library-weight", type=float, default=1.0, help="the library's weight against the public set's")
    ap.add_argument("--rerank", type=Path, help="fit data/rerank.json for this reranker folder instead")
    ap.add_argument("--depth", type=int, default=10, help="candidates the reranker rescores (--rerank)")
    ap.add_argument(
        "--max-false", type=float, default=0.08, help="answerable public questions the rerank cut may decline"
    )
    args = ap.parse_args()
    encoder = load_encoder(Settings.from_env(), threads=2)  # QA_SECOND_MODEL: fit fusion-paired.json
    if args.rerank:
        return rerank_main(args, encoder)
    base = Tuning()
    public, public_index, clinic, clinic_index = benchmark_indexes(args, encoder)
    sets = [
        examples(public.split("tune"), Retriever(public_index, encoder, base), "corpus"),
        examples(clinic.split("tune"), Retriever(clinic_index, encoder, base), "passage"),
    ]
    weights, trained_on = (1.0, args.clinic_weight), ["consumer-health tune half", "clinic dev + hold-out tune half"]
    if args.library:
        library, library_index = library_set(
            args.library, encoder, Path(tempfile.mkdtemp(prefix="qa-fusion-lib-")), 200
        )
        sets.append(examples(library.split("tune"), Retriever(library_index, encoder, base), "passage"))
        weights, trained_on = (*weights, args.library_weight), [*trained_on, f"{args.library.name} tune part"]
    paired = searched_dimension(encoder) < encoder.dimension
    names, question_names = feature_names(paired), question_feature_names(paired)
    out = OUT.with_name(fusion_file(paired))
    direction = listwise(sets, weights, args.l2)
    model = calibration(sets, direction, weights, args.c)
    scale, question_weights = float(model.coef_[0, 0]), model.coef_[0, 1:].copy()
    fused = LearnedFusion(names, tuple(scale * direction), float(model.intercept_[0]), tuple(question_weights))
    # The decline cut: on the two benchmarks with enough out-of-scope questions to set it (the library's
    # tune part has a handful); the library shapes the ranking and the calibration only.
    cut = threshold([[(top_probability(fused, x, q), a) for x, _, a, q in rows] for rows in sets[:2]], (0.05, 0.05))
    bias = fused.bias - math.log(cut / (1 - cut))  # probability cut -> 0.5
    out.write_text(
        json.dumps(
            {
                "features": list(names),
                "weights": [round(float(v), 6) for v in fused.weights],
                "question_features": list(question_names),
                "question_weights": [round(float(v), 6) for v in fused.question_weights],
                "bias": round(bias, 6),
                "threshold_before_shift": round(cut, 3),
                "trained": {
                    "on": trained_on,
                    "by": "scripts/train_fusion.py",
                    "at": datetime.now(UTC).isoformat(timespec="seconds"),
                    "C": args.c,
                    "clinic_weight": args.clinic_weight,
                    "library_weight": args.library_weight if args.library else None,
                    "questions": [len(rows) for rows in sets],
                    "model": encoder.name,
                },
            },
            indent=2,
        )
        + "\n"
    )
    named = dict(zip(names + question_names, [*fused.weights, *fused.question_weights], strict=True))
    print(f"wrote {out}: {', '.join(f'{k} {v:.3f}' for k, v in named.items())}; cut {cut:.2f}")


def rerank_main(args: argparse.Namespace, encoder: Encoder) -> None:
    """Fit RERANK_OUT over the shipped learned fusion, with the reranker in ``args.rerank``."""
    from qa_service.runtime.reranker import OnnxReranker

    reranker = OnnxReranker(args.rerank, threads=2)
    first = Tuning()  # lab.fitting.rerank_examples reads the scoring stage's order, before rerank and duplicates
    public, public_index, clinic, clinic_index = benchmark_indexes(args, encoder)
    sets = [
        rerank_examples(public.split("tune"), Retriever(public_index, encoder, first), reranker, "corpus", args.depth),
        rerank_examples(clinic.split("tune"), Retriever(clinic_index, encoder, first), reranker, "passage", args.depth),
    ]
    fitted = fit_rerank(sets, args, args.depth)
    fitted["trained"] = {
        "on": ["consumer-health tune half", "clinic dev + hold-out tune half"],
        "by": "scripts/train_fusion.py --rerank",
        "reranker": reranker.fingerprint,
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "C": args.c,
        "max_false": args.max_false,
        "questions": [len(rows) for rows in sets],
    }
    RERANK_OUT.write_text(json.dumps(fitted, indent=2) + "\n")
    print(f"wrote {RERANK_OUT}: {fitted}")


if __name__ == "__main__":
    main()
