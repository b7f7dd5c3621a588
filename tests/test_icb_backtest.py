"""The ICB backtest (issue #23, item 3): references, the multinomial logit against statsmodels, the
crisis bootstrap, the plug-in of another predictor, and ``brink backtest --data icb``.

The multinomial logit is refitted by an independent routine (statsmodels' ``MNLogit``, Newton's
method) on the same cases; its coefficients must agree to 1e-5 and its out-of-sample Brier score
to 1e-8.  The base rate is recounted from the source CSV with the ``csv`` module.
"""

from __future__ import annotations

import csv
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from brink.errors import InputError
from brink.fit.backtest import brier
from brink.fit.icb import (
    CLASSES,
    COVARIATES,
    MAX_BOOTSTRAP,
    IcbCases,
    backtest_by_time,
    base_rate_predictor,
    cluster_bootstrap,
    cross_validation,
    fit_mnlogit,
    icb_cases,
    logit_predictor,
    reference_predictors,
    stronger_side_predictor,
)


def _cases(outcome: list[int], balance: list[float], crisno: list[int] | None = None,
           year: list[int] | None = None) -> IcbCases:
    n = len(outcome)
    rng = np.random.default_rng(0)
    return IcbCases(
        crisno=np.asarray(crisno if crisno is not None else range(n), dtype=np.int64),
        year=np.asarray(year if year is not None else [1950] * n, dtype=np.int64),
        outcome=np.asarray(outcome, dtype=np.int64),
        covariates=rng.normal(size=(n, len(COVARIATES))),
        balance=np.asarray(balance, dtype=np.float64),
    )


def test_a_constant_predictor_scores_the_training_base_rate_brier_exactly() -> None:
    train = _cases([0, 0, 1, 2, 3, 0, 1, 0], [0.5] * 8)
    probs = base_rate_predictor(train, train)
    p = np.array([4, 2, 1, 1]) / 8
    assert np.array_equal(probs, np.tile(p, (8, 1)))
    # on its own training cases a constant forecast p scores 1 - sum_c p_c^2
    assert brier(probs, train.outcome).mean() == pytest.approx(1 - float((p ** 2).sum()), abs=1e-15)


def test_the_stronger_side_puts_its_share_on_victory_or_defeat_and_spreads_the_rest_by_base_rate() -> None:
    train = _cases([0, 0, 1, 2, 3, 0, 1, 0], [0.5] * 8)
    test = _cases([0, 3, 1], [0.8, 0.2, np.nan])
    probs = stronger_side_predictor(train, test)
    rates = np.array([4, 2, 1, 1]) / 8
    assert np.allclose(probs[0], [0.7, 0.3 * 2 / 4, 0.3 * 1 / 4, 0.3 * 1 / 4])
    assert np.allclose(probs[1], [0.3 * 4 / 7, 0.3 * 2 / 7, 0.3 * 1 / 7, 0.7])
    assert np.allclose(probs[2], rates)  # unknown balance: the base rate
    assert np.allclose(probs.sum(axis=1), 1.0)


def test_the_logit_recovers_known_coefficients_and_its_skill_shows_on_simulated_crises() -> None:
    rng = np.random.default_rng(7)
    n, k = 20_000, 3
    x = rng.normal(size=(n, k))
    coef = np.array([[0.3, -0.2, 0.1], [1.0, 0.0, -1.0], [0.0, 0.8, 0.5], [-0.6, 0.4, 0.0]])  # (1 + k, 3)
    eta = np.column_stack([np.zeros(n), np.column_stack([np.ones(n), x]) @ coef])
    p = np.exp(eta) / np.exp(eta).sum(axis=1, keepdims=True)
    y = (rng.uniform(size=(n, 1)) > p.cumsum(axis=1)).sum(axis=1)
    fitted = fit_mnlogit(x, y)
    assert fitted.converged and np.abs(fitted.coef - coef).max() < 0.12
    cases = IcbCases(np.arange(n), np.repeat(np.arange(1900, 2000), n // 100), y,
                     np.column_stack([x, np.zeros((n, len(COVARIATES) - k))]), np.full(n, np.nan))
    result = backtest_by_time(cases, split=1990, replications=200)
    assert result.skills["brier"]["multinomial logit"]["base rate"]["low"] > 0.05


def test_the_cluster_bootstrap_resamples_whole_crises_and_repeats_with_its_seed() -> None:
    rng = np.random.default_rng(2)
    crisno = np.repeat(np.arange(60), 3)
    reference = rng.uniform(0.5, 1.0, len(crisno))
    model = reference - rng.normal(0.05, 0.1, len(crisno))
    point = 1 - model.mean() / reference.mean()
    lo, hi = cluster_bootstrap(model, reference, crisno, 500, seed=1)
    assert lo < point < hi
    assert (lo, hi) == cluster_bootstrap(model, reference, crisno, 500, seed=1)
    # scores equal within each crisis: resampling crises of 3 equal cases = resampling single cases
    flat = np.repeat(model[::3], 3), np.repeat(reference[::3], 3)
    one = cluster_bootstrap(flat[0], flat[1], crisno, 400, seed=5)
    draws_again = cluster_bootstrap(model[::3], reference[::3], np.arange(60), 400, seed=5)
    assert one == pytest.approx(draws_again, abs=1e-12)
    with pytest.raises(InputError, match=str(MAX_BOOTSTRAP)):
        cluster_bootstrap(model, reference, crisno, MAX_BOOTSTRAP + 1)
    with pytest.raises(InputError):
        cluster_bootstrap(model, reference, crisno, 1)


def test_a_structural_model_plugs_in_as_one_more_predictor() -> None:
    rng = np.random.default_rng(3)
    n = 400
    outcome = rng.integers(0, 4, n)
    data = _cases(outcome.tolist(), rng.uniform(0, 1, n).tolist(), crisno=list(range(n)),
                  year=[1950 + i // 5 for i in range(n)])

    def oracle(train: IcbCases, test: IcbCases) -> Any:  # a model that knows the endings
        return np.eye(4)[test.outcome] * 0.97 + 0.0075

    result = backtest_by_time(data, {**reference_predictors(), "structural": oracle}, split=2000, replications=200)
    skills = result.skills["brier"]["structural"]
    assert set(skills) == {"base rate", "stronger side wins", "multinomial logit"}
    assert all(s["skill"] > 0.9 and s["low"] > 0.9 for s in skills.values())
    assert result.n_train + result.n_test == n


@pytest.fixture(scope="module")
def icb(shared_dir: Path) -> dict[str, np.ndarray[Any, Any]]:
    from brink.history.icb import icb_table

    return icb_table(shared_dir)


@pytest.mark.shared
class TestOnIcb:
    @pytest.fixture
    def table(self, icb: dict[str, np.ndarray[Any, Any]]) -> dict[str, np.ndarray[Any, Any]]:
        return icb

    def test_the_logit_equals_statsmodels(self, table: dict[str, np.ndarray[Any, Any]]) -> None:
        sm = pytest.importorskip("statsmodels.api")
        for unit in ("actor", "challenger"):
            data = icb_cases(table, unit)
            ours = fit_mnlogit(data.covariates, data.outcome)
            theirs = sm.MNLogit(data.outcome, sm.add_constant(data.covariates, has_constant="add")).fit(
                method="newton", maxiter=100, tol=1e-12, disp=0)
            assert ours.converged
            assert np.abs(ours.coef - np.asarray(theirs.params)).max() < 1e-5
            assert ours.log_likelihood == pytest.approx(theirs.llf, abs=1e-8)

    def test_the_by_time_backtest_scores_match_independent_computations(
        self, table: dict[str, np.ndarray[Any, Any]], shared_dir: Path
    ) -> None:
        sm = pytest.importorskip("statsmodels.api")
        data = icb_cases(table, "actor")
        result = backtest_by_time(data, split=1990, replications=100)
        # the base rate, recounted from the csv files: the actors of crises triggered before 1990
        with open(shared_dir / "data" / "icb" / "icb1v14.csv", newline="", encoding="utf-8-sig") as fh:
            crisis_year = {int(r["crisno"]): int(r["yrtrig"]) for r in csv.DictReader(fh) if r["yrtrig"]}
        with open(shared_dir / "data" / "icb" / "icb2v14.csv", newline="", encoding="utf-8-sig") as fh:
            rows = [r for r in csv.DictReader(fh) if r["outcom"] in ("1", "2", "3", "4")]
        train = [int(r["outcom"]) - 1 for r in rows if crisis_year[int(r["crisno"])] < 1990]
        test = np.array([int(r["outcom"]) - 1 for r in rows if crisis_year[int(r["crisno"])] >= 1990])
        counts = Counter(train)
        rates = np.array([counts[c] for c in range(4)]) / len(train)
        assert (result.n_train, result.n_test) == (len(train), len(test)) == (830, 234)
        assert result.scores["base rate"]["brier"] == pytest.approx(
            float(((rates[None, :] - np.eye(4)[test]) ** 2).sum(axis=1).mean()), abs=1e-12)
        # the logit fitted by statsmodels on the training cases gives the same Brier score
        tr, te = data.subset(data.year < 1990), data.subset(data.year >= 1990)
        fitted = sm.MNLogit(tr.outcome, sm.add_constant(tr.covariates, has_constant="add")).fit(
            method="newton", maxiter=100, tol=1e-12, disp=0)
        probs = np.asarray(fitted.predict(sm.add_constant(te.covariates, has_constant="add")))
        assert result.scores["multinomial logit"]["brier"] == pytest.approx(brier(probs, te.outcome).mean(), abs=1e-8)
        assert np.allclose(result.probabilities["multinomial logit"], logit_predictor(tr, te), atol=0)

    def test_leave_one_crisis_out_never_fits_on_the_crisis_it_scores(
        self, table: dict[str, np.ndarray[Any, Any]]
    ) -> None:
        data = icb_cases(table, "challenger")
        result = cross_validation(data, replications=50)
        assert result.design == "leave-one-crisis-out"
        # a state can be a crisis actor twice in one crisis (Taiwan 1954 and 1955 in crisis 146)
        assert result.crises_test == len(np.unique(data.crisno)) < data.cases
        # the base rate of a left-out crisis is the frequency among the other crises' cases
        onehot = np.eye(4)[data.outcome]
        left = np.array([onehot[data.crisno == c].sum(axis=0) for c in data.crisno])
        expected = (onehot.sum(axis=0)[None, :] - left) / (data.cases - left.sum(axis=1, keepdims=True))
        assert np.allclose(result.probabilities["base rate"], expected, atol=1e-15)
        assert list(result.scores) == ["base rate", "stronger side wins", "multinomial logit"]
        assert [e["outcome"] for e in result.reliability["multinomial logit"]] == list(CLASSES)


def _brink(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[int, str, str]:
    from brink.cli import main

    monkeypatch.setattr(sys, "argv", ["brink", *args])
    code: int | str | None = 0
    try:
        main()
    except SystemExit as exc:
        code = exc.code
    captured = capsys.readouterr()
    return (0 if code is None else int(code)), captured.out, captured.err


@pytest.mark.shared
def test_cli_backtest_icb_json_stores_and_refuses_bad_input(
    shared_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "runs.duckdb"
    code, out, err = _brink(capsys, monkeypatch, "backtest", "--data", "icb", "--unit", "challenger", "--bootstrap",
                            "50", "--folds", "5", "--shared", str(shared_dir), "--store", str(store), "--json")
    assert code == 0, err
    result = json.loads(out)
    assert result["by_time"]["unit"] == "challenger" and result["by_time"]["data"] == "icb"
    assert result["cross_validation"]["design"] == "5-fold by crisis"
    assert result["run_id"]
    code, out, err = _brink(capsys, monkeypatch, "runs", "list", "--kind", "backtest", "--store", str(store), "--json")
    assert code == 0 and result["run_id"] in out
    assert result["by_time"]["model"] == "multinomial logit"
    assert result["by_time"]["reliability"] == result["by_time"]["reliabilities"]["multinomial logit"]
    code, _, err = _brink(capsys, monkeypatch, "report", result["run_id"], "--store", str(store), "-o",
                          str(tmp_path / "backtest.html"))
    assert code == 0 and (tmp_path / "backtest.html").stat().st_size > 0, err
    for args, words in ((("--data", "cow"), "unknown data"), (("--unit", "challenger"), "unit"),
                        (("--data", "icb", "--unit", "state"), "unit"), (("--data", "icb", "--split", "1900"), "1900"),
                        (("--data", "icb", "--bootstrap", str(MAX_BOOTSTRAP + 1)), str(MAX_BOOTSTRAP))):
        code, _, err = _brink(capsys, monkeypatch, "backtest", *args, "--shared", str(shared_dir), "--no-store")
        assert code == 2 and words in err and "Traceback" not in err, (args, err)


def test_challenger_cases_carry_their_ending_and_the_structural_model_refuses_actor_rows(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from brink.fit.icb import icb_cases
    from brink.fit.structural import ICB_ENDINGS, structural_predictor

    table = {"outcom": np.array([1.0, 2.0, 4.0, 3.0, np.nan]), "challenger": np.array([True, False, True, True, True]),
             "balance": np.array([0.7, 0.5, np.nan, 0.2, 0.5]), "crisno": np.arange(5), "crisis_year": np.full(5, 1980),
             "ending": np.array(["war_won", "settlement", "actor_concedes", "undecided", None], dtype=object),
             **{k: np.zeros(5) for k in ("nuclear_a", "nuclear_b", "umbrella_a", "umbrella_b", "democracy_icb",
                                         "grave_threat", "gp_involved", "gp_favours", "gp_opposes")}}
    ch = icb_cases(table, "challenger")
    assert ch.ending is not None
    assert [ICB_ENDINGS[e] for e in ch.ending] == ["war_won", "actor_concedes", "undecided"]
    assert ch.subset(ch.outcome == 3).ending.tolist() == [ICB_ENDINGS.index("actor_concedes")]  # type: ignore[union-attr]
    actors = icb_cases(table, "actor")
    assert actors.ending is None
    with pytest.raises(InputError, match="challenger"):
        structural_predictor(actors, actors)
    code, _, err = _brink(capsys, monkeypatch, "backtest", "--data", "icb", "--model", "structural", "--no-store")
    assert code == 2 and "--unit challenger" in err and "Traceback" not in err
