"""``qa-service benchmark``: the service beside plain BM25 and plain dense, on a BEIR-shaped folder or on the
clinic's labelled set, in one run. Prints figures; asserts nothing."""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from qa_service import wiring
from qa_service.cli.shared import encoder as load_encoder
from qa_service.settings import Settings

if TYPE_CHECKING:
    from qa_service.core.benchmark import Benchmark
    from qa_service.runtime.benchmark_run import Outcome


def add_parser(sub: argparse._SubParsersAction) -> None:
    b = sub.add_parser("benchmark", help="score retrieval on a benchmark, beside plain BM25 and plain dense")
    b.add_argument(
        "source",
        help="a BEIR-shaped folder (corpus.jsonl, queries.jsonl, qrels.tsv), or a JSONL "
        "question set like tests/data/dev_questions.jsonl (with --documents)",
    )
    b.add_argument("--documents", help="for a question set: the articles to build from (default QA_DOCUMENTS_DIR)")
    b.add_argument("--split", choices=("all", "tune", "check"), default="all", help="which half of the questions")
    b.add_argument("--work", help="a folder to keep the built index in between runs (default: a temporary one)")


def cmd_benchmark(args: argparse.Namespace, settings: Settings) -> int:

    from qa_service.core.benchmark import clinic_benchmark, load_beir
    from qa_service.core.documents import load_documents
    from qa_service.core.question_sets import load_set
    from qa_service.runtime.benchmark_run import corpus_index, run_plain, run_service, served
    from qa_service.runtime.index_build import build_index
    from qa_service.runtime.index_load import load_version

    encoder = load_encoder(settings)
    source = Path(args.source)
    with tempfile.TemporaryDirectory(prefix="qa-benchmark-") as tmp:
        work = Path(args.work) if args.work else Path(tmp)
        if source.is_dir():
            bench = load_beir(source)
            loaded = corpus_index(bench, encoder, work, settings.chunk_tokens)
            by = "corpus"
        else:
            documents, _ = load_documents(Path(args.documents) if args.documents else settings.documents_dir)
            report = build_index(documents, encoder, work, chunk_tokens=settings.chunk_tokens, keep_versions=1)
            loaded = load_version(work, report.version, encoder)
            bench = clinic_benchmark(source.name, load_set(source), loaded.passages)
            by = "passage"
        bench = bench.split(args.split)
        outcomes = [
            run_plain(bench, loaded, encoder, "bm25", by=by),
            run_plain(bench, loaded, encoder, "dense", by=by),
            run_service(bench, served(loaded, encoder, wiring.load_reranker(settings)), settings.min_confidence, by=by),
        ]
    print(
        f"{bench.name}: {len(bench.queries)} questions, {len(bench.out_of_scope)} out of scope, "
        f"{len(loaded.passages)} passages; service = learned fusion, "
        f"reranker {settings.reranker}, threshold {settings.min_confidence}"
    )
    print(format_rows(bench, outcomes))
    return 0


def format_rows(bench: Benchmark, outcomes: list[Outcome]) -> str:
    """A fixed-width table: passage-level measures, document-level MRR when titles repeat, declines, ms."""
    from qa_service.core.benchmark import MEASURES, document_qrels, scores, shares_titles

    doc_level = shares_titles(bench.corpus)
    doc_qrels = document_qrels(bench.qrels, bench.corpus) if doc_level else {}
    header = f"{'method':10}" + "".join(f"{m:>10}" for m in MEASURES)
    header += f"{'doc mrr@10':>12}" if doc_level else ""
    header += f"{'oos declined':>14}{'false declines':>16}{'ms/question':>13}"
    lines = [header]
    for o in outcomes:
        answerable = {q.id: o.rankings.get(q.id, []) for q in bench.queries}
        figures = scores(answerable, bench.qrels)
        row = f"{o.method:10}" + "".join(f"{figures[m]:>10.3f}" for m in MEASURES)
        if doc_level:
            titles = {q: [bench.corpus[d][0] or d for d in ids if d in bench.corpus] for q, ids in answerable.items()}
            row += f"{scores({q: _dedupe(t) for q, t in titles.items()}, doc_qrels)['mrr@10']:>12.3f}"
        if o.declined:
            oos = [o.declined[q.id] for q in bench.out_of_scope]
            false = [o.declined[q.id] for q in bench.queries]
            row += f"{(sum(oos) / len(oos) if oos else float('nan')):>14.3f}{sum(false) / max(1, len(false)):>16.3f}"
        else:
            row += f"{'-':>14}{'-':>16}"
        lines.append(row + f"{o.ms_per_question:>13.2f}")
    return "\n".join(lines)


def _dedupe(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))
