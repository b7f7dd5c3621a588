"""How much any player could gain by deviating from a behaviour profile.

The regret of player ``i`` at a behaviour profile ``sigma`` is the payoff of ``i``'s best
response to the others' behaviour minus ``i``'s payoff under ``sigma``; a profile is a Nash
equilibrium iff every player's regret is zero (Nash 1951).  In a game with perfect recall a
best response in behaviour strategies exists and is found by backward induction over the
deviating player's own information sets (Kuhn 1953): an information set is decided after all
of the player's sets that can follow it, choosing the action that maximises the payoff summed
over the set's nodes, each weighted by the probability that chance and the *other* players
lead there.  This is the ``max_regret`` of Gambit 16.3+ (McKelvey, McLennan & Turocy), not the
weaker *agent* regret that lets a player change one information set at a time.

One compiled implementation (:func:`best_response_gains`, numba) serves both
:func:`player_regrets` and the quantal-response trace of :mod:`brink.solvers.qre`, which
tests every step's profile with it.  It works on the flat index arrays of
:class:`RegretTree` and on the probabilities of the *personal* actions only (chance comes
from the game); the loop over samples is compiled too.
"""

from __future__ import annotations

import weakref
from typing import NamedTuple

import numpy as np
from numba import njit
from numpy.typing import ArrayLike

from brink.arrays import FloatArray, IndexArray
from brink.games import Game, GameError
from brink.solvers.profile import with_chance

__all__ = [
    "RegretTree",
    "best_response_gains",
    "max_regret",
    "player_regrets",
    "regret_tree",
    "sequential_gains",
    "sequential_regrets",
]



class RegretTree(NamedTuple):
    """Flat index arrays of a game tree for the compiled best response.

    *Variables* are the actions of personal information sets in the order of the flat
    profile (:mod:`brink.solvers.result`): ``var_flat[k]`` is the profile entry of
    variable ``k``, ``var_set[k]`` its set, numbered over personal sets only, whose
    variables are ``set_start[h]:set_start[h + 1]`` and whose nodes are
    ``member_nodes[member_start[h]:member_start[h + 1]]``.  ``edge_var`` is each edge's
    variable (-1 at chance) and ``edge_player`` its mover (-1 at chance).  ``stage_sets``
    holds each player's sets grouped by the number of the player's own earlier moves,
    latest group first (``stage_ptr`` delimits the groups, ``player_stage_ptr`` each
    player's groups): under perfect recall, deciding them in that order is backward
    induction over the player's own moves.  Nodes are in preorder (a parent precedes its
    children); ``terminal_index[v]`` is the position of terminal ``v`` in ``terminals``.
    """

    parent: IndexArray
    parent_edge: IndexArray
    child_ptr: IndexArray
    children: IndexArray
    terminals: IndexArray
    terminal_index: IndexArray
    edge_var: IndexArray
    edge_player: IndexArray
    var_flat: IndexArray
    var_set: IndexArray
    set_player: IndexArray
    set_start: IndexArray
    member_nodes: IndexArray
    member_start: IndexArray
    stage_ptr: IndexArray
    stage_sets: IndexArray
    player_stage_ptr: IndexArray


_TREES: weakref.WeakKeyDictionary[Game, RegretTree] = weakref.WeakKeyDictionary()


def _ints(values: ArrayLike) -> IndexArray:
    return np.ascontiguousarray(values, dtype=np.int64)


def regret_tree(game: Game) -> RegretTree:
    """The :class:`RegretTree` of ``game``, computed once per game."""
    cached = _TREES.get(game)
    if cached is not None:
        return cached
    n = game.n_nodes
    ptr = game.infoset_action_ptr
    personal_sets = np.flatnonzero(game.infoset_player >= 0)
    sizes = (ptr[personal_sets + 1] - ptr[personal_sets]).astype(np.int64)
    set_start = _ints(np.concatenate([[0], np.cumsum(sizes)]))
    n_vars = int(set_start[-1])
    var_set = _ints(np.repeat(np.arange(personal_sets.size, dtype=np.int64), sizes))
    var_flat = _ints(ptr[personal_sets][var_set] + (np.arange(n_vars) - set_start[var_set]))
    flat_to_var = np.full(int(ptr[-1]), -1, dtype=np.int64)
    flat_to_var[var_flat] = np.arange(n_vars)
    edge_var = _ints(flat_to_var[game.edge_infoset_action])
    set_player = _ints(game.infoset_player[personal_sets])
    # a game with no personal moves (chance only) has no variables: every edge is nature's
    owner = set_player[var_set] if n_vars else np.zeros(0, dtype=np.int64)
    edge_player = _ints(np.full(edge_var.size, -1, dtype=np.int64))
    edge_player[edge_var >= 0] = owner[edge_var[edge_var >= 0]]
    members = [np.asarray(game.infoset_nodes[h], dtype=np.int64) for h in personal_sets]
    member_count = np.array([m.size for m in members], dtype=np.int64)
    member_nodes = _ints(np.concatenate(members) if members else np.zeros(0))
    member_start = _ints(np.concatenate([[0], np.cumsum(member_count)]))

    mover = game.node_player
    own_before = np.zeros((game.n_players, n), dtype=np.int64)
    for v in range(1, n):  # preorder: the parent is already done
        p = int(game.parent[v])
        own_before[:, v] = own_before[:, p]
        if mover[p] >= 0:
            own_before[mover[p], v] += 1
    first_node = member_nodes[member_start[:-1]]
    stage_of_set = own_before[set_player, first_node]
    groups: list[IndexArray] = []
    player_stage_ptr = [0]
    for i in range(game.n_players):
        mine = np.flatnonzero(set_player == i)
        top = int(stage_of_set[mine].max(initial=-1))
        groups += [mine[stage_of_set[mine] == k] for k in range(top, -1, -1)]
        player_stage_ptr.append(len(groups))
    stage_sizes = np.array([g.size for g in groups], dtype=np.int64)

    terminals = _ints(game.terminals)
    terminal_index = np.full(n, -1, dtype=np.int64)
    terminal_index[terminals] = np.arange(terminals.size)
    tree = RegretTree(
        parent=_ints(game.parent),
        parent_edge=_ints(game.parent_edge),
        child_ptr=_ints(game.child_ptr),
        children=_ints(game.children),
        terminals=terminals,
        terminal_index=terminal_index,
        edge_var=edge_var,
        edge_player=edge_player,
        var_flat=var_flat,
        var_set=var_set,
        set_player=set_player,
        set_start=set_start,
        member_nodes=member_nodes,
        member_start=member_start,
        stage_ptr=_ints(np.concatenate([[0], np.cumsum(stage_sizes)])),
        stage_sets=_ints(np.concatenate(groups) if groups else np.zeros(0)),
        player_stage_ptr=_ints(player_stage_ptr),
    )
    _TREES[game] = tree
    return tree


@njit(cache=True, nogil=True)
def _node_values(
    t: RegretTree,
    sigma: FloatArray,
    probs: FloatArray,
    utility: FloatArray,
    i: int,
    out: FloatArray,
) -> None:  # pragma: no cover - compiled
    """Player ``i``'s expected payoff from every node on under ``sigma`` (Kuhn 1953)."""
    for v in range(t.parent.size - 1, -1, -1):
        lo, hi = t.child_ptr[v], t.child_ptr[v + 1]
        if lo == hi:
            out[v] = utility[t.terminal_index[v], i]
            continue
        acc = 0.0
        for e in range(lo, hi):
            k = t.edge_var[e]
            acc += (sigma[k] if k >= 0 else probs[e]) * out[t.children[e]]
        out[v] = acc


@njit(cache=True, nogil=True)
def _others_reach(
    t: RegretTree, sigma: FloatArray, probs: FloatArray, i: int, out: FloatArray
) -> None:  # pragma: no cover - compiled
    """``out[v]``: the probability that chance and the players other than ``i`` lead to ``v``."""
    out[0] = 1.0
    for v in range(1, t.parent.size):
        e = t.parent_edge[v]
        k = t.edge_var[e]
        if k < 0:
            out[v] = out[t.parent[v]] * probs[e]
        elif t.edge_player[e] == i:
            out[v] = out[t.parent[v]]
        else:
            out[v] = out[t.parent[v]] * sigma[k]


@njit(cache=True, nogil=True)
def best_response_gains(
    t: RegretTree, sigma: FloatArray, probs: FloatArray, utility: FloatArray, out: FloatArray
) -> None:  # pragma: no cover - compiled
    """``out[i]``: player ``i``'s best-response payoff minus its payoff under ``sigma`` (>= 0).

    ``sigma (variables,)`` are the probabilities of the personal actions, ``probs
    (edges,)`` nature's (read at chance edges only), ``utility (terminals, players)`` the
    accumulated payoffs at ``t.terminals`` (in any unit: the gains are in the same one).
    Per player, a best response by backward induction over the player's own information
    sets (Kuhn 1953): each set, latest first, takes the actions that maximise the payoff
    summed over its nodes weighted by the probability that chance and the others lead
    there (exact ties split evenly).
    """
    n = t.parent.size
    best = np.empty_like(sigma)
    reach = np.empty(n)
    others = np.empty(n)
    values = np.empty(n)
    q = np.empty(sigma.size)
    reach[0] = 1.0
    for v in range(1, n):
        e = t.parent_edge[v]
        k = t.edge_var[e]
        reach[v] = reach[t.parent[v]] * (sigma[k] if k >= 0 else probs[e])
    for i in range(t.player_stage_ptr.size - 1):
        first, last = t.player_stage_ptr[i], t.player_stage_ptr[i + 1]
        out[i] = 0.0
        if first == last:
            continue
        current = 0.0
        for z in range(t.terminals.size):
            current += reach[t.terminals[z]] * utility[z, i]
        _others_reach(t, sigma, probs, i, others)
        best[:] = sigma
        for stage in range(first, last):
            _node_values(t, best, probs, utility, i, values)
            for j in range(t.stage_ptr[stage], t.stage_ptr[stage + 1]):
                h = t.stage_sets[j]
                lo, hi = t.set_start[h], t.set_start[h + 1]
                top = -np.inf
                for a in range(hi - lo):
                    acc = 0.0
                    for m in range(t.member_start[h], t.member_start[h + 1]):
                        x = t.member_nodes[m]
                        acc += others[x] * values[t.children[t.child_ptr[x] + a]]
                    q[a] = acc
                    top = max(top, acc)
                ties = 0
                for a in range(hi - lo):
                    if q[a] == top:
                        ties += 1
                for a in range(hi - lo):
                    best[lo + a] = (1.0 if q[a] == top else 0.0) / ties
        _node_values(t, best, probs, utility, i, values)
        out[i] = max(0.0, values[0] - current)


@njit(cache=True, nogil=True)
def sequential_gains(
    t: RegretTree, sigma: FloatArray, probs: FloatArray, utility: FloatArray, out: FloatArray
) -> None:  # pragma: no cover - compiled
    """``out[i]``: player ``i``'s largest gain from a one-shot deviation at one of its sets,
    conditional on reaching that set (>= 0).

    The beliefs at set ``h`` are Bayes' rule from ``sigma``: under perfect recall the
    probability of node ``x`` in ``h`` is the probability that chance and the *other*
    players lead there, times the mover's own probability of its earlier moves, which is the
    same for every node of ``h``; so it cancels.  The continuation after each action is
    played by ``sigma``.  A profile with every gain zero is sequentially rational at those
    beliefs (the one-shot deviation principle; Kreps & Wilson 1982), which the Nash regret
    of :func:`best_response_gains` does not see at sets ``sigma`` (almost) never reaches.
    A set that chance and the others reach with probability 0 has no beliefs and is left out.
    """
    n = t.parent.size
    others = np.empty(n)
    values = np.empty(n)
    for i in range(t.player_stage_ptr.size - 1):
        first, last = t.player_stage_ptr[i], t.player_stage_ptr[i + 1]
        out[i] = 0.0
        if first == last:
            continue
        _others_reach(t, sigma, probs, i, others)
        _node_values(t, sigma, probs, utility, i, values)
        for j in range(t.stage_ptr[first], t.stage_ptr[last]):
            h = t.stage_sets[j]
            lo, hi = t.set_start[h], t.set_start[h + 1]
            mass = 0.0
            for m in range(t.member_start[h], t.member_start[h + 1]):
                mass += others[t.member_nodes[m]]
            if not mass > 0.0:
                continue
            top = -np.inf
            current = 0.0
            for a in range(hi - lo):
                acc = 0.0
                for m in range(t.member_start[h], t.member_start[h + 1]):
                    x = t.member_nodes[m]
                    acc += others[x] * values[t.children[t.child_ptr[x] + a]]
                top = max(top, acc)
                current += sigma[lo + a] * acc
            out[i] = max(out[i], (top - current) / mass)


@njit(cache=True, nogil=True)
def _sequential_batch(
    t: RegretTree, sigma: FloatArray, probs: FloatArray, utility: FloatArray, out: FloatArray
) -> None:  # pragma: no cover - compiled
    for s in range(out.shape[0]):
        sequential_gains(
            t,
            sigma[s if sigma.shape[0] > 1 else 0],
            probs[s if probs.shape[0] > 1 else 0],
            utility[s if utility.shape[0] > 1 else 0],
            out[s],
        )


@njit(cache=True, nogil=True)
def _gains_batch(
    t: RegretTree, sigma: FloatArray, probs: FloatArray, utility: FloatArray, out: FloatArray
) -> None:  # pragma: no cover - compiled
    """:func:`best_response_gains` for every row of ``out (S, players)``; inputs with one
    row apply to every sample."""
    for s in range(out.shape[0]):
        best_response_gains(
            t,
            sigma[s if sigma.shape[0] > 1 else 0],
            probs[s if probs.shape[0] > 1 else 0],
            utility[s if utility.shape[0] > 1 else 0],
            out[s],
        )


def _require_perfect_recall(game: Game) -> None:
    violation = game.perfect_recall_violation
    if violation is not None:
        raise GameError(
            f"game {game.title!r} does not have perfect recall: {violation}; regrets and "
            f"agent QRE need perfect recall (Kuhn 1953): make every information set's nodes "
            f"share the mover's own earlier moves"
        )


def player_regrets(game: Game, profile: ArrayLike) -> FloatArray:
    """``([S,] players)`` best-response payoff minus current payoff, for every player.

    Args:
        game: A game with perfect recall (payoffs and chance may carry samples).
        profile: ``([S,] infoset_actions)`` behaviour profile in the layout of
            :mod:`brink.solvers.result`; chance entries are ignored (nature's
            probabilities come from the game).

    Raises:
        GameError: the game lacks perfect recall (the message names the information set).
    """
    _require_perfect_recall(game)
    prof = with_chance(game, profile)
    t = regret_tree(game)
    utility = game.terminal_payoffs()
    probs = game.chance_probs
    sampled = prof.ndim == 2 or utility.ndim == 3 or probs.ndim == 2
    sigma = np.ascontiguousarray(np.atleast_2d(prof[..., t.var_flat]), dtype=np.float64)
    utility3 = np.ascontiguousarray(utility if utility.ndim == 3 else utility[None], dtype=np.float64)
    probs2 = np.ascontiguousarray(np.atleast_2d(probs), dtype=np.float64)
    S = max(sigma.shape[0], utility3.shape[0], probs2.shape[0])
    if {sigma.shape[0], utility3.shape[0], probs2.shape[0]} - {1, S}:
        raise GameError(
            f"samples do not match in game {game.title!r}: profile {sigma.shape[0]}, payoffs "
            f"{utility3.shape[0]}, chance probabilities {probs2.shape[0]}; give each either "
            f"{S} samples or none"
        )
    out = np.empty((S, game.n_players))
    _gains_batch(t, sigma, probs2, utility3, out)
    return out if sampled else out[0]


def sequential_regrets(game: Game, profile: ArrayLike) -> FloatArray:
    """``([S,] players)`` each player's largest gain from changing one action at one of its
    information sets, conditional on reaching it (:func:`sequential_gains`).

    Zero (to rounding) exactly when ``profile`` is sequentially rational at the beliefs it
    induces; at an interior profile (every logit QRE) every set is reached, so this is the
    test that tells the limiting logit equilibrium from Nash equilibria that prescribe
    irrational play off their path.
    """
    _require_perfect_recall(game)
    prof = with_chance(game, profile)
    t = regret_tree(game)
    sigma = np.ascontiguousarray(np.atleast_2d(prof[..., t.var_flat]), dtype=np.float64)
    utility = game.terminal_payoffs()
    utility3 = np.ascontiguousarray(utility if utility.ndim == 3 else utility[None], dtype=np.float64)
    probs2 = np.ascontiguousarray(np.atleast_2d(game.chance_probs), dtype=np.float64)
    S = max(sigma.shape[0], utility3.shape[0], probs2.shape[0])
    out = np.empty((S, game.n_players))
    _sequential_batch(t, sigma, probs2, utility3, out)
    sampled = prof.ndim == 2 or utility.ndim == 3 or probs2.shape[0] > 1
    return out if sampled else out[0]


def max_regret(game: Game, profile: ArrayLike) -> FloatArray:
    """``([S,])`` the largest gain any player can make by deviating alone (0 at a Nash equilibrium).

    Equal to pygambit's ``MixedBehaviorProfile.max_regret()`` for games with perfect recall.
    """
    return np.asarray(player_regrets(game, profile).max(axis=-1), dtype=np.float64)
