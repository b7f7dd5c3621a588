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

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, ClassVar

import numpy as np
from numpy.typing import NDArray

from brink.errors import InputError
from brink.games import Game, TreeBuilder
from brink.politics.partners import (
    discount_cost,
    partner_support,
    sphere_influence,
    sustainable_months,
)
from brink.politics.survival import hazard_multiplier, punishment_probability, survival_probability
from brink.scenario import CENTRAL_RUNG, NUCLEAR_RUNG, RESPONSES, Doctrine
from brink.templates.base import Information, Params, Template, register

if TYPE_CHECKING:
    from brink.scenario import Scenario
    from brink.solvers.result import Solution

__all__ = ["RIVERA_SCORES", "CrisisTemplate", "Terminals", "damage"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: Escalation scores of Rivera et al. (2024, FAccT) by category.
RIVERA_SCORES = {
    "de_escalation": -2.0,
    "status_quo": 0.0,
    "posturing": 4.0,
    "non_violent": 12.0,
    "violent": 28.0,
    "nuclear": 60.0,
}
#: Rivera score of each defender response.
_RESPONSE_SCORE = {"none": 0.0, "sanctions": 12.0, "conventional-strike": 28.0, "nuclear-response": 60.0}
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


def rung_score(rung: int) -> float:
    """Rivera et al. (2024) category score of a Kahn rung (0 = conceding)."""
    if rung <= 0:
        return RIVERA_SCORES["de_escalation"]
    if rung <= 3:
        return RIVERA_SCORES["posturing"]
    if rung <= 7:
        return RIVERA_SCORES["non_violent"]
    if rung < NUCLEAR_RUNG:
        return RIVERA_SCORES["violent"]
    return RIVERA_SCORES["nuclear"]


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
class _Skeleton:
    game: Game
    terms: Terminals
    type_edges: IntArray  # (k, 2) edges [resolute, restrained] of each type chance node


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
    return _Skeleton(game, terms, type_edges.astype(np.int64))


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
        """Per-sample, per-terminal quantities of the crisis (see the module doc).

        ``build``, ``outcomes`` and ``metrics`` of one evaluation share the same
        ``params`` object, so the last result is kept (by identity) and reused.
        """
        last = self._last
        if last is not None and last[0] is scenario and last[1] is params:
            return last[2]
        q = self._quantities(scenario, params)
        self._last = (scenario, params, q)
        return q

    _last: tuple[Scenario, Params, CrisisQuantities] | None = None

    def release(self) -> None:
        self._last = None

    def _quantities(self, scenario: Scenario, params: Params) -> CrisisQuantities:
        cr = scenario.crisis
        assert cr is not None
        sk = self.skeleton(scenario)
        t = sk.terms
        v = _Values(params)
        C, D, T = cr.challenger, cr.defender, cr.target
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
            cols = []
            for j in partners:
                dep = np.clip(v(f"partners.{j}.energy_dependence") + v(f"partners.{j}.opec_plus_coordination"), 0, 1)
                cols.append(
                    partner_support(
                        np.clip(won, 0, 1), nuclear, dep[col], v(f"partners.{j}.taboo_aversion")[col],
                        v(f"partners.{j}.backs_winners")[col], (offered * coverage)[col],
                        oil_price_usd_per_bbl=price[col],
                    )
                )
            support = np.stack(cols, axis=-1)
            if regions:
                cap_c = v(f"actors.{C}.capability", 1.0)
                strength_c = cap_c[col] * (1.0 - DEFEAT_STRENGTH_LOSS * lost)
                interest = np.stack(
                    [np.clip(sum((v(f"partners.{j}.sphere_interest.{r}") for r in regions if r in scenario.partners[j].sphere_interest), np.zeros(n)), 0, 1) for j in partners],
                    axis=-1,
                )
                strength_p = np.stack([v(f"actors.{j}.capability", 1.0) for j in partners], axis=-1)
                flat_c = strength_c.reshape(-1)
                reps = len(t.kahn)
                sp = np.repeat(strength_p, reps, axis=0)
                ip = np.repeat(interest, reps, axis=0)
                shares = sphere_influence(flat_c, sp, ip)
                influence = shares[:, 0].reshape(n, reps)
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

        # --- payoffs
        cost = "costs"
        dmg_d_all = damage(self._warheads(scenario, params, D, "all", n))
        dmg_d_strat = damage(self._warheads(scenario, params, D, "strategic", n))
        dmg_c_strat = damage(self._warheads(scenario, params, C, "strategic", n))
        resp = t.response
        war = np.where(t.kahn > 0, np.minimum(1.0, t.kahn / FULL_WAR_RUNG), 0.0)[None, :]
        u_c = (
            v("crisis.stakes.challenger")[col] * won
            - v(f"{cost}.conventional_war")[col] * war
            - v(f"{cost}.nuclear_taboo")[col] * nuclear
            - v(f"{cost}.sanctions")[col] * (resp == 1)[None, :]
            - v(f"{cost}.conventional_strike")[col] * (resp == 2)[None, :]
            - (v(f"{cost}.nuclear_retaliation") * dmg_d_all)[col] * (resp == 3)[None, :]
            - (v(f"{cost}.strategic_exchange") * dmg_d_strat)[col] * t.strategic[None, :]
            + v(f"{cost}.partner_value")[col] * mean_support
            + v(f"{cost}.sphere_value")[col] * influence
            - (v(f"{cost}.fiscal_weight") * fiscal)[col]
            + v(f"{lead}.office_value")[col] * survive
            - v(f"{lead}.punishment_cost", 0.0)[col] * punished
        )
        doc = scenario.doctrines.get(D, Doctrine())
        dk = f"doctrines.{D}"
        tol = np.maximum(v(f"{dk}.cost_tolerance", 1.0), 1e-9)
        umbrella, legal = self._coverage(scenario)
        weak = (resp >= 0) & (resp <= 1)
        shortfall = np.clip(_RESPONSE_RANK[doc.declared] - resp, 0, None) * (resp >= 0)
        nuc = t.challenger_nuclear
        triggered = np.maximum(t.kahn, t.final_kahn) >= doc.applies_from
        cred = v(f"{dk}.interests.credibility", 0.5)
        u_d = (
            v("crisis.stakes.defender")[col] * (lost + (1 - share) * lot[:, :, STALEMATE])
            - (v(f"{cost}.defender_sanctions") / tol)[col] * (resp == 1)[None, :]
            - (v(f"{cost}.defender_conventional") / tol)[col] * (resp == 2)[None, :]
            - (v(f"{cost}.defender_nuclear") / tol)[col] * (resp == 3)[None, :]
            - (v(f"{cost}.strategic_exchange") * dmg_c_strat)[col] * t.strategic[None, :]
            - (cred * (1 + np.log1p(umbrella)) * (umbrella > 0))[col] * (nuc & (resp >= 0) & (resp < 3))[None, :]
            - (v(f"{dk}.legal_weight", 0.5) * legal)[col] * (weak & (t.kahn > 0))[None, :]
            - v(f"{dk}.interests.norm", 0.5)[col] * (nuc & weak & t.resolute)[None, :]
            - cred[col] * (shortfall / 3.0 * (triggered & t.resolute))[None, :]
            + v(f"{dk}.interests.self_preservation", 0.5)[col] * (nuc & (resp >= 2) & t.resolute)[None, :]
        )
        return CrisisQuantities(
            lottery=lot, support=support, survival=survive, domestic_survival=domestic,
            foreign_removal=firc, punished=punished, influence=influence, payoffs=np.stack([u_c, u_d], axis=-1),
            discount_months=months, fiscal_cost=fiscal, partners=partners,
        )

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
        sk = self.skeleton(scenario, information)
        q = self.quantities(scenario, params)
        n = q.payoffs.shape[0]
        # outcomes were created in terminal-feature order: outcome index == feature index
        resolve = np.clip(_Values(params)(f"doctrines.{scenario.crisis.defender}.resolve", 0.5), 0, 1)  # type: ignore[union-attr]
        probs = np.zeros((n, sk.game.n_edges))
        probs[:, sk.type_edges[:, 0]] = resolve[:, None]
        probs[:, sk.type_edges[:, 1]] = 1 - resolve[:, None]
        return sk.game.with_samples(outcome_payoffs=q.payoffs, chance_probs=probs)

    def terminal_reach(self, solution: Solution) -> FloatArray:
        """``(S, T)`` probability of each outcome (terminal) under ``solution``."""
        g = solution.game
        reach = np.asarray(solution.reach).reshape(-1, g.n_nodes)[:, g.terminals]
        out = np.zeros((reach.shape[0], g.n_outcomes))
        out[:, g.outcome[g.terminals]] = reach
        return out

    def outcomes(self, scenario: Scenario, params: Params, solution: Solution) -> dict[str, FloatArray]:
        cr = scenario.crisis
        assert cr is not None
        t = self.skeleton(scenario).terms
        q = self.quantities(scenario, params)
        r = self.terminal_reach(solution)

        def p(mask: NDArray[np.bool_]) -> FloatArray:
            return np.asarray(np.clip(r[:, mask].sum(axis=1), 0.0, 1.0), dtype=np.float64)

        out = {
            "tactical_nuclear_use": p(t.tactical),
            "strategic_nuclear_use": p(t.strategic),
            "challenger_concedes": p(t.concedes),
            "defender_conventional_response": p(t.response == 2),
            "defender_nuclear_response": p(t.response == 3),
            "defender_sanctions": p(t.response == 1),
            "challenger_victory": np.clip((r * q.lottery[:, :, VICTORY]).sum(axis=1), 0, 1),
            "challenger_defeat": np.clip((r * q.lottery[:, :, DEFEAT]).sum(axis=1), 0, 1),
            "leader_survives": np.clip((r * q.survival).sum(axis=1), 0, 1),
            "foreign_imposed_regime_change": np.clip((r * q.foreign_removal).sum(axis=1), 0, 1),
        }
        if q.partners:
            out["partners_abandon"] = np.clip((r * (1 - q.support.mean(axis=-1))).sum(axis=1), 0, 1)
            for j, name in enumerate(q.partners):
                out[f"partner_abandons.{name}"] = np.clip((r * (1 - q.support[:, :, j])).sum(axis=1), 0, 1)
        else:
            out["partners_abandon"] = np.zeros(r.shape[0])
        for i, rung in enumerate(cr.ladder):
            out[f"rung.{rung.name}"] = p(t.rung == i)
        return out

    def metrics(self, scenario: Scenario, params: Params, solution: Solution) -> dict[str, FloatArray]:
        t = self.skeleton(scenario).terms
        q = self.quantities(scenario, params)
        r = self.terminal_reach(solution)
        score = np.array(
            [
                max(rung_score(int(max(k, fk))), _RESPONSE_SCORE[RESPONSES[d]] if d >= 0 else -np.inf)
                for k, fk, d in zip(t.kahn, t.final_kahn, t.response, strict=True)
            ]
        )
        out = super().metrics(scenario, params, solution)
        out["escalation_score"] = r @ score
        out["discount_months"] = np.where(np.isfinite(q.discount_months), q.discount_months, np.nan)
        out["fiscal_cost_usd_bn"] = q.fiscal_cost
        out["sphere_influence"] = (r * q.influence).sum(axis=1)
        out["partner_support"] = (r * q.support.mean(axis=-1)).sum(axis=1) if q.partners else np.ones(r.shape[0])
        return out


register(CrisisTemplate())
