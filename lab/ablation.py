"""The ablation: the service with one of its reading or ranking steps switched off, to measure what it earns.

Each step is a method of the question reader (``QueryReader``) or a knob of the ranking, so switching one
off here adds no branch to the request path: an ``AblatedReader`` overrides the step's method, and the
near-duplicate collapse is switched off by a threshold no pair of passages reaches.
"""

from __future__ import annotations

import copy
import dataclasses
import math

from qa_service.core.lexicon import AnswerType, Lexicon
from qa_service.core.query import QueryReader
from qa_service.core.retrieval import Retriever

ABLATIONS = ("answer_types", "duplicates", "lexicon", "spelling", "uncovered")
NO_LEXICON = Lexicon({}, {}, {}, (), ())  # the reading without lay words and translations


class AblatedReader(QueryReader):
    """The service's reader with one step switched off."""

    def __init__(self, base: QueryReader, without: str) -> None:
        self.__dict__.update(base.__dict__)  # the same vocabulary, lexicon and correction targets
        self.without = without

    def _lexicon(self) -> Lexicon:
        return NO_LEXICON if self.without == "lexicon" else super()._lexicon()

    def _joined(self, tokens: list[str]) -> list[str]:
        return tokens if self.without == "spelling" else super()._joined(tokens)

    def _spelled(self, words_: list[str], lang: str, typed: dict[str, str] | None = None) -> list[str]:
        return words_ if self.without == "spelling" else super()._spelled(words_, lang, typed)

    def _answer_type(self, question: str) -> AnswerType | None:
        return None if self.without == "answer_types" else super()._answer_type(question)

    def _subjects(self) -> tuple[frozenset[str], ...]:
        return () if self.without == "uncovered" else super()._subjects()


def ablated(retriever: Retriever, without: str) -> Retriever:
    """A copy of ``retriever`` with the step ``without`` (one of ABLATIONS) switched off."""
    if without not in ABLATIONS:
        raise ValueError(f"no step {without!r}; the steps are {', '.join(ABLATIONS)}")
    changed = copy.copy(retriever)
    if without == "duplicates":
        changed.tuning = dataclasses.replace(retriever.tuning, duplicate_cosine=math.inf)
    else:
        changed.reader = AblatedReader(retriever.reader, without)
    return changed
