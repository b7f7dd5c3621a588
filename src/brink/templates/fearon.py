"""Fearon's (1995) crisis bargaining game with private information, as a template.

Issue space [0, 1]: A receives ``x``, B receives ``1 - x``.  War gives A ``p - c_A`` and
B ``1 - p - c_B`` (A wins with probability ``p``).  A makes a take-it-or-leave-it offer
``x`` on a fine grid; nature then draws B's cost ``c_B`` from a fine, equal-weight
(midpoint) discretisation of ``U[0, c̄]``; B, knowing ``c_B``, accepts or fights.  As A
moves before nature and B observes everything, the game has perfect information and
subgame-perfect equilibrium (backward induction) solves it for every sample at once.

Closed forms (Fearon 1995, "Rationalist Explanations for War", IO 49(3), pp. 381-383,
395-401; docs/theory.md):

* B accepts ``x`` iff ``x <= p + c_B``; with complete information (``c_B`` known) A
  offers the top of the bargaining range ``[p - c_A, p + c_B]`` and there is no war.
* With ``c_B ~ U[0, c̄]`` and ``y = x - p``, A maximises
  ``(1 - y/c̄)(p + y) + (y/c̄)(p - c_A)``, so ``y* = (c̄ - c_A)/2`` when ``c̄ > c_A``
  (else ``y* = 0``): offer ``p + y*``, probability of war ``(c̄ - c_A)/(2c̄)``.

The discretisation converges to these as the grids are refined: the offer is off by at
most half an offer step, the war probability by about ``step/c̄ + 1/types``.

Scenario section (``template: fearon-1995``)::

    game: {p: 0.5, c_A: 0.1, c_bar: 0.4, offers: 101, types: 100}   # or c_B: 0.2 (complete)
"""

from __future__ import annotations

import copy
from functools import lru_cache
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, Field

from brink.errors import InputError
from brink.games import Game, TreeBuilder
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

__all__ = ["Fearon1995", "FearonSpec", "fearon_game"]

FloatArray = np.ndarray


class FearonSpec(BaseModel):
    """The ``game:`` section: numbers may be distributions or expressions."""

    model_config = ConfigDict(extra="forbid")
    p: float | str = 0.5
    c_A: float | str = 0.1  # noqa: N815 - Fearon's notation
    c_bar: float | str | None = 0.4
    c_B: float | str | None = None  # noqa: N815 - Fearon's notation
    offers: int = Field(101, ge=2, le=1001)
    types: int = Field(100, ge=1, le=2000)


def fearon_game(
    p: FloatArray,
    c_A: FloatArray,
    c_B_types: FloatArray,
    offers: int,
) -> Game:
    """The bargaining game for ``S`` samples.

    Args:
        p: ``(S,)`` A's probability of winning a war.
        c_A: ``(S,)`` A's cost of war.
        c_B_types: ``(S, m)`` B's possible costs, equally likely (``m = 1``: complete information).
        offers: Number of offers on the grid ``0, 1/(offers-1), ..., 1``.

    Terminal nodes are labelled ``"deal"`` and ``"war"``.
    """
    S, m = c_B_types.shape
    grid = np.linspace(0.0, 1.0, offers)
    b = TreeBuilder("Fearon 1995 bargaining", ["A", "B"])
    offer_nodes = b.move(b.root, "A", [f"offer {x:.4g}" for x in grid])
    war_A = p - c_A
    for x, node in zip(grid, offer_nodes, strict=True):
        if m == 1:
            type_nodes = [node]
        else:
            type_nodes = b.move(node, None, [f"c_B#{j}" for j in range(m)], label="nature")
        for j, tnode in enumerate(type_nodes):
            accept, fight = b.move(tnode, "B", ["accept", "war"])
            b.outcome(accept, np.column_stack([np.full(S, x), np.full(S, 1.0 - x)]), "deal")
            b.label(accept, "deal")
            b.outcome(fight, np.column_stack([war_A, 1.0 - p - c_B_types[:, j]]), "war")
            b.label(fight, "war")
    return b.build()


@lru_cache(maxsize=8)
def _skeleton(offers: int, m: int) -> Game:
    """The bargaining tree for ``offers`` offers and ``m`` types, built once (payoffs of one dummy sample)."""
    game = fearon_game(np.zeros(1), np.zeros(1), np.zeros((1, m)), offers)
    return game.with_samples(chance_probs=game.chance_probs[0])


def _sampled_game(p: FloatArray, c_A: FloatArray, c_B_types: FloatArray, offers: int) -> Game:
    """:func:`fearon_game` of ``S`` samples without rebuilding the tree: the same payoffs.

    The tree depends only on the grid sizes, so it is built once (:func:`_skeleton`, which
    also keeps the solvers' cached plans and the path labels alive across calls) and each
    call fills in the ``(S, outcomes, 2)`` payoffs in :func:`fearon_game`'s outcome order
    (offer, then type, then deal before war) with the same arithmetic.  Nature's
    probabilities ``1/m`` do not vary by sample, so they are held once, not per sample.
    """
    S, m = c_B_types.shape
    grid = np.linspace(0.0, 1.0, offers)
    pay = np.empty((S, offers, m, 2, 2))
    pay[:, :, :, 0, 0] = grid[None, :, None]
    pay[:, :, :, 0, 1] = (1.0 - grid)[None, :, None]
    pay[:, :, :, 1, 0] = (p - c_A)[:, None, None]
    pay[:, :, :, 1, 1] = (1.0 - p)[:, None, None] - c_B_types[:, None, :]
    payoffs = pay.reshape(S, offers * m * 2, 2)
    sk = _skeleton(offers, m)
    if not np.isfinite(payoffs).all():
        return sk.with_samples(outcome_payoffs=payoffs)  # validates, naming the bad payoff
    game = copy.copy(sk)  # shares the validated tree and its cached derivations
    object.__setattr__(game, "outcome_payoffs", payoffs)
    return game


def _masked_row_sums(x: FloatArray, mask: NDArray[np.bool_]) -> FloatArray:
    """``x[:, mask].sum(axis=1)`` computed the same way for one row as for many.

    numpy lays out ``x[:, mask]`` of several rows column by column and sums each row in
    order, but one row as a contiguous run that it sums pairwise, which can differ in the
    last bit; a sample's outcome must not depend on how many samples are solved with it,
    so one row is summed as the first of two.
    """
    if x.shape[0] == 1:
        return np.asarray(np.concatenate([x, x])[:, mask].sum(axis=1)[:1])
    return np.asarray(x[:, mask].sum(axis=1))


class Fearon1995(Template):
    """Take-it-or-leave-it crisis bargaining with B's private cost of war (Fearon 1995)."""

    name: ClassVar[str] = "fearon-1995"
    description: ClassVar[str] = (
        "Crisis bargaining with private costs: offer, accept or war (Fearon 1995)."
    )
    Spec: ClassVar[type[BaseModel] | None] = FearonSpec
    nonnegative: ClassVar[frozenset[str]] = frozenset({"c_A", "c_bar", "c_B"})
    capabilities: ClassVar[Capabilities] = Capabilities(
        players=("A", "B"),
        information_sets=False,
        solvers=("spe", "qre"),
        outcomes=("war", "deal"),
        metrics=("payoff.*", "offer", "offer_theory", "war_theory", "range_low", "range_high"),
    )

    def _spec(self, scenario: Scenario) -> FearonSpec:
        spec = self.spec(scenario)
        assert isinstance(spec, FearonSpec)
        return spec

    def check(self, scenario: Scenario) -> None:
        spec = self._spec(scenario)
        if (spec.c_bar is None) == (spec.c_B is None):
            raise InputError(
                "give exactly one of game.c_bar (private information) and game.c_B (complete)",
                scenario.source or scenario.name,
                "e.g. game: {p: 0.5, c_A: 0.1, c_bar: 0.4}",
            )

    def build(
        self, scenario: Scenario, params: Params, *, information: Information = "perfect",
        prepared: Any = None,
    ) -> Game:
        spec = self._spec(scenario)
        n = sample_count(params)
        p = ParameterValues(params, n)("game.p", spec.p)
        c_A = ParameterValues(params, n)("game.c_A", spec.c_A)
        if spec.c_B is not None:
            types = ParameterValues(params, n)("game.c_B", spec.c_B)[:, None]
        else:
            c_bar = ParameterValues(params, n)("game.c_bar", spec.c_bar)
            types = c_bar[:, None] * (np.arange(spec.types) + 0.5)[None, :] / spec.types
        bad = (p < 0) | (p > 1) | (c_A < 0) | (types.min(axis=1) < 0)
        if bad.any():
            raise InputError(
                "p must lie in [0, 1] and the costs c_A, c_B, c_bar must be >= 0",
                scenario.source or scenario.name,
                "check game.p, game.c_A, game.c_bar / game.c_B",
            )
        return _sampled_game(p, c_A, types, spec.offers)

    def outcomes(
        self, scenario: Scenario, params: Params, solution: Solution, prepared: Any = None
    ) -> dict[str, FloatArray]:
        game = solution.game
        reach = np.atleast_2d(solution.reach)
        war = _masked_row_sums(reach, np.asarray(game.node_labels) == "war")
        return {"war": war, "deal": 1.0 - war}

    def metrics(
        self, scenario: Scenario, params: Params, solution: Solution, prepared: Any = None
    ) -> dict[str, FloatArray]:
        spec = self._spec(scenario)
        out = super().metrics(scenario, params, solution, prepared)
        game = solution.game
        reach = np.atleast_2d(solution.reach)
        first = game.children[game.child_ptr[0] : game.child_ptr[1]]
        out["offer"] = reach[:, first] @ np.linspace(0.0, 1.0, spec.offers)
        n = reach.shape[0]
        p, c_A = ParameterValues(params, n)("game.p", spec.p), ParameterValues(params, n)("game.c_A", spec.c_A)
        if spec.c_bar is not None and spec.c_B is None:
            c_bar = ParameterValues(params, n)("game.c_bar", spec.c_bar)
            y = np.maximum(c_bar - c_A, 0.0) / 2
            out["offer_theory"] = p + y
            out["war_theory"] = np.divide(y, c_bar, out=np.zeros(n), where=c_bar > 0)
        else:
            c_B = ParameterValues(params, n)("game.c_B", spec.c_B)
            out["range_low"], out["range_high"] = p - c_A, p + c_B
        return out


register(Fearon1995())
