"""The warning signs the library's own articles list, read in both languages.

Each treatment has its own ("Risks and when to call us": skin turning white after filler is an
emergency; blisters after laser need a call the same day), and the hand-written rules of ``safety`` know
none of them. A sentence of an article that says a sign needs care (the cues of ``safety_rules.yaml``:
"call 911", "must be assessed the same day", "à l'urgence"...) lists warning signs at that cue's level.
A question raises the alarm at that level when the passage holding such a sentence is its first answer
(retrieval says the question is about it) and the question names two of the sentence's own words,
neither negated ("no fever") nor called mild ("small blisters", "un peu d'enflure"): what an
article calls normal stays calm. The hand-written rules still cover what no article lists.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from qa_service.core.chunking import Passage
from qa_service.core.languages import fold
from qa_service.core.query import Query
from qa_service.core.safety import LEVELS, Rules, Triage, alarm, qualified
from qa_service.core.sentences import sentence_spans
from qa_service.core.terms import content_stems, is_stopword, words

# Measured on the clinic library's 172 development questions (docs/QUALITY.md): the first answer only,
# and two of the sign's words, raise no alarm on a harmless question; the third answer, or one word
# ("lips", "red"), did (a benign "lips a little puffy ... just swollen" met the throat-swelling sentence).
LABELLED_ITEM = re.compile(r"^[^:.!?]{1,40}\s?:\s")  # a list item "Label: ..." as the chunker keeps it
FIRST_ANSWERS = 1  # the article's warning passage must be the question's first answer
SIGN_WORDS = 2  # distinct words of the sign's sentence the question names


@dataclass(frozen=True)
class WarningSign:
    """One sentence of a passage that lists signs needing care, its level and its own words (stems)."""

    level: str
    sentence: str
    stems: frozenset[str]


def signs_in(passage: Passage, config: Rules) -> tuple[WarningSign, ...]:
    """The sentences of ``passage`` that say a sign needs care. A sentence's words are its stems but
    the cue's own ("call", "emergency") and the article's title's (naming the treatment is no sign)."""
    text = passage.text.replace("’", "'")
    gate = config.any_cue.get(passage.language)
    if gate is None or not gate.search(text):
        return ()
    title = set(content_stems(" ".join((passage.document_title, *passage.also_called)), passage.language))
    item = LABELLED_ITEM.match(text) is not None  # "Burns: Blisters or white skin can... Call us the same day."
    found = []
    before: set[str] = set()  # an item's words before its cue name the signs the cue is about
    for start, end in sentence_spans(text):
        sentence = text[start:end]
        cues = [
            (level, m)
            for level, lang, pattern in config.cues
            if lang == passage.language
            for m in pattern.finditer(sentence)
        ]
        if not cues:
            before |= set(content_stems(sentence, passage.language)) if item else set()
            continue
        level = max((level for level, _ in cues), key=LEVELS.index)
        cue_stems = {s for _, m in cues for s in content_stems(m.group(), passage.language)}
        stems = frozenset((set(content_stems(sentence, passage.language)) | before) - cue_stems - title)
        before = set()
        if stems:
            found.append(WarningSign(level, sentence, stems))
    return tuple(found)


def _described(question: str, query: Query, config: Rules) -> tuple[tuple[str, str], ...]:
    """(form, word) for each word of the question that describes something as present: its stem in the
    question's language and, through ``query.concepts``, its renderings in the articles' language."""
    text = question.replace("’", "'")
    described: list[tuple[str, str]] = []
    for start, _, word in words(text):
        folded = fold(word)
        if is_stopword(folded) or qualified(text, start, config):
            continue
        described += [(form, word) for form in query.forms(word)]
    return tuple(described)


def library_triage(
    question: str,
    query: Query,
    answers: list[tuple[Passage, tuple[WarningSign, ...]]],
    language: str,
    config: Rules,
) -> Triage | None:
    """The alarm the articles themselves give for what the question describes, or None. ``answers``: the
    question's first answers (FIRST_ANSWERS of them), each with its passage's warning signs (``signs_in``).
    The question is read word by word only when one of them lists a sign: most answers list none."""
    if not any(signs for _, signs in answers[:FIRST_ANSWERS]):
        return None
    described = _described(question, query, config)
    best: Triage | None = None
    for passage, signs in answers[:FIRST_ANSWERS]:
        for sign in signs:
            named = [(form, word) for form, word in described if form in sign.stems]
            if len({form for form, _ in named}) < SIGN_WORDS:
                continue
            if best is None or LEVELS.index(sign.level) > LEVELS.index(best.level):
                matched = tuple(dict.fromkeys(word for _, word in named))
                best = alarm(config, sign.level, language, matched, passage.id)
    return best
