"""What people read on the page, in the search box (page and widget) and in the staff console, per language.

One YAML file per registered language in ``web/wording/`` (``en.yaml``, ``fr.yaml``), keyed by the
language registry's codes: adding a language is its registry entry plus its wording file. A key the
language's file lacks (or a language with no file yet) shows the pivot language's words, so a page is never
missing a label.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

from qa_service.core.languages import PIVOT, language, languages

WORDING = Path(__file__).resolve().parent / "wording"
PARTS = ("page", "search", "console")


@cache
def _file(folder: Path, code: str) -> dict[str, dict[str, Any]]:
    path = folder / f"{code}.yaml"
    if not path.is_file():
        return {}
    data = yaml.safe_load(path.read_text("utf-8")) or {}
    if not isinstance(data, dict) or not set(data) <= set(PARTS):
        raise ValueError(f"{path}: expected the sections {', '.join(PARTS)}")
    return data


def words(code: str, part: str, folder: Path = WORDING) -> dict[str, Any]:
    """``part``'s words in ``code``, the pivot's where that language's file has none."""
    merged = dict(_file(folder, PIVOT).get(part, {}))
    if code != PIVOT:
        merged.update(_file(folder, code).get(part, {}))
    return merged


def search_words() -> dict[str, dict[str, Any]]:
    """The search box's words for every registered language, as the page and the widget hand them to qa.js."""
    return {code: words(code, "search") for code in languages()}


def language_names() -> list[dict[str, str]]:
    """The registered languages as the language switchers list them: code and own name, the pivot first."""
    return [{"code": code, "name": language(code).name} for code in languages()]
