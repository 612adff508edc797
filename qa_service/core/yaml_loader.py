"""The one YAML loader: libyaml's safe loader when PyYAML was built with it (its wheels are), else PyPI's.

The content files and the lexicon parse about ten times faster with it, which every worker's start-up
feels; the same safe subset of YAML (no object construction) either way.
"""

from __future__ import annotations

from typing import Any

import yaml

SAFE_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def safe_load(text: str) -> Any:  # noqa: ANN401 - whatever the document holds
    """``yaml.safe_load`` with the fast loader."""
    return yaml.load(text, Loader=SAFE_LOADER)  # noqa: S506 - a safe loader


def compose(text: str) -> yaml.Node | None:
    """``yaml.compose`` with the fast loader: the node tree, for line numbers in error messages."""
    return yaml.compose(text, Loader=SAFE_LOADER)
