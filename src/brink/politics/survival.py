"""M6: does the leader keep office after the crisis, and what happens if not?

A proportional-hazards model of leader removal (Chiozza & Goemans 2004, 2011),
vectorised over Monte Carlo samples.  Every argument is a scalar or a numpy array
of shape ``(S,)``; arguments broadcast, results are float arrays.

Functional form (each piece an explicit assumption, defaults in
:data:`OUTCOME_HAZARD_MULTIPLIERS` and the keyword defaults)::

    L       = 1 - W / S                                   loyalty norm (Bueno de Mesquita et al. 2003)
    theta   = 1 if culpable else nonculpable_weight       culpability (Croco 2011)
    log m   = theta * (1 - loyalty_shield * L) * log m_outcome
    h       = base_hazard * m * (1 + abandonment_effect * (1 - partner_support))
    P(keep) = exp(-h * horizon_months / 12)

``base_hazard`` is removals per leader-year (an exponential-hazard rate, the MLE
``events / exposure`` of :func:`brink.reference.archigos_rates`), so a leader with no
war shock keeps office over ``T`` months with probability ``exp(-base * T / 12)``.
The outcome multiplier follows Goemans (2000) and Debs & Goemans (2010): defeat and
concession raise the removal hazard, victory lowers it.  A small winning coalition
relative to the selectorate (strong loyalty norm) shields the leader from part of
that shock (private goods keep the coalition loyal) but, if the leader falls anyway,
punishment is harsher (:func:`punishment_probability`), which is what makes such
leaders gamble for resurrection (Downs & Rocke 1994; Goemans 2000):
:func:`resurrection_gamble_value`.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

import numpy as np
from numpy.typing import ArrayLike, NDArray

from brink.errors import InputError
from brink.errors import bounded_array as _array

__all__ = [
    "DEMOCRAT_PUNISHMENT_RATE",
    "DICTATOR_PUNISHMENT_RATE",
    "OUTCOME_HAZARD_MULTIPLIERS",
    "WarOutcome",
    "hazard_multiplier",
    "loyalty_norm",
    "outcome_codes",
    "punishment_probability",
    "removal_hazard",
    "resurrection_gamble_value",
    "survival_probability",
]

FloatArray = NDArray[np.float64]


class WarOutcome(StrEnum):
    """How the crisis ended for the leader's state (codes are the enum order)."""

    VICTORY = "victory"
    STALEMATE = "stalemate"
    DEFEAT = "defeat"
    CONCESSION = "concession"


_OUTCOME_ORDER: tuple[WarOutcome, ...] = tuple(WarOutcome)

#: Hazard multipliers by outcome (assumption, order of magnitude from Chiozza & Goemans
#: 2004, 2011 and Goemans 2000: losing a war multiplies the removal hazard several
#: times; winning lowers it somewhat; backing down is a defeat the leader chose).
OUTCOME_HAZARD_MULTIPLIERS: Mapping[WarOutcome, float] = {
    WarOutcome.VICTORY: 0.6,
    WarOutcome.STALEMATE: 1.0,
    WarOutcome.DEFEAT: 3.0,
    WarOutcome.CONCESSION: 2.0,
}

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


def hazard_multiplier(
    outcome: WarOutcome | str | ArrayLike,
    W: ArrayLike = 1.0,
    S: ArrayLike = 1.0,
    culpable: ArrayLike = True,
    *,
    outcome_multipliers: Mapping[WarOutcome | str, float] | None = None,
    loyalty_shield: ArrayLike = 0.5,
    nonculpable_weight: ArrayLike = 0.0,
) -> FloatArray:
    """Factor by which the crisis outcome multiplies the leader's removal hazard.

    ``m_outcome ** (theta * (1 - loyalty_shield * L))`` with ``L`` the loyalty norm.
    Culpable leaders (those who started the war, Croco 2011) bear the full outcome
    effect; non-culpable successors bear ``nonculpable_weight`` of it on the log scale
    (0: none, Croco's finding).  ``loyalty_shield`` in [0, 1] (assumption, default 0.5)
    is the share of the log-effect a perfectly loyal coalition (``W/S -> 0``) absorbs.
    """
    codes = outcome_codes(outcome)
    table = _multiplier_table(outcome_multipliers)
    loyalty = loyalty_norm(W, S)
    shield = _array("loyalty_shield", loyalty_shield, 0.0, 1.0)
    culp = np.asarray(culpable, dtype=bool)
    weight = _array("nonculpable_weight", nonculpable_weight, 0.0, 1.0)
    theta = np.where(culp, 1.0, weight)
    return np.asarray(np.exp(theta * (1.0 - shield * loyalty) * np.log(table[codes])),
                      dtype=np.float64)


def removal_hazard(
    outcome: WarOutcome | str | ArrayLike,
    W: ArrayLike = 1.0,
    S: ArrayLike = 1.0,
    partner_support: ArrayLike = 1.0,
    culpable: ArrayLike = True,
    base_hazard: ArrayLike = 0.03,
    *,
    outcome_multipliers: Mapping[WarOutcome | str, float] | None = None,
    loyalty_shield: ArrayLike = 0.5,
    nonculpable_weight: ArrayLike = 0.0,
    abandonment_effect: ArrayLike = 1.0,
) -> FloatArray:
    """Removal hazard per leader-year after the crisis (see the module formula).

    ``partner_support`` in [0, 1] is the probability (or share) of external partners
    still backing the leader (:func:`brink.politics.partners.partner_support`);
    full abandonment multiplies the hazard by ``1 + abandonment_effect`` (assumption,
    default 1: losing every patron doubles the hazard, M6).  ``base_hazard`` is the
    regime's removals per leader-year; the default 0.03 is a placeholder, use
    :func:`brink.reference.irregular_exit_rate`.
    """
    base = _array("base_hazard", base_hazard, low=0.0)
    support = _array("partner_support", partner_support, 0.0, 1.0)
    effect = _array("abandonment_effect", abandonment_effect, low=0.0)
    mult = hazard_multiplier(outcome, W, S, culpable, outcome_multipliers=outcome_multipliers,
                             loyalty_shield=loyalty_shield, nonculpable_weight=nonculpable_weight)
    return np.asarray(base * mult * (1.0 + effect * (1.0 - support)), dtype=np.float64)


def survival_probability(
    outcome: WarOutcome | str | ArrayLike,
    W: ArrayLike = 1.0,
    S: ArrayLike = 1.0,
    partner_support: ArrayLike = 1.0,
    culpable: ArrayLike = True,
    horizon_months: ArrayLike = 12.0,
    base_hazard: ArrayLike = 0.03,
    *,
    outcome_multipliers: Mapping[WarOutcome | str, float] | None = None,
    loyalty_shield: ArrayLike = 0.5,
    nonculpable_weight: ArrayLike = 0.0,
    abandonment_effect: ArrayLike = 1.0,
) -> FloatArray:
    """Probability the leader keeps office ``horizon_months`` after the crisis (M6).

    ``exp(-removal_hazard(...) * horizon_months / 12)``: constant hazard over the
    horizon (exponential survival; Chiozza & Goemans 2004 fit Cox models, of which this
    is the constant-baseline special case).
    """
    horizon = _array("horizon_months", horizon_months, low=0.0)
    hazard = removal_hazard(outcome, W, S, partner_support, culpable, base_hazard,
                            outcome_multipliers=outcome_multipliers,
                            loyalty_shield=loyalty_shield,
                            nonculpable_weight=nonculpable_weight,
                            abandonment_effect=abandonment_effect)
    return np.asarray(np.exp(-hazard * horizon / 12.0), dtype=np.float64)


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
    p = p_dem + (p_dict - p_dem) * loyalty
    codes = outcome_codes(outcome)
    lost = (codes == _OUTCOME_ORDER.index(WarOutcome.DEFEAT)) | (
        codes == _OUTCOME_ORDER.index(WarOutcome.CONCESSION))
    k = np.where(lost, ratio, 1.0)
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
    horizon_months: ArrayLike = 12.0,
    base_hazard: ArrayLike = 0.03,
    office_value: ArrayLike = 1.0,
    punishment_cost: ArrayLike = 1.0,
    outcome_multipliers: Mapping[WarOutcome | str, float] | None = None,
    loyalty_shield: ArrayLike = 0.5,
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
