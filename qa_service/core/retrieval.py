"""The Retriever: dense (FAISS) + lexical (BM25) search, fusion, near-duplicate collapse, confidence.

Dense search finds paraphrases; BM25 finds the rare exact word (a product, a symptom) the encoder
blurs. Their ranks are fused; confidence is an absolute figure built from the best passage's cosine
and how much of the question it covers, so "no confident answer" works on any corpus.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from qa_service.core.chunking import Passage
from qa_service.core.content import default_content
from qa_service.core.encoder import Encoder, QueryEmbedder, searched_dimension
from qa_service.core.evidence import RRF_K, Evidence
from qa_service.core.filters import NO_FILTERS, Filters
from qa_service.core.fusion import blend, confidence, convex, learned_fusion, rrf
from qa_service.core.highlights import passage_terms
from qa_service.core.lexical import LexicalIndex, corpus_words, lexical_documents
from qa_service.core.loaded_index import LoadedIndex
from qa_service.core.query import AnswerType, Query, QueryReader
from qa_service.core.rerank import Reranker, pair_text, rerank_model
from qa_service.core.terms import content_stems
from qa_service.core.tuning import Tuning

ANSWER_TYPE_PENALTY = 0.2


@dataclass
class Hit:
    """One ranked passage with the evidence behind its rank."""

    passage: Passage
    row: int
    score: float
    cosine: float
    coverage: float
    confidence: float = 0.0
    also_in: list[Passage] = field(default_factory=list)
    pinned: bool = False


@lru_cache(maxsize=100_000)
def _title_stems(title: str, language: str) -> frozenset[str]:
    return frozenset(content_stems(title, language))


def _share(part: frozenset[str], whole: set[str]) -> float:
    return len(part & whole) / len(part) if part else 0.0


class Retriever:
    """Searches one loaded index version; immutable once built, so threads may share it."""

    def __init__(
        self,
        loaded: LoadedIndex,
        encoder: Encoder,
        tuning: Tuning | None = None,
        embed_query: QueryEmbedder | None = None,
        reranker: Reranker | None = None,
    ) -> None:
        """``embed_query`` embeds one question (the runtime passes a cached one); default: the encoder's.
        ``reranker`` rescores the learned fusion's leading candidates (none: the first stage decides)."""
        self.loaded = loaded
        self.encoder = encoder
        self.reranker = reranker
        self.embed_query: QueryEmbedder = embed_query or (lambda text: encoder.encode_queries([text]))
        # A paired encoder's vectors: the first model's part is searched, the second's rescores candidates.
        self._split = searched_dimension(encoder)
        self.paired = self._split < encoder.dimension
        self._facts: dict[tuple[str, int], bool] = {}  # (answer type, row) -> passage holds such a fact
        self.tuning = tuning or Tuning()
        self.passages = loaded.passages
        self.version = loaded.version
        self._rows: dict[str, int] | None = None
        self._pin_vectors: np.ndarray | None = None
        # Saved with the version since its format allows it; older versions are indexed here, in memory.
        self.lexical = loaded.lexical or LexicalIndex(lexical_documents(self.passages))
        self.content = loaded.content or default_content()
        self.reader = QueryReader(
            loaded.words if loaded.words is not None else corpus_words(self.passages), self.content.lexicon
        )
        # Static facts about passages, computed on first use and kept (bounded) for later requests.
        self.passage_terms = lru_cache(maxsize=50_000)(lambda row: passage_terms(self.passages[row].text))
        self._text_stems = lru_cache(maxsize=50_000)(
            lambda row: frozenset(content_stems(self.passages[row].text, self.passages[row].language))
        )

    def row_of(self, passage_id: str) -> int | None:
        """The row of a passage by id (for translations), or None when this version does not hold it."""
        if self._rows is None:
            self._rows = {p.id: i for i, p in enumerate(self.passages)}
        return self._rows.get(passage_id)

    def read(self, question: str, language: str | None = None) -> Query:
        return self.reader.read(question, language, self.tuning.steps)

    def _vectors(self, rows: list[int]) -> np.ndarray:
        """The searched part of passages' vectors (all of it, or the first model's part of a pair)."""
        return self.loaded.vectors.vectors(rows)[:, : self._split]

    def question_vector(self, text: str) -> np.ndarray:
        """The searched part of a question's (1, d) vector, as passages' ``_vector`` (for grouping questions)."""
        return self.embed_query(text)[:, : self._split]

    def evidence(self, query: Query, top_k: int, filters: Filters = NO_FILTERS) -> Evidence:
        """The candidates of a question (dense and lexical lists, merged) with every figure fusion reads.
        With ``filters``, both lists are searched through and ranked among the passages that pass only."""
        n = len(self.passages)
        depth = min(n, max(self.tuning.candidates, top_k * 5))
        full = self.embed_query(query.dense_text)
        qvec = full[:, : self._split]
        wide = n if filters or (self.tuning.mode != "dense" and n <= 5000) else depth
        searched = np.hstack([qvec, np.zeros((1, full.shape[1] - self._split), np.float32)]) if self.paired else full
        cos_scores, rows = self.loaded.vectors.search(searched, wide)
        cosine = {
            int(r): float(s)
            for r, s in zip(rows[0], cos_scores[0], strict=True)
            if r >= 0 and (not filters or filters.passes(self.passages[int(r)]))
        }
        dense_rank = {r: i for i, r in enumerate(cosine)}
        if self.tuning.mode == "dense":
            lexical_rows, lexical_scores = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        else:
            lexical_rows, lexical_scores = self.lexical.top(query.stems, n if filters else depth)
            if filters:
                keep = [i for i, r in enumerate(lexical_rows) if filters.passes(self.passages[int(r)])][:depth]
                lexical_rows, lexical_scores = lexical_rows[keep], lexical_scores[keep]
        lexical_order = [int(r) for r in lexical_rows]
        lexical_rank = {r: i for i, r in enumerate(lexical_order)}
        top_bm25 = float(lexical_scores[0]) if len(lexical_scores) and lexical_scores[0] > 0 else 1.0
        bm25 = {r: float(s) / top_bm25 for r, s in zip(lexical_order, lexical_scores, strict=True)}
        pool = sorted(set(list(cosine)[:depth]) | set(lexical_order))
        missing = [r for r in lexical_order if r not in cosine]  # lexical-only candidates of a large corpus
        if missing:  # their exact cosine
            cosine.update(zip(missing, (self._vectors(missing) @ qvec[0]).tolist(), strict=True))
        asked = set(query.stems)
        second = None
        if self.paired:  # the second model's cosine, for the candidates only
            tail = full[0, self._split :]
            second = self.loaded.vectors.vectors(pool)[:, self._split :] @ tail
        return Evidence(
            rows=pool,
            cosine=np.array([cosine[r] for r in pool]),
            dense_rank=np.array([dense_rank.get(r, depth) for r in pool], dtype=np.float64),
            bm25=np.array([bm25.get(r, 0.0) for r in pool]),
            lexical_rank=np.array([lexical_rank.get(r, depth) for r in pool], dtype=np.float64),
            coverage=self.lexical.coverage(query.concepts, query.weights, pool),
            title=np.array([_share(self._title_stems(r), asked) for r in pool]),
            second=second,
        )

    def search(self, query: Query, top_k: int, filters: Filters = NO_FILTERS) -> list[Hit]:
        """The ``top_k`` best distinct passages (among those ``filters`` let through), best first, each with
        its confidence."""
        if not self.passages:
            return []
        evidence = self.evidence(query, top_k, filters)
        learned = self.tuning.mode == "hybrid" and self.tuning.fusion == "learned"
        scores = self._fuse(evidence).tolist()
        scored: list[Hit] = []
        for i, r in enumerate(evidence.rows):
            cos, cov = float(evidence.cosine[i]), float(evidence.coverage[i])
            score = scores[i]
            conf = score if learned else confidence(cos, cov)
            kind = query.answer_type
            if kind is not None and self.tuning.mode == "hybrid":
                if self._holds(kind, r):  # gives the asked fact
                    score += 1.0 / (RRF_K + 1) if self.tuning.fusion == "rrf" else 0.1
                    conf = math.sqrt(conf) if learned else conf
                elif kind.required:
                    conf *= ANSWER_TYPE_PENALTY  # asks for a price / hours / booking the passage doesn't give
            if query.uncovered:
                conf *= ANSWER_TYPE_PENALTY  # names a subject (laser, makeup...) no article mentions
            scored.append(Hit(self.passages[r], r, conf if learned else score, cos, cov, conf))
        scored.sort(key=lambda h: (-h.score, h.row))
        if learned and self.reranker is not None and "rerank" in self.tuning.steps:
            scored = self._rerank(query, scored, self.reranker)
        if "duplicates" not in self.tuning.steps:
            return scored[:top_k]
        return self._collapse_duplicates(scored, top_k)

    def _rerank(self, query: Query, ranked: list[Hit], reranker: Reranker) -> list[Hit]:
        """The leading candidates rescored by the cross-encoder together with their first-stage probability
        (``RerankModel``); the rest follow in their order, never above the lowest rescored one, so rank and
        confidence still agree."""
        model = rerank_model()
        if model is None or not ranked:
            return ranked
        head, tail = ranked[: model.depth], ranked[model.depth :]
        logits = reranker.score(query.dense_text, [pair_text(hit.passage) for hit in head])
        for hit, logit in zip(head, logits.tolist(), strict=True):
            hit.score = hit.confidence = model.probability(hit.confidence, logit)
        head.sort(key=lambda h: (-h.score, h.row))
        floor = head[-1].score
        for hit in tail:
            hit.score = hit.confidence = min(hit.confidence, floor)
        return head + tail

    def _fuse(self, evidence: Evidence) -> np.ndarray:
        """One score per candidate from the dense and the lexical evidence, as ``tuning`` says."""
        mode, fusion, weight = self.tuning.mode, self.tuning.fusion, self.tuning.lexical_weight
        if mode == "dense":
            return evidence.cosine
        if mode == "lexical":
            return evidence.bm25
        if fusion == "rrf":
            return rrf(evidence, weight)
        if fusion == "blend":
            return blend(evidence)
        if fusion == "convex":
            return convex(evidence, weight)
        return learned_fusion(evidence.second is not None).probability(evidence)

    def pinned(self, query: Query, filters: Filters = NO_FILTERS) -> int | None:
        """The row staff pinned for a question meaning the same as this one (of the pins over their
        threshold whose passage this version holds and ``filters`` let through, the closest), or None."""
        pins = self.content.pins
        if not pins:
            return None
        if self._pin_vectors is None:  # the pins' questions read and embedded like a patient's, once
            self._pin_vectors = np.vstack([self.question_vector(self.read(pin.question).dense_text) for pin in pins])
        closeness = self._pin_vectors @ self.question_vector(query.dense_text)[0]
        best: tuple[int, float] | None = None
        for pin, cos in zip(pins, closeness.tolist(), strict=True):
            row = self.row_of(pin.passage)
            if row is None or cos < pin.threshold or not filters.passes(self.passages[row]):
                continue
            if best is None or cos > best[1]:
                best = (row, cos)
        return best[0] if best else None

    def _title_stems(self, row: int) -> frozenset[str]:
        passage = self.passages[row]
        return _title_stems(passage.document_title, passage.language)

    def _holds(self, kind: AnswerType, row: int) -> bool:
        key = (kind.name, row)
        found = self._facts.get(key)
        if found is None:
            found = self._facts[key] = kind.found_in(self.passages[row].text)
        return found

    def _same_words(self, a: int, b: int) -> bool:
        """Jaccard of the two passages' stems over the threshold (asked only of pairs close in meaning)."""
        sa, sb = self._text_stems(a), self._text_stems(b)
        return bool(sa and sb) and len(sa & sb) / len(sa | sb) >= self.tuning.duplicate_jaccard

    def _collapse_duplicates(self, ranked: list[Hit], top_k: int) -> list[Hit]:
        """Keep the best of near-identical passages (same meaning: cosine; same words: Jaccard of stems); the
        others ride along as ``also_in``. The cosines come from one matrix product and select the few close
        pairs before any passage is stemmed (pair by pair, this cost ~30 ms a question on 9,000 passages)."""
        if not ranked:
            return []
        vectors = self._vectors([h.row for h in ranked])
        close = (vectors @ vectors.T) >= self.tuning.duplicate_cosine
        kept: list[Hit] = []
        kept_at: list[int] = []  # each kept hit's index in ``ranked``
        for i, hit in enumerate(ranked):
            near = [kept[n] for n in np.flatnonzero(close[i, kept_at])] if kept_at else []
            twin = next((k for k in near if self._same_words(k.row, hit.row)), None)
            if twin is not None:
                twin.also_in.append(hit.passage)
                continue
            if len(kept) < top_k:  # past top_k, still scanned: a later twin belongs in a kept one's also_in
                kept.append(hit)
                kept_at.append(i)
        return kept
