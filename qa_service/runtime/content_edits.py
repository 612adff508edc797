"""Changes the staff console makes to the content folder: pinned answers and synonyms.

Each change is validated as the build would validate it before the file is replaced (atomically, under a
lock, so two staff members saving at once lose nothing), and goes live with the next index build.
Comments staff wrote in ``lexicon.yaml`` are kept: a synonym is inserted as one line in its section.
"""

from __future__ import annotations

import fcntl
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import yaml

from qa_service.core.content import LEXICON, NO_PINS, PINS, Pin, default_files, parse_content
from qa_service.core.languages import is_registered, language, languages
from qa_service.runtime.content_dir import read_content_dir

# The explanation staff read at the top of pins.yaml: the comment lines of the packaged default.
PINS_HEADER = "".join(line for line in default_files()[PINS].splitlines(keepends=True) if line.startswith("#"))


@contextmanager
def _locked(folder: Path) -> Iterator[None]:
    with open(folder / ".edit.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _replace(folder: Path, name: str, text: str) -> None:
    """Validate the folder as it would be with ``text`` as ``name``, then swap the file in atomically."""
    files = read_content_dir(folder)
    files[name] = text
    parse_content(files)  # raises ContentError naming the file and line
    tmp = folder / f".{name}.tmp"
    tmp.write_text(text, "utf-8")
    os.replace(tmp, folder / name)


def read_pins(folder: Path) -> list[Pin]:
    files = read_content_dir(folder)
    return list(parse_content(files).pins)


def _write_pins(folder: Path, pins: list[Pin]) -> None:
    items = [{"question": p.question, "passage": p.passage, "threshold": p.threshold} for p in pins]
    body = yaml.safe_dump({"pins": items}, allow_unicode=True, sort_keys=False) if items else NO_PINS
    _replace(folder, PINS, PINS_HEADER + body)


def add_pin(folder: Path, pin: Pin) -> None:
    """Pin a passage for a question; a pin for the same question replaces the old one."""
    with _locked(folder):
        pins = [p for p in read_pins(folder) if p.question.lower() != pin.question.lower()]
        _write_pins(folder, [*pins, pin])


def remove_pin(folder: Path, question: str) -> bool:
    with _locked(folder):
        pins = read_pins(folder)
        kept = [p for p in pins if p.question.lower() != question.lower()]
        if len(kept) == len(pins):
            return False
        _write_pins(folder, kept)
        return True


def add_synonym(folder: Path, word: str, means: str, lang: str) -> None:
    """A patient's word read as an article's word (``lay_en`` for English, ``fr_en`` for French: the
    language's lexicon section). Raises ValueError when the word is not one word, or the section already
    has it, or the language is not registered."""
    word, means = word.strip().lower(), means.strip().lower()
    if not re.fullmatch(r"[\w'-]{2,40}", word) or not re.fullmatch(r"[\w' -]{2,80}", means):
        raise ValueError("a synonym is one word (2-40 letters) read as an article's word or words")
    if not is_registered(lang):
        raise ValueError(f"{lang!r} is not one of the service's languages ({', '.join(languages())})")
    section = language(lang).lexicon_section
    with _locked(folder):
        text = (folder / LEXICON).read_text("utf-8")
        existing = (yaml.safe_load(text) or {}).get(section) or {}
        if word in existing:
            raise ValueError(f"{section} already reads {word!r} as {existing[word]!r}")
        header = re.search(rf"^{section}:[ \t]*(?:#.*)?$", text, re.MULTILINE)
        entry = "  " + yaml.safe_dump({word: means}, allow_unicode=True).strip() + "  # added in the staff console\n"
        if header is None:
            new = text.rstrip("\n") + f"\n{section}:\n{entry}"
        else:
            at = header.end() + 1
            new = text[:at] + entry + text[at:]
        _replace(folder, LEXICON, new)
