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
from functools import partial

from markdown_it import MarkdownIt

from qa_service.core.boilerplate import Patterns, boilerplate_reason
from qa_service.core.documents import Document
from qa_service.core.sentences import sentence_spans, trim_span

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
    also_called: tuple[str, ...] = ()  # the document's other names (front matter), read with its title
    lead_in: int = 0  # characters of ``text`` that are its list's lead-in, joined before the first item

    @property
    def embed_text(self) -> str:
        """What the encoder and the lexical index see: the article's title and the section heading give a
        passage its topic ("Alcohol" alone is in every aftercare article; which treatment is in the title)."""
        return embed_text(self.document_title, self.section, self.text, self.also_called)

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def embed_text(title: str, section: str, text: str, also_called: tuple[str, ...] = ()) -> str:
    """What the encoder and the lexical index read: "title (other names). section: text", the title said
    once when the section is the title (a text file's first part)."""
    named = f"{title} ({', '.join(also_called)})" if title and also_called else title
    if not title or title == section:
        head = named if title else section
    else:
        head = f"{named}. {section}" if section else named
    return f"{head}: {text}" if head else text


@dataclass(frozen=True)
class _Block:
    section: str
    start: int
    end: int
    in_list: bool = False
    item_start: int = 0  # a lead-in joined to its list's first item: where the item begins


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


def blocks(
    doc: Document,
    boilerplate: Patterns | None = None,
    dropped: list[str] | None = None,
    joined: list[str] | None = None,
) -> list[_Block]:
    """The document's content blocks: boilerplate removed (each noted in ``dropped`` with its pattern), and
    each lead-in of a list joined to the list's first item (noted in ``joined``)."""
    found = _markdown_blocks(doc) if doc.markdown else _text_blocks(doc)
    trimmed = []
    for b in found:  # Markdown's idea of whitespace is narrower than Unicode's: trim to Unicode's
        span = trim_span(doc.text, b.start, b.end)
        if span is None:
            continue
        reason = boilerplate_reason(doc.text[span[0] : span[1]], boilerplate)
        if reason is None:
            trimmed.append(_Block(b.section, span[0], span[1], b.in_list, b.item_start))
        elif dropped is not None:
            dropped.append(f"boilerplate (pattern {reason!r}): {doc.text[span[0] : span[1]][:80]}")
    return _join_lead_ins(doc.text, trimmed, joined)


def _join_lead_ins(text: str, found: list[_Block], joined: list[str] | None = None) -> list[_Block]:
    """A paragraph that is only a sentence ending in ":" right before a list ("Most people look presentable
    within three to five days:") goes with what it introduces: it becomes one passage with the list's first
    item. Alone it answers nothing; dropped, its own answer would leave the index (CHUNKER_VERSION 2 did)."""
    kept: list[_Block] = []
    skip = False
    for i, b in enumerate(found):
        if skip:
            skip = False
            continue
        following = found[i + 1] if i + 1 < len(found) else None
        if not b.in_list and following is not None and following.in_list and following.section == b.section:
            spans = list(sentence_spans(text, b.start, b.end))
            if len(spans) <= 1 and text[b.start : b.end].rstrip().endswith(":"):
                if joined is not None:
                    joined.append(f"lead-in joined to its list's first item: {text[b.start : b.end][:80]}")
                kept.append(_Block(b.section, b.start, following.end, True, following.start))
                skip = True
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
        return count_tokens(embed_text(doc.title, section, text[s:e], doc.also_called)) <= max_tokens

    item_start = 0  # the current block's list item, when a lead-in was joined before it

    def emit(section: str, s: int, e: int) -> None:
        body = text[s:e]
        lead_in = item_start - s if s < item_start < e else 0
        pid = _passage_id(doc.id, section, body, seen)
        passages.append(
            Passage(
                pid,
                doc.id,
                doc.title,
                section,
                s,
                e,
                body,
                doc.language,
                doc.url,
                tags=doc.tags,
                also_called=doc.also_called,
                lead_in=lead_in,
            )
        )

    def heading(section: str) -> str:
        """A heading that leaves at least half of the window to the passage (headings can be long)."""
        if count_tokens(embed_text(doc.title, section, "", doc.also_called)) <= max_tokens // 2:
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
        item_start = raw_block.item_start
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
