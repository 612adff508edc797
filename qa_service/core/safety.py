"""Red-flag triage of every question (EN/FR), independent of retrieval.

Rules live in ``data/safety_rules.yaml`` so practitioners can review them. A symptom that is negated
("no fever") or, for rules that allow it, qualified as mild ("mild redness") raises no alarm.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from qa_service.core.languages import PIVOT, languages

LEVELS = ("urgent", "emergency")  # ascending severity
_CLAUSE_BREAK = re.compile(r"[.;:!?,\n]|\b(?:but|however|though|mais|cependant|toutefois)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Triage:
    """The result of triage: the most severe level found, its message and the phrases that matched."""

    level: str
    message: str
    matched: tuple[str, ...]
    passage: str | None = None  # the id of the article's passage that lists the sign, when one does

    def to_dict(self) -> dict[str, Any]:
        return {"level": self.level, "message": self.message, "matched": list(self.matched), "passage": self.passage}


@dataclass(frozen=True)
class _Rule:
    name: str
    level: str
    mild_is_normal: bool
    patterns: tuple[re.Pattern[str], ...]


@dataclass(frozen=True)
class Rules:
    rules: tuple[_Rule, ...]
    messages: dict[str, dict[str, str]]
    negation: re.Pattern[str]
    mildness: re.Pattern[str]
    # (level, language, how an article in that language says a sign needs that care)
    cues: tuple[tuple[str, str, re.Pattern[str]], ...] = ()
    # each language's cues in one pattern: a passage without any is passed over in one search
    any_cue: dict[str, re.Pattern[str]] = field(default_factory=dict)
    # each language's ways of calling an after-effect expected, in one pattern (``expected_effects``)
    normal: dict[str, re.Pattern[str]] = field(default_factory=dict)


def _terms_pattern(terms: list[str]) -> re.Pattern[str]:
    alternatives = sorted((re.escape(t.lower()) for t in terms), key=len, reverse=True)
    return re.compile(r"(?:^|[\s'’(])(?:" + "|".join(alternatives) + r")(?=$|[\s'’,])", re.IGNORECASE)


@lru_cache(maxsize=1)
def rules() -> Rules:
    """The package's default rules (what ``content/safety_rules.yaml`` starts as)."""
    raw = resources.files("qa_service.core.data").joinpath("safety_rules.yaml").read_text("utf-8")
    return parse_rules(yaml.safe_load(raw))


def parse_rules(raw: dict[str, Any]) -> Rules:
    """Rules from their YAML mapping; raises KeyError / TypeError / ValueError / re.error on a malformed one."""
    parsed = []
    for rule in raw["rules"]:
        if rule["level"] not in LEVELS:
            raise ValueError(f"safety rule {rule['name']}: unknown level {rule['level']!r}")
        patterns = tuple(re.compile(p, re.IGNORECASE) for lang in languages() for p in rule.get(lang) or [])
        parsed.append(_Rule(rule["name"], rule["level"], bool(rule.get("mild_is_normal", False)), patterns))
    if "library_cues" in raw:
        cues = tuple(
            (level, lang, re.compile(p, re.IGNORECASE))
            for level, by_language in (raw["library_cues"] or {}).items()
            for lang in languages()
            for p in (by_language or {}).get(lang) or []
        )
        for level, _, _ in cues:
            if level not in LEVELS:
                raise ValueError(f"library cue: unknown level {level!r}")
    else:  # a clinic's rules written before the cues existed read the package's
        cues = rules().cues
    any_cue = {
        lang: re.compile("|".join(f"(?:{p.pattern})" for _, of, p in cues if of == lang), re.IGNORECASE)
        for lang in {of for _, of, _ in cues}
    }
    if "library_normal" in raw:
        normal = {
            lang: re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)
            for lang, patterns in (raw["library_normal"] or {}).items()
            if lang in languages() and patterns
        }
    else:  # a clinic's rules written before articles could call an effect expected read the package's
        normal = rules().normal
    return Rules(
        tuple(parsed),
        raw["messages"],
        _terms_pattern([t for lang in languages() for t in raw["negations"].get(lang) or []]),
        _terms_pattern([t for lang in languages() for t in raw["mildness"].get(lang) or []]),
        cues,
        any_cue,
        normal,
    )


def qualified(text: str, start: int, config: Rules) -> bool:
    """Whether the words at ``start`` are negated ("no fever") or called mild ("a little swelling")."""
    return _qualifier_before(text, start, config.negation, 5) or _qualifier_before(text, start, config.mildness, 3)


def most_severe(*found: Triage | None) -> Triage | None:
    """The most severe of several triages (the first of equals), their matches merged; None when none."""
    present = [t for t in found if t is not None]
    if not present:
        return None
    top = max(present, key=lambda t: LEVELS.index(t.level))
    matched = tuple(dict.fromkeys(m for t in sorted(present, key=lambda t: -LEVELS.index(t.level)) for m in t.matched))
    return Triage(top.level, top.message, matched, top.passage)


def _qualifier_before(text: str, start: int, pattern: re.Pattern[str], max_words: int) -> bool:
    """Whether ``pattern`` occurs in the same clause, within ``max_words`` words before ``start``."""
    clause_start = 0
    for brk in _CLAUSE_BREAK.finditer(text, 0, start):
        clause_start = brk.end()
    window = " ".join(text[clause_start:start].split()[-max_words:])
    return bool(pattern.search(" " + window + " "))


def triage(question: str, language: str = "en", config: Rules | None = None) -> Triage | None:
    """The most severe red flag described in ``question``, or None when nothing calls for urgent care."""
    text = question.replace("’", "'")
    config = config or rules()
    found: dict[str, list[str]] = {}
    for rule in config.rules:
        for pattern in rule.patterns:
            for match in pattern.finditer(text):
                if _qualifier_before(text, match.start(), config.negation, 5):
                    continue
                if rule.mild_is_normal and _qualifier_before(text, match.start(), config.mildness, 3):
                    continue
                found.setdefault(rule.level, []).append(match.group().strip())
    if not found:
        return None
    level = max(found, key=LEVELS.index)
    matched = tuple(dict.fromkeys(m for lvl in sorted(found, key=LEVELS.index, reverse=True) for m in found[lvl]))
    return alarm(config, level, language, matched)


def alarm(config: Rules, level: str, language: str, matched: tuple[str, ...], passage: str | None = None) -> Triage:
    """The notice of ``level`` in the asker's language (the pivot's words when it has none)."""
    messages = config.messages[level]
    return Triage(level, messages.get(language) or messages[PIVOT], matched, passage)
