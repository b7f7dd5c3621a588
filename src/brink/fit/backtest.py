"""Scoring the fitted deterrence model's predictions out of sample (``brink backtest``).

A prediction is a probability for each of the target's three observable endings, in
:data:`OUTCOMES` order (yield, back down, war: the terminals below the target's node of
Signorino's 1999 tree, see :mod:`brink.fit.crises`).  Scores are per case, so that they can be
averaged, compared and resampled:

* the Brier score of a multi-class forecast, ``sum_c (p_c - y_c)^2`` (Brier 1950; 0 is perfect,
  2 the worst), and the log loss ``-log p_outcome`` (Good 1952), clipped at ``1e-15`` so that a
  one-hot forecast that misses costs ``-log 1e-15 = 34.5`` and not infinity;
* the skill of a predictor against a reference, ``1 - mean(score) / mean(score_reference)``
  (Murphy 1988): 0 is no better than the reference, 1 is perfect, negative is worse; its 95%
  interval is the percentile interval of the skill over cases resampled with replacement
  (Efron & Tibshirani 1993), seeded;
* two references: the **base rate** (every case gets the training cases' frequencies of the
  three endings) and the **naive rule** "the stronger side wins": when the challenger holds
  more than half of the dyad's capabilities (``balance > 0.5``) the target yields, otherwise the
  challenger backs down, as a one-hot forecast (it never predicts war, and its log loss is
  dominated by its misses at ``1e-15``);
* a reliability table (Murphy & Winkler 1977): for each ending, the cases binned by their
  predicted probability, with the mean prediction, the observed frequency and the count per bin.

Two designs: :func:`backtest_by_time` fits on the disputes before a year and scores those from
that year on; :func:`cross_validation` scores out-of-fold predictions of K folds formed by
dispute (the directed dyads of one dispute are never split between fitting and scoring).  The
issue asks for leave-one-out; refitting 3,000 times is its intractable form, K-fold by dispute
its tractable one, and with ``folds`` at least the number of disputes every dispute is its own
fold: exact leave-one-dispute-out.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from brink.arrays import FloatArray, IndexArray
from brink.errors import InputError
from brink.fit.crises import DETERRENCE_TERMS, CrisisData, deterrence_specification
from brink.fit.estimate import FitResult, fit, predicted
from brink.fit.trees import DETERRENCE_TERMINALS

__all__ = [
    "OUTCOMES",
    "PREDICTORS",
    "BacktestResult",
    "backtest_by_time",
    "base_rate",
    "bootstrap_interval",
    "brier",
    "cross_validation",
    "log_loss",
    "model_probabilities",
    "naive_rule",
    "outcome_classes",
    "reliability",
    "score_predictions",
    "skill",
]

#: The endings a case can have once the target is challenged (the classes scored).
OUTCOMES: tuple[str, ...] = ("yield", "back down", "war")
#: The predictors scored, the model first and the two references after it.
PREDICTORS: tuple[str, ...] = ("model", "base rate", "naive rule")
_CLIP = 1e-15


def _checked(probs: FloatArray, outcome: IndexArray) -> tuple[FloatArray, IndexArray]:
    p = np.asarray(probs, dtype=np.float64)
    y = np.asarray(outcome, dtype=np.int64)
    if p.ndim != 2 or y.shape != (p.shape[0],):
        raise InputError(f"probabilities are {p.shape} and outcomes {y.shape}",
                         fix="give (cases, classes) probabilities and one class per case")
    if y.size and (y.min() < 0 or y.max() >= p.shape[1]):
        raise InputError("an outcome is not a class of the probabilities", fix="give classes 0..C-1")
    return p, y


def brier(probs: FloatArray, outcome: IndexArray) -> FloatArray:
    """Per-case multi-class Brier score ``sum_c (p_c - y_c)^2`` (Brier 1950), ``(N,)``."""
    p, y = _checked(probs, outcome)
    onehot = np.zeros_like(p)
    onehot[np.arange(len(y)), y] = 1.0
    return np.asarray(((p - onehot) ** 2).sum(axis=1), dtype=np.float64)


def log_loss(probs: FloatArray, outcome: IndexArray) -> FloatArray:
    """Per-case log loss ``-log p_outcome``, the probability clipped at ``1e-15``, ``(N,)``."""
    p, y = _checked(probs, outcome)
    return np.asarray(-np.log(np.clip(p[np.arange(len(y)), y], _CLIP, 1.0)), dtype=np.float64)


def skill(score_model: FloatArray, score_reference: FloatArray) -> float:
    """``1 - mean(score_model) / mean(score_reference)`` (Murphy 1988); NaN when the reference
    scores 0 on average (a perfect reference leaves nothing to improve on)."""
    ref = float(np.mean(score_reference))
    return 1.0 - float(np.mean(score_model)) / ref if ref > 0 else math.nan


def bootstrap_interval(
    score_model: FloatArray, score_reference: FloatArray, replications: int = 1000, seed: int = 0,
    level: float = 0.95,
) -> tuple[float, float]:
    """Percentile interval of :func:`skill` over ``replications`` resamples of the cases (the same
    cases for the model and the reference, so their correlation is kept), seeded."""
    if replications < 2:
        raise InputError(f"a bootstrap needs at least 2 replications, got {replications}",
                         "--bootstrap", "ask for 1000 or more")
    m = np.asarray(score_model, dtype=np.float64)
    r = np.asarray(score_reference, dtype=np.float64)
    if m.shape != r.shape or m.ndim != 1 or len(m) == 0:
        raise InputError("the model's and the reference's scores must be per case on the same cases",
                         fix="score both on one set of cases")
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(m), (replications, len(m)))
    ref = r[idx].mean(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        draws = np.where(ref > 0, 1.0 - m[idx].mean(axis=1) / ref, np.nan)
    draws = draws[np.isfinite(draws)]
    if len(draws) == 0:
        return math.nan, math.nan
    tail = (1 - level) / 2
    lo, hi = np.quantile(draws, [tail, 1 - tail])
    return float(lo), float(hi)


def outcome_classes(observed: IndexArray) -> IndexArray:
    """The class (index into :data:`OUTCOMES`) of each observed terminal node of the deterrence tree."""
    from brink.fit.trees import deterrence_tree

    nodes = np.asarray(deterrence_tree().terminals, dtype=np.int64)
    classes = {int(nodes[DETERRENCE_TERMINALS.index(name)]): c for c, name in enumerate(OUTCOMES)}
    obs = np.asarray(observed, dtype=np.int64)
    bad = [int(v) for v in np.unique(obs) if int(v) not in classes]
    if bad:
        raise InputError(f"terminal nodes {bad} are not endings after a challenge",
                         fix=f"observe one of {', '.join(OUTCOMES)}")
    return np.asarray([classes[int(v)] for v in obs], dtype=np.int64)


def base_rate(train_outcome: IndexArray, classes: int, cases: int) -> FloatArray:
    """The training cases' frequency of each class, for every one of ``cases`` cases ``(cases, classes)``."""
    y = np.asarray(train_outcome, dtype=np.int64)
    if len(y) == 0:
        raise InputError("no training cases for the base rate", fix="fit on a non-empty set of cases")
    freq = np.bincount(y, minlength=classes)[:classes] / len(y)
    return np.asarray(np.tile(freq, (cases, 1)), dtype=np.float64)


def naive_rule(balance: FloatArray) -> FloatArray:
    """"The stronger side wins", one-hot over :data:`OUTCOMES`: the target yields when the
    challenger's share of capabilities exceeds one half, otherwise the challenger backs down."""
    b = np.asarray(balance, dtype=np.float64)
    out = np.zeros((len(b), len(OUTCOMES)))
    out[b > 0.5, OUTCOMES.index("yield")] = 1.0
    out[~(b > 0.5), OUTCOMES.index("back down")] = 1.0
    return out


def reliability(probs: FloatArray, outcome: IndexArray, bins: int = 10) -> list[dict[str, Any]]:
    """For each class: the cases binned by predicted probability (``bins`` equal bins on [0, 1],
    the last closed), with each bin's mean prediction, observed frequency and count (empty bins
    have ``None`` for the first two)."""
    p, y = _checked(probs, outcome)
    if bins < 1:
        raise InputError(f"bins must be at least 1, got {bins}", fix="use 10 bins")
    edges = np.linspace(0.0, 1.0, bins + 1)
    out: list[dict[str, Any]] = []
    for c in range(p.shape[1]):
        which = np.clip(np.searchsorted(edges, p[:, c], side="right") - 1, 0, bins - 1)
        hit = (y == c).astype(np.float64)
        count = np.bincount(which, minlength=bins)
        mean_p = np.bincount(which, weights=p[:, c], minlength=bins)
        observed = np.bincount(which, weights=hit, minlength=bins)
        out.append({
            "outcome": OUTCOMES[c] if p.shape[1] == len(OUTCOMES) else str(c),
            "low": edges[:-1].tolist(), "high": edges[1:].tolist(), "count": count.astype(int).tolist(),
            "mean_predicted": [float(a / n) if n else None for a, n in zip(mean_p, count, strict=True)],
            "observed": [float(a / n) if n else None for a, n in zip(observed, count, strict=True)],
        })
    return out


def model_probabilities(data: CrisisData, result: FitResult,
                        terms: Sequence[tuple[str, str, str]] = DETERRENCE_TERMS) -> FloatArray:
    """The fitted model's probabilities of :data:`OUTCOMES` for the cases of ``data`` ``(N, 3)``."""
    spec, root = deterrence_specification(data, terms)
    probs = predicted(spec, result, root)
    cols = [DETERRENCE_TERMINALS.index(name) for name in OUTCOMES]
    return np.ascontiguousarray(probs[:, cols])


def score_predictions(
    predictions: dict[str, FloatArray], outcome: IndexArray, *, replications: int = 1000, seed: int = 0,
) -> tuple[dict[str, dict[str, float]], dict[str, dict[str, dict[str, float]]]]:
    """Mean Brier and log loss of each predictor, and the model's skill against every other one
    with its bootstrap interval: ``(scores, skills)``, ``skills[metric][reference]``."""
    per_case = {name: {"brier": brier(p, outcome), "log_loss": log_loss(p, outcome)} for name, p in predictions.items()}
    scores = {name: {m: float(v.mean()) for m, v in s.items()} for name, s in per_case.items()}
    skills: dict[str, dict[str, dict[str, float]]] = {}
    for metric in ("brier", "log_loss"):
        skills[metric] = {}
        for ref in predictions:
            if ref == "model":
                continue
            a, b = per_case["model"][metric], per_case[ref][metric]
            lo, hi = bootstrap_interval(a, b, replications, seed)
            skills[metric][ref] = {"skill": skill(a, b), "low": lo, "high": hi}
    return scores, skills


@dataclass
class BacktestResult:
    """Out-of-sample scores of the fitted model and of the two references (module doc)."""

    design: str
    n_train: int
    n_test: int
    scores: dict[str, dict[str, float]]
    skills: dict[str, dict[str, dict[str, float]]]
    reliability: list[dict[str, Any]]
    fit: dict[str, Any]
    parameters: dict[str, Any]
    wall_s: float
    probabilities: FloatArray = field(repr=False)
    outcome: IndexArray = field(repr=False)

    def to_json(self) -> dict[str, Any]:
        return {"design": self.design, "n_train": self.n_train, "n_test": self.n_test, "outcomes": list(OUTCOMES),
                "scores": self.scores, "skills": self.skills, "reliability": self.reliability, "fit": self.fit,
                "parameters": self.parameters, "wall_s": self.wall_s}


#: The fewest cases a backtest fits a parameter on, and the fewest it scores: a split that leaves
#: fewer is refused (a fit of 11 parameters on 1 dispute "scored" a log-loss skill of 0.58).
MIN_CASES_PER_PARAMETER = 10
MIN_SCORED_CASES = 30
#: Below this many cases per parameter the result carries a warning that the fit is thin.
WARN_CASES_PER_PARAMETER = 30


def _check_cases(train_cases: int, test_cases: int, parameters: int, where: str, fix: str) -> list[str]:
    """Refuse a design that fits or scores too few cases; the warnings of a thin fit."""
    need = MIN_CASES_PER_PARAMETER * parameters
    if train_cases < need or test_cases < MIN_SCORED_CASES:
        raise InputError(
            f"the design fits {train_cases:,} cases and scores {test_cases:,}; a backtest needs at least "
            f"{need:,} to fit ({MIN_CASES_PER_PARAMETER} per parameter, {parameters} parameters) and "
            f"{MIN_SCORED_CASES} to score", where, fix)
    if train_cases < WARN_CASES_PER_PARAMETER * parameters:
        return [f"the fit has {train_cases:,} cases for {parameters} parameters (under "
                f"{WARN_CASES_PER_PARAMETER} a parameter): its estimates and the scores are uncertain"]
    return []


def _fit(data: CrisisData, terms: Sequence[tuple[str, str, str]]) -> FitResult:
    spec, root = deterrence_specification(data, terms)
    return fit(spec, data.observed, root)


def backtest_by_time(
    data: CrisisData, terms: Sequence[tuple[str, str, str]] = DETERRENCE_TERMS, split_year: int = 1990, *,
    replications: int = 1000, seed: int = 0, bins: int = 10,
) -> BacktestResult:
    """Fit on the cases before ``split_year``, score those from ``split_year`` on (module doc)."""
    start = time.perf_counter()
    train = data.year < split_year
    if not train.any() or train.all():
        raise InputError(
            f"split year {split_year} leaves no cases to {'fit' if not train.any() else 'score'}",
            "--split", f"choose a year in {int(data.year.min()) + 1}-{int(data.year.max())}")
    tr, te = data.subset(train), data.subset(~train)
    spec, _ = deterrence_specification(tr, terms)
    warnings = _check_cases(tr.cases, te.cases, len(spec.names), "--split",
                            f"choose a year that leaves enough disputes on both sides (data: "
                            f"{int(data.year.min())}-{int(data.year.max())})")
    result = _fit(tr, terms)
    y_train, y_test = outcome_classes(tr.observed), outcome_classes(te.observed)
    preds = {"model": model_probabilities(te, result, terms),
             "base rate": base_rate(y_train, len(OUTCOMES), te.cases),
             "naive rule": naive_rule(te.covariates["balance"])}
    scores, skills = score_predictions(preds, y_test, replications=replications, seed=seed)
    return BacktestResult(
        design=f"fit on disputes before {split_year}, score {split_year}-{int(te.year.max())}",
        n_train=tr.cases, n_test=te.cases, scores=scores, skills=skills,
        reliability=reliability(preds["model"], y_test, bins),
        fit=result.to_json(),
        parameters={"split_year": split_year, "bootstrap": replications, "seed": seed, "bins": bins,
                    "terms": [list(t) for t in terms], "warnings": warnings},
        wall_s=time.perf_counter() - start, probabilities=preds["model"], outcome=y_test,
    )


def cross_validation(
    data: CrisisData, terms: Sequence[tuple[str, str, str]] = DETERRENCE_TERMS, folds: int = 10, seed: int = 0, *,
    replications: int = 1000, bins: int = 10,
) -> BacktestResult:
    """K-fold cross-validation by dispute: the disputes are shuffled (seeded) and dealt into
    ``folds`` folds; each fold is scored by the model fitted on the others (and by the base rate
    of the others).  ``folds`` equal to the number of disputes is leave-one-dispute-out; more is
    refused."""
    start = time.perf_counter()
    if folds < 2:
        raise InputError(f"cross-validation needs at least 2 folds, got {folds}", "--folds", "use 10 folds")
    disputes = np.unique(data.dispnum)
    if folds > len(disputes):
        raise InputError(f"{folds:,} folds exceed the {len(disputes):,} disputes (folds are groups of disputes)",
                         "--folds", f"use at most {len(disputes):,} (leave-one-dispute-out), e.g. 10")
    k = folds
    if k < 2:
        raise InputError("cross-validation needs cases from at least 2 disputes", fix="use more cases")
    order = np.random.default_rng(seed).permutation(len(disputes))
    fold_of = np.empty(len(disputes), dtype=np.int64)
    fold_of[order] = np.arange(len(disputes)) % k
    case_fold = fold_of[np.searchsorted(disputes, data.dispnum)]
    y = outcome_classes(data.observed)
    model = np.empty((data.cases, len(OUTCOMES)))
    base = np.empty_like(model)
    converged = 0
    for f in range(k):
        test = case_fold == f
        tr, te = data.subset(~test), data.subset(test)
        result = _fit(tr, terms)
        converged += int(result.converged)
        model[test] = model_probabilities(te, result, terms)
        base[test] = base_rate(y[~test], len(OUTCOMES), te.cases)
    preds = {"model": model, "base rate": base, "naive rule": naive_rule(data.covariates["balance"])}
    scores, skills = score_predictions(preds, y, replications=replications, seed=seed)
    design = ("leave-one-dispute-out" if k == len(disputes) else f"{k}-fold by dispute") + \
        f" ({len(disputes)} disputes, {data.cases} cases)"
    return BacktestResult(
        design=design, n_train=data.cases - int(np.bincount(case_fold).max()), n_test=data.cases,
        scores=scores, skills=skills, reliability=reliability(model, y, bins),
        fit={"folds": k, "converged": converged, "disputes": len(disputes)},
        parameters={"folds": folds, "bootstrap": replications, "seed": seed, "bins": bins,
                    "terms": [list(t) for t in terms]},
        wall_s=time.perf_counter() - start, probabilities=model, outcome=y,
    )
