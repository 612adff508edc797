"""The clinic's library as a clinic keeps it: a saved web page, a PDF aftercare sheet, a French translation,
and content staff own. Everything here is built from the tests' own fixtures (tests/data/library/)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from qa_service.core.answer import answer_question
from qa_service.core.content import ContentError
from qa_service.core.documents import load_documents, parse_document
from qa_service.core.encoder import Encoder
from qa_service.core.retrieval import Retriever
from qa_service.runtime.content_dir import load_content_dir
from qa_service.runtime.engine import Engine
from qa_service.runtime.index_build import build_index
from qa_service.runtime.index_load import load_current
from qa_service.settings import Settings
from tests.conftest import CONTENT, DATA, DOCUMENTS

LIBRARY = DATA / "library"
CLUTTER = ("cookie", "Accept all", "save 20%", "GLOW20", "newsletter", "All rights reserved", "Follow us", "Our team")
PAGE_URL = "https://clinic.example/treatments/chemical-peel-aftercare"


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The clinic's article, a saved web page, a PDF sheet, a scanned PDF and the French translation."""
    folder = tmp_path_factory.mktemp("library") / "documents"
    shutil.copytree(DOCUMENTS, folder)
    for name in ("chemical-peel-aftercare.html", "dermal-filler-aftercare.pdf", "scanned-consent-form.pdf"):
        shutil.copy(LIBRARY / name, folder / name)
    shutil.copy(LIBRARY / "boutons-apres-microneedling.md", folder / "boutons-apres-microneedling.md")
    return folder


@pytest.fixture(scope="module")
def library_index(library: Path, encoder: Encoder, tmp_path_factory: pytest.TempPathFactory) -> Path:
    index = tmp_path_factory.mktemp("library-index")
    documents, _ = load_documents(library)
    build_index(documents, encoder, index, chunk_tokens=200, content_files=load_content_dir(CONTENT)[0])
    return index


@pytest.fixture(scope="module")
def library_retriever(library_index: Path, encoder: Encoder) -> Retriever:
    return Retriever(load_current(library_index, encoder), encoder)


def test_a_saved_web_page_is_read_without_the_sites_clutter() -> None:
    doc = parse_document("chemical-peel-aftercare.html", (LIBRARY / "chemical-peel-aftercare.html").read_bytes())
    assert doc.source == "html" and doc.title == "Chemical Peel Aftercare" and doc.url == PAGE_URL
    assert doc.language == "en"
    assert not [c for c in CLUTTER if c.lower() in doc.text.lower()]
    assert "## Daily care after the peel" in doc.text  # headings stay sections
    assert "- Apply a bland, fragrance-free moisturiser twice a day while the skin peels." in doc.text
    assert len(doc.dropped) >= 6  # navigation, cookie banner, promotion, related, newsletter, footer...


def test_a_pdf_sheet_is_read_and_a_scanned_one_is_skipped_with_the_reason(library: Path) -> None:
    documents, skipped = load_documents(library)
    sheet = next(d for d in documents if d.id == "dermal-filler-aftercare.pdf")
    assert sheet.source == "pdf" and sheet.title == "Dermal Filler Aftercare"
    assert "## The first 24 hours" in sheet.text and "- Do not massage, press or rub the treated area." in sheet.text
    assert [(s.path, "no text layer" in s.reason) for s in skipped] == [("scanned-consent-form.pdf", True)]


def test_offsets_point_into_the_stored_text_of_every_format(library_retriever: Retriever, library_index: Path) -> None:
    import json

    texts = {}
    folder = next((library_index / "versions").iterdir())
    for line in (folder / "texts.jsonl").read_text("utf-8").splitlines():
        row = json.loads(line)
        texts[row["id"]] = row["text"]
    assert {"chemical-peel-aftercare.html", "dermal-filler-aftercare.pdf"} <= set(texts)
    for p in library_retriever.passages:
        assert texts[p.document_id][p.start : p.end] == p.text


@pytest.mark.parametrize(
    ("question", "document"),
    [
        ("Can I peel off the flaking skin after my chemical peel?", "chemical-peel-aftercare.html"),
        ("how soon can I use retinol again after a peel", "chemical-peel-aftercare.html"),
        ("Can I fly after getting filler in my cheeks?", "dermal-filler-aftercare.pdf"),
        ("should I sleep on my back after cheek filler", "dermal-filler-aftercare.pdf"),
    ],
)
def test_questions_only_a_page_or_a_sheet_answers_find_it_in_the_top_3(
    library_retriever: Retriever, question: str, document: str
) -> None:
    answer = answer_question(library_retriever, question, top_k=3)
    assert document in [p.source.document_id for p in answer.passages]


def test_no_passage_holds_the_pages_clutter_and_the_page_carries_its_canonical_url(
    library_retriever: Retriever,
) -> None:
    page = [p for p in library_retriever.passages if p.document_id == "chemical-peel-aftercare.html"]
    assert page and all(p.document_url == PAGE_URL for p in page)
    assert not [p.text for p in library_retriever.passages if any(c.lower() in p.text.lower() for c in CLUTTER)]
    answer = answer_question(library_retriever, "Can I peel off the flaking skin after my chemical peel?")
    top = answer.passages[0].to_dict()
    assert top["document"]["url"] == PAGE_URL


@pytest.mark.parametrize(
    ("question", "lang"),
    [
        ("Combien de temps durent les boutons après le microneedling?", "fr"),
        ("Est-ce que je peux percer mes boutons?", "fr"),
        ("Quelle crème hydratante utiliser après le traitement?", "fr"),
        ("How long do the pimples last after microneedling?", "en"),
        ("Can I pop my pimples?", "en"),
    ],
)
def test_each_language_gets_the_clinics_own_passages_in_that_language(
    library_retriever: Retriever, question: str, lang: str
) -> None:
    answer = answer_question(library_retriever, question, top_k=3)
    microneedling = [p for p in answer.passages if "microneedling" in p.source.document_id]
    assert answer.lang == lang and microneedling
    assert microneedling[0] == answer.passages[0] and {p.source.lang for p in microneedling} == {lang}
    expected = "boutons-apres-microneedling.md" if lang == "fr" else "pimples-after-microneedling.md"
    assert answer.passages[0].source.document_id == expected


def test_an_answer_only_in_the_other_language_is_given_and_marked(library_retriever: Retriever) -> None:
    answer = answer_question(
        library_retriever, "Quand puis-je reprendre le rétinol après un peeling chimique?", top_k=3
    )
    page = [p for p in answer.passages if p.source.document_id == "chemical-peel-aftercare.html"]
    assert answer.lang == "fr" and page and page[0].to_dict()["lang"] == "en"


def test_a_broken_content_file_is_refused_naming_file_line_and_problem(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(CONTENT, content)
    rules = (content / "safety_rules.yaml").read_text("utf-8").splitlines()
    line = next(i for i, text in enumerate(rules, 1) if text.strip().startswith('- "\\\\bwheez'))
    rules[line - 1] = rules[line - 1].replace("\\\\bwheez", "(unclosed")
    (content / "safety_rules.yaml").write_text("\n".join(rules) + "\n", "utf-8")
    with pytest.raises(ContentError) as refused:
        load_content_dir(content)
    assert str(refused.value).startswith(f"{content / 'safety_rules.yaml'}:{line}: bad pattern")
    shutil.copy(CONTENT / "safety_rules.yaml", content / "safety_rules.yaml")
    (content / "texts.yaml").write_text("disclaimer:\n  en: Read me.\nno_answer:\n  en: No.\n  fr: Non.\n", "utf-8")
    with pytest.raises(ContentError, match=r"texts.yaml:2: disclaimer.fr must be a non-empty text"):
        load_content_dir(content)


def test_a_missing_content_folder_is_created_with_the_defaults(tmp_path: Path) -> None:
    files, content = load_content_dir(tmp_path / "new-content")
    assert sorted(p.name for p in (tmp_path / "new-content").iterdir()) == sorted(files)
    assert content.texts.disclaimer["fr"]


def test_a_new_disclaimer_goes_live_with_a_rebuild_without_a_restart(
    tmp_path: Path, encoder: Encoder, index_dir: Path
) -> None:
    from qa_service.web import create_app

    content = tmp_path / "content"
    shutil.copytree(CONTENT, content)
    shutil.copytree(index_dir, tmp_path / "index")
    settings = Settings.from_env({}, index_dir=tmp_path / "index", var_dir=tmp_path / "var", rate_limit="")
    app = create_app(settings, engine=Engine(encoder, settings.index_dir, reload_interval=0))
    client = app.test_client()
    before = client.post("/api/v1/ask", json={"question": "Is redness normal?"}).get_json()["disclaimer"]
    texts = (
        (content / "texts.yaml")
        .read_text("utf-8")
        .replace("Please consult your practitioner", "Ask our nurses or your practitioner")
    )
    (content / "texts.yaml").write_text(texts, "utf-8")
    env = {**os.environ, "QA_INDEX_DIR": str(tmp_path / "index"), "QA_DOCUMENTS_DIR": str(DOCUMENTS)}
    env["QA_CONTENT_DIR"] = str(content)
    built = subprocess.run(
        [sys.executable, "-m", "qa_service.cli", "build-index", "--quiet"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr
    after = client.post("/api/v1/ask", json={"question": "Is redness normal?"}).get_json()["disclaimer"]
    assert "Please consult your practitioner" in before and "Ask our nurses or your practitioner" in after
    versions = subprocess.run(
        [sys.executable, "-m", "qa_service.cli", "versions"], env=env, capture_output=True, text=True, timeout=60
    ).stdout.splitlines()
    assert "content" in versions[0] and versions[0].split("content ")[1] != versions[1].split("content ")[1]


def test_inspect_shows_passages_and_what_was_left_out() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "qa_service.cli", "inspect", str(LIBRARY / "chemical-peel-aftercare.html")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert "url https://clinic.example/treatments/chemical-peel-aftercare" in out.stdout
    assert "§ Daily care after the peel" in out.stdout and "tokens" in out.stdout
    assert "cookie-banner" in out.stdout and "promo-banner" in out.stdout  # left out, and said so


def test_the_gate_counts_a_french_passage_for_its_english_gold_phrase(library_retriever: Retriever) -> None:
    """Gate questions are labelled once, in the original's words; with the translation in the library, a
    French question answered by the French passage still counts as found."""
    from qa_service.core.quality_gate import GatePolicy, gate_problems, score_retriever
    from qa_service.core.question_sets import load_set
    from tests.conftest import DEV_SET

    slices = score_retriever(library_retriever, load_set(DEV_SET), min_confidence=0.5)
    assert slices["fr"].figures()["recall@3"] == 1.0
    assert gate_problems(slices["all"], GatePolicy()) == []
