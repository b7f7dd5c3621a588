"""Tasks on a Dask cluster (Rocklin 2015): a laptop, a workstation or a SLURM/PBS allocation.

With a scheduler address (``tcp://host:8786``: a ``dask scheduler`` started by hand, or
one from ``dask-jobqueue``) the executor connects to that cluster; otherwise it starts a
``distributed.LocalCluster`` of single-threaded worker processes sized to this machine.

Worker memory allocator: Dask's nanny exports ``MALLOC_TRIM_THRESHOLD_=65536`` to every
worker it spawns (``distributed.nanny.pre-spawn-environ``).  Setting any glibc malloc
threshold switches off glibc's *dynamic* mmap threshold, so every NumPy temporary above
128 KiB is ``mmap``-ed and ``munmap``-ed afresh and its pages fault in again on each
chunk: ~7x the page faults and ~50-70% more time per chunk of ``brink.runs.montecarlo.run``
than the same chunk in process.  The ``LocalCluster`` started here therefore spawns its
workers without that variable (glibc defaults, as in process and on
:class:`~brink.executors.processes.ProcessExecutor`), and keeps the one-thread BLAS/OpenMP
limits.  The nanny also writes its spawn variables into the caller's own ``os.environ``;
they are put back afterwards so that later child processes are not affected.

Dask is an optional extra (``pip install 'brink[dask]'``), imported only here, only when
used.  Workers must have the same brink version installed as the client.
"""

from __future__ import annotations

import importlib
import logging
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

from brink.errors import InputError
from brink.executors.base import ExecutionError, machine_workers, require_picklable

__all__ = ["WORKER_ENVIRONMENT_UNSET", "DaskExecutor"]

#: Nanny spawn variables the ``LocalCluster`` started here leaves unset (see the module doc).
WORKER_ENVIRONMENT_UNSET = ("MALLOC_TRIM_THRESHOLD_",)

T = TypeVar("T")
R = TypeVar("R")


class DaskExecutor:
    """Runs tasks on Dask workers; results come back in task order.

    Args:
        scheduler: Address of a running scheduler; ``None`` starts a ``LocalCluster``.
        workers: Workers of the ``LocalCluster`` (default: the cores available); with a
            scheduler, the cluster's own thread count is used.
        processes: ``LocalCluster`` workers as processes (default) or threads.
        timeout: Seconds to wait when connecting to a scheduler.
    """

    def __init__(
        self,
        scheduler: str | None = None,
        workers: int | None = None,
        processes: bool = True,
        timeout: float = 30.0,
    ) -> None:
        try:
            distributed: Any = importlib.import_module("distributed")
        except ImportError as exc:
            raise InputError(
                "the Dask executor needs the 'distributed' package",
                "--executor dask",
                "Install it with `pip install 'brink[dask]'`, or use --executor processes",
            ) from exc
        self.scheduler = scheduler
        self._cluster: Any = None
        if scheduler is None:
            n = int(workers) if workers is not None else machine_workers()
            self._cluster = _local_cluster(distributed, n, processes)
            self._client: Any = distributed.Client(self._cluster)
            self.workers = n
        else:
            try:
                self._client = distributed.Client(scheduler, timeout=timeout)
            except (OSError, TimeoutError) as exc:
                raise InputError(
                    f"cannot reach the Dask scheduler at {scheduler!r} ({exc})",
                    "--scheduler",
                    "Start one with `dask scheduler` (and workers with `dask worker ADDRESS`), "
                    "and pass the address it prints, e.g. tcp://10.0.0.5:8786",
                ) from exc
            threads = self._client.nthreads()
            self.workers = max(1, sum(int(v) for v in threads.values()))

    @property
    def client(self) -> Any:
        """The ``distributed.Client`` (for ``client.run`` diagnostics on every worker)."""
        return self._client

    def map(self, fn: Callable[[T], R], tasks: Iterable[T]) -> Iterator[R]:
        """Yield ``fn(task)`` for each task in order, with ``2 * workers`` in flight."""
        pending: deque[tuple[int, T, Any]] = deque()
        window = 2 * self.workers
        try:
            for index, task in enumerate(tasks):
                if index == 0:
                    require_picklable(fn, task, _cloudpickle_dumps())
                pending.append((index, task, self._client.submit(fn, task, pure=False)))
                if len(pending) >= window:
                    yield self._result(*pending.popleft())
            while pending:
                yield self._result(*pending.popleft())
        finally:
            for _, _, future in pending:
                future.cancel()

    @staticmethod
    def _result(index: int, task: Any, future: Any) -> Any:
        try:
            return future.result()
        except ExecutionError:
            raise
        except Exception as exc:
            import traceback

            tb = future.traceback()
            text = "".join(traceback.format_tb(tb)) if tb is not None else ""
            raise ExecutionError(index, task, exc, text) from exc

    def close(self) -> None:
        """Disconnect; a LocalCluster started here is shut down."""
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None

    def __enter__(self) -> DaskExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        where = self.scheduler or "LocalCluster"
        return f"DaskExecutor({where!r}, workers={self.workers})"


def _cloudpickle_dumps() -> Callable[[Any], bytes]:
    """The serializer Dask itself uses for tasks (cloudpickle: also closures and lambdas)."""
    cloudpickle: Any = importlib.import_module("cloudpickle")
    dumps: Callable[[Any], bytes] = cloudpickle.dumps
    return dumps


def _local_cluster(distributed: Any, workers: int, processes: bool) -> Any:
    """A ``LocalCluster`` of one-thread workers spawned with glibc's default allocator."""
    dask: Any = importlib.import_module("dask")
    spawn_key = "distributed.nanny.pre-spawn-environ"
    touched = {*dask.config.get(spawn_key, {}), "PYTHONHASHSEED"}
    saved = {key: os.environ.get(key) for key in touched}
    unset = {f"{spawn_key}.{key}": None for key in WORKER_ENVIRONMENT_UNSET}
    try:
        with dask.config.set(unset):
            return distributed.LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=processes,
                dashboard_address=None,
                silence_logs=logging.ERROR,
            )
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
