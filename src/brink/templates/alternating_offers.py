"""Alternating-offers bargaining over a pie (Rubinstein 1982; Stahl 1972), as a template.

Players A and B split a pie of size 1 in at most ``T`` rounds (``rounds``).  A proposes in
odd rounds, B in even ones; a proposal is the proposer's own share ``x`` on the grid
``0, 1/n, ..., 1`` (``n = grid``, so ``n + 1`` proposals).  The responder accepts (the game
ends: in round ``t`` the proposer gets ``delta_P^(t-1) x`` and the responder
``delta_R^(t-1) (1 - x)``) or rejects (the next round begins).  If round ``T`` ends without
agreement, bargaining breaks down: A gets ``-breakdown_A`` and B ``-breakdown_B`` (0 by
default, as in Stahl's game; a positive cost of breakdown removes the last responder's
indifference between accepting nothing and breaking down, and changes nothing else).
The game has perfect information; backward induction solves all samples at once.

Closed forms (Stahl 1972, *Time and Bargaining*; Rubinstein 1982, "Perfect Equilibrium in a
Bargaining Model", Econometrica 50(1), 97-109; Osborne & Rubinstein 1990, *Bargaining and
Markets*, ch. 3), with ``x_t`` the share the round-``t`` proposer keeps:

* **The last proposer takes all**: ``x_T = 1`` (the responder accepts nothing rather than
  break down).  With ``breakdown = 0`` a responder offered nothing is indifferent: the closed
  form takes it to accept, while brink's ``spe``, which mixes uniformly over tied best
  actions, accepts with probability 1/2, so for ``n > 2`` the last proposer keeps
  ``1 - 1/n`` instead; a positive ``breakdown`` removes that tie and gives ``x_T = 1``.
* **Backward recursion** (continuous shares): ``x_t = 1 - delta_R x_{t+1}``, where
  ``delta_R`` is the round-``t`` responder's discount factor: the responder accepts exactly
  what it would get by proposing next round, discounted.
* **On the grid**, with a responder taken to accept on a tie, the proposer keeps the largest
  grid share the responder accepts:
  ``x_t = floor(n (1 - delta_R x_{t+1})) / n`` exactly (a tie counts as accepted), and the
  offer is accepted at once (a rejection would leave the proposer ``delta_P (1 - x_{t+1})``,
  and the grid share ``1 - x_{t+1}`` is itself accepted, so ``x_t >= 1 - x_{t+1}``).  Each
  round's rounding loses less than ``1/n`` and the error of ``x_{t+1}`` returns scaled by
  ``-delta_R``, so the grid shares differ from the continuous ones by less than
  ``1 / (n (1 - delta_A delta_B))``; that is more than one grid step where the discount
  factors are high (``delta_A = 1, delta_B = 0.9, n = 9, T = 6``: 2.44 steps).  brink's
  ``spe`` mixes uniformly over tied best actions (``docs/solvers-spe.md``): where a grid
  share leaves the responder exactly indifferent it accepts with probability 1/2, and the
  solved shares then follow the tie rule's own recursion, not this floor (with a positive
  ``breakdown``, ``delta = 1/2`` and ``n = 8``, where Stahl's shares lie on the grid: first
  offers 1, 3/8, 3/4, 1/2 for one to four rounds against Stahl's 1, 1/2, 3/4, 5/8;
  ``tests/test_process_theory.py``).
* **Rubinstein's limit**: with ``D = delta_A delta_B < 1`` the first mover's share in the
  ``T``-round game is ``x_1(T) = x* + D^k (x_{2k+1} - x*)`` with ``k = floor((T - 1) / 2)``,
  so ``|x_1(T) - x*| <= D^k`` and ``x_1(T) -> x* = (1 - delta_B) / (1 - delta_A delta_B)``
  (``= 1 / (1 + delta)`` for equal discount factors) as ``T`` grows.

The tree has ``(n + 1)^T`` proposals in its last round, so it grows fast: 253 nodes for
``n = 3, T = 3``, 48,313 for ``n = 10, T = 4``; :meth:`AlternatingOffers.check` refuses
trees over :data:`MAX_NODES`.

Scenario section (``template: alternating-offers``)::

    game: {delta_A: 0.5, delta_B: 0.8, rounds: 4, grid: 10}
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

__all__ = [
    "MAX_NODES",
    "AlternatingOffers",
    "AlternatingOffersSpec",
    "alternating_offers_game",
    "rubinstein_share",
    "stahl_shares",
    "tree_size",
]

FloatArray = np.ndarray

#: Largest tree :meth:`AlternatingOffers.check` accepts (nodes).
MAX_NODES = 2_000_000
#: Terminal labels: an agreement in round ``t`` is ``"deal t"``; no agreement by round ``T``.
BREAKDOWN = "breakdown"


class AlternatingOffersSpec(BaseModel):
    """The ``game:`` section: discount factors in [0, 1], breakdown costs >= 0, two sizes."""

    model_config = ConfigDict(extra="forbid")
    delta_A: float | str = 0.9  # noqa: N815 - Rubinstein's notation
    delta_B: float | str = 0.9  # noqa: N815 - Rubinstein's notation
    breakdown_A: float | str = 0.0  # noqa: N815 - player names
    breakdown_B: float | str = 0.0  # noqa: N815 - player names
    rounds: int = Field(3, ge=1, le=20)
    grid: int = Field(3, ge=1, le=1000)


def tree_size(rounds: int, grid: int) -> int:
    """Nodes of the game with ``rounds`` rounds and ``grid + 1`` proposals per round.

    ``N(0) = 1`` (breakdown) and ``N(t) = 1 + (grid + 1) (2 + N(t - 1))``: a proposal node,
    and per proposal a responder node, an acceptance and the next round.
    """
    size = 1
    for _ in range(rounds):
        size = 1 + (grid + 1) * (2 + size)
    return size


def alternating_offers_game(
    delta_A: FloatArray,
    delta_B: FloatArray,
    breakdown_A: FloatArray,
    breakdown_B: FloatArray,
    rounds: int,
    grid: int,
) -> Game:
    """The bargaining game for ``S`` samples (every argument but the sizes ``(S,)``).

    Proposal actions run from the proposer's share 0 up to 1 and the responder's actions are
    ``accept`` then ``reject``; the order decides nothing, as ``spe`` mixes uniformly over
    tied best actions (``docs/solvers-spe.md``).  Terminals are labelled
    ``"deal t"`` (agreement in round ``t``) and ``"breakdown"``.
    """
    shares = np.linspace(0.0, 1.0, grid + 1)
    b = TreeBuilder("Alternating offers (Rubinstein 1982, Stahl 1972)", ["A", "B"])
    delta = {"A": np.asarray(delta_A, dtype=np.float64), "B": np.asarray(delta_B, dtype=np.float64)}
    breakdown = np.column_stack([-np.asarray(breakdown_A), -np.asarray(breakdown_B)])

    def round_(node: int, t: int) -> None:
        if t > rounds:
            b.outcome(node, breakdown, BREAKDOWN)
            b.label(node, BREAKDOWN)
            return
        proposer, responder = ("A", "B") if t % 2 else ("B", "A")
        pay_p, pay_r = delta[proposer] ** (t - 1), delta[responder] ** (t - 1)
        kids = b.move(
            node, proposer, [f"{proposer} keeps {x:.4g}" for x in shares], label=f"round {t}"
        )
        for x, kid in zip(shares, kids, strict=True):
            accept, reject = b.move(kid, responder, ["accept", "reject"])
            own, other = pay_p * x, pay_r * (1.0 - x)
            b.outcome(
                accept,
                np.column_stack([own, other] if proposer == "A" else [other, own]),
                f"deal {t}",
            )
            b.label(accept, f"deal {t}")
            round_(reject, t + 1)

    round_(b.root, 1)
    return b.build()


def stahl_shares(delta_A: FloatArray, delta_B: FloatArray, rounds: int) -> FloatArray:
    """The proposer's share ``x_t`` of the continuous ``T``-round game, ``(S, T)`` (column ``t - 1``).

    ``x_T = 1`` and ``x_t = 1 - delta_R x_{t+1}`` with ``delta_R`` the round-``t``
    responder's discount factor (B's in odd rounds, A's in even ones).
    """
    dA, dB = np.asarray(delta_A, dtype=np.float64), np.asarray(delta_B, dtype=np.float64)
    x = np.ones((dA.size, rounds))
    for t in range(rounds - 1, 0, -1):  # t is the 1-based round of column t - 1
        responder = dB if t % 2 else dA
        x[:, t - 1] = 1.0 - responder * x[:, t]
    return x


def rubinstein_share(delta_A: FloatArray, delta_B: FloatArray) -> FloatArray:
    """The first mover's share in Rubinstein's infinite game, ``(1 - delta_B) / (1 - delta_A delta_B)``
    (``nan`` where ``delta_A delta_B = 1``: every split is then an equilibrium)."""
    dA, dB = np.asarray(delta_A, dtype=np.float64), np.asarray(delta_B, dtype=np.float64)
    d = dA * dB
    return np.asarray(np.divide(1.0 - dB, 1.0 - d, out=np.full(d.shape, np.nan), where=d < 1.0))



class AlternatingOffers(Template):
    """Alternating-offers bargaining with discounting and a finite horizon (Rubinstein 1982; Stahl 1972)."""

    name: ClassVar[str] = "alternating-offers"
    description: ClassVar[str] = (
        "Alternating offers over a pie: the first mover keeps (1 - delta_B)/(1 - delta_A delta_B) "
        "in the limit (Rubinstein 1982; Stahl 1972)."
    )
    Spec: ClassVar[type[BaseModel] | None] = AlternatingOffersSpec
    probabilities: ClassVar[frozenset[str]] = frozenset({"delta_A", "delta_B"})
    nonnegative: ClassVar[frozenset[str]] = frozenset({"breakdown_A", "breakdown_B"})
    capabilities: ClassVar[Capabilities] = Capabilities(
        players=("A", "B"),
        information_sets=False,
        solvers=("spe", "qre"),
        outcomes=("agreement", "immediate_agreement", "breakdown"),
        metrics=(
            "payoff.*",
            "first_offer",
            "share.*",
            "agreement_round",
            "stahl_share",
            "rubinstein_share",
        ),
    )

    def _spec(self, scenario: Scenario) -> AlternatingOffersSpec:
        spec = self.spec(scenario)
        assert isinstance(spec, AlternatingOffersSpec)
        return spec

    def check(self, scenario: Scenario) -> None:
        spec = self._spec(scenario)
        size = tree_size(spec.rounds, spec.grid)
        if size > MAX_NODES:
            raise InputError(
                f"{spec.rounds} rounds of {spec.grid + 1} proposals make a tree of {size:,} nodes "
                f"(at most {MAX_NODES:,})",
                scenario.source or scenario.name,
                "lower game.rounds or game.grid: the tree has (grid + 1)^rounds proposals in its last round",
            )

    def build(
        self,
        scenario: Scenario,
        params: Params,
        *,
        information: Information = "perfect",
        prepared: Any = None,
    ) -> Game:
        spec = self._spec(scenario)
        value = ParameterValues(params, sample_count(params))
        d_A, d_B = value("game.delta_A", spec.delta_A), value("game.delta_B", spec.delta_B)
        k_A, k_B = (
            value("game.breakdown_A", spec.breakdown_A),
            value("game.breakdown_B", spec.breakdown_B),
        )
        if ((d_A < 0) | (d_A > 1) | (d_B < 0) | (d_B > 1) | (k_A < 0) | (k_B < 0)).any():
            raise InputError(
                "the discount factors delta_A, delta_B must lie in [0, 1] and the breakdown costs be >= 0",
                scenario.source or scenario.name,
                "check game.delta_A, game.delta_B, game.breakdown_A, game.breakdown_B",
            )
        return alternating_offers_game(d_A, d_B, k_A, k_B, spec.rounds, spec.grid)

    def outcomes(
        self, scenario: Scenario, params: Params, solution: Solution, prepared: Any = None
    ) -> dict[str, FloatArray]:
        labels = np.asarray(solution.game.node_labels)
        reach = np.atleast_2d(solution.reach)
        breakdown = column_sum(reach, np.flatnonzero(labels == BREAKDOWN))
        return {
            "agreement": 1.0 - breakdown,
            "immediate_agreement": column_sum(reach, np.flatnonzero(labels == "deal 1")),
            "breakdown": breakdown,
        }

    def metrics(
        self, scenario: Scenario, params: Params, solution: Solution, prepared: Any = None
    ) -> dict[str, FloatArray]:
        """Payoffs; ``first_offer``: A's proposed share in round 1; ``share.A`` / ``share.B``: each
        side's expected undiscounted share of the pie; ``agreement_round``: the expected round in
        which bargaining ends (``T + 1`` for a breakdown); ``stahl_share``: the continuous ``x_1(T)``;
        ``rubinstein_share``: its limit ``(1 - delta_B) / (1 - delta_A delta_B)``."""
        spec = self._spec(scenario)
        out = super().metrics(scenario, params, solution, prepared)
        game = solution.game
        reach = np.atleast_2d(solution.reach)
        n = reach.shape[0]
        shares = np.linspace(0.0, 1.0, spec.grid + 1)
        first = game.children[game.child_ptr[0] : game.child_ptr[1]]
        first_offer = np.zeros(n)
        for x, node in zip(
            shares, first, strict=True
        ):  # in action order, for any number of samples
            first_offer += reach[:, node] * x
        out["first_offer"] = first_offer
        labels = np.asarray(game.node_labels)
        deals = np.flatnonzero(np.char.startswith(labels, "deal "))
        responders = game.parent[deals]
        kept = shares[game.edge_action[game.parent_edge[responders]]]  # the proposer's share
        t = game.depth[deals] // 2  # a proposal and a reply per round
        a_share = np.where(t % 2 == 1, kept, 1.0 - kept)
        share_A, ending = np.zeros(n), np.zeros(n)
        for j, v in enumerate(deals):  # in node order, whatever the number of samples
            share_A += reach[:, v] * a_share[j]
            ending += reach[:, v] * float(t[j])
        breakdown = column_sum(reach, np.flatnonzero(labels == BREAKDOWN))
        out["share.A"] = share_A
        out["share.B"] = (1.0 - breakdown) - share_A
        out["agreement_round"] = ending + breakdown * (spec.rounds + 1)
        value = ParameterValues(params, n)
        d_A, d_B = value("game.delta_A", spec.delta_A), value("game.delta_B", spec.delta_B)
        out["stahl_share"] = stahl_shares(d_A, d_B, spec.rounds)[:, 0]
        out["rubinstein_share"] = rubinstein_share(d_A, d_B)
        return out


register(AlternatingOffers())
