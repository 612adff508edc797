"""The live engine of one process: the encoder (loaded once) and the current index version.

It notices a new ``CURRENT`` cheaply (a stat, at most every ``reload_interval`` seconds), loads the
new version completely beside the old one and swaps the reference, so requests in flight finish on
the version they started with. A version that fails to load is refused and the old one kept; a
process that has no version yet (a restarted worker) falls back to the newest version that verifies.
Either way it is *degraded* (serving one version while ``CURRENT`` names another) until a good
version goes live, and says so (``Engine.degraded``, ``/readyz``, a metric).
"""

from __future__ import annotations

import copy
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from qa_service.core.answer import Answer, AnswerKey, answer_question
from qa_service.core.encoder import Encoder, MultilingualModel
from qa_service.core.errors import IndexNotReady, QAError
from qa_service.core.languages import PIVOT
from qa_service.core.rerank import Reranker
from qa_service.core.retrieval import Retriever
from qa_service.core.tuning import Tuning
from qa_service.runtime.index_files import CURRENT, list_versions, read_current
from qa_service.runtime.index_load import load_version
from qa_service.runtime.lru import LRU
from qa_service.runtime.query_embeddings import QueryEmbeddings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Degraded:
    """Serving ``serving`` although ``CURRENT`` names ``current``, which was refused for ``reason``."""

    serving: str
    current: str
    reason: str


class Engine:
    """Holds the encoder and the live Retriever; thread-safe."""

    def __init__(
        self,
        encoder: Encoder,
        index_dir: Path,
        *,
        reload_interval: float = 2.0,
        tuning: Tuning | None = None,
        on_swap: Callable[[str, int, str | None], None] | None = None,
        query_cache_size: int = 2048,
        answer_cache_size: int = 1024,
        reranker: Reranker | None = None,
        multilingual: MultilingualModel | None = None,
    ) -> None:
        self.encoder = encoder
        self.multilingual = multilingual  # the multilingual stage's model, shared by every index version
        self.query_embeddings = QueryEmbeddings(encoder, query_cache_size)  # shared by every index version
        # Whole answers, keyed by index version among others: a swap needs no flush, old entries age out.
        self.answers: LRU[AnswerKey, Answer] = LRU(answer_cache_size)
        self.index_dir = index_dir
        self.reload_interval = reload_interval
        self.tuning = tuning
        self.reranker = reranker  # loaded once, shared by every index version
        self.on_swap = on_swap  # (new version, passages, previous version): metrics hook
        self.on_degraded: Callable[[bool], None] | None = None  # metrics hook
        self._retriever: Retriever | None = None
        self._pointer: tuple[int, int, int] | None = None
        self._last_check = 0.0
        self._lock = threading.Lock()
        self.last_error: str | None = None
        self.degraded: Degraded | None = None

    def _pointer_identity(self) -> tuple[int, int, int] | None:
        try:
            st = os.stat(self.index_dir / CURRENT)
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def refresh(self, *, force: bool = False) -> bool:
        """Load the version ``CURRENT`` names if it changed; returns True when a new version went live."""
        now = time.monotonic()
        if not force and self._retriever is not None and now - self._last_check < self.reload_interval:
            return False
        with self._lock:
            self._last_check = now
            identity = self._pointer_identity()
            if identity == self._pointer and not force:
                return False
            self._pointer = identity
            version = read_current(self.index_dir)
            if version is None:
                return False
            if self._retriever is not None and version == self._retriever.version:
                self._set_degraded(None)
                return False
            try:
                retriever = self._load(version)
            except QAError as exc:
                self.last_error = str(exc)
                serving = self._retriever.version if self._retriever else None
                log.error("index version %s refused, still serving %s: %s", version, serving or "nothing", exc)
                if self._retriever is None:
                    return self._fall_back(version, str(exc))
                self._set_degraded(Degraded(self._retriever.version, version, str(exc)))
                return False
            self._go_live(retriever)
            self.last_error = None
            self._set_degraded(None)
            return True

    def _load(self, version: str) -> Retriever:
        loaded = load_version(self.index_dir, version, self.encoder)
        retriever = Retriever(
            loaded, self.encoder, self.tuning, self.query_embeddings, self.reranker, self.multilingual
        )
        _warm_up(retriever)
        return retriever

    def _go_live(self, retriever: Retriever) -> None:
        previous = self._retriever.version if self._retriever else None
        self._retriever = retriever
        if self.on_swap is not None:
            self.on_swap(retriever.version, len(retriever.passages), previous)
        log.info("index version %s is live (%d passages)", retriever.version, len(retriever.passages))

    def _fall_back(self, refused: str, reason: str) -> bool:
        """With nothing to serve, serve the newest version that verifies rather than nothing at all."""
        for version in reversed(list_versions(self.index_dir)):
            if version == refused:
                continue
            try:
                retriever = self._load(version)
            except QAError as exc:
                log.warning("index version %s cannot serve either: %s", version, exc)
                continue
            self._go_live(retriever)
            self._set_degraded(Degraded(version, refused, reason))
            log.error("degraded: serving %s because %s (named by CURRENT) was refused", version, refused)
            return True
        return False

    def _set_degraded(self, state: Degraded | None) -> None:
        self.degraded = state
        if self.on_degraded is not None:
            self.on_degraded(state is not None)

    @property
    def retriever(self) -> Retriever:
        """The live retriever; raises IndexNotReady when no valid index has been loaded."""
        self.refresh()
        current = self._retriever
        if current is None:
            raise IndexNotReady(
                self.last_error or f"no index has been built in {self.index_dir}; run `qa-service build-index`"
            )
        return current

    @property
    def ready(self) -> bool:
        try:
            return self.retriever is not None
        except IndexNotReady:
            return False


WARM_UP = (("How long does redness last after the treatment?", "en"), ("Combien de temps dure la rougeur?", "fr"))


def _warm_up(retriever: Retriever) -> None:
    """Answer a question per language before a version goes live: the first answer pays for lazy loads
    (word frequencies, stemmers, the lexicon, triage rules: ~240 ms in all, measured), so no patient does.

    The multilingual model (1 s and ~120 MB per worker, measured) is loaded here only when the library holds
    passages in more than one language, where it answers every day; a worker of an English-only library
    loads it on its first French question."""
    warmed = retriever
    if not any(p.language != PIVOT for p in retriever.passages):
        warmed = copy.copy(retriever)  # the same version, caches and all, without the multilingual stage
        warmed.multilingual = None
    for question, language in WARM_UP:
        answer_question(warmed, question, language=language)
        # The library words' stems a service question is checked against ("do you do ...?"), made once here
        # (~0.1 s per language at 17,500 words) rather than on a patient's question.
        retriever.reader.stems_of(language)
