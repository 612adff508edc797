"""Fitting the learned fusion and the reranker's combination: examples from the benchmarks' tuning halves,
a listwise ranking fit, the calibration of the top candidate's probability, and the decline threshold.

Used by scripts/train_fusion.py and scripts/measure_second_encoder.py (a candidate model's figures before
wiring it). Lab code: serving reads only the fitted files (core/data/fusion.json, rerank.json).
"""

from __future__ import annotations

import math

import numpy as np
from scipy.optimize import minimize
from sklearn.linear_model import LogisticRegression

from qa_service.core.benchmark import Benchmark
from qa_service.core.fusion import LearnedFusion
from qa_service.core.ranking import evidence_of
from qa_service.core.rerank import Reranker, logit, pair_text
from qa_service.core.retrieval import Retriever
from qa_service.core.scoring import score
from qa_service.runtime.benchmark_run import DEPTH

Example = tuple[np.ndarray, np.ndarray, bool, np.ndarray]  # features, labels, answerable, question features


def examples(bench: Benchmark, retriever: Retriever, by: str) -> list[Example]:
    """(features, labels, answerable, question features) per question of the benchmark."""
    out = []
    for query, answerable in [*((q, True) for q in bench.queries), *((q, False) for q in bench.out_of_scope)]:
        evidence = evidence_of(retriever, retriever.read(query.text, query.lang), DEPTH)
        relevant = bench.qrels.get(query.id, set()) if answerable else set()
        keys = [
            retriever.passages[r].document_id.removesuffix(".md") if by == "corpus" else retriever.passages[r].id
            for r in evidence.rows
        ]
        labels = np.array([k in relevant for k in keys], dtype=np.int64)
        out.append((evidence.matrix(), labels, answerable, evidence.question_features()))
    return out


def listwise(sets: list[list[Example]], weights: tuple[float, ...], l2: float) -> np.ndarray:
    """Weights that rank relevant candidates first: softmax cross-entropy over each answerable question's
    candidates (ListNet-style), L2-regularised, solved by L-BFGS."""
    groups = [
        (features, labels.astype(bool), weight / len(rows))
        for rows, weight in zip(sets, weights, strict=True)
        for features, labels, answerable, _ in rows
        if answerable and labels.any()
    ]

    def loss(v: np.ndarray) -> tuple[float, np.ndarray]:
        total, grad = l2 * float(v @ v), 2 * l2 * v
        for features, relevant, weight in groups:
            z = features @ v
            z = z - z.max()
            p = np.exp(z) / np.exp(z).sum()
            mass = p[relevant].sum()
            total -= weight * math.log(max(mass, 1e-12))
            # d/dv of -log(sum_rel p) = E_p[x] - E_{p | relevant}[x]
            grad += weight * (p @ features - (p[relevant] @ features[relevant]) / max(mass, 1e-12))
        return total, grad

    result = minimize(loss, np.zeros(groups[0][0].shape[1]), jac=True, method="L-BFGS-B")
    return np.asarray(result.x)


def top_probability(model: LearnedFusion, features: np.ndarray, question: np.ndarray) -> float:
    if not len(features):
        return 0.0
    z = features @ np.asarray(model.weights) + model.bias + question @ np.asarray(model.question_weights)
    return float(1.0 / (1.0 + np.exp(-z.max())))


def threshold(tops: list[list[tuple[float, bool]]], limits: tuple[float, ...]) -> float:
    """The cut on each question's top probability (``tops``: per benchmark, (probability, answerable)) that
    declines the most out-of-scope questions while declining at most ``limits`` of each benchmark's
    answerable ones."""
    best = 0.5
    for t in np.linspace(0.05, 0.95, 91):
        ok = True
        for rows, limit in zip(tops, limits, strict=True):
            false = sum(p < t for p, a in rows if a) / max(1, sum(a for _, a in rows))
            ok &= false <= limit
        if ok:
            best = float(t)
    return best


def rerank_examples(bench: Benchmark, retriever: Retriever, reranker: Reranker, by: str, depth: int) -> list[Example]:
    """Per question: the first stage's ``depth`` leading candidates (learned fusion, before the duplicate
    collapse, as the service reranks them) with [logit of their probability, cross-encoder logit]."""
    out = []
    for query, answerable in [*((q, True) for q in bench.queries), *((q, False) for q in bench.out_of_scope)]:
        read = retriever.read(query.text, query.lang)
        hits = score(retriever, read, evidence_of(retriever, read, depth))[:depth]  # before rerank and duplicates
        relevant = bench.qrels.get(query.id, set()) if answerable else set()
        keys = [h.passage.document_id.removesuffix(".md") if by == "corpus" else h.passage.id for h in hits]
        logits = reranker.score(read.dense_text, [pair_text(h.passage) for h in hits])
        first = [logit(h.confidence) for h in hits]  # as RerankModel.probability reads it
        features = np.column_stack([first, logits]) if hits else np.zeros((0, 2))
        out.append((features, np.array([k in relevant for k in keys], dtype=np.int64), answerable, np.zeros(0)))
    return out


def calibration(
    sets: list[list[Example]], direction: np.ndarray, weights: tuple[float, ...], c: float
) -> LogisticRegression:
    """P(the top passage answers) as a logistic of the ranking score (and the question's features), on each
    question's top candidate: monotone in the score, so rank and confidence agree."""
    tops, labels, sample = [], [], []
    for rows, weight in zip(sets, weights, strict=True):
        for features, y_q, answerable, question in rows:
            if len(features):
                best = int(np.argmax(features @ direction))
                tops.append([float(features[best] @ direction), *question])
                labels.append(int(answerable and y_q[best] == 1))
                sample.append(weight / len(rows))
    model = LogisticRegression(C=c, max_iter=5000)
    model.fit(np.array(tops), np.array(labels), sample_weight=np.array(sample) * len(sample))
    return model
