"""The README's sample answer is true to the running code: the same keys, in the same order, with the same
kinds of values, at every level, as a live answer to the same request (not the same figures: the sample
was produced from the clinic's documents/, the test's answer comes from the tests' own fixture index)."""

from __future__ import annotations

import json
import re
from typing import Any

from tests.conftest import PROJECT_ROOT

README = PROJECT_ROOT / "README.md"


def _sample() -> tuple[dict[str, Any], dict[str, Any]]:
    """The request of the README's curl example and the JSON printed under it."""
    text = README.read_text("utf-8")
    request = re.search(r"curl -s localhost:8000/api/v1/ask .*?-d '(\{.*?\})'", text, re.S)
    answer = re.search(r"Real output of `make serve`.*?```json\n(.*?)\n```", text, re.S)
    assert request and answer, "the README's quickstart lost its curl example or its sample answer"
    return json.loads(request.group(1)), json.loads(answer.group(1))


def _shape(value: Any) -> Any:
    """Keys in order and value kinds, recursively (a list's shape is its first element's; null is its own)."""
    if isinstance(value, dict):
        return [(key, _shape(item)) for key, item in value.items()]
    if isinstance(value, list):
        return ["list", _shape(value[0]) if value else None]
    if isinstance(value, bool) or value is None:
        return type(value).__name__
    return "number" if isinstance(value, int | float) else type(value).__name__


def test_the_readme_sample_answer_has_the_live_answers_keys_order_and_kinds(client) -> None:  # noqa: ANN001
    request, sample = _sample()
    live = client.post("/api/v1/ask", json=request).get_json()
    assert live["answered"] and len(live["answers"]) == len(sample["answers"]) == request["top_k"]
    for field in ("message", "urgent"):  # null in both; their filled shapes are the OpenAPI test's business
        assert sample[field] is None and live[field] is None
    live_answer, sample_answer = live["answers"][0], sample["answers"][0]
    assert _shape(sample_answer) == _shape(live_answer), "regenerate the README's sample from `make serve`"
    assert [key for key in sample] == [key for key in live]
    assert {k: _shape(v) for k, v in sample.items() if k != "answers"} == {
        k: _shape(v) for k, v in live.items() if k != "answers"
    }
