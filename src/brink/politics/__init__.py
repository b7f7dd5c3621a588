"""Political mechanisms of a crisis (M6-M9): leader survival, partners, removal.

Pure, vectorised functions over numpy arrays of Monte Carlo samples; the crisis model
calls them to turn outcomes into payoff components and post-crisis probabilities.
Formulas, defaults and sources: ``docs/mechanisms.md``.
"""

from __future__ import annotations

from brink.politics.partners import (
    discount_cost,
    partner_support,
    sphere_influence,
    sustainable_months,
)
from brink.politics.removal import (
    domestic_removal_probability,
    foreign_imposed_change_probability,
    removal_probabilities,
)
from brink.politics.survival import (
    WarOutcome,
    punishment_probability,
    removal_hazard,
    resurrection_gamble_value,
    survival_probability,
)

__all__ = [
    "WarOutcome",
    "discount_cost",
    "domestic_removal_probability",
    "foreign_imposed_change_probability",
    "partner_support",
    "punishment_probability",
    "removal_hazard",
    "removal_probabilities",
    "resurrection_gamble_value",
    "sphere_influence",
    "survival_probability",
    "sustainable_months",
]
