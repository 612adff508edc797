"""Passages: exact offsets, the model's token limit, whole list items, headings, no boilerplate, stable ids."""

from __future__ import annotations

from qa_service.core.chunking import blocks, chunk_document
from qa_service.core.documents import load_documents, parse_document
from qa_service.core.encoder import Encoder
from tests.conftest import DOCUMENTS


def _article():  # noqa: ANN202
    documents, _ = load_documents(DOCUMENTS)
    return next(d for d in documents if d.id == "pimples-after-microneedling.md")


def test_offsets_round_trip_on_the_real_article(encoder: Encoder) -> None:
    doc = _article()
    passages = chunk_document(doc, encoder.count_tokens, 200)
    assert len(passages) > 10
    for p in passages:
        assert doc.text[p.start : p.end] == p.text
        assert p.document_id == "pimples-after-microneedling.md"


def test_no_passage_exceeds_the_model_window(encoder: Encoder) -> None:
    long_paragraph = " ".join(
        f"Sentence number {i} talks about redness and swelling after treatment." for i in range(120)
    )
    doc = parse_document("long.md", f"# Long\n\n## Aftercare\n\n{long_paragraph}\n".encode())
    passages = chunk_document(doc, encoder.count_tokens, encoder.max_seq_length)
    assert len(passages) > 3
    for p in passages:
        assert encoder.count_tokens(p.embed_text) <= encoder.max_seq_length
        assert doc.text[p.start : p.end] == p.text
        assert p.text.endswith(".")  # split between sentences, not inside one


def test_a_single_sentence_over_the_window_is_cut_between_words(encoder: Encoder) -> None:
    sentence = "Redness " + "and swelling " * 400 + "fade."
    doc = parse_document("run-on.txt", sentence.encode())
    passages = chunk_document(doc, encoder.count_tokens, 128)
    assert len(passages) > 1
    for p in passages:
        assert encoder.count_tokens(p.embed_text) <= 128
        assert doc.text[p.start : p.end] == p.text
        assert not p.text.startswith(" ") and not p.text.endswith(" ")


def test_list_items_stay_whole_and_carry_their_heading(encoder: Encoder) -> None:
    passages = chunk_document(_article(), encoder.count_tokens, 200)
    cleansing = [p for p in passages if "- Gentle Cleansing:" in p.text or p.text.startswith("Gentle Cleansing:")]
    assert len(cleansing) == 2
    assert cleansing[0].text == (  # its lead-in goes with the list's first item
        "If you experience pimples after microneedling, there are several steps you can take to manage them:\n\n"
        "- Gentle Cleansing: Use a mild, non-comedogenic cleanser to gently cleanse your skin. Avoid harsh "
        "scrubbing, which can further irritate the skin."
    )
    assert cleansing[0].text[cleansing[0].lead_in :].startswith("Gentle Cleansing:")  # the item, for duplicates
    assert cleansing[1].lead_in == 0
    hydration = next(p for p in passages if p.text.startswith("Hydration:"))
    assert hydration.text.endswith("the likelihood of pimple formation.")  # the other items stay whole
    assert {p.section for p in cleansing} == {
        "Managing Pimples Post-Microneedling",
        "Managing Pimples After Microneedling",
    }
    assert cleansing[0].embed_text.startswith(
        "Pimples After Microneedling. Managing Pimples Post-Microneedling: If you experience pimples"
    )  # the article's title, then the section: which treatment an "aftercare" item is about
    skin = next(p for p in passages if p.text.startswith("Skin Reaction:"))
    assert skin.section == "Why Pimples Occur After Microneedling"
    intro = passages[0]
    assert intro.section == "Pimples After Microneedling"  # text before any ## heading: the title


def test_site_boilerplate_and_headings_are_not_passages(encoder: Encoder) -> None:
    passages = chunk_document(_article(), encoder.count_tokens, 200)
    texts = " ".join(p.text for p in passages)
    assert "Discover safe and empowering ways" not in texts
    assert not any(p.text.startswith("#") for p in passages)


def test_ids_are_stable_and_unique(encoder: Encoder) -> None:
    first = chunk_document(_article(), encoder.count_tokens, 200)
    second = chunk_document(_article(), encoder.count_tokens, 200)
    assert [p.id for p in first] == [p.id for p in second]
    assert len({p.id for p in first}) == len(first)


def test_an_edit_elsewhere_keeps_other_ids(encoder: Encoder) -> None:
    doc = _article()
    edited = parse_document(
        doc.id,
        doc.text.replace(
            "# Pimples After Microneedling\n", "# Pimples After Microneedling\n\nNew first paragraph.\n", 1
        ).encode(),
    )
    before = {p.id for p in chunk_document(doc, encoder.count_tokens, 200)}
    after = {p.id for p in chunk_document(edited, encoder.count_tokens, 200)}
    assert before <= after and len(after - before) == 1


def test_plain_text_articles_get_sections_from_short_heading_lines(encoder: Encoder) -> None:
    text = "Intro paragraph about microneedling.\nWhy Pimples Occur\nThe needles cause inflammation. It fades.\n"
    doc = parse_document("seed.txt", text.encode())
    passages = chunk_document(doc, encoder.count_tokens, 200)
    assert [p.section for p in passages] == ["Seed", "Why Pimples Occur"]
    assert passages[1].text == "The needles cause inflammation. It fades."


LEAD_IN_ARTICLE = """# Aftercare

## After the peel

Peeling usually starts on day three and ends by day seven. To care for your skin, follow these steps:

- Moisturise: apply a bland cream twice a day.
- Protect: wear a mineral sunscreen outdoors.

## When to call us

Call the clinic in these cases:

- Blisters: fluid-filled bumps are not expected.

Most people heal without any problem.
"""


def test_a_paragraph_that_only_announces_a_list_goes_with_the_lists_first_item(encoder: Encoder) -> None:
    doc = parse_document("peel.md", LEAD_IN_ARTICLE.encode())
    passages = chunk_document(doc, encoder.count_tokens, 200)
    texts = [p.text for p in passages]
    assert "Call the clinic in these cases:" not in texts  # alone it answers nothing...
    assert "Call the clinic in these cases:\n\n- Blisters: fluid-filled bumps are not expected." in texts  # ...joined
    joined: list[str] = []
    blocks(doc, None, None, joined)
    assert joined == ["lead-in joined to its list's first item: Call the clinic in these cases:"]
    # a paragraph with more to say before its lead-in stays whole; the list items are untouched
    assert (
        "Peeling usually starts on day three and ends by day seven. To care for your skin, follow these steps:" in texts
    )
    assert "Moisturise: apply a bland cream twice a day." in texts
    assert "Most people heal without any problem." in texts
    for p in passages:
        assert doc.text[p.start : p.end] == p.text
