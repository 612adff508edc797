"""An index version's manifest as typed records: what was built, from what, with which model and files.

The JSON on disk (``manifest.json``) keeps its keys; every reader goes through ``Manifest.from_dict``, so a
missing or misspelt field is one clear error where the file is read, not a ``KeyError`` in a request.
Fields added after the first format (``content``, ``files``) are optional: older versions still load.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

FORMAT_VERSION = 1


class ManifestError(ValueError):
    """A manifest that is not a record of this format (the runtime reports it as a damaged index)."""


@dataclass(frozen=True)
class ModelRecord:
    """The model whose vectors the version holds; an index is only served by the same weights."""

    name: str
    fingerprint: str
    dimension: int


@dataclass(frozen=True)
class EncoderRecord:
    """The runtime that embedded the passages (ONNX exports come from the same local weights)."""

    backend: str
    export: str | None = None
    passages: str | None = None


# The chunker's version, recorded by every build: a version cut by an older one is rebuilt (`build-index
# --if-missing`). Here, not in chunking.py, so that check imports no reader. 2: a list's lead-in was
# dropped; 3: the title is embedded, a lead-in joins its list.
CHUNKER_VERSION = 3


@dataclass(frozen=True)
class ChunkerRecord:
    version: int
    max_tokens: int
    boilerplate: str = ""


@dataclass(frozen=True)
class DocumentRecord:
    """One article as the version indexed it."""

    id: str
    title: str
    checksum: str
    language: str | None = None
    url: str | None = None
    source: str | None = None
    translation_of: str | None = None
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class ContentRecord:
    """The staff content the version was built with (kept in its ``content/`` folder)."""

    fingerprint: str
    files: tuple[str, ...] = ()


@dataclass(frozen=True)
class IndexRecord:
    """The vector index's kind and its parameters (HNSW's M, efConstruction, efSearch)."""

    kind: str
    params: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Manifest:
    version: str
    built_at: str
    model: ModelRecord
    encoder: EncoderRecord
    chunker: ChunkerRecord
    documents: tuple[DocumentRecord, ...]
    passage_count: int
    index: IndexRecord
    content: ContentRecord | None = None  # None: built before content was kept with versions (defaults)
    files: Mapping[str, str] = field(default_factory=dict)  # relative path → sha256
    format: int = FORMAT_VERSION
    multilingual: ModelRecord | None = None  # the multilingual stage's model, when its store was written

    def to_dict(self) -> dict[str, Any]:
        """The JSON object written to ``manifest.json`` (the same keys as every earlier build)."""
        data: dict[str, Any] = {
            "format": self.format,
            "version": self.version,
            "built_at": self.built_at,
            "model": vars(self.model).copy(),
            "encoder": vars(self.encoder).copy(),
            "chunker": vars(self.chunker).copy(),
            "documents": [{**vars(d), "tags": list(d.tags)} for d in self.documents],
            "passage_count": self.passage_count,
            "index": {"kind": self.index.kind, **self.index.params},
        }
        if self.content is not None:
            data["content"] = {"fingerprint": self.content.fingerprint, "files": list(self.content.files)}
        data["files"] = dict(self.files)
        if self.multilingual is not None:
            data["multilingual"] = vars(self.multilingual).copy()
        return data

    @classmethod
    def from_dict(cls, data: Any) -> Manifest:
        """Raises ManifestError naming what is wrong."""
        if not isinstance(data, dict) or data.get("format") != FORMAT_VERSION:
            raise ManifestError("has an unknown format; rebuild the index")
        try:
            index = dict(data["index"])
            content = data.get("content")
            return cls(
                version=str(data["version"]),
                built_at=str(data["built_at"]),
                model=ModelRecord(**data["model"]),
                encoder=EncoderRecord(**data["encoder"]),
                chunker=ChunkerRecord(**data["chunker"]),
                documents=tuple(DocumentRecord(**{**d, "tags": tuple(d.get("tags", ()))}) for d in data["documents"]),
                passage_count=int(data["passage_count"]),
                index=IndexRecord(str(index.pop("kind")), {str(k): int(v) for k, v in index.items()}),
                content=ContentRecord(content["fingerprint"], tuple(content.get("files", ()))) if content else None,
                files={str(k): str(v) for k, v in (data.get("files") or {}).items()},
                multilingual=ModelRecord(**data["multilingual"]) if data.get("multilingual") else None,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ManifestError(f"is missing or has a malformed field ({exc})") from None
