"""One build for every caller: documents → passages → vectors → index → quality gate → switch.

`qa-service build-index` runs it, and so does the staff console's "Rebuild now" (through that command in
a child process, which hands the typed outcome back as JSON); tests call it directly. Each caller shows
the same `BuildOutcome` its own way, so a refusal is a state with its reasons, never a phrase searched
for in a child's output. The live version is untouched unless the outcome is "live".
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from qa_service.core.content import GATE
from qa_service.core.documents import Document, Skipped, load_documents
from qa_service.core.encoder import Encoder, MultilingualModel
from qa_service.core.errors import BuildError, QAError
from qa_service.core.evaluation import format_table
from qa_service.core.quality_gate import GatePolicy, gate_problems, judged_items, score_retriever
from qa_service.core.question_sets import load_set
from qa_service.core.rerank import Reranker
from qa_service.core.retrieval import Retriever
from qa_service.core.tuning import Tuning
from qa_service.runtime.content_dir import load_content_dir
from qa_service.runtime.index_build import BuildReport, build_index
from qa_service.runtime.index_load import load_version
from qa_service.settings import Settings

BuildState = Literal["live", "built", "refused", "failed"]


@dataclass(frozen=True)
class BuildRequest:
    """What the caller asks for; every field defaults to what `make build-index` does."""

    gate_set: str = ""  # "" → QA_GATE_SET; "none" → no gate; or a question-set file
    gate: bool = True  # False: build and switch without scoring (--no-gate)
    force: bool = False  # switch even when the gate refuses
    switch: bool = True  # False: build the version and leave CURRENT alone (--dry-run)
    progress: bool = False  # progress bars on the terminal


@dataclass(frozen=True)
class GateResult:
    """The quality gate's verdict on the new version, before the switch."""

    question_set: str
    table: str  # the figures per language, as `qa-service eval` prints them
    problems: tuple[str, ...] = ()  # why it refuses; empty when it passes
    forced: bool = False  # it refused and --force switched anyway


@dataclass(frozen=True)
class BuildOutcome:
    """How a build ended: live, built (not switched), refused by the gate, or failed; and what it did."""

    state: BuildState
    message: str  # one line for people: the summary, or why it was refused or failed
    report: BuildReport | None = None  # None when it failed before a version was written
    gate: GateResult | None = None
    warnings: tuple[str, ...] = ()  # files skipped, a gate set that does not exist, documents trimmed
    content_fingerprint: str | None = None

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> BuildOutcome:
        return cls.from_dict(json.loads(text))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BuildOutcome:
        """The outcome from ``dataclasses.asdict`` of one (what ``to_json`` writes)."""
        report = data.get("report")
        if report is not None:
            report = BuildReport(**{**report, "skipped": [Skipped(**s) for s in report.get("skipped", [])]})
        gate = data.get("gate")
        return cls(
            state=data["state"],
            message=data["message"],
            report=report,
            gate=GateResult(**{**gate, "problems": tuple(gate["problems"])}) if gate else None,
            warnings=tuple(data.get("warnings", ())),
            content_fingerprint=data.get("content_fingerprint"),
        )


@dataclass
class _Gate:
    """The gate as the build calls it on the finished folder: scores, records, and refuses by raising."""

    path: Path
    settings: Settings
    encoder: Encoder
    tuning: Tuning
    reranker: Reranker | None
    force: bool
    multilingual: MultilingualModel | None = None
    documents: Sequence[Document] = ()  # the library being built: which gate questions apply to it
    result: GateResult | None = field(default=None, init=False)
    notes: tuple[str, ...] = field(default=(), init=False)  # gate questions left out, and why

    def __call__(self, folder: Path) -> None:
        loaded = load_version(self.settings.index_dir, folder.name, self.encoder)
        served = Retriever(loaded, self.encoder, self.tuning, reranker=self.reranker, multilingual=self.multilingual)
        items = load_set(self.path)
        if self.documents:
            items, self.notes = judged_items(
                served,
                items,
                self.documents,
                min_confidence=self.settings.min_confidence,
                max_chars=self.settings.max_question_chars,
            )
        figures = score_retriever(
            served,
            items,
            min_confidence=self.settings.min_confidence,
            max_chars=self.settings.max_question_chars,
        )
        problems = gate_problems(figures["all"], GatePolicy(min_recall_at_3=self.settings.gate_min_recall_at_3))
        self.result = GateResult(str(self.path), format_table(figures), tuple(problems), bool(problems) and self.force)
        if problems and not self.force:
            raise BuildError(
                "quality gate refused the new index: "
                + "; ".join(problems)
                + " (the live index is unchanged; --force overrides)"
            )


def _gate_path(settings: Settings, request: BuildRequest) -> Path | None:
    gate_set = request.gate_set or settings.gate_set
    if not request.gate or gate_set == "none":
        return None
    return Path(gate_set) if gate_set else settings.content_dir / GATE


def _names(items: list[str]) -> str:
    return ", ".join(items[:5]) + (f" and {len(items) - 5} more" if len(items) > 5 else "") if items else "none"


def summary(report: BuildReport, fingerprint: str) -> str:
    """The build's one line: what changed, what was embedded, and the version's state."""
    state = "live" if report.switched else "built, not switched (--dry-run)"
    return (
        f"documents added: {_names(report.added)}; changed: {_names(report.changed)}; "
        f"removed: {_names(report.removed)}\n"
        f"passages embedded: {report.embedded}, reused from cache: {report.reused}\n"
        f"indexed {report.documents} documents, {report.passages} passages in {report.seconds:.1f} s; "
        f"version {report.version} ({state}); {len(report.skipped)} skipped; content {fingerprint}"
    )


def run_build(
    settings: Settings,
    encoder: Encoder,
    request: BuildRequest,
    *,
    tuning: Tuning,
    reranker: Reranker | None = None,
    multilingual: MultilingualModel | None = None,
) -> BuildOutcome:
    """Build a new version from ``settings.documents_dir`` and the content folder, gate it, switch to it.

    Never raises for what staff can fix (a bad content file, no documents, a refused gate, a full disk):
    those are outcomes. ``tuning``, ``reranker`` and ``multilingual`` are the served answer path the gate
    scores; ``multilingual`` also embeds the passages for its own store."""
    warnings: list[str] = []
    gate: _Gate | None = None
    try:
        documents, skipped = load_documents(settings.documents_dir)
        warnings += [f"skipped {s.path}: {s.reason}" for s in skipped]
        content_files, content = load_content_dir(settings.content_dir)  # validated before any work
        path = _gate_path(settings, request)
        if path is not None and not path.is_file():
            warnings.append(f"no quality gate: {path} does not exist (QA_GATE_SET)")
        elif path is not None:
            gate = _Gate(path, settings, encoder, tuning, reranker, request.force, multilingual, documents)
        report = build_index(
            documents,
            encoder,
            settings.index_dir,
            chunk_tokens=settings.chunk_tokens,
            keep_versions=settings.keep_versions,
            index_kind=settings.index_kind,
            skipped=skipped,
            progress=request.progress,
            gate=gate,
            switch=request.switch,
            content_files=content_files,
            multilingual=multilingual,
        )
    except QAError as exc:
        refused = gate is not None and gate.result is not None and bool(gate.result.problems)
        return BuildOutcome(
            "refused" if refused else "failed",
            str(exc),
            gate=gate.result if gate else None,
            warnings=tuple(warnings + list(gate.notes if gate else ())),
        )
    warnings += gate.notes if gate else ()
    warnings += [f"skipped {s.path}: {s.reason}" for s in report.skipped[len(skipped) :]]
    warnings += report.warnings
    return BuildOutcome(
        "live" if report.switched else "built",
        summary(report, content.fingerprint),
        report,
        gate.result if gate else None,
        tuple(warnings),
        content.fingerprint,
    )
