"""Labelled question sets: the quality figures of an index (recall, MRR, rejection, red-flag recall).

Used by ``qa-service eval``, by the test-suite gate and by the build's quality gate before a swap.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from qa_service.core.answer import Answer, AnswerPassage
from qa_service.core.languages import languages
from qa_service.core.question_sets import Item

Answerer = Callable[[str, str], Answer]
TextsOf = Callable[[AnswerPassage], list[str]]


def _rank_of_gold(response: Answer, gold: Iterable[str], texts_of: TextsOf) -> int | None:
    wanted = [g.lower() for g in gold]
    for rank, passage in enumerate(response.passages, 1):
        text = " ".join(texts_of(passage)).lower()
        if any(g in text for g in wanted):
            return rank
    return None


@dataclass
class Scores:
    """Counts for one slice (all, en, fr); ratios are computed on demand, None when undefined."""

    answerable: int = 0
    hit1: int = 0
    hit3: int = 0
    rr: float = 0.0
    answered: int = 0
    out_of_scope: int = 0
    rejected: int = 0
    red_flag: int = 0
    flagged: int = 0
    benign: int = 0
    false_alarms: int = 0
    failures: list[str] = field(default_factory=list)

    @staticmethod
    def _ratio(a: float, b: int) -> float | None:
        return a / b if b else None

    def figures(self) -> dict[str, float | None]:
        return {
            "recall@1": self._ratio(self.hit1, self.answerable),
            "recall@3": self._ratio(self.hit3, self.answerable),
            "mrr": self._ratio(self.rr, self.answerable),
            "answered_rate": self._ratio(self.answered, self.answerable),
            "oos_rejection": self._ratio(self.rejected, self.out_of_scope),
            "red_flag_recall": self._ratio(self.flagged, self.red_flag),
            "benign_false_alarm": self._ratio(self.false_alarms, self.benign),
        }


def evaluate(items: list[Item], ask: Answerer, texts_of: TextsOf | None = None) -> dict[str, Scores]:
    """Ask every question (``ask(question, lang)`` returns its Answer) and score by language. ``texts_of``
    gives the texts a passage stands for (itself, and its translations: a French passage answers a French
    question whose gold phrase is the English original's)."""
    texts_of = texts_of or (lambda passage: [passage.text])
    slices = {"all": Scores(), **{code: Scores() for code in languages()}}
    for item in items:
        response = ask(item.question, item.lang)
        for key in ("all", item.lang):
            s = slices.setdefault(key, Scores())
            if item.kind == "answerable":
                rank = _rank_of_gold(response, item.gold, texts_of)
                s.answerable += 1
                s.hit1 += rank == 1
                s.hit3 += rank is not None and rank <= 3
                s.rr += 1.0 / rank if rank else 0.0
                s.answered += bool(response.answered)
                if key == "all" and (rank is None or rank > 3 or not response.answered):
                    s.failures.append(
                        f"{item.id} answerable: rank={rank} answered={response.answered}: {item.question}"
                    )
            elif item.kind == "out_of_scope":
                s.out_of_scope += 1
                s.rejected += not response.answered
                if key == "all" and response.answered:
                    s.failures.append(f"{item.id} out_of_scope answered: {item.question}")
            elif item.kind == "red_flag":
                s.red_flag += 1
                s.flagged += response.urgent is not None
                if key == "all" and response.urgent is None:
                    s.failures.append(f"{item.id} red_flag missed: {item.question}")
            else:
                s.benign += 1
                s.false_alarms += response.urgent is not None
                if key == "all" and response.urgent is not None:
                    s.failures.append(f"{item.id} benign raised an alarm: {item.question}")
    return slices


def format_table(slices: dict[str, Scores]) -> str:
    """A fixed-width table of every figure per slice; '-' where a slice has no such question."""
    names = list(slices["all"].figures())
    header = f"{'':8}" + "".join(f"{n:>20}" for n in names)
    rows = [header]
    for key, s in slices.items():
        cells = "".join(f"{('-' if v is None else f'{v:.3f}'):>20}" for v in s.figures().values())
        rows.append(f"{key:8}{cells}")
    return "\n".join(rows)
