"""The project's own models (the clinic cross-encoder), kept in the repository's ``models/`` folder and
installed into ``QA_MODEL_CACHE_DIR`` with every file's sha256 checked: never inside the package.

Like the second model, an opt-in arrives at set-up (``make reranker``, ``qa-service install-model
clinic-minilm-reranker``), not with every install of the service. The hashes below are the files as
trained (scripts/train_reranker.py prints them); a file that differs is refused, at install and again
when a worker loads it (``runtime/reranker.py``). The copy lands beside its destination and is renamed
into place, so an interrupted install leaves nothing a setting could load.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from qa_service.core.errors import ConfigError
from qa_service.runtime.index_files import sha256_file

PROJECT_MODELS = Path(__file__).resolve().parents[2] / "models"  # a checkout's models/ folder


@dataclass(frozen=True)
class BundledModel:
    name: str
    files: tuple[tuple[str, str], ...]  # (file name, sha256)


BUNDLED_MODELS = {
    "clinic-minilm-reranker": BundledModel(
        "clinic-minilm-reranker",
        (
            ("reranker.int8.onnx", "89d73abef1ac06af0a1285de38053ef459b7888dd1641911a395f2c7c62b9830"),
            ("reranker.json", "4fe2ff2148aad12b8e9b7ef6b44d148f9c42543009f8168456bb157865002710"),
            ("tokenizer.json", "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"),
        ),
    ),
}


def _verify(folder: Path, model: BundledModel) -> None:
    for name, digest in model.files:
        path = folder / name
        if not path.is_file():
            raise ConfigError(f"{model.name}: {path} is missing")
        if sha256_file(path) != digest:
            raise ConfigError(f"{model.name}: {path} does not match its recorded sha256 {digest}; refusing it")


def install_bundled(name: str, models_dir: Path, source: Path = PROJECT_MODELS) -> Path:
    """Copy and verify a bundled model into ``models_dir``; returns its folder. An installed folder is
    verified again rather than copied twice."""
    model = BUNDLED_MODELS[name]
    final = models_dir / model.name
    if final.is_dir():
        _verify(final, model)
        return final
    origin = source / model.name
    if not origin.is_dir():
        raise ConfigError(f"{model.name} is installed from a checkout of the project ({origin} does not exist)")
    _verify(origin, model)
    models_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".install-", dir=models_dir) as scratch:
        copy = Path(scratch) / model.name
        copy.mkdir()
        for file, _ in model.files:
            shutil.copy2(origin / file, copy / file)
        _verify(copy, model)
        copy.rename(final)
    return final


def reranker_folder(value: str, models_dir: Path) -> Path:
    """QA_RERANKER as a folder: an installed bundled model by name, or a folder train_reranker.py wrote."""
    if value in BUNDLED_MODELS:
        folder = models_dir / value
        if not folder.is_dir():
            raise ConfigError(
                f"QA_RERANKER={value!r} is not installed in {models_dir}: run `make reranker` (or `qa-service "
                f"install-model {value}`), or set QA_RERANKER=off (the default)"
            )
        return folder
    folder = Path(value).expanduser()
    if not folder.is_dir():
        known = ", ".join(sorted(BUNDLED_MODELS))
        raise ConfigError(f"QA_RERANKER={value!r} is neither off, an installed model ({known}) nor a folder")
    return folder
