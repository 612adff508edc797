"""The one Answer every front end returns: passages, confidence, highlights, triage, disclaimer.

Built here, once, so no front end can forget the disclaimer or the red-flag triage. ``Answer.to_dict()``
is the API's JSON shape (``AskResponse`` in web/openapi.yaml; a test holds one against the other).

The answer runs the stages in order, each once: read the question (``query``) → rank the passages
(``ranking``: candidates, scoring, reranking, near-duplicates) → the asker's language
(``language_preference``) → staff pins (``pins``) → red-flag triage (``safety``).
"""

from __future__ import annotations

import dataclasses
import time
import unicodedata
from dataclasses import dataclass
from typing import Any, Protocol

from qa_service.core.chunking import Passage
from qa_service.core.errors import InvalidQuestion
from qa_service.core.expected_effects import lifted
from qa_service.core.filters import NO_FILTERS, Filters
from qa_service.core.highlights import Highlights, highlights
from qa_service.core.language_preference import in_language
from qa_service.core.languages import is_registered
from qa_service.core.pins import with_pin
from qa_service.core.ranking import rank
from qa_service.core.retrieval import Retriever
from qa_service.core.safety import Triage, most_severe, triage
from qa_service.core.scoring import Scorer, score
from qa_service.core.warning_signs import FIRST_ANSWERS, library_triage

UrgentNotice = Triage  # the red-flag notice an answer carries (level, message, matched phrases)


@dataclass(frozen=True)
class PassageRef:
    """Where a passage comes from: its document and exact offsets in the document's text."""

    id: str
    document_id: str
    document_title: str
    section: str
    start: int
    end: int
    url: str | None = None  # the page a patient can open, when the clinic has one
    lang: str = "en"

    @classmethod
    def of(cls, p: Passage) -> PassageRef:
        return cls(p.id, p.document_id, p.document_title, p.section, p.start, p.end, p.document_url, p.language)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "document": {"id": self.document_id, "title": self.document_title, "url": self.url},
            "section": self.section,
            "start": self.start,
            "end": self.end,
        }


@dataclass(frozen=True)
class AnswerPassage:
    """One ranked passage of an answer, with the evidence a reader needs."""

    source: PassageRef
    text: str
    score: float
    confidence: float
    highlights: Highlights
    also_in: tuple[PassageRef, ...] = ()
    pinned: bool = False  # staff pinned it for this question (content/pins.yaml)

    @property
    def id(self) -> str:
        return self.source.id

    def to_dict(self) -> dict[str, Any]:
        ref = self.source.to_dict()
        return {
            "id": self.source.id,
            "text": self.text,
            "score": self.score,
            "confidence": self.confidence,
            **{k: ref[k] for k in ("document", "section", "start", "end")},
            "lang": self.source.lang,
            "highlights": self.highlights.to_dict(),
            "also_in": [twin.to_dict() for twin in self.also_in],
            "pinned": self.pinned,
        }


@dataclass(frozen=True)
class Answer:
    """The answer to one question: ranked passages, or a plain "no confident answer", always a disclaimer."""

    question: str
    answered: bool
    message: str | None
    passages: tuple[AnswerPassage, ...]
    urgent: UrgentNotice | None
    disclaimer: str
    lang: str
    index_version: str
    took_ms: float = 0.0

    @property
    def top_confidence(self) -> float | None:
        return self.passages[0].confidence if self.passages else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "answered": self.answered,
            "message": self.message,
            "answers": [p.to_dict() for p in self.passages],
            "urgent": self.urgent.to_dict() if self.urgent else None,
            "disclaimer": self.disclaimer,
            "lang": self.lang,
            "index_version": self.index_version,
            "took_ms": self.took_ms,
        }


AnswerKey = tuple[str, str, int, str | None, float, Filters]  # version, question, top_k, language, threshold, filters


class AnswerCache(Protocol):
    """Whole answers by (index version, question, options): a runtime LRU in production."""

    def get(self, key: AnswerKey) -> Answer | None: ...

    def put(self, key: AnswerKey, value: Answer) -> None: ...


def clean_question(question: str, max_chars: int) -> str:
    """Normalise (NFC, control characters removed) and check a question; raises InvalidQuestion."""
    if not isinstance(question, str):
        raise InvalidQuestion("the question must be a string")
    text = unicodedata.normalize("NFC", question)
    # Control characters (and a stray byte-order mark) become spaces; other characters are kept as typed.
    text = "".join(" " if unicodedata.category(ch) in ("Cc", "Cs") or ch == "\ufeff" else ch for ch in text)
    text = " ".join(text.split())
    if not text:
        raise InvalidQuestion("the question is empty (or holds only spaces or control characters)")
    if len(question) > max_chars:
        raise InvalidQuestion(f"the question is too long: {len(question)} characters, the limit is {max_chars}")
    return text


def answer_question(
    retriever: Retriever,
    question: str,
    *,
    top_k: int = 3,
    language: str | None = None,
    min_confidence: float = 0.5,
    max_chars: int = 1000,
    cache: AnswerCache | None = None,
    filters: Filters = NO_FILTERS,
    scorer: Scorer = score,
) -> Answer:
    """Answer one question: ranked passages with sources, triage and disclaimer, in the question's language.

    With a ``cache``, a question asked again (same words once cleaned, same options, same index version)
    is answered without reading, searching or triaging it again: answers are deterministic. ``scorer``:
    the learned fusion; a benchmark passes one of the lab's comparison fusions (never with a cache).
    """
    started = time.perf_counter()
    text = clean_question(question, max_chars)
    asked = language if is_registered(language) else None
    key: AnswerKey = (retriever.version, text, top_k, asked, min_confidence, filters)
    result = cache.get(key) if cache is not None else None
    if result is None:
        result = _answer(retriever, text, top_k, asked, min_confidence, filters, scorer)
        if cache is not None:
            cache.put(key, result)
    return dataclasses.replace(result, took_ms=round((time.perf_counter() - started) * 1000, 2))


def _answer(
    retriever: Retriever,
    text: str,
    top_k: int,
    language: str | None,
    min_confidence: float,
    filters: Filters,
    scorer: Scorer,
) -> Answer:
    """``language``: the one asked for (en/fr), or None to use the question's own."""
    query = retriever.read(text, language)
    lang = language or query.language
    hits = in_language(retriever, rank(retriever, query, top_k, filters, scorer), lang, filters)
    hits = with_pin(retriever, query, hits, top_k, filters)
    answered = bool(hits) and hits[0].confidence >= min_confidence
    texts = retriever.content.texts
    passages = tuple(
        AnswerPassage(
            source=PassageRef.of(hit.passage),
            text=hit.passage.text,
            score=round(hit.score, 6),
            confidence=round(hit.confidence, 4),
            highlights=highlights(hit.passage.text, retriever.passage_terms(hit.row), query),
            also_in=tuple(PassageRef.of(p) for p in hit.also_in),
            pinned=hit.pinned,
        )
        for hit in hits
    )
    return Answer(
        question=text,
        answered=answered,
        message=None if answered else texts.no_answer[lang],
        passages=passages,
        urgent=most_severe(
            lifted(
                triage(text, lang, retriever.content.rules),
                query,
                frozenset().union(*(retriever.expected_effects(h.row) for h in hits[:FIRST_ANSWERS])),
            ),
            library_triage(
                text,
                query,
                [(h.passage, retriever.warning_signs(h.row)) for h in hits[:FIRST_ANSWERS]],
                lang,
                retriever.content.rules,
            ),
        ),
        disclaimer=texts.disclaimer[lang],
        lang=lang,
        index_version=retriever.version,
    )
