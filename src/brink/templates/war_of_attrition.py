"""A complete-information war of attrition with a finite horizon, as a template.

Two players contest a prize (worth ``V_A`` to A, ``V_B`` to B) over at most ``T`` rounds
(``rounds``).  Moves alternate within a round -- A quits or fights on, then B quits or
fights on -- so the game has perfect information and backward induction solves it (brink's
choice; the simultaneous-move game in continuous time is Hendricks, Weiss & Wilson's 1988).
A player who quits gives the prize to the other; each round that both fight costs A ``c_A``
(``cost_A``) and B ``c_B`` (``cost_B``).  So if A quits in round ``t``, A gets
``-c_A (t - 1)`` and B ``V_B - c_B (t - 1)``; if B quits in round ``t``, A gets
``V_A - c_A (t - 1)`` and B ``-c_B (t - 1)``.  If both fight through round ``T`` the horizon
decides: A wins the prize with probability ``p`` (a final battle, an arbiter), so A gets
``p V_A - c_A T`` and B ``(1 - p) V_B - c_B T``.

Closed form (backward induction; Maynard Smith 1974, J. Theor. Biol. 47, 209-221, for the
game; Fudenberg & Tirole 1991, *Game Theory*, sec. 4.5, and Hendricks, Weiss & Wilson 1988,
IER 29(4), 663-680, for its complete-information equilibria).  Costs already paid are sunk,
so with ``k`` rounds left a player fights on to the horizon only if its expected prize there
beats ``k`` more rounds of cost.  A player's *endurance* is the most rounds it would fight
for the horizon prize (``pi > k c`` with ``pi = p V_A`` or ``(1 - p) V_B``),

    K_A = max(ceil(p V_A / c_A) - 1, 0),   K_B = max(ceil((1 - p) V_B / c_B) - 1, 0),

where an indifferent player is taken to quit (the closed form's pure profile).  brink's
``spe`` instead mixes uniformly over tied best actions (its tie rule, ``docs/solvers-spe.md``),
so where a prize is exactly a whole number of rounds' cost the solved game mixes over quitting
and fighting there and the figures below hold off such ties (``tests/test_process_theory.py``
uses grids without them).  Then:

* if ``K_A >= T`` and ``K_B >= T``, both fight to the horizon (no one quits);
* otherwise the player of *lower endurance quits at once*, in round 1, and the other takes
  the prize without a fight: B if ``K_B <= K_A`` (B, moving second in a round, is the first
  to be asked once the horizon is ``K + 1`` rounds away, so equal endurance goes against
  it), A if ``K_A < K_B``.  Unravelling: once the loser is sure to quit next round, the
  winner fights one more round for the whole prize (B as winner needs ``V_B > c_B``, which
  ``K_B > K_A >= 0`` implies; A as winner moves first in the round and needs only
  ``V_A > 0``), so the loser, facing a fight it will lose, quits a round earlier, and so on
  back to round 1.  Over the whole profile: with ``k`` rounds left the loser quits iff
  ``k > K_loser``, and the winner always fights.

So the finite horizon selects, among the complete-information equilibria (one side concedes
at once, or both mix), the one in which the side of lower endurance concedes at once; no
round is fought unless both fight to the horizon.

Scenario section (``template: war-of-attrition``)::

    game: {p: 0.5, V_A: 1, V_B: 1, cost_A: 0.1, cost_B: 0.15, rounds: 8}
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from brink.errors import InputError
from brink.games import Game, TreeBuilder
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

__all__ = ["WarOfAttrition", "WarOfAttritionSpec", "endurance", "war_of_attrition_game"]

FloatArray = np.ndarray

#: Terminal labels.
A_QUITS, B_QUITS, HORIZON = "A quits", "B quits", "horizon"


class WarOfAttritionSpec(BaseModel):
    """The ``game:`` section: prizes > 0, costs per round > 0, ``p`` in [0, 1]."""

    model_config = ConfigDict(extra="forbid")
    p: float | str = 0.5
    V_A: float | str = 1.0
    V_B: float | str = 1.0
    cost_A: float | str = 0.1  # noqa: N815 - player names
    cost_B: float | str = 0.1  # noqa: N815 - player names
    rounds: int = Field(8, ge=1, le=500)


def war_of_attrition_game(
    p: FloatArray, V_A: FloatArray, V_B: FloatArray, c_A: FloatArray, c_B: FloatArray, rounds: int
) -> Game:
    """The game for ``S`` samples (every argument but ``rounds`` ``(S,)``).

    Each round is A's move ``quit``/``fight`` then B's; terminals are labelled ``"A quits"``,
    ``"B quits"`` and ``"horizon"``, in round order along the chain of ``fight`` moves.
    """
    b = TreeBuilder("War of attrition (Maynard Smith 1974; complete information)", ["A", "B"])
    node = b.root
    for t in range(1, rounds + 1):
        sunk_A, sunk_B = c_A * (t - 1), c_B * (t - 1)
        a_quit, a_fight = b.move(node, "A", ["quit", "fight"], label=f"round {t}")
        b.outcome(a_quit, np.column_stack([-sunk_A, V_B - sunk_B]), A_QUITS)
        b.label(a_quit, A_QUITS)
        b_quit, node = b.move(a_fight, "B", ["quit", "fight"])
        b.outcome(b_quit, np.column_stack([V_A - sunk_A, -sunk_B]), B_QUITS)
        b.label(b_quit, B_QUITS)
    b.outcome(
        node, np.column_stack([p * V_A - c_A * rounds, (1.0 - p) * V_B - c_B * rounds]), HORIZON
    )
    b.label(node, HORIZON)
    return b.build()


def endurance(prize: FloatArray, cost: FloatArray, rounds: int) -> FloatArray:
    """The most rounds (``0..rounds``) a player fights for an expected horizon prize ``prize``
    at ``cost`` a round: the largest ``k <= rounds`` with ``prize > k cost`` (0 if none).

    Counted, not divided, so that it follows the game's comparisons: a margin
    ``prize - k cost`` within ``1e-9`` (relative) of 0 is a tie, and the closed form counts a
    tie as quitting (brink's ``spe`` ties within ``1e-12`` and mixes uniformly over quitting
    and fighting there; exact ties such as ``0.5 * 2 - 2 * 0.5`` fall in both).
    """
    pr, c = np.asarray(prize, dtype=np.float64), np.asarray(cost, dtype=np.float64)
    k = np.arange(1, rounds + 1)[None, :]
    margin = pr[:, None] - k * c[:, None]
    willing = margin > 1e-9 * (1.0 + np.abs(pr[:, None]) + k * np.abs(c[:, None]))
    return np.asarray(willing.sum(axis=1), dtype=np.float64)



class WarOfAttrition(Template):
    """Finite-horizon war of attrition with complete information and alternating moves."""

    name: ClassVar[str] = "war-of-attrition"
    description: ClassVar[str] = (
        "War of attrition, complete information: the side of lower endurance quits at once "
        "(Maynard Smith 1974; Fudenberg & Tirole 1991)."
    )
    Spec: ClassVar[type[BaseModel] | None] = WarOfAttritionSpec
    nonnegative: ClassVar[frozenset[str]] = frozenset({"V_A", "V_B", "cost_A", "cost_B"})
    capabilities: ClassVar[Capabilities] = Capabilities(
        players=("A", "B"),
        information_sets=False,
        solvers=("spe", "qre"),
        outcomes=("quit.A", "quit.B", "horizon", "immediate"),
        metrics=("payoff.*", "rounds_fought", "endurance.*"),
    )

    def _spec(self, scenario: Scenario) -> WarOfAttritionSpec:
        spec = self.spec(scenario)
        assert isinstance(spec, WarOfAttritionSpec)
        return spec

    def _values(self, scenario: Scenario, params: Params, n: int) -> dict[str, FloatArray]:
        spec = self._spec(scenario)
        value = ParameterValues(params, n)
        return {
            k: value(f"game.{field}", getattr(spec, field))
            for k, field in (
                ("p", "p"),
                ("V_A", "V_A"),
                ("V_B", "V_B"),
                ("c_A", "cost_A"),
                ("c_B", "cost_B"),
            )
        }

    def build(
        self,
        scenario: Scenario,
        params: Params,
        *,
        information: Information = "perfect",
        prepared: Any = None,
    ) -> Game:
        v = self._values(scenario, params, sample_count(params))
        if (
            (v["p"] < 0)
            | (v["p"] > 1)
            | (v["V_A"] <= 0)
            | (v["V_B"] <= 0)
            | (v["c_A"] <= 0)
            | (v["c_B"] <= 0)
        ).any():
            raise InputError(
                "p must lie in [0, 1], the prizes V_A, V_B and the costs per round cost_A, cost_B must be > 0",
                scenario.source or scenario.name,
                "check game.p, game.V_A, game.V_B, game.cost_A, game.cost_B",
            )
        return war_of_attrition_game(
            v["p"], v["V_A"], v["V_B"], v["c_A"], v["c_B"], self._spec(scenario).rounds
        )

    def outcomes(
        self, scenario: Scenario, params: Params, solution: Solution, prepared: Any = None
    ) -> dict[str, FloatArray]:
        """``quit.A`` / ``quit.B``: the war ends with A's / B's quitting; ``horizon``: both fight
        through round ``T``; ``immediate``: it ends in round 1 with no round fought."""
        game = solution.game
        labels = np.asarray(game.node_labels)
        reach = np.atleast_2d(solution.reach)
        first = game.children[game.child_ptr[0] : game.child_ptr[1]]
        first_b = game.children[game.child_ptr[first[1]] : game.child_ptr[first[1] + 1]]
        return {
            "quit.A": column_sum(reach, np.flatnonzero(labels == A_QUITS)),
            "quit.B": column_sum(reach, np.flatnonzero(labels == B_QUITS)),
            "horizon": column_sum(reach, np.flatnonzero(labels == HORIZON)),
            "immediate": reach[:, first[0]] + reach[:, first_b[0]],
        }

    def metrics(
        self, scenario: Scenario, params: Params, solution: Solution, prepared: Any = None
    ) -> dict[str, FloatArray]:
        """Payoffs; ``rounds_fought``: expected rounds in which both fought; ``endurance.A`` /
        ``endurance.B``: the closed form's ``K_A``, ``K_B`` (capped at ``T``)."""
        spec = self._spec(scenario)
        out = super().metrics(scenario, params, solution, prepared)
        game = solution.game
        reach = np.atleast_2d(solution.reach)
        n = reach.shape[0]
        labels = game.node_labels
        fought = np.zeros(n)
        # a quit in round t (at depth 2t - 1 or 2t) follows t - 1 fought rounds
        for v in game.terminals:
            rounds = spec.rounds if labels[v] == HORIZON else (int(game.depth[v]) - 1) // 2
            fought += reach[:, v] * float(rounds)
        out["rounds_fought"] = fought
        v = self._values(scenario, params, n)
        out["endurance.A"] = endurance(v["p"] * v["V_A"], v["c_A"], spec.rounds)
        out["endurance.B"] = endurance((1.0 - v["p"]) * v["V_B"], v["c_B"], spec.rounds)
        return out


register(WarOfAttrition())
