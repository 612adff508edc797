"""Versioned index artifacts: ``versions/<id>/{manifest.json, vectors.faiss, passages.jsonl}`` + ``CURRENT``.

Writes are atomic (build in a hidden temporary folder, fsync, rename, then replace ``CURRENT``), so a
crash at any moment leaves a complete old or new index. Loads verify the manifest against the model
and the files' checksums, so a damaged or foreign index is refused with a clear error. No pickle.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from qa_service.core.chunking import CHUNKER_VERSION, Passage, boilerplate_fingerprint, chunk_documents
from qa_service.core.documents import Document, Skipped
from qa_service.core.embedding import Encoder
from qa_service.core.embedding_cache import EmbeddingCache
from qa_service.core.errors import BuildError, IndexCorrupt, IndexMismatch, IndexNotReady
from qa_service.core.lexical import LexicalIndex, corpus_words, lexical_documents
from qa_service.core.vector_index import FaissStore, VectorStore, make_vector_index

FORMAT_VERSION = 1
MANIFEST, VECTORS, PASSAGES, CURRENT = "manifest.json", "vectors.faiss", "passages.jsonl", "CURRENT"
LEXICAL, WORDS = "lexical", "words.json"  # BM25 (bm25s's files) and the corpus words: no stemming at load
_TMP_PREFIX = ".tmp-"


@dataclass(frozen=True)
class LoadedIndex:
    """A verified index version in memory: what the retriever searches."""

    version: str
    manifest: dict[str, Any]
    passages: list[Passage]
    vectors: VectorStore
    lexical: LexicalIndex | None = None  # saved with the version; None: the Retriever builds it
    words: set[str] | None = None  # the corpus words for spelling correction, likewise


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


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fsync_file(path: Path) -> None:
    with path.open("rb") as fh:
        os.fsync(fh.fileno())


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def versions_dir(index_dir: Path) -> Path:
    return index_dir / "versions"


def read_current(index_dir: Path) -> str | None:
    """The live version named by ``CURRENT``, or None when nothing was built yet."""
    try:
        name = (index_dir / CURRENT).read_text("utf-8").strip()
    except FileNotFoundError:
        return None
    return name or None


def switch_current(index_dir: Path, version: str) -> None:
    """Point ``CURRENT`` at ``version`` atomically (write, fsync, rename, fsync the folder)."""
    if not (versions_dir(index_dir) / version / MANIFEST).is_file():
        raise IndexNotReady(f"index version {version!r} does not exist in {versions_dir(index_dir)}")
    tmp = index_dir / f".{CURRENT}.{os.getpid()}.tmp"
    try:
        tmp.write_text(version + "\n", "utf-8")
        _fsync_file(tmp)
        os.replace(tmp, index_dir / CURRENT)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise BuildError(f"could not switch {index_dir / CURRENT}: {exc.strerror or exc}; it is unchanged") from None
    _fsync_dir(index_dir)


def list_versions(index_dir: Path) -> list[str]:
    """Complete versions on disk, oldest first (version ids sort by build time)."""
    root = versions_dir(index_dir)
    if not root.is_dir():
        return []
    return sorted(
        p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith(".") and (p / MANIFEST).exists()
    )


@contextlib.contextmanager
def build_lock(index_dir: Path, *, wait: bool = False) -> Iterator[None]:
    """One build at a time per index folder; a second one fails fast with a clear message."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with (index_dir / ".build.lock").open("a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BuildError(f"another index build is running on {index_dir}; try again when it ends") from None
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _new_version_id(documents: list[Document]) -> str:
    now = datetime.now(UTC)
    salt = hashlib.sha256(("".join(d.checksum for d in documents) + now.isoformat()).encode()).hexdigest()[:6]
    return now.strftime("%Y%m%dT%H%M%S") + f"{now.microsecond // 1000:03d}Z-{salt}"


def _write_version(
    folder: Path, manifest: dict[str, Any], passages: list[Passage], vectors: np.ndarray, index_kind: str
) -> None:
    index, manifest["index"] = make_vector_index(vectors, index_kind)
    try:
        faiss.write_index(index, str(folder / VECTORS))
    except RuntimeError as exc:  # FAISS reports a failed write (e.g. disk full) as RuntimeError
        raise OSError(str(exc).strip().splitlines()[-1][-300:]) from None
    with (folder / PASSAGES).open("w", encoding="utf-8") as fh:
        for p in passages:
            fh.write(json.dumps(p.to_dict(), ensure_ascii=False) + "\n")
    (folder / LEXICAL).mkdir()
    lexical = [
        f.relative_to(folder).as_posix() for f in LexicalIndex(lexical_documents(passages)).save(folder / LEXICAL)
    ]
    (folder / WORDS).write_text(json.dumps(sorted(corpus_words(passages)), ensure_ascii=False), "utf-8")
    names = [VECTORS, PASSAGES, WORDS, *lexical]
    manifest["files"] = {name: _sha256_file(folder / name) for name in names}
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", "utf-8")
    for name in (*names, MANIFEST):
        _fsync_file(folder / name)
    _fsync_dir(folder / LEXICAL)
    _fsync_dir(folder)


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
) -> BuildReport:
    """Chunk, embed and write a new version, then switch ``CURRENT`` to it.

    ``gate`` may inspect the finished version folder and raise to refuse the switch; the live index is
    untouched by any failure, and the unfinished folder is removed.
    """
    started = time.perf_counter()
    if not documents:
        raise BuildError("no usable documents to index")
    max_tokens = min(chunk_tokens, encoder.max_seq_length)
    with build_lock(index_dir):
        root = versions_dir(index_dir)
        root.mkdir(parents=True, exist_ok=True)
        for stale in root.glob(_TMP_PREFIX + "*"):  # left by a build that was killed
            shutil.rmtree(stale, ignore_errors=True)
        version = _new_version_id(documents)
        tmp = root / f"{_TMP_PREFIX}{version}"
        try:
            tmp.mkdir()
        except OSError as exc:
            raise BuildError(f"could not create {tmp}: {exc.strerror or exc}") from None
        try:
            passages = chunk_documents(documents, encoder.count_tokens, max_tokens)
            if not passages:
                raise BuildError("the documents contain no indexable text")
            cache = EmbeddingCache(index_dir / "cache" / "embeddings.sqlite3")
            vectors, embedded = cache.embed(encoder, [p.embed_text for p in passages], progress=progress)
            manifest = {
                "format": FORMAT_VERSION,
                "version": version,
                "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "model": {"name": encoder.name, "fingerprint": encoder.fingerprint, "dimension": encoder.dimension},
                # The runtime that embedded the passages; ONNX exports come from the same local weights.
                "encoder": {
                    "backend": encoder.backend,
                    "export": getattr(encoder, "export", None),
                    "passages": getattr(encoder, "passage_runtime", encoder.backend),
                },
                "chunker": {
                    "version": CHUNKER_VERSION,
                    "max_tokens": max_tokens,
                    "boilerplate": boilerplate_fingerprint(),
                },
                "documents": [
                    {"id": d.id, "title": d.title, "language": d.language, "url": d.url, "checksum": d.checksum}
                    for d in documents
                ],
                "passage_count": len(passages),
            }
            _write_version(tmp, manifest, passages, vectors, index_kind)
            final = root / version
            os.rename(tmp, final)
            _fsync_dir(root)
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
        try:
            if gate is not None:
                gate(final)
        except BaseException:
            shutil.rmtree(final, ignore_errors=True)
            raise
        if switch:
            switch_current(index_dir, version)
            report.switched = True
            report.removed_versions = prune_versions(index_dir, keep_versions)
        report.seconds = time.perf_counter() - started
        return report


def _document_changes(index_dir: Path, documents: list[Document]) -> tuple[list[str], list[str], list[str]]:
    """Documents added, changed (checksum) and removed since the live version."""
    live = read_current(index_dir)
    try:
        before = (
            {d["id"]: d["checksum"] for d in read_manifest(versions_dir(index_dir) / live)["documents"]} if live else {}
        )
    except (IndexCorrupt, KeyError, TypeError):
        before = {}
    now = {d.id: d.checksum for d in documents}
    added = sorted(set(now) - set(before))
    changed = sorted(d for d in set(now) & set(before) if now[d] != before[d])
    return added, changed, sorted(set(before) - set(now))


def prune_versions(index_dir: Path, keep: int) -> list[str]:
    """Remove all but the newest ``keep`` versions; the live one is never removed."""
    live = read_current(index_dir)
    existing = list_versions(index_dir)
    doomed = [v for v in existing[: max(0, len(existing) - keep)] if v != live]
    for version in doomed:
        shutil.rmtree(versions_dir(index_dir) / version, ignore_errors=True)
    return doomed


def read_manifest(folder: Path) -> dict[str, Any]:
    try:
        manifest = json.loads((folder / MANIFEST).read_text("utf-8"))
    except FileNotFoundError:
        raise IndexCorrupt(f"{folder / MANIFEST} is missing") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise IndexCorrupt(f"{folder / MANIFEST} is not valid JSON: {exc}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_VERSION:
        raise IndexCorrupt(f"{folder / MANIFEST} has an unknown format; rebuild the index")
    return manifest


def check_model(manifest: dict[str, Any], encoder: Encoder, where: Path) -> None:
    """Refuse an index built with another model: its vectors would be meaningless to this encoder."""
    model = manifest.get("model") or {}
    if model.get("name") != encoder.name:
        raise IndexMismatch(
            f"index {where.name} was built with model {model.get('name')!r} but the service uses "
            f"{encoder.name!r}; rebuild the index (qa-service build-index) or set QA_MODEL"
        )
    if model.get("fingerprint") != encoder.fingerprint or model.get("dimension") != encoder.dimension:
        raise IndexMismatch(
            f"index {where.name} was built with other weights of {encoder.name!r} (fingerprint or dimension "
            "differs); rebuild the index"
        )


def load_version(index_dir: Path, version: str, encoder: Encoder) -> LoadedIndex:
    """Load and verify one version completely; raises IndexCorrupt / IndexMismatch / IndexNotReady."""
    folder = versions_dir(index_dir) / version
    if not folder.is_dir():
        raise IndexNotReady(f"index version {version!r} named by {index_dir / CURRENT} does not exist")
    manifest = read_manifest(folder)
    check_model(manifest, encoder, folder)
    files = manifest.get("files") or {}
    for name in sorted({VECTORS, PASSAGES} | set(files)):
        path = folder / name
        if ".." in Path(name).parts or not path.is_file():
            raise IndexCorrupt(f"{path} is missing; rebuild the index")
        if _sha256_file(path) != files.get(name):
            raise IndexCorrupt(f"{path} does not match the checksum in its manifest (damaged file); rebuild")
    try:
        vectors = FaissStore(faiss.read_index(str(folder / VECTORS)))
    except RuntimeError as exc:
        raise IndexCorrupt(f"{folder / VECTORS} cannot be read: {str(exc).splitlines()[0]}") from None
    try:
        with (folder / PASSAGES).open(encoding="utf-8") as fh:
            passages = [Passage(**json.loads(line)) for line in fh if line.strip()]
    except (ValueError, TypeError) as exc:
        raise IndexCorrupt(f"{folder / PASSAGES} is damaged: {exc}") from None
    count = manifest.get("passage_count")
    if not (vectors.size == len(passages) == count) or vectors.dimension != encoder.dimension:
        raise IndexCorrupt(
            f"index {version} is inconsistent: {vectors.size} vectors of dimension {vectors.dimension}, "
            f"{len(passages)} passages, manifest says {count}"
        )
    lexical, vocabulary = None, None
    if WORDS in files:  # versions built before the lexical index was saved get it rebuilt by the Retriever
        try:
            lexical = LexicalIndex.load(folder / LEXICAL)
            vocabulary = set(json.loads((folder / WORDS).read_text("utf-8")))
        except (OSError, ValueError, KeyError) as exc:
            raise IndexCorrupt(f"the lexical index of {version} cannot be read: {exc}") from None
        if lexical.size != len(passages):
            raise IndexCorrupt(f"index {version} is inconsistent: BM25 over {lexical.size} passages, {len(passages)}")
    return LoadedIndex(version, manifest, passages, vectors, lexical, vocabulary)


def load_current(index_dir: Path, encoder: Encoder) -> LoadedIndex:
    version = read_current(index_dir)
    if version is None:
        raise IndexNotReady(f"no index has been built in {index_dir}; run `qa-service build-index`")
    return load_version(index_dir, version, encoder)
