"""Labelled questions the training scripts learn from: MedQuAD pairs, and any benchmark's questions mapped
to the rows of their answering passages in an index the project's own build made."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qa_service.core.benchmark import Benchmark, Query
from qa_service.core.loaded_index import LoadedIndex
from qa_service.core.query import Query as ReadQuery
from qa_service.core.retrieval import Retriever


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
