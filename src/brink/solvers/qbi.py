"""Logit quantal response at a fixed precision by one backward pass ("quantal backward induction").

In a game of perfect information the agent logit quantal-response equilibrium (McKelvey &
Palfrey 1998) at a given precision ``lam`` needs no fixed-point search: every agent moves
at a single node, so the continuation values below a node do not depend on the choice
probabilities at or above it, and one backward pass computes it exactly (McKelvey & Palfrey
1998, sec. 4, on the centipede game; Signorino 1999, the *strategic* logit/probit of
international-relations crisis data, whose likelihood is this same recursion).  At every node
``v`` of player ``i`` with children ``c_1..c_k``::

    U(a)        = V_i(c_a)                                  (continuation value of action a)
    sigma_v(a)  = exp(lam * (U(a) - max_b U(b))) / sum_b exp(lam * (U(b) - max_b U(b)))
    V(v)        = sum_a sigma_v(a) * V(c_a)    (+ the payoffs of an outcome at v itself)

and chance nodes average their children with nature's probabilities.  Subtracting the
largest value before exponentiating leaves ``sigma`` unchanged and keeps every exponent at
most 0, so no weight overflows and the largest weight is exactly 1 (a numerically stable
softmax).  ``lam`` is the logit precision per unit payoff in Gambit's convention (it
multiplies the payoffs as written, like :func:`brink.solvers.qre.solve_qre`), so for a
perfect-information game this is the same profile as pygambit's
``qre.logit_solve_lambda(game, lam)`` and as ``solve_qre(game, lam=...)`` -- in one pass
instead of a traced branch.  ``lam = 0`` is uniform play at every node; as ``lam -> inf``
the profile tends to the subgame-perfect equilibrium (Selten 1965) wherever backward
induction meets no tie; at a tie whose actions have equal values at every precision (tied
terminals, say) the logit probabilities are equal, the uniform mixture
:func:`brink.solvers.spe.solve_spe` reports there.  The modal path stops at a mover's node whose most likely actions tie (within
:data:`brink.solvers.spe.TIE_TOLERANCE`), as spe's does.

The kernel is the one of :mod:`brink.solvers.spe` with the softmax in place of the argmax:
the tree plan, sample-minor chunk buffers and the stack of child values are reused from
there (:class:`brink.solvers.spe._Stream`), and the inner loops run over a chunk of samples.
The same pass also evaluates, for every player, its best response to the others' logit play
(the player maximises at its own nodes, everyone else follows the profile, chance averages),
so ``max_regret`` is the exact Nash regret of the profile, as
:func:`brink.solvers.regret.max_regret` defines it.  It is not zero: the logit choice at a
node with ``n`` actions falls short of the best continuation by at most ``ln(n) / lam``
(softmax maximises ``sigma . U + H(sigma) / lam`` and the entropy ``H`` is at most ``ln n``).

Default precision: ``lam = 1`` (:data:`DEFAULT_LAMBDA`).  The ``qre`` solver has no fixed
default (without ``lam`` it follows the branch to its limit, an equilibrium); a behavioural
model needs a finite one, and 1 is the normalisation of the strategic logit (Signorino
1999; Signorino & Yilmaz 2003): the choice errors are standard type-I extreme value, so
payoffs are measured in units of the error scale and ``lam = 1`` is the fitted model itself.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numba import njit
from numpy.typing import NDArray

from brink.arrays import FloatArray
from brink.games import Game, GameError, NodeKind
from brink.solvers import precision
from brink.solvers.result import Solution
from brink.solvers.spe import (
    TIE_TOLERANCE,
    FusedResult,
    PayoffParts,
    ReadOutSink,
    TerminalReach,
    _buffer,
    _chunk_size,
    _reach_kernel,
    _Rows,
    _states_of,
    _Stream,
    _terminal_reach_kernel,
    states_fused,
)

__all__ = ["DEFAULT_LAMBDA", "qbi_fused", "qbi_terminal_reach", "solve_qbi"]

#: Logit precision used when none is given: the strategic-logit normalisation (payoffs in
#: units of the standard extreme-value error scale; Signorino 1999).
DEFAULT_LAMBDA = 1.0


# --------------------------------------------------------------------------- kernels


@njit(cache=True, nogil=True)
def _qbi_kernel(
    order: NDArray[np.int64],
    mover: NDArray[np.int32],
    child_ptr: NDArray[np.int64],
    outcome: NDArray[np.int32],
    chance_col: NDArray[np.int64],
    pay: FloatArray,
    s0: int,
    step: int,
    cprob: FloatArray,
    n_samples: int,
    lam: float,
    with_regret: bool,
    stack_g: FloatArray,
    stack_b: FloatArray,
    eprob: FloatArray,
    keep_values: bool,
    values: FloatArray,
    scratch: FloatArray,
    fused: bool,
    paybuf: FloatArray,
    rows: NDArray[np.int64],
) -> None:  # pragma: no cover - compiled
    """Quantal backward induction over one chunk of ``n_samples`` samples.

    Walks the reverse of the depth-first preorder ``order`` with a stack of child values
    (action ``a`` of a node with ``k`` children sits in row ``top - 1 - a``), as
    :func:`brink.solvers.spe._values_kernel` does.  Writes ``eprob (edges, C)``: the
    probability of every edge (the logit choice at a mover's node, nature's at chance) and,
    when ``keep_values``, ``values (nodes, players, C)``: the continuation payoffs of the
    node's own outcome and below.  ``stack_b`` carries each player's best-response values
    when ``with_regret``.  ``scratch (5, C)``: largest value, normaliser, best-response
    value, accumulator and a finiteness check of the payoffs computed from parts (``0 * x``
    summed: NaN iff one is not finite).  When ``fused``, payoffs are read from the chunk's
    distinct payoff rows ``paybuf`` through ``rows`` (as in :func:`brink.solvers.spe._values_kernel`).  At the end ``stack_g[0]``/``stack_b[0]``
    hold the root's values.
    """
    n = order.shape[0]
    P = stack_g.shape[1]
    C = n_samples
    high = scratch[0]
    total = scratch[1]
    best_b = scratch[2]
    acc = scratch[3]
    check = scratch[4]
    for s in range(C):
        check[s] = 0.0
    top = 0
    for j in range(n - 1, -1, -1):
        v = order[j]
        e0 = child_ptr[v]
        k = child_ptr[v + 1] - e0
        o = outcome[v]
        who = mover[v]
        base = top - k
        if k == 0:
            for p in range(P):
                if o >= 0 and fused:
                    r = rows[o * P + p]
                    for s in range(C):
                        x = paybuf[r, s]
                        stack_g[base, p, s] = 0.0 + x
                        check[s] += 0.0 * x
                elif o >= 0:
                    for s in range(C):
                        stack_g[base, p, s] = 0.0 + pay[(s0 + s) * step, o, p]
                else:
                    for s in range(C):
                        stack_g[base, p, s] = 0.0
                if with_regret:
                    for s in range(C):
                        stack_b[base, p, s] = stack_g[base, p, s]
            if keep_values:
                for p in range(P):
                    for s in range(C):
                        values[v, p, s] = stack_g[base, p, s]
            top = base + 1
            continue
        if who < 0:
            for a in range(k):
                col = chance_col[e0 + a]
                for s in range(C):
                    eprob[e0 + a, s] = cprob[col, s]
        else:
            for s in range(C):
                high[s] = stack_g[top - 1, who, s]
            for a in range(1, k):
                row = top - 1 - a
                for s in range(C):
                    high[s] = max(high[s], stack_g[row, who, s])
            for s in range(C):
                total[s] = 0.0
            for a in range(k):
                row = top - 1 - a
                for s in range(C):
                    w = math.exp(lam * (stack_g[row, who, s] - high[s]))
                    eprob[e0 + a, s] = w
                    total[s] += w
            for s in range(C):
                total[s] = 1.0 / total[s]
            for a in range(k):
                for s in range(C):
                    eprob[e0 + a, s] *= total[s]
            if with_regret:
                for s in range(C):
                    best_b[s] = stack_b[top - 1, who, s]
                for a in range(1, k):
                    row = top - 1 - a
                    for s in range(C):
                        best_b[s] = max(best_b[s], stack_b[row, who, s])
        # the probability-weighted mean replaces the row of the last action (``base``),
        # which is read last; the sum runs over a = 0..k-1
        for p in range(P):
            for s in range(C):
                acc[s] = eprob[e0, s] * stack_g[top - 1, p, s]
            for a in range(1, k):
                row = top - 1 - a
                for s in range(C):
                    acc[s] += eprob[e0 + a, s] * stack_g[row, p, s]
            for s in range(C):
                stack_g[base, p, s] = acc[s]
            if with_regret and p != who:
                for s in range(C):
                    acc[s] = eprob[e0, s] * stack_b[top - 1, p, s]
                for a in range(1, k):
                    row = top - 1 - a
                    for s in range(C):
                        acc[s] += eprob[e0 + a, s] * stack_b[row, p, s]
                for s in range(C):
                    stack_b[base, p, s] = acc[s]
        if with_regret and who >= 0:
            for s in range(C):
                stack_b[base, who, s] = best_b[s]
        if o >= 0 and fused:
            for p in range(P):
                r = rows[o * P + p]
                for s in range(C):
                    x = paybuf[r, s]
                    stack_g[base, p, s] += x
                    check[s] += 0.0 * x
                if with_regret:
                    for s in range(C):
                        stack_b[base, p, s] += paybuf[r, s]
        elif o >= 0:
            for p in range(P):
                for s in range(C):
                    stack_g[base, p, s] += pay[(s0 + s) * step, o, p]
                if with_regret:
                    for s in range(C):
                        stack_b[base, p, s] += pay[(s0 + s) * step, o, p]
        if keep_values:
            for p in range(P):
                for s in range(C):
                    values[v, p, s] = stack_g[base, p, s]
        top = base + 1


# --------------------------------------------------------------------------- API


def check_lambda(lam: Any) -> float:
    """``lam`` as a float if it is a finite number >= 0 (``None``: :data:`DEFAULT_LAMBDA`).

    Raises:
        InputError: ``lam`` is not a number, negative, NaN or infinite.
    """
    value = precision.check_lambda(lam, "solve_qbi", f"pass a finite lambda >= 0 (0: uniform play; default {DEFAULT_LAMBDA:g})")
    return DEFAULT_LAMBDA if value is None else value


class _Pass:
    """One chunked quantal backward induction over a game's samples (the SPE stream's buffers)."""

    def __init__(self, game: Game, chunk_size: int | None, lam: float, parts: PayoffParts | None = None) -> None:
        self.run = _Stream(game, chunk_size, parts=parts)
        self.lam = lam
        self.eprob = _buffer("qbi_eprob", (game.n_edges, self.run.C))

    def solve(self, s0: int, s1: int, with_regret: bool, values: FloatArray | None = None) -> None:
        run, pl = self.run, self.run.plan
        run.load(s0, s1)
        _qbi_kernel(
            pl.order, pl.mover, pl.child_ptr, pl.outcome, run.chance_col, run.pay, run.s0,
            run.step, run.prob_buf, s1 - s0, self.lam, with_regret, run.stack_g, run.stack_b,
            self.eprob, values is not None, _NO_VALUES if values is None else values, run.scratch,
            *run.part_args(),
        )  # fmt: skip
        if run.parts is not None and not np.isfinite(run.scratch[4, : s1 - s0]).all():
            raise GameError("payoffs must be finite numbers (found NaN or infinity)")


_NO_VALUES = np.empty((1, 1, 1))


def qbi_terminal_reach(
    game: Game, lam: float | None = None, chunk_size: int | None = None
) -> TerminalReach:
    """Payoffs, terminal reach and modal path of the quantal backward induction, every sample.

    The lean read-out for models that need outcome probabilities only (the registry's
    ``terminal_reach`` hook): the same pass and numbers as :func:`solve_qbi`, without the
    per-node arrays of a :class:`Solution`.  ``lam``: as in :func:`solve_qbi`.
    """
    q = _Pass(game, chunk_size, check_lambda(lam))
    run, pl = q.run, q.run.plan
    S, P, C = run.samples, game.n_players, run.C
    terminals = game.terminals
    terminal_pos = np.full(game.n_nodes, -1, dtype=np.int64)
    terminal_pos[terminals] = np.arange(terminals.size)
    terminal_nodes = np.ascontiguousarray(terminals, dtype=np.int64)
    reach_buf = _buffer("reach", (game.n_nodes, C))
    pay = np.empty((S, P))
    reach = np.empty((S, terminals.size))
    modal = np.empty(S, dtype=np.int64)
    for s0 in range(0, S, C):
        s1 = min(S, s0 + C)
        q.solve(s0, s1, False)
        pay[s0:s1] = run.stack_g[0, :, : s1 - s0].T
        _terminal_reach_kernel(
            s0, s1 - s0, pl.order, pl.mover, pl.child_ptr, pl.children, terminal_pos, terminal_nodes,
            np.arange(terminals.size, dtype=np.int64), s0, q.eprob, reach_buf, reach, modal, pl.tie_bits,
            TIE_TOLERANCE, False,
        )  # fmt: skip
    return TerminalReach(pay, reach, modal)


def qbi_fused(
    game: Game,
    parts: PayoffParts,
    columns: NDArray[np.int64],
    sink: ReadOutSink,
    lam: float | None = None,
    chunk_size: int | None = None,
    block: int = 2,
    states: bool | None = None,
) -> FusedResult:
    """:func:`qbi_terminal_reach` of a game whose payoffs and chance probabilities are given by
    their parts, computed as the pass visits them; the terminal reach goes to ``sink`` in
    blocks of ``block`` samples or more, as in :func:`brink.solvers.spe.spe_fused`.  Bit-identical to
    :func:`qbi_terminal_reach` on the game with ``parts.payoffs()`` and ``parts.chance_probs()``
    when ``states`` is off; with ``states`` (default :data:`brink.solvers.spe.STATES`) the pass
    runs on the game's states (:mod:`brink.solvers.states`) and equals it to rounding.

    Raises:
        GameError: a payoff is not a finite number.
    """
    value = check_lambda(lam)
    graph = _states_of(game, parts, states)
    if graph is not None:
        return states_fused(game, parts, graph, columns, sink, value, chunk_size, block)
    q = _Pass(game, chunk_size, value, parts)
    run, pl = q.run, q.run.plan
    S, P, C = run.samples, game.n_players, run.C
    reach_buf = _buffer("reach", (game.n_nodes, C))
    rows = _Rows(game, S, C, columns, sink, block)
    pay = np.empty((S, P))
    modal = np.empty(S, dtype=np.int64)
    for s0 in range(0, S, C):
        s1 = min(S, s0 + C)
        q.solve(s0, s1, False)
        pay[s0:s1] = run.stack_g[0, :, : s1 - s0].T
        _terminal_reach_kernel(
            s0, s1 - s0, pl.order, pl.mover, pl.child_ptr, pl.children, rows.terminal_pos, rows.terminal_nodes,
            rows.columns, rows.filled(s0), q.eprob, reach_buf, rows.rows, modal, pl.tie_bits, TIE_TOLERANCE,
            rows.accumulate,
        )  # fmt: skip
        rows.done(s1)
    return FusedResult(pay, modal)


def solve_qbi(game: Game, lam: float | None = None, chunk_size: int | None = None) -> Solution:
    """Logit QRE of a perfect-information game at precision ``lam``, for every sample.

    Args:
        game: A game whose personal information sets are all singletons; chance nodes,
            outcomes on inner nodes, sampled payoffs and sampled chance probabilities are
            allowed.
        lam: Logit precision per unit payoff, Gambit's convention (it multiplies the
            payoffs as written); ``0`` is uniform play.  ``None``: :data:`DEFAULT_LAMBDA`.
        chunk_size: Samples per kernel call (default as :func:`brink.solvers.solve_spe`);
            results do not depend on it.

    Returns:
        A :class:`Solution` with ``solver="qbi"``, ``lam``, the logit profile (chance sets
        hold nature's probabilities), payoffs, reach, node values, beliefs (1 at every
        singleton; reach-proportional in chance sets with several nodes), ``ties`` all
        False and ``max_regret`` the exact Nash regret of the profile (positive: this is a
        behavioural model, not an equilibrium; see the module doc for its bound).

    Raises:
        InputError: ``lam`` is negative, NaN, infinite or not a number.
        GameError: an information set of a player holds more than one node (use the
            ``qre`` solver, which handles information sets).
    """
    value = check_lambda(lam)
    S = game.samples or 1
    q = _Pass(game, _chunk_size(game, S, chunk_size), value)
    run, pl = q.run, q.run.plan
    n, P, C = game.n_nodes, game.n_players, run.C
    chunk_values = np.empty((n, P, C))
    chunk_reach = np.empty((n, C))
    values = np.empty((S, n, P))
    reach = np.empty((S, n))
    profile = np.zeros((S, pl.n_actions))
    regret = np.empty(S)
    personal = np.flatnonzero(game.kind[game.edge_parent] == NodeKind.PERSONAL)
    personal_actions = game.edge_infoset_action[personal]
    for s0 in range(0, S, C):
        s1 = min(S, s0 + C)
        c = s1 - s0
        q.solve(s0, s1, True, chunk_values)
        gain = run.stack_b[0, :, :c] - run.stack_g[0, :, :c]
        regret[s0:s1] = np.maximum(gain.max(axis=0), 0.0)
        _reach_kernel(c, pl.order, pl.child_ptr, pl.children, q.eprob, chunk_reach)
        values[s0:s1] = chunk_values[:, :, :c].transpose(2, 0, 1)
        reach[s0:s1] = chunk_reach[:, :c].T
        profile[s0:s1, personal_actions] = q.eprob[personal, :c].T
    profile[:, pl.chance_actions] = game.chance_probs[..., pl.chance_edges]
    if pl.inner_outcomes:
        above = np.broadcast_to(game.node_payoffs(), (S, n, P))
        values[:, 1:, :] += above[:, game.parent[1:], :]
    beliefs = _beliefs(game, reach)
    payoffs = values[:, 0, :].copy()
    ties = np.zeros((S, n), dtype=np.bool_)
    if game.samples is None:
        return Solution(
            game=game, solver="qbi", profile=profile[0], payoffs=payoffs[0], reach=reach[0],
            beliefs=beliefs[0], node_values=values[0], max_regret=np.asarray(regret[0]),
            ties=ties[0], lam=value, info={"chunk_size": C},
        )  # fmt: skip
    return Solution(
        game=game, solver="qbi", profile=profile, payoffs=payoffs, reach=reach,
        beliefs=beliefs, node_values=values, max_regret=regret, ties=ties, lam=value,
        info={"chunk_size": C},
    )  # fmt: skip


def _beliefs(game: Game, reach: FloatArray) -> FloatArray:
    """``(S, nodes)`` beliefs: 1 at singletons, reach-proportional within chance sets of
    several nodes (uniform where none of them is reached)."""
    beliefs = np.ones_like(reach)
    sizes = np.bincount(game.infoset[game.infoset >= 0], minlength=game.n_infosets)
    for h in np.flatnonzero((sizes > 1) & (game.infoset_player < 0)):
        members = np.flatnonzero(game.infoset == h)
        r = reach[:, members]
        total = r.sum(axis=1, keepdims=True)
        beliefs[:, members] = np.where(
            total > 0, r / np.where(total > 0, total, 1), 1 / members.size
        )
    return beliefs
