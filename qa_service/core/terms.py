"""Words of a text: tokenisation with offsets, stopwords and Snowball stems, in every registered language.

One place so that BM25, spelling correction, highlights and language detection agree on what a word is;
each language's stemmer and stopwords come from its entry (``languages.py``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

import Stemmer

from qa_service.core.languages import all_stopwords, fold, language

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*", re.UNICODE)
# French elisions ("l'acné", "d'avoir") keep the content word only.
_ELISION = re.compile(r"^(?:[ldjmnstc]|qu|jusqu|lorsqu|puisqu)['’]", re.IGNORECASE)


def words(text: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, lower-cased word) for every word, elisions removed, offsets into ``text``."""
    for match in _WORD.finditer(text):
        start, token = match.start(), match.group()
        elided = _ELISION.match(token)
        if elided and elided.end() < len(token):
            start += elided.end()
            token = token[elided.end() :]
        yield start, match.end(), token.lower().replace("’", "'")


@lru_cache(maxsize=8)
def _stemmer(algorithm: str) -> Stemmer.Stemmer:
    return Stemmer.Stemmer(algorithm)


@lru_cache(maxsize=100_000)
def stem(word: str, lang: str = "en") -> str:
    """Snowball stem of an already lower-cased word in ``lang``'s stemmer, accents folded afterwards."""
    return fold(_stemmer(language(lang).stemmer).stemWord(word))


def is_stopword(word: str) -> bool:
    """A stopword of any registered language, or a single letter."""
    return word in all_stopwords() or len(word) < 2


def content_stems(text: str, lang: str = "en") -> list[str]:
    """Stems of the words that carry meaning — what BM25 indexes and matches."""
    return [stem(w, lang) for _, _, w in words(text) if not is_stopword(w) and not w.isdigit()]
