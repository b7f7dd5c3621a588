"""The crisis game's payoffs and per-sample quantities: mechanisms M1-M9 applied to each war class.

:func:`prepare` computes, for a chunk of samples, everything the payoffs and the read-out
need per *war class* (terminals that every mechanism treats alike,
:attr:`brink.templates.crisis.tree.Terminals.class_key`): the war lottery, partner
support (M6-M8), sphere influence, the leader's survival and punishment (M6, M9), and
the payoff's indicator terms.  The result is a value (:class:`ClassQuantities`) that the
template passes to ``build`` and to the read-out; nothing is cached between chunks.
The formulas are in the package doc (:mod:`brink.templates.crisis`); the terms the
escalation template computes alike (balance, coverage, damage, the sparse payoff sum)
are in :mod:`brink.crisis.terms`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from brink.arrays import FloatArray, IndexArray
from brink.crisis.outcomes import CONCESSION, DEFEAT, STALEMATE, VICTORY
from brink.crisis.rungs import FULL_WAR_RUNG
from brink.crisis.schema import CrisisScenario, Doctrine
from brink.crisis.terms import (
    assemble_payoffs,
    conventional_balance,
    coverage,
    damage,
    sparse_rows,
    warheads,
)
from brink.errors import InputError, bounded_array
from brink.mechanisms import alliances, removal, survival
from brink.mechanisms import partners as partnership
from brink.mechanisms.partners import DEFEAT_STRENGTH_LOSS
from brink.templates.base import ParameterValues, Params
from brink.templates.crisis.tree import RESPONSE_RANK, Skeleton, Terminals

__all__ = [
    "CLASS_FEATURES",
    "CLASS_READS",
    "DEFEAT_STRENGTH_LOSS",
    "ClassQuantities",
    "CrisisQuantities",
    "LeaderAndPartners",
    "leader_and_partners",
    "prepare",
]


@dataclass(frozen=True)
class PayoffTerms:
    """Per-scenario structure of the payoff sum, so each evaluation is one fused pass.

    A terminal's payoff is its war class's value (stake, partners, sphere, office,
    punishment: :class:`ClassQuantities`) plus indicator terms ``coef_k(sample) *
    feature_k(terminal)`` (war, taboo, responses, exchange, commitments), stored sparsely:
    entries ``ptr[t * P + p] : ptr[t * P + p + 1]`` of ``term``/``weight`` are the
    nonzero features of terminal ``t`` for player ``p``
    (:func:`brink.crisis.terms.sparse_rows`, summed by :func:`brink.crisis.terms.assemble_payoffs`).
    """

    ptr: IndexArray
    term: IndexArray
    weight: FloatArray


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
class ClassQuantities:
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
    payoff_terms: PayoffTerms
    discount_months: FloatArray
    fiscal_cost: FloatArray
    partners: tuple[str, ...]

    def payoffs(self, war_class: IndexArray) -> FloatArray:
        """``(S, T, 2)`` payoffs of every terminal (one fused pass, :func:`assemble_payoffs`).

        A transposed view of a sample-minor ``(T, 2, S)`` array: the solver's kernels read
        samples contiguously (:func:`brink.solvers.spe.spe_terminal_reach`).
        """
        n = self.coef.shape[1]
        out = np.empty((war_class.shape[0], 2, n))
        pt = self.payoff_terms
        assemble_payoffs(self.by_class, war_class, self.coef, pt.ptr, pt.term, pt.weight, out)
        return out.transpose(2, 0, 1)

    def expand(self, war_class: IndexArray) -> CrisisQuantities:
        """The per-terminal view (``(S, T)`` arrays)."""
        return CrisisQuantities(
            lottery=self.lottery[:, war_class], support=self.support[:, war_class],
            survival=self.survival[:, war_class], domestic_survival=self.domestic_survival[:, war_class],
            foreign_removal=self.foreign_removal[:, war_class], punished=self.punished[:, war_class],
            influence=self.influence[:, war_class], payoffs=self.payoffs(war_class),
            discount_months=self.discount_months, fiscal_cost=self.fiscal_cost, partners=self.partners,
        )



#: What each per-war-class mechanism reads off a terminal, by the names of
#: :data:`brink.templates.crisis.tree.TERMINAL_FEATURES`.  The war classes are derived from
#: these declarations (:data:`CLASS_FEATURES`), and :func:`prepare` sees only the declared
#: features, so a mechanism cannot read a feature that the classes ignore.  Mechanisms
#: that read only the war lottery (sphere influence, survival, removal, punishment)
#: declare nothing of their own.
CLASS_READS: dict[str, tuple[str, ...]] = {
    # decided with probability min(1, k / 12) at the final rung; won with the balance,
    # raised by coercion at nuclear rungs and cut by sanctions or a military answer
    "war lottery": ("final_nuclear", "sanctions", "military_response", "counter", "decisive_rung", "concedes"),
    # escalate to de-escalate (Sokov 2000): a settlement after nuclear use keeps more
    "settlement share": ("final_nuclear",),
    # M6-M8: partners weigh the outcome and the taboo (:func:`brink.mechanisms.partners.support_core`)
    "partner support": ("challenger_nuclear",),
    "sphere influence": (),
    "leader survival and removal": (),
    "punishment": (),
}
#: The union of :data:`CLASS_READS`, in declaration order: the key of the war classes.
CLASS_FEATURES: tuple[str, ...] = tuple(dict.fromkeys(f for reads in CLASS_READS.values() for f in reads))


def prepare(scenario: CrisisScenario, params: Params, sk: Skeleton) -> ClassQuantities:
    """Everything the payoffs and the read-out need per war class, for the samples ``params``.

    Mechanisms M1-M9 are applied to one representative terminal of each war class,
    reading only the features they declare (:data:`CLASS_READS`, ``sk.class_features``).
    """
    cr = scenario.crisis
    assert cr is not None
    f = sk.class_features  # the declared features of one terminal per war class
    v = ParameterValues(params)
    C = cr.challenger
    n = v.n
    classes = len(sk.representatives)
    col = (slice(None), None)

    # --- conventional balance and the war lottery
    p = conventional_balance(scenario, params)
    coercion, strike, sanc = v("crisis.nuclear_coercion"), v("crisis.strike_effect"), v("crisis.sanctions_effect")
    sigma = v("crisis.stalemate_share")
    final_nuclear = f["final_nuclear"]
    base = np.where(final_nuclear[None, :], (p + (1 - p) * coercion)[col], p[col])
    factor = np.ones((n, classes))
    factor = np.where(f["sanctions"][None, :], (1 - sanc)[col], factor)
    factor = np.where(f["military_response"][None, :], (1 - strike)[col], factor)
    pi = np.clip(base * factor, 0.0, 1.0)
    lot = np.zeros((n, classes, 4))
    counter = f["counter"]
    fights = (counter == 1) | (counter == 2)
    decisive = np.minimum(1.0, f["decisive_rung"] / FULL_WAR_RUNG)[None, :]
    lot[:, :, VICTORY] = np.where(fights[None, :], pi * decisive, 0.0)
    lot[:, :, DEFEAT] = np.where(fights[None, :], (1 - pi) * decisive, 0.0)
    lot[:, :, STALEMATE] = (counter == 0)[None, :] + np.where(fights[None, :], 1 - decisive, 0.0)
    lot[:, :, CONCESSION] = f["concedes"][None, :].astype(float)
    # escalate to de-escalate (Sokov 2000; Schelling 1966): a settlement reached after
    # nuclear use keeps more of the stake, as the risk it leaves to chance is coercive
    share = np.where(final_nuclear[None, :], (sigma + (1 - sigma) * coercion)[col], sigma[col])
    won = lot[:, :, VICTORY] + share * lot[:, :, STALEMATE]
    lost = lot[:, :, DEFEAT] + lot[:, :, CONCESSION]
    nuclear = f["challenger_nuclear"][None, :].astype(float)

    lp = leader_and_partners(scenario, params, lot, won, nuclear)
    support, influence, mean_support = lp.support, lp.influence, lp.mean_support
    domestic, firc, survive, punished = lp.domestic_survival, lp.foreign_removal, lp.survival, lp.punished
    months, fiscal, partners = lp.discount_months, lp.fiscal_cost, lp.partners
    lead = f"actors.{C}.leader"

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
    coef, terms = _indicator_terms(scenario, params, sk.terms, v, fiscal)
    return ClassQuantities(
        lottery=lot, support=support, survival=survive, domestic_survival=domestic,
        foreign_removal=firc, punished=punished, influence=influence,
        by_class=np.ascontiguousarray(np.stack([u_c, u_d], axis=-1)), coef=coef, payoff_terms=terms,
        discount_months=months, fiscal_cost=fiscal, partners=partners,
    )


@dataclass(frozen=True)
class LeaderAndPartners:
    """What the challenger's partners (M6-M8) and its leader's fate (M6, M9) give per war class ``(S, U)``."""

    support: FloatArray  # (S, U, J)
    mean_support: FloatArray
    influence: FloatArray
    domestic_survival: FloatArray
    foreign_removal: FloatArray
    survival: FloatArray
    punished: FloatArray
    discount_months: FloatArray  # (S,)
    fiscal_cost: FloatArray  # (S,)
    partners: tuple[str, ...]


def leader_and_partners(
    scenario: CrisisScenario, params: Params, lot: FloatArray, won: FloatArray, nuclear: FloatArray
) -> LeaderAndPartners:
    """Partner support, sphere influence, the energy discount and the leader's survival and
    punishment for war classes with lottery ``lot`` ``(S, U, 4)``, challenger's expected share
    ``won`` ``(S, U)`` and nuclear use ``nuclear`` (``(1, U)`` or ``(S, U)``, 0/1).

    The formulas are in the crisis package doc (:mod:`brink.templates.crisis`).
    """
    cr = scenario.crisis
    assert cr is not None
    v = ParameterValues(params)
    C = cr.challenger
    n, classes = won.shape
    col = (slice(None), None)
    lost = lot[:, :, DEFEAT] + lot[:, :, CONCESSION]
    # --- partners and the energy discount (M6-M8)
    horizon = v("survival.horizon_months")
    exports = v(f"actors.{C}.oil_exports_mbd", 0.0)
    offered = v("energy_discount.offered_usd_per_bbl")
    reserves = v("energy_discount.reserves_usd_bn")
    if "energy_discount.sustainable_months" in params:
        months = v("energy_discount.sustainable_months")
    else:
        months = partnership.sustainable_months(reserves, offered, exports)
    coverage = np.where(np.isfinite(months), np.minimum(1.0, months / np.maximum(horizon, 1e-12)), 1.0)
    fiscal = partnership.discount_cost(offered, exports) * np.minimum(np.where(np.isfinite(months), months, horizon), horizon)
    price = v("energy_discount.reference_price_usd_per_bbl")
    partners = tuple(scenario.partners)
    support = np.ones((n, classes, 0))
    regions = sorted({r for pt in scenario.partners.values() for r in pt.sphere_interest})
    influence = np.ones((n, classes))
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
                partnership.support_core(
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
            weights = np.empty((n, classes, 1 + len(partners)))
            weights[:, :, 0] = strength_c
            weights[:, :, 1:] = (strength_p * interest)[:, None, :]
            influence = partnership.sphere_shares(weights)[:, :, 0]
    mean_support = support.mean(axis=-1) if partners else np.ones((n, classes))

    # --- the leader (M6, M9)
    lead = f"actors.{C}.leader"
    W, S = v(f"{lead}.W"), v(f"{lead}.S")
    culpable = v(f"{lead}.culpability") >= 0.5
    sv = "survival"
    # inputs checked once here; the mechanisms' unchecked cores hold the formulas
    loyalty = survival.loyalty_norm(W, S)
    base_hazard = bounded_array(f"{sv}.base_hazard", v(f"{sv}.base_hazard"), low=0.0)
    partner_weight = bounded_array(f"{sv}.partner_weight", v(f"{sv}.partner_weight"), low=0.0)
    horizon_ok = bounded_array(f"{sv}.horizon_months", horizon, low=0.0)
    outcomes = ("victory", "stalemate", "defeat", "concession")
    multipliers = np.stack([v(f"{sv}.outcome_multipliers.{o}") for o in outcomes], axis=-1)
    domestic = survival.survival_core(
        lot, loyalty, culpable, mean_support, horizon_ok, base_hazard, multipliers, partner_weight
    )
    rw = v(f"actors.{C}.resource_wealth", 0.0)
    fi = f"{sv}.foreign_imposed"
    firc = removal.foreign_imposed_core(
        v(f"{fi}.base")[col], v(f"{fi}.resource_wealth_factor")[col], rw[col], v(f"{fi}.defeat_multiplier")[col],
        lost, partner_weight[col], mean_support, horizon[col],
    )
    survive = domestic * (1 - firc)
    punish = np.stack([survival.punishment_core(loyalty, o in ("defeat", "concession")) for o in outcomes], axis=-1)
    punished = (1 - survive) * np.einsum("stk,sk->st", lot, punish)

    return LeaderAndPartners(
        support=support, mean_support=mean_support, influence=influence, domestic_survival=domestic,
        foreign_removal=firc, survival=survive, punished=punished, discount_months=months, fiscal_cost=fiscal,
        partners=partners,
    )

def _indicator_terms(
    scenario: CrisisScenario, params: Params, t: Terminals, v: ParameterValues, fiscal: FloatArray
) -> tuple[FloatArray, PayoffTerms]:
    """The payoff terms ``coef(sample) * feature(terminal)`` (module doc), as ``(K, S)`` and :class:`PayoffTerms`."""
    cr = scenario.crisis
    assert cr is not None
    C, D = cr.challenger, cr.defender
    n = v.n
    cost = "costs"
    dmg_d_all = damage(warheads(scenario, params, D, "all", n))
    dmg_d_strat = damage(warheads(scenario, params, D, "strategic", n))
    dmg_c_strat = damage(warheads(scenario, params, C, "strategic", n))
    resp = t.response
    war = np.where(t.kahn > 0, np.minimum(1.0, t.kahn / FULL_WAR_RUNG), 0.0)
    doc = scenario.doctrines.get(D, Doctrine())
    dk = f"doctrines.{D}"
    tol = np.maximum(v(f"{dk}.cost_tolerance", 1.0), 1e-9)
    umbrella, legal = coverage(scenario)
    weak = (resp >= 0) & (resp <= 1)
    shortfall = np.clip(RESPONSE_RANK[doc.declared] - resp, 0, None) * (resp >= 0)
    nuc = t.challenger_nuclear
    triggered = np.maximum(t.kahn, t.final_kahn) >= doc.applies_from
    cred = v(f"{dk}.interests.credibility", 0.5)
    umbrella_cost, legal_cost = alliances.commitment_costs_core(cred, v(f"{dk}.legal_weight", 0.5), umbrella, legal)
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
        (1, umbrella_cost, -1.0 * (nuc & (resp >= 0) & (resp < 3))),
        (1, legal_cost, -1.0 * (weak & (t.kahn > 0))),
        (1, v(f"{dk}.interests.norm", 0.5), -1.0 * (nuc & weak & t.resolute)),
        (1, cred, -(shortfall / 3.0 * (triggered & t.resolute))),
        (1, v(f"{dk}.interests.self_preservation", 0.5), 1.0 * (nuc & (resp >= 2) & t.resolute)),
    ]
    coef = np.empty((len(terms), n))
    dense = np.zeros((len(resp) * 2, len(terms)))
    for k, (player, c, feature) in enumerate(terms):
        coef[k] = c
        dense[player::2, k] = feature
    ptr, term, weight = sparse_rows(dense)
    return coef, PayoffTerms(ptr, term, weight)
