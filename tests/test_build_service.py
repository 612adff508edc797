"""The one build service: its typed outcome for a build that goes live, one the gate refuses, one that
fails on the clinic's content, and one that is built but not switched; the live version moves only on "live"."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

from qa_service.core.encoder import Encoder
from qa_service.core.tuning import Tuning
from qa_service.runtime.build_service import BuildOutcome, BuildRequest, run_build
from qa_service.runtime.index_files import read_current
from qa_service.settings import Settings
from tests.conftest import CONTENT, DOCUMENTS


def _clinic(settings: Settings, index_dir: Path, tmp_path: Path) -> Settings:
    shutil.copytree(index_dir, tmp_path / "index")
    shutil.copytree(CONTENT, tmp_path / "content")
    return dataclasses.replace(settings, index_dir=tmp_path / "index", content_dir=tmp_path / "content", gate_set="")


def test_a_build_that_passes_goes_live_and_says_what_it_did(
    settings: Settings, index_dir: Path, encoder: Encoder, tmp_path: Path
) -> None:
    clinic = _clinic(settings, index_dir, tmp_path)
    outcome = run_build(clinic, encoder, BuildRequest(), tuning=Tuning())
    assert outcome.state == "live", outcome.message
    assert outcome.report is not None and read_current(clinic.index_dir) == outcome.report.version
    assert outcome.gate is not None and not outcome.gate.problems  # the content folder's gate set ran
    assert f"version {outcome.report.version} (live)" in outcome.message
    assert BuildOutcome.from_json(outcome.to_json()) == outcome  # what the console's child hands back


def test_a_refused_build_gives_its_reasons_and_figures_and_the_live_version_stays(
    settings: Settings, index_dir: Path, encoder: Encoder, tmp_path: Path
) -> None:
    clinic = _clinic(settings, index_dir, tmp_path)
    live = read_current(clinic.index_dir)
    # one question the library answers and one whose answer it lost: a set written for this library, refused
    found = {"id": "x0", "kind": "answerable", "lang": "en", "question": "How long until the pimples go away?"}
    impossible = {"id": "x1", "kind": "answerable", "lang": "en", "question": "What is the clinic's fax number?"}
    (clinic.content_dir / "gate_questions.jsonl").write_text(
        json.dumps({**found, "gold": ["within a few days to a week"]})
        + "\n"
        + json.dumps({**impossible, "gold": ["no such words"]})
        + "\n"
    )
    outcome = run_build(clinic, encoder, BuildRequest(), tuning=Tuning())
    assert outcome.state == "refused" and outcome.report is None
    assert outcome.gate is not None and any("recall@3" in p for p in outcome.gate.problems)
    assert "quality gate refused" in outcome.message and "recall@3" in outcome.gate.table
    assert read_current(clinic.index_dir) == live
    forced = run_build(clinic, encoder, BuildRequest(force=True), tuning=Tuning())
    assert forced.state == "live" and forced.gate is not None and forced.gate.forced


def test_an_out_of_scope_gate_question_a_new_article_answers_is_no_longer_judged(
    settings: Settings, index_dir: Path, encoder: Encoder, tmp_path: Path
) -> None:
    """ "Do you offer chemical peels?" was out of scope for the one article the gate set was written for;
    once the clinic adds a peel article it is answered from that article: not held against the build. A
    question still answered from the gate set's own articles counts as before."""
    docs = tmp_path / "docs"
    shutil.copytree(DOCUMENTS, docs)
    (docs / "chemical-peels.md").write_text(
        "---\ntitle: Chemical peels\n---\n\n# Chemical peels\n\n## What is a chemical peel?\n\nA chemical peel "
        "is a solution brushed on the skin to remove its outer layers, so it renews itself smoother and brighter.\n",
        "utf-8",
    )
    clinic = dataclasses.replace(_clinic(settings, index_dir, tmp_path), documents_dir=docs)
    found = {"id": "x0", "kind": "answerable", "lang": "en", "question": "How long until the pimples go away?"}
    covered = {"id": "x1", "kind": "out_of_scope", "lang": "en", "question": "Do you offer chemical peels?"}
    (clinic.content_dir / "gate_questions.jsonl").write_text(
        json.dumps({**found, "gold": ["within a few days to a week"]}) + "\n" + json.dumps(covered) + "\n"
    )
    outcome = run_build(clinic, encoder, BuildRequest(), tuning=Tuning())
    assert outcome.state == "live", outcome.message
    assert any("1 out-of-scope gate question(s) not judged" in w for w in outcome.warnings)
    assert outcome.gate is not None and "oos_rejection" in outcome.gate.table


def test_a_bad_content_file_fails_the_build_naming_it_before_any_work(
    settings: Settings, index_dir: Path, encoder: Encoder, tmp_path: Path
) -> None:
    clinic = _clinic(settings, index_dir, tmp_path)
    live = read_current(clinic.index_dir)
    (clinic.content_dir / "texts.yaml").write_text("disclaimer: [unclosed\n")
    outcome = run_build(clinic, encoder, BuildRequest(), tuning=Tuning())
    assert outcome.state == "failed" and outcome.report is None and outcome.gate is None
    assert "texts.yaml" in outcome.message
    assert read_current(clinic.index_dir) == live


def test_a_dry_run_is_built_not_switched_and_a_missing_gate_set_is_a_warning(
    settings: Settings, index_dir: Path, encoder: Encoder, tmp_path: Path
) -> None:
    clinic = dataclasses.replace(_clinic(settings, index_dir, tmp_path), gate_set=str(tmp_path / "nowhere.jsonl"))
    live = read_current(clinic.index_dir)
    outcome = run_build(clinic, encoder, BuildRequest(switch=False), tuning=Tuning())
    assert outcome.state == "built" and outcome.gate is None
    assert any("nowhere.jsonl does not exist" in w for w in outcome.warnings)
    assert read_current(clinic.index_dir) == live and outcome.report is not None
    assert outcome.report.version != live
