"""The escalation game's payoffs and chance probabilities for a chunk of samples.

A terminal's payoff is its *class* value (how the crisis ended, in which round, at what
rung, after which answers; discounted to that round) plus per-round indicator terms
(war, taboo, the defender's answers, commitments, the audience cost of a broken
declaration), each a sample coefficient discounted to its round times a terminal weight
(:data:`brink.templates.escalation.tree.TERM_KINDS`).  Chance probabilities follow the
package doc: the types' priors at the root, and at every fight the risk of losing control,
the chance that the war is decided, and the chance it goes on.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, lru_cache

import numpy as np
from numba import njit
from numpy.typing import NDArray

from brink import aftermath
from brink.aftermath.inputs import CrisisEndings, build_inputs, crisis_endings
from brink.arrays import FloatArray, IndexArray
from brink.crisis.outcomes import CONCESSION, DEFEAT, SETTLEMENT, STALEMATE, VICTORY
from brink.crisis.rungs import FULL_WAR_RUNG
from brink.crisis.terms import assemble_payoffs, conventional_balance, damage, sparse_rows
from brink.crisis.terms import coverage as _coverage
from brink.crisis.terms import warheads as _warheads
from brink.mechanisms import alliances
from brink.mechanisms.ladder import NUCLEAR_RUNG
from brink.solvers.spe import PayoffParts
from brink.templates.base import ParameterValues, Params
from brink.templates.escalation.spec import RESPONSES, EscalationScenario
from brink.templates.escalation.tree import (
    C_CONCEDES,
    DECIDED,
    HORIZON,
    SETTLE,
    SLIP,
    T_CONCEDES,
    TERM_KINDS,
    Skeleton,
    Structure,
    Terminals,
    skeleton,
)

__all__ = ["MAX_CONTINUATION_ROUNDS", "AfterCrisis", "Continuation", "Quantities", "after_crisis", "chance_layout", "chance_probabilities", "chance_table", "clipped_trend_sum", "continuation", "ending_index", "outcome_classes", "payoff_rows", "payoff_terms", "post_war_endings", "prepare", "spread_chance", "terminals_by_outcome_class", "war_classes", "war_costs", "win_probability"]

_BIT = {r: 1 << i for i, r in enumerate(RESPONSES)}


@dataclass(frozen=True)
class AfterCrisis:
    """The post-war game's read-out per outcome class ``(S, O)`` (:mod:`brink.aftermath`):
    each ending's values averaged over the class's lottery of victory, stalemate, defeat
    and concession."""

    value: FloatArray
    survival: FloatArray
    domestic: FloatArray
    foreign: FloatArray
    support: FloatArray  # (S, O, P) each partner's mean backing over the months
    mean_support: FloatArray
    influence: FloatArray
    discount_months: FloatArray
    spent: FloatArray
    partners: tuple[str, ...]
    taboo_charged: FloatArray  # (S,) what the post-war game charges for nuclear use, at a stalemate
    #: (S, O, 5) survival from each lottery column's ending (victory, stalemate, defeat,
    #: concession, settlement) of every class, unmixed: the read-out's survival given an ending
    survival_by_ending: FloatArray | None = None


def post_war_endings(scenario: EscalationScenario) -> CrisisEndings:
    """The endings the post-war game starts from: victory, stalemate, defeat and concession, and a
    settlement at each share on the menu (:func:`brink.aftermath.inputs.crisis_endings`), each
    with and without nuclear use (and sanctions, where the defender has them)."""
    cr = scenario.crisis
    assert cr is not None
    return crisis_endings("sanctions" in cr.responses, scenario.process.offers)


def ending_index(ends: CrisisEndings, share: FloatArray, nuclear: IndexArray, sanctioned: IndexArray) -> IndexArray:
    """``(5, O)``: the row of :func:`post_war_endings` of each lottery column (victory, stalemate,
    defeat, concession, settlement) of every outcome class; a class that is no settlement points
    its settlement column at row 0 (its weight there is 0)."""
    sanctions = bool(ends.starts[:, 2].any())
    out = np.zeros((5, share.shape[0]), dtype=np.int64)
    for c, (x, nu, sa) in enumerate(zip(share.tolist(), nuclear.tolist(), sanctioned.tolist(), strict=True)):
        sa = sa if sanctions else 0
        for o in (VICTORY, STALEMATE, DEFEAT, CONCESSION):
            out[o, c] = ends.index(o, nu, sa)
        out[SETTLEMENT, c] = ends.index(SETTLEMENT, nu, sa, x) if x == x else 0
    return out


def after_crisis(
    scenario: EscalationScenario, params: Params, lot: FloatArray, index: IndexArray,
) -> AfterCrisis:
    """Solve the post-war game from every ending of :func:`post_war_endings` and average it over
    each outcome class's lottery ``lot`` ``(S, O, 5)`` (victory, stalemate, defeat, concession,
    settlement) at the rows ``index`` ``(5, O)`` (:func:`ending_index`).

    ``taboo_charged`` is what the post-war game charges the leader for nuclear use: the fall in
    his value at a stalemate (no sanctions) when he has used nuclear weapons, which partners
    that hold the taboo punish by backing him less (:mod:`brink.mechanisms.partners`;
    Tannenwald 2007).  The crisis charges the rest of ``costs.nuclear_taboo`` (:func:`prepare`)."""
    ends = post_war_endings(scenario)
    game = aftermath.solve(build_inputs(scenario, params, ends.starts, settled_share=ends.share))

    def mix(x: FloatArray) -> FloatArray:
        return aftermath.mix_endings(x, lot, index)

    charged = game.value[:, ends.index(STALEMATE, 0, 0)] - game.value[:, ends.index(STALEMATE, 1, 0)]

    support = 1.0 - mix(game.abandon)
    return AfterCrisis(
        value=mix(game.value), survival=mix(game.survival), domestic=mix(game.domestic), foreign=mix(game.foreign),
        support=support, mean_support=support.mean(axis=-1) if game.partners else np.ones(lot.shape[:2]),
        influence=mix(game.influence), discount_months=mix(game.discount_months), spent=mix(game.spent),
        partners=game.partners, taboo_charged=np.asarray(charged, dtype=np.float64),
        survival_by_ending=np.ascontiguousarray(game.survival[:, index.T], dtype=np.float64),
    )


@dataclass(frozen=True)
class Quantities:
    """Per-class quantities ``(S, U)`` for the samples of one chunk, and the payoff terms."""

    war_class: IndexArray  # (T,) class of each terminal
    lottery: FloatArray  # (S, O, 5) victory, stalemate, defeat, concession, settlement, per outcome class
    ending_row: IndexArray  # (5, O) the post-war ending of each lottery column per class (:func:`ending_index`)
    won: FloatArray  # (S, U) the challenger's expected share of the stake, per war class
    kept: FloatArray  # (S, O) the defender side's expected share, per outcome class (1 - won unless undecided)
    burden: FloatArray  # (S, O) discounted rounds of war at full intensity still to come (undecided wars)
    prevails: FloatArray  # (S, O) the chance the challenger gets its way (measure ``challenger_prevails``)
    losing: NDArray[np.bool_]  # (S,) the challenger is losing: clip(balance + trend (R - 1), 0, 1) < 1/2
    leader: AfterCrisis  # per outcome class (:func:`outcome_classes`)
    settled_share: FloatArray  # (O,) the share a settlement gives the challenger, 0 for other endings
    by_class: FloatArray  # (S, U, 3)
    coef: FloatArray  # (K, S)
    ptr: IndexArray
    term: IndexArray
    weight: FloatArray
    chance_table: FloatArray  # (S, F) the distinct chance distributions' probabilities
    chance_row: IndexArray  # (edges,) the column of chance_table of every chance edge, -1 elsewhere

    def payoffs(self) -> FloatArray:
        """``(S, T, 3)`` payoffs (a transposed sample-minor array, as the solvers read it)."""
        n = self.coef.shape[1]
        out = np.empty((self.war_class.shape[0], 3, n))
        assemble_payoffs(self.by_class, self.war_class, self.coef, self.ptr, self.term, self.weight, out)
        return out.transpose(2, 0, 1)

    @cached_property
    def chance(self) -> FloatArray:
        """``(S, edges)`` chance probabilities (0 on the edges of personal nodes), spread from
        :attr:`chance_table`; the fused solvers read the table itself."""
        return spread_chance(self.chance_table, self.chance_row)

    def parts(self) -> PayoffParts:
        """The payoffs and chance probabilities by their parts, for the fused solvers
        (:func:`brink.solvers.spe.spe_fused`): the same numbers as :meth:`payoffs` and
        :attr:`chance`, computed as the solver visits them."""
        rows, row_class, row_player, ptr, term, weight = payoff_rows(self.war_class, self.ptr, self.term, self.weight)
        return PayoffParts(
            by_class=self.by_class, rows=rows, row_class=row_class, row_player=row_player, coef=self.coef,
            ptr=ptr, term=term, weight=weight, chance=self.chance_table, chance_row=self.chance_row,
        )


_Rows = tuple[IndexArray, IndexArray, IndexArray, IndexArray, IndexArray, FloatArray]
_ROWS: dict[int, tuple[tuple[NDArray[np.generic], ...], _Rows]] = {}


def payoff_rows(war_class: IndexArray, ptr: IndexArray, term: IndexArray, weight: FloatArray) -> _Rows:
    """The distinct payoff rows of :class:`brink.solvers.spe.PayoffParts`: (the row of every
    outcome and player, each row's class and player, its terms as ``(ptr, term, weight)``).
    Outcomes whose class and terms agree have one payoff for a player (``ukraine-2022``: 8,868
    outcome-player rows, 1,860 distinct), which the fused solvers compute once per chunk.
    Cached by the identity of the structure's arrays (:func:`payoff_terms` and
    :func:`war_classes` cache them)."""
    key = id(term)
    hit = _ROWS.get(key)
    if hit is not None and all(a is b for a, b in zip(hit[0], (war_class, ptr, term, weight), strict=True)):
        return hit[1]
    P = (ptr.shape[0] - 1) // war_class.shape[0]
    seen: dict[tuple[int, int, bytes, bytes], int] = {}
    rows = np.empty(ptr.shape[0] - 1, dtype=np.int64)
    row_class: list[int] = []
    row_player: list[int] = []
    starts: list[int] = [0]
    terms: list[IndexArray] = []
    weights: list[FloatArray] = []
    for r in range(rows.shape[0]):
        o, p = divmod(r, P)
        cols, w = term[ptr[r]:ptr[r + 1]], weight[ptr[r]:ptr[r + 1]]
        k = (p, int(war_class[o]), cols.tobytes(), w.tobytes())
        d = seen.get(k)
        if d is None:
            d = seen[k] = len(row_class)
            row_class.append(int(war_class[o]))
            row_player.append(p)
            terms.append(cols)
            weights.append(w)
            starts.append(starts[-1] + cols.shape[0])
        rows[r] = d
    out: _Rows = (
        rows, np.asarray(row_class, dtype=np.int64), np.asarray(row_player, dtype=np.int64),
        np.asarray(starts, dtype=np.int64), np.concatenate(terms).astype(np.int64),
        np.concatenate(weights).astype(np.float64),
    )
    if len(_ROWS) > 32:
        _ROWS.clear()
    _ROWS[key] = ((war_class, ptr, term, weight), out)
    return out


def spread_chance(table: FloatArray, row: IndexArray) -> FloatArray:
    """``(S, edges)`` probabilities from the ``(S, F)`` table of distinct chance columns."""
    edges = np.flatnonzero(row >= 0)
    probs = np.zeros((table.shape[0], row.shape[0]))
    probs[:, edges] = table[:, row[edges]]
    return probs


def win_probability(
    base: FloatArray, trend: FloatArray, rounds: IndexArray, nuclear: IndexArray, answered: IndexArray,
    effects: dict[str, FloatArray], coercion: FloatArray,
) -> FloatArray:
    """The challenger's chance of winning a war decided in round ``r`` ``(S, U)``.

    ``clip(balance + trend * (r - 1), 0, 1)`` (the battlefield trend of a war of attrition),
    raised at a nuclear rung to ``p + (1 - p) * nuclear_coercion`` (Schelling 1966) and cut
    by every kind of answer the defender has given: ``(1 - effect)`` for sanctions, arms
    supply, deployment, and once for a military answer (conventional or nuclear strike).
    """
    p = np.clip(base[:, None] + trend[:, None] * (rounds[None, :] - 1), 0.0, 1.0)
    p = np.where(nuclear[None, :] > 0, p + (1 - p) * coercion[:, None], p)
    for name in ("sanctions", "arms-supply", "deployment"):
        hit = (answered & _BIT[name]) > 0
        p = np.where(hit[None, :], p * (1 - effects[name][:, None]), p)
    military = (answered & (_BIT["conventional-strike"] | _BIT["nuclear-response"])) > 0
    p = np.where(military[None, :], p * (1 - effects["strike"][:, None]), p)
    return np.asarray(np.clip(p, 0.0, 1.0), dtype=np.float64)


#: The longest a war left undecided at the horizon is counted to go on (the cap of the
#: geometric sums of :func:`continuation` where neither discounting nor a chance of decision
#: ends them: a discount of 1 with a decisiveness of 0).
MAX_CONTINUATION_ROUNDS = 1000.0
_BIG = 1e15


def clipped_trend_sum(a: FloatArray, t: FloatArray, q: FloatArray) -> FloatArray:
    """``sum_{k >= 0} q^k clip(a + t k, 0, 1)`` in closed form (``0 <= q < 1``), elementwise.

    The clipped line is constant (0 or 1) before ``k1``, linear on ``[k1, k2)`` and constant
    after ``k2``; each piece is a geometric or arithmetico-geometric series:
    ``sum_{k=m}^{n-1} q^k = (q^m - q^n) / (1 - q)`` and ``sum_{k=0}^{n-1} k q^k =
    q (1 - n q^(n-1) + (n-1) q^n) / (1 - q)^2``.
    """
    a, t, q = np.broadcast_arrays(np.asarray(a, dtype=np.float64), np.asarray(t, dtype=np.float64),
                                  np.asarray(q, dtype=np.float64))
    up, down = t > 0, t < 0
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        safe = np.where(t == 0, 1.0, t)
        k1 = np.where(up, np.ceil(-a / safe), np.where(down, np.ceil((a - 1) / -safe), 0.0))
        k2 = np.where(up, np.ceil((1 - a) / safe), np.where(down, np.floor(a / -safe) + 1, 0.0))
    k1 = np.clip(np.nan_to_num(k1, nan=0.0, posinf=_BIG, neginf=0.0), 0.0, _BIG)
    k2 = np.clip(np.nan_to_num(k2, nan=0.0, posinf=_BIG, neginf=0.0), k1, _BIG)
    flat = np.clip(a, 0.0, 1.0)
    start = np.where(up, 0.0, np.where(down, 1.0, flat))
    end = np.where(up, 1.0, np.where(down, 0.0, flat))
    one = 1.0 - q

    def power(k: FloatArray) -> FloatArray:
        with np.errstate(divide="ignore", over="ignore"):
            return np.where(k >= _BIG, 0.0, q ** np.maximum(np.minimum(k, _BIG), 0.0))

    def moment(n: FloatArray) -> FloatArray:  # sum_{k=0}^{n-1} k q^k
        qn = power(n)
        with np.errstate(invalid="ignore", over="ignore"):
            body = q * (1 - n * power(n - 1) + (n - 1) * qn) / one**2
        return np.where(n <= 1, 0.0, np.where(np.isfinite(body), body, q / one**2))

    q1, q2 = power(k1), power(k2)
    linear = a * (q1 - q2) / one + t * (moment(k2) - moment(k1))
    return np.asarray(start * (1 - q1) / one + np.where(k2 > k1, linear, 0.0) + end * q2 / one, dtype=np.float64)


@dataclass(frozen=True)
class Continuation:
    """The value of a war still undecided at the horizon, per sample and class ``(S, O)``.

    ``won``: the challenger's share of the stake, discounted to the horizon round; ``kept``:
    the defender side's; ``rounds``: the discounted expected rounds of further war (each
    side's cost per round of war at the rung times it is what the war still costs it);
    ``prevails``: the probability that the challenger wins it in the end (undiscounted).
    """

    won: FloatArray
    kept: FloatArray
    rounds: FloatArray
    prevails: FloatArray


def continuation(
    base: FloatArray, trend: FloatArray, horizon: int, kahn: FloatArray, nuclear: IndexArray, answered: IndexArray,
    effects: dict[str, FloatArray], coercion: FloatArray, decisiveness: FloatArray, delta: FloatArray,
) -> Continuation:
    """A war undecided after round ``R = horizon`` goes on at its rung ``k`` until decided.

    Each later round ``R + j`` (``j >= 1``) it is decided with the hazard ``h =
    decisiveness min(1, k/12)`` (the fitted, exponential hazard of the war-level disputes:
    :func:`brink.mechanisms.reference.war_decisiveness`) and, if decided, won by the
    challenger with ``p_j = g(clip(balance + trend (R + j - 1), 0, 1))``: the balance moved by
    the trend, ``g`` the coercion and answers of :func:`win_probability` (an affine map
    ``g(x) = A x + B``).  Discounted to round ``R`` (Powell 2004's bargaining while
    fighting; Slantchev 2003's war that ends when a side's strength runs out)::

        won     = sum_{j>=1} delta^j (1-h)^(j-1) h p_j
        kept    = sum_{j>=1} delta^j (1-h)^(j-1) h (1 - p_j)
        rounds  = sum_{j>=1} delta^j (1-h)^(j-1) = delta / (1 - delta (1-h))
        prevails = sum_{j>=1} (1-h)^(j-1) h p_j        (no discount: the chance it is won)

    so a side's value of the war is ``V won - c min(1, k/12) rounds``.  Slips out of control
    after the horizon are not counted (assumption: the crisis's risk is played in its rounds).
    The series are summed in closed form (:func:`clipped_trend_sum`); ``delta (1-h)`` is capped
    so that a war nobody can decide and nobody discounts counts at most
    :data:`MAX_CONTINUATION_ROUNDS` rounds.
    """
    cap = 1.0 - 1.0 / MAX_CONTINUATION_ROUNDS
    h = np.clip(decisiveness[:, None] * np.minimum(1.0, kahn[None, :] / FULL_WAR_RUNG), 0.0, 1.0)
    d = delta[:, None]
    a = base[:, None] + trend[:, None] * horizon
    scale = np.ones_like(h)
    for name in ("sanctions", "arms-supply", "deployment"):
        hit = (answered & _BIT[name]) > 0
        scale = np.where(hit[None, :], scale * (1 - effects[name][:, None]), scale)
    military = (answered & (_BIT["conventional-strike"] | _BIT["nuclear-response"])) > 0
    scale = np.where(military[None, :], scale * (1 - effects["strike"][:, None]), scale)
    c = np.where(nuclear[None, :] > 0, coercion[:, None], 0.0)
    A, B = scale * (1 - c), scale * c
    out = []
    for q in (np.minimum(d * (1 - h), cap), np.minimum(1 - h, cap)):
        series = clipped_trend_sum(a, np.broadcast_to(trend[:, None], a.shape), q)
        out.append(h * (A * series + B / (1 - q)))
    q = np.minimum(d * (1 - h), cap)
    rounds = d / (1 - q)
    won = d * out[0]
    decided = d * h / (1 - q)
    return Continuation(won=won, kept=decided - won, rounds=np.asarray(rounds, dtype=np.float64),
                        prevails=out[1])


def _undecided_continuation(
    base: FloatArray, trend: FloatArray, horizon: int, kahn: FloatArray, nuclear: IndexArray, answered: IndexArray,
    effects: dict[str, FloatArray], coercion: FloatArray, decisiveness: FloatArray, delta: FloatArray,
    undecided: NDArray[np.bool_],
) -> Continuation:
    """:func:`continuation` in the columns ``undecided`` only, 0 in the others: it is elementwise,
    so those columns are the same bit for bit, at the cost of the undecided classes alone."""
    cols = np.flatnonzero(undecided)
    part = continuation(base, trend, horizon, kahn[cols], nuclear[cols], answered[cols], effects, coercion,
                        decisiveness, delta)
    shape = (base.shape[0], undecided.shape[0])
    full = {name: np.zeros(shape) for name in ("won", "kept", "rounds", "prevails")}
    for name, x in full.items():
        x[:, cols] = getattr(part, name)
    return Continuation(**full)


def chance_probabilities(scenario: EscalationScenario, params: Params, sk: Skeleton) -> FloatArray:
    """``(S, edges)`` chance probabilities: the types' priors and every fight's three edges.

    At a fight at Kahn rung ``k``: out of control with ``min(1, loss_of_control * (k / 21)**2
    * (1 + alert_risk * alert))`` (the risk rises with the rung, Schelling 1960; Powell 1987),
    decided with ``(1 - slip) * decisiveness * min(1, k / 12)``, else the war goes on.
    """
    return spread_chance(*chance_table(scenario, params, sk))


@lru_cache(maxsize=32)
def chance_layout(st: Structure) -> tuple[FloatArray, IndexArray, IndexArray, IndexArray]:
    """(the Kahn rung and alert of every distinct fight, the fight of every fight node, the
    column of :func:`chance_table` of every edge (-1 at personal edges), the number of type
    columns): fights at one rung with one alert state draw from one distribution, so the
    ``ukraine-2022`` tree's 1,392 chance edges need 16 columns.  The rungs are floats: a
    scenario's own rung lies between two of Kahn's (a blockade at 9.5)."""
    sk = skeleton(st)
    key = np.stack([sk.fight_kahn, sk.fight_alert.astype(np.float64)], axis=1)
    distinct, which = np.unique(key, axis=0, return_inverse=True)
    which = which.reshape(-1)
    types = sk.type_edges.shape[0]
    row = np.full(sk.game.n_edges, -1, dtype=np.int64)
    row[sk.type_edges] = np.arange(types)
    for j in range(3):
        row[sk.fight_edges[:, j]] = types + 3 * which + j
    return (distinct.astype(np.float64), which.astype(np.int64), row, np.asarray(types, dtype=np.int64))


def chance_table(scenario: EscalationScenario, params: Params, sk: Skeleton) -> tuple[FloatArray, IndexArray]:
    """``(S, F)`` probabilities of the distinct chance distributions (the types' priors, then
    slip, decided and fight on of every distinct fight, :func:`chance_layout`) and the column
    of every edge: :func:`chance_probabilities` without writing an ``(S, edges)`` array.
    Every entry is computed elementwise as before, so the spread probabilities are the same
    bit for bit."""
    cr = scenario.crisis
    assert cr is not None
    v = ParameterValues(params)
    n = v.n
    distinct, _, row, n_types = chance_layout(sk.structure)
    types = int(n_types)
    table = np.empty((n, types + 3 * distinct.shape[0]))
    d_res = np.clip(v(f"doctrines.{cr.defender}.resolve", 0.5), 0.0, 1.0)
    c_res = np.clip(v("process.challenger_resolve", 1.0), 0.0, 1.0)
    for i, (c, d) in enumerate(sk.type_of_edge):
        pc = c_res if c == 0 else 1 - c_res
        if not sk.structure.challenger_types:
            pc = np.ones(n)
        table[:, i] = pc * (d_res if d == 0 else 1 - d_res)
    kahn = distinct[:, 0].astype(np.float64)[None, :]
    alert = distinct[:, 1].astype(np.float64)[None, :]
    risk = v("process.loss_of_control")[:, None] * (kahn / NUCLEAR_RUNG) ** 2
    slip = np.clip(risk * (1 + v("crisis.alert_risk")[:, None] * alert), 0.0, 1.0)
    decided = (1 - slip) * np.clip(v("process.decisiveness")[:, None] * np.minimum(1.0, kahn / FULL_WAR_RUNG), 0, 1)
    table[:, types::3] = slip
    table[:, types + 1::3] = decided
    table[:, types + 2::3] = np.clip(1 - slip - decided, 0.0, 1.0)
    return table, row


@lru_cache(maxsize=32)
def war_classes(st: Structure) -> tuple[IndexArray, IndexArray]:
    """(one terminal of each class, the class of every terminal): terminals alike in how the
    crisis ended, its round, the settled share, a nuclear rung at the end, the kinds of answer
    given, whether the challenger used nuclear weapons and both sides' types have equal class
    values in every sample (every per-class quantity of :func:`prepare` reads only these)."""
    t = skeleton(st).terms
    key = np.concatenate([_outcome_key(t), np.stack([t.challenger_type, t.defender_type], axis=1)], axis=1)
    _, first, war_class = np.unique(key, axis=0, return_index=True, return_inverse=True)
    return first.astype(np.int64), np.ascontiguousarray(war_class.reshape(-1), dtype=np.int64)


@lru_cache(maxsize=32)
def outcome_classes(st: Structure) -> tuple[IndexArray, IndexArray]:
    """(one terminal of each outcome class, the outcome class of every war class): war classes
    that differ only in the types share the war lottery, the partners' and the leader's
    quantities, which are computed once per outcome class."""
    t = skeleton(st).terms
    first, _ = war_classes(st)
    _, rep, inverse = np.unique(_outcome_key(t)[first], axis=0, return_index=True, return_inverse=True)
    return first[rep].astype(np.int64), np.ascontiguousarray(inverse.reshape(-1), dtype=np.int64)


@lru_cache(maxsize=32)
def terminals_by_outcome_class(st: Structure) -> tuple[IndexArray, IndexArray]:
    """(terminals sorted by outcome class, where each class starts in that order): the read-out
    sums reach per outcome class with one ``np.add.reduceat``; every class has a terminal."""
    _, war_class = war_classes(st)
    _, of_class = outcome_classes(st)
    cls = of_class[war_class]
    order = np.argsort(cls, kind="stable")
    starts = np.searchsorted(cls[order], np.arange(int(cls.max()) + 1))
    return order.astype(np.int64), starts.astype(np.int64)


@lru_cache(maxsize=32)
def payoff_terms(st: Structure) -> tuple[IndexArray, IndexArray, FloatArray]:
    """The sparse indicator terms (:func:`brink.crisis.terms.sparse_rows`) of every
    terminal and player, ``(T * 3, kinds * rounds)``."""
    return sparse_rows(skeleton(st).term_weights.reshape(-1, len(TERM_KINDS) * st.rounds))


def _outcome_key(t: Terminals) -> NDArray[np.int64]:
    nuclear_end = (t.end_kahn >= NUCLEAR_RUNG).astype(np.int64)
    share_key = np.where(np.isnan(t.share), -1, np.round(np.nan_to_num(t.share) * 1e6)).astype(np.int64)
    # an undecided war goes on at its rung (:func:`continuation`): the rung is part of its class
    horizon_rung = np.where(t.ending == HORIZON, np.round(t.end_kahn * 1e6), -1).astype(np.int64)
    return np.stack([t.ending, t.end_round, share_key, nuclear_end, t.answered,
                     (t.nuclear_round > 0).astype(np.int64), horizon_rung], axis=1)


def prepare(scenario: EscalationScenario, params: Params, sk: Skeleton) -> Quantities:
    """Everything the payoffs and the read-out need for the samples ``params`` (package doc)."""
    cr = scenario.crisis
    assert cr is not None
    v = ParameterValues(params)
    n = v.n
    t = sk.terms
    R = sk.structure.rounds
    first, war_class = war_classes(sk.structure)
    rep, of_class = outcome_classes(sk.structure)  # lottery, partners and leader per outcome class
    nuclear_end = (t.end_kahn >= NUCLEAR_RUNG).astype(np.int64)
    ending, rounds = t.ending[rep], t.end_round[rep]
    share = np.nan_to_num(t.share[rep])

    effects = {
        "sanctions": v("crisis.sanctions_effect"), "arms-supply": v("crisis.arms_supply_effect"),
        "deployment": v("crisis.deployment_effect"), "strike": v("crisis.strike_effect"),
    }
    balance = conventional_balance(scenario, params)
    pi = win_probability(balance, v("process.trend"), rounds, nuclear_end[rep],
                         t.answered[rep], effects, v("crisis.nuclear_coercion"))
    fought = (ending == SLIP) | (ending == DECIDED)
    classes = len(rep)
    lot = np.zeros((n, classes, 5))
    settled = ending == SETTLE
    undecided = ending == HORIZON
    # a settlement is its own start of the post-war game, not a lottery of victory and concession
    lot[:, :, VICTORY] = np.where(fought, pi, 0.0) + (ending == T_CONCEDES)
    lot[:, :, DEFEAT] = np.where(fought, 1 - pi, 0.0)
    lot[:, :, STALEMATE] = undecided.astype(float)[None, :]
    lot[:, :, CONCESSION] = (ending == C_CONCEDES).astype(float)[None, :]
    lot[:, :, SETTLEMENT] = settled.astype(float)[None, :]
    delta = v("process.discount")
    # a war undecided at the horizon is worth its continuation, not a fixed share
    # (only the classes undecided at the horizon read it: the others' columns stay 0)
    cont = _undecided_continuation(balance, v("process.trend"), R, t.end_kahn[rep], nuclear_end[rep],
                                   t.answered[rep], effects, v("crisis.nuclear_coercion"), v("process.decisiveness"),
                                   delta, undecided)
    decided_share = np.where(fought, pi, 0.0) + (ending == T_CONCEDES) + (ending == SETTLE) * share
    won = np.where(undecided, cont.won, decided_share)
    kept = np.where(undecided, cont.kept, 1.0 - decided_share)
    cost_c, cost_t = war_costs(scenario, params)
    intensity = np.minimum(1.0, t.end_kahn[rep] / FULL_WAR_RUNG)
    burden = np.where(undecided, cont.rounds * intensity[None, :], 0.0)
    prevails = lot[:, :, VICTORY] + settled * share + np.where(undecided, cont.prevails, 0.0)
    nuclear = (t.nuclear_round[rep] > 0).astype(np.int64)
    sanctioned = ((t.answered[rep] & _BIT["sanctions"]) > 0).astype(np.int64)
    index = ending_index(post_war_endings(scenario), np.where(settled, share, np.nan), nuclear, sanctioned)
    after = after_crisis(scenario, params, lot, index)
    lot_outcome = lot

    # the discount of each round, as the per-class power ``delta ** (round - 1)`` gives it
    lag = delta[:, None] ** (np.arange(1, R + 1)[None, :] - 1)
    by_class = np.empty((n, len(first), 3))
    won_class = np.empty((n, len(first)))

    def column(name: str) -> FloatArray:
        return np.ascontiguousarray(np.broadcast_to(np.asarray(v(name), dtype=np.float64), (n,)))

    _class_values(
        np.ascontiguousarray(won), np.ascontiguousarray(kept), np.ascontiguousarray(burden * cost_c[:, None]),
        np.ascontiguousarray(burden * cost_t[:, None]), np.ascontiguousarray(after.value), of_class, rounds[of_class],
        t.challenger_type[first] == 1, t.defender_type[first] == 1, np.ascontiguousarray(lag),
        column("process.irresolute_stake"), column("process.restrained_stake"), column("crisis.stakes.challenger"),
        column("crisis.stakes.defender"), column("crisis.stakes.target"), by_class, won_class,
    )
    coef = _coefficients(scenario, params, v, delta, R, after.taboo_charged)
    ptr, term, weight = payoff_terms(sk.structure)
    table, chance_row = chance_table(scenario, params, sk)
    return Quantities(
        war_class=war_class, lottery=lot_outcome, ending_row=index, won=won_class, kept=kept, burden=burden, prevails=prevails,
        losing=np.clip(balance + v("process.trend") * (R - 1), 0.0, 1.0) < 0.5,
        leader=after, settled_share=settled * share,
        by_class=by_class, coef=coef, ptr=ptr, term=term, weight=weight, chance_table=table, chance_row=chance_row,
    )


@njit(cache=True, nogil=True)
def _class_values(
    won: FloatArray,
    kept: FloatArray,
    burden_c: FloatArray,
    burden_t: FloatArray,
    value: FloatArray,
    of_class: IndexArray,
    rounds: IndexArray,
    irresolute: NDArray[np.bool_],
    restrained: NDArray[np.bool_],
    lag: FloatArray,
    irresolute_stake: FloatArray,
    restrained_stake: FloatArray,
    stake_c: FloatArray,
    stake_d: FloatArray,
    stake_t: FloatArray,
    by_class: FloatArray,
    won_class: FloatArray,
) -> None:  # pragma: no cover - compiled
    """The class values ``by_class (S, U, 3)`` in one pass, from the outcome classes' ``won``,
    ``kept``, the continuation's war costs ``burden_c``, ``burden_t`` and the post-war ``value``
    ``(S, O)``: ``u_C = lag (V_C theta won - burden_c + value)``, ``u_D = lag V_D kept``,
    ``u_T = lag (V_T theta_T kept - burden_t)`` with ``lag = delta^(round - 1)`` (package doc;
    ``kept = 1 - won`` and no burden unless the war is undecided at the horizon), each
    multiplied in the order written, without an ``(S, U)`` temporary per factor."""
    S = won.shape[0]
    U = of_class.shape[0]
    for s in range(S):
        for u in range(U):
            o = of_class[u]
            w = won[s, o]
            d = lag[s, rounds[u] - 1]
            theta = irresolute_stake[s] if irresolute[u] else 1.0
            theta_t = restrained_stake[s] if restrained[u] else 1.0
            k = kept[s, o]
            won_class[s, u] = w
            by_class[s, u, 0] = d * (stake_c[s] * theta * w - burden_c[s, o] + value[s, o])
            by_class[s, u, 1] = d * (stake_d[s] * k)
            by_class[s, u, 2] = d * (stake_t[s] * theta_t * k - burden_t[s, o])


def war_costs(scenario: EscalationScenario, params: Params) -> tuple[FloatArray, FloatArray]:
    """Per round of war at full intensity, the challenger's and the target's cost ``(S,)``, in
    units of the challenger's stake: ``costs.conventional_war`` and ``costs.target_war`` where
    the scenario gives them, else from the crisis::

        c_C = 2 phi h (1 - p) V_C        c_T = 2 phi h p V_T

    with ``p`` the balance (``crisis.balance``, or the COW CINC ratio of challenger and target:
    the strength each brings to the theatre, Boulding 1962's loss-of-strength gradient),
    ``h = process.decisiveness``, ``V`` the side's stake and ``phi = costs.war_dissipation``.
    A side loses strength in proportion to its opponent's (Lanchester 1916; Slantchev 2003's
    war as a contest of attrition), and a war fought to a decision (``1/h`` rounds at full
    intensity, ``1/(h k/12)`` at rung ``k`` with costs ``k/12`` as large) costs side ``i`` the
    share ``2 phi s_j`` of its stake, ``phi`` each between equals: Tullock's (1980) contest
    dissipates half the prize, a quarter per side.  So each side's cost relative to its stake,
    Fearon's (1995) ``c_i / v_i``, is set by the balance and the decisiveness, not by one
    ratio shared by every scenario."""
    v = ParameterValues(params)
    p = np.clip(conventional_balance(scenario, params), 0.0, 1.0)
    scale = 2.0 * v("costs.war_dissipation") * np.clip(v("process.decisiveness"), 0.0, 1.0)
    cost_c = (v("costs.conventional_war") if "costs.conventional_war" in params
              else scale * (1.0 - p) * v("crisis.stakes.challenger"))
    cost_t = v("costs.target_war") if "costs.target_war" in params else scale * p * v("crisis.stakes.target")
    return np.asarray(cost_c, dtype=np.float64), np.asarray(cost_t, dtype=np.float64)


def _coefficients(
    scenario: EscalationScenario, params: Params, v: ParameterValues, delta: FloatArray, R: int,
    taboo_charged: FloatArray,
) -> FloatArray:
    """``(kinds * rounds, S)``: each kind's scenario weight discounted to each round.

    The taboo is counted once: ``costs.nuclear_taboo`` is the challenger's whole cost of breaking
    it, and the crisis charges ``max(0, nuclear_taboo - taboo_charged)``, what the post-war game
    does not already charge through the partners' backing (:func:`after_crisis`)."""
    cr = scenario.crisis
    assert cr is not None
    C, D = cr.challenger, cr.defender
    n = v.n
    dk = f"doctrines.{D}"
    tol = np.maximum(v(f"{dk}.cost_tolerance", 1.0), 1e-9)
    cred = v(f"{dk}.interests.credibility", 0.5)
    umbrella, legal = _coverage(scenario)
    umbrella_cost, legal_cost = alliances.commitment_costs_core(cred, v(f"{dk}.legal_weight", 0.5), umbrella, legal)
    cost_c, cost_t = war_costs(scenario, params)
    base: dict[tuple[int, str], FloatArray] = {
        (0, "war"): cost_c,
        (0, "taboo"): np.maximum(0.0, v("costs.nuclear_taboo") - taboo_charged),
        (0, "sanctions"): v("costs.sanctions"),
        (0, "conventional_strike"): v("costs.conventional_strike"),
        (0, "nuclear_retaliation"): v("costs.nuclear_retaliation") * damage(_warheads(scenario, params, D, "all", n)),
        (0, "strategic"): v("costs.strategic_exchange") * damage(_warheads(scenario, params, D, "strategic", n)),
        (1, "alert"): v("costs.defender_alert") / tol,
        (1, "deployment"): v("costs.defender_deployment") / tol,
        (1, "arms_supply"): v("costs.defender_arms_supply") / tol,
        (1, "sanctions"): v("costs.defender_sanctions") / tol,
        (1, "conventional"): v("costs.defender_conventional") / tol,
        (1, "nuclear"): v("costs.defender_nuclear") / tol,
        (1, "strategic"): v("costs.strategic_exchange") * damage(_warheads(scenario, params, C, "strategic", n)),
        (1, "umbrella"): np.broadcast_to(np.asarray(umbrella_cost, dtype=np.float64), (n,)),
        (1, "legal"): np.broadcast_to(np.asarray(legal_cost, dtype=np.float64), (n,)),
        (1, "audience"): cred,
        (1, "norm"): v(f"{dk}.interests.norm", 0.5),
        (1, "self_preservation"): v(f"{dk}.interests.self_preservation", 0.5),
        (2, "war"): cost_t,
        (2, "nuclear"): v("costs.target_nuclear"),
    }
    powers = delta[None, :] ** np.arange(R)[:, None]  # (R, S)
    coef = np.empty((len(TERM_KINDS) * R, n))
    for k, kind in enumerate(TERM_KINDS):
        coef[k * R:(k + 1) * R] = base[kind][None, :] * powers
    return coef
