"""The multilingual model's opinion (QA_MULTILINGUAL): one model that reads both languages, so a French
question reaches an English-only article, an English question the French-only one, and either one the
passage whose words the English-only encoder and the lexicons miss.

The learned fusion scores the candidates first (``scoring``); this stage then adds, to each candidate's
fused logit, ``weight`` x (the multilingual cosine of question and passage - ``centre``), and brings in the
passages only this model ranks high (starting from the ``outside`` logit). Its probability stays the
score and the confidence, so rank and confidence agree as before. The passages' vectors are their own
store (``LoadedIndex.multilingual``), written at build time; the weights are fitted on the clinic
library's tune part (``data/multilingual.json``, scripts/fit_multilingual.py, docs/QUALITY.md).

It runs for a question in another language than the pivot, and for a pivot-language question when the
library holds passages with no pivot-language version (something to cross to): an all-English library
answers English questions without paying for it.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING

import numpy as np

from qa_service.core.encoder import MultilingualModel
from qa_service.core.errors import ConfigError
from qa_service.core.filters import NO_FILTERS, Filters
from qa_service.core.hits import Hit
from qa_service.core.languages import PIVOT
from qa_service.core.query import Query
from qa_service.core.rerank import logit
from qa_service.core.scoring import ruled_out

if TYPE_CHECKING:
    from qa_service.core.retrieval import Retriever

FIT_FILE = "multilingual.json"


@dataclass(frozen=True)
class MultilingualFit:
    """How the multilingual cosine joins the fused logit, and which model it was fitted for."""

    model: str
    weight: float
    centre: float
    outside: float  # the fused logit of a passage the scoring stage did not rank
    added: int  # at most this many passages brought in by the multilingual model alone


@lru_cache(maxsize=1)
def multilingual_fit() -> MultilingualFit:
    raw = json.loads(resources.files("qa_service.core.data").joinpath(FIT_FILE).read_text("utf-8"))
    return MultilingualFit(
        str(raw["model"]), float(raw["weight"]), float(raw["centre"]), float(raw["outside"]), int(raw["added"])
    )


def check_multilingual_fitted_for(model: MultilingualModel) -> None:
    """Refuse, at start-up, a multilingual model the weights were not fitted for (another cosine scale)."""
    fitted = multilingual_fit()
    if fitted.model != model.name:
        raise ConfigError(
            f"the multilingual stage ({FIT_FILE}) was fitted for {fitted.model!r}, not {model.name!r}: "
            "refit it (scripts/fit_multilingual.py), or set QA_MULTILINGUAL=off"
        )


def applies(retriever: Retriever, query: Query) -> bool:
    """Whether this question needs the multilingual model (see the module's docstring)."""
    return retriever.multilingual is not None and (query.language != PIVOT or retriever.crosses_languages)


def with_multilingual(
    retriever: Retriever,
    query: Query,
    hits: list[Hit],
    filters: Filters = NO_FILTERS,
    fit: MultilingualFit | None = None,
) -> list[Hit]:
    """``hits`` rescored with the multilingual cosine, and the passages it alone ranks high brought in,
    best first; unchanged when the stage does not apply. ``fit``: the shipped weights unless given."""
    if not applies(retriever, query):
        return hits
    fit = fit or multilingual_fit()
    cosine = retriever.multilingual_cosines(query.original)
    seen = {h.row for h in hits}
    added = 0
    extra: list[Hit] = []
    for row in np.argsort(-cosine, kind="stable").tolist():
        if added >= fit.added:
            break
        if row in seen or not filters.passes(retriever.passages[row]):
            continue
        extra.append(Hit(retriever.passages[row], row, 0.0, 0.0, 0.0, 1.0 / (1.0 + math.exp(-fit.outside))))
        added += 1
    out = []
    for hit in [*hits, *extra]:
        z = logit(hit.confidence) + fit.weight * (float(cosine[hit.row]) - fit.centre)
        p = 1.0 / (1.0 + math.exp(-z))
        # What the scoring stage ruled out stays ruled out: a price question is not answered by a passage
        # without a price, nor a service no article names, however close the multilingual model reads them.
        if ruled_out(retriever, query, hit.row):
            p = min(p, hit.confidence)
        hit.score = hit.confidence = p
        out.append(hit)
    out.sort(key=lambda h: (-h.score, h.row))
    return out
