"""`brink fit` and `brink backtest`: --json equals the library, year filters, stored runs, bad input."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from brink_in_process import invoke

pytestmark = pytest.mark.shared


def brink_json(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *args: str) -> Any:
    """``brink ARGS --json`` through the real entry point, parsed (exit status 0 asserted)."""
    from brink.cli import main

    monkeypatch.setattr(sys, "argv", ["brink", *args, "--json"])
    code: Any = 0
    try:
        main()
    except SystemExit as exc:
        code = exc.code
    captured = capsys.readouterr()
    assert code in (0, None), captured.err
    return json.loads(captured.out)


@pytest.fixture(scope="module")
def crises(shared_dir: Path) -> Any:
    from brink.fit.crises import crisis_cases
    from brink.history import crisis_table

    return crisis_cases(crisis_table(shared_dir))


def test_fit_json_equals_the_library_and_before_filters_years(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, crises: Any
) -> None:
    from brink.fit import fit
    from brink.fit.crises import deterrence_specification

    out = brink_json(capsys, monkeypatch, "fit", "--no-store", "--before", "1946")
    data = crises.subset(crises.year < 1946)
    spec, root = deterrence_specification(data)
    direct = fit(spec, data.observed, root)
    assert out["cases"] == data.cases < crises.cases
    assert out["years"][1] < 1946
    assert np.allclose([p["estimate"] for p in out["parameters"]], direct.estimate, rtol=0, atol=1e-12)
    se = [np.nan if p["se"] is None else p["se"] for p in out["parameters"]]  # JSON null: no standard error
    assert np.allclose(se, direct.standard_error, rtol=0, atol=1e-12, equal_nan=True)
    assert out["log_likelihood"] == pytest.approx(direct.log_likelihood, abs=1e-9)
    assert out["run_id"] is None
    assert isinstance(out["weakly_identified"], list)


def test_fit_restrict_prints_the_likelihood_ratio_of_the_restriction(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, crises: Any
) -> None:
    out = brink_json(capsys, monkeypatch, "fit", "--no-store", "--from", "1946", "--restrict", "A.war.rivalry")
    r = out["restricted"]
    assert r["parameters"] == len(out["parameters"]) - 1
    assert r["likelihood_ratio"]["statistic"] == pytest.approx(2 * (out["log_likelihood"] - r["log_likelihood"]))
    assert r["likelihood_ratio"]["df"] == 1
    assert out["years"][0] >= 1946


def test_backtest_json_matches_backtest_by_time(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, crises: Any
) -> None:
    from brink.fit.backtest import backtest_by_time

    out = brink_json(capsys, monkeypatch, "backtest", "--no-store", "--split", "1980", "--bootstrap", "100",
                     "--seed", "4")
    direct = backtest_by_time(crises, split_year=1980, replications=100, seed=4).to_json()
    got = out["by_time"]
    assert got["n_train"] == direct["n_train"] and got["n_test"] == direct["n_test"]
    assert got["scores"] == direct["scores"]
    assert got["skills"] == direct["skills"]
    assert out["cross_validation"] is None


@pytest.mark.parametrize("args, words", [
    (["backtest", "--split", "1700"], "--split"),
    (["backtest", "--split", "2100"], "--split"),
    (["backtest", "--bootstrap", "0"], "--bootstrap"),
    (["backtest", "--folds", "1"], "--folds"),
    (["fit", "--bootstrap", "0"], "--bootstrap"),
    (["fit", "--bootstrap", "1000000000"], "at most 10,000"),
    (["backtest", "--bootstrap", "1000000000"], "at most 20000"),
    (["backtest", "--folds", "100000"], "exceed the"),
    (["backtest", "--split", "1817"], "a backtest needs at least"),
    (["fit", "--restrict", "A.war.bogus"], "A.war.bogus"),
    (["fit", "--before", "1700"], "--before"),
    (["fit", "--figure", "coefficients.pdf"], ".pdf"),
])
def test_bad_input_exits_2_with_a_message(args: list[str], words: str, shared_dir: Path) -> None:
    code, err = invoke([*args, "--no-store"])
    assert code == 2, err
    assert words in err and "Traceback" not in err


def test_stored_runs_list_with_their_kinds_and_the_figures_are_written(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path, shared_dir: Path
) -> None:
    from brink.store import Store

    store = tmp_path / "runs.duckdb"
    fig = brink_json(capsys, monkeypatch, "fit", "--store", str(store), "--figure", str(tmp_path / "c.svg"))
    back = brink_json(capsys, monkeypatch, "backtest", "--store", str(store), "--bootstrap", "50",
                      "--figure", str(tmp_path / "r.html"))
    kinds = {r.id: r.kind for r in Store(store).list_runs()}
    assert kinds == {fig["run_id"]: "fit", back["run_id"]: "backtest"}
    assert Store(store).get_run(fig["run_id"]).summary["log_likelihood"] == pytest.approx(fig["log_likelihood"])
    assert (tmp_path / "c.svg").read_text().lstrip().startswith("<?xml")
    assert "Plotly.newPlot" in (tmp_path / "r.html").read_text()
    listed = brink_json(capsys, monkeypatch, "runs", "list", "--store", str(store), "--kind", "backtest")
    assert json.dumps(listed).count(back["run_id"]) >= 1 and fig["run_id"] not in json.dumps(listed)


def test_stored_fit_and_backtest_runs_are_reported_from_the_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`brink report RUN_ID` of a stored fit draws the coefficient plot, of a backtest the reliability diagram."""
    from brink.cli.simulate import report_stored_simulation, stored_simulation

    store = tmp_path / "runs.duckdb"
    for command, figure in (("fit", "coefficients"), ("backtest", "reliability")):
        run_id = brink_json(capsys, monkeypatch, command, "--store", str(store))["run_id"]
        record = stored_simulation(run_id, store)
        written = report_stored_simulation(record, tmp_path / f"{command}.html", None, False)
        assert written["figures"] == [figure]
        assert (tmp_path / f"{command}.html").stat().st_size > 10_000
