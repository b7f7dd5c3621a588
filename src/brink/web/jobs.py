"""Runs started from the app: in background threads, capped in number and time, with progress.

A job is a function of a progress callback ``(done, total)``; the callback raises
:class:`JobTimeoutError` past the job's time limit, which stops a Monte Carlo run at its next
chunk (:func:`brink.runs.run` calls it after each).  At most ``max_running`` jobs run at
once; a job beyond that is refused, not queued, so a crowd of requests cannot pile up
work the server will not finish.  Finished jobs are kept for ``keep`` newer ones.
"""

from __future__ import annotations

import threading
import time
import traceback
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from brink.errors import BrinkError, InputError
from brink.executors.local import LocalExecutor

T = TypeVar("T")
R = TypeVar("R")

__all__ = ["Job", "JobTimeoutError", "Jobs", "PacedExecutor"]

Progress = Callable[[int, int], None]


class JobTimeoutError(BrinkError):
    """A job ran past the server's per-run time limit."""


@dataclass
class Job:
    """One background job: its state, progress and result (or error message)."""

    id: str
    kind: str
    #: What ``done`` and ``total`` count: samples (runs) or chunks of model evaluations (analyses).
    unit: str = "samples"
    status: str = "running"
    done: int = 0
    total: int = 0
    started: float = field(default_factory=time.monotonic)
    seconds: float = 0.0
    result: dict[str, Any] | None = None
    error: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "kind": self.kind, "unit": self.unit, "status": self.status, "done": self.done,
            "total": self.total, "seconds": round(self.seconds or time.monotonic() - self.started, 3),
            "result": self.result, "error": self.error,
        }


class PacedExecutor(LocalExecutor):
    """The in-process executor that calls ``progress(done, total)`` before the first task and after each.

    The tasks are those any executor gets (:class:`brink.executors.chunk.Chunk`), run in order,
    so the numbers are those of :class:`~brink.executors.local.LocalExecutor`.
    """

    def __init__(self, progress: Progress) -> None:
        self.progress = progress

    def map(self, fn: Callable[[T], R], tasks: Iterable[T]) -> Iterator[R]:
        items = list(tasks)
        self.progress(0, len(items))
        for i, result in enumerate(super().map(fn, items)):
            self.progress(i + 1, len(items))
            yield result

    def __repr__(self) -> str:
        return "PacedExecutor()"


class Jobs:
    """The server's jobs: start, look up, and the limits that keep them bounded."""

    def __init__(self, max_running: int, time_limit: float, keep: int = 50) -> None:
        self.max_running = max_running
        self.time_limit = time_limit
        self.keep = keep
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()

    def running(self) -> int:
        with self._lock:
            return sum(j.status == "running" for j in self._jobs.values())

    def start(self, kind: str, work: Callable[[Progress], dict[str, Any]], unit: str = "samples") -> Job:
        """Start ``work(progress)`` in a thread; refused when :attr:`max_running` jobs run."""
        with self._lock:
            if sum(j.status == "running" for j in self._jobs.values()) >= self.max_running:
                raise InputError(
                    f"{self.max_running} runs are already running", "runs",
                    "wait for one to finish (or start brink serve with a larger --max-runs)",
                )
            job = Job(uuid.uuid4().hex[:12], kind, unit)
            self._jobs[job.id] = job
            finished = [k for k, j in self._jobs.items() if j.status != "running"]
            for k in finished[: max(0, len(finished) - self.keep)]:
                del self._jobs[k]
        deadline = job.started + self.time_limit

        def progress(done: int, total: int) -> None:
            job.done, job.total = done, total
            if time.monotonic() > deadline:
                raise JobTimeoutError(
                    f"the {kind} passed the server's limit of {self.time_limit:g} s after {done:,} of {total:,} {unit}; "
                    "use fewer samples, or start brink serve with a larger --time-limit"
                )

        def target() -> None:
            try:
                job.result = work(progress)
                job.status = "done"
            except BrinkError as exc:
                job.error, job.status = str(exc), "failed"
            except Exception as exc:  # the app shows the message; the traceback goes to the server's log
                traceback.print_exc()
                job.error, job.status = f"internal error: {type(exc).__name__}: {exc}", "failed"
            finally:
                job.seconds = time.monotonic() - job.started

        threading.Thread(target=target, name=f"brink-job-{job.id}", daemon=True).start()
        return job

    def get(self, job_id: str) -> Job:
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None:
            raise KeyError(job_id)
        return job

    def wait(self, job_id: str, timeout: float) -> Job:
        """The job once it has finished or ``timeout`` seconds have passed (for tests and scripts)."""
        end = time.monotonic() + timeout
        job = self.get(job_id)
        while job.status == "running" and time.monotonic() < end:
            time.sleep(0.02)
        return job
