"""The escalation game's read-out: outcome probabilities and metrics off the terminal reach.

Indicator outcomes (how the crisis ended, nuclear use, each kind of answer, the highest
rung, the declaration) are the terminal reach times a sample-free weight matrix; class
quantities (victory and defeat of the war lottery, the leader's survival, partners) are the
reach summed per class times the class's per-sample value.

Terminals whose weight rows and outcome class are equal are read alike, so their reach is
summed first into one *read-out column* (``ukraine-2022``: 5,248 terminals, 251 columns) and
the product and the class sums run over those columns.  The fused solvers sum into the
columns as they write the reach (:class:`brink.solvers.spe._Rows`); :func:`narrow_reach` does
the same for a built game's ``(S, T)`` reach, in the same order, so that both paths give the
same numbers bit for bit.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numba import njit
from numpy.typing import NDArray

from brink.aftermath.inputs import OUTCOME_NAMES as POST_WAR_ENDINGS
from brink.arrays import FloatArray
from brink.crisis.outcomes import DEFEAT, VICTORY
from brink.templates.escalation.payoffs import Quantities, terminals_by_outcome_class
from brink.templates.escalation.spec import RESPONSES, EscalationScenario
from brink.templates.escalation.tree import (
    DECIDED,
    DECLARATION_INDEX,
    ENDINGS,
    HORIZON,
    SETTLE,
    SLIP,
    Skeleton,
    Structure,
)

__all__ = [
    "BLAS_SMALL", "OUTCOME_PATTERNS", "POST_WAR_ENDINGS", "RESPONSE_OUTCOMES", "SURVIVAL_GIVEN", "Tally", "block_rows", "class_sums", "ending_sums", "endings", "metrics",
    "narrow_reach", "outcomes", "tally", "tally_structure",
]

#: The outcome that reports each response (the 0.1 names where the concept survives).
RESPONSE_OUTCOMES: dict[str, str] = {
    "alert": "defender_alert", "deployment": "defender_deployment", "arms-supply": "defender_arms_supply",
    "sanctions": "defender_sanctions", "conventional-strike": "defender_conventional_response",
    "nuclear-response": "defender_nuclear_response",
}
OUTCOME_PATTERNS: tuple[str, ...] = (
    "tactical_nuclear_use", "strategic_nuclear_use", *ENDINGS, "war", *RESPONSE_OUTCOMES.values(), "defender_responds",
    "defender_intervenes", "target_counter_attacks",
    "challenger_victory", "challenger_defeat", "challenger_prevails", "leader_survives", "domestic_removal", "foreign_imposed_regime_change",
    "partners_abandon", "partner_abandons.*", "rung.*", "declared.*",
)


#: The metrics of the leader's survival given each ending of the post-war game (as ``brink simulate``).
SURVIVAL_GIVEN: tuple[str, ...] = tuple(f"survival_given.{name}" for name in POST_WAR_ENDINGS)

_ALL = slice(None)


@dataclass(frozen=True)
class Tally:
    """Sample-free read-out weights.

    ``dense[t, k]``: terminal ``t``'s weight for name ``k``; ``columns[t]``: its read-out column
    (terminals with equal ``dense`` rows and outcome class share one); ``narrow[c, k]``: the
    weights of column ``c``; ``order``, ``starts``: the columns sorted by outcome class and
    where each class starts (the class sums of :func:`class_sums`).
    """

    names: tuple[str, ...]
    dense: FloatArray
    columns: NDArray[np.int64]
    narrow: FloatArray
    order: NDArray[np.int64]
    starts: NDArray[np.int64]


@lru_cache(maxsize=32)
def _tally(st: Structure) -> Tally:
    from brink.templates.escalation.tree import skeleton

    t = skeleton(st).terms
    cols: dict[str, FloatArray] = {
        "tactical_nuclear_use": t.tactical.astype(float),
        "strategic_nuclear_use": t.strategic.astype(float),
    }
    for k, name in enumerate(ENDINGS):
        cols[name] = (t.ending == k).astype(float)
    cols["war"] = np.isin(t.ending, (SLIP, DECIDED, HORIZON)).astype(float)
    rank: dict[str, int] = {r: i for i, r in enumerate(RESPONSES)}
    for resp, name in RESPONSE_OUTCOMES.items():
        cols[name] = ((t.answered >> rank[resp]) & 1).astype(float)
    cols["defender_responds"] = ((t.answered & ~1) > 0).astype(float)
    # a move the scenario's tree does not have is not reported (at 0 it would read as a choice)
    if t.intervened.any():
        cols["defender_intervenes"] = t.intervened.astype(float)
    if t.countered.any():
        cols["target_counter_attacks"] = t.countered.astype(float)
    for j, (rung, _) in enumerate(st.rungs):
        cols[f"rung.{rung}"] = (t.top == j).astype(float)
    for d in st.declarations:  # a declaration fixed by the scenario is an input, not an outcome
        cols[f"declared.{d}"] = np.asarray(t.declared == DECLARATION_INDEX[d], dtype=np.float64)
    cols["_escalation"] = t.escalation
    cols["_rounds"] = t.end_round.astype(float)
    cols["_share"] = np.where(t.ending == SETTLE, np.nan_to_num(t.share), 0.0)
    cols["_nuclear_climb"] = t.nuclear_climb.astype(float)
    cols["_nuclear_answered"] = t.nuclear_answered.astype(float)
    cols["_climbed"] = t.climbed.astype(float)
    cols["_climb_answered"] = t.climb_answered.astype(float)
    cols["_nuclear_responded"] = t.nuclear_responded.astype(float)
    dense = np.ascontiguousarray(np.stack(list(cols.values()), axis=1))
    order, starts = terminals_by_outcome_class(st)
    of_class = np.empty(order.size, dtype=np.int64)
    of_class[order] = np.searchsorted(starts, np.arange(order.size), side="right") - 1
    _, first, columns = np.unique(np.concatenate([dense, of_class[:, None]], axis=1), axis=0,
                                  return_index=True, return_inverse=True)
    columns = np.ascontiguousarray(columns.reshape(-1), dtype=np.int64)
    col_class = of_class[first]
    col_order = np.argsort(col_class, kind="stable").astype(np.int64)
    col_starts = np.searchsorted(col_class[col_order], np.arange(starts.size)).astype(np.int64)
    return Tally(tuple(cols), dense, columns, np.ascontiguousarray(dense[first]), col_order, col_starts)


#: Multiply-adds (rows x terminals x columns) of the read-out's matrix product above which
#: every BLAS takes its blocked ``gemm`` path (OpenBLAS switches from its small-matrix kernels
#: at 100**3 on the architectures that have them; a margin of four).
BLAS_SMALL = 2**22


def block_rows(sk: Skeleton) -> int:
    """The fewest samples a block of the fused read-out holds (:class:`brink.solvers.spe._Rows`):
    enough that its matrix product is past :data:`BLAS_SMALL`, so that it sums in the order the
    product over all samples does (with fewer samples in all, one block holds them all)."""
    tl = tally_structure(sk)
    return max(2, BLAS_SMALL // max(1, int(tl.narrow.shape[0]) * int(tl.narrow.shape[1])) + 1)


def tally_structure(sk: Skeleton) -> Tally:
    """The read-out weights of ``sk`` (cached by its structure)."""
    return _tally(sk.structure)


def tally(
    sk: Skeleton, q: Quantities, reach: FloatArray, rows: slice = _ALL, compiled: bool = False,
    narrowed: bool = False,
) -> dict[str, FloatArray]:
    """Reach-weighted sums: ``reach`` is ``(S, T)``, the probability of each outcome, of the
    samples ``rows`` of ``q`` (all of them unless given: the fused read-out tallies blocks);
    with ``narrowed``, ``(S, C)``: already summed into the read-out columns (``Tally.columns``,
    as the fused solvers write it), else it is summed here by :func:`narrow_reach`.

    Every sum is taken within a sample's row, so a block of rows gives the numbers of the
    whole, bit for bit, provided it has two rows or more (a one-row matrix product takes
    another path in BLAS; :class:`brink.solvers.spe._Rows` keeps blocks of two or more).
    ``compiled``: sum the reach per outcome class with :func:`class_sums` (the fused path)
    rather than numpy's ``add.reduceat`` of a gathered copy; the numbers are the same.
    """
    tl = tally_structure(sk)
    if not narrowed:
        wide, reach = reach, np.empty((reach.shape[0], tl.narrow.shape[0]))
        narrow_reach(np.ascontiguousarray(wide), tl.columns, reach)
    ind = reach @ tl.narrow
    out = {name: ind[:, k] for k, name in enumerate(tl.names)}
    order, starts = tl.order, tl.starts
    if compiled:
        per_class = np.empty((reach.shape[0], starts.shape[0]))
        class_sums(reach, order, starts, per_class)
    else:
        per_class = np.add.reduceat(reach[:, order], starts, axis=1)  # (S, outcome classes)
    lp = q.leader
    out["challenger_victory"] = (per_class * q.lottery[rows, :, VICTORY]).sum(axis=1)
    out["challenger_defeat"] = (per_class * q.lottery[rows, :, DEFEAT]).sum(axis=1)
    out["challenger_prevails"] = (per_class * q.prevails[rows]).sum(axis=1)
    out["leader_survives"] = (per_class * lp.survival[rows]).sum(axis=1)
    out["foreign_imposed_regime_change"] = (per_class * lp.foreign[rows]).sum(axis=1)
    out["domestic_removal"] = (per_class * lp.domestic[rows]).sum(axis=1)
    out["_discount_months"] = (per_class * lp.discount_months[rows]).sum(axis=1)
    out["_spent"] = (per_class * lp.spent[rows]).sum(axis=1)
    out["_influence"] = (per_class * lp.influence[rows]).sum(axis=1)
    out["_support"] = (per_class * lp.mean_support[rows]).sum(axis=1)
    for j, name in enumerate(lp.partners):
        out[f"partner_abandons.{name}"] = (per_class * (1 - lp.support[rows, :, j])).sum(axis=1)
    out["partners_abandon"] = 1 - out["_support"] if lp.partners else np.zeros(reach.shape[0])
    if lp.survival_by_ending is not None:
        share = np.empty((reach.shape[0], len(POST_WAR_ENDINGS)))
        survives = np.empty_like(share)
        ending_sums(per_class, q.lottery[rows], lp.survival_by_ending[rows], share, survives)
        for o, name in enumerate(POST_WAR_ENDINGS):
            out[f"_ending.{name}"] = share[:, o]
            out[f"_survives_after.{name}"] = survives[:, o]
    return out


@njit(cache=True, nogil=True)
def ending_sums(
    per_class: FloatArray, lottery: FloatArray, survival: FloatArray, share: FloatArray, survives: FloatArray
) -> None:  # pragma: no cover - compiled
    """``share[s, o] = sum_c per_class[s, c] lottery[s, c, o]`` and ``survives[s, o]`` the same
    weights times ``survival[s, c, o]``: each post-war ending's probability and its survival
    mass, summed over the outcome classes in order (one pass; numpy's reductions over the
    classes axis of ``(S, O, 5)`` arrays took three times as long)."""
    S, classes = per_class.shape
    E = share.shape[1]
    for s in range(S):
        for o in range(E):
            share[s, o] = 0.0
            survives[s, o] = 0.0
        for c in range(classes):
            p = per_class[s, c]
            for o in range(E):
                w = p * lottery[s, c, o]
                share[s, o] += w
                survives[s, o] += w * survival[s, c, o]


@njit(cache=True, nogil=True)
def narrow_reach(reach: FloatArray, columns: NDArray[np.int64], out: FloatArray) -> None:  # pragma: no cover - compiled
    """``out[s, columns[t]] = sum of reach[s, t]`` over the terminals ``t`` of each column, added
    from 0.0 in the terminals' order: what the fused solvers' accumulating copy computes
    (``brink.solvers.reach.copy_reach``), to the last bit."""
    S, T = reach.shape
    for s in range(S):
        for c in range(out.shape[1]):
            out[s, c] = 0.0
        for t in range(T):
            out[s, columns[t]] += reach[s, t]


@njit(cache=True, nogil=True)
def _pairwise(a: FloatArray, lo: int, n: int) -> float:  # pragma: no cover - compiled
    """numpy's pairwise summation of ``a[lo:lo + n]`` (``pairwise_sum`` in its ``loops_utils``:
    sequential below 8 terms, eight accumulators up to 128, halves above), so that the sum
    is numpy's own to the last bit (Higham 1993 on the order's error)."""
    if n < 8:
        res = -0.0
        for i in range(n):
            res += a[lo + i]
        return res
    if n <= 128:
        r0, r1, r2, r3 = a[lo], a[lo + 1], a[lo + 2], a[lo + 3]
        r4, r5, r6, r7 = a[lo + 4], a[lo + 5], a[lo + 6], a[lo + 7]
        i = 8
        while i < n - n % 8:
            r0 += a[lo + i]
            r1 += a[lo + i + 1]
            r2 += a[lo + i + 2]
            r3 += a[lo + i + 3]
            r4 += a[lo + i + 4]
            r5 += a[lo + i + 5]
            r6 += a[lo + i + 6]
            r7 += a[lo + i + 7]
            i += 8
        res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
        while i < n:
            res += a[lo + i]
            i += 1
        return float(res)
    half = n // 2
    half -= half % 8
    return float(_pairwise(a, lo, half) + _pairwise(a, lo + half, n - half))


@njit(cache=True, nogil=True)
def class_sums(
    reach: FloatArray, order: NDArray[np.int64], starts: NDArray[np.int64], out: FloatArray
) -> None:  # pragma: no cover - compiled
    """``out = np.add.reduceat(reach[:, order], starts, axis=1)`` without the gathered copy,
    bit for bit: numpy reduces a segment as its first element plus the pairwise sum of the
    rest (:func:`_pairwise`)."""
    S = reach.shape[0]
    T = order.shape[0]
    K = starts.shape[0]
    buf = np.empty(T)
    for s in range(S):
        for j in range(T):
            buf[j] = reach[s, order[j]]
        for i in range(K):
            a = starts[i]
            b = starts[i + 1] if i + 1 < K else T
            out[s, i] = buf[a] + _pairwise(buf, a + 1, b - a - 1) if b - a > 1 else buf[a]


def endings(scenario: EscalationScenario, sk: Skeleton, q: Quantities, reach: FloatArray) -> FloatArray:
    """``(S, K)`` probability of each ending of :func:`brink.templates.escalation.payoffs.post_war_endings`
    (victory, stalemate, defeat, concession and a settlement at each share on the menu, with and
    without nuclear use and sanctions): the reach of each outcome class spread over its lottery at
    the rows ``q.ending_row``."""
    from brink.templates.escalation.payoffs import post_war_endings

    starts = post_war_endings(scenario).starts
    order, first = terminals_by_outcome_class(sk.structure)
    per_class = np.add.reduceat(reach[:, order], first, axis=1)  # (S, O)
    out = np.zeros((reach.shape[0], starts.shape[0]))
    for c in range(per_class.shape[1]):
        for o in range(q.lottery.shape[2]):
            out[:, q.ending_row[o, c]] += per_class[:, c] * q.lottery[:, c, o]
    return out


def outcomes(r: dict[str, FloatArray]) -> dict[str, FloatArray]:
    """Outcome probabilities (clipped to [0, 1]) from the sums of :func:`tally`."""
    return {k: np.clip(v, 0.0, 1.0) for k, v in r.items() if not k.startswith("_")}


def metrics(q: Quantities, r: dict[str, FloatArray]) -> dict[str, FloatArray]:
    """Metrics beyond the payoffs: escalation score, expected rounds, the settled share, partners,
    and the conditional ones (NaN in a sample where the condition has no chance): the defender's
    answer given a climb and given nuclear use, the challenger's nuclear use when it is losing,
    and the leader's survival given each ending of the post-war game.

    ``survival_given.<ending>`` (victory, stalemate, defeat, concession, settlement: the
    post-war game's starting points, the names ``brink simulate`` reports) is, in sample ``s``,
    ``sum_k P_s(k) surv_s(k) / sum_k P_s(k)`` over the ending rows ``k`` of that kind: each
    outcome class's reach times its lottery's weight on the ending, and the post-war game's
    survival from that ending (with or without nuclear use and sanctions, a settlement at its
    share; Goemans 2000, Chiozza & Goemans 2011 on why the leader's fate turns on the ending).
    Weighted by the endings' probabilities the five give back ``leader_survives`` in every
    sample (the law of total probability).  A run averages it over the samples where the ending
    has a chance, as it does ``defender_responds_given_climb``."""
    settled = r["settlement"]
    climbs = r["_nuclear_climb"]
    any_climb = r["_climbed"]
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(settled > 1e-12, r["_share"] / settled, np.nan)
        answered = np.where(climbs > 1e-12, r["_nuclear_answered"] / climbs, np.nan)
        given_climb = np.where(any_climb > 1e-12, r["_climb_answered"] / any_climb, np.nan)
        given_nuclear = np.where(climbs > 1e-12, r["_nuclear_responded"] / climbs, np.nan)
    losing = np.where(q.losing, np.clip(r["tactical_nuclear_use"], 0.0, 1.0), np.nan)
    lp = q.leader
    given: dict[str, FloatArray] = {}
    for name, key in zip(POST_WAR_ENDINGS, SURVIVAL_GIVEN, strict=True):
        if f"_ending.{name}" in r:
            p = r[f"_ending.{name}"]
            with np.errstate(invalid="ignore", divide="ignore"):
                given[key] = np.where(p > 1e-12, np.clip(r[f"_survives_after.{name}"] / p, 0.0, 1.0), np.nan)
    return {
        "escalation_score": r["_escalation"],
        "rounds": r["_rounds"],
        "settlement_share": share,
        "nuclear_use_answered": answered,
        "defender_responds_given_climb": given_climb,
        "defender_responds_given_nuclear_use": given_nuclear,
        "nuclear_use_when_losing": losing,
        "discount_months": r["_discount_months"],
        "fiscal_cost_usd_bn": r["_spent"],
        "sphere_influence": r["_influence"],
        "partner_support": r["_support"] if lp.partners else np.ones(settled.shape[0]),
    } | given
