"""Agent logit quantal-response equilibrium, traced along lambda for every sample at once.

At an agent logit QRE (McKelvey & Palfrey 1995, 1998) every information set ``h`` plays

    sigma_h(a) = exp(lam * U_h(a)) / sum_b exp(lam * U_h(b)),

where ``U_h(a) = sum_{x in h} mu_h(x) V_i(child(x, a))`` is the mover's expected payoff of
``a`` under beliefs ``mu_h(x) = reach(x) / sum_{y in h} reach(y)`` (Bayes' rule; every reach
probability is positive at finite lambda, so beliefs are always defined).

**Lambda convention.**  ``lam`` multiplies the game's payoffs exactly as written, with no
normalisation, which is the convention of Gambit 16 (``gambit-logit`` and pygambit's
``qre.logit_solve_lambda`` / ``nash.logit_solve`` on the agent form, ``use_strategic=False``):
its equations are ``log p(a) - log p(a0) = lam * (U_h(a) - U_h(a0))`` with the action values
``U_h`` of the belief-weighted form above (Turocy 2010).  Doubling every payoff therefore
halves the lambda at which the same profile is reached.

**Tracing.**  The principal branch starts at the uniform profile at ``lam = 0`` and is
followed by predictor-corrector continuation (Allgower & Georg 1990; Turocy 2005) on the
homotopy ``H(log sigma, lam) = 0`` in log-probabilities: an Euler step along the unit tangent,
then Newton's method on ``H`` augmented with the step's hyperplane, so that turning points
("backward-bending" branches) are passed.  Internally every sample's payoffs are divided by
its payoff range ``r`` (and lambda multiplied by ``r``), so that one step-size rule fits all
samples; each sample has its own step length and the arithmetic is batched over the samples
still moving.  The Jacobian is exact: with ``c_p`` the contribution of terminal ``z`` to
``U_h(a)``, the derivative with respect to ``log sigma_b`` sums ``c_p`` over the paths that
also pass action ``b`` and subtracts the belief shift ``B_h(b) U_h(a)`` (Turocy 2001).

Without ``lam`` the limiting profile is returned: tracing stops for a sample once brink's
own max regret (:mod:`brink.solvers.regret`) is at most ``regret_tol`` times its payoff
range, or at ``max_lam`` (in units of ``1 / range``).  The limit of the principal branch is a
(sequential) Nash equilibrium (McKelvey & Palfrey 1998).
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from numba import njit
from numpy.typing import NDArray

from brink.errors import InputError
from brink.games import Game, GameError
from brink.solvers.profile import (
    expected_payoffs,
    node_values,
    reach_probabilities,
    with_chance,
)
from brink.solvers.regret import max_regret
from brink.solvers.result import Solution

__all__ = ["solve_qre"]

FloatArray = NDArray[np.float64]
IndexArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

#: Newton stops once every scaled correction ``|dw| / (1 + |w|)`` is below this.
NEWTON_TOL = 1e-11
#: Newton also stops once every residual is below this times the size of its terms.
RESIDUAL_TOL = 1e-10
#: Largest number of Newton iterations in one corrector step.
NEWTON_MAX = 8
#: Reject a step whose first correction is longer than this fraction of the step.
MAX_DISTANCE = 0.4
#: Reject a step whose Newton corrections shrink slower than this ratio.
MAX_CONTRACTION = 0.6
#: Reject a step whose tangent turns by more than this (cosine).
MIN_COSINE = 0.95
#: Largest factor by which a step grows after an easy success.
MAX_GROWTH = 2.0
#: A step may cross a bifurcation point (the orientation flips) only when this short.
FLIP_STEP = 1e-3
#: Give up on a sample when its step shrinks below this.
MIN_STEP = 1e-13
#: Bound on the samples handled in one batch (memory).
BATCH = 4096


@dataclass(frozen=True)
class _Structure:
    """Index arrays of one game tree, computed once per game.

    Variables are the log-probabilities of the actions of personal information sets, in
    the order of the flat profile.  A *pair* ``p`` is a terminal ``z`` together with a
    personal edge ``e1`` on its path: ``c_p = mu(x1) * P(x1 -> z | e1) * u_i(z)`` is its
    contribution to the action value of ``e1``'s action (``x1`` the node ``e1`` leaves).
    """

    n_vars: int
    parent: IndexArray
    var_flat: IndexArray
    var_set: IndexArray
    set_start: IndexArray
    ref: IndexArray
    is_ref: BoolArray
    same_set: BoolArray
    edge_var: IndexArray
    personal_edge: BoolArray
    level_nodes: tuple[IndexArray, ...]
    level_edges: tuple[IndexArray, ...]
    member_nodes: IndexArray
    member_set: IndexArray
    member_start: IndexArray
    member_count: IndexArray
    pair_row: IndexArray
    pair_node: IndexArray
    pair_child: IndexArray
    pair_terminal: IndexArray
    pair_outcome: IndexArray
    pair_player: IndexArray
    pair_set: IndexArray
    to_value: sp.csr_matrix
    below_entry: IndexArray
    below_pair: IndexArray
    above_entry: IndexArray
    above_pair: IndexArray
    path_entry: IndexArray
    path_node: IndexArray
    n_sets: int


_STRUCTURES: weakref.WeakKeyDictionary[Game, _Structure] = weakref.WeakKeyDictionary()


def _structure(game: Game) -> _Structure:
    cached = _STRUCTURES.get(game)
    if cached is not None:
        return cached
    ptr = game.infoset_action_ptr
    personal_sets = np.flatnonzero(game.infoset_player >= 0)
    sizes = (ptr[personal_sets + 1] - ptr[personal_sets]).astype(np.int64)
    set_start = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    n_vars = int(set_start[-1])
    var_set = np.repeat(np.arange(personal_sets.size, dtype=np.int64), sizes)
    var_flat = ptr[personal_sets][var_set] + (np.arange(n_vars) - set_start[var_set])
    flat_to_var = np.full(int(ptr[-1]), -1, dtype=np.int64)
    flat_to_var[var_flat] = np.arange(n_vars)
    ref = set_start[var_set]
    set_of_infoset = np.full(game.n_infosets, -1, dtype=np.int64)
    set_of_infoset[personal_sets] = np.arange(personal_sets.size)
    edge_var = flat_to_var[game.edge_infoset_action].astype(np.int64)
    personal_edge = edge_var >= 0
    var_player = game.infoset_player[personal_sets][var_set].astype(np.int64)

    depth = game.depth.astype(np.int64)
    n_levels = int(depth.max(initial=0)) + 1
    level_nodes = tuple(np.flatnonzero(depth == d).astype(np.int64) for d in range(1, n_levels))
    level_edges = tuple(game.parent_edge[nodes].astype(np.int64) for nodes in level_nodes)

    # edges on the path of every node, padded with -1: paths[v, k] is the k-th edge
    n = game.n_nodes
    width = max(n_levels - 1, 1)
    paths = np.full((n, width), -1, dtype=np.int64)
    for d, (nodes, edges) in enumerate(zip(level_nodes, level_edges, strict=True), start=1):
        paths[nodes] = paths[game.parent[nodes]]
        paths[nodes, d - 1] = edges

    members = [np.asarray(game.infoset_nodes[h], dtype=np.int64) for h in personal_sets]
    member_count = np.array([m.size for m in members], dtype=np.int64)
    member_nodes = np.concatenate(members) if members else np.zeros(0, dtype=np.int64)
    member_set = np.repeat(np.arange(personal_sets.size, dtype=np.int64), member_count)
    member_start = np.concatenate([[0], np.cumsum(member_count)[:-1]]).astype(np.int64)

    terminals = game.terminals.astype(np.int64)
    tpaths = paths[terminals]
    pz, pk = np.nonzero((tpaths >= 0) & personal_edge[np.maximum(tpaths, 0)])
    e1 = tpaths[pz, pk]
    pair_row = edge_var[e1]
    n_pairs = pz.size
    # every personal edge e2 on the same path, split into below / above e1
    k2 = np.arange(width)[None, :]
    e2 = tpaths[pz]
    ok = (e2 >= 0) & personal_edge[np.maximum(e2, 0)]
    cols = pair_row[:, None] * n_vars + edge_var[np.maximum(e2, 0)]
    rows = np.broadcast_to(np.arange(n_pairs)[:, None], e2.shape)
    sel_below = ok & (k2 > pk[:, None])
    sel_above = ok & (k2 < pk[:, None])
    to_value = sp.csr_matrix(
        (np.ones(n_pairs), (pair_row, np.arange(n_pairs))), shape=(n_vars, n_pairs)
    )
    # path_entry h * A + b, path_node x: node x of set h has personal action b on its path
    mp = paths[member_nodes]
    okm = (mp >= 0) & personal_edge[np.maximum(mp, 0)]
    mrow = member_set[:, None] * n_vars + edge_var[np.maximum(mp, 0)]
    mcol = np.broadcast_to(member_nodes[:, None], mp.shape)
    out = _Structure(
        n_vars=n_vars,
        parent=game.parent.astype(np.int64),
        var_flat=var_flat.astype(np.int64),
        var_set=var_set,
        set_start=set_start,
        ref=ref,
        is_ref=np.arange(n_vars) == ref,
        same_set=var_set[:, None] == var_set[None, :],
        edge_var=edge_var,
        personal_edge=personal_edge,
        level_nodes=level_nodes,
        level_edges=level_edges,
        member_nodes=member_nodes,
        member_set=member_set,
        member_start=member_start,
        member_count=member_count,
        pair_row=pair_row.astype(np.int64),
        pair_node=game.edge_parent[e1].astype(np.int64),
        pair_child=game.children[e1].astype(np.int64),
        pair_terminal=terminals[pz],
        pair_outcome=pz.astype(np.int64),
        pair_player=var_player[pair_row],
        pair_set=var_set[pair_row],
        to_value=to_value,
        below_entry=np.ascontiguousarray(cols[sel_below], dtype=np.int64),
        below_pair=np.ascontiguousarray(rows[sel_below], dtype=np.int64),
        above_entry=np.ascontiguousarray(cols[sel_above], dtype=np.int64),
        above_pair=np.ascontiguousarray(rows[sel_above], dtype=np.int64),
        path_entry=np.ascontiguousarray(mrow[okm], dtype=np.int64),
        path_node=np.ascontiguousarray(mcol[okm], dtype=np.int64),
        n_sets=int(personal_sets.size),
    )
    _STRUCTURES[game] = out
    return out


@dataclass(frozen=True)
class _Point:
    """The quantities of a batch of log-profiles that the homotopy needs."""

    residual: FloatArray  # (S, A)
    d_y: FloatArray | None  # (S, A, A)
    d_lam: FloatArray  # (S, A)
    beliefs: FloatArray  # (S, nodes)
    regret_bound: FloatArray  # (S,) lower bound on the max regret, units of the range


def _log_reach(
    st: _Structure, y: FloatArray, log_chance: FloatArray, zero_chance: BoolArray, n: int
) -> tuple[FloatArray, NDArray[np.int64]]:
    """Finite part of the log reach of every node and the number of impossible chance edges."""
    s = y.shape[0]
    lp = np.broadcast_to(log_chance, (s, log_chance.shape[-1])).copy()
    lp[:, st.personal_edge] = y[:, st.edge_var[st.personal_edge]]
    zeros = np.broadcast_to(zero_chance, lp.shape)
    finite = np.zeros((s, n))
    count = np.zeros((s, n), dtype=np.int64)
    for nodes, edges in zip(st.level_nodes, st.level_edges, strict=True):
        par = st.parent[nodes]
        finite[:, nodes] = finite[:, par] + lp[:, edges]
        count[:, nodes] = count[:, par] + zeros[:, edges]
    return finite, count


def _beliefs(
    st: _Structure, finite: FloatArray, count: NDArray[np.int64]
) -> tuple[FloatArray, BoolArray, FloatArray]:
    """Beliefs over the members of every personal set (Bayes' rule in log space).

    A set that only impossible chance moves lead to gets uniform beliefs, as in Gambit.
    Also returns which sets are reachable and the probability of reaching each set.
    """
    s = finite.shape[0]
    lr = np.where(count[:, st.member_nodes] == 0, finite[:, st.member_nodes], -np.inf)
    top = np.maximum.reduceat(lr, st.member_start, axis=1) if lr.shape[1] else lr
    reachable = np.isfinite(top)
    shift = np.where(reachable, top, 0.0)[:, st.member_set]
    w = np.exp(lr - shift)
    tot = np.add.reduceat(w, st.member_start, axis=1) if w.shape[1] else w
    uniform = 1.0 / st.member_count[st.member_set]
    mu_members = np.where(
        reachable[:, st.member_set], w / np.where(reachable, tot, 1.0)[:, st.member_set], uniform
    )
    mu = np.zeros((s, finite.shape[1]))
    mu[:, st.member_nodes] = mu_members
    set_reach = np.where(reachable, np.exp(np.where(reachable, top, 0.0)) * tot, 0.0)
    return mu, reachable, set_reach


def _evaluate(
    st: _Structure,
    y: FloatArray,
    lam: FloatArray,
    utility: FloatArray,
    log_chance: FloatArray,
    zero_chance: BoolArray,
    n_nodes: int,
    jacobian: bool = True,
) -> _Point:
    """Residual of the logit equations and its derivatives at a batch of points.

    ``utility`` is ``(S, terminals, players)`` in units of the payoff range; ``lam``
    is in the same units.  Rows of the system, per personal information set with first
    action ``a0``: ``sum_a sigma(a) - 1`` at ``a0`` and
    ``y(a) - y(a0) - lam (U(a) - U(a0))`` at every other action.
    """
    s, a_n = y.shape
    finite, count = _log_reach(st, y, log_chance, zero_chance, n_nodes)
    mu, reachable, set_reach = _beliefs(st, finite, count)
    same_count = count[:, st.pair_terminal] == count[:, st.pair_child]
    below = np.where(
        same_count, finite[:, st.pair_terminal] - finite[:, st.pair_child], -np.inf
    )
    c = mu[:, st.pair_node] * np.exp(below) * utility[:, st.pair_outcome, st.pair_player]
    value = np.asarray(st.to_value @ c.T).T  # (S, A)
    sigma = np.exp(y)
    sums = np.add.reduceat(sigma, st.set_start[:-1], axis=1)
    diff = value - value[:, st.ref]
    residual = np.where(st.is_ref, sums[:, st.var_set] - 1.0, y - y[:, st.ref] - lam[:, None] * diff)
    d_lam = np.where(st.is_ref, 0.0, -diff)
    start = st.set_start[:-1]
    loss = np.maximum.reduceat(value, start, axis=1) - np.add.reduceat(sigma * value, start, axis=1)
    bound = (set_reach * loss).max(axis=1, initial=0.0)
    if not jacobian:
        return _Point(residual, None, d_lam, mu, bound)
    d_y = np.empty((s, a_n, a_n))
    _jacobian_kernel(
        np.ascontiguousarray(c), mu, reachable, np.ascontiguousarray(value), sigma,
        np.ascontiguousarray(lam, dtype=np.float64), st.below_entry, st.below_pair,
        st.above_entry, st.above_pair, st.pair_set, st.path_entry, st.path_node,
        st.var_set, st.ref, d_y,
    )  # fmt: skip
    return _Point(residual, d_y, d_lam, mu, bound)


@njit(cache=True, nogil=True)
def _jacobian_kernel(
    c: FloatArray,
    mu: FloatArray,
    reachable: BoolArray,
    value: FloatArray,
    sigma: FloatArray,
    lam: FloatArray,
    below_entry: IndexArray,
    below_pair: IndexArray,
    above_entry: IndexArray,
    above_pair: IndexArray,
    pair_set: IndexArray,
    path_entry: IndexArray,
    path_node: IndexArray,
    var_set: IndexArray,
    ref: IndexArray,
    out: FloatArray,
) -> None:  # pragma: no cover - compiled
    """``d residual / d y`` for every sample, written into ``out`` (S, A, A).

    ``dU(a)/dy(b)`` sums the contributions ``c_p`` of the pairs whose path also passes
    ``b`` (below ``a``'s edge always; above it only in a reachable set), minus the belief
    shift ``B_h(b) U_h(a)`` (Turocy 2001); rows of reference actions hold ``sigma`` over
    their set (the derivative of ``sum sigma - 1``).
    """
    s_n, a_n = value.shape
    n_sets = reachable.shape[1]
    jac = np.empty((a_n, a_n))
    shifts = np.empty((n_sets, a_n))
    for s in range(s_n):
        jac[:] = 0.0
        shifts[:] = 0.0
        for e in range(below_entry.size):
            q = below_entry[e]
            jac[q // a_n, q % a_n] += c[s, below_pair[e]]
        for e in range(above_entry.size):
            p = above_pair[e]
            if reachable[s, pair_set[p]]:
                q = above_entry[e]
                jac[q // a_n, q % a_n] += c[s, p]
        for e in range(path_entry.size):
            q = path_entry[e]
            shifts[q // a_n, q % a_n] += mu[s, path_node[e]]
        for a in range(a_n):
            h = var_set[a]
            if reachable[s, h]:
                for b in range(a_n):
                    jac[a, b] -= shifts[h, b] * value[s, a]
        for a in range(a_n):
            r = ref[a]
            if a == r:
                for b in range(a_n):
                    out[s, a, b] = sigma[s, b] if var_set[b] == var_set[a] else 0.0
            else:
                for b in range(a_n):
                    out[s, a, b] = -lam[s] * (jac[a, b] - jac[r, b])
                out[s, a, a] += 1.0
                out[s, a, r] -= 1.0


@dataclass
class _Problem:
    """A game prepared for tracing: normalised payoffs and log chance probabilities."""

    game: Game
    st: _Structure
    samples: int
    scale: FloatArray  # (S,) payoff range
    utility: FloatArray  # (S, T, players) in units of the range
    log_chance: FloatArray  # (S or 1, E)
    zero_chance: BoolArray  # (S or 1, E)

    def evaluate(self, idx: IndexArray, w: FloatArray, jacobian: bool = True) -> _Point:
        lc = self.log_chance if self.log_chance.shape[0] == 1 else self.log_chance[idx]
        zc = self.zero_chance if self.zero_chance.shape[0] == 1 else self.zero_chance[idx]
        return _evaluate(
            self.st,
            w[:, :-1],
            w[:, -1],
            self.utility[idx],
            lc,
            zc,
            self.game.n_nodes,
            jacobian,
        )

    def profile(self, idx: IndexArray, y: FloatArray) -> FloatArray:
        prof = np.zeros((idx.size, int(self.game.infoset_action_ptr[-1])))
        prof[:, self.st.var_flat] = np.exp(y)
        return with_chance(self._sub(idx), prof)

    def _sub(self, idx: IndexArray) -> Game:
        g = self.game
        if g.samples is None:
            return g
        pay = g.outcome_payoffs[idx] if g.outcome_payoffs.ndim == 3 else g.outcome_payoffs
        chance = g.chance_probs[idx] if g.chance_probs.ndim == 2 else g.chance_probs
        return g.with_samples(outcome_payoffs=pay, chance_probs=chance)

    def regret(self, idx: IndexArray, y: FloatArray) -> FloatArray:
        """Max regret in units of each sample's payoff range."""
        return np.asarray(
            max_regret(self._sub(idx), self.profile(idx, y)) / self.scale[idx], dtype=np.float64
        )


def _prepare(game: Game) -> _Problem:
    violation = game.perfect_recall_violation
    if violation is not None:
        raise GameError(
            f"game {game.title!r} does not have perfect recall: {violation}; the agent QRE "
            f"needs perfect recall (McKelvey & Palfrey 1998): make every information set's "
            f"nodes share the mover's own earlier moves"
        )
    st = _structure(game)
    s = game.samples or 1
    tp = game.terminal_payoffs()
    tp = np.broadcast_to(tp, (s, *tp.shape[-2:])) if tp.ndim == 2 else tp
    lo = tp.min(axis=(1, 2)) if tp.size else np.zeros(s)
    hi = tp.max(axis=(1, 2)) if tp.size else np.zeros(s)
    scale = np.where(hi > lo, hi - lo, 1.0)
    utility = (tp - lo[:, None, None]) / scale[:, None, None]
    probs = game.chance_probs
    probs = probs[None, :] if probs.ndim == 1 else probs
    zero = (probs <= 0.0) & ~st.personal_edge
    with np.errstate(divide="ignore"):
        log_chance = np.where(zero, 0.0, np.log(np.where(zero, 1.0, probs)))
    return _Problem(game, st, s, scale, np.ascontiguousarray(utility), log_chance, zero)


def _tangent(
    d_y: FloatArray, d_lam: FloatArray, previous: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Unit tangent of the branch, oriented like ``previous``, and the branch orientation.

    The tangent solves ``[H_w; previous] t = e_last``.  The sign of the determinant of that
    augmented matrix equals the sign of ``det [H_w; t]``, which is constant along a smooth
    branch, through turning points included, and flips only at a bifurcation point
    (Allgower & Georg 1990, sec. 2.1 and 8.1).  A step that lands on another part of the
    branch running the opposite way (a jump across an S-shaped fold) shows up as a flip.
    """
    s, a_n = d_lam.shape
    aug = np.zeros((s, a_n + 1, a_n + 1))
    aug[:, :a_n, :a_n] = d_y
    aug[:, :a_n, a_n] = d_lam
    aug[:, a_n, :] = previous
    rhs = np.zeros((s, a_n + 1))
    rhs[:, a_n] = 1.0
    t, sign = _solve(aug, rhs)
    with np.errstate(invalid="ignore"):
        return np.asarray(t / np.linalg.norm(t, axis=1, keepdims=True), dtype=np.float64), sign


def _solve(mat: FloatArray, rhs: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Batched linear solve and the sign of each determinant (0 and NaN rows if singular)."""
    out = np.empty(rhs.shape)
    sign = np.empty(rhs.shape[0])
    _lu_kernel(np.ascontiguousarray(mat), np.ascontiguousarray(rhs), out, sign)
    return out, sign


@njit(cache=True, nogil=True)
def _lu_kernel(
    mat: FloatArray, rhs: FloatArray, out: FloatArray, sign: FloatArray
) -> None:  # pragma: no cover - compiled
    """Gaussian elimination with partial pivoting, one small dense system per sample.

    The systems are 1 + the number of free actions wide; a compiled loop is as fast as
    LAPACK's batched ``gesv`` there and also yields the determinant's sign.
    """
    s_n, n, _ = mat.shape
    a = np.empty((n, n))
    x = np.empty(n)
    for s in range(s_n):
        a[:, :] = mat[s]
        x[:] = rhs[s]
        sg = 1.0
        for k in range(n):
            p = k
            best = abs(a[k, k])
            for i in range(k + 1, n):
                v = abs(a[i, k])
                if v > best:
                    best = v
                    p = i
            if best == 0.0 or not np.isfinite(best):
                sg = 0.0
                break
            if p != k:
                sg = -sg
                for j in range(n):
                    a[k, j], a[p, j] = a[p, j], a[k, j]
                x[k], x[p] = x[p], x[k]
            if a[k, k] < 0.0:
                sg = -sg
            inv = 1.0 / a[k, k]
            for i in range(k + 1, n):
                f = a[i, k] * inv
                if f != 0.0:
                    for j in range(k + 1, n):
                        a[i, j] -= f * a[k, j]
                    x[i] -= f * x[k]
        sign[s] = sg
        if sg == 0.0:
            out[s, :] = np.nan
            continue
        for i in range(n - 1, -1, -1):
            acc = x[i]
            for j in range(i + 1, n):
                acc -= a[i, j] * x[j]
            x[i] = acc / a[i, i]
        out[s, :] = x


@dataclass
class _Corrected:
    """Newton's result and the derivatives at each sample's last evaluated iterate.

    The last iterate evaluated is the returned point, or the one a single converged Newton
    step (correction below ``NEWTON_TOL``) before it: close enough for the next tangent
    and for the regret bound, which saves one Jacobian per step.
    """

    w: FloatArray
    ok: BoolArray
    iterations: NDArray[np.int64]
    d_y: FloatArray
    d_lam: FloatArray
    regret_bound: FloatArray


def _correct(
    prob: _Problem,
    idx: IndexArray,
    w_pred: FloatArray,
    normal: FloatArray,
    step: FloatArray,
) -> _Corrected:
    """Newton's method on ``H(w) = 0, normal . (w - w_pred) = 0`` for a batch of samples."""
    w = w_pred.copy()
    s, dim = w.shape
    a_n = dim - 1
    done = np.zeros(s, dtype=bool)
    bad = np.zeros(s, dtype=bool)
    iterations = np.zeros(s, dtype=np.int64)
    last = np.full(s, np.inf)
    d_y = np.zeros((s, a_n, a_n))
    d_lam = np.zeros((s, a_n))
    bound = np.full(s, np.inf)
    for it in range(NEWTON_MAX + 1):
        live = np.flatnonzero(~done & ~bad)
        if live.size == 0:
            break
        with np.errstate(over="ignore", invalid="ignore"):
            pt = prob.evaluate(idx[live], w[live])
        assert pt.d_y is not None
        d_y[live] = pt.d_y
        d_lam[live] = pt.d_lam
        bound[live] = pt.regret_bound
        y = w[live, :-1]
        lam = w[live, -1:]
        scale = np.where(prob.st.is_ref, 1.0, 1.0 + np.abs(y) + np.abs(y[:, prob.st.ref]) + lam)
        on_plane = np.abs(np.einsum("sd,sd->s", normal[live], w[live] - w_pred[live]))
        with np.errstate(invalid="ignore"):
            small = np.all(np.abs(pt.residual) <= RESIDUAL_TOL * scale, axis=1)
        small &= on_plane <= RESIDUAL_TOL * (1.0 + np.abs(w[live]).max(axis=1))
        done[live[small]] = True
        if it == NEWTON_MAX:
            break
        go = ~small
        live = live[go]
        if live.size == 0:
            break
        aug = np.zeros((live.size, dim, dim))
        aug[:, :a_n, :a_n] = pt.d_y[go]
        aug[:, :a_n, a_n] = pt.d_lam[go]
        aug[:, a_n, :] = normal[live]
        rhs = np.empty((live.size, dim))
        rhs[:, :a_n] = pt.residual[go]
        rhs[:, a_n] = np.einsum("sd,sd->s", normal[live], w[live] - w_pred[live])
        delta = -_solve(aug, rhs)[0]
        w[live] += delta
        iterations[live] += 1
        with np.errstate(invalid="ignore", over="ignore"):
            size = np.max(np.abs(delta) / (1.0 + np.abs(w[live])), axis=1)
            dist = np.linalg.norm(delta, axis=1)
        broken = ~np.isfinite(size) | ~np.all(np.isfinite(w[live]), axis=1)
        if it == 0:
            broken |= dist > MAX_DISTANCE * step[live] + 1e3 * NEWTON_TOL
        else:
            broken |= (size > MAX_CONTRACTION * last[live]) & (size > NEWTON_TOL)
        last[live] = size
        bad[live] |= broken
        done[live] |= ~broken & (size <= NEWTON_TOL)
    return _Corrected(w, done & ~bad, iterations, d_y, d_lam, bound)


def _trace(
    prob: _Problem,
    target: FloatArray | None,
    regret_tol: float,
    max_lam: float,
    first_step: float,
    max_steps: int,
) -> dict[str, Any]:
    """Follow the principal branch of every sample; ``target`` in units of ``1 / range``.

    Without a target, brink's max regret (a backward induction per player) is computed
    only for samples whose cheap lower bound, the largest reach-weighted loss of a single
    information set (an agent deviation), is already within ``regret_tol``; the stopping
    step is the same as with the full check at every step.
    """
    s = prob.samples
    a_n = prob.st.n_vars
    sizes = np.diff(prob.st.set_start)
    y0 = -np.log(sizes[prob.st.var_set].astype(np.float64))
    w = np.tile(np.concatenate([y0, [0.0]]), (s, 1))
    t = np.zeros((s, a_n + 1))
    t[:, -1] = 1.0
    orientation = np.ones(s)
    step = np.full(s, first_step)
    finished = np.zeros(s, dtype=bool)
    failed = np.zeros(s, dtype=bool)
    steps = np.zeros(s, dtype=np.int64)
    rejected = np.zeros(s, dtype=np.int64)
    regret = np.full(s, np.nan)
    all_idx = np.arange(s)
    if target is not None:
        finished |= target <= 0.0
    elif a_n:
        regret[:] = prob.regret(all_idx, w[:, :-1])
        finished |= regret <= regret_tol
    if a_n:
        pt = prob.evaluate(all_idx, w)
        assert pt.d_y is not None
        t, orientation = _tangent(pt.d_y, pt.d_lam, t)
    else:
        finished[:] = True
    rounds = 0
    while True:
        live_all = np.flatnonzero(~finished & ~failed)
        if live_all.size == 0 or rounds >= max_steps:
            break
        rounds += 1
        for lo in range(0, live_all.size, BATCH):
            live = live_all[lo : lo + BATCH]
            h = step[live]
            tl = t[live]
            w0 = w[live]
            normal = tl.copy()
            hitting = np.zeros(live.size, dtype=bool)
            if target is not None:
                tlam = tl[:, -1]
                reach = w0[:, -1] + h * tlam
                hitting = (tlam > 0) & (reach >= target[live])
                h = np.where(hitting, (target[live] - w0[:, -1]) / np.where(hitting, tlam, 1.0), h)
                normal[hitting] = 0.0
                normal[hitting, -1] = 1.0
            w_pred = w0 + h[:, None] * tl
            cor = _correct(prob, live, w_pred, normal, h)
            ok = cor.ok
            t_new = np.zeros_like(tl)
            sign = np.zeros(live.size)
            if ok.any():
                good = np.flatnonzero(ok)
                t_new[good], sign[good] = _tangent(cor.d_y[good], cor.d_lam[good], tl[good])
                cosine = np.einsum("sd,sd->s", t_new[good], tl[good])
                turn = ~(cosine >= MIN_COSINE) & ~hitting[good]
                ok[good[turn]] = False
                ok &= cor.w[:, -1] >= 0.0
                # a flip of orientation on a long step is a jump to another part of the
                # branch; on a short one it is a bifurcation point being crossed
                flip = sign != orientation[live]
                ok &= ~flip | (h <= FLIP_STEP)
            acc = live[ok]
            w[acc] = cor.w[ok]
            t[acc] = t_new[ok]
            orientation[acc] = sign[ok]
            steps[acc] += 1
            easy = cor.iterations[ok] <= 3
            step[acc] = np.where(easy, h[ok] * MAX_GROWTH, h[ok])
            rej = live[~ok]
            rejected[rej] += 1
            step[rej] = h[~ok] * 0.5
            failed[rej] |= step[rej] < MIN_STEP
            if target is not None:
                finished[live[ok & hitting]] = True
            elif acc.size:
                near = acc[cor.regret_bound[ok] <= 2.0 * regret_tol]
                if near.size:
                    regret[near] = prob.regret(near, w[near, :-1])
                    finished[near] |= regret[near] <= regret_tol
                capped = acc[w[acc, -1] >= max_lam]
                finished[capped] = True
    converged = finished.copy()
    if target is None:
        # a regret left NaN had a lower bound above the tolerance: not converged
        converged &= regret <= regret_tol
    failed |= ~converged
    return {
        "w": w,
        "failed": failed,
        "converged": converged,
        "steps": steps,
        "rejected": rejected,
        "regret": regret,
        "rounds": rounds,
    }


def solve_qre(
    game: Game,
    lam: float | None = None,
    *,
    regret_tol: float = 1e-8,
    max_lam: float = 1e10,
    first_step: float = 0.03,
    max_steps: int = 2000,
) -> Solution:
    """Agent logit QRE of ``game`` at precision ``lam``, or its limit, for every sample.

    Args:
        game: A game with perfect recall; payoffs ``([S,] outcomes, players)`` and chance
            probabilities ``([S,] edges)`` may carry a sample dimension.
        lam: Logit precision in Gambit's convention (it multiplies the payoffs as written).
            ``None`` follows the branch to its limit, a Nash equilibrium.
        regret_tol: Without ``lam``: stop a sample once its max regret is at most this
            times its payoff range (Gambit's ``maxregret``).
        max_lam: Without ``lam``: stop a sample once ``lam * range`` exceeds this.
        first_step: Arclength of the first step (in units of the payoff range).
        max_steps: Bound on predictor-corrector rounds.

    Returns:
        A :class:`Solution` with ``solver="qre"``, ``lam`` (``inf`` for the limit) and
        ``info`` holding per-sample arrays ``failed`` (the branch was lost or the regret
        target not met; such samples keep the last point reached and are never dropped),
        ``converged``, ``lam`` (the lambda reached, Gambit units), ``steps``, ``rejected``
        and ``regret_scaled`` (max regret over payoff range).

    Raises:
        GameError: the game lacks perfect recall (the message names the information set).
        InputError: ``lam`` is negative or not finite.
    """
    if lam is not None and not (np.isfinite(lam) and lam >= 0):
        raise InputError(
            f"lambda must be a finite number >= 0, got {lam!r}",
            where="solve_qre(lam=...)",
            fix="pass lam >= 0, or leave it out for the limiting equilibrium",
        )
    prob = _prepare(game)
    target = None if lam is None else float(lam) * prob.scale
    run = _trace(prob, target, regret_tol, max_lam, first_step, max_steps)
    w = run["w"]
    all_idx = np.arange(prob.samples)
    profile = prob.profile(all_idx, w[:, :-1])
    mu = prob.evaluate(all_idx, w, jacobian=False).beliefs if prob.st.n_vars else None
    beliefs = np.ones((prob.samples, game.n_nodes))
    if mu is not None:
        beliefs[:, prob.st.member_nodes] = mu[:, prob.st.member_nodes]
    chance_sets = np.flatnonzero(game.infoset_player < 0)
    if chance_sets.size:
        reach = reach_probabilities(game, profile)
        reach = np.broadcast_to(reach, (prob.samples, game.n_nodes))
        for h in chance_sets:
            nodes = np.asarray(game.infoset_nodes[int(h)])
            tot = reach[:, nodes].sum(axis=1, keepdims=True)
            beliefs[:, nodes] = np.where(tot > 0, reach[:, nodes] / np.where(tot > 0, tot, 1), 1 / nodes.size)
    single = game.samples is None

    def shape(arr: NDArray[Any]) -> NDArray[Any]:
        return np.asarray(arr[0]) if single else np.asarray(arr)

    prof_out = shape(profile)
    regret = max_regret(game, prof_out)
    info: dict[str, Any] = {
        "failed": shape(run["failed"]),
        "converged": shape(run["converged"]),
        "lam": shape(w[:, -1] / prob.scale),
        "steps": shape(run["steps"]),
        "rejected": shape(run["rejected"]),
        "regret_scaled": shape(np.asarray(regret) / prob.scale if single else regret / prob.scale),
        "rounds": run["rounds"],
        "regret_tol": regret_tol,
        "max_lam": max_lam,
    }
    return Solution(
        game=game,
        solver="qre",
        profile=prof_out,
        payoffs=expected_payoffs(game, prof_out),
        reach=reach_probabilities(game, prof_out),
        beliefs=shape(beliefs),
        node_values=node_values(game, prof_out),
        max_regret=np.asarray(regret, dtype=np.float64),
        ties=np.zeros_like(shape(beliefs), dtype=bool),
        lam=float("inf") if lam is None else float(lam),
        info=info,
    )
