"""Site boilerplate: the lines a clinic's pages repeat everywhere (cookie notices, "book now" banners),
one regular expression per line of ``content/boilerplate.txt``; a block that matches is not a passage."""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from importlib import resources

Patterns = tuple[re.Pattern[str], ...]


@lru_cache(maxsize=1)
def boilerplate_patterns() -> Patterns:
    """The package's default site boilerplate (what ``content/boilerplate.txt`` starts as)."""
    return parse_boilerplate(resources.files("qa_service.core.data").joinpath("boilerplate.txt").read_text("utf-8"))


def parse_boilerplate(raw: str) -> Patterns:
    """One case-insensitive regular expression per line; blank lines and # comments skipped (re.error)."""
    lines = [ln.strip() for ln in raw.splitlines()]
    return tuple(re.compile(ln, re.IGNORECASE) for ln in lines if ln and not ln.startswith("#"))


def boilerplate_fingerprint(patterns: Patterns | None = None) -> str:
    joined = "\n".join(p.pattern for p in (boilerplate_patterns() if patterns is None else patterns))
    return hashlib.sha256(joined.encode()).hexdigest()[:16]


def boilerplate_reason(text: str, patterns: Patterns | None = None) -> str | None:
    """The pattern that makes ``text`` site boilerplate, or None."""
    found = next((p for p in (boilerplate_patterns() if patterns is None else patterns) if p.search(text)), None)
    return found.pattern if found else None
