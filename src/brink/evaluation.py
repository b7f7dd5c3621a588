"""The contract between a crisis model and the analyses that explore it.

Exploratory modelling (Bankes 1993; Kwakkel 2017, EMA Workbench) separates a
model's *uncertainties* (what nobody controls), its *levers* (what a client
chooses) and its *outcomes*.  An :class:`Evaluator` exposes exactly that, over
plain numpy arrays, so that Monte Carlo runs, Sobol/Morris sensitivity, PRIM,
counterfactual comparison, robust policy search and every executor can share
one interface.

Determinism: ``draw(seed, start, stop)`` must return the same values for sample
``i`` however the range ``[0, N)`` is cut into chunks (see :mod:`brink.random`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

__all__ = ["Evaluation", "Evaluator"]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Evaluation:
    """Per-sample results of evaluating a model on ``n`` parameter vectors.

    Attributes:
        outcomes: name -> ``(n,)`` probability of the event in each sample (in [0, 1];
            an equilibrium can be mixed or pass through chance, so per-sample outcomes
            are probabilities, not indicators).
        metrics: name -> ``(n,)`` real-valued per-sample quantities (expected payoffs,
            escalation score, months a discount lasts, ...).
        failed: ``(n,)`` True where the sample's game could not be solved; such samples
            carry NaN in outcomes and metrics and are counted, never silently dropped.
        paths: ``(n,)`` index into ``path_labels`` of each sample's most likely path.
        path_labels: the distinct equilibrium paths (each a " > "-joined action string).
        path_chance: for each path label, which of its steps are chance moves (nature's
            draws, e.g. the defender's type) rather than decisions; empty if unknown.
    """

    outcomes: dict[str, FloatArray]
    metrics: dict[str, FloatArray]
    failed: NDArray[np.bool_]
    paths: NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    path_labels: tuple[str, ...] = ()
    path_chance: tuple[tuple[bool, ...], ...] = ()

    @property
    def n(self) -> int:
        return int(self.failed.shape[0])


class Evaluator(Protocol):
    """A model that analyses can sample, evaluate and perturb."""

    @property
    def name(self) -> str: ...

    @property
    def uncertainties(self) -> Sequence[str]:
        """Dotted paths of uncertain parameters (those given as distributions)."""
        ...

    @property
    def levers(self) -> Mapping[str, Sequence[Any]]:
        """Dotted paths of levers and the options each can take."""
        ...

    def draw(self, seed: int, start: int, stop: int) -> dict[str, FloatArray]:
        """Samples ``start..stop-1`` of every uncertain parameter (chunk-invariant)."""
        ...

    def ppf(self, name: str, u: FloatArray) -> FloatArray:
        """Inverse CDF of uncertainty ``name`` at quantiles ``u`` (for designed experiments)."""
        ...

    def evaluate(
        self, params: Mapping[str, FloatArray], levers: Mapping[str, Any] | None = None
    ) -> Evaluation:
        """Outcomes for each row of ``params`` (arrays of equal length), with lever settings."""
        ...
