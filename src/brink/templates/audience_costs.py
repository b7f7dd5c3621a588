"""Audience costs and public threats: a signalling game after Fearon (1994), as a template.

Fearon (1994, "Domestic Political Audiences and the Escalation of International
Disputes", APSR 88(3), 577-592) shows that a leader who threatens in public and then backs
down pays a cost with its domestic audience, so a public threat can reveal resolve.  This
template is the two-type signalling game of that argument (in the form of Fearon 1997,
"Signaling Foreign Policy Interests", JCR 41(1), "tying hands"), with private information
on both sides as in Fearon (1994):

1. Nature makes the Defender *high* (it values the stake at ``v_high``) with probability ``q``,
   else *low* (``v_low``), and the Challenger *resolved* (it prefers war to backing down)
   with probability ``r``, else *irresolute*.  Each side knows only its own type.
2. The Defender threatens in public or stays quiet.
3. The Challenger, seeing the threat but not the Defender's type, presses or backs down
   (backing down leaves the status quo).
4. If pressed, the Defender fights (war) or gives in: after a threat it *backs down* and pays
   the audience cost ``a``; without one it *concedes* at no extra cost.

Payoffs (Challenger, Defender of type ``t``): status quo ``(0, v_t)``; concession
``(v_C, 0)``; backing down after a threat ``(v_C, -a)``; war ``(w_C, v_t - c_D)``, with
``w_C = challenger_war_resolved > 0`` or ``challenger_war_irresolute < 0``.

The information-set version (``information="imperfect"``) is the signalling game: the
Challenger's two moves after a threat (one per Defender type) form one information set, and
so do those after silence; the Defender's moves pool the Challenger's types.  The
perfect-information version lets each later mover see every earlier chance move.

Closed form: the **separating equilibrium** -- the high type threatens, the low type stays
quiet, the irresolute Challenger backs down after a threat and presses after silence, the
resolved one always presses, the high type fights when pressed, the low type concedes when
pressed after silence (and, off the path, fights a called bluff iff ``a > c_D - v_low``) -- is
a sequential equilibrium iff

* ``v_high > c_D > v_low > 0`` (the high type fights, the low type would rather concede),
* ``challenger_war_irresolute < 0 < challenger_war_resolved`` and ``v_C > 0``, ``r < 1``, and
* the **low type's gain from bluffing is below its expected loss when called**:

      (1 - r) v_low < r min(a, c_D - v_low).

  A bluff keeps the stake ``v_low`` when the irresolute Challenger backs down (probability
  ``1 - r``); the resolved Challenger calls it, and the low type then backs down (``-a``) or,
  if ``a > c_D - v_low``, fights (``v_low - c_D``), against 0 for conceding quietly.  So the
  audience cost must exceed the bluff threshold ``a* = (1 - r) v_low / r`` (and a low type
  with tied hands must still lose: ``v_low < r c_D``).

With ``r = 0`` the condition never holds: against a Challenger who backs down from every
threat a bluff is free, and the equilibria pool or mix (Fearon 1997's semi-separating
tying-hands equilibrium).  Where the condition holds, brink's equilibrium -- the limit of
the logit QRE on the information-set version (McKelvey & Palfrey 1998) -- is this one on
every sample of the test grid (``tests/test_process_theory.py``; other equilibria exist,
e.g. pooling on silence with a threat taken for weakness, but the branch does not end
there).  Where
also ``a < c_D - v_low`` its payoffs equal the perfect-information game's (the threat
reveals the type), so the subgame-perfect solution agrees with it.

Scenario section (``template: audience-costs``)::

    game: {q: 0.5, r: 0.5, a: 0.45, v_high: 1, v_low: 0.2, c_D: 0.8}
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict

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

__all__ = [
    "AudienceCosts",
    "AudienceCostsSpec",
    "audience_costs_game",
    "bluff_threshold",
    "separating_condition",
]

FloatArray = np.ndarray

#: Terminal labels.
STATUS_QUO, CONCESSION, AUDIENCE_COST, WAR = "status quo", "concession", "audience cost", "war"
#: Nature's moves, in tree order.
DEFENDER_TYPES, CHALLENGER_TYPES = ("high", "low"), ("resolved", "irresolute")
#: The Defender's signals, in tree order.
SIGNALS = ("threaten", "stay quiet")


class AudienceCostsSpec(BaseModel):
    """The ``game:`` section: priors ``q``, ``r`` in [0, 1], the audience cost ``a >= 0``, values."""

    model_config = ConfigDict(extra="forbid")
    q: float | str = 0.5
    r: float | str = 0.5
    a: float | str = 0.45
    v_high: float | str = 1.0
    v_low: float | str = 0.2
    c_D: float | str = 0.8  # noqa: N815 - the Defender's cost of war
    v_C: float | str = 1.0  # noqa: N815 - the Challenger's value of the stake
    challenger_war_resolved: float | str = 0.2
    challenger_war_irresolute: float | str = -0.5


_NUMBERS = tuple(AudienceCostsSpec.model_fields)


def audience_costs_game(v: dict[str, FloatArray], information: Information = "perfect") -> Game:
    """The game for ``S`` samples; ``v`` holds every field of :class:`AudienceCostsSpec` as ``(S,)``.

    With ``information="imperfect"`` the Challenger's moves are keyed by its own type and the
    signal, the Defender's by its own type (and signal); otherwise every node is its own set.
    Actions: ``threaten`` / ``stay quiet``; ``press`` / ``back down``; ``fight`` then
    ``back down`` (after a threat) or ``concede``.  The Challenger's nodes are labelled
    ``"threaten (high)"`` etc.: the signal, then the Defender's type.
    """
    imperfect = information == "imperfect"
    q, r = v["q"], v["r"]
    b = TreeBuilder("Audience costs (after Fearon 1994)", ["Challenger", "Defender"])
    d_nodes = b.move(
        b.root,
        None,
        list(DEFENDER_TYPES),
        probs=np.column_stack([q, 1.0 - q]),
        label="Defender's type",
    )
    zero = np.zeros_like(q)
    war_C = {"resolved": v["challenger_war_resolved"], "irresolute": v["challenger_war_irresolute"]}
    for d_type, d_node in zip(DEFENDER_TYPES, d_nodes, strict=True):
        value = v["v_high"] if d_type == "high" else v["v_low"]
        c_nodes = b.move(
            d_node,
            None,
            list(CHALLENGER_TYPES),
            probs=np.column_stack([r, 1.0 - r]),
            label="Challenger's type",
        )
        for c_type, c_node in zip(CHALLENGER_TYPES, c_nodes, strict=True):
            signals = b.move(
                c_node,
                "Defender",
                list(SIGNALS),
                infoset=("signal", d_type) if imperfect else None,
                infoset_label=f"{d_type} type" if imperfect else "",
            )
            for signal, s_node in zip(SIGNALS, signals, strict=True):
                press, back = b.move(
                    s_node,
                    "Challenger",
                    ["press", "back down"],
                    infoset=("press", c_type, signal) if imperfect else None,
                    label=f"{signal} ({d_type})",
                    infoset_label=f"{c_type}, {signal}" if imperfect else "",
                )
                b.outcome(back, np.column_stack([zero, value]), STATUS_QUO)
                b.label(back, STATUS_QUO)
                give_in = "back down" if signal == "threaten" else "concede"
                fight, yield_ = b.move(
                    press,
                    "Defender",
                    ["fight", give_in],
                    infoset=("pressed", d_type, signal) if imperfect else None,
                    infoset_label=f"{d_type} type, {signal}, pressed" if imperfect else "",
                )
                b.outcome(fight, np.column_stack([war_C[c_type], value - v["c_D"]]), WAR)
                b.label(fight, WAR)
                if signal == "threaten":
                    b.outcome(yield_, np.column_stack([v["v_C"], -v["a"]]), AUDIENCE_COST)
                    b.label(yield_, AUDIENCE_COST)
                else:
                    b.outcome(yield_, np.column_stack([v["v_C"], zero]), CONCESSION)
                    b.label(yield_, CONCESSION)
    return b.build()


def bluff_threshold(r: FloatArray, v_low: FloatArray) -> FloatArray:
    """``a* = (1 - r) v_low / r``: the audience cost above which a low type's bluff does not pay
    (``inf`` where ``r = 0``: nothing deters a bluff that is never called)."""
    r_ = np.asarray(r, dtype=np.float64)
    return np.asarray(
        np.divide((1.0 - r_) * v_low, r_, out=np.full(r_.shape, np.inf), where=r_ > 0)
    )


def separating_condition(v: dict[str, FloatArray]) -> NDArray[np.bool_]:
    """Where the separating profile is a sequential equilibrium (strict inequalities; see the module doc)."""
    r, v_low, c_D = v["r"], v["v_low"], v["c_D"]
    return np.asarray(
        (v["v_high"] > c_D)
        & (c_D > v_low)
        & (v_low > 0)
        & (v["challenger_war_irresolute"] < 0)
        & (v["challenger_war_resolved"] > 0)
        & (v["v_C"] > 0)
        & (r < 1)
        & ((1.0 - r) * v_low < r * np.minimum(v["a"], c_D - v_low))
    )



class AudienceCosts(Template):
    """Public threats with audience costs: a signalling game after Fearon (1994)."""

    name: ClassVar[str] = "audience-costs"
    description: ClassVar[str] = (
        "Audience costs: a public threat separates resolved from bluffing Defenders when "
        "a > (1 - r) v_low / r (after Fearon 1994)."
    )
    Spec: ClassVar[type[BaseModel] | None] = AudienceCostsSpec
    probabilities: ClassVar[frozenset[str]] = frozenset({"q", "r"})
    nonnegative: ClassVar[frozenset[str]] = frozenset({"a", "c_D"})
    capabilities: ClassVar[Capabilities] = Capabilities(
        players=("Challenger", "Defender"),
        information_sets=True,
        solvers=("spe", "qre"),
        outcomes=(
            "threat",
            "threat.high",
            "threat.low",
            "press.*",
            "war",
            "status_quo",
            "concession",
            "audience_cost",
        ),
        metrics=("payoff.*", "bluff_threshold", "separating"),
    )

    def _values(self, scenario: Scenario, params: Params, n: int) -> dict[str, FloatArray]:
        spec = self.spec(scenario)
        assert isinstance(spec, AudienceCostsSpec)
        value = ParameterValues(params, n)
        return {k: value(f"game.{k}", getattr(spec, k)) for k in _NUMBERS}

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
            (v["q"] < 0)
            | (v["q"] > 1)
            | (v["r"] < 0)
            | (v["r"] > 1)
            | (v["a"] < 0)
            | (v["c_D"] < 0)
        ).any():
            raise InputError(
                "the priors q, r must lie in [0, 1] and the audience cost a and cost of war c_D be >= 0",
                scenario.source or scenario.name,
                "check game.q, game.r, game.a, game.c_D",
            )
        return audience_costs_game(v, information)

    def outcomes(
        self, scenario: Scenario, params: Params, solution: Solution, prepared: Any = None
    ) -> dict[str, FloatArray]:
        """``threat``: the Defender threatens; ``threat.high`` / ``threat.low``: given its type;
        ``press.threat`` / ``press.quiet``: the Challenger presses, given a threat / silence
        (0 where that signal is never sent); the four ends."""
        game = solution.game
        labels = np.asarray(game.node_labels)
        reach = np.atleast_2d(solution.reach)
        n = reach.shape[0]
        v = self._values(scenario, params, n)
        out: dict[str, FloatArray] = {}
        sent: dict[str, FloatArray] = {}
        for d_type, prior in (("high", v["q"]), ("low", 1.0 - v["q"])):
            both = column_sum(reach, np.flatnonzero(labels == f"threaten ({d_type})"))
            out[f"threat.{d_type}"] = np.divide(both, prior, out=np.zeros(n), where=prior > 0)
        for signal, key in (("threaten", "threat"), ("stay quiet", "quiet")):
            nodes = np.flatnonzero(np.char.startswith(labels, f"{signal} ("))
            sent[key] = column_sum(reach, nodes)
            pressed = column_sum(
                reach, game.children[game.child_ptr[nodes]]
            )  # first action: press
            out[f"press.{key}"] = np.divide(
                pressed, sent[key], out=np.zeros(n), where=sent[key] > 1e-300
            )
        out["threat"] = sent["threat"]
        for label, key in (
            (WAR, "war"),
            (STATUS_QUO, "status_quo"),
            (CONCESSION, "concession"),
            (AUDIENCE_COST, "audience_cost"),
        ):
            out[key] = column_sum(reach, np.flatnonzero(labels == label))
        return {k: np.clip(x, 0.0, 1.0) for k, x in out.items()}

    def metrics(
        self, scenario: Scenario, params: Params, solution: Solution, prepared: Any = None
    ) -> dict[str, FloatArray]:
        """Payoffs; ``bluff_threshold``: ``a* = (1 - r) v_low / r``; ``separating``: 1 where the
        separating equilibrium's condition holds, else 0."""
        out = super().metrics(scenario, params, solution, prepared)
        v = self._values(scenario, params, np.atleast_2d(solution.reach).shape[0])
        out["bluff_threshold"] = bluff_threshold(v["r"], v["v_low"])
        out["separating"] = separating_condition(v).astype(np.float64)
        return out


register(AudienceCosts())
