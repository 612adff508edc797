"""Loading an index version: every file checked against its manifest and the model, before it serves.

A damaged or foreign version is refused with a clear error (IndexCorrupt / IndexMismatch / IndexNotReady),
so a worker keeps serving what it had.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from qa_service.core.chunking import Passage
from qa_service.core.content import FILES, OPTIONAL, ContentError, parse_content
from qa_service.core.encoder import Encoder, searched_dimension
from qa_service.core.errors import IndexCorrupt, IndexMismatch, IndexNotReady
from qa_service.core.lexical import LexicalIndex
from qa_service.core.loaded_index import LoadedIndex
from qa_service.core.manifest import Manifest
from qa_service.runtime.faiss_store import load_store
from qa_service.runtime.index_files import (
    CONTENT,
    LEXICAL,
    MULTILINGUAL_VECTORS,
    PASSAGES,
    SECOND_VECTORS,
    VECTORS,
    WORDS,
    read_current,
    versions_dir,
)
from qa_service.runtime.index_verify import verify_version


def load_version(index_dir: Path, version: str, encoder: Encoder) -> LoadedIndex:
    """Load and verify one version completely; raises IndexCorrupt / IndexMismatch / IndexNotReady."""
    folder = versions_dir(index_dir) / version
    manifest = verify_version(index_dir, version, encoder)
    files = manifest.files
    vectors = load_store(folder / VECTORS)
    try:
        with (folder / PASSAGES).open(encoding="utf-8") as fh:
            passages = [_passage(json.loads(line)) for line in fh if line.strip()]
    except (ValueError, TypeError) as exc:
        raise IndexCorrupt(f"{folder / PASSAGES} is damaged: {exc}") from None
    count = manifest.passage_count
    searched = searched_dimension(encoder)
    if not (vectors.size == len(passages) == count) or vectors.dimension != searched:
        raise IndexCorrupt(
            f"index {version} is inconsistent: {vectors.size} vectors of dimension {vectors.dimension}, "
            f"{len(passages)} passages, manifest says {count}"
        )
    second = _second_vectors(folder, files, version, len(passages), encoder.dimension - searched)
    lexical, vocabulary = None, None
    if WORDS in files:  # versions built before the lexical index was saved get it rebuilt by the Retriever
        try:
            lexical = LexicalIndex.load(folder / LEXICAL)
            vocabulary = set(json.loads((folder / WORDS).read_text("utf-8")))
        except (OSError, ValueError, KeyError) as exc:
            raise IndexCorrupt(f"the lexical index of {version} cannot be read: {exc}") from None
        if lexical.size != len(passages):
            raise IndexCorrupt(f"index {version} is inconsistent: BM25 over {lexical.size} passages, {len(passages)}")
    content = None
    if manifest.content is not None:  # versions built before content was kept with them answer with the defaults
        try:
            names = [*FILES, *(name for name in OPTIONAL if (folder / CONTENT / name).is_file())]
            content = parse_content({name: (folder / CONTENT / name).read_text("utf-8") for name in names})
        except (OSError, ContentError) as exc:
            raise IndexCorrupt(f"the content of {version} cannot be read: {exc}") from None
    multilingual = _multilingual_vectors(folder, manifest, len(passages))
    return LoadedIndex(version, manifest, passages, vectors, lexical, vocabulary, content, second, multilingual)


def _multilingual_vectors(folder: Path, manifest: Manifest, rows: int) -> np.ndarray | None:
    """The multilingual stage's passage vectors, or None for a version built without them (the stage is
    then skipped: such a version still answers, as it did when it was built)."""
    model = manifest.multilingual
    if model is None or MULTILINGUAL_VECTORS not in manifest.files:
        return None
    try:
        vectors = np.load(folder / MULTILINGUAL_VECTORS, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise IndexCorrupt(f"{folder / MULTILINGUAL_VECTORS} cannot be read: {exc}") from None
    if vectors.shape != (rows, model.dimension):
        raise IndexCorrupt(
            f"index {manifest.version} is inconsistent: multilingual vectors {vectors.shape}, "
            f"not {(rows, model.dimension)}"
        )
    return np.asarray(vectors, dtype=np.float32)


def _second_vectors(
    folder: Path, files: Mapping[str, str], version: str, rows: int, dimension: int
) -> np.ndarray | None:
    """The second model's passage vectors (their own store), or None when the encoder is one model."""
    if not dimension:
        return None
    if SECOND_VECTORS not in files:
        raise IndexMismatch(f"index {version} keeps no second model's vectors of its own; rebuild the index")
    try:
        second = np.load(folder / SECOND_VECTORS, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise IndexCorrupt(f"{folder / SECOND_VECTORS} cannot be read: {exc}") from None
    if second.shape != (rows, dimension):
        raise IndexCorrupt(
            f"index {version} is inconsistent: second model's vectors {second.shape}, not {(rows, dimension)}"
        )
    return np.asarray(second, dtype=np.float32)


def _passage(row: dict[str, Any]) -> Passage:
    """A stored passage (JSON lists back to the tuples of the frozen dataclass)."""
    if "translations" in row:
        row["translations"] = tuple(tuple(pair) for pair in row["translations"])
    for key in ("tags", "also_called"):
        if key in row:
            row[key] = tuple(row[key])
    return Passage(**row)


def load_current(index_dir: Path, encoder: Encoder) -> LoadedIndex:
    version = read_current(index_dir)
    if version is None:
        raise IndexNotReady(f"no index has been built in {index_dir}; run `qa-service build-index`")
    return load_version(index_dir, version, encoder)
