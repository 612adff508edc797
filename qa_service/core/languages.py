"""The languages the service reads and answers in: one entry each, the one place to add a language.

An entry holds what the code needs to read a language: its Snowball stemmer and stopwords, the function
words and letters that tell it apart in a short question, and the lexicon section that renders its words
into the articles' English (``fr_en``). What people read in it is content, keyed by the same code: the
disclaimer and "no answer" texts (``texts.yaml``), the red-flag patterns and messages
(``safety_rules.yaml``), and the page's, search box's and console's words (``web/wording/<code>.yaml``,
English where a language has none yet). Adding a language is adding its entry here and its content; a test
registers a third one from its own fixtures and answers in it end to end (tests/test_languages.py).

English is the pivot: the default encoder's language and the language the lexicons translate into.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache

from bm25s.stopwords import STOPWORDS_EN_PLUS, STOPWORDS_FRENCH

PIVOT = "en"


def fold(text: str) -> str:
    """Lower-case and strip accents: "Acné" and "acne" are the same word to a patient typing fast."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def folded(words: Iterable[str]) -> frozenset[str]:
    """Words as typed and accent-folded, for lookups that accept both."""
    return frozenset(w for word in words for w in (word, fold(word)))


@dataclass(frozen=True)
class Language:
    code: str  # ISO 639-1, as in front matter, the API's ``lang`` and the content files' keys
    name: str  # its own name, for people
    stemmer: str  # the Snowball algorithm (PyStemmer)
    stopwords: frozenset[str]  # words that carry no topic: the stemmer's list plus question scaffolding
    markers: frozenset[str]  # function words that tell the language of a short question
    marker_weight: int = 1  # how much one marker counts against another language's
    whitespace_markers: bool = False  # count markers among space-separated tokens too ("c'est", "j'ai")
    letters: str = ""  # accented letters that point to this language among the registered ones

    @property
    def lexicon_section(self) -> str:
        """The lexicon's section that renders this language's words into the articles' English."""
        return "lay_en" if self.code == PIVOT else f"{self.code}_en"


ENGLISH = Language(
    "en",
    "English",
    "english",
    folded(
        set(STOPWORDS_EN_PLUS)
        | {"get", "got", "getting", "need", "also", "like", "ok", "okay", "please", "thanks", "much", "many"}
        | {"lot", "really", "actually", "anything", "something", "thing", "things", "still", "yes"}
    ),
    frozenset(
        "the is are my i what how why when should do does can after and or with it have has skin to of a an will "
        "you".split()
    ),
    marker_weight=2,
)

FRENCH = Language(
    "fr",
    "Français",
    "french",
    folded(
        set(STOPWORDS_FRENCH)
        | {"est-ce", "ce", "ça", "cela", "être", "avoir", "faire", "dois", "doit", "peux", "peut", "bonjour"}
        | {"merci", "svp", "quoi", "comment", "pourquoi", "quand", "combien", "puis", "quel", "quelle", "quels"}
        | {"quelles", "après", "avant", "très", "oui", "non"}
    ),
    frozenset(
        "est les des une pour avec mon ma mes je j suis sont après apres peau vous dois quoi pourquoi combien ça "
        "c'est avoir boutons ils elles qu'est-ce est-ce votre mais aussi très le la du au aux et ou sur dans j'ai "
        "ai il elle nous quand".split()
    ),
    whitespace_markers=True,
    letters="éèêàùçôîœ",
)

_REGISTRY: dict[str, Language] = {"en": ENGLISH, "fr": FRENCH}


def languages() -> tuple[str, ...]:
    """The registered codes, the pivot first."""
    return tuple(_REGISTRY)


def language(code: str) -> Language:
    """The entry for ``code``; the pivot's for a code no entry has (its stemmer reads unknown text best)."""
    return _REGISTRY.get(code) or _REGISTRY[PIVOT]


def is_registered(code: object) -> bool:
    return isinstance(code, str) and code in _REGISTRY


@lru_cache(maxsize=1)
def all_stopwords() -> frozenset[str]:
    """Every registered language's stopwords: a word that carries no topic in any of them carries none."""
    return frozenset().union(*(entry.stopwords for entry in _REGISTRY.values()))


@contextmanager
def registered(entry: Language) -> Iterator[Language]:
    """``entry`` registered for the duration (a test's third language); a deployment adds its entry above."""
    if entry.code in _REGISTRY:
        raise ValueError(f"language {entry.code!r} is already registered")
    _REGISTRY[entry.code] = entry
    all_stopwords.cache_clear()
    try:
        yield entry
    finally:
        del _REGISTRY[entry.code]
        all_stopwords.cache_clear()
