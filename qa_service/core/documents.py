"""Find and read the clinic's articles: Markdown or text (optional YAML front matter), web pages, PDFs.

A Markdown or text document keeps its full source text, so every passage's ``start``/``end`` offsets
point into the file exactly as staff wrote it (only a UTF-8 byte-order mark is dropped). A web page or PDF
keeps the Markdown text its reader extracted (``readers/``); the index version stores that text, and the
offsets point into it.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from qa_service.core import yaml_loader
from qa_service.core.language import detect_language
from qa_service.core.languages import is_registered, languages
from qa_service.core.readers import EXTRACTED_SUFFIXES, extractor

log = logging.getLogger(__name__)

SUFFIXES = (".md", ".markdown", ".txt", *EXTRACTED_SUFFIXES)
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)^---[ \t]*(?:\r?\n|\Z)", re.DOTALL | re.MULTILINE)
_H1 = re.compile(r"^#[ \t]+(.+?)[ \t#]*$", re.MULTILINE)


@dataclass(frozen=True)
class Document:
    """One article: its id (path relative to the documents folder), metadata and full source text."""

    id: str
    title: str
    language: str
    url: str | None
    text: str
    body_start: int
    checksum: str
    markdown: bool
    source: str = "markdown"  # markdown, text, html or pdf: what the file was
    translation_of: str | None = None  # the id of the article this one translates
    dropped: tuple[str, ...] = ()  # what a reader left out of a web page, and why
    tags: tuple[str, ...] = ()  # front matter `tags` (a treatment, a topic): what staff and the page filter by
    also_called: tuple[str, ...] = ()  # front matter `also_called`: other names patients use (brands, lay words)


@dataclass(frozen=True)
class Skipped:
    """A file the build could not use, and why — reported to staff, never silently dropped."""

    path: str
    reason: str


def _title_from(doc_id: str, body: str, markdown: bool) -> str:
    match = _H1.search(body) if markdown else None
    if match:
        return match.group(1).strip()
    stem = Path(doc_id).stem.replace("-", " ").replace("_", " ").strip()
    return stem[:1].upper() + stem[1:] if stem else doc_id


def parse_document(doc_id: str, raw: bytes) -> Document:
    """Decode and parse one file; raises ValueError with a staff-readable reason when unusable."""
    suffix = Path(doc_id).suffix.lower()
    read = extractor(suffix)
    if read is not None:
        found = read(raw)
        language = found.language or detect_language(found.text[:3000])
        return Document(
            id=doc_id,
            title=found.title or _title_from(doc_id, found.text, True),
            language=language,
            url=found.url,
            text=found.text,
            body_start=0,
            checksum=hashlib.sha256(raw).hexdigest(),
            markdown=True,
            source="pdf" if suffix == ".pdf" else "html",
            dropped=found.dropped,
        )
    if b"\x00" in raw[:8192]:
        raise ValueError("looks like a binary file (contains NUL bytes)")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(f"not valid UTF-8 (byte {exc.start})") from None
    if not text.strip():
        raise ValueError("empty file")
    markdown = not doc_id.lower().endswith(".txt")
    meta: dict[str, object] = {}
    body_start = 0
    match = _FRONT_MATTER.match(text)
    if match:
        try:
            loaded = yaml_loader.safe_load(match.group(1)) or {}
        except yaml.YAMLError as exc:
            raise ValueError(f"front matter is not valid YAML: {exc}".splitlines()[0]) from None
        if not isinstance(loaded, dict):
            raise ValueError("front matter must be a mapping of key: value lines")
        meta = {str(k).lower(): v for k, v in loaded.items()}
        body_start = match.end()
    body = text[body_start:]
    if not body.strip():
        raise ValueError("no text after the front matter")
    title = str(meta.get("title") or _title_from(doc_id, body, markdown)).strip()
    language = str(meta.get("language") or meta.get("lang") or detect_language(body[:3000])).strip().lower()[:2]
    if not is_registered(language):
        raise ValueError(f"front matter language {language!r} is not one of {', '.join(languages())}")
    url = meta.get("url")
    translation_of = meta.get("translation_of")
    tags = meta.get("tags") or ()
    if isinstance(tags, str):
        tags = [t for t in re.split(r"[,\s]+", tags) if t]
    if not isinstance(tags, list | tuple) or not all(isinstance(t, str | int) for t in tags):
        raise ValueError("front matter tags must be a list of words")
    names = meta.get("also_called") or ()
    if isinstance(names, str):
        names = [n for n in names.split(",") if n.strip()]
    if not isinstance(names, list | tuple) or not all(isinstance(n, str | int) for n in names):
        raise ValueError("front matter also_called must be a list of names (Dysport, neuromodulator, …)")
    return Document(
        id=doc_id,
        title=title,
        language=language,
        url=str(url) if url else None,
        text=text,
        body_start=body_start,
        checksum=hashlib.sha256(raw).hexdigest(),
        markdown=markdown,
        source="markdown" if markdown else "text",
        translation_of=str(translation_of).strip() if translation_of else None,
        tags=tuple(dict.fromkeys(str(t).strip().lower() for t in tags if str(t).strip())),
        also_called=tuple(dict.fromkeys(" ".join(str(n).split()) for n in names if str(n).strip()))[:20],
    )


def discover(folder: Path) -> list[Path]:
    """Article files under ``folder`` (recursive, hidden files ignored), in a stable order."""
    if not folder.is_dir():
        return []
    found = [
        p
        for p in folder.rglob("*")
        if p.is_file()
        and p.suffix.lower() in SUFFIXES
        and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    ]
    return sorted(found, key=lambda p: p.relative_to(folder).as_posix())


def load_documents(folder: Path) -> tuple[list[Document], list[Skipped]]:
    """Load every usable article; unusable files are logged by name and returned as ``Skipped``."""
    documents: list[Document] = []
    skipped: list[Skipped] = []
    for path in discover(folder):
        doc_id = path.relative_to(folder).as_posix()
        try:
            documents.append(parse_document(doc_id, path.read_bytes()))
        except (ValueError, OSError) as exc:
            log.warning("skipping document %s: %s", doc_id, exc)
            skipped.append(Skipped(doc_id, str(exc)))
    return documents, skipped
