"""The ``/api/v1`` blueprint and the health probes: request parsing and validation only.

Answers come from ``core.answer``; this module turns HTTP into plain values and back.
"""

from __future__ import annotations

import json
import re
from typing import Any

from flask import Blueprint, Response, jsonify, request
from werkzeug.exceptions import UnsupportedMediaType

from qa_service.core.answer import answer_question, clean_question
from qa_service.core.filters import NO_FILTERS, Filters
from qa_service.core.languages import is_registered, languages
from qa_service.runtime.engine import Engine
from qa_service.settings import Settings
from qa_service.web.app_state import app_state
from qa_service.web.errors import BadField
from qa_service.web.observability import record_answer

bp = Blueprint("api", __name__)
_ASK_FIELDS = {"question", "top_k", "lang", "filters"}
_FILTER_FIELDS = {"document", "lang", "tags"}
_FEEDBACK_FIELDS = {"question", "answer_id", "helpful"}


def _engine() -> Engine:
    return app_state().engine


def _settings() -> Settings:
    return app_state().settings


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [k for k, _ in pairs]
    if len(keys) != len(set(keys)):
        raise BadField("the JSON object repeats a key")
    return dict(pairs)


def _json_body() -> dict[str, Any]:
    if request.mimetype != "application/json":
        raise UnsupportedMediaType("send the question as JSON with Content-Type: application/json")
    raw = request.get_data(cache=False)  # size already bounded by MAX_CONTENT_LENGTH (413)
    try:
        body = json.loads(
            raw.decode("utf-8"),
            object_pairs_hook=_reject_duplicates,
            parse_constant=lambda c: (_ for _ in ()).throw(BadField(f"{c} is not valid JSON")),
        )
    except UnicodeDecodeError:
        raise BadField("the body is not valid UTF-8") from None
    except (json.JSONDecodeError, RecursionError) as exc:
        raise BadField(f"the body is not valid JSON: {str(exc)[:200]}") from None
    except ValueError as exc:  # e.g. an integer of more than 4300 digits
        raise BadField(f"the body holds a value out of range: {str(exc)[:200]}") from None
    if not isinstance(body, dict):
        raise BadField('the body must be a JSON object like {"question": "..."}')
    return body


def _top_k(value: Any) -> int:
    settings = _settings()
    if value is None:
        return settings.default_top_k
    if isinstance(value, str) and re.fullmatch(r"\+?[0-9]{1,5}", value.strip()):  # ASCII digits: "³" is not 3
        value = int(value)
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e6:
        value = int(value)  # JSON Schema counts 3.0 as an integer; so do we
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadField(f"top_k must be an integer between 1 and {settings.max_top_k}")
    if not 1 <= value <= settings.max_top_k:
        raise BadField(f"top_k must be between 1 and {settings.max_top_k}, got {value}")
    return value


def _lang(value: Any) -> str | None:
    if value is None:  # absent or null: detected from the question
        return None
    if not is_registered(value):
        raise BadField(f"lang must be one of {', '.join(languages())}")
    return str(value)


def _filters(document: Any, lang: Any, tags: Any) -> Filters:
    """Filters from the request; a bad one is a 400 that says which, never an empty answer."""
    if document is not None and (not isinstance(document, str) or not 0 < len(document) <= 300):
        raise BadField("filters.document must be a document id (see /api/v1/info)")
    if lang is not None and not is_registered(lang):
        raise BadField(f"filters.lang must be one of {', '.join(languages())}")
    if tags is None:
        tags = []
    if not isinstance(tags, list) or len(tags) > 20 or not all(isinstance(t, str) and 0 < len(t) <= 100 for t in tags):
        raise BadField("filters.tags must be a list of at most 20 tag words")
    return Filters(document, lang, tuple(dict.fromkeys(t.strip().lower() for t in tags)))


def _answer(question: Any, top_k: Any, lang: Any, filters: Filters = NO_FILTERS) -> Response:
    if question is None:
        raise BadField('the field "question" is required')
    if not isinstance(question, str):
        raise BadField('the field "question" must be a string')
    settings = _settings()
    k, language = _top_k(top_k), _lang(lang)
    engine = _engine()
    result = answer_question(
        engine.retriever,
        question,
        top_k=k,
        language=language,
        min_confidence=settings.min_confidence,
        max_chars=settings.max_question_chars,
        cache=engine.answers,
        filters=filters,
    )
    record_answer(result)
    query_log = app_state().query_log
    if query_log is not None:
        query_log.record_query(result)  # scrubbed of personal data before it is stored
    response = jsonify(result.to_dict())
    response.headers["Cache-Control"] = "no-store"  # answers echo health questions
    return response


@bp.post("/api/v1/ask")
def ask() -> Response:
    body = _json_body()
    unknown = set(body) - _ASK_FIELDS
    if unknown:
        raise BadField(f"unknown field(s): {', '.join(sorted(unknown))}; expected question, top_k, lang, filters")
    raw = body.get("filters")
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise BadField('the field "filters" must be an object with document, lang and tags')
    unknown = set(raw) - _FILTER_FIELDS
    if unknown:
        raise BadField(f"unknown filter(s): {', '.join(sorted(unknown))}; expected document, lang, tags")
    filters = _filters(raw.get("document"), raw.get("lang"), raw.get("tags"))
    return _answer(body.get("question"), body.get("top_k"), body.get("lang"), filters)


@bp.post("/api/v1/feedback")
def feedback() -> tuple[Response, int]:
    body = _json_body()
    unknown = set(body) - _FEEDBACK_FIELDS
    if unknown:
        raise BadField(f"unknown field(s): {', '.join(sorted(unknown))}; expected question, answer_id, helpful")
    question, answer_id, helpful = body.get("question"), body.get("answer_id"), body.get("helpful")
    if not isinstance(question, str):
        raise BadField('the field "question" must be a string')
    if not isinstance(answer_id, str) or not 0 < len(answer_id) <= 300:
        raise BadField('the field "answer_id" must be a passage id string')
    if not isinstance(helpful, bool):
        raise BadField('the field "helpful" must be true or false')
    text = clean_question(question, _settings().max_question_chars)
    query_log = app_state().query_log
    if query_log is not None:
        query_log.record_feedback(text, answer_id, helpful)
    response = jsonify({"status": "recorded"})
    response.headers["Cache-Control"] = "no-store"
    return response, 202


@bp.get("/api/v1/search")
def search() -> Response:
    args = request.args  # a parameter given twice was refused before (errors.refuse_repeated_parameters)
    # lang= both answers in that language and keeps to passages written in it (a link says "in French")
    filters = _filters(args.get("document"), args.get("lang"), args.getlist("tag"))
    return _answer(args.get("q"), args.get("top_k"), args.get("lang"), filters)


@bp.get("/api/v1/info")
def info() -> Response:
    retriever = _engine().retriever
    manifest = retriever.loaded.manifest
    response = jsonify(
        {
            "index_version": retriever.version,
            "built_at": manifest.built_at,
            "model": manifest.model.name,
            "documents": [
                {"id": d.id, "title": d.title, "language": d.language, "url": d.url, "tags": list(d.tags)}
                for d in manifest.documents
            ],
            "passages": len(retriever.passages),
        }
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/healthz")
def healthz() -> Response:
    return jsonify({"status": "ok"})


@bp.get("/readyz")
def readyz() -> Response | tuple[Response, int]:
    engine = _engine()
    if not engine.ready:
        return jsonify({"status": "not ready", "detail": "no valid index is loaded"}), 503
    degraded = engine.degraded
    if degraded is None:
        return jsonify({"status": "ready", "index_version": engine.retriever.version})
    return jsonify(
        {
            "status": "degraded",
            "index_version": degraded.serving,
            "current": degraded.current,
            "detail": f"CURRENT names {degraded.current}, which was refused: {degraded.reason}",
        }
    )
