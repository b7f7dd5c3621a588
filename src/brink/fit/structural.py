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
import json
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from scipy import optimize, stats

from brink.arrays import FloatArray, IndexArray
from brink.errors import InputError

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

#: Rounds of the generic crisis.
ROUNDS = 3

#: The generic crisis every ICB case is played as (a scenario of the escalation template).
#: ``C`` challenges ``T``; ``D`` is an outside defender that may answer for the target with
#: sanctions or a conventional strike (what a great power or an ally can do), with a small
#: stake of its own.  The ladder is conventional (show of force, mobilization, a limited war:
#: Kahn 1965's rungs 3, 6 and 9) so that no nuclear rung or loss of control enters the fit.
#: The leader has no office value and no punishment and the post-war horizon is one month: the
#: post-war game is solved but contributes nothing to the crisis payoffs.  ``balance``,
#: ``costs.conventional_war`` and ``costs.target_war`` are set per crisis (module doc); every
#: other number is the template's default or the value written here.
GENERIC_CRISIS: dict[str, Any] = {
    "name": "icb-generic-crisis",
    "title": "The generic crisis of brink's structural fit to ICB",
    "as_of": "2000-01-01",
    "template": "escalation",
    "description": "A challenger against a target with an outside defender, three rounds, a conventional ladder.",
    "sources": {"fit": "brink.fit.structural.GENERIC_CRISIS (docs/icb-fit.md)"},
    "provenance": {key: "assumption; the structure of the fitted game (docs/icb-fit.md)" for key in (
        "actors", "crisis", "doctrines", "costs", "process", "survival")},
    "actors": {
        "C": {"kind": "state", "name": "Challenger",
              "leader": {"W": 0.5, "S": 1.0, "tenure_years": 5, "office_value": 0.0, "punishment_cost": 0.0}},
        "T": {"kind": "state", "name": "Target"},
        "D": {"kind": "state", "name": "Outside defender"},
    },
    "crisis": {
        "challenger": "C", "target": "T", "defender": "D", "situation": "territorial-demand",
        "stakes": {"challenger": 1.0, "defender": 0.3, "target": 1.0},
        "balance": 0.5, "stalemate_share": 0.5,
        "ladder": ["concede", "show-of-force", "mobilization", "limited-conventional-war"],
        "responses": ["none", "sanctions", "conventional-strike"],
    },
    "doctrines": {"D": {"declared": "conventional-strike", "resolve": 0.5}},
    "costs": {"conventional_war": 0.3, "target_war": 0.3},
    "survival": {"horizon_months": 1},
    "process": {"rounds": ROUNDS, "offers": [0.5], "loss_of_control": 0.0, "decisiveness": 0.25},
}

#: The endings of the likelihood, as the game names them, in the order of the columns of
#: :func:`ending_probabilities`.
ENDINGS: tuple[str, ...] = ("settlement", "target_concedes", "challenger_concedes", "war_won", "war_lost",
                            "stalemate")
#: The same endings as the ICB table's ``ending`` column names them for the challenger's row.
ICB_ENDINGS: tuple[str, ...] = ("settlement", "adversary_concedes", "actor_concedes", "war_won", "war_lost",
                                "undecided")
#: The estimated parameters (module doc).
PARAMETERS: tuple[str, ...] = ("lambda.const", "lambda.nuclear_dyad", "cost.const", "cost.log_ratio",
                               "balance.const", "balance.log_ratio", "decisiveness.const")
#: The covariates of each crisis.
COVARIATES: dict[str, str] = {
    "log_ratio": "log(CINC_C / CINC_T), the challenger's capability share's log-odds (balance clipped to "
                 "[0.001, 0.999]; 0 where COW has no capability of one side)",
    "nuclear_dyad": "both sides nuclear-armed in the year (Jo & Gartzke 2007)",
}
#: Where parameters start: lambda 1, cost 0.3 per round, the capability ratio as the balance,
#: the template's default decisiveness 0.25.
START: tuple[float, ...] = (0.0, 0.0, math.log(0.3), 0.0, 0.0, 1.0, math.log(0.25 / 0.75))
#: The search's bounds (a parameter at one is reported as not identified).
BOUNDS: tuple[tuple[float, float], ...] = ((-6.0, 6.0), (-6.0, 6.0), (-8.0, 4.0), (-4.0, 4.0), (-8.0, 8.0),
                                           (-8.0, 8.0), (-8.0, 4.0))
#: The fit's file format version.
FIT_VERSION = 1
_FIT_FILE = "icb_fit.json"
_BALANCE_CLIP = 1e-3


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


def log_ratio_of(balance: FloatArray) -> FloatArray:
    """``log(b / (1 - b))`` of the capability share, clipped; 0 (even) where unknown."""
    b = np.clip(np.asarray(balance, dtype=np.float64), _BALANCE_CLIP, 1 - _BALANCE_CLIP)
    return np.asarray(np.where(np.isfinite(b), np.log(b / (1 - b)), 0.0), dtype=np.float64)


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

@dataclass
class StructuralFit:
    """A maximum-likelihood fit of the structural model (module doc)."""

    estimate: FloatArray
    covariance: FloatArray
    log_likelihood: float
    n: int
    converged: bool
    iterations: int
    evaluations: int
    wall_s: float
    hessian_eigenvalues: FloatArray
    names: tuple[str, ...] = PARAMETERS
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def se(self) -> FloatArray:
        """Standard errors; NaN for a parameter at a bound of the search (not identified there)."""
        return np.asarray(np.sqrt(np.clip(np.diag(self.covariance), 0.0, None)), dtype=np.float64)

    @property
    def condition(self) -> float:
        """The observed information's condition number (over the parameters inside their bounds)."""
        ev = np.abs(self.hessian_eigenvalues)
        return float(ev.max() / ev.min()) if len(ev) and ev.min() > 0 else math.inf

    def identified(self) -> dict[str, bool]:
        """Whether the data identify each parameter: inside its bound, a finite standard error at
        most 3 times the estimate's size and at most 5, and a condition number below 1e8 (the rule
        of ``brink fit``'s :data:`brink.cli.fit.WEAK_RULE`)."""
        se = self.se
        ok = self.condition < 1e8
        return {n: bool(ok and math.isfinite(s) and s <= 5 and s <= 3 * abs(e))
                for n, e, s in zip(self.names, self.estimate, se, strict=True)}

    def interval(self, level: float = 0.95) -> tuple[FloatArray, FloatArray]:
        z = float(stats.norm.ppf(0.5 + level / 2))
        return self.estimate - z * self.se, self.estimate + z * self.se

    def table(self) -> list[dict[str, float | str | None]]:
        lo, hi = self.interval()
        def num(x: float) -> float | None:
            return float(x) if math.isfinite(x) else None

        return [{"parameter": n, "estimate": float(e), "se": num(s), "ci95_low": num(a), "ci95_high": num(b),
                 "z": num(e / s) if s > 0 else None}
                for n, e, s, a, b in zip(self.names, self.estimate, self.se, lo, hi, strict=True)]

    def to_json(self) -> dict[str, Any]:
        return {
            "model": "escalation game, quantal backward induction (brink.fit.structural)", "version": FIT_VERSION,
            "parameters": list(self.names), "estimate": self.estimate.tolist(),
            "covariance": _json_floats(self.covariance), "se": _json_floats(self.se), "table": self.table(),
            "identified": self.identified(),
            "log_likelihood": self.log_likelihood, "n": self.n, "k": len(self.names),
            "aic": 2 * len(self.names) - 2 * self.log_likelihood,
            "bic": len(self.names) * math.log(max(self.n, 1)) - 2 * self.log_likelihood,
            "converged": self.converged, "iterations": self.iterations, "evaluations": self.evaluations,
            "wall_s": self.wall_s, "hessian_eigenvalues": self.hessian_eigenvalues.tolist(),
            "condition_number": self.condition, "rounds": ROUNDS, "generic_crisis": GENERIC_CRISIS,
            **self.extra,
        }

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> StructuralFit:
        return cls(estimate=np.asarray(d["estimate"], dtype=np.float64),
                   covariance=np.asarray([[math.nan if v is None else v for v in row] for row in d["covariance"]],
                                         dtype=np.float64),
                   log_likelihood=float(d["log_likelihood"]), n=int(d["n"]), converged=bool(d["converged"]),
                   iterations=int(d["iterations"]), evaluations=int(d["evaluations"]), wall_s=float(d["wall_s"]),
                   hessian_eigenvalues=np.asarray(d["hessian_eigenvalues"], dtype=np.float64),
                   names=tuple(d["parameters"]),
                   extra={k: v for k, v in d.items() if k not in _CORE})


def _json_floats(a: FloatArray) -> Any:
    """A float array as nested lists, non-finite entries (no standard error) as ``None``."""
    return [_json_floats(x) for x in a] if a.ndim > 1 else [float(x) if math.isfinite(x) else None for x in a]


_CORE = frozenset({"model", "version", "parameters", "estimate", "covariance", "se", "table", "log_likelihood", "n",
                   "identified",
                   "k", "aic", "bic", "converged", "iterations", "evaluations", "wall_s", "hessian_eigenvalues",
                   "condition_number", "rounds", "generic_crisis"})


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
        if eig.min() > 0:
            sub = np.linalg.inv(hess)
        else:
            sub = np.linalg.pinv(hess)
            flat = np.linalg.eigh(hess)[1][:, eig <= 0]
            for k in np.flatnonzero(np.abs(flat).max(axis=1) > 0.3):
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


def fit_icb(shared: Path | None = None, before: int | None = None) -> dict[str, Any]:
    """The whole fit as :func:`load_fit` reads it: the structural fit on the ICB challengers
    (those of crises triggered before ``before`` only, if given), the comparison with the
    multinomial logit, the loss-of-control bound, the data's checksums and brink's version."""
    from brink import __version__
    from brink.history.crises import default_shared
    from brink.history.icb import icb_table

    folder = shared if shared is not None else default_shared()
    table = icb_table(folder)
    data = structural_data(table)
    if before is not None:
        data = data.subset(data.year < before)
    fit = fit_structural(data)
    lam, lo, hi = _lambda_interval(fit, 0.0)
    return {
        **fit.to_json(),
        "source": "International Crisis Behavior v14 (Brecher, Wilkenfeld, Beardsley, James & Quinn 2021), "
                  "icb1v14.csv and icb2v14.csv, joined with COW NMC v7 and the nuclear states by brink data icb",
        "brink_version": __version__, "data_checksum": data_checksum(folder), "before": before,
        "years": [int(data.year.min()), int(data.year.max())], "crises": len(np.unique(data.crisno)),
        "endings": {name: int(c) for name, c in zip(ENDINGS, np.bincount(data.ending, minlength=len(ENDINGS)),
                                                     strict=True)},
        "covariates": COVARIATES,
        "lambda": {"estimate": lam, "ci95_low": lo, "ci95_high": hi, "nuclear_dyad": list(_lambda_interval(fit, 1.0))},
        "comparison": compare(fit, data), "loss_of_control": loss_of_control_bound(table),
    }


# --- using the fit -------------------------------------------------------------------------

def load_fit(path: Path | str | None = None) -> StructuralFit:
    """The stored fit (default: the committed ``brink/data/icb_fit.json``, made by
    ``scripts/derive_icb_fit.py``)."""
    if path is None:
        text = resources.files("brink.data").joinpath(_FIT_FILE).read_text(encoding="utf-8")
        where = f"brink/data/{_FIT_FILE}"
    else:
        where = str(path)
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise InputError(f"cannot read the fit: {exc.strerror}", where, "run brink fit icb --out FILE") from None
    d = json.loads(text)
    if d.get("version") != FIT_VERSION or d.get("parameters") != list(PARAMETERS):
        raise InputError(f"the fit has version {d.get('version')!r} and parameters {d.get('parameters')!r}, not "
                         f"version {FIT_VERSION} with {list(PARAMETERS)}", where,
                         "regenerate it with scripts/derive_icb_fit.py")
    return StructuralFit.from_json(d)


def _lambda_interval(fit: StructuralFit, nuclear_dyad: float) -> tuple[float, float, float]:
    x = np.array([1.0, nuclear_dyad])
    mu = float(x @ fit.estimate[:2])
    sd = float(math.sqrt(max(x @ fit.covariance[:2, :2] @ x, 0.0)))
    return math.exp(mu), math.exp(mu - 1.959963984540054 * sd), math.exp(mu + 1.959963984540054 * sd)


def fitted_lambda(fit: StructuralFit | None = None, nuclear_dyad: bool = False) -> tuple[float, float, float]:
    """The fitted qbi precision ``exp(a0 + a1 nuclear_dyad)`` and its 95% interval (the normal
    approximation of the log precision, delta method): ``(lambda, low, high)``, for a crisis
    without (default) or with a nuclear-armed dyad.  Per unit of the generic crisis's stake."""
    return _lambda_interval(fit if fit is not None else load_fit(), 1.0 if nuclear_dyad else 0.0)


def fitted_priors(log_ratio: float, nuclear_dyad: bool, fit: StructuralFit | None = None) -> dict[str, dict[str, Any]]:
    """The game parameters the fit gives a crisis with these covariates, each with the normal
    approximation of its linear predictor ``x' theta ~ N(x' theta_hat, x' Sigma x)``:
    ``costs.conventional_war`` and ``costs.target_war`` lognormal, ``crisis.balance`` the
    logistic of a normal, ``lambda`` lognormal.  ``{name: {mu, sigma, median, distribution}}``;
    the distributions are marginal (their correlation through ``theta`` is not kept)."""
    f = fit if fit is not None else load_fit()
    nd = 1.0 if nuclear_dyad else 0.0
    rows = {"lambda": ([1.0, nd, 0, 0, 0, 0, 0], "exp"),
            "costs.conventional_war": ([0, 0, 1.0, log_ratio, 0, 0, 0], "exp"),
            "costs.target_war": ([0, 0, 1.0, -log_ratio, 0, 0, 0], "exp"),
            "crisis.balance": ([0, 0, 0, 0, 1.0, log_ratio, 0], "sigmoid")}
    out: dict[str, dict[str, Any]] = {}
    for name, (row, link) in rows.items():
        x = np.asarray(row, dtype=np.float64)
        mu = float(x @ f.estimate)
        idx = np.flatnonzero(x)
        var = float(x[idx] @ f.covariance[np.ix_(idx, idx)] @ x[idx])
        sigma = math.sqrt(var) if math.isfinite(var) and var > 0 else 0.0
        median = math.exp(mu) if link == "exp" else 1 / (1 + math.exp(-mu))
        used = [n for n, c in zip(f.names, x, strict=True) if c != 0]
        known = f.identified()
        out[name] = {"mu": mu, "sigma": sigma, "median": median, "link": link,
                     "identified": all(known[n] for n in used)}
    return out


#: What ``fitted: icb`` fills in an escalation scenario, and how (:func:`apply_fitted`).
FITTED_PATHS: tuple[str, ...] = ("costs.conventional_war", "costs.target_war", "crisis.balance")
#: The user parameter that carries the balance's normal linear predictor.
BALANCE_PARAMETER = "fit_icb_balance"
FITTED_SOURCE = "fit:icb"


def _number(x: Any) -> float | None:
    return float(x) if isinstance(x, int | float) and not isinstance(x, bool) else None


def apply_fitted(data: dict[str, Any], locate: Any) -> dict[str, Any]:
    """``fitted: icb`` in an escalation scenario (issue 23, item 4): the game parameters the
    structural fit identifies, for the scenario's covariates, as distributions with provenance
    ``fit:icb``.

    The covariates: the log power ratio of the challenger and the target from their
    ``capability`` (written, or filled by ``from_data:`` for the year, which runs first) and
    whether both have warheads (a nuclear dyad).  For each of :data:`FITTED_PATHS` that the
    fit identifies (:meth:`StructuralFit.identified`) the scenario gets the normal
    approximation of the posterior (:func:`fitted_priors`): ``costs.*`` as ``lognormal(mu,
    sigma)`` and ``crisis.balance`` as ``sigmoid(fit_icb_balance)`` with the user parameter
    ``fit_icb_balance: normal(mu, sigma)``.  A parameter the fit does not identify keeps the
    scenario's judgement, and the source entry names it.  A path the file writes itself and the
    fit would set is an error (remove one of the two).  ``locate(path)`` gives a located
    ``where`` for messages; ``data`` is changed and returned (without ``fitted``).
    """
    value = data.pop("fitted")
    where = locate(["fitted"])
    if value != "icb":
        raise InputError(f"fitted: {value!r} is not a fitted model brink has", where, "write fitted: icb")
    if data.get("template") != "escalation":
        raise InputError("fitted: icb sets the escalation game's parameters; this scenario's template is "
                         f"{data.get('template')!r}", where, "use it with template: escalation, or remove it")
    crisis = data.get("crisis")
    actors = data.get("actors")
    if not isinstance(crisis, dict) or not isinstance(actors, dict):
        raise InputError("fitted: icb needs the crisis and actors sections", where,
                         "add crisis: {challenger, target, defender, ...} and the actors")
    caps: list[float] = []
    armed: list[bool] = []
    for role in ("challenger", "target"):
        aid = crisis.get(role)
        actor = actors.get(aid) if isinstance(aid, str) else None
        cap = _number(actor.get("capability")) if isinstance(actor, dict) else None
        if cap is None or cap <= 0:
            raise InputError(f"fitted: icb needs the {role}'s capability (COW CINC) as a positive number", where,
                             f"write actors.{aid}.capability, or from_data: {{year: ...}} for the actor")
        caps.append(cap)
        nuclear = actor.get("nuclear") if isinstance(actor, dict) else None
        armed.append(isinstance(nuclear, dict) and any(
            isinstance(v, str) or ((_number(v) or 0) > 0) for k, v in nuclear.items()
            if k in ("strategic", "non_strategic")))
    fit = load_fit()
    ratio = float(log_ratio_of(np.asarray([caps[0] / (caps[0] + caps[1])]))[0])
    priors = fitted_priors(ratio, armed[0] and armed[1], fit)
    provenance = data.setdefault("provenance", {})
    kept: list[str] = []
    for path in FITTED_PATHS:
        section, key = path.split(".")
        block = data.setdefault(section, {})
        if not isinstance(block, dict):
            raise InputError(f"{section} must be a mapping", locate([section]), f"write {section}: {{...}}")
        prior = priors[path]
        if not prior["identified"]:
            kept.append(path)
            continue
        if key in block:
            raise InputError(f"{path} is written in the scenario, and fitted: icb sets it from the fit",
                             locate([section, key]), f"remove {path} to take the fitted value, or remove fitted: icb")
        if prior["link"] == "exp":
            block[key] = f"lognormal({prior['mu']:.6g}, {prior['sigma']:.6g})"
        else:
            params = data.setdefault("parameters", {})
            params[BALANCE_PARAMETER] = f"normal({prior['mu']:.6g}, {prior['sigma']:.6g})"
            block[key] = f"sigmoid({BALANCE_PARAMETER})"
            provenance[f"parameters.{BALANCE_PARAMETER}"] = FITTED_SOURCE
        provenance[path] = FITTED_SOURCE
    data.setdefault("sources", {})[FITTED_SOURCE] = (
        "brink's structural fit of the escalation game to ICB v14 challengers (brink/data/icb_fit.json, "
        f"docs/icb-fit.md) for log power ratio {ratio:.3f} and nuclear dyad {armed[0] and armed[1]}; normal "
        "approximation of the posterior" + (f"; not identified by the fit, kept as written: {', '.join(kept)}"
                                            if kept else ""))
    return data


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
