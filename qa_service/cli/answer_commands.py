"""Answer commands: ask (locally, or a running server with --url) and eval (a labelled question set)."""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from qa_service.cli.shared import local_retriever, score
from qa_service.settings import Settings


def print_answer(result: dict[str, Any]) -> None:
    """The API's JSON shape (a local Answer's to_dict(), or a server's response) as a staff member reads it."""
    urgent = result.get("urgent")
    if urgent:
        print(f"!! {urgent['level'].upper()}: {urgent['message']}  (matched: {', '.join(urgent['matched'])})\n")
    if not result["answered"]:
        print(f"No confident answer. {result['message']}\n")
    for rank, ans in enumerate(result["answers"], 1):
        other = f"  (in {ans['lang']})" if ans.get("lang", result["lang"]) != result["lang"] else ""
        url = f"  {ans['document']['url']}" if ans["document"].get("url") else ""
        print(
            f"{rank}. confidence {ans['confidence']:.2f}  [{ans['document']['id']} {ans['start']}:{ans['end']}]"
            f"  § {ans['section']}{other}{url}"
        )
        print(textwrap.indent(textwrap.fill(ans["text"], 96), "   "))
        for twin in ans.get("also_in", []):
            print(f"   (also in {twin['document']['id']} {twin['start']}:{twin['end']} § {twin['section']})")
        print()
    print(f"{result['disclaimer']}\n[index {result['index_version']}, {result['took_ms']} ms, lang {result['lang']}]")


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
        from qa_service.core.errors import ConfigError
        from qa_service.core.languages import is_registered, languages

        if args.lang is not None and not is_registered(args.lang):
            raise ConfigError(f"--lang must be one of {', '.join(languages())}, not {args.lang!r}")
        result = answer_question(
            local_retriever(settings),
            args.question,
            top_k=args.top_k,
            language=args.lang,
            min_confidence=settings.min_confidence,
            max_chars=settings.max_question_chars,
        ).to_dict()
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        print_answer(result)
    return 0


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    from qa_service.core.content import GATE
    from qa_service.core.evaluation import format_table

    retriever = local_retriever(settings)  # reads the content folder (made from the defaults if absent)
    question_set = Path(args.set) if args.set else settings.content_dir / GATE
    figures = score(retriever, question_set, settings)
    print(
        f"{question_set} on index {retriever.version} (threshold {settings.min_confidence}, "
        f"reranker {settings.reranker})"
    )
    print(format_table(figures))
    for failure in figures["all"].failures:
        print("  miss:", failure)
    return 0
