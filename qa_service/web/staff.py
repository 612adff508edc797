"""The admin token: whether a request carries it. A signed-in console session is the other way to be staff
(``staff_session.is_staff``)."""

from __future__ import annotations

import hmac

from flask import request

from qa_service.web.app_state import app_state


def bearer_token() -> str:
    """The token of an ``Authorization: Bearer …`` header, or ""."""
    header = request.headers.get("Authorization", "")
    return header[7:].strip() if header[:7].lower() == "bearer " else ""


def is_admin_token(supplied: str) -> bool:
    """True when ``supplied`` is the configured admin token (compared in constant time)."""
    token = app_state().settings.admin_token
    return bool(token and supplied) and hmac.compare_digest(supplied.encode(), token.encode())


def has_token() -> bool:
    """True when the request carries the admin token as a bearer token."""
    return is_admin_token(bearer_token())
