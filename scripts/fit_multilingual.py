#!/usr/bin/env python3
"""Fit the multilingual stage (qa_service/core/data/multilingual.json) on the clinic library's tune part.

    python scripts/fit_multilingual.py ../shared/eval/clinic-library [--work /tmp/clr-fit]

Per tune question: the learned fusion's scored candidates (as ``ranking.rank`` passes them on) and the
multilingual model's cosine to every passage. The weight, the outside logit and the number of passages the
model may bring in are chosen by top-3 hits over the answerable tune questions (English, French and
cross-language, each question once); the centre then as the learned fusion's threshold is: the highest
that declines at most 5 % of the tune part's answerable questions at probability 0.5 (the rates of every
centre are printed). The check
part is never read here: scripts/clinic_library_report.py reports it.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import json
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from qa_service.core.benchmark import in_half
from qa_service.core.multilingual import FIT_FILE, MultilingualFit, with_multilingual
from qa_service.core.ranking import evidence_of
from qa_service.core.scoring import score
from qa_service.runtime.benchmark_run import library_set, served
from qa_service.settings import Settings
from qa_service.wiring import load_encoder, load_multilingual

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "qa_service" / "core" / "data" / FIT_FILE
WEIGHTS = (2.0, 4.0, 6.0, 8.0, 10.0, 12.0, 16.0)
OUTSIDES = (-8.0, -6.0, -4.0)
ADDED = (5, 10, 20)
CENTRES = tuple(np.round(np.arange(0.0, 0.81, 0.05), 2))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("library", type=Path)
    ap.add_argument("--work", type=Path)
    args = ap.parse_args()
    settings = Settings.from_env()
    encoder = load_encoder(settings, threads=2)
    model = load_multilingual(Settings.from_env({}, multilingual="use"))
    assert model is not None
    work = args.work or Path(tempfile.mkdtemp(prefix="qa-multilingual-fit-"))
    bench, loaded = library_set(args.library, encoder, work, settings.chunk_tokens, model)
    retriever = served(loaded, encoder, multilingual=model)
    asked = [(q, True) for q in bench.queries if in_half(q.id, "tune")]
    asked += [(q, False) for q in bench.out_of_scope if in_half(q.id, "tune")]
    cases = []
    for query, answerable in asked:
        read = retriever.read(query.text, query.lang)
        hits = score(retriever, read, evidence_of(retriever, read, 20))  # scored once per question
        cases.append((read, hits, bench.qrels.get(query.id, set()), answerable))

    def top(fit: MultilingualFit, case: tuple) -> list[tuple[str, float]]:
        read, hits = case[0], [dataclasses.replace(h) for h in case[1]]  # copies: the stage rescores in place
        ranked = with_multilingual(retriever, read, hits, fit=fit)
        return [(h.passage.id, h.confidence) for h in ranked[:3]]

    best: tuple[float, MultilingualFit] | None = None
    for weight, outside, added in itertools.product(WEIGHTS, OUTSIDES, ADDED):
        fit = MultilingualFit(model.name, weight, 0.0, outside, added)
        found = [any(pid in c[2] for pid, _ in top(fit, c)) for c in cases if c[3]]
        rate = float(np.mean(found))
        if best is None or rate > best[0] + 1e-9:
            best = (rate, fit)
    assert best is not None
    rate, fit = best

    def rates(centre: float) -> tuple[float, float]:
        """(answerable answered, out-of-scope declined) on the tune part with this centre (each first answer
        rescored: a large weight saturates the probability, so the centre cannot be applied after it)."""
        at = dataclasses.replace(fit, centre=centre)
        firsts = [(top(at, c)[:1], c[3]) for c in cases]
        answered = [bool(first) and first[0][1] >= 0.5 for first, a in firsts if a]
        declined = [not first or first[0][1] < 0.5 for first, a in firsts if not a]
        return float(np.mean(answered)), float(np.mean(declined)) if declined else 0.0

    for c in CENTRES:
        print(f"centre {c:.2f}: answered {rates(float(c))[0]:.3f}, out-of-scope declined {rates(float(c))[1]:.3f}")
    # As the learned fusion's threshold: the highest centre that declines at most 5 % of the answerable
    # tune questions (its handful of out-of-scope questions cannot set it alone).
    centre = max(c for c in CENTRES if rates(float(c))[0] >= 0.95)
    OUT.write_text(
        json.dumps(
            {
                "model": model.name,
                "weight": fit.weight,
                "centre": float(centre),
                "outside": fit.outside,
                "added": fit.added,
                "trained": {
                    "on": f"{args.library.name} tune part ({len(cases)} questions)",
                    "by": "scripts/fit_multilingual.py",
                    "at": datetime.now(UTC).isoformat(timespec="seconds"),
                    "tune_top3": round(rate, 3),
                    "encoder": encoder.name,
                },
            },
            indent=2,
        )
        + "\n"
    )
    print(
        f"wrote {OUT}: weight {fit.weight}, outside {fit.outside}, added {fit.added}, centre {centre}; top-3 {rate:.3f}"
    )


if __name__ == "__main__":
    main()
