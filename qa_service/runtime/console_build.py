"""Rebuilding from the staff console: the same `qa-service build-index` staff run by hand, quality gate
included, in a child process, with its outcome in a status file every worker (and replica on the same
disk) reads.

A build the gate refuses leaves the live version as it was; the page shows why from the command's output.
Only one build runs at a time: the index's own build lock enforces it, and the status file says so first.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from qa_service.settings import Settings

TIMEOUT = 3600.0


def status_file(settings: Settings) -> Path:
    return settings.var_dir / "console" / "build.json"


def _write(path: Path, status: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(status, ensure_ascii=False), "utf-8")
    os.replace(tmp, path)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def read_status(settings: Settings) -> dict[str, Any] | None:
    """The last console build: state running / live / refused / failed, times, the command's output."""
    try:
        status: dict[str, Any] = json.loads(status_file(settings).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    if status.get("state") == "running" and not _alive(int(status.get("pid", 0))):
        status["state"] = "failed"
        status["output"] = (status.get("output") or "") + "\nthe build process ended without a result"
    return status


def start_build(settings: Settings, on_done: Callable[[], None]) -> bool:
    """Start a build unless one is running; ``on_done`` runs in this process when it ends (a reload)."""
    current = read_status(settings)
    if current is not None and current.get("state") == "running":
        return False
    env = {**os.environ, **settings.to_env()}
    child = subprocess.Popen(  # noqa: S603 - our own CLI, no shell
        [sys.executable, "-m", "qa_service.cli", "build-index", "--quiet"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    started = time.time()
    path = status_file(settings)
    _write(path, {"state": "running", "pid": child.pid, "started": started, "output": ""})

    def wait() -> None:
        try:
            output, _ = child.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            child.kill()
            output, _ = child.communicate()
            output += f"\nstopped after {TIMEOUT:.0f} s"
        refused = "quality gate refused" in output
        state = "live" if child.returncode == 0 else "refused" if refused else "failed"
        _write(
            path,
            {"state": state, "pid": child.pid, "started": started, "finished": time.time(), "output": output[-6000:]},
        )
        on_done()

    threading.Thread(target=wait, name="qa-console-build", daemon=True).start()
    return True
