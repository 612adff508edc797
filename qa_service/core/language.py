"""Which registered language a text is in: questions, and articles without a language in front matter.

Function words and letters first (each language's entry in ``languages.py``), then how common each word
is in one language against the pivot (wordfreq): short questions are where general-purpose detectors
guess badly.
"""

from __future__ import annotations

from wordfreq import zipf_frequency

from qa_service.core.languages import PIVOT, language, languages
from qa_service.core.terms import words


def detect_language(text: str) -> str:
    """The registered language whose function words and letters the text holds most; on a tie, the one
    whose word frequencies lean furthest from the pivot's (by more than 1), else the pivot."""
    tokens = [w for _, _, w in words(text)]
    raw_tokens = set(text.lower().replace("’", "'").split())
    lowered = text.lower()
    votes: dict[str, int] = {}
    for code in languages():
        entry = language(code)
        found = entry.marker_weight * sum(t in entry.markers for t in tokens)
        if entry.whitespace_markers:
            found += sum(t in entry.markers for t in raw_tokens)
        votes[code] = found + sum(ch in entry.letters for ch in lowered)
    best = max(votes.values())
    tied = [code for code, n in votes.items() if n == best]
    if len(tied) == 1:
        return tied[0]
    # no function word decides ("quel hydratant utiliser"): compare word frequencies with the pivot's
    lean = {
        code: sum(max(-3.0, min(3.0, zipf_frequency(t, code) - zipf_frequency(t, PIVOT))) for t in tokens)
        for code in tied
        if code != PIVOT
    }
    leaning = max(lean, key=lambda code: lean[code], default=None)
    return leaning if leaning is not None and lean[leaning] > 1.0 else PIVOT
