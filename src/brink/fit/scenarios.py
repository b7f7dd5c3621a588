"""Scoring brink's own scenarios against how their crises ended (``brink backtest --scenarios DIR``).

Each scenario file of a folder names its record (``record:`` in the scenario,
:class:`brink.scenario.schema.Record`): an ICB crisis number, whose row for the challenger gives
the outcome (:mod:`brink.history.icb`; the challenger's ICB code is ``record.actor``, by default
the scenario's challenger id), or a stated outcome (``record.outcome``).  The observed class is
one of ICB's four outcomes for the challenger (:data:`brink.fit.icb.CLASSES`).

**brink's prediction** is the scenario's Monte Carlo run (:func:`brink.runs.montecarlo.run`)
read as the challenger's ICB outcome (:data:`CLASS_RULE`): victory = ``challenger_victory`` (a
war won or the target conceding), defeat = ``challenger_defeat`` (a war lost) plus the challenger's
concession where the template keeps it apart (:func:`_concession_apart`), compromise = ``settlement``, stalemate = the rest (a stalemate, an undecided war or a
loss of control, which ICB has no class for).  A template whose run has no
``challenger_victory``, ``challenger_defeat`` and ``settlement`` cannot be scored.

**The references** are the predictors of :mod:`brink.fit.icb` fitted on the ICB crisis actors of
the crises triggered *before* the scenario's crisis (the ICB crisis year, else the year of the
scenario's ``as_of``; every ICB crisis for a stated outcome before 1918, when none precedes it),
so that none sees its own case: the base rate; "the stronger side wins"
and the multinomial logit on the ICB row's own covariates where the record is an ICB crisis,
and the base rate where it is a stated outcome (no ICB covariates).  Scores, skills and the
bootstrap (over scenarios) are those of :func:`brink.fit.icb.score`; brink's model is the last
predictor, so its skill against each reference is the one reported.  The scores are under
``by_time`` (each case is scored by references fitted on the crises before it), the key
``brink report`` draws a stored backtest from.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from brink.arrays import FloatArray
from brink.errors import InputError
from brink.fit.icb import (
    CLASSES,
    IcbCases,
    icb_cases,
    labelled_reliability,
    reference_predictors,
    score,
)

__all__ = ["CLASS_RULE", "MODEL", "ScenarioCase", "model_classes", "scenario_backtest", "scenario_cases"]

CLASS_RULE = ("victory = challenger_victory; defeat = challenger_defeat, with challenger_concedes where the "
              "template keeps the concession apart (escalation); compromise = settlement; "
              "stalemate = 1 - the three (stalemate, undecided war, loss of control)")
#: The name brink's own prediction is scored under.
MODEL = "brink scenario"
_SUFFIXES = (".yaml", ".yml", ".json")


@dataclass(frozen=True)
class ScenarioCase:
    """One scored scenario: its file, name, record, observed class, crisis year and ICB row index."""

    path: Path
    name: str
    record: str
    outcome: int
    year: int
    row: int | None


def _concession_apart(outcomes: Mapping[str, Mapping[str, Any]], victory: float, defeat: float) -> float:
    """``challenger_concedes`` where the run's ``challenger_defeat`` leaves it out, else 0.

    Since issue 22 the escalation template's post-war game starts from the challenger's
    concession as its own ending, so its ``challenger_victory`` and ``challenger_defeat`` are the
    target's concession plus a war won, and a war lost: together exactly the fought endings and
    the target's concession.  ICB codes a challenger that backs down as defeated, so the
    concession is added back here; where ``challenger_defeat`` already holds it (the identity
    does not hold) nothing is added."""
    keys = ("challenger_concedes", "target_concedes", "war_decided", "loss_of_control")
    if not all(k in outcomes for k in keys):
        return 0.0
    conceded, tc, wd, lc = (float(outcomes[k]["p"]) for k in keys)
    return conceded if abs(victory + defeat - (tc + wd + lc)) <= 1e-6 else 0.0


def model_classes(outcomes: Mapping[str, Mapping[str, Any]]) -> FloatArray:
    """A run's outcome probabilities as the challenger's four ICB classes, by :data:`CLASS_RULE`."""
    missing = [k for k in ("challenger_victory", "challenger_defeat", "settlement") if k not in outcomes]
    if missing:
        raise InputError(f"the run has no {', '.join(missing)} outcome", fix="score scenarios of the escalation or crisis template")
    victory, defeat = float(outcomes["challenger_victory"]["p"]), float(outcomes["challenger_defeat"]["p"])
    compromise = float(outcomes["settlement"]["p"])
    defeat += _concession_apart(outcomes, victory, defeat)
    probs = np.clip([victory, compromise, 1.0 - victory - defeat - compromise, defeat], 0.0, None)
    return np.asarray(probs / probs.sum(), dtype=np.float64)


def scenario_cases(
    folder: Path, table: Mapping[str, np.ndarray[Any, Any]], skipped: list[str] | None = None
) -> list[ScenarioCase]:
    """The scenario files of ``folder`` (``*.yaml``, ``*.yml``, ``*.json``, sorted) with their records.

    ``skipped``: where given, a file that names no record is left out and its name appended
    (``brink backtest --bundled``: the bundled folder holds hypothetical and theory scenarios);
    without it such a file is an error.

    Raises:
        InputError: the folder has no scenario file, a file does not load or names no record
            (without ``skipped``), or its ICB crisis has no row for the challenger with one of the
            four outcomes.
    """
    from brink.scenario.loading import load_scenario

    if not folder.is_dir():
        raise InputError("is not a folder of scenario files", str(folder), "give a folder with --scenarios")
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in _SUFFIXES and p.is_file())
    if not files:
        raise InputError("has no scenario files (.yaml, .yml, .json)", str(folder), "give a folder of scenarios")
    crisno = np.asarray(table["crisno"], dtype=np.int64)
    actor = np.asarray(table["actor"], dtype=object)
    outcom = np.nan_to_num(np.asarray(table["outcom"], dtype=np.float64), nan=0).astype(np.int64)
    year = np.asarray(table["crisis_year"], dtype=np.int64)
    cases: list[ScenarioCase] = []
    for path in files:
        sc = load_scenario(path)
        record = getattr(sc, "record", None)
        if record is None:
            if skipped is not None:
                skipped.append(sc.name)
                continue
            raise InputError("names no record", str(path), "add record: {icb: CRISNO} or record: {outcome: ...}")
        if record.outcome is not None:
            stated = str(sc.as_of)[:4]
            if not stated.isdigit():
                raise InputError("a stated outcome needs the scenario's as_of date (its year)", str(path),
                                 "give as_of: YYYY-MM-DD")
            cases.append(ScenarioCase(path, sc.name, f"stated: {record.outcome}", CLASSES.index(record.outcome),
                                      int(stated), None))
            continue
        code = record.actor or str(getattr(getattr(sc, "crisis", None), "challenger", "") or "")
        rows = np.flatnonzero((crisno == record.icb) & (actor == code))
        if len(rows) != 1 or not 1 <= outcom[rows[0]] <= 4:
            found = sorted({str(a) for a in actor[crisno == record.icb]})
            raise InputError(
                f"ICB crisis {record.icb} has {'no' if len(rows) == 0 else 'no scorable'} row for actor {code!r}"
                + (f" (its actors: {', '.join(found)})" if found else " (no such crisis)"),
                str(path), "name the challenger's ICB code with record.actor")
        i = int(rows[0])
        cases.append(ScenarioCase(path, sc.name, f"icb {record.icb} {code}", int(outcom[i]) - 1, int(year[i]), i))
    return cases


def _reference_probabilities(case: ScenarioCase, actors: IcbCases, table_cases: IcbCases | None) -> dict[str, FloatArray]:
    """The references fitted on the ICB actors of crises before the case's year; for a stated
    outcome before ICB's first crisis (July 1914), on every ICB crisis (none precedes it, and
    the base rate of later crises says nothing about the case itself)."""
    train = actors.subset(actors.year < case.year)
    if train.cases == 0 and table_cases is None:
        train = actors
    if train.cases == 0:
        raise InputError(f"no ICB crisis before {case.year} to fit the references on", str(case.path),
                         "score crises from 1919 on")
    if table_cases is None:
        base = reference_predictors()["base rate"]
        test = IcbCases(np.zeros(1, dtype=np.int64), np.array([case.year]), np.array([case.outcome]),
                        np.zeros((1, actors.covariates.shape[1])), np.array([np.nan]))
        return {name: base(train, test) for name in reference_predictors()}
    return {name: p(train, table_cases) for name, p in reference_predictors().items()}


def scenario_backtest(
    folder: Path, table: Mapping[str, np.ndarray[Any, Any]], *, samples: int = 2000, seed: int = 0,
    replications: int = 1000, solver: str = "auto", lam: float | None = None, skip_unrecorded: bool = False,
) -> dict[str, Any]:
    """Score every scenario of ``folder`` against its record (module doc): per-scenario
    probabilities of the observed class, mean scores and skills of brink's model against the
    three references, the bootstrap over scenarios; each scenario is solved with ``solver``
    (and ``lam``), as ``brink run --solver --lambda`` would (``"auto"``: the template's default,
    qbi at the lambda fitted on ICB for the escalation template).  ``skip_unrecorded``: leave
    out the files that name no record (listed under ``skipped``) instead of refusing them."""
    from brink.runs.montecarlo import run
    from brink.scenario.loading import load_scenario

    start = time.perf_counter()
    skipped: list[str] = []
    cases = scenario_cases(folder, table, skipped if skip_unrecorded else None)
    all_rows = np.arange(len(np.asarray(table["crisno"])))
    actors = icb_cases(table, "actor")
    preds: dict[str, list[FloatArray]] = {**{name: [] for name in reference_predictors()}, MODEL: []}
    rows: list[dict[str, Any]] = []
    for k, case in enumerate(cases):
        one = None
        if case.row is not None:
            keep = np.zeros(len(all_rows), dtype=bool)
            keep[case.row] = True
            one = icb_cases({name: np.asarray(col)[keep] for name, col in table.items()}, "actor")
        refs = _reference_probabilities(case, actors, one)
        result = run(load_scenario(case.path), samples, seed, solver=solver, lam=lam, keep_samples=False)
        model = model_classes(result.outcomes)
        for name, p in refs.items():
            preds[name].append(np.asarray(p, dtype=np.float64).reshape(-1))
        preds[MODEL].append(model)
        rows.append({"scenario": case.name, "file": str(case.path), "record": case.record,
                     "observed": CLASSES[case.outcome], "year": case.year,
                     "p_observed": {name: float(v[k][case.outcome]) for name, v in preds.items()},
                     "model": dict(zip(CLASSES, model.tolist(), strict=True))})
    outcome = np.array([c.outcome for c in cases], dtype=np.int64)
    stacked = {name: np.vstack(v) for name, v in preds.items()}
    scores, skills = score(stacked, outcome, np.arange(len(cases)), replications=replications, seed=seed)
    design = {"data": "scenarios", "design": "each scenario scored; the references fitted on the ICB crises before it",
              "unit": "challenger", "n_train": None, "n_test": len(cases), "crises_test": len(cases),
              "outcomes": list(CLASSES), "model": MODEL, "scores": scores, "skills": skills,
              "reliability": labelled_reliability(stacked[MODEL], outcome, 10),
              "reliabilities": {name: labelled_reliability(p, outcome, 10) for name, p in stacked.items()}}
    return {"data": "scenarios", "folder": str(folder), "cases": len(cases), "skipped": skipped,
            "class_rule": CLASS_RULE,
            "scenarios": rows, "by_time": design, "samples": samples, "seed": seed, "bootstrap": replications,
            "wall_s": time.perf_counter() - start}
