"""Words of a text: tokenisation with offsets, stopwords and Snowball stems, for English and French.

One place so that BM25, spelling correction, highlights and language detection agree on what a word is.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import lru_cache

import Stemmer
from bm25s.stopwords import STOPWORDS_EN_PLUS, STOPWORDS_FRENCH

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*", re.UNICODE)
# French elisions ("l'acné", "d'avoir") keep the content word only.
_ELISION = re.compile(r"^(?:[ldjmnstc]|qu|jusqu|lorsqu|puisqu)['’]", re.IGNORECASE)

# Question scaffolding that carries no topic in either language (beyond the usual stopwords).
_EXTRA_STOP = {
    "en": {
        "get",
        "got",
        "getting",
        "need",
        "also",
        "like",
        "ok",
        "okay",
        "please",
        "thanks",
        "much",
        "many",
        "lot",
        "really",
        "actually",
        "anything",
        "something",
        "thing",
        "things",
        "still",
        "yes",
    },
    "fr": {
        "est-ce",
        "ce",
        "ça",
        "cela",
        "être",
        "avoir",
        "faire",
        "dois",
        "doit",
        "peux",
        "peut",
        "bonjour",
        "merci",
        "svp",
        "quoi",
        "comment",
        "pourquoi",
        "quand",
        "combien",
        "puis",
        "quel",
        "quelle",
        "quels",
        "quelles",
        "après",
        "avant",
        "très",
        "oui",
        "non",
    },
}


def fold(text: str) -> str:
    """Lower-case and strip accents: "Acné" and "acne" are the same word to a patient typing fast."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


STOPWORDS: dict[str, frozenset[str]] = {
    lang: frozenset(w for word in base for w in (word, fold(word)))
    for lang, base in (
        ("en", set(STOPWORDS_EN_PLUS) | _EXTRA_STOP["en"]),
        ("fr", set(STOPWORDS_FRENCH) | _EXTRA_STOP["fr"]),
    )
}


def words(text: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, lower-cased word) for every word, elisions removed, offsets into ``text``."""
    for match in _WORD.finditer(text):
        start, token = match.start(), match.group()
        elided = _ELISION.match(token)
        if elided and elided.end() < len(token):
            start += elided.end()
            token = token[elided.end() :]
        yield start, match.end(), token.lower().replace("’", "'")


@lru_cache(maxsize=4)
def _stemmer(language: str) -> Stemmer.Stemmer:
    return Stemmer.Stemmer("french" if language == "fr" else "english")


@lru_cache(maxsize=100_000)
def stem(word: str, language: str = "en") -> str:
    """Snowball stem of an already lower-cased word, accents folded afterwards."""
    return fold(_stemmer(language).stemWord(word))


def is_stopword(word: str) -> bool:
    return word in STOPWORDS["en"] or word in STOPWORDS["fr"] or len(word) < 2


def content_stems(text: str, language: str = "en") -> list[str]:
    """Stems of the words that carry meaning — what BM25 indexes and matches."""
    return [stem(w, language) for _, _, w in words(text) if not is_stopword(w) and not w.isdigit()]
