"""Executors give the same ordered results in process, on processes and on Dask."""

from __future__ import annotations

import importlib.util
import json
import os
import pickle
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from brink.errors import InputError
from brink.executors import ExecutionError, Executor, describe_task, get_executor
from brink.executors.chunk import run_chunk
from brink.executors.local import LocalExecutor
from brink.executors.processes import ProcessExecutor


def toy(task: tuple[int, int]) -> tuple[int, float]:
    """A deterministic chunk: the mean of a seeded stream, keyed by its start index."""
    start, size = task
    rng = np.random.default_rng([17, start])
    return start, float(rng.random(size).mean())


class Point(dict[str, float]):
    def describe(self) -> str:
        return ", ".join(f"{k}={v}" for k, v in self.items())


def fragile(task: Point) -> float:
    if task["x"] == 3:
        raise ValueError(f"cannot solve at x={task['x']}")
    return task["x"] ** 2


TASKS = [(i * 100, 50 + i) for i in range(23)]
EXPECTED = [toy(t) for t in TASKS]


def test_local_executor_is_lazy_and_ordered() -> None:
    seen: list[int] = []

    def tasks() -> Iterator[tuple[int, int]]:
        for t in TASKS:
            seen.append(t[0])
            yield t

    with LocalExecutor() as ex:
        assert isinstance(ex, Executor) and ex.workers == 1
        it = ex.map(toy, tasks())
        assert next(it) == EXPECTED[0] and seen == [0]
        assert [EXPECTED[0], *it] == EXPECTED


def test_processes_match_local() -> None:
    with ProcessExecutor(workers=2) as ex:
        assert ex.workers == 2
        assert list(ex.map(toy, TASKS)) == EXPECTED
        assert list(ex.map(toy, TASKS[:1])) == EXPECTED[:1]


def test_dask_local_cluster_matches_local() -> None:
    pytest.importorskip("distributed")
    from brink.executors.dask import DaskExecutor

    with DaskExecutor(workers=2, processes=False) as ex:
        assert ex.workers == 2
        assert list(ex.map(toy, TASKS)) == EXPECTED
        with pytest.raises(
            ExecutionError, match=r"task 3 \(x=3.0\) failed: ValueError: cannot solve at x=3.0"
        ):
            list(ex.map(fragile, [Point(x=float(i)) for i in range(6)]))


def test_dask_workers_keep_glibc_default_allocator(monkeypatch: pytest.MonkeyPatch) -> None:
    """Dask's nanny exports MALLOC_TRIM_THRESHOLD_, which disables glibc's dynamic mmap
    threshold and made each chunk ~50% slower than in process; our LocalCluster spawns its
    workers without it, keeps one BLAS thread each, and leaves the caller's environment as
    it was."""
    pytest.importorskip("distributed")
    from brink.executors.dask import DaskExecutor

    keys = ("MALLOC_TRIM_THRESHOLD_", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "PYTHONHASHSEED")
    for key in keys:
        monkeypatch.delenv(key, raising=False)
    with DaskExecutor(workers=1, processes=True) as ex:
        caller = {k: os.environ.get(k) for k in keys}
        (worker,) = ex.client.run(lambda: {k: os.environ.get(k) for k in keys}).values()
        assert list(ex.map(toy, TASKS[:3])) == EXPECTED[:3]
    assert caller == dict.fromkeys(keys)
    assert worker["MALLOC_TRIM_THRESHOLD_"] is None
    assert worker["OMP_NUM_THREADS"] == worker["OPENBLAS_NUM_THREADS"] == "1"


@pytest.mark.parametrize("name", ["local", "processes"])
def test_raising_task_is_named_with_its_parameters(name: str) -> None:
    with get_executor(name, workers=2) as ex:
        results = ex.map(fragile, [Point(x=float(i)) for i in range(6)])
        assert [next(results) for _ in range(3)] == [0.0, 1.0, 4.0]
        with pytest.raises(ExecutionError) as info:
            next(results)
    err = info.value
    assert err.index == 3 and err.task == {"x": 3.0}
    assert str(err) == "task 3 (x=3.0) failed: ValueError: cannot solve at x=3.0"
    if name == "processes":
        assert "fragile" in err.remote_traceback
    again = pickle.loads(pickle.dumps(err))
    assert str(again) == str(err) and again.task == err.task


def test_describe_task_truncates_long_reprs() -> None:
    assert describe_task((1, "a")) == "(1, 'a')"
    text = describe_task(list(range(1000)), limit=40)
    assert len(text) == 40 and text.endswith("...")


def test_get_executor_rejects_bad_combinations() -> None:
    with pytest.raises(InputError, match="unknown executor"):
        get_executor("gpu")
    with pytest.raises(InputError, match="--executor dask"):
        get_executor("processes", scheduler="tcp://127.0.0.1:8786")
    with pytest.raises(InputError, match="at least 1"):
        get_executor("processes", workers=0)
    assert isinstance(get_executor("local"), LocalExecutor)


def test_unreachable_scheduler_is_an_input_error() -> None:
    pytest.importorskip("distributed")
    from brink.executors.dask import DaskExecutor

    with pytest.raises(InputError, match="cannot reach the Dask scheduler"):
        DaskExecutor(scheduler="tcp://127.0.0.1:1", timeout=1.0)


# --- one execution path: a scenario model travels to every executor, any solver and lambda ---

BUNDLED = [
    "alternating-offers",
    "audience-costs",
    "berlin-1961",
    "brinkmanship",
    "commitment-shift",
    "crimea-2014",
    "cuban-missile-crisis-1962",
    "cuban-missile-crisis-1962-exchange",
    "deterrence-rudimentary",
    "fearon-1995",
    "georgia-2008",
    "july-1914",
    "july-1914-exchange",
    "kargil-1999",
    "resurrection",
    "sino-soviet-border-1969",
    "taiwan-strait-1995",
    "tripartite-crisis",
    "ukraine-2022",
    "ukraine-2022-exchange",
    "ukraine-in-nato",
    "ukraine-in-nato-exchange",
    "war-of-attrition",
]
#: Multi-round games whose QRE takes seconds per sample: their pickling is checked with
#: the default solver here and in tests/test_contracts.py.
ESCALATION = {"berlin-1961", "crimea-2014", "cuban-missile-crisis-1962", "georgia-2008", "july-1914",
              "kargil-1999", "sino-soviet-border-1969", "taiwan-strait-1995", "ukraine-2022", "ukraine-in-nato"}


def _pid_and_evaluation(task: Any, params: Any, evaluation: Any) -> tuple[int, Any]:
    """A reducer that also says which process evaluated the chunk."""
    return os.getpid(), evaluation


def _same_evaluation(a: Any, b: Any) -> None:
    assert a.outcomes.keys() == b.outcomes.keys() and a.metrics.keys() == b.metrics.keys()
    for key in a.outcomes:
        np.testing.assert_array_equal(a.outcomes[key], b.outcomes[key])
    for key in a.metrics:
        np.testing.assert_array_equal(a.metrics[key], b.metrics[key])
    np.testing.assert_array_equal(a.failed, b.failed)
    assert a.path_labels == b.path_labels
    np.testing.assert_array_equal(a.paths, b.paths)


def test_bundled_scenarios_list_is_complete() -> None:
    from brink.scenario import bundled_scenarios

    assert sorted(bundled_scenarios()) == BUNDLED


@pytest.mark.parametrize(
    ("name", "solver"),
    [(name, solver) for name in BUNDLED for solver in ("spe", "qre") if not (solver == "qre" and name in ESCALATION)],
)
def test_scenario_model_pickles_and_evaluates_identically(name: str, solver: str) -> None:
    """A CrisisModel pickles as its scenario's data (its compiled expressions do not
    pickle) and evaluates the same after unpickling; the rebuilt model is cached per
    process.  A model refused in process (QRE on fearon-1995's 30,402-node game does not
    fit the memory budget) is refused identically after the trip."""
    from brink.model import CrisisModel
    from brink.scenario import load_scenario

    lam = 2.0 if solver == "qre" else None
    model = CrisisModel(load_scenario(name), solver=solver, lam=lam)
    again = pickle.loads(pickle.dumps(model))
    assert type(again) is CrisisModel and again is not model
    assert (again.solver, again.lam, again.memory) == (model.solver, model.lam, model.memory)
    assert again.scenario_json == model.scenario_json
    assert pickle.loads(pickle.dumps(model)) is again  # one model per process and pickle
    params = model.draw(5, 100, 164)
    np.testing.assert_equal(again.draw(5, 100, 164), params)
    try:
        reference = model.evaluate(params)
    except InputError as exc:
        with pytest.raises(InputError) as info:
            again.evaluate(params)
        assert str(info.value) == str(exc) and "--memory" in str(exc)
        return
    _same_evaluation(again.evaluate(params), reference)


def test_qre_at_a_fixed_lambda_runs_in_the_worker_processes() -> None:
    """0.1.0 evaluated a QRE model with a lambda in process whatever the executor (its
    compiled expressions did not pickle); now its chunks run in the workers."""
    from brink.executors.chunk import Chunk
    from brink.model import CrisisModel
    from brink.scenario import load_scenario

    model = CrisisModel(load_scenario("tripartite-crisis"), solver="qre", lam=2.0)
    tasks = [Chunk(model, a, a + 64, _pid_and_evaluation, seed=3) for a in range(0, 256, 64)]
    with LocalExecutor() as ex:
        local = list(ex.map(run_chunk, tasks))
    with ProcessExecutor(workers=2) as ex:
        remote = list(ex.map(run_chunk, tasks))
    assert {pid for pid, _ in local} == {os.getpid()}
    assert os.getpid() not in {pid for pid, _ in remote}
    for (_, a), (_, b) in zip(local, remote, strict=True):
        _same_evaluation(a, b)


@pytest.mark.parametrize("name", ["deterrence-rudimentary", "tripartite-crisis"])
def test_run_with_qre_at_a_fixed_lambda_is_identical_on_every_executor(name: str) -> None:
    """``run`` with ``solver="qre", lam=2``: the same JSON in process, on processes and on Dask."""
    from brink.runs import run
    from brink.scenario import load_scenario

    sc = load_scenario(name)

    def on(executor: Executor | None) -> str:
        result = run(sc, 1536, seed=2, chunk_size=512, solver="qre", lam=2.0, executor=executor)
        return json.dumps(result.to_json(), sort_keys=True)

    reference = on(None)
    assert json.loads(reference)["lambda"] == 2.0
    assert reference != json.dumps(run(sc, 1536, seed=2, solver="qre").to_json(), sort_keys=True)
    with LocalExecutor() as ex:
        assert on(ex) == reference
    with ProcessExecutor(workers=2) as ex:
        assert on(ex) == reference
    if importlib.util.find_spec("distributed") is not None:
        from brink.executors.dask import DaskExecutor

        with DaskExecutor(workers=2, processes=True) as ex:
            assert on(ex) == reference


def test_lambda_without_qre_is_refused() -> None:
    from brink.runs import run
    from brink.scenario import load_scenario

    with pytest.raises(InputError, match="--lambda"):
        run(load_scenario("tripartite-crisis"), 512, solver="spe", lam=2.0)


class _Unpicklable:
    """An evaluator defined in a function's scope would not pickle; this one refuses outright."""

    name = "unpicklable"

    def __init__(self) -> None:
        from brink.analysis.test_functions import IshigamiEvaluator

        self.inner = IshigamiEvaluator()
        self.uncertainties = self.inner.uncertainties
        self.levers = self.inner.levers

    def __reduce__(self) -> Any:
        raise TypeError("cannot pickle this evaluator")

    def draw(self, seed: int, start: int, stop: int) -> Any:
        return self.inner.draw(seed, start, stop)

    def ppf(self, name: str, u: Any) -> Any:
        return self.inner.ppf(name, u)

    def evaluate(self, params: Any, levers: Any = None) -> Any:
        return self.inner.evaluate(params, levers)


def test_an_evaluator_that_does_not_pickle_is_refused_not_run_in_process() -> None:
    """0.1.0 silently evaluated such a model in process on every executor."""
    from brink.analysis.experiments import evaluate_chunked

    ev = _Unpicklable()
    params = ev.draw(0, 0, 100)
    with LocalExecutor() as ex:
        local = evaluate_chunked(ev, params, chunk=40, executor=ex)
    _same_evaluation(local, ev.evaluate(params))
    with ProcessExecutor(workers=2) as ex, pytest.raises(InputError) as info:
        evaluate_chunked(ev, params, chunk=40, executor=ex)
    message = str(info.value)
    assert "rows 0..39 of the design, model unpicklable" in message
    assert "cannot be sent to a worker process: TypeError: cannot pickle this evaluator" in message
    assert "--executor local" in message


def test_analyses_of_a_picklable_evaluator_run_in_the_workers() -> None:
    from brink.analysis.experiments import design_chunks
    from brink.analysis.test_functions import IshigamiEvaluator

    ev = IshigamiEvaluator()
    params = ev.draw(1, 0, 90)
    tasks = design_chunks(ev, params, {"shift": 1}, 40)
    assert [t.describe() for t in tasks] == [
        "rows 0..39 of the design, model ishigami, shift=1",
        "rows 40..79 of the design, model ishigami, shift=1",
        "rows 80..89 of the design, model ishigami, shift=1",
    ]
    with ProcessExecutor(workers=2) as ex:
        remote = list(ex.map(run_chunk, tasks))
    for task, evaluation in zip(tasks, remote, strict=True):
        _same_evaluation(evaluation, ev.evaluate(task.rows(), {"shift": 1}))
