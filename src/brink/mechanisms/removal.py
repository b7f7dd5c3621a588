"""M9: a more favourable ruler installed from outside (foreign-imposed regime change).

A constant hazard over the horizon, vectorised over samples (scalars or ``(S,)`` /
``(S, U)`` arrays, broadcast)::

    h = base * (1 + resource_wealth_factor * resource_wealth)
             * (1 + (defeat_multiplier - 1) * lost)
             * (1 + partner_weight * (1 - partner_support))
    P = 1 - exp(-h * horizon_months / 12)

``base`` is foreign-imposed removals per leader-year: Archigos' foreign exits
(:func:`brink.mechanisms.reference.foreign_exit_rate`; Downes & Monten 2013 on
foreign-imposed regime change).  Resource-rich states are more exposed (Bove, Gleditsch &
Sekeris 2016: outsiders intervene where oil is at stake), a defeated or conceding
challenger is easier to topple, and a leader whom partners abandon has no patron to
shield him.  The three weights are assumptions; their defaults (2, 3, 1) are the
scenario defaults of ``survival.foreign_imposed`` and ``survival.partner_weight``
(:data:`RESOURCE_WEALTH_FACTOR`, :data:`DEFEAT_MULTIPLIER`,
:data:`brink.mechanisms.survival.PARTNER_WEIGHT`).

Removal from inside is M6 (:mod:`brink.mechanisms.survival`); the crisis template
multiplies the two survivals (:func:`foreign_imposed_core` on ``(S, U)`` arrays).
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import ArrayLike

from brink.arrays import FloatArray
from brink.errors import bounded_array as _array
from brink.mechanisms.survival import HORIZON_MONTHS, PARTNER_WEIGHT

__all__ = [
    "DEFEAT_MULTIPLIER",
    "FOREIGN_BASE_RATE",
    "RESOURCE_WEALTH_FACTOR",
    "foreign_imposed_change_probability",
    "foreign_imposed_core",
    "intervention",
]


#: Foreign-imposed removals per leader-year without any crisis effect (scenario default
#: ``survival.foreign_imposed.base``; Archigos 4.1 gives 0.001-0.01 by regime type).
FOREIGN_BASE_RATE = 0.01
#: Hazard ratio of a fully resource-rich state minus one (assumption: twice as exposed).
RESOURCE_WEALTH_FACTOR = 2.0
#: Hazard ratio after defeat or concession (assumption).
DEFEAT_MULTIPLIER = 3.0


def foreign_imposed_change_probability(
    horizon_months: ArrayLike = HORIZON_MONTHS,
    base_rate: ArrayLike = FOREIGN_BASE_RATE,
    resource_wealth: ArrayLike = 0.0,
    lost: ArrayLike = 0.0,
    partner_support: ArrayLike = 1.0,
    *,
    resource_wealth_factor: ArrayLike = RESOURCE_WEALTH_FACTOR,
    defeat_multiplier: ArrayLike = DEFEAT_MULTIPLIER,
    partner_weight: ArrayLike = PARTNER_WEIGHT,
) -> FloatArray:
    """Probability outsiders remove the leader within ``horizon_months`` (module formula, M9).

    Args:
        horizon_months: >= 0.
        base_rate: foreign-imposed removals per leader-year, >= 0.
        resource_wealth: the state's resource wealth, >= 0 (1: resource-rich).
        lost: probability the crisis ends in defeat or concession, [0, 1].
        partner_support: probability partners keep backing the leader, [0, 1].
        resource_wealth_factor, defeat_multiplier, partner_weight: >= 0 (assumptions).
    """
    return foreign_imposed_core(
        _array("base_rate", base_rate, low=0.0),
        _array("resource_wealth_factor", resource_wealth_factor, low=0.0),
        _array("resource_wealth", resource_wealth, low=0.0),
        _array("defeat_multiplier", defeat_multiplier, low=0.0),
        _array("lost", lost, 0.0, 1.0),
        _array("partner_weight", partner_weight, low=0.0),
        _array("partner_support", partner_support, 0.0, 1.0),
        _array("horizon_months", horizon_months, low=0.0),
    )


def foreign_imposed_core(
    base_rate: FloatArray,
    resource_wealth_factor: FloatArray,
    resource_wealth: FloatArray,
    defeat_multiplier: FloatArray,
    lost: FloatArray,
    partner_weight: FloatArray,
    partner_support: FloatArray,
    horizon_months: FloatArray,
) -> FloatArray:
    """The formula of :func:`foreign_imposed_change_probability` without its input checks.

    For trusted callers (the crisis template, on ``(S, 1)`` parameters and ``(S, U)``
    war-class arrays) that checked their inputs once per chunk.
    """
    rate = base_rate * (1 + resource_wealth_factor * resource_wealth) * (
        1 + (defeat_multiplier - 1) * lost
    ) * (1 + partner_weight * (1 - partner_support))
    return np.asarray(1 - np.exp(-rate * horizon_months / 12.0), dtype=np.float64)


@njit(cache=True, nogil=True)
def intervention(
    success: float, deterrence: float, partner_shield: float, support: float, weakness_effect: float,
    weakness: float, gain: float, cost: float,
) -> tuple[float, float]:
    """An outside power's monthly choice to act to install a more favourable ruler (M9).

    Returns ``(q, a)``: the chance an attempt succeeds and the probability it is made.
    ``q = clip(success * deterrence * (1 - partner_shield * support) * (1 + weakness_effect
    * weakness), 0, 1)``: it falls against a nuclear-armed target (``deterrence = 1 -
    nuclear_deterrence`` when the target is nuclear-armed, else 1) and one whose partners
    back it, and rises when the leader is weak (lost the war, spent his reserves).  The power
    acts when ``gain * q - cost + e1 > e0`` with private logistic shocks (random utility,
    McFadden 1974): ``a = 1 / (1 + exp(-(gain * q - cost)))``, ``gain`` being its energy
    interest times the state's resource wealth times its value of a friendly ruler (Downes &
    Monten 2013; O'Rourke 2018; Bove, Gleditsch & Sekeris 2016).  The monthly hazard it adds
    is ``a * q``.
    """
    q = success * deterrence * (1.0 - partner_shield * support) * (1.0 + weakness_effect * weakness)
    q = min(max(q, 0.0), 1.0)
    a = 1.0 / (1.0 + np.exp(-(gain * q - cost)))
    return q, a
