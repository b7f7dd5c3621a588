"""The stored structural fit of the escalation game to ICB, and what scenarios take from it.

:mod:`brink.fit.structural` estimates the model (the generic crisis, its parameters and the
likelihood of the ICB endings) and writes the fit; this module holds what a reader of the fit
needs without solving anything: the model's parameter names and generic crisis, the fit's
file (:class:`StructuralFit`, :func:`load_fit`), the fitted qbi precision
(:func:`fitted_lambda`), the priors it gives a crisis (:func:`fitted_priors`) and the
scenario language's ``fitted: icb`` (:func:`apply_fitted`, issue 23 item 4).  It imports no
model and no scenario, so the scenario loader can use it.  ``docs/icb-fit.md`` gives the model.
"""

from __future__ import annotations

import json
import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats

from brink.arrays import FloatArray
from brink.errors import InputError

__all__ = [
    "BALANCE_PARAMETER",
    "BOUNDS",
    "COVARIATES",
    "ENDINGS",
    "FITTED_PATHS",
    "FITTED_SOURCE",
    "FIT_VERSION",
    "GENERIC_CRISIS",
    "ICB_ENDINGS",
    "PARAMETERS",
    "ROUNDS",
    "START",
    "VINTAGES",
    "StructuralFit",
    "apply_fitted",
    "fitted_lambda",
    "fitted_priors",
    "load_fit",
    "log_ratio_of",
    "vintage_for",
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
#: The vintages of the fit (``vintages`` in the fit's file): each is the same fit on the
#: challengers of the crises triggered before that year only, so that a scenario dated in the
#: past takes only what was known before its date (:func:`vintage_for`).  Every five years:
#: a crisis of 1999 takes the fit on 1918-1994, losing at most four years of crises.
VINTAGES: tuple[int, ...] = tuple(range(1930, 2016, 5))
_FIT_FILE = "icb_fit.json"
_BALANCE_CLIP = 1e-3


def log_ratio_of(balance: FloatArray) -> FloatArray:
    """``log(b / (1 - b))`` of the capability share, clipped; 0 (even) where unknown."""
    b = np.clip(np.asarray(balance, dtype=np.float64), _BALANCE_CLIP, 1 - _BALANCE_CLIP)
    return np.asarray(np.where(np.isfinite(b), np.log(b / (1 - b)), 0.0), dtype=np.float64)


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


def load_fit(path: Path | str | None = None, vintage: int | None = None) -> StructuralFit:
    """The stored fit (default: the committed ``brink/data/icb_fit.json``, made by
    ``scripts/derive_icb_fit.py``); with ``vintage``, the fit on the crises triggered before
    that year (one of :data:`VINTAGES`, stored in the same file)."""
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
    if vintage is None:
        return StructuralFit.from_json(d)
    stored = d.get("vintages", {})
    if str(vintage) not in stored:
        raise InputError(f"the fit has no vintage {vintage} (it has {', '.join(stored) or 'none'})", where,
                         f"use one of {', '.join(map(str, VINTAGES))}, or regenerate it with scripts/derive_icb_fit.py")
    return StructuralFit.from_json({**stored[str(vintage)], "parameters": d["parameters"]})


def vintage_for(as_of: str, last_year: int) -> int | None:
    """The vintage of the fit a scenario dated ``as_of`` (ISO date) takes: ``None`` (the whole
    fit) for a scenario without a date or dated after ``last_year``, the last year of the
    fitted crises (every one of them is then in its past); else the latest of :data:`VINTAGES`
    not after its year, so that no crisis triggered in or after that year enters its numbers.
    Raises ``ValueError`` for a date before the first vintage or one that is not a date."""
    if not as_of:
        return None
    try:
        year = int(str(as_of)[:4])
    except ValueError:
        raise ValueError(f"as_of {as_of!r} is not an ISO date") from None
    if year > last_year:
        return None
    earlier = [v for v in VINTAGES if v <= year]
    if not earlier:
        raise ValueError(f"ICB's crises begin in 1918: no vintage of the fit is dated {year} or earlier "
                         f"(the first is {VINTAGES[0]})")
    return earlier[-1]


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


def apply_fitted(data: dict[str, Any], locate: Any, given: Collection[str] = ()) -> dict[str, Any]:
    """``fitted: icb`` in an escalation scenario (issue 23, item 4): the game parameters the
    structural fit identifies, for the scenario's covariates, as distributions with provenance
    ``fit:icb``.

    The covariates: the log power ratio of the challenger and the target from their
    ``capability`` (written, or filled by ``from_data:`` for the year, which runs first) and
    whether both have warheads (a nuclear dyad).  The fit is the vintage of the scenario's
    ``as_of`` (:func:`vintage_for`): only crises triggered before the scenario's year, so that
    a past crisis never takes a number from its own outcome or a later one.  For each of :data:`FITTED_PATHS` that the
    fit identifies (:meth:`StructuralFit.identified`) the scenario gets the normal
    approximation of the posterior (:func:`fitted_priors`): ``costs.*`` as ``lognormal(mu,
    sigma)`` and ``crisis.balance`` as ``sigmoid(fit_icb_balance)`` with the user parameter
    ``fit_icb_balance: normal(mu, sigma)``.  A parameter the fit does not identify keeps the
    scenario's judgement (what the file writes, else the template's default), and the source
    entry names it.  What the file writes for a path the fit identifies is its fallback: the
    fit replaces it, and the source entry names what it replaced (so one file can be run with
    any vintage of the fit).  A path in ``given`` (set by ``--set``) is the user's choice and
    is never replaced.  ``locate(path)`` gives a located
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
    whole = load_fit()
    try:
        vintage = vintage_for(str(data.get("as_of") or ""), int(whole.extra.get("years", [0, 9999])[1]))
    except ValueError as exc:
        raise InputError(f"fitted: icb takes the fit on the crises before the scenario's date: {exc}",
                         locate(["as_of"]), "write the crisis's parameters yourself and remove fitted: icb") from None
    fit = whole if vintage is None else load_fit(vintage=vintage)
    ratio = float(log_ratio_of(np.asarray([caps[0] / (caps[0] + caps[1])]))[0])
    priors = fitted_priors(ratio, armed[0] and armed[1], fit)
    provenance = data.setdefault("provenance", {})
    kept: list[str] = []
    replaced: list[str] = []
    chosen: list[str] = []
    for path in FITTED_PATHS:
        section, key = path.split(".")
        block = data.setdefault(section, {})
        if not isinstance(block, dict):
            raise InputError(f"{section} must be a mapping", locate([section]), f"write {section}: {{...}}")
        prior = priors[path]
        if path in given:
            chosen.append(path)
            continue
        if not prior["identified"]:
            kept.append(path)
            continue
        if key in block:
            replaced.append(f"{path} (written {block[key]!r})")
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
        "docs/icb-fit.md), " + (f"the {fit.n} challengers of crises triggered by {int(whole.extra['years'][1])}"
                                 if vintage is None else
                                 f"vintage {vintage}: the {fit.n} challengers of crises triggered before {vintage}, "
                                 "the scenario's past") +
        f", for log power ratio {ratio:.3f} and nuclear dyad {armed[0] and armed[1]}; normal "
        "approximation of the posterior" + (f"; not identified by the fit, kept as written: {', '.join(kept)}"
                                            if kept else "")
        + (f"; the fit replaced the file's fallback for {', '.join(replaced)}" if replaced else "")
        + (f"; set by --set, not by the fit: {', '.join(chosen)}" if chosen else ""))
    return data


