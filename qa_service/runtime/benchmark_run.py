"""Running a benchmark: a throwaway index built by the project's own build, then every question through
the service's answer path, beside plain BM25 and plain dense retrieval over the same passages."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import bm25s
import numpy as np

from qa_service.core.answer import answer_question
from qa_service.core.benchmark import Benchmark, clinic_benchmark, first_appearances, library_benchmark
from qa_service.core.documents import Document, load_documents, parse_document
from qa_service.core.encoder import Encoder, MultilingualModel, searched_dimension
from qa_service.core.loaded_index import LoadedIndex
from qa_service.core.manifest import CHUNKER_VERSION
from qa_service.core.question_sets import load_set
from qa_service.core.rerank import Reranker
from qa_service.core.retrieval import Retriever
from qa_service.core.scoring import Scorer, score
from qa_service.core.tuning import Tuning
from qa_service.runtime.index_build import build_index
from qa_service.runtime.index_files import read_current, read_manifest, versions_dir
from qa_service.runtime.index_load import load_version
from qa_service.runtime.query_embeddings import QueryEmbeddings

DEPTH = 20  # passages ranked per question (as the measurement: first appearance in the top 20)


@dataclass
class Outcome:
    """One method's answers to one benchmark: ranked corpus ids per query, declines, time per question."""

    method: str
    rankings: dict[str, list[str]]
    declined: dict[str, bool]
    ms_per_question: float


def corpus_documents(bench: Benchmark) -> list[Document]:
    """One Markdown document per corpus passage (its title as the heading), id = corpus id + ".md"."""
    return [
        parse_document(f"{cid}.md", f"---\nlanguage: en\n---\n# {title or cid}\n\n{text}\n".encode())
        for cid, (title, text) in bench.corpus.items()
    ]


def corpus_index(bench: Benchmark, encoder: Encoder, work: Path, chunk_tokens: int) -> LoadedIndex:
    """Build (or reuse, when the same corpus was built in ``work`` before) the benchmark's index."""
    documents = corpus_documents(bench)
    wanted = sorted(d.checksum for d in documents)
    live = read_current(work)
    if live is not None:
        manifest = read_manifest(versions_dir(work) / live)
        same_chunker = manifest.chunker.version == CHUNKER_VERSION
        same_model = manifest.model.fingerprint == encoder.fingerprint
        if same_chunker and same_model and sorted(d.checksum for d in manifest.documents) == wanted:
            return load_version(work, live, encoder)
    report = build_index(documents, encoder, work, chunk_tokens=chunk_tokens, keep_versions=1, progress=True)
    return load_version(work, report.version, encoder)


def clinic_set(data: Path, encoder: Encoder, work: Path, name: str) -> tuple[Benchmark, LoadedIndex]:
    """The clinic's labelled questions (``data``: the tests' dev and hold-out sets) over an index of the
    tests' copy of the article (``data``/documents), built in ``work``."""
    docs, _ = load_documents(data / "documents")
    loaded = load_version(work, build_index(docs, encoder, work, chunk_tokens=200).version, encoder)
    items = load_set(data / "dev_questions.jsonl") + load_set(data / "holdout_questions.jsonl")
    return clinic_benchmark(name, items, loaded.passages), loaded


def library_set(
    folder: Path, encoder: Encoder, work: Path, chunk_tokens: int, multilingual: MultilingualModel | None = None
) -> tuple[Benchmark, LoadedIndex]:
    """A clinic library in the shape of ``../shared/eval/clinic-library`` (``documents/``, ``questions.jsonl``
    with topics) over an index of its documents built in ``work`` (with the multilingual store if given)."""
    docs, _ = load_documents(folder / "documents")
    report = build_index(docs, encoder, work, chunk_tokens=chunk_tokens, multilingual=multilingual)
    loaded = load_version(work, report.version, encoder)
    lines = (folder / "questions.jsonl").read_text("utf-8").splitlines()
    rows = [json.loads(line) for line in lines if line.strip()]
    return library_benchmark(folder.name, rows, loaded.passages), loaded


def _corpus_id(document_id: str) -> str:
    return document_id.removesuffix(".md")


def served(
    loaded: LoadedIndex,
    encoder: Encoder,
    reranker: Reranker | None = None,
    multilingual: MultilingualModel | None = None,
) -> Retriever:
    """A retriever over a benchmark's index as the service runs one (no question cache: every question
    is embedded, as a new question is)."""
    return Retriever(loaded, encoder, Tuning(), QueryEmbeddings(encoder, 0), reranker, multilingual)


def run_service(
    bench: Benchmark, retriever: Retriever, min_confidence: float, *, by: str, scorer: Scorer = score
) -> Outcome:
    """Every question through answer_question, as the API asks it (``by``: "corpus" ids or "passage" ids);
    ``scorer``: the learned fusion, or a comparison fusion from the lab."""
    key: Callable[[str, str], str] = (lambda pid, did: _corpus_id(did)) if by == "corpus" else (lambda pid, did: pid)
    rankings, declined, elapsed = {}, {}, 0.0
    for query in [*bench.queries, *bench.out_of_scope]:
        started = time.perf_counter()
        answer = answer_question(
            retriever,
            query.text,
            top_k=DEPTH,
            language=query.lang,
            min_confidence=min_confidence,
            max_chars=100_000,
            scorer=scorer,
        )
        elapsed += time.perf_counter() - started
        rankings[query.id] = first_appearances(key(p.id, p.source.document_id) for p in answer.passages)
        declined[query.id] = not answer.answered
    total = len(bench.queries) + len(bench.out_of_scope)
    return Outcome("service", rankings, declined, 1000 * elapsed / max(1, total))


def run_plain(bench: Benchmark, loaded: LoadedIndex, encoder: Encoder, method: str, *, by: str) -> Outcome:
    """Plain BM25 (bm25s, English stopwords, no stemming, heading + text) or plain dense (the same model's
    full-precision question vector, exact inner product): what a straightforward system does."""
    passages = loaded.passages
    ids = [_corpus_id(p.document_id) if by == "corpus" else p.id for p in passages]
    queries = bench.queries
    started = time.perf_counter()
    if method == "bm25":
        retriever = bm25s.BM25()
        corpus = [f"{p.document_title}\n{p.text}" for p in passages]
        retriever.index(bm25s.tokenize(corpus, stopwords="en", show_progress=False), show_progress=False)
        started = time.perf_counter()
        tokens = bm25s.tokenize([q.text for q in queries], stopwords="en", show_progress=False)
        rows, _ = retriever.retrieve(tokens, k=min(DEPTH, len(passages)), show_progress=False)
    else:
        first: Encoder = getattr(encoder, "first", encoder)  # a pair's second model is not a first stage
        vectors = first.encode([q.text for q in queries], batch_size=16)
        vectors = np.hstack([vectors, np.zeros((len(vectors), encoder.dimension - searched_dimension(encoder)))])
        _, rows = loaded.vectors.search(np.ascontiguousarray(vectors, dtype=np.float32), min(DEPTH, len(passages)))
    elapsed = time.perf_counter() - started
    rankings = {
        q.id: first_appearances(ids[int(r)] for r in row if r >= 0) for q, row in zip(queries, rows, strict=True)
    }
    return Outcome(method, rankings, {}, 1000 * elapsed / max(1, len(queries)))
