"""The general crisis game (template ``crisis``): ladder, ambiguity, partners and the leader's fate.

Tree (one per scenario; payoffs and chance probabilities carry a sample dimension)::

    Challenger picks a rung of the ladder (Kahn 1965)
      ├─ a rung at Kahn 0 ("concede"): terminal, the challenger backs down
      └─ any other rung -> Nature draws the defender's type:
            resolute (prior = doctrines.<D>.resolve, the credibility of Zagare & Kilgour 2000)
            or restrained
           -> Defender responds: none / sanctions / conventional-strike / nuclear-response
           -> Challenger counters: de-escalate / hold / escalate / concede -> terminal

Each terminal is a lottery over how the war ends for the challenger: victory, stalemate,
defeat, concession.  ``concede`` ends in concession, ``de-escalate`` in stalemate; ``hold``
fights on at the current rung and ``escalate`` one rung higher.  A contest at Kahn rung
``k`` is decided with probability ``min(1, k / 12)`` (below "large conventional war" a
show of force or a mobilization is often indecisive: stalemate otherwise; assumption),
and if decided the challenger wins with probability ``pi(level, response)``: the
conventional balance ``p`` (``crisis.balance``, else the capability ratio), raised by nuclear coercion to ``p + (1 - p) * nuclear_coercion`` at
nuclear rungs (Schelling 1966's "threat that leaves something to chance"), and cut by the
defender's response (``1 - sanctions_effect``, ``1 - strike_effect``).  All further terms
are expected values over that lottery:

Challenger payoff (units of its stake; each weight in ``costs``, assumptions unless sourced)
  * stake ``V_C * (P(victory) + share * P(stalemate))`` with ``share = stalemate_share``,
    or ``stalemate_share + (1 - stalemate_share) * nuclear_coercion`` for a settlement
    reached at a nuclear rung: "escalate to de-escalate" (Sokov 2000), nuclear use
    coerces a better ceasefire;
  * war cost ``conventional_war * min(1, k / 12)``; the nuclear taboo cost (Tannenwald
    2007) if it used nuclear weapons;
  * the defender's response: sanctions, conventional strike, nuclear retaliation scaled by
    the damage ``1 - 0.5 ** (warheads / 400)`` the defender's arsenal can do (assumption
    after McNamara's 400-EMT assured-destruction criterion; Enthoven & Smith 1971);
  * a strategic exchange (central rung, or escalation after a nuclear response):
    ``strategic_exchange * damage``;
  * partners (M6-M8): ``partner_value * mean support`` (:func:`brink.politics.partners.partner_support`:
    bandwagoning, the taboo, energy dependence, the discount while reserves last) and
    ``sphere_value * influence share`` in the former sphere
    (:func:`brink.politics.partners.sphere_influence`, Tullock contest);
  * the leader's ``office_value * P(keeps office)`` (M6, M9): the domestic hazard of
    :mod:`brink.politics.survival` (Chiozza & Goemans 2004; Goemans 2000; selectorate
    loyalty norm, Bueno de Mesquita et al. 2003) times one minus foreign-imposed removal
    (Downes & Monten 2013), more likely after defeat and in resource-rich states
    (Bove, Gleditsch & Sekeris 2016);
  * minus ``punishment_cost * P(removed) * P(punished | removed, outcome)``, the
    exile, prison or death that follows removal (Escribà-Folch 2013's 47% for dictators,
    odds doubled after defeat; :func:`brink.politics.survival.punishment_probability`).
    A leader for whom conceding or losing means removal and punishment gains little
    from a safe settlement and values the risky climb more: gambling for resurrection
    (Downs & Rocke 1994; Goemans 2000) emerges from these two terms.

Defender payoff
  * its stake ``V_D`` in the challenger's failure; response costs divided by its cost
    tolerance; the strategic exchange scaled by the challenger's strategic arsenal;
  * for either type: if the challenger used nuclear weapons against a target under the
    umbrella and the answer is not nuclear, reputational cost ``credibility * (1 +
    ln(1 + n))`` with ``n`` the protégés under its umbrella (the non-nuclear members of
    its alliance and every umbrella commitment). M2: attacking a covered target puts the
    whole umbrella at stake (Schelling 1966's interdependence of commitments); the
    logarithm (diminishing reputational returns) is an assumption; and after any attack
    on a target it is legally bound to defend (ATOP defense pact, Leeds et al. 2002; M1,
    M5), ``legal_weight`` for a weak answer -- commitments bind whatever the defender's
    private resolve;
  * the **resolute** type alone (Zagare & Kilgour 2000's "hard" defender, who prefers
    resisting to conceding) also pays ``norm`` for leaving the taboo unanswered, pays
    ``credibility * rank gap / 3`` for falling short of its declared response once the
    challenger reaches the rung it covers (``doctrines.<D>.applies_from``, default Kahn
    21, nuclear use; audience costs, Fearon 1994; M4) and gains ``self_preservation`` from a military answer (M5:
    it answers without legal duty, out of self-preservation).  The restrained ("soft")
    type weighs only material costs and commitments; so against an uncovered target the
    prior ``resolve`` is the credibility of Zagare & Kilgour and the challenger climbs
    to a nuclear rung iff ``resolve < (u(DC) - u(SQ)) / (u(DC) - u(DD))``.

Perfect- vs imperfect-information versions.  The type changes only the defender's own
payoffs; the challenger's terminal payoffs do not depend on it.  In the information-set
version (``information="imperfect"``) the challenger's counter nodes that differ only by
the type form one information set.  Because the challenger's payoffs below both nodes of
such a set are identical, its best counter is the same at both whatever its beliefs, and
backward induction with a deterministic tie rule picks the same action at both; so the
subgame-perfect equilibrium of the perfect-information version (types as chance, counters
as singletons) is a behaviour profile of the imperfect-information game under which every
information set's action is optimal for any belief — a perfect Bayesian (hence Nash)
equilibrium of it (Kreps & Wilson 1982).  ``tests/test_builder.py`` checks this against
the QRE limit.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
from numba import njit
from numpy.typing import NDArray

from brink.errors import InputError, bounded_array
from brink.games import Game, TreeBuilder
from brink.ladder import EscalationCategory, escalation_score
from brink.ladder import rung as ladder_rung
from brink.politics.partners import (
    discount_cost,
    sphere_shares,
    support_core,
    sustainable_months,
)
from brink.politics.survival import hazard_multiplier, punishment_probability, survival_probability
from brink.scenario import CENTRAL_RUNG, NUCLEAR_RUNG, RESPONSES, Doctrine
from brink.templates.base import Information, Params, Template, register

if TYPE_CHECKING:
    from brink.scenario import Scenario
    from brink.solvers.result import Solution

__all__ = ["CrisisQuantities", "CrisisTemplate", "Terminals", "damage", "response_category", "rung_category"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: Rivera et al. (2024) category of each defender response: no answer keeps the status
#: quo, sanctions are non-violent, a conventional strike violent, a nuclear answer nuclear.
RESPONSE_CATEGORY: dict[str, EscalationCategory] = {
    "none": EscalationCategory.STATUS_QUO,
    "sanctions": EscalationCategory.NON_VIOLENT,
    "conventional-strike": EscalationCategory.VIOLENT,
    "nuclear-response": EscalationCategory.NUCLEAR,
}
_RESPONSE_RANK: dict[str, int] = {r: i for i, r in enumerate(RESPONSES)}
#: War outcomes for the challenger (columns of ``Terminals.lottery``), as in
#: :class:`brink.politics.survival.WarOutcome`.
VICTORY, STALEMATE, DEFEAT, CONCESSION = range(4)
#: Warheads at which a nuclear strike destroys half the value at stake (assumption after
#: McNamara's 400 one-megaton-equivalent assured-destruction criterion).
HALF_DAMAGE_WARHEADS = 400.0
#: Kahn's rung 12, "large conventional war": a contest fought at or above it is decided
#: (victory or defeat); one fought at a lower rung (a show of force, a mobilization) is
#: decided only with probability ``rung / 12`` and otherwise ends in stalemate, and the
#: war cost scales the same way (assumption: intensity proportional to the rung).
FULL_WAR_RUNG = 12.0
#: Share of the challenger's strength lost after defeat or concession (assumption).
DEFEAT_STRENGTH_LOSS = 0.5


def damage(warheads: FloatArray | float) -> FloatArray:
    """Share of value destroyed by ``warheads``: ``1 - 0.5 ** (warheads / 400)`` (assumption)."""
    return np.asarray(1.0 - 0.5 ** (np.asarray(warheads, dtype=np.float64) / HALF_DAMAGE_WARHEADS))


def rung_category(kahn: int) -> EscalationCategory:
    """Rivera et al. (2024) category of a scenario rung, by its number on Kahn's ladder.

    The single source is :func:`brink.ladder.rung` (Kahn 1965 catalogue with brink's
    category of each rung); rung 0, conceding, is de-escalation.  Scenario rung names
    that are not Kahn's (``demonstration-shot``, ``hold-conventional``) reach this
    function through their Kahn number, given in one table,
    :data:`brink.scenario.KNOWN_RUNGS` (``demonstration-shot`` is Kahn 21,
    ``hold-conventional`` Kahn 12, ...).
    """
    if kahn <= 0:
        return EscalationCategory.DE_ESCALATION
    return ladder_rung(int(kahn)).category


def response_category(response: str) -> EscalationCategory:
    """Rivera et al. (2024) category of a defender response (:data:`RESPONSE_CATEGORY`)."""
    return RESPONSE_CATEGORY[response]


@dataclass(frozen=True)
class Terminals:
    """Per-outcome features of the crisis tree (index = outcome index of the game)."""

    rung: IntArray  # ladder index chosen first
    kahn: IntArray  # Kahn rung of the first choice
    final_kahn: IntArray  # Kahn rung after the counter (escalate moves one step up)
    resolute: NDArray[np.bool_]  # type is resolute (False also where no type was drawn)
    response: IntArray  # index into RESPONSES, -1 if none was played
    counter: IntArray  # index into COUNTERS ("de-escalate", "hold", "escalate", "concede"), -1
    labels: tuple[str, ...]

    def take(self, index: IntArray) -> Terminals:
        """The features of the terminals ``index`` (in that order)."""
        return Terminals(
            rung=self.rung[index], kahn=self.kahn[index], final_kahn=self.final_kahn[index],
            resolute=self.resolute[index], response=self.response[index], counter=self.counter[index],
            labels=tuple(self.labels[int(i)] for i in index),
        )

    @property
    def class_key(self) -> NDArray[np.int64]:
        """``(T, 7)`` everything the war lottery and mechanisms M6-M9 read off a terminal.

        Final rung nuclear?, sanctions?, strike or nuclear answer?, counter, decisiveness
        (as its rung), concession?, nuclear use?  Terminals with equal keys have equal
        lottery, partner support, influence, survival and punishment in every sample.
        """
        return np.stack(
            [
                self.final_kahn >= NUCLEAR_RUNG, self.response == 1, self.response >= 2, self.counter,
                np.minimum(self.final_kahn, int(FULL_WAR_RUNG)), self.concedes, self.challenger_nuclear,
            ],
            axis=1,
        ).astype(np.int64)

    @property
    def decisiveness(self) -> FloatArray:
        """Chance a contest fought at the final rung is decided: ``min(1, Kahn / 12)``."""
        return np.asarray(np.minimum(1.0, self.final_kahn / FULL_WAR_RUNG), dtype=np.float64)

    @property
    def challenger_nuclear(self) -> NDArray[np.bool_]:
        return np.maximum(self.kahn, self.final_kahn) >= NUCLEAR_RUNG

    @property
    def tactical(self) -> NDArray[np.bool_]:
        lo = (self.kahn >= NUCLEAR_RUNG) & (self.kahn < CENTRAL_RUNG)
        hi = (self.final_kahn >= NUCLEAR_RUNG) & (self.final_kahn < CENTRAL_RUNG)
        return lo | hi

    @property
    def strategic(self) -> NDArray[np.bool_]:
        central = np.maximum(self.kahn, self.final_kahn) >= CENTRAL_RUNG
        exchange = (self.response == _RESPONSE_RANK["nuclear-response"]) & (self.counter == 2)
        return np.asarray(central | exchange, dtype=bool)

    @property
    def concedes(self) -> NDArray[np.bool_]:
        return np.asarray((self.kahn == 0) | (self.counter == 3), dtype=bool)


@dataclass(frozen=True)
class _Payoffs:
    """Per-scenario structure of the payoff sum, so each evaluation is one fused pass.

    A terminal's payoff is its war class's value (stake, partners, sphere, office,
    punishment: :class:`_ClassQuantities`) plus indicator terms ``coef_k(sample) *
    feature_k(terminal)`` (war, taboo, responses, exchange, commitments), stored sparsely:
    entries ``ptr[t * P + p] : ptr[t * P + p + 1]`` of ``term``/``weight`` are the
    nonzero features of terminal ``t`` for player ``p``.
    """

    ptr: IntArray
    term: IntArray
    weight: FloatArray


@dataclass(frozen=True)
class _Tally:
    """Per-scenario structure of the outcome read-out: weights of each terminal's reach.

    ``names`` are the indicator outcomes (and the escalation score), ``ptr``/``column``/
    ``weight`` their sparse ``(T, K)`` weight matrix.
    """

    names: tuple[str, ...]
    ptr: IntArray
    column: IntArray
    weight: FloatArray


@dataclass(frozen=True)
class _Skeleton:
    """Everything about a crisis game that does not depend on the samples, built once."""

    game: Game
    terms: Terminals
    type_edges: IntArray  # (k, 2) edges [resolute, restrained] of each type chance node
    war_class: IntArray  # (T,) war class of each terminal
    representatives: IntArray  # (U,) one terminal of each war class
    outcome_node: IntArray  # (T,) the terminal node of each outcome
    tally: _Tally


#: Indicator outcomes read off the terminal reach (besides ``rung.<name>``).
_INDICATORS = (
    "tactical_nuclear_use", "strategic_nuclear_use", "challenger_concedes",
    "defender_conventional_response", "defender_nuclear_response", "defender_sanctions",
)


def _escalation_scores(terms: Terminals) -> FloatArray:
    """Escalation score of each terminal: the most severe act on its path (Rivera et al. 2024).

    The acts are the challenger's first rung, the rung it ends on, and the defender's
    response, each scored by its category (:func:`rung_category`, :func:`response_category`)
    with :func:`brink.ladder.escalation_score`.
    """
    first = escalation_score([rung_category(int(k)).value for k in terms.kahn])
    final = escalation_score([rung_category(int(k)).value for k in terms.final_kahn])
    answer = np.array(
        [escalation_score([response_category(RESPONSES[d]).value])[0] if d >= 0 else -np.inf for d in terms.response]
    )
    return np.asarray(np.maximum(np.maximum(first, final), answer), dtype=np.float64)


def _sparse_rows(dense: FloatArray) -> tuple[IntArray, IntArray, FloatArray]:
    """CSR of a dense ``(rows, cols)`` matrix: (row pointer, column, value) of its nonzeros."""
    rows, cols = np.nonzero(dense)
    ptr = np.zeros(dense.shape[0] + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=dense.shape[0]), out=ptr[1:])
    return ptr, cols.astype(np.int64), np.ascontiguousarray(dense[rows, cols], dtype=np.float64)


@lru_cache(maxsize=64)
def _skeleton(
    players: tuple[str, str],
    ladder: tuple[tuple[str, int], ...],
    responses: tuple[str, ...],
    counters: tuple[str, ...],
    information: str,
    title: str,
) -> _Skeleton:
    from brink.scenario import COUNTERS

    chal, dfd = players
    b = TreeBuilder(title, [chal, dfd], description="brink crisis template")
    feats: list[tuple[int, int, int, bool, int, int, str]] = []
    zero = np.zeros(2)

    def leaf(node: int, f: tuple[int, int, int, bool, int, int, str]) -> None:
        b.outcome(node, zero, label=f[6])
        feats.append(f)

    kids = b.move(b.root, chal, [n for n, _ in ladder], label="challenger chooses a rung")
    for r, (node, (rname, kahn)) in enumerate(zip(kids, ladder, strict=True)):
        if kahn == 0:
            leaf(node, (r, kahn, kahn, False, -1, -1, rname))
            continue
        types = b.move(node, None, ["resolute", "restrained"], probs=[0.5, 0.5], label=f"{dfd} type after {rname}")
        for t, tnode in enumerate(types):
            kind = ("resolute", "restrained")[t]
            resp = b.move(tnode, dfd, list(responses), label=f"{kind} {dfd} responds to {rname}")
            for dname, dnode in zip(responses, resp, strict=True):
                key = ("counter", r, dname) if information == "imperfect" else None
                outs = b.move(dnode, chal, list(counters), infoset=key,
                              label=f"{chal} counters {dname} to {rname} ({kind} {dfd})")
                for cname, cnode in zip(counters, outs, strict=True):
                    final = kahn
                    if cname == "escalate":
                        final = ladder[min(r + 1, len(ladder) - 1)][1]
                    leaf(
                        cnode,
                        (r, kahn, final, t == 0, _RESPONSE_RANK[dname], COUNTERS.index(cname),
                         f"{rname} / {('resolute', 'restrained')[t]} / {dname} / {cname}"),
                    )
    game = b.build()
    for name in ("num_children", "node_player", "infoset_action_ptr", "edge_infoset_action", "edge_parent",
                 "parent_edge", "depth", "terminals"):
        getattr(game, name)  # derived structure, computed once and shared by every sampled copy
    arr = list(zip(*feats, strict=True))
    terms = Terminals(
        rung=np.array(arr[0], dtype=np.int64),
        kahn=np.array(arr[1], dtype=np.int64),
        final_kahn=np.array(arr[2], dtype=np.int64),
        resolute=np.array(arr[3], dtype=bool),
        response=np.array(arr[4], dtype=np.int64),
        counter=np.array(arr[5], dtype=np.int64),
        labels=tuple(arr[6]),
    )
    chance = np.flatnonzero(game.node_player == -1)
    type_edges = np.stack([game.child_ptr[chance], game.child_ptr[chance] + 1], axis=1)
    _, first, war_class = np.unique(terms.class_key, axis=0, return_index=True, return_inverse=True)
    outcome_node = np.empty(game.n_outcomes, dtype=np.int64)
    outcome_node[game.outcome[game.terminals]] = game.terminals
    columns = [terms.tactical, terms.strategic, terms.concedes, terms.response == 2, terms.response == 3,
               terms.response == 1, *(terms.rung == i for i in range(len(ladder)))]
    dense = np.stack([np.asarray(c, dtype=np.float64) for c in columns] + [_escalation_scores(terms)], axis=1)
    ptr, col, weight = _sparse_rows(dense)
    names = (*_INDICATORS, *(f"rung.{n}" for n, _ in ladder), "escalation_score")
    return _Skeleton(
        game, terms, type_edges.astype(np.int64), np.ascontiguousarray(war_class.reshape(-1), dtype=np.int64),
        first.astype(np.int64), outcome_node, _Tally(names, ptr, col, weight),
    )


@njit(cache=True, nogil=True)
def _assemble_payoffs(
    by_class: FloatArray,
    war_class: IntArray,
    coef: FloatArray,
    ptr: IntArray,
    term: IntArray,
    weight: FloatArray,
    out: FloatArray,
) -> None:
    """``out[t, p, s] = by_class[s, war_class[t], p] + sum_j coef[term[j], s] * weight[j]`` (see :class:`_Payoffs`).

    ``coef`` is ``(K, S)`` and ``out`` ``(T, P, S)``, sample-minor: every inner loop runs
    over contiguous samples (loads and stores vectorise), in blocks whose accumulator
    stays in cache.  The sum is taken in the same order whatever the layout.
    """
    T, P, S = out.shape
    block = 64
    acc = np.empty(block)
    for s0 in range(0, S, block):
        s1 = min(S, s0 + block)
        for t in range(T):
            u = war_class[t]
            for p in range(P):
                for s in range(s0, s1):
                    acc[s - s0] = by_class[s, u, p]
                row = t * P + p
                for j in range(ptr[row], ptr[row + 1]):
                    k = term[j]
                    w = weight[j]
                    for s in range(s0, s1):
                        acc[s - s0] += coef[k, s] * w
                for s in range(s0, s1):
                    out[t, p, s] = acc[s - s0]


@njit(cache=True, nogil=True)
def _tally_reach(
    reach: FloatArray,
    outcome_node: IntArray,
    war_class: IntArray,
    ptr: IntArray,
    column: IntArray,
    weight: FloatArray,
    by_class: FloatArray,
    indicators: FloatArray,
    expected: FloatArray,
) -> None:
    """Reach-weighted sums over terminals: indicator outcomes and class quantities.

    ``indicators[s, k] += reach * weight`` over terminal ``t``'s sparse weights, and
    ``expected[s, m] += reach * by_class[s, war_class[t], m]``; terminals are visited in
    order and unreached ones skipped, so results do not depend on the number of samples.
    """
    S = reach.shape[0]
    T = outcome_node.shape[0]
    M = by_class.shape[2]
    for s in range(S):
        for t in range(T):
            r = reach[s, outcome_node[t]]
            if r == 0.0:
                continue
            for j in range(ptr[t], ptr[t + 1]):
                indicators[s, column[j]] += r * weight[j]
            u = war_class[t]
            for m in range(M):
                expected[s, m] += r * by_class[s, u, m]


class _Values:
    """Parameter lookup with defaults for optional fields, broadcast to ``(S,)``."""

    def __init__(self, params: Params) -> None:
        self.params = params
        self.n = len(next(iter(params.values()))) if params else 1

    def __call__(self, path: str, default: float | None = None) -> FloatArray:
        if path in self.params:
            return np.asarray(self.params[path], dtype=np.float64)
        if default is None:
            raise InputError(f"missing parameter {path}", fix="give it in the scenario")
        return np.full(self.n, float(default))


@dataclass(frozen=True)
class CrisisQuantities:
    """Everything the crisis template computes per sample and terminal: ``(S, T)`` arrays."""

    lottery: FloatArray  # (S, T, 4) victory, stalemate, defeat, concession
    support: FloatArray  # (S, T, J) partner support
    survival: FloatArray  # (S, T) leader keeps office (domestic and foreign)
    domestic_survival: FloatArray  # (S, T)
    foreign_removal: FloatArray  # (S, T)
    punished: FloatArray  # (S, T) leader removed and jailed, exiled or killed
    influence: FloatArray  # (S, T) challenger's share of its former sphere
    payoffs: FloatArray  # (S, T, 2)
    discount_months: FloatArray  # (S,)
    fiscal_cost: FloatArray  # (S,) USD bn over the horizon
    partners: tuple[str, ...]


@dataclass(frozen=True)
class _ClassQuantities:
    """:class:`CrisisQuantities` per war class ``(S, U)`` plus the payoffs' indicator terms."""

    lottery: FloatArray  # (S, U, 4)
    support: FloatArray  # (S, U, J)
    survival: FloatArray
    domestic_survival: FloatArray
    foreign_removal: FloatArray
    punished: FloatArray
    influence: FloatArray
    by_class: FloatArray  # (S, U, 2) war-class part of the payoffs
    coef: FloatArray  # (K, S) sample coefficients of the indicator terms
    payoff_terms: _Payoffs
    discount_months: FloatArray
    fiscal_cost: FloatArray
    partners: tuple[str, ...]

    def payoffs(self, war_class: IntArray) -> FloatArray:
        """``(S, T, 2)`` payoffs of every terminal (one fused pass, :func:`_assemble_payoffs`).

        A transposed view of a sample-minor ``(T, 2, S)`` array: the solver's kernels read
        samples contiguously (:func:`brink.solvers.spe.spe_terminal_reach`).
        """
        n = self.coef.shape[1]
        out = np.empty((war_class.shape[0], 2, n))
        pt = self.payoff_terms
        _assemble_payoffs(self.by_class, war_class, self.coef, pt.ptr, pt.term, pt.weight, out)
        return out.transpose(2, 0, 1)

    def expand(self, war_class: IntArray) -> CrisisQuantities:
        """The per-terminal view (``(S, T)`` arrays)."""
        return CrisisQuantities(
            lottery=self.lottery[:, war_class], support=self.support[:, war_class],
            survival=self.survival[:, war_class], domestic_survival=self.domestic_survival[:, war_class],
            foreign_removal=self.foreign_removal[:, war_class], punished=self.punished[:, war_class],
            influence=self.influence[:, war_class], payoffs=self.payoffs(war_class),
            discount_months=self.discount_months, fiscal_cost=self.fiscal_cost, partners=self.partners,
        )


def _theory_terms(sk: _Skeleton, solution: Solution, resolve: FloatArray) -> dict[str, FloatArray]:
    """Zagare & Kilgour (2000) credibility threshold of the challenger's first nuclear rung.

    With ``u(DC)`` the challenger's equilibrium value of that rung against a restrained
    defender, ``u(DD)`` against a resolute one and ``u(SQ)`` its best rung below the
    nuclear threshold, the challenger prefers the nuclear rung iff the defender's
    credibility (prior resolve ``p``) satisfies ``p < (u(DC) - u(SQ)) / (u(DC) - u(DD))``.
    Where ``u(DC) <= u(DD)`` (a resolute defender is no worse for the challenger) the
    threshold is ``+inf`` if ``u(DC) > u(SQ)`` and ``-inf`` otherwise; NaN when the
    ladder has no nuclear rung or no rung below it.
    """
    g = sk.game
    vals = np.asarray(solution.node_values).reshape(-1, g.n_nodes, g.n_players)[:, :, 0]
    n = vals.shape[0]
    kids = g.children[g.child_ptr[0] : g.child_ptr[1]]
    kahn = np.array([sk.terms.kahn[sk.terms.rung == i][0] for i in range(kids.size)])
    nuclear = np.flatnonzero(kahn >= NUCLEAR_RUNG)
    below = np.flatnonzero(kahn < NUCLEAR_RUNG)
    nan = np.full(n, np.nan)
    if nuclear.size == 0 or below.size == 0:
        return {"credibility_threshold": nan, "credibility_margin": nan}
    chance = kids[nuclear[0]]
    resolute, restrained = g.children[g.child_ptr[chance]], g.children[g.child_ptr[chance] + 1]
    u_dd, u_dc = vals[:, resolute], vals[:, restrained]
    u_sq = vals[:, kids[below]].max(axis=1)
    gap = u_dc - u_dd
    with np.errstate(divide="ignore", invalid="ignore"):
        threshold = np.where(gap > 0, (u_dc - u_sq) / np.where(gap > 0, gap, 1.0),
                             np.where(u_dc > u_sq, np.inf, -np.inf))
    return {
        "credibility_threshold": np.asarray(threshold, dtype=np.float64),
        "credibility_margin": np.asarray(threshold - resolve, dtype=np.float64),
        "u_dc": u_dc, "u_dd": u_dd, "u_sq": u_sq,
    }


#: The most actors and partners a crisis scenario may declare: about the world's states
#: (each partner adds arrays of ``war classes`` floats to every sample, and each actor
#: its numbers; 500 partners took 2.4 GB at 4,096 samples per chunk before chunks
#: adapted to the memory budget).
MAX_ACTORS = 1000
MAX_PARTNERS = 200


class CrisisTemplate(Template):
    """Challenger, defender under strategic ambiguity, partners and the leader's fate (M1-M9)."""

    name: ClassVar[str] = "crisis"
    description: ClassVar[str] = "escalation ladder, defender types, partners and leader survival (M1-M9)"

    def check(self, scenario: Scenario) -> None:
        if scenario.crisis is None:
            raise InputError(
                "the crisis template needs a crisis section",
                where=scenario.source or scenario.name,
                fix="add crisis: {challenger, target, defender, ladder}",
            )
        for section, count, limit in (
            ("actors", len(scenario.actors), MAX_ACTORS),
            ("partners", len(scenario.partners), MAX_PARTNERS),
        ):
            if count > limit:
                doc = scenario.document
                raise InputError(
                    f"{count:,} {section} exceed the limit of {limit:,}",
                    where=f"{doc.locate([section]) if doc is not None else scenario.source or scenario.name}: {section}",
                    fix=f"model at most {limit:,} {section} (each adds numbers to every sample's memory and time); "
                    "group minor ones into a bloc or a region",
                )

    def sample_bytes(self, scenario: Scenario) -> int:
        """Partner arrays per sample: support, sphere weights and their temporaries, ``(U, J)``
        per war class ``U`` and partner ``J`` (measured: about 1.1 KB per partner and sample
        for the 22 war classes of ``ukraine-2022``; estimated 1.4 KB), plus two outcomes per partner."""
        if scenario.crisis is None:
            return 0
        classes = len(self.skeleton(scenario).representatives)
        partners = len(scenario.partners)
        return 64 * classes * partners + 16 * partners

    # ----------------------------------------------------------- structure
    def skeleton(self, scenario: Scenario, information: Information = "perfect") -> _Skeleton:
        cr = scenario.crisis
        assert cr is not None
        return _skeleton(
            (cr.challenger, cr.defender),
            tuple((r.name, r.rung) for r in cr.ladder),
            tuple(cr.responses),
            tuple(cr.counters),
            information,
            scenario.title or scenario.name,
        )

    # ----------------------------------------------------------- quantities
    def quantities(self, scenario: Scenario, params: Params) -> CrisisQuantities:
        """Per-sample, per-terminal quantities of the crisis (see the module doc)."""
        return self._class_quantities(scenario, params).expand(self.skeleton(scenario).war_class)

    _last: tuple[Scenario, Params, _ClassQuantities] | None = None
    _last_tally: tuple[Solution, dict[str, FloatArray]] | None = None

    def _class_quantities(self, scenario: Scenario, params: Params) -> _ClassQuantities:
        """The quantities per war class; ``build``, ``outcomes`` and ``metrics`` of one
        evaluation share the same ``params`` object, so the last result is kept (by identity)."""
        last = self._last
        if last is not None and last[0] is scenario and last[1] is params:
            return last[2]
        q = self._quantities(scenario, params)
        self._last = (scenario, params, q)
        return q

    def release(self) -> None:
        self._last = None
        self._last_tally = None

    def _quantities(self, scenario: Scenario, params: Params) -> _ClassQuantities:
        cr = scenario.crisis
        assert cr is not None
        sk = self.skeleton(scenario)
        t = sk.terms.take(sk.representatives)  # one terminal per war class
        v = _Values(params)
        C, T = cr.challenger, cr.target
        n = v.n
        col = (slice(None), None)

        # --- conventional balance and the war lottery
        if f"actors.{C}.capability" in params and f"actors.{T}.capability" in params:
            cap_c, cap_t = v(f"actors.{C}.capability"), v(f"actors.{T}.capability")
            default_p = cap_c / np.maximum(cap_c + cap_t, 1e-12)
        else:
            default_p = np.full(n, 0.5)
        p = v("crisis.balance") if "crisis.balance" in params else default_p
        coercion, strike, sanc = v("crisis.nuclear_coercion"), v("crisis.strike_effect"), v("crisis.sanctions_effect")
        sigma = v("crisis.stalemate_share")
        final_nuclear = t.final_kahn >= NUCLEAR_RUNG
        base = np.where(final_nuclear[None, :], (p + (1 - p) * coercion)[col], p[col])
        factor = np.ones((n, len(t.kahn)))
        factor = np.where((t.response == 1)[None, :], (1 - sanc)[col], factor)
        factor = np.where((t.response >= 2)[None, :], (1 - strike)[col], factor)
        pi = np.clip(base * factor, 0.0, 1.0)
        lot = np.zeros((n, len(t.kahn), 4))
        fights = (t.counter == 1) | (t.counter == 2)
        decisive = t.decisiveness[None, :]
        lot[:, :, VICTORY] = np.where(fights[None, :], pi * decisive, 0.0)
        lot[:, :, DEFEAT] = np.where(fights[None, :], (1 - pi) * decisive, 0.0)
        lot[:, :, STALEMATE] = (t.counter == 0)[None, :] + np.where(fights[None, :], 1 - decisive, 0.0)
        lot[:, :, CONCESSION] = t.concedes[None, :].astype(float)
        # escalate to de-escalate (Sokov 2000; Schelling 1966): a settlement reached after
        # nuclear use keeps more of the stake, as the risk it leaves to chance is coercive
        share = np.where(final_nuclear[None, :], (sigma + (1 - sigma) * coercion)[col], sigma[col])
        won = lot[:, :, VICTORY] + share * lot[:, :, STALEMATE]
        lost = lot[:, :, DEFEAT] + lot[:, :, CONCESSION]
        nuclear = t.challenger_nuclear[None, :].astype(float)

        # --- partners and the energy discount (M6-M8)
        horizon = v("survival.horizon_months")
        exports = v(f"actors.{C}.oil_exports_mbd", 0.0)
        offered = v("energy_discount.offered_usd_per_bbl")
        reserves = v("energy_discount.reserves_usd_bn")
        if "energy_discount.sustainable_months" in params:
            months = v("energy_discount.sustainable_months")
        else:
            months = sustainable_months(reserves, offered, exports)
        coverage = np.where(np.isfinite(months), np.minimum(1.0, months / np.maximum(horizon, 1e-12)), 1.0)
        fiscal = discount_cost(offered, exports) * np.minimum(np.where(np.isfinite(months), months, horizon), horizon)
        price = v("energy_discount.reference_price_usd_per_bbl")
        partners = tuple(scenario.partners)
        support = np.ones((n, len(t.kahn), 0))
        regions = sorted({r for pt in scenario.partners.values() for r in pt.sphere_interest})
        influence = np.ones((n, len(t.kahn)))
        if partners:
            # inputs checked once here; the mechanisms' unchecked cores hold the formulas
            offered_ok = bounded_array("energy_discount.offered_usd_per_bbl", offered, low=0.0)
            if (price <= 0).any():
                raise InputError("energy_discount.reference_price_usd_per_bbl must be > 0",
                                 fix="give a positive oil price")
            paid = (offered_ok * coverage)[col]
            won_c = np.clip(won, 0, 1)
            cols = []
            for j in partners:
                dep = np.clip(v(f"partners.{j}.energy_dependence") + v(f"partners.{j}.opec_plus_coordination"), 0, 1)
                aversion = bounded_array(f"partners.{j}.taboo_aversion", v(f"partners.{j}.taboo_aversion"), 0.0, 1.0)
                bandwagon = bounded_array(f"partners.{j}.backs_winners", v(f"partners.{j}.backs_winners"), 0.0, 1.0)
                cols.append(
                    support_core(
                        won_c, nuclear, dep[col], aversion[col], bandwagon[col], paid,
                        oil_price_usd_per_bbl=price[col],
                    )
                )
            support = np.stack(cols, axis=-1)
            if regions:
                cap_c = bounded_array(f"actors.{C}.capability", v(f"actors.{C}.capability", 1.0), low=0.0)
                strength_c = cap_c[col] * (1.0 - DEFEAT_STRENGTH_LOSS * lost)
                interest = np.stack(
                    [np.clip(sum((v(f"partners.{j}.sphere_interest.{r}") for r in regions if r in scenario.partners[j].sphere_interest), np.zeros(n)), 0, 1) for j in partners],
                    axis=-1,
                )
                strength_p = np.stack(
                    [bounded_array(f"actors.{j}.capability", v(f"actors.{j}.capability", 1.0), low=0.0) for j in partners],
                    axis=-1,
                )
                weights = np.empty((n, len(t.kahn), 1 + len(partners)))
                weights[:, :, 0] = strength_c
                weights[:, :, 1:] = (strength_p * interest)[:, None, :]
                influence = sphere_shares(weights)[:, :, 0]
        mean_support = support.mean(axis=-1) if partners else np.ones((n, len(t.kahn)))

        # --- the leader (M6, M9)
        lead = f"actors.{C}.leader"
        W, S = v(f"{lead}.W"), v(f"{lead}.S")
        culpable = v(f"{lead}.culpability") >= 0.5
        sv = "survival"
        p0 = survival_probability(
            "stalemate", W[col], S[col], mean_support, culpable[col], horizon[col], v(f"{sv}.base_hazard")[col],
            outcome_multipliers={"stalemate": 1.0}, abandonment_effect=v(f"{sv}.partner_weight")[col],
        )
        exponent = np.log(hazard_multiplier("defeat", W, S, culpable, outcome_multipliers={"defeat": np.e}))
        mult = np.stack(
            [v(f"{sv}.outcome_multipliers.{o}") for o in ("victory", "stalemate", "defeat", "concession")], axis=-1
        ) ** exponent[:, None]
        domestic = np.einsum("stk,stk->st", lot, p0[:, :, None] ** mult[:, None, :])
        rw = v(f"actors.{C}.resource_wealth", 0.0)
        fi = f"{sv}.foreign_imposed"
        rate = v(f"{fi}.base")[col] * (1 + v(f"{fi}.resource_wealth_factor")[col] * rw[col]) * (
            1 + (v(f"{fi}.defeat_multiplier")[col] - 1) * lost
        ) * (1 + v(f"{sv}.partner_weight")[col] * (1 - mean_support))
        firc = 1 - np.exp(-rate * horizon[col] / 12.0)
        survive = domestic * (1 - firc)
        punish = np.stack(
            [punishment_probability(W, S, o) for o in ("victory", "stalemate", "defeat", "concession")], axis=-1
        )
        punished = (1 - survive) * np.einsum("stk,sk->st", lot, punish)

        # --- payoffs: the war-class part here, the indicator terms in _payoff_terms
        cost = "costs"
        u_c = (
            v("crisis.stakes.challenger")[col] * won
            + v(f"{cost}.partner_value")[col] * mean_support
            + v(f"{cost}.sphere_value")[col] * influence
            + v(f"{lead}.office_value")[col] * survive
            - v(f"{lead}.punishment_cost", 0.0)[col] * punished
        )
        u_d = v("crisis.stakes.defender")[col] * (lost + (1 - share) * lot[:, :, STALEMATE])
        coef, terms = self._indicator_terms(scenario, params, sk.terms, v, fiscal)
        return _ClassQuantities(
            lottery=lot, support=support, survival=survive, domestic_survival=domestic,
            foreign_removal=firc, punished=punished, influence=influence,
            by_class=np.ascontiguousarray(np.stack([u_c, u_d], axis=-1)), coef=coef, payoff_terms=terms,
            discount_months=months, fiscal_cost=fiscal, partners=partners,
        )

    def _indicator_terms(
        self, scenario: Scenario, params: Params, t: Terminals, v: _Values, fiscal: FloatArray
    ) -> tuple[FloatArray, _Payoffs]:
        """The payoff terms ``coef(sample) * feature(terminal)`` (module doc), as ``(K, S)`` and :class:`_Payoffs`."""
        cr = scenario.crisis
        assert cr is not None
        C, D = cr.challenger, cr.defender
        n = v.n
        cost = "costs"
        dmg_d_all = damage(self._warheads(scenario, params, D, "all", n))
        dmg_d_strat = damage(self._warheads(scenario, params, D, "strategic", n))
        dmg_c_strat = damage(self._warheads(scenario, params, C, "strategic", n))
        resp = t.response
        war = np.where(t.kahn > 0, np.minimum(1.0, t.kahn / FULL_WAR_RUNG), 0.0)
        doc = scenario.doctrines.get(D, Doctrine())
        dk = f"doctrines.{D}"
        tol = np.maximum(v(f"{dk}.cost_tolerance", 1.0), 1e-9)
        umbrella, legal = self._coverage(scenario)
        weak = (resp >= 0) & (resp <= 1)
        shortfall = np.clip(_RESPONSE_RANK[doc.declared] - resp, 0, None) * (resp >= 0)
        nuc = t.challenger_nuclear
        triggered = np.maximum(t.kahn, t.final_kahn) >= doc.applies_from
        cred = v(f"{dk}.interests.credibility", 0.5)
        ones = np.ones(len(resp))
        # (player, sample coefficient, terminal feature with its sign)
        terms: list[tuple[int, FloatArray, NDArray[np.floating[Any]]]] = [
            (0, v(f"{cost}.conventional_war"), -war),
            (0, v(f"{cost}.nuclear_taboo"), -1.0 * nuc),
            (0, v(f"{cost}.sanctions"), -1.0 * (resp == 1)),
            (0, v(f"{cost}.conventional_strike"), -1.0 * (resp == 2)),
            (0, v(f"{cost}.nuclear_retaliation") * dmg_d_all, -1.0 * (resp == 3)),
            (0, v(f"{cost}.strategic_exchange") * dmg_d_strat, -1.0 * t.strategic),
            (0, v(f"{cost}.fiscal_weight") * fiscal, -ones),
            (1, v(f"{cost}.defender_sanctions") / tol, -1.0 * (resp == 1)),
            (1, v(f"{cost}.defender_conventional") / tol, -1.0 * (resp == 2)),
            (1, v(f"{cost}.defender_nuclear") / tol, -1.0 * (resp == 3)),
            (1, v(f"{cost}.strategic_exchange") * dmg_c_strat, -1.0 * t.strategic),
            (1, cred * (1 + np.log1p(umbrella)) * (umbrella > 0), -1.0 * (nuc & (resp >= 0) & (resp < 3))),
            (1, v(f"{dk}.legal_weight", 0.5) * legal, -1.0 * (weak & (t.kahn > 0))),
            (1, v(f"{dk}.interests.norm", 0.5), -1.0 * (nuc & weak & t.resolute)),
            (1, cred, -(shortfall / 3.0 * (triggered & t.resolute))),
            (1, v(f"{dk}.interests.self_preservation", 0.5), 1.0 * (nuc & (resp >= 2) & t.resolute)),
        ]
        coef = np.empty((len(terms), n))
        dense = np.zeros((len(resp) * 2, len(terms)))
        for k, (player, c, feature) in enumerate(terms):
            coef[k] = c
            dense[player::2, k] = feature
        ptr, term, weight = _sparse_rows(dense)
        return coef, _Payoffs(ptr, term, weight)

    @staticmethod
    def _warheads(scenario: Scenario, params: Params, actor: str, which: str, n: int) -> FloatArray:
        """Warheads of ``actor`` (an alliance sums its nuclear members when it gives none itself)."""
        a = scenario.actors[actor]
        kinds = ("strategic", "non_strategic") if which == "all" else ("strategic",)
        if a.nuclear is not None:
            return np.asarray(sum((np.asarray(params[f"actors.{actor}.nuclear.{k}"]) for k in kinds), np.zeros(n)))
        total = np.zeros(n)
        for m in a.nuclear_members:
            if m in scenario.actors and scenario.actors[m].nuclear is not None:
                total = total + sum(np.asarray(params[f"actors.{m}.nuclear.{k}"]) for k in kinds)
        return total

    @staticmethod
    def _coverage(scenario: Scenario) -> tuple[float, float]:
        """(umbrella protégés at stake if the target is covered else 0, legal defense duty 0/1) (M1, M2)."""
        cr = scenario.crisis
        assert cr is not None
        d = scenario.actors[cr.defender]
        guarantors = {cr.defender, *d.members}
        mine = [c for c in scenario.commitments if c.guarantor in guarantors]
        covers = [c for c in mine if c.protege == cr.target]
        protected = {c.protege for c in mine if c.umbrella} | (set(d.members) - set(d.nuclear_members))
        umbrella = float(len(protected)) if any(c.umbrella for c in covers) else 0.0
        legal = 1.0 if any(c.legal and c.type == "defense" for c in covers) else 0.0
        return umbrella, legal

    # ----------------------------------------------------------- template API
    def build(self, scenario: Scenario, params: Params, *, information: Information = "perfect") -> Game:
        """The crisis game with ``(S, T, 2)`` payoffs and the type prior on the chance edges.

        The tree and its derived structure are built once per scenario (:func:`_skeleton`);
        each call only fills the sampled arrays.  The copy is validated again only when a
        payoff is not finite (then :meth:`Game.with_samples` raises the usual error).
        """
        sk = self.skeleton(scenario, information)
        q = self._class_quantities(scenario, params)
        pay = q.payoffs(sk.war_class)
        n = pay.shape[0]
        cr = scenario.crisis
        assert cr is not None
        resolve = np.clip(_Values(params)(f"doctrines.{cr.defender}.resolve", 0.5), 0, 1)
        probs = np.zeros((n, sk.game.n_edges))
        probs[:, sk.type_edges[:, 0]] = resolve[:, None]
        probs[:, sk.type_edges[:, 1]] = 1 - resolve[:, None]
        if not (np.isfinite(pay).all() and np.isfinite(probs).all()):
            return sk.game.with_samples(outcome_payoffs=pay, chance_probs=probs)
        game = copy.copy(sk.game)  # shares the validated structure and its cached derivations
        object.__setattr__(game, "outcome_payoffs", pay)
        object.__setattr__(game, "chance_probs", probs)
        return game

    def terminal_reach(self, solution: Solution) -> FloatArray:
        """``(S, T)`` probability of each outcome (terminal) under ``solution``."""
        g = solution.game
        reach = np.asarray(solution.reach).reshape(-1, g.n_nodes)[:, g.terminals]
        out = np.zeros((reach.shape[0], g.n_outcomes))
        out[:, g.outcome[g.terminals]] = reach
        return out

    def _tally(self, scenario: Scenario, params: Params, solution: Solution) -> dict[str, FloatArray]:
        """Every reach-weighted outcome and metric of ``solution``, in one pass over the terminals."""
        last = self._last_tally
        if last is not None and last[0] is solution:
            return last[1]
        sk = self.skeleton(scenario)
        g = solution.game
        reach = np.asarray(solution.reach, dtype=np.float64).reshape(-1, g.n_nodes)
        out = self._tally_columns(sk, self._class_quantities(scenario, params), reach, sk.outcome_node)
        self._last_tally = (solution, out)
        return out

    @staticmethod
    def _tally_columns(
        sk: _Skeleton, q: _ClassQuantities, reach: FloatArray, column: IntArray
    ) -> dict[str, FloatArray]:
        """:meth:`_tally` off ``reach[:, column[t]]``, the reach of outcome ``t`` (node or terminal columns)."""
        reach = np.ascontiguousarray(reach)
        n = reach.shape[0]
        support_mean = q.support.mean(axis=-1) if q.partners else np.ones_like(q.survival)
        columns = [q.lottery[:, :, VICTORY], q.lottery[:, :, DEFEAT], q.survival, q.foreign_removal,
                   q.influence, support_mean, 1 - support_mean,
                   *(1 - q.support[:, :, j] for j in range(len(q.partners)))]
        by_class = np.ascontiguousarray(np.stack(columns, axis=-1))
        tl = sk.tally
        indicators = np.zeros((n, len(tl.names)))
        expected = np.zeros((n, by_class.shape[2]))
        _tally_reach(reach, np.ascontiguousarray(column, dtype=np.int64), sk.war_class, tl.ptr, tl.column,
                     tl.weight, by_class, indicators, expected)
        out = {name: indicators[:, k] for k, name in enumerate(tl.names)}
        out["_victory"], out["_defeat"], out["_survival"] = expected[:, 0], expected[:, 1], expected[:, 2]
        out["_foreign"], out["_influence"], out["_support"] = expected[:, 3], expected[:, 4], expected[:, 5]
        out["_abandon"] = expected[:, 6]
        for j, name in enumerate(q.partners):
            out[f"_abandon.{name}"] = expected[:, 7 + j]
        return out

    def outcomes(self, scenario: Scenario, params: Params, solution: Solution) -> dict[str, FloatArray]:
        return self._outcomes(scenario, self._class_quantities(scenario, params),
                              self._tally(scenario, params, solution))

    @staticmethod
    def _outcomes(scenario: Scenario, q: _ClassQuantities, r: Mapping[str, FloatArray]) -> dict[str, FloatArray]:
        cr = scenario.crisis
        assert cr is not None

        def p(x: FloatArray) -> FloatArray:
            return np.asarray(np.clip(x, 0.0, 1.0), dtype=np.float64)

        out = {name: p(r[name]) for name in _INDICATORS}
        out |= {
            "challenger_victory": p(r["_victory"]),
            "challenger_defeat": p(r["_defeat"]),
            "leader_survives": p(r["_survival"]),
            "foreign_imposed_regime_change": p(r["_foreign"]),
        }
        if q.partners:
            out["partners_abandon"] = p(r["_abandon"])
            for name in q.partners:
                out[f"partner_abandons.{name}"] = p(r[f"_abandon.{name}"])
        else:
            out["partners_abandon"] = np.zeros(r["_victory"].shape[0])
        for rung in cr.ladder:
            out[f"rung.{rung.name}"] = p(r[f"rung.{rung.name}"])
        return out

    def metrics(self, scenario: Scenario, params: Params, solution: Solution) -> dict[str, FloatArray]:
        q = self._class_quantities(scenario, params)
        r = self._tally(scenario, params, solution)
        return super().metrics(scenario, params, solution) | self._metrics(q, r)

    @staticmethod
    def _metrics(q: _ClassQuantities, r: Mapping[str, FloatArray]) -> dict[str, FloatArray]:
        out: dict[str, FloatArray] = {"escalation_score": r["escalation_score"]}
        out["discount_months"] = np.where(np.isfinite(q.discount_months), q.discount_months, np.nan)
        out["fiscal_cost_usd_bn"] = q.fiscal_cost
        out["sphere_influence"] = r["_influence"]
        out["partner_support"] = r["_support"] if q.partners else np.ones(r["_victory"].shape[0])
        return out

    def terminal_outcomes(
        self, scenario: Scenario, params: Params, game: Game, payoffs: FloatArray, terminal_reach: FloatArray
    ) -> tuple[dict[str, FloatArray], dict[str, FloatArray]]:
        """:meth:`outcomes` and :meth:`metrics` from the equilibrium payoffs ``(S, players)``
        and the reach of every terminal ``(S, terminals)`` (in ``game.terminals`` order), as
        :func:`brink.solvers.spe.spe_terminal_reach` gives them: the same numbers without a
        full :class:`Solution`."""
        sk = self.skeleton(scenario)
        q = self._class_quantities(scenario, params)
        column = np.searchsorted(game.terminals, sk.outcome_node)
        r = self._tally_columns(sk, q, terminal_reach, column)
        metrics = {f"payoff.{p}": payoffs[:, i] for i, p in enumerate(game.players)} | self._metrics(q, r)
        return self._outcomes(scenario, q, r), metrics

    # ----------------------------------------------------------- theory
    def explain_terms(self, scenario: Scenario, params: Params, solution: Solution) -> dict[str, FloatArray]:
        """Theoretical thresholds per sample (see :func:`_theory_terms`): ``credibility_threshold``
        and ``credibility_margin`` (threshold minus the defender's resolve: the challenger
        climbs to the first nuclear rung, rather than stay below it, iff the margin is > 0)."""
        cr = scenario.crisis
        assert cr is not None
        resolve = np.clip(_Values(params)(f"doctrines.{cr.defender}.resolve", 0.5), 0, 1)
        terms = _theory_terms(self.skeleton(scenario), solution, resolve)
        return {k: terms[k] for k in ("credibility_threshold", "credibility_margin")}


register(CrisisTemplate())
