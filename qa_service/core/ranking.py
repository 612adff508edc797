"""Ranking a question's passages: the retrieval stages in their order, each in its own module.

gather candidates (``candidates``) → the second model's cosine, when one is configured
(``second_model``) → score them (``scoring``) → the multilingual model's opinion, when the question
needs it (``multilingual``) → rescore the leading ones with a cross-encoder when one is configured
(``rerank``) → collapse near-duplicates (``duplicates``). The answer (``answer.py``) runs this, then
prefers the asker's language and staff pins, then triages. A new scoring stage goes here, between
scoring and duplicates.
"""

from __future__ import annotations

from qa_service.core.candidates import gather
from qa_service.core.duplicates import collapse_duplicates
from qa_service.core.evidence import Evidence
from qa_service.core.filters import NO_FILTERS, Filters
from qa_service.core.hits import Hit
from qa_service.core.multilingual import with_multilingual
from qa_service.core.query import Query
from qa_service.core.rerank import rerank
from qa_service.core.retrieval import Retriever
from qa_service.core.scoring import Scorer, score
from qa_service.core.second_model import second_opinion


def evidence_of(retriever: Retriever, query: Query, top_k: int, filters: Filters = NO_FILTERS) -> Evidence:
    """What the scoring stage reads: the question embedded once, its candidates, the second model's cosine."""
    vector = retriever.embed_query(query.dense_text)
    return second_opinion(retriever, vector, gather(retriever, query, vector, top_k, filters))


def rank(
    retriever: Retriever, query: Query, top_k: int, filters: Filters = NO_FILTERS, scorer: Scorer = score
) -> list[Hit]:
    """The ``top_k`` best distinct passages (among those ``filters`` let through), best first, each with
    its confidence. ``scorer``: the learned fusion; the lab passes its comparison fusions, which the
    reranker's fitted combination does not read."""
    if not retriever.passages:
        return []
    hits = scorer(retriever, query, evidence_of(retriever, query, top_k, filters))
    if scorer is score:
        hits = with_multilingual(retriever, query, hits, filters)
    if retriever.reranker is not None and scorer is score:
        hits = rerank(retriever.reranker, query, hits)
    return collapse_duplicates(retriever, hits, top_k)
