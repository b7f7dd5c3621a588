"""The one task every executor runs: a chunk of rows of a model, and the one function that runs it.

A Monte Carlo run (:func:`brink.runs.montecarlo.run`), a sweep point (each a run) and every
analysis (:mod:`brink.analysis.experiments`) cut their work into :class:`Chunk` tasks and
hand them to an :class:`~brink.executors.Executor` with :func:`run_chunk`.  A chunk says
*what model* (the :class:`~brink.evaluation.Evaluator` itself, which travels by pickle: a
:class:`~brink.model.CrisisModel` ships its scenario's data, solver and lambda and is
rebuilt once per worker process, see :meth:`brink.model.CrisisModel.__reduce__`), *which
rows* (``start..stop-1``, drawn from ``seed`` or given as a design's rows), *which lever
settings*, and *what comes back* (``reduce``: the whole evaluation for an analysis, block
sums for a Monte Carlo run, so that what a worker returns is bounded by the chunk).

Rows are drawn by global sample index (:mod:`brink.scenario.random`), so a chunk gives the same
numbers in whatever process runs it: parallelism changes the speed, never the result.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from brink.arrays import FloatArray
from brink.evaluation import Evaluation, Evaluator

__all__ = ["Chunk", "Levers", "Rows", "run_chunk", "whole_evaluation"]

#: A design's rows for one chunk: ``(parameter, values)`` pairs.
Rows = tuple[tuple[str, FloatArray], ...]
#: Lever settings as ``(path, value)`` pairs; ``None`` for the scenario's own.
Levers = tuple[tuple[str, Any], ...] | None

R = TypeVar("R")


@dataclass(frozen=True, eq=False)
class Chunk(Generic[R]):
    """Rows ``start..stop-1`` of ``model``, evaluated with ``levers`` and reduced by ``reduce``.

    Attributes:
        model: The evaluator; it must pickle to run on another process (a
            :class:`~brink.model.CrisisModel` does, with any solver and lambda).
        start, stop: The rows (global sample indices, or rows of a design).
        reduce: ``reduce(chunk, params, evaluation)``: what the worker sends back; a
            module-level function, so that it travels by name.
        seed: Draw the rows from the model's distributions with this seed (Monte Carlo).
        params: Or: the rows themselves, ``(name, values)`` per parameter (a design).
        levers: Lever settings, ``None`` for the scenario's own.
    """

    model: Evaluator
    start: int
    stop: int
    reduce: Callable[[Chunk[R], Mapping[str, FloatArray], Evaluation], R]
    seed: int | None = None
    params: Rows | None = None
    levers: Levers = None

    def rows(self) -> dict[str, FloatArray]:
        """The chunk's parameter rows: given, or drawn from ``seed`` (chunk-invariant)."""
        if self.params is not None:
            return dict(self.params)
        if self.seed is None:
            raise ValueError("a chunk needs either params or a seed")
        return self.model.draw(self.seed, self.start, self.stop)

    def describe(self) -> str:
        """One line for error messages, e.g. ``samples 4096..8191, seed 3, scenario ukraine-2022``."""
        scenario = getattr(self.model, "scenario", None)
        what = f"scenario {self.model.name or '?'}" if scenario is not None else f"model {self.model.name}"
        rows = (
            f"samples {self.start}..{self.stop - 1}, seed {self.seed}"
            if self.params is None
            else f"rows {self.start}..{self.stop - 1} of the design"
        )
        levers = "".join(f", {k}={v}" for k, v in self.levers or ())
        return f"{rows}, {what}{levers}"


def run_chunk(task: Chunk[R]) -> R:
    """Evaluate one chunk and reduce it (top level, so that every executor can ship it)."""
    params = task.rows()
    evaluation = task.model.evaluate(params, None if task.levers is None else dict(task.levers))
    return task.reduce(task, params, evaluation)


def whole_evaluation(task: Chunk[Evaluation], params: Mapping[str, FloatArray], evaluation: Evaluation) -> Evaluation:
    """The reducer of the analyses: the chunk's whole :class:`~brink.evaluation.Evaluation`."""
    return evaluation
