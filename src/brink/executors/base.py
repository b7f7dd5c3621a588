"""The one :class:`Executor` protocol of brink and what every backend shares.

An executor runs picklable tasks and yields their results in task order; a task that
raises comes back as :class:`ExecutionError` naming the task, and a task that cannot
travel to another process is refused before anything runs (:func:`require_picklable`).
The backends (:mod:`brink.executors.local`, :mod:`brink.executors.processes`,
:mod:`brink.executors.dask`) import this module; :mod:`brink.executors` re-exports it
and picks a backend by name, so no backend imports the package that imports it.
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Protocol, TypeVar, runtime_checkable

from brink.errors import BrinkError, InputError

__all__ = ["ExecutionError", "Executor", "describe_task", "machine_workers", "require_picklable"]

T = TypeVar("T")
R = TypeVar("R")

class ExecutionError(BrinkError):
    """A task failed: which one (its index and parameters), and why.

    Attributes:
        index: Position of the task in the ``tasks`` passed to ``map``.
        task: The task itself (its parameters).
        cause: ``"TypeName: message"`` of the original exception.
        remote_traceback: The traceback text from the worker, when there was one.
    """

    def __init__(
        self, index: int, task: Any, cause: BaseException, remote_traceback: str = ""
    ) -> None:
        self.index = index
        self.task = task
        self.cause = f"{type(cause).__name__}: {cause}"
        self.remote_traceback = remote_traceback
        super().__init__(f"task {index} ({describe_task(task)}) failed: {self.cause}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (
            _rebuild_execution_error,
            (self.index, self.task, self.cause, self.remote_traceback),
        )


def _rebuild_execution_error(
    index: int, task: Any, cause: str, remote_traceback: str
) -> ExecutionError:
    err = ExecutionError.__new__(ExecutionError)
    err.index, err.task, err.cause, err.remote_traceback = index, task, cause, remote_traceback
    BrinkError.__init__(err, f"task {index} ({describe_task(task)}) failed: {cause}")
    return err


def describe_task(task: Any, limit: int = 300) -> str:
    """A short human-readable description of a task's parameters.

    Uses ``task.describe()`` when the task defines it, else its ``repr``; long texts are
    cut to ``limit`` characters.
    """
    describe = getattr(task, "describe", None)
    text = str(describe()) if callable(describe) else repr(task)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def machine_workers() -> int:
    """CPU cores this process may use (its affinity mask, not the machine's total)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def require_picklable(
    fn: Callable[[Any], Any], task: Any, dumps: Callable[[Any], bytes] = pickle.dumps
) -> None:
    """Refuse, with a message, a function or task that cannot travel to another process.

    The process and Dask executors call this on the first task before submitting
    anything: a model that does not pickle is an :class:`~brink.errors.InputError`
    naming the task, never a silent fallback to running in process.  (A scenario's
    :class:`~brink.model.CrisisModel` pickles as its scenario's data.)
    """
    try:
        dumps((fn, task))
    except Exception as exc:
        raise InputError(
            f"task 0 ({describe_task(task)}) cannot be sent to a worker process: "
            f"{type(exc).__name__}: {exc}",
            "--executor",
            "Run it with --executor local, or make the model picklable (ship its data and "
            "rebuild it in the worker, as brink.model.CrisisModel does)",
        ) from exc


@runtime_checkable
class Executor(Protocol):
    """Runs ``fn`` over ``tasks`` and yields the results in task order.

    ``fn`` and the tasks must be picklable (a module-level function; for Dask,
    cloudpickle also accepts closures).  ``workers`` is the number of tasks run at
    once.  Executors are context managers; ``close()`` releases their workers.
    """

    workers: int

    def map(self, fn: Callable[[T], R], tasks: Iterable[T]) -> Iterator[R]: ...

    def close(self) -> None: ...

    def __enter__(self) -> Executor: ...

    def __exit__(self, *exc: object) -> None: ...
