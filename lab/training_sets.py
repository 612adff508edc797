"""Labelled questions the training scripts learn from: MedQuAD pairs, and any benchmark's questions mapped
to the rows of their answering passages in an index the project's own build made."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qa_service.core.benchmark import Benchmark, Query, load_beir
from qa_service.core.encoder import Encoder
from qa_service.core.loaded_index import LoadedIndex
from qa_service.core.query import Query as ReadQuery
from qa_service.core.retrieval import Retriever
from qa_service.runtime.benchmark_run import clinic_set, corpus_index


@dataclass(frozen=True)
class Example:
    """A question as the service reads it, and the rows of the passages that answer it."""

    query: ReadQuery
    rows: np.ndarray


def medquad(folder: Path) -> Benchmark:
    """MedQuAD pairs as a benchmark: each answer a corpus entry titled by its focus, its question relevant."""
    rows = [json.loads(line) for line in (folder / "pairs.jsonl").read_text("utf-8").splitlines() if line.strip()]
    return Benchmark(
        "medquad",
        [Query(str(r["id"]), str(r["question"])) for r in rows],
        {str(r["id"]): {str(r["id"])} for r in rows},
        [],
        {str(r["id"]): (str(r["focus"]), str(r["answer"])) for r in rows},
    )


def examples(bench: Benchmark, loaded: LoadedIndex, retriever: Retriever, by: str) -> list[Example]:
    """Each answerable question of ``bench`` with its answering rows (``by``: "corpus" ids or "passage" ids);
    questions none of whose answers the index holds are left out."""
    keys = [p.document_id.removesuffix(".md") if by == "corpus" else p.id for p in loaded.passages]
    where: dict[str, list[int]] = {}
    for row, key in enumerate(keys):
        where.setdefault(key, []).append(row)
    out = []
    for query in bench.queries:
        rows = sorted(r for k in bench.qrels.get(query.id, ()) for r in where.get(k, ()))
        if rows:
            out.append(Example(retriever.read(query.text, query.lang), np.array(rows)))
    return out


@dataclass(frozen=True)
class Collection:
    """One training collection: its index (the project's build, stock vectors), a retriever over it, and
    its answerable questions with their answering rows."""

    name: str
    loaded: LoadedIndex
    retriever: Retriever
    examples: list[Example]


def training_collections(
    medquad_folder: Path, consumer_health: Path, clinic_data: Path, encoder: Encoder, work: Path
) -> list[Collection]:
    """MedQuAD, consumer-health's tuning half and the clinic's tuning half (``clinic_data``: the tests' dev
    and hold-out sets and article), each over its own index in ``work`` (the first two reused between runs,
    the clinic's rebuilt). Check halves are never read."""
    out = []
    train, public = medquad(medquad_folder), load_beir(consumer_health)
    for name, bench, asked in (("medquad", train, train), ("consumer-health", public, public.split("tune"))):
        loaded = corpus_index(bench, encoder, work / name, 200)
        retriever = Retriever(loaded, encoder)
        out.append(Collection(name, loaded, retriever, examples(asked, loaded, retriever, "corpus")))
    shutil.rmtree(work / "clinic", ignore_errors=True)
    clinic, loaded = clinic_set(clinic_data, encoder, work / "clinic", "clinic")
    retriever = Retriever(loaded, encoder)
    out.append(Collection("clinic", loaded, retriever, examples(clinic.split("tune"), loaded, retriever, "passage")))
    return out
