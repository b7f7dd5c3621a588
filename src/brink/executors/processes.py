"""A pool of local worker processes (``concurrent.futures`` with a forkserver context).

Workers are started by a fork server (or spawned where there is none), never forked
from a caller that may hold threads or open DuckDB/Dask handles.  At most
``2 * workers`` tasks are in flight, so memory stays bounded by the chunk size however
many tasks there are (docs/design.md §3, "Stream").
"""

from __future__ import annotations

import multiprocessing
import signal
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, TypeVar

from brink.executors.base import ExecutionError, machine_workers, require_picklable

__all__ = ["ProcessExecutor"]

T = TypeVar("T")
R = TypeVar("R")


def _ignore_sigint() -> None:
    """Worker initializer: Ctrl-C is the caller's to handle (it stores the run as
    interrupted and shuts the pool down); workers would only print tracebacks."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _start_method() -> str:
    methods = multiprocessing.get_all_start_methods()
    return "forkserver" if "forkserver" in methods else "spawn"


class ProcessExecutor:
    """Runs tasks on ``workers`` local processes; results come back in task order.

    Args:
        workers: Number of processes (default: the cores this process may use).
    """

    def __init__(self, workers: int | None = None) -> None:
        self.workers = int(workers) if workers is not None else machine_workers()
        self._pool: ProcessPoolExecutor | None = None

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            context = multiprocessing.get_context(_start_method())
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers, mp_context=context, initializer=_ignore_sigint
            )
        return self._pool

    def map(self, fn: Callable[[T], R], tasks: Iterable[T]) -> Iterator[R]:
        """Yield ``fn(task)`` for each task in order, with ``2 * workers`` in flight."""
        pool = self._executor()
        pending: deque[tuple[int, T, Future[R]]] = deque()
        source = enumerate(tasks)
        window = 2 * self.workers
        try:
            for index, task in source:
                if index == 0:
                    require_picklable(fn, task)
                pending.append((index, task, pool.submit(fn, task)))
                if len(pending) >= window:
                    yield _result(*pending.popleft())
            while pending:
                yield _result(*pending.popleft())
        finally:
            for _, _, future in pending:
                future.cancel()

    def close(self) -> None:
        """Stop the worker processes."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def __enter__(self) -> ProcessExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"ProcessExecutor(workers={self.workers})"


def _result(index: int, task: Any, future: Future[R]) -> R:
    try:
        return future.result()
    except ExecutionError:
        raise
    except Exception as exc:
        remote = exc.__cause__
        text = str(getattr(remote, "tb", "")) if remote is not None else ""
        raise ExecutionError(index, task, exc, text) from exc
