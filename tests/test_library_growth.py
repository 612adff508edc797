"""A clinic that adds an article never breaks its own CI: the live library grows, the suite does not care.

These tests read the clinic's documents/ only to copy it; they never assert what it contains.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import ARTICLES, PROJECT_ROOT


def test_an_article_added_to_the_clinics_library_is_built_and_answered(tmp_path: Path) -> None:
    docs = tmp_path / "documents"
    shutil.copytree(PROJECT_ROOT / "documents", docs)
    shutil.copy(ARTICLES / "lip-filler-aftercare.md", docs / "added-lip-filler-aftercare.md")
    env = {
        **os.environ,
        "QA_DOCUMENTS_DIR": str(docs),
        "QA_INDEX_DIR": str(tmp_path / "index"),
        "QA_MODEL_CACHE_DIR": str(PROJECT_ROOT / "index" / "models"),
        "QA_GATE_SET": "none",  # the clinic's gate is about its own articles; this test adds one of ours
    }

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "qa_service.cli", *args], env=env, capture_output=True, text=True, timeout=300
        )

    built = cli("build-index", "--quiet")
    assert built.returncode == 0, built.stderr
    manifest = json.loads(cli("info").stdout)
    assert "added-lip-filler-aftercare.md" in [d["id"] for d in manifest["documents"]]
    asked = cli("ask", "--json", "--top-k", "10", "How long will my lips stay swollen after lip filler?")
    assert asked.returncode == 0, asked.stderr
    answer = json.loads(asked.stdout)
    assert answer["disclaimer"]
    assert any(a["document"]["id"] == "added-lip-filler-aftercare.md" for a in answer["answers"])
