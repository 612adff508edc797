"""Index commands: build-index (with the quality gate), info, versions, rollback."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from qa_service import wiring
from qa_service.cli.shared import encoder
from qa_service.core.errors import QAError
from qa_service.settings import Settings

if TYPE_CHECKING:
    from qa_service.core.encoder import Encoder
    from qa_service.runtime.index_verify import ModelIdentity


def cmd_build(args: argparse.Namespace, settings: Settings) -> int:
    # --if-missing checks against the model's export without loading it, when its weights are unchanged;
    # otherwise the model is loaded once, for the check and the build alike.
    model: Encoder | None = None
    if args.if_missing:
        identity = wiring.model_identity(settings) or (model := encoder(settings))
        if _usable(settings, identity):
            return 0
    if model is None:
        model = encoder(settings)
    from qa_service.runtime.build_service import BuildRequest, run_build

    request = BuildRequest(
        gate_set=args.gate_set or "",
        gate=not args.no_gate,
        force=args.force,
        switch=not args.dry_run,
        progress=not args.quiet,
    )
    outcome = run_build(
        settings,
        model,
        request,
        tuning=wiring.tuning(settings),
        reranker=wiring.load_reranker(settings),
        multilingual=wiring.load_multilingual(settings),
    )
    if args.outcome:  # the console's child: the typed outcome, for the worker that started it
        Path(args.outcome).write_text(outcome.to_json(), "utf-8")
    for line in outcome.warnings:
        print(f"warning: {line}", file=sys.stderr)
    if outcome.gate is not None:
        print(f"quality gate ({outcome.gate.question_set}):\n{outcome.gate.table}")
        if outcome.gate.forced:
            print(f"quality gate failed ({'; '.join(outcome.gate.problems)}) but --force was given: switching anyway")
    if outcome.state in ("refused", "failed"):
        print(f"error: {outcome.message}", file=sys.stderr)
        return 2
    print(outcome.message)
    return 0


def _usable(settings: Settings, model: ModelIdentity) -> bool:
    """Whether the live version can be served as it is: built with this model, every file intact. Checked
    without loading it (BM25, FAISS), since `make serve` asks before every start."""
    from qa_service.core.manifest import CHUNKER_VERSION
    from qa_service.runtime.index_files import read_current
    from qa_service.runtime.index_verify import verify_version

    live = read_current(settings.index_dir)
    if live is None:
        return False
    try:
        manifest = verify_version(settings.index_dir, live, model)
    except QAError as exc:
        print(f"the live index cannot be served ({exc}); rebuilding", file=sys.stderr)
        return False
    stale = (
        f"cut by chunker {manifest.chunker.version}, not {CHUNKER_VERSION}"
        if manifest.chunker.version != CHUNKER_VERSION
        else "built without the multilingual stage's vectors (QA_MULTILINGUAL)"
        if settings.multilingual != "off" and manifest.multilingual is None
        else None
    )
    if stale:
        print(f"the live index was {stale}; rebuilding", file=sys.stderr)
        return False
    print(f"index {live} in {settings.index_dir} is usable; not rebuilding")
    return True


def cmd_info(args: argparse.Namespace, settings: Settings) -> int:
    from qa_service.runtime.index_files import read_current, read_manifest, versions_dir

    version = read_current(settings.index_dir)
    if version is None:
        print(f"no index in {settings.index_dir}; run `qa-service build-index`")
        return 1
    manifest = read_manifest(versions_dir(settings.index_dir) / version).to_dict()
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
            content = m.content.fingerprint if m.content else "defaults (built before content was versioned)"
            detail = f"built {m.built_at}  {len(m.documents)} documents  {m.passage_count} passages  content {content}"
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
