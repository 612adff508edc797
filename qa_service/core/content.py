"""What clinic staff own, outside the code: lay words and translations, red-flag rules, site boilerplate,
the disclaimer and no-answer texts, and the gate's labelled questions.

The files live in ``QA_CONTENT_DIR`` (``content/``); each is validated when an index is built, with an
error naming the file, the line and what is wrong, and the build keeps a copy in the index version, so a
version always answers with the wording it was built with and a change goes live by rebuilding.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from qa_service.core import yaml_loader
from qa_service.core.boilerplate import Patterns, parse_boilerplate
from qa_service.core.errors import QAError
from qa_service.core.languages import PIVOT, language, languages
from qa_service.core.lexicon import Lexicon, parse_lexicon, with_subject_patterns
from qa_service.core.question_sets import SetLineError, parse_set
from qa_service.core.safety import Rules, parse_rules

LEXICON, RULES, BOILERPLATE, TEXTS, GATE = (
    "lexicon.yaml",
    "safety_rules.yaml",
    "boilerplate.txt",
    "texts.yaml",
    "gate_questions.jsonl",
)
FILES = (LEXICON, RULES, BOILERPLATE, TEXTS, GATE)
PINS = "pins.yaml"  # optional: a folder made before pins existed has none, and pins nothing
OPTIONAL = (PINS,)
NO_PINS = "pins: []\n"


class ContentError(QAError):
    """A content file staff edited cannot be used: which file, which line, what is wrong."""

    def __init__(self, name: str, line: int | None, problem: str) -> None:
        self.name, self.line, self.problem = name, line, problem
        super().__init__(f"{name}{f':{line}' if line else ''}: {problem}")


@dataclass(frozen=True)
class Texts:
    disclaimer: Mapping[str, str]
    no_answer: Mapping[str, str]


@dataclass(frozen=True)
class Content:
    """The parsed content of one version, and a fingerprint of the files it came from."""

    lexicon: Lexicon
    rules: Rules
    boilerplate: Patterns
    texts: Texts
    fingerprint: str
    pins: tuple[Pin, ...] = ()


@dataclass(frozen=True)
class Pin:
    """Staff's choice for a question: when a patient's question means the same (cosine of the two
    questions' vectors >= ``threshold``), ``passage`` is shown first."""

    question: str
    passage: str
    threshold: float = 0.8


def _yaml(name: str, text: str) -> tuple[Any, yaml.Node | None]:
    try:
        return yaml_loader.safe_load(text), yaml_loader.compose(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ContentError(name, mark.line + 1 if mark else None, f"not valid YAML: {problem}") from None


def _line(node: yaml.Node | None, *path: str | int) -> int | None:
    """The line of a key or item in a composed YAML document (as deep as the path goes)."""
    line = node.start_mark.line + 1 if node is not None else None
    for step in path:
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if k.value == step), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
            node = node.value[step]
        else:
            return line
        if node is None:
            return line
        line = node.start_mark.line + 1
    return line


def _texts(text: str) -> Texts:
    raw, node = _yaml(TEXTS, text)
    for key in ("disclaimer", "no_answer"):
        for lang in languages():
            value = (raw or {}).get(key, {}) if isinstance(raw, dict) else {}
            if not isinstance(value, dict) or not isinstance(value.get(lang), str) or not value[lang].strip():
                raise ContentError(TEXTS, _line(node, key, lang), f"{key}.{lang} must be a non-empty text")
    return Texts(dict(raw["disclaimer"]), dict(raw["no_answer"]))


def _lexicon(text: str) -> Lexicon:
    raw, node = _yaml(LEXICON, text)
    if not isinstance(raw, dict):
        raise ContentError(LEXICON, 1, "must be a mapping with fr_en, lay_en, answer_types and subjects")
    for section in ("lay_en", *(language(c).lexicon_section for c in languages() if c != PIVOT)):
        for word, value in (raw.get(section) or {}).items():
            if not isinstance(value, str) or not value.strip():
                raise ContentError(LEXICON, _line(node, section, str(word)), f"{section}: {word!r} needs a word")
    for name, spec in (raw.get("answer_types") or {}).items():
        for part in ("question", "passage"):
            patterns = spec.get(part) if isinstance(spec, dict) else None
            if not isinstance(patterns, list) or not patterns:
                raise ContentError(
                    LEXICON, _line(node, "answer_types", name), f"answer type {name!r} needs {part} patterns"
                )
            for i, pattern in enumerate(patterns):
                try:
                    re.compile(str(pattern))
                except re.error as exc:
                    raise ContentError(
                        LEXICON, _line(node, "answer_types", name, part, i), f"bad pattern: {exc}"
                    ) from None
    for i, group in enumerate(raw.get("subjects") or []):
        if not isinstance(group, list) or not all(isinstance(w, str) for w in group):
            raise ContentError(LEXICON, _line(node, "subjects", i), "each subject is a list of words")
    return with_subject_patterns(parse_lexicon(raw))


def _rules(text: str) -> Rules:
    raw, node = _yaml(RULES, text)
    if not isinstance(raw, dict):
        raise ContentError(RULES, 1, "must be a mapping with messages, negations, mildness and rules")
    for key in ("messages", "negations", "mildness", "rules"):
        if key not in raw:
            raise ContentError(RULES, 1, f"{key} is missing")
    for level, texts in (raw["messages"] or {}).items():
        for lang in languages():
            if not isinstance(texts, dict) or not isinstance(texts.get(lang), str) or not texts[lang].strip():
                raise ContentError(RULES, _line(node, "messages", level), f"messages.{level}.{lang} must be a text")
    for i, rule in enumerate(raw["rules"] or []):
        where = _line(node, "rules", i)
        if not isinstance(rule, dict) or "name" not in rule or "level" not in rule:
            raise ContentError(RULES, where, "each rule needs a name and a level")
        if rule["level"] not in raw["messages"]:
            raise ContentError(RULES, _line(node, "rules", i, "level"), f"level {rule['level']!r} has no message")
        for lang in languages():
            for j, pattern in enumerate(rule.get(lang) or []):
                try:
                    re.compile(str(pattern))
                except re.error as exc:
                    raise ContentError(RULES, _line(node, "rules", i, lang, j), f"bad pattern: {exc}") from None
    try:
        return parse_rules(raw)
    except (KeyError, TypeError, ValueError) as exc:
        raise ContentError(RULES, None, f"incomplete: {exc}") from None


def _boilerplate(text: str) -> Patterns:
    for number, line in enumerate(text.splitlines(), 1):
        pattern = line.strip()
        if pattern and not pattern.startswith("#"):
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ContentError(BOILERPLATE, number, f"bad pattern: {exc}") from None
    return parse_boilerplate(text)


def _gate(text: str) -> None:
    try:
        parse_set(text)
    except SetLineError as exc:
        raise ContentError(GATE, exc.line, exc.problem) from None


def _pins(text: str) -> tuple[Pin, ...]:
    raw, node = _yaml(PINS, text)
    items = raw.get("pins") if isinstance(raw, dict) else None
    if not isinstance(items, list):
        raise ContentError(PINS, 1, "must be a mapping with a list named pins")
    pins = []
    for i, item in enumerate(items):
        where = _line(node, "pins", i)
        if not isinstance(item, dict) or not str(item.get("question") or "").strip() or not item.get("passage"):
            raise ContentError(PINS, where, "each pin needs a question and a passage id")
        threshold = item.get("threshold", 0.8)
        if isinstance(threshold, bool) or not isinstance(threshold, int | float) or not 0.5 <= threshold <= 1.0:
            raise ContentError(PINS, _line(node, "pins", i, "threshold"), "threshold must be between 0.5 and 1.0")
        pins.append(Pin(str(item["question"]).strip(), str(item["passage"]), float(threshold)))
    return tuple(pins)


def parse_content(files: Mapping[str, str]) -> Content:
    """Validate and parse every content file (all of FILES are required); raises ContentError."""
    missing = [name for name in FILES if name not in files]
    if missing:
        raise ContentError(missing[0], None, "is missing from the content folder")
    _gate(files[GATE])
    digest = hashlib.sha256()
    for name in FILES:
        digest.update(f"{name}\0{files[name]}\0".encode())
    pins = _pins(files.get(PINS, NO_PINS))
    if pins:  # no pins: the same fingerprint as before pins existed
        digest.update(f"{PINS}\0{files[PINS]}\0".encode())
    return Content(
        _lexicon(files[LEXICON]),
        _rules(files[RULES]),
        _boilerplate(files[BOILERPLATE]),
        _texts(files[TEXTS]),
        digest.hexdigest()[:16],
        pins,
    )


def default_files() -> dict[str, str]:
    """Today's content as the package ships it: what a new content folder starts as."""
    data = resources.files("qa_service.core.data")
    return {name: data.joinpath(name).read_text("utf-8") for name in (*FILES, *OPTIONAL)}


@lru_cache(maxsize=1)
def default_content() -> Content:
    return parse_content(default_files())
