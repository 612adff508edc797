"""The qa-service console script, run as staff run it (a real subprocess, real model)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from qa_service.core.encoder import Encoder
from tests.conftest import DEV_SET, DOCUMENTS


def _run(args: list[str], index: Path, docs: Path = DOCUMENTS, **env: str) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "QA_INDEX_DIR": str(index), "QA_DOCUMENTS_DIR": str(docs), **env}
    return subprocess.run(
        [sys.executable, "-m", "qa_service.cli", *args], capture_output=True, text=True, env=full_env, timeout=300
    )


def test_build_index_summarises_and_the_script_is_the_same_code(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    shutil.copytree(DOCUMENTS, docs)
    (docs / "broken.md").write_bytes(b"\xff\xfe\x00binary")
    out = _run(["build-index", "--quiet", "--gate-set", str(DEV_SET)], tmp_path / "index", docs)
    assert out.returncode == 0, out.stderr
    assert "indexed 1 documents" in out.stdout and "passages in" in out.stdout and "(live)" in out.stdout
    assert "quality gate" in out.stdout
    assert "skipped broken.md" in out.stderr
    script = subprocess.run(
        [sys.executable, "scripts/build_index.py", "--quiet", "--no-gate"],
        capture_output=True,
        text=True,
        env={**os.environ, "QA_INDEX_DIR": str(tmp_path / "index"), "QA_DOCUMENTS_DIR": str(docs)},
        cwd=Path(__file__).resolve().parents[1],
        timeout=300,
    )
    assert script.returncode == 0 and "indexed 1 documents" in script.stdout
    versions = _run(["versions"], tmp_path / "index")
    lines = versions.stdout.strip().splitlines()
    assert len(lines) == 2 and lines[0].startswith("* ")
    rollback = _run(["rollback"], tmp_path / "index")
    assert rollback.returncode == 0 and "CURRENT now names" in rollback.stdout
    assert _run(["versions"], tmp_path / "index").stdout.strip().splitlines()[1].startswith("* ")


def test_rollback_to_a_damaged_version_is_refused_and_force_overrides(copy_of_index: Path) -> None:
    from qa_service.runtime.index_files import VECTORS, read_current, versions_dir

    live = read_current(copy_of_index)
    damaged = f"{live}-halfcopied"
    shutil.copytree(versions_dir(copy_of_index) / live, versions_dir(copy_of_index) / damaged)
    vectors = versions_dir(copy_of_index) / damaged / VECTORS
    vectors.write_bytes(vectors.read_bytes()[: vectors.stat().st_size // 2])  # a copy cut short
    refused = _run(["rollback", damaged], copy_of_index)
    assert refused.returncode == 2 and "refused" in refused.stderr and "checksum" in refused.stderr
    assert read_current(copy_of_index) == live
    forced = _run(["rollback", damaged, "--force"], copy_of_index)
    assert forced.returncode == 0 and "without verifying" in forced.stdout
    assert read_current(copy_of_index) == damaged


def test_the_gate_refuses_a_bad_index_and_force_overrides(tmp_path: Path) -> None:
    """The article the gate questions are about has lost most of its text (as a reader that drops text
    would): its questions are judged, and the version is refused."""
    docs = tmp_path / "docs"
    docs.mkdir()
    article = (DOCUMENTS / "pimples-after-microneedling.md").read_text("utf-8")
    (docs / "pimples-after-microneedling.md").write_text(article[: len(article) // 5], "utf-8")
    index = tmp_path / "index"
    refused = _run(["build-index", "--quiet", "--gate-set", str(DEV_SET)], index, docs)
    assert refused.returncode == 2
    assert "quality gate refused" in refused.stderr and "recall@3" in refused.stderr
    assert not (index / "CURRENT").exists()
    forced = _run(["build-index", "--quiet", "--gate-set", str(DEV_SET), "--force"], index, docs)
    assert forced.returncode == 0 and "--force" in forced.stdout
    assert (index / "CURRENT").exists()


def test_a_gate_set_written_for_other_articles_does_not_keep_a_clinic_s_own_library_from_going_live(
    tmp_path: Path,
) -> None:
    """The shipped gate questions are about the example article; a clinic's first build of its own
    articles goes live, says which questions were not judged, and still judges red flags."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "sunscreen.md").write_text("# Sunscreen\n\nWear sunscreen every day, even in winter.\n")
    built = _run(["build-index", "--gate-set", str(DEV_SET)], tmp_path / "index", docs)
    assert built.returncode == 0, built.stderr
    assert "not judged" in built.stdout + built.stderr and "written for others" in built.stdout + built.stderr
    assert "red_flag_recall" in built.stdout and (tmp_path / "index" / "CURRENT").exists()


def test_ask_json_and_eval(index_dir: Path) -> None:
    asked = _run(["ask", "--json", "Should I squeeze the pimples?"], index_dir)
    assert asked.returncode == 0, asked.stderr
    body = json.loads(asked.stdout)
    assert body["answered"] and body["disclaimer"]
    human = _run(["ask", "I have a fever after microneedling"], index_dir)
    assert "URGENT" in human.stdout and "consult your practitioner" in human.stdout
    evaluated = _run(["eval", "--set", str(DEV_SET)], index_dir)
    assert evaluated.returncode == 0
    assert "recall@3" in evaluated.stdout and "red_flag_recall" in evaluated.stdout
    assert any(line.startswith("fr") for line in evaluated.stdout.splitlines())


def test_missing_index_is_a_clear_cli_error(tmp_path: Path) -> None:
    out = _run(["ask", "hello"], tmp_path)
    assert out.returncode == 2 and "build-index" in out.stderr
    assert "Traceback" not in out.stderr


def test_build_if_missing_builds_once_then_checks_and_rebuilds_a_damaged_index(tmp_path: Path) -> None:
    index = tmp_path / "index"
    first = _run(["build-index", "--quiet", "--if-missing", "--no-gate"], index)
    assert first.returncode == 0 and "(live)" in first.stdout, first.stderr
    again = _run(["build-index", "--quiet", "--if-missing", "--no-gate"], index)
    assert again.returncode == 0 and "is usable; not rebuilding" in again.stdout, again.stderr
    live = (index / "CURRENT").read_text().strip()
    vectors = index / "versions" / live / "vectors.faiss"
    vectors.write_bytes(vectors.read_bytes()[:-8] + b"\0" * 8)  # damaged on disk: the checksum no longer holds
    rebuilt = _run(["build-index", "--quiet", "--if-missing", "--no-gate"], index)
    assert rebuilt.returncode == 0 and "cannot be served" in rebuilt.stderr and "(live)" in rebuilt.stdout
    assert (index / "CURRENT").read_text().strip() != live


def test_build_if_missing_rebuilds_a_version_built_without_the_multilingual_store(tmp_path: Path) -> None:
    index = tmp_path / "index"
    off = _run(["build-index", "--quiet", "--no-gate"], index, QA_MULTILINGUAL="off")
    assert off.returncode == 0, off.stderr
    live = (index / "CURRENT").read_text().strip()
    assert "multilingual" not in json.loads((index / "versions" / live / "manifest.json").read_text())
    served = _run(["build-index", "--quiet", "--if-missing", "--no-gate"], index)  # QA_MULTILINGUAL=use
    assert (
        served.returncode == 0
        and "without the multilingual stage's vectors (QA_MULTILINGUAL); rebuilding" in served.stderr
    )
    rebuilt = (index / "CURRENT").read_text().strip()
    manifest = json.loads((index / "versions" / rebuilt / "manifest.json").read_text())
    assert rebuilt != live and manifest["multilingual"]["dimension"] == 512
    assert "multilingual.npy" in manifest["files"]


def test_qa_index_kind_reaches_the_build(tmp_path: Path) -> None:
    index = tmp_path / "index"
    out = _run(["build-index", "--quiet", "--no-gate"], index, QA_INDEX_KIND="hnsw")
    assert out.returncode == 0, out.stderr
    live = (index / "CURRENT").read_text().strip()
    manifest = json.loads((index / "versions" / live / "manifest.json").read_text())
    assert manifest["index"]["kind"] == "hnsw"  # the setting, not "auto"'s choice of exact search for 23 passages
    answer = _run(["ask", "How long do pimples last after microneedling?"], index)
    assert answer.returncode == 0 and "a week" in answer.stdout, answer.stderr


def test_the_check_before_serving_reads_the_models_identity_without_loading_it(encoder: Encoder) -> None:
    from qa_service import wiring
    from qa_service.settings import Settings

    settings = Settings.from_env()
    identity = wiring.model_identity(settings)  # the export's metadata: no ONNX session, no tokenizer
    assert identity is not None
    assert (identity.name, identity.fingerprint, identity.dimension) == (
        encoder.name,
        encoder.fingerprint,
        encoder.dimension,
    )
    assert wiring.model_identity(Settings.from_env({}, encoder="torch")) is None  # only loading it can say
    assert wiring.model_identity(Settings.from_env({}, second_model="all-mpnet-base-v2")) is None
