"""Schemathesis against /openapi.json on the real server: no 5xx, no response outside the schema."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ADMIN_TOKEN
from tests.live_server import LiveServer


@pytest.fixture(scope="module", params=["admin token", "no admin token"])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, index_dir: Path
) -> Iterator[LiveServer]:
    """The service as a clinic runs it with staff access, and without (admin routes then answer 401 too)."""
    root = tmp_path_factory.mktemp("fuzz")
    shutil.copytree(index_dir, root / "index")
    token = {"QA_ADMIN_TOKEN": ADMIN_TOKEN} if request.param == "admin token" else {}
    live = LiveServer(root / "index", root / "var", **token).start()
    yield live
    live.stop()


def _fuzz(server: LiveServer, examples: int, seed: int) -> tuple[int, str]:
    st = Path(sys.executable).with_name("st")
    out = subprocess.run(
        [
            str(st),
            "--config-file",
            str(Path(__file__).with_name("schemathesis.toml")),
            "run",
            f"{server.url}/openapi.json",
            "--checks",
            "all",
            "-n",
            str(examples),
            "--seed",
            str(seed),
            "--no-color",
            # The staff console's HTML forms (operation ids console*) write the content folder and start
            # builds; tests/test_console*.py drive them (through the test client and in Chromium) instead.
            "--exclude-operation-id-regex",
            "^console",
            "-H",
            f"Authorization: Bearer {ADMIN_TOKEN}",
        ],
        capture_output=True,
        text=True,
        timeout=1800,
        env={**os.environ, "SCHEMATHESIS_HOOKS": ""},
    )
    match = re.search(r"(\d+) generated", out.stdout)
    assert match, out.stdout[-3000:] + out.stderr[-2000:]
    assert out.returncode == 0, out.stdout[-6000:]
    return int(match.group(1)), out.stdout


def test_quick_fuzz_finds_no_server_error_and_no_schema_violation(server: LiveServer) -> None:
    generated, report = _fuzz(server, examples=25, seed=int(os.environ.get("QA_FUZZ_SEED", "1")))
    assert generated >= 300
    assert "Traceback" not in server.log.read_text()


@pytest.mark.reliability
def test_full_fuzz_with_at_least_5000_requests(server: LiveServer) -> None:
    """Rounds of 500 examples per operation, each with its own seed, until 5,000 cases have been sent.

    How many cases one round generates depends on when hypothesis runs out of new inputs for the small
    operations, which moves with the schema and the library's version (4,465 in one CI run): the test fixes
    the number of requests, not the number of rounds.
    """
    seed = int(os.environ.get("QA_FUZZ_SEED", "20261129"))
    total = 0
    for round_ in range(4):
        generated, report = _fuzz(server, examples=500, seed=seed + round_)
        total += generated
        print("schemathesis:", generated, "cases,", report.strip().splitlines()[-1])
        if total >= 5000:
            break
    assert total >= 5000
    assert "Traceback" not in server.log.read_text()
