"""The lexical index: partial top-k selection and coverage read from posting lists (no model needed)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from qa_service.core.lexical import LexicalIndex

DOCS = [["pimpl", "week"], ["redness", "day"], [], ["pimpl", "pimpl", "infect"], ["week", "day", "pimpl"]]


def test_top_is_the_best_scores_best_first_ties_by_row() -> None:
    index = LexicalIndex(DOCS)
    full = index.scores(["pimpl", "week"])
    rows, scores = index.top(["pimpl", "week"], 10)
    expected = sorted((r for r in range(len(DOCS)) if full[r] > 0), key=lambda r: (-full[r], r))
    assert rows.tolist() == expected and np.allclose(scores, full[expected])
    assert index.top(["pimpl", "week"], 2)[0].tolist() == expected[:2]
    assert index.top(["unknown"], 5)[0].size == 0 and index.top(["pimpl"], 0)[0].size == 0


def test_coverage_weights_concepts_found_in_any_form() -> None:
    index = LexicalIndex(DOCS)
    cov = index.coverage([["pimpl", "bouton"], ["week"]], [3.0, 1.0], [0, 1, 2, 3, 4])
    assert cov.tolist() == [1.0, 0.0, 0.0, 0.75, 1.0]
    assert index.coverage([], [], [0]).tolist() == [0.0] and index.coverage([["week"]], [1.0], []).size == 0


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.lists(st.sampled_from(["a", "b", "c", "d", "e"]), max_size=6), min_size=1, max_size=30),
    st.lists(st.sampled_from(["a", "b", "c", "x"]), min_size=1, max_size=3),
    st.integers(1, 40),
)
def test_top_and_coverage_agree_with_a_plain_computation(docs: list[list[str]], query: list[str], k: int) -> None:
    index = LexicalIndex(docs)
    full = index.scores(query)
    rows, _ = index.top(query, k)
    assert rows.tolist() == sorted((r for r in range(len(docs)) if full[r] > 0), key=lambda r: (-full[r], r))[:k]
    concepts = [[q] for q in query]
    got = index.coverage(concepts, [1.0] * len(query), list(range(len(docs))))
    want = [sum(q in doc for q in query) / len(query) for doc in docs]
    assert np.allclose(got, want)
