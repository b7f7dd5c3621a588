"""The crisis schema: the sections a crisis scenario adds to the common ones.

A crisis scenario adds to the common sections (:class:`brink.scenario.Scenario`) the
actors' commitments (M1; ATOP, Leeds et al. 2002), the crisis and its escalation ladder
(Kahn 1965), the defender's doctrine under strategic ambiguity (M4, M5), the
challenger's partners (M6-M8), the energy discount (M7), the leader's survival and
foreign-imposed removal (M6, M9) and the escalation weights (``costs``).  These
sections are fields of :class:`CrisisScenario`: the scenario class of the one-exchange
``crisis`` template (:mod:`brink.templates.crisis`), which registers it with the scenario
layer (:mod:`brink.scenario.registry`), and the base of the multi-round ``escalation``
template's (:class:`brink.templates.escalation.spec.EscalationScenario`), which widens
the stakes, the doctrine, the costs and the response set.  A scenario of another template
does not carry them.  Survival and removal defaults come from their mechanisms
(:mod:`brink.mechanisms.survival`, :mod:`brink.mechanisms.removal`), the rung table from
Kahn's catalogue (:mod:`brink.mechanisms.ladder`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar, Literal

from pydantic import ConfigDict, Field, field_validator, model_validator

from brink.aftermath.spec import EnergyDiscount, OutcomeMultipliers, Partner
from brink.crisis.rungs import rung_category
from brink.errors import InputError
from brink.mechanisms.ladder import (
    CENTRAL_RUNG,
    KAHN_LADDER,
    KNOWN_RUNGS,
    NUCLEAR_RUNG,
    EscalationCategory,
    place_rung,
)
from brink.mechanisms.removal import DEFEAT_MULTIPLIER, FOREIGN_BASE_RATE, RESOURCE_WEALTH_FACTOR
from brink.mechanisms.survival import (
    BASE_HAZARD,
    HORIZON_MONTHS,
    PARTNER_WEIGHT,
)
from brink.scenario import Q, Scenario, Section

__all__ = [
    "COUNTERS",
    "MAX_ACTORS",
    "MAX_PARTNERS",
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
#: The most actors and partners a crisis scenario may declare: about the world's states
#: (each partner adds arrays of ``war classes`` floats to every sample, and each actor
#: its numbers; 500 partners took 2.4 GB at 4,096 samples per chunk before chunks
#: adapted to the memory budget).
MAX_ACTORS = 1000
MAX_PARTNERS = 200


class Commitment(Section):
    """An alliance commitment (M1): ATOP obligation type (Leeds et al. 2002), legal duty, umbrella."""

    id: str = Field(description="Identifier of the commitment (an identifier without hyphens lets expressions name it)")
    guarantor: str = Field(description="Actor id that gives the commitment")
    protege: str = Field(description="Actor id that the commitment protects")
    type: Literal["defense", "offense", "neutrality", "non-aggression", "consultation", "none"] = Field("none", description="ATOP obligation type (Leeds et al. 2002): defense, offense, neutrality, non-aggression, consultation or none")
    legal: bool = Field(False, description="Whether the commitment is a legal (treaty) duty: failing it costs the guarantor legal_weight")
    umbrella: bool = Field(False, description="Whether the guarantor's nuclear umbrella covers the protege")
    reliability: Q | None = Field(None, description="Probability in [0, 1] that the guarantor honours the commitment (Leeds 2003 found about 0.75)")
    context: str = Field("", max_length=500, description="Why the scenario lists a commitment that changes no outcome (e.g. to record that the target is not covered); validate --strict then does not warn of it")


class Rung(Section):
    """One step of the escalation ladder: a name and its place on Kahn's (1965) ladder (0 = concede).

    A whole ``rung`` is Kahn's rung of that number.  A rung of the scenario's own that Kahn
    does not list (a blockade, a cyber attack) sits strictly between two adjacent rungs of
    his: a fractional ``rung`` (``9.5``) or ``between: [9, 10]`` (the midpoint unless
    ``rung`` is also given), with its Kahn ``group`` and Rivera et al. (2024) ``category``
    (each the lower neighbour's unless given; a group must be given where the two
    neighbours lie in different groups).  See :func:`brink.mechanisms.ladder.place_rung`.
    """

    model_config = ConfigDict(json_schema_extra=lambda schema: schema.update(
        required=["name"], anyOf=[{"required": ["rung"]}, {"required": ["between"]}]))

    name: str = Field(description="Name of the step (a name of `brink ladder`'s known rungs, or your own)")
    rung: int | float = Field(ge=0, le=44, description="Its place on Kahn's ladder, 0 (concede) to 44: a whole number is Kahn's rung; a fraction (9.5) places a rung of your own between two of his")
    between: tuple[int, int] | None = Field(None, description="Two adjacent Kahn rungs a rung of your own lies between, e.g. [9, 10] (rung defaults to their midpoint)")
    group: str | None = Field(None, description="Kahn group of a rung of your own (name or number 1-7, as `brink ladder` prints it); the lower neighbour's by default, required across one of Kahn's thresholds")
    category: EscalationCategory | None = Field(None, description="Rivera et al. (2024) category of a rung of your own (de_escalation ... nuclear); the lower neighbour's by default")

    @model_validator(mode="before")
    @classmethod
    def _place(cls, v: Any) -> Any:
        if not isinstance(v, dict):
            return v
        data = dict(v)
        pos, between = data.get("rung"), data.get("between")
        name = str(data.get("name", "?"))
        number = isinstance(pos, int | float) and not isinstance(pos, bool)
        if between is not None:
            if not (isinstance(between, list | tuple) and len(between) == 2
                    and all(isinstance(b, int) and not isinstance(b, bool) for b in between)
                    and between[0] >= 1 and between[1] == between[0] + 1 and between[1] <= len(KAHN_LADDER)):
                raise ValueError(f"between: {between!r} of rung {name!r} must name two adjacent Kahn rungs, "
                                 f"lowest first, e.g. [9, 10] (1 to {len(KAHN_LADDER)})")
            if pos is None:
                pos = data["rung"] = (between[0] + between[1]) / 2
                number = True
            elif number and not between[0] < pos < between[1]:
                raise ValueError(f"rung {pos!r} of {name!r} is not strictly between Kahn rungs "
                                 f"{between[0]} and {between[1]} (between: {list(between)})")
        if not number or pos is None:
            return data
        if float(pos).is_integer() and between is None:
            if data.get("group") is not None or data.get("category") is not None:
                raise ValueError(f"rung {name!r} is Kahn's rung {pos!r}, whose group and category are Kahn's; "
                                 "group and category are for a rung of your own between two of his (e.g. rung: 9.5)")
            data["rung"] = int(pos)
            return data
        try:
            placed = place_rung(name, pos, data.get("group"), data.get("category"))
        except InputError as err:
            raise ValueError(f"{err.where}: {err.what}. {err.fix}") from None
        data.update(rung=placed.position, between=(placed.below.number, placed.above.number),
                    group=placed.group, category=placed.category)
        return data

    @property
    def named(self) -> bool:
        """A rung of the scenario's own between two of Kahn's (not one of his)."""
        return self.between is not None

    @property
    def escalation_category(self) -> EscalationCategory:
        """Its Rivera et al. (2024) category: the scenario's for a rung of its own, else Kahn's (brink's table)."""
        return self.category if self.category is not None else rung_category(self.rung)

    @property
    def nuclear(self) -> bool:
        return self.rung >= NUCLEAR_RUNG

    @property
    def central(self) -> bool:
        return self.rung >= CENTRAL_RUNG


class Stakes(Section):
    challenger: Q = Field(Q(1.0), description="What the issue is worth to the challenger (the unit of all payoffs: usually 1)")
    defender: Q = Field(Q(0.5), description="What the issue is worth to the defender, in units of the challenger's stake")


class Crisis(Section):
    """Who challenges whom, the ladder, and the war's conventional balance."""

    challenger: str = Field(description="Actor id of the challenger, who makes the demand and climbs the ladder")
    target: str = Field(description="Actor id of the state the demand is made of")
    defender: str = Field(description="Actor id of the defender, who may answer on the target's behalf")
    situation: str = Field("", description="A short label of the situation (free text, for reports)")
    stakes: Stakes = Field(Stakes(), description="What the issue is worth to each side")
    balance: Q | None = Field(None, description="The challenger's probability of winning a conventional war, in [0, 1] (from COW CINC shares when left out)")
    nuclear_coercion: Q = Field(Q(0.3), description="How much a nuclear threat raises the challenger's chance of getting its way, in [0, 1]")
    strike_effect: Q = Field(Q(0.5), description="How much a conventional strike by the defender cuts the challenger's chance of winning, in [0, 1]")
    sanctions_effect: Q = Field(Q(0.1), description="How much sanctions cut the challenger's chance of winning, in [0, 1]")
    stalemate_share: Q = Field(Q(0.5), description="Share of the stake the challenger keeps in a stalemate, in [0, 1]")
    ladder: list[Rung] = Field(description="The challenger's escalation options, concede first: names of `brink ladder`'s known rungs or {name, rung}; a rung of your own between two of Kahn's: {name, rung: 9.5} or {name, between: [9, 10]}, with group and category")
    responses: list[Response] = Field(default_factory=lambda: list(RESPONSES), description="The defender's answers, weakest first")
    counters: list[Counter] = Field(default_factory=lambda: list(COUNTERS), description="The challenger's counter-moves after the defender's answer")

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
                        "or {name: ..., rung: 0-44} (a fraction, e.g. 9.5, for a rung of your own between two of Kahn's)"
                    )
                out.append({"name": item, "rung": KNOWN_RUNGS[item]})
            else:
                out.append(item)
        return out


class Interests(Section):
    """Why a defender answers (M5): the nuclear norm, its credibility, self-preservation."""

    norm: Q = Field(Q(0.5), description="Weight the defender gives to upholding the nuclear taboo (Tannenwald 2007)")
    credibility: Q = Field(Q(0.5), description="Weight the defender gives to its reputation for resolve across commitments")
    self_preservation: Q = Field(Q(0.5), description="Weight the defender gives to avoiding nuclear attack on itself")


class Doctrine(Section):
    """Declared response and the prior over the defender's resolve (M4).

    ``declared`` is the answer the defender has announced to any challenge at or above
    Kahn rung ``applies_from`` (default 21, nuclear use); a resolute defender that falls
    short of it pays an audience cost (Fearon 1994).
    """

    declared: Response = Field("conventional-strike", description="The answer the defender has declared it will give")
    applies_from: int = Field(default=NUCLEAR_RUNG, ge=1, le=44, description="Kahn rung from which the declared answer applies (default 21, first nuclear use)")
    resolve: Q = Field(Q(0.5), description="Prior probability that the defender is resolute (carries out its declaration), in [0, 1]")
    cost_tolerance: Q = Field(Q(1.0), description="How much war cost the defender accepts, scaling its costs down (1: as written)")
    legal_weight: Q = Field(Q(0.5), description="Cost of failing a legal duty to a protege, in units of the challenger's stake")
    interests: Interests = Field(Interests(), description="Why the defender answers: the nuclear norm, its credibility, self-preservation")


class ForeignImposed(Section):
    """Foreign-imposed removal (M9; Downes & Monten 2013)."""

    base: Q = Field(Q(FOREIGN_BASE_RATE), description="Monthly base rate of foreign-imposed removal of the challenger's leader (Archigos)")
    resource_wealth_factor: Q = Field(Q(RESOURCE_WEALTH_FACTOR), description="How much resource wealth raises the rate of foreign-imposed removal")
    defeat_multiplier: Q = Field(Q(DEFEAT_MULTIPLIER), description="Multiplier of that rate after a defeat (Downes & Monten 2013)")


class Survival(Section):
    """The leader's hazard of losing office (M6, M9); defaults from :mod:`brink.mechanisms.survival`."""

    horizon_months: Q = Field(Q(HORIZON_MONTHS), description="Months after the crisis over which the leader's survival is counted")
    base_hazard: Q = Field(Q(BASE_HAZARD), description="Annual hazard of irregular removal of the challenger's leader before the crisis (Archigos)")
    outcome_multipliers: OutcomeMultipliers = Field(OutcomeMultipliers(), description="Hazard multipliers by the crisis's outcome (Goemans 2000; Chiozza & Goemans 2011)")
    partner_weight: Q = Field(Q(PARTNER_WEIGHT), description="How much losing partners raises the leader's hazard")
    foreign_imposed: ForeignImposed = Field(ForeignImposed(), description="Foreign-imposed removal: base rate and what raises it")


class Costs(Section):
    """Escalation weights: costs in units of the challenger's stake."""

    conventional_war: Q = Field(Q(0.2), description="Challenger's cost of a conventional war, in units of its stake")
    nuclear_taboo: Q = Field(Q(0.5), description="Challenger's cost of breaking the nuclear taboo (first use)")
    sanctions: Q = Field(Q(0.1), description="Challenger's cost of the defender's sanctions")
    conventional_strike: Q = Field(Q(0.4), description="Challenger's cost of the defender's conventional strike")
    nuclear_retaliation: Q = Field(Q(3.0), description="Challenger's cost of the defender's nuclear retaliation")
    strategic_exchange: Q = Field(Q(20.0), description="Challenger's cost of a strategic nuclear exchange")
    defender_sanctions: Q = Field(Q(0.05), description="Defender's cost of imposing sanctions")
    defender_conventional: Q = Field(Q(0.3), description="Defender's cost of a conventional strike")
    defender_nuclear: Q = Field(Q(2.0), description="Defender's cost of a nuclear response")
    partner_value: Q = Field(Q(0.5), description="What a partner's support is worth to the challenger")
    sphere_value: Q = Field(Q(0.3), description="What influence over its sphere is worth to the challenger")
    fiscal_weight: Q = Field(Q(0.002), description="Weight of the energy discount's fiscal cost (per USD bn) in the challenger's payoff")


class CrisisScenario(Scenario):
    """A crisis scenario: the common sections plus the crisis's own (module doc)."""

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

    commitments: list[Commitment] = Field(default_factory=list, description="Alliance commitments (M1): who guarantees whom, legal duties and nuclear umbrellas")
    crisis: Crisis | None = Field(None, description="Who challenges whom, the ladder and the war's conventional balance")
    doctrines: dict[str, Doctrine] = Field(default_factory=dict, description="The defender's declared answer and resolve, by actor id")
    partners: dict[str, Partner] = Field(default_factory=dict, description="The challenger's partners by actor id: what makes them stay or leave (M6-M8)")
    energy_discount: EnergyDiscount = Field(EnergyDiscount(), description="Energy the challenger sells to partners below market (M7)")
    survival: Survival = Field(Survival(), description="The challenger's leader's hazard of losing office (M6, M9)")
    costs: Costs = Field(Costs(), description="Escalation costs in units of the challenger's stake")

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
