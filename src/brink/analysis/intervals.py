"""Confidence intervals for Monte Carlo means and paired differences.

Per-sample outcomes are probabilities (an equilibrium can mix or pass through
chance), so the probability of an outcome is the *mean* of per-sample values;
its interval is the normal-approximation interval of a mean (central limit
theorem), clipped to [0, 1] for probabilities.  A paired difference on common
random numbers uses the standard error of the per-sample differences, which is
what makes common random numbers efficient (Law 2015, *Simulation Modeling and
Analysis*, sec. 11.2).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from brink.arrays import FloatArray

__all__ = ["Interval", "mean_interval", "z_value"]



@dataclass(frozen=True)
class Interval:
    """A mean with its two-sided confidence interval over ``n`` finite values."""

    mean: float
    low: float
    high: float
    n: int

    def to_json(self) -> dict[str, float | int | None]:
        def clean(v: float) -> float | None:
            return float(v) if np.isfinite(v) else None

        return {
            "mean": clean(self.mean),
            "low": clean(self.low),
            "high": clean(self.high),
            "n": self.n,
        }


def z_value(conf_level: float) -> float:
    """Two-sided standard-normal quantile for ``conf_level`` (1.96 at 0.95)."""
    from scipy.stats import norm

    return float(norm.ppf(0.5 + conf_level / 2.0))


def mean_interval(
    values: FloatArray, conf_level: float = 0.95, bounds: tuple[float, float] | None = None
) -> Interval:
    """Mean of the finite ``values`` and its normal-approximation interval.

    ``bounds`` clips the interval (``(0, 1)`` for probabilities).  With fewer than
    two finite values the interval is the point itself (one value) or NaN (none).
    """
    v = np.asarray(values, dtype=np.float64)
    v = v[np.isfinite(v)]
    n = int(v.size)
    if n == 0:
        return Interval(float("nan"), float("nan"), float("nan"), 0)
    mean = float(v.mean())
    half = z_value(conf_level) * float(v.std(ddof=1)) / np.sqrt(n) if n > 1 else 0.0
    low, high = mean - half, mean + half
    if bounds is not None:
        low, high = max(low, bounds[0]), min(high, bounds[1])
    return Interval(mean, low, high, n)
