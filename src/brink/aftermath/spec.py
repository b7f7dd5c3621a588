"""The post-war game's sections of a scenario: partners' purchases, the discount the leader
chooses, reserves and revenue, the coalition's and outside powers' parameters.

:class:`Partner`, :class:`EnergyDiscount` and :class:`OutcomeMultipliers` are the 0.1
sections, which the one-exchange template (:mod:`brink.templates.crisis.spec`) keeps so
that its numbers are reproduced; the ``Aftermath*`` sections extend them for the
templates that play the post-war game (``escalation``).  This module imports nothing from
the templates, which import it.
"""

from __future__ import annotations

from pydantic import Field, field_validator

from brink.mechanisms.survival import OUTCOME_HAZARD_MULTIPLIERS, PARTNER_WEIGHT, WarOutcome
from brink.scenario import Q, Section

__all__ = [
    "HORIZON_MONTHS",
    "MAX_ACTIONS",
    "MAX_MONTHS",
    "AftermathEnergy",
    "AftermathForeignImposed",
    "AftermathPartner",
    "AftermathSurvival",
    "EnergyDiscount",
    "Intervener",
    "OutcomeMultipliers",
    "Partner",
]

#: Months the post-war game is played when a scenario gives none (issue 13: three years).
HORIZON_MONTHS = 36
#: The longest horizon a scenario may ask for (ten years; the cost grows linearly).
MAX_MONTHS = 120
#: The most joint discount choices a month may offer the leader (levels ** buying partners).
MAX_ACTIONS = 256


class Partner(Section):
    """A partner of the challenger (M6-M8)."""

    energy_dependence: Q = Q(0.0)
    taboo_aversion: Q = Q(0.5)
    backs_winners: Q = Q(0.5)
    opec_plus_coordination: Q = Q(0.0)
    sphere_interest: dict[str, Q] = Field(default_factory=dict)


class EnergyDiscount(Section):
    """Energy sold to partners below market (M7)."""

    offered_usd_per_bbl: Q = Q(0.0)
    reserves_usd_bn: Q = Q(0.0)
    reference_price_usd_per_bbl: Q = Q(80.0)
    elasticity: Q = Q(3.0)
    sustainable_months: Q | None = None


class OutcomeMultipliers(Section):
    """Hazard multipliers by outcome (M6); defaults :data:`brink.mechanisms.survival.OUTCOME_HAZARD_MULTIPLIERS`."""

    victory: Q = Q(OUTCOME_HAZARD_MULTIPLIERS[WarOutcome.VICTORY])
    stalemate: Q = Q(OUTCOME_HAZARD_MULTIPLIERS[WarOutcome.STALEMATE])
    defeat: Q = Q(OUTCOME_HAZARD_MULTIPLIERS[WarOutcome.DEFEAT])
    concession: Q = Q(OUTCOME_HAZARD_MULTIPLIERS[WarOutcome.CONCESSION])


class AftermathPartner(Partner):
    """A partner of the challenger: as in the crisis, plus the oil it buys from it.

    ``imports_mbd`` is what the partner buys from the challenger (million barrels a day):
    the discount is paid on these barrels (while the partner keeps buying) and a partner
    that buys none is offered none.
    """

    imports_mbd: Q = Q(0.0)


class AftermathEnergy(EnergyDiscount):
    """The discount as the leader's monthly choice, and the reserves that pay for it.

    ``offered_usd_per_bbl`` is the largest discount on offer; each month the leader picks
    for each buying partner one of ``levels`` (fractions of it), unless
    ``leader_chooses`` is false (then he pays the full discount until the reserves run
    out: the 0.1 policy, kept as a lever).  ``revenue_usd_bn_per_month`` is the net inflow
    into the reserves at market prices (negative: a deficit the reserves fund), of which a
    share ``sanctions_revenue_loss`` is lost once the defender answered with sanctions.
    """

    levels: list[float] = Field(default_factory=lambda: [0.0, 0.5, 1.0], min_length=1, max_length=8)
    leader_chooses: bool = True
    revenue_usd_bn_per_month: Q = Q(0.0)
    sanctions_revenue_loss: Q = Q(0.2)

    @field_validator("levels")
    @classmethod
    def _fractions(cls, v: list[float]) -> list[float]:
        for x in v:
            if not 0.0 <= x <= 1.0:
                raise ValueError(f"a level is a fraction of the offered discount, between 0 and 1 (got {x})")
        if len(set(v)) != len(v):
            raise ValueError("levels repeat; list each fraction once")
        out = sorted(v)
        if out[0] != 0.0:
            out.insert(0, 0.0)
        return out


class AftermathForeignImposed(Section):
    """Foreign-imposed removal after the crisis (M9).

    ``base`` is the yearly rate of removal by powers the scenario does not name; left
    out, it is the Archigos rate for the leader's regime, or for a nuclear-armed state
    the rate observed among nuclear-armed states (none in the data:
    ``brink.mechanisms.reference.nuclear_exit_record``).  The other three shape the
    success of a named intervener (:func:`brink.mechanisms.removal.intervention`).
    """

    base: Q | None = None
    nuclear_deterrence: Q = Q(0.9)
    partner_shield: Q = Q(0.5)
    weakness_effect: Q = Q(1.0)


class AftermathSurvival(Section):
    """The leader's fate month by month (M6, M9).

    ``base_hazard`` left out takes the Archigos rate of irregular exits for the leader's
    regime and tenure, month by month (:func:`brink.mechanisms.reference.exit_rate`);
    a number overrides it (per leader-year, flat).  ``goods_weight`` is the coalition's
    log-odds of moving against a leader who has spent all his reserves (the private goods
    he can no longer pay); ``monthly_discount`` the leader's; ``leader_lambda`` his logit
    precision (left out: he best-responds, as under spe and pbe).
    """

    horizon_months: int = Field(default=HORIZON_MONTHS, ge=1, le=MAX_MONTHS)
    base_hazard: Q | None = None
    outcome_multipliers: OutcomeMultipliers = OutcomeMultipliers()
    partner_weight: Q = Q(PARTNER_WEIGHT)
    goods_weight: Q = Q(1.0)
    monthly_discount: Q = Q(0.99)
    leader_lambda: float | None = Field(default=None, gt=0)
    foreign_imposed: AftermathForeignImposed = AftermathForeignImposed()


class Intervener(Section):
    """An outside power that may act to install a more favourable ruler (M9).

    ``energy_interest`` in [0, 1] is how much its energy interests gain from a friendly
    ruler, ``value`` what that is worth to it at full interest in a fully resource-rich
    state, ``cost`` the cost of acting for a month and ``success`` the chance an attempt
    succeeds against a non-nuclear, unbacked, undefeated target (all in its own units).
    """

    energy_interest: Q = Q(0.5)
    value: Q = Q(5.0)
    cost: Q = Q(6.0)
    success: Q = Q(0.2)
