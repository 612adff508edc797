"""Retrieval knobs and their valid values: plain data, importable without numpy (settings validate them)."""

from __future__ import annotations

from dataclasses import dataclass

# Steps of reading and ranking that can be switched off, one at a time, to measure what each earns.
STEPS = frozenset({"spelling", "lexicon", "answer_types", "uncovered", "duplicates", "rerank"})
DUPLICATE_COSINE = 0.85
DUPLICATE_JACCARD = 0.55


@dataclass(frozen=True)
class Tuning:
    """Retrieval knobs; defaults were chosen on the dev set (docs/QUALITY.md)."""

    candidates: int = 50
    duplicate_cosine: float = DUPLICATE_COSINE
    duplicate_jaccard: float = DUPLICATE_JACCARD
    steps: frozenset[str] = STEPS
