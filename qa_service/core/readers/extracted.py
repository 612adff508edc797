"""What every reader returns, in a module of its own so a reader never imports the registry that chooses it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Extracted:
    """What a reader found: the article as Markdown text, and what the source says about itself."""

    text: str
    title: str | None = None
    url: str | None = None
    language: str | None = None
    dropped: tuple[str, ...] = ()  # what was left out and why, for `qa-service inspect`
