"""The opt-in cross-encoder reranker: installed from models/ with its hashes checked (make test installs it,
make serve does not), loads offline, reads a question and a passage together, and keeps rank and confidence
in one order when the retriever uses it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from qa_service.core.answer import answer_question
from qa_service.core.encoder import Encoder
from qa_service.core.errors import ConfigError
from qa_service.core.rerank import rerank_model
from qa_service.core.retrieval import Retriever
from qa_service.runtime.bundled_models import BUNDLED_MODELS, install_bundled
from qa_service.runtime.index_load import load_current
from qa_service.runtime.reranker import MODEL_FILE, OnnxReranker
from qa_service.settings import Settings
from qa_service.wiring import load_reranker

INSTALLED = Settings.from_env().model_cache_dir / "clinic-minilm-reranker"  # make test installs it here


@pytest.fixture(scope="module")
def reranker() -> OnnxReranker:
    return OnnxReranker(INSTALLED, threads=2)


@pytest.fixture(scope="module")
def reranked(index_dir: Path, encoder: Encoder, reranker: OnnxReranker) -> Retriever:
    return Retriever(load_current(index_dir, encoder), encoder, reranker=reranker)


def test_the_reranker_is_installed_outside_the_package_and_has_a_fitted_combination(tmp_path: Path) -> None:
    import qa_service

    assert not list(Path(qa_service.__file__).parent.rglob("*.onnx"))  # no model weights inside the package
    assert (INSTALLED / MODEL_FILE).stat().st_size <= 25_000_000
    again = install_bundled("clinic-minilm-reranker", INSTALLED.parent)  # installed: verified, not copied
    assert again == INSTALLED
    model = rerank_model()
    assert model is not None and model.depth >= 1 and model.rerank_weight > 0


def test_an_answering_passage_scores_above_an_unrelated_one(reranker: OnnxReranker) -> None:
    question = "how long will the redness last after my microneedling session"
    answering = "Redness after microneedling usually fades within two to three days; mild swelling may last a day."
    unrelated = "Our clinic is closed on statutory holidays; parking is available behind the building."
    neighbour = "Laser hair removal needs six to eight sessions spaced four to six weeks apart."
    scores = reranker.score(question, [unrelated, answering, neighbour]).tolist()
    assert scores[1] > scores[0] and scores[1] > scores[2]
    assert reranker.score(question, []).shape == (0,)


def test_a_reranker_whose_file_does_not_match_its_hash_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "reranker"
    shutil.copytree(INSTALLED, folder)
    blob = bytearray((folder / MODEL_FILE).read_bytes())
    blob[len(blob) // 2] ^= 0xFF
    (folder / MODEL_FILE).write_bytes(bytes(blob))
    with pytest.raises(ConfigError, match="sha256"):
        OnnxReranker(folder)
    with pytest.raises(ConfigError, match="QA_RERANKER"):
        OnnxReranker(tmp_path / "missing")


def test_qa_reranker_chooses_off_an_installed_model_or_a_folder(tmp_path: Path) -> None:
    assert load_reranker(Settings.from_env({"QA_RERANKER": "off"})) is None
    assert isinstance(load_reranker(Settings.from_env({"QA_RERANKER": "clinic-minilm-reranker"})), OnnxReranker)
    shutil.copytree(INSTALLED, tmp_path / "mine")
    assert isinstance(load_reranker(Settings.from_env({"QA_RERANKER": str(tmp_path / "mine")})), OnnxReranker)
    with pytest.raises(ConfigError, match="neither off"):
        load_reranker(Settings.from_env({"QA_RERANKER": str(tmp_path / "nothing-here")}))
    with pytest.raises(ConfigError, match="not installed.*make reranker"):  # by name, in an empty model folder
        load_reranker(Settings.from_env({"QA_RERANKER": "clinic-minilm-reranker", "QA_MODEL_CACHE_DIR": str(tmp_path)}))


def test_a_bundled_model_whose_file_differs_from_its_recorded_hash_is_not_installed(tmp_path: Path) -> None:
    source = tmp_path / "models"
    shutil.copytree(INSTALLED, source / "clinic-minilm-reranker")
    with (source / "clinic-minilm-reranker" / "tokenizer.json").open("a") as fh:
        fh.write(" ")
    with pytest.raises(ConfigError, match="tokenizer.json does not match its recorded sha256"):
        install_bundled("clinic-minilm-reranker", tmp_path / "installed", source)
    assert not (tmp_path / "installed" / "clinic-minilm-reranker").exists()  # nothing a setting could load
    assert set(BUNDLED_MODELS) == {"clinic-minilm-reranker"}


@pytest.mark.parametrize(
    "question",
    [
        "how long does redness last after microneedling",
        "is it ok to pop the pimples",
        "Combien de temps durent les boutons?",
        "what face wash should I use",
    ],
)
def test_reranked_answers_list_passages_in_the_order_of_their_confidence(reranked: Retriever, question: str) -> None:
    result = answer_question(reranked, question, top_k=5)
    confidences = [a.confidence for a in result.passages]
    assert confidences == sorted(confidences, reverse=True)
    assert all(0.0 <= c <= 1.0 for c in confidences)


def test_reranking_keeps_the_right_passage_for_a_lay_question(reranked: Retriever) -> None:
    result = answer_question(reranked, "zits after microneedling, is that normal?", top_k=3)
    assert result.answered
    assert any("pimple" in a.text.lower() for a in result.passages)


def test_an_out_of_scope_question_is_still_declined(reranked: Retriever) -> None:
    assert not answer_question(reranked, "how much does a hip replacement cost in Toronto?").answered


class _Renamed:
    """The real encoder under another model's name: what QA_MODEL pointing elsewhere looks like."""

    def __init__(self, encoder: Encoder, name: str) -> None:
        self._encoder, self.name = encoder, name

    def __getattr__(self, attribute: str) -> object:
        return getattr(self._encoder, attribute)


def test_fitted_weights_for_other_models_are_a_clear_start_up_error(
    encoder: Encoder, reranker: OnnxReranker, settings: Settings
) -> None:
    from qa_service.wiring import check_fitted, make_engine

    check_fitted(encoder, reranker)  # what ships: fitted for these very models
    other = _Renamed(encoder, "intfloat/multilingual-e5-small")
    with pytest.raises(ConfigError, match="fitted for 'sentence-transformers/all-MiniLM-L6-v2'.*train_fusion"):
        make_engine(settings, other)  # type: ignore[arg-type]
    stranger = _Renamed(reranker, "another-cross-encoder")  # type: ignore[arg-type]
    stranger.fingerprint = "0123456789abcdef"  # type: ignore[attr-defined]
    with pytest.raises(ConfigError, match="rerank.json was fitted with the cross-encoder"):
        check_fitted(encoder, stranger)  # type: ignore[arg-type]
