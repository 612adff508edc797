"""The asker's language first: a passage the clinic wrote in both languages is shown in the asker's."""

from __future__ import annotations

import dataclasses

from qa_service.core.filters import NO_FILTERS, Filters
from qa_service.core.hits import Hit
from qa_service.core.retrieval import Retriever


def in_language(retriever: Retriever, hits: list[Hit], lang: str, filters: Filters = NO_FILTERS) -> list[Hit]:
    """Each passage in the asker's language when the clinic wrote it in both (its translation takes its
    place and rank, unless ``filters`` exclude it); a passage that exists only in the other language
    stays, marked by its ``lang``."""
    out: list[Hit] = []
    seen: set[int] = set()
    for hit in hits:
        counterpart = dict(hit.passage.translations).get(lang) if hit.passage.language != lang else None
        row = retriever.row_of(counterpart) if counterpart else None
        if row is not None and filters.passes(retriever.passages[row]):
            hit = dataclasses.replace(hit, passage=retriever.passages[row], row=row)
        if hit.row not in seen:
            seen.add(hit.row)
            out.append(hit)
    return out
