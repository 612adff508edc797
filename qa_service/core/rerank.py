"""The second relevance stage: a cross-encoder reads the question and each leading candidate together.

The first stage (dense + BM25, learned fusion) sees question and passage apart, so a passage about a
neighbouring subject that shares the question's words ranks, and looks confident. A cross-encoder attends
across both texts at once. Its logit joins the first stage's as one more figure of a small logistic
(``RerankModel``), so rank and confidence still come from one probability. The core only knows the
``Reranker`` protocol; the ONNX model that implements it is an adapter (``runtime/reranker.py``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Protocol

from qa_service.core.chunking import Passage
from qa_service.core.errors import ConfigError
from qa_service.core.hits import Hit
from qa_service.core.query import Query

if TYPE_CHECKING:
    import numpy as np


class Reranker(Protocol):
    """Scores (question, passage) pairs; higher = more likely to answer. Same scale on any corpus."""

    name: str
    fingerprint: str  # what data/rerank.json records it was fitted with

    def score(self, question: str, passages: Sequence[str]) -> np.ndarray: ...


def pair_text(passage: Passage) -> str:
    """What the cross-encoder reads of a passage: its document's title, its heading, its text (the title
    names the subject a short list item is about)."""
    head = passage.document_title
    if passage.section and passage.section != passage.document_title:
        head = f"{head} — {passage.section}" if head else passage.section
    return f"{head}: {passage.text}" if head else passage.text


@dataclass(frozen=True)
class RerankModel:
    """P(answers) = logistic(a x first-stage logit + c x cross-encoder logit + b), over the ``depth``
    leading candidates; fitted by scripts/train_fusion.py on the tuning halves of both benchmarks."""

    depth: int
    first_weight: float
    rerank_weight: float
    bias: float
    reranker: str = ""  # the fingerprint of the cross-encoder it was fitted with

    def probability(self, first: float, rerank: float) -> float:
        z = self.first_weight * logit(first) + self.rerank_weight * rerank + self.bias
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def logit(p: float) -> float:
    """log(p / (1 - p)), p kept off 0 and 1 (a first-stage probability can round to either)."""
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


@lru_cache(maxsize=1)
def rerank_model() -> RerankModel | None:
    """The fitted combination shipped with the package (data/rerank.json, written by
    scripts/train_fusion.py --rerank), or None before one is."""
    path = resources.files("qa_service.core.data").joinpath("rerank.json")
    if not path.is_file():
        return None
    part = json.loads(path.read_text("utf-8"))
    return RerankModel(
        int(part["depth"]),
        float(part["first_weight"]),
        float(part["rerank_weight"]),
        float(part["bias"]),
        str(part.get("trained", {}).get("reranker", "")),
    )


def check_rerank_fitted_for(fingerprint: str) -> None:
    """Refuse a cross-encoder the shipped combination (data/rerank.json) was not fitted with: its logits
    would be weighed on another model's scale. Raises ConfigError saying what to do."""
    model = rerank_model()
    if model is None:
        raise ConfigError("QA_RERANKER is set but no fitted combination ships (data/rerank.json); set it off")
    if model.reranker != fingerprint:
        raise ConfigError(
            f"data/rerank.json was fitted with the cross-encoder {model.reranker or 'unrecorded'!r}, not "
            f"{fingerprint!r}: refit it (scripts/train_fusion.py --rerank) or set QA_RERANKER=off"
        )


def rerank(reranker: Reranker, query: Query, ranked: list[Hit]) -> list[Hit]:
    """The leading candidates rescored by the cross-encoder together with their first-stage probability
    (``RerankModel``); the rest follow in their order, never above the lowest rescored one, so rank and
    confidence still agree."""
    model = rerank_model()
    if model is None or not ranked:
        return ranked
    head, tail = ranked[: model.depth], ranked[model.depth :]
    logits = reranker.score(query.dense_text, [pair_text(hit.passage) for hit in head])
    for hit, value in zip(head, logits.tolist(), strict=True):
        hit.score = hit.confidence = model.probability(hit.confidence, value)
    head.sort(key=lambda h: (-h.score, h.row))
    floor = head[-1].score
    for hit in tail:
        hit.score = hit.confidence = min(hit.confidence, floor)
    return head + tail
