"""The price of each opt-in choice, against the same floor as the default: a server started with that one
setting changed, timed the way the default is, and its build rate."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from builds import build_figures
from live import Server
from load import failures, wrk, wrk_sequence
from paths import ROOT
from workload import questions

from qa_service.settings import Settings


@dataclass(frozen=True)
class Choice:
    """One opt-in: its settings, and whether the index must be built for it (a second model's vectors)."""

    label: str
    env: dict[str, str]
    own_index: bool


def choices(settings: Settings) -> list[Choice]:
    """The opt-ins this machine can run, once installed: the second model (`make second-model`) and the
    cross-encoder (`make reranker`)."""
    from qa_service.core.errors import ConfigError
    from qa_service.runtime.bundled_models import reranker_folder
    from qa_service.runtime.model_install import second_model_folder

    found = []
    try:
        second_model_folder("all-mpnet-base-v2", settings.model_cache_dir)
        found.append(Choice("`QA_SECOND_MODEL=all-mpnet-base-v2`", {"QA_SECOND_MODEL": "all-mpnet-base-v2"}, True))
    except ConfigError:
        print("the second model is not installed (make second-model): not measured", flush=True)
    try:
        reranker_folder("clinic-minilm-reranker", settings.model_cache_dir)
        label = "`QA_RERANKER=clinic-minilm-reranker` (cross-encoder over the top candidates)"
        found.append(Choice(label, {"QA_RERANKER": "clinic-minilm-reranker"}, False))
    except ConfigError:
        print("the cross-encoder is not installed (make reranker): not measured", flush=True)
    return found


def measure(choice: Choice, settings: Settings, work: Path, seconds: int, count: int) -> dict:
    """p50 on new questions (one client), 8-client throughput, idle memory per worker and the build rate."""
    index = settings.index_dir
    if choice.own_index:
        index = work / "index"
        subprocess.run(
            [sys.executable, "-m", "qa_service.cli", "build-index", "--quiet", "--no-gate"],
            cwd=ROOT,
            env={**os.environ, **choice.env, "QA_INDEX_DIR": str(index)},
            check=True,
            stdout=subprocess.DEVNULL,
        )
    server = Server(index, work / "var", env=choice.env)
    try:
        server.settle()
        idle = server.rss_mb()
        wrk_sequence(server.port, [f"{q} (warm-up)" for q in questions(50, seed=3)])
        lat = wrk_sequence(server.port, questions(count, seed=5))
        load = wrk(server.port, seconds)
    finally:
        server.stop()
    changed = dataclasses.replace(
        settings,
        second_model=choice.env.get("QA_SECOND_MODEL", settings.second_model),
        reranker=choice.env.get("QA_RERANKER", settings.reranker),
    )
    build = None
    if choice.own_index:  # the reranker changes nothing at build time
        (work / "build").mkdir(parents=True)
        build = build_figures(changed, work / "build", 10)
    return {
        "label": choice.label,
        "p50": lat["p50"],
        "rps": load["rps"],
        "errors": failures(lat, load),
        "idle_mb": idle,
        "build_pps": build["build_pps"] if build else None,
    }
