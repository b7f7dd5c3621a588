"""Subgame-perfect equilibrium by backward induction, on all samples at once.

For a finite game of perfect information, backward induction (Kuhn 1953; Zermelo 1913)
gives a subgame-perfect equilibrium (Selten 1965): at every node, the mover picks an
action that maximises its own continuation value, given the choices already made below;
chance nodes average their children with nature's probabilities.  brink solves every
sample of a game in one pass over the tree: a numba kernel walks the nodes children-first
and, at each node, runs an inner loop over a chunk of samples laid out contiguously
(``(nodes, players, samples)``), so the per-node work is amortised over the chunk and the
inner loop vectorises.  Child values live on a small stack (the reverse of a depth-first
preorder pushes a node's children just before the node itself), which keeps the working
set in cache.  One kernel (:func:`_values_kernel`) holds this arithmetic for every entry
point: it computes each node in place in its last child's row and reads payoffs where
they lie; :func:`spe_payoffs` keeps only the stack, :func:`spe_terminal_reach` also the
choices, and :func:`solve_spe` also node values and ties, then derives reach from the
choices (:func:`_reach_kernel`), so all three give the same numbers, bit for bit.

Tie rule: at a node of player ``i`` with best child value ``m``, every action whose value
to ``i`` is at least ``m - 1e-12 * (1 + |m|)`` (:data:`TIE_TOLERANCE`: relative to the payoff
magnitude, absolute near zero) counts as best.  When ``t > 1`` actions count, the player
**mixes uniformly** over them: each gets probability ``1 / t``, every player's value at the
node is the mean of its values over the ``t`` actions, and ``Solution.ties`` is set at that
node for that sample.  The numbers do not depend on the order in which the actions are
listed (up to the rounding of the mean of three or more values).  Any mixture over tied
actions is a best reply at that node, so this is still a subgame-perfect equilibrium
(Selten 1965), and the uniform one is the only selection that treats the actions
symmetrically (Laplace's principle of insufficient reason; Harsanyi & Selten 1988 require
an equilibrium selection to be invariant to relabelling the strategies).  It is also what
the logit quantal-response equilibrium gives wherever the tied actions' continuation values
are equal at every precision (tied terminals, or subgames played alike): their logit
probabilities are then equal (McKelvey & Palfrey 1998).  The modal path stops at the first
tie it meets (:func:`tie_code`): a tie is reported as a tie, never as the action listed
first.

Regret is computed, not assumed: the same pass evaluates, for every player, the value of
its best response to the others' equilibrium choices (the player maximises at all its
own nodes, everyone else follows the profile, chance averages), and
``max_regret = max_i (best_response_i - value_i)`` at the root.  It is zero up to the
tie tolerance for a correct solution.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
from numba import njit
from numpy.typing import NDArray

from brink.arrays import FloatArray
from brink.games import Game, GameError, NodeKind
from brink.solvers.reach import copy_reach
from brink.solvers.result import Solution
from brink.solvers.states import (
    StateGraph,
    _history_reach_kernel,
    _reward_rows,
    _states_kernel,
    state_graph,
)
from brink.solvers.ties import TIE_TOLERANCE

__all__ = [
    "TIE_BITS_MAX",
    "TIE_TOLERANCE",
    "FusedResult",
    "PayoffParts",
    "ReadOutSink",
    "TerminalReach",
    "decode_tie",
    "shared_information_set",
    "solve_spe",
    "spe_fused",
    "spe_payoffs",
    "spe_terminal_reach",
    "states_fused",
    "tie_bits",
    "tie_code",
]

#: Actions of a node a modal-path tie code names (:func:`tie_code`); more are left unnamed.
TIE_BITS_MAX = 30

#: Bytes of per-chunk working memory the solver aims for (outputs of one chunk) ...
CHUNK_BYTES = 256 * 2**20
#: ... within these bounds on the samples per chunk: below ~64 the per-node overhead
#: dominates; above ~256 the chunk's outputs no longer stay in cache.
MIN_CHUNK, MAX_CHUNK = 64, 256
#: Samples per chunk of the streaming kernels (:func:`spe_payoffs`, :func:`spe_terminal_reach`):
#: their working set is a stack of child values, and payoffs are read where they lie, so a
#: chunk whose stack and payoff lines stay in L1/L2 wins (measured: 64 beats 32, 128 and 256).
STREAM_CHUNK = 64



# --------------------------------------------------------------------------- kernels


@njit(cache=True, nogil=True)
def _plan_kernel(
    child_ptr: NDArray[np.int64], children: NDArray[np.int32]
) -> tuple[NDArray[np.int64], int]:
    """Depth-first preorder visiting children in action order, and the stack height needed."""
    n = child_ptr.shape[0] - 1
    order = np.empty(n, dtype=np.int64)
    todo = np.empty(n, dtype=np.int64)
    top = 0
    todo[0] = 0
    top = 1
    i = 0
    while top > 0:
        top -= 1
        v = todo[top]
        order[i] = v
        i += 1
        for e in range(child_ptr[v + 1] - 1, child_ptr[v] - 1, -1):
            todo[top] = children[e]
            top += 1
    height = 0
    best = 0
    for j in range(n - 1, -1, -1):
        v = order[j]
        height += 1 - (child_ptr[v + 1] - child_ptr[v])
        best = max(best, height)
    return order, best


@njit(cache=True, nogil=True, inline="always")
def _chance_mean(
    stack: FloatArray,
    top: int,
    k: int,
    p: int,
    e0: int,
    chance_col: NDArray[np.int64],
    cprob: FloatArray,
    acc: FloatArray,
    C: int,
) -> None:
    """Nature's expectation of player ``p``'s value over the ``k`` stack rows of a chance
    node (action ``a`` in row ``top - 1 - a``), written to its row ``top - k``; the sum runs
    over ``a = 0..k-1`` in that order, so the result is bit-identical wherever it is used."""
    col = chance_col[e0]
    for s in range(C):
        acc[s] = 0.0 + cprob[col, s] * stack[top - 1, p, s]
    for a in range(1, k):
        col = chance_col[e0 + a]
        row = top - 1 - a
        for s in range(C):
            acc[s] += cprob[col, s] * stack[row, p, s]
    for s in range(C):
        stack[top - k, p, s] = acc[s]


@njit(cache=True, nogil=True)
def _payoff_rows(
    cls: FloatArray,
    row_class: NDArray[np.int64],
    row_player: NDArray[np.int64],
    coef: FloatArray,
    s0: int,
    ptr: NDArray[np.int64],
    term: NDArray[np.int64],
    weight: FloatArray,
    out: FloatArray,
    C: int,
) -> None:
    """``out[d, s]``: distinct payoff row ``d`` (:class:`PayoffParts`) in sample ``s0 + s``: the
    class value, then every term ``coef * weight`` in order, the sum
    :func:`brink.crisis.terms.assemble_payoffs` takes (bit-identical).  ``cls (classes,
    players, C)`` holds the chunk's class values sample-minor."""
    for d in range(row_class.shape[0]):
        u = row_class[d]
        p = row_player[d]
        for s in range(C):
            out[d, s] = cls[u, p, s]
        for j in range(ptr[d], ptr[d + 1]):
            kk = term[j]
            w = weight[j]
            for s in range(C):
                out[d, s] += coef[kk, s0 + s] * w


@njit(cache=True, nogil=True)
def _values_kernel(
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
    tol: float,
    with_regret: bool,
    stack_g: FloatArray,
    stack_b: FloatArray,
    keep_choice: bool,
    eprob: FloatArray,
    keep_values: bool,
    values: FloatArray,
    ties: NDArray[np.bool_],
    scratch: FloatArray,
    fused: bool,
    paybuf: FloatArray,
    rows: NDArray[np.int64],
) -> None:
    """Backward induction (Kuhn 1953) over one chunk of ``n_samples`` samples.

    The one place where brink's backward-induction arithmetic lives: :func:`spe_payoffs`
    keeps only the stack, :func:`spe_terminal_reach` also the choices and
    :func:`solve_spe` everything.  Per node it writes ``eprob (edges, C)`` when
    ``keep_choice`` (the probability of every edge: ``1 / m`` on each of the ``m`` tied best
    actions of a mover and 0 on the others, nature's probability at chance) and, when
    ``keep_values``, ``values (nodes, players, C)`` (payoffs of the node's own outcome and
    below) and ``ties (nodes, C)`` (more than one action within the tie tolerance); these
    switches are tested once per node, so the streaming callers pay nothing for them.  A
    node's value is computed in place in the stack row of its last child (``top - k``): at a
    mover, every player's value is the mean of its values over the tied actions (the tie rule
    of the module doc), selecting with comparisons rather than branches so the sample loop
    vectorises.  ``scratch (6, C)``: best value, best-response value, threshold, an
    accumulator, a finiteness check (``0 * x`` summed over the payoffs read: NaN iff one is
    not finite) and the number of tied actions.  Payoffs are read where
    they lie, sample-major: ``pay[(s0 + s) * step, o, p]`` (``step`` 0 for payoffs without
    a sample dimension), which saves a transposed copy.  When ``fused``, the payoff of
    outcome ``o`` to player ``p`` is row ``rows[o * P + p]`` of ``paybuf (distinct rows, C)``,
    the chunk's distinct payoff rows computed from their parts (:class:`PayoffParts`,
    :func:`_payoff_rows`).  At the end
    ``stack_g[0]``/``stack_b[0]`` hold the root's values and best-response values.
    """
    n = order.shape[0]
    P = stack_g.shape[1]
    C = n_samples
    best = scratch[0]
    best_b = scratch[1]
    thr = scratch[2]
    acc = scratch[3]
    check = scratch[4]
    count = scratch[5]
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
            if o >= 0 and fused:
                for p in range(P):
                    r = rows[o * P + p]
                    for s in range(C):
                        x = paybuf[r, s]
                        stack_g[base, p, s] = 0.0 + x
                        check[s] += 0.0 * x
                    if with_regret:
                        for s in range(C):
                            stack_b[base, p, s] = 0.0 + paybuf[r, s]
            elif o >= 0:
                for p in range(P):
                    for s in range(C):
                        x = pay[(s0 + s) * step, o, p]
                        stack_g[base, p, s] = 0.0 + x
                        check[s] += 0.0 * x
                    if with_regret:
                        for s in range(C):
                            stack_b[base, p, s] = 0.0 + pay[(s0 + s) * step, o, p]
            else:
                for p in range(P):
                    for s in range(C):
                        stack_g[base, p, s] = 0.0
                    if with_regret:
                        for s in range(C):
                            stack_b[base, p, s] = 0.0
            if keep_values:
                for p in range(P):
                    for s in range(C):
                        values[v, p, s] = stack_g[base, p, s]
                for s in range(C):
                    ties[v, s] = False
            top = base + 1
            continue
        if who < 0:
            # action a sits in row top - 1 - a; the sum runs over a = 0..k-1
            for p in range(P):
                _chance_mean(stack_g, top, k, p, e0, chance_col, cprob, acc, C)
                if with_regret:
                    _chance_mean(stack_b, top, k, p, e0, chance_col, cprob, acc, C)
            if keep_choice:
                for a in range(k):
                    col = chance_col[e0 + a]
                    for s in range(C):
                        eprob[e0 + a, s] = cprob[col, s]
            if keep_values:
                for s in range(C):
                    ties[v, s] = False
        else:
            row = top - 1
            for s in range(C):
                best[s] = stack_g[row, who, s]
            for a in range(1, k):
                row = top - 1 - a
                for s in range(C):
                    best[s] = max(best[s], stack_g[row, who, s])
            if with_regret:
                for s in range(C):
                    best_b[s] = stack_b[top - 1, who, s]
                for a in range(1, k):
                    row = top - 1 - a
                    for s in range(C):
                        best_b[s] = max(best_b[s], stack_b[row, who, s])
            for s in range(C):
                thr[s] = best[s] - tol * (1.0 + abs(best[s]))
                count[s] = 0.0
            for a in range(k):
                row = top - 1 - a
                for s in range(C):
                    count[s] += 1.0 if stack_g[row, who, s] >= thr[s] else 0.0
            for s in range(C):
                count[s] = max(count[s], 1.0)  # 0 only where a value is NaN (reported below)
            if keep_choice:
                for a in range(k):
                    row = top - 1 - a
                    for s in range(C):
                        eprob[e0 + a, s] = 1.0 / count[s] if stack_g[row, who, s] >= thr[s] else 0.0
            if keep_values:
                for s in range(C):
                    ties[v, s] = count[s] > 1.0
            # each player's value is the mean over the tied actions (the pick alone when
            # there is no tie: 0 + x / 1 = x); the mover comes last, since its row ``base``
            # (the last action's) still decides whether that action is tied
            for q in range(P):
                p = (who + 1 + q) % P
                if with_regret and p != who:
                    for s in range(C):
                        acc[s] = 0.0
                    for a in range(k):
                        row = top - 1 - a
                        for s in range(C):
                            acc[s] += stack_b[row, p, s] if stack_g[row, who, s] >= thr[s] else 0.0
                    for s in range(C):
                        stack_b[base, p, s] = acc[s] / count[s]
                for s in range(C):
                    acc[s] = 0.0
                for a in range(k):
                    row = top - 1 - a
                    for s in range(C):
                        acc[s] += stack_g[row, p, s] if stack_g[row, who, s] >= thr[s] else 0.0
                for s in range(C):
                    stack_g[base, p, s] = acc[s] / count[s]
            if with_regret:
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
                    x = pay[(s0 + s) * step, o, p]
                    stack_g[base, p, s] += x
                    check[s] += 0.0 * x
                if with_regret:
                    for s in range(C):
                        stack_b[base, p, s] += pay[(s0 + s) * step, o, p]
        if keep_values:
            for p in range(P):
                for s in range(C):
                    values[v, p, s] = stack_g[base, p, s]
        top = base + 1


@njit(cache=True, nogil=True)
def _reach_kernel(
    n_samples: int,
    order: NDArray[np.int64],
    child_ptr: NDArray[np.int64],
    children: NDArray[np.int32],
    eprob: FloatArray,
    reach: FloatArray,
) -> None:
    """Forward pass of the profile in ``eprob (edges, C)``: ``reach (nodes, C)`` of every node.

    The reach of a node is the product of the probabilities of the edges on its path
    (Kuhn 1953); parents precede children in ``order``.
    """
    C = n_samples
    for s in range(C):
        reach[0, s] = 1.0
    for j in range(order.shape[0]):
        v = order[j]
        e0 = child_ptr[v]
        for a in range(child_ptr[v + 1] - e0):
            c = children[e0 + a]
            for s in range(C):
                reach[c, s] = reach[v, s] * eprob[e0 + a, s]


@njit(cache=True, nogil=True)
def _terminal_reach_kernel(
    s0: int,
    n_samples: int,
    order: NDArray[np.int64],
    mover: NDArray[np.int32],
    child_ptr: NDArray[np.int64],
    children: NDArray[np.int32],
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
) -> None:
    """Reach of every terminal and the modal path of the profile in ``eprob (edges, C)``.

    ``reach (nodes, C)`` is a work buffer (:func:`_reach_kernel`);
    ``out_reach[r0 + s, terminal_col[i]]`` receives the reach of terminal ``terminals[i]``.
    ``modal[s0 + s]`` is the end of the most probable path, as :func:`brink.model.modal_paths`
    reads it off a profile: the terminal's position, or :func:`tie_code` of the first mover's
    node on the path whose most likely actions tie (within ``tol``), where the path stops;
    at chance the first most likely action is followed.
    """
    C = n_samples
    _reach_kernel(C, order, child_ptr, children, eprob, reach)
    copy_reach(C, r0, terminals, terminal_col, reach, out_reach, accumulate)
    for s in range(C):
        modal[s0 + s] = _modal_end(s, mover, child_ptr, children, terminal_pos, terminals.shape[0], eprob, tie_bits, tol)


@njit(cache=True, nogil=True, inline="always")
def _modal_end(
    s: int,
    mover: NDArray[np.int32],
    child_ptr: NDArray[np.int64],
    children: NDArray[np.int32],
    terminal_pos: NDArray[np.int64],
    n_terminals: int,
    eprob: FloatArray,
    tie_bits: int,
    tol: float,
) -> int:
    """The end of sample ``s``'s most probable path (:func:`_terminal_reach_kernel`)."""
    v = 0
    while child_ptr[v + 1] > child_ptr[v]:
        e0 = child_ptr[v]
        k = child_ptr[v + 1] - e0
        pick = 0
        top = eprob[e0, s]
        for a in range(1, k):
            if eprob[e0 + a, s] > top:
                pick = a
                top = eprob[e0 + a, s]
        if mover[v] >= 0:
            mask = 0
            tied = 0
            for a in range(k):
                if eprob[e0 + a, s] >= top - tol * (1.0 + top):
                    tied += 1
                    if a < tie_bits:
                        mask |= 1 << a
            if tied > 1:
                return n_terminals + (v << tie_bits) + mask
        v = children[e0 + pick]
    return int(terminal_pos[v])


@njit(cache=True, nogil=True)
def _scatter_kernel(
    s0: int,
    n_samples: int,
    values: FloatArray,
    reach: FloatArray,
    eprob: FloatArray,
    ties: NDArray[np.bool_],
    action_base: NDArray[np.int64],
    child_ptr: NDArray[np.int64],
    out_values: FloatArray,
    out_reach: FloatArray,
    out_profile: FloatArray,
    out_ties: NDArray[np.bool_],
) -> None:
    """Copy one chunk from sample-minor buffers into the sample-major :class:`Solution` arrays.

    ``action_base[v]`` is the flat profile index of action 0 at personal node ``v``, -1 elsewhere.
    Works in blocks of nodes so that both sides of the transposition stay in cache.
    """
    n = values.shape[0]
    P = values.shape[1]
    block = 16
    for b0 in range(0, n, block):
        b1 = min(n, b0 + block)
        for s in range(n_samples):
            t = s0 + s
            for v in range(b0, b1):
                for p in range(P):
                    out_values[t, v, p] = values[v, p, s]
                out_reach[t, v] = reach[v, s]
                out_ties[t, v] = ties[v, s]
                base = action_base[v]
                if base >= 0:
                    for a in range(child_ptr[v + 1] - child_ptr[v]):
                        out_profile[t, base + a] = eprob[child_ptr[v] + a, s]


# --------------------------------------------------------------------------- ties


def tie_bits(game: Game) -> int:
    """Bits of the action mask in a modal-path tie code: the most actions at a mover's node
    (at most :data:`TIE_BITS_MAX`; at least 1)."""
    moving = game.kind == NodeKind.PERSONAL
    most = int(game.num_children[moving].max()) if moving.any() else 1
    return max(1, min(most, TIE_BITS_MAX))


def tie_code(game: Game, node: int, tied: list[int]) -> int:
    """The modal-path index of a path that stops at ``node``, whose mover is indifferent
    between the actions ``tied`` (positions among its actions): ``T + (node << bits) + mask``
    with ``T`` the number of terminals (indices below ``T`` are terminals' positions), ``bits``
    :func:`tie_bits` and bit ``a`` of ``mask`` set for each tied action ``a < bits``."""
    bits = tie_bits(game)
    mask = sum(1 << a for a in tied if a < bits)
    return int(game.terminals.size) + (node << bits) + mask


def decode_tie(game: Game, code: int) -> tuple[int, list[int]]:
    """``(node, tied actions)`` of a modal-path index at or above the number of terminals
    (:func:`tie_code`)."""
    bits = tie_bits(game)
    rest = code - int(game.terminals.size)
    if rest < 0:
        raise ValueError(f"modal index {code} is a terminal's position, not a tie")
    node, mask = rest >> bits, rest & ((1 << bits) - 1)
    return node, [a for a in range(bits) if mask >> a & 1]


# --------------------------------------------------------------------------- planning


@dataclass(frozen=True)
class _Plan:
    """Per-game arrays the kernels need, computed once."""

    order: NDArray[np.int64]
    stack_height: int
    mover: NDArray[np.int32]
    child_ptr: NDArray[np.int64]
    children: NDArray[np.int32]
    outcome: NDArray[np.int32]
    chance_edges: NDArray[np.int64]
    chance_col: NDArray[np.int64]
    chance_actions: NDArray[np.int64]
    action_base: NDArray[np.int64]
    n_actions: int
    inner_outcomes: bool
    tie_bits: int


#: Plans keyed by ``id`` of the game's ``children`` array, which :meth:`Game.with_samples`
#: shares, so that re-sampling a tree (one chunk of a Monte Carlo run at a time) does not
#: re-plan it; an entry is dropped when its array is freed.
_PLANS: dict[int, tuple[tuple[weakref.ref[NDArray[Any]], ...], _Plan]] = {}
_STRUCTURE = ("children", "kind", "child_ptr", "infoset", "infoset_player", "outcome")


def shared_information_set(game: Game) -> int | None:
    """The first personal information set holding more than one node, or ``None``.

    ``None`` means the game has perfect information and backward induction applies.
    """
    sizes = np.bincount(game.infoset[game.infoset >= 0], minlength=game.n_infosets)
    bad = np.flatnonzero((sizes > 1) & (game.infoset_player >= 0))
    return int(bad[0]) if bad.size else None


def _check_perfect_information(game: Game) -> None:
    h = shared_information_set(game)
    if h is None:
        return
    player = game.players[int(game.infoset_player[h])]
    label = f" ({game.infoset_labels[h]!r})" if game.infoset_labels[h] else ""
    members = np.flatnonzero(game.infoset == h)
    raise GameError(
        f"game {game.title!r} does not have perfect information: information set "
        f"{int(game.infoset_number[h])} of player {player!r}{label} contains "
        f"{members.size} nodes {members[:5].tolist()}, so backward induction does not "
        f"apply. Use the quantal-response solver instead (--solver qre, or "
        f"brink.solve(game, solver='qre'))"
    )


def _plan(game: Game) -> _Plan:
    cached = _PLANS.get(id(game.children))
    if cached is not None and all(
        ref() is getattr(game, name) for ref, name in zip(cached[0], _STRUCTURE, strict=True)
    ):
        return cached[1]
    _check_perfect_information(game)
    child_ptr = np.ascontiguousarray(game.child_ptr, dtype=np.int64)
    children = np.ascontiguousarray(game.children, dtype=np.int32)
    order, height = _plan_kernel(child_ptr, children)
    mover = np.full(game.n_nodes, -2, dtype=np.int32)
    moving = game.infoset >= 0
    mover[moving] = game.infoset_player[game.infoset[moving]]
    chance_edges = np.flatnonzero(game.kind[game.edge_parent] == NodeKind.CHANCE).astype(np.int64)
    chance_col = np.full(game.n_edges, -1, dtype=np.int64)
    chance_col[chance_edges] = np.arange(chance_edges.size, dtype=np.int64)
    action_base = np.full(game.n_nodes, -1, dtype=np.int64)
    personal = np.flatnonzero(game.kind == NodeKind.PERSONAL)
    set_ptr = game.infoset_action_ptr
    action_base[personal] = set_ptr[game.infoset[personal]]
    chance_from = game.edge_parent[chance_edges]
    chance_actions = set_ptr[game.infoset[chance_from]] + (
        chance_edges - game.child_ptr[chance_from]
    )
    inner = bool(np.any((game.outcome >= 0) & (game.kind != NodeKind.TERMINAL)))
    plan = _Plan(
        order=order,
        stack_height=max(int(height), 1),
        mover=mover,
        child_ptr=child_ptr,
        children=children,
        outcome=np.ascontiguousarray(game.outcome, dtype=np.int32),
        chance_edges=chance_edges,
        chance_col=chance_col,
        chance_actions=chance_actions,
        action_base=action_base,
        n_actions=int(set_ptr[-1]),
        inner_outcomes=inner,
        tie_bits=tie_bits(game),
    )
    key = id(game.children)
    _PLANS[key] = (tuple(weakref.ref(getattr(game, n)) for n in _STRUCTURE), plan)
    weakref.finalize(game.children, _PLANS.pop, key, None)
    return plan


def _chunk_size(game: Game, samples: int, chunk_size: int | None) -> int:
    if chunk_size is not None:
        if chunk_size < 1:
            raise ValueError("chunk_size must be a positive number of samples")
        return min(chunk_size, samples)
    per_sample = game.n_nodes * (8 * game.n_players + 13)
    fits = CHUNK_BYTES // max(per_sample, 1)
    return max(1, min(samples, MAX_CHUNK, max(MIN_CHUNK, fits)))


_LOCAL = threading.local()
#: Stand-ins for the per-node outputs a streaming caller does not keep (never written).
_NO_EPROB = np.empty((1, 1))
_NO_VALUES = np.empty((1, 1, 1))
_NO_TIES = np.empty((1, 1), dtype=np.bool_)


def _buffer(name: str, shape: tuple[int, ...], dtype: type = np.float64) -> NDArray[Any]:
    """A work buffer kept per thread between calls: fresh pages cost a fault each on first touch."""
    pool: dict[str, NDArray[Any]] | None = getattr(_LOCAL, "pool", None)
    if pool is None:
        pool = _LOCAL.pool = {}
    buf = pool.get(name)
    if buf is None or buf.shape != shape or buf.dtype != np.dtype(dtype):
        buf = pool[name] = np.empty(shape, dtype=dtype)
    return buf


def _stream_chunk(samples: int, chunk_size: int | None) -> int:
    """Samples per chunk of the streaming kernels (:data:`STREAM_CHUNK` unless given)."""
    if chunk_size is not None:
        if chunk_size < 1:
            raise ValueError("chunk_size must be a positive number of samples")
        return min(chunk_size, samples)
    return max(1, min(samples, STREAM_CHUNK))


class PayoffParts(NamedTuple):
    """A game's sampled payoffs and chance probabilities given by their parts, for the fused
    solvers (:func:`spe_fused`, :func:`brink.solvers.qbi.qbi_fused`), which compute them per
    chunk of samples instead of reading ``(S, outcomes, players)`` and ``(S, edges)`` arrays.

    The payoff of outcome ``o`` to player ``p`` is distinct row ``d = rows[o * P + p]``: in
    sample ``s``, ``by_class[s, row_class[d], row_player[d]] + sum_j coef[term[j], s] *
    weight[j]`` over ``j in ptr[d] : ptr[d + 1]``, summed in that order (as
    :func:`brink.crisis.terms.assemble_payoffs` sums it, so the numbers are the same bit for
    bit; outcomes whose rows hold the same class and terms share one).  The probability of
    chance edge ``e`` is ``chance[s, chance_row[e]]`` (``chance_row`` is -1 at edges of
    personal nodes).  A template whose payoffs are class values plus a few weighted per-round
    coefficients (the escalation template's :data:`TERM_KINDS
    <brink.templates.escalation.tree.TERM_KINDS>`) and whose chance nodes repeat a few
    distributions gives them in ``O(classes + coefficients + distributions)`` per sample.
    """

    by_class: FloatArray  # (S, classes, players)
    rows: NDArray[np.int64]  # (outcomes * players,) distinct payoff row of each outcome and player
    row_class: NDArray[np.int64]  # (D,)
    row_player: NDArray[np.int64]  # (D,)
    coef: FloatArray  # (K, S), sample-minor
    ptr: NDArray[np.int64]  # (D + 1,)
    term: NDArray[np.int64]
    weight: FloatArray
    chance: FloatArray  # (S, distinct chance columns)
    chance_row: NDArray[np.int64]  # (edges,)

    @property
    def samples(self) -> int:
        return int(self.coef.shape[1])

    def finite(self) -> bool:
        """Whether every part is a finite number (then so is every chance probability; a payoff
        is also, unless a sum overflows, which the fused solvers detect)."""
        return bool(np.isfinite(self.by_class).all() and np.isfinite(self.coef).all() and np.isfinite(self.chance).all())


#: Stand-ins for the parts of a game whose payoffs are given whole (never read).
_NO_CLS = np.empty((1, 1, 1))
_NO_INDEX = np.empty(1, dtype=np.int64)
_NO_COEF = np.empty((1, 1))


class _Stream:
    """Sample-minor inputs of one chunk at a time, for :func:`_values_kernel`.

    With ``parts`` (:class:`PayoffParts`) the chunk's distinct payoff rows are computed into
    ``paybuf (D, C)`` as it is loaded (from its class values laid out sample-minor in ``cls
    (classes, players, C)``), and the chance probabilities come from the parts' few distinct
    columns (``chance_col`` maps every chance edge to one).
    """

    def __init__(
        self, game: Game, chunk_size: int | None, payoffs: FloatArray | None = None,
        parts: PayoffParts | None = None,
    ) -> None:
        self.plan = plan = _plan(game)
        self.parts = parts
        if parts is not None:
            self._init_parts(game, chunk_size, parts)
            return
        self.chance_col = plan.chance_col
        pay = game.outcome_payoffs if payoffs is None else np.asarray(payoffs, dtype=np.float64)
        if payoffs is not None and (pay.ndim != 3 or pay.shape[1:] != (game.n_outcomes, game.n_players)):
            raise GameError(
                f"payoffs of shape {pay.shape} do not fit game {game.title!r}: expected "
                f"(samples, {game.n_outcomes} outcomes, {game.n_players} players)"
            )
        probs = game.chance_probs[..., plan.chance_edges]
        self.samples = pay.shape[0] if pay.ndim == 3 else (game.samples or 1)
        if probs.ndim == 2 and probs.shape[0] != self.samples:
            raise GameError(f"payoffs have {self.samples} samples, chance probabilities {probs.shape[0]}")
        self.C = C = _stream_chunk(self.samples, chunk_size)
        P = game.n_players
        self.step = 1 if pay.ndim == 3 else 0
        # any layout; sample-minor reads fastest.  The leading size is explicit: a game
        # without outcomes (legal in Gambit, payoffs all zero) has an empty array, which
        # ``reshape(-1, 0, P)`` cannot size
        self.pay = pay.reshape(pay.shape[0] if pay.ndim == 3 else 1, game.n_outcomes, P)
        self.probs = probs
        self.s0 = 0
        self.prob_buf = _buffer("prob", (plan.chance_edges.size, C))
        if probs.ndim == 1:
            self.prob_buf[...] = probs[:, None]
        self._stacks(P, C)
        self.cls = _NO_CLS

    def _stacks(self, P: int, C: int) -> None:
        plan = self.plan
        self.stack_g = _buffer("stack_g", (plan.stack_height, P, C))
        self.stack_b = _buffer("stack_b", (plan.stack_height, P, C))
        self.scratch = _buffer("scratch", (6, C))

    def _init_parts(self, game: Game, chunk_size: int | None, parts: PayoffParts) -> None:
        P = game.n_players
        if parts.by_class.ndim != 3 or parts.by_class.shape[2] != P or parts.rows.shape != (game.n_outcomes * P,):
            raise GameError(f"payoff parts do not fit game {game.title!r}")
        self.samples = parts.samples
        if parts.by_class.shape[0] != self.samples or parts.chance.shape[0] != self.samples:
            raise GameError("payoff parts have different sample counts")
        self.C = C = _stream_chunk(self.samples, chunk_size)
        self.step = 0
        self.pay = _NO_CLS
        self.probs = parts.chance
        self.chance_col = np.ascontiguousarray(parts.chance_row, dtype=np.int64)
        self.s0 = 0
        self.prob_buf = _buffer("parts_prob", (parts.chance.shape[1], C))
        self.cls = _buffer("parts_cls", (parts.by_class.shape[1], P, C))
        self.paybuf = _buffer("parts_pay", (parts.row_class.shape[0], C))
        self._stacks(P, C)

    def load(self, s0: int, s1: int) -> None:
        """Select samples ``s0:s1``: copy their chance probabilities (and class values) into the buffers."""
        self.s0 = s0
        if self.probs.ndim == 2:
            self.prob_buf[:, : s1 - s0] = self.probs[s0:s1].T
        pt = self.parts
        if pt is not None:
            self.cls[:, :, : s1 - s0] = pt.by_class[s0:s1].transpose(1, 2, 0)
            _payoff_rows(
                self.cls, pt.row_class, pt.row_player, pt.coef, s0, pt.ptr, pt.term, pt.weight, self.paybuf, s1 - s0
            )

    def part_args(self) -> tuple[Any, ...]:
        """The kernels' trailing arguments: whether payoffs come by parts, their rows and the map."""
        if self.parts is None:
            return False, _NO_COEF, _NO_INDEX
        return True, self.paybuf, self.parts.rows

    def solve(
        self,
        c: int,
        with_regret: bool,
        eprob: FloatArray | None = None,
        values: FloatArray | None = None,
        ties: NDArray[np.bool_] | None = None,
    ) -> None:
        """Backward induction on the loaded chunk's first ``c`` samples.

        ``eprob (edges, C)`` receives every edge's probability if given; ``values
        (nodes, players, C)`` and ``ties (nodes, C)`` the node values and ties if given
        (both or neither).
        """
        pl = self.plan
        _values_kernel(
            pl.order, pl.mover, pl.child_ptr, pl.outcome, self.chance_col, self.pay, self.s0,
            self.step, self.prob_buf, c, TIE_TOLERANCE, with_regret, self.stack_g, self.stack_b,
            eprob is not None, _NO_EPROB if eprob is None else eprob,
            values is not None, _NO_VALUES if values is None else values,
            _NO_TIES if ties is None else ties, self.scratch, *self.part_args(),
        )  # fmt: skip
        if not np.isfinite(self.scratch[4, :c]).all():
            raise GameError("payoffs must be finite numbers (found NaN or infinity)")


# --------------------------------------------------------------------------- API


def spe_payoffs(
    game: Game,
    chunk_size: int | None = None,
    *,
    payoffs: FloatArray | None = None,
    regret: bool = True,
) -> tuple[FloatArray, FloatArray]:
    """Equilibrium payoffs and regret of every sample, in memory bounded by the chunk size.

    Runs the same backward induction as :func:`solve_spe` (bit-identical values) but never
    materialises per-node arrays: only a stack of child values lives per chunk, so trees
    and sample counts too large for a full :class:`Solution` stream through.

    Args:
        game: A perfect-information game.
        chunk_size: Samples per kernel call (default: a budget of about 256 MiB, at most
            :data:`STREAM_CHUNK`); results do not depend on it.
        payoffs: Optional ``(S, outcomes, players)`` payoffs to solve the tree of ``game``
            with instead of its own (a stream of payoff draws without building and
            validating a :class:`Game` per chunk); they are checked to be finite.
        regret: Compute ``max_regret`` (the best-response pass, about half the work); when
            False the regret returned is NaN.

    Returns:
        ``(payoffs ([S,] players), max_regret ([S,]))``.
    """
    run = _Stream(game, chunk_size, payoffs)
    S, P = run.samples, game.n_players
    pay = np.empty((S, P))
    out_regret = np.full(S, np.nan)
    for s0 in range(0, S, run.C):
        s1 = min(S, s0 + run.C)
        c = s1 - s0
        run.load(s0, s1)
        run.solve(c, regret)
        pay[s0:s1] = run.stack_g[0, :, :c].T
        if regret:
            gain = run.stack_b[0, :, :c] - run.stack_g[0, :, :c]
            out_regret[s0:s1] = np.maximum(gain.max(axis=0), 0.0)
    if payoffs is None and game.samples is None:
        return pay[0], out_regret[0]
    return pay, out_regret


class TerminalReach(NamedTuple):
    """What a Monte Carlo model reads off a subgame-perfect equilibrium, sample-major.

    ``payoffs (S, players)``; ``reach (S, terminals)`` in the order of ``Game.terminals``;
    ``modal (S,)`` the position (in ``Game.terminals``) of the terminal at the end of the
    most probable path: the chosen action at a mover's node, the first most likely action
    at a chance node.
    """

    payoffs: FloatArray
    reach: FloatArray
    modal: NDArray[np.int64]


def spe_terminal_reach(game: Game, chunk_size: int | None = None) -> TerminalReach:
    """Payoffs, reach of every terminal and the modal path of the SPE of every sample.

    The lean entry point for models that only need outcome probabilities: the same
    backward induction as :func:`solve_spe` (identical payoffs and reach), without the
    per-node values, profile, ties, beliefs and regret of a full :class:`Solution`.
    """
    run = _Stream(game, chunk_size)
    pl = run.plan
    S, P, C = run.samples, game.n_players, run.C
    terminals = game.terminals
    terminal_pos = np.full(game.n_nodes, -1, dtype=np.int64)
    terminal_pos[terminals] = np.arange(terminals.size)
    terminal_nodes = np.ascontiguousarray(terminals, dtype=np.int64)
    eprob = _buffer("eprob", (game.n_edges, C))
    reach_buf = _buffer("reach", (game.n_nodes, C))
    pay = np.empty((S, P))
    reach = np.empty((S, terminals.size))
    modal = np.empty(S, dtype=np.int64)
    for s0 in range(0, S, C):
        s1 = min(S, s0 + C)
        c = s1 - s0
        run.load(s0, s1)
        run.solve(c, False, eprob)
        pay[s0:s1] = run.stack_g[0, :, :c].T
        _terminal_reach_kernel(
            s0, c, pl.order, pl.mover, pl.child_ptr, pl.children, terminal_pos, terminal_nodes,
            np.arange(terminals.size, dtype=np.int64), s0, eprob, reach_buf, reach, modal, pl.tie_bits,
            TIE_TOLERANCE, False,
        )
    return TerminalReach(pay, reach, modal)


ReadOutSink = Callable[[int, int, FloatArray], None]

#: Whether the fused solvers (:func:`spe_fused`, :func:`brink.solvers.qbi.qbi_fused`) solve on
#: the game's states (:mod:`brink.solvers.states`) rather than its histories by default.
STATES = True


def _states_of(game: Game, parts: PayoffParts, states: bool | None) -> StateGraph | None:
    """The state graph the fused solvers use for ``game`` and ``parts``, or ``None`` (the tree)."""
    if not (STATES if states is None else states):
        return None
    _plan(game)  # refuses a game without perfect information (cached)
    return state_graph(game, parts.rows, parts.row_class, parts.ptr, parts.term, parts.weight, parts.chance_row)


class FusedResult(NamedTuple):
    """What :func:`spe_fused` and :func:`brink.solvers.qbi.qbi_fused` return: ``payoffs (S,
    players)`` and ``modal (S,)``, as in :class:`TerminalReach`; the reach went to the sink."""

    payoffs: FloatArray
    modal: NDArray[np.int64]


class _Rows:
    """Terminal reach of consecutive samples, handed to a read-out sink in blocks.

    A block holds at least ``block`` samples (at least 2) unless all ``S`` are fewer, in which
    case it holds them all: a read-out that multiplies the block by a matrix must see the same
    BLAS path as on the whole ``(S, terminals)`` array (one row takes ``gemv``, and OpenBLAS
    takes a small-matrix kernel below a size; each sums in another order), and the caller
    picks ``block`` so that a block is as large as the whole in that respect.  A block holds
    fewer than ``2 * block + C`` rows; every row is the one the unfused path would hold.
    """

    def __init__(
        self, game: Game, S: int, C: int, columns: NDArray[np.int64], sink: ReadOutSink, block: int = 2
    ) -> None:
        self.S, self.C, self.sink = S, C, sink
        self.block = max(2, block)
        terminals = game.terminals
        self.terminal_pos = np.full(game.n_nodes, -1, dtype=np.int64)
        self.terminal_pos[terminals] = np.arange(terminals.size)
        order = np.argsort(columns, kind="stable")  # the copy writes each row's columns in order
        self.terminal_nodes = np.ascontiguousarray(terminals[order], dtype=np.int64)
        self.columns = np.ascontiguousarray(np.asarray(columns)[order], dtype=np.int64)
        #: terminals share a column: their reach is summed into it
        self.accumulate = bool(np.any(np.diff(self.columns) == 0))
        width = int(self.columns.max()) + 1 if self.columns.size else 0
        self.rows = _buffer("fused_rows", (2 * self.block + C, width))
        self.start = 0

    def filled(self, s0: int) -> int:
        """Row of the buffer where sample ``s0`` goes (its ``C`` rows zeroed when columns are shared)."""
        r0 = s0 - self.start
        if self.accumulate:
            self.rows[r0:r0 + self.C] = 0.0
        return r0

    def done(self, s1: int) -> None:
        """Samples up to ``s1`` are in: hand a block to the sink when it is due."""
        n = s1 - self.start
        if s1 == self.S or (n >= self.block and self.S - s1 >= self.block):
            self.sink(self.start, s1, self.rows[:n])
            self.start = s1


def spe_fused(
    game: Game,
    parts: PayoffParts,
    columns: NDArray[np.int64],
    sink: ReadOutSink,
    chunk_size: int | None = None,
    block: int = 2,
    states: bool | None = None,
) -> FusedResult:
    """:func:`spe_terminal_reach` of a game whose payoffs and chance probabilities are given by
    their parts (:class:`PayoffParts`): each is computed as the backward induction visits it,
    and the terminal reach goes to ``sink(start, stop, rows)`` in blocks of samples
    (``rows[s, columns[i]]`` is the reach of ``game.terminals[i]`` in sample ``start + s``;
    terminals may share a column, which then holds the sum of their reach, so a read-out that
    weighs them alike multiplies a narrower matrix; the sink copies what it keeps) instead of
    an ``(S, terminals)`` array.  A block holds
    ``block`` samples or more, or all of them when there are fewer (:class:`_Rows`).

    With ``states`` (default :data:`STATES`) the backward induction runs on the game's states
    (:mod:`brink.solvers.states`: histories that lead to the same state merged, the past flows
    as edge rewards), and the numbers equal :func:`spe_terminal_reach`'s on the game with
    ``parts.payoffs()`` and ``parts.chance_probs()`` to rounding (``tests/test_states.py``);
    without, on the tree, bit for bit (the same kernels, the same sums in the same order).
    ``game`` gives the tree only.

    Raises:
        GameError: a payoff is not a finite number.
    """
    graph = _states_of(game, parts, states)
    if graph is not None:
        return states_fused(game, parts, graph, columns, sink, None, chunk_size, block)
    run = _Stream(game, chunk_size, parts=parts)
    pl = run.plan
    S, P, C = run.samples, game.n_players, run.C
    eprob = _buffer("eprob", (game.n_edges, C))
    reach_buf = _buffer("reach", (game.n_nodes, C))
    rows = _Rows(game, S, C, columns, sink, block)
    pay = np.empty((S, P))
    modal = np.empty(S, dtype=np.int64)
    for s0 in range(0, S, C):
        s1 = min(S, s0 + C)
        c = s1 - s0
        run.load(s0, s1)
        run.solve(c, False, eprob)
        pay[s0:s1] = run.stack_g[0, :, :c].T
        _terminal_reach_kernel(
            s0, c, pl.order, pl.mover, pl.child_ptr, pl.children, rows.terminal_pos, rows.terminal_nodes,
            rows.columns, rows.filled(s0), eprob, reach_buf, rows.rows, modal, pl.tie_bits, TIE_TOLERANCE,
            rows.accumulate,
        )
        rows.done(s1)
    return FusedResult(pay, modal)


def states_fused(
    game: Game,
    parts: PayoffParts,
    graph: StateGraph,
    columns: NDArray[np.int64],
    sink: ReadOutSink,
    lam: float | None = None,
    chunk_size: int | None = None,
    block: int = 2,
) -> FusedResult:
    """:func:`brink.solvers.spe.spe_fused` (``lam`` None) or :func:`brink.solvers.qbi.qbi_fused`
    (logit precision ``lam``) solved on the states ``graph`` of ``game`` (:func:`brink.solvers.states.state_graph`):
    the same payoffs, terminal reach (to ``sink``, in blocks) and modal path, to rounding
    (``tests/test_states.py``: 1e-12).

    Raises:
        GameError: a payoff is not a finite number.
    """
    S, P = parts.samples, game.n_players
    C = _stream_chunk(S, chunk_size)
    n_states = graph.n_states
    values = _buffer("states_values", (n_states, P, C))
    eprob = _buffer("states_eprob", (max(graph.edge_child.shape[0], 1), C))
    scratch = _buffer("states_scratch", (4, C))
    cls = _buffer("states_cls", (parts.by_class.shape[1], P, C))
    prob = _buffer("states_prob", (parts.chance.shape[1], C))
    rew = _buffer("states_rew", (graph.reward_ptr.shape[0] - 1, C))
    reach = _buffer("reach", (game.n_nodes, C))
    rows = _Rows(game, S, C, columns, sink, block)
    plan = _plan(game)
    children = np.ascontiguousarray(game.children, dtype=np.int32)
    pay = np.empty((S, P))
    modal = np.empty(S, dtype=np.int64)
    root = int(graph.node_state[0])
    logit = lam is not None
    for s0 in range(0, S, C):
        s1 = min(S, s0 + C)
        c = s1 - s0
        cls[:, :, :c] = parts.by_class[s0:s1].transpose(1, 2, 0)
        prob[:, :c] = parts.chance[s0:s1].T
        _reward_rows(parts.coef, s0, graph.reward_ptr, graph.reward_term, graph.reward_weight, rew, c)
        _states_kernel(
            graph.mover, graph.edge_ptr, graph.edge_child, graph.edge_col, graph.edge_reward, graph.term_class,
            cls, rew, prob, c, logit, 0.0 if lam is None else lam, TIE_TOLERANCE, values, eprob, scratch,
        )  # fmt: skip
        for p in range(P):
            r = int(graph.root_reward[p])
            pay[s0:s1, p] = values[root, p, :c] + (rew[r, :c] if r >= 0 else 0.0)
        if not (np.isfinite(pay[s0:s1]).all() and np.isfinite(rew[:, :c]).all()):
            raise GameError("payoffs must be finite numbers (found NaN or infinity)")
        _history_reach_kernel(
            s0, c, plan.child_ptr, children, plan.mover, graph.edge_map, rows.terminal_pos, rows.terminal_nodes,
            rows.columns, rows.filled(s0), eprob, reach, rows.rows, modal, plan.tie_bits, TIE_TOLERANCE,
            rows.accumulate,
        )  # fmt: skip
        rows.done(s1)
    return FusedResult(pay, modal)


def solve_spe(game: Game, chunk_size: int | None = None) -> Solution:
    """Subgame-perfect equilibrium of a perfect-information game, for every sample.

    Args:
        game: A game whose personal information sets are all singletons; chance nodes,
            outcomes on inner nodes, sampled payoffs and sampled chance probabilities
            (in any combination) are allowed.
        chunk_size: Samples solved per kernel call (default: as many as fit in about
            256 MiB of working memory, between 64 and 256).  Results do not depend on it.

    Returns:
        A :class:`Solution` with a pure profile (chance sets hold nature's
        probabilities), payoffs, reach, beliefs (1 everywhere: every set is a
        singleton, chance sets with several nodes get reach-proportional beliefs),
        node values, the computed ``max_regret`` and ``ties`` (see the module doc for
        the tie rule).

    Raises:
        GameError: an information set of a player holds more than one node.
    """
    S = game.samples or 1
    run = _Stream(game, _chunk_size(game, S, chunk_size))
    n, P, C = game.n_nodes, game.n_players, run.C
    pl = run.plan
    n_actions = pl.n_actions
    chunk_values = np.empty((n, P, C))
    chunk_eprob = np.empty((game.n_edges, C))
    chunk_ties = np.empty((n, C), dtype=np.bool_)
    chunk_reach = np.empty((n, C))
    values = np.empty((S, n, P))
    reach = np.empty((S, n))
    profile = np.zeros((S, n_actions))
    ties = np.empty((S, n), dtype=np.bool_)
    regret = np.empty(S)
    for s0 in range(0, S, C):
        s1 = min(S, s0 + C)
        c = s1 - s0
        run.load(s0, s1)
        run.solve(c, True, chunk_eprob, chunk_values, chunk_ties)
        gain = run.stack_b[0, :, :c] - run.stack_g[0, :, :c]
        regret[s0:s1] = np.maximum(gain.max(axis=0), 0.0)
        _reach_kernel(c, pl.order, pl.child_ptr, pl.children, chunk_eprob, chunk_reach)
        _scatter_kernel(
            s0, c, chunk_values, chunk_reach, chunk_eprob, chunk_ties, pl.action_base, pl.child_ptr,
            values, reach, profile, ties,
        )
    profile[:, pl.chance_actions] = game.chance_probs[..., pl.chance_edges]
    if pl.inner_outcomes:
        acc = np.broadcast_to(game.node_payoffs(), (S, n, P))
        values[:, 1:, :] += acc[:, game.parent[1:], :]
    beliefs = np.ones((S, n))
    sizes = np.bincount(game.infoset[game.infoset >= 0], minlength=game.n_infosets)
    chance_sets = [
        np.flatnonzero(game.infoset == h)
        for h in np.flatnonzero((sizes > 1) & (game.infoset_player < 0))
    ]
    for members in chance_sets:
        r = reach[:, members]
        total = r.sum(axis=1, keepdims=True)
        beliefs[:, members] = np.where(
            total > 0, r / np.where(total > 0, total, 1), 1 / len(members)
        )
    payoffs = values[:, 0, :].copy()
    if game.samples is None:
        profile, payoffs, reach, beliefs = profile[0], payoffs[0], reach[0], beliefs[0]
        values, regret_out, ties_out = values[0], regret[0], ties[0]
    else:
        regret_out, ties_out = regret, ties
    return Solution(
        game=game,
        solver="spe",
        profile=profile,
        payoffs=payoffs,
        reach=reach,
        beliefs=beliefs,
        node_values=values,
        max_regret=np.asarray(regret_out),
        ties=ties_out,
        lam=None,
        info={"chunk_size": run.C, "tie_tolerance": TIE_TOLERANCE},
    )
