"""Index artifacts: build, save, load, answer; damaged or foreign indexes are refused clearly."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from qa_service.core.answer import answer_question
from qa_service.core.documents import load_documents
from qa_service.core.encoder import Encoder
from qa_service.core.errors import BuildError, IndexCorrupt, IndexMismatch, IndexNotReady
from qa_service.core.manifest import Manifest
from qa_service.core.retrieval import Retriever
from qa_service.runtime.index_build import build_index
from qa_service.runtime.index_files import (
    LEXICAL,
    MANIFEST,
    PASSAGES,
    VECTORS,
    WORDS,
    list_versions,
    read_current,
    read_manifest,
    versions_dir,
)
from qa_service.runtime.index_load import load_current
from tests.conftest import DOCUMENTS


def _live_folder(index: Path) -> Path:
    return versions_dir(index) / str(read_current(index))


def test_built_index_has_a_complete_manifest(index_dir: Path, encoder: Encoder) -> None:
    manifest = json.loads((_live_folder(index_dir) / MANIFEST).read_text())
    assert manifest["model"] == {"name": encoder.name, "fingerprint": encoder.fingerprint, "dimension": 384}
    assert manifest["model"]["name"] == "sentence-transformers/all-MiniLM-L6-v2"
    assert manifest["encoder"]["backend"] == "onnx" and manifest["encoder"]["export"].endswith("/model.onnx")
    assert manifest["chunker"]["max_tokens"] <= 256
    assert manifest["documents"][0]["id"] == "pimples-after-microneedling.md"
    assert len(manifest["documents"][0]["checksum"]) == 64
    assert manifest["passage_count"] == sum(1 for _ in (_live_folder(index_dir) / PASSAGES).open())
    assert manifest["built_at"]


def test_loaded_index_answers_the_core_question(index_dir: Path, encoder: Encoder) -> None:
    retriever = Retriever(load_current(index_dir, encoder), encoder)
    result = answer_question(retriever, "Is it normal to get pimples after microneedling?")
    assert result.answered is True
    top = result.passages[0]
    assert top.source.document_id == "pimples-after-microneedling.md"
    assert "normal" in top.text and "pimples" in top.text


def test_damaged_vectors_are_refused(copy_of_index: Path, encoder: Encoder) -> None:
    vectors = _live_folder(copy_of_index) / VECTORS
    data = bytearray(vectors.read_bytes())
    data[len(data) // 2] ^= 0xFF
    vectors.write_bytes(bytes(data))
    with pytest.raises(IndexCorrupt, match="checksum"):
        load_current(copy_of_index, encoder)
    vectors.write_bytes(bytes(data[:100]))
    with pytest.raises(IndexCorrupt):
        load_current(copy_of_index, encoder)


def test_missing_passages_file_is_refused(copy_of_index: Path, encoder: Encoder) -> None:
    (_live_folder(copy_of_index) / PASSAGES).unlink()
    with pytest.raises(IndexCorrupt, match="missing"):
        load_current(copy_of_index, encoder)


def test_the_typed_manifest_reads_and_writes_the_same_json(index_dir: Path) -> None:
    written = json.loads((_live_folder(index_dir) / MANIFEST).read_text())
    typed = read_manifest(_live_folder(index_dir))
    assert typed.to_dict() == written and Manifest.from_dict(written) == typed
    assert typed.documents[0].checksum == written["documents"][0]["checksum"] and typed.index.kind == "flat"


def test_a_manifest_missing_a_field_is_a_damaged_index_named_by_its_file(copy_of_index: Path, encoder: Encoder) -> None:
    path = _live_folder(copy_of_index) / MANIFEST
    manifest = json.loads(path.read_text())
    del manifest["passage_count"]
    path.write_text(json.dumps(manifest))
    with pytest.raises(IndexCorrupt, match="manifest.json is missing or has a malformed field.*passage_count"):
        load_current(copy_of_index, encoder)


def test_manifest_for_another_model_is_refused(copy_of_index: Path, encoder: Encoder) -> None:
    path = _live_folder(copy_of_index) / MANIFEST
    manifest = json.loads(path.read_text())
    manifest["model"]["name"] = "sentence-transformers/paraphrase-multilingual-MiniLM-L12-v2"
    path.write_text(json.dumps(manifest))
    with pytest.raises(IndexMismatch, match="paraphrase-multilingual"):
        load_current(copy_of_index, encoder)
    manifest["model"]["name"] = encoder.name
    manifest["model"]["fingerprint"] = "0" * 64
    path.write_text(json.dumps(manifest))
    with pytest.raises(IndexMismatch, match="other weights"):
        load_current(copy_of_index, encoder)


def test_missing_index_says_how_to_build_one(tmp_path: Path, encoder: Encoder) -> None:
    with pytest.raises(IndexNotReady, match="build-index"):
        load_current(tmp_path, encoder)


def test_a_failed_build_leaves_the_live_index_untouched(copy_of_index: Path, encoder: Encoder) -> None:
    live = read_current(copy_of_index)
    before = list_versions(copy_of_index)
    documents, _ = load_documents(DOCUMENTS)

    def refuse(folder: Path) -> None:
        raise BuildError("gate says no")

    with pytest.raises(BuildError, match="gate says no"):
        build_index(documents, encoder, copy_of_index, chunk_tokens=200, gate=refuse)
    assert read_current(copy_of_index) == live
    assert list_versions(copy_of_index) == before
    assert not list((versions_dir(copy_of_index)).glob(".tmp-*"))
    load_current(copy_of_index, encoder)


def test_old_versions_are_pruned_but_the_live_one_kept(tmp_path: Path, encoder: Encoder) -> None:
    documents, _ = load_documents(DOCUMENTS)
    reports = [build_index(documents, encoder, tmp_path, chunk_tokens=200, keep_versions=2) for _ in range(3)]
    assert list_versions(tmp_path) == [r.version for r in reports[1:]]
    assert read_current(tmp_path) == reports[-1].version
    assert reports[-1].removed_versions == [reports[0].version]


def test_no_documents_is_a_clear_build_error(tmp_path: Path, encoder: Encoder) -> None:
    with pytest.raises(BuildError, match="no usable documents"):
        build_index([], encoder, tmp_path, chunk_tokens=200)
    assert read_current(tmp_path) is None


def test_an_approximate_index_is_recorded_and_answers_the_same(tmp_path: Path, encoder: Encoder) -> None:
    documents, _ = load_documents(DOCUMENTS)
    build_index(documents, encoder, tmp_path, chunk_tokens=200, index_kind="hnsw")
    manifest = json.loads((_live_folder(tmp_path) / MANIFEST).read_text())
    assert manifest["index"]["kind"] == "hnsw"
    retriever = Retriever(load_current(tmp_path, encoder), encoder)
    result = answer_question(retriever, "How long do pimples last after microneedling?")
    assert "within a few days to a week" in result.passages[0].text


def test_the_lexical_index_is_saved_with_the_version_and_matches_one_built_in_memory(
    index_dir: Path, encoder: Encoder
) -> None:
    from qa_service.core.lexical import LexicalIndex, corpus_words, lexical_documents

    folder = _live_folder(index_dir)
    files = json.loads((folder / MANIFEST).read_text())["files"]
    assert WORDS in files and any(name.startswith(f"{LEXICAL}/") for name in files)
    loaded = load_current(index_dir, encoder)
    fresh = LexicalIndex(lexical_documents(loaded.passages))
    for stems in (["pimpl", "week"], ["redness"], ["unknownword"]):
        assert np.array_equal(loaded.lexical.top(stems, 10)[0], fresh.top(stems, 10)[0])
    assert loaded.words == corpus_words(loaded.passages)


def test_a_damaged_lexical_file_is_refused(copy_of_index: Path, encoder: Encoder) -> None:
    target = next((_live_folder(copy_of_index) / LEXICAL).glob("data*"))
    data = bytearray(target.read_bytes())
    data[-1] ^= 0xFF
    target.write_bytes(bytes(data))
    with pytest.raises(IndexCorrupt, match="checksum"):
        load_current(copy_of_index, encoder)


def test_a_version_saved_without_its_lexical_index_still_answers(copy_of_index: Path, encoder: Encoder) -> None:
    """Versions built before the lexical index was saved: the Retriever indexes the passages itself."""
    import shutil

    folder = _live_folder(copy_of_index)
    manifest = json.loads((folder / MANIFEST).read_text())
    manifest["files"] = {k: v for k, v in manifest["files"].items() if k in (VECTORS, PASSAGES)}
    (folder / MANIFEST).write_text(json.dumps(manifest))
    shutil.rmtree(folder / LEXICAL)
    (folder / WORDS).unlink()
    loaded = load_current(copy_of_index, encoder)
    assert loaded.lexical is None and loaded.words is None
    result = answer_question(Retriever(loaded, encoder), "Is it normal to get pimples after microneedling?")
    assert result.answered and "pimples" in result.passages[0].text


def test_build_progress_is_a_line_per_tenth_when_not_on_a_terminal() -> None:
    import io

    from qa_service.runtime.progress import progress

    out = io.StringIO()
    assert list(progress(list(range(37)), "embedding", out)) == list(range(37))
    lines = out.getvalue().splitlines()
    assert "\r" not in out.getvalue() and 9 <= len(lines) <= 11
    assert lines[-1] == "embedding: 100% (37/37 batches)"
    assert [int(line.split()[1].rstrip("%")) for line in lines] == sorted(int(x.split()[1][:-1]) for x in lines)
    out = io.StringIO()
    list(progress([1], "embedding", out))
    assert out.getvalue() == "embedding: 100% (1/1 batches)\n"
