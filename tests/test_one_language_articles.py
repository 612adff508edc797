"""A clinic whose treatments are each written up in one language only: a patient asking in the other
language whether the clinic offers one, or how many sessions it takes, is answered from that article; a
treatment no article names is still declined. Real model, real multilingual stage, the package's lexicon."""

from __future__ import annotations

import pytest

from qa_service.core.answer import answer_question
from qa_service.core.documents import load_documents
from qa_service.core.encoder import Encoder
from qa_service.core.retrieval import Retriever
from qa_service.runtime.index_build import build_index
from qa_service.runtime.index_load import load_current
from qa_service.runtime.use_model import UseModel

ARTICLES = {
    "sclerotherapie.md": """---
title: "Sclérothérapie : traitement des varicosités des jambes"
language: fr
---
# Sclérothérapie : traitement des varicosités des jambes

## Qu'est-ce que la sclérothérapie?
La sclérothérapie consiste à injecter une solution dans les petites veines visibles des jambes
(varicosités). La veine se referme et s'estompe en quelques semaines.

## Après le traitement
Portez des bas de compression pendant 48 heures. Marchez chaque jour, mais évitez l'entraînement intense
pendant 48 heures.
""",
    "detatouage.md": """---
title: Détatouage au laser
language: fr
---
# Détatouage au laser

## Comment ça fonctionne
Le laser fragmente l'encre du tatouage en fines particules que le corps élimine peu à peu.

## Après la séance
Gardez la zone propre et couverte pendant trois jours. Des cloques peuvent apparaître : ne les percez pas.
""",
    "visite.md": """---
title: "Votre visite : paiement et accès"
language: fr
---
# Votre visite : paiement et accès

## Paiement et cartes-cadeaux
Nous acceptons la carte de débit et les cartes de crédit. Les cartes-cadeaux sont offertes à la réception.

## Stationnement
Le stationnement est gratuit derrière l'immeuble, et l'entrée est accessible en fauteuil roulant.
""",
    "chemical-peels.md": """---
title: Chemical peels
---
# Chemical peels

## Aftercare
Avoid the sun for two weeks after a peel and wear sunscreen every day.

## How many peels
Most people need three to six peels, two to four weeks apart.
""",
}


@pytest.fixture(scope="module")
def retriever(tmp_path_factory: pytest.TempPathFactory, encoder: Encoder) -> Retriever:
    root = tmp_path_factory.mktemp("one-language")
    (root / "docs").mkdir()
    for name, text in ARTICLES.items():
        (root / "docs" / name).write_text(text, "utf-8")
    model = UseModel()
    build_index(load_documents(root / "docs")[0], encoder, root / "index", chunk_tokens=200, multilingual=model)
    return Retriever(load_current(root / "index", encoder), encoder, multilingual=model)


@pytest.mark.parametrize(
    ("question", "article"),
    [
        ("do you do sclerotherapy?", "sclerotherapie.md"),
        ("do you offer laser tattoo removal?", "detatouage.md"),
        ("is there anything for spider veins on my legs?", "sclerotherapie.md"),
        ("faites-vous des peelings?", "chemical-peels.md"),
        # the clinic itself, asked in English of its French-only page ("do you sell / have / accept ...")
        ("Do you sell gift cards?", "visite.md"),
        ("do you have parking?", "visite.md"),
    ],
)
def test_a_question_about_a_treatment_written_up_in_the_other_language_is_answered_from_it(
    retriever: Retriever, question: str, article: str
) -> None:
    result = answer_question(retriever, question)
    assert result.answered
    assert result.passages[0].id.split("#")[0] == article


@pytest.mark.parametrize(
    "question", ["do you do eyelash extensions?", "faites-vous la cryolipolyse?", "do you offer coolsculpting?"]
)
def test_a_treatment_no_article_names_in_any_language_is_still_declined(retriever: Retriever, question: str) -> None:
    assert not answer_question(retriever, question).answered


@pytest.mark.parametrize(
    "question",
    [
        "I got small blisters after my tattoo removal session, is that ok?",
        "j'ai des petites cloques après mon détatouage",
    ],
)
def test_blisters_the_tattoo_removal_article_calls_expected_raise_no_alarm(retriever: Retriever, question: str) -> None:
    assert answer_question(retriever, question).urgent is None


@pytest.mark.parametrize(
    "question",
    [
        "the blisters after tattoo removal are now oozing pus and I have a fever",
        "I have blisters after my chemical peel",  # the peel article calls no blister expected
        "j'ai le mollet enflé, chaud et douloureux depuis ma sclérothérapie",
    ],
)
def test_a_sign_no_article_calls_expected_still_raises_the_alarm(retriever: Retriever, question: str) -> None:
    urgent = answer_question(retriever, question).urgent
    assert urgent is not None and urgent.level == "urgent"
