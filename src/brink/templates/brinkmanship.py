"""Brinkmanship in one round: a threat that leaves something to chance, as a template.

The Challenger backs down (the status quo) or escalates to a risk level ``r`` from a menu
``r_k = risk_max * k / levels``, ``k = 1..levels``.  Escalating runs a risk ``r`` that the
crisis slips out of control into disaster at once (Schelling's "threat that leaves
something to chance": the risk is created by the act, not chosen later).  If the crisis
survives, the Defender submits (the Challenger takes the stake) or resists; resisting runs
the same risk once more, and if the crisis survives again the Defender prevails (the
status quo).  Each side's utilities are normalised so that giving in is 0:

=====================  ===================  ==================
end                    Challenger           Defender
=====================  ===================  ==================
status quo             0                    ``V_D``
submission             ``V_C``              0
disaster               ``-d_C``             ``-d_D``
=====================  ===================  ==================

``V_C``, ``V_D`` are the stakes, ``d_C``, ``d_D`` the costs of disaster measured from giving
in.  The game has perfect information (chance moves only), so SPE solves it.

Closed forms (Schelling 1960, *The Strategy of Conflict*, ch. 8; Schelling 1966, *Arms and
Influence*, ch. 3; Powell 1987, "Crisis Bargaining, Escalation, and MAD", APSR 81(3);
Powell 1990, *Nuclear Deterrence Theory*): a side that can give in for 0 or run a risk
``r`` of disaster and otherwise win its stake ``V`` runs it iff ``(1 - r) V - r d >= 0``,
i.e. iff ``r <= V / (V + d)``, its *resolve* (the greatest risk it will run).  So

* the **Defender submits iff** ``r >= r_D = V_D / (V_D + d_D)`` (resisting is worth
  ``(1 - r) V_D - r d_D`` against 0; on a tie it submits, ``submit`` being its first action);
* a risk below ``r_D`` is resisted and leaves the Challenger ``-r d_C (2 - r) <= 0``, so the
  Challenger either backs down or escalates to ``r* = min{r_k : r_k >= r_D}``, the **least
  menu risk at or above the Defender's threshold**, worth ``(1 - r*) V_C - r* d_C``.  It
  escalates iff that is positive: iff ``r* < r_C = V_C / (V_C + d_C)`` (**Powell's bound**
  on the risk a challenger will run; on a tie it backs down, its first action), and then
  the Defender submits and disaster strikes with probability ``r*``.

Brinkmanship therefore succeeds iff the Challenger's resolve exceeds the Defender's (up to
the menu's step): the contest of resolve of Powell (1987, 1990).

Scenario section (``template: brinkmanship``)::

    game: {V_C: 1, V_D: 1, d_C: 3, d_D: 4, risk_max: 0.5, levels: 10}
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

__all__ = ["Brinkmanship", "BrinkmanshipSpec", "brinkmanship_game", "menu", "resolve"]

FloatArray = np.ndarray

#: Terminal labels.
STATUS_QUO, SUBMISSION, DISASTER, PREVAILS = (
    "status quo",
    "submission",
    "disaster",
    "defender prevails",
)


class BrinkmanshipSpec(BaseModel):
    """The ``game:`` section: stakes and costs of disaster >= 0, the riskiest level in [0, 1]."""

    model_config = ConfigDict(extra="forbid")
    V_C: float | str = 1.0
    V_D: float | str = 1.0
    d_C: float | str = 3.0  # noqa: N815 - the literature's notation
    d_D: float | str = 3.0  # noqa: N815 - the literature's notation
    risk_max: float | str = 1.0
    levels: int = Field(10, ge=1, le=1000)


def menu(risk_max: FloatArray, levels: int) -> FloatArray:
    """The risk levels ``risk_max * k / levels``, ``k = 1..levels``, as ``(S, levels)``."""
    return (
        np.asarray(risk_max, dtype=np.float64)[:, None]
        * (np.arange(1, levels + 1) / levels)[None, :]
    )


def resolve(stake: FloatArray, disaster: FloatArray) -> FloatArray:
    """The greatest risk a side runs for ``stake`` against ``disaster``: ``V / (V + d)`` (1 if both are 0)."""
    total = np.asarray(stake, dtype=np.float64) + disaster
    return np.asarray(np.divide(stake, total, out=np.ones(total.shape), where=total > 0))


def brinkmanship_game(
    V_C: FloatArray, V_D: FloatArray, d_C: FloatArray, d_D: FloatArray, risks: FloatArray
) -> Game:
    """The game for ``S`` samples: stakes and costs ``(S,)``, the menu ``risks`` ``(S, levels)``.

    The Challenger's actions are ``back down`` then the risk levels in increasing order; the
    Defender's ``submit`` then ``resist``.  Terminals are labelled ``"status quo"``,
    ``"submission"``, ``"disaster"`` and ``"defender prevails"``.
    """
    S, levels = risks.shape
    zero = np.zeros(S)
    b = TreeBuilder("Brinkmanship (Schelling 1960; Powell 1987)", ["Challenger", "Defender"])
    kids = b.move(
        b.root, "Challenger", ["back down", *(f"risk level {k}" for k in range(1, levels + 1))]
    )
    b.outcome(kids[0], np.column_stack([zero, V_D]), STATUS_QUO)
    b.label(kids[0], STATUS_QUO)
    disaster = np.column_stack([-d_C, -d_D])
    for k, node in enumerate(kids[1:]):
        r = risks[:, k]
        chance = np.column_stack([r, 1.0 - r])
        slip, safe = b.move(
            node, None, ["disaster", "safe"], probs=chance, label=f"escalation {k + 1}"
        )
        b.outcome(slip, disaster, DISASTER)
        b.label(slip, DISASTER)
        submit, resist = b.move(safe, "Defender", ["submit", "resist"])
        b.outcome(submit, np.column_stack([V_C, zero]), SUBMISSION)
        b.label(submit, SUBMISSION)
        slip, safe = b.move(
            resist, None, ["disaster", "safe"], probs=chance, label=f"resistance {k + 1}"
        )
        b.outcome(slip, disaster, DISASTER)
        b.label(slip, DISASTER)
        b.outcome(safe, np.column_stack([zero, V_D]), PREVAILS)
        b.label(safe, PREVAILS)
    return b.build()



class Brinkmanship(Template):
    """One round of brinkmanship: escalate to a shared risk of disaster, or back down."""

    name: ClassVar[str] = "brinkmanship"
    description: ClassVar[str] = (
        "Brinkmanship: the Challenger runs the least risk the Defender will not face, if within "
        "its own resolve V/(V + d) (Schelling 1960; Powell 1987, 1990)."
    )
    Spec: ClassVar[type[BaseModel] | None] = BrinkmanshipSpec
    probabilities: ClassVar[frozenset[str]] = frozenset({"risk_max"})
    nonnegative: ClassVar[frozenset[str]] = frozenset({"V_C", "V_D", "d_C", "d_D"})
    capabilities: ClassVar[Capabilities] = Capabilities(
        players=("Challenger", "Defender"),
        information_sets=False,
        solvers=("spe", "qre"),
        outcomes=("escalation", "submission", "disaster", "status_quo", "defender_prevails"),
        metrics=("payoff.*", "risk", "resolve.*", "least_coercive_risk"),
    )

    def _spec(self, scenario: Scenario) -> BrinkmanshipSpec:
        spec = self.spec(scenario)
        assert isinstance(spec, BrinkmanshipSpec)
        return spec

    def _values(self, scenario: Scenario, params: Params, n: int) -> dict[str, FloatArray]:
        spec = self._spec(scenario)
        value = ParameterValues(params, n)
        return {
            k: value(f"game.{k}", getattr(spec, k))
            for k in ("V_C", "V_D", "d_C", "d_D", "risk_max")
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
        if ((v["risk_max"] < 0) | (v["risk_max"] > 1)).any() or min(
            float(v[k].min()) for k in ("V_C", "V_D", "d_C", "d_D")
        ) < 0:
            raise InputError(
                "risk_max must lie in [0, 1] and the stakes V_C, V_D and costs d_C, d_D be >= 0",
                scenario.source or scenario.name,
                "check game.risk_max, game.V_C, game.V_D, game.d_C, game.d_D",
            )
        return brinkmanship_game(
            v["V_C"], v["V_D"], v["d_C"], v["d_D"], menu(v["risk_max"], self._spec(scenario).levels)
        )

    def outcomes(
        self, scenario: Scenario, params: Params, solution: Solution, prepared: Any = None
    ) -> dict[str, FloatArray]:
        """``escalation``: the Challenger runs a risk; ``submission``, ``disaster``,
        ``status_quo`` (it backs down), ``defender_prevails``: the four ends."""
        labels = np.asarray(solution.game.node_labels)
        reach = np.atleast_2d(solution.reach)
        sq = column_sum(reach, np.flatnonzero(labels == STATUS_QUO))
        return {
            "escalation": 1.0 - sq,
            "submission": column_sum(reach, np.flatnonzero(labels == SUBMISSION)),
            "disaster": column_sum(reach, np.flatnonzero(labels == DISASTER)),
            "status_quo": sq,
            "defender_prevails": column_sum(reach, np.flatnonzero(labels == PREVAILS)),
        }

    def metrics(
        self, scenario: Scenario, params: Params, solution: Solution, prepared: Any = None
    ) -> dict[str, FloatArray]:
        """Payoffs; ``risk``: the risk level the Challenger runs (0 if it backs down);
        ``resolve.Challenger`` / ``resolve.Defender``: ``V / (V + d)``;
        ``least_coercive_risk``: ``r*``, the least menu risk ``>= r_D`` (``nan`` if none)."""
        spec = self._spec(scenario)
        out = super().metrics(scenario, params, solution, prepared)
        game = solution.game
        reach = np.atleast_2d(solution.reach)
        n = reach.shape[0]
        v = self._values(scenario, params, n)
        risks = menu(v["risk_max"], spec.levels)
        first = game.children[game.child_ptr[0] : game.child_ptr[1]]
        risk = np.zeros(n)
        for k, node in enumerate(first[1:]):
            risk += reach[:, node] * risks[:, k]
        out["risk"] = risk
        out["resolve.Challenger"] = resolve(v["V_C"], v["d_C"])
        r_D = resolve(v["V_D"], v["d_D"])
        out["resolve.Defender"] = r_D
        coercive = risks >= r_D[:, None] - 1e-12
        least = np.where(coercive, risks, np.inf).min(axis=1)
        out["least_coercive_risk"] = np.where(np.isfinite(least), least, np.nan)
        return out


register(Brinkmanship())
