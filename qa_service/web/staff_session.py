"""Staff sign-in for the console: the admin token once, then a session cookie; CSRF tokens for changes.

The cookie holds a random session id signed with a key derived from the admin token (itsdangerous), so
every worker and replica checks it alike and a new token ends every session. Sessions are rows in the
query log's store (SQLite or PostgreSQL), so signing out ends a session everywhere, not just in one
browser. The cookie is HttpOnly and SameSite=Strict, Secure when the request came over HTTPS. A change
made with the cookie must also carry the session's CSRF token (a form field or ``X-CSRF-Token``);
requests with a bearer token carry no ambient credential and need none.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

from flask import Response, g, request
from itsdangerous import BadSignature, URLSafeTimedSerializer

from qa_service.runtime.log_store import LogStore, LogStoreError
from qa_service.web.app_state import app_state
from qa_service.web.staff import has_token

COOKIE = "qa_staff"
MAX_AGE = 8 * 3600  # a working day; then sign in again


def _serializer() -> URLSafeTimedSerializer:
    token = app_state().settings.admin_token
    key = hmac.new(token.encode(), b"qa-service staff session", hashlib.sha256).hexdigest()
    return URLSafeTimedSerializer(key, salt="qa-staff")


def _store() -> LogStore | None:
    query_log = app_state().query_log
    return query_log.store if query_log is not None else None


def _digest(sid: str) -> str:
    return hashlib.sha256(sid.encode()).hexdigest()  # the store never holds a usable session id


def session_id() -> str | None:
    """The signed-in staff member's session id from the cookie, when it is valid and not ended. Read from
    the store once per request (the guard and the view both ask)."""
    if "qa_staff_sid" not in g:
        g.qa_staff_sid = _stored_session()
    found: str | None = g.qa_staff_sid
    return found


def _stored_session() -> str | None:
    token = app_state().settings.admin_token
    raw = request.cookies.get(COOKIE)
    store = _store()
    if not token or not raw or store is None:
        return None
    try:
        sid = str(_serializer().loads(raw, max_age=MAX_AGE))
    except BadSignature:
        return None
    try:
        rows = store.rows("SELECT expires FROM staff_sessions WHERE sid = ? AND ended = 0", (_digest(sid),))
    except LogStoreError:
        return None
    return sid if rows and float(rows[0][0]) > time.time() else None


def csrf_token(sid: str) -> str:
    """The CSRF token of a session: derived from it, so every worker knows it without storing it."""
    key = _serializer().secret_keys[-1]
    return hmac.new(key, f"csrf:{sid}".encode(), hashlib.sha256).hexdigest()


def csrf_ok(sid: str) -> bool:
    supplied = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token") or ""
    return bool(supplied) and hmac.compare_digest(supplied, csrf_token(sid))


def refusal() -> Response | None:
    """Why a staff route refuses this request (401 without credentials, 403 for a change without the
    session's CSRF token), or None when it may go on. The one check of the admin and console routes."""
    from qa_service.web.errors import problem

    if has_token():
        return None
    sid = session_id()
    if sid is None:
        response = problem(401, "Unauthorized", "A valid bearer token is required.", "unauthorized")
        response.headers["WWW-Authenticate"] = 'Bearer realm="qa-service admin"'
        return response
    if request.method not in ("GET", "HEAD", "OPTIONS") and not csrf_ok(sid):
        return problem(403, "Forbidden", "This change needs the console's CSRF token; reload the page.", "csrf")
    return None


def start(response: Response) -> str:
    """Open a session and set its cookie on ``response``; raises LogStoreError when it cannot be stored."""
    store = _store()
    if store is None:
        raise LogStoreError("the console keeps sessions in the query log, which is disabled (QA_QUERY_LOG=false)")
    sid = secrets.token_urlsafe(32)
    now = time.time()
    store.execute("DELETE FROM staff_sessions WHERE expires < ?", (now,))
    store.execute("INSERT INTO staff_sessions (sid, expires, ended) VALUES (?, ?, 0)", (_digest(sid), now + MAX_AGE))
    response.set_cookie(
        COOKIE,
        _serializer().dumps(sid),
        max_age=MAX_AGE,
        httponly=True,
        secure=request.is_secure,
        samesite="Strict",
        path="/admin",
    )
    return sid


def end(response: Response, sid: str) -> None:
    """End the session for every worker, and clear the cookie."""
    store = _store()
    if store is not None:
        try:
            store.execute("UPDATE staff_sessions SET ended = 1 WHERE sid = ?", (_digest(sid),))
        except LogStoreError:
            pass  # the cookie still goes; the session ends at its expiry at the latest
    response.delete_cookie(COOKIE, path="/admin", httponly=True, secure=request.is_secure, samesite="Strict")


def is_staff() -> bool:
    """The admin token, or a signed-in console session (whose changes also need its CSRF token): one check,
    for the rate limits."""
    return has_token() or session_id() is not None
