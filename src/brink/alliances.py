"""M1, M2, M5: who is covered, whether the guarantor answers, and what that costs a challenger.

* M1 :class:`Coverage`: a protégé's tie to a guarantor — alliance membership, the ATOP
  obligation type (Leeds et al. 2002: defense, offense, neutrality, non-aggression,
  consultation), whether it is a legal treaty duty, and a nuclear umbrella.
* M5 :func:`response_propensity`: the prior probability that the guarantor answers an
  attack on the protégé.  Independent sufficient reasons combine as a noisy-OR (Pearl
  1988, ch. 4)::

      P = 1 - (1 - reliability * duty) (1 - umbrella_credibility * umbrella)
            (1 - norm_protection) (1 - credibility_stake) (1 - self_preservation)

  ``duty`` is a legal duty to defend (a defense obligation); ``reliability`` its
  wartime honour rate (Berkemeier & Fuhrmann 2018: defense pacts 41%); the three
  interest terms are each the probability that this motive alone moves the guarantor
  (the tipping-point logic of self-interest without obligation in the mission text:
  "not bound to retaliate ... will likely do so out of self-preservation interest").
* M2 :func:`deterrence_cost`, :func:`attack_value`, :func:`deterrence_threshold`: the
  expected cost of attacking a covered target and Zagare & Kilgour's (2000)
  credibility threshold: a challenger attacks iff the response probability is below
  ``(u(DC) - u(SQ)) / (u(DC) - u(DD))``.

All numeric functions take scalars or ``(S,)`` sample arrays and broadcast.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np
from numpy.typing import ArrayLike, NDArray

from brink.errors import InputError
from brink.errors import bounded_array as _array

__all__ = [
    "DEFENSE_PACT_RELIABILITY",
    "UMBRELLA_CREDIBILITY",
    "Coverage",
    "ObligationType",
    "attack_value",
    "deterrence_cost",
    "deterrence_threshold",
    "response_propensity",
]

FloatArray = NDArray[np.float64]

#: Share of defense-pact commitments honoured when invoked in war, 1816-2003, 42 of 102
#: (Berkemeier & Fuhrmann 2018, LLM coding; recomputed in ``brink.reference``).
DEFENSE_PACT_RELIABILITY = 42 / 102
#: Probability a nuclear umbrella alone brings a response (assumption: no base rate
#: exists — extended nuclear deterrence has never been tested by an attack).
UMBRELLA_CREDIBILITY = 0.5


class ObligationType(StrEnum):
    """ATOP obligation types (Leeds et al. 2002), plus ``none`` for no treaty."""

    DEFENSE = "defense"
    OFFENSE = "offense"
    NEUTRALITY = "neutrality"
    NON_AGGRESSION = "non-aggression"
    CONSULTATION = "consultation"
    NONE = "none"


@dataclass(frozen=True)
class Coverage:
    """M1: how a guarantor covers a protégé.

    Attributes:
        guarantor, protege: actor identifiers (e.g. ``"NATO"``, ``"POL"``).
        obligation: the ATOP obligation the guarantor owes the protégé.
        legal: True if the obligation is a binding treaty duty (Article 5), False if it
            is only declared or implied.
        umbrella: True if the guarantor extends nuclear deterrence to the protégé.
        member: True if the protégé is a member of the guarantor's alliance.
    """

    guarantor: str
    protege: str
    obligation: ObligationType = ObligationType.NONE
    legal: bool = False
    umbrella: bool = False
    member: bool = False

    def __post_init__(self) -> None:
        where = f"commitment {self.guarantor} -> {self.protege}"
        try:
            object.__setattr__(self, "obligation", ObligationType(self.obligation))
        except ValueError:
            raise InputError(
                f"unknown obligation type {self.obligation!r}", where,
                f"use one of {', '.join(o.value for o in ObligationType)} (ATOP)") from None
        if self.guarantor == self.protege:
            raise InputError("guarantor and protégé are the same actor", where,
                             "a commitment links two different actors")
        if self.legal and self.obligation is ObligationType.NONE:
            raise InputError("a legal duty needs an obligation type", where,
                             "set type to defense, offense, neutrality, non-aggression or "
                             "consultation, or legal: false")

    @property
    def legal_duty_to_defend(self) -> bool:
        """True if a treaty binds the guarantor to fight for the protégé."""
        return self.legal and self.obligation is ObligationType.DEFENSE

    @property
    def covered(self) -> bool:
        """True if the protégé has a legal defense guarantee or a nuclear umbrella."""
        return self.legal_duty_to_defend or self.umbrella

    def response_propensity(
        self,
        norm_protection: ArrayLike = 0.0,
        credibility_stake: ArrayLike = 0.0,
        self_preservation: ArrayLike = 0.0,
        *,
        reliability: ArrayLike = DEFENSE_PACT_RELIABILITY,
        umbrella_credibility: ArrayLike = UMBRELLA_CREDIBILITY,
    ) -> FloatArray:
        """:func:`response_propensity` for this coverage."""
        return response_propensity(self.legal_duty_to_defend, self.umbrella, norm_protection,
                                   credibility_stake, self_preservation,
                                   reliability=reliability,
                                   umbrella_credibility=umbrella_credibility)




def response_propensity(
    legal_duty: ArrayLike,
    umbrella: ArrayLike,
    norm_protection: ArrayLike = 0.0,
    credibility_stake: ArrayLike = 0.0,
    self_preservation: ArrayLike = 0.0,
    *,
    reliability: ArrayLike = DEFENSE_PACT_RELIABILITY,
    umbrella_credibility: ArrayLike = UMBRELLA_CREDIBILITY,
) -> FloatArray:
    """Prior probability the guarantor answers an attack on the protégé (noisy-OR, module doc).

    Args:
        legal_duty: 1/True if a treaty binds the guarantor to defend (or the probability
            the duty applies, e.g. a contested casus foederis), in [0, 1].
        umbrella: 1/True if the protégé is under the guarantor's nuclear umbrella, [0, 1].
        norm_protection: probability that defending a norm (the nuclear taboo, borders)
            alone triggers a response, [0, 1].
        credibility_stake: probability that protecting the guarantor's reputation for
            resolve elsewhere alone triggers a response, [0, 1].
        self_preservation: probability that the guarantor's own security alone triggers
            a response (M5), [0, 1].
        reliability: honour rate of a legal defense duty (default 41%, Berkemeier &
            Fuhrmann 2018; Leeds, Long & Mitchell 2000 give 74.5% for 1816-1944).
        umbrella_credibility: probability an umbrella alone brings a response (assumption).
    """
    terms = [
        _array("reliability", reliability, 0.0, 1.0) * _array("legal_duty", legal_duty, 0.0, 1.0),
        _array("umbrella_credibility", umbrella_credibility, 0.0, 1.0)
        * _array("umbrella", umbrella, 0.0, 1.0),
        _array("norm_protection", norm_protection, 0.0, 1.0),
        _array("credibility_stake", credibility_stake, 0.0, 1.0),
        _array("self_preservation", self_preservation, 0.0, 1.0),
    ]
    none = np.ones(np.broadcast_shapes(*(t.shape for t in terms)))
    for term in terms:
        none = none * (1.0 - term)
    return np.asarray(1.0 - none, dtype=np.float64)


def deterrence_cost(propensity: ArrayLike, response_damage: ArrayLike) -> FloatArray:
    """Expected cost to a challenger of attacking: ``propensity * response_damage`` (M2).

    ``response_damage`` is the challenger's loss if the guarantor answers, in payoff
    units, >= 0.
    """
    p = _array("propensity", propensity, 0.0, 1.0)
    damage = _array("response_damage", response_damage, low=0.0)
    return np.asarray(p * damage, dtype=np.float64)


def attack_value(
    gain: ArrayLike, propensity: ArrayLike, response_damage: ArrayLike,
    war_cost: ArrayLike = 0.0,
) -> FloatArray:
    """Challenger's expected net value of attacking relative to the status quo.

    ``gain - propensity * response_damage - war_cost``; the attack is deterred where
    this is negative.  With ``gain = u(DC) - u(SQ)``, ``response_damage = u(DC) - u(DD)``
    and no war cost it is negative exactly when ``propensity`` exceeds
    :func:`deterrence_threshold` (Zagare & Kilgour 2000).
    """
    g = _array("gain", gain)
    c = _array("war_cost", war_cost, low=0.0)
    return np.asarray(g - deterrence_cost(propensity, response_damage) - c, dtype=np.float64)


def deterrence_threshold(u_dc: ArrayLike, u_sq: ArrayLike, u_dd: ArrayLike) -> FloatArray:
    """Zagare & Kilgour's (2000) credibility threshold ``(u(DC) - u(SQ)) / (u(DC) - u(DD))``.

    ``u(DC)``: the challenger's payoff when the defender concedes, ``u(SQ)``: status
    quo, ``u(DD)``: conflict.  The challenger is deterred iff the defender's
    credibility is at least the threshold; a threshold above 1 means the threat is not
    capable (the challenger prefers conflict to the status quo).  Requires
    ``u(DC) > u(DD)``.
    """
    dc = _array("u_dc", u_dc)
    sq = _array("u_sq", u_sq)
    dd = _array("u_dd", u_dd)
    if (dc <= dd).any():
        raise InputError("u(DC) must exceed u(DD)",
                         fix="the challenger must prefer the defender's concession to conflict")
    return np.asarray((dc - sq) / (dc - dd), dtype=np.float64)
