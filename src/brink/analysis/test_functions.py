"""Analytic test functions with known sensitivity indices, as Evaluators.

SALib ships ``SALib.test_functions``; brink mirrors the idea so that every
analysis can be checked against closed forms through the same
:class:`~brink.evaluation.Evaluator` interface a crisis model uses.

* Ishigami & Homma (1990): ``f = sin x1 + a sin^2 x2 + b x3^4 sin x1`` with
  ``x_i ~ U(-pi, pi)``; its first-order and total Sobol' indices are known in
  closed form (Sobol' & Levitan 1999; Saltelli et al. 2008, *Global Sensitivity
  Analysis: The Primer*, p. 179).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from brink.arrays import FloatArray
from brink.evaluation import Evaluation

__all__ = ["IshigamiEvaluator", "ishigami", "ishigami_indices"]



def ishigami(x: FloatArray, a: float = 7.0, b: float = 0.1) -> FloatArray:
    """The Ishigami function on rows of ``x`` (``(n, 3)``)."""
    x = np.asarray(x, dtype=np.float64)
    return np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])


def ishigami_indices(a: float = 7.0, b: float = 0.1) -> tuple[FloatArray, FloatArray]:
    """Analytic first-order ``S1`` and total ``ST`` indices of :func:`ishigami`.

    With ``V1 = (1 + b pi^4 / 5)^2 / 2``, ``V2 = a^2 / 8``, ``V13 = 8 b^2 pi^8 / 225``
    and ``V = V1 + V2 + V13``: ``S1 = (V1, V2, 0) / V`` and ``ST = (V1 + V13, V2, V13) / V``.
    """
    pi = np.pi
    v1 = 0.5 * (1.0 + b * pi**4 / 5.0) ** 2
    v2 = a**2 / 8.0
    v13 = 8.0 * b**2 * pi**8 / 225.0
    v = v1 + v2 + v13
    return np.array([v1, v2, 0.0]) / v, np.array([v1 + v13, v2, v13]) / v


class IshigamiEvaluator:
    """The Ishigami function as an :class:`~brink.evaluation.Evaluator`.

    Uncertainties ``x1, x2, x3 ~ U(-pi, pi)``; one lever ``shift`` (added to the
    output, options ``0`` and ``1``) so that policy code has something to choose.
    Metric ``y`` is the function value; outcome ``high`` is ``1`` where
    ``y > threshold`` (a 0/1 probability).  Rows where ``fail_when(x)`` is True
    are reported as failed, to exercise the failure accounting of analyses.
    """

    def __init__(self, a: float = 7.0, b: float = 0.1, threshold: float = 6.0) -> None:
        self.a, self.b, self.threshold = a, b, threshold
        self.fail_below: float | None = None

    @property
    def name(self) -> str:
        return "ishigami"

    @property
    def uncertainties(self) -> Sequence[str]:
        return ("x1", "x2", "x3")

    @property
    def levers(self) -> Mapping[str, Sequence[Any]]:
        return {"shift": (0.0, 1.0)}

    def draw(self, seed: int, start: int, stop: int) -> dict[str, FloatArray]:
        u = np.random.default_rng(seed).random((stop, 3))[start:stop]
        return {n: self.ppf(n, u[:, j]) for j, n in enumerate(self.uncertainties)}

    def ppf(self, name: str, u: FloatArray) -> FloatArray:
        if name not in self.uncertainties:
            raise KeyError(name)
        return -np.pi + 2.0 * np.pi * np.asarray(u, dtype=np.float64)

    def evaluate(
        self, params: Mapping[str, FloatArray], levers: Mapping[str, Any] | None = None
    ) -> Evaluation:
        x = np.column_stack([np.asarray(params[n], dtype=np.float64) for n in self.uncertainties])
        y = ishigami(x, self.a, self.b) + float((levers or {}).get("shift", 0.0))
        failed = np.zeros(x.shape[0], dtype=bool)
        if self.fail_below is not None:
            failed = x[:, 0] < self.fail_below
        y = np.where(failed, np.nan, y)
        high = np.where(failed, np.nan, (y > self.threshold).astype(np.float64))
        return Evaluation(outcomes={"high": high}, metrics={"y": y}, failed=failed)
