"""The in-process executor: tasks run one after another in the caller.

The reference against which the parallel executors are tested: the same tasks must
give the same results, in the same order, on every executor.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

from brink.executors.base import ExecutionError

__all__ = ["LocalExecutor"]

T = TypeVar("T")
R = TypeVar("R")


class LocalExecutor:
    """Runs each task in this process, in order (``workers == 1``)."""

    workers: int = 1

    def map(self, fn: Callable[[T], R], tasks: Iterable[T]) -> Iterator[R]:
        """Yield ``fn(task)`` for each task, lazily and in order."""
        for index, task in enumerate(tasks):
            try:
                result = fn(task)
            except ExecutionError:
                raise
            except Exception as exc:
                raise ExecutionError(index, task, exc) from exc
            yield result

    def close(self) -> None:
        """Nothing to release."""

    def __enter__(self) -> LocalExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return "LocalExecutor()"
