"""Maximum likelihood of a :class:`~brink.fit.likelihood.Specification`, its uncertainty and its tests.

* :func:`fit`: the MLE by BFGS on the analytic gradient (:func:`brink.fit.likelihood.log_likelihood`),
  standard errors from the observed information (the Hessian by central differences of the
  analytic gradient) and the robust sandwich ``H^-1 (sum g g') H^-1`` (White 1982);
* :func:`bootstrap`: standard errors from refits on cases resampled with replacement (Efron &
  Tibshirani 1993), seeded and reproducible;
* :func:`likelihood_ratio` for nested specifications and :func:`vuong` for non-nested ones
  (Vuong 1989, as Kenkel & Signorino's ``games`` package reports it; Clarke 2003 on its use
  for strategic models).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from scipy import optimize, stats

from brink.arrays import FloatArray, IndexArray
from brink.errors import InputError
from brink.fit.likelihood import Specification, log_likelihood, terminal_probabilities

__all__ = ["FitResult", "bootstrap", "fit", "likelihood_ratio", "predicted", "vuong"]


@dataclass
class FitResult:
    """The estimate of a specification (``lam`` last when it was estimated)."""

    names: tuple[str, ...]
    estimate: FloatArray
    standard_error: FloatArray
    robust_standard_error: FloatArray
    covariance: FloatArray
    log_likelihood: float
    cases: int
    converged: bool
    iterations: int
    evaluations: int
    lam: float
    lam_estimated: bool
    case_log_likelihood: FloatArray = field(repr=False)
    message: str = ""

    @property
    def parameters(self) -> int:
        return len(self.estimate)

    @property
    def aic(self) -> float:
        return 2 * self.parameters - 2 * self.log_likelihood

    @property
    def bic(self) -> float:
        return self.parameters * math.log(max(self.cases, 1)) - 2 * self.log_likelihood

    def interval(self, level: float = 0.95) -> tuple[FloatArray, FloatArray]:
        z = stats.norm.ppf(0.5 + level / 2)
        return self.estimate - z * self.standard_error, self.estimate + z * self.standard_error

    def theta(self) -> FloatArray:
        return self.estimate[: len(self.estimate) - int(self.lam_estimated)]

    def table(self) -> list[dict[str, float | str]]:
        lo, hi = self.interval()
        return [{"parameter": n, "estimate": float(e), "se": float(s), "robust_se": float(r), "ci95_low": float(a),
                 "ci95_high": float(b), "z": float(e / s) if s > 0 else math.nan}
                for n, e, s, r, a, b in zip(self.names, self.estimate, self.standard_error,
                                            self.robust_standard_error, lo, hi, strict=True)]

    def to_json(self) -> dict[str, object]:
        return {"parameters": self.table(), "log_likelihood": self.log_likelihood, "cases": self.cases,
                "aic": self.aic, "bic": self.bic, "converged": self.converged, "iterations": self.iterations,
                "evaluations": self.evaluations, "lambda": self.lam, "lambda_estimated": self.lam_estimated,
                "message": self.message}


def _split(x: FloatArray, K: int, lam_estimated: bool, lam: float) -> tuple[FloatArray, float]:
    return (x[:K], float(math.exp(x[K]))) if lam_estimated else (x, lam)


def fit(
    spec: Specification, observed: IndexArray, root: IndexArray | None = None, *, lam: float = 1.0,
    estimate_lambda: bool = False, start: FloatArray | None = None, maxiter: int = 500,
) -> FitResult:
    """Maximum-likelihood estimate of ``theta`` (and ``lam`` if ``estimate_lambda``) from the
    observed terminal nodes (module doc).  The precision is estimated on the log scale and
    reported as ``lam`` with a delta-method standard error."""
    K = len(spec.names)
    if estimate_lambda and not lam > 0:
        raise InputError(f"the starting precision must be > 0, got {lam}", fix="start lam at 1")
    x0 = np.zeros(K) if start is None else np.asarray(start, dtype=np.float64)[:K]
    if estimate_lambda:
        x0 = np.append(x0, math.log(lam))
    counter = {"n": 0}

    def objective(x: FloatArray) -> tuple[float, FloatArray]:
        counter["n"] += 1
        theta, lm = _split(x, K, estimate_lambda, lam)
        ll, grad = log_likelihood(spec, theta, lm, observed, root)
        g = grad.sum(axis=0)
        g = g if estimate_lambda else g[:K]
        return -float(ll.sum()), -g

    res = optimize.minimize(objective, x0, jac=True, method="BFGS", options={"maxiter": maxiter, "gtol": 1e-6})
    x = np.asarray(res.x, dtype=np.float64)
    hessian = _hessian(objective, x)
    theta, lm = _split(x, K, estimate_lambda, lam)
    ll, grad = log_likelihood(spec, theta, lm, observed, root)
    scores = grad if estimate_lambda else grad[:, :K]
    try:
        cov = np.linalg.inv(hessian)
    except np.linalg.LinAlgError:
        cov = np.full_like(hessian, np.nan)
    robust = cov @ (scores.T @ scores) @ cov
    se = np.sqrt(np.where(np.diag(cov) > 0, np.diag(cov), np.nan))
    rse = np.sqrt(np.where(np.diag(robust) > 0, np.diag(robust), np.nan))
    estimate = x.copy()
    names = spec.names
    if estimate_lambda:  # report lam itself: delta method on log lam
        estimate[K] = lm
        se[K] *= lm
        rse[K] *= lm
        names = (*names, "lambda")
    return FitResult(
        names=names, estimate=estimate, standard_error=se, robust_standard_error=rse, covariance=np.asarray(cov, dtype=np.float64),
        log_likelihood=float(ll.sum()), cases=spec.cases, converged=bool(res.success) or _flat(res),
        iterations=int(res.nit), evaluations=counter["n"], lam=lm, lam_estimated=estimate_lambda,
        case_log_likelihood=ll, message=str(res.message),
    )


def _flat(res: optimize.OptimizeResult) -> bool:
    """BFGS stops with 'precision loss' at a flat optimum; accept it when the gradient is small."""
    return bool(np.max(np.abs(res.jac)) < 1e-3) if getattr(res, "jac", None) is not None else False


def _hessian(f: Callable[[FloatArray], tuple[float, FloatArray]], x: FloatArray) -> FloatArray:
    """The Hessian of the negative log-likelihood by central differences of its analytic gradient."""
    n = len(x)
    H = np.empty((n, n))
    for i in range(n):
        h = 1e-5 * max(1.0, abs(x[i]))
        up, down = x.copy(), x.copy()
        up[i] += h
        down[i] -= h
        H[:, i] = (f(up)[1] - f(down)[1]) / (2 * h)
    return (H + H.T) / 2


def bootstrap(
    spec: Specification, observed: IndexArray, result: FitResult, root: IndexArray | None = None, *,
    replications: int = 100, seed: int = 0,
) -> FloatArray:
    """Bootstrap standard errors: refit on ``replications`` resamples of the cases (seeded)."""
    if replications < 2:
        raise InputError("a bootstrap needs at least 2 replications", fix="ask for 100 or more")
    rng = np.random.default_rng(seed)
    draws = np.empty((replications, result.parameters))
    N = spec.cases
    obs = np.asarray(observed)
    roots = np.zeros(N, dtype=np.int64) if root is None else np.asarray(root)
    start = result.estimate.copy()
    if result.lam_estimated:
        start = start[:-1]
    for b in range(replications):
        idx = rng.integers(0, N, N)
        offset = spec.offset
        if offset is not None and offset.ndim == 3 and offset.shape[0] > 1:
            offset = offset[idx]
        sub = Specification(spec.game, spec.names, spec.weights, spec.covariates[idx], offset)
        r = fit(sub, obs[idx], roots[idx], lam=result.lam, estimate_lambda=result.lam_estimated, start=start)
        draws[b] = r.estimate
    return np.asarray(draws.std(axis=0, ddof=1), dtype=np.float64)


def likelihood_ratio(restricted: FitResult, full: FitResult) -> dict[str, float]:
    """The likelihood-ratio test of a nested restriction: ``2 (ll_full - ll_restricted)`` against
    chi-square with the difference in parameters as degrees of freedom."""
    df = full.parameters - restricted.parameters
    if df <= 0:
        raise InputError("the full model must have more parameters than the restricted one",
                         fix="pass (restricted, full)")
    statistic = 2 * (full.log_likelihood - restricted.log_likelihood)
    return {"statistic": statistic, "df": float(df), "p_value": float(stats.chi2.sf(statistic, df))}


def vuong(first: FitResult, second: FitResult, *, correction: str = "none") -> dict[str, float]:
    """Vuong's (1989) test of non-nested models on the same cases: ``z = sqrt(N) mean(m) / sd(m)``
    with ``m_n = ll1_n - ll2_n`` (``correction="bic"`` subtracts ``(k1 - k2) log(N) / 2`` from the
    sum, Schwarz's correction).  Positive ``z`` favours the first model."""
    m = first.case_log_likelihood - second.case_log_likelihood
    if m.shape != second.case_log_likelihood.shape or len(m) < 2:
        raise InputError("the two fits must be on the same cases", fix="fit both specifications on one data set")
    N = len(m)
    total = m.sum()
    if correction == "bic":
        total -= (first.parameters - second.parameters) * math.log(N) / 2
    sd = m.std(ddof=1)
    z = total / (math.sqrt(N) * sd) if sd > 0 else 0.0
    return {"z": float(z), "p_value": float(2 * stats.norm.sf(abs(z)))}


def predicted(spec: Specification, result: FitResult, root: IndexArray | None = None) -> FloatArray:
    """``(N, T)`` probability of each terminal at the estimate (for scoring)."""
    return terminal_probabilities(spec, result.theta(), result.lam, root)

