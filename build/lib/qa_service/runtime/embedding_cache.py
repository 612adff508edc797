"""Vectors of passages already embedded, keyed by model fingerprint + passage text (SQLite, no pickle).

Editing one article among many re-embeds only its changed passages; a damaged cache is ignored
(everything is embedded again), never trusted.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import sqlite3
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from qa_service.core.encoder import Encoder

log = logging.getLogger(__name__)


def cache_key(fingerprint: str, text: str) -> str:
    return hashlib.sha256(f"{fingerprint}\0{text}".encode()).hexdigest()


class EmbeddingCache:
    def __init__(self, path: Path) -> None:
        self.path = path

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, timeout=30.0)
        db.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, dim INTEGER NOT NULL, vec BLOB NOT NULL)")
        return db

    def embed(self, encoder: Encoder, texts: Sequence[str], *, progress: bool = False) -> tuple[np.ndarray, int]:
        """Vectors for ``texts`` (reusing cached ones); returns (vectors, how many were newly embedded)."""
        keys = [cache_key(encoder.fingerprint, t) for t in texts]
        found: dict[str, np.ndarray] = {}
        try:
            with contextlib.closing(self._connect()) as db, db:
                for start in range(0, len(keys), 500):
                    chunk = keys[start : start + 500]
                    marks = ",".join("?" * len(chunk))
                    for key, dim, blob in db.execute(
                        f"SELECT key, dim, vec FROM vectors WHERE key IN ({marks})", chunk
                    ):  # noqa: S608
                        vec = np.frombuffer(blob, dtype=np.float32)
                        if dim == encoder.dimension and vec.shape == (dim,) and np.isfinite(vec).all():
                            found[key] = vec
        except sqlite3.Error as exc:
            log.warning("embedding cache %s unreadable (%s); embedding everything", self.path, exc)
            found = {}
        missing = [i for i, k in enumerate(keys) if k not in found]
        fresh = encoder.encode([texts[i] for i in missing], progress=progress) if missing else None
        out = np.zeros((len(texts), encoder.dimension), dtype=np.float32)
        for i, key in enumerate(keys):
            if key in found:
                out[i] = found[key]
        if fresh is not None:
            out[missing] = fresh
            try:
                with contextlib.closing(self._connect()) as db, db:
                    db.executemany(
                        "INSERT OR REPLACE INTO vectors (key, dim, vec) VALUES (?, ?, ?)",
                        [(keys[i], encoder.dimension, fresh[j].tobytes()) for j, i in enumerate(missing)],
                    )
            except sqlite3.Error as exc:
                log.warning("embedding cache %s not updated: %s", self.path, exc)
        return out, len(missing)
