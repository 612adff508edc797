"""Load from wrk (Debian's package): the Lua programs beside this file, their JSON summary parsed here."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

HERE = Path(__file__).parent


def _script(name: str, folder: str) -> str:
    """A wrk script: the named program followed by the shared summary, written into ``folder``."""
    path = Path(folder, name)
    path.write_text((HERE / name).read_text() + (HERE / "summary.lua").read_text())
    return str(path)


def _wrk_summary(out: str, err: str) -> dict:
    if "JSON" not in out:
        raise RuntimeError(f"wrk failed: {err or out}")
    return json.loads(out.split("JSON", 1)[1].splitlines()[0])


def failures(*summaries: dict) -> int:
    """Requests that failed (socket errors or a non-2xx status) over wrk summaries."""
    return sum(s["errors"] + s["non2xx"] for s in summaries)


def wrk_sequence(port: int, qs: list[str], *, peer: bool = False) -> dict:
    """Each question once, in order, on one keep-alive connection (wrk, 1 thread, 1 connection): the
    one-client latency without a Python client's own cost in it. Percentiles in ms. ``peer``: asked as
    txtai's API is asked (GET /search), else as the service is (POST /api/v1/ask)."""
    with tempfile.TemporaryDirectory() as tmp:
        bodies, finished = Path(tmp, "bodies.jsonl"), Path(tmp, "finished")
        if peer:
            lines = [f"/search?limit=3&query={quote(q)}" for q in qs]
        else:
            lines = [json.dumps({"question": q}) for q in qs]
        bodies.write_text("".join(line + "\n" for line in lines))
        proc = subprocess.Popen(
            ["wrk", "-t1", "-c1", "-d600s", "-s", _script("sequence.lua", tmp), f"http://127.0.0.1:{port}"],
            env={
                **os.environ,
                "QA_BENCH_BODIES": str(bodies),
                "QA_BENCH_FINISHED": str(finished),
                "QA_BENCH_PEER": "1" if peer else "0",
            },
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        while not finished.exists() and proc.poll() is None:
            time.sleep(0.01)
        proc.send_signal(signal.SIGINT)  # ends wrk's sleep: it then prints its summary
        out, err = proc.communicate(timeout=60)
    return _wrk_summary(out, err)


def wrk(port: int, seconds: int, connections: int = 8, *, peer: bool = False) -> dict:
    """New questions from ``connections`` clients for ``seconds`` (``peer``: txtai's GET /search)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run(
            [
                "wrk",
                "-t2",
                f"-c{connections}",
                f"-d{seconds}s",
                "-s",
                _script("load.lua", tmp),
                f"http://127.0.0.1:{port}",
            ],
            env={**os.environ, "QA_BENCH_PEER": "1" if peer else "0"},
            capture_output=True,
            text=True,
            check=True,
        )
    result = _wrk_summary(out.stdout, out.stderr)
    result["rps"] = result["requests"] / seconds
    return result
