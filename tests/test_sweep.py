"""Sweeps: designs, one stored run per point, retries, failures and resuming after a kill."""

from __future__ import annotations

import math
import os
import signal
import subprocess
import sys
from pathlib import Path

import duckdb
import numpy as np
import pytest

from brink.errors import InputError
from brink.runs.sweep import (
    PointOutcome,
    PointSpec,
    SampleSink,
    SweepError,
    design_from_options,
    grid_design,
    lhs_design,
    run_sweep,
    write_results,
)
from brink.store import Store

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
SCENARIO_TEXT = "name: toy\n"


def standin(spec: PointSpec, sink: SampleSink) -> PointOutcome:
    """A stand-in Monte Carlo run: P(u < a) and E[b * u] with u ~ U(0, 1) from the seed."""
    a = float(spec.settings.get("a", 0.5))
    b = float(spec.settings.get("b", 1.0))
    u = np.random.default_rng(spec.seed).random(spec.samples)
    hit = (u < a).astype(np.float64)
    half = spec.samples // 2
    sink(half, {"hit": hit[half:], "bu": b * u[half:]})
    return PointOutcome(
        summary={"outcomes": {"hit": float(hit.mean())}, "metrics": {"bu": float((b * u).mean())}},
        samples={"hit": hit[:half], "bu": b * u[:half]},
    )


class Counting:
    def __init__(self, fail_at: float | None = None, flaky: int = 0) -> None:
        self.calls: list[int] = []
        self.fail_at = fail_at
        self.flaky = flaky

    def __call__(self, spec: PointSpec, sink: SampleSink) -> PointOutcome:
        self.calls.append(spec.index)
        if self.fail_at is not None and float(spec.settings["a"]) == self.fail_at:
            raise ValueError("the game has no equilibrium here")
        if self.flaky and self.calls.count(spec.index) <= self.flaky:
            raise ConnectionError("worker lost")
        return standin(spec, sink)


def _sweep(store: Store, design_args: tuple[list[str], list[str]], simulate: object, **kw: object):  # type: ignore[no-untyped-def]
    design = design_from_options(*design_args, seed=11)
    return run_sweep(
        store,
        simulate,  # type: ignore[arg-type]
        scenario="toy",
        scenario_name="toy",
        scenario_text=SCENARIO_TEXT,
        design=design,
        samples=200,
        seed=11,
        version="test",
        **kw,  # type: ignore[arg-type]
    )


def test_grid_is_full_factorial_last_fastest() -> None:
    d = grid_design(["a=0.1,0.2", "mode=x,y,z"])
    assert d.factors == ("a", "mode") and len(d) == 6
    assert d.points[0] == {"a": "0.1", "mode": "x"} and d.points[1] == {"a": "0.1", "mode": "y"}
    assert d.overrides(5) == ["a=0.2", "mode=z"]
    with pytest.raises(InputError, match="path=v1,v2"):
        grid_design(["a"])
    with pytest.raises(InputError, match="twice"):
        grid_design(["a=1", "a=2"])


def test_lhs_stratifies_each_range_and_is_reproducible() -> None:
    n = 16
    d = lhs_design(n, ["a=0:1", "b=-2:6"], seed=3)
    assert d == lhs_design(n, ["a=0:1", "b=-2:6"], seed=3)
    assert d != lhs_design(n, ["a=0:1", "b=-2:6"], seed=4)
    a = np.array([float(p["a"]) for p in d.points])
    b = np.array([float(p["b"]) for p in d.points])
    # Latin hypercube (McKay et al. 1979): exactly one point in each of the n strata per axis.
    assert sorted(np.floor(a * n).astype(int)) == list(range(n))
    assert sorted(np.floor((b + 2) / 8 * n).astype(int)) == list(range(n))
    with pytest.raises(InputError, match="lo < hi"):
        lhs_design(4, ["a=1:0"], seed=0)
    both = design_from_options(["m=x,y"], ["3", "a=0:1"], seed=0)
    assert len(both) == 6 and both.factors == ("m", "a")
    with pytest.raises(InputError, match="number of points"):
        design_from_options([], ["a=0:1"], seed=0)
    with pytest.raises(InputError, match="needs a design"):
        design_from_options([], [], seed=0)


def test_each_point_is_a_stored_run_and_results_file(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.duckdb")
    result = _sweep(store, (["a=0.25,0.5,0.75", "b=1,3"], []), standin)
    assert len(result.computed) == 6 and not result.failures
    sweep = store.get_run(result.sweep_id)
    assert sweep.kind == "sweep" and sweep.status == "complete"
    children = store.list_runs(parent_id=result.sweep_id)
    assert sorted(c.position for c in children) == list(range(6))  # type: ignore[type-var]
    table = result.table()
    u = np.random.default_rng(11).random(200)
    for i, point in enumerate(result.design.points):
        a, b = float(point["a"]), float(point["b"])
        assert table["outcomes.hit"][i] == pytest.approx(np.mean(u < a))
        assert table["metrics.bu"][i] == pytest.approx(b * u.mean())
        child = store.get_run(table["run_id"][i])
        assert child.parameters["settings"] == point and child.n_samples == 200
        np.testing.assert_array_equal(store.samples(child.id)["bu"], b * u)
    out = write_results(result, tmp_path / "points.parquet")
    back = duckdb.sql(f"SELECT * FROM '{out}' ORDER BY point").fetchnumpy()
    np.testing.assert_array_equal(back["a"], table["a"])
    np.testing.assert_array_equal(back["outcomes.hit"], table["outcomes.hit"])
    again = _sweep(store, (["a=0.25,0.5,0.75", "b=1,3"], []), Counting())
    assert again.sweep_id != result.sweep_id and len(again.computed) == 6


def test_failing_point_is_retried_then_reported_with_its_settings(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.duckdb")
    sim = Counting(fail_at=0.5)
    with pytest.raises(
        SweepError,
        match=r"1 of 3 points failed: point 1 \(a=0.5\): ValueError: the game has no equilibrium here",
    ):
        _sweep(store, (["a=0.25,0.5,0.75"], []), sim, retries=2)
    assert sim.calls == [0, 1, 1, 1, 2]
    sweep = store.list_runs(kind="sweep")[0]
    assert sweep.status == "failed"
    assert sweep.summary is not None and sweep.summary["failed"]["1"]["settings"] == {"a": "0.5"}
    attempts = [c for c in store.list_runs(parent_id=sweep.id) if c.position == 1]
    assert len(attempts) == 3 and {c.status for c in attempts} == {"failed"}
    # Fixing the cause and running again resumes: only the failed point is recomputed.
    fixed = Counting()
    result = _sweep(store, (["a=0.25,0.5,0.75"], []), fixed)
    assert result.sweep_id == sweep.id and result.resumed and fixed.calls == [1]
    assert store.get_run(sweep.id).status == "complete"


def test_flaky_point_succeeds_on_retry(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.duckdb")
    sim = Counting(flaky=1)
    result = _sweep(store, (["a=0.25,0.5"], []), sim, retries=1)
    assert sim.calls == [0, 0, 1, 1] and not result.failures
    with pytest.raises(SweepError):
        _sweep(store, (["a=0.3"], []), Counting(flaky=2), retries=1)


KILLED_SWEEP = """
import sys
sys.path.insert(0, {tests!r})
from test_sweep import standin, _sweep
from brink.store import Store

def blocking(spec, sink):
    if spec.index == 3:
        print("blocking 3", flush=True)
        sys.stdin.readline()
    return standin(spec, sink)

_sweep(Store(sys.argv[1]), ({grid!r}, {lhs!r}), blocking,
       on_point=lambda i, status: print(i, status, flush=True))
"""


def test_killed_sweep_resumes_to_the_same_results(tmp_path: Path) -> None:
    grid, lhs = ["b=1,2"], ["4", "a=0:1"]
    reference = _sweep(Store(tmp_path / "ref.duckdb"), (grid, lhs), standin)

    path = tmp_path / "s.duckdb"
    script = KILLED_SWEEP.format(tests=str(TESTS), grid=grid, lhs=lhs)
    proc = subprocess.Popen(
        [sys.executable, "-c", script, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    assert proc.stdout is not None and proc.stdin is not None
    lines = [proc.stdout.readline().strip() for _ in range(4)]
    assert lines == ["0 complete", "1 complete", "2 complete", "blocking 3"]
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    proc.stdin.close()
    proc.stdout.close()

    store = Store(path)
    sweep = store.list_runs(kind="sweep")[0]
    assert sweep.status == "interrupted"
    assert [c.status for c in store.list_runs(parent_id=sweep.id) if c.position == 3] == [
        "interrupted"
    ]

    sim = Counting()
    resumed = _sweep(store, (grid, lhs), sim)
    assert resumed.sweep_id == sweep.id and resumed.resumed
    assert sim.calls == [3, 4, 5, 6, 7] and resumed.computed == [3, 4, 5, 6, 7]
    ref, got = reference.table(), resumed.table()
    assert set(ref) == set(got)
    for name in ref:
        if name != "run_id":
            np.testing.assert_array_equal(got[name], ref[name])
    assert store.get_run(sweep.id).status == "complete"
    assert all(not math.isnan(v) for v in got["outcomes.hit"])


def test_explicit_resume_checks_the_design(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.duckdb")
    result = _sweep(store, (["a=0.25"], []), standin)
    with pytest.raises(InputError, match="another scenario, design"):
        _sweep(store, (["a=0.5"], []), standin, resume=result.sweep_id)
    run = store.begin_run("run", "toy", SCENARIO_TEXT, 1, "test", {})
    with pytest.raises(InputError, match="not a sweep"):
        _sweep(store, (["a=0.25"], []), standin, resume=run)
    again = _sweep(store, (["a=0.25"], []), Counting(), resume=result.sweep_id)
    assert again.sweep_id == result.sweep_id and again.computed == []


# ---- issue 10: sweep paths are checked, with a did-you-mean ------------------------------------


def test_the_examples_of_sweep_help_name_real_settings() -> None:
    """0.1.0's help said ``--grid costs.war=0.1,0.2``, which fails: the path is costs.conventional_war."""
    import re

    from brink.cli.runs import sweep
    from brink.scenario import check_setting_path, load_scenario

    doc = sweep.__doc__ or ""
    paths = re.findall(r"--grid ([\w.]+)=", doc) + re.findall(r"--lhs \d+ ([\w.]+)=", doc)
    assert paths
    sc = load_scenario("ukraine-2022-exchange")
    for path in paths:
        check_setting_path(sc, path, "sweep --help")


def test_an_unknown_sweep_path_is_refused_with_a_did_you_mean() -> None:
    from brink.runs.sweep import SimulationPoints

    with pytest.raises(InputError) as err:
        SimulationPoints().check("ukraine-2022-exchange", grid_design(["costs.war=0.1,0.2"]))
    msg = str(err.value)
    assert "costs.war" in msg and "Did you mean costs.conventional_war?" in msg
    # a key a --set could add to a mapping is still no setting of the scenario
    with pytest.raises(InputError, match=r"'partners\.CHN\.sphere_interest\.KAZ' is not a setting"):
        SimulationPoints().check("ukraine-2022-exchange", grid_design(["partners.CHN.sphere_interest.KAZ=0.1"]))
    SimulationPoints().check("ukraine-2022-exchange", grid_design(["costs.conventional_war=0.1,0.2"]))


def test_sweep_points_at_a_fixed_lambda_are_identical_on_processes(tmp_path: Path) -> None:
    """Each point's chunks travel as the one task type (QRE with a lambda included) and give
    the same stored summaries on a process pool as in process."""
    from brink.executors.processes import ProcessExecutor
    from brink.runs.sweep import SimulationPoints, scenario_source

    text, name = scenario_source("tripartite-crisis")
    design = grid_design(["game.defender_war=0.5,1.5"])

    def sweep(store: Store, simulate: SimulationPoints) -> list[dict[str, object] | None]:
        result = run_sweep(
            store, simulate, scenario="tripartite-crisis", scenario_name=name, scenario_text=text,
            design=design, samples=1024, seed=1, version="test",
        )
        return result.summaries

    local = sweep(Store(tmp_path / "a.duckdb"), SimulationPoints(solver="qre", lam=2.0, chunk_size=512))
    with ProcessExecutor(workers=2) as ex:
        remote = sweep(
            Store(tmp_path / "b.duckdb"), SimulationPoints(ex, chunk_size=512, solver="qre", lam=2.0)
        )
    assert local == remote
    assert all(s is not None and s["lambda"] == 2.0 for s in local)
    assert local[0] != local[1]

