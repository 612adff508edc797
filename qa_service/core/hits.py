"""A ranked passage and the evidence behind its rank: what every ranking stage takes and returns."""

from __future__ import annotations

from dataclasses import dataclass, field

from qa_service.core.chunking import Passage


@dataclass
class Hit:
    """One ranked passage: its score (the order), its confidence (shown), and what they were made of.

    Stages return new lists; a stage that rescores (the reranker) or groups (near-duplicates) updates
    the hits of the list it was given, which no earlier stage reads again."""

    passage: Passage
    row: int
    score: float
    cosine: float
    coverage: float
    confidence: float = 0.0
    also_in: list[Passage] = field(default_factory=list)
    pinned: bool = False
