"""States, not histories: the recombined graph of a game whose payoffs are class values plus flows.

A game tree records histories; many histories lead to the same *state*: a hold and a refused
offer lead to the same fight, and the defender's answers commute (the payoffs count which
answers were given, not their order).  The subgames below two such nodes are the same game
up to the flows already incurred (the costs paid on the way), and a constant added to every
payoff of a player in a subgame changes no choice in it (an argmax, a tie within a relative
tolerance up to rounding, and a logit choice are invariant to it; chance and mixed
averages shift by the constant because their weights sum to one).  Solving each state once
and carrying the past flows as edge rewards is the dynamic-programming reading of backward
induction (Bellman 1957; in extensive games, the recombining trees of Kreps & Wilson 1982's
sequential decomposition; Zermelo 1913 already argued by positions, not histories).

The recombination is generic: it reads only the tree and the structure of the payoff parts
(:class:`brink.solvers.spe.PayoffParts`: a payoff is ``class value + sum_k w[t, p, k] *
coef[k]``), never a template's moves.  Bottom up, every node ``v`` gets an *offset*
``off(v)``: the weights ``w`` of its first terminal (following first actions), and a
*signature*:

* at a terminal with outcome ``o``: the payoff class of every player;
* at an inner node: its mover (or nature), nature's distribution column of every edge, the
  state of every child, and the *edge reward* of every child ``i``, ``off(c_i) - off(c_1)``
  (a weight vector per player).

Two nodes are one state iff their signatures are equal, that is iff their subtrees are
isomorphic with equal classes and chance columns and term weights that differ by one
constant vector per player (``off(u) - off(v)``).  Then for every history node ``v`` with
state ``s``: ``value(v) = V(s) + off(v) . coef``, where ``V`` solves the state graph with
rewards ``(off(c_i) - off(c_1)) . coef`` on its edges and class values at its terminals.
The profile at ``v`` is the profile at ``s``.  The history tree stays what ``brink export``
writes and what the Gambit cross-checks solve; the read-out still sees the reach of every
history terminal, from a forward pass over the tree with the states' edge probabilities.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
from numba import njit
from numpy.typing import NDArray

from brink.arrays import FloatArray
from brink.games import Game, NodeKind
from brink.solvers.reach import copy_reach
from brink.solvers.ties import TIE_TOLERANCE

if TYPE_CHECKING:
    from brink.solvers.spe import PayoffParts

__all__ = ["StateGraph", "state_graph", "state_values"]


class StateGraph(NamedTuple):
    """A game's states (:mod:`brink.solvers.states`), children before parents.

    ``mover (states,)``: the player moving (-1 nature, -2 a terminal); a state's edges are
    ``edge_ptr[u]:edge_ptr[u + 1]`` with ``edge_child`` (the child state), ``edge_col`` (nature's
    column of :attr:`PayoffParts.chance`, -1 at a mover's edge) and ``edge_reward (state edges,
    players)`` (a reward row, -1 for none).  A terminal state's payoff to player ``p`` is the
    class value ``by_class[s, term_class[u * P + p], p]``.  Reward row ``r`` is ``sum_j
    coef[reward_term[j]] * reward_weight[j]`` over ``j in reward_ptr[r]:reward_ptr[r + 1]``;
    ``root_reward (players,)`` the rows of the root's offset.  ``node_state (nodes,)`` and
    ``edge_map (edges,)`` map the history tree onto the states and their edges;
    ``node_first (nodes,)`` is the outcome whose term weights are a node's offset (its first
    terminal, following first actions), so ``value(v) = V(node_state[v]) + the terms of
    outcome node_first[v]``.
    """

    mover: NDArray[np.int32]
    edge_ptr: NDArray[np.int64]
    edge_child: NDArray[np.int64]
    edge_col: NDArray[np.int64]
    edge_reward: NDArray[np.int64]
    term_class: NDArray[np.int64]
    reward_ptr: NDArray[np.int64]
    reward_term: NDArray[np.int64]
    reward_weight: FloatArray
    root_reward: NDArray[np.int64]
    node_state: NDArray[np.int64]
    edge_map: NDArray[np.int64]
    node_first: NDArray[np.int64]

    @property
    def n_states(self) -> int:
        return int(self.mover.shape[0])

    @property
    def n_terminals(self) -> int:
        return int(np.count_nonzero(self.mover == -2))


_GRAPHS: dict[tuple[int, ...], tuple[tuple[Any, ...], StateGraph | None]] = {}


def state_graph(
    game: Game,
    rows: NDArray[np.int64],
    row_class: NDArray[np.int64],
    ptr: NDArray[np.int64],
    term: NDArray[np.int64],
    weight: FloatArray,
    chance_row: NDArray[np.int64],
) -> StateGraph | None:
    """The states of ``game`` under payoffs given by parts (:class:`brink.solvers.spe.PayoffParts`'
    ``rows``, ``row_class``, ``ptr``, ``term``, ``weight`` and ``chance_row``), or ``None`` for a
    game with an outcome on an inner node (not recombined).  Cached by the identity of the
    arrays (a template caches its structure's)."""
    key = (id(game.children), id(rows), id(term), id(weight), id(chance_row))
    hit = _GRAPHS.get(key)
    parts = (game.children, rows, row_class, ptr, term, weight, chance_row)
    if hit is not None and all(a is b for a, b in zip(hit[0], parts, strict=True)):
        return hit[1]
    graph = _build(game, rows, row_class, ptr, term, weight, chance_row)
    if len(_GRAPHS) > 16:
        _GRAPHS.clear()
    _GRAPHS[key] = (parts, graph)
    return graph


def _build(
    game: Game,
    rows: NDArray[np.int64],
    row_class: NDArray[np.int64],
    ptr: NDArray[np.int64],
    term: NDArray[np.int64],
    weight: FloatArray,
    chance_row: NDArray[np.int64],
) -> StateGraph | None:
    P = game.n_players
    n = game.n_nodes
    kind = np.asarray(game.kind)
    outcome = np.asarray(game.outcome)
    if np.any((outcome >= 0) & (kind != NodeKind.TERMINAL)):
        return None
    K = int(term.max()) + 1 if term.size else 1
    # dense weights of every outcome: (outcomes, P, K)
    n_out = game.n_outcomes
    W = np.zeros((n_out, P, K))
    for o in range(n_out):
        for p in range(P):
            d = int(rows[o * P + p])
            for j in range(int(ptr[d]), int(ptr[d + 1])):
                W[o, p, int(term[j])] += float(weight[j])
    child_ptr = np.asarray(game.child_ptr, dtype=np.int64)
    children = np.asarray(game.children, dtype=np.int64)
    player = np.asarray(game.node_player, dtype=np.int64)
    first_terminal = np.empty(n, dtype=np.int64)  # the outcome whose weights are the node's offset
    node_state = np.empty(n, dtype=np.int64)
    signatures: dict[tuple[Any, ...], int] = {}
    rewards: dict[bytes, int] = {}
    reward_rows: list[FloatArray] = []
    s_mover: list[int] = []
    s_edges: list[tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]] = []
    s_class: list[tuple[int, ...]] = []
    zero = np.zeros(K)

    def reward(vec: FloatArray) -> int:
        if not vec.any():
            return -1
        b = vec.tobytes()
        r = rewards.get(b)
        if r is None:
            r = rewards[b] = len(reward_rows)
            reward_rows.append(vec.copy())
        return r

    for v in range(n - 1, -1, -1):  # preorder: children have larger numbers
        e0, e1 = int(child_ptr[v]), int(child_ptr[v + 1])
        if e1 == e0:
            o = int(outcome[v])
            cls = tuple(int(row_class[rows[o * P + p]]) for p in range(P)) if o >= 0 else (-1,) * P
            first_terminal[v] = o
            sig: tuple[Any, ...] = ("t", cls)
            edges: tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]] = ((), (), ())
            mv = -2
        else:
            kids = children[e0:e1]
            first_terminal[v] = first_terminal[kids[0]]
            base = W[first_terminal[v]] if first_terminal[v] >= 0 else np.zeros((P, K))
            rew: list[int] = []
            for c in kids:
                off = W[first_terminal[c]] if first_terminal[c] >= 0 else np.zeros((P, K))
                diff = off - base
                rew.extend(reward(diff[p]) for p in range(P))
            mv = int(player[v]) if kind[v] == NodeKind.PERSONAL else -1
            cols = tuple(int(chance_row[e]) for e in range(e0, e1)) if mv == -1 else (-1,) * (e1 - e0)
            states = tuple(int(node_state[c]) for c in kids)
            edges = (states, cols, tuple(rew))
            sig = ("n", mv, edges)
            cls = ()
        u = signatures.get(sig)
        if u is None:
            u = signatures[sig] = len(s_mover)
            s_mover.append(mv)
            s_edges.append(edges)
            s_class.append(cls)
        node_state[v] = u
    S = len(s_mover)
    edge_ptr = np.zeros(S + 1, dtype=np.int64)
    for u in range(S):
        edge_ptr[u + 1] = edge_ptr[u] + len(s_edges[u][0])
    edge_child = np.array([c for e in s_edges for c in e[0]], dtype=np.int64)
    edge_col = np.array([c for e in s_edges for c in e[1]], dtype=np.int64)
    edge_reward = np.array([r for e in s_edges for r in e[2]], dtype=np.int64).reshape(-1, P)
    term_class = np.full(S * P, -1, dtype=np.int64)
    for u in range(S):
        if s_mover[u] == -2:
            term_class[u * P:(u + 1) * P] = s_class[u]
    root = W[first_terminal[0]] if first_terminal[0] >= 0 else np.zeros((P, K))
    root_reward = np.array([reward(root[p]) for p in range(P)], dtype=np.int64)
    r_ptr = [0]
    r_term: list[int] = []
    r_weight: list[float] = []
    for vec in reward_rows or [zero]:
        nz = np.flatnonzero(vec)
        r_term.extend(int(k) for k in nz)
        r_weight.extend(float(vec[k]) for k in nz)
        r_ptr.append(len(r_term))
    edge_map = np.empty(game.n_edges, dtype=np.int64)
    for v in range(n):
        e0, e1 = int(child_ptr[v]), int(child_ptr[v + 1])
        if e1 > e0:
            s0 = int(edge_ptr[node_state[v]])
            edge_map[e0:e1] = np.arange(s0, s0 + e1 - e0)
    return StateGraph(
        mover=np.asarray(s_mover, dtype=np.int32), edge_ptr=edge_ptr, edge_child=edge_child, edge_col=edge_col,
        edge_reward=np.ascontiguousarray(edge_reward), term_class=term_class,
        reward_ptr=np.asarray(r_ptr, dtype=np.int64), reward_term=np.asarray(r_term, dtype=np.int64),
        reward_weight=np.asarray(r_weight, dtype=np.float64), root_reward=root_reward, node_state=node_state,
        edge_map=edge_map, node_first=first_terminal,
    )


# --------------------------------------------------------------------------- kernels


@njit(cache=True, nogil=True)
def _reward_rows(
    coef: FloatArray, s0: int, ptr: NDArray[np.int64], term: NDArray[np.int64], weight: FloatArray,
    out: FloatArray, C: int,
) -> None:
    """``out[r, s]``: reward row ``r`` in sample ``s0 + s``."""
    for r in range(ptr.shape[0] - 1):
        for s in range(C):
            out[r, s] = 0.0
        for j in range(ptr[r], ptr[r + 1]):
            k = term[j]
            w = weight[j]
            for s in range(C):
                out[r, s] += coef[k, s0 + s] * w


@njit(cache=True, nogil=True)
def _states_kernel(
    mover: NDArray[np.int32],
    edge_ptr: NDArray[np.int64],
    edge_child: NDArray[np.int64],
    edge_col: NDArray[np.int64],
    edge_reward: NDArray[np.int64],
    term_class: NDArray[np.int64],
    cls: FloatArray,
    rew: FloatArray,
    cprob: FloatArray,
    C: int,
    logit: bool,
    lam: float,
    tol: float,
    values: FloatArray,
    eprob: FloatArray,
    scratch: FloatArray,
) -> None:  # pragma: no cover - compiled
    """Backward induction (``logit`` False: spe's tie rule; True: qbi's logit choice at
    precision ``lam``) over the states, children first: ``values (states, players, C)`` and
    ``eprob (state edges, C)``.  A child's value seen from its parent is its state's value
    plus the edge's reward row (``rew (rows, C)``)."""
    n = mover.shape[0]
    P = values.shape[1]
    best = scratch[0]
    thr = scratch[1]
    total = scratch[2]
    acc = scratch[3]
    for u in range(n):
        e0 = edge_ptr[u]
        k = edge_ptr[u + 1] - e0
        who = mover[u]
        if k == 0:
            for p in range(P):
                c = term_class[u * P + p]
                if c >= 0:
                    for s in range(C):
                        values[u, p, s] = cls[c, p, s]
                else:
                    for s in range(C):
                        values[u, p, s] = 0.0
            continue
        if who < 0:
            for a in range(k):
                col = edge_col[e0 + a]
                for s in range(C):
                    eprob[e0 + a, s] = cprob[col, s]
        else:
            # the mover's value of each action: the child's value plus the edge's reward
            e = e0
            r = edge_reward[e, who]
            c = edge_child[e]
            for s in range(C):
                best[s] = values[c, who, s] + (rew[r, s] if r >= 0 else 0.0)
            for a in range(1, k):
                e = e0 + a
                r = edge_reward[e, who]
                c = edge_child[e]
                for s in range(C):
                    best[s] = max(best[s], values[c, who, s] + (rew[r, s] if r >= 0 else 0.0))
            if logit:
                for s in range(C):
                    total[s] = 0.0
                for a in range(k):
                    e = e0 + a
                    r = edge_reward[e, who]
                    c = edge_child[e]
                    for s in range(C):
                        w = math.exp(lam * (values[c, who, s] + (rew[r, s] if r >= 0 else 0.0) - best[s]))
                        eprob[e, s] = w
                        total[s] += w
                for s in range(C):
                    total[s] = 1.0 / total[s]
                for a in range(k):
                    for s in range(C):
                        eprob[e0 + a, s] *= total[s]
            else:
                for s in range(C):
                    thr[s] = best[s] - tol * (1.0 + abs(best[s]))
                    total[s] = 0.0
                for a in range(k):
                    e = e0 + a
                    r = edge_reward[e, who]
                    c = edge_child[e]
                    for s in range(C):
                        x = values[c, who, s] + (rew[r, s] if r >= 0 else 0.0)
                        eprob[e, s] = 1.0 if x >= thr[s] else 0.0
                        total[s] += eprob[e, s]
                for s in range(C):
                    total[s] = 1.0 / max(total[s], 1.0)
                for a in range(k):
                    for s in range(C):
                        eprob[e0 + a, s] *= total[s]
        for p in range(P):
            for s in range(C):
                acc[s] = 0.0
            for a in range(k):
                e = e0 + a
                r = edge_reward[e, p]
                c = edge_child[e]
                if r >= 0:
                    for s in range(C):
                        acc[s] += eprob[e, s] * (values[c, p, s] + rew[r, s])
                else:
                    for s in range(C):
                        acc[s] += eprob[e, s] * values[c, p, s]
            for s in range(C):
                values[u, p, s] = acc[s]


@njit(cache=True, nogil=True)
def _history_reach_kernel(
    s0: int,
    C: int,
    child_ptr: NDArray[np.int64],
    children: NDArray[np.int32],
    mover: NDArray[np.int32],
    edge_map: NDArray[np.int64],
    terminal_pos: NDArray[np.int64],
    terminals: NDArray[np.int64],
    terminal_col: NDArray[np.int64],
    r0: int,
    eprob: FloatArray,
    reach: FloatArray,
    out_reach: FloatArray,
    modal: NDArray[np.int64],
    tie_bits: int,
    tol: float,
    accumulate: bool,
) -> None:  # pragma: no cover - compiled
    """The reach of every history node (``reach (nodes, C)``, preorder: parents first) under the
    states' edge probabilities ``eprob`` (history edge ``e`` is state edge ``edge_map[e]``),
    the terminals' reach to ``out_reach`` and the modal path, as
    :func:`brink.solvers.spe._terminal_reach_kernel` gives them on the tree."""
    n = child_ptr.shape[0] - 1
    for s in range(C):
        reach[0, s] = 1.0
    for v in range(n):
        e0 = child_ptr[v]
        for a in range(child_ptr[v + 1] - e0):
            c = children[e0 + a]
            m = edge_map[e0 + a]
            for s in range(C):
                reach[c, s] = reach[v, s] * eprob[m, s]
    copy_reach(C, r0, terminals, terminal_col, reach, out_reach, accumulate)
    n_terminals = terminals.shape[0]
    for s in range(C):
        v = 0
        code = -1
        while child_ptr[v + 1] > child_ptr[v]:
            e0 = child_ptr[v]
            k = child_ptr[v + 1] - e0
            pick = 0
            top = eprob[edge_map[e0], s]
            for a in range(1, k):
                q = eprob[edge_map[e0 + a], s]
                if q > top:
                    pick = a
                    top = q
            if mover[v] >= 0:
                mask = 0
                tied = 0
                for a in range(k):
                    if eprob[edge_map[e0 + a], s] >= top - tol * (1.0 + top):
                        tied += 1
                        if a < tie_bits:
                            mask |= 1 << a
                if tied > 1:
                    code = n_terminals + (v << tie_bits) + mask
                    break
            v = children[e0 + pick]
        modal[s0 + s] = terminal_pos[v] if code < 0 else code


# --------------------------------------------------------------------------- API


def state_values(parts: PayoffParts, graph: StateGraph, lam: float | None = None) -> tuple[FloatArray, FloatArray]:
    """Every state's values ``(S, states, players)`` (without the offsets of the histories that
    lead to it) and every state edge's probability ``(S, state edges)`` under spe (``lam``
    None) or qbi at precision ``lam``: what :func:`states_fused` solves, kept whole (tests and
    analyses; the fused path keeps one chunk)."""
    S, P = parts.samples, parts.by_class.shape[2]
    values = np.empty((graph.n_states, P, S))
    eprob = np.empty((max(graph.edge_child.shape[0], 1), S))
    rew = np.empty((graph.reward_ptr.shape[0] - 1, S))
    _reward_rows(parts.coef, 0, graph.reward_ptr, graph.reward_term, graph.reward_weight, rew, S)
    _states_kernel(
        graph.mover, graph.edge_ptr, graph.edge_child, graph.edge_col, graph.edge_reward, graph.term_class,
        np.ascontiguousarray(parts.by_class.transpose(1, 2, 0)), rew, np.ascontiguousarray(parts.chance.T), S,
        lam is not None, 0.0 if lam is None else float(lam), TIE_TOLERANCE, values, eprob, np.empty((4, S)),
    )  # fmt: skip
    return values.transpose(2, 0, 1), eprob[: graph.edge_child.shape[0]].T
