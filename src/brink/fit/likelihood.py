"""The log-likelihood of observed paths under quantal backward induction, with its gradient.

A :class:`Specification` makes every payoff a linear function of parameters and covariates
(the strategic logit of Signorino 1999, 2003; Lewis & Schultz 2003)::

    u[n, t, p] = offset[n, t, p] + sum_k theta_k * x[n, k] * W[k, t, p]

for case ``n``, terminal ``t`` (in ``Game.terminals`` order) and player ``p``.  Each player
chooses at each node with logit probabilities ``softmax(lam * Q)`` over the values of its
actions (agent errors: private payoff shocks, McKelvey & Palfrey 1998; Signorino 1999), solved
backward (:mod:`brink.solvers.qbi`).  A case is observed from a node ``root[n]`` (the whole game
from 0; a subgame when the data only record disputes that were started) to a terminal; its
log-likelihood is the sum of the log choice probabilities along that path (chance edges add
a constant).  The gradient with respect to ``theta`` and ``log lam`` is propagated backward with
the values (forward-mode over parameters: ``dV = sum_a pi_a dQ_a + sum_a dpi_a Q_a`` with
``dpi_a = lam pi_a (dQ_a - sum_b pi_b dQ_b)``), exact to rounding.

``lam`` and the payoff scale are not separately identified when every payoff is a free
parameter; Signorino fixes the error scale (``lam = 1``).  Estimate ``lam`` only with payoffs
fixed by an ``offset`` (or by fixed parameters).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit
from numpy.typing import NDArray

from brink.arrays import FloatArray, IndexArray
from brink.errors import InputError
from brink.games import Game

__all__ = ["Specification", "choice_probabilities", "log_likelihood", "simulate_paths", "terminal_probabilities"]


@dataclass(frozen=True, eq=False)
class Specification:
    """A perfect-information game whose payoffs are linear in parameters and covariates.

    Attributes:
        game: the tree (its payoffs are ignored; its chance probabilities are used).
        names: one name per parameter ``theta_k``.
        weights: ``(K, T, P)``: where parameter ``k`` enters (terminal, player) and with what sign.
        covariates: ``(N, K)``: the value multiplying parameter ``k`` in case ``n`` (1 for a constant).
        offset: ``(N, T, P)`` or ``(T, P)`` fixed payoffs (zeros if ``None``).
    """

    game: Game
    names: tuple[str, ...]
    weights: FloatArray
    covariates: FloatArray
    offset: FloatArray | None = None

    def __post_init__(self) -> None:
        g = self.game
        if not g.is_perfect_information:
            raise InputError("structural estimation needs a perfect-information game",
                             fix="use the perfect-information version of the template's game")
        K, T, P = self.weights.shape
        if len(g.terminals) != T or g.n_players != P:
            raise InputError(f"weights are {self.weights.shape}, the game has {len(g.terminals)} terminals "
                             f"and {g.n_players} players", fix="give weights as (parameters, terminals, players)")
        if self.covariates.ndim != 2 or self.covariates.shape[1] != K or len(self.names) != K:
            raise InputError("covariates must be (cases, parameters) with one name per parameter",
                             fix=f"give {K} names and a (cases, {K}) covariate array")
        if not np.isfinite(self.covariates).all():
            raise InputError("a covariate is not a finite number", fix="drop or impute the cases with missing values")

    @property
    def cases(self) -> int:
        return int(self.covariates.shape[0])

    def arrays(self) -> tuple[NDArray[np.int8], NDArray[np.int64], NDArray[np.int32], NDArray[np.int32],
                              IndexArray, FloatArray, FloatArray]:
        """The kernel's arrays: kind, child_ptr, children, player, terminal column, chance, offset."""
        g = self.game
        column = np.full(g.n_nodes, -1, dtype=np.int64)
        column[g.terminals] = np.arange(len(g.terminals))
        chance = np.atleast_2d(np.asarray(g.chance_probs, dtype=np.float64))
        T, P = self.weights.shape[1:]
        offset = np.zeros((1, T, P)) if self.offset is None else np.asarray(self.offset, dtype=np.float64)
        if offset.ndim == 2:
            offset = offset[None]
        return (np.asarray(g.kind, dtype=np.int8), np.asarray(g.child_ptr, dtype=np.int64),
                np.asarray(g.children, dtype=np.int32), np.asarray(g.node_player, dtype=np.int32), column,
                np.ascontiguousarray(chance), np.ascontiguousarray(offset))


@njit(cache=True, nogil=True)
def _case_values(n: int, theta: FloatArray, lam: float, kind: NDArray[np.int8], child_ptr: NDArray[np.int64],
                 children: NDArray[np.int32], player: NDArray[np.int32], column: IndexArray, chance: FloatArray,
                 offset: FloatArray, weights: FloatArray, x: FloatArray, V: FloatArray, D: FloatArray,
                 pi: FloatArray, gradient: bool) -> None:
    """Values ``V (nodes, P)``, their derivatives ``D (nodes, P, K + 1)`` (the last: ``log lam``) and
    the choice probabilities ``pi (edges,)`` of case ``n``, backward over the preorder."""
    K = theta.shape[0]
    P = V.shape[1]
    nodes = kind.shape[0]
    ci = n if chance.shape[0] > 1 else 0
    oi = n if offset.shape[0] > 1 else 0
    for v in range(nodes - 1, -1, -1):
        if kind[v] == 0:
            t = column[v]
            for p in range(P):
                u = offset[oi, t, p]
                for k in range(K):
                    u += theta[k] * x[n, k] * weights[k, t, p]
                V[v, p] = u
                if gradient:
                    for k in range(K):
                        D[v, p, k] = x[n, k] * weights[k, t, p]
                    D[v, p, K] = 0.0
            continue
        a0, a1 = child_ptr[v], child_ptr[v + 1]
        for p in range(P):
            V[v, p] = 0.0
            if gradient:
                for k in range(K + 1):
                    D[v, p, k] = 0.0
        if kind[v] == 2:
            for e in range(a0, a1):
                c = children[e]
                pi[e] = chance[ci, e]
                for p in range(P):
                    V[v, p] += pi[e] * V[c, p]
                    if gradient:
                        for k in range(K + 1):
                            D[v, p, k] += pi[e] * D[c, p, k]
            continue
        i = player[v]
        best = -np.inf
        for e in range(a0, a1):
            best = max(best, V[children[e], i])
        total = 0.0
        for e in range(a0, a1):
            pi[e] = np.exp(lam * (V[children[e], i] - best))
            total += pi[e]
        mean_q = 0.0
        for e in range(a0, a1):
            pi[e] /= total
            mean_q += pi[e] * V[children[e], i]
        for e in range(a0, a1):
            c = children[e]
            for p in range(P):
                V[v, p] += pi[e] * V[c, p]
        if not gradient:
            continue
        for k in range(K + 1):
            mean_dq = 0.0
            for e in range(a0, a1):
                mean_dq += pi[e] * D[children[e], i, k]
            for e in range(a0, a1):
                c = children[e]
                dq = D[c, i, k]
                # d pi_e: through the values (theta) and, for log lam, through lam itself
                dpi = lam * pi[e] * (dq - mean_dq)
                if k == K:
                    dpi += lam * pi[e] * (V[c, i] - mean_q)
                for p in range(P):
                    D[v, p, k] += pi[e] * D[c, p, k] + dpi * V[c, p]


@njit(cache=True, nogil=True)
def _loglik_kernel(theta: FloatArray, lam: float, kind: NDArray[np.int8], child_ptr: NDArray[np.int64],
                   children: NDArray[np.int32], player: NDArray[np.int32], column: IndexArray,
                   chance: FloatArray, offset: FloatArray, weights: FloatArray, x: FloatArray,
                   observed: IndexArray, root: IndexArray, parent: NDArray[np.int32],
                   parent_edge: IndexArray, out_ll: FloatArray, out_grad: FloatArray, gradient: bool) -> None:
    N = x.shape[0]
    K = theta.shape[0]
    P = weights.shape[2]
    nodes = kind.shape[0]
    V = np.zeros((nodes, P))
    D = np.zeros((nodes, P, K + 1) if gradient else (1, 1, 1))
    pi = np.zeros(children.shape[0])
    for n in range(N):
        _case_values(n, theta, lam, kind, child_ptr, children, player, column, chance, offset, weights, x, V, D,
                     pi, gradient)
        ll = 0.0
        for k in range(K + 1):
            out_grad[n, k] = 0.0
        v = observed[n]
        while v != root[n] and v > 0:
            u = parent[v]
            e = parent_edge[v]
            ll += np.log(max(pi[e], 1e-300))
            if kind[u] == 1 and gradient:
                i = player[u]
                a0, a1 = child_ptr[u], child_ptr[u + 1]
                mean_q = 0.0
                for f in range(a0, a1):
                    mean_q += pi[f] * V[children[f], i]
                for k in range(K + 1):
                    mean_dq = 0.0
                    for f in range(a0, a1):
                        mean_dq += pi[f] * D[children[f], i, k]
                    g = lam * (D[v, i, k] - mean_dq)
                    if k == K:
                        g += lam * (V[v, i] - mean_q)
                    out_grad[n, k] += g
            v = u
        out_ll[n] = ll


def _structure(spec: Specification) -> tuple[NDArray[np.int32], IndexArray]:
    g = spec.game
    return np.asarray(g.parent, dtype=np.int32), np.asarray(g.parent_edge, dtype=np.int64)


def log_likelihood(
    spec: Specification, theta: FloatArray, lam: float, observed: IndexArray, root: IndexArray | None = None,
    *, gradient: bool = True,
) -> tuple[FloatArray, FloatArray]:
    """Per-case log-likelihood ``(N,)`` of the observed terminal nodes and its gradient ``(N, K + 1)``
    with respect to ``theta`` and ``log lam`` (zeros when ``gradient`` is false).

    ``observed[n]`` is a terminal *node* of the game; ``root[n]`` the node the observation starts
    at (default the root: the whole path is observed).
    """
    kind, child_ptr, children, player, column, chance, offset = spec.arrays()
    N = spec.cases
    root_arr = np.zeros(N, dtype=np.int64) if root is None else np.asarray(root, dtype=np.int64)
    obs = np.asarray(observed, dtype=np.int64)
    if obs.shape != (N,) or root_arr.shape != (N,):
        raise InputError(f"observed and root must have one entry per case ({N})", fix="give one terminal per case")
    if (column[obs] < 0).any():
        raise InputError("an observed node is not a terminal of the game", fix="give terminal nodes")
    parent, parent_edge = _structure(spec)
    ll = np.empty(N)
    grad = np.zeros((N, len(theta) + 1))
    _loglik_kernel(np.asarray(theta, dtype=np.float64), float(lam), kind, child_ptr, children, player, column,
                   chance, offset, np.ascontiguousarray(spec.weights, dtype=np.float64),
                   np.ascontiguousarray(spec.covariates, dtype=np.float64), obs, root_arr, parent, parent_edge,
                   ll, grad, gradient)
    return ll, grad


def choice_probabilities(spec: Specification, theta: FloatArray, lam: float) -> FloatArray:
    """``(N, edges)`` probability of every edge (choice or chance) in every case."""
    kind, child_ptr, children, player, column, chance, offset = spec.arrays()
    P = spec.weights.shape[2]
    out = np.empty((spec.cases, len(children)))
    V = np.zeros((spec.game.n_nodes, P))
    D = np.zeros((1, 1, 1))
    pi = np.zeros(len(children))
    x = np.ascontiguousarray(spec.covariates, dtype=np.float64)
    w = np.ascontiguousarray(spec.weights, dtype=np.float64)
    th = np.asarray(theta, dtype=np.float64)
    for n in range(spec.cases):
        _case_values(n, th, float(lam), kind, child_ptr, children, player, column, chance, offset, w, x, V, D, pi,
                     False)
        out[n] = pi
    return out


def terminal_probabilities(spec: Specification, theta: FloatArray, lam: float, root: IndexArray | None = None) -> FloatArray:
    """``(N, T)`` probability of reaching each terminal (``Game.terminals`` order) from ``root[n]``."""
    g = spec.game
    edges = choice_probabilities(spec, theta, lam)
    parent, parent_edge = _structure(spec)
    N = spec.cases
    roots = np.zeros(N, dtype=np.int64) if root is None else np.asarray(root, dtype=np.int64)
    reach = np.zeros((N, g.n_nodes))
    reach[np.arange(N), roots] = 1.0
    for v in range(1, g.n_nodes):  # preorder: a parent comes before its children
        below = roots != v
        reach[below, v] += reach[below, parent[v]] * edges[below, parent_edge[v]]
    return np.ascontiguousarray(reach[:, g.terminals])


def simulate_paths(spec: Specification, theta: FloatArray, lam: float, rng: np.random.Generator,
                   root: IndexArray | None = None) -> IndexArray:
    """Draw one terminal node per case from the model at ``theta`` and ``lam`` (for recovery tests)."""
    probs = terminal_probabilities(spec, theta, lam, root)
    u = rng.random(spec.cases)
    pick = np.minimum((u[:, None] > np.cumsum(probs, axis=1)).sum(axis=1), probs.shape[1] - 1)
    terminals: IndexArray = np.asarray(spec.game.terminals, dtype=np.int64)
    return np.asarray(terminals[pick], dtype=np.int64)

