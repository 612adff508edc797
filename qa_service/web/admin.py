"""The ``/admin`` blueprint for staff: analytics summary and forced index reload, behind a bearer token.

Usable only when QA_ADMIN_TOKEN is set (32+ characters). Without a configured token every admin request
is refused exactly like a request with a wrong token (401, one problem body): a client cannot tell the
two apart, and the OpenAPI description holds in both set-ups.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, jsonify, request

from qa_service.runtime.log_store import LogStoreError
from qa_service.web.app_state import app_state
from qa_service.web.errors import problem
from qa_service.web.staff_session import refusal

log = logging.getLogger(__name__)
bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
def _authenticate() -> Response | None:
    return refusal()


@bp.get("/stats")
def stats() -> Response:
    query_log = app_state().query_log
    days = request.args.get("days", "30")
    if not days.isdigit() or not 1 <= int(days) <= 3650:
        return problem(400, "Bad request", "days must be an integer between 1 and 3650", "bad-request")
    if query_log is None:
        return problem(404, "Not Found", "The query log is disabled (QA_QUERY_LOG=false).")
    try:
        summary = query_log.stats(days=int(days))
    except LogStoreError as exc:
        log.error("query log unreadable: %s", exc)
        response = problem(503, "Service unavailable", "The query log cannot be read now; try again shortly.")
        response.headers["Retry-After"] = "5"
        return response
    response = jsonify(summary.to_dict())
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/reload")
def reload() -> Response:
    engine = app_state().engine
    changed = engine.refresh(force=True)
    body = {
        "reloaded": changed,
        "index_version": engine.retriever.version if engine.ready else None,
        "error": engine.last_error,
    }
    return jsonify(body)
