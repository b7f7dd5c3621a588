"""Designs evaluated chunk by chunk on an executor (in process, local processes or Dask).

Every analysis evaluates a design (a Saltelli or Morris design mapped through the inverse
CDFs, or a Monte Carlo draw) in chunks of rows.  Given an executor (anything with
``map(fn, tasks)`` yielding results in task order, :mod:`brink.executors`), the chunks
become picklable tasks and run wherever the executor runs them; the evaluations come back
in chunk order and are joined exactly as in process, so the numbers are identical.

Two kinds of task:

* :class:`ScenarioChunk`, for the crisis model (:class:`brink.model.CrisisModel`): the
  scenario travels as JSON and each worker process builds the model once and caches it,
  the pattern of :func:`brink.simulation.run_chunk` (whose cache it shares).
* :class:`EvaluatorChunk`, for any other evaluator that pickles (e.g. the Ishigami test
  function): the evaluator object travels with every chunk.  An evaluator that cannot be
  pickled is evaluated in process, chunk by chunk, whatever the executor.

Each task carries only its own rows of the design, so what one worker receives is bounded
by the chunk size (DESIGN.md §3, "Stream").
"""

from __future__ import annotations

import json
import pickle
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from brink.evaluation import Evaluation, Evaluator

__all__ = [
    "EvaluatorChunk",
    "Executor",
    "ScenarioChunk",
    "chunk_tasks",
    "evaluate_chunk",
    "evaluate_designs",
]

FloatArray = NDArray[np.float64]
Rows = tuple[tuple[str, FloatArray], ...]
Levers = tuple[tuple[str, Any], ...] | None


class Executor(Protocol):
    """What the analyses need of an executor: ``map`` yielding results in task order."""

    def map(self, fn: Callable[[Any], Any], tasks: Sequence[Any]) -> Iterator[Any]: ...


def _levers_text(levers: Levers) -> str:
    return "".join(f", {k}={v}" for k, v in levers or ())


@dataclass(frozen=True, eq=False)
class ScenarioChunk:
    """Rows ``start..stop-1`` of a design for a scenario given as data (picklable).

    Attributes:
        scenario: JSON of the validated scenario (as :func:`brink.simulation.run` ships it).
        source: Where the scenario came from (for messages and relative paths).
        solver: ``auto``, ``spe`` or ``qre``.
        start, stop: The rows of the whole design this chunk holds.
        params: ``(name, values)`` of each parameter for these rows.
        levers: Lever settings as ``(path, value)`` pairs, ``None`` for the scenario's own.
    """

    scenario: str
    source: str
    solver: str
    start: int
    stop: int
    params: Rows
    levers: Levers = None

    def describe(self) -> str:
        """One line for error messages: ``rows 0..4095 of the design, scenario ukraine-2022``."""
        try:
            name = str(json.loads(self.scenario).get("name", "")) or self.source
        except (ValueError, AttributeError):
            name = self.source
        return (
            f"rows {self.start}..{self.stop - 1} of the design, scenario {name or '?'}"
            f"{_levers_text(self.levers)}"
        )

    def evaluate(self) -> Evaluation:
        """The scenario's model (built once per process) on these rows."""
        from brink.simulation import ChunkTask, chunk_model

        model = chunk_model(ChunkTask(self.scenario, self.source, 0, self.start, self.stop, self.solver))
        result: Evaluation = model.evaluate(
            dict(self.params), None if self.levers is None else dict(self.levers)
        )
        return result


@dataclass(frozen=True, eq=False)
class EvaluatorChunk:
    """Rows ``start..stop-1`` of a design for a picklable evaluator shipped with the task."""

    evaluator: Evaluator
    start: int
    stop: int
    params: Rows
    levers: Levers = None

    def describe(self) -> str:
        """One line for error messages: ``rows 0..4095 of the design, model ishigami``."""
        return (
            f"rows {self.start}..{self.stop - 1} of the design, model {self.evaluator.name}"
            f"{_levers_text(self.levers)}"
        )

    def evaluate(self) -> Evaluation:
        return self.evaluator.evaluate(
            dict(self.params), None if self.levers is None else dict(self.levers)
        )


def evaluate_chunk(task: ScenarioChunk | EvaluatorChunk) -> Evaluation:
    """Evaluate one chunk (a top-level function, so every executor can ship it)."""
    return task.evaluate()


def _rows(params: Mapping[str, FloatArray]) -> int:
    return int(next(iter(params.values())).shape[0]) if params else 0


def chunk_tasks(
    evaluator: Evaluator,
    params: Mapping[str, FloatArray],
    levers: Mapping[str, Any] | None,
    chunk: int,
) -> list[ScenarioChunk | EvaluatorChunk] | None:
    """The design's chunks as picklable tasks, or ``None`` if the evaluator cannot travel.

    A :class:`~brink.model.CrisisModel` (exactly that class, with the solver's default
    ``lam``) travels as scenario JSON; any other evaluator travels as itself if it
    pickles.  A design of zero rows gives ``None`` (evaluated in process).
    """
    n = _rows(params)
    if n == 0:
        return None
    step = max(1, int(chunk))
    lever_items: Levers = None if levers is None else tuple(levers.items())
    bounds = [(lo, min(lo + step, n)) for lo in range(0, n, step)]

    def rows(lo: int, hi: int) -> Rows:
        return tuple((k, np.asarray(v)[lo:hi]) for k, v in params.items())

    from brink.model import CrisisModel

    if type(evaluator) is CrisisModel and evaluator.lam is None:
        sc = evaluator.scenario
        text = json.dumps(sc.model_dump(mode="json", exclude={"source"}), sort_keys=True)
        return [
            ScenarioChunk(text, sc.source, evaluator.solver, lo, hi, rows(lo, hi), lever_items)
            for lo, hi in bounds
        ]
    try:
        pickle.dumps(evaluator)
    except (pickle.PicklingError, TypeError, AttributeError):
        return None
    return [EvaluatorChunk(evaluator, lo, hi, rows(lo, hi), lever_items) for lo, hi in bounds]


def _in_process(
    evaluator: Evaluator,
    params: Mapping[str, FloatArray],
    levers: Mapping[str, Any] | None,
    chunk: int,
) -> list[Evaluation]:
    n = _rows(params)
    if n == 0:
        return [evaluator.evaluate(params, levers)]
    step = max(1, int(chunk))
    return [
        evaluator.evaluate({k: v[lo : lo + step] for k, v in params.items()}, levers)
        for lo in range(0, n, step)
    ]


def evaluate_designs(
    jobs: Sequence[tuple[Evaluator, Mapping[str, FloatArray], Mapping[str, Any] | None]],
    chunk: int,
    executor: Executor | None = None,
) -> Iterator[list[Evaluation]]:
    """Evaluate several ``(evaluator, params, levers)`` designs; yield each one's chunk evaluations.

    With an executor, the chunks of every design that can travel go through ONE
    ``executor.map`` (so workers stay busy from one design to the next) and come back
    in order; the others, and everything without an executor, run in process.  Chunk
    boundaries are the same either way, so the evaluations are identical.  Designs are
    yielded one at a time, so a caller that reduces each before asking for the next
    holds one design's evaluations, not all of them.
    """
    plans = [
        chunk_tasks(ev, params, levers, chunk) if executor is not None else None
        for ev, params, levers in jobs
    ]
    shipped = [task for plan in plans if plan is not None for task in plan]
    results: Iterator[Evaluation] = (
        executor.map(evaluate_chunk, shipped) if executor is not None and shipped else iter(())
    )
    for (ev, params, levers), plan in zip(jobs, plans, strict=True):
        if plan is None:
            yield _in_process(ev, params, levers, chunk)
        else:
            yield [next(results) for _ in plan]
