"""Checking an index version without loading it: the model it was built with, and every file's checksum.

Apart from loading (``index_load``) so that the check `make serve` runs before serving (`build-index
--if-missing`) imports neither BM25 nor FAISS nor the model's runtime.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from qa_service.core.errors import IndexCorrupt, IndexMismatch, IndexNotReady
from qa_service.core.manifest import Manifest
from qa_service.runtime.index_files import PASSAGES, VECTORS, read_manifest, sha256_file, switch_current, versions_dir


class ModelIdentity(Protocol):
    """What an index is checked against: an encoder, or the identity of one not yet loaded (a
    ``ModelRecord`` read from its export)."""

    @property
    def name(self) -> str: ...

    @property
    def fingerprint(self) -> str: ...

    @property
    def dimension(self) -> int: ...


def check_model(manifest: Manifest, encoder: ModelIdentity, where: Path) -> None:
    """Refuse an index built with another model: its vectors would be meaningless to this encoder."""
    model = manifest.model
    if model.name != encoder.name:
        raise IndexMismatch(
            f"index {where.name} was built with model {model.name!r} but the service uses "
            f"{encoder.name!r}; rebuild the index (qa-service build-index) or set QA_MODEL"
        )
    if model.fingerprint != encoder.fingerprint or model.dimension != encoder.dimension:
        raise IndexMismatch(
            f"index {where.name} was built with other weights of {encoder.name!r} (fingerprint or dimension "
            "differs); rebuild the index"
        )


def verify_version(index_dir: Path, version: str, encoder: ModelIdentity) -> Manifest:
    """Check a version without loading it: it exists, its manifest names the configured model's weights,
    and every file matches its checksum. Returns the manifest; raises IndexCorrupt / IndexMismatch /
    IndexNotReady with a message that says what is wrong."""
    folder = versions_dir(index_dir) / version
    if not folder.is_dir():
        raise IndexNotReady(f"index version {version!r} does not exist in {versions_dir(index_dir)}")
    manifest = read_manifest(folder)
    check_model(manifest, encoder, folder)
    files = manifest.files
    for name in sorted({VECTORS, PASSAGES} | set(files)):
        path = folder / name
        if ".." in Path(name).parts or not path.is_file():
            raise IndexCorrupt(f"{path} is missing; rebuild the index")
        if sha256_file(path) != files.get(name):
            raise IndexCorrupt(f"{path} does not match the checksum in its manifest (damaged file); rebuild")
    return manifest


def switch_verified(index_dir: Path, version: str, encoder: ModelIdentity, *, force: bool = False) -> None:
    """Point ``CURRENT`` at ``version`` only once it verifies (``force``: switch anyway, e.g. a staff
    member's deliberate choice); a refused switch leaves ``CURRENT`` as it was."""
    if not force:
        verify_version(index_dir, version, encoder)
    switch_current(index_dir, version)
