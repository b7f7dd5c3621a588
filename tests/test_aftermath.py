"""The post-war game (brink.aftermath): accounting identities, each player's choice against
closed forms, the Archigos base rates, the leader's optimisation, and the game feeding the
crisis.  The fixture tests/fixtures/aftermath-small.yaml is a personalist challenger five
years in office with one partner that buys its oil (P1), one that buys none (P2) and one
outside power (U)."""

from __future__ import annotations

import json
import math
from importlib import resources
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import expit

from brink import aftermath
from brink.aftermath.game import GRID_POINTS
from brink.aftermath.inputs import (
    OUTCOME_NAMES,
    SETTLEMENT,
    all_starts,
    build_inputs,
    crisis_endings,
    goods_offset,
    settlement_log_multiplier,
)
from brink.errors import InputError
from brink.mechanisms import reference
from brink.mechanisms.partners import sphere_contest
from brink.mechanisms.survival import monthly_probability
from brink.model import CrisisModel
from brink.scenario import load_scenario
from brink.templates import get_template

SMALL = Path(__file__).parent / "fixtures" / "aftermath-small.yaml"
FIELD = {name: i for i, name in enumerate(aftermath.RECORDED)}
FIXED = ("energy_discount.leader_chooses=false",)
ALONE = ("partners={}", "interveners={}")


def solve(overrides: tuple[str, ...] = (), ending: str = "stalemate", nuclear: int = 0, sanctioned: int = 0,
          grid: int = GRID_POINTS) -> tuple[aftermath.Aftermath, aftermath.Inputs]:
    sc = load_scenario(str(SMALL), overrides)
    starts = np.asarray([[OUTCOME_NAMES.index(ending), nuclear, sanctioned]], dtype=np.int64)
    inputs = build_inputs(sc, sc.parameters.central(), starts)  # type: ignore[arg-type]
    return aftermath.solve(inputs, record=np.zeros(1, dtype=np.int64), grid=grid), inputs


def path(game: aftermath.Aftermath, name: str) -> np.ndarray:
    return game.path[0, :, FIELD[name]]


def support(game: aftermath.Aftermath, partner: str) -> np.ndarray:
    return game.support[0, :, game.partners.index(partner)]


# ---------------------------------------------------------------- accounting identities


@pytest.mark.parametrize("revenue", [1.5, 0.0, -0.7])
def test_without_a_discount_reserves_follow_revenue_exactly(revenue: float) -> None:
    game, _ = solve(("energy_discount.offered_usd_per_bbl=0", f"energy_discount.revenue_usd_bn_per_month={revenue}"))
    months = np.arange(36)
    assert np.allclose(path(game, "reserves_usd_bn"), np.maximum(0.0, 20.0 + revenue * months), rtol=0, atol=1e-12)
    assert np.all(path(game, "spent_usd_bn") == 0.0)
    assert game.discount_months[0, 0] == 0.0


def test_months_of_discount_equal_reserves_over_its_cost_when_revenue_is_zero() -> None:
    """``months = R / (d * b * 30.4 / 1e3)`` with ``b`` the barrels a day bought at the discount
    (P1 buys 1 mb/d and backs, hence buys, a share ``s`` of it)."""
    game, _ = solve((*FIXED, "energy_discount.reserves_usd_bn=5"))
    # P1's backing at a stalemate (won = stalemate share 0.35) with the full 10 USD/bbl, by hand:
    z = 3 * 0.5 * (2 * 0.35 - 1) + 1 * 0.4 + 10 * 0.4 * 10 / 80
    s = expit(z)
    months = 5.0 * 1e3 / (10.0 * 1.0 * s * 30.4)
    assert months < 36
    assert game.discount_months[0, 0] == pytest.approx(months, rel=1e-12)
    assert game.spent[0, 0] == pytest.approx(5.0, rel=1e-12)
    paid = path(game, "paid_share")
    full = math.floor(months)
    assert np.all(paid[:full] == 1.0)
    assert paid[full] == pytest.approx(months - full, rel=1e-9)
    assert np.all(paid[full + 1:] == 0.0)
    assert support(game, "P1")[0] == pytest.approx(s, rel=1e-12)


def test_the_survival_curve_is_the_product_of_monthly_survival_on_the_path() -> None:
    game, _ = solve()
    alive = path(game, "in_office")
    h = path(game, "domestic_hazard") + path(game, "foreign_hazard")
    assert alive[0] == 1.0
    assert np.allclose(alive[1:], np.cumprod(1 - h)[:-1], rtol=1e-12, atol=0)
    assert game.survival[0, 0] == pytest.approx(float(np.prod(1 - h)), rel=1e-12)
    assert game.survival[0, 0] + game.domestic[0, 0] + game.foreign[0, 0] == pytest.approx(1.0, abs=1e-12)


def test_the_leaders_value_is_the_discounted_sum_along_the_path() -> None:
    """Value recomputed from the recorded path: ``sum_t 0.99^t S_t (flow_t - h_t * punishment)``."""
    game, inputs = solve(FIXED)
    alive = path(game, "in_office")
    h = path(game, "domestic_hazard") + path(game, "foreign_hazard")
    mean_support = game.support[0].mean(axis=1)
    H = 36
    office, sphere = 1.0, 0.3  # fixture office value; default costs.sphere_value
    flow = (office + sphere * game.influence[0, 0]) / H + 0.5 / H * mean_support - 0.002 * path(game, "spent_usd_bn")
    value = np.sum(0.99 ** np.arange(H) * alive * (flow - h * inputs.pun[0, 0]))
    assert game.value[0, 0] == pytest.approx(value, rel=1e-12)


# ---------------------------------------------------------------- the players' choices


def test_a_partner_that_buys_none_of_the_oil_is_not_moved_by_a_discount() -> None:
    none, _ = solve((*FIXED, "energy_discount.offered_usd_per_bbl=0"))
    large, _ = solve((*FIXED, "energy_discount.offered_usd_per_bbl=30"))
    assert np.allclose(support(none, "P2"), support(large, "P2"), rtol=1e-12, atol=0)  # OPEC+ coordination only
    assert support(large, "P1")[0] > support(none, "P1")[0] + 0.1


def test_a_crude_discount_no_longer_buys_saudi_support_in_ukraine_2022() -> None:
    """0.1 added Saudi Arabia's OPEC+ coordination to its energy dependence (issue 13)."""
    model = CrisisModel(load_scenario("ukraine-2022"))
    params = model.draw(0, 0, 16)
    low = model.evaluate(params, {"energy_discount.offered_usd_per_bbl": 0}).outcomes
    high = model.evaluate(params, {"energy_discount.offered_usd_per_bbl": 30}).outcomes
    assert np.allclose(low["partner_abandons.SAU"], high["partner_abandons.SAU"], rtol=0, atol=0.02)
    assert np.mean(high["partner_abandons.IND"]) < np.mean(low["partner_abandons.IND"]) - 0.05


def test_more_reserves_make_the_discount_last_longer_and_delay_abandonment() -> None:
    poor, _ = solve((*FIXED, "energy_discount.reserves_usd_bn=3"))
    rich, _ = solve((*FIXED, "energy_discount.reserves_usd_bn=6"))
    assert rich.discount_months[0, 0] > poor.discount_months[0, 0] + 10
    drop = [int(np.argmax(support(g, "P1") < support(g, "P1")[0] - 1e-9)) for g in (poor, rich)]
    assert drop[1] > drop[0] + 10
    assert rich.abandon[0, 0, 0] < poor.abandon[0, 0, 0]


def test_a_larger_discount_buys_support_until_the_reserves_run_out() -> None:
    """The mission's "unsustainable discounts indefinitely": 30 USD/bbl backs more at first,
    runs the reserves dry within the horizon, and then backs less than 5 USD/bbl still paid."""
    small, _ = solve((*FIXED, "energy_discount.reserves_usd_bn=10", "energy_discount.offered_usd_per_bbl=5"))
    large, _ = solve((*FIXED, "energy_discount.reserves_usd_bn=10", "energy_discount.offered_usd_per_bbl=30"))
    assert support(large, "P1")[0] > support(small, "P1")[0]
    dry = int(np.argmax(path(large, "reserves_usd_bn") <= 0))
    assert 0 < dry < 30 and np.all(path(small, "reserves_usd_bn") > 0)
    assert support(large, "P1")[30] < support(small, "P1")[30]
    # after the reserves run dry the large discount's partner backs as it would with none
    none, _ = solve((*FIXED, "energy_discount.offered_usd_per_bbl=0"))
    assert support(large, "P1")[30] == pytest.approx(support(none, "P1")[30], rel=1e-12)


def test_a_nuclear_deterrent_lowers_foreign_imposed_removal() -> None:
    armed = ("actors.A.nuclear={strategic: 100, non_strategic: 0}",)
    plain, _ = solve()
    nuclear, _ = solve(armed)
    assert nuclear.foreign[0, 0] < 0.5 * plain.foreign[0, 0]
    # no outsider named and none observed removing a nuclear-armed state's leader: zero
    alone, _ = solve((*armed, "interveners={}"))
    assert alone.foreign[0, 0] == 0.0
    assert reference.nuclear_exit_record().nuclear.foreign_exits == 0


def test_resource_wealth_raises_foreign_imposed_removal() -> None:
    poor, _ = solve(("actors.A.resource_wealth=0",))
    rich, _ = solve(("actors.A.resource_wealth=1",))
    assert rich.foreign[0, 0] > poor.foreign[0, 0] * 1.2


def test_oil_multiplies_an_outside_powers_odds_of_acting_as_bove_et_al_find() -> None:
    """Bove, Gleditsch & Sekeris 2016: the odds of acting rise by resource_odds ** (interest * wealth),
    whatever the chance of success (the value of success set to 0 to isolate it).  U: interest 0.5,
    cost 4, success 0.3; no partners (shield 0.5 x support 1), no background rate, a stalemate."""
    quiet = ("partners={}", "survival.foreign_imposed={base: 0}", "interveners.U.value=0",
             "energy_discount.offered_usd_per_bbl=0")
    q = 0.3 * (1 - 0.5 * 1.0)

    def odds(*extra: str) -> float:
        game, _ = solve((*quiet, *extra))
        a = path(game, "foreign_hazard")[0] / (1 - path(game, "domestic_hazard")[0]) / q
        return float(a / (1 - a))

    assert odds("actors.A.resource_wealth=0") == pytest.approx(math.exp(-4.0), rel=1e-9)
    assert odds("actors.A.resource_wealth=1") == pytest.approx(math.exp(-4.0) * 100 ** 0.5, rel=1e-9)
    assert odds("actors.A.resource_wealth=1", "survival.foreign_imposed={base: 0, resource_odds: 1}") == pytest.approx(
        math.exp(-4.0), rel=1e-9)


def test_the_resource_clause_matters_for_russia_within_the_nuclear_record() -> None:
    """ukraine-2022 after a defeat: resource-rich Russia (0.9) more than doubles the foreign removal of a
    resource-poor one; nuclear deterrence keeps it under the one-sided 95% bound of the record (no
    nuclear-armed state's leader removed from outside in 436 leader-years, 0.0069 a year)."""
    removal = []
    for wealth in (0.0, 0.9):
        sc = load_scenario("ukraine-2022", (f"actors.RUS.resource_wealth={wealth}",))
        starts = np.asarray([[OUTCOME_NAMES.index("defeat"), 0, 0]], dtype=np.int64)
        game = aftermath.solve(build_inputs(sc, sc.parameters.draw(0, 0, 128), starts))  # type: ignore[arg-type]
        removal.append(float(game.foreign.mean()))
    assert removal[1] > 2 * removal[0]
    assert removal[1] < -math.expm1(-3 * reference.nuclear_exit_record().nuclear.foreign_upper_95)


def test_survival_falls_with_defeat_and_with_abandonment() -> None:
    stalemate, _ = solve()
    defeat, _ = solve(ending="defeat")
    assert defeat.survival[0, 0] < stalemate.survival[0, 0] - 0.01
    # nuclear use makes taboo-averse partners walk away: survival falls, and only through them
    averse = ("partners.P1.taboo_aversion=1", "partners.P2.taboo_aversion=1", "interveners={}")
    kept, _ = solve(averse)
    shunned, _ = solve(averse, nuclear=1)
    assert shunned.abandon[0, 0].mean() > kept.abandon[0, 0].mean() + 0.3
    assert shunned.survival[0, 0] < kept.survival[0, 0] - 0.005
    # with no weight on partners (and no discount whose spending could differ) nuclear use is
    # felt at home only through them: survival does not move
    indifferent = (*averse, "survival.partner_weight=0", "energy_discount.offered_usd_per_bbl=0")
    a, _ = solve(indifferent)
    b, _ = solve(indifferent, nuclear=1)
    assert b.survival[0, 0] == pytest.approx(a.survival[0, 0], rel=1e-12)


def test_sanctions_cut_the_revenue_that_refills_the_reserves() -> None:
    base = ("energy_discount.offered_usd_per_bbl=0", "energy_discount.revenue_usd_bn_per_month=1",
            "energy_discount.sanctions_revenue_loss=0.25")
    free, _ = solve(base)
    sanctioned, _ = solve(base, sanctioned=1)
    assert path(sanctioned, "reserves_usd_bn")[10] == pytest.approx(20 + 0.75 * 10)
    assert path(free, "reserves_usd_bn")[10] == pytest.approx(20 + 10)


def test_the_sphere_contest_is_a_nash_equilibrium() -> None:
    """Each partner's effort is a best response to the others' (checked on a fine grid)."""
    xc, values = 0.03, np.array([0.16, 0.12, 0.01])
    influence, shares = sphere_contest(np.array(xc), values)
    X = xc / influence
    efforts = shares * X
    assert influence + shares.sum() == pytest.approx(1.0)
    assert efforts[2] == 0.0 and efforts[0] > efforts[1] > 0
    for j, v in enumerate(values):
        others = X - efforts[j]
        grid = np.linspace(0, 0.2, 200_001)
        payoff = v * grid / (others + grid) - grid
        assert v * efforts[j] / X - efforts[j] >= payoff.max() - 1e-9


# ---------------------------------------------------------------- base rates (Archigos)


def test_base_rates_of_the_default_leader_match_archigos() -> None:
    """Stalemate, no partners, no outsider named: the yearly exit rates are the Archigos rates for
    a personalist leader five years in office (irregular, by tenure band [3, 6)) and for
    personalist leaders (foreign-imposed, all tenures)."""
    game, _ = solve((*ALONE, "energy_discount.offered_usd_per_bbl=0"))
    domestic = -12 * np.log1p(-path(game, "domestic_hazard"))
    foreign = -12 * np.log1p(-path(game, "foreign_hazard") / (1 - path(game, "domestic_hazard")))
    assert domestic[:12] == pytest.approx(reference.exit_rate("personalist", 5, "irregular"), rel=1e-12)
    assert domestic[12] == pytest.approx(reference.exit_rate("personalist", 6, "irregular"), rel=1e-12)
    assert foreign == pytest.approx(reference.archigos_rates("gwf")["personalist"].foreign_rate, rel=1e-12)
    assert reference.archigos_rates("gwf")["personalist"].irregular_rate == pytest.approx(0.065, abs=0.001)
    assert reference.archigos_rates("gwf")["personalist"].foreign_rate == pytest.approx(0.005, abs=0.0005)


def test_the_hazard_follows_tenure_as_the_archigos_data_show() -> None:
    """A personalist half a year in office: the first-year rate for six months, then years 1-3."""
    game, _ = solve((*ALONE, "energy_discount.offered_usd_per_bbl=0", "actors.A.leader.tenure_years=0.5"))
    first, later = (monthly_probability(reference.exit_rate("personalist", t, "irregular")) for t in (0.5, 1.0))
    hazard = path(game, "domestic_hazard")
    assert np.allclose(hazard[:6], first, rtol=1e-12) and np.allclose(hazard[6:30], later, rtol=1e-12)
    assert first > 3 * later  # the data: new personalist rulers are the most exposed


def test_an_explicit_base_hazard_overrides_the_table() -> None:
    game, _ = solve((*ALONE, "energy_discount.offered_usd_per_bbl=0", "survival.base_hazard=0.2"))
    assert np.allclose(path(game, "domestic_hazard"), monthly_probability(0.2), rtol=1e-12)


# ---------------------------------------------------------------- the calibration (issue 22)


def _archigos_cumulative(regime: str, tenure: float, months: int) -> float:
    """The Archigos cumulative irregular-exit hazard over ``months`` from ``tenure`` years in office,
    read from the bundled table itself (not through brink.mechanisms.reference)."""
    table = json.loads(resources.files("brink").joinpath("data", "archigos_rates.json").read_text("utf-8"))
    rows = table["classifications"]["gwf"]["by_tenure"]["regimes"][regime]
    total = 0.0
    for t in range(months):
        years = tenure + t / 12
        row = next(r for r in rows if r["tenure_years"][0] <= years
                   and (r["tenure_years"][1] is None or years < r["tenure_years"][1]))
        total += row["irregular_rate"] / 12
    return total


@pytest.mark.parametrize("extra", [
    ("survival.partner_weight=0", "survival.goods_weight=0"),  # the partner and goods terms switched off
    ("energy_discount.levels=[0]",),  # the typical stalemate: backing without a discount, reserves by revenue
    ("energy_discount.levels=[0]", "energy_discount.revenue_usd_bn_per_month=-0.9", "survival.goods_weight=2.5",
     "survival.partner_weight=3"),  # reserves draining: the goods term moves month by month
])
def test_domestic_removal_at_a_typical_stalemate_is_the_archigos_rate(extra: tuple[str, ...]) -> None:
    """Nobody outside, the war a stalemate with typical support: the coalition removes the leader
    over the 36 months at the Archigos rate for a personalist five years in office, to 1e-9."""
    game, _ = solve(("interveners={}", "survival.foreign_imposed={base: 0}", *extra))
    expected = -math.expm1(-_archigos_cumulative("personalist", 5.0, 36))
    assert game.domestic[0, 0] == pytest.approx(expected, abs=1e-9)
    assert 1.0 - game.survival[0, 0] == pytest.approx(expected, abs=1e-9)


def test_the_calibrated_ukraine_2022_stalemate_hazard_is_the_archigos_rate() -> None:
    """ukraine-2022 (Putin, personalist, 22 years in office), every sample of a draw: at a stalemate
    without nuclear use, the leader paying no discount, the domestic removal over 36 months is
    the Archigos rate's 1 - exp(-3 x 0.020086), with the scenario's partner and goods weights."""
    sc = load_scenario("ukraine-2022", ("energy_discount.levels=[0]", "interveners.USA.success=0",
                                        "survival.foreign_imposed.base=0"))
    draws = sc.parameters.draw(0, 0, 64)
    starts = np.asarray([[OUTCOME_NAMES.index("stalemate"), 0, 0]], dtype=np.int64)
    game = aftermath.solve(build_inputs(sc, draws, starts))  # type: ignore[arg-type]
    expected = -math.expm1(-_archigos_cumulative("personalist", 22.0, 36))
    assert np.abs(game.domestic[:, 0] - expected).max() < 1e-9
    assert expected == pytest.approx(0.0585, abs=1e-4)  # the 5.9% (95% CI 2.2-12.3%)


def test_partners_and_goods_still_move_the_hazard_away_from_the_typical_stalemate() -> None:
    """The calibration centres the terms, it does not remove them: after a defeat the partners walk
    away and the hazard rises with partner_weight; a stalemate's is the same at any weight."""
    quiet = ("interveners={}", "survival.foreign_imposed={base: 0}", "energy_discount.levels=[0]")
    low, _ = solve((*quiet, "survival.partner_weight=0.5"), ending="defeat")
    high, _ = solve((*quiet, "survival.partner_weight=4"), ending="defeat")
    assert high.domestic[0, 0] > low.domestic[0, 0] + 0.005
    s_low, _ = solve((*quiet, "survival.partner_weight=0.5"))
    s_high, _ = solve((*quiet, "survival.partner_weight=4"))
    assert s_high.domestic[0, 0] == pytest.approx(s_low.domestic[0, 0], abs=1e-12)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 48), st.floats(-12.0, -1.0), st.floats(0.0, 4.0), st.integers(0, 2**31 - 1))
def test_the_goods_offset_matches_the_cumulative_hazard(months: int, level: float, weight: float, seed: int) -> None:
    rng = np.random.default_rng(seed)
    base = level + rng.normal(0.0, 1.0, (3, months))
    goods = weight * np.sort(rng.uniform(0.0, 1.0, (3, months)), axis=1)
    g = goods_offset(base, goods)
    lhs = np.logaddexp(0.0, base + goods - g[:, None]).sum(axis=1)
    assert np.allclose(lhs, np.logaddexp(0.0, base).sum(axis=1), rtol=1e-12, atol=0)
    assert np.all(goods_offset(base, np.zeros_like(base)) == 0.0)


# ---------------------------------------------------------------- the settlement (issue 22)


def solve_settlement(overrides: tuple[str, ...], share: float) -> tuple[aftermath.Aftermath, aftermath.Inputs]:
    """The game from a settlement at ``share`` (no nuclear use, no sanctions), its row moved to column 0."""
    sc = load_scenario(str(SMALL), overrides)
    ends = crisis_endings(False, [share])
    row = ends.index(SETTLEMENT, 0, 0, share)
    inputs = build_inputs(sc, sc.parameters.central(), ends.starts[[row]], settled_share=ends.share[[row]])  # type: ignore[arg-type]
    return aftermath.solve(inputs, record=np.zeros(1, dtype=np.int64)), inputs


def test_the_endings_keep_the_four_outcome_rows_and_add_settlements() -> None:
    for sanctions in (False, True):
        ends = crisis_endings(sanctions, [0.6, 0.3, 0.6])
        base = all_starts(sanctions)
        assert np.array_equal(ends.starts[: len(base)], base) and np.all(ends.share[: len(base)] == 0.0)
        extra = ends.starts[len(base):]
        assert np.all(extra[:, 0] == SETTLEMENT) and len(extra) == 2 * len(base) // 4
        assert sorted(set(ends.share[len(base):].tolist())) == [0.3, 0.6]
        assert ends.index(SETTLEMENT, 1, 1, 0.6) != ends.index(SETTLEMENT, 1, 1, 0.3)


@pytest.mark.parametrize(("share", "multiplier", "same_as"), [(1.0, "0.6", "victory"), (0.35, "1", "stalemate")])
def test_a_settlement_is_the_ending_it_resembles_when_its_terms_are_that_endings(
        share: float, multiplier: str, same_as: str) -> None:
    """A settlement at the whole stake judged like a victory is a victory; one at the stalemate's share
    (0.35) judged like a stalemate is a stalemate: the same game, the same numbers bit for bit.  So the
    settlement is not a lottery of victory and concession."""
    overrides = (f"survival.outcome_multipliers={{settlement: {multiplier}}}",)
    settled, _ = solve_settlement(overrides, share)
    other, _ = solve(overrides, ending=same_as)
    for field in ("value", "survival", "domestic", "foreign", "discount_months", "spent"):
        assert getattr(settled, field)[0, 0] == getattr(other, field)[0, 0]
    assert np.array_equal(settled.path, other.path)
    lottery = share * other.survival[0, 0] + (1 - share) * solve(overrides, ending="concession")[0].survival[0, 0]
    if same_as == "stalemate":
        assert settled.survival[0, 0] > lottery + 1e-3


def test_a_settlement_below_the_announced_aims_raises_the_hazard_toward_a_concessions() -> None:
    """Goemans 2000; Chiozza & Goemans 2011: judged by the terms against the aims he announced."""
    aims = ("survival.announced_aims=0.6",)
    at_aims, i_at = solve_settlement(aims, 0.6)
    _, i_above = solve_settlement(aims, 0.9)
    below, i_below = solve_settlement(aims, 0.2)
    neutral, i_neutral = solve_settlement((), 0.2)  # the default, no aims announced: neutral
    nothing, i_nothing = solve_settlement(aims, 0.0)
    _, i_conc = solve((), ending="concession")
    _, i_stal = solve()
    assert i_at.dom_shift[0, 0] == i_above.dom_shift[0, 0] == i_neutral.dom_shift[0, 0] == i_stal.dom_shift[0, 0]
    assert i_nothing.dom_shift[0, 0] == pytest.approx(i_conc.dom_shift[0, 0], abs=1e-12)
    gap = (0.6 - 0.2) / 0.6
    assert i_below.dom_shift[0, 0] == pytest.approx(gap * i_conc.dom_shift[0, 0] + (1 - gap) * i_at.dom_shift[0, 0],
                                                     abs=1e-12)
    r = {name: float(np.nanmax(g.domestic)) for name, g in
         (("at", at_aims), ("below", below), ("neutral", neutral), ("nothing", nothing))}
    assert r["nothing"] > r["below"] > r["neutral"] + 0.005


def test_settlement_log_multiplier_closed_form() -> None:
    ls, lc = np.log(1.2), np.log(2.5)
    assert settlement_log_multiplier(np.array(0.3), np.array(0.0), ls, lc) == pytest.approx(ls)
    assert settlement_log_multiplier(np.array(0.7), np.array(0.6), ls, lc) == pytest.approx(ls)
    assert settlement_log_multiplier(np.array(0.0), np.array(0.6), ls, lc) == pytest.approx(lc)
    assert settlement_log_multiplier(np.array(0.45), np.array(0.6), ls, lc) == pytest.approx(0.75 * ls + 0.25 * lc)


def test_settlement_rows_need_their_shares() -> None:
    sc = load_scenario(str(SMALL))
    starts = np.asarray([[SETTLEMENT, 0, 0]], dtype=np.int64)
    with pytest.raises(InputError, match="crisis_endings"):
        build_inputs(sc, sc.parameters.central(), starts)  # type: ignore[arg-type]


# ---------------------------------------------------------------- the leader's choice


def test_the_leaders_choice_is_at_least_as_good_as_either_fixed_policy() -> None:
    rich = ("energy_discount.reserves_usd_bn=8", "survival.partner_weight=3")
    chosen, _ = solve(rich)
    always, _ = solve((*rich, *FIXED))
    never, _ = solve((*rich, "energy_discount.offered_usd_per_bbl=0"))
    assert chosen.value[0, 0] >= max(always.value[0, 0], never.value[0, 0]) - 1e-4
    assert chosen.value[0, 0] > min(always.value[0, 0], never.value[0, 0]) + 1e-4


def test_a_logit_leader_mixes_and_a_precise_one_best_responds() -> None:
    precise, _ = solve(("survival.leader_lambda=1e6",))
    best, _ = solve()
    noisy, _ = solve(("survival.leader_lambda=1",))
    assert precise.value[0, 0] == pytest.approx(best.value[0, 0], rel=1e-4)
    assert 0.0 < path(noisy, "paid_share")[0] < 1.0


def test_a_finer_grid_moves_the_value_little() -> None:
    sc = load_scenario("ukraine-2022")
    starts = all_starts(False)
    params = sc.parameters.draw(0, 0, 8)
    full = CrisisModel(sc)._complete(params, None)[1]
    inputs = build_inputs(sc, full, starts)  # type: ignore[arg-type]
    coarse = aftermath.solve(inputs).value
    fine = aftermath.solve(inputs, grid=129).value
    assert np.max(np.abs(coarse - fine)) < 3e-3
    assert np.mean(np.abs(coarse - fine)) < 1e-4


# ---------------------------------------------------------------- it feeds the crisis


def test_the_challengers_payoff_at_a_concession_is_its_post_war_value() -> None:
    sc = load_scenario(str(SMALL))
    params = sc.parameters.central()
    game = get_template("escalation").build(sc, params)  # type: ignore[arg-type]
    node = 0
    for label in ("C resolute", "concede"):
        actions = game.action_labels[game.infoset[node]]
        node = int(game.children[game.child_ptr[node] + actions.index(label)])
    after, _ = solve(ending="concession")
    assert game.outcome_payoffs[0, game.outcome[node], 0] == pytest.approx(after.value[0, 0], rel=1e-12)


def test_the_leaders_fate_after_the_war_shapes_the_crisis() -> None:
    """Harsher punishment after removal moves the challenger's crisis choices (qbi, lambda 3)."""
    model = CrisisModel(load_scenario("ukraine-2022"), solver="qbi", lam=3.0)
    draws = model.draw(0, 0, 32)
    means = []
    for cost in (0.0, 6.0):
        ev = model.evaluate(draws | {"actors.RUS.leader.punishment_cost": np.full(32, cost)})
        means.append({k: float(np.mean(v)) for k, v in ev.outcomes.items()})
    moved = {k: means[1][k] - means[0][k] for k in means[0]}
    assert max(abs(x) for x in moved.values()) > 0.01


# ---------------------------------------------------------------- determinism


@pytest.mark.slow
def test_simulate_gives_the_same_numbers_on_worker_processes_and_any_chunk_size() -> None:
    from brink.executors.processes import ProcessExecutor
    from brink.runs.simulate import simulate

    sc = load_scenario("ukraine-2022")
    local = simulate(sc, 2500, seed=3, chunk_size=1024).to_json()
    other = simulate(sc, 2500, seed=3, chunk_size=2048).to_json()
    with ProcessExecutor(workers=2) as ex:
        remote = simulate(sc, 2500, seed=3, chunk_size=1024, executor=ex).to_json()
    assert local == other == remote
    endings = ("victory", "stalemate", "defeat", "concession", "settlement")  # nuclear_use is a flag beside them
    assert sum(local["endings"][e] for e in endings) == pytest.approx(1.0)
    assert local["endings"]["settlement"] > 0  # a settlement is its own ending, not a lottery of victory and concession


def test_a_memo_returns_the_kernels_numbers_and_keys_on_every_input() -> None:
    """``aftermath.memo``: within :func:`memoized` a second solve of the same inputs is a hit
    with the same arrays; any changed input (one number of one array) is a miss; outside the
    block nothing is kept."""
    import dataclasses

    from brink.aftermath.memo import Memo, digest, memoized

    sc = load_scenario("ukraine-2022")
    model = CrisisModel(sc)
    _, full, _ = model._prepare(model.draw(3, 0, 40), None)
    inputs = build_inputs(sc, full, all_starts("sanctions" in sc.crisis.responses))  # type: ignore[arg-type, union-attr]
    plain = aftermath.solve(inputs)
    memo = Memo(4)
    with memoized(memo):
        first = aftermath.solve(inputs)
        again = aftermath.solve(inputs)
    assert (memo.hits, memo.misses, len(memo)) == (1, 1, 1)
    assert again is first
    for f in dataclasses.fields(plain):
        a, b = getattr(plain, f.name), getattr(first, f.name)
        assert np.array_equal(a, b, equal_nan=True) if isinstance(a, np.ndarray) else a == b
    for f in dataclasses.fields(inputs):
        value = getattr(inputs, f.name)
        if isinstance(value, np.ndarray) and value.size and value.dtype.kind == "f":
            changed = value.copy()
            changed.flat[value.size // 2] += 1e-9
            assert digest(dataclasses.replace(inputs, **{f.name: changed}), GRID_POINTS) != digest(inputs, GRID_POINTS)
    assert digest(inputs, GRID_POINTS + 1) != digest(inputs, GRID_POINTS)
    aftermath.solve(inputs)
    assert memo.hits == 1  # not current any more: not looked up
