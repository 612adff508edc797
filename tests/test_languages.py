"""One place per language: a third language registered from the tests' own fixtures (Spanish: its entry,
one article, its texts and red-flag patterns) is read, searched, answered and triaged end to end through
the API, while English and French keep answering as before."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from bm25s.stopwords import STOPWORDS_SPANISH

from qa_service.core.content import default_files
from qa_service.core.documents import load_documents
from qa_service.core.encoder import Encoder
from qa_service.core.language import detect_language
from qa_service.core.languages import Language, folded, languages, registered
from qa_service.runtime.engine import Engine
from qa_service.runtime.index_build import build_index
from qa_service.settings import Settings
from qa_service.web import create_app
from qa_service.web.pages import openapi_document
from qa_service.web.words import PARTS, WORDING, _file, words
from tests.conftest import DATA, DOCUMENTS

SPANISH = Language(
    "es",
    "Español",
    "spanish",
    folded(set(STOPWORDS_SPANISH) | {"puedo", "debo", "cuánto", "cuándo", "qué", "cómo", "después", "hola"}),
    frozenset("el la los las de del que y en un una es por con para mi mis qué cuánto cuándo cómo puedo".split()),
    marker_weight=2,
    letters="ñáíóúü¿¡",
)


def _content(folder: Path) -> None:
    """The package's default content plus what Spanish needs: its texts and its red-flag words."""
    folder.mkdir()
    for name, text in default_files().items():
        (folder / name).write_text(text, "utf-8")
    texts = yaml.safe_load(default_files()["texts.yaml"])
    texts["disclaimer"]["es"] = "Información general de los artículos de la clínica; consulte a su profesional."
    texts["no_answer"]["es"] = "Nuestros artículos no tratan esta pregunta; llame a la clínica."
    (folder / "texts.yaml").write_text(yaml.safe_dump(texts, allow_unicode=True), "utf-8")
    rules = yaml.safe_load(default_files()["safety_rules.yaml"])
    rules["messages"]["urgent"]["es"] = "Puede ser una infección: llame a la clínica hoy."
    rules["messages"]["emergency"]["es"] = "Llame al 911 ahora."
    rules["negations"]["es"] = ["no", "sin", "nunca"]
    rules["mildness"]["es"] = ["leve", "un poco"]
    infection = next(rule for rule in rules["rules"] if rule["name"] == "infection")
    infection["es"] = ["\\bfiebre\\b", "\\bpus\\b"]
    (folder / "safety_rules.yaml").write_text(yaml.safe_dump(rules, allow_unicode=True), "utf-8")


@pytest.fixture(scope="module")
def spanish_app(tmp_path_factory: pytest.TempPathFactory, encoder: Encoder) -> Iterator[object]:
    root = tmp_path_factory.mktemp("spanish")
    with registered(SPANISH):
        _content(root / "content")
        docs = root / "documents"
        docs.mkdir()
        for article in [*DOCUMENTS.glob("*.md"), *(DATA / "languages" / "es").glob("*.md")]:
            (docs / article.name).write_bytes(article.read_bytes())
        files = {p.name: p.read_text("utf-8") for p in (root / "content").iterdir()}
        build_index(load_documents(docs)[0], encoder, root / "index", chunk_tokens=200, content_files=files)
        settings = Settings.from_env(
            {}, index_dir=root / "index", documents_dir=docs, content_dir=root / "content", var_dir=root / "var"
        )
        settings = dataclasses.replace(settings, rate_limit="", query_log=False)
        yield create_app(settings, engine=Engine(encoder, root / "index")).test_client()


def test_a_registered_language_is_detected_searched_and_answered_in_its_own_words(spanish_app) -> None:  # noqa: ANN001
    question = "¿Cuánto tiempo dura el enrojecimiento después del peeling?"
    assert detect_language(question) == "es"
    body = spanish_app.post("/api/v1/ask", json={"question": question}).get_json()
    assert body["lang"] == "es" and body["answered"], body
    top = body["answers"][0]
    assert top["lang"] == "es" and "primeros dos o tres días" in top["text"]
    assert top["document"]["id"] == "cuidados-despues-del-peeling.md"
    assert body["disclaimer"].startswith("Información general")
    assert body["urgent"] is None


def test_a_registered_language_raises_its_own_red_flags_in_its_own_words(spanish_app) -> None:  # noqa: ANN001
    body = spanish_app.post("/api/v1/ask", json={"question": "Tengo fiebre y pus después del peeling"}).get_json()
    assert body["urgent"] is not None and body["urgent"]["level"] == "urgent"
    assert body["urgent"]["message"].startswith("Puede ser una infección")
    calm = spanish_app.post("/api/v1/ask", json={"question": "No tengo fiebre, ¿es normal la descamación?"}).get_json()
    assert calm["urgent"] is None


def test_the_api_and_its_description_accept_the_registered_language_and_nothing_unknown(spanish_app) -> None:  # noqa: ANN001
    asked = spanish_app.post("/api/v1/ask", json={"question": "sun after my peel", "lang": "es"})
    assert asked.status_code == 200 and asked.get_json()["lang"] == "es"
    refused = spanish_app.post("/api/v1/ask", json={"question": "sun after my peel", "lang": "de"})
    assert refused.status_code == 400 and "en, fr, es" in refused.get_json()["detail"]

    def described() -> str:
        return str(openapi_document()["components"]["schemas"]["AskResponse"]["properties"]["lang"]["enum"])

    assert described() == "['en', 'fr', 'es']"  # read before a fourth is registered: nothing stale after it
    with registered(dataclasses.replace(SPANISH, code="it", stemmer="italian")):
        assert described() == "['en', 'fr', 'es', 'it']"
    assert described() == "['en', 'fr', 'es']"


def test_english_and_french_answer_as_before_and_the_registry_is_back_to_two(spanish_app) -> None:  # noqa: ANN001
    english = spanish_app.post("/api/v1/ask", json={"question": "How long do pimples last after microneedling?"})
    french = spanish_app.post("/api/v1/ask", json={"question": "Combien de temps durent les boutons?"})
    assert english.get_json()["lang"] == "en" and french.get_json()["lang"] == "fr"
    assert english.get_json()["answers"][0]["document"]["id"] == "pimples-after-microneedling.md"
    assert languages() == ("en", "fr", "es")  # registered for this module only: the fixture removes it


def test_the_page_widget_and_console_offer_the_registered_language_with_the_pivots_words_until_it_has_its_own(
    spanish_app,  # noqa: ANN001
) -> None:
    page = spanish_app.get("/?lang=es").get_data(as_text=True)
    assert '<html lang="es">' in page
    box = json.loads(re.search(r'id="qa-search-box">(.*?)</script>', page, re.S).group(1))  # type: ignore[union-attr]
    assert box["lang"] == "es"
    assert box["languages"] == [
        {"code": "en", "name": "English"},
        {"code": "fr", "name": "Français"},
        {"code": "es", "name": "Español"},
    ]
    assert box["text"]["es"] == box["text"]["en"]  # no Spanish wording file yet: English, never a missing label
    assert box["text"]["fr"]["search"] == "Chercher"
    assert (
        spanish_app.get("/", headers={"Accept-Language": "es-MX,es;q=0.9"})
        .get_data(as_text=True)
        .startswith('<!doctype html>\n<html lang="es">')
    )
    widget = spanish_app.get("/widget.js").get_data(as_text=True)
    assert '"code": "es", "name": "Espa\\u00f1ol"' in widget
    sign_in = spanish_app.get("/admin/?lang=es").get_data(as_text=True)
    assert '<html lang="es">' in sign_in and 'lang="fr">Français</a>' in sign_in and 'lang="en">English</a>' in sign_in


def test_a_language_s_wording_file_overrides_the_pivot_word_by_word(tmp_path: Path) -> None:
    (tmp_path / "en.yaml").write_text("search: {search: Search, label: Your question}\nconsole: {title: Staff}\n")
    (tmp_path / "es.yaml").write_text("search: {search: Buscar}\n")
    assert words("es", "search", tmp_path) == {"search": "Buscar", "label": "Your question"}
    assert words("es", "console", tmp_path) == {"title": "Staff"}
    assert words("en", "search", tmp_path) == {"search": "Search", "label": "Your question"}
    (tmp_path / "xx.yaml").write_text("buttons: {}\n")
    with pytest.raises(ValueError, match="expected the sections page, search, console"):
        words("xx", "search", tmp_path)


def test_every_shipped_wording_file_has_every_word_the_pivot_has() -> None:
    for path in WORDING.glob("*.yaml"):
        for part in PARTS:
            missing = set(words("en", part)) - set(_file(WORDING, path.stem).get(part, {}))
            assert not missing, f"{path.name} {part}: {sorted(missing)}"
