"""Two replicas behind nginx on real shared stores: PostgreSQL for the query log, Redis for the rate limits.

A new index version is rolled out across both with `qa-service` while clients keep asking through nginx:
no request fails, one `/admin/stats` counts both replicas' questions, and one rate-limit budget is
shared between them. Run by `make test-reliability` (and so by CI), which installs the Debian packages.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import services
from tests.conftest import ADMIN_TOKEN, ARTICLES, DOCUMENTS
from tests.live_server import Client, LiveServer

pytestmark = pytest.mark.reliability
STAFF = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
PATIENT_LIMIT = 8


@pytest.fixture(scope="module")
def stores() -> Iterator[tuple[services.Postgres, services.Redis]]:
    services.require()
    postgres, redis = services.Postgres().start(), services.Redis().start()
    yield postgres, redis
    redis.stop()
    postgres.stop()


def _cli(index: Path, docs: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QA_INDEX_DIR": str(index), "QA_DOCUMENTS_DIR": str(docs), "QA_GATE_SET": "none"}
    return subprocess.run(
        [sys.executable, "-m", "qa_service.cli", *args], env=env, capture_output=True, text=True, timeout=600
    )


def test_two_replicas_share_the_query_log_and_the_rate_limit_through_a_rollout(
    stores: tuple[services.Postgres, services.Redis], index_dir: Path, tmp_path: Path
) -> None:
    postgres, redis = stores
    env = {
        "QA_WORKERS": "1",
        "QA_DATABASE_URL": postgres.url,
        "QA_RATE_LIMIT_STORAGE": redis.url,
        "QA_RATE_LIMIT": f"{PATIENT_LIMIT}/minute",
        "QA_STAFF_RATE_LIMIT": "100000/minute",  # the load below is staff traffic: its own budget
        "QA_TRUSTED_PROXIES": "1",  # nginx adds X-Forwarded-For
        "QA_ADMIN_TOKEN": ADMIN_TOKEN,
    }
    replicas = []
    for name in ("a", "b"):
        shutil.copytree(index_dir, tmp_path / name / "index")
        replicas.append(LiveServer(tmp_path / name / "index", tmp_path / name / "var", **env).start())
    nginx = services.Nginx([r.port for r in replicas]).start()
    front = Client(nginx.url)
    try:
        old = front.ask("What is microneedling?", top_k=1)["index_version"]
        failures: list[str] = []
        seen: list[str] = []
        asked = [0]
        stop = threading.Event()

        def client(n: int) -> None:
            i = 0
            while not stop.is_set():
                i += 1
                status, _, body = front.request(
                    "POST", "/api/v1/ask", {"question": f"Is redness normal, client {n} question {i}?"}, STAFF
                )
                asked[0] += 1
                if status != 200:
                    failures.append(f"{status}: {body[:200]!r}")
                else:
                    seen.append(json.loads(body)["index_version"])

        threads = [threading.Thread(target=client, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        try:
            # The rollout, as docs/DEPLOYMENT.md describes it: build on one replica, copy the version folder
            # to the other, and switch it there with `qa-service rollback`, which verifies the copy first.
            docs = tmp_path / "docs"
            shutil.copytree(DOCUMENTS, docs)
            shutil.copy(ARTICLES / "sunscreen-after-treatments.md", docs)
            built = _cli(replicas[0].env_index, docs, "build-index", "--quiet")
            assert built.returncode == 0, built.stderr
            new = json.loads(_cli(replicas[0].env_index, docs, "info").stdout)["version"]
            target = replicas[1].env_index / "versions"
            shutil.copytree(replicas[0].env_index / "versions" / new, target / f".copy-{new}")
            os.rename(target / f".copy-{new}", target / new)
            switched = _cli(replicas[1].env_index, docs, "rollback", new)
            assert switched.returncode == 0, switched.stderr
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and not all(
                r.get("/readyz")[1]["index_version"] == new for r in replicas
            ):
                time.sleep(0.2)
            time.sleep(1.0)  # a little more traffic on the new version
        finally:
            stop.set()
            for t in threads:
                t.join()
        assert failures == []
        assert old != new and {old, new} <= set(seen) and seen[-1] == new
        answered = len(seen)

        # One query log: each replica's /admin/stats counts the questions both replicas answered.
        expected = answered + 1  # and the first question
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            counts = [r.request("GET", "/admin/stats", headers=STAFF) for r in replicas]
            totals = [json.loads(body)["questions"] for _, _, body in counts]
            if totals == [expected, expected]:
                break
            time.sleep(0.5)
        assert totals == [expected, expected]

        # One rate-limit budget: patients through nginx alternate between the replicas, yet only
        # PATIENT_LIMIT of their questions per minute are answered in all.
        statuses = [front.request("GET", "/api/v1/search?q=redness")[0] for _ in range(PATIENT_LIMIT + 4)]
        assert statuses == [200] * PATIENT_LIMIT + [429] * 4
    finally:
        nginx.stop()
        for r in replicas:
            r.stop()
