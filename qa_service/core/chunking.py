"""Heading-aware passages on sentence boundaries, with exact character offsets into the source.

Why this shape: a patient's answer is usually one paragraph or one list item ("Gentle Cleansing: ..."),
so blocks of the article are the unit; a block only splits (between sentences) when it would not fit
the model's window, because text past ``max_seq_length`` would be silently ignored by the encoder.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from functools import lru_cache, partial
from importlib import resources

from markdown_it import MarkdownIt

from qa_service.core.documents import Document
from qa_service.core.sentences import sentence_spans, trim_span

CHUNKER_VERSION = 2  # 2: a paragraph that only announces a list ("…these steps:") is not a passage
TokenCounter = Callable[[str], int]


@dataclass(frozen=True)
class Passage:
    """A retrievable piece of an article; ``document.text[start:end] == text`` always holds."""

    id: str
    document_id: str
    document_title: str
    section: str
    start: int
    end: int
    text: str
    language: str = "en"
    document_url: str | None = None  # the page a patient can open (front matter url, canonical link)
    translations: tuple[tuple[str, str], ...] = ()  # (language, passage id) of the same passage translated
    tags: tuple[str, ...] = ()  # the document's tags (front matter), for filters

    @property
    def embed_text(self) -> str:
        """What the encoder sees: the section heading gives a short passage its topic."""
        return f"{self.section}: {self.text}" if self.section else self.text

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class _Block:
    section: str
    start: int
    end: int
    in_list: bool = False


Patterns = tuple[re.Pattern[str], ...]


@lru_cache(maxsize=1)
def boilerplate_patterns() -> Patterns:
    """The package's default site boilerplate (what ``content/boilerplate.txt`` starts as)."""
    return parse_boilerplate(resources.files("qa_service.core.data").joinpath("boilerplate.txt").read_text("utf-8"))


def parse_boilerplate(raw: str) -> Patterns:
    """One case-insensitive regular expression per line; blank lines and # comments skipped (re.error)."""
    lines = [ln.strip() for ln in raw.splitlines()]
    return tuple(re.compile(ln, re.IGNORECASE) for ln in lines if ln and not ln.startswith("#"))


def boilerplate_fingerprint(patterns: Patterns | None = None) -> str:
    joined = "\n".join(p.pattern for p in (boilerplate_patterns() if patterns is None else patterns))
    return hashlib.sha256(joined.encode()).hexdigest()[:16]


def boilerplate_reason(text: str, patterns: Patterns | None = None) -> str | None:
    """The pattern that makes ``text`` site boilerplate, or None."""
    found = next((p for p in (boilerplate_patterns() if patterns is None else patterns) if p.search(text)), None)
    return found.pattern if found else None


_LINE_BREAK = re.compile(r"\r\n|\r|\n")  # CommonMark's line endings: offsets must agree with markdown-it


def _line_offsets(text: str) -> list[int]:
    return [0] + [m.end() for m in _LINE_BREAK.finditer(text)]


def _markdown_blocks(doc: Document) -> Iterator[_Block]:
    """Paragraphs and list items of a Markdown article, each under its nearest heading."""
    text = doc.text
    lines = _line_offsets(text)
    first_line = len(_LINE_BREAK.findall(text, 0, doc.body_start))
    tokens = MarkdownIt("commonmark").parse(text[doc.body_start :])
    section = doc.title
    depth = 0  # list items we are inside
    for i, tok in enumerate(tokens):
        if tok.type == "heading_open":
            section = tokens[i + 1].content.strip() or section
        elif tok.type == "list_item_open":
            depth += 1
        elif tok.type == "list_item_close":
            depth -= 1
        elif tok.type == "paragraph_open" and tok.map:
            content = tokens[i + 1].content
            l0, l1 = tok.map[0] + first_line, tok.map[1] + first_line
            if not content.strip() or l0 >= len(lines):
                continue
            first, last = content.split("\n")[0], content.split("\n")[-1]
            start = text.find(first, lines[l0])
            line_end_of_last = lines[l1] if l1 < len(lines) else len(text)
            end = text.rfind(last, start, line_end_of_last) + len(last)
            if start < 0 or end < start:
                continue  # markup the source cannot be mapped back to exactly; never index a guess
            yield _Block(section, start, end, in_list=depth > 0)


def _looks_like_heading(line: str) -> bool:
    stripped = line.strip()
    return (
        0 < len(stripped) <= 90
        and stripped[-1] not in ".!?:;,…\"'»)"
        and stripped[0].isupper()
        and len(stripped.split()) <= 12
    )


def _text_blocks(doc: Document) -> Iterator[_Block]:
    """Plain text: each non-empty line is a block; a short unpunctuated line is a heading."""
    text = doc.text
    section = doc.title
    lines = _line_offsets(text) + [len(text) + 1]
    raw_lines = [(lines[i], lines[i + 1] - 1) for i in range(len(lines) - 1)]
    for idx, (s, e) in enumerate(raw_lines):
        if s < doc.body_start:
            continue
        line = text[s:e]
        if not line.strip():
            continue
        following = next((text[a:b] for a, b in raw_lines[idx + 1 :] if text[a:b].strip()), "")
        if _looks_like_heading(line) and following and not _looks_like_heading(following):
            section = line.strip()
            continue
        lead = len(line) - len(line.lstrip())
        yield _Block(section, s + lead, s + len(line.rstrip()))


def blocks(doc: Document, boilerplate: Patterns | None = None, dropped: list[str] | None = None) -> list[_Block]:
    """The document's content blocks: boilerplate removed (each noted in ``dropped`` with its pattern), and
    lead-ins that only announce a list."""
    found = _markdown_blocks(doc) if doc.markdown else _text_blocks(doc)
    trimmed = []
    for b in found:  # Markdown's idea of whitespace is narrower than Unicode's: trim to Unicode's
        span = trim_span(doc.text, b.start, b.end)
        if span is None:
            continue
        reason = boilerplate_reason(doc.text[span[0] : span[1]], boilerplate)
        if reason is None:
            trimmed.append(_Block(b.section, span[0], span[1], b.in_list))
        elif dropped is not None:
            dropped.append(f"boilerplate (pattern {reason!r}): {doc.text[span[0] : span[1]][:80]}")
    return _drop_lead_ins(doc.text, trimmed, dropped)


def _drop_lead_ins(text: str, found: list[_Block], dropped: list[str] | None = None) -> list[_Block]:
    """A paragraph that is only a sentence ending in ":" right before a list ("…you can take these steps:")
    announces what follows and answers nothing alone: it is not a passage. (Measured: giving it to the
    items as context blurred them; dropping it lifted the clinic's hold-out MRR, docs/QUALITY.md.)"""
    kept = []
    for i, b in enumerate(found):
        following = found[i + 1] if i + 1 < len(found) else None
        if not b.in_list and following is not None and following.in_list and following.section == b.section:
            spans = list(sentence_spans(text, b.start, b.end))
            if len(spans) <= 1 and text[b.start : b.end].rstrip().endswith(":"):
                if dropped is not None:
                    dropped.append(f"lead-in of a list (answers nothing alone): {text[b.start : b.end][:80]}")
                continue
        kept.append(b)
    return kept


def _split_long_sentence(
    text: str, start: int, end: int, fits: Callable[[int, int], bool]
) -> Iterator[tuple[int, int]]:
    """Last resort for a single sentence over the window: cut between words, never inside one."""
    while start < end:
        if fits(start, end):
            yield start, end
            return
        lo, hi = start + 1, end
        while lo < hi:  # largest prefix ending at whitespace that fits
            mid = (lo + hi + 1) // 2
            if fits(start, mid):
                lo = mid
            else:
                hi = mid - 1
        cut = text.rfind(" ", start, lo + 1)
        cut = cut if cut > start else max(lo, start + 1)
        yield start, cut
        start = cut
        while start < end and text[start].isspace():
            start += 1


def _passage_id(doc_id: str, section: str, body: str, seen: dict[str, int]) -> str:
    key = f"{doc_id}\0{section}\0{body}"
    n = seen.get(key, 0)
    seen[key] = n + 1
    digest = hashlib.sha256(f"{key}\0{n}".encode()).hexdigest()[:12]
    return f"{doc_id}#{digest}"


def chunk_document(
    doc: Document, count_tokens: TokenCounter, max_tokens: int, boilerplate: Patterns | None = None
) -> list[Passage]:
    """Cut one document into passages of at most ``max_tokens`` (counted on ``embed_text``)."""
    text = doc.text
    passages: list[Passage] = []
    seen: dict[str, int] = {}

    def fits(section: str, s: int, e: int) -> bool:
        return count_tokens(f"{section}: {text[s:e]}") <= max_tokens

    def emit(section: str, s: int, e: int) -> None:
        body = text[s:e]
        pid = _passage_id(doc.id, section, body, seen)
        passages.append(Passage(pid, doc.id, doc.title, section, s, e, body, doc.language, doc.url, tags=doc.tags))

    def heading(section: str) -> str:
        """A heading that leaves at least half of the window to the passage (headings can be long)."""
        if count_tokens(f"{section}: ") <= max_tokens // 2:
            return section
        words_ = section.split()
        while words_ and count_tokens(" ".join(words_) + "…: ") > max_tokens // 2:
            words_.pop()
        short = " ".join(words_)
        while short and count_tokens(short + "…: ") > max_tokens // 2:  # one very long "word"
            short = short[: len(short) // 2]
        return short + "…" if short else ""

    for raw_block in blocks(doc, boilerplate):
        block = _Block(heading(raw_block.section), raw_block.start, raw_block.end)
        if fits(block.section, block.start, block.end):
            emit(block.section, block.start, block.end)
            continue
        pieces: list[tuple[int, int]] = []
        for s, e in sentence_spans(text, block.start, block.end):
            if fits(block.section, s, e):
                pieces.append((s, e))
            else:
                pieces.extend(_split_long_sentence(text, s, e, partial(fits, block.section)))
        cur_start, cur_end = pieces[0]
        for s, e in pieces[1:]:
            if fits(block.section, cur_start, e):
                cur_end = e
            else:
                emit(block.section, cur_start, cur_end)
                cur_start, cur_end = s, e
        emit(block.section, cur_start, cur_end)
    return passages


def chunk_documents(
    docs: list[Document], count_tokens: TokenCounter, max_tokens: int, boilerplate: Patterns | None = None
) -> list[Passage]:
    return [p for doc in docs for p in chunk_document(doc, count_tokens, max_tokens, boilerplate)]
