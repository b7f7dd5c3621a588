"""M1, M2, M5: who is covered, what a weak answer costs the guarantor, and when deterrence holds.

* M1 :func:`coverage`: what the defender's commitments put at stake when the target is
  attacked.  A commitment has an ATOP obligation type (Leeds et al. 2002: defense,
  offense, neutrality, non-aggression, consultation, or none), may be a legal treaty duty
  and may extend a nuclear umbrella (the scenario's ``commitments``).  The defender's
  **legal duty** is a legal defense obligation to the target (of the defender or one of
  its members); its **umbrella** stake is, when the target is under its umbrella, the
  number ``n`` of protégés under it: every umbrella protégé and every non-nuclear
  member of the alliance.
* M2 :func:`commitment_costs`: a guarantor that answers nuclear use against a target
  under its umbrella with less than a nuclear answer loses ``credibility * (1 + ln(1 +
  n))`` -- the whole umbrella is at stake (Schelling 1966's interdependence of
  commitments; the logarithm, diminishing reputational returns, is an assumption); one
  that answers any attack on a target it is legally bound to defend with nothing or
  sanctions pays ``legal_weight``: commitments bind whatever the defender's private
  resolve.  Because both costs fall on the defender's weak answers, they raise what the
  challenger can expect in return, and so deter attacks on covered targets.
* M5 (obligation vs interest): a resolute defender answers nuclear use militarily even
  without a legal duty, out of self-preservation; the crisis template adds
  ``doctrines.<D>.interests.self_preservation`` to its payoff for a military answer.
* :func:`credibility_threshold`: Zagare & Kilgour's (2000) credibility threshold, the one
  used by every template: a challenger facing a defender that resists with probability
  ``p`` challenges iff ``p < (u(DC) - u(SQ)) / (u(DC) - u(DD))``.

Numeric functions take scalars or sample arrays and broadcast; each checked function has
an unchecked core (``*_core``) for callers that checked their inputs once per chunk.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

import numpy as np
from numpy.typing import ArrayLike

from brink.arrays import FloatArray
from brink.errors import InputError
from brink.errors import bounded_array as _array

__all__ = [
    "Commitment",
    "commitment_costs",
    "commitment_costs_core",
    "coverage",
    "credibility_threshold",
    "credibility_threshold_core",
]



class Commitment(Protocol):
    """What M1 reads off a commitment (the scenario's ``commitments`` entries)."""

    @property
    def guarantor(self) -> str: ...
    @property
    def protege(self) -> str: ...
    @property
    def type(self) -> str: ...
    @property
    def legal(self) -> bool: ...
    @property
    def umbrella(self) -> bool: ...


def coverage(
    commitments: Iterable[Commitment],
    defender: str,
    target: str,
    members: Sequence[str] = (),
    nuclear_members: Sequence[str] = (),
) -> tuple[float, float]:
    """M1: ``(n, legal)`` -- umbrella protégés at stake if the target is covered (else 0), legal defense duty 0/1.

    ``members`` and ``nuclear_members`` are the defender's if it is an alliance: its
    members' commitments are its own, and its non-nuclear members count as protégés of
    its umbrella.
    """
    guarantors = {defender, *members}
    mine = [c for c in commitments if c.guarantor in guarantors]
    covers = [c for c in mine if c.protege == target]
    protected = {c.protege for c in mine if c.umbrella} | (set(members) - set(nuclear_members))
    umbrella = float(len(protected)) if any(c.umbrella for c in covers) else 0.0
    legal = 1.0 if any(c.legal and c.type == "defense" for c in covers) else 0.0
    return umbrella, legal


def commitment_costs(
    credibility: ArrayLike, legal_weight: ArrayLike, protected: ArrayLike, legal: ArrayLike
) -> tuple[FloatArray, FloatArray]:
    """M2: the defender's cost of a weak answer, ``(umbrella cost, legal cost)`` (module doc).

    Args:
        credibility: the defender's stake in its reputation for resolve
            (``doctrines.<D>.interests.credibility``), >= 0.
        legal_weight: the cost of failing a legal duty (``doctrines.<D>.legal_weight``), >= 0.
        protected: ``n``, umbrella protégés at stake (:func:`coverage`), >= 0.
        legal: 1 if a legal defense duty covers the target (:func:`coverage`), [0, 1].

    Returns:
        ``credibility * (1 + ln(1 + n)) * (n > 0)`` (paid for a non-nuclear answer to
        nuclear use) and ``legal_weight * legal`` (paid for no answer or sanctions).
    """
    return commitment_costs_core(
        _array("credibility", credibility, low=0.0), _array("legal_weight", legal_weight, low=0.0),
        _array("protected", protected, low=0.0), _array("legal", legal, 0.0, 1.0),
    )


def commitment_costs_core(
    credibility: FloatArray, legal_weight: FloatArray, protected: FloatArray | float, legal: FloatArray | float
) -> tuple[FloatArray, FloatArray]:
    """The formula of :func:`commitment_costs` without its input checks (for the crisis template)."""
    umbrella = credibility * (1 + np.log1p(protected)) * (protected > 0)
    return np.asarray(umbrella, dtype=np.float64), np.asarray(legal_weight * legal, dtype=np.float64)


def credibility_threshold(u_dc: ArrayLike, u_sq: ArrayLike, u_dd: ArrayLike) -> FloatArray:
    """Zagare & Kilgour's (2000) credibility threshold ``(u(DC) - u(SQ)) / (u(DC) - u(DD))``.

    ``u(DC)``: the challenger's payoff when the defender concedes, ``u(SQ)``: the status
    quo, ``u(DD)``: conflict.  The challenger challenges iff the defender's credibility
    (the probability it resists) is below the threshold; a threshold above 1 means the
    threat is not capable (the challenger prefers conflict to the status quo).  Where
    ``u(DC) <= u(DD)`` (resistance is no worse for the challenger) it challenges whatever
    the credibility if ``u(DC) > u(SQ)`` (threshold ``+inf``) and never otherwise
    (``-inf``).  Inputs must be finite.
    """
    values = [_array(name, x) for name, x in (("u_dc", u_dc), ("u_sq", u_sq), ("u_dd", u_dd))]
    if not all(np.isfinite(x).all() for x in values):
        raise InputError("utilities must be finite", fix="give finite u(DC), u(SQ) and u(DD)")
    return credibility_threshold_core(*values)


def credibility_threshold_core(u_dc: FloatArray, u_sq: FloatArray, u_dd: FloatArray) -> FloatArray:
    """The formula of :func:`credibility_threshold` without its input checks.

    Used by the crisis template (equilibrium values of its first nuclear rung) and the
    rudimentary deterrence template (its utilities).
    """
    gap = u_dc - u_dd
    with np.errstate(divide="ignore", invalid="ignore"):
        threshold = np.where(gap > 0, (u_dc - u_sq) / np.where(gap > 0, gap, 1.0),
                             np.where(u_dc > u_sq, np.inf, -np.inf))
    return np.asarray(threshold, dtype=np.float64)
