"""Who is staff: a request carrying the admin token. One check, for the admin routes and the rate limits."""

from __future__ import annotations

import hmac

from flask import current_app, request


def bearer_token() -> str:
    """The token of an ``Authorization: Bearer …`` header, or ""."""
    header = request.headers.get("Authorization", "")
    return header[7:].strip() if header[:7].lower() == "bearer " else ""


def is_staff() -> bool:
    """True when the request carries the configured admin token (compared in constant time)."""
    token: str = current_app.extensions["qa_settings"].admin_token
    supplied = bearer_token()
    return bool(token and supplied) and hmac.compare_digest(supplied.encode(), token.encode())
