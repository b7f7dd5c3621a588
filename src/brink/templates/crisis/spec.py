"""The crisis template's sections of a scenario file: its schema, owned by the template.

A crisis scenario adds to the common sections (:class:`brink.scenario.Scenario`) the
actors' commitments (M1; ATOP, Leeds et al. 2002), the crisis and its escalation ladder
(Kahn 1965), the defender's doctrine under strategic ambiguity (M4, M5), the
challenger's partners (M6-M8), the energy discount (M7), the leader's survival and
foreign-imposed removal (M6, M9) and the escalation weights (``costs``).  These
sections are fields of :class:`CrisisScenario`, which the template registers with the
scenario layer (:mod:`brink.scenario.registry`); a scenario of another template does
not carry them.  Survival and removal defaults come from their mechanisms
(:mod:`brink.mechanisms.survival`, :mod:`brink.mechanisms.removal`), the rung table from
Kahn's catalogue (:mod:`brink.mechanisms.ladder`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar, Literal

from pydantic import Field, field_validator

from brink.aftermath.spec import EnergyDiscount, OutcomeMultipliers, Partner
from brink.errors import InputError
from brink.mechanisms.ladder import CENTRAL_RUNG, KNOWN_RUNGS, NUCLEAR_RUNG
from brink.mechanisms.removal import DEFEAT_MULTIPLIER, FOREIGN_BASE_RATE, RESOURCE_WEALTH_FACTOR
from brink.mechanisms.survival import (
    BASE_HAZARD,
    HORIZON_MONTHS,
    PARTNER_WEIGHT,
)
from brink.scenario import Q, Scenario, Section

__all__ = [
    "COUNTERS",
    "RESPONSES",
    "Commitment",
    "Costs",
    "Crisis",
    "CrisisScenario",
    "Doctrine",
    "EnergyDiscount",
    "ForeignImposed",
    "Interests",
    "OutcomeMultipliers",
    "Partner",
    "Rung",
    "Stakes",
    "Survival",
]

Response = Literal["none", "sanctions", "conventional-strike", "nuclear-response"]
Counter = Literal["de-escalate", "hold", "escalate", "concede"]
#: Defender responses, weakest first.
RESPONSES: tuple[Response, ...] = ("none", "sanctions", "conventional-strike", "nuclear-response")
#: Challenger counter-moves after the defender's response.
COUNTERS: tuple[Counter, ...] = ("de-escalate", "hold", "escalate", "concede")


class Commitment(Section):
    """An alliance commitment (M1): ATOP obligation type (Leeds et al. 2002), legal duty, umbrella."""

    id: str
    guarantor: str
    protege: str
    type: Literal["defense", "offense", "neutrality", "non-aggression", "consultation", "none"] = "none"
    legal: bool = False
    umbrella: bool = False
    reliability: Q | None = None


class Rung(Section):
    """One step of the escalation ladder: a name and its Kahn rung (0 = concede)."""

    name: str
    rung: int = Field(ge=0, le=44)

    @property
    def nuclear(self) -> bool:
        return self.rung >= NUCLEAR_RUNG

    @property
    def central(self) -> bool:
        return self.rung >= CENTRAL_RUNG


class Stakes(Section):
    challenger: Q = Q(1.0)
    defender: Q = Q(0.5)


class Crisis(Section):
    """Who challenges whom, the ladder, and the war's conventional balance."""

    challenger: str
    target: str
    defender: str
    situation: str = ""
    stakes: Stakes = Stakes()
    balance: Q | None = None
    nuclear_coercion: Q = Q(0.3)
    strike_effect: Q = Q(0.5)
    sanctions_effect: Q = Q(0.1)
    stalemate_share: Q = Q(0.5)
    ladder: list[Rung]
    responses: list[Response] = Field(default_factory=lambda: list(RESPONSES))
    counters: list[Counter] = Field(default_factory=lambda: list(COUNTERS))

    @field_validator("ladder", mode="before")
    @classmethod
    def _rungs(cls, v: Any) -> Any:
        if not isinstance(v, list):
            return v
        out = []
        for item in v:
            if isinstance(item, str):
                if item not in KNOWN_RUNGS:
                    raise ValueError(
                        f"unknown rung {item!r}; use one of {', '.join(KNOWN_RUNGS)} "
                        "or {name: ..., rung: 0-44}"
                    )
                out.append({"name": item, "rung": KNOWN_RUNGS[item]})
            else:
                out.append(item)
        return out


class Interests(Section):
    """Why a defender answers (M5): the nuclear norm, its credibility, self-preservation."""

    norm: Q = Q(0.5)
    credibility: Q = Q(0.5)
    self_preservation: Q = Q(0.5)


class Doctrine(Section):
    """Declared response and the prior over the defender's resolve (M4).

    ``declared`` is the answer the defender has announced to any challenge at or above
    Kahn rung ``applies_from`` (default 21, nuclear use); a resolute defender that falls
    short of it pays an audience cost (Fearon 1994).
    """

    declared: Response = "conventional-strike"
    applies_from: int = Field(default=NUCLEAR_RUNG, ge=1, le=44)
    resolve: Q = Q(0.5)
    cost_tolerance: Q = Q(1.0)
    legal_weight: Q = Q(0.5)
    interests: Interests = Interests()


class ForeignImposed(Section):
    """Foreign-imposed removal (M9; Downes & Monten 2013)."""

    base: Q = Q(FOREIGN_BASE_RATE)
    resource_wealth_factor: Q = Q(RESOURCE_WEALTH_FACTOR)
    defeat_multiplier: Q = Q(DEFEAT_MULTIPLIER)


class Survival(Section):
    """The leader's hazard of losing office (M6, M9); defaults from :mod:`brink.mechanisms.survival`."""

    horizon_months: Q = Q(HORIZON_MONTHS)
    base_hazard: Q = Q(BASE_HAZARD)
    outcome_multipliers: OutcomeMultipliers = OutcomeMultipliers()
    partner_weight: Q = Q(PARTNER_WEIGHT)
    foreign_imposed: ForeignImposed = ForeignImposed()


class Costs(Section):
    """Escalation weights: costs in units of the challenger's stake."""

    conventional_war: Q = Q(0.2)
    nuclear_taboo: Q = Q(0.5)
    sanctions: Q = Q(0.1)
    conventional_strike: Q = Q(0.4)
    nuclear_retaliation: Q = Q(3.0)
    strategic_exchange: Q = Q(20.0)
    defender_sanctions: Q = Q(0.05)
    defender_conventional: Q = Q(0.3)
    defender_nuclear: Q = Q(2.0)
    partner_value: Q = Q(0.5)
    sphere_value: Q = Q(0.3)
    fiscal_weight: Q = Q(0.002)


class CrisisScenario(Scenario):
    """A scenario of the crisis template: the common sections plus the crisis's own."""

    #: The crisis game reads every section, written or defaulted (costs, survival, ...),
    #: so their defaults are numbers that need provenance.
    reads_section_defaults: ClassVar[bool] = True
    #: The crisis sections' probabilities and shares, besides the common ones: the
    #: defender's resolve (Zagare & Kilgour 2000's credibility), the partners' dispositions,
    #: the conventional balance and the crisis's effects, commitment reliability and the
    #: base rate of foreign-imposed removal.
    probability_fields: ClassVar[frozenset[str]] = Scenario.probability_fields | {
        "resolve", "energy_dependence", "taboo_aversion", "backs_winners", "opec_plus_coordination",
        "balance", "nuclear_coercion", "strike_effect", "sanctions_effect", "stalemate_share",
        "reliability", "base",
    }

    @classmethod
    def is_probability(cls, path: str) -> bool:
        """Also every ``partners.<id>.sphere_interest.<region>`` (a share of interest)."""
        return super().is_probability(path) or (path.startswith("partners.") and ".sphere_interest." in path)

    commitments: list[Commitment] = Field(default_factory=list)
    crisis: Crisis | None = None
    doctrines: dict[str, Doctrine] = Field(default_factory=dict)
    partners: dict[str, Partner] = Field(default_factory=dict)
    energy_discount: EnergyDiscount = EnergyDiscount()
    survival: Survival = Survival()
    costs: Costs = Costs()

    def check_references(self) -> None:
        """Commitments, doctrines and partners name declared actors; the crisis names three
        distinct ones, a challenger with a leader, and a monotone ladder."""
        known = set(self.actors)
        members = {m for a in self.actors.values() for m in (*a.members, *a.nuclear_members)}
        ids: set[str] = set()
        for i, c in enumerate(self.commitments):
            if c.id in ids:
                raise InputError(
                    f"duplicate commitment id {c.id!r}", self.where(f"commitments.{i}.id"), "give each commitment its own id"
                )
            ids.add(c.id)
            self.need_actor(c.guarantor, f"commitments.{i}.guarantor")
            if c.protege not in known and c.protege not in members:
                self.need_actor(c.protege, f"commitments.{i}.protege")
        super().check_references()
        for aid in self.doctrines:
            self.need_actor(aid, f"doctrines.{aid}")
        for aid in self.partners:
            self.need_actor(aid, f"partners.{aid}")
        if self.crisis is not None:
            self._check_crisis(self.crisis)

    def _check_crisis(self, cr: Crisis) -> None:
        for role in ("challenger", "target", "defender"):
            self.need_actor(getattr(cr, role), f"crisis.{role}")
        if len({cr.challenger, cr.target, cr.defender}) < 3:
            raise InputError(
                "challenger, target and defender must be three different actors",
                self.where("crisis"),
                "name three distinct actors",
            )
        self._check_ladder(cr.ladder)
        for field_name, allowed in (("responses", RESPONSES), ("counters", COUNTERS)):
            values = getattr(cr, field_name)
            if len(set(values)) != len(values) or not values:
                raise InputError(
                    f"{field_name} must be non-empty without repeats",
                    self.where(f"crisis.{field_name}"),
                    f"use a subset of {', '.join(allowed)}",
                )
        if self.actors[cr.challenger].leader is None:
            raise InputError(
                "the challenger has no leader", self.where(f"actors.{cr.challenger}"), "add leader: {W: ..., S: ...}"
            )

    def _check_ladder(self, ladder: Sequence[Rung]) -> None:
        if not ladder:
            raise InputError("the escalation ladder is empty", self.where("crisis.ladder"), "list at least two rungs, lowest first, e.g. [concede, hold-conventional, demonstration-shot]")
        names = [r.name for r in ladder]
        for i, r in enumerate(ladder):
            if names.index(r.name) != i:
                raise InputError(f"rung {r.name!r} appears twice (the ladder would cycle)", self.where(f"crisis.ladder.{i}"), "list each rung once, lowest first")
            if i and r.rung <= ladder[i - 1].rung:
                raise InputError(
                    f"rung {r.name!r} (Kahn {r.rung}) is not above {ladder[i - 1].name!r} (Kahn {ladder[i - 1].rung}): the ladder must rise monotonically",
                    self.where(f"crisis.ladder.{i}"),
                    "order the rungs from least to most escalatory, each with a higher Kahn rung",
                )
        if len(ladder) < 2:
            raise InputError("the escalation ladder has a single rung", self.where("crisis.ladder"), "list at least two rungs so the challenger has a choice")
