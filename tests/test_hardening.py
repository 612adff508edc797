"""Hardening: OpenAPI document, rate limits, watchdog, hostile input, security headers."""

from __future__ import annotations

import logging
import re
import threading
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from qa_service.core.answer import clean_question
from qa_service.core.encoder import Encoder
from qa_service.core.errors import InvalidQuestion
from qa_service.runtime.engine import Engine
from qa_service.settings import Settings
from qa_service.web import create_app
from qa_service.web.limits import Watchdog, per_worker


def test_openapi_document_is_valid_3_1_and_describes_every_public_route(client, app) -> None:  # noqa: ANN001
    from openapi_spec_validator import validate

    spec = client.get("/openapi.json").get_json()
    assert spec["openapi"].startswith("3.1")
    validate(spec)
    documented = set(spec["paths"])
    for rule in app.url_map.iter_rules():
        if rule.endpoint in ("static", "pages.swagger") or rule.rule.startswith("/docs"):
            continue
        assert re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule) in documented, rule.rule


def test_docs_page_is_served_locally(client) -> None:  # noqa: ANN001
    page = client.get("/docs")
    assert page.status_code == 200 and b"/docs/static/swagger-ui-bundle.js" in page.data
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert b"http://" not in page.data and b"https://" not in page.data
    assert client.get("/docs/static/swagger-ui-bundle.js").status_code == 200
    assert client.get("/docs/static/../../settings.py").status_code == 404


def test_headers_on_every_response(client) -> None:  # noqa: ANN001
    for resp in (
        client.get("/healthz"),
        client.post("/api/v1/ask", json={"question": "hi"}),
        client.get("/nope"),
        client.get("/widget.js"),
        client.get("/"),
    ):
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
        assert "Content-Security-Policy" in resp.headers
    assert client.post("/api/v1/ask", json={"question": "x"}).headers["Cache-Control"] == "no-store"
    assert client.post("/api/v1/ask", json={}).headers["Cache-Control"] == "no-store"


def test_cors_only_for_configured_origins_and_never_on_admin(tmp_path: Path, encoder: Encoder, index_dir: Path) -> None:
    settings = Settings.from_env(
        {}, index_dir=index_dir, var_dir=tmp_path, cors_origins="https://www.clinic.example", admin_token="x" * 32
    )
    client = create_app(settings, engine=Engine(encoder, index_dir)).test_client()
    ok = client.options(
        "/api/v1/ask", headers={"Origin": "https://www.clinic.example", "Access-Control-Request-Method": "POST"}
    )
    assert ok.headers.get("Access-Control-Allow-Origin") == "https://www.clinic.example"
    other = client.post("/api/v1/ask", json={"question": "hi"}, headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers
    admin = client.get("/admin/stats", headers={"Origin": "https://www.clinic.example"})
    assert "Access-Control-Allow-Origin" not in admin.headers
    with pytest.raises(Exception, match="QA_CORS_ORIGINS"):
        Settings.from_env({"QA_CORS_ORIGINS": "*"})


def test_rate_limit_answers_429_with_retry_after(tmp_path: Path, encoder: Encoder, index_dir: Path) -> None:
    settings = Settings.from_env({}, index_dir=index_dir, var_dir=tmp_path, rate_limit="5/minute")
    client = create_app(settings, engine=Engine(encoder, index_dir)).test_client()
    statuses = [client.get("/api/v1/search?q=pimples").status_code for _ in range(7)]
    assert statuses[:5] == [200] * 5 and statuses[5:] == [429, 429]
    limited = client.get("/api/v1/search?q=pimples")
    assert limited.content_type == "application/problem+json"
    assert int(limited.headers["Retry-After"]) > 0
    other = client.get("/api/v1/search?q=pimples", environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert other.status_code == 200  # per client address
    assert client.get("/healthz").status_code == 200  # probes are never limited


def test_forwarded_for_is_ignored_unless_a_proxy_is_trusted(tmp_path: Path, encoder: Encoder, index_dir: Path) -> None:
    for proxies, expected in ((0, 429), (1, 200)):
        settings = Settings.from_env(
            {}, index_dir=index_dir, var_dir=tmp_path / str(proxies), rate_limit="1/minute", trusted_proxies=proxies
        )
        client = create_app(settings, engine=Engine(encoder, index_dir)).test_client()
        client.get("/api/v1/search?q=a", headers={"X-Forwarded-For": "1.1.1.1"})
        spoofed = client.get("/api/v1/search?q=a", headers={"X-Forwarded-For": "2.2.2.2"})
        assert spoofed.status_code == expected


def test_staff_with_the_admin_token_have_their_own_higher_limit(
    tmp_path: Path, encoder: Encoder, index_dir: Path
) -> None:
    token = "staff-token-0123456789abcdefghijklmnop"
    settings = Settings.from_env(
        {},
        index_dir=index_dir,
        var_dir=tmp_path,
        rate_limit="2/minute",
        staff_rate_limit="50/minute",
        admin_token=token,
    )
    client = create_app(settings, engine=Engine(encoder, index_dir)).test_client()
    staff = {"Authorization": f"Bearer {token}"}
    assert [client.get("/api/v1/search?q=pimples", headers=staff).status_code for _ in range(30)] == [200] * 30
    patients = [client.get("/api/v1/search?q=pimples").status_code for _ in range(3)]
    assert patients == [200, 200, 429]  # staff requests took nothing from the patients' budget
    wrong = client.get("/api/v1/search?q=pimples", headers={"Authorization": "Bearer wrong"})
    assert wrong.status_code == 429  # a wrong token is a patient


def test_forwarded_for_without_a_trusted_proxy_is_warned_about_once(
    tmp_path: Path, encoder: Encoder, index_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = Settings.from_env({}, index_dir=index_dir, var_dir=tmp_path, rate_limit="")
    client = create_app(settings, engine=Engine(encoder, index_dir)).test_client()
    with caplog.at_level(logging.WARNING, logger="qa_service.web.limits"):
        client.get("/api/v1/search?q=pimples")
        assert "QA_TRUSTED_PROXIES=0" not in caplog.text
        for address in ("1.1.1.1", "2.2.2.2"):
            client.get("/api/v1/search?q=pimples", headers={"X-Forwarded-For": address})
    assert caplog.text.count("QA_TRUSTED_PROXIES=0") == 1


def test_per_worker_share_of_a_limit() -> None:
    assert per_worker("120/minute;20/second", 2) == "60/minute;10/second"
    assert per_worker("1/minute", 4) == "1/minute"


def test_watchdog_ends_a_worker_whose_request_runs_too_long() -> None:
    exits: list[int] = []
    dog = Watchdog(0.2, exit_process=exits.append)
    done = threading.Event()

    def slow_request() -> None:
        dog.begin()
        time.sleep(0.8)
        dog.end()
        done.set()

    threading.Thread(target=slow_request).start()
    done.wait(3)
    assert exits == [1]


@pytest.mark.parametrize(
    "body",
    [
        b'{"question": 1' + b"0" * 5000 + b"}",
        b"[" * 5000 + b"]" * 5000,
        b'{"question": "a\x00b"}',
        b'{"question": "\\ud800"}',
        b'{"question": "ok", "top_k": 1e400}',
        b'{"question": {"a": [{"b": {}}]}}',
    ],
)
def test_hostile_bodies_get_a_4xx_problem(client, body: bytes) -> None:  # noqa: ANN001
    resp = client.post("/api/v1/ask", data=body, content_type="application/json")
    assert 400 <= resp.status_code < 500, resp.data
    assert resp.content_type == "application/problem+json"


@hsettings(max_examples=200, deadline=None)
@given(st.text(max_size=1200))
def test_question_validation_accepts_or_refuses_clearly(text: str) -> None:
    try:
        cleaned = clean_question(text, 1000)
    except InvalidQuestion as exc:
        assert str(exc)
        return
    assert cleaned and cleaned == cleaned.strip() and len(text) <= 1000
    assert not any(ord(ch) < 32 for ch in cleaned)
