"""Servers that tests start die with the run, even when the run is killed (SIGKILL, a CI timeout).

Each test starts the servers from a child Python process, as a test run would, kills that process with
SIGKILL (no teardown runs), and checks that every server process it left is gone and its port closed.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests import services

ROOT = Path(__file__).resolve().parent.parent

START_LIVE_SERVER = """
import json, sys, time
from pathlib import Path
from tests.live_server import LiveServer
server = LiveServer(Path(sys.argv[1]), Path(sys.argv[2]), QA_WORKERS="2").start()
print(json.dumps({"pids": [server.proc.pid], "ports": [server.port]}), flush=True)
time.sleep(600)
"""

START_STORES = """
import json, sys, time
from tests import services
postgres, redis = services.Postgres().start(), services.Redis().start()
nginx = services.Nginx([redis.port]).start()
started = [postgres, redis, nginx]
print(json.dumps({"pids": [s.proc.pid for s in started], "ports": [s.port for s in started]}), flush=True)
time.sleep(600)
"""


def _descendants(pids: list[int]) -> set[int]:
    """Every live process under ``pids`` (gunicorn's workers, postgres' backends, nginx's workers)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    found, frontier = set(pids), set(pids)
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def _alive(pid: int) -> bool:
    """Running, not a zombie waiting to be reaped by whatever adopted it."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True


def _kill_the_run_and_check(script: str, *args: str, timeout: float = 240) -> None:
    run = subprocess.Popen(
        [sys.executable, "-c", script, *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        assert run.stdout is not None
        line = run.stdout.readline()
        assert line, "the run did not start its servers"
        started = json.loads(line)
        processes = _descendants(started["pids"])
        assert all(_listening(port) for port in started["ports"])
        assert len(processes) > len(started["pids"])  # workers too, not only the masters
    finally:
        run.send_signal(signal.SIGKILL)  # what a CI timeout does: no teardown, no atexit
        run.wait()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        left = [pid for pid in processes if _alive(pid)]
        open_ports = [port for port in started["ports"] if _listening(port)]
        if not left and not open_ports:
            return
        time.sleep(0.2)
    for pid in left:  # leave the machine clean before failing
        os.kill(pid, signal.SIGKILL)
    pytest.fail(f"still running after the run was killed: processes {left}, ports {open_ports}")


def test_a_killed_run_takes_its_gunicorn_master_and_workers_with_it(index_dir: Path, tmp_path: Path) -> None:
    _kill_the_run_and_check(START_LIVE_SERVER, str(index_dir), str(tmp_path / "var"))


@pytest.mark.reliability
def test_a_killed_run_takes_its_postgres_redis_and_nginx_with_it() -> None:
    services.require()
    _kill_the_run_and_check(START_STORES)
