"""Reading a patient's question: language, spelling, lay words and translations, before any search.

The articles are never changed; only the question is rendered into the words they use. The vocabulary
for that lives in ``data/lexicon.yaml`` so staff can review it; spelling is corrected against the
corpus's own words, so the method follows whatever articles the clinic adds.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from wordfreq import zipf_frequency

from qa_service.core.language import detect_language
from qa_service.core.languages import PIVOT, fold
from qa_service.core.languages import language as language_entry
from qa_service.core.lexicon import AnswerType, Lexicon, lexicon
from qa_service.core.spelling import Speller
from qa_service.core.terms import is_stopword, stem, words


def _inflection(word: str, stems: dict[str, str]) -> str | None:
    """Translation of an inflected word ("empirent") through a lexicon entry's stem ("empir")."""
    if len(word) < 5:
        return None
    best = max(
        (s for s in stems if len(s) >= 4 and word.startswith(s) and len(word) - len(s) <= 4),
        key=len,
        default=None,
    )
    return stems[best] if best else None


def _phrases(tokens: list[str], lex: Lexicon) -> list[str]:
    """Consecutive words that are one lay-lexicon entry ("popping up": appear) joined into one token, so a
    phrasal verb is read for what it means rather than for its verb ("pop": squeeze)."""
    longest = max((key.count(" ") + 1 for key in lex.lay_en if " " in key), default=1)
    out: list[str] = []
    i = 0
    while i < len(tokens):
        for size in range(min(longest, len(tokens) - i), 1, -1):
            phrase = " ".join(tokens[i : i + size])
            if phrase in lex.lay_en:
                out.append(phrase)
                i += size
                break
        else:
            out.append(tokens[i])
            i += 1
    return out


def _plain_form(word: str) -> str:
    """The plain adjective of an English comparative or superlative ("oilier", "itchiest" -> "oily",
    "itchy"), so lay words in the lexicon match every degree; other words are returned unchanged."""
    for ending in ("iest", "ier"):
        if word.endswith(ending) and len(word) > len(ending) + 2:
            return word[: -len(ending)] + "y"
    return word


CROSSING_ZIPF = 3.0  # a French word rarer than this in English is not an English word too ("tatouage")
SUBJECT_WEIGHT = 2.5  # an everyday word ("men", "kids") does not name a service (word_weight, zipf <= 4.5)


def word_weight(word: str, language: str) -> float:
    """How much a question word says about its topic: rare in everyday language means informative."""
    return min(6.0, max(0.5, 7.0 - zipf_frequency(word, language)))


@dataclass(frozen=True)
class Query:
    """A question ready to search: what the encoder sees, the lexical stems, and the words to highlight."""

    original: str
    language: str
    dense_text: str
    stems: tuple[str, ...]
    named: frozenset[str]  # stems of the question's own words and their translations, no lay-word synonyms
    concepts: tuple[tuple[str, ...], ...]
    weights: tuple[float, ...]
    answer_type: AnswerType | None
    uncovered: tuple[str, ...]  # subjects the question names that no article mentions
    corrections: tuple[tuple[str, str], ...]

    def forms(self, word: str) -> tuple[str, ...]:
        """A word of the question as the articles may write it: its stem in the question's language and,
        through ``concepts``, its renderings (translations, lay synonyms, the other language's stems)."""
        own = stem(fold(word), self.language)
        return next((group for group in self.concepts if own in group), (own,))


class QueryReader:
    """Turns questions into ``Query`` objects against one corpus vocabulary (built once per index)."""

    def __init__(self, corpus_words: Iterable[str], lex: Lexicon | None = None) -> None:
        self.vocab = frozenset(fold(w) for w in corpus_words)
        self.lexicon = lex = lex or lexicon()
        self.speller = Speller(self.vocab | lex.known_words())
        self._stems: dict[str, frozenset[str]] = {}  # the known words' stems by language (``stems_of``)
        # The English the lexicon renders the articles' other-language words into: an English question
        # names what a French-only article says through them.
        self._rendered = frozenset(
            fold(e)
            for table in lex.translations.values()
            for w, en in table.items()
            if w in self.vocab
            for e in en.split()
        )
        self._rendered_stems = frozenset(stem(e, PIVOT) for e in self._rendered)
        # The other way: an English word's renderings that the articles hold ("tattoo" -> "tatouage"), so an
        # English question's words meet a French-only article's lexically, and name its title. A word that
        # is English too ("point", "acne") is left out: it would meet English passages by another meaning.
        crossing: dict[str, set[tuple[str, str]]] = {}
        for code, table in lex.translations.items():
            for w, en in table.items():
                if w in self.vocab and " " not in en.strip() and zipf_frequency(w, PIVOT) < CROSSING_ZIPF:
                    crossing.setdefault(stem(fold(en.strip()), PIVOT), set()).add((w, code))
        self._crossing = {en: tuple(sorted(ws)) for en, ws in crossing.items()}

    # The reading steps, one method each: the lab's ablation (lab/ablation.py) switches one off by overriding it.

    def _lexicon(self) -> Lexicon:
        """Lay words, translations, answer types and subjects."""
        return self.lexicon

    def _joined(self, tokens: list[str]) -> list[str]:
        """ "micro needling" -> "microneedling", "work out" -> "workout" when the joined word is the corpus's
        own, in any of its forms ("workouts")."""
        joined: list[str] = []
        i = 0
        while i < len(tokens):
            pair = tokens[i] + tokens[i + 1] if i + 1 < len(tokens) else ""
            if pair and (pair in self.vocab or (len(pair) >= 6 and stem(pair, PIVOT) in self.stems_of(PIVOT))):
                joined.append(tokens[i] + tokens[i + 1])
                i += 2
            else:
                joined.append(tokens[i])
                i += 1
        return joined

    def _spelled(self, words_: list[str], lang: str, typed: dict[str, str] | None = None) -> list[str]:
        """Typos corrected towards the corpus's and the lexicon's words (``typed``: folded -> as written)."""
        return [self.speller.correct(t, lang, (typed or {}).get(t, t)) for t in words_]

    def _answer_type(self, question: str) -> AnswerType | None:
        """The kind of fact asked for (a price, hours...), if any."""
        return next((a for a in self.lexicon.answer_types if a.asked_by(question)), None)

    def _subjects(self) -> tuple[frozenset[str], ...]:
        """The subjects a question may name that no article mentions."""
        return self.lexicon.subjects

    def stems_of(self, lang: str) -> frozenset[str]:
        """The articles' words' stems in one language's stemmer, made when first needed (the engine's warm-up
        asks; two threads may both make them: the same set)."""
        if lang not in self._stems:
            self._stems[lang] = frozenset(stem(w, lang) for w in self.vocab)
        return self._stems[lang]

    def _asked_subject(self, question: str, lang: str) -> tuple[bool, tuple[str, ...]]:
        """Whether the articles name what the question asks the clinic about (an answer type's ``subject``:
        "do you do sclerotherapy", "do you sell gift cards"), and the informative words of it that no
        article and no lexicon entry holds in any form: the library does not cover that service ("tattoo"
        in "laser tattoo removal"), however close the rest of the words are. Named: every informative word
        held, or, when it has none ("gift cards"), every word. A word counts as held through its subject
        group in the lexicon too ("tattoo" by a French-only article's "tatouage")."""
        asked = self._lexicon().subjects_in(question)
        if not asked:
            return False, ()
        informative: list[bool] = []
        everyday: list[bool] = []
        out: list[str] = []
        for _, _, typed in (w for text in asked for w in words(text)):
            word = fold(typed)
            if is_stopword(word) or word.isdigit():
                continue
            held = self._held(word, typed.lower(), lang)
            if word_weight(typed.lower(), lang) < SUBJECT_WEIGHT:
                everyday.append(held)
                continue
            informative.append(held)
            if not held:
                out.append(word)
        named = all(informative) if informative else bool(everyday) and all(everyday)
        return named, tuple(dict.fromkeys(out))

    def _held(self, word: str, typed: str, lang: str) -> bool:
        """Whether the articles hold a word of a question, in any form: itself or its typo's correction, its
        stem in the question's language or the pivot, the English a French-only article's words are
        rendered into, a word of its lexicon subject group, or what the lexicon renders it into. A word
        the lexicon merely knows ("cryolipolyse") is not held when no article holds its rendering."""
        corrected = self.speller.correct(word, lang, typed)
        if corrected in self.vocab or word in self._rendered or stem(word, PIVOT) in self._rendered_stems:
            return True
        if any(stem(word, code) in self.stems_of(code) for code in {lang, PIVOT}):
            return True
        if any(word in group and group & self.vocab for group in self._subjects()):
            return True
        lex = self._lexicon()
        rendering = lex.translations.get(lang, {}).get(corrected) or lex.lay_en.get(corrected, "")
        named = [w for w in rendering.split() if not is_stopword(w)]  # "tattoo removal": both words
        return bool(named) and all(w in self.vocab or stem(w, PIVOT) in self.stems_of(PIVOT) for w in named)

    def read(self, question: str, language: str | None = None) -> Query:
        lang = language or detect_language(question)
        lex = self._lexicon()
        written = [w for _, _, w in words(question)]
        tokens = [fold(w) for w in written]
        joined = self._joined(tokens)
        typed = {t: w.lower() for t, w in zip(tokens, written, strict=True)}  # accents kept: wordfreq knows "gèle"
        corrected = self._spelled(joined, lang, typed)
        corrections = tuple((a, b) for a, b in zip(joined, corrected, strict=True) if a != b)
        if lang == PIVOT:
            corrected = _phrases(corrected, lex)
        translated = lex.translations.get(lang, {})
        translated_stems = lex.translation_stems.get(lang, {})
        stopwords = language_entry(lang).stopwords

        rendered: list[str] = []  # the English reading of the question, for the encoder
        concepts: dict[tuple[str, ...], float] = {}  # each question word with its translations / synonyms
        named: set[str] = set()  # what the patient wrote (translated): a title counts as named by it only
        for word in corrected:
            alternatives: list[str] = []
            if lang != PIVOT:  # rendered into the articles' English where the lexicon knows the word
                english = translated.get(word) or _inflection(word, translated_stems)
                if english:
                    rendered.append(english)
                    alternatives += english.split()
                elif word in self.vocab or word not in stopwords:
                    rendered.append(word)
                if not is_stopword(word):
                    alternatives.append(word)
                stems = [stem(w, PIVOT) for w in alternatives if not is_stopword(w)]
                stems += [stem(word, lang)] if not is_stopword(word) else []
                named.update(stems)
            else:
                rendered.append(word)
                plain = word if word in lex.lay_en or word in self.vocab else _plain_form(word)
                if plain in lex.lay_en:
                    alternatives += lex.lay_en[plain].split()
                # a phrase ("popping up") counts by what it means, not by its words ("pop": squeeze)
                own = [] if " " in word else list(dict.fromkeys((word, plain)))
                stems = [stem(w, "en") for w in [*own, *alternatives] if not is_stopword(w) and not w.isdigit()]
                named.update(stem(w, "en") for w in own if not is_stopword(w) and not w.isdigit())
                across = [stem(w, code) for o in own for w, code in self._crossing.get(stem(o, PIVOT), ())]
                stems += across
                named.update(across)
            group = tuple(dict.fromkeys(s for s in stems if s))
            if group:
                concepts[group] = max(concepts.get(group, 0.0), word_weight(typed.get(word, word), lang))
        if lang != PIVOT or corrections:
            dense_text = " ".join(rendered)
        else:
            dense_text = question.strip()
        # Lay words' article synonyms count on the lexical side only (``concepts``): the encoder knows
        # "zits" from the patient's own words, and the seed article's synonyms appended to them pulled its
        # passages in front of other articles' (clinic library tune part EN top-3 0.698 -> 0.717).
        unique = tuple(dict.fromkeys(s for group in concepts for s in group))
        answer_type = self._answer_type(question)
        asked = set(corrected)
        subjects = self._subjects()
        uncovered = tuple(sorted(next(iter(sorted(g))) for g in subjects if g & asked and not g & self.vocab))
        named_subject, unnamed = self._asked_subject(question, lang)
        uncovered += unnamed
        if named_subject:
            # "do you do sclerotherapy?" with an article on it: that article answers, whether or not it says
            # "we offer" (the answer type would ask every passage for an offer's words).
            answer_type = None
        return Query(
            question,
            lang,
            dense_text,
            unique,
            frozenset(named),
            tuple(concepts),
            tuple(concepts.values()),
            answer_type,
            uncovered,
            corrections,
        )
