"""Linking a translated article to its original, passage by passage, so an answer can be given in the
asker's language when the clinic wrote it in both.

A translation names its original in front matter (``translation_of: pimples-after-microneedling.md``) and
keeps its structure: its sections align with the original's in order, and within a pair of sections the
passages align by position (proportionally when one side has more).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from qa_service.core.chunking import Passage
from qa_service.core.documents import Document


def _sections(passages: Sequence[Passage]) -> list[list[Passage]]:
    groups: dict[str, list[Passage]] = {}
    for p in passages:
        groups.setdefault(p.section, []).append(p)
    return list(groups.values())


def _align(a: list[Passage], b: list[Passage]) -> list[tuple[Passage, Passage]]:
    """Pairs of passages of two aligned sections: by position, stretched to the longer side."""
    if not a or not b:
        return []
    longer, shorter, flipped = (a, b, False) if len(a) >= len(b) else (b, a, True)
    pairs = []
    for i, p in enumerate(longer):
        q = shorter[round(i * (len(shorter) - 1) / max(1, len(longer) - 1))]
        pairs.append((q, p) if flipped else (p, q))
    return pairs


def link_translations(documents: Sequence[Document], passages: list[Passage]) -> tuple[list[Passage], list[str]]:
    """Passages with their counterparts filled in, and one warning per translation that cannot be linked."""
    by_doc: dict[str, list[Passage]] = {}
    for p in passages:
        by_doc.setdefault(p.document_id, []).append(p)
    languages = {d.id: d.language for d in documents}
    links: dict[str, dict[str, str]] = {}
    warnings = []
    for doc in documents:
        if not doc.translation_of:
            continue
        original = doc.translation_of
        if original not in by_doc:
            warnings.append(f"{doc.id}: translation_of names {original!r}, which is not an indexed article")
            continue
        if languages[original] == doc.language:
            warnings.append(f"{doc.id}: translation_of {original!r} is in the same language ({doc.language})")
            continue
        mine, theirs = _sections(by_doc.get(doc.id, [])), _sections(by_doc[original])
        if len(mine) != len(theirs):
            warnings.append(
                f"{doc.id}: {len(mine)} sections but {original} has {len(theirs)}; aligned in order as far as they go"
            )
        for a_section, b_section in zip(mine, theirs, strict=False):
            for a, b in _align(a_section, b_section):
                links.setdefault(a.id, {})[b.language] = b.id
                links.setdefault(b.id, {}).setdefault(a.language, a.id)
    linked = [
        dataclasses.replace(p, translations=tuple(sorted(links[p.id].items()))) if p.id in links else p
        for p in passages
    ]
    return linked, warnings
