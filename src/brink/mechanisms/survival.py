"""M6: does the leader keep office after the crisis, and what happens if not?

A proportional-hazards model of leader removal (Chiozza & Goemans 2004, 2011),
vectorised over Monte Carlo samples.  The formula that runs (:func:`survival_core`, which
the crisis template calls on ``(S, U)`` war-class arrays; :func:`survival_probability`
is its checked form for one outcome)::

    L        = 1 - W / S                              loyalty norm (Bueno de Mesquita et al. 2003)
    theta    = 1 if culpable else nonculpable_weight  culpability (Croco 2011)
    e        = theta * (1 - loyalty_shield * L)       share of the outcome effect the leader bears
    P0       = exp(-base_hazard * (1 + partner_weight * (1 - partner_support)) * T / 12)
    P(keep)  = sum_o P(o) * P0 ** (m_o ** e)          o: victory, stalemate, defeat, concession

i.e. the removal hazard is ``base_hazard * m_o ** e * (1 + partner_weight * (1 -
support))`` per leader-year, constant over the horizon ``T`` months.  ``base_hazard`` is
removals per leader-year (the MLE ``events / exposure`` of
:func:`brink.mechanisms.reference.archigos_rates`).  The outcome multipliers ``m_o``
follow Goemans (2000) and Debs & Goemans (2010): defeat and concession raise the hazard,
victory lowers it.  A small winning coalition relative to the selectorate (strong
loyalty norm) shields the leader from part of that shock but, if the leader falls
anyway, punishment is harsher (:func:`punishment_probability`), which is what makes such
leaders gamble for resurrection (Downs & Rocke 1994; Goemans 2000):
:func:`resurrection_gamble_value`.

The defaults (:data:`HORIZON_MONTHS`, :data:`BASE_HAZARD`,
:data:`OUTCOME_HAZARD_MULTIPLIERS`, :data:`PARTNER_WEIGHT`) are the one set of survival
defaults: the scenario's ``survival`` section takes its defaults from here.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

import numpy as np
from numba import njit
from numpy.typing import ArrayLike, NDArray

from brink.arrays import FloatArray
from brink.errors import InputError
from brink.errors import bounded_array as _array

__all__ = [
    "BASE_HAZARD",
    "DEMOCRAT_PUNISHMENT_RATE",
    "DICTATOR_PUNISHMENT_RATE",
    "HORIZON_MONTHS",
    "LOYALTY_SHIELD",
    "NONCULPABLE_WEIGHT",
    "OUTCOME_HAZARD_MULTIPLIERS",
    "PARTNER_WEIGHT",
    "WarOutcome",
    "elite_move_probability",
    "loyalty_norm",
    "monthly_probability",
    "outcome_codes",
    "punishment_core",
    "punishment_probability",
    "resurrection_gamble_value",
    "survival_core",
    "survival_probability",
]



class WarOutcome(StrEnum):
    """How the crisis ended for the leader's state (codes are the enum order).

    The first four are the columns of a crisis template's war lottery
    (:data:`brink.crisis.outcomes.WAR_OUTCOMES`); ``SETTLEMENT`` (a negotiated division at
    some share) is an ending of its own for the post-war game, judged at home by its terms
    against the war aims the leader announced (Goemans 2000; Chiozza & Goemans 2011;
    :mod:`brink.aftermath.inputs`).
    """

    VICTORY = "victory"
    STALEMATE = "stalemate"
    DEFEAT = "defeat"
    CONCESSION = "concession"
    SETTLEMENT = "settlement"


_OUTCOME_ORDER: tuple[WarOutcome, ...] = tuple(WarOutcome)

#: Hazard multipliers by outcome (assumption, order of magnitude from Chiozza & Goemans
#: 2004, 2011 and Goemans 2000: losing a war multiplies the removal hazard; winning
#: lowers it somewhat; backing down is a defeat the leader chose and, in front of the
#: coalition, worse; a settlement that meets the announced war aims is judged like a
#: stalemate, one below them moves toward a concession, :mod:`brink.aftermath.inputs`).
#: The scenario defaults ``survival.outcome_multipliers``.
OUTCOME_HAZARD_MULTIPLIERS: Mapping[WarOutcome, float] = {
    WarOutcome.VICTORY: 0.6,
    WarOutcome.STALEMATE: 1.0,
    WarOutcome.DEFEAT: 2.0,
    WarOutcome.CONCESSION: 2.5,
    WarOutcome.SETTLEMENT: 1.0,
}
#: Months after the crisis over which survival is measured (scenario default).
HORIZON_MONTHS = 12.0
#: Removals per leader-year without a crisis (scenario default; use
#: :func:`brink.mechanisms.reference.irregular_exit_rate` for a regime's Archigos rate).
BASE_HAZARD = 0.05
#: Hazard increase when every partner abandons the leader: ``1 + PARTNER_WEIGHT`` times
#: (assumption: losing every patron doubles the hazard, M6 and M9).
PARTNER_WEIGHT = 1.0
#: Share of the outcome's log hazard ratio a perfectly loyal coalition absorbs (assumption).
LOYALTY_SHIELD = 0.5
#: Share a leader not culpable for the war bears (Croco 2011: none).
NONCULPABLE_WEIGHT = 0.0

#: Share of dictators who lost power 1946-2004 and were jailed, killed or exiled
#: (Escribà-Folch 2013, Democratization 20(1)).
DICTATOR_PUNISHMENT_RATE = 0.47
#: Share of democratic leaders punished after leaving office (assumption: Goemans 2000
#: finds such fates rare for democrats; 5% is an upper-end placeholder).
DEMOCRAT_PUNISHMENT_RATE = 0.05




def outcome_codes(outcome: WarOutcome | str | ArrayLike) -> NDArray[np.int64]:
    """Integer outcome codes (index in :class:`WarOutcome` order) from names or codes."""
    if isinstance(outcome, str):
        try:
            return np.asarray(_OUTCOME_ORDER.index(WarOutcome(outcome)), dtype=np.int64)
        except ValueError:
            raise InputError(
                f"unknown war outcome {outcome!r}",
                fix=f"use one of {', '.join(o.value for o in WarOutcome)}",
            ) from None
    arr = np.asarray(outcome)
    if arr.dtype.kind in "US":
        names, inverse = np.unique(arr, return_inverse=True)
        table = np.array([int(outcome_codes(str(name))) for name in names], dtype=np.int64)
        return np.asarray(table[inverse].reshape(arr.shape), dtype=np.int64)
    codes = arr.astype(np.int64)
    if ((codes < 0) | (codes >= len(_OUTCOME_ORDER))).any():
        raise InputError("war outcome code out of range",
                         fix=f"codes are 0..{len(_OUTCOME_ORDER) - 1} in WarOutcome order")
    return codes


def _multiplier_table(multipliers: Mapping[WarOutcome | str, float] | None) -> FloatArray:
    table = dict(OUTCOME_HAZARD_MULTIPLIERS)
    for key, value in (multipliers or {}).items():
        try:
            outcome = WarOutcome(key)
        except ValueError:
            raise InputError(f"unknown war outcome {key!r} in outcome multipliers",
                             fix=f"use one of {', '.join(o.value for o in WarOutcome)}") from None
        if not value > 0:
            raise InputError(f"outcome multiplier for {outcome.value} must be > 0, got {value}")
        table[outcome] = float(value)
    return np.array([table[o] for o in _OUTCOME_ORDER], dtype=np.float64)


def loyalty_norm(W: ArrayLike, S: ArrayLike) -> FloatArray:
    """``1 - W/S``: the coalition's loyalty norm (Bueno de Mesquita et al. 2003, ch. 2).

    ``W`` and ``S`` are sizes or shares with ``0 < W <= S``; the smaller the winning
    coalition relative to the selectorate, the likelier a coalition member is to be
    excluded by a successor, hence the more loyal.
    """
    w = _array("W", W, low=0.0)
    s = _array("S", S)
    if (s <= 0).any():
        raise InputError("selectorate S must be > 0", fix="give S as a positive size or share")
    if (w > s).any():
        raise InputError("winning coalition W exceeds selectorate S",
                         fix="the winning coalition is a subset of the selectorate: W <= S")
    return np.asarray(1.0 - w / s, dtype=np.float64)


def survival_probability(
    outcome: WarOutcome | str | ArrayLike,
    W: ArrayLike = 1.0,
    S: ArrayLike = 1.0,
    partner_support: ArrayLike = 1.0,
    culpable: ArrayLike = True,
    horizon_months: ArrayLike = HORIZON_MONTHS,
    base_hazard: ArrayLike = BASE_HAZARD,
    *,
    outcome_multipliers: Mapping[WarOutcome | str, float] | None = None,
    loyalty_shield: ArrayLike = LOYALTY_SHIELD,
    nonculpable_weight: ArrayLike = NONCULPABLE_WEIGHT,
    partner_weight: ArrayLike = PARTNER_WEIGHT,
) -> FloatArray:
    """Probability the leader keeps office ``horizon_months`` after ``outcome`` (M6, module formula).

    The checked form of :func:`survival_core` for one outcome per element (names or
    codes in :class:`WarOutcome` order); ``outcome_multipliers`` overrides some of
    :data:`OUTCOME_HAZARD_MULTIPLIERS`.  ``partner_support`` in [0, 1] is the probability
    partners keep backing the leader (:func:`brink.mechanisms.partners.partner_support`).
    Constant hazard over the horizon (exponential survival; Chiozza & Goemans 2004 fit
    Cox models, of which this is the constant-baseline special case).
    """
    codes = outcome_codes(outcome)
    table = _multiplier_table(outcome_multipliers)
    loyalty = loyalty_norm(W, S)
    args = [
        loyalty,
        np.asarray(culpable, dtype=bool),
        _array("partner_support", partner_support, 0.0, 1.0),
        _array("horizon_months", horizon_months, low=0.0),
        _array("base_hazard", base_hazard, low=0.0),
        _array("partner_weight", partner_weight, low=0.0),
        _array("loyalty_shield", loyalty_shield, 0.0, 1.0),
        _array("nonculpable_weight", nonculpable_weight, 0.0, 1.0),
    ]
    shape = np.broadcast_shapes(codes.shape, *(a.shape for a in args))
    flat = [np.broadcast_to(a, shape).reshape(-1) for a in [codes, *args]]
    lottery = np.eye(len(_OUTCOME_ORDER))[flat[0]][:, None, :]
    multipliers = np.broadcast_to(table, (lottery.shape[0], len(table)))
    p = survival_core(lottery, flat[1], flat[2], flat[3][:, None], flat[4], flat[5], multipliers, flat[6],
                      loyalty_shield=flat[7], nonculpable_weight=flat[8])
    return np.asarray(p[:, 0].reshape(shape), dtype=np.float64)


def survival_core(
    lottery: FloatArray,
    loyalty: FloatArray,
    culpable: NDArray[np.bool_],
    partner_support: FloatArray,
    horizon_months: FloatArray,
    base_hazard: FloatArray,
    outcome_multipliers: FloatArray,
    partner_weight: FloatArray,
    *,
    loyalty_shield: FloatArray | float = LOYALTY_SHIELD,
    nonculpable_weight: FloatArray | float = NONCULPABLE_WEIGHT,
) -> FloatArray:
    """``(S, U)`` probability the leader keeps office (module formula), without input checks.

    Args:
        lottery: ``(S, U, 4)`` probability of victory, stalemate, defeat, concession.
        loyalty: ``(S,)`` loyalty norm ``1 - W/S`` (:func:`loyalty_norm`).
        culpable: ``(S,)`` whether the leader started the war.
        partner_support: ``(S, U)`` probability partners keep backing the leader.
        horizon_months, base_hazard, partner_weight: ``(S,)``.
        outcome_multipliers: ``(S, 4)`` hazard multipliers ``m_o`` in :class:`WarOutcome` order.

    For trusted callers (the crisis template) that checked their inputs once per chunk.
    The exponent ``e`` is taken as ``log(exp(e))``: 0.1.0 computed it as the log of the
    hazard multiplier of an outcome with ``m = e``, and the round trip can move the last
    bit of a probability; it is kept so that the numbers do not move.
    """
    col = (slice(None), None)
    hazard = base_hazard[col] * (1.0 + partner_weight[col] * (1.0 - partner_support))
    untouched = np.exp(-hazard * horizon_months[col] / 12.0)
    theta = np.where(culpable, 1.0, nonculpable_weight)
    exponent = np.log(np.exp(theta * (1.0 - loyalty_shield * loyalty)))
    scale = outcome_multipliers ** exponent[:, None]
    return np.asarray(np.einsum("stk,stk->st", lottery, untouched[:, :, None] ** scale[:, None, :]),
                      dtype=np.float64)


def punishment_probability(
    W: ArrayLike = 1.0,
    S: ArrayLike = 1.0,
    outcome: WarOutcome | str | ArrayLike = WarOutcome.STALEMATE,
    *,
    dictator_rate: ArrayLike = DICTATOR_PUNISHMENT_RATE,
    democrat_rate: ArrayLike = DEMOCRAT_PUNISHMENT_RATE,
    defeat_odds_ratio: ArrayLike = 2.0,
) -> FloatArray:
    """Probability a removed leader is jailed, killed or exiled.

    Interpolates on the loyalty norm ``L = 1 - W/S`` between the democratic rate
    (``L = 0``) and Escribà-Folch's (2013) 47% for dictators (``L = 1``), then, after a
    defeat or concession, multiplies the odds by ``defeat_odds_ratio`` (assumption,
    default 2: Goemans 2000 finds punishment likelier after defeat, most of all for
    leaders of non-democracies).
    """
    loyalty = loyalty_norm(W, S)
    p_dict = _array("dictator_rate", dictator_rate, 0.0, 1.0)
    p_dem = _array("democrat_rate", democrat_rate, 0.0, 1.0)
    ratio = _array("defeat_odds_ratio", defeat_odds_ratio, low=0.0)
    codes = outcome_codes(outcome)
    lost = (codes == _OUTCOME_ORDER.index(WarOutcome.DEFEAT)) | (
        codes == _OUTCOME_ORDER.index(WarOutcome.CONCESSION))
    return punishment_core(loyalty, lost, p_dict, p_dem, ratio)


def punishment_core(
    loyalty: FloatArray,
    lost: NDArray[np.bool_] | bool,
    dictator_rate: FloatArray | float = DICTATOR_PUNISHMENT_RATE,
    democrat_rate: FloatArray | float = DEMOCRAT_PUNISHMENT_RATE,
    defeat_odds_ratio: FloatArray | float = 2.0,
) -> FloatArray:
    """The formula of :func:`punishment_probability` without its input checks.

    ``p = democrat_rate + (dictator_rate - democrat_rate) * loyalty``, odds times
    ``defeat_odds_ratio`` where ``lost`` (defeat or concession).  For trusted callers.
    """
    p = democrat_rate + (dictator_rate - democrat_rate) * loyalty
    k = np.where(lost, defeat_odds_ratio, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        scaled = np.where(p >= 1.0, 1.0, k * p / (1.0 - p + k * p))
    return np.asarray(np.clip(scaled, 0.0, 1.0), dtype=np.float64)


def resurrection_gamble_value(
    p_win: ArrayLike,
    W: ArrayLike = 1.0,
    S: ArrayLike = 1.0,
    *,
    partner_support: ArrayLike = 1.0,
    culpable: ArrayLike = True,
    horizon_months: ArrayLike = HORIZON_MONTHS,
    base_hazard: ArrayLike = BASE_HAZARD,
    office_value: ArrayLike = 1.0,
    punishment_cost: ArrayLike = 1.0,
    outcome_multipliers: Mapping[WarOutcome | str, float] | None = None,
    loyalty_shield: ArrayLike = LOYALTY_SHIELD,
) -> FloatArray:
    """Leader's expected gain from escalating instead of conceding (Downs & Rocke 1994).

    The leader values an outcome ``o`` as ``s_o * office_value - (1 - s_o) * pi_o *
    punishment_cost`` with ``s_o`` the survival probability and ``pi_o`` the punishment
    probability.  Escalating wins with probability ``p_win`` (victory) and otherwise
    ends in defeat; conceding ends in concession.  Returns
    ``p_win * U(victory) + (1 - p_win) * U(defeat) - U(concession)``: positive values
    mean gambling for resurrection is worth it to the leader personally, even when it
    is bad for the state.
    """
    p = _array("p_win", p_win, 0.0, 1.0)
    office = _array("office_value", office_value, low=0.0)
    cost = _array("punishment_cost", punishment_cost, low=0.0)

    def value(outcome: WarOutcome) -> FloatArray:
        s = survival_probability(outcome, W, S, partner_support, culpable, horizon_months,
                                 base_hazard, outcome_multipliers=outcome_multipliers,
                                 loyalty_shield=loyalty_shield)
        pi = punishment_probability(W, S, outcome)
        return np.asarray(s * office - (1.0 - s) * pi * cost, dtype=np.float64)

    gamble = p * value(WarOutcome.VICTORY) + (1.0 - p) * value(WarOutcome.DEFEAT)
    return np.asarray(gamble - value(WarOutcome.CONCESSION), dtype=np.float64)


def monthly_probability(rate_per_year: ArrayLike) -> FloatArray:
    """``1 - exp(-rate / 12)``: the monthly probability of an exit at a constant yearly hazard.

    Archigos' rates are events per leader-year (the maximum-likelihood estimate of a
    constant hazard), so twelve months at this probability give back the yearly rate:
    ``-12 * log(1 - p) = rate``.
    """
    rate = _array("rate_per_year", rate_per_year, low=0.0)
    return np.asarray(-np.expm1(-rate / 12.0), dtype=np.float64)


@njit(cache=True, nogil=True)
def elite_move_probability(
    base_log_odds: float, outcome_shift: float, abandonment_weight: float, support: float,
    goods_weight: float, shortfall: float,
) -> float:
    """The winning coalition's probability of moving against the leader this month (M6, a choice).

    Selectorate theory (Bueno de Mesquita et al. 2003): coalition members stay loyal while
    the incumbent's private goods and prospects beat a challenger's offer.  Random utility
    (McFadden 1974) with private logistic shocks::

        z = logit(h0) + e * ln(m_o) + ln(1 + partner_weight) * (1 - support) + goods_weight * shortfall
        P(move) = 1 / (1 + exp(-z))

    ``h0`` is the Archigos monthly base probability for the regime and tenure
    (:func:`monthly_probability`), ``e * ln(m_o)`` the war outcome's effect borne by the
    leader (Chiozza & Goemans 2004; Croco 2011; ``outcome_shift``), ``support`` the
    partners' mean backing this month and ``shortfall`` the share of the starting
    reserves spent (the private goods the leader can no longer pay).  At a stalemate
    (``m = 1``), with no partners and no reserves spent, the probability is ``h0``: the
    data's base rate.
    """
    z = base_log_odds + outcome_shift + abandonment_weight * (1.0 - support) + goods_weight * shortfall
    return float(1.0 / (1.0 + np.exp(-z)))
