"""The escalation template's sections of a scenario file: the crisis sections plus ``process``.

An escalation scenario has every section of a crisis scenario
(:class:`brink.crisis.schema.CrisisScenario`: actors, commitments, the crisis and
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

from pydantic import Field, field_validator, model_validator

from brink.aftermath.spec import AftermathEnergy, AftermathPartner, AftermathSurvival, Intervener
from brink.crisis.schema import Costs, Crisis, CrisisScenario, Doctrine, Stakes
from brink.errors import InputError
from brink.scenario import Q, Section

__all__ = [
    "DECLARATIONS",
    "DIVISIBILITY",
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
#: The settlement menu of each kind of stake (``process.divisibility``): an indivisible stake (a
#: regime, an alignment, a city) has no division short of all or nothing; a partly divisible one
#: (a territory of a few parts, a set of bases) a coarse grid; a divisible one (a sum, a line on a
#: map) the finest grid the tree allows (five offers).
DIVISIBILITY: dict[str, tuple[float, ...]] = {
    "indivisible": (), "partly-divisible": (0.25, 0.5, 0.75), "divisible": (0.1, 0.3, 0.5, 0.7, 0.9),
}
#: The most rounds a scenario may ask for: the tree grows geometrically with them
#: (about eight continuing branches per challenger round and three per target round).
MAX_ROUNDS = 6


class EscalationStakes(Stakes):
    """What each side values the stake at; the target is a player with its own value."""

    target: Q = Field(Q(1.0), description="What the issue is worth to the target, in units of the challenger's stake")


class EscalationCrisis(Crisis):
    """The crisis as in the one-exchange template, with the wider response set.

    ``stalemate_share`` is read only by the post-war game's stalemate start (issue 22: the
    crisis values a war undecided at the horizon by its continuation,
    :func:`brink.templates.escalation.payoffs.continuation`).
    ``arms_supply_effect`` and ``deployment_effect`` cut the challenger's chance of winning
    (as ``sanctions_effect`` and ``strike_effect`` do); ``alert_risk`` raises the per-round
    risk of losing control for the rest of the crisis once the defender is on alert
    (Schelling 1960's threat that leaves something to chance; Sagan 1985 on alerts).
    """

    stakes: EscalationStakes = Field(EscalationStakes(), description="What the issue is worth to each side, the target included")
    responses: list[Response] = Field(  # type: ignore[assignment]
        default_factory=lambda: list(DEFAULT_RESPONSES),
        description="The defender's answers, weakest first (the escalation template adds alert, deployment and arms supply)",
    )
    arms_supply_effect: Q = Field(Q(0.15), description="How much the defender's arms supply cuts the challenger's chance of winning, in [0, 1]")
    deployment_effect: Q = Field(Q(0.05), description="How much a deployment (a tripwire) cuts the challenger's chance of winning, in [0, 1]")
    alert_risk: Q = Field(Q(0.5), description="How much an alert raises the risk of losing control for the rest of the crisis, in [0, 1] (Schelling 1966)")
    stalemate_share: Q = Field(Q(0.5), description="Share of the stake a frozen line gives the challenger when the post-war game starts from a war still undecided at the horizon (what its partners see it hold), in [0, 1]; the crisis values an undecided war by its continuation, not by this share")


class EscalationDoctrine(Doctrine):
    """The declared answer (or a straddle) and the defender's resolve, as in the crisis template."""

    declared: Declaration = Field("conventional-strike", description="The answer the defender has declared, or a straddle between two (Zagare & Kilgour 2003)")  # type: ignore[assignment]


class EscalationCosts(Costs):
    """The crisis costs plus the target's and the non-violent responses' (units of the challenger's stake).

    The cost of a round of war to the challenger and to the target follows from the crisis
    unless the scenario gives it (:func:`brink.templates.escalation.payoffs.war_costs`): a
    side pays in proportion to the strength its opponent brings to the theatre and to what
    it stands to lose, ``2 war_dissipation decisiveness (opponent's share) stake``.
    """

    conventional_war: Q | None = Field(None, description="Challenger's cost of a round of full-intensity war, in units of its stake; left out, it follows from the balance, the decisiveness and its stake (war_dissipation)")  # type: ignore[assignment]
    target_war: Q | None = Field(None, description="Target's cost of a round of full-intensity war, in units of the challenger's stake; left out, it follows from the balance, the decisiveness and its stake (war_dissipation)")
    war_dissipation: Q = Field(Q(0.25), description="Share of its stake a side spends on a war fought to a decision between equals (Tullock 1980: a quarter each); scales the derived war costs, in [0, 1]")
    target_nuclear: Q = Field(Q(3.0), description="Target's cost of nuclear use against it")
    defender_alert: Q = Field(Q(0.01), description="Defender's cost of an alert")
    defender_deployment: Q = Field(Q(0.03), description="Defender's cost of a deployment")
    defender_arms_supply: Q = Field(Q(0.05), description="Defender's cost of supplying arms")


class Process(Section):
    """How the crisis unfolds over rounds (the template's module doc gives the game)."""

    rounds: int = Field(default=3, ge=1, le=MAX_ROUNDS, description="Rounds of moves before the crisis ends")
    start: str | None = Field(None, description="Ladder step the crisis starts at (a name on crisis.ladder above concede); default the first")
    max_climb: int = Field(default=1, ge=1, le=10, description="Most ladder steps a side may climb in one move")
    offers: list[float] = Field(default_factory=lambda: [0.5], min_length=0, max_length=5, description="Settlements that can be offered: the challenger's share of the stake, each strictly between 0 and 1 (or set divisibility instead)")
    divisibility: Literal["indivisible", "partly-divisible", "divisible"] | None = Field(None, description="What kind of stake it is, which sets the offers: indivisible (no offer short of all or nothing), partly-divisible (0.25, 0.5, 0.75) or divisible (0.1, 0.3, 0.5, 0.7, 0.9); left out, offers is the menu")
    first_mover: Literal["challenger", "target"] = Field("challenger", description="Who moves first in each round: the challenger or the target")
    discount: Q = Field(Q(0.95), description="Per-round discount factor of payoffs, in [0, 1]")
    loss_of_control: Q = Field(Q(0.05), description="Per-round probability that escalation slips out of control at the top rungs (Schelling 1960)")
    decisiveness: Q = Field(Q(0.25), description="Per-round probability that a war is decided (fitted from MID war durations)")
    trend: Q = Field(Q(0.0), description="Per-round change of the challenger's chance of winning (negative: the battlefield turns against it)")
    challenger_resolve: Q | None = Field(None, description="Prior probability that the challenger is resolute; left out, its resolve is known")
    irresolute_stake: Q = Field(Q(0.5), description="Share of its stake an irresolute challenger values, in [0, 1]")
    restrained_stake: Q = Field(Q(0.5), description="Share of its stake a restrained (irresolute) defender values, in [0, 1]")
    declarations: list[Declaration] = Field(default_factory=list, max_length=len(DECLARATIONS), description="Declarations the defender may choose itself at the start (responses or straddles); empty: its doctrine's")
    interventions: list[Response] | None = Field(None, description="The defender's instruments against a challenger that holds its gain (a fait accompli), chosen in each of the challenger's rounds; left out: every response but nuclear-response; []: the defender only answers climbs")
    counter_attack: bool = Field(True, description="Whether the target may carry the war one rung up the ladder (below the nuclear threshold) in its rounds")

    @model_validator(mode="before")
    @classmethod
    def _menu(cls, data: Any) -> Any:
        """The offers follow from the stake's divisibility when it is given (Fearon 1995 on
        indivisible stakes; Powell 2006: an indivisibility is a reason a deal both prefer may not
        exist)."""
        if not isinstance(data, dict) or data.get("divisibility") is None:
            return data
        if "offers" in data:
            raise ValueError("give process.offers or process.divisibility, not both: the divisibility sets the offers")
        kind = data["divisibility"]
        if kind not in DIVISIBILITY:
            return data  # the field's own check names the choices
        return {**data, "offers": list(DIVISIBILITY[kind])}

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
        "arms_supply_effect", "deployment_effect", "war_dissipation", "sanctions_revenue_loss", "nuclear_deterrence", "partner_shield",
        "energy_interest", "success", "monthly_discount",
    }

    signed_fields: ClassVar[frozenset[str]] = frozenset({"trend", "revenue_usd_bn_per_month"})

    crisis: EscalationCrisis | None = Field(None, description="Who challenges whom, the ladder, the balance and the effects of the non-violent responses")
    doctrines: dict[str, EscalationDoctrine] = Field(default_factory=dict, description="The defender's declared answer (or straddle) and resolve, by actor id")  # type: ignore[assignment]
    costs: EscalationCosts = Field(EscalationCosts(), description="Escalation costs, the target's and the non-violent responses' included")
    process: Process = Field(Process(), description="How the crisis unfolds over rounds")
    partners: dict[str, AftermathPartner] = Field(default_factory=dict, description="The challenger's partners, with the oil each buys from it")  # type: ignore[assignment]
    energy_discount: AftermathEnergy = Field(AftermathEnergy(), description="The energy discount as the leader's monthly choice and the reserves that pay for it")
    survival: AftermathSurvival = Field(AftermathSurvival(), description="The leader's fate month by month after the crisis; base_hazard left out reads Archigos by regime and tenure")  # type: ignore[assignment]
    interveners: dict[str, Intervener] = Field(default_factory=dict, description="Outside powers that may act to install a friendlier ruler (M9), by actor id")

    def structure_warnings(self) -> list[str]:
        """What ``brink validate`` warns of in the game's structure: every rung of the ladder that
        no sequence of choices reaches, and why (:meth:`unreachable_rungs`)."""
        return [f"{self.where('crisis.ladder')}: {message}" for message in self.unreachable_rungs()]

    def unreachable_rungs(self) -> list[str]:
        """One message per rung above Kahn 0 that no play of the game reaches, saying why and
        how to reach it: a rung below ``process.start`` (the game has no move down the ladder),
        or one above what the challenger's climbs (``max_climb`` in each of its rounds) and the
        target's counter-attacks (one conventional rung in each of its rounds) can reach."""
        cr = self.crisis
        if cr is None:
            return []
        from brink.mechanisms.ladder import NUCLEAR_RUNG

        pr = self.process
        rungs = [r for r in cr.ladder if r.rung > 0]
        names = [r.name for r in rungs]
        start = names.index(pr.start) if pr.start is not None else 0
        reach = {start}
        challenger_rounds = 0
        for r in range(pr.rounds):
            if (r % 2 == 0) == (pr.first_mover == "challenger"):
                challenger_rounds += 1
                reach |= {min(i + k, len(rungs) - 1) for i in reach for k in range(pr.max_climb + 1)}
            elif pr.counter_attack:
                reach |= {i + 1 for i in reach if i + 1 < len(rungs) and rungs[i + 1].rung < NUCLEAR_RUNG}
        top = max(reach)
        out = []
        for i, rung in enumerate(rungs):
            if i < start:
                out.append(f"rung {rung.name!r} (Kahn {rung.rung:g}) is unreachable: it lies below process.start "
                           f"{names[start]!r} and the game has no move down the ladder; start lower or drop the rung")
            elif i > top:
                out.append(
                    f"rung {rung.name!r} (Kahn {rung.rung:g}) is unreachable: from {names[start]!r} the challenger "
                    f"climbs at most {pr.max_climb} rung(s) in each of its {challenger_rounds} round(s) "
                    f"(process.rounds {pr.rounds}, first_mover {pr.first_mover}), so the highest rung any choice "
                    f"reaches is {names[top]!r}; raise process.max_climb or process.rounds, or drop the rung "
                    "(a central exchange can still follow a slip at a nuclear rung or a climb after a nuclear "
                    "answer, but this rung is never chosen)")
        return out

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
        for i, x in enumerate(self.process.interventions or []):
            if x not in cr.responses:
                raise InputError(
                    f"intervention {x!r} is not among the defender's responses",
                    self.where(f"process.interventions.{i}"), f"use one of: {', '.join(cr.responses)}",
                )
        if self.process.interventions is not None and len(set(self.process.interventions)) != len(self.process.interventions):
            raise InputError("process.interventions repeat an instrument", self.where("process.interventions"),
                             "list each instrument once")
        doctrine = self.doctrines.get(cr.defender)
        if doctrine is not None and doctrine.declared not in allowed:
            raise InputError(
                f"the declared doctrine {doctrine.declared!r} is not among the defender's responses",
                self.where(f"doctrines.{cr.defender}.declared"),
                f"declare one of: {', '.join(sorted(allowed))}, or add it to crisis.responses",
            )
