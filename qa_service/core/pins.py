"""Staff pins: for a question meaning the same as a pinned one, the pinned passage comes first.

Pins are read from the content folder (``pins.yaml``, written by the console) and compared by the cosine
of the two questions' vectors against each pin's own threshold.
"""

from __future__ import annotations

from qa_service.core.filters import Filters
from qa_service.core.hits import Hit
from qa_service.core.query import Query
from qa_service.core.retrieval import Retriever


def pinned_row(retriever: Retriever, query: Query, filters: Filters) -> int | None:
    """The row staff pinned for a question meaning the same as this one (of the pins over their
    threshold whose passage this version holds and ``filters`` let through, the closest), or None."""
    pins = retriever.content.pins
    if not pins:
        return None
    closeness = retriever.pin_vectors @ retriever.question_vector(query.dense_text)[0]
    best: tuple[int, float] | None = None
    for pin, cos in zip(pins, closeness.tolist(), strict=True):
        row = retriever.row_of(pin.passage)
        if row is None or cos < pin.threshold or not filters.passes(retriever.passages[row]):
            continue
        if best is None or cos > best[1]:
            best = (row, cos)
    return best[0] if best else None


def with_pin(retriever: Retriever, query: Query, hits: list[Hit], top_k: int, filters: Filters) -> list[Hit]:
    """The passage staff pinned for this question first, with confidence 1 (no found passage scores more,
    so rank and confidence still agree), the others after it."""
    row = pinned_row(retriever, query, filters)
    if row is None:
        return hits
    pin = Hit(retriever.passages[row], row, 1.0, 1.0, 1.0, 1.0, pinned=True)
    return [pin, *(h for h in hits if h.row != row)][:top_k]
