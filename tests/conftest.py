"""Shared fixtures: the real model, loaded once per session, and a real index built from documents/."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from qa_service.core.documents import load_documents  # noqa: E402
from qa_service.core.embedding import Encoder, SentenceTransformerEncoder  # noqa: E402
from qa_service.core.engine import Engine  # noqa: E402
from qa_service.core.index import build_index, load_current  # noqa: E402
from qa_service.core.retrieval import Retriever  # noqa: E402
from qa_service.settings import PROJECT_ROOT, Settings  # noqa: E402

DOCUMENTS = PROJECT_ROOT / "documents"
ARTICLE = DOCUMENTS / "pimples-after-microneedling.md"
DEV_SET = PROJECT_ROOT / "tests" / "data" / "dev_questions.jsonl"


@pytest.fixture(scope="session")
def encoder() -> Encoder:
    """The configured default encoder (ONNX export of the packaged MiniLM weights)."""
    return Settings().load_encoder(threads=2)


@pytest.fixture(scope="session")
def torch_encoder() -> SentenceTransformerEncoder:
    return SentenceTransformerEncoder(threads=2)


@pytest.fixture(scope="session")
def index_dir(tmp_path_factory: pytest.TempPathFactory, encoder: Encoder) -> Path:
    folder = tmp_path_factory.mktemp("index")
    documents, _ = load_documents(DOCUMENTS)
    build_index(documents, encoder, folder, chunk_tokens=Settings().chunk_tokens)
    return folder


@pytest.fixture(scope="session")
def retriever(index_dir: Path, encoder: Encoder) -> Retriever:
    return Retriever(load_current(index_dir, encoder), encoder)


@pytest.fixture()
def copy_of_index(index_dir: Path, tmp_path: Path) -> Path:
    """A private copy a test may damage."""
    target = tmp_path / "index"
    shutil.copytree(index_dir, target)
    return target


ADMIN_TOKEN = "test-admin-token-0123456789abcdefghij"


@pytest.fixture(scope="session")
def settings(index_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings.from_env(
        {},
        index_dir=index_dir,
        documents_dir=DOCUMENTS,
        admin_token=ADMIN_TOKEN,
        var_dir=tmp_path_factory.mktemp("var"),
        rate_limit="",  # the shared app serves every test; rate limits have their own tests
    )


@pytest.fixture(scope="session")
def app(settings: Settings, encoder: Encoder):  # noqa: ANN201
    from qa_service.web import create_app

    return create_app(settings, engine=Engine(encoder, settings.index_dir))


@pytest.fixture()
def client(app):  # noqa: ANN001, ANN201
    return app.test_client()
