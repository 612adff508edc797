#!/usr/bin/env python3
"""Adapt the question side of the default encoder (all-MiniLM-L6-v2) to health questions.

    python scripts/train_question_model.py ../shared/eval/medquad-train \
        --consumer-health ../shared/eval/consumer-health [--work /tmp/qmwork]

Only the question tower is trained; passages keep the stock model's vectors, so every index built with
the default model serves the adapted questions without a rebuild. Each training question is scored against
*every* passage of its collection (the project's own build, stock vectors): a softmax over the whole index,
so the first stage's hardest misses are the negatives that weigh most (scale 20, as MultipleNegativesRanking
loss). Data: MedQuAD's NIH question-answer pairs (CC BY 4.0, docs/QUALITY.md) and the tuning halves of the
consumer-health benchmark and the clinic's labelled questions; check halves are never read.

The result is exported to ONNX, smoothed and quantised to int8 like the stock question model, and written
to ``--out``. Not yet wired into the service: measured as plain dense retrieval it gains on consumer-health's
check half but not clearly on the clinic's (docs/QUALITY.md, "Adapted question tower"); and its int8 file is
59 MB, because the 30,522 x 384 word-embedding table stays fp32 (the committed limit is 25 MB).
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import torch
from transformers import AutoModel, AutoTokenizer

from lab.training_sets import Example, training_collections
from qa_service.core.loaded_index import LoadedIndex
from qa_service.runtime.model_source import default_model_path
from qa_service.runtime.onnx_export import INT8_FILE, META_FILE, export_model, quantized
from qa_service.settings import Settings
from qa_service.wiring import load_encoder

ROOT = Path(__file__).resolve().parents[1]
OUT = Path("question_model")
SCALE = 20.0


def matrix(loaded: LoadedIndex) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(loaded.vectors.vectors(range(len(loaded.passages)))))


def embed(model: torch.nn.Module, tokenizer: AutoTokenizer, texts: list[str]) -> torch.Tensor:
    """Mean pooling and normalisation, as the sentence-transformers model and the ONNX export do."""
    batch = tokenizer(texts, padding=True, truncation=True, max_length=256, return_tensors="pt")
    hidden = model(**batch).last_hidden_state
    mask = batch["attention_mask"].unsqueeze(-1).float()
    pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
    return torch.nn.functional.normalize(pooled, dim=-1)


def loss_of(vectors: torch.Tensor, passages: torch.Tensor, positives: list[np.ndarray]) -> torch.Tensor:
    """-log of the softmax mass on the answering passages, over every passage of the collection."""
    logits = SCALE * vectors @ passages.T
    total = torch.logsumexp(logits, dim=1)
    wanted = torch.stack([torch.logsumexp(logits[i, torch.from_numpy(rows)], 0) for i, rows in enumerate(positives)])
    return (total - wanted).mean()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("medquad", type=Path)
    ap.add_argument("--consumer-health", type=Path, required=True)
    ap.add_argument("--work", type=Path, help="folder to keep the built indexes in between runs")
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=2e-5)
    ap.add_argument("--repeat", type=int, default=4, help="passes over the benchmarks' tuning halves per epoch")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    random.seed(args.seed)
    torch.manual_seed(args.seed)
    torch.set_num_threads(2)
    work = args.work or Path(tempfile.mkdtemp(prefix="qa-question-model-"))
    encoder = load_encoder(Settings(), threads=2)

    found = training_collections(args.medquad, args.consumer_health, ROOT / "tests" / "data", encoder, work)
    collections: list[tuple[torch.Tensor, list[Example], int]] = [
        (matrix(c.loaded), c.examples, repeat) for c, repeat in zip(found, (1, args.repeat, args.repeat), strict=True)
    ]
    print("examples:", [len(e) for _, e, _ in collections], "passages:", [len(m) for m, _, _ in collections])

    source = default_model_path()
    tokenizer = AutoTokenizer.from_pretrained(str(source))
    model = AutoModel.from_pretrained(str(source))
    model.train()
    batches = []
    for number, (_, rows, repeat) in enumerate(collections):
        for _ in range(args.epochs * repeat):
            order = list(range(len(rows)))
            random.shuffle(order)
            batches += [(number, order[i : i + args.batch]) for i in range(0, len(order), args.batch)]
    random.shuffle(batches)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    warmup = max(1, len(batches) // 10)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: min(1.0, (step + 1) / warmup) * max(0.0, (len(batches) - step) / len(batches))
    )
    started = time.time()
    for step, (number, picked) in enumerate(batches):
        passages, rows, _ = collections[number]
        vectors = embed(model, tokenizer, [rows[i].query.dense_text for i in picked])
        loss = loss_of(vectors, passages, [rows[i].rows for i in picked])
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        optimizer.zero_grad()
        if step % 50 == 0:
            print(f"step {step}/{len(batches)} loss {loss.item():.3f} {time.time() - started:.0f} s", flush=True)

    folder = work / "adapted"
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(source, folder, ignore=shutil.ignore_patterns("*.safetensors", "*.bin", "onnx", "openvino"))
    model.eval()
    model.save_pretrained(str(folder))
    export = export_model(folder, "all-MiniLM-L6-v2-questions", "adapted", work / "export")
    int8 = quantized(export)
    args.out.mkdir(parents=True, exist_ok=True)
    shutil.copy2(int8, args.out / INT8_FILE)
    shutil.copy2(export / "tokenizer.json", args.out / "tokenizer.json")
    meta = json.loads((export / META_FILE).read_text("utf-8"))
    meta.update(
        {
            "source": "sentence-transformers/all-MiniLM-L6-v2, question tower adapted",
            "passages": "the stock model's vectors",
            "trained": {
                "by": "scripts/train_question_model.py",
                "on": ["MedQuAD pairs (CC BY 4.0)", "consumer-health tune half", "clinic dev + hold-out tune half"],
                "examples": [len(e) for _, e, _ in collections],
                "epochs": args.epochs,
                "lr": args.lr,
                "batch": args.batch,
                "repeat": args.repeat,
                "seed": args.seed,
                "at": datetime.now(UTC).isoformat(timespec="seconds"),
            },
        }
    )
    (args.out / META_FILE).write_text(json.dumps(meta, indent=2) + "\n", "utf-8")
    print(f"wrote {args.out} ({(args.out / INT8_FILE).stat().st_size / 1e6:.1f} MB) in {time.time() - started:.0f} s")


if __name__ == "__main__":
    main()
