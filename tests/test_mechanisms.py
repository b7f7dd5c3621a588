"""Comparative statics of the crisis mechanisms (M1-M9) on common random numbers.

Each test changes one thing in a bundled scenario, evaluates both versions on the SAME
parameter draws and checks the direction (and, where theory gives one, the location)
of the change.
"""

from __future__ import annotations

import numpy as np
import pytest

from brink.builder import compile_game
from brink.model import CrisisModel
from brink.scenario import load_scenario
from brink.solvers import solve
from brink.templates import get_template

NUCLEAR_CHOICE = ["crisis.ladder=[concede, hold-conventional, demonstration-shot]"]


def _pair(base: list[str], changed: list[str], seed: int = 0, n: int = 2000, scenario: str = "ukraine-2022-exchange") -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], dict[str, np.ndarray]]:
    a = CrisisModel(load_scenario(scenario, base))
    b = CrisisModel(load_scenario(scenario, base + changed))
    params = a.draw(seed, 0, n)
    ea, eb = a.evaluate(params), b.evaluate(params)
    assert not ea.failed.any() and not eb.failed.any()
    return ea.outcomes | ea.metrics, eb.outcomes | eb.metrics, params


def test_umbrella_lowers_nuclear_use_against_the_target() -> None:
    """M2: putting Ukraine under the umbrella makes weak answers to nuclear use costly for
    both defender types, so the challenger's nuclear rung loses value on every sample."""
    plain, covered, _ = _pair([], ["commitments.nato-ukr.umbrella=true"])
    assert np.all(covered["tactical_nuclear_use"] <= plain["tactical_nuclear_use"])
    assert covered["tactical_nuclear_use"].mean() < plain["tactical_nuclear_use"].mean()
    assert plain["tactical_nuclear_use"].mean() > 0.0


def test_ukraine_in_nato_has_less_nuclear_use_than_ukraine_2022() -> None:
    a = CrisisModel(load_scenario("ukraine-2022-exchange"))
    b = CrisisModel(load_scenario("ukraine-in-nato-exchange"))
    params = a.draw(0, 0, 3000)
    assert a.uncertainties == b.uncertainties
    pa = a.evaluate(params).outcomes["tactical_nuclear_use"].mean()
    pb = b.evaluate(params).outcomes["tactical_nuclear_use"].mean()
    assert 0.0 < pb < pa < 0.1


def test_credibility_lowers_tactical_use() -> None:
    low, high, _ = _pair(["doctrines.NATO.resolve=0.2"], ["doctrines.NATO.resolve=0.9"])
    assert np.all(high["tactical_nuclear_use"] <= low["tactical_nuclear_use"])
    assert high["tactical_nuclear_use"].mean() < low["tactical_nuclear_use"].mean()


def test_credibility_threshold_is_zagare_kilgour() -> None:
    """Zagare & Kilgour (2000): the challenger challenges iff the defender's credibility p is
    below (u(DC) - u(SQ)) / (u(DC) - u(DD)).  Here the challenge is the nuclear rung, DC
    its value against a restrained defender, DD against a resolute one and SQ backing
    down; the switch must sit exactly at that threshold."""
    over = ["crisis.ladder=[concede, demonstration-shot]", "costs.nuclear_taboo=0.35", "crisis.nuclear_coercion=0.6",
            "costs.conventional_strike=1.0"]
    sc = load_scenario("ukraine-2022-exchange", over)
    central = sc.parameters.central()
    t = get_template("crisis")

    def values(resolve: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        params = {k: np.repeat(v, resolve.size) for k, v in central.items()}
        params["doctrines.NATO.resolve"] = resolve
        game = compile_game(sc, params)
        sol = solve(game, "spe")
        kids = game.children[game.child_ptr[0] : game.child_ptr[0] + game.num_children[0]]
        vals = np.asarray(sol.node_values)[:, kids, 0]
        return vals, t.outcomes(sc, params, sol)["tactical_nuclear_use"]

    ends, _ = values(np.array([0.0, 1.0]))
    u_dc, u_dd = ends[0, 1], ends[1, 1]
    u_sq = ends[0, 0]
    assert u_sq == ends[1, 0]  # backing down ends the crisis before the type matters
    threshold = (u_dc - u_sq) / (u_dc - u_dd)
    assert 0.05 < threshold < 0.95, threshold
    grid = np.array([threshold - 0.02, threshold - 1e-6, threshold + 1e-6, threshold + 0.02])
    _, tactical = values(grid)
    np.testing.assert_array_equal(tactical, [1.0, 1.0, 0.0, 0.0])


def test_small_w_leader_survives_concession_less_than_holding() -> None:
    """M6 (Goemans 2000; Bueno de Mesquita et al. 2003): for a personalist leader (small W)
    backing down is a defeat he chose; holding keeps a chance of victory."""
    sc = load_scenario("ukraine-2022-exchange")
    t = get_template("crisis")
    terms = t.skeleton(sc).terms  # type: ignore[attr-defined]
    labels = list(terms.labels)
    hold = labels.index("hold-conventional / resolute / none / hold")
    concede = labels.index("hold-conventional / resolute / none / concede")
    central = t.quantities(sc, sc.parameters.central())  # type: ignore[attr-defined]
    assert central.survival[0, concede] < central.survival[0, hold]
    q = t.quantities(sc, sc.parameters.draw(0, 0, 2000))  # type: ignore[attr-defined]
    assert q.survival[:, concede].mean() < q.survival[:, hold].mean()
    assert np.mean(q.survival[:, concede] < q.survival[:, hold]) > 0.8


def test_gamble_for_resurrection_when_defeat_means_punishment() -> None:
    """Downs & Rocke (1994), Goemans (2000): the harsher the fate of a removed leader, the
    less he concedes and the more he escalates."""
    mild, harsh, _ = _pair(["actors.RUS.leader.punishment_cost=0"], ["actors.RUS.leader.punishment_cost=4"], n=3000)
    assert harsh["challenger_concedes"].mean() < mild["challenger_concedes"].mean()
    assert harsh["tactical_nuclear_use"].mean() > mild["tactical_nuclear_use"].mean()


def test_bigger_discount_budget_raises_partner_support_and_fiscal_cost() -> None:
    """M7: reserves that last longer keep the discount paid for more of the horizon."""
    small, big, _ = _pair(["energy_discount.reserves_usd_bn=5"], ["energy_discount.reserves_usd_bn=20"], n=500)
    assert np.all(big["fiscal_cost_usd_bn"] > small["fiscal_cost_usd_bn"])
    assert np.all(big["discount_months"] > small["discount_months"])
    assert big["partner_support"].mean() > small["partner_support"].mean()


def test_weaker_challenger_loses_sphere_influence() -> None:
    """M8: China and India's share of Central Asia grows as Russia's strength falls (Tullock contest)."""
    strong, weak, _ = _pair([], ["actors.RUS.capability=0.01"], n=500)
    assert np.all(weak["sphere_influence"] < strong["sphere_influence"])


def test_resource_wealth_raises_foreign_imposed_change() -> None:
    """M9 (Bove, Gleditsch & Sekeris 2016): oil wealth draws outside intervention."""
    poor, rich, _ = _pair(["actors.RUS.resource_wealth=0.1"], ["actors.RUS.resource_wealth=0.9"], n=500)
    assert np.all(rich["foreign_imposed_regime_change"] > poor["foreign_imposed_regime_change"])


def test_partners_abandon_a_challenger_who_breaks_the_taboo() -> None:
    """M6/M8: partners averse to the taboo abandon more after nuclear use (forced first move)."""
    forced_conv = CrisisModel(load_scenario("ukraine-2022-exchange", ["crisis.ladder=[concede, hold-conventional]"]))
    forced_nuc = CrisisModel(load_scenario("ukraine-2022-exchange", ["crisis.ladder=[concede, demonstration-shot]"]))
    params = forced_conv.draw(0, 0, 300)
    a, b = forced_conv.evaluate(params).outcomes, forced_nuc.evaluate(params).outcomes
    went = b["tactical_nuclear_use"] > 0.5
    stayed = a["challenger_concedes"] < 0.5
    both = went & stayed
    assert both.any()
    assert np.all(b["partner_abandons.CHN"][both] > a["partner_abandons.CHN"][both])


def test_incapable_threat_deters_at_no_credibility() -> None:
    """Zagare & Kilgour (2000): if the challenger prefers the conflict DD to the status quo,
    the threat is not capable and even a certainly resolute defender does not deter."""
    sc = load_scenario(
        "ukraine-2022-exchange",
        ["crisis.ladder=[concede, demonstration-shot]", "costs.nuclear_taboo=0.1",
         "crisis.nuclear_coercion=0.6", "costs.conventional_strike=0.45"],
    )
    params = {k: np.repeat(v, 3) for k, v in sc.parameters.central().items()}
    params["doctrines.NATO.resolve"] = np.array([0.0, 0.5, 1.0])
    sol = solve(compile_game(sc, params), "spe")
    np.testing.assert_array_equal(get_template("crisis").outcomes(sc, params, sol)["tactical_nuclear_use"], [1.0, 1.0, 1.0])


def test_explain_terms_give_the_zagare_kilgour_threshold_where_the_switch_is() -> None:
    """``CrisisModel.explain_terms``: the credibility threshold (u(DC) - u(SQ)) / (u(DC) - u(DD))
    does not depend on the resolve itself, equals the one read off the node values above,
    and the challenger uses nuclear weapons exactly where resolve < threshold (margin > 0)."""
    over = ["crisis.ladder=[concede, demonstration-shot]", "costs.nuclear_taboo=0.35", "crisis.nuclear_coercion=0.6",
            "costs.conventional_strike=1.0"]
    sc = load_scenario("ukraine-2022-exchange", over)
    model = CrisisModel(sc)
    central = sc.parameters.central()
    ends = {k: np.repeat(v, 2) for k, v in central.items()}
    ends["doctrines.NATO.resolve"] = np.array([0.0, 1.0])
    game, sol = model.game(ends)
    kids = game.children[game.child_ptr[0] : game.child_ptr[0] + game.num_children[0]]
    vals = np.asarray(sol.node_values)[:, kids, 0]
    expected = (vals[0, 1] - vals[0, 0]) / (vals[0, 1] - vals[1, 1])
    grid = np.array([0.0, expected - 0.02, expected - 1e-6, expected + 1e-6, expected + 0.02, 1.0])
    params = {k: np.repeat(v, grid.size) for k, v in central.items()}
    params["doctrines.NATO.resolve"] = grid
    terms = model.explain_terms(params)
    np.testing.assert_allclose(terms["credibility_threshold"], expected, rtol=1e-12)
    np.testing.assert_allclose(terms["credibility_margin"], expected - grid, rtol=1e-12, atol=1e-15)
    tactical = model.evaluate(params).outcomes["tactical_nuclear_use"]
    np.testing.assert_array_equal(tactical > 0.5, terms["credibility_margin"] > 0)


def test_explain_uses_the_credibility_terms() -> None:
    """``brink.analysis.explain.explain`` picks up the model's terms as splitting variables (with
    no minimum gain: the first choice is made in 97% of samples, so no rule clears the default
    margin over always guessing it, and explain would rightly drop them all)."""
    from brink.analysis.explain import explain

    model = CrisisModel(load_scenario("ukraine-2022-exchange", NUCLEAR_CHOICE))
    result = explain(model, n=600, seed=0, min_gain=0.0)
    first = result.choices[0]
    names = {r.parameter for r in first.theory}
    assert "credibility_margin" in names, first
    margin = next(r for r in first.theory if r.parameter == "credibility_margin")
    assert margin.accuracy >= max(first.stump.accuracy if first.stump else 0.0, margin.base_rate)


def test_zero_discount_lever_is_no_discount_that_lasts_forever() -> None:
    """M7: a lever setting of 0 USD/bbl costs nothing and never runs out (no division by zero)."""
    model = CrisisModel(load_scenario("ukraine-2022-exchange"))
    params = model.draw(0, 0, 400)
    zero = model.evaluate(params, {"energy_discount.offered_usd_per_bbl": 0})
    paid = model.evaluate(params, {"energy_discount.offered_usd_per_bbl": 30})
    assert not zero.failed.any() and not paid.failed.any()
    assert np.all(zero.metrics["fiscal_cost_usd_bn"] == 0.0)
    assert np.all(np.isnan(zero.metrics["discount_months"]))
    assert np.all(np.isfinite(paid.metrics["discount_months"]))
    assert zero.metrics["partner_support"].mean() < paid.metrics["partner_support"].mean()


# --- the crisis template calls the mechanism functions that docs/mechanisms.md names ---------


def _outcomes(scenario: str = "ukraine-2022-exchange", n: int = 300) -> dict[str, np.ndarray]:
    model = CrisisModel(load_scenario(scenario))
    result = model.evaluate(model.draw(0, 0, n))
    assert not result.failed.any()
    return result.outcomes | result.metrics


def test_m9_core_runs_in_the_template(monkeypatch: pytest.MonkeyPatch) -> None:
    """Foreign-imposed regime change is :func:`brink.mechanisms.removal.foreign_imposed_core`."""
    from brink.mechanisms import removal

    assert _outcomes()["foreign_imposed_regime_change"].mean() > 0
    monkeypatch.setattr(removal, "foreign_imposed_core", lambda *args: np.zeros_like(args[4]))
    assert np.all(_outcomes()["foreign_imposed_regime_change"] == 0.0)


def test_m6_core_runs_in_the_template(monkeypatch: pytest.MonkeyPatch) -> None:
    """The leader's domestic survival is :func:`brink.mechanisms.survival.survival_core`."""
    from brink.mechanisms import survival

    base = _outcomes()
    monkeypatch.setattr(survival, "survival_core", lambda lottery, *args, **kw: np.ones(lottery.shape[:2]))
    forced = _outcomes()
    np.testing.assert_allclose(forced["leader_survives"], 1 - forced["foreign_imposed_regime_change"])
    assert forced["leader_survives"].mean() > base["leader_survives"].mean()


def test_m2_and_m7_cores_run_in_the_template(monkeypatch: pytest.MonkeyPatch) -> None:
    """Partner support is :func:`brink.mechanisms.partners.support_core`; the umbrella and
    legal costs are :func:`brink.mechanisms.alliances.commitment_costs_core` (ukraine-in-nato-exchange:
    Ukraine covered, so raising the umbrella cost lowers nuclear use)."""
    from brink.mechanisms import alliances, partners

    monkeypatch.setattr(partners, "support_core", lambda won, *args, **kw: np.zeros_like(won))
    np.testing.assert_allclose(_outcomes()["partners_abandon"], 1.0, rtol=0, atol=1e-15)  # one minus the mean over months
    monkeypatch.undo()
    plain = _outcomes("ukraine-in-nato-exchange", 600)
    core = alliances.commitment_costs_core
    monkeypatch.setattr(alliances, "commitment_costs_core", lambda *a: tuple(100.0 * x for x in core(*a)))
    costly = _outcomes("ukraine-in-nato-exchange", 600)
    assert costly["tactical_nuclear_use"].mean() < plain["tactical_nuclear_use"].mean()


def test_zagare_kilgour_threshold_is_one_function(monkeypatch: pytest.MonkeyPatch) -> None:
    """Both the crisis template's theory terms and the deterrence template's metric are
    :func:`brink.mechanisms.alliances.credibility_threshold_core`."""
    from brink.mechanisms import alliances

    model = CrisisModel(load_scenario("ukraine-2022-exchange", NUCLEAR_CHOICE))
    params = model.draw(0, 0, 50)
    deterrence = CrisisModel(load_scenario("deterrence-rudimentary"))
    assert np.all(deterrence.evaluate(deterrence.draw(0, 0, 50)).metrics["credibility_threshold"] == 0.5)
    monkeypatch.setattr(alliances, "credibility_threshold_core", lambda dc, sq, dd: np.full(np.shape(dc), 7.0))
    assert np.all(model.explain_terms(params)["credibility_threshold"] == 7.0)
    assert np.all(deterrence.evaluate(deterrence.draw(0, 0, 50)).metrics["credibility_threshold"] == 7.0)
