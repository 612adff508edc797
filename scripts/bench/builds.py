"""Index builds (full, raw batch, one-article edit) and retrieval on synthetic corpora of 100 k and 1 M passages."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import psutil
from machine import pct
from paths import ROOT
from workload import batch_texts, questions

from qa_service.settings import Settings
from qa_service.wiring import load_encoder


def build_figures(settings: Settings, work: Path, articles: int) -> dict:
    """Full build of a synthetic multi-article corpus, the model's raw batch speed, and a one-article edit."""
    from qa_service.core.documents import load_documents
    from qa_service.runtime.index_build import build_index

    source = (ROOT / "tests" / "data" / "documents" / "pimples-after-microneedling.md").read_text()
    docs = work / "docs"
    docs.mkdir()
    for i in range(articles):  # distinct text per article so nothing is reused by the cache
        (docs / f"article-{i:03d}.md").write_text(
            source.replace("Westmount", f"Westmount clinic {i}").replace("pimples", f"pimples (case {i})")
        )
    encoder = load_encoder(settings, threads=os.cpu_count() or 1)
    documents, _ = load_documents(docs)
    texts = batch_texts()
    t = time.perf_counter()
    encoder.encode(texts)
    raw = len(texts) / (time.perf_counter() - t)
    index = work / "index"
    t = time.perf_counter()
    report = build_index(documents, encoder, index, chunk_tokens=settings.chunk_tokens)
    full = time.perf_counter() - t
    (docs / "article-007.md").write_text((docs / "article-007.md").read_text().replace("a week", "seven days"))
    documents, _ = load_documents(docs)
    t = time.perf_counter()
    again = build_index(documents, encoder, index, chunk_tokens=settings.chunk_tokens)
    edit = time.perf_counter() - t
    return {
        "articles": articles,
        "passages": report.passages,
        "build_s": full,
        "build_pps": report.passages / full,
        "raw_pps": raw,
        "runtime": getattr(encoder, "passage_runtime", encoder.backend),
        "edit_s": edit,
        "edit_embedded": again.embedded,
    }


def large_corpus(settings: Settings, sizes: list[int], seed: int = 3) -> list[dict]:
    """Retrieval part only: vectors from real sentence embeddings, FAISS flat vs HNSW, the service's BM25."""
    from qa_service.core.lexical import LexicalIndex
    from qa_service.core.retrieval import Tuning
    from qa_service.core.terms import content_stems
    from qa_service.core.vector_store import choose_kind
    from qa_service.runtime.faiss_store import build_store

    rng = np.random.default_rng(seed)
    encoder = load_encoder(settings, threads=os.cpu_count() or 1)
    article = (ROOT / "tests" / "data" / "documents" / "pimples-after-microneedling.md").read_text()
    sentences = [s.strip() for s in article.replace("\n", " ").split(". ") if len(s.split()) > 4]
    words = [w for s in sentences for w in s.split()]
    base_texts = [" ".join(rng.choice(words, size=12)) for _ in range(3000)] + sentences  # realistic vocabulary
    base = encoder.encode(base_texts, batch_size=64)
    qvecs = encoder.encode_queries(questions(200, seed=11))
    stems = [content_stems(t) for t in base_texts]
    rows = []
    for n in sizes:
        parts = rng.integers(0, len(base), size=(n, 3))
        vectors = base[parts[:, 0]] + base[parts[:, 1]] + 0.5 * base[parts[:, 2]]
        vectors += rng.normal(0, 0.02, vectors.shape).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        vectors = vectors.astype(np.float32)
        row: dict = {"n": n}
        exact = None
        for kind in ("flat", "hnsw"):
            rss = psutil.Process().memory_info().rss
            t = time.perf_counter()
            index, _ = build_store(vectors, kind)
            row[f"{kind}_build_s"] = time.perf_counter() - t
            row[f"{kind}_mb"] = (psutil.Process().memory_info().rss - rss) / 2**20
            times = []
            found = []
            for q in qvecs:
                t = time.perf_counter()
                _, ids = index.search(q[None, :], 10)
                times.append((time.perf_counter() - t) * 1000)
                found.append(ids[0])
            row[f"{kind}_p50_ms"], row[f"{kind}_p99_ms"] = pct(times, 50), pct(times, 99)
            if kind == "flat":
                exact = found
            else:
                overlap = [len(set(a) & set(b)) / 10 for a, b in zip(found, exact, strict=True)]
                row["hnsw_recall@10"] = float(np.mean(overlap))
            if kind == choose_kind("auto", n):
                served = index  # what QA_INDEX_KIND=auto serves at this size, for the hybrid figure
            del index
        corpus = [stems[a] + stems[b] for a, b in parts[:, :2]]
        rss = psutil.Process().memory_info().rss
        t = time.perf_counter()
        lexical = LexicalIndex(corpus)
        row["bm25_build_s"] = time.perf_counter() - t
        row["bm25_mb"] = (psutil.Process().memory_info().rss - rss) / 2**20
        saved = Path(tempfile.mkdtemp(prefix="qa-bench-bm25-"))
        lexical.save(saved)  # what a build writes into the version folder
        t = time.perf_counter()
        lexical = LexicalIndex.load(saved)  # what a worker does on a swap (memory-mapped)
        row["bm25_load_s"] = time.perf_counter() - t
        query_stems = [content_stems(q) for q in questions(200, seed=11)]
        depth = Tuning().candidates
        lexical_times, hybrid_times = [], []
        for q, stems_q in zip(qvecs, query_stems, strict=True):
            t = time.perf_counter()
            _, dense_rows = served.search(q[None, :], depth)
            t_lex = time.perf_counter()
            lexical_rows, _ = lexical.top(stems_q, depth)
            pool = sorted(set(dense_rows[0].tolist()) | set(lexical_rows.tolist()))
            lexical.coverage([[s] for s in stems_q], [1.0] * len(stems_q), pool)
            done = time.perf_counter()
            lexical_times.append((done - t_lex) * 1000)
            hybrid_times.append((done - t) * 1000)
        row["bm25_p99_ms"] = pct(lexical_times, 99)
        row["hybrid_kind"] = choose_kind("auto", n)
        row["hybrid_p50_ms"], row["hybrid_p99_ms"] = pct(hybrid_times, 50), pct(hybrid_times, 99)
        del served, lexical, corpus, vectors
        shutil.rmtree(saved, ignore_errors=True)
        rows.append(row)
    return rows
