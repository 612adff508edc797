"""A library of many documents each named for one subject (a health encyclopedia): a question that names
none of its candidates' subjects asks about one the library does not cover (core/scoring.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa_service.core.answer import answer_question
from qa_service.core.documents import load_documents
from qa_service.core.encoder import Encoder
from qa_service.core.errors import ConfigError
from qa_service.core.retrieval import Retriever
from qa_service.core.tuning import Tuning
from qa_service.runtime.index_build import build_index
from qa_service.runtime.index_load import load_current
from qa_service.settings import Settings
from qa_service.wiring import tuning

FEELINGS = ("dry", "oily", "itchy", "flaky", "red", "sore", "swollen", "cracked", "scaly", "bumpy", "painful")
PLACES = ("scalp", "lips", "eyelids", "hands", "feet", "elbows", "knees", "nails", "cheeks", "neck")


@pytest.fixture(scope="module")
def encyclopedia(tmp_path_factory: pytest.TempPathFactory, encoder: Encoder) -> Path:
    """110 short articles, each titled by its subject ("Itchy scalp"), indexed with the real model."""
    docs = tmp_path_factory.mktemp("encyclopedia")
    for feeling in FEELINGS:
        for place in PLACES:
            title = f"{feeling.capitalize()} {place}"
            (docs / f"{feeling}-{place}.md").write_text(
                f"---\ntitle: {title}\n---\n\n{title} is a common complaint. {title} usually improves with a "
                f"gentle cleanser and a fragrance-free moisturizer twice a day. See a doctor if your {feeling} "
                f"{place} lasts more than two weeks.\n",
                "utf-8",
            )
    index = tmp_path_factory.mktemp("encyclopedia-index")
    documents, _ = load_documents(docs)
    build_index(documents, encoder, index, chunk_tokens=Settings().chunk_tokens)
    return index


def test_a_question_naming_a_subject_the_titles_name_is_answered_and_one_naming_none_is_not(
    encyclopedia: Path, encoder: Encoder
) -> None:
    retriever = Retriever(load_current(encyclopedia, encoder), encoder)
    assert retriever.names_subjects
    covered = answer_question(retriever, "How do I treat itchy scalp?")
    assert covered.answered and covered.passages[0].text.startswith("Itchy scalp")
    uncovered = answer_question(retriever, "How do I treat itchy ears?")  # one word of a title: not its subject
    assert not uncovered.answered
    # the same question, the library read as a clinic's articles: only the named subject made the difference
    as_articles = Retriever(load_current(encyclopedia, encoder), encoder, tuning=Tuning(subject_library=1000))
    assert not as_articles.names_subjects
    before = answer_question(as_articles, "How do I treat itchy ears?", min_confidence=0.0)
    after = answer_question(retriever, "How do I treat itchy ears?", min_confidence=0.0)
    assert after.passages[0].confidence == pytest.approx(0.2 * before.passages[0].confidence)


def test_a_clinic_s_few_articles_titled_by_what_they_explain_are_not_an_encyclopedia(retriever: Retriever) -> None:
    assert not retriever.names_subjects


def test_staff_switch_the_rule_on_or_off_whatever_the_library(encyclopedia: Path, encoder: Encoder) -> None:
    """QA_SUBJECT_LIBRARY: "off" for a clinic whose site grew to many short-titled pages, "on" for a small
    encyclopedia; a value it does not know is refused at start-up."""
    loaded = load_current(encyclopedia, encoder)
    switched = {v: tuning(Settings.from_env({"QA_SUBJECT_LIBRARY": v})) for v in ("auto", "on", "off")}
    assert Retriever(loaded, encoder, tuning=switched["auto"]).names_subjects
    assert not Retriever(loaded, encoder, tuning=switched["off"]).names_subjects
    assert answer_question(Retriever(loaded, encoder, tuning=switched["off"]), "How do I treat itchy ears?").answered
    with pytest.raises(ConfigError, match="QA_SUBJECT_LIBRARY"):
        Settings.from_env({"QA_SUBJECT_LIBRARY": "sometimes"})


def test_on_makes_even_a_clinic_s_articles_an_encyclopedia(retriever: Retriever) -> None:
    on = Retriever(retriever.loaded, retriever.encoder, tuning=tuning(Settings.from_env({"QA_SUBJECT_LIBRARY": "on"})))
    assert on.names_subjects
    assert not answer_question(on, "How long do they last?").answered  # names no title's subject
