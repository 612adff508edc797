"""Safety that reads the library: the warning signs an article lists ("must be assessed the same day",
"call 911") raise the alarm at the article's level, with its passage shown, for a treatment the hand-written
rules know nothing of; what the article calls normal, or a sign the patient says they do not have, stays
calm."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa_service.core.answer import answer_question
from qa_service.core.chunking import Passage
from qa_service.core.documents import load_documents
from qa_service.core.encoder import Encoder
from qa_service.core.retrieval import Retriever
from qa_service.core.safety import Triage, most_severe, parse_rules, rules, triage
from qa_service.core.warning_signs import signs_in
from qa_service.runtime.index_build import build_index
from qa_service.runtime.index_load import load_current

# A treatment no hand-written rule names: its own warning signs are in its own words.
FREEZING = """---
title: Fat freezing (cryolipolysis) aftercare
language: en
---
# Fat freezing (cryolipolysis) aftercare

## What is normal afterwards

Mild tingling and a little tenderness of the treated area are common for a few days and need no care.

Most people go back to work the same day and can exercise the next morning.

## When to call us

- Frostbite: Skin that stays hard, white and numb after the applicator is removed must be assessed the same day.
- Nerve pain: Burning, stabbing pain that wakes you at night is a sign to call us the same day.
- Allergy: Hives with swelling of the tongue is an emergency; call 911.
"""

FREEZING_FR = """---
title: Cryolipolyse (congélation des graisses) soins après le traitement
language: fr
translation_of: freezing.md
---
# Cryolipolyse (congélation des graisses) soins après le traitement

## Ce qui est normal ensuite

De légers picotements et un peu de sensibilité de la zone traitée sont fréquents pendant quelques jours.

## Quand nous appeler

- Engelure : Une peau qui reste dure, blanche et engourdie après le traitement doit être évaluée le jour même.
"""


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory, encoder: Encoder) -> Retriever:
    root = tmp_path_factory.mktemp("warnings")
    (root / "docs").mkdir()
    (root / "docs" / "freezing.md").write_text(FREEZING, "utf-8")
    (root / "docs" / "freezing.fr.md").write_text(FREEZING_FR, "utf-8")
    build_index(load_documents(root / "docs")[0], encoder, root / "index", chunk_tokens=200)
    return Retriever(load_current(root / "index", encoder), encoder)


def _passage(text: str, language: str = "en") -> Passage:
    return Passage(
        id="a#1",
        document_id="a.md",
        document_title="Fat freezing aftercare",
        section="When to call us",
        start=0,
        end=len(text),
        text=text,
        language=language,
    )


def test_an_articles_sentence_that_says_a_sign_needs_care_is_read_at_that_level() -> None:
    urgent = signs_in(_passage("Frostbite: Skin that stays hard and white must be assessed the same day."), rules())
    assert [s.level for s in urgent] == ["urgent"]
    assert {"hard", "white", "frostbit"} <= urgent[0].stems
    assert not {"assess", "day", "fat", "freez"} & urgent[0].stems  # the cue's and the title's words name no sign
    emergency = signs_in(_passage("Hives are common. Swelling of the tongue is an emergency; call 911."), rules())
    assert [s.level for s in emergency] == ["emergency"]
    assert emergency[0].sentence.startswith("Swelling")
    assert signs_in(_passage("Most people go back to work the same day."), rules()) == ()
    burn = signs_in(
        _passage("Burns: Blisters or grey skin can mean a burn. Do not pop them; call us the same day."), rules()
    )
    assert {"blister", "grey", "burn"} <= burn[0].stems  # a labelled item's signs come before its cue
    assert [s.level for s in signs_in(_passage("Une vision trouble est une urgence médicale.", "fr"), rules())] == [
        "emergency"
    ]


@pytest.mark.parametrize(
    ("sentence", "language", "level"),
    [
        ("Spreading swelling near the eye: call us immediately.", "en", "emergency"),
        ("Contact us as soon as possible if a blister forms.", "en", "urgent"),
        ("Seek prompt care for a fever after treatment.", "en", "urgent"),
        ("Avisez-nous dès que possible si une cloque apparaît.", "fr", "urgent"),
        ("Consultez rapidement en cas de fièvre.", "fr", "urgent"),
        ("Rendez-vous immédiatement à l'hôpital si la vision baisse.", "fr", "emergency"),
        ("Results are visible immediately.", "en", None),  # no one is told to act
        ("Book your next session as soon as possible.", "en", None),
        ("Les résultats apparaissent immédiatement.", "fr", None),
    ],
)
def test_how_articles_say_a_sign_needs_care(sentence: str, language: str, level: str | None) -> None:
    found = signs_in(_passage(sentence, language), rules())
    assert [s.level for s in found] == ([level] if level else [])


def test_a_question_describing_a_sign_the_article_lists_raises_its_alarm_with_that_passage(library: Retriever) -> None:
    question = "two days after my cryolipolysis the skin on my belly is still hard and numb"
    assert triage(question) is None  # no hand-written rule knows frostbite after fat freezing
    answer = answer_question(library, question, top_k=3, min_confidence=0.0)
    assert answer.urgent is not None and answer.urgent.level == "urgent"
    assert {"hard", "numb"} <= set(answer.urgent.matched)
    shown = {p.id: p.text for p in answer.passages}
    assert answer.urgent.passage in shown and "Frostbite" in shown[answer.urgent.passage]
    assert answer.to_dict()["urgent"]["passage"] == answer.urgent.passage


def test_the_same_sign_in_french_raises_the_french_alarm(library: Retriever) -> None:
    answer = answer_question(
        library, "ma peau reste dure et engourdie depuis ma cryolipolyse", top_k=3, min_confidence=0.0
    )
    assert answer.urgent is not None and answer.urgent.level == "urgent"
    assert answer.urgent.message == rules().messages["urgent"]["fr"]
    assert answer.passages[0].source.document_id == "freezing.fr.md"


@pytest.mark.parametrize(
    "question",
    [
        "a little tingling and tenderness after fat freezing, is that normal?",  # what the article calls normal
        "the skin is not hard and not numb after my cryolipolysis, just a bit tender",  # signs denied
        "can I go back to work the same day after cryolipolysis?",  # an ordinary question
    ],
)
def test_what_the_article_calls_normal_or_a_denied_sign_raises_no_alarm(library: Retriever, question: str) -> None:
    assert answer_question(library, question, top_k=3, min_confidence=0.0).urgent is None


def test_the_most_severe_of_the_rules_and_the_articles_alarm_is_given() -> None:
    urgent = Triage("urgent", "u", ("hard",), "a#1")
    emergency = Triage("emergency", "e", ("trouble breathing",))
    both = most_severe(urgent, None, emergency)
    assert both is not None and both.level == "emergency" and both.message == "e"
    assert both.matched == ("trouble breathing", "hard")
    assert most_severe(None, None) is None


def test_a_clinics_rules_written_before_the_cues_read_the_packages_and_a_bad_cue_level_is_refused() -> None:
    own = {"messages": rules().messages, "negations": {}, "mildness": {}, "rules": []}
    assert parse_rules(own).cues == rules().cues
    with pytest.raises(ValueError, match="unknown level"):
        parse_rules({**own, "library_cues": {"soon": {"en": ["call us"]}}})
    assert parse_rules({**own, "library_cues": {}}).cues == ()  # a clinic may switch the article alarms off


def test_the_shipped_cues_are_in_the_content_file_staff_review(tmp_path: Path) -> None:
    text = (Path(__file__).resolve().parents[1] / "qa_service" / "core" / "data" / "safety_rules.yaml").read_text()
    assert "library_cues:" in text and "qa-service inspect" in text
