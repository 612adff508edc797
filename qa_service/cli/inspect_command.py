"""``qa-service inspect FILE``: how an article will be read and cut, before it goes live.

Shows what the reader made of the file (title, language, url, translation), the sections and passages
with their token counts (title and heading included), everything left out (page elements of a web page,
site boilerplate with the pattern that matched), the lead-ins joined to their list, and the warning
signs the article lists (sentences that say a sign needs care, with the level they raise) and the
after-effects it calls expected (which lift an urgent alarm): staff review them here beside the general
rules of ``safety_rules.yaml``.
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from pathlib import Path

from qa_service.cli.shared import encoder as load_encoder
from qa_service.settings import Settings


def add_parser(sub: argparse._SubParsersAction) -> None:
    i = sub.add_parser("inspect", help="show how an article will be read and cut into passages")
    i.add_argument("file", help="a .md, .txt, .html or .pdf file")


def cmd_inspect(args: argparse.Namespace, settings: Settings) -> int:
    from qa_service.core.chunking import blocks, chunk_document
    from qa_service.core.documents import parse_document
    from qa_service.core.expected_effects import expected_sentences
    from qa_service.core.warning_signs import signs_in
    from qa_service.runtime.content_dir import load_content_dir

    path = Path(args.file)
    try:
        doc = parse_document(path.name, path.read_bytes())
    except (ValueError, OSError) as exc:
        print(f"{path.name} would be skipped: {exc}", file=sys.stderr)
        return 1
    _, content = load_content_dir(settings.content_dir)
    encoder = load_encoder(settings)
    max_tokens = min(settings.chunk_tokens, encoder.max_seq_length)
    dropped: list[str] = []
    joined: list[str] = []
    blocks(doc, content.boilerplate, dropped, joined)
    passages = chunk_document(doc, encoder.count_tokens, max_tokens, content.boilerplate)
    print(
        f"{doc.id}: {doc.source}, title {doc.title!r}, language {doc.language}, url {doc.url or '-'}"
        + (f", translation of {doc.translation_of}" if doc.translation_of else "")
    )
    print(f"{len(passages)} passages (at most {max_tokens} tokens each, title and heading included)\n")
    section = None
    for n, p in enumerate(passages, 1):
        if p.section != section:
            section = p.section
            print(f"§ {section}")
        print(f"  {n:>3}. [{p.start}:{p.end}] {encoder.count_tokens(p.embed_text)} tokens")
        print(textwrap.indent(textwrap.shorten(p.text, 300, placeholder=" …"), "       "))
    left_out = [f"page element {d}" for d in doc.dropped] + dropped
    print(f"\nleft out: {len(left_out)}")
    for line in left_out:
        print(f"  - {line}")
    if joined:
        print(f"joined: {len(joined)}")
        for line in joined:
            print(f"  - {line}")
    signs = [(n, sign) for n, p in enumerate(passages, 1) for sign in signs_in(p, content.rules)]
    print(f"warning signs: {len(signs)} (a question naming two of a sentence's words, when its passage")
    print("  is the first answer, raises that level's alarm)")
    for n, sign in signs:
        print(f"  - passage {n}, {sign.level}: {textwrap.shorten(sign.sentence, 200, placeholder=' …')}")
    expected = [
        (n, sentence) for n, p in enumerate(passages, 1) for sentence, _ in expected_sentences(p, content.rules)
    ]
    print(f"expected after-effects: {len(expected)} (an urgent alarm of the general rules is lifted when every")
    print("  sign it matched is a word of one of these, and its passage is the first answer)")
    for n, sentence in expected:
        print(f"  - passage {n}: {textwrap.shorten(sentence, 200, placeholder=' …')}")
    return 0
