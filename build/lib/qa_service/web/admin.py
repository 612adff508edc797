"""The ``/admin`` blueprint for staff: analytics summary and forced index reload, behind a bearer token.

Enabled only when QA_ADMIN_TOKEN is set (32+ characters); every auth failure looks the same.
"""

from __future__ import annotations

import hmac

from flask import Blueprint, Response, current_app, jsonify, request

from qa_service.web.errors import problem

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
def _authenticate() -> Response | None:
    token = current_app.extensions["qa_settings"].admin_token
    if not token:
        return problem(404, "Not Found", "The requested URL was not found on the server.")
    header = request.headers.get("Authorization", "")
    supplied = header[7:] if header[:7].lower() == "bearer " else ""
    if not hmac.compare_digest(supplied.encode(), token.encode()):
        response = problem(401, "Unauthorized", "A valid bearer token is required.", "unauthorized")
        response.headers["WWW-Authenticate"] = 'Bearer realm="qa-service admin"'
        return response
    return None


@bp.get("/stats")
def stats() -> Response:
    query_log = current_app.extensions.get("qa_query_log")
    days = request.args.get("days", "30")
    if not days.isdigit() or not 1 <= int(days) <= 3650:
        return problem(400, "Bad request", "days must be an integer between 1 and 3650", "bad-request")
    if query_log is None:
        return problem(404, "Not Found", "The query log is disabled (QA_QUERY_LOG=false).")
    response = jsonify(query_log.stats(days=int(days)))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/reload")
def reload() -> Response:
    engine = current_app.extensions["qa_engine"]
    changed = engine.refresh(force=True)
    body = {
        "reloaded": changed,
        "index_version": engine.retriever.version if engine.ready else None,
        "error": engine.last_error,
    }
    return jsonify(body)
