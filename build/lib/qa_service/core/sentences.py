"""Sentence boundaries as character spans, for English and French prose.

Spans (not strings) so that callers can keep exact offsets into the source text.
"""

from __future__ import annotations

import re

# Abbreviations whose trailing period does not end a sentence (lower-cased, without the period).
_ABBREVIATIONS = frozenset(
    "e.g i.e etc vs dr drs mr mrs ms mme mlle m st no approx fig min max env cf p.ex ex jr sr prof".split()
)
_BOUNDARY = re.compile(r"[.!?…]+[\"'»”’)\]]*(?=\s+|$)")


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Split ``text[start:end]`` into sentences; returns (start, end) spans without surrounding space."""
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    cursor = start
    for match in _BOUNDARY.finditer(text, start, end):
        stop = match.end()
        word = text[cursor : match.start()].rsplit(None, 1)[-1:] if cursor < match.start() else []
        token = word[0].lower().lstrip("(\"'«“") if word else ""
        if match.group().startswith(".") and (token in _ABBREVIATIONS or re.fullmatch(r"[a-z]", token)):
            continue
        nxt = text[stop:end].lstrip()
        if nxt and not (nxt[0].isupper() or nxt[0].isdigit() or nxt[0] in "\"'«“(-•*"):
            continue
        spans.append((cursor, stop))
        cursor = stop
    spans.append((cursor, end))
    return [trimmed for s, e in spans if (trimmed := trim_span(text, s, e))]


def trim_span(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None
