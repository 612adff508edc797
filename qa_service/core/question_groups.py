"""Questions grouped by meaning, so staff see "asked 14 times, in these words" instead of 14 rows.

Greedy and deterministic: the most asked question opens a group; each next question joins the group whose
centre (the mean of its members' vectors, weighted by how often each was asked) is closest, when that
cosine reaches the threshold, else it opens its own. The vectors are the service's own question vectors.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

GROUP_COSINE = 0.62  # paraphrases of one question sit above it with MiniLM; neighbouring topics below


@dataclass
class QuestionGroup:
    """One meaning: its most asked wording, every wording with its count, and the total."""

    label: str
    count: int = 0
    examples: list[tuple[str, int]] = field(default_factory=list)


def group_questions(
    questions: Sequence[tuple[str, int]], vectors: np.ndarray, threshold: float = GROUP_COSINE
) -> list[QuestionGroup]:
    """``questions``: (text, count), most asked first; ``vectors``: their unit vectors, one row each.
    Returns the groups by total count (then by their label), each group's wordings most asked first."""
    groups: list[QuestionGroup] = []
    centres: list[np.ndarray] = []
    for (text, count), vector in zip(questions, vectors, strict=True):
        best, best_cos = -1, threshold
        if centres:
            stacked = np.vstack(centres)
            norms = np.linalg.norm(stacked, axis=1)
            cosines = stacked @ vector / np.where(norms > 0, norms, 1.0)
            i = int(np.argmax(cosines))
            if cosines[i] >= best_cos:
                best = i
        if best < 0:
            groups.append(QuestionGroup(text))
            centres.append(np.zeros_like(vector, dtype=np.float64))
            best = len(groups) - 1
        group = groups[best]
        group.count += count
        group.examples.append((text, count))
        centres[best] = centres[best] + count * vector.astype(np.float64)
    return sorted(groups, key=lambda g: (-g.count, g.label))
