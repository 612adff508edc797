"""Scrubbing personal data from patients' questions before anything is stored.

Questions are health information; the analytics store keeps them only after these replacements.
"""

from __future__ import annotations

import re

_STREET_TYPES = (
    r"(?:street|st|avenue|ave|av|boulevard|blvd|road|rd|drive|dr|lane|ln|court|ct|place|pl|way|crescent|cres|"
    r"chemin|ch|rue|boul|côte|cote|route|rang|square|terrace|parkway)"
)
_NAME_WORD = r"(?:[A-ZÀ-Ý][\w'’.-]*|\d+(?:st|nd|rd|th|e|er|re)?)"
_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE), "[email]"),
    # Québec health-insurance number (RAMQ): 4 letters + 8 digits, often grouped by 4.
    (re.compile(r"\b[A-Za-z]{4}[\s-]?\d{4}[\s-]?\d{4}\b"), "[health-number]"),
    (
        re.compile(
            r"(?<![\w])(?:\+?1[\s.-]?)?(?:\(\d{3}\)|\d{3})[\s.-]?\d{3}[\s.-]?\d{4}(?:\s*(?:x|ext\.?|poste)\s*\d{1,5})?\b",
            re.IGNORECASE,
        ),
        "[phone]",
    ),
    (
        re.compile(r"\b[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z][ -]?\d[ABCEGHJ-NPRSTV-Z]\d\b", re.IGNORECASE),
        "[postal-code]",
    ),
    # "4500 Sherbrooke St W", "123 rue Sainte-Catherine", "12, avenue Greene", "1234 Main Street".
    # Street names are capitalised or ordinal, so "2 weeks ago on 5th avenue" stays readable.
    (
        re.compile(
            r"\b\d{1,6}[A-Za-z]?,?\s+(?:(?i:" + _STREET_TYPES + r")\.?(?:\s+" + _NAME_WORD + r"){1,4}"
            r"|(?:" + _NAME_WORD + r"\s+){1,4}(?i:" + _STREET_TYPES + r")\b\.?"
            r"(?:\s+(?i:[NSEOW]|north|south|east|west|est|ouest)\b\.?)?)"
        ),
        "[address]",
    ),
    # A name given after "my name is" (any case), or after "call me" / "I am" only when capitalised.
    (
        re.compile(
            r"\b((?i:my name is|je m'appelle|je m’appelle|mon nom est|my name's)\s+)"
            r"[\w'’-]+(?:\s+(?!and\b|et\b)[A-ZÀ-Ý][\w'’-]+){0,3}"
        ),
        r"\1[name]",
    ),
    (re.compile(r"\b((?i:call me|i am|i'm|je suis)\s+)[A-ZÀ-Ý][a-zà-ÿ'’-]+(?:\s+[A-ZÀ-Ý][\w'’-]+){1,3}"), r"\1[name]"),
)


def scrub(text: str) -> str:
    """``text`` with emails, phone numbers, health-insurance numbers, postal codes, street addresses and
    self-given names replaced by placeholders such as ``[email]``."""
    for pattern, replacement in _RULES:
        text = pattern.sub(replacement, text)
    return text
