"""After-effects an article calls expected lift the hand-written rules' urgent alarm for that article's
patients, and nothing else (core/expected_effects.py)."""

from __future__ import annotations

from qa_service.core.chunking import Passage
from qa_service.core.expected_effects import expected_in, lifted
from qa_service.core.query import QueryReader
from qa_service.core.safety import rules, triage
from qa_service.core.terms import stem


def _passage(text: str, language: str = "en", title: str = "Laser tattoo removal") -> Passage:
    return Passage(
        id="a#1",
        document_id="a.md",
        document_title=title,
        section="After your session",
        start=0,
        end=len(text),
        text=text,
        language=language,
    )


def test_a_sentence_that_calls_an_effect_expected_names_it_and_one_that_warns_or_denies_does_not() -> None:
    config = rules()
    said = expected_in(_passage("Small blisters can appear within a day. Keep the area covered."), config)
    assert stem("blisters", "en") in said and stem("covered", "en") not in said
    assert stem("laser", "en") not in said  # the title's words name the treatment, not an effect
    assert expected_in(_passage("Blisters are not normal: call us the same day."), config) == frozenset()
    assert expected_in(_passage("Blisters are common. Call us the same day if they ooze."), config) == {
        stem("blisters", "en")
    }
    assert stem("cloques", "fr") in expected_in(_passage("Des cloques peuvent apparaître.", "fr"), config)


def test_an_urgent_sign_is_lifted_only_when_every_word_of_every_sign_is_an_expected_effect() -> None:
    reader = QueryReader({"blisters", "tattoo"})
    expected = frozenset({stem("blisters", "en")})

    def after(question: str) -> object:
        return lifted(triage(question, "en"), reader.read(question, "en"), expected)

    assert triage("I have blisters after my session", "en") is not None
    assert after("I have blisters after my session") is None
    assert after("blisters oozing pus and a fever") is not None  # pus and fever are no expected effect
    assert lifted(triage("I have blisters", "en"), reader.read("I have blisters", "en"), frozenset()) is not None


def test_an_emergency_is_never_lifted() -> None:
    question = "my lips are swelling and I have trouble breathing"
    found = triage(question, "en")
    assert found is not None and found.level == "emergency"
    words = frozenset(stem(w, "en") for w in ("lips", "swelling", "trouble", "breathing"))
    assert lifted(found, QueryReader({"lips"}).read(question, "en"), words) is found


def test_an_english_question_meets_a_french_article_s_expected_effect_through_the_lexicon() -> None:
    """ "blisters" carries "cloqu" (fr_en: cloques: blisters) when a French article holds "cloques"."""
    question = "small blisters after my session, is that ok?"
    query = QueryReader({"cloques", "detatouage"}).read(question, "en")
    assert lifted(triage(question, "en"), query, frozenset({stem("cloques", "fr")})) is None


def test_a_clinic_s_rules_written_before_expected_effects_read_the_package_s_patterns() -> None:
    from importlib import resources

    import yaml

    from qa_service.core.safety import parse_rules

    raw = yaml.safe_load(resources.files("qa_service.core.data").joinpath("safety_rules.yaml").read_text("utf-8"))
    del raw["library_normal"]
    assert parse_rules(raw).normal == rules().normal and rules().normal
