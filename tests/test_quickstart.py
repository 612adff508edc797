"""The quickstart's two commands, read through make itself (dry runs: nothing is installed or served here)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _planned(target: str) -> str:
    """What ``make <target>`` would run on a fresh clone (-B: as if nothing were made yet)."""
    out = subprocess.run(["make", "-n", "-B", target], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return out.stdout


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_serve_installs_no_model_the_default_does_not_use() -> None:
    serve = _planned("serve")
    assert "install-model" not in serve  # no opt-in model (second model, reranker) for the default
    assert "build-index --if-missing" in serve and "qa-service serve" in serve
    for model, target in (("all-mpnet-base-v2", "second-model"), ("clinic-minilm-reranker", "reranker")):
        assert f"install-model {model}" in _planned("test")  # the opt-in paths stay tested
        assert f"install-model {model}" in _planned(target)
