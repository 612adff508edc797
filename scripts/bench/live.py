"""A real server (`qa-service serve` or `make serve`) on a free loopback port, and a Python one-client loop."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil
from paths import ROOT


def free_port() -> int:
    """A loopback port nothing listens on now (the OS's choice)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    def __init__(
        self, index_dir: Path, var_dir: Path, command: list[str] | None = None, env: dict[str, str] | None = None
    ) -> None:
        self.port = free_port()
        env = {
            **os.environ,
            "QA_PORT": str(self.port),
            "QA_INDEX_DIR": str(index_dir),
            "QA_VAR_DIR": str(var_dir),
            "QA_LOG_LEVEL": "WARNING",
            "QA_RATE_LIMIT": "",
            **(env or {}),
        }  # measures the service, not the abuse limiter
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(
            command or [sys.executable, "-m", "qa_service.cli", "serve"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.startup_s = self._first_answer()

    def _first_answer(self) -> float:
        while time.perf_counter() - self.started < 120:
            try:
                self.ask_once("Is it normal to get pimples after microneedling?")
                return time.perf_counter() - self.started
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("server did not answer within 120 s")

    def settle(self, timeout: float = 60.0) -> None:
        """Wait until every worker has finished starting (CPU idle): the first answer comes from the first
        worker ready, while the others may still be loading and would compete for the cores."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            workers = self.workers()
            for worker in workers:
                worker.cpu_percent(interval=None)  # starts the measurement window; this first reading is 0
            time.sleep(0.5)
            busy = [w.cpu_percent(interval=None) for w in workers]
            if len(workers) >= 2 and max(busy) < 5.0:
                return

    def ask_once(self, question: str) -> dict:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        conn.request("POST", "/api/v1/ask", json.dumps({"question": question}), {"Content-Type": "application/json"})
        body = conn.getresponse().read()
        conn.close()
        return json.loads(body)

    def workers(self) -> list[psutil.Process]:
        return psutil.Process(self.proc.pid).children(recursive=True)

    def rss_mb(self) -> list[float]:
        return [w.memory_info().rss / 2**20 for w in self.workers()]

    def stop(self) -> None:
        os.killpg(self.proc.pid, 15)
        self.proc.wait(timeout=30)


def one_client(port: int, qs: list[str]) -> list[float]:
    """Latency of sequential questions on one keep-alive connection through Python's http.client, in ms
    (the client's own parsing is included: a cross-check of the wrk figure, and warm-up)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    times = []
    for q in qs:
        t = time.perf_counter()
        conn.request("POST", "/api/v1/ask", json.dumps({"question": q}), {"Content-Type": "application/json"})
        resp = conn.getresponse()
        resp.read()
        times.append((time.perf_counter() - t) * 1000)
        assert resp.status == 200, resp.status
    conn.close()
    return times
