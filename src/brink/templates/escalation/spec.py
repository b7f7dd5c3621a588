"""The escalation template's sections of a scenario file: the crisis sections plus ``process``.

An escalation scenario has every section of a crisis scenario
(:class:`brink.templates.crisis.spec.CrisisScenario`: actors, commitments, the crisis and
its ladder, doctrines, partners, the energy discount, survival, costs) and a ``process``
section: how many rounds the crisis lasts, where it starts, the settlement menu, the
discount factor, the risk that it slips out of control, how fast a war is decided and
which way the battlefield trends, and each side's private resolve.  The defender's
response set grows by the non-violent military moves (alert, deployment, arms supply)
that make up about a quarter of nuclear powers' crisis responses, and its declared
doctrine may be chosen by the defender itself (:attr:`Process.declarations`).
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field, field_validator

from brink.aftermath.spec import AftermathEnergy, AftermathPartner, AftermathSurvival, Intervener
from brink.errors import InputError
from brink.scenario import Q, Section
from brink.templates.crisis.spec import Costs, Crisis, CrisisScenario, Doctrine, Stakes

__all__ = [
    "DECLARATIONS",
    "MAX_ROUNDS",
    "MILITARY",
    "RESPONSES",
    "EscalationCosts",
    "EscalationCrisis",
    "EscalationDoctrine",
    "EscalationScenario",
    "EscalationStakes",
    "Process",
]

Response = Literal[
    "none", "alert", "deployment", "arms-supply", "sanctions", "conventional-strike", "nuclear-response"
]
Declaration = Literal[
    "none", "alert", "deployment", "arms-supply", "sanctions", "conventional-strike", "nuclear-response",
    "straddle",
]
#: Defender responses, weakest first (the rank orders the audience cost of a shortfall).
RESPONSES: tuple[Response, ...] = (
    "none", "alert", "deployment", "arms-supply", "sanctions", "conventional-strike", "nuclear-response"
)
#: The response set when a scenario gives none.
DEFAULT_RESPONSES: tuple[Response, ...] = ("none", "alert", "sanctions", "conventional-strike", "nuclear-response")
#: What the defender may declare: a response, or a straddle (Zagare & Kilgour 2003's
#: ambiguous commitment: a military answer is implied, and falling short costs half).
DECLARATIONS: tuple[Declaration, ...] = (*RESPONSES, "straddle")
#: Responses that are military answers (the rest are non-violent or none).
MILITARY: frozenset[str] = frozenset({"conventional-strike", "nuclear-response"})
#: The most rounds a scenario may ask for: the tree grows geometrically with them
#: (about eight continuing branches per challenger round and three per target round).
MAX_ROUNDS = 6


class EscalationStakes(Stakes):
    """What each side values the stake at; the target is a player with its own value."""

    target: Q = Q(1.0)


class EscalationCrisis(Crisis):
    """The crisis as in the one-exchange template, with the wider response set.

    ``arms_supply_effect`` and ``deployment_effect`` cut the challenger's chance of winning
    (as ``sanctions_effect`` and ``strike_effect`` do); ``alert_risk`` raises the per-round
    risk of losing control for the rest of the crisis once the defender is on alert
    (Schelling 1960's threat that leaves something to chance; Sagan 1985 on alerts).
    """

    stakes: EscalationStakes = EscalationStakes()
    responses: list[Response] = Field(  # type: ignore[assignment]
        default_factory=lambda: list(DEFAULT_RESPONSES)
    )
    arms_supply_effect: Q = Q(0.15)
    deployment_effect: Q = Q(0.05)
    alert_risk: Q = Q(0.5)


class EscalationDoctrine(Doctrine):
    """The declared answer (or a straddle) and the defender's resolve, as in the crisis template."""

    declared: Declaration = "conventional-strike"  # type: ignore[assignment]


class EscalationCosts(Costs):
    """The crisis costs plus the target's and the non-violent responses' (units of the challenger's stake)."""

    target_war: Q = Q(0.3)
    target_nuclear: Q = Q(3.0)
    defender_alert: Q = Q(0.01)
    defender_deployment: Q = Q(0.03)
    defender_arms_supply: Q = Q(0.05)


class Process(Section):
    """How the crisis unfolds over rounds (the template's module doc gives the game)."""

    rounds: int = Field(default=3, ge=1, le=MAX_ROUNDS)
    start: str | None = None
    max_climb: int = Field(default=1, ge=1, le=10)
    offers: list[float] = Field(default_factory=lambda: [0.5], min_length=0, max_length=5)
    first_mover: Literal["challenger", "target"] = "challenger"
    discount: Q = Q(0.95)
    loss_of_control: Q = Q(0.05)
    decisiveness: Q = Q(0.25)
    trend: Q = Q(0.0)
    challenger_resolve: Q | None = None
    irresolute_stake: Q = Q(0.5)
    restrained_stake: Q = Q(0.5)
    declarations: list[Declaration] = Field(default_factory=list, max_length=len(DECLARATIONS))

    @field_validator("offers")
    @classmethod
    def _shares(cls, v: list[float]) -> list[float]:
        for x in v:
            if not 0.0 < x < 1.0:
                raise ValueError(f"an offer is the challenger's share of the stake, strictly between 0 and 1 (got {x})")
        if len(set(v)) != len(v):
            raise ValueError("offers repeat a share; list each division once")
        return sorted(v)

    @field_validator("declarations")
    @classmethod
    def _distinct(cls, v: list[Any]) -> list[Any]:
        if len(set(v)) != len(v):
            raise ValueError("declarations repeat; list each once")
        return v


class EscalationScenario(CrisisScenario):
    """A scenario of the escalation template: the crisis sections plus ``process``."""

    probability_fields: ClassVar[frozenset[str]] = CrisisScenario.probability_fields | {
        "discount", "loss_of_control", "decisiveness", "challenger_resolve", "irresolute_stake", "restrained_stake",
        "arms_supply_effect", "deployment_effect", "sanctions_revenue_loss", "nuclear_deterrence", "partner_shield",
        "energy_interest", "success", "monthly_discount",
    }

    signed_fields: ClassVar[frozenset[str]] = frozenset({"trend", "revenue_usd_bn_per_month"})

    crisis: EscalationCrisis | None = None
    doctrines: dict[str, EscalationDoctrine] = Field(default_factory=dict)  # type: ignore[assignment]
    costs: EscalationCosts = EscalationCosts()
    process: Process = Process()
    partners: dict[str, AftermathPartner] = Field(default_factory=dict)  # type: ignore[assignment]
    energy_discount: AftermathEnergy = AftermathEnergy()
    survival: AftermathSurvival = AftermathSurvival()  # type: ignore[assignment]
    interveners: dict[str, Intervener] = Field(default_factory=dict)

    def check_references(self) -> None:
        """The crisis checks, then: the start rung is on the ladder, declarations are responses
        the defender has (or a straddle), and the ladder leaves room to climb."""
        super().check_references()
        for aid in self.interveners:
            self.need_actor(aid, f"interveners.{aid}")
        if self.energy_discount.sustainable_months is not None:
            raise InputError(
                "energy_discount.sustainable_months is not an input of the post-war game: how long the "
                "discount lasts follows from the reserves, the revenue and the leader's choices",
                self.where("energy_discount.sustainable_months"),
                "remove it; set energy_discount.reserves_usd_bn and revenue_usd_bn_per_month instead",
            )
        cr = self.crisis
        if cr is None:
            return
        rungs = [r for r in cr.ladder if r.rung > 0]
        if not rungs:
            raise InputError("the ladder has no rung above Kahn 0", self.where("crisis.ladder"),
                             "list at least one rung to fight at, e.g. [concede, hold-conventional, demonstration-shot]")
        names = [r.name for r in rungs]
        if self.process.start is not None and self.process.start not in names:
            raise InputError(
                f"process.start {self.process.start!r} is not a rung of the ladder above Kahn 0",
                self.where("process.start"), f"use one of: {', '.join(names)}",
            )
        allowed = {*cr.responses, "straddle"}
        for i, d in enumerate(self.process.declarations):
            if d not in allowed:
                raise InputError(
                    f"declaration {d!r} is not among the defender's responses",
                    self.where(f"process.declarations.{i}"), f"use one of: {', '.join(sorted(allowed))}",
                )
        doctrine = self.doctrines.get(cr.defender)
        if doctrine is not None and doctrine.declared not in allowed:
            raise InputError(
                f"the declared doctrine {doctrine.declared!r} is not among the defender's responses",
                self.where(f"doctrines.{cr.defender}.declared"),
                f"declare one of: {', '.join(sorted(allowed))}, or add it to crisis.responses",
            )
