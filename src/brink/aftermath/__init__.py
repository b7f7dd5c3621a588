"""After the war: partners, the coalition and outside powers as players, month by month.

The crisis game ends in victory, a stalemate, defeat, concession or a settlement at some share
of the stake (an ending of its own, judged against the leader's announced war aims:
:func:`brink.aftermath.inputs.crisis_endings`), with or without nuclear use and sanctions.
From each ending the post-war game is played for ``survival.horizon_months`` months
(default 36): the leader chooses the discount he pays each partner from reserves that
revenue refills, partners choose to back him or walk away, his winning coalition chooses
to stay loyal or move against him, and outside powers choose whether to act to install a
more favourable ruler (:mod:`brink.aftermath.game`).  The leader's value of the path
enters his terminal payoff in the crisis (:func:`brink.templates.escalation.payoffs.prepare`),
so his expected fate shapes whether he escalates; :mod:`brink.aftermath.trajectories` draws
the month-by-month paths that ``brink simulate`` reports.

* :mod:`~brink.aftermath.spec`: the scenario sections the game reads.
* :mod:`~brink.aftermath.inputs`: the game's arrays for a chunk of samples.
* :mod:`~brink.aftermath.game`: the backward induction and the equilibrium path, blocks of
  samples at a time, and the mix over the endings' lotteries.
* :mod:`~brink.aftermath.reference`: the scalar kernel the block kernel equals bit for bit.
* :mod:`~brink.aftermath.memo`: solutions kept by their inputs, for the live what-if.
* :mod:`~brink.aftermath.trajectories`: paths drawn from the crisis equilibrium, and their
  per-month summaries.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from brink.aftermath.game import GRID_POINTS, RECORDED, mix_kernel, solve_kernel
from brink.aftermath.inputs import Inputs
from brink.arrays import FloatArray, IndexArray

__all__ = ["RECORDED", "Aftermath", "mix_endings", "solve"]


@dataclass(frozen=True)
class Aftermath:
    """The post-war game solved for every sample and ending ``(S, K)``.

    ``value`` is the leader's value of the equilibrium path (units of the challenger's
    stake), ``survival`` the probability he is in office at the horizon, ``domestic`` and
    ``foreign`` the probabilities he is removed by his coalition or from outside
    (``survival + domestic + foreign = 1``), ``discount_months`` the months of discount
    paid, ``spent`` the reserves spent on it (USD bn), ``abandon`` ``(S, K, P)`` each
    partner's mean share walked away, ``influence`` the challenger's share of its sphere.
    ``path`` ``(S, H, len(RECORDED))`` and ``support`` ``(S, H, P)`` hold the month-by-month
    path of the ending ``record[s]`` (NaN where none was asked for).
    """

    value: FloatArray
    survival: FloatArray
    domestic: FloatArray
    foreign: FloatArray
    discount_months: FloatArray
    spent: FloatArray
    abandon: FloatArray
    influence: FloatArray
    path: FloatArray
    support: FloatArray
    partners: tuple[str, ...]


def solve(inputs: Inputs, record: IndexArray | None = None, grid: int = GRID_POINTS, *, only_recorded: bool = False) -> Aftermath:
    """Solve the post-war game of :class:`~brink.aftermath.inputs.Inputs` (every sample, every ending).

    ``record[s]`` (an ending's index, or -1) asks for the month-by-month path of sample
    ``s`` (with ``only_recorded``, only that ending is solved); ``grid`` is the number of
    reserve levels of the value function.  Without ``record``, a memo made current by
    :func:`brink.aftermath.memo.memoized` is looked up first (same numbers).
    """
    if record is None and not only_recorded:
        from brink.aftermath.memo import active

        memo = active()
        if memo is not None:
            return memo.get(inputs, grid, lambda: _solve(inputs, None, grid, False))
    return _solve(inputs, record, grid, only_recorded)


def _solve(inputs: Inputs, record: IndexArray | None, grid: int, only_recorded: bool) -> Aftermath:
    n, K = inputs.dom_shift.shape
    H = inputs.months
    P = len(inputs.partners)
    out = np.zeros((n, K, 6))
    abandon = np.zeros((n, K, P))
    rec_start = np.full(n, -1, dtype=np.int64) if record is None else np.ascontiguousarray(record, dtype=np.int64)
    months = H if record is not None else 0  # the kernel writes a path only where asked
    path = np.empty((n, months, len(RECORDED)))
    support = np.empty((n, months, P))
    unwritten = (rec_start < 0) | (rec_start >= K)  # the kernel writes every month of the others
    if months and unwritten.any():
        path[unwritten] = np.nan
        support[unwritten] = np.nan
    solve_kernel(
        inputs.base_logit, inputs.dom_shift, inputs.pw_log, inputs.goods_w, inputs.h_bg, inputs.gain,
        inputs.icost, inputs.isucc, inputs.deter, inputs.shield, inputs.weak_eff, inputs.lost, inputs.msupp,
        inputs.psupp, inputs.cost, inputs.disc, inputs.revenue, inputs.R0, inputs.flow_fixed, inputs.pv,
        inputs.fiscal, inputs.pun, inputs.delta, inputs.lam, inputs.fixed, grid, out, abandon, rec_start,
        path, support, only_recorded,
    )
    return Aftermath(
        value=out[:, :, 0], survival=out[:, :, 1], domestic=out[:, :, 2], foreign=out[:, :, 3],
        discount_months=out[:, :, 4], spent=out[:, :, 5], abandon=abandon, influence=inputs.influence,
        path=path, support=support, partners=inputs.partners,
    )


def mix_endings(x: FloatArray, lot: FloatArray, index: IndexArray) -> FloatArray:
    """A quantity of every ending ``x (S, K)`` or ``(S, K, P)`` averaged over lotteries of endings:
    ``lot (S, O, J)`` the probabilities, ``index (J, O)`` the ending of each; ``(S, O)`` or ``(S, O, P)``.

    The same numbers as the ``np.einsum`` of brink 0.1 (which sums over ``j`` in order unless
    ``S * O == 1``, where it still does the work), in one compiled pass instead of a gathered copy."""
    flat = x.ndim == 2
    if lot.shape[0] * lot.shape[1] == 1:  # one number each: numpy's einsum sums these pairwise
        picked, weights = x[:, index], lot.transpose(0, 2, 1)
        spec = "sko,sko->so" if flat else "sko,skop->sop"
        return np.asarray(np.einsum(spec, weights, picked), dtype=np.float64)
    x3 = x[:, :, None] if flat else x
    out = np.empty((lot.shape[0], lot.shape[1], x3.shape[2]))
    mix_kernel(x3, np.ascontiguousarray(lot, dtype=np.float64), np.ascontiguousarray(index, dtype=np.int64), out)
    return out[:, :, 0] if flat else out
