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
samples; each sample has its own step length.  The whole trace of every sample (predictor,
corrector, step control, orientation and stopping tests, max regret) is one compiled loop
(numba) over flat index arrays of the tree, so a sample whose branch folds many times costs
only its own steps.  The Jacobian is exact: with ``c_p`` the contribution of terminal ``z`` to
``U_h(a)``, the derivative with respect to ``log sigma_b`` sums ``c_p`` over the paths that
also pass action ``b`` and subtracts the belief shift ``B_h(b) U_h(a)`` (Turocy 2001).

Without ``lam`` the limiting profile is returned: tracing stops for a sample once its max
regret (:func:`brink.solvers.regret.best_response_gains`, the same compiled code as
:func:`brink.solvers.regret.max_regret`) is at most
``regret_tol`` times its payoff range, or at ``max_lam`` (in units of ``1 / range``).  The limit of the principal branch is a
(sequential) Nash equilibrium (McKelvey & Palfrey 1998).
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
from numba import njit
from numpy.typing import NDArray

from brink.arrays import BoolArray, FloatArray, IndexArray
from brink.errors import InputError
from brink.games import Game, GameError
from brink.solvers.precision import check_lambda
from brink.solvers.profile import (
    expected_payoffs,
    node_values,
    reach_probabilities,
    with_chance,
)
from brink.solvers.regret import RegretTree, best_response_gains, regret_tree, sequential_gains
from brink.solvers.result import Solution

__all__ = ["MAX_ACTIONS", "MAX_BYTES", "solve_qre"]


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
#: Most personal actions (variables) a game may have for the trace: every step solves
#: dense linear systems of this size, in time cubic in it.
MAX_ACTIONS = 1000
#: Most memory the trace's index arrays (per terminal path, quadratic in the depth) and
#: dense Jacobians (per sample) may take; larger games are refused before allocating.
MAX_BYTES = 2 * 2**30


class _Flat(NamedTuple):
    """Flat index arrays of one game tree, the form the compiled trace works on.

    Variables are the log-probabilities of the actions of personal information sets, in
    the order of the flat profile; ``set_*`` refer to personal information sets only.  A
    *pair* ``p`` is a terminal ``z`` together with a personal edge ``e1`` on its path:
    ``c_p = mu(x1) * P(x1 -> z | e1) * u_i(z)`` is its contribution to the action value of
    ``e1``'s action (``x1`` the node ``e1`` leaves).  ``below_*`` / ``above_*`` list, per
    pair, the flat Jacobian entries ``row * A + b`` of the personal actions ``b`` below /
    above ``e1`` on the path; ``path_*`` the entries ``h * A + b`` of the actions on the
    path of each member node of set ``h`` (the belief shift), ``shift_*`` the distinct ones
    per set.  ``regret`` is the game's :class:`~brink.solvers.regret.RegretTree` (same
    variables and sets), from which the shared arrays here are taken, for
    :func:`_max_regret`.  Nodes are in preorder, so a node's parent comes before it.
    """

    parent: IndexArray
    parent_edge: IndexArray
    child_ptr: IndexArray
    children: IndexArray
    terminal_index: IndexArray
    terminals: IndexArray
    edge_var: IndexArray
    var_set: IndexArray
    ref: IndexArray
    set_start: IndexArray
    member_nodes: IndexArray
    member_start: IndexArray
    pair_row: IndexArray
    pair_node: IndexArray
    pair_child: IndexArray
    pair_terminal: IndexArray
    pair_outcome: IndexArray
    pair_player: IndexArray
    pair_set: IndexArray
    below_entry: IndexArray
    below_pair: IndexArray
    above_entry: IndexArray
    above_pair: IndexArray
    path_entry: IndexArray
    path_node: IndexArray
    shift_entry: IndexArray
    shift_ptr: IndexArray
    regret: RegretTree


@dataclass(frozen=True)
class _Structure:
    """A game's index arrays, computed once per game."""

    n_vars: int
    var_flat: IndexArray
    member_nodes: IndexArray
    personal_edge: BoolArray
    flat: _Flat


_STRUCTURES: weakref.WeakKeyDictionary[Game, _Structure] = weakref.WeakKeyDictionary()


def _structure(game: Game) -> _Structure:
    cached = _STRUCTURES.get(game)
    if cached is not None:
        return cached
    t = regret_tree(game)
    n_vars = int(t.set_start[-1])
    var_set, set_start, edge_var = t.var_set, t.set_start, t.edge_var
    ref = set_start[var_set]
    personal_edge = edge_var >= 0
    var_player = t.set_player[var_set]
    member_nodes, member_start = t.member_nodes, t.member_start

    depth = game.depth.astype(np.int64)
    n_levels = int(depth.max(initial=0)) + 1
    # edges on the path of every node, padded with -1: paths[v, k] is the k-th edge
    n = game.n_nodes
    width = max(n_levels - 1, 1)
    paths = np.full((n, width), -1, dtype=np.int64)
    for d in range(1, n_levels):
        nodes = np.flatnonzero(depth == d)
        paths[nodes] = paths[game.parent[nodes]]
        paths[nodes, d - 1] = game.parent_edge[nodes]

    member_set = np.repeat(np.arange(set_start.size - 1, dtype=np.int64), np.diff(member_start))

    def ints(values: Any) -> IndexArray:
        return np.ascontiguousarray(values, dtype=np.int64)

    terminals = t.terminals
    tpaths = paths[terminals]
    # lookups padded at the end, so that the padding -1 of ``paths`` reads "no personal
    # edge" even in a game without edges (a root that is terminal)
    pe = np.append(personal_edge, False)
    ev = np.append(edge_var, 0)
    pz, pk = np.nonzero((tpaths >= 0) & pe[tpaths])
    e1 = tpaths[pz, pk]
    pair_row = edge_var[e1]
    n_pairs = pz.size
    # every personal edge e2 on the same path, split into below / above e1
    k2 = np.arange(width)[None, :]
    e2 = tpaths[pz]
    ok = (e2 >= 0) & pe[e2]
    cols = pair_row[:, None] * n_vars + ev[e2]
    rows = np.broadcast_to(np.arange(n_pairs)[:, None], e2.shape)
    sel_below = ok & (k2 > pk[:, None])
    sel_above = ok & (k2 < pk[:, None])
    # path_entry h * A + b, path_node x: node x of set h has personal action b on its path
    mp = paths[member_nodes]
    okm = (mp >= 0) & pe[mp]
    mrow = member_set[:, None] * n_vars + ev[mp]
    mcol = np.broadcast_to(member_nodes[:, None], mp.shape)

    # the distinct entries h * A + b, sorted by set h
    shift_entry = ints(np.unique(mrow[okm]))
    n_sets = int(set_start.size - 1)

    flat = _Flat(
        parent=t.parent,
        parent_edge=t.parent_edge,
        child_ptr=t.child_ptr,
        children=t.children,
        terminal_index=t.terminal_index,
        terminals=terminals,
        edge_var=edge_var,
        var_set=var_set,
        ref=ints(ref),
        set_start=set_start,
        member_nodes=member_nodes,
        member_start=member_start,
        pair_row=ints(pair_row),
        pair_node=ints(game.edge_parent[e1]),
        pair_child=ints(game.children[e1]),
        pair_terminal=ints(terminals[pz]),
        pair_outcome=ints(pz),
        pair_player=ints(var_player[pair_row]),
        pair_set=ints(var_set[pair_row]),
        below_entry=ints(cols[sel_below]),
        below_pair=ints(rows[sel_below]),
        above_entry=ints(cols[sel_above]),
        above_pair=ints(rows[sel_above]),
        path_entry=ints(mrow[okm]),
        path_node=ints(mcol[okm]),
        shift_entry=shift_entry,
        shift_ptr=ints(np.searchsorted(shift_entry // max(n_vars, 1), np.arange(n_sets + 1))),
        regret=t,
    )
    out = _Structure(
        n_vars=n_vars,
        var_flat=t.var_flat,
        member_nodes=member_nodes,
        personal_edge=personal_edge,
        flat=flat,
    )
    _STRUCTURES[game] = out
    return out


@njit(cache=True, nogil=True)
def _evaluate(
    g: _Flat,
    y: FloatArray,
    lam: float,
    utility: FloatArray,
    log_chance: FloatArray,
    zero_chance: BoolArray,
    jacobian: bool,
    residual: FloatArray,
    d_y: FloatArray,
    d_lam: FloatArray,
    mu: FloatArray,
    work: FloatArray,
) -> float:  # pragma: no cover - compiled
    """Residual of the logit equations at one point, its derivatives and the beliefs.

    ``utility`` is ``(terminals, players)`` in units of the payoff range; ``lam`` is in the
    same units.  Rows of the system, per personal information set with first action
    ``a0``: ``sum_a sigma(a) - 1`` at ``a0`` and ``y(a) - y(a0) - lam (U(a) - U(a0))`` at
    every other action.  Beliefs follow Bayes' rule in log space; a set that only
    impossible chance moves lead to gets uniform beliefs, as in Gambit.

    The Jacobian (written into ``d_y`` when ``jacobian``) is exact: ``dU(a)/dy(b)`` sums
    the contributions ``c_p`` of the pairs whose path also passes ``b`` (below ``a``'s
    edge always; above it only in a reachable set), minus the belief shift
    ``B_h(b) U_h(a)`` (Turocy 2001); rows of reference actions hold ``sigma`` over their
    set.  Returns a lower bound on the max regret: the largest reach-weighted loss of
    deviating at a single information set.  ``work`` is scratch space.
    """
    a_n = y.size
    n = g.parent.size
    n_sets = g.set_start.size - 1
    n_pairs = g.pair_row.size
    finite = work[:n]
    count = work[n : 2 * n]
    at = 2 * n
    set_reach = work[at : at + n_sets]
    reachable = work[at + n_sets : at + 2 * n_sets]
    at += 2 * n_sets
    c = work[at : at + n_pairs]
    value = work[at + n_pairs : at + n_pairs + a_n]
    sigma = work[at + n_pairs + a_n : at + n_pairs + 2 * a_n]
    shifts = work[at + n_pairs + 2 * a_n : at + n_pairs + 2 * a_n + n_sets * a_n]
    finite[0] = 0.0
    count[0] = 0.0
    for v in range(1, n):
        e = g.parent_edge[v]
        p = g.parent[v]
        k = g.edge_var[e]
        if k >= 0:
            finite[v] = finite[p] + y[k]
            count[v] = count[p]
        else:
            finite[v] = finite[p] + log_chance[e]
            count[v] = count[p] + (1.0 if zero_chance[e] else 0.0)
    for h in range(n_sets):
        lo, hi = g.member_start[h], g.member_start[h + 1]
        top = -np.inf
        for m in range(lo, hi):
            x = g.member_nodes[m]
            if count[x] == 0.0 and finite[x] > top:
                top = finite[x]
        if np.isfinite(top):
            tot = 0.0
            for m in range(lo, hi):
                x = g.member_nodes[m]
                wx = np.exp(finite[x] - top) if count[x] == 0.0 else 0.0
                mu[x] = wx
                tot += wx
            for m in range(lo, hi):
                mu[g.member_nodes[m]] /= tot
            reachable[h] = 1.0
            set_reach[h] = np.exp(top) * tot
        else:
            for m in range(lo, hi):
                mu[g.member_nodes[m]] = 1.0 / (hi - lo)
            reachable[h] = 0.0
            set_reach[h] = 0.0
    value[:] = 0.0
    for p in range(n_pairs):
        z = g.pair_terminal[p]
        x = g.pair_child[p]
        below = np.exp(finite[z] - finite[x]) if count[z] == count[x] else 0.0
        c[p] = mu[g.pair_node[p]] * below * utility[g.pair_outcome[p], g.pair_player[p]]
        value[g.pair_row[p]] += c[p]
    bound = 0.0
    for h in range(n_sets):
        lo, hi = g.set_start[h], g.set_start[h + 1]
        total = 0.0
        best = -np.inf
        for a in range(lo, hi):
            sigma[a] = np.exp(y[a])
            total += sigma[a]
            best = max(best, value[a])
        expected = 0.0
        for a in range(lo, hi):
            expected += sigma[a] * value[a]
        bound = max(bound, set_reach[h] * (best - expected))
        residual[lo] = total - 1.0
        d_lam[lo] = 0.0
        for a in range(lo + 1, hi):
            diff = value[a] - value[lo]
            residual[a] = y[a] - y[lo] - lam * diff
            d_lam[a] = -diff
    if not jacobian:
        return bound
    jac = d_y
    jac[:, :] = 0.0
    for e in range(g.below_entry.size):
        q = g.below_entry[e]
        jac[q // a_n, q % a_n] += c[g.below_pair[e]]
    for e in range(g.above_entry.size):
        p = g.above_pair[e]
        if reachable[g.pair_set[p]] > 0.0:
            q = g.above_entry[e]
            jac[q // a_n, q % a_n] += c[p]
    shifts[:] = 0.0
    for e in range(g.path_entry.size):
        shifts[g.path_entry[e]] += mu[g.path_node[e]]
    for a in range(a_n):
        h = g.var_set[a]
        if reachable[h] > 0.0:
            for e in range(g.shift_ptr[h], g.shift_ptr[h + 1]):
                q = g.shift_entry[e]
                jac[a, q - h * a_n] -= shifts[q] * value[a]
    for h in range(n_sets):
        lo, hi = g.set_start[h], g.set_start[h + 1]
        for a in range(hi - 1, lo, -1):
            for b in range(a_n):
                jac[a, b] = -lam * (jac[a, b] - jac[lo, b])
            jac[a, a] += 1.0
            jac[a, lo] -= 1.0
        for b in range(a_n):
            jac[lo, b] = sigma[b] if g.var_set[b] == h else 0.0
    return bound


@njit(cache=True, nogil=True)
def _scratch(g: _Flat) -> FloatArray:  # pragma: no cover - compiled
    """Scratch space for :func:`_evaluate` on the game ``g``."""
    n, n_sets, a_n = g.parent.size, g.set_start.size - 1, g.var_set.size
    return np.empty(2 * n + 2 * n_sets + g.pair_row.size + 2 * a_n + n_sets * a_n)


@njit(cache=True, nogil=True)
def _lu_solve(a: FloatArray, x: FloatArray, row: FloatArray) -> float:  # pragma: no cover
    """Solve ``a z = x`` in place (``x`` becomes ``z``; ``a`` is destroyed).

    Gaussian elimination with partial pivoting; returns the sign of ``det a``, or 0 (and
    a NaN solution) when ``a`` is singular.  The systems are 1 + the number of free
    actions wide, small enough that a plain loop beats a LAPACK call's overhead; the
    pivot row is copied to ``row`` so that the compiler vectorises the elimination.
    """
    n = x.size
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
            x[:] = np.nan
            return 0.0
        if p != k:
            sg = -sg
            for j in range(k, n):
                a[k, j], a[p, j] = a[p, j], a[k, j]
            x[k], x[p] = x[p], x[k]
        if a[k, k] < 0.0:
            sg = -sg
        inv = 1.0 / a[k, k]
        m = n - k - 1
        for j in range(m):
            row[j] = a[k, k + 1 + j]
        for i in range(k + 1, n):
            f = a[i, k] * inv
            if f != 0.0:
                rest = a[i, k + 1 :]
                for j in range(m):
                    rest[j] -= f * row[j]
                x[i] -= f * x[k]
    for i in range(n - 1, -1, -1):
        acc = x[i]
        for j in range(i + 1, n):
            acc -= a[i, j] * x[j]
        x[i] = acc / a[i, i]
    return sg


@njit(cache=True, nogil=True)
def _max_regret(
    g: _Flat, y: FloatArray, probs: FloatArray, utility: FloatArray
) -> float:  # pragma: no cover - compiled
    """Max regret at ``exp(y)``: :func:`brink.solvers.regret.best_response_gains`, maximised."""
    gains = np.empty(g.regret.player_stage_ptr.size - 1)
    best_response_gains(g.regret, np.exp(y), probs, utility, gains)
    worst = 0.0
    for i in range(gains.size):
        worst = max(worst, gains[i])
    return worst


@njit(cache=True, nogil=True)
def _sequential_regret(
    g: _Flat, y: FloatArray, probs: FloatArray, utility: FloatArray
) -> float:  # pragma: no cover - compiled
    """Largest conditional one-shot gain at ``exp(y)``: :func:`brink.solvers.regret.sequential_gains`."""
    gains = np.empty(g.regret.player_stage_ptr.size - 1)
    sequential_gains(g.regret, np.exp(y), probs, utility, gains)
    worst = 0.0
    for i in range(gains.size):
        worst = max(worst, gains[i])
    return worst


@njit(cache=True, nogil=True)
def _max_regret_batch(
    g: _Flat, y: FloatArray, probs: FloatArray, utility: FloatArray, out: FloatArray
) -> None:  # pragma: no cover - compiled
    """:func:`_max_regret` at every row of ``y`` (``(S, A)``)."""
    for s in range(y.shape[0]):
        out[s] = _max_regret(g, y[s], probs[s if probs.shape[0] > 1 else 0], utility[s])


@njit(cache=True, nogil=True)
def _tangent(
    d_y: FloatArray,
    d_lam: FloatArray,
    previous: FloatArray,
    aug: FloatArray,
    row: FloatArray,
    t: FloatArray,
) -> float:  # pragma: no cover - compiled
    """Unit tangent ``t`` of the branch, oriented like ``previous``; returns the orientation.

    The tangent solves ``[H_w; previous] t = e_last``.  The sign of the determinant of that
    augmented matrix equals the sign of ``det [H_w; t]``, which is constant along a smooth
    branch, through turning points included, and flips only at a bifurcation point
    (Allgower & Georg 1990, sec. 2.1 and 8.1).  A step that lands on another part of the
    branch running the opposite way (a jump across an S-shaped fold) shows up as a flip.
    """
    a_n = d_lam.size
    aug[:a_n, :a_n] = d_y
    aug[:a_n, a_n] = d_lam
    aug[a_n, :] = previous
    t[:] = 0.0
    t[a_n] = 1.0
    sign = _lu_solve(aug, t, row)
    t /= np.sqrt(np.sum(t * t))
    return sign


@njit(cache=True, nogil=True)
def _correct(
    g: _Flat,
    utility: FloatArray,
    log_chance: FloatArray,
    zero_chance: BoolArray,
    w_pred: FloatArray,
    normal: FloatArray,
    step: float,
    w: FloatArray,
    residual: FloatArray,
    d_y: FloatArray,
    d_lam: FloatArray,
    mu: FloatArray,
    work: FloatArray,
    aug: FloatArray,
    row: FloatArray,
    rhs: FloatArray,
) -> tuple[bool, int, float]:  # pragma: no cover - compiled
    """Newton's method on ``H(w) = 0, normal . (w - w_pred) = 0`` from ``w_pred`` into ``w``.

    Returns whether it converged, the number of Newton iterations and the regret bound;
    ``d_y`` and ``d_lam`` are left at the last iterate evaluated: the returned point, or
    the one a single converged Newton step (correction below ``NEWTON_TOL``) before it,
    close enough for the next tangent and the regret bound (saving one Jacobian a step).
    """
    a_n = residual.size
    w[:] = w_pred
    last = np.inf
    iterations = 0
    bound = np.inf
    for it in range(NEWTON_MAX + 1):
        lam = w[a_n]
        bound = _evaluate(
            g, w[:a_n], lam, utility, log_chance, zero_chance, True, residual, d_y, d_lam, mu,
            work,
        )  # fmt: skip
        small = True
        for a in range(a_n):
            r = g.ref[a]
            scale = 1.0 if r == a else 1.0 + abs(w[a]) + abs(w[r]) + lam
            if not abs(residual[a]) <= RESIDUAL_TOL * scale:
                small = False
                break
        plane = 0.0
        largest = 0.0
        for j in range(a_n + 1):
            plane += normal[j] * (w[j] - w_pred[j])
            largest = max(largest, abs(w[j]))
        if small and abs(plane) <= RESIDUAL_TOL * (1.0 + largest):
            return True, iterations, bound
        if it == NEWTON_MAX:
            break
        aug[:a_n, :a_n] = d_y
        aug[:a_n, a_n] = d_lam
        aug[a_n, :] = normal
        rhs[:a_n] = residual
        rhs[a_n] = plane
        _lu_solve(aug, rhs, row)
        size = 0.0
        dist = 0.0
        broken = False
        for j in range(a_n + 1):
            delta = -rhs[j]
            w[j] += delta
            if not (np.isfinite(delta) and np.isfinite(w[j])):
                broken = True
            size = max(size, abs(delta) / (1.0 + abs(w[j])))
            dist += delta * delta
        iterations += 1
        if it == 0:
            broken |= np.sqrt(dist) > MAX_DISTANCE * step + 1e3 * NEWTON_TOL
        else:
            broken |= size > MAX_CONTRACTION * last and size > NEWTON_TOL
        last = size
        if broken:
            return False, iterations, bound
        if size <= NEWTON_TOL:
            return True, iterations, bound
    return False, iterations, bound


@njit(cache=True, nogil=True)
def _trace_kernel(
    g: _Flat,
    utility: FloatArray,
    log_chance: FloatArray,
    zero_chance: BoolArray,
    probs: FloatArray,
    target: FloatArray,
    regret_tol: float,
    max_lam: float,
    first_step: float,
    max_steps: int,
    w_out: FloatArray,
    failed: BoolArray,
    converged: BoolArray,
    steps: IndexArray,
    rejected: IndexArray,
    regret: FloatArray,
) -> None:  # pragma: no cover - compiled
    """Follow every sample's principal branch in turn (see :func:`_trace`).

    Per step: an Euler predictor of the step's length along the unit tangent, Newton's
    corrector on the hyperplane through the prediction normal to the tangent (or on
    ``lam = target`` for the step that reaches it), then the acceptance tests (corrector
    converged, tangent turned less than ``MIN_COSINE``, lambda not negative and, with a
    target, not past it unless on the hitting step, orientation
    unchanged unless the step is shorter than ``FLIP_STEP``); an accepted easy step grows
    the next one, a rejected step is retried at half the length.  An empty ``target``
    means: trace to the limit (regret test).
    """
    has_target = target.size > 0
    a_n = g.var_set.size
    dim = a_n + 1
    w = np.empty(dim)
    t = np.empty(dim)
    t_new = np.empty(dim)
    w_pred = np.empty(dim)
    w_new = np.empty(dim)
    normal = np.empty(dim)
    aug = np.empty((dim, dim))
    row = np.empty(dim)
    rhs = np.empty(dim)
    residual = np.empty(a_n)
    d_y = np.empty((a_n, a_n))
    d_lam = np.empty(a_n)
    mu = np.zeros(g.parent.size)
    work = _scratch(g)
    for s in range(utility.shape[0]):
        u = utility[s]
        lc = log_chance[s if log_chance.shape[0] > 1 else 0]
        zc = zero_chance[s if zero_chance.shape[0] > 1 else 0]
        pr = probs[s if probs.shape[0] > 1 else 0]
        for k in range(g.set_start.size - 1):
            lo, hi = g.set_start[k], g.set_start[k + 1]
            w[lo:hi] = -np.log(hi - lo)
        w[a_n] = 0.0
        t[:] = 0.0
        t[a_n] = 1.0
        orientation = 1.0
        step = first_step
        finished = False
        lost = False
        n_steps = 0
        n_rejected = 0
        reg = np.nan
        if has_target:
            finished = target[s] <= 0.0
        elif a_n:
            reg = _max_regret(g, w[:a_n], pr, u)
            finished = reg <= regret_tol and _sequential_regret(g, w[:a_n], pr, u) <= regret_tol
        if a_n:
            _evaluate(g, w[:a_n], 0.0, u, lc, zc, True, residual, d_y, d_lam, mu, work)
            orientation = _tangent(d_y, d_lam, t, aug, row, t_new)
            t[:] = t_new
        else:
            finished = True
        attempts = 0
        while not finished and not lost and attempts < max_steps:
            attempts += 1
            h = step
            normal[:] = t
            hitting = False
            if has_target:
                tlam = t[a_n]
                if tlam > 0 and w[a_n] + h * tlam >= target[s]:
                    hitting = True
                    h = (target[s] - w[a_n]) / tlam
                    normal[:] = 0.0
                    normal[a_n] = 1.0
            for j in range(dim):
                w_pred[j] = w[j] + h * t[j]
            ok, iterations, bound = _correct(
                g, u, lc, zc, w_pred, normal, h, w_new, residual, d_y, d_lam, mu, work, aug,
                row, rhs,
            )  # fmt: skip
            sign = 0.0
            if ok:
                sign = _tangent(d_y, d_lam, t, aug, row, t_new)
                cosine = np.sum(t_new * t)
                if not cosine >= MIN_COSINE and not hitting:
                    ok = False
                if not w_new[a_n] >= 0.0:
                    ok = False
                # the corrector carried an ordinary step past the target: retry shorter,
                # so that a hitting step meets the target where the branch first reaches
                # it (stepping back from beyond it could land on another fold)
                if has_target and not hitting and not w_new[a_n] < target[s]:
                    ok = False
                # a flip of orientation on a long step is a jump to another part of the
                # branch; on a short one it is a bifurcation point being crossed
                if sign != orientation and h > FLIP_STEP:
                    ok = False
            if not ok:
                n_rejected += 1
                step = h * 0.5
                lost = step < MIN_STEP
                continue
            w[:] = w_new
            t[:] = t_new
            orientation = sign
            n_steps += 1
            step = h * MAX_GROWTH if iterations <= 3 else h
            if has_target:
                finished = hitting
                continue
            if bound <= 2.0 * regret_tol:
                reg = _max_regret(g, w[:a_n], pr, u)
                # a Nash equilibrium is not yet the limit: play at sets the profile almost
                # never reaches must be rational there too (McKelvey & Palfrey 1998)
                finished = reg <= regret_tol and _sequential_regret(g, w[:a_n], pr, u) <= regret_tol
            finished |= w[a_n] >= max_lam
        if not has_target and not finished and not lost and a_n:
            # the sequential test was not met within the step or lambda limit: the point
            # reached still counts when it is a Nash equilibrium (the 0.1.0 criterion)
            reg = _max_regret(g, w[:a_n], pr, u)
            finished = reg <= regret_tol
        w_out[s] = w
        done = finished and (has_target or reg <= regret_tol)
        converged[s] = done
        failed[s] = lost or not done
        steps[s] = n_steps
        rejected[s] = n_rejected
        regret[s] = reg


@njit(cache=True, nogil=True)
def _evaluate_batch(
    g: _Flat,
    w: FloatArray,
    utility: FloatArray,
    log_chance: FloatArray,
    zero_chance: BoolArray,
    jacobian: bool,
    residual: FloatArray,
    d_y: FloatArray,
    d_lam: FloatArray,
    mu: FloatArray,
    bound: FloatArray,
) -> None:  # pragma: no cover - compiled
    """:func:`_evaluate` at every row of ``w`` (``(S, A + 1)``, lambda last)."""
    a_n = w.shape[1] - 1
    work = _scratch(g)
    for s in range(w.shape[0]):
        bound[s] = _evaluate(
            g, w[s, :a_n], w[s, a_n], utility[s],
            log_chance[s if log_chance.shape[0] > 1 else 0],
            zero_chance[s if zero_chance.shape[0] > 1 else 0],
            jacobian, residual[s], d_y[s], d_lam[s], mu[s], work,
        )  # fmt: skip


@dataclass(frozen=True)
class _Point:
    """The quantities of a batch of log-profiles that the homotopy needs."""

    residual: FloatArray  # (S, A)
    d_y: FloatArray | None  # (S, A, A)
    d_lam: FloatArray  # (S, A)
    beliefs: FloatArray  # (S, nodes)
    regret_bound: FloatArray  # (S,) lower bound on the max regret, units of the range


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
    probs: FloatArray  # (S or 1, E)

    def evaluate(self, idx: IndexArray, w: FloatArray, jacobian: bool = True) -> _Point:
        """Residual, derivatives, beliefs and regret bound at ``w`` for samples ``idx``."""
        s, a_n = idx.size, self.st.n_vars
        lc = self.log_chance if self.log_chance.shape[0] == 1 else self.log_chance[idx]
        zc = self.zero_chance if self.zero_chance.shape[0] == 1 else self.zero_chance[idx]
        residual = np.empty((s, a_n))
        d_y = np.empty((s, a_n, a_n))
        d_lam = np.empty((s, a_n))
        mu = np.zeros((s, self.game.n_nodes))
        bound = np.empty(s)
        _evaluate_batch(
            self.st.flat, np.ascontiguousarray(w, dtype=np.float64),
            np.ascontiguousarray(self.utility[idx]), np.ascontiguousarray(lc),
            np.ascontiguousarray(zc), jacobian, residual, d_y, d_lam, mu, bound,
        )  # fmt: skip
        return _Point(residual, d_y if jacobian else None, d_lam, mu, bound)

    def profile(self, idx: IndexArray, y: FloatArray) -> FloatArray:
        prof = np.zeros((idx.size, int(self.game.infoset_action_ptr[-1])))
        prof[:, self.st.var_flat] = np.exp(y)
        g = self.game
        if g.samples is not None:
            pay = g.outcome_payoffs[idx] if g.outcome_payoffs.ndim == 3 else g.outcome_payoffs
            chance = g.chance_probs[idx] if g.chance_probs.ndim == 2 else g.chance_probs
            g = g.with_samples(outcome_payoffs=pay, chance_probs=chance)
        return with_chance(g, prof)


def _memory_estimate(game: Game) -> tuple[int, int]:
    """``(bytes, personal actions)`` that :func:`_structure` and the trace will need.

    The index arrays hold, per terminal, its path (as wide as the tree is deep) and every
    pair of personal edges on it; the Jacobians are dense, one per sample.  Counted in one
    linear pass, before anything large is allocated.
    """
    n, samples = game.n_nodes, game.samples or 1
    personal_set = game.infoset_player >= 0
    sizes = np.diff(game.infoset_action_ptr)
    actions = int(sizes[personal_set].sum())
    n_sets = int(personal_set.sum())
    into = np.zeros(n, dtype=np.int64)  # 1 where the edge into a node leaves a personal node
    into[1:] = game.node_player[game.parent[1:]] >= 0
    parent = np.ascontiguousarray(game.parent, dtype=np.int64).data
    step = into.data
    below = [0] * n  # personal edges on the path to each node
    for v in range(1, n):
        below[v] = below[parent[v]] + step[v]
    on_path = np.array(below, dtype=np.int64)
    width = max(int(game.depth.max(initial=0)), 1)
    ends = on_path[game.terminals]
    pairs = int(ends.sum())
    crossings = int((ends * np.maximum(ends - 1, 0)).sum())
    members = int(np.sum(game.node_player >= 0))
    index_bytes = 8 * width * (n + ends.size) + 19 * width * pairs + 17 * width * members
    dense = 8 * (samples + 2) * (actions + 1) ** 2 + 8 * n_sets * actions
    return index_bytes + 16 * crossings + dense, actions


def _check_size(game: Game) -> None:
    """Refuse, with the numbers, a game the trace could not hold or finish."""
    need, actions = _memory_estimate(game)
    if actions <= MAX_ACTIONS and need <= MAX_BYTES:
        return
    raise InputError(
        f"the game is too large for the QRE solver: {game.n_nodes:,} nodes, "
        f"depth {int(game.depth.max(initial=0)):,}, {actions:,} personal actions and "
        f"{game.samples or 1:,} sample(s) need about {need / 2**30:.3g} GiB (limits: "
        f"{MAX_ACTIONS:,} personal actions, {MAX_BYTES / 2**30:g} GiB)",
        where=f"game {game.title!r}",
        fix="For a game of perfect information use the SPE solver (--solver spe, linear in "
        "the tree); otherwise solve fewer samples at once or a smaller game",
    )


def _prepare(game: Game) -> _Problem:
    violation = game.perfect_recall_violation
    if violation is not None:
        raise GameError(
            f"game {game.title!r} does not have perfect recall: {violation}; the agent QRE "
            f"needs perfect recall (McKelvey & Palfrey 1998): make every information set's "
            f"nodes share the mover's own earlier moves"
        )
    _check_size(game)
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
    return _Problem(
        game, st, s, scale, np.ascontiguousarray(utility), log_chance, zero,
        np.ascontiguousarray(probs, dtype=np.float64),
    )  # fmt: skip


def _trace(
    prob: _Problem,
    target: FloatArray | None,
    regret_tol: float,
    max_lam: float,
    first_step: float,
    max_steps: int,
) -> dict[str, Any]:
    """Follow the principal branch of every sample; ``target`` in units of ``1 / range``.

    One compiled loop over the samples (:func:`_trace_kernel`), each traced to its end, so
    that a sample whose branch folds many times costs only its own steps.  Without a
    target, brink's max regret (a backward induction per player) is computed only once a
    cheap lower bound, the largest reach-weighted loss of a single information set (an
    agent deviation), is within ``2 * regret_tol``; the stopping step is the same as with
    the full check at every step.  ``rounds`` is the largest number of steps tried by any
    sample.
    """
    s = prob.samples
    w = np.empty((s, prob.st.n_vars + 1))
    failed = np.zeros(s, dtype=bool)
    converged = np.zeros(s, dtype=bool)
    steps = np.zeros(s, dtype=np.int64)
    rejected = np.zeros(s, dtype=np.int64)
    regret = np.full(s, np.nan)
    _trace_kernel(
        prob.st.flat, prob.utility, prob.log_chance, prob.zero_chance, prob.probs,
        np.zeros(0) if target is None else np.ascontiguousarray(target, dtype=np.float64),
        float(regret_tol), float(max_lam), float(first_step), int(max_steps),
        w, failed, converged, steps, rejected, regret,
    )  # fmt: skip
    return {
        "w": w,
        "failed": failed,
        "converged": converged,
        "steps": steps,
        "rejected": rejected,
        "regret": regret,
        "rounds": int((steps + rejected).max(initial=0)),
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
    lam = check_lambda(lam, "solve_qre", "pass lam >= 0, or leave it out for the limiting equilibrium")
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
            beliefs[:, nodes] = np.where(
                tot > 0, reach[:, nodes] / np.where(tot > 0, tot, 1), 1 / nodes.size
            )
    single = game.samples is None

    def shape(arr: NDArray[Any]) -> NDArray[Any]:
        return np.asarray(arr[0]) if single else np.asarray(arr)

    prof_out = shape(profile)
    scaled = np.empty(prob.samples)
    _max_regret_batch(
        prob.st.flat, np.ascontiguousarray(w[:, :-1]), prob.probs, prob.utility, scaled
    )
    info: dict[str, Any] = {
        "failed": shape(run["failed"]),
        "converged": shape(run["converged"]),
        "lam": shape(w[:, -1] / prob.scale),
        "steps": shape(run["steps"]),
        "rejected": shape(run["rejected"]),
        "regret_scaled": shape(scaled),
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
        max_regret=shape(scaled * prob.scale),
        ties=np.zeros_like(shape(beliefs), dtype=bool),
        lam=float("inf") if lam is None else float(lam),
        info=info,
    )
