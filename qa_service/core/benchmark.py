"""Retrieval benchmarks in the BEIR / TREC shape, and the clinic's own labelled set in the same terms.

A benchmark is queries, relevance judgements (qrels: query -> relevant corpus ids) and optional
out-of-scope questions. Rankings of passages are turned into rankings of corpus ids (first appearance) and,
where passages share a title, of documents; trec_eval (pytrec_eval) computes the measures, so our figures
mean what the literature's do. Splits are by a hash of the query id: stable, and independent of order.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytrec_eval

from qa_service.core.chunking import Passage
from qa_service.core.question_sets import Item

SPLITS = ("all", "tune", "check")
MEASURES = ("mrr@10", "hit@5", "recall@5", "ndcg@10")


@dataclass(frozen=True)
class Query:
    id: str
    text: str
    lang: str | None = None


@dataclass
class Benchmark:
    """Questions with their relevant corpus ids; ``corpus`` maps a corpus id to its title and text."""

    name: str
    queries: list[Query]
    qrels: dict[str, set[str]]
    out_of_scope: list[Query] = field(default_factory=list)
    corpus: dict[str, tuple[str, str]] = field(default_factory=dict)

    def split(self, half: str) -> Benchmark:
        """The tuning half, the check half (ours, by query-id hash), or everything."""

        def keep(q: Query) -> bool:
            return half == "all" or in_half(q.id, half)

        return Benchmark(
            f"{self.name} ({half})",
            [q for q in self.queries if keep(q)],
            self.qrels,
            [q for q in self.out_of_scope if keep(q)],
            self.corpus,
        )


def in_half(query_id: str, half: str) -> bool:
    """Whether a query belongs to ``half`` ("tune" or "check"): a stable 50/50 split by hash."""
    bucket = hashlib.sha256(query_id.encode()).digest()[0] % 2
    return bucket == (0 if half == "tune" else 1)


def _jsonl(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def load_beir(folder: Path) -> Benchmark:
    """``corpus.jsonl``, ``queries.jsonl``, ``qrels.tsv`` and, optionally, ``out_of_scope.jsonl``."""
    corpus = {str(r["id"]): (str(r.get("title") or ""), str(r["text"])) for r in _jsonl(folder / "corpus.jsonl")}
    queries = [Query(str(r["id"]), str(r["text"])) for r in _jsonl(folder / "queries.jsonl")]
    qrels: dict[str, set[str]] = {}
    for line in (folder / "qrels.tsv").read_text("utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) >= 3 and parts[0] != "query-id" and int(parts[-1]) > 0:
            qrels.setdefault(parts[0], set()).add(parts[1])
    oos_file = folder / "out_of_scope.jsonl"
    oos = [Query(str(r["id"]), str(r["text"])) for r in _jsonl(oos_file)] if oos_file.exists() else []
    return Benchmark(folder.name, [q for q in queries if q.id in qrels], qrels, oos, corpus)


def clinic_benchmark(name: str, items: Sequence[Item], passages: Sequence[Passage]) -> Benchmark:
    """The clinic's labelled set over built passages: a passage is relevant when it holds a gold phrase."""
    queries, oos, qrels = [], [], {}
    for item in items:
        query = Query(item.id, item.question, item.lang)
        if item.kind == "answerable":
            wanted = [g.lower() for g in item.gold]
            qrels[item.id] = {p.id for p in passages if any(g in p.text.lower() for g in wanted)}
            queries.append(query)
        elif item.kind == "out_of_scope":
            oos.append(query)
    return Benchmark(name, queries, qrels, oos)


_STRAIGHT = str.maketrans("\u2019\u2018\u201c\u201d", "''\"\"")


def normalized(text: str) -> str:
    """Lower-cased, straight quotes, collapsed spaces: how the clinic library's README compares phrases."""
    text = text.lower().translate(_STRAIGHT)
    return re.sub(r"\s+", " ", text)


def article_of(document_id: str) -> str:
    """A library document's article: its file name without ``.md`` and a language suffix (``.fr``)."""
    stem = document_id.removesuffix(".md")
    head, _, tail = stem.rpartition(".")
    return head if head and len(tail) == 2 and tail.isalpha() else stem


def library_benchmark(name: str, rows: Sequence[dict[str, object]], passages: Sequence[Passage]) -> Benchmark:
    """The bilingual clinic library's questions (``topic``, ``kind``, ``lang``, ``gold``) over built passages:
    a passage is relevant when it belongs to the question's article (or a translation of it) and holds a
    gold phrase; a phrase found in another article ("24 hours") does not count."""
    queries, oos, qrels = [], [], {}
    for row in rows:
        query = Query(str(row["id"]), str(row["question"]), str(row["lang"]))
        if row["kind"] == "answerable":
            wanted = [normalized(str(g)) for g in row["gold"]]  # type: ignore[attr-defined]
            qrels[query.id] = {
                p.id
                for p in passages
                if article_of(p.document_id) == row["topic"] and any(g in normalized(p.text) for g in wanted)
            }
            queries.append(query)
        elif row["kind"] == "out_of_scope":
            oos.append(query)
    return Benchmark(name, queries, qrels, oos)


def first_appearances(ids: Iterable[str]) -> list[str]:
    """Ids in order of first appearance (a ranking of passages -> a ranking of what they belong to)."""
    seen: dict[str, None] = {}
    for i in ids:
        seen.setdefault(i, None)
    return list(seen)


def scores(rankings: dict[str, list[str]], qrels: dict[str, set[str]]) -> dict[str, float]:
    """Mean MRR@10, Hit@5, Recall@5 and nDCG@10 over the ranked queries (trec_eval's definitions)."""
    judged = {q: {d: 1 for d in qrels[q]} for q in rankings if qrels.get(q)}
    if not judged:
        return dict.fromkeys(MEASURES, 0.0)
    run = {q: {d: 1.0 / (rank + 1) for rank, d in enumerate(rankings[q][:100])} or {"-": 0.0} for q in judged}
    top10 = {q: {d: s for d, s in docs.items() if s > 1.0 / 11} or {"-": 0.0} for q, docs in run.items()}
    full = pytrec_eval.RelevanceEvaluator(judged, {"success.5", "recall.5", "ndcg_cut.10"}).evaluate(run)
    mrr = pytrec_eval.RelevanceEvaluator(judged, {"recip_rank"}).evaluate(top10)
    count = len(judged)
    return {
        "mrr@10": sum(m["recip_rank"] for m in mrr.values()) / count,
        "hit@5": sum(m["success_5"] for m in full.values()) / count,
        "recall@5": sum(m["recall_5"] for m in full.values()) / count,
        "ndcg@10": sum(m["ndcg_cut_10"] for m in full.values()) / count,
    }


def document_qrels(qrels: dict[str, set[str]], corpus: dict[str, tuple[str, str]]) -> dict[str, set[str]]:
    """Relevance by title: for corpora where several passages describe one subject (document level)."""
    return {q: {corpus[d][0] or d for d in ids if d in corpus} for q, ids in qrels.items()}


def shares_titles(corpus: dict[str, tuple[str, str]]) -> bool:
    titles = [t for t, _ in corpus.values() if t]
    return len(set(titles)) < len(titles)
