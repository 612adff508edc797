"""The ``qa-service`` console script: build-index, ask, eval, info, versions, rollback, serve.

Heavy imports (torch, FAISS) happen inside commands, so ``ask --url`` answers without loading them.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import textwrap
import urllib.error
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qa_service import wiring
from qa_service.core.errors import QAError
from qa_service.core.tuning import FUSIONS, MODES
from qa_service.settings import Settings

if TYPE_CHECKING:
    from qa_service.core.encoder import Encoder
    from qa_service.core.evaluation import Scores
    from qa_service.core.retrieval import Retriever
    from qa_service.core.tuning import Tuning


def _print_answer(result: dict[str, Any]) -> None:
    """The API's JSON shape (a local Answer's to_dict(), or a server's response) as a staff member reads it."""
    urgent = result.get("urgent")
    if urgent:
        print(f"!! {urgent['level'].upper()}: {urgent['message']}  (matched: {', '.join(urgent['matched'])})\n")
    if not result["answered"]:
        print(f"No confident answer. {result['message']}\n")
    for rank, ans in enumerate(result["answers"], 1):
        print(
            f"{rank}. confidence {ans['confidence']:.2f}  [{ans['document']['id']} {ans['start']}:{ans['end']}]"
            f"  § {ans['section']}"
        )
        print(textwrap.indent(textwrap.fill(ans["text"], 96), "   "))
        for twin in ans.get("also_in", []):
            print(f"   (also in {twin['document']['id']} {twin['start']}:{twin['end']} § {twin['section']})")
        print()
    print(f"{result['disclaimer']}\n[index {result['index_version']}, {result['took_ms']} ms, lang {result['lang']}]")


def _encoder(settings: Settings) -> Encoder:
    return wiring.load_encoder(settings, threads=os.cpu_count() or 1)


def _local_retriever(settings: Settings, retrieval: Tuning | None = None) -> Retriever:
    return wiring.local_retriever(settings, _encoder(settings), retrieval)


def _score(retriever: Retriever, path: Path, settings: Settings) -> dict[str, Scores]:
    from qa_service.core.evaluation import load_set
    from qa_service.core.quality_gate import score_retriever

    return score_retriever(
        retriever, load_set(path), min_confidence=settings.min_confidence, max_chars=settings.max_question_chars
    )


def cmd_build(args: argparse.Namespace, settings: Settings) -> int:
    from qa_service.core.documents import load_documents
    from qa_service.core.errors import BuildError
    from qa_service.core.evaluation import format_table
    from qa_service.core.quality_gate import GatePolicy, gate_problems
    from qa_service.core.retrieval import Retriever
    from qa_service.runtime.index_build import build_index
    from qa_service.runtime.index_load import load_version

    encoder = _encoder(settings)
    if args.if_missing:
        from qa_service.runtime.index_files import read_current
        from qa_service.runtime.index_load import load_current

        if read_current(settings.index_dir) is not None:
            try:
                live = load_current(settings.index_dir, encoder)
                print(f"index {live.version} in {settings.index_dir} is usable; not rebuilding")
                return 0
            except QAError as exc:
                print(f"the live index cannot be served ({exc}); rebuilding", file=sys.stderr)
    documents, skipped = load_documents(settings.documents_dir)
    for s in skipped:
        print(f"warning: skipped {s.path}: {s.reason}", file=sys.stderr)
    gate_set = args.gate_set or settings.gate_set
    gate_path = Path(gate_set) if gate_set else None
    if gate_path is not None and not gate_path.is_file() and not args.no_gate:
        print(f"warning: no quality gate: {gate_path} does not exist (QA_GATE_SET)", file=sys.stderr)

    def gate(folder: Path) -> None:
        if gate_path is None or not gate_path.is_file():
            return
        loaded = load_version(settings.index_dir, folder.name, encoder)
        figures = _score(Retriever(loaded, encoder, wiring.tuning(settings)), gate_path, settings)
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
        encoder,
        settings.index_dir,
        chunk_tokens=settings.chunk_tokens,
        keep_versions=settings.keep_versions,
        skipped=skipped,
        progress=not args.quiet,
        gate=gate if not args.no_gate else None,
        switch=not args.dry_run,
    )

    def names(items: list[str]) -> str:
        return ", ".join(items[:5]) + (f" and {len(items) - 5} more" if len(items) > 5 else "") if items else "none"

    for s in report.skipped[len(skipped) :]:
        print(f"warning: skipped {s.path}: {s.reason}", file=sys.stderr)
    print(f"documents added: {names(report.added)}; changed: {names(report.changed)}; removed: {names(report.removed)}")
    print(f"passages embedded: {report.embedded}, reused from cache: {report.reused}")
    state = "live" if report.switched else "built, not switched (--dry-run)"
    print(
        f"indexed {report.documents} documents, {report.passages} passages in {report.seconds:.1f} s; "
        f"version {report.version} ({state}); {len(report.skipped)} skipped"
    )
    return 0


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    if args.url:
        body = json.dumps({"question": args.question, "top_k": args.top_k, "lang": args.lang}).encode()
        req = urllib.request.Request(
            args.url.rstrip("/") + "/api/v1/ask", data=body, headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:  # noqa: S310 - staff-given URL
                result = json.loads(resp.read())
        except urllib.error.HTTPError as exc:
            print(f"error {exc.code}: {json.loads(exc.read() or b'{}').get('detail', exc.reason)}", file=sys.stderr)
            return 1
        except urllib.error.URLError as exc:
            print(f"cannot reach {args.url}: {exc.reason}", file=sys.stderr)
            return 1
    else:
        from qa_service.core.answer import answer_question

        result = answer_question(
            _local_retriever(settings),
            args.question,
            top_k=args.top_k,
            language=args.lang,
            min_confidence=settings.min_confidence,
            max_chars=settings.max_question_chars,
        ).to_dict()
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        _print_answer(result)
    return 0


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    from qa_service.core.evaluation import format_table
    from qa_service.core.tuning import Tuning

    tuning = Tuning(mode=args.mode or settings.retrieval_mode, fusion=args.fusion or settings.fusion)
    retriever = _local_retriever(settings, tuning)
    figures = _score(retriever, Path(args.set), settings)
    print(
        f"{args.set} on index {retriever.version} (mode {tuning.mode}, fusion {tuning.fusion}, "
        f"threshold {settings.min_confidence})"
    )
    print(format_table(figures))
    for failure in figures["all"].failures:
        print("  miss:", failure)
    return 0


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
            detail = f"built {m['built_at']}  {len(m['documents'])} documents  {m['passage_count']} passages"
        except QAError as exc:
            detail = f"unreadable: {exc}"
        print(f"{'*' if version == live else ' '} {version}  {detail}")
    return 0


def cmd_rollback(args: argparse.Namespace, settings: Settings) -> int:
    from qa_service.runtime.index_files import list_versions, read_current, switch_current

    live = read_current(settings.index_dir)
    versions = list_versions(settings.index_dir)
    target = args.version
    if target is None:
        older = [v for v in versions if live is None or v < live]
        if not older:
            print("no older version to roll back to", file=sys.stderr)
            return 1
        target = older[-1]
    switch_current(settings.index_dir, target)
    print(f"CURRENT now names {target} (was {live})")
    return 0


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    conf = Path(__file__).resolve().parent / "server" / "gunicorn_conf.py"  # names the app (wsgi_app)
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
    b.add_argument("--quiet", action="store_true", help="no progress bar")
    a = sub.add_parser("ask", help="ask a question (locally, or a running server with --url)")
    a.add_argument("question")
    a.add_argument("--top-k", type=int, default=3)
    a.add_argument("--lang", choices=("en", "fr"))
    a.add_argument("--json", action="store_true", help="print the API response")
    a.add_argument("--url", help="ask a running server, e.g. http://127.0.0.1:8000")
    e = sub.add_parser("eval", help="score the live index on a labelled question set")
    e.add_argument("--set", required=True, help="JSONL file like tests/data/dev_questions.jsonl")
    e.add_argument("--mode", choices=MODES, help="default QA_RETRIEVAL_MODE")
    e.add_argument("--fusion", choices=FUSIONS, help="default QA_FUSION")
    sub.add_parser("info", help="print the live index's manifest summary")
    sub.add_parser("versions", help="list index versions (* = live)")
    r = sub.add_parser("rollback", help="switch CURRENT back to an earlier version")
    r.add_argument("version", nargs="?")
    sub.add_parser("serve", help="run the production server (gunicorn)")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        settings = Settings.from_env()
        if args.command in ("build-index", "ask", "eval") and not getattr(args, "url", None):
            from qa_service.logs import configure_logging

            configure_logging("WARNING")
        handler = {
            "build-index": cmd_build,
            "ask": cmd_ask,
            "eval": cmd_eval,
            "info": cmd_info,
            "versions": cmd_versions,
            "rollback": cmd_rollback,
            "serve": cmd_serve,
        }[args.command]
        return handler(args, settings)
    except QAError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; the live index is unchanged", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
