"""What the benchmark asks: distinct patient-like questions, and the passages of both batch figures."""

from __future__ import annotations

import random

from paths import ROOT

TOPICS = [
    "pimples",
    "redness",
    "swelling",
    "breakouts",
    "whiteheads",
    "dry skin",
    "itching",
    "peeling",
    "bumps",
    "oily skin",
    "clogged pores",
    "sensitivity",
    "small spots",
    "tightness",
    "flaking",
]
ASKS = [
    "How long do {t} last after microneedling",
    "Is it normal to have {t} after my session",
    "What should I do about {t} on day {n}",
    "Why do I get {t} after the treatment",
    "Can I put moisturizer on {t}",
    "Should I worry about {t} {n} days later",
    "What cleanser helps with {t}",
    "Do {t} mean an infection",
]


def questions(count: int, seed: int = 7, asks: list[str] = ASKS, topics: list[str] = TOPICS) -> list[str]:
    """Distinct, never-repeated patient-like questions (cache misses by construction)."""
    rng = random.Random(seed)
    out = {f"{rng.choice(asks).format(t=rng.choice(topics), n=rng.randint(1, 30))}? ({i})" for i in range(count)}
    return sorted(out)[:count]


FRENCH_TOPICS = [
    "des boutons",
    "des rougeurs",
    "de l'enflure",
    "des points blancs",
    "la peau sèche",
    "des démangeaisons",
    "de la desquamation",
    "des petites bosses",
]
FRENCH_ASKS = [
    "Combien de temps durent {t} après le microneedling",
    "Est-ce normal d'avoir {t} après ma séance",
    "Que faire contre {t} au jour {n}",
    "Pourquoi j'ai {t} après le traitement",
    "Dois-je m'inquiéter d'avoir {t} {n} jours plus tard",
]


def french_questions(count: int, seed: int = 8) -> list[str]:
    """Distinct French questions: the path that runs the multilingual stage on any library."""
    return questions(count, seed, FRENCH_ASKS, FRENCH_TOPICS)


def batch_texts(copies: int = 20) -> list[str]:
    """The real article's passages (as the encoder sees them), numbered: the texts of both batch figures."""
    from qa_service.core.chunking import chunk_documents
    from qa_service.core.documents import load_documents

    passages = chunk_documents(
        load_documents(ROOT / "tests" / "data" / "documents")[0], lambda text: len(text.split()), 200
    )
    return [f"{p.embed_text} ({i})" for i in range(copies) for p in passages]
