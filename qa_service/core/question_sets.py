"""Labelled question sets as files: their lines read and checked, a bad line named by its number.

Apart from ``evaluation.py`` (which scores answers) so that reading a set, as the content folder's gate set
is read at start-up, needs nothing from retrieval or the answer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

KINDS = ("answerable", "out_of_scope", "red_flag", "benign_symptom")


@dataclass(frozen=True)
class Item:
    id: str
    kind: str
    lang: str
    question: str
    gold: tuple[str, ...] = ()


class SetLineError(ValueError):
    """A line of a question set that cannot be used: its number and what is wrong."""

    def __init__(self, line: int, problem: str) -> None:
        self.line, self.problem = line, problem
        super().__init__(f"line {line}: {problem}")


def parse_set(text: str) -> list[Item]:
    """A JSONL question set; raises SetLineError naming the first bad line."""
    items = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            if row["kind"] not in KINDS:
                raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {row['kind']!r}")
            if not isinstance(row["question"], str) or (row["kind"] == "answerable" and not row.get("gold")):
                raise ValueError("needs a question, and gold phrases when answerable")
            items.append(
                Item(
                    str(row.get("id", n)),
                    row["kind"],
                    row.get("lang", "en"),
                    row["question"],
                    tuple(row.get("gold", ())),
                )
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise SetLineError(n, str(exc)) from None
    return items


def load_set(path: Path) -> list[Item]:
    """Read a JSONL question set; a bad line is reported with the file and its number."""
    try:
        return parse_set(path.read_text("utf-8"))
    except SetLineError as exc:
        raise ValueError(f"{path}:{exc.line}: {exc.problem}") from None
