"""Every error as ``application/problem+json`` (RFC 9457) with the right status; never a traceback."""

from __future__ import annotations

import logging

from flask import Flask, Response, json, request
from werkzeug.exceptions import HTTPException

from qa_service.core.errors import IndexCorrupt, IndexMismatch, IndexNotReady, InvalidQuestion
from qa_service.problems import MEDIA_TYPE, problem_body

log = logging.getLogger(__name__)


class BadField(Exception):
    """A request field is missing, of the wrong type or out of range (400)."""


def problem(status: int, title: str, detail: str, slug: str | None = None) -> Response:
    body = problem_body(status, title, detail, slug)
    response = Response(json.dumps(body), status=status, mimetype=MEDIA_TYPE)
    response.headers["Cache-Control"] = "no-store"
    return response


# The query parameters the routes read as one value (openapi.yaml); ``tag`` is the one taken as a list, and a
# parameter no route reads is ignored, repeated or not.
SCALAR_PARAMETERS = frozenset({"q", "top_k", "lang", "document", "days", "find"})


def refuse_repeated_parameters(app: Flask) -> None:
    """A parameter a route reads as one value, given twice (``?days=7&days=90``, ``?lang=en&lang=fr``), is a
    400 problem on every route, not silently read as its first value: the OpenAPI description says one."""

    @app.before_request
    def _one_value_each() -> Response | None:
        args = request.args
        repeated = sorted(k for k in SCALAR_PARAMETERS if len(args.getlist(k)) > 1)
        if repeated:
            return problem(400, "Bad request", f"the parameter {repeated[0]} is given more than once", "bad-request")
        return None


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(BadField)
    def _bad_field(exc: BadField) -> Response:
        return problem(400, "Bad request", str(exc), "bad-request")

    @app.errorhandler(InvalidQuestion)
    def _invalid_question(exc: InvalidQuestion) -> Response:
        return problem(422, "Invalid question", str(exc), "invalid-question")

    @app.errorhandler(IndexNotReady)
    @app.errorhandler(IndexMismatch)
    @app.errorhandler(IndexCorrupt)
    def _not_ready(exc: Exception) -> Response:
        log.error("index not ready: %s", exc)
        response = problem(
            503, "Service not ready", "The answer index is not available yet; try again shortly.", "not-ready"
        )
        response.headers["Retry-After"] = "5"
        return response

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Response:
        status = exc.code or 500
        detail = exc.description or exc.name
        if status == 429:
            detail = "Too many questions from this address; please wait a moment and try again."
        response = problem(status, exc.name, detail)
        original = exc.get_response().headers
        for header in ("Allow", "Retry-After", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"):
            if header in original:
                response.headers[header] = original[header]
        return response

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        log.exception("unhandled error")
        return problem(500, "Internal server error", "Something went wrong on our side; please try again.", "internal")
