#!/usr/bin/env python3
"""A second, larger bi-encoder as a reranking feature: its cosine beside the learned fusion's evidence.

    python scripts/measure_second_encoder.py ../shared/eval/consumer-health MODEL_FOLDER [--work /tmp/chwork]

MODEL_FOLDER is e.g. what `qa-service install-model all-mpnet-base-v2` prints. The first stage is the
service's (MiniLM, dense + BM25 candidates); every candidate also gets the second model's cosine and its gap
to the question's best, and the question its best such cosine. The learned fusion is fitted as
scripts/train_fusion.py fits it (listwise direction, calibrated top, decline cut at 5 % of each tuning
half's answerable questions), once without and once with the new columns, on the tuning halves; both are
scored on the check halves. Ranking is by the fused score over the candidates (no answer-type lift, no
duplicate collapse), the same for both rows, so the difference is the feature's. Prints; writes nothing to
the repository (the passage vectors are cached in --work).
"""

from __future__ import annotations

import argparse
import math
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]

from lab import fitting as tf  # noqa: E402
from qa_service.core.benchmark import Benchmark, load_beir  # noqa: E402
from qa_service.core.encoder import Encoder  # noqa: E402
from qa_service.core.fusion import LearnedFusion  # noqa: E402
from qa_service.core.loaded_index import LoadedIndex  # noqa: E402
from qa_service.core.ranking import evidence_of  # noqa: E402
from qa_service.core.retrieval import Retriever  # noqa: E402
from qa_service.core.tuning import Tuning  # noqa: E402
from qa_service.runtime.benchmark_run import DEPTH, clinic_set, corpus_index  # noqa: E402
from qa_service.runtime.encoders import load_encoder as load_model  # noqa: E402
from qa_service.settings import Settings  # noqa: E402
from qa_service.wiring import load_encoder  # noqa: E402

Row = dict[str, object]


def passage_vectors(second: Encoder, loaded: LoadedIndex, cache: Path) -> np.ndarray:
    if cache.exists():
        return np.load(cache)
    vectors = second.encode([p.embed_text for p in loaded.passages], batch_size=32, progress=True)
    np.save(cache, vectors)
    return vectors


def rows(
    bench: Benchmark, loaded: LoadedIndex, first: Encoder, second: Encoder, vectors: np.ndarray, by: str
) -> list[Row]:
    """Per question: the first stage's features, the same with the second cosine, labels, corpus keys."""
    retriever = Retriever(loaded, first, Tuning())
    out: list[Row] = []
    for query, answerable in [*((q, True) for q in bench.queries), *((q, False) for q in bench.out_of_scope)]:
        read = retriever.read(query.text, query.lang)
        evidence = evidence_of(retriever, read, DEPTH)
        relevant = bench.qrels.get(query.id, set()) if answerable else set()
        keys = [
            retriever.passages[r].document_id.removesuffix(".md") if by == "corpus" else retriever.passages[r].id
            for r in evidence.rows
        ]
        started = time.perf_counter()
        cosine = vectors[evidence.rows] @ second.encode_queries([read.dense_text])[0]
        took = time.perf_counter() - started
        base, question = evidence.matrix(), evidence.question_features()
        out.append(
            {
                "base": (base, question),
                "second": (np.column_stack([base, cosine, cosine - cosine.max()]), np.append(question, cosine.max())),
                "labels": np.array([k in relevant for k in keys], dtype=np.int64),
                "answerable": answerable,
                "keys": keys,
                "ms": 1000 * took,
            }
        )
    return out


def fit(tune: list[list[Row]], variant: str) -> tuple[np.ndarray, np.ndarray, float]:
    """train_fusion's fit on the tuning halves: weights, question weights, bias with the cut folded in."""
    sets = [[(r[variant][0], r["labels"], r["answerable"], r[variant][1]) for r in half] for half in tune]  # type: ignore[index]
    direction = tf.listwise(sets, (1.0, 1.0), 0.01)
    model = tf.calibration(sets, direction, (1.0, 1.0), 1.0)
    weights, question_weights, bias = model.coef_[0, 0] * direction, model.coef_[0, 1:], float(model.intercept_[0])
    fused = LearnedFusion(tuple(str(i) for i in range(len(weights))), tuple(weights), bias, tuple(question_weights))
    cut = tf.threshold([[(tf.top_probability(fused, x, q), a) for x, _, a, q in half] for half in sets], (0.05, 0.05))
    return weights, question_weights, bias - math.log(cut / (1 - cut))


def score(check: list[Row], variant: str, model: tuple[np.ndarray, np.ndarray, float]) -> tuple[float, float, float]:
    """MRR@10 by first appearance of corpus keys, false declines, out-of-scope declined."""
    weights, question_weights, bias = model
    reciprocal, false, declined = [], [], []
    for row in check:
        features, question = row[variant]  # type: ignore[misc]
        scores = features @ weights
        confident = scores.max() + bias + question @ question_weights >= 0 if len(scores) else False
        if not row["answerable"]:
            declined.append(not confident)
            continue
        false.append(not confident)
        seen: list[str] = []
        rank = 0
        for i in np.argsort(-scores, kind="stable"):
            key = row["keys"][i]  # type: ignore[index]
            if key not in seen:
                seen.append(key)
                if row["labels"][i]:  # type: ignore[index]
                    rank = len(seen)
                    break
            if len(seen) >= 10:
                break
        reciprocal.append(1 / rank if rank else 0.0)
    return float(np.mean(reciprocal)), float(np.mean(false)), float(np.mean(declined)) if declined else math.nan


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("consumer_health", type=Path)
    ap.add_argument("model", help="the second model's folder")
    ap.add_argument("--work", type=Path, default=Path(tempfile.mkdtemp(prefix="qa-second-")))
    args = ap.parse_args()
    settings = Settings.from_env()
    first = load_encoder(settings, threads=2)
    second = load_model(args.model, backend="onnx-int8", cache_dir=settings.model_cache_dir, threads=2)
    public = load_beir(args.consumer_health)
    public_index = corpus_index(public, first, args.work / "consumer-health", settings.chunk_tokens)
    clinic, clinic_index = clinic_set(ROOT / "tests" / "data", first, Path(tempfile.mkdtemp()), "clinic")
    halves: dict[tuple[str, str], list[Row]] = {}
    for name, bench, loaded, by in (
        ("consumer-health", public, public_index, "corpus"),
        ("clinic", clinic, clinic_index, "passage"),
    ):
        vectors = passage_vectors(second, loaded, args.work / f"{name}-second-{len(loaded.passages)}.npy")
        for half in ("tune", "check"):
            halves[(name, half)] = rows(bench.split(half), loaded, first, second, vectors, by)
    names = ("consumer-health", "clinic")
    timings = [row["ms"] for half in halves.values() for row in half]
    print(f"second model: {args.model}; its question vector {statistics.median(timings):.1f} ms p50 (int8, 2 threads)")
    print(f"{'features':22s} {'benchmark':16s} {'mrr@10':>7s} {'false declines':>15s} {'oos declined':>13s}")
    for variant, label in (("base", "first stage's"), ("second", "+ second cosine")):
        model = fit([halves[(n, "tune")] for n in names], variant)
        for name in names:
            mrr, false, declined = score(halves[(name, "check")], variant, model)
            print(f"{label:22s} {name + ' check':16s} {mrr:7.3f} {false:15.3f} {declined:13.3f}")


if __name__ == "__main__":
    main()
