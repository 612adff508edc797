"""The error body every part of the service answers with: ``application/problem+json`` (RFC 9457).

One function, used by the Flask app's error handlers and by the gunicorn worker for the requests it
rejects before Flask sees them, so a client meets one error shape whoever answered.
"""

from __future__ import annotations

from typing import Any

PROBLEM_TYPE = "https://qa-service.local/problems/"
MEDIA_TYPE = "application/problem+json"


def problem_body(status: int, title: str, detail: str, slug: str | None = None) -> dict[str, Any]:
    """The problem document; ``slug`` names the problem type (default: the title, hyphenated)."""
    return {
        "type": PROBLEM_TYPE + (slug or title.lower().replace(" ", "-")),
        "title": title,
        "status": status,
        "detail": detail,
    }
