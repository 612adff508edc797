"""Fusing the dense and lexical evidence into one probability per passage: the learned fusion.

One logistic regression over every feature of ``Evidence``, fitted on the tuning halves of both
benchmarks (scripts/train_fusion.py, docs/QUALITY.md): its probability is the score *and* the confidence,
so rank and confidence always agree, and what it means does not depend on one corpus's score scale. The
hand-set fusions it replaced are kept in the lab (``lab/fusions.py``) to compare against.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np

from qa_service.core.errors import ConfigError
from qa_service.core.evidence import QUESTION_FEATURES, Evidence, feature_names, question_feature_names


@dataclass(frozen=True)
class LearnedFusion:
    """P(passage answers the question) = logistic(weights . features + question_weights . question + bias)."""

    features: tuple[str, ...]
    weights: tuple[float, ...]
    bias: float
    question_weights: tuple[float, ...] = (0.0, 0.0, 0.0)
    model: str = ""  # the encoder (or pair) whose evidence it was fitted on, as manifests name it

    def probability(self, evidence: Evidence) -> np.ndarray:
        columns = [evidence.names.index(name) for name in self.features]
        shift = float(evidence.question_features() @ np.asarray(self.question_weights))
        z = evidence.matrix()[:, columns] @ np.asarray(self.weights) + self.bias + shift
        result: np.ndarray = 1.0 / (1.0 + np.exp(-z))
        return result


def fusion_file(paired: bool) -> str:
    """The shipped fit for one model (fusion.json) or for a pair with the second model's cosine."""
    return "fusion-paired.json" if paired else "fusion.json"


@lru_cache(maxsize=2)
def learned_fusion(paired: bool = False) -> LearnedFusion:
    """The fitted model shipped with the package (data/fusion.json, or data/fusion-paired.json for a paired
    encoder; written by scripts/train_fusion.py)."""
    name = fusion_file(paired)
    raw = json.loads(resources.files("qa_service.core.data").joinpath(name).read_text("utf-8"))
    assert tuple(raw.get("question_features", QUESTION_FEATURES)) == question_feature_names(paired), f"{name} is stale"
    assert set(raw["features"]) <= set(feature_names(paired)), f"{name} is stale"
    return LearnedFusion(
        tuple(raw["features"]),
        tuple(float(w) for w in raw["weights"]),
        float(raw["bias"]),
        tuple(float(w) for w in raw.get("question_weights", (0.0,) * len(QUESTION_FEATURES))),
        str(raw.get("trained", {}).get("model", "")),
    )


def check_fitted_for(model: str, paired: bool) -> None:
    """Refuse to serve the learned fusion with a model it was not fitted for: its weights read cosines on
    another model's scale and would rank and decline at random. Raises ConfigError saying what to do."""
    fitted = learned_fusion(paired)
    if fitted.model != model:
        raise ConfigError(
            f"the learned fusion ({fusion_file(paired)}) was fitted for {fitted.model or 'an unrecorded model'!r}, "
            f"not {model!r}: refit it for this model (scripts/train_fusion.py), or set QA_MODEL back"
        )
