"""Executors: the same tasks in process, across local processes, or on a Dask cluster.

Every analysis cuts its work into picklable tasks (chunks of Monte Carlo samples, sweep
points, ...) and hands them to an :class:`Executor`, whose ``map`` yields the results
*in task order*.  Since each task draws its random numbers from its own global sample
indices (docs/design.md §3; :mod:`brink.scenario.random`), the numbers are identical on every
executor and worker count: parallelism changes the speed, never the result.

A task that raises is re-raised in the caller as :class:`ExecutionError`, naming the
task (its parameters) and the original error, never as a bare remote traceback.  A task
that cannot be sent to another process (it does not pickle) is refused before anything
runs (:func:`require_picklable`), never run in process behind the caller's back.

The one :class:`Executor` protocol of brink lives in :mod:`brink.executors.base`
(re-exported here); this module picks a backend by name.  The one task type that
the Monte Carlo runs and the analyses give an executor is
:class:`brink.executors.chunk.Chunk`, run by :func:`brink.executors.chunk.run_chunk`.
"""

from __future__ import annotations

from typing import Literal

from brink.errors import InputError
from brink.executors.base import (
    ExecutionError,
    Executor,
    describe_task,
    machine_workers,
    require_picklable,
)

__all__ = [
    "EXECUTORS",
    "ExecutionError",
    "Executor",
    "describe_task",
    "get_executor",
    "machine_workers",
    "require_picklable",
]

#: Names accepted by :func:`get_executor` and ``--executor``.
EXECUTORS = ("local", "processes", "dask")


def get_executor(
    name: Literal["local", "processes", "dask"] | str = "local",
    scheduler: str | None = None,
    workers: int | None = None,
) -> Executor:
    """The executor called ``name`` (``local``, ``processes`` or ``dask``).

    Args:
        name: ``local`` runs in this process; ``processes`` on a local process pool;
            ``dask`` on a Dask cluster.
        scheduler: Address of a running Dask scheduler (``tcp://host:8786``); only with
            ``dask``.  Without it, ``dask`` starts a ``LocalCluster`` on this machine.
        workers: Number of workers (default: the cores available; ignored by ``local``
            and by an existing Dask scheduler).
    """
    if workers is not None and workers < 1:
        raise InputError(
            f"workers must be at least 1, got {workers}", "--workers", "Give a positive number"
        )
    if scheduler is not None and name != "dask":
        raise InputError(
            f"a scheduler address was given with the {name!r} executor",
            "--scheduler",
            "Use --executor dask with --scheduler, or drop --scheduler",
        )
    if name == "local":
        from brink.executors.local import LocalExecutor

        return LocalExecutor()
    if name == "processes":
        from brink.executors.processes import ProcessExecutor

        return ProcessExecutor(workers=workers)
    if name == "dask":
        from brink.executors.dask import DaskExecutor

        return DaskExecutor(scheduler=scheduler, workers=workers)
    raise InputError(
        f"unknown executor {name!r}", "--executor", f"Use one of: {', '.join(EXECUTORS)}"
    )
