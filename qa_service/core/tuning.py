"""Retrieval knobs and their valid values: plain data, importable without numpy (settings validate them)."""

from __future__ import annotations

from dataclasses import dataclass

DUPLICATE_COSINE = 0.85
DUPLICATE_JACCARD = 0.55


@dataclass(frozen=True)
class Tuning:
    """Retrieval knobs; defaults were chosen on the dev set (docs/QUALITY.md)."""

    candidates: int = 50
    duplicate_cosine: float = DUPLICATE_COSINE
    duplicate_jaccard: float = DUPLICATE_JACCARD
