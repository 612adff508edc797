"""Reading the content folder staff edit (``QA_CONTENT_DIR``): created with today's defaults when absent."""

from __future__ import annotations

import logging
from pathlib import Path

from qa_service.core.content import FILES, OPTIONAL, Content, ContentError, default_files, parse_content

log = logging.getLogger(__name__)


def read_content_dir(folder: Path) -> dict[str, str]:
    """The content files' texts. A folder that does not exist is created with the package's defaults (a new
    clinic starts from today's wording); a file missing from an existing folder is an error, not a default."""
    if not folder.exists():
        folder.mkdir(parents=True)
        for name, text in default_files().items():
            (folder / name).write_text(text, "utf-8")
        log.warning("created the content folder %s with the default texts, rules and lexicon", folder)
    files = {}
    for name in (*FILES, *OPTIONAL):
        try:
            files[name] = (folder / name).read_text("utf-8")
        except FileNotFoundError:
            if name in OPTIONAL:
                continue
            raise ContentError(str(folder / name), None, "is missing from the content folder") from None
        except UnicodeDecodeError as exc:
            raise ContentError(str(folder / name), None, f"is not UTF-8 text (byte {exc.start})") from None
    return files


def load_content_dir(folder: Path) -> tuple[dict[str, str], Content]:
    """The files and their parsed, validated content; an error names the file (with its folder) and line."""
    files = read_content_dir(folder)
    try:
        return files, parse_content(files)
    except ContentError as exc:
        raise ContentError(str(folder / exc.name), exc.line, exc.problem) from None
