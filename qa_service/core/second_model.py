"""The second model's opinion (QA_SECOND_MODEL, opt-in): its cosine for each candidate, from its own store.

The first model gathers the candidates; the second reads only them, from its passage vectors kept apart
from the FAISS index (``LoadedIndex.second``), and its cosine joins the evidence the paired learned fusion
reads (``fusion-paired.json``). A stage of its own, between gathering and scoring (``ranking.py``).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from qa_service.core.evidence import Evidence
from qa_service.core.retrieval import Retriever


def second_opinion(retriever: Retriever, question: np.ndarray, evidence: Evidence) -> Evidence:
    """``evidence`` with the second model's cosine of each candidate; unchanged without a second model.
    ``question``: the encoder's (1, d) vector of the question, the second model's part after the first's."""
    second = retriever.loaded.second
    if second is None:
        return evidence
    cosine = second[evidence.rows] @ question[0, retriever.split :]
    return dataclasses.replace(evidence, second=np.asarray(cosine))
