"""Zagare & Kilgour's rudimentary asymmetric deterrence game, as a template.

The Challenger chooses the status quo (SQ) or a demand.  Nature then makes the Defender
Hard (it prefers conflict DD to conceding DC) with probability ``p`` (its credibility) or
Soft; the Defender, knowing its type, concedes or resists.  As the Challenger moves before
nature, the game has perfect information and SPE solves it for all samples at once.

Closed forms (Zagare & Kilgour 2000, *Perfect Deterrence*, ch. 4; Kilgour & Zagare 1991,
AJPS 35(2); docs/theory.md): a Hard Defender resists and a Soft one concedes, so a demand
is worth ``(1 - p) u(DC) + p u(DD)`` to the Challenger against ``u(SQ)``.  With
``u(DC) > u(DD)`` it challenges iff

    p < c_Ch = (u_Ch(DC) - u_Ch(SQ)) / (u_Ch(DC) - u_Ch(DD)).

*Capability*: if ``u_Ch(DD) > u_Ch(SQ)`` then ``c_Ch > 1`` and no credibility deters
(the threat is not capable); if ``u_Ch(DC) < u_Ch(SQ)`` the Challenger never challenges.
The threshold metric is :func:`brink.mechanisms.alliances.credibility_threshold`, the
one every template uses (``+inf`` / ``-inf`` where ``u(DC) <= u(DD)``).

Scenario section (``template: deterrence-rudimentary``)::

    game: {p: "uniform(0, 1)", challenger_sq: 0, challenger_dc: 1, challenger_dd: -1}
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
from pydantic import BaseModel, ConfigDict

from brink.errors import InputError
from brink.games import Game, TreeBuilder
from brink.mechanisms import alliances
from brink.templates.base import (
    Capabilities,
    Information,
    ParameterValues,
    Params,
    Template,
    register,
    sample_count,
)

if TYPE_CHECKING:
    from brink.scenario import Scenario
    from brink.solvers.result import Solution

__all__ = ["DeterrenceRudimentary", "DeterrenceSpec", "deterrence_game"]

FloatArray = np.ndarray


class DeterrenceSpec(BaseModel):
    """The ``game:`` section (payoffs are utilities; only their order and ratios matter)."""

    model_config = ConfigDict(extra="forbid")
    p: float | str = 0.5
    challenger_sq: float | str = 0.0
    challenger_dc: float | str = 1.0
    challenger_dd: float | str = -1.0
    defender_sq: float | str = 1.0
    defender_dc: float | str = 0.0
    defender_dd_hard: float | str = 0.5
    defender_dd_soft: float | str = -0.5


def deterrence_game(p: FloatArray, challenger: FloatArray, defender: FloatArray) -> Game:
    """The game for ``S`` samples.

    Args:
        p: ``(S,)`` probability that the Defender is Hard.
        challenger: ``(S, 3)`` Challenger's utilities of SQ, DC, DD.
        defender: ``(S, 4)`` Defender's utilities of SQ, DC, DD if Hard, DD if Soft.

    Terminal nodes are labelled ``"SQ"``, ``"DC"`` and ``"DD"``.
    """
    b = TreeBuilder(
        "Rudimentary asymmetric deterrence (Zagare & Kilgour 2000)", ["Challenger", "Defender"]
    )
    sq, demand = b.move(b.root, "Challenger", ["status quo", "demand"])
    b.outcome(sq, np.column_stack([challenger[:, 0], defender[:, 0]]), "SQ")
    b.label(sq, "SQ")
    hard, soft = b.move(demand, None, ["hard", "soft"], probs=np.column_stack([p, 1.0 - p]))
    for node, dd in ((hard, defender[:, 2]), (soft, defender[:, 3])):
        concede, resist = b.move(node, "Defender", ["concede", "resist"])
        b.outcome(concede, np.column_stack([challenger[:, 1], defender[:, 1]]), "DC")
        b.label(concede, "DC")
        b.outcome(resist, np.column_stack([challenger[:, 2], dd]), "DD")
        b.label(resist, "DD")
    return b.build()


class DeterrenceRudimentary(Template):
    """Challenger vs a Defender of uncertain resolve (Zagare & Kilgour 2000)."""

    name: ClassVar[str] = "deterrence-rudimentary"
    description: ClassVar[str] = (
        "Rudimentary asymmetric deterrence: challenge iff credibility p < c_Ch (Zagare & Kilgour 2000)."
    )
    Spec: ClassVar[type[BaseModel] | None] = DeterrenceSpec
    capabilities: ClassVar[Capabilities] = Capabilities(
        players=("Challenger", "Defender"),
        information_sets=False,
        solvers=("spe", "qre"),
        outcomes=("challenge", "status_quo", "defender_concedes", "conflict"),
        metrics=("payoff.*", "credibility_threshold"),
    )

    def build(
        self, scenario: Scenario, params: Params, *, information: Information = "perfect",
        prepared: Any = None,
    ) -> Game:
        spec = self.spec(scenario)
        assert isinstance(spec, DeterrenceSpec)
        n = sample_count(params)
        p = ParameterValues(params, n)("game.p", spec.p)
        if ((p < 0) | (p > 1)).any():
            raise InputError(
                "game.p (the Defender's credibility) must lie in [0, 1]",
                scenario.source or scenario.name,
                "use a number or distribution within [0, 1], e.g. beta(2, 2)",
            )
        ch = np.column_stack(
            [ParameterValues(params, n)(f"game.challenger_{k}", getattr(spec, f"challenger_{k}")) for k in ("sq", "dc", "dd")]
        )
        de = np.column_stack(
            [ParameterValues(params, n)(f"game.defender_{k}", getattr(spec, f"defender_{k}")) for k in ("sq", "dc", "dd_hard", "dd_soft")]
        )
        return deterrence_game(p, ch, de)

    def outcomes(
        self, scenario: Scenario, params: Params, solution: Solution, prepared: Any = None
    ) -> dict[str, FloatArray]:
        labels = np.asarray(solution.game.node_labels)
        reach = np.atleast_2d(solution.reach)
        sq = reach[:, labels == "SQ"].sum(axis=1)
        return {
            "challenge": 1.0 - sq,
            "status_quo": sq,
            "defender_concedes": reach[:, labels == "DC"].sum(axis=1),
            "conflict": reach[:, labels == "DD"].sum(axis=1),
        }

    def metrics(
        self, scenario: Scenario, params: Params, solution: Solution, prepared: Any = None
    ) -> dict[str, FloatArray]:
        spec = self.spec(scenario)
        assert spec is not None
        out = super().metrics(scenario, params, solution, prepared)
        n = np.atleast_2d(solution.reach).shape[0]
        sq, dc, dd = (ParameterValues(params, n)(f"game.challenger_{k}", getattr(spec, f"challenger_{k}")) for k in ("sq", "dc", "dd"))
        out["credibility_threshold"] = alliances.credibility_threshold_core(dc, sq, dd)
        return out


register(DeterrenceRudimentary())
