"""The HTTP API on the real app, model and index: answers, shape, disclaimer, probes."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa_service.core.content import default_content
from qa_service.core.encoder import Encoder
from qa_service.runtime.engine import Engine
from qa_service.settings import Settings
from qa_service.web import create_app
from qa_service.web.app_state import state_of
from tests.conftest import ARTICLE

DISCLAIMERS = default_content().texts.disclaimer

ANSWER_KEYS = {
    "id",
    "text",
    "score",
    "confidence",
    "document",
    "section",
    "start",
    "end",
    "lang",
    "highlights",
    "also_in",
    "pinned",
}


def test_ask_returns_the_article_passage_with_source_and_offsets(client, index_dir: Path) -> None:  # noqa: ANN001
    resp = client.post("/api/v1/ask", json={"question": "How long do pimples last after microneedling?"})
    assert resp.status_code == 200
    body = resp.get_json()
    assert set(body) == {
        "question",
        "answered",
        "message",
        "answers",
        "urgent",
        "disclaimer",
        "lang",
        "index_version",
        "took_ms",
    }
    assert body["answered"] is True and body["message"] is None
    assert len(body["answers"]) == 3
    assert any("within a few days to a week" in a["text"] for a in body["answers"])
    article = ARTICLE.read_text()
    for ans in body["answers"]:
        assert set(ans) == ANSWER_KEYS
        assert article[ans["start"] : ans["end"]] == ans["text"]
        assert ans["document"] == {
            "id": "pimples-after-microneedling.md",
            "title": "Pimples After Microneedling",
            "url": None,
        }
        assert ans["lang"] == "en"
        assert 0.0 <= ans["confidence"] <= 1.0
    scores = [a["score"] for a in body["answers"]]
    assert scores == sorted(scores, reverse=True)
    assert body["disclaimer"] == DISCLAIMERS["en"]
    assert body["lang"] == "en" and body["urgent"] is None
    assert resp.headers["Cache-Control"] == "no-store"


def test_search_gives_the_same_response_as_ask(client) -> None:  # noqa: ANN001
    q = "Should I squeeze the pimples?"
    a = client.post("/api/v1/ask", json={"question": q, "top_k": 5}).get_json()
    s = client.get("/api/v1/search", query_string={"q": q, "top_k": 5}).get_json()
    for body in (a, s):
        body.pop("took_ms")
    assert a == s
    assert len(a["answers"]) == 5


def test_french_request_gets_the_french_disclaimer(client) -> None:  # noqa: ANN001
    body = client.post("/api/v1/ask", json={"question": "Les boutons sont-ils normaux?", "lang": "fr"}).get_json()
    assert body["lang"] == "fr" and body["disclaimer"] == DISCLAIMERS["fr"]


@pytest.mark.parametrize(
    "question",
    [
        "What is microneedling?",
        "Who won the hockey game last night?",
        "I have a fever after microneedling",
        "Est-ce que vous êtes ouverts le dimanche?",
        "zzzz qqqq",
    ],
)
def test_every_200_carries_the_disclaimer(client, question: str) -> None:  # noqa: ANN001
    resp = client.post("/api/v1/ask", json={"question": question})
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["disclaimer"] in DISCLAIMERS.values()


def test_out_of_scope_question_is_not_answered(client) -> None:  # noqa: ANN001
    body = client.post("/api/v1/ask", json={"question": "Who won the hockey game last night?"}).get_json()
    assert body["answered"] is False
    assert "contact the clinic" in body["message"].lower()


def test_info_describes_the_live_index(client) -> None:  # noqa: ANN001
    body = client.get("/api/v1/info").get_json()
    # the default: one small model (QA_SECOND_MODEL is an opt-in)
    assert body["model"] == "sentence-transformers/all-MiniLM-L6-v2"
    assert body["passages"] > 10
    assert body["documents"] == [
        {
            "id": "pimples-after-microneedling.md",
            "title": "Pimples After Microneedling",
            "language": "en",
            "url": None,
            "tags": [],
        }
    ]
    assert body["index_version"] and body["built_at"]


def test_health_and_readiness(client) -> None:  # noqa: ANN001
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.get_json()["status"] == "ready"


def test_without_an_index_the_service_starts_but_is_not_ready(tmp_path: Path, encoder: Encoder) -> None:
    settings = Settings.from_env({}, index_dir=tmp_path, var_dir=tmp_path / "var")
    client = create_app(settings, engine=Engine(encoder, tmp_path)).test_client()
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 503
    resp = client.post("/api/v1/ask", json={"question": "What is microneedling?"})
    assert resp.status_code == 503
    assert resp.content_type == "application/problem+json"


def test_cache_sizes_come_from_the_settings(index_dir: Path, tmp_path: Path) -> None:
    settings = Settings.from_env({}, index_dir=index_dir, var_dir=tmp_path, query_cache_size=7, answer_cache_size=0)
    engine = state_of(create_app(settings)).engine
    assert engine.query_embeddings.size == 7 and engine.answers.size == 0
