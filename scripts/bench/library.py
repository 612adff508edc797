"""The build at library scale: the public consumer-health corpus (4,381 NIH passages, read from ../shared,
never copied) built by the project's own build, against plain sentence-transformers batch-encoding the same
passages in a process of its own."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from machine import own_process

from qa_service.settings import Settings
from qa_service.wiring import load_encoder

SAMPLE = 4  # plain torch takes ~4.5 min for all ~8,900 passages on 2 cores; its rate needs only a share
CORPUS = Path(__file__).resolve().parents[3] / "shared" / "eval" / "consumer-health"


def library_build(settings: Settings, work: Path, folder: Path = CORPUS) -> dict | None:
    """Full build (chunk, embed, BM25, FAISS, manifest) of one document per corpus passage, in passages/s,
    beside plain torch's batch rate over the same passage texts; None when the corpus is not there."""
    if not (folder / "corpus.jsonl").is_file():
        print(f"{folder} is missing: the library-scale build is not measured", flush=True)
        return None
    from qa_service.core.benchmark import load_beir
    from qa_service.runtime.benchmark_run import corpus_documents
    from qa_service.runtime.index_build import build_index
    from qa_service.runtime.index_load import load_version

    bench = load_beir(folder)
    documents = corpus_documents(bench)
    encoder = load_encoder(settings, threads=os.cpu_count() or 1)
    started = time.perf_counter()
    report = build_index(documents, encoder, work / "index", chunk_tokens=settings.chunk_tokens, keep_versions=1)
    seconds = time.perf_counter() - started
    texts = [p.embed_text for p in load_version(work / "index", report.version, encoder).passages]
    listed = work / "texts.json"
    listed.write_text(json.dumps(texts[::SAMPLE]))  # a rate: every SAMPLE-th passage keeps the length mix
    plain = own_process("--plain-batch", str(listed))["passages_per_s"]
    return {
        "documents": report.documents,
        "passages": report.passages,
        "seconds": seconds,
        "pps": report.passages / seconds,
        "plain_pps": plain,
        "plain_sample": len(texts[::SAMPLE]),
        "runtime": getattr(encoder, "passage_runtime", encoder.backend),
    }
