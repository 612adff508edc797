"""What the commands share: the encoder and the local retriever from the wiring, and scoring a question set."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from qa_service import wiring
from qa_service.settings import Settings

if TYPE_CHECKING:
    from qa_service.core.encoder import Encoder
    from qa_service.core.evaluation import Scores
    from qa_service.core.retrieval import Retriever
    from qa_service.core.tuning import Tuning


def encoder(settings: Settings) -> Encoder:
    return wiring.load_encoder(settings, threads=os.cpu_count() or 1)


def local_retriever(settings: Settings, retrieval: Tuning | None = None) -> Retriever:
    return wiring.local_retriever(settings, encoder(settings), retrieval)


def score(retriever: Retriever, path: Path, settings: Settings) -> dict[str, Scores]:
    from qa_service.core.quality_gate import score_retriever
    from qa_service.core.question_sets import load_set

    return score_retriever(
        retriever, load_set(path), min_confidence=settings.min_confidence, max_chars=settings.max_question_chars
    )
