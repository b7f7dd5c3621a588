"""The crisis game's read-out: outcome probabilities and metrics off a solved game.

One pass over the terminals (:func:`_tally_reach`, a numba kernel) sums each terminal's
reach times its indicator weights (nuclear use, responses, rungs, the escalation score of
Rivera et al. 2024) and times the quantities of its war class (victory, defeat, the
leader's survival, foreign-imposed removal, influence, partner support).  The same sums
are read from a full :class:`~brink.solvers.result.Solution` (node reach) or from the
terminal reach alone that :func:`brink.solvers.spe.spe_terminal_reach` gives (the fast
read-out): the numbers are identical.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
from numba import njit

from brink.arrays import FloatArray, IndexArray
from brink.crisis.outcomes import DEFEAT, VICTORY
from brink.crisis.schema import CrisisScenario
from brink.templates.crisis.payoffs import ClassQuantities
from brink.templates.crisis.tree import INDICATORS, Skeleton

if TYPE_CHECKING:
    from brink.solvers.result import Solution

__all__ = ["metrics", "outcomes", "solution_tally", "tally", "terminal_reach"]



@njit(cache=True, nogil=True)
def _tally_reach(
    reach: FloatArray,
    outcome_node: IndexArray,
    war_class: IndexArray,
    ptr: IndexArray,
    column: IndexArray,
    weight: FloatArray,
    by_class: FloatArray,
    indicators: FloatArray,
    expected: FloatArray,
) -> None:
    """Reach-weighted sums over terminals: indicator outcomes and class quantities.

    ``indicators[s, k] += reach * weight`` over terminal ``t``'s sparse weights, and
    ``expected[s, m] += reach * by_class[s, war_class[t], m]``; terminals are visited in
    order and unreached ones skipped, so results do not depend on the number of samples.
    """
    S = reach.shape[0]
    T = outcome_node.shape[0]
    M = by_class.shape[2]
    for s in range(S):
        for t in range(T):
            r = reach[s, outcome_node[t]]
            if r == 0.0:
                continue
            for j in range(ptr[t], ptr[t + 1]):
                indicators[s, column[j]] += r * weight[j]
            u = war_class[t]
            for m in range(M):
                expected[s, m] += r * by_class[s, u, m]


def terminal_reach(solution: Solution) -> FloatArray:
    """``(S, T)`` probability of each outcome (terminal) under ``solution``."""
    g = solution.game
    reach = np.asarray(solution.reach).reshape(-1, g.n_nodes)[:, g.terminals]
    out = np.zeros((reach.shape[0], g.n_outcomes))
    out[:, g.outcome[g.terminals]] = reach
    return out


def solution_tally(sk: Skeleton, q: ClassQuantities, solution: Solution) -> dict[str, FloatArray]:
    """Every reach-weighted outcome and metric of ``solution``, in one pass over the terminals."""
    g = solution.game
    reach = np.asarray(solution.reach, dtype=np.float64).reshape(-1, g.n_nodes)
    return tally(sk, q, reach, sk.outcome_node)


def tally(sk: Skeleton, q: ClassQuantities, reach: FloatArray, column: IndexArray) -> dict[str, FloatArray]:
    """The reach-weighted sums off ``reach[:, column[t]]``, the reach of outcome ``t`` (node or terminal columns)."""
    reach = np.ascontiguousarray(reach)
    n = reach.shape[0]
    support_mean = q.support.mean(axis=-1) if q.partners else np.ones_like(q.survival)
    columns = [q.lottery[:, :, VICTORY], q.lottery[:, :, DEFEAT], q.survival, q.foreign_removal,
               q.influence, support_mean, 1 - support_mean,
               *(1 - q.support[:, :, j] for j in range(len(q.partners)))]
    by_class = np.ascontiguousarray(np.stack(columns, axis=-1))
    tl = sk.tally
    indicators = np.zeros((n, len(tl.names)))
    expected = np.zeros((n, by_class.shape[2]))
    _tally_reach(reach, np.ascontiguousarray(column, dtype=np.int64), sk.war_class, tl.ptr, tl.column,
                 tl.weight, by_class, indicators, expected)
    out = {name: indicators[:, k] for k, name in enumerate(tl.names)}
    out["_victory"], out["_defeat"], out["_survival"] = expected[:, 0], expected[:, 1], expected[:, 2]
    out["_foreign"], out["_influence"], out["_support"] = expected[:, 3], expected[:, 4], expected[:, 5]
    out["_abandon"] = expected[:, 6]
    for j, name in enumerate(q.partners):
        out[f"_abandon.{name}"] = expected[:, 7 + j]
    return out

def outcomes(scenario: CrisisScenario, q: ClassQuantities, r: Mapping[str, FloatArray]) -> dict[str, FloatArray]:
    """The crisis outcomes (probabilities, clipped to [0, 1]) from the sums ``r`` of :func:`tally`."""
    cr = scenario.crisis
    assert cr is not None

    def p(x: FloatArray) -> FloatArray:
        return np.asarray(np.clip(x, 0.0, 1.0), dtype=np.float64)

    out = {name: p(r[name]) for name in INDICATORS}
    out |= {
        "challenger_victory": p(r["_victory"]),
        "challenger_defeat": p(r["_defeat"]),
        "leader_survives": p(r["_survival"]),
        "foreign_imposed_regime_change": p(r["_foreign"]),
    }
    if q.partners:
        out["partners_abandon"] = p(r["_abandon"])
        for name in q.partners:
            out[f"partner_abandons.{name}"] = p(r[f"_abandon.{name}"])
    else:
        out["partners_abandon"] = np.zeros(r["_victory"].shape[0])
    for rung in cr.ladder:
        out[f"rung.{rung.name}"] = p(r[f"rung.{rung.name}"])
    return out

def metrics(q: ClassQuantities, r: Mapping[str, FloatArray]) -> dict[str, FloatArray]:
    """The crisis metrics beyond the players' payoffs, from the sums ``r`` of :func:`tally`."""
    out: dict[str, FloatArray] = {"escalation_score": r["escalation_score"]}
    out["discount_months"] = np.where(np.isfinite(q.discount_months), q.discount_months, np.nan)
    out["fiscal_cost_usd_bn"] = q.fiscal_cost
    out["sphere_influence"] = r["_influence"]
    out["partner_support"] = r["_support"] if q.partners else np.ones(r["_victory"].shape[0])
    return out
