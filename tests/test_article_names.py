"""Passages that know their article: its title (and the other names staff give it in front matter,
``also_called``) is read with every passage, so "exercise after <treatment>" finds that treatment's
"Exercise" passage and not another aftercare article's."""

from __future__ import annotations

import pytest

from qa_service.core.answer import answer_question
from qa_service.core.documents import load_documents, parse_document
from qa_service.core.encoder import Encoder
from qa_service.core.retrieval import Retriever
from qa_service.runtime.index_build import build_index
from qa_service.runtime.index_load import load_current

INJECTIONS = """---
title: Wrinkle relaxer injections
language: en
also_called: [Relaxa, neuromodulator]
---
# Wrinkle relaxer injections

## Aftercare

Exercise: Wait 24 hours before a workout, hot yoga or anything that makes you sweat a lot.

Makeup: Wait at least 4 hours, then apply it gently without rubbing.
"""

PEEL = """---
title: Chemical peel aftercare
language: en
---
# Chemical peel aftercare

## Aftercare

Exercise: Skip the gym and saunas for 48 hours, until the stinging has settled.

Makeup: Wait 24 hours after a light peel before wearing makeup again.
"""


def test_front_matter_names_an_article_otherwise_and_a_bad_value_is_refused() -> None:
    doc = parse_document("a.md", INJECTIONS.encode())
    assert doc.also_called == ("Relaxa", "neuromodulator")
    comma = parse_document("b.md", b"---\nalso_called: Dysport,  Botox \n---\n# Botox\n\nText.\n")
    assert comma.also_called == ("Dysport", "Botox")
    with pytest.raises(ValueError, match="also_called must be a list of names"):
        parse_document("c.md", b"---\nalso_called: {a: 1}\n---\n# T\n\nText.\n")


@pytest.fixture(scope="module")
def two_articles(tmp_path_factory: pytest.TempPathFactory, encoder: Encoder) -> Retriever:
    root = tmp_path_factory.mktemp("names")
    (root / "docs").mkdir()
    (root / "docs" / "injections.md").write_text(INJECTIONS, "utf-8")
    (root / "docs" / "peel.md").write_text(PEEL, "utf-8")
    build_index(load_documents(root / "docs")[0], encoder, root / "index", chunk_tokens=200)
    return Retriever(load_current(root / "index", encoder), encoder)


def test_every_passage_is_read_with_its_articles_title_and_other_names(two_articles: Retriever) -> None:
    exercise = next(p for p in two_articles.passages if p.document_id == "injections.md" and "workout" in p.text)
    assert exercise.text.startswith("Exercise:")  # what the patient is shown: the clinic's words only
    assert exercise.embed_text.startswith("Wrinkle relaxer injections (Relaxa, neuromodulator). Aftercare: Exercise")
    row = two_articles.passages.index(exercise)
    assert {"relaxa", "neuromodul"} <= set(two_articles.title_stems(row))


@pytest.mark.parametrize(
    ("question", "article"),
    [
        ("can I go to the gym after my Relaxa appointment?", "injections.md"),
        ("when can I wear makeup after my peel", "peel.md"),
        ("makeup after neuromodulator shots?", "injections.md"),
    ],
)
def test_a_question_naming_a_treatment_gets_that_treatments_passage(
    two_articles: Retriever, question: str, article: str
) -> None:
    answer = answer_question(two_articles, question, top_k=2, min_confidence=0.0)
    assert answer.passages[0].source.document_id == article, [p.text for p in answer.passages]


def test_a_title_is_named_by_the_patients_own_words_not_by_the_lexicons_synonyms() -> None:
    from qa_service.core.query import QueryReader

    reader = QueryReader(["pimples", "acne", "breakouts", "peel", "skin"])
    english = reader.read("does greasy food cause breakouts", "en")
    assert "pimpl" in english.stems and "pimpl" not in english.named  # searched for, but names no article
    assert {"breakout", "greasi", "food"} <= english.named
    french = reader.read("des boutons après mon peeling", "fr")
    assert "pimpl" in french.named  # a translation is the patient's word in the articles' language
