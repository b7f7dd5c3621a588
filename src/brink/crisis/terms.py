"""The payoff terms both crisis templates compute alike.

* :func:`conventional_balance`: the challenger's chance of winning a conventional war,
  ``crisis.balance`` or the capability ratio (COW CINC shares; Bremer 1992).
* :func:`coverage`: the protégés under the defender's umbrella and its legal duty to the
  target (M1, M2; :func:`brink.mechanisms.alliances.coverage`), which price the umbrella
  and legal costs of a weak answer.
* :func:`warheads` and :func:`damage`: the share of value an actor's arsenal can destroy,
  ``1 - 0.5 ** (warheads / 400)`` (assumption after McNamara's 400 one-megaton-equivalent
  assured-destruction criterion; Enthoven & Smith 1971), which scales the costs of nuclear
  retaliation and of a strategic exchange.
* :func:`sparse_rows` and :func:`assemble_payoffs`: a terminal's payoff is its war class's
  value plus indicator terms ``coef_k(sample) * weight_k(terminal)`` stored sparsely; the
  kernel adds them in one pass over contiguous samples.

The formulas are those of the crisis template's package doc (:mod:`brink.templates.crisis`);
the escalation template (:mod:`brink.templates.escalation`) discounts the same terms to the
round they fall in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numba import njit

from brink.arrays import FloatArray, IndexArray
from brink.mechanisms import alliances

if TYPE_CHECKING:
    from brink.crisis.schema import CrisisScenario
    from brink.templates.base import Params

__all__ = [
    "HALF_DAMAGE_WARHEADS",
    "assemble_payoffs",
    "conventional_balance",
    "coverage",
    "damage",
    "sparse_rows",
    "warheads",
]


#: Warheads at which a nuclear strike destroys half the value at stake (assumption after
#: McNamara's 400 one-megaton-equivalent assured-destruction criterion).
HALF_DAMAGE_WARHEADS = 400.0


def damage(warheads: FloatArray | float) -> FloatArray:
    """Share of value destroyed by ``warheads``: ``1 - 0.5 ** (warheads / 400)`` (assumption)."""
    return np.asarray(1.0 - 0.5 ** (np.asarray(warheads, dtype=np.float64) / HALF_DAMAGE_WARHEADS))


def warheads(scenario: CrisisScenario, params: Params, actor: str, which: str, n: int) -> FloatArray:
    """Warheads of ``actor`` ``(n,)``: strategic, or ``"all"`` (strategic and non-strategic);
    an alliance sums its nuclear members when it gives none itself."""
    a = scenario.actors[actor]
    kinds = ("strategic", "non_strategic") if which == "all" else ("strategic",)
    if a.nuclear is not None:
        return np.asarray(sum((np.asarray(params[f"actors.{actor}.nuclear.{k}"]) for k in kinds), np.zeros(n)))
    total = np.zeros(n)
    for m in a.nuclear_members:
        if m in scenario.actors and scenario.actors[m].nuclear is not None:
            total = total + sum(np.asarray(params[f"actors.{m}.nuclear.{k}"]) for k in kinds)
    return total


def coverage(scenario: CrisisScenario) -> tuple[float, float]:
    """(umbrella protégés at stake if the target is covered else 0, legal defense duty 0/1) (M1, M2)."""
    cr = scenario.crisis
    assert cr is not None
    d = scenario.actors[cr.defender]
    return alliances.coverage(scenario.commitments, cr.defender, cr.target, d.members, d.nuclear_members)


def conventional_balance(scenario: CrisisScenario, params: Params) -> FloatArray:
    """The challenger's chance of winning a conventional war ``(S,)``: ``crisis.balance`` when
    given, else the capability ratio ``cap_C / (cap_C + cap_T)`` of challenger and target
    (COW CINC shares; Bremer 1992), else 0.5."""
    from brink.templates.base import ParameterValues  # the templates import this module

    cr = scenario.crisis
    assert cr is not None
    v = ParameterValues(params)
    C, T = cr.challenger, cr.target
    if "crisis.balance" in params:
        return v("crisis.balance")
    if f"actors.{C}.capability" in params and f"actors.{T}.capability" in params:
        cap_c, cap_t = v(f"actors.{C}.capability"), v(f"actors.{T}.capability")
        return np.asarray(cap_c / np.maximum(cap_c + cap_t, 1e-12), dtype=np.float64)
    return np.full(v.n, 0.5)


def sparse_rows(dense: FloatArray) -> tuple[IndexArray, IndexArray, FloatArray]:
    """CSR of a dense ``(rows, cols)`` matrix: (row pointer, column, value) of its nonzeros."""
    rows, cols = np.nonzero(dense)
    ptr = np.zeros(dense.shape[0] + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=dense.shape[0]), out=ptr[1:])
    return ptr, cols.astype(np.int64), np.ascontiguousarray(dense[rows, cols], dtype=np.float64)


@njit(cache=True, nogil=True)
def assemble_payoffs(
    by_class: FloatArray,
    war_class: IndexArray,
    coef: FloatArray,
    ptr: IndexArray,
    term: IndexArray,
    weight: FloatArray,
    out: FloatArray,
) -> None:
    """``out[t, p, s] = by_class[s, war_class[t], p] + sum_j coef[term[j], s] * weight[j]``.

    The indicator terms of terminal ``t`` and player ``p`` are entries ``ptr[t * P + p] :
    ptr[t * P + p + 1]`` of ``term``/``weight`` (:func:`sparse_rows` of a dense ``(T * P, K)``
    weight matrix).  ``coef`` is ``(K, S)`` and ``out`` ``(T, P, S)``, sample-minor: every
    inner loop runs over contiguous samples (loads and stores vectorise), in blocks whose
    accumulator stays in cache.  The sum is taken in the same order whatever the layout.
    """
    T, P, S = out.shape
    block = 64
    acc = np.empty(block)
    for s0 in range(0, S, block):
        s1 = min(S, s0 + block)
        for t in range(T):
            u = war_class[t]
            for p in range(P):
                for s in range(s0, s1):
                    acc[s - s0] = by_class[s, u, p]
                row = t * P + p
                for j in range(ptr[row], ptr[row + 1]):
                    k = term[j]
                    w = weight[j]
                    for s in range(s0, s1):
                        acc[s - s0] += coef[k, s] * w
                for s in range(s0, s1):
                    out[t, p, s] = acc[s - s0]
