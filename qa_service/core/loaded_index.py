"""An index version as the retriever sees it: verified passages, their vectors and their lexical index.

How a version is written, verified and read from disk is the runtime's business (``runtime/index_*``);
the core only receives this value.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qa_service.core.chunking import Passage
from qa_service.core.content import Content
from qa_service.core.lexical import LexicalIndex
from qa_service.core.manifest import Manifest
from qa_service.core.vector_store import VectorStore


@dataclass(frozen=True)
class LoadedIndex:
    """A verified index version in memory: what the retriever searches."""

    version: str
    manifest: Manifest
    passages: list[Passage]
    vectors: VectorStore
    lexical: LexicalIndex | None = None  # saved with the version; None: the Retriever builds it
    words: set[str] | None = None  # the corpus words for spelling correction, likewise
    content: Content | None = None  # the staff content it was built with; None (older versions): defaults
    second: np.ndarray | None = None  # a second model's passage vectors (QA_SECOND_MODEL), its own store
    multilingual: np.ndarray | None = None  # the multilingual stage's passage vectors (QA_MULTILINGUAL)
