"""Which language a text is in ("en" or "fr"): questions, and articles without a language in front matter.

Function words and accents first, then how common each word is in either language (wordfreq): short
questions are where general-purpose detectors guess badly.
"""

from __future__ import annotations

from wordfreq import zipf_frequency

from qa_service.core.terms import words

_FRENCH_MARKERS = {
    "est",
    "les",
    "des",
    "une",
    "pour",
    "avec",
    "mon",
    "ma",
    "mes",
    "je",
    "j",
    "suis",
    "sont",
    "après",
    "apres",
    "peau",
    "vous",
    "dois",
    "quoi",
    "pourquoi",
    "combien",
    "ça",
    "c'est",
    "avoir",
    "boutons",
    "ils",
    "elles",
    "qu'est-ce",
    "est-ce",
    "votre",
    "mais",
    "aussi",
    "très",
    "le",
    "la",
    "du",
    "au",
    "aux",
    "et",
    "ou",
    "sur",
    "dans",
    "j'ai",
    "ai",
    "il",
    "elle",
    "nous",
    "quand",
}
_ENGLISH_MARKERS = {
    "the",
    "is",
    "are",
    "my",
    "i",
    "what",
    "how",
    "why",
    "when",
    "should",
    "do",
    "does",
    "can",
    "after",
    "and",
    "or",
    "with",
    "it",
    "have",
    "has",
    "skin",
    "to",
    "of",
    "a",
    "an",
    "will",
    "you",
}


def detect_language(text: str) -> str:
    """'fr' or 'en': function words and accents, then how common each word is in either language
    (wordfreq). Short questions are where general-purpose detectors guess badly."""
    tokens = [w for _, _, w in words(text)]
    raw_tokens = set(text.lower().replace("’", "'").split())
    fr = sum(t in _FRENCH_MARKERS for t in tokens) + sum(t in _FRENCH_MARKERS for t in raw_tokens)
    en = 2 * sum(t in _ENGLISH_MARKERS for t in tokens)
    fr += sum(ch in "éèêàùçôîœ" for ch in text.lower())
    if fr == en:  # no function word decides ("quel hydratant utiliser"): compare word frequencies
        lean = sum(max(-3.0, min(3.0, zipf_frequency(t, "fr") - zipf_frequency(t, "en"))) for t in tokens)
        return "fr" if lean > 1.0 else "en"
    return "fr" if fr > en else "en"
