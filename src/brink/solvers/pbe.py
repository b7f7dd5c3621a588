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

**Attempts.**  Without ``lam`` every sample first tries the **types-known warm start**
(:func:`_types_known`): backward induction on the same tree as if every node were its own
information set (each side sees the other's type: the perfect-information game of the same
sample, Selten 1965), pooled at each information set over its nodes by their prior
probability.  It is solved at ``lam * range = WARM_LAMBDAS[0]`` (``1e6``), where near a
strict equilibrium the logit map is flat (its slopes are ``lam sigma (1 - sigma)``, about
``lam exp(-lam gap)``) and Gauss-Seidel settles in two or three sweeps, then at ``1e3``;
a warm attempt that has not solved its first lambda within ``WARM_SWEEPS`` sweeps gives
way.  Then the **path** from the uniform profile (the principal branch, as above), then a
**restart** of it with strong damping (``RESTART_DAMPING``) and short steps.  The warm
start is a function of the sample alone (no neighbouring sample), so a sample's answer
does not depend on the others in its call.  It selects an equilibrium near the
types-known play; where several limits exist that can be another one than the principal
branch's (measured on 0.3.0's ``ukraine-2022``: the same equilibria on 200 draws).

**Certificate.**  A sample is **certified** when the max regret and the sequential regret
of its final profile, computed once by :mod:`brink.solvers.regret`, are both at most
``regret_tol`` (``REGRET_TOL = 1e-8``) times its payoff range: then no player gains more
than that by any deviation, nor by a one-shot deviation at any set it reaches with
positive probability under Bayes' beliefs (Kreps & Wilson 1982).  The others are reported
uncertified (``info["certified"]``, ``info["uncertified"]``, ``info["bound"]``), keep the
last profile reached and are never dropped; a model fails them, naming the bound.  Games
of at most ``QRE_FALLBACK_ACTIONS`` personal actions have their uncertified samples traced
by the homotopy of :mod:`brink.solvers.qre` (``info["fallback"]``), which follows the
branch through folds and mixed limits with Newton's method; larger games (seconds a sample
there) keep them uncertified.

**Kernel.**  Samples are swept ``LANES`` at a time in sample-minor loops; a lane whose
sample is done takes the next from a queue, and once the queue is empty the busy lanes are
moved together, so a slow sample never keeps idle lanes sweeping.  Each sweep also returns
the largest one-shot gain of every lane (the sequential regret, read off the action values
it computes), and the exact regrets are computed only when that is within ``GATE`` times
``regret_tol``: about once a sample.
"""

from __future__ import annotations

import hashlib
import threading
import weakref
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
from numba import njit
from numpy.typing import NDArray

from brink.arrays import BoolArray, FloatArray, IndexArray
from brink.games import Game, GameError
from brink.solvers.precision import check_lambda
from brink.solvers.regret import (
    RegretTree,
    best_response_gains,
    player_regrets,
    regret_tree,
    sequential_gains,
    sequential_regrets,
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
#: Samples swept together (SIMD lanes); a lane that finishes takes the next sample.  The
#: value vectors of the lanes, ``nodes * players * LANES`` floats, stay in cache on games of
#: a few thousand nodes.
LANES = 16
CHUNK = LANES
#: The stopping test of the path and the certificate: max regret and sequential regret at
#: most this times the payoff range.
REGRET_TOL = 1e-8
#: The warm attempts: the types-known warm start, mixed with ``WARM_MIX`` of the uniform
#: profile, is solved at ``lam * range = WARM_LAMBDAS[j]`` (attempt ``j``); unsolved after
#: ``WARM_SWEEPS[j]`` sweeps, the sample goes on to the next attempt.  The high lambda
#: settles in two or three sweeps where the start is near a strict equilibrium; the
#: moderate one catches most of the others.
WARM_LAMBDAS = (1e6, 1e3)
WARM_SWEEPS = (8, 40)
WARM_MIX = 1e-3
#: The attempts after the warm ones: the path from the uniform profile, then the restart.
PATH = len(WARM_LAMBDAS)
RESTART = PATH + 1
#: Sweeps the path and the restart get after the warm attempts (``max_iterations`` where
#: there were none): the path from the uniform profile certifies 99% of the ``ukraine-2022``
#: draws it certifies at all within 74 sweeps (all within 322), and after the warm attempts
#: it rarely certifies any; this bounds what a sample that no attempt settles costs.  Small
#: games, where a sweep is cheap, get up to ``LATE_NODE_SWEEPS / nodes`` sweeps instead
#: (never more than ``max_iterations``).
LATE_SWEEPS = 120
LATE_NODE_SWEEPS = 100_000
#: Attempt 2, the restart: damping, first and largest growth factor of its lambda path.
RESTART_DAMPING = 0.25
RESTART_GROWTH = 1.25
RESTART_MAX_GROWTH = 4.0
#: Games with at most this many personal actions have the samples that no attempt
#: certified traced by the homotopy of :mod:`brink.solvers.qre` (``fallback``): its dense
#: Newton steps cost ``O(actions^3)``, milliseconds here, seconds on the 828 actions of
#: 0.3.0's ``ukraine-2022`` (13 s a sample measured; 1,400 now), where the samples stay
#: uncertified instead (docs/solvers-pbe.md: why, since issue 22's game, about one draw in
#: seven stays uncertified: the logit branch folds before its near-ties are resolved).
QRE_FALLBACK_ACTIONS = 100
#: The exact regrets of a solved lambda are computed only once the sweep's own sequential
#: gain is within this times ``regret_tol`` (it is that gain at a fixed point, up to
#: rounding and beliefs below 1e-308).
GATE = 10.0

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
    inner: IndexArray
    multi: IndexArray
    chance_edges: IndexArray
    outcome_ptr: IndexArray
    outcomes: IndexArray
    flat_size: int
    chance_flat: IndexArray
    chance_groups: tuple[IndexArray, ...]


_SWEEPS: weakref.WeakKeyDictionary[Game, _Sweep] = weakref.WeakKeyDictionary()
#: The same, keyed by the tree's content (:func:`_tree_key`): a model builds a new
#: :class:`Game` for every block of samples, all with one tree.
_BY_TREE: OrderedDict[bytes, _Sweep] = OrderedDict()
_BY_TREE_MAX = 8
_LOCK = threading.Lock()


def _tree_key(game: Game) -> bytes:
    """A digest of everything the kernel reads of ``game`` but its numbers."""
    h = hashlib.blake2b(digest_size=20)
    for arr in (
        game.parent, game.child_ptr, game.children, game.infoset, game.infoset_player,
        game.outcome,
    ):  # fmt: skip
        a = np.ascontiguousarray(arr)
        h.update(str((a.dtype, a.shape)).encode())
        h.update(a.tobytes())
    return h.digest()


def _ints(values: Any) -> IndexArray:
    return np.ascontiguousarray(values, dtype=np.int64)


def _sweep(game: Game) -> _Sweep:
    """The :class:`_Sweep` of ``game``, computed once per tree.

    Raises:
        GameError: the game lacks perfect recall (checked once per tree).
    """
    cached = _SWEEPS.get(game)
    if cached is not None:
        return cached
    key = _tree_key(game)
    with _LOCK:
        cached = _BY_TREE.get(key)
        if cached is not None:
            _BY_TREE.move_to_end(key)
    if cached is not None:
        _SWEEPS[game] = cached
        return cached
    violation = game.perfect_recall_violation
    if violation is not None:
        raise GameError(
            f"game {game.title!r} does not have perfect recall: {violation}; the agent QRE "
            f"needs perfect recall (McKelvey & Palfrey 1998): make every information set's "
            f"nodes share the mover's own earlier moves"
        )
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
    inner_pre = np.flatnonzero(game.num_children > 0)
    multi = np.flatnonzero(np.diff(t.member_start) > 1)
    # the outcomes on each terminal's path, from the root down
    paths: list[list[int]] = []
    outcome = np.asarray(game.outcome)
    parent = np.asarray(game.parent)
    for z in t.terminals:
        v, on = int(z), []
        while v >= 0:
            if outcome[v] >= 0:
                on.append(int(outcome[v]))
            v = int(parent[v])
        paths.append(on[::-1])
    out = _Sweep(
        tree=t,
        inner=_ints(inner_pre[inner_pre > 0]),
        multi=_ints(multi),
        chance_edges=_ints(np.flatnonzero(t.edge_var < 0)),
        outcome_ptr=_ints(np.concatenate([[0], np.cumsum([len(p) for p in paths])])),
        outcomes=_ints([o for p in paths for o in p]),
        flat_size=int(game.infoset_action_ptr[-1]),
        chance_flat=_ints(game.edge_infoset_action[t.edge_var < 0]),
        chance_groups=tuple(
            _ints(game.infoset_nodes[int(h)])
            for h in np.flatnonzero(game.infoset_player < 0)
            if len(game.infoset_nodes[int(h)]) > 1
        ),
        level_nodes=_ints(level_nodes),
        level_ptr=_ints(level_ptr),
        level_sets=_ints(set_order),
        set_ptr=_ints(set_ptr),
        first_var=_ints(first_var),
    )
    _SWEEPS[game] = out
    with _LOCK:
        _BY_TREE[key] = out
        while len(_BY_TREE) > _BY_TREE_MAX:
            _BY_TREE.popitem(last=False)
    return out


@njit(cache=True, nogil=True)
def _forward(
    g: _Sweep,
    log_sigma: FloatArray,
    log_chance: FloatArray,
    c: int,
    log_reach: FloatArray,
    mu: FloatArray,
    top: FloatArray,
    total: FloatArray,
) -> None:  # pragma: no cover - compiled
    """Log reach of the inner nodes and Bayes' rule beliefs at every personal set, ``c`` lanes.

    ``log_sigma (variables, C)`` and ``log_chance (edges, C)`` are log probabilities; only
    inner nodes get a log reach (terminals are never a set's member).  ``mu (nodes, C)``
    receives the beliefs of the members of the sets with several nodes (singletons keep
    the 1 they are given once); a set that only impossible chance moves lead to gets
    uniform beliefs.  ``top`` and ``total`` are scratch rows.
    """
    t = g.tree
    for s in range(c):
        log_reach[0, s] = 0.0
    for j in range(g.inner.size):
        v = g.inner[j]
        p = t.parent[v]
        e = t.parent_edge[v]
        k = t.edge_var[e]
        if k >= 0:
            for s in range(c):
                log_reach[v, s] = log_reach[p, s] + log_sigma[k, s]
        else:
            for s in range(c):
                log_reach[v, s] = log_reach[p, s] + log_chance[e, s]
    for j in range(g.multi.size):
        h = g.multi[j]
        lo, hi = t.member_start[h], t.member_start[h + 1]
        for s in range(c):
            top[s] = -np.inf
            total[s] = 0.0
        for m in range(lo, hi):
            x = t.member_nodes[m]
            for s in range(c):
                top[s] = max(top[s], log_reach[x, s])
        for s in range(c):
            if top[s] == -np.inf:
                top[s] = 0.0  # every member unreachable: exp(-inf - 0) = 0, made uniform below
        for m in range(lo, hi):
            x = t.member_nodes[m]
            for s in range(c):
                w = np.exp(log_reach[x, s] - top[s])
                mu[x, s] = w
                total[s] += w
        for m in range(lo, hi):
            x = t.member_nodes[m]
            for s in range(c):
                mu[x, s] = mu[x, s] / total[s] if total[s] > 0.0 else 1.0 / (hi - lo)


@njit(cache=True, nogil=True)
def _iterate(
    g: _Sweep,
    probs: FloatArray,
    log_chance: FloatArray,
    lam: FloatArray,
    c: int,
    update: bool,
    log_sigma: FloatArray,
    sigma: FloatArray,
    log_reach: FloatArray,
    mu: FloatArray,
    values: FloatArray,
    action_values: FloatArray,
    residual: FloatArray,
    gap: FloatArray,
    scratch: FloatArray,
) -> None:  # pragma: no cover - compiled
    """One sweep ``G`` of the logit map on ``c`` lanes (sample-minor loops, no branches on lanes).

    Forward pass (:func:`_forward`), then the Gauss-Seidel backward pass over the levels
    (module doc): with ``update`` every set takes ``softmax(lam U_h)``; without, only the
    node values are computed (the read-out of a final profile).  ``log_sigma`` and
    ``sigma (variables, C)`` hold the profile (logs and probabilities, updated together).
    ``values (nodes, players, C)`` hold the terminal utilities (in units of the payoff
    range), which stay, and receive every inner node's value vector.  ``residual[s]``
    receives the largest ``|softmax(lam U) - sigma|`` of lane ``s`` and ``gap[s]`` its
    largest one-shot conditional gain ``max_a U_h(a) - sum_a sigma_h(a) U_h(a)`` at the
    updated profile (the sequential regret of :func:`brink.solvers.regret.sequential_gains`,
    read off the sweep for free).
    """
    t = g.tree
    players = values.shape[1]
    top = scratch[0]
    total = scratch[1]
    cur = scratch[2]
    _forward(g, log_sigma, log_chance, c, log_reach, mu, top, total)
    for s in range(c):
        residual[s] = 0.0
        gap[s] = 0.0
    for k in range(g.level_ptr.size - 1):
        if update:
            for j in range(g.set_ptr[k], g.set_ptr[k + 1]):
                h = g.level_sets[j]
                i = t.set_player[h]
                lo, hi = t.set_start[h], t.set_start[h + 1]
                m0, m1 = t.member_start[h], t.member_start[h + 1]
                for a in range(hi - lo):
                    x = t.member_nodes[m0]
                    child = t.children[t.child_ptr[x] + a]
                    for s in range(c):
                        action_values[a, s] = mu[x, s] * values[child, i, s]
                    for m in range(m0 + 1, m1):
                        x = t.member_nodes[m]
                        child = t.children[t.child_ptr[x] + a]
                        for s in range(c):
                            action_values[a, s] += mu[x, s] * values[child, i, s]
                for s in range(c):
                    top[s] = -np.inf
                    total[s] = 0.0
                    cur[s] = 0.0
                for a in range(hi - lo):
                    for s in range(c):
                        top[s] = max(top[s], action_values[a, s])
                for a in range(hi - lo):
                    for s in range(c):
                        total[s] += np.exp(lam[s] * (action_values[a, s] - top[s]))
                for s in range(c):
                    total[s] = np.log(total[s])
                for a in range(hi - lo):
                    var = lo + a
                    for s in range(c):
                        u = action_values[a, s]
                        log_soft = lam[s] * (u - top[s]) - total[s]
                        soft = np.exp(log_soft)
                        residual[s] = max(residual[s], abs(soft - sigma[var, s]))
                        cur[s] += soft * u
                        log_sigma[var, s] = log_soft
                        sigma[var, s] = soft
                for s in range(c):
                    gap[s] = max(gap[s], top[s] - cur[s])
        for j in range(g.level_ptr[k], g.level_ptr[k + 1]):
            v = g.level_nodes[j]
            e0, e1 = t.child_ptr[v], t.child_ptr[v + 1]
            k0 = g.first_var[v]
            for p in range(players):
                child = t.children[e0]
                if k0 >= 0:
                    for s in range(c):
                        values[v, p, s] = sigma[k0, s] * values[child, p, s]
                    for e in range(e0 + 1, e1):
                        child = t.children[e]
                        var = k0 + (e - e0)
                        for s in range(c):
                            values[v, p, s] += sigma[var, s] * values[child, p, s]
                else:
                    for s in range(c):
                        values[v, p, s] = probs[e0, s] * values[child, p, s]
                    for e in range(e0 + 1, e1):
                        child = t.children[e]
                        for s in range(c):
                            values[v, p, s] += probs[e, s] * values[child, p, s]


@njit(cache=True, nogil=True)
def _regrets(
    t: RegretTree,
    log_sigma: FloatArray,
    probs: FloatArray,
    values: FloatArray,
    s: int,
    sigma: FloatArray,
    p_s: FloatArray,
    u_s: FloatArray,
    gains: FloatArray,
) -> tuple[float, float]:  # pragma: no cover - compiled
    """Max regret and largest sequential (one-shot, conditional) gain of lane ``s``.

    :func:`brink.solvers.regret.best_response_gains` and
    :func:`brink.solvers.regret.sequential_gains` on the lane's column (``values`` holds
    the terminal utilities at the terminal nodes); the arguments after ``s`` are scratch.
    """
    for k in range(sigma.size):
        sigma[k] = np.exp(log_sigma[k, s])
    for e in range(p_s.size):
        p_s[e] = probs[e, s]
    for z in range(u_s.shape[0]):
        v = t.terminals[z]
        for i in range(u_s.shape[1]):
            u_s[z, i] = values[v, i, s]
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
    c: int,
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
    gamma: FloatArray,
    scratch: FloatArray,
    nxt: FloatArray,
) -> None:  # pragma: no cover - compiled
    """Anderson mixing (Anderson 1965; Walker & Ni 2011) of the first ``c`` lanes with ``mix``.

    ``hist_x[j]`` / ``hist_f[j] (variables, C)`` hold the last iterates ``x`` (log
    profiles) and their residuals ``f = G(x) - x`` (``G``: one undamped sweep of the logit
    map, :func:`_iterate`) in a ring of ``M`` slots, the newest in slot ``head``; lane
    ``s`` has ``count[s]`` valid ones.  With ``k = min(count, M) - 1`` differences
    ``dX_j``, ``dF_j`` of consecutive entries and ``a`` the lane's damping, the next
    iterate is ``x + a f - sum_j gamma_j (dX_j + a dF_j)``, ``gamma`` minimising
    ``|f - dF gamma|`` (normal equations, a tiny ridge keeps them regular); with no history
    it is the damped step ``x + a f``, i.e. ``(1 - a) log sigma + a log softmax(lam U)``
    renormalised: the damped logit map in log space.
    The result is renormalised per information set (log-sum-exp) into ``log_sigma`` and
    ``sigma``.  Where the map is a contraction this only speeds it up; where one or a few
    modes of the map have slopes beyond -1 (signalling near a switch of play), the
    extrapolation solves for them as a secant method would.

    The inner products and the update run over all lanes at once (sample-minor loops);
    a lane without ``mix`` is left as it is, so no lane's numbers depend on another's.
    """
    slots = hist_x.shape[0]
    a_n = log_sigma.shape[0]
    k_max = 0
    for s in range(c):
        if mix[s]:
            k_max = max(k_max, min(count[s], slots) - 1)
    for i in range(k_max):
        for j in range(i, k_max):
            for s in range(c):
                gram[i, j, s] = 0.0
        for s in range(c):
            rhs[i, s] = 0.0
    if k_max > 0:
        for q in range(a_n):
            for i in range(k_max):
                ci = (head - i) % slots
                pi = (head - i - 1) % slots
                for s in range(c):
                    rhs[i, s] += (hist_f[ci, q, s] - hist_f[pi, q, s]) * hist_f[head, q, s]
                for j in range(i, k_max):
                    cj = (head - j) % slots
                    pj = (head - j - 1) % slots
                    for s in range(c):
                        gram[i, j, s] += (hist_f[ci, q, s] - hist_f[pi, q, s]) * (
                            hist_f[cj, q, s] - hist_f[pj, q, s]
                        )
    new = np.empty((slots - 1, slots - 1))
    b = np.empty(slots - 1)
    for s in range(c):
        for i in range(slots - 1):
            gamma[i, s] = 0.0
        if not mix[s]:
            continue
        k = min(count[s], slots) - 1
        # solve (gram + ridge) gamma = rhs by Gaussian elimination (k <= slots - 1, SPD)
        ridge = 0.0
        for i in range(k):
            ridge += gram[i, i, s]
        ridge = 1e-12 * ridge + 1e-300
        for i in range(k):
            for j in range(k):
                new[i, j] = (gram[i, j, s] if j >= i else gram[j, i, s]) + (
                    ridge if i == j else 0.0
                )
            b[i] = rhs[i, s]
        for i in range(k):
            for r in range(i + 1, k):
                f = new[r, i] / new[i, i]
                for j in range(i, k):
                    new[r, j] -= f * new[i, j]
                b[r] -= f * b[i]
        ok = True
        for i in range(k - 1, -1, -1):
            acc = b[i]
            for j in range(i + 1, k):
                acc -= new[i, j] * gamma[j, s]
            gamma[i, s] = acc / new[i, i]
            ok = ok and np.isfinite(gamma[i, s])
        if not ok:
            for i in range(slots - 1):
                gamma[i, s] = 0.0
    keep = scratch[0]
    d = scratch[1]
    for s in range(c):
        keep[s] = 0.0 if mix[s] else 1.0
        d[s] = damping[s]
    for q in range(a_n):
        for s in range(c):
            nxt[q, s] = hist_x[head, q, s] + d[s] * hist_f[head, q, s]
        for i in range(k_max):
            ci = (head - i) % slots
            pi = (head - i - 1) % slots
            for s in range(c):
                nxt[q, s] -= gamma[i, s] * (
                    hist_x[ci, q, s]
                    - hist_x[pi, q, s]
                    + d[s] * (hist_f[ci, q, s] - hist_f[pi, q, s])
                )
    top = scratch[2]
    total = scratch[3]
    for h in range(t.set_start.size - 1):
        lo, hi = t.set_start[h], t.set_start[h + 1]
        for s in range(c):
            top[s] = -np.inf
            total[s] = 0.0
        for q in range(lo, hi):
            for s in range(c):
                top[s] = max(top[s], nxt[q, s])
        for q in range(lo, hi):
            for s in range(c):
                total[s] += np.exp(nxt[q, s] - top[s])
        for s in range(c):
            total[s] = top[s] + np.log(total[s])
        for q in range(lo, hi):
            for s in range(c):
                log_sigma[q, s] = keep[s] * log_sigma[q, s] + (1.0 - keep[s]) * (
                    nxt[q, s] - total[s]
                )
                sigma[q, s] = np.exp(log_sigma[q, s])


@njit(cache=True, nogil=True)
def _types_known(
    g: _Sweep,
    probs: FloatArray,
    log_chance: FloatArray,
    values: FloatArray,
    s: int,
    best: FloatArray,
    prior: FloatArray,
    choice: IndexArray,
    log_sigma: FloatArray,
) -> None:  # pragma: no cover - compiled
    """The warm start of lane ``s``: the types-known solution, pooled over each set.

    Backward induction on the tree as if every node were its own information set (the
    perfect-information game of the same sample: every player sees the types; Selten 1965,
    first action on ties), then at each personal set the share of its nodes, weighted by
    their prior (chance-only) probability, that choose each action, mixed with 1e-3 of
    the uniform profile, as a log profile in ``log_sigma[:, s]``.  ``best (nodes,
    players)``, ``prior`` and ``choice (nodes,)`` are scratch.
    """
    t = g.tree
    players = best.shape[1]
    n = t.parent.size
    for v in range(n - 1, -1, -1):
        e0, e1 = t.child_ptr[v], t.child_ptr[v + 1]
        if e0 == e1:
            for p in range(players):
                best[v, p] = values[v, p, s]
            continue
        if g.first_var[v] >= 0:
            i = t.edge_player[e0]
            pick = e0
            for e in range(e0 + 1, e1):
                if best[t.children[e], i] > best[t.children[pick], i]:
                    pick = e
            choice[v] = pick - e0
            for p in range(players):
                best[v, p] = best[t.children[pick], p]
        else:
            for p in range(players):
                acc = 0.0
                for e in range(e0, e1):
                    acc += probs[e, s] * best[t.children[e], p]
                best[v, p] = acc
    prior[0] = 0.0
    for j in range(g.inner.size):
        v = g.inner[j]
        e = t.parent_edge[v]
        prior[v] = prior[t.parent[v]] + (log_chance[e, s] if t.edge_var[e] < 0 else 0.0)
    for h in range(t.set_start.size - 1):
        lo, hi = t.set_start[h], t.set_start[h + 1]
        m0, m1 = t.member_start[h], t.member_start[h + 1]
        top = -np.inf
        for m in range(m0, m1):
            top = max(top, prior[t.member_nodes[m]])
        total = 0.0
        for q in range(lo, hi):
            log_sigma[q, s] = 0.0
        for m in range(m0, m1):
            x = t.member_nodes[m]
            w = np.exp(prior[x] - top) if top > -np.inf else 1.0
            total += w
            log_sigma[lo + choice[x], s] += w
        for q in range(lo, hi):
            share = log_sigma[q, s] / total
            log_sigma[q, s] = np.log((1.0 - WARM_MIX) * share + WARM_MIX / (hi - lo))


@njit(cache=True, nogil=True)
def _load(
    g: _Sweep,
    utility: FloatArray,
    probs: FloatArray,
    src: int,
    s: int,
    lane_probs: FloatArray,
    lane_log_chance: FloatArray,
    values: FloatArray,
) -> None:  # pragma: no cover - compiled
    """Copy sample ``src``'s chance probabilities (and their logs, ``-inf`` for 0) and
    terminal utilities into lane ``s``."""
    t = g.tree
    row = src if probs.shape[0] > 1 else 0
    for e in range(probs.shape[1]):
        lane_probs[e, s] = probs[row, e]
    for j in range(g.chance_edges.size):
        e = g.chance_edges[j]
        p = probs[row, e]
        lane_log_chance[e, s] = np.log(p) if p > 0.0 else -np.inf
    for z in range(t.terminals.size):
        v = t.terminals[z]
        for i in range(utility.shape[2]):
            values[v, i, s] = utility[src, z, i]


@njit(cache=True, nogil=True)
def _move_lane(
    a: int,
    b: int,
    terminals: IndexArray,
    values: FloatArray,
    probs: FloatArray,
    log_chance: FloatArray,
    log_sigma: FloatArray,
    sigma: FloatArray,
    saved: FloatArray,
    warm_start: FloatArray,
    hist_x: FloatArray,
    hist_f: FloatArray,
) -> None:  # pragma: no cover - compiled
    """Copy lane ``a``'s sample (inputs, profile, saved and warm profiles, history) to lane ``b``."""
    for z in range(terminals.size):
        v = terminals[z]
        for i in range(values.shape[1]):
            values[v, i, b] = values[v, i, a]
    for e in range(probs.shape[0]):
        probs[e, b] = probs[e, a]
        log_chance[e, b] = log_chance[e, a]
    for k in range(log_sigma.shape[0]):
        log_sigma[k, b] = log_sigma[k, a]
        sigma[k, b] = sigma[k, a]
        saved[k, b] = saved[k, a]
        warm_start[k, b] = warm_start[k, a]
        for j in range(hist_x.shape[0]):
            hist_x[j, k, b] = hist_x[j, k, a]
            hist_f[j, k, b] = hist_f[j, k, a]


@njit(cache=True, nogil=True)
def _solve_kernel(
    g: _Sweep,
    utility: FloatArray,
    probs: FloatArray,
    target: FloatArray,
    has_target: bool,
    warm: bool,
    restart: bool,
    tol: float,
    regret_tol: float,
    max_lam: float,
    max_iterations: int,
    late_sweeps: int,
    lanes: int,
    out_log_sigma: FloatArray,
    out_lam: FloatArray,
    out_iterations: IndexArray,
    out_done: BoolArray,
    out_regret: FloatArray,
    out_sequential: FloatArray,
    out_attempt: IndexArray,
) -> None:  # pragma: no cover - compiled
    """Solve every sample along its lambda path, ``lanes`` samples at a time (module doc).

    ``utility (S, terminals, players)`` in units of the payoff range; ``probs ([S or 1],
    edges)``; ``target (S,)`` the lambda to reach (units of
    ``1 / range``) when ``has_target``, else the path runs until both regrets are at most
    ``regret_tol`` (or, past ``max_lam``, the max regret alone).

    Samples wait in a queue; a lane that finishes its sample (solved or given up) takes
    the next, so a slow sample never keeps the other lanes sweeping.  Each sample tries,
    in order: **attempts** ``0 .. PATH - 1`` (only for the limit, with ``warm``) the
    types-known warm start (:func:`_types_known`) solved at ``WARM_LAMBDAS[j]``, then the
    path up from there; **attempt** ``PATH`` the path from the uniform profile at
    ``FIRST_LAMBDA`` (the principal branch); **attempt** ``RESTART`` (with ``restart``) the
    same path with strong damping and short steps.  An attempt ends unsolved after
    ``max_iterations`` sweeps (``WARM_SWEEPS[j]`` for a warm attempt before its first
    solved lambda; ``late_sweeps`` for the path and the restart after warm attempts), once
    its growth factor is below ``1 + MIN_STEP``, or at ``max_lam`` with regret left; the
    next attempt then starts.

    Writes per sample the final log profile ``out_log_sigma (S, variables)``, the lambda
    reached, the sweeps taken over all attempts, whether an attempt got there, the exact
    max regret and sequential regret of the final profile (units of the range), and the
    attempt that ended.
    """
    t = g.tree
    S = utility.shape[0]
    n = t.parent.size
    players = utility.shape[2]
    a_n = t.var_set.size
    e_n = probs.shape[1]
    c = max(1, min(lanes, S))
    widest = 1
    for h in range(t.set_start.size - 1):
        widest = max(widest, t.set_start[h + 1] - t.set_start[h])
    log_reach = np.zeros((n, c))
    mu = np.ones((n, c))
    values = np.zeros((n, players, c))
    lane_probs = np.empty((e_n, c))
    lane_log_chance = np.zeros((e_n, c))
    log_sigma = np.zeros((a_n, c))
    sigma = np.ones((a_n, c))
    saved = np.zeros((a_n, c))
    slots = MEMORY + 1
    hist_x = np.zeros((slots, a_n, c))
    hist_f = np.zeros((slots, a_n, c))
    gram = np.empty((MEMORY, MEMORY, c))
    rhs = np.empty((MEMORY, c))
    gamma = np.zeros((MEMORY, c))
    mixing = np.empty((4, c))
    candidate = np.empty((a_n, c))
    warm_start = np.zeros((a_n, c))
    count = np.zeros(c, dtype=np.int64)
    mix = np.zeros(c, dtype=np.bool_)
    head = 0
    action_values = np.empty((widest, c))
    residual = np.empty(c)
    gap = np.empty(c)
    scratch = np.empty((3, c))
    lam = np.zeros(c)
    solved = np.zeros(c)
    damping = np.ones(c)
    growth = np.full(c, GROWTH)
    top_growth = np.full(c, MAX_GROWTH)
    here = np.zeros(c, dtype=np.int64)
    tries = np.zeros(c, dtype=np.int64)
    late = np.zeros(c, dtype=np.bool_)
    attempt = np.zeros(c, dtype=np.int64)
    sample = np.full(c, -1, dtype=np.int64)
    column = np.empty(a_n)
    p_s = np.empty(e_n)
    u_s = np.empty((t.terminals.size, players))
    gains = np.empty(t.player_stage_ptr.size - 1)
    best = np.empty((n, players))
    prior = np.empty(n)
    choice = np.zeros(n, dtype=np.int64)
    uniform = np.empty(a_n)
    for k in range(a_n):
        uniform[k] = -np.log(t.set_start[t.var_set[k] + 1] - t.set_start[t.var_set[k]])
    queue = 0
    active = 0
    width = c
    while True:
        if queue >= S:
            # the queue is empty: move the last busy lanes into the free ones, sweep fewer
            for s in range(width):
                if sample[s] >= 0:
                    continue
                last = width - 1
                while last > s and sample[last] < 0:
                    last -= 1
                if last > s:
                    _move_lane(
                        last, s, t.terminals, values, lane_probs, lane_log_chance, log_sigma,
                        sigma, saved, warm_start, hist_x, hist_f,
                    )  # fmt: skip
                    for arr in (lam, solved, damping, growth, top_growth):
                        arr[s] = arr[last]
                    for idx in (here, tries, attempt, sample, count):
                        idx[s] = idx[last]
                    late[s] = late[last]
                    sample[last] = -1
            while width > 0 and sample[width - 1] < 0:
                width -= 1
        # fill empty lanes from the queue, and start the attempts that are due
        for s in range(width):
            if sample[s] < 0:
                if queue >= S:
                    continue
                src = queue
                queue += 1
                sample[s] = src
                out_iterations[src] = 0
                _load(g, utility, probs, src, s, lane_probs, lane_log_chance, values)
                cap0 = target[src] if has_target else max_lam
                if a_n == 0 or (has_target and cap0 <= 0.0):
                    for k in range(a_n):
                        log_sigma[k, s] = uniform[k]
                        out_log_sigma[src, k] = uniform[k]
                    worst, one_shot = _regrets(
                        t, log_sigma, lane_probs, values, s, column, p_s, u_s, gains
                    )
                    out_lam[src] = 0.0
                    out_done[src] = True
                    out_regret[src] = worst
                    out_sequential[src] = one_shot
                    out_attempt[src] = PATH
                    sample[s] = -1
                    continue
                attempt[s] = 0 if (warm and not has_target) else PATH
                late[s] = warm and not has_target
                tries[s] = -1  # start the attempt below
                active += 1
            if tries[s] == -1:
                src = sample[s]
                cap = target[src] if has_target else max_lam
                if attempt[s] < PATH:
                    if attempt[s] == 0:
                        _types_known(
                            g,
                            lane_probs,
                            lane_log_chance,
                            values,
                            s,
                            best,
                            prior,
                            choice,
                            warm_start,
                        )
                    for k in range(a_n):
                        log_sigma[k, s] = warm_start[k, s]
                    lam[s] = min(WARM_LAMBDAS[attempt[s]], cap)
                    growth[s] = MAX_GROWTH
                    top_growth[s] = MAX_GROWTH
                    damping[s] = 1.0
                else:
                    for k in range(a_n):
                        log_sigma[k, s] = uniform[k]
                    lam[s] = min(FIRST_LAMBDA, cap)
                    strong = attempt[s] == RESTART
                    growth[s] = RESTART_GROWTH if strong else GROWTH
                    top_growth[s] = RESTART_MAX_GROWTH if strong else MAX_GROWTH
                    damping[s] = RESTART_DAMPING if strong else 1.0
                for k in range(a_n):
                    sigma[k, s] = np.exp(log_sigma[k, s])
                    saved[k, s] = log_sigma[k, s]
                solved[s] = 0.0
                here[s] = 0
                count[s] = 0
                tries[s] = 0
        if active == 0:
            break
        head = (head + 1) % slots
        for k in range(a_n):
            for s in range(width):
                hist_x[head, k, s] = log_sigma[k, s]
        _iterate(
            g, lane_probs, lane_log_chance, lam, width, True, log_sigma, sigma, log_reach, mu,
            values, action_values, residual, gap, scratch,
        )  # fmt: skip
        for k in range(a_n):
            for s in range(width):
                hist_f[head, k, s] = log_sigma[k, s] - hist_x[head, k, s]
        for s in range(width):
            mix[s] = False
            src = sample[s]
            if src < 0:
                continue
            count[s] += 1
            out_iterations[src] += 1
            tries[s] += 1
            here[s] += 1
            cap = target[src] if has_target else max_lam
            finished = False
            give_up = False
            worst = np.nan
            one_shot = np.nan
            if residual[s] <= tol:
                last = lam[s] >= cap
                if has_target:
                    finished = last
                elif gap[s] <= regret_tol * GATE or last:
                    worst, one_shot = _regrets(
                        t, log_sigma, lane_probs, values, s, column, p_s, u_s, gains
                    )
                    finished = worst <= regret_tol and (one_shot <= regret_tol or last)
                    give_up = last and not finished
                if not finished and not give_up:
                    if here[s] <= EASY_ITERATIONS:
                        growth[s] = min(growth[s] * 2.0, top_growth[s])
                    solved[s] = lam[s]
                    for k in range(a_n):
                        saved[k, s] = log_sigma[k, s]
                    lam[s] = min(lam[s] * growth[s], cap)
                    here[s] = 0
                    count[s] = 0
                    damping[s] = min(1.0, 2.0 * damping[s])
                    continue
            elif tries[s] >= (late_sweeps if late[s] else max_iterations) or (
                attempt[s] < PATH and solved[s] == 0.0 and tries[s] >= WARM_SWEEPS[attempt[s]]
            ):
                give_up = True
            elif here[s] >= STEP_ITERATIONS:
                # back to the last solved lambda, a shorter step
                growth[s] = np.sqrt(growth[s])
                give_up = growth[s] < 1.0 + MIN_STEP or (attempt[s] < PATH and solved[s] == 0.0)
                if not give_up:
                    for k in range(a_n):
                        log_sigma[k, s] = saved[k, s]
                        sigma[k, s] = np.exp(saved[k, s])
                    lam[s] = solved[s] * growth[s] if solved[s] > 0.0 else 0.5 * lam[s]
                    here[s] = 0
                    count[s] = 0
                    damping[s] = max(0.5 * damping[s], MIN_DAMPING)
                    continue
            else:
                mix[s] = True
                continue
            if give_up and attempt[s] < (RESTART if restart else PATH):
                attempt[s] += 1
                tries[s] = -1
                continue
            # the sample is done (solved, or its last attempt gave up): store it, free the lane
            if np.isnan(worst):
                worst, one_shot = _regrets(
                    t, log_sigma, lane_probs, values, s, column, p_s, u_s, gains
                )
            for k in range(a_n):
                out_log_sigma[src, k] = log_sigma[k, s]
            out_lam[src] = lam[s]
            out_done[src] = finished
            out_regret[src] = worst
            out_sequential[src] = one_shot
            out_attempt[src] = attempt[s]
            sample[s] = -1
            active -= 1
        _anderson(
            t, width, mix, count, head, damping, hist_x, hist_f, log_sigma, sigma, gram, rhs,
            gamma, mixing, candidate,
        )  # fmt: skip


@njit(cache=True, nogil=True)
def _read_out(
    g: _Sweep,
    utility: FloatArray,
    probs: FloatArray,
    scale: FloatArray,
    offset: FloatArray,
    log_sigma: FloatArray,
    lanes: int,
    out_mu: FloatArray,
    out_values: FloatArray,
    out_reach: FloatArray,
) -> None:  # pragma: no cover - compiled
    """What a :class:`Solution` reports of the final profiles ``log_sigma (S, variables)``.

    Beliefs ``out_mu (S, nodes)`` (Bayes' rule at the members of personal sets, 1
    elsewhere), node values ``out_values (S, nodes, players)`` in the payoffs' own units
    (``value * scale + offset``) and reach probabilities ``out_reach (S, nodes)`` (products
    of edge probabilities from the root): one forward pass and one backward pass without
    updates, ``lanes`` samples at a time.
    """
    t = g.tree
    S = utility.shape[0]
    n = t.parent.size
    players = utility.shape[2]
    a_n = t.var_set.size
    e_n = probs.shape[1]
    c = max(1, min(lanes, S))
    log_reach = np.zeros((n, c))
    mu = np.ones((n, c))
    values = np.zeros((n, players, c))
    lane_probs = np.empty((e_n, c))
    lane_log_chance = np.zeros((e_n, c))
    lane_log_sigma = np.zeros((a_n, c))
    sigma = np.zeros((a_n, c))
    lam = np.zeros(c)
    action_values = np.empty((1, c))
    residual = np.empty(c)
    gap = np.empty(c)
    scratch = np.empty((3, c))
    for s0 in range(0, S, c):
        w = min(c, S - s0)
        for s in range(w):
            _load(g, utility, probs, s0 + s, s, lane_probs, lane_log_chance, values)
            for k in range(a_n):
                lane_log_sigma[k, s] = log_sigma[s0 + s, k]
                sigma[k, s] = np.exp(log_sigma[s0 + s, k])
        _iterate(
            g, lane_probs, lane_log_chance, lam, w, False, lane_log_sigma, sigma, log_reach, mu,
            values, action_values, residual, gap, scratch,
        )  # fmt: skip
        for s in range(w):
            r = s0 + s
            sc, off = scale[r], offset[r]
            out_reach[r, 0] = 1.0
            for v in range(n):
                out_mu[r, v] = 1.0
                for i in range(players):
                    out_values[r, v, i] = values[v, i, s] * sc + off
                if v > 0:
                    e = t.parent_edge[v]
                    k = t.edge_var[e]
                    edge = sigma[k, s] if k >= 0 else lane_probs[e, s]
                    out_reach[r, v] = out_reach[r, t.parent[v]] * edge
            for m in range(t.member_nodes.size):
                x = t.member_nodes[m]
                out_mu[r, x] = mu[x, s]


@njit(cache=True, nogil=True)
def _terminal_utility(
    pay: FloatArray,
    outcome_ptr: IndexArray,
    outcomes: IndexArray,
    utility: FloatArray,
    scale: FloatArray,
    offset: FloatArray,
) -> None:  # pragma: no cover - compiled
    """Terminal payoffs in units of each sample's payoff range, in one pass.

    Terminal ``z`` accumulates the payoffs ``pay ([S or 1], outcomes, players)`` of the
    outcomes on its path, ``outcomes[outcome_ptr[z]:outcome_ptr[z + 1]]`` from the root
    down, added as :meth:`brink.games.Game.node_payoffs` adds them (so the numbers are the
    same); ``offset[s]`` receives the smallest payoff of sample ``s``, ``scale[s]`` the
    range (1 where it is 0) and ``utility (S, terminals, players)`` ``(payoff - offset) /
    scale``.
    """
    S, T, players = utility.shape
    for s in range(S):
        row = s if pay.shape[0] > 1 else 0
        lo = np.inf
        hi = -np.inf
        for z in range(T):
            for i in range(players):
                acc = 0.0
                first = True
                for j in range(outcome_ptr[z], outcome_ptr[z + 1]):
                    acc = pay[row, outcomes[j], i] if first else pay[row, outcomes[j], i] + acc
                    first = False
                utility[s, z, i] = acc
                lo = min(lo, acc)
                hi = max(hi, acc)
        if T * players == 0:
            lo = hi = 0.0
        offset[s] = lo
        scale[s] = hi - lo if hi > lo else 1.0
        for z in range(T):
            for i in range(players):
                utility[s, z, i] = (utility[s, z, i] - lo) / scale[s]


@dataclass(frozen=True)
class _Problem:
    """A game prepared for the kernel: payoffs in units of their range."""

    sweep: _Sweep
    samples: int
    scale: FloatArray  # (S,)
    offset: FloatArray  # (S,) the smallest payoff
    utility: FloatArray  # (S, T, players), units of the range
    probs: FloatArray  # (S or 1, E)


def _prepare(game: Game) -> _Problem:
    sweep = _sweep(game)
    s = game.samples or 1
    pay = np.asarray(game.outcome_payoffs, dtype=np.float64)
    pay = np.ascontiguousarray(pay[None] if pay.ndim == 2 else pay)
    utility = np.empty((s, sweep.tree.terminals.size, game.n_players))
    scale = np.empty(s)
    offset = np.empty(s)
    _terminal_utility(pay, sweep.outcome_ptr, sweep.outcomes, utility, scale, offset)
    probs = np.ascontiguousarray(game.chance_probs, dtype=np.float64)
    probs = probs[None, :] if probs.ndim == 1 else probs
    return _Problem(sweep, s, scale, offset, utility, probs)


def _run(
    prob: _Problem,
    target: FloatArray | None,
    tol: float,
    regret_tol: float,
    max_lam: float,
    max_iterations: int,
    warm: bool,
    restart: bool,
) -> dict[str, Any]:
    """Run the kernel over all samples, :data:`LANES` at a time; sample-major results."""
    t = prob.sweep.tree
    S, a_n, n = prob.samples, int(t.var_set.size), int(t.parent.size)
    players = prob.utility.shape[2]
    log_sigma = np.empty((S, a_n))
    lam = np.zeros(S)
    iterations = np.zeros(S, dtype=np.int64)
    done = np.zeros(S, dtype=bool)
    regret = np.full(S, np.nan)
    sequential = np.full(S, np.nan)
    attempt = np.zeros(S, dtype=np.int64)
    late = min(int(max_iterations), max(LATE_SWEEPS, LATE_NODE_SWEEPS // max(n, 1)))
    _solve_kernel(
        prob.sweep, prob.utility, prob.probs,
        np.zeros(S) if target is None else np.ascontiguousarray(target, dtype=np.float64),
        target is not None, warm, restart, float(tol), float(regret_tol), float(max_lam),
        int(max_iterations), late, LANES, log_sigma, lam, iterations, done, regret,
        sequential, attempt,
    )  # fmt: skip
    beliefs = np.empty((S, n))
    values = np.empty((S, n, players))
    reach = np.empty((S, n))
    _read_out(
        prob.sweep, prob.utility, prob.probs, prob.scale, prob.offset, log_sigma, LANES, beliefs,
        values, reach,
    )  # fmt: skip
    return {
        "log_sigma": log_sigma,
        "lam": lam,
        "iterations": iterations,
        "done": done,
        "regret": regret,
        "sequential": sequential,
        "attempt": attempt,
        "beliefs": beliefs,
        "values": values,
        "reach": reach,
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
    regret_tol: float = REGRET_TOL,
    max_lam: float = 1e10,
    max_iterations: int = 2000,
    fallback: bool = True,
    warm_start: bool = True,
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
        regret_tol: Without ``lam``: the path stops once a sample's max regret and its
            sequential regret are at most this times its payoff range (as
            :mod:`brink.solvers.qre`), and this is the bound a sample is **certified**
            under (both regrets of its final profile within it).
        max_lam: Without ``lam``: the path ends at ``lam * range = max_lam``; the point
            reached stops the path if its max regret alone is within ``regret_tol`` (it
            is certified only if its sequential regret is too).
        max_iterations: Sweeps of the logit map per attempt and sample (the path and the
            restart after the warm attempts get at most ``LATE_SWEEPS``, or
            ``LATE_NODE_SWEEPS / nodes`` in small games).
        fallback: Restart the samples the iteration could not settle from the uniform
            profile with strong damping and short lambda steps (the restart, module doc),
            and trace those still uncertified with :mod:`brink.solvers.qre` in games of at
            most ``QRE_FALLBACK_ACTIONS`` personal actions.
        warm_start: Without ``lam``: start every sample from its types-known solution
            (the warm attempts, module doc) before the path from the uniform profile.

    Returns:
        A :class:`Solution` with ``solver="pbe"``, ``lam`` (``inf`` for the limit) and
        ``info`` holding per-sample arrays ``certified`` (without ``lam``: max and
        sequential regret of the final profile within ``regret_tol`` times the payoff
        range; with ``lam``: the QRE was reached), ``converged`` (the same),
        ``failed`` (its negation: the sample keeps the last profile reached and is never
        dropped), ``iterated`` (an attempt's stopping test was met), ``warm`` (a warm
        attempt got there), ``restarted`` (the restart was needed), ``fallback`` (qre's
        homotopy traced the sample), ``lam`` (the lambda reached,
        Gambit units), ``iterations`` (sweeps over all attempts), ``regret_scaled`` and
        ``sequential_scaled`` (max and sequential regret over the payoff range), and the
        scalars ``uncertified`` (their count), ``bound`` (``regret_tol``, per unit of
        payoff range), ``tol``, ``max_lam``.

    Raises:
        GameError: the game lacks perfect recall (the message names the information set).
        InputError: ``lam`` is negative or not finite.
    """
    lam = check_lambda(
        lam, "solve_pbe", "pass lam >= 0, or leave it out for the limiting equilibrium"
    )
    prob = _prepare(game)
    t = prob.sweep.tree
    target = None if lam is None else float(lam) * prob.scale
    run = _run(
        prob, target, tol, regret_tol, max_lam, max_iterations, warm_start and lam is None, fallback
    )
    S = prob.samples
    sweep = prob.sweep
    profile = np.empty((S, sweep.flat_size))
    profile[:, t.var_flat] = np.exp(run["log_sigma"])
    profile[:, sweep.chance_flat] = prob.probs[:, sweep.chance_edges]
    beliefs = run["beliefs"]
    values = run["values"]
    iterated = run["done"]
    scaled = run["regret"]
    sequential = run["sequential"]
    reach = run["reach"]
    lam_reached = run["lam"] / prob.scale
    traced = np.zeros(S, dtype=bool)
    if lam is None:
        slack = regret_tol * (1.0 + 1e-9)
        certified = (scaled <= slack) & (sequential <= slack)
    else:
        certified = iterated.copy()
    if fallback and not certified.all() and t.var_set.size <= QRE_FALLBACK_ACTIONS:
        from brink.solvers.qre import solve_qre

        idx = np.flatnonzero(~certified)
        sub = _subgame(game, idx)
        other = solve_qre(sub, lam=lam, regret_tol=regret_tol, max_lam=max_lam)
        ok = ~np.asarray(other.info["failed"], dtype=bool)
        rows = idx[ok]
        profile[rows] = other.profile[ok]
        beliefs[rows] = other.beliefs[ok]
        values[rows] = other.node_values[ok]
        reach[rows] = other.reach[ok]
        lam_reached[rows] = np.asarray(other.info["lam"])[ok]
        range_ = prob.scale[idx]
        scaled[rows] = (player_regrets(sub, other.profile).max(axis=1) / range_)[ok]
        sequential[rows] = (sequential_regrets(sub, other.profile).max(axis=1) / range_)[ok]
        traced[rows] = True
        if lam is None:
            certified[rows] = (scaled[rows] <= slack) & (sequential[rows] <= slack)
        else:
            certified[rows] = True
    for nodes in sweep.chance_groups:
        if nodes.size > 1:
            tot = reach[:, nodes].sum(axis=1, keepdims=True)
            beliefs[:, nodes] = np.where(
                tot > 0, reach[:, nodes] / np.where(tot > 0, tot, 1), 1 / nodes.size
            )
    single = game.samples is None

    def shape(arr: NDArray[Any]) -> NDArray[Any]:
        return np.asarray(arr[0]) if single else np.asarray(arr)

    info: dict[str, Any] = {
        "certified": shape(certified),
        "converged": shape(certified),
        "failed": shape(~certified),
        "iterated": shape(iterated),
        "warm": shape(iterated & (run["attempt"] < PATH)),
        "restarted": shape(run["attempt"] == RESTART),
        "fallback": shape(traced),
        "lam": shape(lam_reached),
        "iterations": shape(run["iterations"]),
        "regret_scaled": shape(scaled),
        "sequential_scaled": shape(sequential),
        "uncertified": int(np.sum(~certified)),
        "bound": regret_tol,
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
