"""Gathering a question's candidates: the dense list (FAISS) and the lexical list (BM25), merged, with
every figure a scoring stage reads (``Evidence``).

Dense search finds paraphrases; BM25 finds the rare exact word (a product, a symptom) the encoder blurs.
A small corpus is searched whole, so a passage only the lexical side finds still has its exact cosine.
"""

from __future__ import annotations

import numpy as np

from qa_service.core.evidence import Evidence
from qa_service.core.filters import Filters
from qa_service.core.query import Query
from qa_service.core.retrieval import Retriever

WHOLE_CORPUS = 5000  # up to this many passages, the dense side ranks them all


def _share(part: frozenset[str], whole: set[str]) -> float:
    return len(part & whole) / len(part) if part else 0.0


def gather(retriever: Retriever, query: Query, vector: np.ndarray, top_k: int, filters: Filters) -> Evidence:
    """The candidates of a question (dense and lexical lists, merged) with every figure fusion reads.
    With ``filters``, both lists are searched through and ranked among the passages that pass only.
    ``vector``: the question's (1, d) vector, embedded once by the caller (``ranking.evidence_of``)."""
    passages, tuning = retriever.passages, retriever.tuning
    n = len(passages)
    depth = min(n, max(tuning.candidates, top_k * 5))
    qvec = np.ascontiguousarray(vector[:, : retriever.split])  # a pair's second part is not searched
    wide = n if filters or n <= WHOLE_CORPUS else depth
    cos_scores, rows = retriever.loaded.vectors.search(qvec, wide)
    keep = rows[0] >= 0  # converted in bulk: a small corpus is ranked whole for every question
    if filters:
        keep &= np.array([r >= 0 and filters.passes(passages[int(r)]) for r in rows[0]], dtype=bool)
    dense_rows = rows[0][keep].tolist()
    cosine = dict(zip(dense_rows, cos_scores[0][keep].tolist(), strict=True))
    dense_rank = dict(zip(dense_rows, range(len(dense_rows)), strict=True))
    lexical_rows, lexical_scores = retriever.lexical.top(query.stems, n if filters else depth)
    if filters:
        keep = [i for i, r in enumerate(lexical_rows) if filters.passes(passages[int(r)])][:depth]
        lexical_rows, lexical_scores = lexical_rows[keep], lexical_scores[keep]
    lexical_order = [int(r) for r in lexical_rows]
    lexical_rank = {r: i for i, r in enumerate(lexical_order)}
    top_bm25 = float(lexical_scores[0]) if len(lexical_scores) and lexical_scores[0] > 0 else 1.0
    bm25 = {r: float(s) / top_bm25 for r, s in zip(lexical_order, lexical_scores, strict=True)}
    pool = sorted(set(list(cosine)[:depth]) | set(lexical_order))
    missing = [r for r in lexical_order if r not in cosine]  # lexical-only candidates of a large corpus
    if missing:  # their exact cosine
        cosine.update(zip(missing, (retriever.vectors(missing) @ qvec[0]).tolist(), strict=True))
    # A title is named by the patient's own words (or their translation), not by the lexicon's synonyms
    # for them: "breakouts" read as "pimples" named the seed article "Pimples After Microneedling" in
    # questions about acne.
    asked = set(query.named)
    return Evidence(
        rows=pool,
        cosine=np.array([cosine[r] for r in pool]),
        dense_rank=np.array([dense_rank.get(r, depth) for r in pool], dtype=np.float64),
        bm25=np.array([bm25.get(r, 0.0) for r in pool]),
        lexical_rank=np.array([lexical_rank.get(r, depth) for r in pool], dtype=np.float64),
        coverage=retriever.lexical.coverage(query.concepts, query.weights, pool),
        title=np.array([_share(retriever.title_stems(r), asked) for r in pool]),
    )
