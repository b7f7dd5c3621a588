"""Gambling for resurrection: a leader who fears punishment fights on where the state would settle.

Game form (Downs & Rocke 1994; Goemans 2000, *War and Punishment*, chs. 2-3; Chiozza &
Goemans 2011).  A war is under way.  The leader either *settles* on ``terms`` (the state's
share of the stake) or *fights on*: the state then wins the whole stake with probability
``q`` and loses it otherwise, paying ``war_cost`` either way.  At home, each ending is
judged and the leader keeps office over the horizon with probability ``s_o``
(:mod:`brink.mechanisms.survival`: a constant hazard ``base_hazard`` scaled by the
outcome's multiplier, shielded by the coalition's loyalty).  A settlement is judged by its
terms against the war aims the leader announced, as in the post-war game
(:func:`brink.aftermath.inputs.settlement_log_multiplier`): at or above ``aims`` it is a
draw (multiplier 1), and as the terms fall short its log multiplier moves linearly to a
concession's (2.5) at nothing.  A removed leader is punished (jailed, exiled, killed) with
probability ``pi_o`` (:func:`brink.mechanisms.survival.punishment_probability`: from 5% for
democrats to Escribà-Folch's (2013) 47% for dictators, on the loyalty norm ``1 - W/S``,
with the odds doubled after a defeat and by ``2 ** gap`` after a settlement whose terms fall
short of the aims by the share ``gap``).  Chance draws the war, the removal and the
punishment in the tree; the second player, ``state``, has no move and is paid the state's
value of each ending, so the solution reports both.

Payoffs: the state gets ``v`` (``terms``; ``1 - war_cost`` or ``-war_cost``); the leader gets
``v`` plus ``office_value`` if kept and minus ``punishment_cost`` if removed and punished.

Closed form.  Write ``r_o = (1 - s_o) pi_o`` (the chance of being removed and punished
after ``o``), ``E_f`` the expectation over the war's outcome (victory with ``q``, defeat
otherwise).  The state loses by fighting on

    state_loss = terms - (q - war_cost),

and the leader's own gain from fighting on is

    leader_stake = office_value (E_f[s] - s_settle) + punishment_cost (r_settle - E_f[r]),

so the leader fights on iff ``leader_stake > state_loss`` (at a tie spe mixes).  With no
value of office and one punishment probability ``pi`` for every ending this is

    punishment_cost * pi * (E_f[s] - s_settle) > state_loss:

the leader gambles for resurrection, fighting a war whose expected value for the state is
lower (``state_loss > 0``), exactly when the punishment cost times the drop in survival
from settling exceeds the state's loss.  A settlement that gives nothing of the aims
(``gap = 1``) is judged as a concession, and the leader's stake is then
:func:`brink.mechanisms.survival.resurrection_gamble_value`.  Gambling needs a settlement
judged nearly as badly as a defeat, so that victory's chance of keeping office and escaping
punishment is what fighting on buys.

Scenario section (``template: resurrection``)::

    game: {q: 0.2, terms: 0.25, aims: 1.0, war_cost: 0.1, winning_coalition: 0.1,
           base_hazard: 0.064656, horizon_months: 36, office_value: 0, punishment_cost: 12}
"""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
from pydantic import BaseModel, ConfigDict

from brink.aftermath.inputs import settlement_log_multiplier
from brink.games import Game, TreeBuilder
from brink.measures import PROBABILITY, Measure
from brink.measures import register as register_measure
from brink.mechanisms.survival import (
    OUTCOME_HAZARD_MULTIPLIERS,
    PARTNER_WEIGHT,
    WarOutcome,
    loyalty_norm,
    punishment_probability,
    survival_core,
)
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

#: The odds ratio of punishment after a defeat or concession (the survival mechanism's).
DEFEAT_ODDS_RATIO: float = inspect.signature(punishment_probability).parameters["defeat_odds_ratio"].default

#: The endings in the tree's order: the settlement, then the war won and lost.
ENDINGS = ("settle", "victory", "defeat")


class ResurrectionSpec(BaseModel):
    """The ``game:`` section: numbers may be distributions or expressions."""

    model_config = ConfigDict(extra="forbid")
    q: float | str = 0.2
    terms: float | str = 0.25
    aims: float | str = 1.0
    war_cost: float | str = 0.1
    winning_coalition: float | str = 0.1
    base_hazard: float | str = 0.05
    horizon_months: float | str = 36.0
    office_value: float | str = 0.0
    punishment_cost: float | str = 10.0


def resurrection_terms(
    q: FloatArray, terms: FloatArray, aims: FloatArray, war_cost: FloatArray, winning_coalition: FloatArray,
    base_hazard: FloatArray, horizon_months: FloatArray,
) -> dict[str, FloatArray]:
    """Each ending's state value, survival and punishment probabilities, ``(S, 3)`` in :data:`ENDINGS` order.

    The survival mechanism's (:func:`brink.mechanisms.survival.survival_core`,
    :func:`~brink.mechanisms.survival.punishment_probability`) for a selectorate of 1, a winning
    coalition of ``winning_coalition``, full partner support and a culpable leader.  The
    settlement's hazard multiplier is the post-war game's
    (:func:`brink.aftermath.inputs.settlement_log_multiplier`): ``m_settlement`` at the aims,
    moving on the log scale to ``m_concession`` as the terms fall to nothing.  The odds of
    punishment after removal move the same way, from the base rate at the aims to a
    concession's (odds times :data:`DEFEAT_ODDS_RATIO`) at nothing: ``DEFEAT_ODDS_RATIO ** gap``
    (Goemans 2000: leaders are punished for a settlement short of the aims they announced).
    """
    outcomes = list(WarOutcome)
    table = np.log([OUTCOME_HAZARD_MULTIPLIERS[o] for o in outcomes])
    S = q.size
    log_m = np.repeat(table[None, :], S, axis=0)
    settle_col, concession = outcomes.index(WarOutcome.SETTLEMENT), outcomes.index(WarOutcome.CONCESSION)
    log_m[:, settle_col] = settlement_log_multiplier(terms, aims, log_m[:, settle_col], log_m[:, concession])
    codes = [settle_col, outcomes.index(WarOutcome.VICTORY), outcomes.index(WarOutcome.DEFEAT)]
    W = np.maximum(winning_coalition, 0.0)
    lottery = np.zeros((S, len(codes), len(outcomes)))
    for u, c in enumerate(codes):
        lottery[:, u, c] = 1.0
    survive = survival_core(
        lottery, loyalty_norm(W, np.ones(S)), np.ones(S, dtype=bool), np.ones((S, len(codes))),
        np.asarray(horizon_months, dtype=np.float64), np.asarray(base_hazard, dtype=np.float64), np.exp(log_m),
        np.full(S, PARTNER_WEIGHT),
    )
    punish = np.column_stack([punishment_probability(W, 1.0, np.full(S, c)) for c in codes])
    gap = settlement_log_multiplier(terms, aims, np.zeros(S), np.ones(S))  # (1 - gap) 0 + gap 1
    punish[:, 0] = punishment_probability(W, 1.0, np.full(S, concession), defeat_odds_ratio=DEFEAT_ODDS_RATIO**gap)
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

        game = solution.game
        settle_node, fight_node = game.children[game.child_ptr[0] : game.child_ptr[1]]
        return {
            "fight_on": reach[:, fight_node].copy(),
            "settle": reach[:, settle_node].copy(),
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
