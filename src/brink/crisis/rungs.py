"""Rungs of the escalation ladder as both crisis templates read them.

A scenario's ladder names rungs of Kahn's (1965) 44-rung ladder
(:mod:`brink.mechanisms.ladder`); the crisis templates read two things off a rung: how
decisive a contest fought there is (:data:`FULL_WAR_RUNG`) and the Rivera et al. (2024)
category that scores escalation (:func:`rung_category`).
"""

from __future__ import annotations

from collections.abc import Mapping

from brink.mechanisms.ladder import EscalationCategory
from brink.mechanisms.ladder import rung as ladder_rung

__all__ = ["FULL_WAR_RUNG", "rung_category"]

#: Kahn's rung 12, "large conventional war": a contest fought at or above it is decided
#: (victory or defeat); one fought at a lower rung (a show of force, a mobilization) is
#: decided only with probability ``rung / 12`` and otherwise ends in stalemate, and the
#: war cost scales the same way (assumption: intensity proportional to the rung).
FULL_WAR_RUNG = 12.0


def rung_category(kahn: float, named: Mapping[float, EscalationCategory] | None = None) -> EscalationCategory:
    """Rivera et al. (2024) category of a scenario rung, by its place on Kahn's ladder.

    The single source is :func:`brink.mechanisms.ladder.rung` (Kahn 1965 catalogue with brink's
    category of each rung); rung 0, conceding, is de-escalation.  Scenario rung names
    that are not Kahn's (``demonstration-shot``, ``hold-conventional``) reach this
    function through their Kahn number, given in one table,
    :data:`brink.mechanisms.ladder.KNOWN_RUNGS` (``demonstration-shot`` is Kahn 21,
    ``hold-conventional`` Kahn 12, ...).  A rung of the scenario's own between two of
    Kahn's (a fractional position, :func:`brink.mechanisms.ladder.place_rung`) takes its
    category from the scenario: ``named`` maps such positions to their categories (a
    scenario's :attr:`brink.crisis.schema.Rung.escalation_category`); a fractional position
    not in it takes its lower neighbour's, the default of :func:`place_rung`.
    """
    if kahn <= 0:
        return EscalationCategory.DE_ESCALATION
    if named is not None and kahn in named:
        return named[kahn]
    return ladder_rung(int(kahn)).category
