"""Retrieval knobs and their valid values: plain data, importable without numpy (settings validate them)."""

from __future__ import annotations

from dataclasses import dataclass

DUPLICATE_COSINE = 0.85
DUPLICATE_JACCARD = 0.55
SUBJECT_LIBRARY_DOCUMENTS = 100  # QA_SUBJECT_LIBRARY=auto: from this many subject-titled documents
ALWAYS, NEVER = 0, -1  # QA_SUBJECT_LIBRARY=on / off


@dataclass(frozen=True)
class Tuning:
    """Retrieval knobs; defaults were chosen on the dev set (docs/QUALITY.md)."""

    candidates: int = 50
    # A library of at least this many documents, each named for one subject (titles of at most
    # SUBJECT_TITLE_WORDS words at the median: a health encyclopedia, not a clinic's articles), covers only
    # the subjects its titles name (scoring.py, docs/QUALITY.md); ALWAYS / NEVER whatever its documents.
    subject_library: int = SUBJECT_LIBRARY_DOCUMENTS
    duplicate_cosine: float = DUPLICATE_COSINE
    duplicate_jaccard: float = DUPLICATE_JACCARD
