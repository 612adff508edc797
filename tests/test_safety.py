"""Red-flag triage in English and French, with negation and mildness, independent of retrieval."""

from __future__ import annotations

import pytest

from qa_service.core.answer import answer_question
from qa_service.core.retrieval import Retriever
from qa_service.core.safety import triage


@pytest.mark.parametrize(
    "question",
    [
        "My lips and throat are swelling after the treatment",
        "I have trouble breathing since this morning",
        "my tongue is swollen",
        "swelling around my eyes and my throat feels tight",
        "Je ne peux plus respirer",
        "Mes lèvres enflent depuis le traitement",
        "j'ai du mal à avaler",
    ],
)
def test_airway_and_allergy_signs_are_an_emergency(question: str) -> None:
    result = triage(question)
    assert result is not None and result.level == "emergency"
    assert "911" in result.message


@pytest.mark.parametrize(
    "question",
    [
        "I have a high fever and chills after microneedling",
        "The treated skin is hot, very swollen and leaking pus",
        "the redness is spreading to my neck",
        "there are red streaks on my cheek",
        "yellow crust on the bumps",
        "severe pain that keeps getting worse",
        "it looks infected",
        "J'ai du pus et une forte douleur",
        "j'ai de la fièvre",
        "la rougeur qui s'étend sur la joue",
    ],
)
def test_infection_and_complication_signs_are_urgent(question: str) -> None:
    result = triage(question)
    assert result is not None and result.level == "urgent"
    assert "811" in result.message
    assert result.matched


@pytest.mark.parametrize(
    "question",
    [
        "no fever, just a few small bumps",
        "No fever or pain, just some small bumps. Should I worry?",
        "mild redness the next day",
        "a little swelling is that normal?",
        "mild pain when I touch it",
        "Is a little swelling normal the day after microneedling?",
        "pas de fièvre, juste une légère rougeur",
        "Can squeezing pimples cause infection?",
        "What is microneedling?",
        "I don't have any pus or fever",
    ],
)
def test_negated_or_mild_symptoms_raise_no_alarm(question: str) -> None:
    assert triage(question) is None


def test_the_message_follows_the_question_language() -> None:
    french = triage("J'ai de la fièvre", "fr")
    assert french is not None and "Info-Santé 811" in french.message and "clinique" in french.message
    english = triage("I have a fever", "en")
    assert english is not None and "Contact the clinic today" in english.message


def test_urgent_is_in_the_response_even_when_retrieval_is_confident(retriever: Retriever) -> None:
    result = answer_question(retriever, "My pimples after microneedling are full of pus, is that normal?")
    assert result.answered is True
    assert result.urgent.level == "urgent" and "pus" in result.urgent.matched


def test_emergency_outranks_urgent() -> None:
    result = triage("fever and my throat is swelling")
    assert result is not None and result.level == "emergency"
    assert set(result.matched) >= {"fever"}


@pytest.mark.parametrize(
    ("question", "level"),
    [
        ("I can not breathe", "emergency"),
        ("having a hard time breathing", "emergency"),
        ("I have a severe allergic reaction", "emergency"),
        ("I am having an allergic reaction", "urgent"),
        ("I got hives on my neck", "urgent"),
        ("my face is swollen and hot", "urgent"),
        ("temperature of 39 since last night", "urgent"),
        ("it hurts a lot and keeps getting worse", "urgent"),
        ("j'ai de l'urticaire", "urgent"),
        ("je fais une réaction allergique", "urgent"),
    ],
)
def test_more_ways_patients_describe_red_flags(question: str, level: str) -> None:
    result = triage(question)
    assert result is not None and result.level == level


@pytest.mark.parametrize(
    "question",
    [
        "Can microneedling cause an allergic reaction?",
        "Can it cause hives?",
        "I had it done 39 days ago",
        "Is it normal to be red for 3 days?",
        "no allergic reaction, just redness",
        "slight itching",
        "Est-ce que ça peut causer de l'urticaire?",
    ],
)
def test_questions_about_risks_are_not_alarms(question: str) -> None:
    assert triage(question) is None


@pytest.mark.parametrize(
    ("question", "language"),
    [
        ("my vision is blurry since the filler this morning", "en"),
        ("got botox 4 days ago and now I'm seeing double", "en"),
        ("I can't see out of my left eye after the filler", "en"),
        ("part of my upper lip has turned white and now looks blotchy and purple", "en"),
        ("the skin around the injection is blanching", "en"),
        ("j'ai eu du filler sous les yeux ce matin pis là je vois embrouillé d'un œil", "fr"),
        ("ma vision est floue depuis l'injection", "fr"),
        ("ma lèvre est devenue blanche après le filler", "fr"),
        ("la peau a blanchi autour de l'injection", "fr"),
    ],
)
def test_a_change_in_vision_or_skin_turning_white_after_an_injection_is_an_emergency(
    question: str, language: str
) -> None:
    result = triage(question, language)
    assert result is not None and result.level == "emergency", question
    assert "911" in result.message and ("blood vessel" in result.message or "vaisseau" in result.message)


@pytest.mark.parametrize(
    ("question", "language"),
    [
        ("my skin turned white during the peel, is that frosting normal?", "en"),
        ("ma peau est devenue blanche pendant le peeling", "fr"),
        ("no blurry vision, just a small bruise", "en"),
        ("pas de vision floue, juste un petit bleu", "fr"),
        ("can filler cause blindness?", "en"),
        ("will filler change my vision?", "en"),
        ("lips a little puffy and tender the morning after filler, no color change, no fever", "en"),
    ],
)
def test_a_peels_frost_a_negated_sign_or_a_question_about_risks_is_no_vision_alarm(
    question: str, language: str
) -> None:
    assert triage(question, language) is None, question
