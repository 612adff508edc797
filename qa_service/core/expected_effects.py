"""After-effects the library's own articles call expected, so a question describing one stays calm.

The hand-written rules of ``safety`` call blisters a sign of infection, as they are after a peel; after
laser tattoo removal an article says "Des cloques peuvent apparaître : ne les percez pas", and only the
article knows which treatment the patient had. A sentence of a passage that calls something expected (the
``library_normal`` patterns of ``safety_rules.yaml``) and gives no warning cue names expected effects. An
*urgent* alarm of the hand-written rules is lifted when every word of every sign it matched is such a word
of the question's first answer (retrieval says which treatment the question is about): "small blisters
after my tattoo removal" stays calm, "blisters oozing pus, and a fever" does not. An emergency is never
lifted, and the article's own warnings (``warning_signs``) are read apart and still stand.
"""

from __future__ import annotations

import re

from qa_service.core.chunking import Passage
from qa_service.core.languages import fold
from qa_service.core.query import Query
from qa_service.core.safety import Rules, Triage
from qa_service.core.sentences import sentence_spans
from qa_service.core.terms import content_stems, is_stopword, words

NOT_NORMAL = re.compile(r"\b(not|never|isn't|aren't) (normal|expected|common)\b|\bpas (normale?s?|attendue?s?)\b", re.I)
LIFTED = "urgent"  # the only level an article's word can lift; an emergency always stands


def expected_sentences(passage: Passage, config: Rules) -> list[tuple[str, frozenset[str]]]:
    """The sentences of ``passage`` that call an after-effect expected, each with the stems it names (the
    title's words left out: naming the treatment is no effect). ``qa-service inspect`` lists them."""
    text = passage.text.replace("’", "'")
    normal = config.normal.get(passage.language)
    if normal is None or not normal.search(text):
        return []
    cue = config.any_cue.get(passage.language)
    title = set(content_stems(" ".join((passage.document_title, *passage.also_called)), passage.language))
    found = []
    for start, end in sentence_spans(text):
        sentence = text[start:end]
        said = [m.group() for m in normal.finditer(sentence)]
        if not said or NOT_NORMAL.search(sentence) or (cue is not None and cue.search(sentence)):
            continue
        own = {s for phrase in said for s in content_stems(phrase, passage.language)}
        stems = frozenset(set(content_stems(sentence, passage.language)) - own - title)
        if stems:
            found.append((sentence, stems))
    return found


def expected_in(passage: Passage, config: Rules) -> frozenset[str]:
    """The stems of every after-effect ``passage`` calls expected, or an empty set."""
    return frozenset().union(*(stems for _, stems in expected_sentences(passage, config)))


def lifted(found: Triage | None, query: Query, expected: frozenset[str]) -> Triage | None:
    """``found`` (the hand-written rules' triage), or None when it is urgent and every word of every sign it
    matched is an effect the first answer calls expected."""
    if found is None or found.level != LIFTED or not expected:
        return found
    for sign in found.matched:
        named = [w for _, _, w in words(sign) if not is_stopword(fold(w))]
        if not named or not all(expected.intersection(query.forms(w)) for w in named):
            return found
    return None
