"""Executors give the same ordered results in process, on processes and on Dask."""

from __future__ import annotations

import os
import pickle
from collections.abc import Iterator

import numpy as np
import pytest

from brink.errors import InputError
from brink.executors import ExecutionError, Executor, describe_task, get_executor
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
