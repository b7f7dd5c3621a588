"""Sobol' and Morris sensitivity through brink's Evaluator path, checked against SALib and theory."""

from __future__ import annotations

import json
import os
from dataclasses import replace

import numpy as np
import pytest
from SALib.analyze import sobol as salib_sobol_analyze
from SALib.sample import sobol as salib_sobol_sample
from SALib.test_functions import Ishigami

from brink.analysis.experiments import design_params, evaluate_chunked
from brink.analysis.sensitivity import morris, sobol, sobol_design
from brink.analysis.test_functions import IshigamiEvaluator, ishigami, ishigami_indices
from brink.errors import InputError
from brink.executors import ExecutionError
from brink.executors.local import LocalExecutor
from brink.executors.processes import ProcessExecutor


def test_analytic_indices_match_the_literature() -> None:
    s1, st = ishigami_indices()
    np.testing.assert_allclose(s1, [0.3139, 0.4424, 0.0], atol=1e-4)
    np.testing.assert_allclose(st, [0.5576, 0.4424, 0.2437], atol=1e-4)


def test_ishigami_matches_salib_function() -> None:
    x = np.random.default_rng(3).uniform(-np.pi, np.pi, (50, 3))
    np.testing.assert_allclose(ishigami(x), Ishigami.evaluate(x))


def test_sobol_reproduces_salib_directly() -> None:
    n, seed = 512, 7
    res = sobol(IshigamiEvaluator(), "y", n, seed, num_resamples=100)
    problem = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-np.pi, np.pi]] * 3}
    x = salib_sobol_sample.sample(problem, n, calc_second_order=False, seed=seed)
    ref = salib_sobol_analyze.analyze(
        problem, Ishigami.evaluate(x), calc_second_order=False, num_resamples=100, seed=seed
    )
    for key in ("S1", "ST", "S1_conf", "ST_conf"):
        np.testing.assert_allclose(res.indices[key], ref[key], rtol=1e-6, atol=1e-9)
    assert res.n_evaluations == n * 5
    assert res.n_failed == 0 and res.n_blocks_dropped == 0


def test_sobol_recovers_analytic_indices_within_ci() -> None:
    res = sobol(IshigamiEvaluator(), "y", 4096, 11)
    s1, st = ishigami_indices()
    assert np.all(np.abs(res.indices["S1"] - s1) <= res.indices["S1_conf"])
    assert np.all(np.abs(res.indices["ST"] - st) <= res.indices["ST_conf"])
    assert res.ranking() == ["x1", "x2", "x3"]
    np.testing.assert_allclose(res.indices["ST"], st, atol=0.03)


def test_sobol_rounds_to_power_of_two_and_is_deterministic() -> None:
    a = sobol(IshigamiEvaluator(), "y", 100, 5, num_resamples=20)
    b = sobol(IshigamiEvaluator(), "y", 100, 5, num_resamples=20)
    assert a.n_base == 128 and a.info["n_requested"] == 100
    for k in a.indices:
        np.testing.assert_array_equal(a.indices[k], b.indices[k])
    json.dumps(a.to_json())


def test_sobol_drops_whole_blocks_with_failures() -> None:
    ev = IshigamiEvaluator()
    ev.fail_below = -3.0  # about 2% of runs fail
    res = sobol(ev, "y", 1024, 2)
    assert res.n_failed > 0
    assert 0 < res.n_blocks_dropped <= res.n_failed
    assert np.all(np.isfinite(res.indices["ST"]))
    _, st = ishigami_indices()
    np.testing.assert_allclose(res.indices["ST"], st, atol=0.12)


def test_morris_ranks_ishigami() -> None:
    res = morris(IshigamiEvaluator(), "y", 200, 1)
    mu_star, sigma, mu = res.indices["mu_star"], res.indices["sigma"], res.indices["mu"]
    # x3 matters only through its interaction with x1 (S1 = 0 but ST > 0): Morris must
    # still find it influential, rank it last, and show sigma >> |mu| for it.
    assert res.ranking()[-1] == "x3"
    assert np.all(mu_star > 1.0)
    assert sigma[2] > 5 * abs(mu[2])
    assert res.n_evaluations == 200 * 4


def test_unknown_outcome_names_the_choices() -> None:
    with pytest.raises(InputError, match=r"unknown outcome 'nope'.*high, y"):
        sobol(IshigamiEvaluator(), "nope", 8, 0)


class _WorkerEvaluator(IshigamiEvaluator):
    """Ishigami, also reporting the process that evaluated each row (metric ``pid``)."""

    def evaluate(self, params, levers=None):  # type: ignore[no-untyped-def]
        ev = super().evaluate(params, levers)
        return replace(ev, metrics={**ev.metrics, "pid": np.full(ev.n, float(os.getpid()))})


class _LocalOnlyEvaluator(_WorkerEvaluator):
    """Cannot be pickled (holds a lambda), so a process executor refuses it (0.1.0 silently
    evaluated it in process)."""

    def __init__(self) -> None:
        super().__init__()
        self.unpicklable = lambda: None


class _ShortChunkFails(IshigamiEvaluator):
    def evaluate(self, params, levers=None):  # type: ignore[no-untyped-def]
        if len(params["x1"]) < 300:
            raise ValueError("short chunk")
        return super().evaluate(params, levers)


def test_sobol_on_processes_is_identical_and_really_runs_elsewhere() -> None:
    ev = _WorkerEvaluator()
    ref = sobol(ev, "y", 2048, 5, chunk=1500)
    with ProcessExecutor(workers=2) as ex:
        par = sobol(ev, "y", 2048, 5, chunk=1500, executor=ex)
        params = design_params(ev, sobol_design(ev.uncertainties, 64, 5))
        shipped = evaluate_chunked(ev, params, chunk=100, executor=ex)
        with pytest.raises(InputError, match="cannot be sent to a worker process"):
            evaluate_chunked(_LocalOnlyEvaluator(), params, chunk=100, executor=ex)
    for key in ("S1", "S1_conf", "ST", "ST_conf"):
        np.testing.assert_array_equal(par.indices[key], ref.indices[key])
    s1, st = ishigami_indices()
    np.testing.assert_allclose(par.indices["S1"], s1, atol=0.05)
    np.testing.assert_allclose(par.indices["ST"], st, atol=0.05)
    assert par.n_evaluations == 2048 * 5
    assert os.getpid() not in set(shipped.metrics["pid"].tolist())  # every chunk ran in a worker
    kept = evaluate_chunked(_LocalOnlyEvaluator(), params, chunk=100, executor=LocalExecutor())
    np.testing.assert_array_equal(kept.metrics["pid"], os.getpid())  # in process: no pickling
    np.testing.assert_array_equal(kept.outcomes["high"], shipped.outcomes["high"])
    np.testing.assert_array_equal(kept.metrics["y"], shipped.metrics["y"])


def test_morris_on_local_executor_matches_in_process() -> None:
    ev = IshigamiEvaluator()
    a = morris(ev, "y", 40, 2, chunk=33)
    b = morris(ev, "y", 40, 2, chunk=33, executor=LocalExecutor())
    assert json.dumps(a.to_json()) == json.dumps(b.to_json())


def test_a_failing_chunk_is_named() -> None:
    params = IshigamiEvaluator().draw(0, 0, 1000)
    with pytest.raises(ExecutionError, match=r"task 3 \(rows 900\.\.999 of the design, model ishigami\)"):
        evaluate_chunked(_ShortChunkFails(), params, chunk=300, executor=LocalExecutor())


def test_sobol_bootstrap_is_seeded_even_for_seed_zero() -> None:
    """SALib reads seed 0 as "unseeded"; brink's intervals must still repeat exactly."""
    a = sobol(IshigamiEvaluator(), "y", 256, 0, num_resamples=50)
    np.random.seed(12345)  # the global RNG must not matter
    b = sobol(IshigamiEvaluator(), "y", 256, 0, num_resamples=50)
    for key in ("S1_conf", "ST_conf"):
        np.testing.assert_array_equal(a.indices[key], b.indices[key])
    assert np.all(a.indices["ST_conf"] > 0)
