"""Printed aftercare sheets as PDF with a text layer (pypdf), rebuilt into Markdown: lines joined into
paragraphs, bullets into list items, short unpunctuated lines into headings. A scanned PDF, which has no
text layer, is refused with a reason (it would need OCR)."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader
from pypdf.errors import PdfReadError

from qa_service.core.readers.extracted import Extracted

_BULLET = re.compile(r"^\s*(?:[•●▪◦‣∙·\-–—*]|\d{1,2}[.)])\s+")


def _looks_like_heading(line: str, previous: str, following: str) -> bool:
    """A short unpunctuated capitalised line between the end of a sentence (or the page top) and more
    text: PDFs lose heading markup, this is what is left of it."""
    words = line.split()
    return (
        0 < len(words) <= 8
        and line[-1] not in ".!?:;,…"
        and line[:1].isupper()
        and bool(following)
        and not _BULLET.match(line)
        and (not previous or previous[-1] in ".!?:…")
    )


def _markdown(lines: list[str]) -> str:
    """Page lines (as pypdf reads them) as Markdown blocks."""
    blocks: list[str] = []
    current = previous = ""
    for i, raw in enumerate(lines):
        line = " ".join(raw.split())
        following = next((" ".join(x.split()) for x in lines[i + 1 :] if x.strip()), "")
        if not line:
            if current:
                blocks.append(current)
                current = ""
            continue
        if _BULLET.match(line):
            if current:
                blocks.append(current)
            current = "- " + _BULLET.sub("", line)
        elif _looks_like_heading(line, previous, following):
            if current:
                blocks.append(current)
                current = ""
            blocks.append("## " + line)
        elif current.endswith("-") and not current.endswith(" -"):
            current = current[:-1] + line  # a word hyphenated across lines
        else:
            current = f"{current} {line}" if current else line
        previous = line
    if current:
        blocks.append(current)
    # consecutive list items form one list; everything else is separated by a blank line
    out: list[str] = []
    for block in blocks:
        if out and block.startswith("- ") and out[-1].startswith("- "):
            out[-1] += "\n" + block
        else:
            out.append(block)
    return "\n\n".join(out) + "\n"


def extract_pdf(raw: bytes) -> Extracted:
    try:
        reader = PdfReader(io.BytesIO(raw))
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, ValueError, KeyError, OSError) as exc:
        raise ValueError(f"not a readable PDF: {exc}") from None
    if not "".join(pages).strip():
        raise ValueError("the PDF has no text layer (a scanned sheet?): it needs OCR before it can be indexed")
    lines = [line for page in pages for line in [*page.splitlines(), ""]]
    title = (reader.metadata.title if reader.metadata else None) or None
    text = _markdown(lines)
    if not title:
        first = text.split("\n", 1)[0]
        title = first[3:] if first.startswith("## ") else None
    return Extracted(text=text, title=str(title).strip() if title else None)
