"""Highlights: the sentence of a passage that best answers the question, and the question's words in it.

A passage's words, stems and sentences are computed once per passage (``passage_terms``, cached by the
Retriever), so highlighting costs set lookups per request, not tokenisation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from qa_service.core.languages import languages
from qa_service.core.query import Query
from qa_service.core.sentences import sentence_spans
from qa_service.core.terms import stem, words


@dataclass(frozen=True)
class PassageTerms:
    words: tuple[tuple[int, int, tuple[str, ...]], ...]  # (start, end, its stem in each registered language)
    sentences: tuple[tuple[int, int, frozenset[str]], ...]  # (start, end, pivot-language stems)


def passage_terms(text: str) -> PassageTerms:
    codes = languages()  # the pivot first
    found = tuple((s, e, tuple(stem(w, code) for code in codes)) for s, e, w in words(text))
    sentences = tuple(
        (s, e, frozenset(stems[0] for ws, we, stems in found if s <= ws and we <= e)) for s, e in sentence_spans(text)
    )
    return PassageTerms(found, sentences)


@dataclass(frozen=True)
class Highlights:
    """Offsets inside a passage's text: the sentence that best answers, and the question's words."""

    answer: tuple[int, int]
    terms: tuple[tuple[int, int], ...]

    def to_dict(self) -> dict[str, Any]:
        return {"answer": list(self.answer), "terms": [list(span) for span in self.terms]}


def highlights(text: str, terms: PassageTerms, query: Query) -> Highlights:
    """The best-answer sentence and the question's words in ``text``."""
    query_stems = set(query.stems)
    term_spans = tuple((s, e) for s, e, stems in terms.words if any(st in query_stems for st in stems))
    best: tuple[float, int] | None = None
    best_span = (0, len(text))
    for position, (s, e, sentence_stems) in enumerate(terms.sentences):
        weight = sum(w for w, c in zip(query.weights, query.concepts, strict=True) if not sentence_stems.isdisjoint(c))
        if query.answer_type is not None and query.answer_type.found_in(text[s:e]):
            weight += max(query.weights, default=1.0) * 2  # the sentence holding the asked-for fact
        key = (weight, -position)
        if best is None or key > best:
            best, best_span = key, (s, e)
    return Highlights(best_span, term_spans)
