"""brink.fit.backtest: Brier, log loss, skill, bootstrap intervals, reliability, and the two designs."""

from __future__ import annotations

import math

import numpy as np
import pytest

from brink.errors import InputError
from brink.fit.backtest import (
    OUTCOMES,
    backtest_by_time,
    base_rate,
    bootstrap_interval,
    brier,
    cross_validation,
    log_loss,
    naive_rule,
    outcome_classes,
    reliability,
    skill,
)
from brink.fit.crises import CrisisData


def test_a_constant_predictor_scores_the_base_rate_by_hand() -> None:
    train = np.array([0, 0, 1, 2])
    test = np.array([0, 1, 2, 2])
    probs = base_rate(train, 3, len(test))
    assert probs.shape == (4, 3)
    assert np.allclose(probs, [[0.5, 0.25, 0.25]] * 4)
    # y = yield: .5^2 + .25^2 + .25^2 = .375; y = back down or war: .25 + .5625 + .0625 = .875
    assert np.allclose(brier(probs, test), [0.375, 0.875, 0.875, 0.875])
    assert brier(probs, test).mean() == pytest.approx(0.75)
    assert np.allclose(log_loss(probs, test), [-math.log(0.5), -math.log(0.25), -math.log(0.25), -math.log(0.25)])
    assert skill(brier(probs, test), brier(probs, test)) == 0.0


def test_a_perfect_predictor_has_brier_zero_and_skill_one() -> None:
    y = np.array([0, 2, 1, 1, 0])
    perfect = np.eye(3)[y]
    reference = base_rate(y, 3, len(y))
    assert np.array_equal(brier(perfect, y), np.zeros(5))
    assert np.array_equal(log_loss(perfect, y), np.zeros(5))
    assert skill(brier(perfect, y), brier(reference, y)) == 1.0
    # a certain miss: Brier 2, log loss -log(1e-15)
    wrong = np.eye(3)[(y + 1) % 3]
    assert np.array_equal(brier(wrong, y), np.full(5, 2.0))
    assert np.allclose(log_loss(wrong, y), -math.log(1e-15))


def test_the_naive_rule_on_a_hand_made_table() -> None:
    balance = np.array([0.7, 0.3, 0.6, 0.5])
    y = np.array([OUTCOMES.index(o) for o in ("yield", "war", "back down", "back down")])
    probs = naive_rule(balance)
    # stronger challenger -> the target yields; otherwise (0.5 included) the challenger backs down
    assert np.array_equal(probs, [[1, 0, 0], [0, 1, 0], [1, 0, 0], [0, 1, 0]])
    assert np.array_equal(brier(probs, y), [0.0, 2.0, 2.0, 0.0])
    assert brier(probs, y).mean() == 1.0


def test_the_bootstrap_interval_contains_the_skill_and_repeats_with_its_seed() -> None:
    rng = np.random.default_rng(1)
    reference = rng.uniform(0.4, 0.9, 400)
    model = reference - rng.normal(0.05, 0.1, 400)
    point = skill(model, reference)
    lo, hi = bootstrap_interval(model, reference, 500, seed=3)
    assert lo < point < hi
    assert (lo, hi) == bootstrap_interval(model, reference, 500, seed=3)
    assert (lo, hi) != bootstrap_interval(model, reference, 500, seed=4)
    with pytest.raises(InputError):
        bootstrap_interval(model, reference, 1)


def test_reliability_bins_sum_to_n_and_match_a_hand_count() -> None:
    probs = np.array([[0.05, 0.9, 0.05], [0.15, 0.8, 0.05], [0.12, 0.08, 0.8], [0.95, 0.0, 0.05], [1.0, 0.0, 0.0]])
    y = np.array([1, 0, 2, 0, 0])
    table = reliability(probs, y, bins=10)
    assert [t["outcome"] for t in table] == list(OUTCOMES)
    for entry in table:
        assert sum(entry["count"]) == len(y)
    yields = table[0]
    # yield: bin 0 holds 0.05 (not yield), bin 1 holds 0.15 (yield) and 0.12 (not), bin 9 holds 0.95 and 1.0 (both)
    assert yields["count"][0] == 1 and yields["observed"][0] == 0.0
    assert yields["count"][1] == 2 and yields["observed"][1] == 0.5
    assert yields["mean_predicted"][1] == pytest.approx(0.135)
    assert yields["count"][9] == 2 and yields["observed"][9] == 1.0
    assert yields["mean_predicted"][5] is None


def test_outcome_classes_refuse_the_status_quo() -> None:
    from brink.fit.trees import deterrence_tree

    nodes = np.asarray(deterrence_tree().terminals)
    assert list(outcome_classes(nodes[1:])) == [0, 1, 2]
    with pytest.raises(InputError):
        outcome_classes(nodes[:1])


@pytest.fixture(scope="module")
def crises(shared_dir: object) -> CrisisData:
    from brink.fit.crises import crisis_cases
    from brink.history import crisis_table

    return crisis_cases(crisis_table())


#: Known parameters (DETERRENCE_TERMS order) with effects strong enough to predict by.
KNOWN = np.array([0.5, -3.0, -1.0, -1.0, 0.0, -0.5, 1.0, 0.0, 1.5, -3.0, 1.0])


@pytest.mark.shared
def test_on_data_simulated_from_the_model_the_backtest_beats_the_base_rate(crises: CrisisData) -> None:
    from dataclasses import replace

    from brink.fit.crises import deterrence_specification
    from brink.fit.likelihood import simulate_paths

    spec, root = deterrence_specification(crises)
    simulated = simulate_paths(spec, KNOWN, 1.0, np.random.default_rng(7), root)
    data = replace(crises, observed=simulated)
    result = backtest_by_time(data, split_year=1990, replications=300, seed=1)
    assert result.n_train + result.n_test == data.cases
    base = result.skills["brier"]["base rate"]
    assert base["skill"] > 0 and base["low"] > 0, base
    assert result.skills["log_loss"]["base rate"]["low"] > 0
    # the model fitted on the simulated pre-1990 cases is near the truth
    est = np.asarray([p["estimate"] for p in result.fit["parameters"]])
    se = np.asarray([p["se"] for p in result.fit["parameters"]])
    assert np.mean(np.abs(est - KNOWN) < 3 * se) >= 0.8


@pytest.mark.shared
def test_on_the_crisis_table_the_backtest_runs_and_its_numbers_are_finite(crises: CrisisData) -> None:
    result = backtest_by_time(crises, split_year=1990, replications=200)
    assert result.n_train == int((crises.year < 1990).sum()) and result.n_test == int((crises.year >= 1990).sum())
    for s in result.scores.values():
        assert all(math.isfinite(v) for v in s.values())
    for metric in result.skills.values():
        for ref in metric.values():
            assert all(math.isfinite(v) for v in ref.values())
            assert ref["low"] <= ref["high"]
    assert np.allclose(result.probabilities.sum(axis=1), 1.0)
    with pytest.raises(InputError, match="split year"):
        backtest_by_time(crises, split_year=1700)
    assert result.parameters["warnings"] == []  # 1990 leaves enough cases on both sides
    # a split that fits one dispute (0.2.0: a log-loss skill of 0.58 and no warning) is refused
    first = int(crises.year.min()) + 1
    with pytest.raises(InputError, match="a backtest needs at least") as few:
        backtest_by_time(crises, split_year=first)
    assert few.value.where == "--split"
    # a thin fit gets a warning: the smallest split that the minimum allows
    spec_k = len(result.fit["parameters"])
    years = np.sort(crises.year)
    thin = int(years[10 * spec_k]) + 1
    if int((crises.year < thin).sum()) < 30 * spec_k:
        warned = backtest_by_time(crises, split_year=thin, replications=50)
        assert warned.parameters["warnings"] and "uncertain" in warned.parameters["warnings"][0]


def _tiny(disputes: int = 12) -> CrisisData:
    """A small synthetic data set: three dyads per dispute, outcomes tied to the balance."""
    from brink.fit.trees import deterrence_tree

    rng = np.random.default_rng(0)
    n = 3 * disputes
    cov = {k: rng.integers(0, 2, n).astype(float) for k in
           ("nuclear_a", "nuclear_b", "umbrella_b", "defense_ab", "joint_democracy", "rivalry")}
    cov["const"] = np.ones(n)
    cov["balance"] = rng.uniform(0, 1, n)
    nodes = np.asarray(deterrence_tree().terminals)
    observed = nodes[1:][rng.integers(0, 3, n)]
    return CrisisData(cov, observed, np.arange(n) + 1900, np.repeat(np.arange(disputes), 3), 0)


def test_cross_validation_keeps_each_dispute_in_one_fold_and_scores_every_case() -> None:
    data = _tiny()
    terms = (("A", "war", "const"), ("B", "yield", "const"))
    five = cross_validation(data, terms, folds=4, seed=2, replications=50)
    assert five.n_test == data.cases and five.fit["folds"] == 4
    assert "4-fold by dispute" in five.design
    # the base rate scored out of fold differs from the in-sample base rate; scored by hand here
    y = outcome_classes(data.observed)
    order = np.random.default_rng(2).permutation(12)
    fold_of = np.empty(12, dtype=int)
    fold_of[order] = np.arange(12) % 4
    case_fold = fold_of[data.dispnum]
    hand = np.concatenate([brier(base_rate(y[case_fold != f], 3, int((case_fold == f).sum())), y[case_fold == f])
                           for f in range(4)])
    assert five.scores["base rate"]["brier"] == pytest.approx(hand.mean())
    loo = cross_validation(data, terms, folds=12, seed=2, replications=50)
    assert loo.fit["folds"] == 12 and loo.design.startswith("leave-one-dispute-out")
    with pytest.raises(InputError):
        cross_validation(data, terms, folds=1)
    with pytest.raises(InputError, match="100 folds exceed the 12 disputes") as more:
        cross_validation(data, terms, folds=100)  # 0.2.0 ran on (issue 25)
    assert more.value.where == "--folds" and "at most 12" in more.value.fix
