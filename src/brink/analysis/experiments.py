"""Running designed experiments on an :class:`~brink.evaluation.Evaluator`.

Every analysis in this package does the same three things: build a matrix of
parameter values (a Monte Carlo draw, a Saltelli or Morris design), evaluate the
model on it in bounded chunks, and read one named outcome or metric back.  This
module holds those steps so that each analysis stays a small pure function of
numpy arrays (the sample/analyze split of SALib; Herman & Usher 2017).

Failed samples (:attr:`Evaluation.failed`) are never dropped silently here: the
mask travels with the values and each analysis states how it treats them.

Executors.  Given an executor (:mod:`brink.executors`), a design's blocks of rows become
:class:`~brink.executors.chunk.Chunk` tasks (the same task type as a Monte Carlo run's)
and run wherever the executor runs them; the evaluations come back in block order and
are joined exactly as in process, so the numbers are identical.  The evaluator travels by
pickle (a :class:`~brink.model.CrisisModel` as its scenario's data, with any solver and
lambda); one that does not pickle is refused by a process or Dask executor with a message,
never evaluated in process behind the caller's back.  Each task carries only its own rows
of the design, so what one worker receives is bounded by the chunk size.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from brink.arrays import FloatArray
from brink.errors import InputError
from brink.evaluation import Evaluation, Evaluator, concatenate
from brink.executors import Executor
from brink.executors.chunk import Chunk, Rows, run_chunk, whole_evaluation

__all__ = [
    "DEFAULT_CHUNK",
    "OutcomeValues",
    "design_params",
    "evaluate_chunked",
    "evaluate_designs",
    "outcome_names",
    "select_outcome",
]


#: Rows evaluated per call to ``Evaluator.evaluate``: bounds memory, not results.
DEFAULT_CHUNK = 4096


@dataclass(frozen=True)
class OutcomeValues:
    """One outcome or metric per sample, with the samples whose game failed.

    Attributes:
        name: The outcome or metric name.
        kind: ``"outcome"`` (a probability per sample) or ``"metric"``.
        values: ``(n,)`` values; NaN where ``failed``.
        failed: ``(n,)`` True where the sample's game could not be solved (or the
            value is not finite).
    """

    name: str
    kind: str
    values: FloatArray
    failed: NDArray[np.bool_]

    @property
    def n_failed(self) -> int:
        return int(self.failed.sum())


def outcome_names(evaluation: Evaluation) -> list[str]:
    """Every name :func:`select_outcome` accepts: outcomes first, then metrics."""
    return [*evaluation.outcomes, *evaluation.metrics]


def select_outcome(evaluation: Evaluation, name: str) -> OutcomeValues:
    """The per-sample values of outcome or metric ``name``.

    Raises:
        InputError: ``name`` is neither an outcome nor a metric of the model.
    """
    if name in evaluation.outcomes:
        kind, raw = "outcome", evaluation.outcomes[name]
    elif name in evaluation.metrics:
        kind, raw = "metric", evaluation.metrics[name]
    else:
        known = ", ".join(outcome_names(evaluation)) or "(none)"
        raise InputError(
            f"unknown outcome {name!r}",
            where="--outcome",
            fix=f"use one of: {known}",
        )
    values = np.asarray(raw, dtype=np.float64)
    failed = np.asarray(evaluation.failed, dtype=bool) | ~np.isfinite(values)
    return OutcomeValues(name, kind, np.where(failed, np.nan, values), failed)


def design_params(
    evaluator: Evaluator, unit_design: FloatArray, names: Sequence[str] | None = None
) -> dict[str, FloatArray]:
    """Map a design in the unit cube through each uncertainty's inverse CDF.

    Column ``j`` of ``unit_design`` holds quantiles of ``names[j]`` (default: all
    uncertainties in order); quantiles are clipped into the open interval so that
    unbounded distributions stay finite (Saltelli et al. 2008, ch. 2).
    """
    names = list(evaluator.uncertainties) if names is None else list(names)
    u = np.clip(np.asarray(unit_design, dtype=np.float64), 1e-12, 1.0 - 1e-12)
    return {
        name: np.asarray(evaluator.ppf(name, u[:, j]), dtype=np.float64)
        for j, name in enumerate(names)
    }


def _rows(params: Mapping[str, FloatArray]) -> int:
    return int(next(iter(params.values())).shape[0]) if params else 0


def design_chunks(
    evaluator: Evaluator, params: Mapping[str, FloatArray], levers: Mapping[str, Any] | None, chunk: int
) -> list[Chunk[Evaluation]]:
    """A design's blocks of ``chunk`` rows as tasks (none for a design of zero rows)."""
    n = _rows(params)
    step = max(1, int(chunk))
    lever_items = None if levers is None else tuple(levers.items())

    def rows(lo: int, hi: int) -> Rows:
        return tuple((k, np.asarray(v)[lo:hi]) for k, v in params.items())

    return [
        Chunk(evaluator, lo, min(lo + step, n), whole_evaluation, params=rows(lo, min(lo + step, n)), levers=lever_items)
        for lo in range(0, n, step)
    ]


def evaluate_designs(
    jobs: Sequence[tuple[Evaluator, Mapping[str, FloatArray], Mapping[str, Any] | None]],
    chunk: int,
    executor: Executor | None = None,
) -> Iterator[list[Evaluation]]:
    """Evaluate several ``(evaluator, params, levers)`` designs; yield each one's block evaluations.

    The blocks of every design go through ONE ``executor.map`` (so workers stay busy from
    one design to the next; without an executor, in process) and come back in order.  A
    design of zero rows is one evaluation in process.  Designs are yielded one at a time,
    so a caller that reduces each before asking for the next holds one design's
    evaluations, not all of them.
    """
    plans = [design_chunks(ev, params, levers, chunk) for ev, params, levers in jobs]
    tasks = [task for plan in plans for task in plan]
    results = executor.map(run_chunk, tasks) if executor is not None and tasks else map(run_chunk, tasks)
    for (ev, params, levers), plan in zip(jobs, plans, strict=True):
        if not plan:
            yield [ev.evaluate(params, levers)]
        else:
            yield [next(results) for _ in plan]


def evaluate_chunked(
    evaluator: Evaluator,
    params: Mapping[str, FloatArray],
    levers: Mapping[str, Any] | None = None,
    chunk: int = DEFAULT_CHUNK,
    executor: Executor | None = None,
) -> Evaluation:
    """``evaluator.evaluate`` on rows ``[0, n)`` in blocks of ``chunk`` rows.

    The loop runs over blocks, not samples; each block is evaluated vectorised.  With an
    ``executor`` the blocks run as tasks on it (:func:`evaluate_designs`); the result
    is identical, since the blocks and their order are the same.
    """
    (parts,) = list(evaluate_designs([(evaluator, params, levers)], chunk, executor))
    return concatenate(parts)
