"""The post-war game's arrays for a chunk of samples, from a scenario and its parameter draws.

Each crisis *ending* the game starts from is a row of ``starts``: how the war ended for the
challenger (:data:`brink.crisis.outcomes.VICTORY` .. ``CONCESSION``), whether it
used nuclear weapons and whether the defender answered with sanctions.  Everything the
kernel (:func:`brink.aftermath.game.solve_kernel`) reads is built here, once per chunk.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

import numpy as np
from scipy.special import expit, logit

from brink.aftermath.spec import MAX_ACTIONS
from brink.arrays import FloatArray, IndexArray
from brink.errors import InputError, bounded_array
from brink.mechanisms import partners as partnership
from brink.mechanisms import reference, survival
from brink.mechanisms.partners import DEFEAT_STRENGTH_LOSS
from brink.mechanisms.survival import WarOutcome

if TYPE_CHECKING:
    from brink.templates.base import Params
    from brink.templates.escalation.spec import EscalationScenario

#: Ending codes in :class:`~brink.mechanisms.survival.WarOutcome` order (the crisis
#: templates' ``VICTORY .. CONCESSION``, then ``SETTLEMENT``; :mod:`brink.crisis.outcomes`).
VICTORY, STALEMATE, DEFEAT, CONCESSION, SETTLEMENT = range(len(WarOutcome))

__all__ = [
    "REGIME_TABLE", "CrisisEndings", "Inputs", "actions", "all_starts", "build_inputs", "buyers", "crisis_endings",
    "foreign_rate", "goods_offset", "no_discount_shortfall", "nuclear_armed", "settlement_log_multiplier",
]

#: The Archigos / GWF row each leader regime of the scenario language reads.  ``mixed``
#: (neither democracy nor a GWF autocracy type) takes every classified leader-year.
REGIME_TABLE: dict[str, str] = {
    "personalist": "personalist", "military": "military", "single-party": "party",
    "democracy": "democracy", "monarchy": "monarchy", "mixed": "all",
}
OUTCOME_NAMES: tuple[str, ...] = tuple(o.value for o in WarOutcome)


@dataclass(frozen=True)
class Inputs:
    """The kernel's arrays (shapes in :func:`brink.aftermath.game.solve_kernel`) and labels."""

    base_logit: FloatArray
    dom_shift: FloatArray
    pw_log: FloatArray
    goods_w: FloatArray
    h_bg: FloatArray
    gain: FloatArray
    icost: FloatArray
    isucc: FloatArray
    deter: FloatArray
    shield: FloatArray
    weak_eff: FloatArray
    lost: FloatArray
    msupp: FloatArray
    psupp: FloatArray
    cost: FloatArray
    disc: FloatArray
    revenue: FloatArray
    R0: FloatArray
    flow_fixed: FloatArray
    pv: FloatArray
    fiscal: FloatArray
    pun: FloatArray
    delta: FloatArray
    influence: FloatArray  # (S, K) the challenger's share of its sphere
    lam: float
    fixed: int
    partners: tuple[str, ...]
    interveners: tuple[str, ...]
    starts: IndexArray

    @property
    def months(self) -> int:
        return int(self.base_logit.shape[1])


def all_starts(sanctions: bool) -> IndexArray:
    """Every ending: four outcomes x nuclear use x (sanctions answered, if possible) ``(K, 3)``."""
    rows = [(o, n, s) for o in (VICTORY, STALEMATE, DEFEAT, CONCESSION) for n in (0, 1)
            for s in ((0, 1) if sanctions else (0,))]
    return np.asarray(rows, dtype=np.int64)


@dataclass(frozen=True)
class CrisisEndings:
    """The endings a post-war game starts from: ``starts (K, 3)`` (ending code, nuclear use,
    sanctions answered) and ``share (K,)`` the share of the stake a settlement row gives the
    challenger (0 on the other rows).  Pass both to :func:`build_inputs`
    (``build_inputs(scenario, params, e.starts, settled_share=e.share)``); :meth:`index` finds a row."""

    starts: IndexArray
    share: FloatArray

    def index(self, outcome: int, nuclear: int | bool = 0, sanctioned: int | bool = 0, share: float = 0.0) -> int:
        """The row of an ending (``share`` only for :data:`SETTLEMENT`; a row without sanctions
        when the endings have none)."""
        sanctions = bool(self.starts[:, 2].any())
        for k, (o, n, s) in enumerate(self.starts.tolist()):
            if (o == outcome and n == int(nuclear) and s == (int(sanctioned) if sanctions else 0)
                    and (o != SETTLEMENT or self.share[k] == share)):
                return k
        raise KeyError(f"no ending {(outcome, int(nuclear), int(sanctioned), share)} among these endings")


def crisis_endings(sanctions: bool, settlement_shares: Sequence[float] = ()) -> CrisisEndings:
    """The rows of :func:`all_starts` (in the same order, so the same indices), then a settlement at
    each of ``settlement_shares`` x nuclear use x (sanctions answered, if possible).

    The interface for a crisis template whose terminals include settlements: solve the post-war
    game once on these endings and read a settlement class's values at its row
    (:meth:`CrisisEndings.index`), instead of mixing victory and concession."""
    base = all_starts(sanctions)
    shares = sorted({float(x) for x in settlement_shares})
    for x in shares:
        if not 0.0 <= x <= 1.0:
            raise InputError(f"a settlement gives a share of the stake in [0, 1], not {x}")
    rows = [(SETTLEMENT, n, s) for _ in shares for n in (0, 1) for s in ((0, 1) if sanctions else (0,))]
    per = len(rows) // len(shares) if shares else 0
    starts = np.asarray([*base.tolist(), *rows], dtype=np.int64).reshape(-1, 3)
    share = np.concatenate([np.zeros(base.shape[0]), np.repeat(np.asarray(shares, dtype=np.float64), per)])
    return CrisisEndings(starts=starts, share=share)


def settlement_log_multiplier(share: FloatArray, aims: FloatArray, log_settlement: FloatArray,
                              log_concession: FloatArray) -> FloatArray:
    """The log hazard multiplier of a settlement at ``share`` of the stake, judged against the
    war aims the leader announced (``survival.announced_aims``)::

        gap = clip((aims - share) / aims, 0, 1)     (0 where aims = 0: none announced)
        ln m = (1 - gap) ln m_settlement + gap ln m_concession

    A settlement that meets the aims is judged at ``m_settlement``; one that gives nothing of
    what was announced is a concession.  Leaders are punished at home for outcomes that fall
    short of the aims they staked their office on (Goemans 2000; Chiozza & Goemans 2011); the
    linear interpolation on the log scale is an assumption.  Broadcasts."""
    a = np.asarray(aims, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        gap = np.where(a > 0.0, np.clip((a - share) / np.where(a > 0.0, a, 1.0), 0.0, 1.0), 0.0)
    return np.asarray((1.0 - gap) * log_settlement + gap * log_concession, dtype=np.float64)


def _central(centre: Mapping[str, FloatArray], path: str) -> float:
    """The central value of a scenario number in ``centre`` (0 where the scenario has no such number)."""
    return float(centre[path][0]) if path in centre else 0.0


def buyers(scenario: EscalationScenario, centre: Mapping[str, FloatArray] | None = None) -> tuple[str, ...]:
    """Partners that buy the challenger's energy (``imports_mbd`` > 0 at its central value; ``centre``:
    the scenario's central values, if the caller has them)."""
    centre = scenario.parameters.central() if centre is None else centre
    return tuple(j for j in scenario.partners if _central(centre, f"partners.{j}.imports_mbd") > 0)


@cache
def _action_table(levels: tuple[float, ...], n_buyers: int) -> FloatArray:
    """``(A, buyers)`` fractions of the offered discount, action 0 paying none."""
    rows = list(itertools.product(levels, repeat=n_buyers)) if n_buyers else [()]
    return np.asarray(rows, dtype=np.float64).reshape(len(rows), n_buyers)


def actions(scenario: EscalationScenario, centre: Mapping[str, FloatArray] | None = None) -> FloatArray:
    """The leader's joint discount choices (fractions per buying partner), checked for size."""
    levels = tuple(scenario.energy_discount.levels)
    b = len(buyers(scenario, centre))
    count = len(levels) ** b
    if count > MAX_ACTIONS:
        raise InputError(
            f"{len(levels)} discount levels for {b} buying partners give {count:,} joint choices a month, "
            f"over the limit of {MAX_ACTIONS}",
            scenario.where("energy_discount.levels"),
            "give fewer levels (e.g. [0, 1]) or fewer partners with imports_mbd",
        )
    return _action_table(levels, b)


def nuclear_armed(scenario: EscalationScenario, actor: str, centre: Mapping[str, FloatArray] | None = None) -> bool:
    """Whether ``actor`` has nuclear weapons (any warheads at the scenario's central values)."""
    centre = scenario.parameters.central() if centre is None else centre
    return sum(_central(centre, f"actors.{actor}.nuclear.{k}") for k in ("strategic", "non_strategic")) > 0


def _rate_by_band(regime: str, tenure: FloatArray, cause: reference.ExitCause) -> FloatArray:
    """Archigos exits per leader-year at each element of ``tenure`` (years)."""
    edges = np.asarray(reference.TENURE_BANDS)
    rates = np.asarray([reference.exit_rate(regime, float(edge), cause) for edge in edges])
    band = np.searchsorted(edges, np.maximum(tenure, 0.0), side="right") - 1
    return np.asarray(rates[band], dtype=np.float64)


def build_inputs(
    scenario: EscalationScenario, params: Params, starts: IndexArray, won_stalemate: FloatArray | None = None,
    settled_share: FloatArray | None = None,
) -> Inputs:
    """The post-war game of every sample in ``params`` for every ending in ``starts`` (module doc).

    The coalition's log-odds are calibrated so that the Archigos rate for the leader's regime
    and tenure is its hazard at the *typical stalemate* (issue 22): the war undecided, no
    nuclear use or sanctions, the leader paying no discount, each partner backing him at its
    no-discount level and the reserves moving by the revenue alone.  Outcome multipliers are
    hazard ratios against the stalemate's; the partner term is centred at the typical backing
    and the goods term by :func:`goods_offset`, so that the cumulative hazard along the typical
    stalemate is the data's (``docs/aftermath.md``).  The terms measured on top of the base
    rate were counted twice before: it already averages over them.

    A :data:`SETTLEMENT` row starts from a negotiated division at ``settled_share[k]`` of the
    stake (:func:`crisis_endings`): partners see the challenger win that share, it is neither a
    defeat nor a concession (no weakness, no harsher punishment), and the coalition judges it
    against the announced war aims (:func:`settlement_log_multiplier`).
    """
    from brink.templates.base import ParameterValues  # the templates import this package

    cr = scenario.crisis
    assert cr is not None
    v = ParameterValues(params)
    n = v.n
    C = cr.challenger
    sv = scenario.survival
    H = int(sv.horizon_months)
    K = starts.shape[0]
    outcome, nuclear, sanctioned = starts[:, 0], starts[:, 1].astype(np.float64), starts[:, 2].astype(np.float64)
    settling = outcome == SETTLEMENT
    if settling.any():
        if settled_share is None or np.shape(settled_share) != (K,):
            raise InputError("settlement endings need the share each gives (settled_share, one per ending)",
                             fix="build the endings with brink.aftermath.inputs.crisis_endings")
        x = np.asarray(settled_share, dtype=np.float64)
        if ((x[settling] < 0.0) | (x[settling] > 1.0)).any():
            raise InputError("a settlement gives a share of the stake in [0, 1]")
    else:
        x = np.zeros(K)
    lost = ((outcome == DEFEAT) | (outcome == CONCESSION)).astype(np.float64)
    col = (slice(None), None)

    # --- the coalition: Archigos base rate by regime and tenure, the outcome's effect (M6)
    leader = scenario.actors[C].leader
    assert leader is not None
    lead = f"actors.{C}.leader"
    regime = REGIME_TABLE[leader.regime]
    if "survival.base_hazard" in params:
        rate = np.repeat(bounded_array("survival.base_hazard", v("survival.base_hazard"), low=0.0)[:, None], H, axis=1)
    else:
        tenure = v(f"{lead}.tenure_years")[:, None] + np.arange(H)[None, :] / 12.0
        rate = _rate_by_band(regime, tenure, "irregular")
    with np.errstate(divide="ignore"):
        base_logit = logit(survival.monthly_probability(rate))
    loyalty = survival.loyalty_norm(v(f"{lead}.W"), v(f"{lead}.S"))
    culpable = v(f"{lead}.culpability") >= 0.5
    theta = np.where(culpable, 1.0, survival.NONCULPABLE_WEIGHT)
    exponent = theta * (1.0 - survival.LOYALTY_SHIELD * loyalty)
    multipliers = np.stack([v(f"survival.outcome_multipliers.{o}") for o in OUTCOME_NAMES], axis=-1)
    if (multipliers <= 0).any():
        raise InputError("an outcome multiplier is not > 0", scenario.where("survival.outcome_multipliers"),
                         "give each multiplier as a positive hazard ratio")
    log_m = np.log(multipliers)
    judged = log_m[:, outcome]
    if settling.any():
        aims = bounded_array("survival.announced_aims", v("survival.announced_aims"), 0.0, 1.0)
        judged[:, settling] = settlement_log_multiplier(
            x[None, settling], aims[:, None], log_m[:, [SETTLEMENT]], log_m[:, [CONCESSION]])
    dom_shift = exponent[:, None] * (judged - log_m[:, [STALEMATE]])
    pw_log = np.log1p(bounded_array("survival.partner_weight", v("survival.partner_weight"), low=0.0))
    goods_w = bounded_array("survival.goods_weight", v("survival.goods_weight"), low=0.0)
    punish = np.stack([survival.punishment_core(loyalty, bool(x)) for x in lost], axis=-1)  # (S, K)
    pun = v(f"{lead}.punishment_cost", 0.0)[:, None] * punish

    # --- outside powers (M9)
    fi = "survival.foreign_imposed"
    centre = scenario.parameters.central()  # once: it evaluates every expression
    armed = nuclear_armed(scenario, C, centre)
    if f"{fi}.base" in params:
        f_rate = v(f"{fi}.base")
    elif armed:
        f_rate = np.full(n, reference.nuclear_exit_record().nuclear.foreign_rate)
    else:
        f_rate = np.full(n, foreign_rate(regime))
    h_bg = survival.monthly_probability(f_rate)
    wealth = v(f"actors.{C}.resource_wealth", 0.0)
    odds = v(f"{fi}.resource_odds")
    if (odds <= 0).any():
        raise InputError("survival.foreign_imposed.resource_odds must be > 0", scenario.where(f"{fi}.resource_odds"),
                         "give the odds ratio of acting against a fully resource-rich state (1: no oil motive)")
    log_odds = np.log(odds)
    names = tuple(getattr(scenario, "interveners", {}))
    gain = np.zeros((n, len(names)))
    icost = np.zeros((n, len(names)))
    isucc = np.zeros((n, len(names)))
    for i, u in enumerate(names):
        interest = bounded_array(f"interveners.{u}.energy_interest", v(f"interveners.{u}.energy_interest"), 0.0, 1.0)
        gain[:, i] = v(f"interveners.{u}.value") * interest * wealth
        icost[:, i] = v(f"interveners.{u}.cost") - interest * wealth * log_odds  # the oil motive (Bove et al. 2016)
        isucc[:, i] = bounded_array(f"interveners.{u}.success", v(f"interveners.{u}.success"), 0.0, 1.0)
    deter = 1.0 - v(f"{fi}.nuclear_deterrence") * float(armed)
    shield = v(f"{fi}.partner_shield")
    weak_eff = v(f"{fi}.weakness_effect")

    # --- partners: the sphere contest, then their backing for each discount choice (M7, M8)
    partners = tuple(scenario.partners)
    buying = buyers(scenario, centre)
    table = actions(scenario, centre)  # (A, B)
    A = table.shape[0]
    offered = bounded_array("energy_discount.offered_usd_per_bbl", v("energy_discount.offered_usd_per_bbl"), low=0.0)
    price = v("energy_discount.reference_price_usd_per_bbl")
    if (price <= 0).any():
        raise InputError("energy_discount.reference_price_usd_per_bbl must be > 0",
                         scenario.where("energy_discount.reference_price_usd_per_bbl"), "give a positive oil price")
    sigma = v("crisis.stalemate_share") if won_stalemate is None else won_stalemate
    won = np.where(outcome[None, :] == VICTORY, 1.0, 0.0) + np.where(outcome[None, :] == STALEMATE, sigma[:, None], 0.0)
    if settling.any():
        won = won + np.where(settling, x, 0.0)[None, :]
    cap_c = bounded_array(f"actors.{C}.capability", v(f"actors.{C}.capability", 1.0), low=0.0)
    incumbent = cap_c[:, None] * (1.0 - DEFEAT_STRENGTH_LOSS * lost[None, :])  # (S, K)
    regions = sorted({r for pt in scenario.partners.values() for r in pt.sphere_interest})
    P = len(partners)
    if P and regions:
        values = np.stack(
            [bounded_array(f"actors.{j}.capability", v(f"actors.{j}.capability", 1.0), low=0.0)
             * np.clip(sum((v(f"partners.{j}.sphere_interest.{r}") for r in regions
                            if r in scenario.partners[j].sphere_interest), np.zeros(n)), 0, 1)
             for j in partners], axis=-1)  # (S, P)
        influence, shares = partnership.sphere_contest(incumbent, values[:, None, :])
    else:
        influence, shares = np.ones((n, K)), np.zeros((n, K, P))
    disc = np.zeros((n, A, P))  # USD/bbl each action offers each partner
    imports = np.zeros((n, P))
    for b, j in enumerate(buying):
        p = partners.index(j)
        disc[:, :, p] = table[None, :, b] * offered[:, None]
        imports[:, p] = bounded_array(f"partners.{j}.imports_mbd", v(f"partners.{j}.imports_mbd"), low=0.0)
    def backing(won: FloatArray, nuclear: FloatArray, shares: FloatArray, disc: FloatArray) -> FloatArray:
        """``(S, K, A, P)`` each partner's backed share for each ending ``K`` and action ``A``."""
        out = np.ones((n, won.shape[1], disc.shape[1], P))
        for p, j in enumerate(partners):
            pre = f"partners.{j}"
            z = partnership.backing_log_odds(
                won[:, :, None], nuclear[None, :, None],
                bounded_array(f"{pre}.energy_dependence", v(f"{pre}.energy_dependence"), 0.0, 1.0)[:, None, None],
                bounded_array(f"{pre}.taboo_aversion", v(f"{pre}.taboo_aversion"), 0.0, 1.0)[:, None, None],
                bounded_array(f"{pre}.backs_winners", v(f"{pre}.backs_winners"), 0.0, 1.0)[:, None, None],
                disc[:, None, :, p], price[:, None, None],
                bounded_array(f"{pre}.opec_plus_coordination", v(f"{pre}.opec_plus_coordination"), 0.0, 1.0)[:, None, None],
                shares[:, :, None, p],
            )
            out[:, :, :, p] = expit(z)
        return out

    psupp = backing(won, nuclear, shares, disc)
    msupp = psupp.mean(axis=-1) if P else np.ones((n, K, A))
    cost = np.einsum("sap,sp,skap->ska", disc, imports, psupp) * partnership.DAYS_PER_MONTH / 1e3
    bought = np.maximum(imports.sum(axis=1), 1e-300)
    disc_mean = np.einsum("sap,sp->sa", disc, imports) / bought[:, None] if buying else np.zeros((n, A))

    # --- reserves, revenue and the leader's flow payoff
    ed = "energy_discount"
    R0 = bounded_array(f"{ed}.reserves_usd_bn", v(f"{ed}.reserves_usd_bn"), low=0.0)
    loss = bounded_array(f"{ed}.sanctions_revenue_loss", v(f"{ed}.sanctions_revenue_loss"), 0.0, 1.0)
    revenue = v(f"{ed}.revenue_usd_bn_per_month")[:, None] * (1.0 - loss[:, None] * sanctioned[None, :])

    # --- the calibration: at the typical stalemate the coalition's hazard is the Archigos rate
    if P and regions:
        _, typical_shares = partnership.sphere_contest(cap_c[:, None], values[:, None, :])
    else:
        typical_shares = np.zeros((n, 1, P))
    typical = backing(sigma[:, None], np.zeros(1), typical_shares, disc[:, :1, :])[:, 0, 0, :]
    typical_support = typical.mean(axis=-1) if P else np.ones(n)
    typical_shortfall = no_discount_shortfall(R0, v(f"{ed}.revenue_usd_bn_per_month"), H)
    dom_shift = dom_shift - (pw_log * (1.0 - typical_support) + goods_offset(base_logit, goods_w[:, None] * typical_shortfall))[:, None]
    office = v(f"{lead}.office_value")
    flow_fixed = (office[:, None] + v("costs.sphere_value")[:, None] * influence) / H
    pv = v("costs.partner_value") / H
    fiscal = v("costs.fiscal_weight")
    delta = bounded_array("survival.monthly_discount", v("survival.monthly_discount"), 0.0, 1.0)
    lam = float("inf") if sv.leader_lambda is None else float(sv.leader_lambda)
    fixed = -1 if scenario.energy_discount.leader_chooses else A - 1
    del col
    return Inputs(
        base_logit=np.ascontiguousarray(base_logit), dom_shift=np.ascontiguousarray(dom_shift), pw_log=pw_log,
        goods_w=goods_w, h_bg=np.ascontiguousarray(h_bg), gain=gain, icost=icost, isucc=isucc,
        deter=np.ascontiguousarray(deter), shield=shield, weak_eff=weak_eff, lost=lost,
        msupp=np.ascontiguousarray(msupp), psupp=np.ascontiguousarray(psupp), cost=np.ascontiguousarray(cost),
        disc=np.ascontiguousarray(disc_mean), revenue=np.ascontiguousarray(revenue), R0=R0,
        flow_fixed=np.ascontiguousarray(flow_fixed), pv=pv, fiscal=fiscal, pun=np.ascontiguousarray(pun), delta=delta,
        influence=influence, lam=lam, fixed=fixed, partners=partners, interveners=names, starts=starts,
    )


def no_discount_shortfall(R0: FloatArray, revenue: FloatArray, months: int) -> FloatArray:
    """``(S, H)`` the share of the starting reserves spent at the start of each month when the
    leader pays no discount and the reserves move by the revenue alone (no sanctions):
    ``R_{t+1} = max(R_t + revenue, 0)``, ``shortfall_t = clip(1 - R_t / R_0, 0, 1)`` (0 where
    ``R_0 = 0``), as the kernel computes them."""
    out = np.zeros((R0.shape[0], months))
    R = R0.astype(np.float64).copy()
    has = R0 > 0.0
    safe = np.where(has, R0, 1.0)
    for t in range(months):
        out[:, t] = np.where(has, np.minimum(np.maximum(1.0 - R / safe, 0.0), 1.0), 0.0)
        R = np.maximum(R + revenue, 0.0)
    return out


def goods_offset(base_logit: FloatArray, goods: FloatArray, tol: float = 1e-15) -> FloatArray:
    """``(S,)`` the offset ``g`` with ``sum_t softplus(base_logit_t + goods_t - g) = sum_t
    softplus(base_logit_t)``: the coalition's cumulative hazard over the months equals the
    Archigos one (``softplus(logit(h0)) = -log(1 - h0) = rate / 12``) although the goods term
    ``goods_t`` (``goods_weight * shortfall_t``) varies from month to month.

    Newton's method from ``g = 0``: the left side is convex and decreasing in ``g`` and
    not below the right at ``g = 0`` (``goods_t >= 0``), so the iterates rise monotonically to
    the root; ``g = 0`` exactly where every ``goods_t`` is 0, and where the base rate is 0
    (then there is no hazard to calibrate)."""
    target = np.logaddexp(0.0, base_logit).sum(axis=1)
    g = np.zeros(base_logit.shape[0])
    active = np.isfinite(base_logit).any(axis=1) & (goods != 0.0).any(axis=1)
    for _ in range(100):
        if not active.any():
            break
        y = base_logit[active] + goods[active] - g[active, None]
        f = np.logaddexp(0.0, y).sum(axis=1) - target[active]
        slope = expit(y).sum(axis=1)
        step = np.where(slope > 0.0, f / np.where(slope > 0.0, slope, 1.0), 0.0)
        g[active] += step
        done = np.abs(step) <= tol * np.maximum(1.0, np.abs(g[active]))
        idx = np.flatnonzero(active)
        active[idx[done]] = False
    return g


@cache
def foreign_rate(regime: str) -> float:
    """Foreign-imposed exits per leader-year of a regime's leaders, all tenures (GWF, 1919-2008).

    Not split by tenure: the 39 foreign exits of the period are too few to fill the bands
    (``brink.mechanisms.reference.exit_rate`` has them for a reader who wants them).
    """
    rates = reference.archigos_rates("gwf")
    if regime in rates:
        return float(rates[regime].foreign_rate)
    events = sum(r.foreign_exits for r in rates.values())
    years = sum(r.leader_years for r in rates.values())
    return events / years
