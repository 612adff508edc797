"""The one Answer shape every front end returns: passages, confidence, highlights, triage, disclaimer.

Built here, once, so no front end can forget the disclaimer or the red-flag triage.
"""

from __future__ import annotations

import time
import unicodedata
from typing import Any

from qa_service.core.errors import InvalidQuestion
from qa_service.core.highlights import highlights
from qa_service.core.lru import LRU
from qa_service.core.retrieval import Retriever
from qa_service.core.safety import disclaimer, triage

NO_ANSWER = {
    "en": ("Our articles don't cover this question. Please contact the clinic — our team will be happy to help."),
    "fr": (
        "Nos articles ne traitent pas de cette question. Communiquez avec la clinique : "
        "notre équipe se fera un plaisir de vous aider."
    ),
}
LANGUAGES = ("en", "fr")


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


def _passage_ref(passage: Any) -> dict[str, Any]:
    return {
        "id": passage.id,
        "document": {"id": passage.document_id, "title": passage.document_title},
        "section": passage.section,
        "start": passage.start,
        "end": passage.end,
    }


def answer_question(
    retriever: Retriever,
    question: str,
    *,
    top_k: int = 3,
    language: str | None = None,
    min_confidence: float = 0.5,
    max_chars: int = 1000,
    cache: LRU[tuple[Any, ...], dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Answer one question: ranked passages with sources, triage and disclaimer, in the question's language.

    With a ``cache``, a question asked again (same words once cleaned, same options, same index version)
    is answered without reading, searching or triaging it again: answers are deterministic.
    """
    started = time.perf_counter()
    text = clean_question(question, max_chars)
    asked = language if language in LANGUAGES else None
    key = (retriever.version, text, top_k, asked, min_confidence)
    result = cache.get(key) if cache is not None else None
    if result is None:
        result = _answer(retriever, text, top_k=top_k, language=asked, min_confidence=min_confidence)
        if cache is not None:
            cache.put(key, result)
    return {**result, "took_ms": round((time.perf_counter() - started) * 1000, 2)}


def _answer(
    retriever: Retriever, text: str, *, top_k: int, language: str | None, min_confidence: float
) -> dict[str, Any]:
    """``language``: the one asked for (en/fr), or None to use the question's own."""
    query = retriever.read(text, language)
    lang = language or query.language
    hits = retriever.search(query, top_k)
    answered = bool(hits) and hits[0].confidence >= min_confidence
    urgent = triage(text, lang)
    answers = []
    for hit in hits:
        ref = _passage_ref(hit.passage)
        answers.append(
            {
                "id": hit.passage.id,
                "text": hit.passage.text,
                "score": round(hit.score, 6),
                "confidence": round(hit.confidence, 4),
                **{k: ref[k] for k in ("document", "section", "start", "end")},
                "highlights": highlights(hit.passage.text, retriever.passage_terms(hit.row), query),
                "also_in": [_passage_ref(p) for p in hit.also_in],
            }
        )
    return {
        "question": text,
        "answered": answered,
        "message": None if answered else NO_ANSWER[lang],
        "answers": answers,
        "urgent": urgent.to_dict() if urgent else None,
        "disclaimer": disclaimer(lang),
        "lang": lang,
        "index_version": retriever.version,
    }
