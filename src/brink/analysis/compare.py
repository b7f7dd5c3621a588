"""Counterfactual comparison of two models on common random numbers.

Two evaluators (a scenario and its variant, or two scenarios) are run on the
*same* draws: both are asked for ``draw(seed, 0, n)``, and because draws are
keyed by seed and parameter name (see :mod:`brink.evaluation`), parameters the
two share get identical values sample by sample, while parameters only one of
them has (or whose distribution the variant changed) get their own values.
The difference of every outcome is then estimated from per-sample paired
differences, whose variance is far smaller than that of independent runs (common
random numbers; Law 2015, sec. 11.2; Glasserman & Yao 1992).

Failed samples: a pair is used only when both games were solved; the number of
failures on each side is reported.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from brink.analysis.experiments import DEFAULT_CHUNK, evaluate_designs, select_outcome
from brink.analysis.intervals import Interval, mean_interval
from brink.evaluation import Evaluation, Evaluator, concatenate
from brink.executors import Executor

__all__ = ["CompareResult", "OutcomeDifference", "compare", "compare_evaluations"]



@dataclass(frozen=True)
class OutcomeDifference:
    """One outcome under A and under B, and the paired difference ``B - A``."""

    name: str
    kind: str
    a: Interval
    b: Interval
    difference: Interval
    changed: float

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "a": self.a.to_json(),
            "b": self.b.to_json(),
            "difference": self.difference.to_json(),
            "share_of_samples_changed": self.changed,
        }


@dataclass(frozen=True)
class CompareResult:
    """Outcome differences between evaluators A and B on common random numbers.

    Attributes:
        a_name, b_name: Names of the two models.
        rows: One :class:`OutcomeDifference` per outcome and metric both models report.
        n: Samples drawn; ``n_pairs``: pairs where both games were solved.
        n_failed_a, n_failed_b: Failed samples on each side.
        shared: Uncertain parameters the two models share (common random numbers).
        only_a, only_b: Outcomes reported by one model only (not compared).
    """

    a_name: str
    b_name: str
    rows: tuple[OutcomeDifference, ...]
    n: int
    n_pairs: int
    n_failed_a: int
    n_failed_b: int
    shared: tuple[str, ...]
    only_a: tuple[str, ...] = ()
    only_b: tuple[str, ...] = ()
    seed: int | None = None
    conf_level: float = 0.95
    info: dict[str, Any] = field(default_factory=dict)

    def row(self, name: str) -> OutcomeDifference:
        for r in self.rows:
            if r.name == name:
                return r
        raise KeyError(name)

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": "compare",
            "a": self.a_name,
            "b": self.b_name,
            "seed": self.seed,
            "n": self.n,
            "n_pairs": self.n_pairs,
            "n_failed_a": self.n_failed_a,
            "n_failed_b": self.n_failed_b,
            "conf_level": self.conf_level,
            "shared_uncertainties": list(self.shared),
            "only_a": list(self.only_a),
            "only_b": list(self.only_b),
            "rows": [r.to_json() for r in self.rows],
            "info": self.info,
        }


def compare_evaluations(
    ev_a: Evaluation, ev_b: Evaluation, conf_level: float = 0.95
) -> tuple[list[OutcomeDifference], int, list[str], list[str]]:
    """Paired differences of every outcome and metric common to two evaluations of the same draws."""
    names_a = [*ev_a.outcomes, *ev_a.metrics]
    names_b = [*ev_b.outcomes, *ev_b.metrics]
    common = [k for k in names_a if k in names_b]
    both_ok = ~np.asarray(ev_a.failed, dtype=bool) & ~np.asarray(ev_b.failed, dtype=bool)
    rows = []
    for name in common:
        va, vb = select_outcome(ev_a, name), select_outcome(ev_b, name)
        ok = both_ok & ~va.failed & ~vb.failed
        bounds = (0.0, 1.0) if va.kind == "outcome" else None
        diff = vb.values[ok] - va.values[ok]
        d_bounds = (-1.0, 1.0) if va.kind == "outcome" else None
        changed = float(np.mean(np.abs(diff) > 1e-12)) if diff.size else 0.0
        rows.append(
            OutcomeDifference(
                name,
                va.kind,
                mean_interval(va.values[ok], conf_level, bounds),
                mean_interval(vb.values[ok], conf_level, bounds),
                mean_interval(diff, conf_level, d_bounds),
                changed,
            )
        )
    only_a = [k for k in names_a if k not in names_b]
    only_b = [k for k in names_b if k not in names_a]
    return rows, int(both_ok.sum()), only_a, only_b


def compare(
    eval_a: Evaluator,
    eval_b: Evaluator,
    n: int,
    seed: int,
    levers_a: Mapping[str, Any] | None = None,
    levers_b: Mapping[str, Any] | None = None,
    *,
    conf_level: float = 0.95,
    chunk: int = DEFAULT_CHUNK,
    executor: Executor | None = None,
) -> CompareResult:
    """Evaluate A and B on common random numbers and difference every outcome (``B - A``).

    Both evaluators draw with the same ``seed``; shared parameters whose draws
    came out identical (same name and distribution) are listed in
    ``info["shared_with_identical_draws"]``; the others were changed by the variant.
    Both sides are evaluated in chunks of ``chunk`` rows, on ``executor`` if given
    (one stream of tasks for A then B; same numbers as in process).
    """
    pa = eval_a.draw(seed, 0, n)
    pb = eval_b.draw(seed, 0, n)
    shared = tuple(k for k in eval_a.uncertainties if k in set(eval_b.uncertainties))
    identical = tuple(k for k in shared if np.array_equal(pa[k], pb[k]))
    parts_a, parts_b = evaluate_designs(
        [(eval_a, pa, levers_a), (eval_b, pb, levers_b)], chunk, executor
    )
    ev_a, ev_b = concatenate(parts_a), concatenate(parts_b)
    rows, n_pairs, only_a, only_b = compare_evaluations(ev_a, ev_b, conf_level)
    return CompareResult(
        eval_a.name,
        eval_b.name,
        tuple(rows),
        n,
        n_pairs,
        int(np.asarray(ev_a.failed).sum()),
        int(np.asarray(ev_b.failed).sum()),
        shared,
        tuple(only_a),
        tuple(only_b),
        seed,
        conf_level,
        {
            "levers_a": dict(levers_a or {}),
            "levers_b": dict(levers_b or {}),
            "shared_with_identical_draws": list(identical),
        },
    )
