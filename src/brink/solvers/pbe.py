"""Agent logit QRE by damped fixed-point iteration, and its limit, for all samples at once.

Games in which Nature draws each side's private type at the root and every later action is
observed ("multi-stage games with observed actions", Fudenberg & Tirole 1991) have many
small information sets whose beliefs follow from earlier play by Bayes' rule.  Their
perfect Bayesian equilibria are the limits of agent logit quantal-response equilibria
(McKelvey & Palfrey 1998; Turocy 2005), which this module computes without the dense
Jacobians of :mod:`brink.solvers.qre`: at a fixed precision ``lam`` an agent logit QRE is a
fixed point of the map

    profile -> beliefs (Bayes' rule on the reach of every node)
            -> action values (belief-weighted continuation values)
            -> softmax(lam * values),

and this module iterates that map.  One sweep ``G`` of it is

1. a **forward pass**: the log reach of every node under the current profile (chance
   included), then the beliefs ``mu_h(x) = reach(x) / sum_{y in h} reach(y)`` at every
   personal information set (in log space, so that sets reached with probability
   ``1e-400`` still get their beliefs; a set that only impossible chance moves lead to
   gets uniform beliefs, as in Gambit and :mod:`brink.solvers.qre`);
2. a **backward pass** over the depth levels of the tree, deepest first: the sets whose
   shallowest node lies on the level take ``softmax(lam * U_h)``
   (``U_h(a) = sum_x mu_h(x) V_i(child(x, a))``), then the nodes of the level take their
   value vectors under the updated profile.

The backward pass is Gauss-Seidel: a set is updated from continuation values that already
use the new play below it, so in a game of perfect information one sweep is quantal
backward induction and the second confirms it; only the coupling of beliefs to earlier play
(signalling) needs further iterations.  The iterate is the log profile ``x``; the next one
is the damped step ``x + a (G(x) - x)`` (``(1 - a) log sigma + a log softmax(lam U)``,
renormalised per set), extrapolated by Anderson mixing over the last ``MEMORY`` iterates
(Anderson 1965; Walker & Ni 2011): near a switch of play in a signalling game, one mode
of the logit map has a slope far below -1 (a sender's mixture moves the receiver's
beliefs, whose answer moves the mixture back), which plain damped iteration only tames
with a damping of order ``1 / slope``; the secant-like extrapolation solves for it.  A
lambda is solved once no probability moves more than ``tol`` in one sweep.

**Lambda.**  As in :mod:`brink.solvers.qre` (Gambit's convention, Turocy 2010), ``lam``
multiplies the payoffs as written; internally every sample's payoffs are divided by its
payoff range and lambda multiplied by it.  Every solve follows a geometric lambda path
from ``FIRST_LAMBDA / range``, warm-starting each lambda from the previous profile; the
growth factor doubles (to ``MAX_GROWTH``) after a lambda that took few iterations, and a
lambda not solved within ``STEP_ITERATIONS`` is rejected: the sample returns to the last
solved profile, halves its damping and tries the square root of the factor.  Warm starts
follow the QRE continuous with the uniform profile at small lambda (the principal branch
that :mod:`brink.solvers.qre` traces) where it is unique nearby; where several QRE coexist
(coordination games; a branch that folds back) the iteration may settle on another one:
a QRE all the same, but a different selection.  Without ``lam`` the path continues until
the profile's max regret and its sequential (one-shot, conditional) regret, both by the
compiled code of :mod:`brink.solvers.regret`, are at most ``regret_tol`` times the payoff
range, the test :mod:`brink.solvers.qre` stops on; the limit of logit QRE is a sequential
equilibrium (McKelvey & Palfrey 1998).

**Failures.**  Where neither damping nor extrapolation settles the iteration (limits in
mixed strategies, where the map's slopes grow with lambda; folds), a sample is flagged in
``info["failed"]`` after ``max_iterations`` sweeps or once its path's factor is below
``1 + MIN_STEP``, and is never dropped (it keeps the last profile reached).  By default
flagged samples are then traced by the homotopy of :mod:`brink.solvers.qre`
(``info["fallback"]``), which follows the branch through folds with Newton's method.
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
from brink.solvers.regret import (
    RegretTree,
    best_response_gains,
    regret_tree,
    sequential_gains,
)
from brink.solvers.result import Solution

__all__ = ["FIRST_LAMBDA", "TOLERANCE", "solve_pbe"]

#: A lambda is solved once no probability moves more than this in one sweep of the map.
TOLERANCE = 1e-11
#: First lambda of every path, in units of ``1 / payoff range`` (small enough for the
#: logit map to contract from the uniform profile in every game tested).
FIRST_LAMBDA = 0.25
#: First growth factor of the lambda path; it doubles (up to ``MAX_GROWTH``) after a lambda
#: solved in at most ``EASY_ITERATIONS`` sweeps; a rejected step takes its square root.
GROWTH = 2.0
MAX_GROWTH = 256.0
EASY_ITERATIONS = 4
#: A lambda not solved within this many iterations is rejected (a shorter step is tried).
STEP_ITERATIONS = 60
#: The path fails once its growth factor is below ``1 + MIN_STEP``.
MIN_STEP = 1e-3
#: The damping of the log-space step starts at 1, halves at every rejected step and doubles
#: (up to 1) at every solved lambda; it never falls below this.
MIN_DAMPING = 2.0**-8
#: Iterates that Anderson mixing combines (its memory).
MEMORY = 3
#: Samples per kernel call: the value vectors of one chunk, ``nodes * players * CHUNK``
#: floats, stay in cache on games of a few thousand nodes.
CHUNK = 16

# per-sample states in the kernel
_ACTIVE, _DONE, _FAILED = 0, 1, 2


class _Sweep(NamedTuple):
    """A game's index arrays for the compiled iteration.

    ``tree`` is the game's :class:`~brink.solvers.regret.RegretTree` (variables are the
    actions of personal sets in the flat profile's order).  The backward pass runs over
    levels ``0..L-1``, deepest first: ``level_nodes[level_ptr[k]:level_ptr[k + 1]]`` are the
    non-terminal nodes of level ``k`` and ``level_sets[set_ptr[k]:set_ptr[k + 1]]`` the
    personal sets whose shallowest node is on it.  ``first_var[v]`` is the variable of the
    first action at personal node ``v`` (-1 elsewhere).
    """

    tree: RegretTree
    level_nodes: IndexArray
    level_ptr: IndexArray
    level_sets: IndexArray
    set_ptr: IndexArray
    first_var: IndexArray


_SWEEPS: weakref.WeakKeyDictionary[Game, _Sweep] = weakref.WeakKeyDictionary()


def _ints(values: Any) -> IndexArray:
    return np.ascontiguousarray(values, dtype=np.int64)


def _sweep(game: Game) -> _Sweep:
    """The :class:`_Sweep` of ``game``, computed once per game."""
    cached = _SWEEPS.get(game)
    if cached is not None:
        return cached
    t = regret_tree(game)
    depth = game.depth.astype(np.int64)
    top = int(depth.max(initial=0))
    inner = np.flatnonzero(game.num_children > 0)
    level_of_node = top - depth[inner]
    order = np.argsort(level_of_node, kind="stable")
    level_nodes = inner[order]
    level_ptr = np.searchsorted(level_of_node[order], np.arange(top + 2))
    n_sets = t.set_start.size - 1
    shallowest = np.array(
        [
            depth[t.member_nodes[t.member_start[h] : t.member_start[h + 1]]].min()
            for h in range(n_sets)
        ],
        dtype=np.int64,
    )
    set_level = top - shallowest
    set_order = np.argsort(set_level, kind="stable")
    set_ptr = np.searchsorted(set_level[set_order], np.arange(top + 2))
    first_var = np.full(game.n_nodes, -1, dtype=np.int64)
    mover_nodes = inner[t.edge_var[game.child_ptr[inner]] >= 0]
    first_var[mover_nodes] = t.edge_var[game.child_ptr[mover_nodes]]
    out = _Sweep(
        tree=t,
        level_nodes=_ints(level_nodes),
        level_ptr=_ints(level_ptr),
        level_sets=_ints(set_order),
        set_ptr=_ints(set_ptr),
        first_var=_ints(first_var),
    )
    _SWEEPS[game] = out
    return out


@njit(cache=True, nogil=True)
def _forward(
    t: RegretTree,
    log_sigma: FloatArray,
    log_chance: FloatArray,
    c: int,
    log_reach: FloatArray,
    mu: FloatArray,
    top: FloatArray,
    total: FloatArray,
) -> None:  # pragma: no cover - compiled
    """Log reach of every node and Bayes' rule beliefs at every personal set, ``c`` samples.

    ``log_sigma (variables, C)`` and ``log_chance (edges, C)`` are log probabilities;
    ``mu (nodes, C)`` receives the beliefs of the member nodes of personal sets (a set that
    only impossible chance moves lead to gets uniform beliefs).  ``top`` and ``total`` are
    scratch rows.
    """
    for s in range(c):
        log_reach[0, s] = 0.0
    for v in range(1, t.parent.size):
        p = t.parent[v]
        e = t.parent_edge[v]
        k = t.edge_var[e]
        if k >= 0:
            for s in range(c):
                log_reach[v, s] = log_reach[p, s] + log_sigma[k, s]
        else:
            for s in range(c):
                log_reach[v, s] = log_reach[p, s] + log_chance[e, s]
    for h in range(t.member_start.size - 1):
        lo, hi = t.member_start[h], t.member_start[h + 1]
        if hi - lo == 1:
            for s in range(c):
                mu[t.member_nodes[lo], s] = 1.0
            continue
        for s in range(c):
            top[s] = -np.inf
            total[s] = 0.0
        for m in range(lo, hi):
            x = t.member_nodes[m]
            for s in range(c):
                top[s] = max(top[s], log_reach[x, s])
        for m in range(lo, hi):
            x = t.member_nodes[m]
            for s in range(c):
                w = np.exp(log_reach[x, s] - top[s]) if top[s] > -np.inf else 1.0
                mu[x, s] = w
                total[s] += w
        for m in range(lo, hi):
            x = t.member_nodes[m]
            for s in range(c):
                mu[x, s] /= total[s]


@njit(cache=True, nogil=True)
def _iterate(
    g: _Sweep,
    utility: FloatArray,
    probs: FloatArray,
    log_chance: FloatArray,
    lam: FloatArray,
    state: NDArray[np.int8],
    c: int,
    log_sigma: FloatArray,
    sigma: FloatArray,
    log_reach: FloatArray,
    mu: FloatArray,
    values: FloatArray,
    action_values: FloatArray,
    residual: FloatArray,
    scratch: FloatArray,
) -> None:  # pragma: no cover - compiled
    """One sweep ``G`` of the logit map on ``c`` samples (sample-minor loops).

    Forward pass (:func:`_forward`), then the Gauss-Seidel backward pass over the levels
    (module doc): every set of an active sample takes ``softmax(lam U_h)``.  ``log_sigma``
    and ``sigma (variables, C)`` hold the profile (logs and probabilities, updated
    together).  ``values (nodes, players, C)`` hold the terminal utilities on entry (in
    units of the payoff range) and every node's value vector on exit.  Samples whose
    ``state`` is not active keep their profile.  ``residual[s]`` receives the largest
    ``|softmax(lam U) - sigma|`` of sample ``s``.
    """
    t = g.tree
    players = values.shape[1]
    top = scratch[0]
    total = scratch[1]
    _forward(t, log_sigma, log_chance, c, log_reach, mu, top, total)
    for s in range(c):
        residual[s] = 0.0
    for k in range(g.level_ptr.size - 1):
        for j in range(g.set_ptr[k], g.set_ptr[k + 1]):
            h = g.level_sets[j]
            i = t.set_player[h]
            lo, hi = t.set_start[h], t.set_start[h + 1]
            for a in range(hi - lo):
                for s in range(c):
                    action_values[a, s] = 0.0
                for m in range(t.member_start[h], t.member_start[h + 1]):
                    x = t.member_nodes[m]
                    child = t.children[t.child_ptr[x] + a]
                    for s in range(c):
                        action_values[a, s] += mu[x, s] * values[child, i, s]
            for s in range(c):
                top[s] = -np.inf
                total[s] = 0.0
            for a in range(hi - lo):
                for s in range(c):
                    action_values[a, s] *= lam[s]
                    top[s] = max(top[s], action_values[a, s])
            for a in range(hi - lo):
                for s in range(c):
                    total[s] += np.exp(action_values[a, s] - top[s])
            for a in range(hi - lo):
                var = lo + a
                for s in range(c):
                    if state[s] != 0:
                        continue
                    log_soft = action_values[a, s] - top[s] - np.log(total[s])
                    soft = np.exp(log_soft)
                    old = sigma[var, s]
                    residual[s] = max(residual[s], abs(soft - old))
                    log_sigma[var, s] = log_soft
                    sigma[var, s] = soft
        for j in range(g.level_ptr[k], g.level_ptr[k + 1]):
            v = g.level_nodes[j]
            e0, e1 = t.child_ptr[v], t.child_ptr[v + 1]
            k0 = g.first_var[v]
            for p in range(players):
                for s in range(c):
                    values[v, p, s] = 0.0
                for e in range(e0, e1):
                    child = t.children[e]
                    if k0 >= 0:
                        var = k0 + (e - e0)
                        for s in range(c):
                            values[v, p, s] += sigma[var, s] * values[child, p, s]
                    else:
                        for s in range(c):
                            values[v, p, s] += probs[e, s] * values[child, p, s]


@njit(cache=True, nogil=True)
def _regrets(
    t: RegretTree,
    log_sigma: FloatArray,
    probs: FloatArray,
    utility: FloatArray,
    s: int,
    sigma: FloatArray,
    p_s: FloatArray,
    u_s: FloatArray,
    gains: FloatArray,
) -> tuple[float, float]:  # pragma: no cover - compiled
    """Max regret and largest sequential (one-shot, conditional) gain of sample ``s``.

    :func:`brink.solvers.regret.best_response_gains` and
    :func:`brink.solvers.regret.sequential_gains` on the sample's column; the other
    arguments after ``s`` are scratch space.
    """
    for k in range(sigma.size):
        sigma[k] = np.exp(log_sigma[k, s])
    for e in range(p_s.size):
        p_s[e] = probs[e, s]
    for z in range(u_s.shape[0]):
        for i in range(u_s.shape[1]):
            u_s[z, i] = utility[z, i, s]
    best_response_gains(t, sigma, p_s, u_s, gains)
    worst = 0.0
    for i in range(gains.size):
        worst = max(worst, gains[i])
    sequential_gains(t, sigma, p_s, u_s, gains)
    one_shot = 0.0
    for i in range(gains.size):
        one_shot = max(one_shot, gains[i])
    return worst, one_shot


@njit(cache=True, nogil=True)
def _anderson(
    t: RegretTree,
    mix: BoolArray,
    count: IndexArray,
    head: int,
    damping: FloatArray,
    hist_x: FloatArray,
    hist_f: FloatArray,
    log_sigma: FloatArray,
    sigma: FloatArray,
    gram: FloatArray,
    rhs: FloatArray,
) -> None:  # pragma: no cover - compiled
    """Anderson mixing (Anderson 1965; Walker & Ni 2011) of the samples with ``mix``.

    ``hist_x[j]`` / ``hist_f[j] (variables, C)`` hold the last iterates ``x`` (log
    profiles) and their residuals ``f = G(x) - x`` (``G``: one undamped sweep of the logit
    map, :func:`_iterate`) in a ring of ``M`` slots, the newest in slot ``head``; sample
    ``s`` has ``count[s]`` valid ones.  With ``k = min(count, M) - 1`` differences
    ``dX_j``, ``dF_j`` of consecutive entries and ``a`` the sample's damping, the next
    iterate is ``x + a f - sum_j gamma_j (dX_j + a dF_j)``, ``gamma`` minimising
    ``|f - dF gamma|`` (normal equations, a tiny ridge keeps them regular); with no history
    it is the damped step ``x + a f``, i.e. ``(1 - a) log sigma + a log softmax(lam U)``
    renormalised: the damped logit map in log space.
    The result is renormalised per information set (log-sum-exp) into ``log_sigma`` and
    ``sigma``.  Where the map is a contraction this only speeds it up; where one or a few
    modes of the map have slopes beyond -1 (signalling near a switch of play), the
    extrapolation solves for them as a secant method would.
    """
    slots = hist_x.shape[0]
    a_n = log_sigma.shape[0]
    c = log_sigma.shape[1]
    new = np.empty((slots - 1, slots - 1))
    b = np.empty(slots - 1)
    gamma = np.empty(slots - 1)
    for s in range(c):
        if not mix[s]:
            continue
        k = min(count[s], slots) - 1
        for i in range(k):
            ci = (head - i) % slots
            pi = (head - i - 1) % slots
            acc = 0.0
            for q in range(a_n):
                acc += (hist_f[ci, q, s] - hist_f[pi, q, s]) * hist_f[head, q, s]
            rhs[i, s] = acc
            for j in range(i, k):
                cj = (head - j) % slots
                pj = (head - j - 1) % slots
                acc = 0.0
                for q in range(a_n):
                    acc += (hist_f[ci, q, s] - hist_f[pi, q, s]) * (
                        hist_f[cj, q, s] - hist_f[pj, q, s]
                    )
                gram[i, j, s] = acc
                gram[j, i, s] = acc
        # solve (gram + ridge) gamma = rhs by Gaussian elimination (k <= slots - 1, SPD)
        ridge = 0.0
        for i in range(k):
            ridge += gram[i, i, s]
        ridge = 1e-12 * ridge + 1e-300
        for i in range(k):
            for j in range(k):
                new[i, j] = gram[i, j, s] + (ridge if i == j else 0.0)
            b[i] = rhs[i, s]
        for i in range(k):
            for r in range(i + 1, k):
                f = new[r, i] / new[i, i]
                for j in range(i, k):
                    new[r, j] -= f * new[i, j]
                b[r] -= f * b[i]
        for i in range(k - 1, -1, -1):
            acc = b[i]
            for j in range(i + 1, k):
                acc -= new[i, j] * gamma[j]
            gamma[i] = acc / new[i, i]
        ok = True
        for i in range(k):
            ok = ok and np.isfinite(gamma[i])
        if not ok:
            k = 0
        d = damping[s]
        for q in range(a_n):
            x = hist_x[head, q, s] + d * hist_f[head, q, s]
            for i in range(k):
                ci = (head - i) % slots
                pi = (head - i - 1) % slots
                x -= gamma[i] * (
                    hist_x[ci, q, s] - hist_x[pi, q, s] + d * (hist_f[ci, q, s] - hist_f[pi, q, s])
                )
            log_sigma[q, s] = x
        for h in range(t.set_start.size - 1):
            lo, hi = t.set_start[h], t.set_start[h + 1]
            top = -np.inf
            for q in range(lo, hi):
                top = max(top, log_sigma[q, s])
            total = 0.0
            for q in range(lo, hi):
                total += np.exp(log_sigma[q, s] - top)
            shift = top + np.log(total)
            for q in range(lo, hi):
                log_sigma[q, s] -= shift
                sigma[q, s] = np.exp(log_sigma[q, s])


@njit(cache=True, nogil=True)
def _solve_kernel(
    g: _Sweep,
    utility: FloatArray,
    probs: FloatArray,
    log_chance: FloatArray,
    target: FloatArray,
    has_target: bool,
    tol: float,
    regret_tol: float,
    max_lam: float,
    max_iterations: int,
    log_sigma: FloatArray,
    lam_out: FloatArray,
    iterations: IndexArray,
    done: BoolArray,
    regret: FloatArray,
    mu_out: FloatArray,
    values: FloatArray,
) -> None:  # pragma: no cover - compiled
    """Solve ``c = utility.shape[2]`` samples along their lambda paths (module doc).

    ``utility (terminals, players, C)`` in units of the payoff range; ``probs`` and
    ``log_chance (edges, C)``; ``target (C,)`` the lambda to reach (units of
    ``1 / range``) when ``has_target``, else the path runs until both regrets are at most
    ``regret_tol`` (or, past ``max_lam``, the max regret alone: the point reached still
    counts when it is a Nash equilibrium, as in :mod:`brink.solvers.qre`).

    Path control per sample: a lambda not solved within ``STEP_ITERATIONS`` iterations
    is rejected; the sample returns to the last solved lambda's profile and tries a
    shorter step (the growth factor's square root), and fails once the factor is below
    ``1 + MIN_STEP``.  Writes the final log profile into ``log_sigma (variables, C)``
    (which holds the start, the QRE at lambda 0, on entry), the lambda reached, the
    iterations taken, whether the sample got there, its max regret (units of the range;
    NaN where not computed), its beliefs ``mu_out (nodes, C)`` and its node values
    ``values (nodes, players, C)`` under the final profile.
    """
    t = g.tree
    n = t.parent.size
    c = utility.shape[2]
    players = utility.shape[1]
    a_n = t.var_set.size
    widest = 1
    for h in range(t.set_start.size - 1):
        widest = max(widest, t.set_start[h + 1] - t.set_start[h])
    log_reach = np.empty((n, c))
    values[:] = 0.0
    for z in range(t.terminals.size):
        v = t.terminals[z]
        for i in range(players):
            for s in range(c):
                values[v, i, s] = utility[z, i, s]
    sigma = np.exp(log_sigma)
    saved = log_sigma.copy()
    slots = MEMORY + 1
    hist_x = np.empty((slots, a_n, c))
    hist_f = np.empty((slots, a_n, c))
    gram = np.empty((MEMORY, MEMORY, c))
    rhs = np.empty((MEMORY, c))
    count = np.zeros(c, dtype=np.int64)
    mix = np.zeros(c, dtype=np.bool_)
    head = 0
    action_values = np.empty((widest, c))
    residual = np.empty(c)
    scratch = np.empty((2, c))
    lam = np.empty(c)
    solved = np.zeros(c)  # the last lambda solved (0: the uniform start)
    damping = np.ones(c)
    growth = np.full(c, GROWTH)
    here = np.zeros(c, dtype=np.int64)
    state = np.zeros(c, dtype=np.int8)
    column = np.empty(a_n)
    p_s = np.empty(probs.shape[0])
    u_s = np.empty((utility.shape[0], players))
    gains = np.empty(t.player_stage_ptr.size - 1)
    for s in range(c):
        iterations[s] = 0
        regret[s] = np.nan
        lam[s] = min(FIRST_LAMBDA, target[s]) if has_target else FIRST_LAMBDA
        if a_n == 0 or (has_target and target[s] <= 0.0):
            state[s] = _DONE
            lam[s] = 0.0
    active = 0
    for s in range(c):
        active += state[s] == _ACTIVE
    while active > 0:
        head = (head + 1) % slots
        hist_x[head] = log_sigma
        _iterate(
            g, utility, probs, log_chance, lam, state, c, log_sigma, sigma, log_reach,
            mu_out, values, action_values, residual, scratch,
        )  # fmt: skip
        for s in range(c):
            mix[s] = False
            if state[s] != _ACTIVE:
                continue
            for k in range(a_n):
                hist_f[head, k, s] = log_sigma[k, s] - hist_x[head, k, s]
            count[s] += 1
            iterations[s] += 1
            here[s] += 1
            cap = target[s] if has_target else max_lam
            reject = False
            if residual[s] <= tol:
                last = lam[s] >= cap
                if has_target:
                    finished = last
                else:
                    worst, one_shot = _regrets(
                        t, log_sigma, probs, utility, s, column, p_s, u_s, gains
                    )
                    regret[s] = worst
                    finished = worst <= regret_tol and (one_shot <= regret_tol or last)
                    if last and not finished:
                        state[s] = _FAILED
                        continue
                if finished:
                    state[s] = _DONE
                    continue
                if here[s] <= EASY_ITERATIONS:
                    growth[s] = min(growth[s] * 2.0, MAX_GROWTH)
                solved[s] = lam[s]
                for k in range(a_n):
                    saved[k, s] = log_sigma[k, s]
                lam[s] = min(lam[s] * growth[s], cap)
                here[s] = 0
                count[s] = 0
                damping[s] = min(1.0, 2.0 * damping[s])
                continue
            elif iterations[s] >= max_iterations:
                state[s] = _FAILED
                continue
            else:
                reject = here[s] >= STEP_ITERATIONS
            if reject:
                # back to the last solved lambda, a shorter step
                growth[s] = np.sqrt(growth[s])
                if growth[s] < 1.0 + MIN_STEP:
                    state[s] = _FAILED
                    continue
                for k in range(a_n):
                    log_sigma[k, s] = saved[k, s]
                    sigma[k, s] = np.exp(saved[k, s])
                lam[s] = solved[s] * growth[s] if solved[s] > 0.0 else 0.5 * lam[s]
                here[s] = 0
                count[s] = 0
                damping[s] = max(0.5 * damping[s], MIN_DAMPING)
            else:
                mix[s] = True
        _anderson(t, mix, count, head, damping, hist_x, hist_f, log_sigma, sigma, gram, rhs)
        active = 0
        for s in range(c):
            active += state[s] == _ACTIVE
    for s in range(c):
        lam_out[s] = lam[s]
        done[s] = state[s] == _DONE
    _forward(t, log_sigma, log_chance, c, log_reach, mu_out, scratch[0], scratch[1])
    # node values under the final profile: one backward pass without updates
    for s in range(c):
        state[s] = _DONE
    _iterate(
        g, utility, probs, log_chance, lam, state, c, log_sigma, sigma, log_reach,
        mu_out, values, action_values, residual, scratch,
    )  # fmt: skip


@njit(cache=True, nogil=True)
def _regret_batch(
    t: RegretTree, sigma: FloatArray, probs: FloatArray, utility: FloatArray, out: FloatArray
) -> None:  # pragma: no cover - compiled
    """Max regret (:func:`brink.solvers.regret.best_response_gains`) of every row of ``sigma``."""
    gains = np.empty(t.player_stage_ptr.size - 1)
    for s in range(out.size):
        best_response_gains(t, sigma[s], probs[s if probs.shape[0] > 1 else 0], utility[s], gains)
        worst = 0.0
        for i in range(gains.size):
            worst = max(worst, gains[i])
        out[s] = worst


def _reach(t: RegretTree, sigma: FloatArray, probs: FloatArray, samples: int) -> FloatArray:
    """``(S, nodes)`` reach probabilities: products of edge probabilities from the root."""
    n = t.parent.size
    edge = np.empty((samples, t.edge_var.size))
    edge[:] = probs
    personal = t.edge_var >= 0
    edge[:, personal] = sigma[:, t.edge_var[personal]]
    reach = np.empty((samples, n))
    _reach_kernel(t.parent, t.parent_edge, edge, reach)
    return reach


@njit(cache=True, nogil=True)
def _reach_kernel(
    parent: IndexArray, parent_edge: IndexArray, edge: FloatArray, reach: FloatArray
) -> None:  # pragma: no cover - compiled
    for s in range(reach.shape[0]):
        reach[s, 0] = 1.0
        for v in range(1, parent.size):
            reach[s, v] = reach[s, parent[v]] * edge[s, parent_edge[v]]


@dataclass(frozen=True)
class _Problem:
    """A game prepared for the kernel: payoffs in units of their range, log chance."""

    sweep: _Sweep
    samples: int
    scale: FloatArray  # (S,)
    offset: FloatArray  # (S,) the smallest payoff
    utility: FloatArray  # (S, T, players), units of the range
    probs: FloatArray  # (S or 1, E)
    log_chance: FloatArray  # (S or 1, E)


def _prepare(game: Game) -> _Problem:
    violation = game.perfect_recall_violation
    if violation is not None:
        raise GameError(
            f"game {game.title!r} does not have perfect recall: {violation}; the agent QRE "
            f"needs perfect recall (McKelvey & Palfrey 1998): make every information set's "
            f"nodes share the mover's own earlier moves"
        )
    s = game.samples or 1
    tp = game.terminal_payoffs()
    tp = np.broadcast_to(tp, (s, *tp.shape[-2:])) if tp.ndim == 2 else tp
    lo = tp.min(axis=(1, 2)) if tp.size else np.zeros(s)
    hi = tp.max(axis=(1, 2)) if tp.size else np.zeros(s)
    scale = np.where(hi > lo, hi - lo, 1.0)
    utility = (tp - lo[:, None, None]) / scale[:, None, None]
    probs = np.ascontiguousarray(game.chance_probs, dtype=np.float64)
    probs = probs[None, :] if probs.ndim == 1 else probs
    with np.errstate(divide="ignore"):
        log_chance = np.log(np.maximum(probs, 0.0))
    return _Problem(_sweep(game), s, scale, lo, np.ascontiguousarray(utility), probs, log_chance)


def _run(
    prob: _Problem,
    target: FloatArray | None,
    tol: float,
    regret_tol: float,
    max_lam: float,
    max_iterations: int,
) -> dict[str, Any]:
    """Run the kernel over chunks of :data:`CHUNK` samples; sample-major results."""
    t = prob.sweep.tree
    S, a_n, n = prob.samples, int(t.var_set.size), int(t.parent.size)
    log_sigma = np.empty((S, a_n))
    lam = np.empty(S)
    iterations = np.zeros(S, dtype=np.int64)
    done = np.zeros(S, dtype=bool)
    regret = np.full(S, np.nan)
    beliefs = np.ones((S, n))
    players = prob.utility.shape[2]
    values = np.empty((S, n, players))
    start = -np.log(np.diff(t.set_start).astype(np.float64))[t.var_set]
    for s0 in range(0, S, CHUNK):
        s1 = min(S, s0 + CHUNK)
        c = s1 - s0
        pick = slice(s0, s1) if prob.probs.shape[0] > 1 else slice(0, 1)
        probs = np.ascontiguousarray(np.broadcast_to(prob.probs[pick].T, (prob.probs.shape[1], c)))
        log_chance = np.ascontiguousarray(
            np.broadcast_to(prob.log_chance[pick].T, (prob.log_chance.shape[1], c))
        )
        utility = np.ascontiguousarray(prob.utility[s0:s1].transpose(1, 2, 0))
        chunk_sigma = np.ascontiguousarray(np.repeat(start[:, None], c, axis=1))
        chunk_target = np.zeros(c) if target is None else np.ascontiguousarray(target[s0:s1])
        chunk_lam = np.empty(c)
        chunk_iterations = np.empty(c, dtype=np.int64)
        chunk_done = np.empty(c, dtype=bool)
        chunk_regret = np.empty(c)
        chunk_mu = np.ones((n, c))
        chunk_values = np.empty((n, players, c))
        _solve_kernel(
            prob.sweep, utility, probs, log_chance, chunk_target, target is not None,
            float(tol), float(regret_tol), float(max_lam), int(max_iterations), chunk_sigma,
            chunk_lam, chunk_iterations, chunk_done, chunk_regret, chunk_mu, chunk_values,
        )  # fmt: skip
        values[s0:s1] = chunk_values.transpose(2, 0, 1)
        log_sigma[s0:s1] = chunk_sigma.T
        lam[s0:s1] = chunk_lam
        iterations[s0:s1] = chunk_iterations
        done[s0:s1] = chunk_done
        regret[s0:s1] = chunk_regret
        members = t.member_nodes
        beliefs[s0:s1, members] = chunk_mu[members].T
    return {
        "log_sigma": log_sigma,
        "lam": lam,
        "iterations": iterations,
        "done": done,
        "regret": regret,
        "beliefs": beliefs,
        "values": values * prob.scale[:, None, None] + prob.offset[:, None, None],
    }


def _subgame(game: Game, idx: IndexArray) -> Game:
    """``game`` restricted to the samples ``idx`` (keeping a sample dimension)."""
    pay = game.outcome_payoffs
    probs = game.chance_probs
    return game.with_samples(
        outcome_payoffs=pay[idx] if pay.ndim == 3 else np.broadcast_to(pay, (idx.size, *pay.shape)),
        chance_probs=probs[idx]
        if probs.ndim == 2
        else np.broadcast_to(probs, (idx.size, *probs.shape)),
    )


def solve_pbe(
    game: Game,
    lam: float | None = None,
    *,
    tol: float = TOLERANCE,
    regret_tol: float = 1e-8,
    max_lam: float = 1e10,
    max_iterations: int = 2000,
    fallback: bool = True,
) -> Solution:
    """Agent logit QRE of ``game`` at precision ``lam``, or its limit, for every sample.

    Args:
        game: A game with perfect recall; payoffs ``([S,] outcomes, players)`` and chance
            probabilities ``([S,] edges)`` may carry a sample dimension.
        lam: Logit precision in Gambit's convention (it multiplies the payoffs as
            written).  ``None``: the limit of the lambda path, a sequential equilibrium
            (McKelvey & Palfrey 1998).
        tol: A lambda is solved once no probability moves more than this in one sweep
            of the logit map.
        regret_tol: Without ``lam``: stop a sample once its max regret and its sequential
            regret are at most this times its payoff range (as :mod:`brink.solvers.qre`).
        max_lam: Without ``lam``: the path ends at ``lam * range = max_lam``; the point
            reached counts if its max regret alone is within ``regret_tol``.
        max_iterations: Iterations of the logit map per sample, over the whole path.
        fallback: Trace the samples the iteration could not settle with the homotopy of
            :func:`brink.solvers.qre.solve_qre` (games it can hold).

    Returns:
        A :class:`Solution` with ``solver="pbe"``, ``lam`` (``inf`` for the limit) and
        ``info`` holding per-sample arrays ``failed`` (the answer is not the requested
        QRE or equilibrium, even after the fallback; the sample keeps the last profile
        reached and is never dropped), ``converged`` (its negation), ``fallback`` (the
        sample was solved by the homotopy), ``iterated`` (the fixed-point iteration alone
        got there), ``lam`` (the lambda reached, Gambit units), ``iterations`` and
        ``regret_scaled`` (max regret over payoff range).

    Raises:
        GameError: the game lacks perfect recall (the message names the information set).
        InputError: ``lam`` is negative or not finite.
    """
    lam = check_lambda(lam, "solve_pbe", "pass lam >= 0, or leave it out for the limiting equilibrium")
    prob = _prepare(game)
    t = prob.sweep.tree
    target = None if lam is None else float(lam) * prob.scale
    run = _run(prob, target, tol, regret_tol, max_lam, max_iterations)
    S = prob.samples
    personal = np.zeros((S, int(game.infoset_action_ptr[-1])))
    personal[:, t.var_flat] = np.exp(run["log_sigma"])
    beliefs = run["beliefs"]
    values = run["values"]
    lam_reached = run["lam"] / prob.scale
    iterated = run["done"].copy()
    used_fallback = np.zeros(S, dtype=bool)
    failed = ~iterated
    if fallback and failed.any():
        from brink.solvers.qre import solve_qre

        idx = np.flatnonzero(failed)
        try:
            traced = solve_qre(_subgame(game, idx), lam=lam, regret_tol=regret_tol, max_lam=max_lam)
        except InputError:  # too large for the homotopy: the samples stay flagged
            traced = None
        if traced is not None:
            ok = ~np.asarray(traced.info["failed"], dtype=bool)
            rows = idx[ok]
            personal[rows] = traced.profile[ok]
            beliefs[rows] = traced.beliefs[ok]
            values[rows] = traced.node_values[ok]
            lam_reached[rows] = np.asarray(traced.info["lam"])[ok]
            used_fallback[rows] = True
            failed[rows] = False
    chance = np.asarray(game.chance_probs, dtype=np.float64)
    chance = chance[None, :] if chance.ndim == 1 else chance
    profile = personal.copy()
    chance_edges = t.edge_var < 0
    profile[:, game.edge_infoset_action[chance_edges]] = chance[:, chance_edges]
    chance_sets = np.flatnonzero(game.infoset_player < 0)
    reach = _reach(t, profile[:, t.var_flat], prob.probs, S)
    for h in chance_sets:
        nodes = np.asarray(game.infoset_nodes[int(h)])
        if nodes.size > 1:
            tot = reach[:, nodes].sum(axis=1, keepdims=True)
            beliefs[:, nodes] = np.where(
                tot > 0, reach[:, nodes] / np.where(tot > 0, tot, 1), 1 / nodes.size
            )
    scaled = np.zeros(S)
    if t.var_set.size:
        _regret_batch(
            t, np.ascontiguousarray(profile[:, t.var_flat]), prob.probs, prob.utility, scaled
        )
    single = game.samples is None

    def shape(arr: NDArray[Any]) -> NDArray[Any]:
        return np.asarray(arr[0]) if single else np.asarray(arr)

    info: dict[str, Any] = {
        "failed": shape(failed),
        "converged": shape(~failed),
        "fallback": shape(used_fallback),
        "iterated": shape(iterated),
        "lam": shape(lam_reached),
        "iterations": shape(run["iterations"]),
        "regret_scaled": shape(scaled),
        "regret_tol": regret_tol,
        "max_lam": max_lam,
        "tol": tol,
    }
    return Solution(
        game=game,
        solver="pbe",
        profile=shape(profile),
        payoffs=shape(values[:, 0, :]),
        reach=shape(reach),
        beliefs=shape(beliefs),
        node_values=shape(values),
        max_regret=shape(scaled * prob.scale),
        ties=np.zeros_like(shape(beliefs), dtype=bool),
        lam=float("inf") if lam is None else float(lam),
        info=info,
    )
