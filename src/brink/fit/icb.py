"""Scoring predictions of ICB crisis outcomes out of sample (``brink backtest --data icb``).

The cases are the rows of the ICB table (:mod:`brink.history.icb`) with one of the four outcomes
:data:`CLASSES` (victory, compromise, stalemate, defeat for the actor; ICB's ``outcom`` 1-4; the
12 rows coded "other" and the one without an outcome are left out): **every crisis actor**
(``unit="actor"``, the default) or only **the crisis's challenger** (``unit="challenger"``,
:data:`brink.history.icb.CHALLENGER_RULE`).  A prediction is a probability for each class.

A predictor is any callable ``(train, test) -> (len(test), 4)`` probabilities
(:data:`Predictor`): it is given the training cases and returns its forecast for the test
cases, so that a structural model (the escalation game's predicted ending probabilities) plugs
in as one more entry of the predictor dictionary.  The three references:

* **base rate**: the training cases' frequency of each class, for every test case;
* **stronger side wins**: the class "victory" gets 0.7 when the actor holds more than half of
  the dyad's COW capabilities (``balance > 0.5``, COW CINC; Singer, Bremer & Stuckey 1972) and
  "defeat" 0.7 when it holds less; the other 0.3 is spread over the other three classes in
  proportion to their training base rates; an even or unknown balance gets the base rate;
* **multinomial logit** of the class on :data:`COVARIATES` (McFadden 1974), fitted by
  maximum likelihood with brink's own code: analytic gradient and Hessian, scipy's
  trust-region Newton (``trust-exact``), victory the reference class.

Scores per case: Brier ``sum_c (p_c - y_c)^2`` (Brier 1950) and log loss (Good 1952), as in
:mod:`brink.fit.backtest`; skill ``1 - mean score / mean reference score`` (Murphy 1988) of every
predictor against every other, with a 95% percentile interval from a **bootstrap over crises**
(the actors of one crisis are resampled together; Efron & Tibshirani 1993, the cluster
bootstrap of Davison & Hinkley 1997, sec. 3.8), seeded, at most :data:`MAX_BOOTSTRAP`
resamples.  Designs: fit on the crises triggered before ``split`` (default 1990: the crisis's
system-level trigger year) and score the later ones; leave-one-crisis-out (every crisis scored
by predictors fitted on all the others); K-fold by crisis.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import optimize

from brink.arrays import FloatArray, IndexArray
from brink.errors import InputError
from brink.fit.backtest import brier, log_loss, reliability

__all__ = [
    "CLASSES",
    "COVARIATES",
    "MAX_BOOTSTRAP",
    "STRONGER_SHARE",
    "IcbBacktest",
    "IcbCases",
    "MNLogit",
    "Predictor",
    "backtest_by_time",
    "base_rate_predictor",
    "cluster_bootstrap",
    "cross_validation",
    "fit_mnlogit",
    "icb_cases",
    "labelled_reliability",
    "logit_predictor",
    "reference_predictors",
    "score",
    "stronger_side_predictor",
]

#: The four classes scored, in ICB's ``outcom`` order (codes 1-4).
CLASSES: tuple[str, ...] = ("victory", "compromise", "stalemate", "defeat")
#: The covariates of the multinomial logit (column of the ICB table -> what it measures).
COVARIATES: dict[str, str] = {
    "balance": "the actor's share of the dyad's COW capabilities (CINC), 0.5 where unknown",
    "nuclear_a": "the actor is nuclear-armed (Jo & Gartzke 2007)",
    "nuclear_b": "the adversary is nuclear-armed",
    "umbrella_a": "the actor has a defense pact with a nuclear-armed third state (ATOP)",
    "umbrella_b": "the adversary has a defense pact with a nuclear-armed third state (ATOP)",
    "democracy": "the actor is a democracy (ICB regime 1)",
    "grave_threat": "ICB gravity of threat: grave damage or existence (gravty 5, 6)",
    "gp_involved": "the US or the USSR took part without being a crisis actor (usinv or suinv 2-8)",
    "gp_favours": "that involvement favoured the actor (usfavr or sufavr 1)",
    "gp_opposes": "that involvement went against the actor (usfavr or sufavr 3)",
}
#: The probability "the stronger side wins" puts on its class.
STRONGER_SHARE = 0.7
#: The most bootstrap resamples asked for (a bound on time and memory: each resample is a mean
#: over the crises).
MAX_BOOTSTRAP = 20_000
_UNITS = ("actor", "challenger")


@dataclass(frozen=True)
class IcbCases:
    """Scored cases: crisis number, crisis trigger year, class (index into :data:`CLASSES`), the
    covariate matrix (columns :data:`COVARIATES`) and the actor's capability share (NaN unknown)."""

    crisno: IndexArray
    year: IndexArray
    outcome: IndexArray
    covariates: FloatArray
    balance: FloatArray
    names: tuple[str, ...] = tuple(COVARIATES)
    #: With ``unit="challenger"``: the challenger's ending (index into
    #: :data:`brink.fit.structural.ICB_ENDINGS`, -1 none), what the structural model is fitted to.
    ending: IndexArray | None = None

    @property
    def cases(self) -> int:
        return len(self.outcome)

    def subset(self, keep: Any) -> IcbCases:
        return IcbCases(self.crisno[keep], self.year[keep], self.outcome[keep], self.covariates[keep],
                        self.balance[keep], self.names, None if self.ending is None else self.ending[keep])


def icb_cases(table: Mapping[str, np.ndarray[Any, Any]], unit: str = "actor") -> IcbCases:
    """The ICB table's rows with an outcome of :data:`CLASSES`: every actor, or only challengers."""
    if unit not in _UNITS:
        raise InputError(f"unknown unit {unit!r}", "--unit", f"use one of {', '.join(_UNITS)}")
    outcom = np.asarray(np.nan_to_num(np.asarray(table["outcom"], dtype=np.float64), nan=0), dtype=np.int64)
    keep = (outcom >= 1) & (outcom <= 4)
    if unit == "challenger":
        keep &= np.asarray(table["challenger"], dtype=bool)
    balance = np.asarray(table["balance"], dtype=np.float64)

    def flag(name: str) -> FloatArray:
        return np.nan_to_num(np.asarray(table[name], dtype=np.float64), nan=0.0)

    columns = {
        "balance": np.where(np.isfinite(balance), balance, 0.5),
        "nuclear_a": flag("nuclear_a"), "nuclear_b": flag("nuclear_b"),
        "umbrella_a": flag("umbrella_a"), "umbrella_b": flag("umbrella_b"),
        "democracy": flag("democracy_icb"), "grave_threat": flag("grave_threat"),
        "gp_involved": flag("gp_involved"), "gp_favours": flag("gp_favours"), "gp_opposes": flag("gp_opposes"),
    }
    x = np.column_stack([columns[name] for name in COVARIATES])
    ending = None
    if unit == "challenger":
        from brink.fit.icb_fit import ICB_ENDINGS

        code = {name: i for i, name in enumerate(ICB_ENDINGS)}
        ending = np.asarray([code.get(e, -1) if isinstance(e, str) else -1 for e in np.asarray(table["ending"], dtype=object)],
                            dtype=np.int64)[keep]
    return IcbCases(
        crisno=np.asarray(table["crisno"], dtype=np.int64)[keep],
        year=np.asarray(table["crisis_year"], dtype=np.int64)[keep],
        outcome=outcom[keep] - 1,
        covariates=np.ascontiguousarray(x[keep]),
        balance=balance[keep],
        ending=ending,
    )


# --- the multinomial logit -------------------------------------------------------------------

@dataclass(frozen=True)
class MNLogit:
    """A fitted multinomial logit: ``coef[k, j]`` is covariate k's (0 = constant) coefficient in
    class j + 1's log-odds against class 0."""

    coef: FloatArray
    log_likelihood: float
    converged: bool
    iterations: int

    def probabilities(self, x: FloatArray) -> FloatArray:
        """Class probabilities ``(N, J + 1)`` for covariates ``x`` ``(N, K)`` (without constant)."""
        return _softmax(_design(x) @ self.coef)


def _design(x: FloatArray) -> FloatArray:
    return np.column_stack([np.ones(len(x)), np.asarray(x, dtype=np.float64)])


def _softmax(eta: FloatArray) -> FloatArray:
    full = np.column_stack([np.zeros(len(eta)), eta])
    full -= full.max(axis=1, keepdims=True)
    e = np.exp(full)
    return np.asarray(e / e.sum(axis=1, keepdims=True), dtype=np.float64)


def fit_mnlogit(x: FloatArray, y: IndexArray, classes: int = len(CLASSES)) -> MNLogit:
    """Maximum likelihood of the multinomial logit of ``y`` on ``x`` (a constant added).

    The log-likelihood ``sum_n log p[n, y_n]``, its gradient ``X' (Y - P)`` and Hessian
    ``-sum_n kron(diag(p_n) - p_n p_n', x_n x_n')`` over the non-reference classes are analytic
    (McFadden 1974; Greene 2012, ch. 18); scipy's ``trust-exact`` Newton method maximises it, and
    plain Newton steps finish where it stops short; ``converged`` means the largest gradient
    component is at most ``1e-8 N``.  Raises :class:`InputError` for no cases.
    """
    xd = _design(x)
    yv = np.asarray(y, dtype=np.int64)
    n, k = xd.shape
    j = classes - 1
    if n == 0:
        raise InputError("no cases to fit the multinomial logit", fix="fit on a non-empty set of cases")
    onehot = np.zeros((n, classes))
    onehot[np.arange(n), yv] = 1.0

    cache: dict[bytes, tuple[float, FloatArray, FloatArray]] = {}

    def parts(theta: FloatArray) -> tuple[float, FloatArray, FloatArray]:
        key = np.asarray(theta, dtype=np.float64).tobytes()
        if key not in cache:
            cache.clear()
            p = _softmax(xd @ theta.reshape(k, j))
            ll = float(np.log(np.clip(p[np.arange(n), yv], 1e-300, None)).sum())
            grad = (xd.T @ (onehot[:, 1:] - p[:, 1:])).reshape(-1)
            q = p[:, 1:]
            # H[(a, l), (b, m)] = -sum_n x_na x_nb (q_nl [l == m] - q_nl q_nm)
            hess = np.empty((k, j, k, j))
            for c1 in range(j):
                for c2 in range(j):
                    w = q[:, c1] * ((1.0 if c1 == c2 else 0.0) - q[:, c2])
                    hess[:, c1, :, c2] = -(xd * w[:, None]).T @ xd
            cache[key] = (ll, grad, hess.reshape(k * j, k * j))
        return cache[key]

    res = optimize.minimize(
        lambda t: -parts(t)[0], np.zeros(k * j), jac=lambda t: -parts(t)[1], hess=lambda t: -parts(t)[2],
        method="trust-exact", options={"gtol": 1e-9, "maxiter": 200},
    )
    theta = np.asarray(res.x, dtype=np.float64)
    tolerance = 1e-8 * n
    for _ in range(20):  # Newton steps where the trust region stopped short (a concave log-likelihood)
        ll, grad, hess = parts(theta)
        if float(np.abs(grad).max()) <= tolerance:
            break
        try:
            step = np.linalg.solve(hess, grad)
        except np.linalg.LinAlgError:
            break
        if not parts(theta - step)[0] >= ll:
            break
        theta = theta - step
    gradient = float(np.abs(parts(theta)[1]).max())
    return MNLogit(theta.reshape(k, j), parts(theta)[0], gradient <= tolerance, int(res.nit))


# --- predictors ------------------------------------------------------------------------------

#: A predictor: given the training cases, its probabilities of :data:`CLASSES` for the test cases.
Predictor = Callable[[IcbCases, IcbCases], FloatArray]


def _rates(train: IcbCases) -> FloatArray:
    if train.cases == 0:
        raise InputError("no training cases for the base rate", fix="fit on a non-empty set of cases")
    return np.asarray(np.bincount(train.outcome, minlength=len(CLASSES)) / train.cases, dtype=np.float64)


def base_rate_predictor(train: IcbCases, test: IcbCases) -> FloatArray:
    """Every test case gets the training cases' class frequencies."""
    return np.asarray(np.tile(_rates(train), (test.cases, 1)), dtype=np.float64)


def stronger_side_predictor(train: IcbCases, test: IcbCases, share: float = STRONGER_SHARE) -> FloatArray:
    """"The stronger side wins" (module doc): ``share`` on victory (``balance > 0.5``) or defeat
    (``balance < 0.5``), the rest by the training base rates of the other classes."""
    rates = _rates(train)
    out = np.tile(rates, (test.cases, 1))
    for cls, rows in ((CLASSES.index("victory"), test.balance > 0.5), (CLASSES.index("defeat"), test.balance < 0.5)):
        rest = rates.copy()
        rest[cls] = 0.0
        total = rest.sum()
        spread = rest / total * (1 - share) if total > 0 else np.full(len(rates), (1 - share) / (len(rates) - 1))
        spread[cls] = share
        out[rows] = spread
    return np.asarray(out, dtype=np.float64)


def logit_predictor(train: IcbCases, test: IcbCases) -> FloatArray:
    """The multinomial logit on :data:`COVARIATES`, fitted to the training cases."""
    return fit_mnlogit(train.covariates, train.outcome).probabilities(test.covariates)


def reference_predictors() -> dict[str, Predictor]:
    """The three references, in the order the issue names them (a structural model is added to
    this dictionary to be scored against them)."""
    return {"base rate": base_rate_predictor, "stronger side wins": stronger_side_predictor,
            "multinomial logit": logit_predictor}


# --- scoring ---------------------------------------------------------------------------------

def cluster_bootstrap(
    score_model: FloatArray, score_reference: FloatArray, clusters: IndexArray, replications: int = 1000,
    seed: int = 0, level: float = 0.95,
) -> tuple[float, float]:
    """Percentile interval of the skill ``1 - mean(model) / mean(reference)`` over resamples of the
    clusters (crises) with replacement, all the cases of a drawn cluster taken together; seeded."""
    if not 2 <= replications <= MAX_BOOTSTRAP:
        raise InputError(f"the bootstrap takes 2 to {MAX_BOOTSTRAP} resamples, got {replications}", "--bootstrap",
                         "ask for 1000")
    m = np.asarray(score_model, dtype=np.float64)
    r = np.asarray(score_reference, dtype=np.float64)
    ids, index = np.unique(np.asarray(clusters), return_inverse=True)
    if m.shape != r.shape or m.shape != index.shape or len(m) == 0:
        raise InputError("scores and clusters must be per case on the same cases", fix="score both on one set of cases")
    sum_m = np.bincount(index, weights=m, minlength=len(ids))
    sum_r = np.bincount(index, weights=r, minlength=len(ids))
    counts = np.bincount(np.random.default_rng(seed).integers(0, len(ids), (replications, len(ids))).ravel()
                         + np.repeat(np.arange(replications) * len(ids), len(ids)),
                         minlength=replications * len(ids)).reshape(replications, len(ids))
    ref = counts @ sum_r
    with np.errstate(divide="ignore", invalid="ignore"):
        draws = np.where(ref > 0, 1.0 - (counts @ sum_m) / ref, np.nan)
    draws = draws[np.isfinite(draws)]
    if len(draws) == 0:
        return math.nan, math.nan
    tail = (1 - level) / 2
    lo, hi = np.quantile(draws, [tail, 1 - tail])
    return float(lo), float(hi)


def score(
    predictions: Mapping[str, FloatArray], outcome: IndexArray, crisno: IndexArray, *, replications: int = 1000,
    seed: int = 0,
) -> tuple[dict[str, dict[str, float]], dict[str, dict[str, dict[str, dict[str, float]]]]]:
    """Mean Brier and log loss of each predictor, and the skill of every predictor against every
    other with its crisis-bootstrap interval: ``(scores, skills)``, ``skills[metric][predictor][reference]``."""
    per_case = {name: {"brier": brier(p, outcome), "log_loss": log_loss(p, outcome)} for name, p in predictions.items()}
    scores = {name: {m: float(v.mean()) for m, v in s.items()} for name, s in per_case.items()}
    skills: dict[str, dict[str, dict[str, dict[str, float]]]] = {}
    for metric in ("brier", "log_loss"):
        skills[metric] = {}
        for name in predictions:
            skills[metric][name] = {}
            for ref in predictions:
                if ref == name:
                    continue
                a, b = per_case[name][metric], per_case[ref][metric]
                lo, hi = cluster_bootstrap(a, b, crisno, replications, seed)
                mean_ref = float(b.mean())
                point = 1.0 - float(a.mean()) / mean_ref if mean_ref > 0 else math.nan
                skills[metric][name][ref] = {"skill": point, "low": lo, "high": hi}
    return scores, skills


@dataclass
class IcbBacktest:
    """Out-of-sample scores of the predictors on ICB outcomes (module doc)."""

    design: str
    unit: str
    n_train: int | None
    n_test: int
    crises_test: int
    scores: dict[str, dict[str, float]]
    skills: dict[str, dict[str, dict[str, dict[str, float]]]]
    reliability: dict[str, list[dict[str, Any]]]
    parameters: dict[str, Any]
    wall_s: float
    probabilities: dict[str, FloatArray] = field(repr=False)
    outcome: IndexArray = field(repr=False)

    @property
    def model(self) -> str:
        """The predictor under test: the last one (the references come first)."""
        return list(self.scores)[-1]

    def to_json(self) -> dict[str, Any]:
        """JSON-ready summary; ``reliability`` is the model's table (the report draws it), and
        ``reliabilities`` every predictor's."""
        return {"data": "icb", "design": self.design, "unit": self.unit, "n_train": self.n_train,
                "n_test": self.n_test, "crises_test": self.crises_test, "outcomes": list(CLASSES),
                "scores": self.scores, "skills": self.skills, "model": self.model,
                "reliability": self.reliability[self.model], "reliabilities": self.reliability,
                "parameters": self.parameters, "wall_s": self.wall_s}


def labelled_reliability(probs: FloatArray, outcome: IndexArray, bins: int = 10) -> list[dict[str, Any]]:
    """:func:`brink.fit.backtest.reliability` with the bins labelled by :data:`CLASSES`."""
    table = reliability(probs, outcome, bins)
    for entry, name in zip(table, CLASSES, strict=True):
        entry["outcome"] = name
    return table


def _finish(design: str, unit: str, n_train: int | None, test: IcbCases, preds: dict[str, FloatArray],
            replications: int, seed: int, bins: int, start: float, parameters: dict[str, Any]) -> IcbBacktest:
    scores, skills = score(preds, test.outcome, test.crisno, replications=replications, seed=seed)
    return IcbBacktest(
        design=design, unit=unit, n_train=n_train, n_test=test.cases, crises_test=len(np.unique(test.crisno)),
        scores=scores, skills=skills,
        reliability={name: labelled_reliability(p, test.outcome, bins) for name, p in preds.items()},
        parameters={**parameters, "bootstrap": replications, "seed": seed, "bins": bins,
                    "covariates": list(COVARIATES), "stronger_share": STRONGER_SHARE},
        wall_s=time.perf_counter() - start, probabilities=preds, outcome=test.outcome,
    )


def backtest_by_time(
    data: IcbCases, predictors: Mapping[str, Predictor] | None = None, split: int = 1990, *, unit: str = "actor",
    replications: int = 1000, seed: int = 0, bins: int = 10,
) -> IcbBacktest:
    """Fit every predictor on the crises triggered before ``split``, score those from ``split`` on."""
    start = time.perf_counter()
    predictors = dict(predictors or reference_predictors())
    train = data.year < split
    if not train.any() or train.all():
        raise InputError(f"split year {split} leaves no crises to {'fit' if not train.any() else 'score'}", "--split",
                         f"choose a year in {int(data.year.min()) + 1}-{int(data.year.max())}")
    tr, te = data.subset(train), data.subset(~train)
    preds = {name: np.asarray(p(tr, te), dtype=np.float64) for name, p in predictors.items()}
    design = f"fit on crises triggered before {split}, score {split}-{int(te.year.max())}"
    return _finish(design, unit, tr.cases, te, preds, replications, seed, bins, start, {"split": split})


def cross_validation(
    data: IcbCases, predictors: Mapping[str, Predictor] | None = None, folds: int | None = None, *,
    unit: str = "actor", replications: int = 1000, seed: int = 0, bins: int = 10,
) -> IcbBacktest:
    """Leave-one-crisis-out (``folds`` None or at least the number of crises), else K-fold by
    crisis (the crises shuffled with ``seed`` and dealt into ``folds`` folds): each case is
    predicted by the predictors fitted on the other folds."""
    start = time.perf_counter()
    predictors = dict(predictors or reference_predictors())
    crises = np.unique(data.crisno)
    k = len(crises) if folds is None else min(folds, len(crises))
    if k < 2:
        raise InputError(f"cross-validation needs at least 2 folds of crises, got {k}", "--folds", "use 10 folds")
    order = np.random.default_rng(seed).permutation(len(crises))
    fold_of = np.empty(len(crises), dtype=np.int64)
    fold_of[order] = np.arange(len(crises)) % k
    case_fold = fold_of[np.searchsorted(crises, data.crisno)]
    preds = {name: np.empty((data.cases, len(CLASSES))) for name in predictors}
    for f in range(k):
        test = case_fold == f
        tr, te = data.subset(~test), data.subset(test)
        for name, p in predictors.items():
            preds[name][test] = p(tr, te)
    design = "leave-one-crisis-out" if k == len(crises) else f"{k}-fold by crisis"
    return _finish(design, unit, None, data, preds, replications, seed, bins, start, {"folds": k})
