#!/usr/bin/env python3
"""Question encoders side by side: time per question, closeness to fp32, and answer quality.

Each variant embeds the questions against the same fp32 passage vectors (the live index), as the service
does. Figures, not assertions; the numbers behind the encoder table in docs/PERFORMANCE.md.

    scripts/compare_encoders.py [--sets tests/data/dev_questions.jsonl,tests/data/holdout_questions.jsonl]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]

from qa_service.core.answer import answer_question  # noqa: E402
from qa_service.core.evaluation import evaluate  # noqa: E402
from qa_service.core.question_sets import load_set  # noqa: E402
from qa_service.core.retrieval import Retriever  # noqa: E402
from qa_service.runtime.index_load import load_current  # noqa: E402
from qa_service.runtime.onnx_encoder import OnnxEncoder  # noqa: E402
from qa_service.runtime.onnx_export import MODEL_FILE, quantized  # noqa: E402
from qa_service.runtime.query_embeddings import QueryEmbeddings  # noqa: E402
from qa_service.settings import Settings  # noqa: E402
from qa_service.wiring import load_encoder, tuning  # noqa: E402


def plain_dynamic_int8(folder: Path, work: Path) -> Path:
    """onnxruntime's one-line dynamic quantisation (one activation scale per tensor), for comparison."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    target = work / "plain-int8.onnx"
    quantize_dynamic(str(folder / MODEL_FILE), str(target), weight_type=QuantType.QInt8)
    return target


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sets", default="tests/data/dev_questions.jsonl,tests/data/holdout_questions.jsonl")
    args = ap.parse_args()
    settings = Settings.from_env()
    encoder = load_encoder(settings, threads=1)
    if not isinstance(encoder, OnnxEncoder):
        sys.exit("needs the ONNX encoder (QA_ENCODER=onnx or onnx-int8)")
    folder = encoder._model_file.parent
    loaded = load_current(settings.index_dir, encoder)
    sets = [ROOT / s for s in args.sets.split(",") if s]
    questions = [json.loads(line)["question"] for path in sets for line in path.read_text().splitlines() if line]
    reference = encoder.encode(questions)
    with tempfile.TemporaryDirectory() as tmp:
        variants = {
            "fp32 (QA_ENCODER=onnx)": folder / MODEL_FILE,
            "int8, smoothed + per-channel (QA_ENCODER=onnx-int8)": quantized(folder),
            "int8, plain dynamic quantisation": plain_dynamic_int8(folder, Path(tmp)),
        }
        print(f"{len(questions)} questions; passages: fp32 vectors of index {loaded.version}\n")
        for label, model_file in variants.items():
            session = encoder._open(model_file)
            vectors = np.vstack([encoder._batch([q], session) for q in questions])
            times = []
            for q in questions * 5:
                start = time.perf_counter()
                encoder._batch([q], session)
                times.append((time.perf_counter() - start) * 1000)
            cosines = (vectors * reference).sum(axis=1)
            print(
                f"{label}: {statistics.median(times):.2f} ms per question (median, 1 thread); "
                f"cosine to fp32 min {cosines.min():.4f} mean {cosines.mean():.4f}"
            )
            query = _SessionQueries(encoder, session)
            retriever = Retriever(loaded, encoder, tuning(settings), QueryEmbeddings(query, 0))  # type: ignore[arg-type]
            for path in sets:
                scores = evaluate(
                    load_set(path),
                    lambda q, lang, r=retriever: answer_question(
                        r, q, top_k=10, min_confidence=settings.min_confidence, max_chars=settings.max_question_chars
                    ),
                )["all"]
                print(
                    f"   {path.name}: recall@1 {scores.hit1 / scores.answerable:.3f} recall@3 "
                    f"{scores.hit3 / scores.answerable:.3f} MRR {scores.rr / scores.answerable:.3f} answered "
                    f"{scores.answered / scores.answerable:.3f} OOS rejected "
                    f"{scores.rejected / scores.out_of_scope:.3f} "
                    f"red flags {scores.flagged / scores.red_flag:.3f}"
                )


class _SessionQueries:
    """The live encoder, with its question vectors from one given ONNX session."""

    def __init__(self, encoder: OnnxEncoder, session: object) -> None:
        self.encoder, self.session = encoder, session

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return self.encoder._batch(list(texts), self.session)


if __name__ == "__main__":
    main()
