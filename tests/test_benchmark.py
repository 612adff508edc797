"""The benchmark command: trec_eval's measures checked by hand, and a run on a small BEIR-shaped fixture."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from qa_service.core.benchmark import Benchmark, Query, first_appearances, in_half, load_beir, scores
from tests.conftest import DATA, PROJECT_ROOT

MINI = DATA / "beir-mini"


def test_measures_match_a_hand_computed_oracle() -> None:
    qrels = {"a": {"x"}, "b": {"y", "z"}, "c": {"w"}}
    rankings = {"a": ["x", "p"], "b": ["p", "q", "y", "r", "s", "z"], "c": [f"n{i}" for i in range(12)]}
    figures = scores(rankings, qrels)
    assert figures["mrr@10"] == pytest.approx((1 + 1 / 3 + 0) / 3)
    assert figures["hit@5"] == pytest.approx(2 / 3)
    assert figures["recall@5"] == pytest.approx((1 + 0.5 + 0) / 3)
    assert 0 < figures["ndcg@10"] < 1


def test_mrr_at_10_ignores_a_hit_below_rank_10() -> None:
    late = {"a": [f"n{i}" for i in range(10)] + ["x"]}
    assert scores(late, {"a": {"x"}})["mrr@10"] == 0.0


def test_halves_are_stable_disjoint_and_cover_everything() -> None:
    ids = [f"q{i}" for i in range(200)]
    tune = {i for i in ids if in_half(i, "tune")}
    check = {i for i in ids if in_half(i, "check")}
    assert tune.isdisjoint(check) and tune | check == set(ids) and 70 < len(tune) < 130
    bench = Benchmark("x", [Query(i, i) for i in ids], {i: {"d"} for i in ids})
    assert {q.id for q in bench.split("check").queries} == check


def test_a_beir_folder_loads_with_its_out_of_scope_questions() -> None:
    bench = load_beir(MINI)
    assert len(bench.queries) == 5 and len(bench.out_of_scope) == 2 and bench.qrels["q3"] == {"lip-2"}
    assert first_appearances(["b", "a", "b", "c", "a"]) == ["b", "a", "c"]


def test_the_command_prints_the_service_beside_plain_bm25_and_dense(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "qa_service.cli", "benchmark", str(MINI), "--work", str(tmp_path / "work")],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "QA_MODEL_CACHE_DIR": str(PROJECT_ROOT / "index" / "models")},
    )
    assert out.returncode == 0, out.stderr
    rows = {line.split()[0]: line.split()[1:] for line in out.stdout.splitlines()[2:]}
    assert set(rows) == {"bm25", "dense", "service"}
    assert "doc mrr@10" in out.stdout and "oos declined" in out.stdout
    service = [float(v) for v in rows["service"]]
    assert service[0] >= 0.8  # MRR@10 on five easy questions
    assert rows["bm25"][-3:-1] == ["-", "-"]  # plain retrieval never declines
