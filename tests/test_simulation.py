"""Monte Carlo runs: chunk-size invariance, sample guards, bundled scenarios (mechanisms: test_mechanisms.py)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from brink.errors import InputError
from brink.model import CrisisModel
from brink.runs import run
from brink.runs.simulate import FAN_BINS
from brink.scenario import load_scenario


def test_same_seed_same_json_for_any_chunk_size() -> None:
    sc = load_scenario("ukraine-2022-exchange")
    results = [run(sc, 3000, seed=7, chunk_size=c).to_json() for c in (1024, 4096, 10_000)]
    assert results[0] == results[1] == results[2]
    assert results[0]["samples"] == 3000 and results[0]["failed"] == 0
    assert abs(sum(p["share"] for p in results[0]["paths"]) - 1) < 1e-12


def test_huge_sample_count_is_refused() -> None:
    with pytest.raises(InputError, match="exceeds the maximum"):
        run(load_scenario("ukraine-2022-exchange"), 10**12)


def test_rung_probabilities_sum_to_one() -> None:
    sc = load_scenario("ukraine-2022-exchange")
    model = CrisisModel(sc)
    ev = model.evaluate(model.draw(0, 0, 500))
    total = sum(v for k, v in ev.outcomes.items() if k.startswith("rung."))
    np.testing.assert_allclose(total, 1.0, atol=1e-12)




@pytest.mark.parametrize("name", ["ukraine-2022-exchange", "ukraine-in-nato-exchange", "cuban-missile-crisis-1962-exchange", "july-1914-exchange"])
def test_every_bundled_scenario_runs(name: str) -> None:
    result = run(load_scenario(name), 1024, seed=1).to_json()
    assert result["failed"] == 0
    outcomes = result["outcomes"]
    for key in ("tactical_nuclear_use", "challenger_concedes", "leader_survives", "partners_abandon"):
        lo, hi = outcomes[key]["ci95"]
        assert 0.0 <= lo <= outcomes[key]["p"] <= hi <= 1.0
    assert abs(sum(v["p"] for k, v in outcomes.items() if k.startswith("rung.")) - 1) < 1e-9


def test_confidence_interval_is_the_normal_interval_of_the_per_sample_mean() -> None:
    sc = load_scenario("ukraine-2022-exchange")
    model = CrisisModel(sc)
    ev = model.evaluate(model.draw(4, 0, 2048))
    x = ev.outcomes["leader_survives"]
    half = 1.959963984540054 * x.std(ddof=1) / np.sqrt(x.size)
    got = run(sc, 2048, seed=4, chunk_size=1024).to_json()["outcomes"]["leader_survives"]
    assert got["p"] == pytest.approx(x.mean(), abs=1e-12)
    assert got["ci95"] == pytest.approx([x.mean() - half, x.mean() + half], abs=1e-9)


def test_failed_samples_are_counted_not_dropped() -> None:
    """An expression that is not finite on some draws flags exactly those samples as failed."""
    months = "sqrt(reserves_usd_bn - 100) ** 2 * 1e3 / (offered_usd_per_bbl * actors.RUS.oil_exports_mbd * 30.4)"
    sc = load_scenario("ukraine-2022-exchange", [f"energy_discount.sustainable_months={months}"])
    model = CrisisModel(sc)
    params = model.draw(0, 0, 1024)
    bad = params["energy_discount.reserves_usd_bn"] < 100
    ev = model.evaluate(params)
    np.testing.assert_array_equal(ev.failed, bad)
    assert np.all(np.isnan(ev.outcomes["tactical_nuclear_use"][bad]))
    assert np.all(np.isfinite(ev.outcomes["tactical_nuclear_use"][~bad]))
    result = run(sc, 1024, seed=0).to_json()
    assert result["samples"] == 1024
    assert result["failed"] == int(bad.sum()) > 0


def test_chunk_task_describes_itself_for_executor_errors() -> None:
    from brink.executors import describe_task
    from brink.executors.chunk import Chunk
    from brink.runs.montecarlo import block_sums

    model = CrisisModel(load_scenario("ukraine-2022-exchange"))
    task = Chunk(model, 4096, 8192, block_sums, seed=3)
    assert task.describe() == "samples 4096..8191, seed 3, scenario ukraine-2022-exchange"
    assert describe_task(task) == task.describe()
    levered = Chunk(model, 0, 10, block_sums, seed=3, levers=(("energy_discount.offered_usd_per_bbl", 0),))
    assert levered.describe().endswith(", energy_discount.offered_usd_per_bbl=0")


def test_run_matches_the_per_sample_evaluation() -> None:
    """The streamed block sums give the mean of the per-sample outcomes of ``evaluate``."""
    sc = load_scenario("ukraine-2022-exchange")
    result = run(sc, 2500, seed=4, chunk_size=1024).to_json()
    model = CrisisModel(sc)
    ev = model.evaluate(model.draw(4, 0, 2500))
    for name in ("tactical_nuclear_use", "leader_survives", "partners_abandon", "rung.demonstration-shot"):
        assert result["outcomes"][name]["p"] == pytest.approx(ev.outcomes[name].mean(), rel=1e-12, abs=1e-15)
    assert result["metrics"]["escalation_score"]["mean"] == pytest.approx(ev.metrics["escalation_score"].mean(), rel=1e-12)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 6), st.integers(1, 300), st.sampled_from(sorted(FAN_BINS)), st.integers(0, 2**31 - 1))
def test_histograms_of_a_table_equal_each_rows_histogram(rows: int, n: int, fan: str, seed: int) -> None:
    """The vectorised fan histograms of a chunk equal the one-column ones, with non-finite values
    and values outside the bins (brink.runs.simulate.histograms)."""
    from brink.runs.simulate import _UNIFORM, histogram, histograms

    rng = np.random.default_rng(seed)
    edges = FAN_BINS[fan]
    table = rng.uniform(-0.1 * edges[-1], 1.1 * edges[-1], size=(rows, n))
    table[rng.random((rows, n)) < 0.1] = np.nan
    table[rng.random((rows, n)) < 0.05] = np.inf
    got = histograms(table, edges, _UNIFORM[fan])
    for i in range(rows):
        np.testing.assert_array_equal(got[i], histogram(table[i], edges))
