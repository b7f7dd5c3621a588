"""Tasks on a Dask cluster (Rocklin 2015): a laptop, a workstation or a SLURM/PBS allocation.

With a scheduler address (``tcp://host:8786``: a ``dask scheduler`` started by hand, or
one from ``dask-jobqueue``) the executor connects to that cluster; otherwise it starts a
``distributed.LocalCluster`` of single-threaded worker processes sized to this machine.
Dask is an optional extra (``pip install 'brink[dask]'``), imported only here, only when
used.  Workers must have the same brink version installed as the client.
"""

from __future__ import annotations

import importlib
import logging
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

from brink.errors import InputError
from brink.executors import ExecutionError, machine_workers

__all__ = ["DaskExecutor"]

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
            self._cluster = distributed.LocalCluster(
                n_workers=n,
                threads_per_worker=1,
                processes=processes,
                dashboard_address=None,
                silence_logs=logging.ERROR,
            )
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

    def map(self, fn: Callable[[T], R], tasks: Iterable[T]) -> Iterator[R]:
        """Yield ``fn(task)`` for each task in order, with ``2 * workers`` in flight."""
        pending: deque[tuple[int, T, Any]] = deque()
        window = 2 * self.workers
        try:
            for index, task in enumerate(tasks):
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
