"""The lab's comparison fusions still run through the answer path a benchmark uses, and are not the default."""

from __future__ import annotations

import pytest

from lab.fusions import COMPARISONS
from qa_service.core.answer import answer_question
from qa_service.core.retrieval import Retriever


@pytest.mark.parametrize("name", sorted(COMPARISONS))
def test_each_comparison_fusion_answers_through_the_benchmarks_path(retriever: Retriever, name: str) -> None:
    answer = answer_question(retriever, "How long do pimples last after microneedling?", scorer=COMPARISONS[name])
    scores = [p.score for p in answer.passages]
    assert len(scores) == 3 and scores == sorted(scores, reverse=True)
    assert all(0.0 <= p.confidence <= 1.0 for p in answer.passages)
    if name != "lexical":  # BM25 alone ranks the passages that repeat "pimples after microneedling" first
        assert any("a few days to a week" in p.text for p in answer.passages), name


def test_the_default_answer_is_the_learned_fusions_and_differs_from_a_comparisons(retriever: Retriever) -> None:
    question = "Can I wear makeup after microneedling?"
    learned = answer_question(retriever, question, top_k=5)
    rrf = answer_question(retriever, question, top_k=5, scorer=COMPARISONS["rrf"])
    assert [p.score for p in learned.passages] != [p.score for p in rrf.passages]


def test_the_ablation_switches_one_step_off_without_a_branch_in_the_service(retriever: Retriever) -> None:
    from lab.ablation import ABLATIONS, ablated

    typo = "how long do pimpels last after microneedling"
    assert retriever.read(typo).corrections  # the service corrects the typo...
    assert not ablated(retriever, "spelling").read(typo).corrections  # ...the ablation does not
    assert retriever.read(typo).corrections  # and the served retriever is untouched
    priced = "how much does microneedling cost"
    assert retriever.read(priced).answer_type is not None
    assert ablated(retriever, "answer_types").read(priced).answer_type is None
    with pytest.raises(ValueError, match="no step"):
        ablated(retriever, "rerank")
    assert "duplicates" in ABLATIONS
