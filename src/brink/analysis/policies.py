"""Robust policies: every combination of the levers, scored on the same draws.

Robust decision making (Lempert, Popper & Bankes 2003; Lempert & Collins 2007)
judges a policy not by its expected outcome alone but by how it fares across
many plausible futures.  Here every combination of the model's levers is
evaluated on the same ``n`` draws of the uncertainties (common random numbers),
and for each policy we report

* the expected outcome (mean over draws),
* the worst decile: the mean of the outcome over the 10% of draws where it is
  worst for the policy (a conditional value at risk; Rockafellar & Uryasev 2000),
* Savage's regret (1951): in each draw, how much worse the policy is than the
  best policy *in that draw*; its mean, 90th percentile and maximum.

Policies are ranked by the 90th percentile of regret (a minimax-regret rule that
is not driven by one extreme draw), ties broken by the expected outcome.

Failed samples: a policy whose game fails in every draw is reported but left out
of the regret comparison (its regret is undefined).  Among the others, a draw
enters the regret computation only if every one of them was solved in it
(otherwise the best policy in that draw is unknown); expected outcome and worst
decile of each policy use its own solved draws.  Both counts are reported.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from brink.analysis.experiments import DEFAULT_CHUNK, evaluate_designs, select_outcome
from brink.arrays import FloatArray
from brink.errors import InputError
from brink.evaluation import Evaluator, concatenate
from brink.executors import Executor

__all__ = ["PoliciesResult", "PolicyScore", "lever_combinations", "policies", "regret"]


#: Refuse to enumerate more lever combinations than this (each is a full Monte Carlo run).
MAX_POLICIES = 512


@dataclass(frozen=True)
class PolicyScore:
    """How one combination of lever settings fares over the draws."""

    levers: dict[str, Any]
    expected: float
    worst_decile: float
    mean_regret: float
    p90_regret: float
    max_regret: float
    share_best: float
    n_failed: int

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"levers": {k: _plain(v) for k, v in self.levers.items()}}
        for k in (
            "expected",
            "worst_decile",
            "mean_regret",
            "p90_regret",
            "max_regret",
            "share_best",
        ):
            v = float(getattr(self, k))
            out[k] = v if np.isfinite(v) else None
        out["n_failed"] = self.n_failed
        return out


def _plain(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v


@dataclass(frozen=True)
class PoliciesResult:
    """Policies ranked from most to least robust (see module doc)."""

    outcome: str
    minimize: bool
    scores: tuple[PolicyScore, ...]
    n: int
    n_regret_draws: int
    seed: int | None = None
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def best(self) -> PolicyScore:
        return self.scores[0]

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": "policies",
            "outcome": self.outcome,
            "goal": "minimize" if self.minimize else "maximize",
            "seed": self.seed,
            "n": self.n,
            "n_regret_draws": self.n_regret_draws,
            "policies": [s.to_json() for s in self.scores],
            "info": self.info,
        }


def lever_combinations(levers: Mapping[str, Sequence[Any]]) -> list[dict[str, Any]]:
    """Every combination of lever options, in the levers' order (last varies fastest)."""
    names = list(levers)
    return [
        dict(zip(names, combo, strict=True))
        for combo in itertools.product(*(levers[k] for k in names))
    ]


def regret(values: FloatArray, minimize: bool = True) -> FloatArray:
    """Savage regret of ``values`` (``(policies, draws)``): distance to the best policy per draw.

    Zero for a draw's best policy and non-negative everywhere; NaN in a column
    where any policy is NaN.
    """
    v = np.asarray(values, dtype=np.float64)
    out: FloatArray = (
        v - v.min(axis=0, keepdims=True) if minimize else v.max(axis=0, keepdims=True) - v
    )
    return out


def _worst_decile(values: FloatArray, minimize: bool) -> FloatArray:
    """Mean of each row's worst 10% of finite values (highest if minimising)."""
    out = np.full(values.shape[0], np.nan)
    for i, row in enumerate(values):
        r = np.sort(row[np.isfinite(row)])
        if r.size == 0:
            continue
        k = max(1, int(np.ceil(0.1 * r.size)))
        out[i] = float(r[-k:].mean() if minimize else r[:k].mean())
    return out


def score_policies(
    values: FloatArray, settings: Sequence[dict[str, Any]], minimize: bool = True
) -> tuple[list[PolicyScore], int]:
    """Score a ``(policies, draws)`` matrix of outcomes (NaN = failed); ranked list and regret draws."""
    v = np.asarray(values, dtype=np.float64)
    solvable: NDArray[np.bool_] = np.asarray(np.isfinite(v).any(axis=1), dtype=bool)
    complete = np.isfinite(v[solvable]).all(axis=0)
    r = np.full((v.shape[0], int(complete.sum())), np.nan)
    r[solvable] = regret(v[solvable][:, complete], minimize)
    has = r.shape[1] > 0
    with np.errstate(invalid="ignore"):
        expected = np.array([np.nanmean(row) if np.isfinite(row).any() else np.nan for row in v])
    worst = _worst_decile(v, minimize)
    scores = [
        PolicyScore(
            levers=dict(settings[i]),
            expected=float(expected[i]),
            worst_decile=float(worst[i]),
            mean_regret=float(r[i].mean()) if has and solvable[i] else float("nan"),
            p90_regret=float(np.quantile(r[i], 0.9)) if has and solvable[i] else float("nan"),
            max_regret=float(r[i].max()) if has and solvable[i] else float("nan"),
            share_best=float(np.mean(r[i] <= 1e-12)) if has and solvable[i] else float("nan"),
            n_failed=int((~np.isfinite(v[i])).sum()),
        )
        for i in range(v.shape[0])
    ]
    sign = 1.0 if minimize else -1.0
    order = sorted(
        range(len(scores)),
        key=lambda i: (
            np.nan_to_num(scores[i].p90_regret, nan=np.inf),
            np.nan_to_num(sign * scores[i].expected, nan=np.inf),
            i,
        ),
    )
    return [scores[i] for i in order], int(complete.sum())


def policies(
    evaluator: Evaluator,
    outcome: str,
    n: int,
    seed: int,
    minimize: bool = True,
    *,
    levers: Mapping[str, Sequence[Any]] | None = None,
    chunk: int = DEFAULT_CHUNK,
    executor: Executor | None = None,
) -> PoliciesResult:
    """Evaluate every combination of ``levers`` (default: all the evaluator's) on one set of draws.

    The chunks of every policy go through one ``executor.map`` if an executor is given
    (same numbers as in process; see :func:`brink.analysis.experiments.evaluate_designs`).
    """
    options = dict(evaluator.levers if levers is None else levers)
    if not options:
        raise InputError(
            f"model {evaluator.name!r} has no levers to choose",
            where="policies",
            fix="declare levers in the scenario (options a client can choose) or pass --lever",
        )
    count = math.prod(len(v) for v in options.values())  # before building them: can be huge
    if count > MAX_POLICIES:
        raise InputError(
            f"{count} lever combinations exceed the limit of {MAX_POLICIES}",
            where="policies",
            fix="fix some levers in the scenario or fewer options per lever",
        )
    settings = lever_combinations(options)
    params = evaluator.draw(seed, 0, n)
    evaluations = evaluate_designs([(evaluator, params, s) for s in settings], chunk, executor)
    values = np.vstack(
        [select_outcome(concatenate(parts), outcome).values for parts in evaluations]
    )
    scores, n_complete = score_policies(values, settings, minimize)
    return PoliciesResult(
        outcome,
        minimize,
        tuple(scores),
        n,
        n_complete,
        seed,
        {"levers": {k: [_plain(o) for o in v] for k, v in options.items()}},
    )
