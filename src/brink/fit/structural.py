"""Structural estimation of the escalation game on the ICB crises (issue 23, items 2 and 4).

Every ICB crisis with a challenger (:data:`brink.history.icb.CHALLENGER_RULE`) is one play of
brink's escalation game (:mod:`brink.templates.escalation`) between the challenger ``C`` and
its principal adversary, the target ``T``: the game of :data:`GENERIC_CRISIS`, a small
generic crisis whose structure is fixed (:data:`ROUNDS` rounds, a four-rung conventional
ladder, an outside defender with three answers, one offer of half the stake) and whose
parameters are set per crisis from its covariates:

* the logit precision of quantal backward induction (McKelvey & Palfrey 1998; Signorino
  1999's strategic logit), ``lambda_i = exp(a0 + a1 nuclear_dyad_i)``;
* the cost of a round of war relative to the stake, ``c_C = exp(b0 + b1 r_i)`` for the
  challenger and ``c_T = exp(b0 - b1 r_i)`` for the target (``costs.conventional_war`` and
  ``costs.target_war``), with ``r_i = log(CINC_C / CINC_T)`` the log power ratio (COW NMC;
  Singer, Bremer & Stuckey 1972): ``b1 < 0`` means war costs the stronger side less;
* the challenger's chance of winning a war, ``balance_i = 1 / (1 + exp(-(g0 + g1 r_i)))``
  (``crisis.balance``): ``g0 = 0, g1 = 1`` is the capability ratio ``CINC_C / (CINC_C +
  CINC_T)`` the template uses without a balance (Bremer 1992).

The likelihood of crisis ``i`` is the probability the game's quantal response gives its
observed ending from the challenger's side (:data:`brink.history.icb.ENDING_RULE`):
settlement, the target (adversary) concedes, the challenger concedes, a war won, a war lost,
undecided (the game's ``stalemate``).  The game is solved by :class:`brink.model.CrisisModel`
with the ``qbi`` solver, one sample per crisis, one solve per distinct ``lambda``; the
post-war game (the leader's survival, the partners) is made trivial in :data:`GENERIC_CRISIS`
(no office value, no punishment, no partners, a one-month horizon), since it does not bear
on how the crisis ends.  The risk of losing control is 0 in the fit and the ladder has no
nuclear rung: ICB has no nuclear use, so the data give only an upper bound
(:func:`loss_of_control_bound`).

Maximum likelihood by scipy's L-BFGS-B on central-difference gradients; standard errors from
the inverse of the observed information (a central-difference Hessian of the log-likelihood;
Greene 2012, ch. 14); identification checked by the Hessian's eigenvalues and condition
number (Rothenberg 1971: a parameter is locally identified iff the information matrix is
non-singular).  The rival reduced form is the multinomial logit of the six endings on the
same covariates (:func:`brink.fit.icb.fit_mnlogit`), compared by a likelihood-ratio statistic
(the logit nests no structural restriction exactly, so AIC/BIC and Vuong's 1989 test are
reported with it).  ``docs/icb-fit.md`` gives the model, the results and how to rerun.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
from scipy import optimize, stats

from brink.arrays import FloatArray, IndexArray
from brink.errors import InputError
from brink.fit.icb_fit import (
    BOUNDS,
    COVARIATES,
    ENDINGS,
    FITTED_PATHS,
    GENERIC_CRISIS,
    ICB_ENDINGS,
    PARAMETERS,
    ROUNDS,
    START,
    StructuralFit,
    apply_fitted,
    fitted_lambda,
    fitted_priors,
    load_fit,
    log_ratio_of,
)

__all__ = [
    "COVARIATES",
    "ENDINGS",
    "FITTED_PATHS",
    "GENERIC_CRISIS",
    "ICB_ENDINGS",
    "PARAMETERS",
    "ROUNDS",
    "StructuralData",
    "StructuralFit",
    "apply_fitted",
    "ending_probabilities",
    "fit_structural",
    "fitted_lambda",
    "fitted_priors",
    "game_parameters",
    "load_fit",
    "log_likelihood",
    "loss_of_control_bound",
    "make_structural_predictor",
    "simulate_endings",
    "structural_data",
    "structural_predictor",
]

@dataclass(frozen=True)
class StructuralData:
    """The crises of the fit: crisis number, trigger year, ending (index into :data:`ENDINGS`;
    -1 unknown, only for prediction), the log power ratio and the nuclear dyad flag."""

    crisno: IndexArray
    year: IndexArray
    ending: IndexArray
    log_ratio: FloatArray
    nuclear_dyad: FloatArray

    @property
    def cases(self) -> int:
        return len(self.ending)

    def subset(self, keep: Any) -> StructuralData:
        return StructuralData(self.crisno[keep], self.year[keep], self.ending[keep], self.log_ratio[keep],
                              self.nuclear_dyad[keep])


def structural_data(table: Mapping[str, np.ndarray[Any, Any]]) -> StructuralData:
    """The challenger rows of the ICB table (:func:`brink.history.icb.icb_table`) with an ending."""
    ending_col = np.asarray(table["ending"], dtype=object)
    code = {name: i for i, name in enumerate(ICB_ENDINGS)}
    ending = np.asarray([code.get(e, -1) if isinstance(e, str) else -1 for e in ending_col], dtype=np.int64)
    keep = np.asarray(table["challenger"], dtype=bool) & (ending >= 0)
    na = np.nan_to_num(np.asarray(table["nuclear_a"], dtype=np.float64), nan=0.0)
    nb = np.nan_to_num(np.asarray(table["nuclear_b"], dtype=np.float64), nan=0.0)
    return StructuralData(
        crisno=np.asarray(table["crisno"], dtype=np.int64)[keep],
        year=np.asarray(table["crisis_year"], dtype=np.int64)[keep],
        ending=ending[keep],
        log_ratio=log_ratio_of(np.asarray(table["balance"], dtype=np.float64))[keep],
        nuclear_dyad=((na > 0) & (nb > 0)).astype(np.float64)[keep],
    )


# --- the game ------------------------------------------------------------------------------

@cache
def _model() -> Any:
    from brink.model import CrisisModel
    from brink.scenario import scenario_from_data

    return CrisisModel(scenario_from_data(GENERIC_CRISIS, source="brink.fit.structural.GENERIC_CRISIS"), "qbi", 1.0)


def game_parameters(theta: Sequence[float] | FloatArray, log_ratio: FloatArray,
                    nuclear_dyad: FloatArray) -> dict[str, FloatArray]:
    """Each crisis's ``lambda``, ``costs.conventional_war``, ``costs.target_war``,
    ``crisis.balance`` and ``process.decisiveness`` (module doc) for the parameters ``theta``
    (:data:`PARAMETERS`)."""
    a0, a1, b0, b1, g0, g1, d0 = (float(x) for x in theta)
    r = np.asarray(log_ratio, dtype=np.float64)
    nd = np.asarray(nuclear_dyad, dtype=np.float64)
    return {
        "lambda": np.exp(a0 + a1 * nd),
        "costs.conventional_war": np.exp(b0 + b1 * r),
        "costs.target_war": np.exp(b0 - b1 * r),
        "crisis.balance": 1.0 / (1.0 + np.exp(-(g0 + g1 * r))),
        "process.decisiveness": np.full(len(r), 1.0 / (1.0 + math.exp(-d0))),
    }


def ending_probabilities(theta: Sequence[float] | FloatArray, data: StructuralData) -> FloatArray:
    """``(N, 6)`` probabilities of :data:`ENDINGS` under quantal backward induction of the
    generic crisis with each crisis's parameters (one ``qbi`` solve per distinct lambda).

    From the template's outcomes: ``war_won = challenger_victory - target_concedes`` (a war
    won or the other side conceding, less the concession), ``war_lost = challenger_defeat``,
    ``stalemate`` plus ``loss_of_control`` (0 here); each row sums to 1 to rounding and is
    renormalised.
    """
    game = game_parameters(theta, data.log_ratio, data.nuclear_dyad)
    lam = game.pop("lambda")
    model = _model()
    out = np.empty((data.cases, len(ENDINGS)))
    if not np.all(np.isfinite(lam)) or not all(np.all(np.isfinite(v)) for v in game.values()):
        out[:] = np.nan
        return out
    for value in np.unique(lam):
        rows = np.flatnonzero(lam == value)
        model.lam = float(value)
        o = model.evaluate({k: np.ascontiguousarray(v[rows]) for k, v in game.items()}).outcomes
        cols = [o["settlement"], o["target_concedes"], o["challenger_concedes"],
                o["challenger_victory"] - o["target_concedes"], o["challenger_defeat"],
                o["stalemate"] + o["loss_of_control"]]
        out[rows] = np.column_stack(cols)
    out = np.clip(out, 0.0, None)
    return np.asarray(out / out.sum(axis=1, keepdims=True), dtype=np.float64)


def case_log_likelihood(theta: Sequence[float] | FloatArray, data: StructuralData) -> FloatArray:
    """Each crisis's log probability of its observed ending."""
    p = ending_probabilities(theta, data)
    return np.asarray(np.log(np.clip(p[np.arange(data.cases), data.ending], 1e-300, None)), dtype=np.float64)


def log_likelihood(theta: Sequence[float] | FloatArray, data: StructuralData) -> float:
    """``sum_i log P(ending_i | covariates_i, theta)`` (module doc)."""
    return float(case_log_likelihood(theta, data).sum())


def simulate_endings(theta: Sequence[float] | FloatArray, data: StructuralData, seed: int = 0) -> StructuralData:
    """The crises of ``data`` with endings drawn from the model at ``theta`` (seeded)."""
    p = ending_probabilities(theta, data)
    u = np.random.default_rng(seed).random(data.cases)
    ending = np.minimum((p.cumsum(axis=1) < u[:, None]).sum(axis=1), len(ENDINGS) - 1).astype(np.int64)
    return StructuralData(data.crisno, data.year, ending, data.log_ratio, data.nuclear_dyad)


# --- the fit -------------------------------------------------------------------------------

def numerical_gradient(f: Any, x: FloatArray, step: float = 1e-4) -> FloatArray:
    """Central differences ``(f(x + h e_k) - f(x - h e_k)) / 2h``."""
    g = np.empty(len(x))
    for k in range(len(x)):
        e = np.zeros(len(x))
        e[k] = step
        g[k] = (f(x + e) - f(x - e)) / (2 * step)
    return g


def numerical_hessian(f: Any, x: FloatArray, step: float = 1e-3) -> FloatArray:
    """Central second differences of ``f`` (4 evaluations per off-diagonal pair, 2 per diagonal
    plus the centre)."""
    k = len(x)
    h = np.empty((k, k))
    f0 = f(x)
    eye = np.eye(k) * step
    for i in range(k):
        h[i, i] = (f(x + eye[i]) - 2 * f0 + f(x - eye[i])) / step**2
        for j in range(i):
            v = (f(x + eye[i] + eye[j]) - f(x + eye[i] - eye[j]) - f(x - eye[i] + eye[j])
                 + f(x - eye[i] - eye[j])) / (4 * step**2)
            h[i, j] = h[j, i] = v
    return h


def fit_structural(
    data: StructuralData, start: Sequence[float] | FloatArray | None = None, *, maxiter: int = 200,
    hessian: bool = True,
) -> StructuralFit:
    """Maximum likelihood (module doc): L-BFGS-B on central-difference gradients from
    :data:`START`, then the observed information's inverse as the covariance (its
    pseudo-inverse, and infinite standard errors along a flat direction, where the Hessian is
    not negative definite).  ``hessian=False`` skips the standard errors (a forecast needs only
    the estimate; the covariance is then NaN).  Raises :class:`InputError` for no cases."""
    if data.cases == 0:
        raise InputError("no crises to fit the structural model", fix="fit on a non-empty set of challenger rows")
    began = time.perf_counter()
    count = [0]

    def nll(x: FloatArray) -> float:
        count[0] += 1
        v = -log_likelihood(x, data)
        return v if math.isfinite(v) else 1e300

    def fg(x: FloatArray) -> tuple[float, FloatArray]:
        return nll(x), numerical_gradient(nll, x)

    x0 = np.asarray(START if start is None else start, dtype=np.float64)
    bounds = list(BOUNDS)
    res = optimize.minimize(fg, x0, jac=True, method="L-BFGS-B", bounds=bounds,
                            options={"maxiter": maxiter, "ftol": 1e-10, "gtol": 1e-5})
    theta = np.asarray(res.x, dtype=np.float64)
    at_bound = [k for k, (x, (lo, hi)) in enumerate(zip(theta, bounds, strict=True)) if x <= lo + 1e-6 or x >= hi - 1e-6]
    free = np.asarray([k for k in range(len(theta)) if k not in at_bound], dtype=np.int64)

    def nll_free(z: FloatArray) -> float:
        x = theta.copy()
        x[free] = z
        return nll(x)

    # the Hessian of -ll (the observed information) over the parameters inside their bounds
    if not hessian:
        free = np.zeros(0, dtype=np.int64)
    hess = numerical_hessian(nll_free, theta[free]) if len(free) else np.zeros((0, 0))
    hess = (hess + hess.T) / 2
    eig = np.linalg.eigvalsh(hess) if len(free) else np.zeros(0)
    cov = np.full((len(theta), len(theta)), math.nan)
    if len(free):
        try:
            sub = np.linalg.inv(hess) if eig.min() > 0 else None
        except np.linalg.LinAlgError:  # positive to rounding, singular to LAPACK: a flat direction
            sub = None
        if sub is None:
            sub = np.linalg.pinv(hess)
            flat = np.linalg.eigh(hess)[1][:, eig <= max(float(eig.max()), 0.0) * 1e-12]
            for k in np.flatnonzero(np.abs(flat).max(axis=1, initial=0.0) > 0.3):
                sub[k, k] = math.inf
        cov[np.ix_(free, free)] = sub
    return StructuralFit(
        estimate=theta, covariance=cov, log_likelihood=-float(res.fun), n=data.cases,
        converged=bool(res.success), iterations=int(res.nit), evaluations=count[0],
        wall_s=time.perf_counter() - began, hessian_eigenvalues=np.asarray(eig, dtype=np.float64),
        extra={"at_bound": [PARAMETERS[k] for k in at_bound], "bounds": bounds,
               "optimizer": f"scipy L-BFGS-B: {res.message}"},
    )


# --- the comparisons -----------------------------------------------------------------------

def reduced_form(data: StructuralData) -> dict[str, Any]:
    """The multinomial logit of the six endings on the same covariates (a constant, the log
    power ratio, the nuclear dyad; :func:`brink.fit.icb.fit_mnlogit`): its per-crisis
    log-likelihood and parameter count, the rival reduced form of the structural model."""
    from brink.fit.icb import fit_mnlogit

    x = np.column_stack([data.log_ratio, data.nuclear_dyad])
    m = fit_mnlogit(x, data.ending, classes=len(ENDINGS))
    p = m.probabilities(x)
    case = np.log(np.clip(p[np.arange(data.cases), data.ending], 1e-300, None))
    return {"log_likelihood": float(case.sum()), "k": int(m.coef.size), "converged": m.converged,
            "case_log_likelihood": case}


def compare(fit: StructuralFit, data: StructuralData) -> dict[str, Any]:
    """Likelihood-ratio statistic ``2 (ll_logit - ll_structural)`` against chi-square with the
    difference in parameters as degrees of freedom (the logit is the saturated-in-covariates
    reduced form: the structural model restricts how the covariates move the six endings),
    AIC and BIC of both, and Vuong's (1989) z (positive favours the structural model), plain
    and with Schwarz's correction."""
    rf = reduced_form(data)
    ll_s = case_log_likelihood(fit.estimate, data)
    k_s, k_r, n = len(fit.names), rf["k"], data.cases
    statistic = 2 * (rf["log_likelihood"] - float(ll_s.sum()))
    df = k_r - k_s
    m = ll_s - rf["case_log_likelihood"]
    sd = float(m.std(ddof=1))
    z = float(m.sum() / (math.sqrt(n) * sd)) if sd > 0 else 0.0
    z_bic = float((m.sum() - (k_s - k_r) * math.log(n) / 2) / (math.sqrt(n) * sd)) if sd > 0 else 0.0
    return {
        "multinomial_logit": {"log_likelihood": rf["log_likelihood"], "k": k_r, "converged": rf["converged"],
                              "aic": 2 * k_r - 2 * rf["log_likelihood"],
                              "bic": k_r * math.log(n) - 2 * rf["log_likelihood"]},
        "likelihood_ratio": {"statistic": statistic, "df": df, "p_value": float(stats.chi2.sf(statistic, df))},
        "vuong": {"z": z, "p_value": float(2 * stats.norm.sf(abs(z)))},
        "vuong_bic": {"z": z_bic, "p_value": float(2 * stats.norm.sf(abs(z_bic)))},
        "deterrence_tree": ("not comparable: Signorino's deterrence tree has a status-quo ending (no challenge) "
                            "and no settlement or undecided ending; every ICB crisis is a challenge and 163 of the "
                            "296 challenger endings are settlements or undecided (docs/icb-fit.md)"),
    }


def loss_of_control_bound(table: Mapping[str, np.ndarray[Any, Any]], rounds: int = ROUNDS) -> dict[str, Any]:
    """What ICB says about the risk of losing control at nuclear rungs: no crisis in the data
    had nuclear use, so with ``N`` crisis-rounds at nuclear-armed dyads (crises with an actor
    row whose actor and adversary are both nuclear-armed, times the game's rounds) the
    one-sided 95% upper bound of a per-round risk is ``1 - 0.05^(1/N)``, about ``3 / N``
    (the rule of three; Hanley & Lippman-Hand 1983).  The risk is not identified: no value
    below the bound is ruled out, 0 included."""
    na = np.nan_to_num(np.asarray(table["nuclear_a"], dtype=np.float64), nan=0.0)
    nb = np.nan_to_num(np.asarray(table["nuclear_b"], dtype=np.float64), nan=0.0)
    crises = np.unique(np.asarray(table["crisno"], dtype=np.int64)[(na > 0) & (nb > 0)])
    n = len(crises) * rounds
    return {"identified": False, "events": 0, "nuclear_dyad_crises": len(crises), "rounds": rounds,
            "crisis_rounds": n, "rule_of_three_95": 3.0 / n if n else 1.0,
            "exact_95": float(1 - 0.05 ** (1 / n)) if n else 1.0,
            "per_crisis_rule_of_three_95": 3.0 / len(crises) if len(crises) else 1.0}


def data_checksum(shared: Path) -> dict[str, str]:
    """SHA-256 of every source file of the ICB table (:data:`brink.history.icb.ICB_SOURCES`)."""
    from brink.history.crises import source_paths
    from brink.history.icb import ICB_SOURCES

    out: dict[str, str] = {}
    for key, path in source_paths(shared, ICB_SOURCES).items():
        digest = hashlib.sha256()
        with open(path, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
        out[ICB_SOURCES[key]] = digest.hexdigest()
    return out


#: What a vintage of the fit leaves out of :meth:`StructuralFit.to_json` (the whole fit has it).
_NOT_IN_VINTAGE = frozenset({"model", "version", "parameters", "generic_crisis", "rounds", "table"})


def fit_icb(shared: Path | None = None, before: int | None = None, vintages: Sequence[int] = ()) -> dict[str, Any]:
    """The whole fit as :func:`load_fit` reads it: the structural fit on the ICB challengers
    (those of crises triggered before ``before`` only, if given), the comparison with the
    multinomial logit, the loss-of-control bound, the data's checksums and brink's version;
    with ``vintages`` (years, e.g. :data:`brink.fit.icb_fit.VINTAGES`) also the fit on the
    crises triggered before each of them (``vintages``: estimate, covariance, identification,
    cases, years and lambda), which ``fitted: icb`` takes for a scenario dated in the past."""
    from brink import __version__
    from brink.history.crises import default_shared
    from brink.history.icb import icb_table

    folder = shared if shared is not None else default_shared()
    table = icb_table(folder)
    everything = structural_data(table)
    data = everything if before is None else everything.subset(everything.year < before)
    fit = fit_structural(data)
    lam, lo, hi = fitted_lambda(fit, nuclear_dyad=False)
    older: dict[str, Any] = {}
    for year in vintages:
        part = everything.subset(everything.year < year)
        if part.cases == 0:
            raise InputError(f"no ICB crisis was triggered before {year}", "vintages", "choose later years")
        v = fit_structural(part)
        older[str(year)] = {key: None if isinstance(value, float) and not math.isfinite(value) else value
                            for key, value in v.to_json().items() if key not in _NOT_IN_VINTAGE} | {
            "before": year, "years": [int(part.year.min()), int(part.year.max())],
            "crises": len(np.unique(part.crisno)),
            "endings": {name: int(c) for name, c in zip(ENDINGS, np.bincount(part.ending, minlength=len(ENDINGS)),
                                                         strict=True)},
            "lambda": {key: x if math.isfinite(x) else None  # no interval where lambda is not identified
                       for key, x in zip(("estimate", "ci95_low", "ci95_high"), fitted_lambda(v), strict=True)}}
    return {
        **fit.to_json(),
        "source": "International Crisis Behavior v14 (Brecher, Wilkenfeld, Beardsley, James & Quinn 2021), "
                  "icb1v14.csv and icb2v14.csv, joined with COW NMC v7 and the nuclear states by brink data icb",
        "brink_version": __version__, "data_checksum": data_checksum(folder), "before": before,
        "years": [int(data.year.min()), int(data.year.max())], "crises": len(np.unique(data.crisno)),
        "endings": {name: int(c) for name, c in zip(ENDINGS, np.bincount(data.ending, minlength=len(ENDINGS)),
                                                     strict=True)},
        "covariates": COVARIATES,
        "lambda": {"estimate": lam, "ci95_low": lo, "ci95_high": hi, "nuclear_dyad": list(fitted_lambda(fit, nuclear_dyad=True))},
        "comparison": compare(fit, data), "loss_of_control": loss_of_control_bound(table),
        **({"vintages": older} if older else {}),
    }


# --- using the fit -------------------------------------------------------------------------

def make_structural_predictor(start: Sequence[float] | FloatArray | None = None) -> Any:
    """:func:`structural_predictor` with its fits started at ``start`` (e.g. the full-sample
    estimate, so that the many fits of leave-one-crisis-out converge in a few steps; each
    still maximises its own training likelihood)."""

    def predictor(train: Any, test: Any) -> FloatArray:
        return structural_predictor(train, test, start=start)

    return predictor


def structural_predictor(train: Any, test: Any, start: Sequence[float] | FloatArray | None = None) -> FloatArray:
    """A predictor of :mod:`brink.fit.icb` (``(train, test) -> (len(test), 4)``): the structural
    model fitted to the training challengers' endings, its six ending probabilities summed to
    ICB's four outcomes for the challenger: victory = target concedes + war won, defeat =
    challenger concedes + war lost, compromise = settlement + kappa undecided and stalemate =
    (1 - kappa) undecided, with kappa the share of compromises among the training cases whose
    ending is undecided (ICB's compromise without an agreement is an undecided ending by
    :data:`brink.history.icb.ENDING_RULE`).  Needs cases with ``ending`` (challenger rows)."""
    tr, te = _as_structural(train), _as_structural(test)
    fit = fit_structural(tr.subset(tr.ending >= 0), start, hessian=False)
    p = ending_probabilities(fit.estimate, te)
    undecided = tr.ending == ENDINGS.index("stalemate")
    compromise = np.asarray(train.outcome) == 1
    kappa = float((undecided & compromise).sum() / undecided.sum()) if undecided.any() else 0.0
    out = np.column_stack([p[:, 1] + p[:, 3], p[:, 0] + kappa * p[:, 5], (1 - kappa) * p[:, 5], p[:, 2] + p[:, 4]])
    return np.asarray(out, dtype=np.float64)


def _as_structural(cases: Any) -> StructuralData:
    ending = getattr(cases, "ending", None)
    if ending is None:
        raise InputError("the structural model predicts the challenger's outcome", "--unit",
                         "score it with --unit challenger")
    names = list(cases.names)
    x = cases.covariates
    nd = x[:, names.index("nuclear_a")] * x[:, names.index("nuclear_b")]
    return StructuralData(cases.crisno, cases.year, np.asarray(ending, dtype=np.int64), log_ratio_of(cases.balance),
                          np.asarray(nd, dtype=np.float64))
