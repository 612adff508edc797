"""Index version folders on disk: ``versions/<id>/`` + the ``CURRENT`` pointer, written atomically.

Writes are atomic (build in a hidden temporary folder, fsync, rename, then replace ``CURRENT``), so a
crash at any moment leaves a complete old or new index. No pickle anywhere.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

from qa_service.core.errors import BuildError, IndexCorrupt, IndexNotReady
from qa_service.core.manifest import Manifest, ManifestError

MANIFEST, VECTORS, PASSAGES, CURRENT = "manifest.json", "vectors.faiss", "passages.jsonl", "CURRENT"
SECOND_VECTORS = "second.npy"  # a second model's passage vectors (QA_SECOND_MODEL), in their own store
MULTILINGUAL_VECTORS = "multilingual.npy"  # the multilingual stage's passage vectors (QA_MULTILINGUAL)
LEXICAL, WORDS = "lexical", "words.json"  # BM25 (bm25s's files) and the corpus words: no stemming at load
CONTENT = "content"  # a copy of the staff content files the version was built with
TEXTS = "texts.jsonl"  # each document's text as indexed (a web page's or PDF's extracted Markdown)
TMP_PREFIX = ".tmp-"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fsync_file(path: Path) -> None:
    with path.open("rb") as fh:
        os.fsync(fh.fileno())


def fsync_dir(path: Path) -> None:
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
        fsync_file(tmp)
        os.replace(tmp, index_dir / CURRENT)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise BuildError(f"could not switch {index_dir / CURRENT}: {exc.strerror or exc}; it is unchanged") from None
    fsync_dir(index_dir)


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


def prune_versions(index_dir: Path, keep: int) -> list[str]:
    """Remove all but the newest ``keep`` versions; the live one is never removed."""
    live = read_current(index_dir)
    existing = list_versions(index_dir)
    doomed = [v for v in existing[: max(0, len(existing) - keep)] if v != live]
    for version in doomed:
        shutil.rmtree(versions_dir(index_dir) / version, ignore_errors=True)
    return doomed


def read_manifest(folder: Path) -> Manifest:
    """A version's typed manifest; IndexCorrupt when it is missing, not JSON, or not this format's record."""
    try:
        data = json.loads((folder / MANIFEST).read_text("utf-8"))
    except FileNotFoundError:
        raise IndexCorrupt(f"{folder / MANIFEST} is missing") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise IndexCorrupt(f"{folder / MANIFEST} is not valid JSON: {exc}") from None
    try:
        return Manifest.from_dict(data)
    except ManifestError as exc:
        raise IndexCorrupt(f"{folder / MANIFEST} {exc}") from None
