"""CrisisModel as an Evaluator: draws, quantiles, levers, outcomes as probabilities."""

from __future__ import annotations

import numpy as np
import pytest

from brink.errors import InputError
from brink.evaluation import Evaluator
from brink.model import CrisisModel
from brink.scenario import load_scenario

REQUIRED = (
    "tactical_nuclear_use", "strategic_nuclear_use", "challenger_concedes", "defender_conventional_response",
    "defender_nuclear_response", "leader_survives", "partners_abandon", "partner_abandons.CHN",
    "partner_abandons.IND", "partner_abandons.SAU", "foreign_imposed_regime_change",
)


@pytest.fixture(scope="module")
def model() -> CrisisModel:
    return CrisisModel(load_scenario("ukraine-2022-exchange"))


def test_is_an_evaluator(model: CrisisModel) -> None:
    evaluator: Evaluator = model
    assert evaluator.name == "ukraine-2022-exchange"
    assert "doctrines.NATO.resolve" in model.uncertainties
    assert "actors.RUS.nuclear.strategic" not in model.uncertainties  # a fixed number
    assert set(model.levers) == {"doctrines.NATO.declared", "energy_discount.offered_usd_per_bbl"}


def test_draw_is_chunk_invariant_and_follows_the_ppf(model: CrisisModel) -> None:
    whole = model.draw(11, 0, 600)
    parts = [model.draw(11, a, a + 200) for a in (0, 200, 400)]
    for name in model.uncertainties:
        np.testing.assert_array_equal(whole[name], np.concatenate([p[name] for p in parts]))
    u = np.array([0.0, 0.25, 0.5, 0.75, 1.0])
    q = model.ppf("doctrines.NATO.resolve", u)
    from scipy import stats

    np.testing.assert_allclose(q, stats.beta(6, 3).ppf(u), atol=1e-12)
    with pytest.raises(InputError, match="unknown parameter"):
        model.ppf("doctrines.NATO.nonsense", u)


def test_outcomes_are_probabilities_with_the_contract_names(model: CrisisModel) -> None:
    ev = model.evaluate(model.draw(0, 0, 400))
    assert ev.n == 400 and not ev.failed.any()
    for name in REQUIRED:
        x = ev.outcomes[name]
        assert x.shape == (400,)
        assert np.all((x >= 0) & (x <= 1)), name
    # events of one solved game hang together
    np.testing.assert_allclose(
        ev.outcomes["partners_abandon"],
        np.mean([ev.outcomes[f"partner_abandons.{j}"] for j in ("CHN", "IND", "SAU")], axis=0),
        atol=1e-12,
    )
    assert np.all(ev.outcomes["leader_survives"] <= 1 - ev.outcomes["foreign_imposed_regime_change"] + 1e-12)
    assert {"escalation_score", "payoff.RUS", "payoff.NATO", "discount_months"} <= set(ev.metrics)
    # an expectation over the equilibrium's reach (a tie mixes): within the scores' range, to rounding
    assert np.all((ev.metrics["escalation_score"] >= -2 - 1e-9) & (ev.metrics["escalation_score"] <= 60 + 1e-9))
    assert ev.paths.shape == (400,) and len(ev.path_labels) > 0


def test_missing_parameters_take_their_central_values(model: CrisisModel) -> None:
    params = model.draw(0, 0, 50)
    central = load_scenario("ukraine-2022-exchange").parameters.central()
    only = {"crisis.balance": params["crisis.balance"]}
    explicit = {k: np.full(50, central[k][0]) for k in model.uncertainties} | only
    a, b = model.evaluate(only), model.evaluate(explicit)
    for name in REQUIRED:
        np.testing.assert_array_equal(a.outcomes[name], b.outcomes[name])


def test_levers_change_the_scenario(model: CrisisModel) -> None:
    """A structural lever (the declared response) and a numeric one (the discount)."""
    params = model.draw(2, 0, 300)
    base = model.evaluate(params)
    none = model.evaluate(params, {"doctrines.NATO.declared": "none"})
    same = model.evaluate(params, {"doctrines.NATO.declared": "conventional-strike"})
    for name in REQUIRED:
        np.testing.assert_array_equal(same.outcomes[name], base.outcomes[name])
    # declaring nothing removes the audience cost of falling short: no more military answers
    assert none.outcomes["tactical_nuclear_use"].mean() >= base.outcomes["tactical_nuclear_use"].mean()
    cheap = model.evaluate(params, {"energy_discount.offered_usd_per_bbl": 0})
    dear = model.evaluate(params, {"energy_discount.offered_usd_per_bbl": 30})
    assert np.all(cheap.metrics["fiscal_cost_usd_bn"] == 0)
    assert np.all(dear.metrics["fiscal_cost_usd_bn"] > 0)
    assert dear.metrics["partner_support"].mean() > cheap.metrics["partner_support"].mean()


def test_qre_solver_agrees_with_spe_on_a_small_ladder() -> None:
    sc = load_scenario("ukraine-2022-exchange", ["crisis.ladder=[concede, hold-conventional]"])
    spe, qre = CrisisModel(sc), CrisisModel(sc, solver="qre")
    params = spe.draw(0, 0, 4)
    a, b = spe.evaluate(params), qre.evaluate(params)
    assert not b.failed.any()
    for name in ("challenger_concedes", "leader_survives", "defender_sanctions"):
        np.testing.assert_allclose(b.outcomes[name], a.outcomes[name], atol=1e-5, err_msg=name)


def test_game_returns_the_solved_sampled_game(model: CrisisModel) -> None:
    """``CrisisModel.game`` (for reports): the game of the rows of ``params`` and its solution,
    consistent with ``evaluate``."""
    params = model.draw(1, 0, 50)
    game, solution = model.game(params)
    assert game.samples == 50 and solution.solver == "spe"
    assert np.asarray(solution.max_regret).max() < 1e-9
    ev = model.evaluate(params)
    reach = np.asarray(solution.reach)
    first = game.children[game.child_ptr[0] : game.child_ptr[1]]
    np.testing.assert_allclose(reach[:, first].sum(axis=1), 1.0)
    demo = int(np.flatnonzero(np.array(game.action_labels[game.infoset[0]]) == "demonstration-shot")[0])
    np.testing.assert_allclose(reach[:, first[demo]], ev.outcomes["rung.demonstration-shot"], atol=1e-12)


def test_lean_equilibrium_path_gives_the_full_solution_numbers(model: CrisisModel) -> None:
    """``evaluate`` reads outcomes off :func:`spe_terminal_reach` (payoffs, terminal reach, modal
    path only); the template's outcomes and metrics of the full :class:`Solution` are the same
    numbers, bit for bit, and so are the modal paths."""
    from brink.model import modal_paths
    from brink.templates import get_template

    params = model.draw(4, 0, 300)
    ev = model.evaluate(params)
    _, solution = model.game(params)
    template = get_template(model.scenario.template)
    full = dict(model.scenario.parameters.derive(
        {k: np.asarray(params[k]) if k in params else np.full(300, d.central)
         for k, d in model.scenario.parameters.distributions.items()}, 300))
    outcomes, metrics = template.read_out(model.scenario, full, solution)
    assert list(outcomes) == list(ev.outcomes) and list(metrics) == list(ev.metrics)
    for name in outcomes:
        np.testing.assert_array_equal(ev.outcomes[name], outcomes[name], err_msg=name)
    for name in metrics:
        np.testing.assert_array_equal(ev.metrics[name], metrics[name], err_msg=name)
    paths, labels = modal_paths(solution)
    np.testing.assert_array_equal(ev.paths, paths)
    assert ev.path_labels == labels
