"""M9: the leader removed from inside, or a more favourable ruler installed from outside.

Both are constant hazards over the horizon, vectorised over samples (scalars or
``(S,)`` arrays, broadcast):

* domestic removal: ``P = 1 - exp(-h_d * T / 12)`` with ``h_d`` the removal hazard per
  leader-year (:func:`brink.politics.survival.removal_hazard`, base rate from Archigos
  irregular exits);
* foreign-imposed change (Downes & Monten 2013; O'Rourke 2018)::

      h_f = base_rate * exp(wealth_effect * resource_wealth
                            + interest_effect * resource_wealth * outsider_energy_interest)
      P   = 1 - exp(-h_f * T / 12)

  ``base_rate`` is Archigos' foreign-imposed exits per leader-year
  (:func:`brink.reference.foreign_exit_rate`), i.e. successful impositions.  Resource
  wealth and outsiders' energy interest are in [0, 1]; the defaults make a resource-rich
  state twice as exposed (the design's ``resource_wealth_factor: 2.0``, an assumption)
  and one that is both resource-rich and coveted by an energy-hungry outsider 100 times
  as exposed, the upper end of Bove, Gleditsch & Sekeris (2016) for third-party
  intervention in civil wars given large oil reserves and high intervener demand.

:func:`removal_probabilities` combines the two as competing risks (who gets him first).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

from brink.errors import bounded_array as _array

__all__ = [
    "COVERT_ATTEMPTS_US_1947_1989",
    "COVERT_FAILURES_US_1947_1989",
    "COVERT_SUCCESS_RATE",
    "domestic_removal_probability",
    "foreign_imposed_change_probability",
    "foreign_imposition_hazard",
    "removal_probabilities",
]

FloatArray = NDArray[np.float64]

#: Covert US regime-change attempts 1947-1989 and how many failed (O'Rourke 2018,
#: *Covert Regime Change*, ch. 1): 25 of 64 succeeded.
COVERT_ATTEMPTS_US_1947_1989 = 64
COVERT_FAILURES_US_1947_1989 = 39
COVERT_SUCCESS_RATE = (COVERT_ATTEMPTS_US_1947_1989 - COVERT_FAILURES_US_1947_1989) / (
    COVERT_ATTEMPTS_US_1947_1989)

_DEFAULT_WEALTH_EFFECT = math.log(2.0)
_DEFAULT_INTEREST_EFFECT = math.log(100.0) - math.log(2.0)




def _probability(hazard: FloatArray, horizon_months: ArrayLike) -> FloatArray:
    horizon = _array("horizon_months", horizon_months, low=0.0)
    return np.asarray(-np.expm1(-hazard * horizon / 12.0), dtype=np.float64)


def foreign_imposition_hazard(
    base_rate: ArrayLike,
    resource_wealth: ArrayLike = 0.0,
    outsider_energy_interest: ArrayLike = 0.0,
    *,
    wealth_effect: ArrayLike = _DEFAULT_WEALTH_EFFECT,
    interest_effect: ArrayLike = _DEFAULT_INTEREST_EFFECT,
) -> FloatArray:
    """Foreign-imposed removals per leader-year (module formula).

    Effects are log hazard ratios and must be >= 0 (wealth and interest never protect).
    """
    base = _array("base_rate", base_rate, low=0.0)
    wealth = _array("resource_wealth", resource_wealth, 0.0, 1.0)
    interest = _array("outsider_energy_interest", outsider_energy_interest, 0.0, 1.0)
    a = _array("wealth_effect", wealth_effect, low=0.0)
    b = _array("interest_effect", interest_effect, low=0.0)
    return np.asarray(base * np.exp(a * wealth + b * wealth * interest), dtype=np.float64)


def foreign_imposed_change_probability(
    horizon_months: ArrayLike,
    base_rate: ArrayLike,
    resource_wealth: ArrayLike = 0.0,
    outsider_energy_interest: ArrayLike = 0.0,
    *,
    wealth_effect: ArrayLike = _DEFAULT_WEALTH_EFFECT,
    interest_effect: ArrayLike = _DEFAULT_INTEREST_EFFECT,
    attempt_rate: ArrayLike | None = None,
    success_rate: ArrayLike = COVERT_SUCCESS_RATE,
) -> FloatArray:
    """Probability outsiders remove the leader within ``horizon_months`` (M9).

    With ``attempt_rate`` given (attempts per leader-year, e.g. a scenario's belief about
    covert operations) the base hazard is ``attempt_rate * success_rate`` instead of
    ``base_rate``, with O'Rourke's 25/64 covert success rate as the default.
    """
    if attempt_rate is not None:
        base: ArrayLike = _array("attempt_rate", attempt_rate, low=0.0) * _array(
            "success_rate", success_rate, 0.0, 1.0)
    else:
        base = base_rate
    hazard = foreign_imposition_hazard(base, resource_wealth, outsider_energy_interest,
                                       wealth_effect=wealth_effect,
                                       interest_effect=interest_effect)
    return _probability(hazard, horizon_months)


def domestic_removal_probability(
    horizon_months: ArrayLike,
    base_hazard: ArrayLike,
    hazard_multiplier: ArrayLike = 1.0,
) -> FloatArray:
    """Probability insiders remove the leader within ``horizon_months``: ``1 - exp(-h m T / 12)``.

    ``hazard_multiplier`` is the crisis effect
    (:func:`brink.politics.survival.hazard_multiplier`), ``base_hazard`` the regime's
    irregular exits per leader-year (Archigos 4.1).
    """
    base = _array("base_hazard", base_hazard, low=0.0)
    mult = _array("hazard_multiplier", hazard_multiplier, low=0.0)
    return _probability(np.asarray(base * mult, dtype=np.float64), horizon_months)


def removal_probabilities(
    domestic_hazard: ArrayLike, foreign_hazard: ArrayLike, horizon_months: ArrayLike
) -> tuple[FloatArray, FloatArray]:
    """Competing risks: P(removed from inside first), P(removed from outside first).

    With constant cause-specific hazards ``h_d, h_f`` the probability of leaving by cause
    ``k`` within ``T`` is ``h_k / (h_d + h_f) * (1 - exp(-(h_d + h_f) T / 12))``
    (Kalbfleisch & Prentice 2002, ch. 8).  The two sum to the probability of removal.
    """
    hd = _array("domestic_hazard", domestic_hazard, low=0.0)
    hf = _array("foreign_hazard", foreign_hazard, low=0.0)
    total = hd + hf
    p_any = _probability(np.asarray(total, dtype=np.float64), horizon_months)
    with np.errstate(divide="ignore", invalid="ignore"):
        share_d = np.where(total > 0, hd / np.where(total > 0, total, 1.0), 0.0)
        share_f = np.where(total > 0, hf / np.where(total > 0, total, 1.0), 0.0)
    return (np.asarray(share_d * p_any, dtype=np.float64),
            np.asarray(share_f * p_any, dtype=np.float64))
