"""Every client error is application/problem+json with the right 4xx status, never a 500."""

from __future__ import annotations

import pytest

from tests.conftest import ADMIN_TOKEN


def _assert_problem(resp, status: int) -> dict:  # noqa: ANN001
    assert resp.status_code == status, resp.get_data(as_text=True)
    assert resp.content_type == "application/problem+json"
    body = resp.get_json()
    assert set(body) == {"type", "title", "status", "detail"}
    assert body["status"] == status and body["detail"]
    assert "Traceback" not in resp.get_data(as_text=True)
    return body


@pytest.mark.parametrize(
    "data",
    [
        b"{not json",
        b"[1, 2]",
        b'"just a string"',
        b'{"question": "a", "question": "b"}',
        b"\xff\xfe{}",
        b'{"question": NaN}',
    ],
)
def test_bad_json_is_400(client, data: bytes) -> None:  # noqa: ANN001
    _assert_problem(client.post("/api/v1/ask", data=data, content_type="application/json"), 400)


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"question": 42},
        {"question": ["a"]},
        {"question": "ok", "top_k": 0},
        {"question": "ok", "top_k": 21},
        {"question": "ok", "top_k": "three"},
        {"question": "ok", "top_k": True},
        {"question": "ok", "top_k": 2.5},
        {"question": "ok", "lang": "de"},
        {"question": "ok", "extra": 1},
        {"question": "ok", "top_k": 10**30},
    ],
)
def test_bad_fields_are_400(client, body: dict) -> None:  # noqa: ANN001
    _assert_problem(client.post("/api/v1/ask", json=body), 400)


@pytest.mark.parametrize("question", ["", "   ", "\x00\x01\x02", "\t\n\r", "x" * 3001])
def test_unanswerable_questions_are_422(client, question: str) -> None:  # noqa: ANN001
    body = _assert_problem(client.post("/api/v1/ask", json={"question": question}), 422)
    assert "question" in body["detail"]


def test_search_validates_like_ask(client) -> None:  # noqa: ANN001
    _assert_problem(client.get("/api/v1/search"), 400)
    _assert_problem(client.get("/api/v1/search?q="), 422)
    _assert_problem(client.get("/api/v1/search?q=ok&top_k=99"), 400)
    _assert_problem(client.get("/api/v1/search?q=ok&q=again"), 400)
    _assert_problem(client.get("/api/v1/search?q=ok&top_k=%C2%B3"), 400)  # "³" passes str.isdigit(), found by fuzzing
    _assert_problem(client.get("/api/v1/search?q=ok&lang="), 400)


def test_wrong_content_type_is_415(client) -> None:  # noqa: ANN001
    _assert_problem(
        client.post("/api/v1/ask", data="question=hi", content_type="application/x-www-form-urlencoded"), 415
    )
    _assert_problem(client.post("/api/v1/ask", data='{"question": "hi"}', content_type="text/plain"), 415)


def test_body_over_the_limit_is_413_before_parsing(client) -> None:  # noqa: ANN001
    big = b'{"question": "' + b"a" * 20_000 + b'"}'
    _assert_problem(client.post("/api/v1/ask", data=big, content_type="application/json"), 413)


def test_unknown_route_is_404_and_wrong_method_405(client) -> None:  # noqa: ANN001
    _assert_problem(client.get("/api/v1/nothing-here"), 404)
    resp = client.get("/api/v1/ask")
    _assert_problem(resp, 405)
    assert "POST" in resp.headers["Allow"]
    _assert_problem(client.delete("/api/v1/search"), 405)


def test_surrogate_escapes_are_read_as_json_defines_them_and_never_break_the_service(client) -> None:  # noqa: ANN001
    """A pair of escapes is one character (a 100-character tag of them is within the limit); a lone one is
    text like any other, answered or refused with a problem document, never a 500."""
    pair = "\\ud959\\udecf"
    within = b'{"question": "pimples", "filters": {"tags": ["' + (pair * 100).encode() + b'"]}}'
    answer = client.post("/api/v1/ask", data=within, content_type="application/json")
    assert answer.status_code == 200 and answer.get_json()["answers"] == []  # no document has that tag
    over = b'{"question": "pimples", "filters": {"tags": ["' + (pair * 101).encode() + b'"]}}'
    _assert_problem(client.post("/api/v1/ask", data=over, content_type="application/json"), 400)
    for lone in (b'{"question": "pimples \\ud800 after microneedling"}', b'{"question": "\\udc00"}'):
        resp = client.post("/api/v1/ask", data=lone, content_type="application/json")
        assert resp.status_code in (200, 422), resp.get_data(as_text=True)
        assert resp.is_json and "Traceback" not in resp.get_data(as_text=True)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/search?q=pimples&q=redness",
        "/api/v1/search?q=pimples&lang=en&lang=fr",
        "/?lang=en&lang=fr",
        "/admin/stats?days=7&days=%5B%5D",
        "/admin/?days=7&days=30",
    ],
)
def test_a_parameter_given_twice_is_400_on_every_route(client, path: str) -> None:  # noqa: ANN001
    body = _assert_problem(client.get(path, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}), 400)
    assert "given more than once" in body["detail"]


def test_tags_are_the_one_list_parameter_and_a_parameter_no_route_reads_is_ignored(client) -> None:  # noqa: ANN001
    resp = client.get("/api/v1/search?q=pimples&tag=a&tag=b")
    assert resp.status_code == 200 and resp.get_json()["answers"] == []  # no document has both tags
    assert client.get("/api/v1/info?utm_source=a&utm_source=b").status_code == 200
