"""Spelling: which words of a question are typos, and the article word each one was meant to be.

Corrections go only towards words the articles or the lexicon use, so the method follows whatever articles
the clinic adds; a real word the articles do not use is left alone (it may be what makes a question out of
scope), unless it is a rare one that is a typical slip of an article word (``typo_of``).
"""

from __future__ import annotations

from collections.abc import Iterable

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein
from wordfreq import zipf_frequency

from qa_service.core.terms import is_stopword

RARE_ZIPF = 3.0  # below this many log-per-billion uses, a word one slip from the articles' is read as a typo
TYPO_MARGIN = 0.5  # ... when the word it slipped from is this much commoner ("flaky" is not a slip of "flake")
VOWELS = frozenset("aeiouy")
SOUND_ALIKE = (frozenset("sz"), frozenset("ck"))


def typo_of(word: str, target: str) -> bool:
    """Whether ``word`` is one of the slips people make typing ``target``: a doubled letter typed once or
    twice ("filer", "tatoo"), the last letter left off ("befor"), one vowel for another ("peal") or a
    sound-alike consonant ("lazer"). Other one-letter changes make other words ("scab", "welts")."""
    if len(word) + 1 == len(target):
        short, long_ = word, target
    elif len(word) == len(target) + 1:
        short, long_ = target, word
    elif len(word) == len(target):
        diff = [(a, b) for a, b in zip(word, target, strict=True) if a != b]
        if len(diff) != 1:
            return False
        pair = frozenset(diff[0])
        return pair <= VOWELS or pair in SOUND_ALIKE
    else:
        return False
    i = next((k for k, (a, b) in enumerate(zip(short, long_, strict=False)) if a != b), len(short))
    if short[i:] != long_[i + 1 :]:
        return False
    doubled = (i > 0 and long_[i] == long_[i - 1]) or (i + 1 < len(long_) and long_[i] == long_[i + 1])
    return doubled or (short is word and i == len(short))


class Speller:
    """Corrections towards one set of known words (the corpus's and the lexicon's, folded)."""

    def __init__(self, known: Iterable[str]) -> None:
        self.known = frozenset(known)
        self.targets = sorted(w for w in self.known if len(w) >= 4)

    def correct(self, word: str, language: str, typed: str = "") -> str:
        """Closest corpus or lexicon word for a word nobody knows (a typo), else the word itself. ``typed``:
        the word as the patient wrote it, accents kept, for how common it is ("gèle" is, "gele" is not)."""
        if word in self.known or is_stopword(word) or len(word) < 4 or word.isdigit():
            return word
        typed = typed or word
        if zipf_frequency(typed, language) >= 1.5 or zipf_frequency(typed, "en") >= 2.5:
            # A real word the articles don't use: leave it, it may mean "out of scope"; unless it is a rare
            # one a letter away from a commoner word of the articles ("filer", "lazer", "befor"), which is
            # what a patient who typed it most likely meant.
            return self.near_typo(word, language, typed) or word
        limit = 1 if len(word) <= 5 else 2
        best = process.extractOne(word, self.targets, scorer=Levenshtein.distance, score_cutoff=limit)
        return best[0] if best else word

    def near_typo(self, word: str, language: str, typed: str) -> str | None:
        """For a rare word, the corpus or lexicon word it is a likely slip of (``typo_of``) that everyday
        language uses clearly more ("filer": filler); None when there is none ("scab" stays a scab)."""
        seen = max(zipf_frequency(typed, language), zipf_frequency(typed, "en"))
        if seen >= RARE_ZIPF:
            return None
        near = process.extract(word, self.targets, scorer=Levenshtein.distance, score_cutoff=1, limit=None)
        usage = {
            str(t): max(zipf_frequency(str(t), language), zipf_frequency(str(t), "en"))
            for t, _, _ in near
            if typo_of(word, str(t))
        }
        best = max(sorted(usage), key=usage.__getitem__, default=None)  # the commonest; ties alphabetically
        return best if best is not None and usage[best] >= seen + TYPO_MARGIN else None
