#!/usr/bin/env python3
"""Quality figures for docs/QUALITY.md: a plain-dense baseline, each retrieval mode, and a threshold sweep.

Usage: scripts/quality_report.py [SET.jsonl ...]   (default: tests/data/dev_questions.jsonl)
Runs on the live index (QA_INDEX_DIR); prints tables, asserts nothing.
"""

from __future__ import annotations

import sys
from pathlib import Path

from qa_service.core.answer import Answer, AnswerPassage, PassageRef, answer_question
from qa_service.core.evaluation import evaluate, format_table, load_set
from qa_service.core.highlights import Highlights
from qa_service.core.retrieval import Retriever
from qa_service.core.tuning import Tuning
from qa_service.runtime.index_load import load_current
from qa_service.runtime.torch_encoder import SentenceTransformerEncoder
from qa_service.settings import Settings


def plain_dense(retriever: Retriever, question: str) -> Answer:
    """What a straightforward implementation does: embed the raw question, top-10 by cosine."""
    scores, rows = retriever.loaded.vectors.search(retriever.encoder.encode_queries([question]), 10)
    hits = [(float(s), retriever.passages[int(r)]) for s, r in zip(scores[0], rows[0], strict=True) if r >= 0]
    passages = tuple(AnswerPassage(PassageRef.of(p), p.text, s, s, Highlights((0, len(p.text)), ())) for s, p in hits)
    answered = bool(hits) and hits[0][0] >= 0.5
    return Answer(question, answered, None, passages, None, "", "en", retriever.version)


def main() -> None:
    settings = Settings.from_env()
    sets = [Path(p) for p in sys.argv[1:]] or [Path("tests/data/dev_questions.jsonl")]
    encoder = SentenceTransformerEncoder(settings.model)
    loaded = load_current(settings.index_dir, encoder)
    for path in sets:
        items = load_set(path)
        print(f"\n== {path} ({len(items)} questions), index {loaded.version}")
        base = Retriever(loaded, encoder)
        print("\nplain dense (raw question, cosine >= 0.5, no triage):")
        print(format_table(evaluate(items, lambda q, lang, base=base: plain_dense(base, q))))
        for mode, fusion in (("dense", "rrf"), ("lexical", "rrf"), ("hybrid", "rrf"), ("hybrid", "blend")):
            r = Retriever(loaded, encoder, Tuning(mode=mode, fusion=fusion))
            print(f"\n{mode} {fusion if mode == 'hybrid' else ''}:")
            print(format_table(evaluate(items, lambda q, lang, r=r: answer_question(r, q, top_k=10))))
        print("\nthreshold sweep (hybrid rrf): threshold, answered rate on answerable, out-of-scope rejection")
        responses = [(it, answer_question(base, it.question, top_k=1)) for it in items]
        for threshold in (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9):
            ans = [r for it, r in responses if it.kind == "answerable"]
            oos = [r for it, r in responses if it.kind == "out_of_scope"]
            answered = sum((r.top_confidence or 0.0) >= threshold for r in ans)
            rejected = sum((r.top_confidence or 0.0) < threshold for r in oos)
            print(f"  {threshold:.1f}  {answered / max(1, len(ans)):.3f}  {rejected / max(1, len(oos)):.3f}")


if __name__ == "__main__":
    main()
