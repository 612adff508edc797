"""A second model (QA_SECOND_MODEL=all-mpnet-base-v2) paired with the first: the first's vectors are searched
(FAISS holds only them), the second's, in their own store, rescore the candidates, through the real models,
FAISS and the learned fusion's paired fit."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from qa_service.core.answer import answer_question
from qa_service.core.documents import load_documents
from qa_service.core.encoder import searched_dimension
from qa_service.core.errors import IndexMismatch
from qa_service.core.ranking import evidence_of
from qa_service.core.retrieval import Retriever
from qa_service.runtime.index_build import build_index
from qa_service.runtime.index_load import load_current
from qa_service.runtime.paired_encoder import PairedEncoder
from qa_service.settings import Settings
from qa_service.wiring import load_encoder

DOCUMENTS = Path(__file__).parent / "data" / "documents"


@pytest.fixture(scope="module")
def paired() -> PairedEncoder:
    encoder = load_encoder(dataclasses.replace(Settings(), second_model="all-mpnet-base-v2"), threads=2)
    assert isinstance(encoder, PairedEncoder)
    return encoder


@pytest.fixture(scope="module")
def paired_retriever(paired: PairedEncoder, tmp_path_factory: pytest.TempPathFactory) -> Retriever:
    folder = tmp_path_factory.mktemp("paired-index")
    documents, _ = load_documents(DOCUMENTS)
    build_index(documents, paired, folder, chunk_tokens=200)
    return Retriever(load_current(folder, paired), paired)


def test_the_first_models_part_is_searched_and_the_seconds_rescores(
    paired: PairedEncoder, paired_retriever: Retriever, tmp_path: Path
) -> None:
    assert searched_dimension(paired) == paired.first.dimension < paired.dimension
    loaded = paired_retriever.loaded  # the FAISS index holds the first model's vectors; the second has its own
    assert loaded.vectors.dimension == paired.first.dimension
    assert loaded.second is not None and loaded.second.shape == (len(loaded.passages), paired.second.dimension)
    question = "can I pop the pimples after microneedling?"
    query = paired_retriever.read(question)
    evidence = evidence_of(paired_retriever, query, 10)
    documents, _ = load_documents(DOCUMENTS)
    build_index(documents, paired.first, tmp_path, chunk_tokens=200)
    retriever = Retriever(load_current(tmp_path, paired.first), paired.first)
    alone = evidence_of(retriever, retriever.read(question), 10)  # the first model by itself, same passages
    assert evidence.rows == alone.rows
    assert np.allclose(evidence.cosine, alone.cosine, atol=1e-5)
    assert evidence.second is not None and evidence.names[-2:] == ("second_cosine", "second_gap")
    texts = [paired_retriever.passages[r].embed_text for r in evidence.rows]
    direct = paired.second.encode(texts) @ paired.second.encode_queries([query.dense_text])[0]
    assert np.allclose(evidence.second, direct, atol=0.02)  # int8 question vector against fp32 passages


def test_paired_answers_rank_and_confidence_agree(paired_retriever: Retriever) -> None:
    result = answer_question(paired_retriever, "my face feels greasier since microneedling", top_k=5)
    assert result.answered and "Increased Oil Production" in result.passages[0].text
    confidences = [p.confidence for p in result.passages]
    assert confidences == sorted(confidences, reverse=True)
    declined = answer_question(paired_retriever, "How much does a laser hair removal session cost?", top_k=3)
    assert not declined.answered


def test_an_index_of_the_first_model_alone_is_refused_by_the_pair(tmp_path: Path, paired: PairedEncoder) -> None:
    documents, _ = load_documents(DOCUMENTS)
    build_index(documents, paired.first, tmp_path, chunk_tokens=200)
    with pytest.raises(IndexMismatch, match="rebuild"):
        load_current(tmp_path, paired)
    assert load_current(tmp_path, paired.first).passages  # and served by the first model alone (=off)


def test_the_pair_reports_the_runtime_that_embedded_its_passages(paired: PairedEncoder) -> None:
    paired.encode(["a passage to embed"] * 3)
    assert paired.passage_runtime == getattr(paired.first, "passage_runtime", paired.first.backend)
    before = paired.first.passage_runtime
    paired.first.passage_runtime = "openvino-bf16"  # as the first encoder records after a large batch
    try:
        assert paired.passage_runtime == "openvino-bf16"
    finally:
        paired.first.passage_runtime = before
