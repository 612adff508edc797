"""A real production server (gunicorn, as `make serve` runs it) on a free 127.0.0.1 port, for tests."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from tests.child_processes import dies_with_parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Client:
    """JSON over HTTP to a base URL: a live server, or nginx in front of several."""

    def __init__(self, url: str) -> None:
        self.url = url

    def request(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None, timeout: float = 30
    ) -> tuple[int, dict[str, str], bytes]:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(
            self.url + path, data=data, method=method, headers={"Content-Type": "application/json", **(headers or {})}
        )
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 - loopback test server
                return resp.status, dict(resp.headers), resp.read()
        except urllib.error.HTTPError as exc:
            return exc.code, dict(exc.headers), exc.read()

    def get(self, path: str) -> tuple[int, Any]:
        status, _, raw = self.request("GET", path)
        return status, json.loads(raw) if raw.startswith((b"{", b"[")) else raw.decode()

    def ask(self, question: str, **extra: Any) -> dict[str, Any]:
        status, _, raw = self.request("POST", "/api/v1/ask", {"question": question, **extra})
        assert status == 200, raw
        return json.loads(raw)


class LiveServer(Client):
    def __init__(self, index_dir: Path, var_dir: Path, **env: str) -> None:
        self.port = free_port()
        super().__init__(f"http://127.0.0.1:{self.port}")
        self.env = {
            **os.environ,
            "QA_INDEX_DIR": str(index_dir),
            "QA_VAR_DIR": str(var_dir),
            "QA_PORT": str(self.port),
            "QA_WORKERS": "2",
            "QA_RELOAD_INTERVAL": "0.5",
            "QA_RATE_LIMIT": "",  # load tests measure the service; limits have their own tests
            "QA_LOG_LEVEL": "INFO",  # wait_for_workers reads the workers' "is live" lines
            **env,
        }
        self.env_index = index_dir
        self.log = var_dir / "server.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60) -> LiveServer:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "qa_service.cli", "serve"],
            env=self.env,
            stdout=self.log.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=dies_with_parent(signal.SIGINT),  # gunicorn's quick shutdown: the master stops its workers
        )
        return self.wait_for_workers(0, timeout)

    def log_size(self) -> int:
        return self.log.stat().st_size if self.log.exists() else 0

    def wait_for_workers(self, since: int = 0, timeout: float = 60) -> LiveServer:
        """Wait until every worker has loaded an index version (each logs "index version ... is live" once
        it has), counting log lines written after byte ``since``: not a fixed sleep, and not just the first
        worker to answer /readyz while another is still loading."""
        workers = int(self.env.get("QA_WORKERS", "2"))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.log.read_bytes()[since:].decode("utf-8", "replace") if self.log.exists() else ""
            if text.count("is live (") >= workers:
                return self
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {text[-2000:]}")
            time.sleep(0.1)
        raise RuntimeError(f"workers not ready in {timeout} s: {self.log.read_text()[-2000:]}")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
