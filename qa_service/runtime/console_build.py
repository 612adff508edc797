"""Rebuilding from the staff console: the one build (``build_service.run_build``) that staff run by hand
as `qa-service build-index`, quality gate included, in a child process, with its typed outcome in a status
file every worker (and replica on the same disk) reads.

A build the gate refuses leaves the live version as it was; the page shows why from the outcome's reasons
and figures. Only one build runs at a time: the index's own build lock enforces it, and the status file
says so first. The child is the same command because a build is heavy: a crash or a memory peak in it
never takes a serving worker with it.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from qa_service.runtime.build_service import BuildOutcome
from qa_service.settings import Settings

TIMEOUT = 3600.0
ConsoleBuildState = Literal["running", "live", "built", "refused", "failed"]


@dataclass(frozen=True)
class BuildStatus:
    """The last console build: running, or how it ended (its outcome), with its times."""

    state: ConsoleBuildState
    pid: int
    started: float
    finished: float | None = None
    outcome: BuildOutcome | None = None  # None while running, or when the child died without one
    detail: str = ""  # the child's last output when it ended without an outcome (a crash, a kill)

    @property
    def message(self) -> str:
        return self.outcome.message if self.outcome else self.detail

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), ensure_ascii=False)  # the outcome nested as its own dict

    @classmethod
    def from_json(cls, text: str) -> BuildStatus:
        data = json.loads(text)
        outcome = data.get("outcome")
        return cls(
            state=data["state"],
            pid=int(data["pid"]),
            started=float(data["started"]),
            finished=data.get("finished"),
            outcome=BuildOutcome.from_dict(outcome) if outcome else None,
            detail=data.get("detail", ""),
        )


def status_file(settings: Settings) -> Path:
    return settings.var_dir / "console" / "build.json"


def _write(path: Path, status: BuildStatus) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(status.to_json(), "utf-8")
    os.replace(tmp, path)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def read_status(settings: Settings) -> BuildStatus | None:
    """The last console build, or None when there was none (or its file is unreadable)."""
    try:
        status = BuildStatus.from_json(status_file(settings).read_text("utf-8"))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if status.state == "running" and not _alive(status.pid):
        return dataclasses.replace(status, state="failed", detail="the build process ended without a result")
    return status


def start_build(settings: Settings, on_done: Callable[[], object]) -> bool:
    """Start a build unless one is running; ``on_done`` runs in this process when it ends (a reload)."""
    current = read_status(settings)
    if current is not None and current.state == "running":
        return False
    path = status_file(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    outcome_file = path.with_name(f"outcome.{os.getpid()}.json")
    outcome_file.unlink(missing_ok=True)
    env = {**os.environ, **settings.to_env()}
    child = subprocess.Popen(  # noqa: S603 - our own CLI, no shell
        [sys.executable, "-m", "qa_service.cli", "build-index", "--quiet", "--outcome", str(outcome_file)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    started = time.time()
    _write(path, BuildStatus("running", child.pid, started))

    def wait() -> None:
        try:
            output, _ = child.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            child.kill()
            output, _ = child.communicate()
            output += f"\nstopped after {TIMEOUT:.0f} s"
        try:
            outcome: BuildOutcome | None = BuildOutcome.from_json(outcome_file.read_text("utf-8"))
        except (OSError, ValueError, KeyError, TypeError):
            outcome = None
        outcome_file.unlink(missing_ok=True)
        state: ConsoleBuildState = outcome.state if outcome else "failed"
        _write(path, BuildStatus(state, child.pid, started, time.time(), outcome, "" if outcome else output[-6000:]))
        on_done()

    threading.Thread(target=wait, name="qa-console-build", daemon=True).start()
    return True
