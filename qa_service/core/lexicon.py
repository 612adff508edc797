"""The lexicon: the query-side vocabulary staff review (``data/lexicon.yaml``, ``content/lexicon.yaml``).

Lay words and translations into the articles' words, the kinds of fact a question may ask for (and what it
asks about), and subjects patients ask about. It never changes the articles, only how a question is read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources
from typing import Any

from qa_service.core import yaml_loader
from qa_service.core.languages import PIVOT, fold, languages
from qa_service.core.languages import language as language_entry
from qa_service.core.terms import stem


@dataclass(frozen=True)
class AnswerType:
    """A kind of fact a question may ask for, and how to recognise it in a passage."""

    name: str
    required: bool
    question: tuple[re.Pattern[str], ...]
    passage: tuple[re.Pattern[str], ...]

    def asked_by(self, text: str) -> bool:
        return any(p.search(text) for p in self.question)

    def found_in(self, text: str) -> bool:
        return any(p.search(text) for p in self.passage)

    @property
    def subject_patterns(self) -> tuple[re.Pattern[str], ...]:
        """The question patterns that mark what is asked about, ``(?P<subject>...)``."""
        return tuple(p for p in self.question if "subject" in p.groupindex)


@dataclass(frozen=True)
class Lexicon:
    translations: dict[str, dict[str, str]]  # language code -> its words -> the articles' English (fr_en, ...)
    lay_en: dict[str, str]
    translation_stems: dict[str, dict[str, str]]  # the same, looked up by stem (inflections share one)
    answer_types: tuple[AnswerType, ...]
    subjects: tuple[frozenset[str], ...]  # each: folded words naming one subject (any language)
    # The patterns that mark what a question asks the clinic for ("do you do <X>"): the answer types' own,
    # or, in a lexicon written before they had any, the package's (``with_subject_patterns``).
    subject_patterns: tuple[re.Pattern[str], ...] = ()

    def subjects_in(self, text: str) -> list[str]:
        """What the question asks the clinic for, where a pattern marks it: "eyelash extensions" in "do you
        do eyelash extensions, and ...?"."""
        found = (p.search(text) for p in self.subject_patterns)
        return [m.group("subject") for m in found if m and m.group("subject")]

    def known_words(self) -> set[str]:
        """Every word the lexicon renders, in any language (spelling correction accepts them)."""
        return set(self.lay_en).union(*self.translations.values())


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    """The package's default lexicon (what ``content/lexicon.yaml`` starts as)."""
    return parse_lexicon(
        yaml_loader.safe_load(resources.files("qa_service.core.data").joinpath("lexicon.yaml").read_text("utf-8"))
    )


def parse_lexicon(raw: dict[str, Any]) -> Lexicon:
    """A lexicon from its YAML mapping; raises KeyError / TypeError / re.error on a malformed one."""

    def patterns(items: list[str]) -> tuple[re.Pattern[str], ...]:
        return tuple(re.compile(p, re.IGNORECASE) for p in items)

    translations = {
        code: {fold(str(k)): str(v) for k, v in (raw.get(language_entry(code).lexicon_section) or {}).items()}
        for code in languages()
        if code != PIVOT
    }
    kinds = tuple(
        AnswerType(name, bool(spec.get("require")), patterns(spec["question"]), patterns(spec["passage"]))
        for name, spec in (raw.get("answer_types") or {}).items()
    )
    return Lexicon(
        translations=translations,
        lay_en={fold(str(k)): str(v) for k, v in (raw.get("lay_en") or {}).items()},
        # Inflections ("empirent", "empirer") share a stem: look translations up by stem too.
        translation_stems={
            code: {stem(k, code): v for k, v in sorted(table.items(), key=lambda kv: len(kv[0]), reverse=True)}
            for code, table in translations.items()
        },
        subjects=tuple(frozenset(fold(str(w)) for w in group) for group in raw.get("subjects") or []),
        answer_types=kinds,
        subject_patterns=tuple(p for kind in kinds for p in kind.subject_patterns),
    )


def with_subject_patterns(lex: Lexicon) -> Lexicon:
    """A clinic's lexicon written before answer types marked what is asked about reads the package's
    patterns for it, so a service no article names is declined there too (staff can copy and edit them)."""
    if lex.subject_patterns:
        return lex
    return replace(lex, subject_patterns=lexicon().subject_patterns)
