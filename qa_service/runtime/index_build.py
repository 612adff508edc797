"""Building an index version: chunk, embed (reusing cached vectors), write, gate, then switch ``CURRENT``.

The live index is untouched by any failure: the new version is written into a hidden temporary folder,
renamed when complete, checked by the quality gate, and only then named by ``CURRENT``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from qa_service.core.boilerplate import boilerplate_fingerprint
from qa_service.core.chunking import Passage, chunk_documents
from qa_service.core.content import default_files, parse_content
from qa_service.core.documents import Document, Skipped
from qa_service.core.encoder import Encoder, MultilingualModel, searched_dimension
from qa_service.core.errors import BuildError, IndexCorrupt
from qa_service.core.lexical import LexicalIndex, corpus_words, lexical_documents
from qa_service.core.manifest import (
    CHUNKER_VERSION,
    ChunkerRecord,
    ContentRecord,
    DocumentRecord,
    EncoderRecord,
    IndexRecord,
    Manifest,
    ModelRecord,
)
from qa_service.core.translations import link_translations
from qa_service.runtime.embedding_cache import EmbeddingCache
from qa_service.runtime.faiss_store import build_store, save_store
from qa_service.runtime.index_files import (
    CONTENT,
    LEXICAL,
    MANIFEST,
    MULTILINGUAL_VECTORS,
    PASSAGES,
    SECOND_VECTORS,
    TEXTS,
    TMP_PREFIX,
    VECTORS,
    WORDS,
    build_lock,
    fsync_dir,
    fsync_file,
    prune_versions,
    read_current,
    read_manifest,
    sha256_file,
    versions_dir,
)
from qa_service.runtime.index_verify import switch_verified


@dataclass
class BuildReport:
    """What a build did, for the one-line summary and for the gate."""

    version: str
    documents: int
    passages: int
    seconds: float
    skipped: list[Skipped] = field(default_factory=list)
    switched: bool = False
    removed_versions: list[str] = field(default_factory=list)
    embedded: int = 0
    reused: int = 0
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # one line per document trimmed or not linked


def _new_version_id(documents: list[Document]) -> str:
    now = datetime.now(UTC)
    salt = hashlib.sha256(("".join(d.checksum for d in documents) + now.isoformat()).encode()).hexdigest()[:6]
    return now.strftime("%Y%m%dT%H%M%S") + f"{now.microsecond // 1000:03d}Z-{salt}"


def _write_version(
    folder: Path,
    manifest: Manifest,
    documents: list[Document],
    passages: list[Passage],
    vectors: np.ndarray,
    searched: int,
    index_kind: str,
    content_files: Mapping[str, str],
    multilingual: np.ndarray | None = None,
) -> None:
    """``searched``: the columns of ``vectors`` the FAISS index holds (the first model's); the rest, a second
    model's, go to a store of their own (``second.npy``) that only its scoring stage reads, as the
    multilingual stage's vectors go to theirs (``multilingual.npy``)."""
    store, index_record = build_store(np.ascontiguousarray(vectors[:, :searched]), index_kind)
    (folder / CONTENT).mkdir()
    for name, text in content_files.items():  # the wording this version answers with
        (folder / CONTENT / name).write_text(text, "utf-8")
    with (folder / TEXTS).open("w", encoding="utf-8") as fh:  # what the passages' offsets point into
        for d in documents:
            fh.write(json.dumps({"id": d.id, "source": d.source, "text": d.text}, ensure_ascii=False) + "\n")
    save_store(store, folder / VECTORS)
    with (folder / PASSAGES).open("w", encoding="utf-8") as fh:
        for p in passages:
            fh.write(json.dumps(p.to_dict(), ensure_ascii=False) + "\n")
    (folder / LEXICAL).mkdir()
    lexical = [
        f.relative_to(folder).as_posix() for f in LexicalIndex(lexical_documents(passages)).save(folder / LEXICAL)
    ]
    (folder / WORDS).write_text(json.dumps(sorted(corpus_words(passages)), ensure_ascii=False), "utf-8")
    names = [VECTORS, PASSAGES, WORDS, TEXTS, *lexical, *(f"{CONTENT}/{name}" for name in sorted(content_files))]
    if searched < vectors.shape[1]:
        np.save(folder / SECOND_VECTORS, np.ascontiguousarray(vectors[:, searched:], dtype=np.float32))
        names.append(SECOND_VECTORS)
    if multilingual is not None:
        np.save(folder / MULTILINGUAL_VECTORS, np.ascontiguousarray(multilingual, dtype=np.float32))
        names.append(MULTILINGUAL_VECTORS)
    files = {name: sha256_file(folder / name) for name in names}
    record = dataclasses.replace(manifest, index=index_record, files=files).to_dict()
    (folder / MANIFEST).write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n", "utf-8")
    for name in (*names, MANIFEST):
        fsync_file(folder / name)
    fsync_dir(folder / LEXICAL)
    fsync_dir(folder / CONTENT)
    fsync_dir(folder)


def build_index(
    documents: list[Document],
    encoder: Encoder,
    index_dir: Path,
    *,
    chunk_tokens: int,
    keep_versions: int = 3,
    skipped: list[Skipped] | None = None,
    progress: bool = False,
    gate: Callable[[Path], None] | None = None,
    switch: bool = True,
    index_kind: str = "auto",
    content_files: Mapping[str, str] | None = None,
    multilingual: MultilingualModel | None = None,
) -> BuildReport:
    """Chunk, embed and write a new version, then switch ``CURRENT`` to it. With ``multilingual``, the
    passages are embedded by that model too, for the multilingual stage (its own store).

    ``gate`` may inspect the finished version folder and raise to refuse the switch; the live index is
    untouched by any failure, and the unfinished folder is removed.
    """
    started = time.perf_counter()
    if not documents:
        raise BuildError("no usable documents to index")
    files = dict(content_files or default_files())
    content = parse_content(files)  # validated before anything is written
    max_tokens = min(chunk_tokens, encoder.max_seq_length)
    with build_lock(index_dir):
        root = versions_dir(index_dir)
        root.mkdir(parents=True, exist_ok=True)
        for stale in root.glob(TMP_PREFIX + "*"):  # left by a build that was killed
            shutil.rmtree(stale, ignore_errors=True)
        version = _new_version_id(documents)
        tmp = root / f"{TMP_PREFIX}{version}"
        try:
            tmp.mkdir()
        except OSError as exc:
            raise BuildError(f"could not create {tmp}: {exc.strerror or exc}") from None
        try:
            passages = chunk_documents(documents, encoder.count_tokens, max_tokens, content.boilerplate)
            if not passages:
                raise BuildError("the documents contain no indexable text")
            passages, warnings = link_translations(documents, passages)
            cache = EmbeddingCache(index_dir / "cache" / "embeddings.sqlite3")
            vectors, embedded = cache.embed(encoder, [p.embed_text for p in passages], progress=progress)
            multilingual_vectors = multilingual.encode([p.embed_text for p in passages]) if multilingual else None
            manifest = Manifest(
                version=version,
                built_at=datetime.now(UTC).isoformat(timespec="seconds"),
                model=ModelRecord(encoder.name, encoder.fingerprint, encoder.dimension),
                encoder=EncoderRecord(
                    encoder.backend,
                    getattr(encoder, "export", None),
                    getattr(encoder, "passage_runtime", encoder.backend),
                ),
                chunker=ChunkerRecord(CHUNKER_VERSION, max_tokens, boilerplate_fingerprint(content.boilerplate)),
                documents=tuple(
                    DocumentRecord(
                        d.id, d.title, d.checksum, d.language, d.url, d.source, d.translation_of, tuple(d.tags)
                    )
                    for d in documents
                ),
                passage_count=len(passages),
                index=IndexRecord(index_kind),  # replaced by the store's own record once it is built
                content=ContentRecord(content.fingerprint, tuple(sorted(files))),
                multilingual=(
                    ModelRecord(multilingual.name, multilingual.fingerprint, multilingual.dimension)
                    if multilingual
                    else None
                ),
            )
            searched = searched_dimension(encoder)
            _write_version(
                tmp, manifest, documents, passages, vectors, searched, index_kind, files, multilingual_vectors
            )
            final = root / version
            os.rename(tmp, final)
            fsync_dir(root)
        except OSError as exc:  # disk full, permissions...: a clear error, the live index untouched
            shutil.rmtree(tmp, ignore_errors=True)
            raise BuildError(f"could not write the new index in {root}: {exc.strerror or exc}") from None
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        with_text = {p.document_id for p in passages}
        empty = [
            Skipped(d.id, "no indexable text (only headings or site boilerplate)")
            for d in documents
            if d.id not in with_text
        ]
        report = BuildReport(
            version,
            len(with_text),
            len(passages),
            0.0,
            list(skipped or []) + empty,
            embedded=embedded,
            reused=len(passages) - embedded,
        )
        report.added, report.changed, report.removed = _document_changes(index_dir, documents)
        report.warnings = [
            f"{d.id}: left out {len(d.dropped)} page element(s) (navigation, banners...)"
            for d in documents
            if d.dropped
        ] + warnings
        try:
            if gate is not None:
                gate(final)
        except BaseException:
            shutil.rmtree(final, ignore_errors=True)
            raise
        if switch:
            switch_verified(index_dir, version, encoder)  # what was written is what goes live
            report.switched = True
            report.removed_versions = prune_versions(index_dir, keep_versions)
        report.seconds = time.perf_counter() - started
        return report


def _document_changes(index_dir: Path, documents: list[Document]) -> tuple[list[str], list[str], list[str]]:
    """Documents added, changed (checksum) and removed since the live version."""
    live = read_current(index_dir)
    try:
        before = {d.id: d.checksum for d in read_manifest(versions_dir(index_dir) / live).documents} if live else {}
    except IndexCorrupt:
        before = {}
    now = {d.id: d.checksum for d in documents}
    added = sorted(set(now) - set(before))
    changed = sorted(d for d in set(now) & set(before) if now[d] != before[d])
    return added, changed, sorted(set(before) - set(now))
