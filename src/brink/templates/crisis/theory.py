"""The crisis game's theory terms: Zagare & Kilgour's (2000) credibility threshold, per sample.

Read off the subgame-perfect equilibrium of the perfect-information game; the threshold
itself is the one formula of :func:`brink.mechanisms.alliances.credibility_threshold_core`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from brink.arrays import FloatArray
from brink.mechanisms import alliances
from brink.mechanisms.ladder import NUCLEAR_RUNG
from brink.templates.crisis.tree import Skeleton

if TYPE_CHECKING:
    from brink.solvers.result import Solution

__all__ = ["theory_terms"]



def theory_terms(sk: Skeleton, solution: Solution, resolve: FloatArray) -> dict[str, FloatArray]:
    """Zagare & Kilgour (2000) credibility threshold of the challenger's first nuclear rung.

    With ``u(DC)`` the challenger's equilibrium value of that rung against a restrained
    defender, ``u(DD)`` against a resolute one and ``u(SQ)`` its best rung below the
    nuclear threshold, the challenger prefers the nuclear rung iff the defender's
    credibility (prior resolve ``p``) satisfies ``p < (u(DC) - u(SQ)) / (u(DC) - u(DD))``.
    Where ``u(DC) <= u(DD)`` (a resolute defender is no worse for the challenger) the
    threshold is ``+inf`` if ``u(DC) > u(SQ)`` and ``-inf`` otherwise; NaN when the
    ladder has no nuclear rung or no rung below it.
    """
    g = sk.game
    vals = np.asarray(solution.node_values).reshape(-1, g.n_nodes, g.n_players)[:, :, 0]
    n = vals.shape[0]
    kids = g.children[g.child_ptr[0] : g.child_ptr[1]]
    kahn = np.array([sk.terms.kahn[sk.terms.rung == i][0] for i in range(kids.size)])
    nuclear = np.flatnonzero(kahn >= NUCLEAR_RUNG)
    below = np.flatnonzero(kahn < NUCLEAR_RUNG)
    nan = np.full(n, np.nan)
    if nuclear.size == 0 or below.size == 0:
        return {"credibility_threshold": nan, "credibility_margin": nan}
    chance = kids[nuclear[0]]
    resolute, restrained = g.children[g.child_ptr[chance]], g.children[g.child_ptr[chance] + 1]
    u_dd, u_dc = vals[:, resolute], vals[:, restrained]
    u_sq = vals[:, kids[below]].max(axis=1)
    threshold = alliances.credibility_threshold_core(u_dc, u_sq, u_dd)
    return {
        "credibility_threshold": np.asarray(threshold, dtype=np.float64),
        "credibility_margin": np.asarray(threshold - resolve, dtype=np.float64),
        "u_dc": u_dc, "u_dd": u_dd, "u_sq": u_sq,
    }
