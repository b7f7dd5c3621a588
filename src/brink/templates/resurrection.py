"""Gambling for resurrection: a leader who fears punishment fights on where the state would settle.

Game form (Downs & Rocke 1994; Goemans 2000, *War and Punishment*, chs. 2-3; Chiozza &
Goemans 2011).  A war is under way.  The leader either *settles* on ``terms`` (the state's
share of the stake) or *fights on*: the state then wins the whole stake with probability
``q`` and loses it otherwise, paying ``war_cost`` either way.  At home, each ending is
judged and the leader keeps office over the horizon with probability ``s_o``
(:func:`brink.mechanisms.survival.survival_probability`: a constant hazard
``base_hazard`` scaled by the outcome's multiplier, shielded by the coalition's loyalty).
A settlement is judged by its terms against the war aims the leader announced: below
``aims`` it counts as a concession, at or above them as a stalemate (a draw that meets the
aims: neither the reward of a victory nor the punishment of a defeat).  A removed leader is
punished (jailed, exiled, killed) with probability ``pi_o``
(:func:`brink.mechanisms.survival.punishment_probability`: from 5% for democrats to
Escribà-Folch's (2013) 47% for dictators, on the loyalty norm ``1 - W/S``, with the odds
doubled after a defeat or concession).  Chance draws the war, the removal and the
punishment in the tree; the second player, ``state``, has no move and is paid the state's
value of each ending, so the solution reports both.

Payoffs: the state gets ``v`` (``terms``; ``1 - war_cost`` or ``-war_cost``); the leader gets
``v`` plus ``office_value`` if kept and minus ``punishment_cost`` if removed and punished.

Closed form.  Write ``r_o = (1 - s_o) pi_o`` (the chance of being removed and punished
after ``o``), ``E_f`` the expectation over the war's outcome (victory with ``q``, defeat
otherwise) and ``o_s`` the settlement's outcome.  The state loses by fighting on

    state_loss = terms - (q - war_cost),

and the leader's own gain from fighting on is

    leader_stake = office_value (E_f[s] - s_(o_s)) + punishment_cost (r_(o_s) - E_f[r]),

so the leader fights on iff ``leader_stake > state_loss`` (ties settle).  With no value of
office and one punishment probability ``pi`` for every ending this is

    punishment_cost * pi * (E_f[s] - s_settle) > state_loss:

the leader gambles for resurrection, fighting a war whose expected value for the state is
lower (``state_loss > 0``), exactly when the punishment cost times the drop in survival
from settling exceeds the state's loss.  With ``terms < aims`` the leader's stake is
:func:`brink.mechanisms.survival.resurrection_gamble_value` (settling as a concession).

Scenario section (``template: resurrection``)::

    game: {q: 0.3, terms: 0.5, aims: 0.8, war_cost: 0.1, winning_coalition: 0.1,
           base_hazard: 0.05, horizon_months: 36, office_value: 0, punishment_cost: 2}
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
from pydantic import BaseModel, ConfigDict

from brink.games import Game, TreeBuilder
from brink.measures import PROBABILITY, Measure
from brink.measures import register as register_measure
from brink.mechanisms.survival import WarOutcome, punishment_probability, survival_probability
from brink.templates.base import (
    Capabilities,
    Information,
    ParameterValues,
    Params,
    Template,
    column_sum,
    register,
    sample_count,
)

if TYPE_CHECKING:
    from brink.scenario import Scenario
    from brink.solvers.result import Solution

__all__ = ["Resurrection", "ResurrectionSpec", "resurrection_game", "resurrection_terms"]

FloatArray = np.ndarray

#: The endings in the tree's order: the settlement, then the war won and lost.
ENDINGS = ("settle", "victory", "defeat")


class ResurrectionSpec(BaseModel):
    """The ``game:`` section: numbers may be distributions or expressions."""

    model_config = ConfigDict(extra="forbid")
    q: float | str = 0.3
    terms: float | str = 0.5
    aims: float | str = 0.8
    war_cost: float | str = 0.1
    winning_coalition: float | str = 0.1
    base_hazard: float | str = 0.05
    horizon_months: float | str = 36.0
    office_value: float | str = 0.0
    punishment_cost: float | str = 2.0


def resurrection_terms(
    q: FloatArray, terms: FloatArray, aims: FloatArray, war_cost: FloatArray, winning_coalition: FloatArray,
    base_hazard: FloatArray, horizon_months: FloatArray,
) -> dict[str, FloatArray]:
    """Each ending's state value, survival and punishment probabilities, ``(S, 3)`` in :data:`ENDINGS` order.

    The survival and punishment probabilities are the survival mechanism's
    (:mod:`brink.mechanisms.survival`) for a selectorate of 1 and a winning coalition of
    ``winning_coalition``; the settlement is a concession below ``aims``, a stalemate at or above.
    """
    settle_as = np.where(terms < aims, list(WarOutcome).index(WarOutcome.CONCESSION),
                         list(WarOutcome).index(WarOutcome.STALEMATE))
    codes = [settle_as, np.full(q.size, list(WarOutcome).index(WarOutcome.VICTORY)),
             np.full(q.size, list(WarOutcome).index(WarOutcome.DEFEAT))]
    W = np.maximum(winning_coalition, 0.0)
    survive = np.column_stack([
        survival_probability(c, W, 1.0, 1.0, True, horizon_months, base_hazard) for c in codes
    ])
    punish = np.column_stack([punishment_probability(W, 1.0, c) for c in codes])
    value = np.column_stack([terms, 1.0 - war_cost, -war_cost])
    return {"value": value, "survive": survive, "punish": punish}


def resurrection_game(
    q: FloatArray, value: FloatArray, survive: FloatArray, punish: FloatArray, office_value: FloatArray,
    punishment_cost: FloatArray,
) -> Game:
    """The tree for ``S`` samples: ``q`` ``(S,)``, the rest ``(S, 3)`` in :data:`ENDINGS` order
    (``office_value``, ``punishment_cost``: ``(S,)``).  Terminals are labelled
    ``"<ending> kept"``, ``"<ending> punished"`` and ``"<ending> spared"``."""
    b = TreeBuilder("Gambling for resurrection (Downs & Rocke 1994; Goemans 2000)", ["leader", "state"])
    settle, fight = b.move(b.root, "leader", ["settle", "fight on"])
    ends = [settle, *b.move(fight, None, ["victory", "defeat"], probs=np.column_stack([q, 1.0 - q]), label="war")]
    for k, (ending, node) in enumerate(zip(ENDINGS, ends, strict=True)):
        s, pi, v = survive[:, k], punish[:, k], value[:, k]
        kept, removed = b.move(node, None, ["kept", "removed"], probs=np.column_stack([s, 1.0 - s]),
                               label=f"{ending}: at home")
        punished, spared = b.move(removed, None, ["punished", "spared"], probs=np.column_stack([pi, 1.0 - pi]),
                                  label=f"{ending}: after exit")
        for leaf, fate, personal in ((kept, "kept", office_value), (punished, "punished", -punishment_cost),
                                     (spared, "spared", 0.0 * v)):
            b.outcome(leaf, np.column_stack([v + personal, v]), f"{ending} {fate}")
            b.label(leaf, f"{ending} {fate}")
    return b.build()


class Resurrection(Template):
    """A leader's choice to settle or fight on, judged at home (Goemans 2000)."""

    name: ClassVar[str] = "resurrection"
    description: ClassVar[str] = (
        "Gambling for resurrection: a leader who fears punishment after removal fights on where "
        "the state would settle (Downs & Rocke 1994; Goemans 2000)."
    )
    Spec: ClassVar[type[BaseModel] | None] = ResurrectionSpec
    probabilities: ClassVar[frozenset[str]] = frozenset({"q", "terms", "aims", "winning_coalition"})
    nonnegative: ClassVar[frozenset[str]] = frozenset(
        {"war_cost", "base_hazard", "horizon_months", "office_value", "punishment_cost"}
    )
    capabilities: ClassVar[Capabilities] = Capabilities(
        players=("leader", "state"),
        information_sets=False,
        solvers=("spe", "qre"),
        outcomes=("fight_on", "settle", "leader_kept", "leader_punished"),
        metrics=("payoff.*", "state_loss", "leader_stake", "gamble_theory"),
    )

    def _terms(self, scenario: Scenario, params: Params) -> tuple[FloatArray, dict[str, FloatArray]]:
        spec = self.spec(scenario)
        assert isinstance(spec, ResurrectionSpec)
        get = ParameterValues(params, sample_count(params))
        q = get("game.q", spec.q)
        names = ("terms", "aims", "war_cost", "winning_coalition", "base_hazard", "horizon_months")
        values = [get(f"game.{k}", getattr(spec, k)) for k in names]
        return q, resurrection_terms(q, *values)

    def build(
        self, scenario: Scenario, params: Params, *, information: Information = "perfect",
        prepared: Any = None,
    ) -> Game:
        spec = self.spec(scenario)
        assert isinstance(spec, ResurrectionSpec)
        get = ParameterValues(params, sample_count(params))
        office, cost = get("game.office_value", spec.office_value), get("game.punishment_cost", spec.punishment_cost)
        q, t = self._terms(scenario, params)
        return resurrection_game(q, t["value"], t["survive"], t["punish"], office, cost)

    def outcomes(
        self, scenario: Scenario, params: Params, solution: Solution, prepared: Any = None
    ) -> dict[str, FloatArray]:
        labels = [str(x) for x in solution.game.node_labels]
        reach = np.atleast_2d(solution.reach)

        def total(test: Any) -> FloatArray:
            return column_sum(reach, [i for i, lab in enumerate(labels) if test(lab)])

        fates = ("kept", "punished", "spared")
        settle = total(lambda lab: lab in {f"settle {f}" for f in fates})
        return {
            "fight_on": 1.0 - settle,
            "settle": settle,
            "leader_kept": total(lambda lab: lab in {f"{e} kept" for e in ENDINGS}),
            "leader_punished": total(lambda lab: lab in {f"{e} punished" for e in ENDINGS}),
        }

    def metrics(
        self, scenario: Scenario, params: Params, solution: Solution, prepared: Any = None
    ) -> dict[str, FloatArray]:
        spec = self.spec(scenario)
        assert isinstance(spec, ResurrectionSpec)
        out = super().metrics(scenario, params, solution, prepared)
        get = ParameterValues(params, sample_count(params))
        office, cost = get("game.office_value", spec.office_value), get("game.punishment_cost", spec.punishment_cost)
        q, t = self._terms(scenario, params)
        war = np.column_stack([q, 1.0 - q])
        state_loss = t["value"][:, 0] - (war * t["value"][:, 1:]).sum(axis=1)
        risk = (1.0 - t["survive"]) * t["punish"]
        stake = office * ((war * t["survive"][:, 1:]).sum(axis=1) - t["survive"][:, 0])
        stake += cost * (risk[:, 0] - (war * risk[:, 1:]).sum(axis=1))
        out["state_loss"] = state_loss
        out["leader_stake"] = stake
        out["gamble_theory"] = (stake > state_loss).astype(np.float64)
        return out


#: The unit of the state's and the leader's values.
STATE_STAKE = "units of the state's stake"

for _name, _measure in {
    "fight_on": Measure("how the crisis ends", "the leader fights on rather than settle"),
    "settle": Measure("how the crisis ends", "the leader settles the war on the terms offered"),
    "leader_kept": Measure("after the war", "the leader keeps office over the horizon after the ending"),
    "leader_punished": Measure("after the war", "the leader is removed and then jailed, exiled or killed"),
    "state_loss": Measure(
        "the model's quantities", "closed form: what fighting on costs the state in expectation (settlement terms minus the war's value)", STATE_STAKE
    ),
    "leader_stake": Measure(
        "the model's quantities", "closed form: the leader's personal gain from fighting on (office kept, punishment escaped)", STATE_STAKE
    ),
    "gamble_theory": Measure(
        "the model's quantities", "1 where the closed form says the leader fights on (leader_stake > state_loss; Goemans 2000)", PROBABILITY
    ),
}.items():
    register_measure(_name, _measure)

register(Resurrection())
