"""Running designed experiments on an :class:`~brink.evaluation.Evaluator`.

Every analysis in this package does the same three things: build a matrix of
parameter values (a Monte Carlo draw, a Saltelli or Morris design), evaluate the
model on it in bounded chunks, and read one named outcome or metric back.  This
module holds those steps so that each analysis stays a small pure function of
numpy arrays (the sample/analyze split of SALib; Herman & Usher 2017).

Failed samples (:attr:`Evaluation.failed`) are never dropped silently here: the
mask travels with the values and each analysis states how it treats them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from brink.analysis.tasks import Executor, evaluate_designs
from brink.errors import InputError
from brink.evaluation import Evaluation, Evaluator

__all__ = [
    "DEFAULT_CHUNK",
    "OutcomeValues",
    "concat_evaluations",
    "design_params",
    "evaluate_chunked",
    "outcome_names",
    "select_outcome",
]

FloatArray = NDArray[np.float64]

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


def concat_evaluations(parts: Sequence[Evaluation]) -> Evaluation:
    """Join evaluations of consecutive row blocks, merging their path labels."""
    if len(parts) == 1:
        return parts[0]
    labels: dict[str, int] = {}
    chance: dict[str, tuple[bool, ...]] = {}
    paths: list[NDArray[np.int64]] = []
    for part in parts:
        if part.paths.shape[0] == part.n and part.path_labels:
            mapping = np.array(
                [labels.setdefault(lab, len(labels)) for lab in part.path_labels], dtype=np.int64
            )
            for lab, steps in zip(part.path_labels, part.path_chance, strict=False):
                chance.setdefault(lab, steps)
            paths.append(mapping[part.paths])
        else:
            paths.append(np.full(part.n, -1, dtype=np.int64))
    first = parts[0]
    return Evaluation(
        outcomes={k: np.concatenate([p.outcomes[k] for p in parts]) for k in first.outcomes},
        metrics={k: np.concatenate([p.metrics[k] for p in parts]) for k in first.metrics},
        failed=np.concatenate([np.asarray(p.failed, dtype=bool) for p in parts]),
        paths=np.concatenate(paths) if labels else np.zeros(0, dtype=np.int64),
        path_labels=tuple(labels),
        path_chance=tuple(chance[lab] for lab in labels)
        if len(chance) == len(labels)
        else (),
    )


def evaluate_chunked(
    evaluator: Evaluator,
    params: Mapping[str, FloatArray],
    levers: Mapping[str, Any] | None = None,
    chunk: int = DEFAULT_CHUNK,
    executor: Executor | None = None,
) -> Evaluation:
    """``evaluator.evaluate`` on rows ``[0, n)`` in blocks of ``chunk`` rows.

    The loop runs over blocks, not samples; each block is evaluated vectorised.  With an
    ``executor`` the blocks run as tasks on it (:mod:`brink.analysis.tasks`); the result
    is identical, since the blocks and their order are the same.
    """
    (parts,) = list(evaluate_designs([(evaluator, params, levers)], chunk, executor))
    return concat_evaluations(parts)
