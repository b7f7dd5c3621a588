"""Quantities of a behaviour profile, vectorised over samples.

A behaviour profile assigns every information set a probability distribution over its
actions (Kuhn 1953); McKelvey & Palfrey (1998) call the per-set mixtures an *agent*
profile.  brink lays a profile out flat, one entry per *information-set action*:
``profile[..., game.infoset_action_ptr[h]:game.infoset_action_ptr[h + 1]]`` holds the
probabilities of the actions of set ``h`` (see :mod:`brink.solvers.result`).  A leading
sample dimension is optional on the profile, on the game's payoffs and on its chance
probabilities; every function broadcasts them against each other.

Chance sets hold nature's probabilities.  :func:`with_chance` writes them into a profile;
the other functions always take nature's moves from ``game.chance_probs`` so that a
profile produced by a solver and one written by hand give the same numbers.

All functions are pure and loop only over the depth levels of the tree, never over
samples or over the nodes of one level.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from brink.arrays import FloatArray, IndexArray
from brink.games import Game, GameError, NodeKind

__all__ = [
    "edge_probabilities",
    "expected_payoffs",
    "node_values",
    "reach_probabilities",
    "with_chance",
]



@dataclass(frozen=True)
class _Levels:
    """The tree cut into depth levels, precomputed once per game.

    ``nodes[d]`` are the nodes at depth ``d`` (``d >= 1``) and ``into[d]`` the edges leading
    into them; ``movers[d]`` are the non-terminal nodes at depth ``d``, ``edges[d]`` their
    edges in order and ``starts[d]`` where each mover's edges begin within ``edges[d]``
    (the offsets :func:`numpy.add.reduceat` needs).
    """

    nodes: tuple[IndexArray, ...]
    into: tuple[IndexArray, ...]
    movers: tuple[IndexArray, ...]
    edges: tuple[IndexArray, ...]
    starts: tuple[IndexArray, ...]
    chance_edges: NDArray[np.bool_]


_LEVELS: weakref.WeakKeyDictionary[Game, _Levels] = weakref.WeakKeyDictionary()


def _levels(game: Game) -> _Levels:
    cached = _LEVELS.get(game)
    if cached is not None:
        return cached
    depth = game.depth.astype(np.int64)
    n_levels = int(depth.max(initial=0)) + 1
    order = np.argsort(depth, kind="stable")
    bounds = np.searchsorted(depth[order], np.arange(n_levels + 1))
    parent_edge = game.parent_edge.astype(np.int64)
    nch = game.num_children
    nodes, into, movers, edges, starts = [], [], [], [], []
    for d in range(n_levels):
        level = order[bounds[d] : bounds[d + 1]].astype(np.int64)
        nodes.append(level)
        into.append(parent_edge[level])
        mv = level[nch[level] > 0]
        movers.append(mv)
        counts = nch[mv]
        first = game.child_ptr[mv]
        offsets = np.concatenate([np.zeros(1, dtype=np.int64), np.cumsum(counts)])
        edges.append(
            np.repeat(first - offsets[:-1], counts) + np.arange(offsets[-1], dtype=np.int64)
        )
        starts.append(offsets[:-1])
    chance_edges = game.kind[game.edge_parent] == NodeKind.CHANCE
    out = _Levels(
        tuple(nodes), tuple(into), tuple(movers), tuple(edges), tuple(starts), chance_edges
    )
    _LEVELS[game] = out
    return out


def _as_profile(game: Game, profile: ArrayLike) -> FloatArray:
    arr = np.asarray(profile, dtype=np.float64)
    n = int(game.infoset_action_ptr[-1])
    if arr.ndim not in (1, 2) or arr.shape[-1] != n:
        raise GameError(
            f"a behaviour profile of {game.title!r} has shape ([samples,] {n}), got {arr.shape}"
        )
    return arr


def with_chance(game: Game, profile: ArrayLike) -> FloatArray:
    """``profile`` with the entries of chance information sets set to nature's probabilities.

    The result has a sample dimension if the profile or ``game.chance_probs`` has one.
    """
    prof = _as_profile(game, profile)
    lv = _levels(game)
    probs = game.chance_probs
    lead = np.broadcast_shapes(prof.shape[:-1], probs.shape[:-1])
    out = np.array(np.broadcast_to(prof, (*lead, prof.shape[-1])), dtype=np.float64)
    idx = game.edge_infoset_action[lv.chance_edges]
    out[..., idx] = probs[..., lv.chance_edges]
    return out


def edge_probabilities(game: Game, profile: ArrayLike) -> FloatArray:
    """``([S,] edges)`` probability that each edge is taken once its parent node is reached.

    Personal edges take the profile's action probability, chance edges nature's.
    """
    prof = _as_profile(game, profile)
    lv = _levels(game)
    personal = prof[..., game.edge_infoset_action]
    return np.where(lv.chance_edges, game.chance_probs, personal)


def reach_probabilities(game: Game, profile: ArrayLike) -> FloatArray:
    """``([S,] nodes)`` probability that play under ``profile`` passes through each node.

    The reach of a node is the product of the probabilities of the edges on its path
    from the root (Kuhn 1953); the reach of the terminals sums to one.
    """
    ep = edge_probabilities(game, profile)
    lv = _levels(game)
    reach = np.empty((*ep.shape[:-1], game.n_nodes), dtype=np.float64)
    reach[..., 0] = 1.0
    for d in range(1, len(lv.nodes)):
        level = lv.nodes[d]
        reach[..., level] = reach[..., game.parent[level]] * ep[..., lv.into[d]]
    return reach


def node_values(game: Game, profile: ArrayLike) -> FloatArray:
    """``([S,] nodes, players)`` expected total payoff of play continuing from each node.

    "Total" means the payoffs accumulated from the root to the terminal reached, as in
    :meth:`brink.games.Game.node_payoffs`, so that the value at the root is the expected
    payoff of the game and the value at a terminal its accumulated payoff.  Computed by
    the backward recursion ``V(v) = sum_a P(a | v) V(child(v, a))`` (Kuhn 1953).
    """
    ep = edge_probabilities(game, profile)
    lv = _levels(game)
    acc = game.node_payoffs()
    lead = np.broadcast_shapes(ep.shape[:-1], acc.shape[:-2])
    values = np.array(np.broadcast_to(acc, (*lead, *acc.shape[-2:])), dtype=np.float64)
    ep = np.broadcast_to(ep, (*lead, ep.shape[-1]))
    for d in range(len(lv.nodes) - 1, -1, -1):
        movers = lv.movers[d]
        if movers.size == 0:
            continue
        edges = lv.edges[d]
        contrib = ep[..., edges, None] * values[..., game.children[edges], :]
        values[..., movers, :] = np.add.reduceat(contrib, lv.starts[d], axis=-2)
    return values


def expected_payoffs(game: Game, profile: ArrayLike) -> FloatArray:
    """``([S,] players)`` expected payoff of each player when all follow ``profile``.

    The reach-weighted sum of the accumulated payoffs at the terminals.
    """
    reach = reach_probabilities(game, profile)
    term = game.terminals
    tp = game.node_payoffs()[..., term, :]
    out: FloatArray = np.einsum("...t,...tp->...p", reach[..., term], tp)
    return out
