"""The post-war game's sections of a scenario: partners' purchases, the discount the leader
chooses, reserves and revenue, the coalition's and outside powers' parameters.

:class:`Partner`, :class:`EnergyDiscount` and :class:`OutcomeMultipliers` are the 0.1
sections, which the crisis schema (:mod:`brink.crisis.schema`) keeps so that the
one-exchange template's numbers are reproduced; the ``Aftermath*`` sections extend them for the
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
    "RESOURCE_ODDS",
    "AftermathEnergy",
    "AftermathForeignImposed",
    "AftermathOutcomeMultipliers",
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
#: Odds ratio of an outside power acting against a fully resource-rich state at full energy
#: interest (Bove, Gleditsch & Sekeris 2016, JCR 60(7): third-party intervention in civil wars up
#: to ~100 times likelier with large oil reserves and high intervener oil demand; shared facts
#: table blocs_and_energy.yaml, empirical_base_rates.regime_change).
RESOURCE_ODDS = 100.0
#: The most joint discount choices a month may offer the leader (levels ** buying partners).
MAX_ACTIONS = 256


class Partner(Section):
    """A partner of the challenger (M6-M8)."""

    energy_dependence: Q = Field(Q(0.0), description="How much the partner depends on the challenger's energy, in [0, 1]")
    taboo_aversion: Q = Field(Q(0.5), description="How strongly the partner turns away from a first nuclear use, in [0, 1]")
    backs_winners: Q = Field(Q(0.5), description="How strongly the partner follows the winning side, in [0, 1]")
    opec_plus_coordination: Q = Field(Q(0.0), description="How far the partner coordinates oil output with the challenger (OPEC+), in [0, 1]")
    sphere_interest: dict[str, Q] = Field(default_factory=dict, description="The partner's interest in each region of the challenger's sphere (region -> share in [0, 1])")


class EnergyDiscount(Section):
    """Energy sold to partners below market (M7)."""

    offered_usd_per_bbl: Q = Field(Q(0.0), description="Discount offered to partners, USD per barrel below the reference price")
    reserves_usd_bn: Q = Field(Q(0.0), description="Reserves available to pay for the discount, USD bn")
    reference_price_usd_per_bbl: Q = Field(Q(80.0), description="Market price of oil, USD per barrel")
    elasticity: Q = Field(Q(3.0), description="How strongly partners' purchases respond to the discount")
    sustainable_months: Q | None = Field(None, description="Months the reserves sustain the discount (derived when left out)")


class OutcomeMultipliers(Section):
    """Hazard multipliers by outcome (M6); defaults :data:`brink.mechanisms.survival.OUTCOME_HAZARD_MULTIPLIERS`."""

    victory: Q = Field(Q(OUTCOME_HAZARD_MULTIPLIERS[WarOutcome.VICTORY]), description="Hazard multiplier after a victory")
    stalemate: Q = Field(Q(OUTCOME_HAZARD_MULTIPLIERS[WarOutcome.STALEMATE]), description="Hazard multiplier after a stalemate")
    defeat: Q = Field(Q(OUTCOME_HAZARD_MULTIPLIERS[WarOutcome.DEFEAT]), description="Hazard multiplier after a defeat")
    concession: Q = Field(Q(OUTCOME_HAZARD_MULTIPLIERS[WarOutcome.CONCESSION]), description="Hazard multiplier after a concession")


class AftermathOutcomeMultipliers(OutcomeMultipliers):
    """Hazard multipliers by ending for the post-war game: the four war outcomes, as ratios
    against the stalemate's, and a settlement.

    ``settlement`` is the multiplier of a settlement that meets the war aims the leader
    announced (``survival.announced_aims``); one below them moves toward the concession's
    (:func:`brink.aftermath.inputs.settlement_log_multiplier`).  Default 1: a division that
    gives the leader what he promised is judged like a stalemate (an assumption; Goemans 2000
    and Chiozza & Goemans 2011 find leaders punished for outcomes worse than the aims they
    staked, not for settling as such).
    """

    settlement: Q = Field(Q(OUTCOME_HAZARD_MULTIPLIERS[WarOutcome.SETTLEMENT]), description="Hazard multiplier after a settlement that meets the announced war aims")


class AftermathPartner(Partner):
    """A partner of the challenger: as in the crisis, plus the oil it buys from it.

    ``imports_mbd`` is what the partner buys from the challenger (million barrels a day):
    the discount is paid on these barrels (while the partner keeps buying) and a partner
    that buys none is offered none.
    """

    imports_mbd: Q = Field(Q(0.0), description="Oil the partner buys from the challenger, million barrels per day")


class AftermathEnergy(EnergyDiscount):
    """The discount as the leader's monthly choice, and the reserves that pay for it.

    ``offered_usd_per_bbl`` is the largest discount on offer; each month the leader picks
    for each buying partner one of ``levels`` (fractions of it), unless
    ``leader_chooses`` is false (then he pays the full discount until the reserves run
    out: the 0.1 policy, kept as a lever).  ``revenue_usd_bn_per_month`` is the net inflow
    into the reserves at market prices (negative: a deficit the reserves fund), of which a
    share ``sanctions_revenue_loss`` is lost once the defender answered with sanctions.
    """

    levels: list[float] = Field(default_factory=lambda: [0.0, 0.5, 1.0], min_length=1, max_length=8, description="Discount levels the leader chooses among each month (shares of offered_usd_per_bbl)")
    leader_chooses: bool = Field(True, description="Whether the leader chooses the discount each month (else the first level is kept)")
    revenue_usd_bn_per_month: Q = Field(Q(0.0), description="Net inflow to the reserves per month, USD bn (may be negative)")
    sanctions_revenue_loss: Q = Field(Q(0.2), description="Share of the revenue lost to sanctions, in [0, 1]")

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
    ``brink.mechanisms.reference.nuclear_exit_record``).  The next three shape the
    success of a named intervener (:func:`brink.mechanisms.removal.intervention`).
    ``resource_odds`` is the oil motive: an intervener with energy interest ``i`` acts
    against a state of resource wealth ``w`` with its odds multiplied by ``resource_odds **
    (i * w)``, whatever the chance of success (Bove, Gleditsch & Sekeris 2016 find third-party
    intervention up to ~100 times likelier where oil reserves and the intervener's oil demand
    are large; the default 100 reads that bound at ``i = w = 1``).
    """

    base: Q | None = Field(None, description="Monthly base rate of foreign-imposed removal; left out, read from the data")
    nuclear_deterrence: Q = Field(Q(0.9), description="How much nuclear weapons deter an intervener, in [0, 1]")
    partner_shield: Q = Field(Q(0.5), description="How much partners' support shields the leader from an intervener, in [0, 1]")
    weakness_effect: Q = Field(Q(1.0), description="How much a defeat's weakness raises an intervener's chance of success")
    resource_odds: Q = Field(Q(RESOURCE_ODDS), description="Odds ratio of an outside power acting against a fully resource-rich state when its energy interest is full (Bove, Gleditsch & Sekeris 2016: up to ~100)")


class AftermathSurvival(Section):
    """The leader's fate month by month (M6, M9).

    ``base_hazard`` left out takes the Archigos rate of irregular exits for the leader's
    regime and tenure, month by month (:func:`brink.mechanisms.reference.exit_rate`);
    a number overrides it (per leader-year, flat).  ``goods_weight`` is the coalition's
    log-odds of moving against a leader who has spent all his reserves (the private goods
    he can no longer pay); ``monthly_discount`` the leader's; ``leader_lambda`` his logit
    precision (left out: he best-responds, as under spe and pbe).  ``outcome_multipliers``
    are hazard ratios against the stalemate's: the Archigos rate is the coalition's hazard
    at a stalemate with typical support (the calibration of
    :func:`brink.aftermath.inputs.build_inputs`; issue 22).  ``announced_aims`` is the share
    of the stake the leader told his public he would win: a settlement at share ``x`` below
    it is judged as a failure in proportion ``(aims - x) / aims`` (Goemans 2000; Chiozza &
    Goemans 2011); the default 0 (no aims announced) makes every settlement neutral.
    """

    horizon_months: int = Field(default=HORIZON_MONTHS, ge=1, le=MAX_MONTHS, description="Months after the crisis the leader's fate is followed")
    base_hazard: Q | None = Field(None, description="Annual hazard of irregular removal; left out, read from Archigos by the leader's regime and tenure")
    outcome_multipliers: AftermathOutcomeMultipliers = Field(AftermathOutcomeMultipliers(), description="Hazard multipliers by the crisis's ending, as ratios against a stalemate's (Goemans 2000)")
    announced_aims: Q = Field(Q(0.0), description="Share of the stake the leader announced as his war aims, in [0, 1]; a settlement below it raises his hazard toward a concession's (0: none announced, neutral)")
    partner_weight: Q = Field(Q(PARTNER_WEIGHT), description="How much losing partners raises the leader's hazard")
    goods_weight: Q = Field(Q(1.0), description="How much spending the coalition's private goods (reserves) raises the hazard")
    monthly_discount: Q = Field(Q(0.99), description="The leader's monthly discount factor, in [0, 1]")
    leader_lambda: float | None = Field(default=None, gt=0, description="Precision of the leader's logit choice of the discount (None: best response)")
    foreign_imposed: AftermathForeignImposed = Field(AftermathForeignImposed(), description="Foreign-imposed removal after the crisis: base rate and what shapes an intervener's success")


class Intervener(Section):
    """An outside power that may act to install a more favourable ruler (M9).

    ``energy_interest`` in [0, 1] is how much its energy interests gain from a friendly
    ruler, ``value`` what that is worth to it at full interest in a fully resource-rich
    state, ``cost`` the cost of acting for a month and ``success`` the chance an attempt
    succeeds against a non-nuclear, unbacked, undefeated target (all in its own units).
    """

    energy_interest: Q = Field(Q(0.5), description="How much the intervener cares about the challenger's energy, in [0, 1]")
    value: Q = Field(Q(5.0), description="What installing a friendlier ruler is worth to the intervener")
    cost: Q = Field(Q(6.0), description="What intervening costs the intervener")
    success: Q = Field(Q(0.2), description="Probability an intervention succeeds, in [0, 1]")
