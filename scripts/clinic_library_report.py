#!/usr/bin/env python3
"""The bilingual clinic library's figures, as its README scores them: the service beside plain BM25 and plain
dense, per half (our tune part and our check part of the development half), per language and per kind.
Prints; asserts nothing.

    python scripts/clinic_library_report.py ../shared/eval/clinic-library [--work /tmp/cl-report]

A hit is a passage of the question's topic article (or its translation) holding a gold phrase (lower-cased,
straight quotes, collapsed spaces). "cross" is the README's cross-language slice: French questions about the
English-only articles, English questions about the French-only one.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import bm25s
import numpy as np

from lab.ablation import ABLATIONS, ablated
from lab.fusions import COMPARISONS
from qa_service.core.answer import answer_question
from qa_service.core.benchmark import article_of, in_half, normalized
from qa_service.core.chunking import Passage
from qa_service.core.documents import load_documents
from qa_service.core.encoder import Encoder
from qa_service.core.retrieval import Retriever
from qa_service.core.scoring import Scorer, score
from qa_service.runtime.benchmark_run import served
from qa_service.runtime.index_build import build_index
from qa_service.runtime.index_load import load_version
from qa_service.settings import Settings
from qa_service.wiring import load_encoder, load_multilingual, load_reranker

Ranker = Callable[[dict[str, object]], list[Passage]]


def _rank(passages: Sequence[Passage], item: dict[str, object]) -> int | None:
    gold = [normalized(str(g)) for g in item["gold"]]  # type: ignore[attr-defined]
    for n, p in enumerate(passages, 1):
        if article_of(p.document_id) == item["topic"] and any(g in normalized(p.text) for g in gold):
            return n
    return None


@dataclass
class Slice:
    ranks: list[int | None] = field(default_factory=list)
    answered: list[bool] = field(default_factory=list)
    declined: list[bool] = field(default_factory=list)
    flagged: list[bool] = field(default_factory=list)
    calm: list[bool] = field(default_factory=list)

    def row(self) -> list[str]:
        def ratio(values: Sequence[bool]) -> str:
            return f"{sum(values) / len(values):.3f}" if values else "-"

        hits1 = [r == 1 for r in self.ranks]
        hits3 = [r is not None and r <= 3 for r in self.ranks]
        mrr = f"{sum(1 / r for r in self.ranks if r) / len(self.ranks):.3f}" if self.ranks else "-"
        cells = [str(len(self.ranks)), ratio(hits1), ratio(hits3), mrr, ratio(self.answered)]
        return cells + [ratio(self.declined), ratio(self.flagged), ratio(self.calm)]


HEADER = ["n", "rank-1", "top-3", "mrr", "answered", "oos declined", "red flags", "harmless calm"]


def _cross(item: dict[str, object], languages_of: dict[str, set[str]]) -> bool:
    return item["lang"] not in languages_of.get(str(item["topic"]), set())


def _table(title: str, slices: dict[str, Slice]) -> str:
    lines = [title, f"{'':8}" + "".join(f"{h:>14}" for h in HEADER)]
    for key, s in slices.items():
        lines.append(f"{key:8}" + "".join(f"{c:>14}" for c in s.row()))
    return "\n".join(lines)


def _plain_rankers(passages: list[Passage], encoder: Encoder) -> dict[str, Ranker]:
    """Plain BM25 over title + text, and plain MiniLM over [section: passage] and [title. section: passage]."""
    bm25 = bm25s.BM25()
    bm25.index(bm25s.tokenize([f"{p.document_title}\n{p.text}" for p in passages], stopwords="en", show_progress=False))
    sections = encoder.encode([f"{p.section}: {p.text}" for p in passages], batch_size=32)
    titled = encoder.encode([f"{p.document_title}. {p.section}: {p.text}" for p in passages], batch_size=32)

    def lexical(item: dict[str, object]) -> list[Passage]:
        tokens = bm25s.tokenize([str(item["question"])], stopwords="en", show_progress=False)
        rows, _ = bm25.retrieve(tokens, k=5, show_progress=False)
        return [passages[int(r)] for r in rows[0]]

    def dense(matrix: np.ndarray) -> Ranker:
        def ranked(item: dict[str, object]) -> list[Passage]:
            q = encoder.encode([str(item["question"])], batch_size=1)[0]
            return [passages[int(r)] for r in np.argsort(-(matrix @ q))[:5]]

        return ranked

    return {
        "bm25": lexical,
        "dense [section: passage]": dense(sections),
        "dense [title. section: passage]": dense(titled),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("library", type=Path)
    ap.add_argument("--work", type=Path, help="folder for the library's index (rebuilt every run)")
    ap.add_argument("--plain", action="store_true", help="also plain BM25 and plain dense (slower)")
    ap.add_argument("--failures", action="store_true", help="list the service's misses on the tune part")
    ap.add_argument("--lab", action="store_true", help="also the lab's comparison fusions and each step ablated")
    args = ap.parse_args()
    settings = Settings.from_env()
    encoder = load_encoder(settings, threads=2)
    work = args.work or Path(tempfile.mkdtemp(prefix="qa-library-"))
    docs, _ = load_documents(args.library / "documents")
    multilingual = load_multilingual(settings)  # QA_MULTILINGUAL, as the service runs
    report = build_index(
        docs, encoder, work, chunk_tokens=settings.chunk_tokens, keep_versions=1, multilingual=multilingual
    )
    loaded = load_version(work, report.version, encoder)
    languages_of: dict[str, set[str]] = defaultdict(set)
    for d in docs:
        languages_of[article_of(d.id)].add(d.language)
    items = [json.loads(line) for line in (args.library / "questions.jsonl").read_text("utf-8").splitlines() if line]
    # QA_RERANKER as the service runs (off by default): an opt-in is measured here as it serves
    retriever = served(loaded, encoder, reranker=load_reranker(settings), multilingual=multilingual)

    variants: dict[str, tuple[Retriever, Scorer]] = {"service": (retriever, score)}
    if args.lab:
        variants.update({f"service, {name} fusion": (retriever, s) for name, s in COMPARISONS.items()})
        variants.update({f"service without {step}": (ablated(retriever, step), score) for step in ABLATIONS})
    rankers: dict[str, Ranker | None] = dict.fromkeys(variants)  # None: through answer_question, answers kept
    if args.plain:
        rankers.update(_plain_rankers(list(loaded.passages), encoder))
    by_id = {p.id: p for p in loaded.passages}
    for name, ranker in rankers.items():
        for half in ("tune", "check"):
            slices: dict[str, Slice] = defaultdict(Slice)
            misses = []
            for item in items:
                if not in_half(str(item["id"]), half):
                    continue
                if ranker is None:
                    asked, scorer = variants[name]
                    answer = answer_question(
                        asked,
                        str(item["question"]),
                        top_k=5,
                        language=str(item["lang"]),
                        min_confidence=settings.min_confidence,
                        max_chars=100_000,
                        scorer=scorer,
                    )
                    passages = [by_id[p.id] for p in answer.passages]
                    answered, urgent = answer.answered, answer.urgent is not None
                else:
                    passages, answered, urgent = ranker(item), True, False
                keys = [str(item["lang"])] + (["cross"] if _cross(item, languages_of) else [])
                for key in keys:
                    s = slices[key]
                    if item["kind"] == "answerable":
                        rank = _rank(passages, item)
                        s.ranks.append(rank)
                        s.answered.append(answered)
                        if ranker is None and key != "cross" and (rank is None or rank > 3) and half == "tune":
                            top = passages[0].id if passages else "-"
                            misses.append(f"{item['id']} {item['lang']} rank={rank} top={top}: {item['question']}")
                    elif ranker is None and item["kind"] == "out_of_scope":
                        s.declined.append(not answered)
                    elif ranker is None and item["kind"] == "red_flag":
                        s.flagged.append(urgent)
                    elif ranker is None and item["kind"] == "benign_symptom":
                        s.calm.append(not urgent)
            ordered = {k: slices[k] for k in ("en", "fr", "cross") if k in slices}
            print(_table(f"\n{name}, {half} part ({args.library.name}):", ordered))
            if args.failures and misses:
                print("\n".join("  " + m for m in misses))


if __name__ == "__main__":
    main()
