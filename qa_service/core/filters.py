"""Narrowing a question to part of the library: one document, one language, or documents with given tags.

The patients' page offers them (a treatment, a language) and staff scripts pass them; a filtered question
is only ever answered from passages that pass, translations included.
"""

from __future__ import annotations

from dataclasses import dataclass

from qa_service.core.chunking import Passage


@dataclass(frozen=True)
class Filters:
    """``document``: a document id; ``lang``: en/fr; ``tags``: a passage passes when its document has all."""

    document: str | None = None
    lang: str | None = None
    tags: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.document or self.lang or self.tags)

    def passes(self, passage: Passage) -> bool:
        if self.document is not None and passage.document_id != self.document:
            return False
        if self.lang is not None and passage.language != self.lang:
            return False
        return all(tag in passage.tags for tag in self.tags)


NO_FILTERS = Filters()
