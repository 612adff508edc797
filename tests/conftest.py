"""Shared fixtures: the real model, loaded once per session, and a real index built from the tests' own
fixture articles (tests/data/documents/), never from the clinic's live documents/."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
# The clinic's content/ (and its gate questions) is the clinic's, not the tests': the suite runs on a folder
# of its own made from the package's defaults (the one copy, qa_service/core/data/), and a test that wants
# a gate names its own set (QA_GATE_SET or --gate-set).
CONTENT = Path(tempfile.mkdtemp(prefix="qa-test-content-")) / "content"
os.environ["QA_CONTENT_DIR"] = str(CONTENT)
os.environ["QA_GATE_SET"] = "none"

from qa_service.core.content import default_files  # noqa: E402
from qa_service.core.documents import load_documents  # noqa: E402
from qa_service.core.encoder import Encoder  # noqa: E402
from qa_service.core.retrieval import Retriever  # noqa: E402
from qa_service.runtime.index_build import build_index  # noqa: E402
from qa_service.runtime.index_load import load_current  # noqa: E402
from qa_service.runtime.torch_encoder import SentenceTransformerEncoder  # noqa: E402
from qa_service.settings import Settings  # noqa: E402
from qa_service.wiring import load_encoder, make_engine  # noqa: E402

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DATA = PROJECT_ROOT / "tests" / "data"
DOCUMENTS = DATA / "documents"  # the fixture corpus: a copy of the clinic's first article
ARTICLES = DATA / "articles"  # short articles of our own writing, added by the multi-article tests
ARTICLE = DOCUMENTS / "pimples-after-microneedling.md"
DEV_SET = DATA / "dev_questions.jsonl"

CONTENT.mkdir()
for _name, _text in default_files().items():
    (CONTENT / _name).write_text(_text, "utf-8")


@pytest.fixture(scope="session", autouse=True)
def _remove_the_content_folder() -> Iterator[None]:
    yield
    shutil.rmtree(CONTENT.parent, ignore_errors=True)


@pytest.fixture(scope="session")
def encoder() -> Encoder:
    """The configured default encoder (ONNX export of the packaged MiniLM weights)."""
    return load_encoder(Settings(), threads=2)


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

    return create_app(settings, engine=make_engine(settings, encoder))


@pytest.fixture()
def client(app):  # noqa: ANN001, ANN201
    return app.test_client()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Debian's Chromium, headless, for the page and console tests (never a test tool's own download)."""
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield b
        b.close()
