"""Preventive war as a commitment problem under shifting power (Fearon 1995; Powell 2006), as a template.

Game form.  Two states divide a pie worth 1 in each of ``T`` periods (``periods``), with a
common discount factor ``delta``.  A is the *declining* state: it wins a war started in
period ``t`` with probability ``p_t``, which falls from ``p`` in period 1 to ``p_later``
(``path: shift``: at once in period 2 and for good, the post-settlement shift of an
alliance joined or an army rebuilt; ``path: trend``: linearly, reaching ``p_later`` in
period ``T``).  B, the *rising* state, proposes in every period a share ``x_t`` of that
period's pie for A, on the grid ``0, 1/(offers-1), ..., 1``; A accepts (the period is
divided and play moves on) or fights.  A war started in period ``t`` settles every later
period: A gets ``p_t - c_A`` of each remaining period's pie and B ``1 - p_t - c_B`` (the
costs are shares of the per-period stake, Fearon's convention), so war at ``t`` is worth

    W_t = D_t (p_t - c_A)   to A,  D_t = 1 + delta + ... + delta^(T-t).

B cannot commit: every period's offer is chosen in that period, after the shift.  The game
has perfect information and no chance, so subgame-perfect equilibrium (backward induction)
solves every sample at once.

Closed form (backward induction; Fearon 1995, pp. 404-409; Powell 2006, pp. 176-184;
docs/causes-of-war.md).  Let ``V_t`` be what A gets from period ``t`` on in equilibrium,
``V_(T+1) = 0``.  In period ``t`` A accepts ``x`` iff ``x + delta V_(t+1) >= W_t``.  Peace
saves the two sides ``(c_A + c_B) D_t``, so B offers the least A accepts,

    x_t = max(W_t - delta V_(t+1), 0),

whenever that is at most the whole period's pie, 1; then ``V_t = max(W_t, delta V_(t+1))``.
When ``W_t - delta V_(t+1) > 1`` no offer B can make today buys A off, because B cannot
promise tomorrow more than A's war value then: A fights in period ``t``.  War happens in
the first period where that holds (``V_t = W_t`` there, so the recursion is the same).

With one shift (``path: shift``: ``p_1 = p``, ``p_t = p'`` after, ``p' >= c_A``) every
later period's need is ``p' - c_A < 1`` (``V_t = W_t`` from period 2 on), so war can only
come at once, and A fights in period 1 iff

    D_1 (p - c_A) - delta D_2 (p' - c_A) > 1   <=>   delta D_2 (p - p') > 1 - p + c_A.

With two periods (``D_2 = 1``) that is ``delta (p - p') > 1 - p + c_A``, and otherwise B
offers ``x_1 = (1 + delta)(p - c_A) - delta (p' - c_A)`` and ``x_2 = p' - c_A``.  The
right-hand side ``1 - p + c_A = (c_A + c_B) + (1 - p - c_B)`` is the room in today's pie
above A's war payoff: the bargaining range plus B's own war share.  As ``T`` grows,
``D_2 -> 1 / (1 - delta)`` and the condition becomes ``delta (p - p') > (1 - delta)(1 - p
+ c_A)``: Powell's (2006) large, rapid shift, the discounted loss of power set against one
period's flow.  This is Powell's condition for this game form: bargaining breaks down when
the shift is larger than what the rising state can hand over today, since from tomorrow on
it will give the declining state no more than its (smaller) war payoff.  With ``p' < c_A``
the term in ``p'`` is 0 (A takes any offer later) and war needs ``D_1 (p - c_A) > 1``.

On the grid each offer is rounded up to the next grid point, so an offer is off its closed
form by less than one step per period still to come, and the condition's boundary moves
by as much.  ``offer_needed`` and ``preventive_war_theory`` are the continuous closed form.

In a sample where war comes in period 1 every offer is refused, so B is indifferent among
them: spe reports the tie as a uniform mix over the offers, and ``offer`` there is their mean.

Scenario section (``template: commitment``)::

    game: {p: 0.8, p_later: 0.4, c_A: 0.05, c_B: 0.05, delta: 0.9, periods: 2, offers: 17, path: shift}
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from brink.errors import InputError
from brink.games import Game, TreeBuilder
from brink.measures import PROBABILITY, Measure
from brink.measures import register as register_measure
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

__all__ = ["Commitment", "CommitmentSpec", "commitment_closed_form", "power_path"]

FloatArray = np.ndarray

#: Largest tree the template builds (nodes): ``offers ** periods`` grows fast.
MAX_NODES = 400_000


class CommitmentSpec(BaseModel):
    """The ``game:`` section: numbers may be distributions or expressions."""

    model_config = ConfigDict(extra="forbid")
    p: float | str = 0.6
    p_later: float | str = 0.3
    c_A: float | str = 0.1  # noqa: N815 - Fearon's notation
    c_B: float | str = 0.1  # noqa: N815 - Fearon's notation
    delta: float | str = 0.9
    periods: int = Field(2, ge=2, le=5)
    offers: int = Field(17, ge=2, le=201)
    path: Literal["shift", "trend"] = "shift"


def power_path(p: FloatArray, p_later: FloatArray, periods: int, path: str) -> FloatArray:
    """``(S, T)``: A's probability of winning a war started in each period."""
    t = np.arange(periods, dtype=np.float64)
    weight = (t > 0).astype(np.float64) if path == "shift" else t / (periods - 1)
    return np.asarray(p[:, None] + (p_later - p)[:, None] * weight[None, :], dtype=np.float64)


def _horizons(delta: FloatArray, periods: int) -> FloatArray:
    """``(S, T)``: ``D_t = 1 + delta + ... + delta^(T-t)``, the remaining periods' weight."""
    out = np.zeros((delta.size, periods))
    acc = np.zeros(delta.size)
    for t in range(periods - 1, -1, -1):
        acc = 1.0 + delta * acc
        out[:, t] = acc
    return out


def commitment_closed_form(
    p_t: FloatArray, c_A: FloatArray, delta: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """The continuous closed form: what A needs in each period and where war comes.

    Args:
        p_t: ``(S, T)`` A's probability of winning a war started in each period.
        c_A: ``(S,)`` A's cost of war per period of the stake.
        delta: ``(S,)`` the discount factor.

    Returns:
        ``need`` ``(S, T)``: ``W_t - delta V_(t+1)``, the least share of period ``t``'s pie
        that keeps A at peace (peace holds in ``t`` iff it is at most 1), and ``war_period``
        ``(S,)``: the first period (1-based) with ``need > 1``, 0 where peace holds throughout.
    """
    S, T = p_t.shape
    W = _horizons(delta, T) * (p_t - c_A[:, None])
    need = np.zeros((S, T))
    V_next = np.zeros(S)
    for t in range(T - 1, -1, -1):
        need[:, t] = W[:, t] - delta * V_next
        V_next = np.maximum(W[:, t], delta * V_next)
    fights = need > 1.0
    war_period = np.where(fights.any(axis=1), fights.argmax(axis=1) + 1, 0)
    return need, war_period.astype(np.float64)


@lru_cache(maxsize=8)
def _skeleton(periods: int, offers: int) -> tuple[Game, np.ndarray, np.ndarray]:
    """The tree (dummy payoffs), and per outcome the accepted offers ``(outcomes, T)`` and the
    war period (1-based; 0 for peace throughout)."""
    grid = np.linspace(1.0, 0.0, offers)  # from 1 down, the most generous first
    b = TreeBuilder("Preventive war under shifting power (Fearon 1995; Powell 2006)", ["A", "B"])
    accepted: list[np.ndarray] = []
    war_at: list[int] = []
    dummy = np.zeros(2)

    def period(node: int, t: int, taken: np.ndarray) -> None:
        kids = b.move(node, "B", [f"offer {x:.4g}" for x in grid], label=f"period {t}")
        for x, kid in zip(grid, kids, strict=True):
            accept, fight = b.move(kid, "A", ["accept", "war"])
            b.outcome(fight, dummy, f"war {t}")
            b.label(fight, f"war {t}")
            accepted.append(taken.copy())
            war_at.append(t)
            now = taken.copy()
            now[t - 1] = x
            if t == periods:
                b.outcome(accept, dummy, "deal")
                b.label(accept, "deal")
                accepted.append(now)
                war_at.append(0)
            else:
                period(accept, t + 1, now)

    period(b.root, 1, np.zeros(periods))
    return b.build(), np.array(accepted), np.array(war_at)


def _node_count(periods: int, offers: int) -> int:
    """Nodes of the tree: the last period's subtree has ``1 + 3 offers`` (B's move, A's answers
    and their two ends), an earlier one ``1 + offers (2 + the next period's)``."""
    size = 1 + 3 * offers
    for _ in range(periods - 1):
        size = 1 + offers * (2 + size)
    return size


class Commitment(Template):
    """Preventive war: a declining state facing a rising one that cannot commit (Powell 2006)."""

    name: ClassVar[str] = "commitment"
    description: ClassVar[str] = (
        "Shifting power: the rising side proposes each period and cannot commit; war iff the "
        "discounted shift exceeds what it can give today (Fearon 1995; Powell 2006)."
    )
    Spec: ClassVar[type[BaseModel] | None] = CommitmentSpec
    probabilities: ClassVar[frozenset[str]] = frozenset({"p", "p_later", "delta"})
    nonnegative: ClassVar[frozenset[str]] = frozenset({"c_A", "c_B"})
    capabilities: ClassVar[Capabilities] = Capabilities(
        players=("A", "B"),
        information_sets=False,
        solvers=("spe", "qre"),  # QRE refuses trees of over 1,000 personal actions (offers > 17)
        outcomes=("war", "war_now", "deal"),
        metrics=("payoff.*", "offer", "offer_needed", "preventive_war_theory"),
    )

    def _spec(self, scenario: Scenario) -> CommitmentSpec:
        spec = self.spec(scenario)
        assert isinstance(spec, CommitmentSpec)
        return spec

    def check(self, scenario: Scenario) -> None:
        spec = self._spec(scenario)
        nodes = _node_count(spec.periods, spec.offers)
        if nodes > MAX_NODES:
            raise InputError(
                f"game.offers = {spec.offers} over game.periods = {spec.periods} makes a tree of "
                f"{nodes:,} nodes (at most {MAX_NODES:,})",
                scenario.source or scenario.name,
                "use fewer offers or periods, e.g. offers: 21 with periods: 3",
            )

    def _inputs(self, scenario: Scenario, params: Params) -> tuple[FloatArray, ...]:
        spec = self._spec(scenario)
        n = sample_count(params)
        get = ParameterValues(params, n)
        p, p_later = get("game.p", spec.p), get("game.p_later", spec.p_later)
        c_A, c_B, delta = get("game.c_A", spec.c_A), get("game.c_B", spec.c_B), get("game.delta", spec.delta)
        return power_path(p, p_later, spec.periods, spec.path), c_A, c_B, delta

    def build(
        self, scenario: Scenario, params: Params, *, information: Information = "perfect",
        prepared: Any = None,
    ) -> Game:
        spec = self._spec(scenario)
        p_t, c_A, c_B, delta = self._inputs(scenario, params)
        skeleton, accepted, war_at = _skeleton(spec.periods, spec.offers)
        S = delta.size
        discount = np.ones((S, spec.periods))
        for t in range(1, spec.periods):
            discount[:, t] = discount[:, t - 1] * delta
        war_value = _horizons(delta, spec.periods) * discount  # weight of a war started in t
        pay = np.zeros((S, accepted.shape[0], 2))
        for t in range(spec.periods):
            x = accepted[:, t]
            taken = war_at > t + 1  # period t+1 divided peacefully before a later war ...
            taken |= war_at == 0  # ... or in a peace that lasts
            pay[:, :, 0] += discount[:, t : t + 1] * np.where(taken, x, 0.0)[None, :]
            pay[:, :, 1] += discount[:, t : t + 1] * np.where(taken, 1.0 - x, 0.0)[None, :]
            war = war_at == t + 1
            pay[:, war, 0] += (war_value[:, t] * (p_t[:, t] - c_A))[:, None]
            pay[:, war, 1] += (war_value[:, t] * (1.0 - p_t[:, t] - c_B))[:, None]
        return skeleton.with_samples(outcome_payoffs=pay)

    def outcomes(
        self, scenario: Scenario, params: Params, solution: Solution, prepared: Any = None
    ) -> dict[str, FloatArray]:
        labels = np.asarray(solution.game.node_labels)
        reach = np.atleast_2d(solution.reach)
        war = column_sum(reach, [i for i, lab in enumerate(labels) if str(lab).startswith("war ")])
        return {
            "war": war,
            "war_now": column_sum(reach, np.flatnonzero(labels == "war 1")),
            "deal": 1.0 - war,
        }

    def metrics(
        self, scenario: Scenario, params: Params, solution: Solution, prepared: Any = None
    ) -> dict[str, FloatArray]:
        spec = self._spec(scenario)
        out = super().metrics(scenario, params, solution, prepared)
        game = solution.game
        reach = np.atleast_2d(solution.reach)
        first = game.children[game.child_ptr[0] : game.child_ptr[1]]
        offer = np.zeros(reach.shape[0])
        for x, node in zip(np.linspace(1.0, 0.0, spec.offers), first, strict=True):
            offer += reach[:, node] * x
        out["offer"] = offer
        p_t, c_A, _, delta = self._inputs(scenario, params)
        need, war_period = commitment_closed_form(p_t, c_A, delta)
        out["offer_needed"] = need[:, 0]
        out["preventive_war_theory"] = (war_period > 0).astype(np.float64)
        return out


for _name, _measure in {
    "war_now": Measure("how the crisis ends", "the declining state fights at once, before the shift (preventive war)"),
    "offer_needed": Measure(
        "the model's quantities",
        "closed form: the least share of today's pie that keeps the declining state at peace (war if above 1)",
        "share of the period's pie",
    ),
    "preventive_war_theory": Measure(
        "the model's quantities", "1 where the closed form says the declining state fights (Powell 2006)", PROBABILITY
    ),
}.items():
    register_measure(_name, _measure)

register(Commitment())
