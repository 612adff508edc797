"""Readers for the formats a clinic keeps: one module per format, one registry line each.

Markdown and plain text are read as written (``documents.py``). A web page or a PDF is first turned into
Markdown text (headings as ``#``, list items as ``-``); that text is what the build chunks, what the index
version stores, and what every passage's offsets point into.
"""

from __future__ import annotations

from collections.abc import Callable

from qa_service.core.readers.extracted import Extracted

Extractor = Callable[[bytes], Extracted]


def extractor(suffix: str) -> Extractor | None:
    """The reader for a file suffix (".html", ".pdf"), or None for Markdown / text."""
    if suffix in (".html", ".htm"):
        from qa_service.core.readers.html import extract_html

        return extract_html
    if suffix == ".pdf":
        from qa_service.core.readers.pdf import extract_pdf

        return extract_pdf
    return None


EXTRACTED_SUFFIXES = (".html", ".htm", ".pdf")
