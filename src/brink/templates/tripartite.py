"""A Tripartite Crisis Game (Challenger, Defender, Protégé) with firm, no or straddled commitment.

After Zagare & Kilgour (2003, "Alignment patterns, crisis bargaining, and extended
deterrence", ISQ 47) and Zagare (2011, *The Games of July*): the Defender first commits
to its Protégé **firmly**, **not at all**, or **straddles** (an ambiguous commitment).
This is brink's own simplified tree, of complete information, solved by SPE:

1. Defender: ``firm`` / ``none`` / ``straddle`` (commitment cost ``k_F``, 0, ``k_S``).
2. Challenger: ``status quo`` (0 to all) or ``challenge`` the Protégé.
3. Protégé: ``concede`` (Challenger wins) or ``resist``.
4. Defender: ``support`` the Protégé or ``abandon`` it (a local war, Protégé alone;
   abandoning costs the audience/reputation cost ``a_k``: ``a_F``, 0, ``a_S``).
5. After support, Challenger: ``back down`` or ``fight`` (general war).

Payoffs (Challenger, Defender, Protégé), every Defender payoff minus its commitment cost::

    status quo      (0,            0,           0)
    concession      (win,          -loss,       concede)
    local war       (local_war,    -loss - a_k, local_war)
    back down       (back_down,    -mobilise,   back_down)
    general war     (war,          -war,        war)

Conditions derived by backward induction (what ``tests/test_theory_games.py`` checks):

* The Challenger is **determined** iff it prefers fighting to backing down:
  ``war_Ch > back_down_Ch``.
* After commitment ``k`` the Defender supports iff its value of support (``-war_D`` if
  the Challenger is determined, else ``-mobilise``) exceeds ``-loss - a_k``.
* The Protégé resists iff the continuation (its war or back-down payoff if supported,
  its local-war payoff if abandoned) beats conceding.
* The Challenger challenges iff the continuation beats the status quo (0).
* **A straddle fails against a determined Challenger** (July 1914): when
  ``a_S < war_D - loss`` the Defender abandons after a straddle, so a Protégé that prefers
  conceding to fighting alone concedes and the Challenger challenges; against a
  Challenger that would back down, the same straddle deters (when ``a_S > mobilise - loss``)
  at less cost than a firm commitment.

With the default numbers: a non-determined Challenger is deterred by a straddle (the
Defender's cheapest deterrent); a determined Challenger with ``war_Ch < 0`` is deterred
only by a firm commitment; a determined Challenger with ``war_Ch > 0`` fights a firm
Defender, so the Defender commits to nothing and the Protégé concedes.

Scenario section (``template: tripartite-crisis``)::

    game: {challenger_war: -0.2, audience_straddle: 0.3}
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
from pydantic import BaseModel, ConfigDict

from brink.games import Game, TreeBuilder
from brink.templates.base import (
    Capabilities,
    Information,
    ParameterValues,
    Params,
    Template,
    register,
)

if TYPE_CHECKING:
    from brink.scenario import Scenario
    from brink.solvers.result import Solution

__all__ = ["COMMITMENTS", "TripartiteCrisis", "TripartiteSpec", "tripartite_game"]

FloatArray = np.ndarray

#: The Defender's first move, in tree order.
COMMITMENTS = ("firm", "none", "straddle")
#: Terminal labels.
ENDINGS = ("status-quo", "concession", "local-war", "back-down", "war")


class TripartiteSpec(BaseModel):
    """The ``game:`` section; Defender costs are positive numbers subtracted from its payoff."""

    model_config = ConfigDict(extra="forbid")
    challenger_win: float | str = 1.0
    challenger_local_war: float | str = 0.5
    challenger_back_down: float | str = -0.5
    challenger_war: float | str = -0.2
    protege_concede: float | str = -1.0
    protege_local_war: float | str = -1.5
    protege_back_down: float | str = 0.5
    protege_war: float | str = -0.5
    defender_loss: float | str = 0.3
    defender_mobilise: float | str = 0.5
    defender_war: float | str = 1.0
    audience_firm: float | str = 1.0
    audience_straddle: float | str = 0.3
    cost_firm: float | str = 0.2
    cost_straddle: float | str = 0.05


def tripartite_game(v: dict[str, FloatArray]) -> Game:
    """The game for ``S`` samples from ``v``: every field of :class:`TripartiteSpec` as ``(S,)``."""
    b = TreeBuilder(
        "Tripartite crisis (after Zagare & Kilgour 2003)", ["Challenger", "Defender", "Protege"]
    )
    audience = {
        "firm": v["audience_firm"],
        "none": 0.0 * v["audience_firm"],
        "straddle": v["audience_straddle"],
    }
    cost = {"firm": v["cost_firm"], "none": 0.0 * v["cost_firm"], "straddle": v["cost_straddle"]}

    def end(node: int, label: str, ch: FloatArray, de: FloatArray, pr: FloatArray, k: str) -> None:
        b.outcome(node, np.column_stack([ch, de - cost[k], pr]), label)
        b.label(node, label)

    zero = 0.0 * v["cost_firm"]
    for k, node in zip(COMMITMENTS, b.move(b.root, "Defender", list(COMMITMENTS)), strict=True):
        sq, challenge = b.move(node, "Challenger", ["status quo", "challenge"])
        end(sq, "status-quo", zero, zero, zero, k)
        concede, resist = b.move(challenge, "Protege", ["concede", "resist"])
        end(
            concede, "concession", v["challenger_win"], -v["defender_loss"], v["protege_concede"], k
        )
        support, abandon = b.move(resist, "Defender", ["support", "abandon"])
        end(
            abandon,
            "local-war",
            v["challenger_local_war"],
            -v["defender_loss"] - audience[k],
            v["protege_local_war"],
            k,
        )
        back, fight = b.move(support, "Challenger", ["back down", "fight"])
        end(
            back,
            "back-down",
            v["challenger_back_down"],
            -v["defender_mobilise"],
            v["protege_back_down"],
            k,
        )
        end(fight, "war", v["challenger_war"], -v["defender_war"], v["protege_war"], k)
    return b.build()


class TripartiteCrisis(Template):
    """Extended deterrence with a Protégé and a firm / no / straddled commitment."""

    name: ClassVar[str] = "tripartite-crisis"
    description: ClassVar[str] = (
        "Challenger, Defender, Protégé: firm commitment, none, or a straddle (after Zagare & Kilgour 2003)."
    )
    Spec: ClassVar[type[BaseModel] | None] = TripartiteSpec
    capabilities: ClassVar[Capabilities] = Capabilities(
        players=("Challenger", "Defender", "Protege"),
        information_sets=False,
        solvers=("spe", "qre"),
        outcomes=("status_quo", "concession", "local_war", "back_down", "war", "challenge", "commit_*"),
        metrics=("payoff.*",),
    )

    def build(
        self, scenario: Scenario, params: Params, *, information: Information = "perfect",
        prepared: Any = None,
    ) -> Game:
        spec = self.spec(scenario)
        assert spec is not None
        value = ParameterValues(params)
        return tripartite_game(
            {name: value(f"game.{name}", getattr(spec, name)) for name in TripartiteSpec.model_fields}
        )

    def outcomes(
        self, scenario: Scenario, params: Params, solution: Solution, prepared: Any = None
    ) -> dict[str, FloatArray]:
        game = solution.game
        labels = np.asarray(game.node_labels)
        reach = np.atleast_2d(solution.reach)
        out = {e.replace("-", "_"): reach[:, labels == e].sum(axis=1) for e in ENDINGS}
        out["challenge"] = 1.0 - out["status_quo"]
        first = game.children[game.child_ptr[0] : game.child_ptr[1]]
        for k, node in zip(COMMITMENTS, first, strict=True):
            out[f"commit_{k}"] = reach[:, node]
        return out


register(TripartiteCrisis())
