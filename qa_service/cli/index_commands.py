"""Index commands: build-index (with the quality gate), info, versions, rollback."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from qa_service import wiring
from qa_service.cli.shared import encoder, score
from qa_service.core.errors import QAError
from qa_service.settings import Settings

if TYPE_CHECKING:
    from qa_service.runtime.index_verify import ModelIdentity


def cmd_build(args: argparse.Namespace, settings: Settings) -> int:
    model = encoder(settings)
    if args.if_missing and _usable(settings, model):
        return 0
    from qa_service.core.documents import load_documents
    from qa_service.core.errors import BuildError
    from qa_service.core.evaluation import format_table
    from qa_service.core.quality_gate import GatePolicy, gate_problems
    from qa_service.core.retrieval import Retriever
    from qa_service.runtime.index_build import build_index
    from qa_service.runtime.index_load import load_version

    documents, skipped = load_documents(settings.documents_dir)
    for s in skipped:
        print(f"warning: skipped {s.path}: {s.reason}", file=sys.stderr)
    from qa_service.core.content import GATE
    from qa_service.runtime.content_dir import load_content_dir

    content_files, content = load_content_dir(settings.content_dir)  # validated before any work
    gate_set = args.gate_set or settings.gate_set
    gate_path = None if gate_set == "none" else Path(gate_set) if gate_set else settings.content_dir / GATE
    if gate_path is not None and not gate_path.is_file() and not args.no_gate:
        print(f"warning: no quality gate: {gate_path} does not exist (QA_GATE_SET)", file=sys.stderr)

    def gate(folder: Path) -> None:
        if gate_path is None or not gate_path.is_file():
            return
        loaded = load_version(settings.index_dir, folder.name, model)
        served = Retriever(loaded, model, wiring.tuning(settings), reranker=wiring.load_reranker(settings))
        figures = score(served, gate_path, settings)
        print(f"quality gate ({gate_path}):\n{format_table(figures)}")
        problems = gate_problems(figures["all"], GatePolicy(min_recall_at_3=settings.gate_min_recall_at_3))
        if problems and not args.force:
            raise BuildError(
                "quality gate refused the new index: "
                + "; ".join(problems)
                + " (the live index is unchanged; --force overrides)"
            )
        if problems:
            print("quality gate failed (" + "; ".join(problems) + ") but --force was given: switching anyway")

    report = build_index(
        documents,
        model,
        settings.index_dir,
        chunk_tokens=settings.chunk_tokens,
        keep_versions=settings.keep_versions,
        index_kind=settings.index_kind,
        skipped=skipped,
        progress=not args.quiet,
        gate=gate if not args.no_gate else None,
        switch=not args.dry_run,
        content_files=content_files,
    )

    def names(items: list[str]) -> str:
        return ", ".join(items[:5]) + (f" and {len(items) - 5} more" if len(items) > 5 else "") if items else "none"

    for s in report.skipped[len(skipped) :]:
        print(f"warning: skipped {s.path}: {s.reason}", file=sys.stderr)
    for line in report.warnings:
        print(f"warning: {line}", file=sys.stderr)
    print(f"documents added: {names(report.added)}; changed: {names(report.changed)}; removed: {names(report.removed)}")
    print(f"passages embedded: {report.embedded}, reused from cache: {report.reused}")
    state = "live" if report.switched else "built, not switched (--dry-run)"
    print(
        f"indexed {report.documents} documents, {report.passages} passages in {report.seconds:.1f} s; "
        f"version {report.version} ({state}); {len(report.skipped)} skipped; content {content.fingerprint}"
    )
    return 0


def _usable(settings: Settings, model: ModelIdentity) -> bool:
    """Whether the live version can be served as it is: built with this model, every file intact. Checked
    without loading it (BM25, FAISS), since `make serve` asks before every start."""
    from qa_service.runtime.index_files import read_current
    from qa_service.runtime.index_verify import verify_version

    live = read_current(settings.index_dir)
    if live is None:
        return False
    try:
        verify_version(settings.index_dir, live, model)
    except QAError as exc:
        print(f"the live index cannot be served ({exc}); rebuilding", file=sys.stderr)
        return False
    print(f"index {live} in {settings.index_dir} is usable; not rebuilding")
    return True


def cmd_info(args: argparse.Namespace, settings: Settings) -> int:
    from qa_service.runtime.index_files import read_current, read_manifest, versions_dir

    version = read_current(settings.index_dir)
    if version is None:
        print(f"no index in {settings.index_dir}; run `qa-service build-index`")
        return 1
    manifest = read_manifest(versions_dir(settings.index_dir) / version)
    print(
        json.dumps(
            {
                k: manifest.get(k)
                for k in ("version", "built_at", "model", "encoder", "chunker", "index", "passage_count", "documents")
            },
            indent=2,
            ensure_ascii=False,
        )
    )
    return 0


def cmd_versions(args: argparse.Namespace, settings: Settings) -> int:
    from qa_service.runtime.index_files import list_versions, read_current, read_manifest, versions_dir

    live = read_current(settings.index_dir)
    for version in reversed(list_versions(settings.index_dir)):
        try:
            m = read_manifest(versions_dir(settings.index_dir) / version)
            content = (m.get("content") or {}).get("fingerprint", "defaults (built before content was versioned)")
            detail = (
                f"built {m['built_at']}  {len(m['documents'])} documents  {m['passage_count']} passages  "
                f"content {content}"
            )
        except QAError as exc:
            detail = f"unreadable: {exc}"
        print(f"{'*' if version == live else ' '} {version}  {detail}")
    return 0


def cmd_rollback(args: argparse.Namespace, settings: Settings) -> int:
    from qa_service.core.errors import BuildError
    from qa_service.runtime.index_files import list_versions, read_current
    from qa_service.runtime.index_verify import switch_verified

    live = read_current(settings.index_dir)
    versions = list_versions(settings.index_dir)
    target = args.version
    if target is None:
        older = [v for v in versions if live is None or v < live]
        if not older:
            print("no older version to roll back to", file=sys.stderr)
            return 1
        target = older[-1]
    try:
        switch_verified(settings.index_dir, target, encoder(settings), force=args.force)
    except QAError as exc:
        if isinstance(exc, BuildError):
            raise
        raise BuildError(
            f"rollback to {target} refused, CURRENT still names {live}: {exc} (--force overrides)"
        ) from None
    print(f"CURRENT now names {target} (was {live}){' without verifying it (--force)' if args.force else ''}")
    return 0
