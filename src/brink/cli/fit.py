"""``brink fit`` and ``brink backtest``: the deterrence tree fitted to the historical crisis table.

``brink fit`` estimates the default specification (:data:`brink.fit.crises.DETERRENCE_TERMS`)
of Signorino's (1999) strategic logit on the crisis table's disputes (optionally only those
before ``--before`` or from ``--from``): a table of estimates with Hessian, sandwich (White
1982) and, with ``--bootstrap N``, bootstrap standard errors, the fit's statistics, and the
parameters the data identify only weakly (:func:`weakly_identified`).  ``--restrict TERM``
refits without the named parameters and prints the likelihood-ratio and Vuong (1989) tests.

``brink backtest`` fits on the disputes before ``--split`` and scores the predictions of the
disputes from then on, and ``--folds K`` scores K-fold cross-validation by dispute
(:mod:`brink.fit.backtest`): Brier score and log loss of the model, the base rate and the naive
rule "the stronger side wins", the model's skills with bootstrap intervals, and the reliability
table.  Both record their result in the run store (kinds ``fit`` and ``backtest``) unless
``--no-store``; ``--figure`` writes the coefficient plot or the reliability diagram (``.html``,
``.png`` or ``.svg``), only to the path given.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import numpy as np
import typer

from brink.cli.application import app
from brink.cli.options import (
    JsonOption,
    LambdaOption,
    NoStoreOption,
    SamplesOption,
    SeedOption,
    SolverOption,
    StoreOption,
    check_model_options,
    echo_json,
    open_store,
)

if TYPE_CHECKING:
    import plotly.graph_objects as go
    from rich.console import Console

    from brink.fit.backtest import BacktestResult
    from brink.fit.crises import CrisisData
    from brink.fit.estimate import FitResult
    from brink.store import Store

__all__ = ["WEAK_RULE", "backtest_command", "crisis_data", "fit_command", "weakly_identified"]

#: The rule by which a parameter is called weakly identified (a small z alone is not it: an
#: estimate can be precisely near zero).
WEAK_RULE = ("standard error > 5, or standard error > 3 |estimate|, or the Hessian near singular "
             "(condition number > 1e8: the parameters loading > 0.3 on its flattest direction), or no "
             "standard error at all")
_FIGURE_SUFFIXES = (".html", ".png", ".svg")

ShareOption = Annotated[
    Path | None,
    typer.Option("--shared", help="The reference data folder (default: $BRINK_SHARED, else ../shared beside the repository)."),
]
FigureOption = Annotated[
    Path | None, typer.Option("--figure", help="Also write the figure to FILE.html, FILE.png or FILE.svg.")
]


def weakly_identified(result: FitResult) -> list[str]:
    """The parameters of ``result`` the data identify only weakly, by :data:`WEAK_RULE`."""
    se = np.asarray(result.standard_error, dtype=np.float64)
    est = np.asarray(result.estimate, dtype=np.float64)
    weak = ~np.isfinite(se) | (se > 5) | (se > 3 * np.abs(est))
    cov = np.asarray(result.covariance, dtype=np.float64)
    if np.isfinite(cov).all():
        values, vectors = np.linalg.eigh((cov + cov.T) / 2)
        if values.min() <= 0 or values.max() / values.min() > 1e8:
            weak |= np.abs(vectors[:, int(np.argmax(values))]) > 0.3
    else:
        weak[:] = True
    return [name for name, w in zip(result.names, weak, strict=True) if w]


def crisis_data(shared: Path | None, before: int | None = None, start: int | None = None) -> CrisisData:
    """The crisis table's cases for the deterrence tree (:func:`brink.fit.crises.crisis_cases`),
    those with ``start <= year < before``."""
    from brink.errors import InputError
    from brink.fit.crises import crisis_cases
    from brink.history.crises import crisis_table, default_shared

    data = crisis_cases(crisis_table(shared if shared is not None else default_shared()))
    keep = np.ones(data.cases, dtype=bool)
    if before is not None:
        keep &= data.year < before
    if start is not None:
        keep &= data.year >= start
    if not keep.any():
        years = f"{int(data.year.min())}-{int(data.year.max())}"
        raise InputError(f"no dispute in the crisis table is in the years asked for (the table covers {years})",
                         "--before" if before is not None else "--from", f"choose years within {years}")
    return data.subset(keep)


def _check_figure(figure: Path | None) -> None:
    if figure is None:
        return
    from brink.errors import InputError
    from brink.output import check_target

    if figure.suffix.lower() not in _FIGURE_SUFFIXES:
        raise InputError(f"unknown figure format {figure.suffix or '(no suffix)'!r}", str(figure),
                         "Name a .html, .png or .svg file with --figure")
    check_target(figure, option="--figure")


def _write_figure(figure: Path, fig: go.Figure, title: str) -> Path:
    """Write ``fig`` to ``figure`` (atomically): HTML with plotly.js inline, PNG/SVG by matplotlib."""
    from brink.output import replacing, write_text

    if figure.suffix.lower() == ".html":
        from brink.report.document import Section, render_html

        return write_text(figure, render_html(title, [Section(title, figures=[(title, fig)])]), option="--figure")
    from brink.report.figures import write_static

    with replacing(figure, option="--figure") as tmp:
        write_static(fig, tmp)
    return figure


def _stored(store: Store | None, kind: str, text: str, seed: int, parameters: dict[str, Any],
            compute: Callable[[], dict[str, Any]], name: str = "crises") -> tuple[dict[str, Any], str | None]:
    """Run ``compute`` inside a stored run of ``kind`` on table ``name`` (failed if it raises)."""
    from brink import __version__

    if store is None:
        return compute(), None
    run_id = store.begin_run(kind, name, text, seed, __version__, parameters)
    try:
        out = compute()
    except BaseException as exc:
        store.fail_run(run_id, f"{type(exc).__name__}: {exc}")
        raise
    out["run_id"] = run_id
    store.finish_run(run_id, out)
    return out, run_id


def _num(v: float | None, digits: int = 3) -> str:
    return "n/a" if v is None or not math.isfinite(v) else f"{v:.{digits}f}"


def _console() -> Console:
    from rich.console import Console

    console = Console()
    if not console.is_terminal:
        console.width = max(console.width, 160)
    return console


def _fit_terms(restrict: Sequence[str]) -> tuple[tuple[str, str, str], ...]:
    from brink.errors import InputError
    from brink.fit.crises import DETERRENCE_TERMS

    names = [".".join(t) for t in DETERRENCE_TERMS]
    unknown = [r for r in restrict if r not in names]
    if unknown:
        raise InputError(f"unknown parameter {', '.join(repr(u) for u in unknown)}", "--restrict",
                         f"name one of {', '.join(names)}")
    if len(set(restrict)) >= len(names):
        raise InputError("the restriction leaves no parameter to estimate", "--restrict", "restrict fewer parameters")
    return tuple(t for t, n in zip(DETERRENCE_TERMS, names, strict=True) if n not in restrict)



#: The most bootstrap refits ``brink fit`` makes (each is a whole maximum-likelihood fit).
MAX_FIT_BOOTSTRAP = 10_000

@app.command("fit")
def fit_command(
    before: Annotated[int | None, typer.Option("--before", help="Only disputes that began before this year.")] = None,
    start: Annotated[int | None, typer.Option("--from", help="Only disputes that began in or after this year.")] = None,
    replications: Annotated[
        int | None, typer.Option("--bootstrap", help="Also bootstrap standard errors from N refits (N >= 2).")
    ] = None,
    seed: SeedOption = 0,
    restrict: Annotated[
        list[str] | None,
        typer.Option("--restrict", help="Also fit without this parameter (repeatable) and test the restriction."),
    ] = None,
    figure: FigureOption = None,
    shared: ShareOption = None,
    data_name: Annotated[
        str, typer.Option("--data", help="'mid' (the deterrence tree on MID dyads) or 'icb' (the escalation game "
                                         "on ICB challengers' endings, docs/icb-fit.md).")
    ] = "mid",
    out_path: Annotated[
        Path | None, typer.Option("--out", help="With --data icb: also write the fit as JSON to FILE.")
    ] = None,
    as_json: JsonOption = False,
    store_path: StoreOption = None,
    no_store: NoStoreOption = False,
) -> None:
    """Fit Signorino's deterrence tree to the historical crisis table, or (--data icb) the escalation game to ICB."""
    from brink.errors import InputError
    from brink.fit.crises import DETERRENCE_TERMS, deterrence_specification
    from brink.fit.estimate import bootstrap, fit, likelihood_ratio, vuong
    from brink.scenario.random import check_seed

    check_seed(seed)
    if data_name not in ("mid", "icb"):
        raise InputError(f"unknown data {data_name!r}", "--data", "use mid or icb")
    if data_name == "icb":
        if start is not None or replications is not None or restrict or figure is not None:
            raise InputError("--from, --bootstrap, --restrict and --figure are options of the MID fit", "--data",
                             "with --data icb give only --before, --out, --shared, --json")
        _icb_fit(before, out_path, shared, as_json, store_path, no_store, seed)
        return
    if out_path is not None:
        raise InputError("--out writes the ICB fit", "--out", "add --data icb, or leave --out out")
    if replications is not None and replications < 2:
        raise InputError(f"a bootstrap needs at least 2 replications, got {replications}", "--bootstrap",
                         "ask for 100 or more")
    if replications is not None and replications > MAX_FIT_BOOTSTRAP:
        raise InputError(f"the bootstrap refits the model {replications:,} times; at most {MAX_FIT_BOOTSTRAP:,} "
                         "(each refit is a full maximum-likelihood fit)", "--bootstrap", "ask for 1000")
    restricted_terms = _fit_terms(restrict or []) if restrict else None
    _check_figure(figure)
    data = crisis_data(shared, before, start)
    store = open_store(store_path, no_store)
    parameters: dict[str, Any] = {"before": before, "from": start, "bootstrap": replications,
                                  "restrict": list(restrict or []), "terms": [list(t) for t in DETERRENCE_TERMS]}

    def compute() -> dict[str, Any]:
        began = time.perf_counter()
        spec, root = deterrence_specification(data)
        result = fit(spec, data.observed, root)
        wall = time.perf_counter() - began
        rows = result.table()
        boot = None
        if replications is not None:
            boot = bootstrap(spec, data.observed, result, root, replications=replications, seed=seed)
            for row, b in zip(rows, boot, strict=True):
                row["bootstrap_se"] = float(b)
        out: dict[str, Any] = {
            **result.to_json(), "parameters": rows, "dropped": data.dropped,
            "years": [int(data.year.min()), int(data.year.max())], "disputes": len(np.unique(data.dispnum)),
            "wall_s": wall, "weakly_identified": weakly_identified(result), "weak_rule": WEAK_RULE,
            "not_identified": [n for n, col in zip(spec.names, spec.covariates.T, strict=True) if not np.any(col)],
            "bootstrap": replications, "seed": seed, "restricted": None,
        }
        if restricted_terms is not None:
            rspec, _ = deterrence_specification(data, restricted_terms)
            rres = fit(rspec, data.observed, root)
            out["restricted"] = {
                "dropped_parameters": list(restrict or []), "log_likelihood": rres.log_likelihood,
                "parameters": rres.parameters, "converged": rres.converged,
                "likelihood_ratio": likelihood_ratio(rres, result),
                "vuong": vuong(result, rres), "vuong_bic": vuong(result, rres, correction="bic"),
            }
        return out

    text = json.dumps({"table": "crises", "tree": "deterrence (Signorino 1999)", **parameters})
    out, run_id = _stored(store, "fit", text, seed, parameters, compute)
    out["run_id"] = run_id
    written = None
    if figure is not None:
        from brink.report.figures import coefficient_figure

        title = f"brink fit: deterrence tree on {out['cases']} crisis dyads {out['years'][0]}-{out['years'][1]}"
        written = _write_figure(figure, coefficient_figure(out["parameters"], title), title)
    if as_json:
        echo_json(out)
        return
    _print_fit(out, _console())
    if written is not None:
        _console().print(f"wrote the coefficient plot to {written}", highlight=False)


def _icb_fit(before: int | None, out_path: Path | None, shared: Path | None, as_json: bool,
             store_path: Path | None, no_store: bool, seed: int) -> None:
    """``brink fit --data icb``: :func:`brink.fit.structural.fit_icb`, printed, stored and
    written to ``--out`` (the format of ``src/brink/data/icb_fit.json``)."""
    from brink.fit.structural import fit_icb

    store = open_store(store_path, no_store)
    parameters: dict[str, Any] = {"data": "icb", "before": before}
    text = json.dumps({"table": "icb", "model": "escalation game (qbi)", **parameters})
    out, run_id = _stored(store, "fit", text, seed, parameters, lambda: fit_icb(shared, before), name="icb")
    if out_path is not None:
        out_path.write_text(json.dumps({k: v for k, v in out.items() if k != "run_id"}, indent=1) + "\n",
                            encoding="utf-8")
    if as_json:
        echo_json(out)
        return
    from rich.table import Table

    console = _console()
    table = Table(title=f"escalation game (qbi) on ICB challengers, {out['years'][0]}-{out['years'][1]}",
                  title_justify="left")
    for col in ("parameter", "estimate", "se", "95% CI", ""):
        table.add_column(col, justify="left" if col in ("parameter", "") else "right")
    for r in out["table"]:
        flag = "at bound" if r["parameter"] in out["at_bound"] else (
            "" if out["identified"][r["parameter"]] else "weak")
        table.add_row(r["parameter"], _num(r["estimate"]), _num(r["se"]),
                      f"{_num(r['ci95_low'])} to {_num(r['ci95_high'])}", flag)
    console.print(table)
    c, lam, loc = out["comparison"], out["lambda"], out["loss_of_control"]
    lr = c["likelihood_ratio"]
    console.print(
        f"N = {out['n']} challengers in {out['crises']} crises; log-likelihood {out['log_likelihood']:.3f}, AIC "
        f"{out['aic']:.1f}, BIC {out['bic']:.1f}; {out['evaluations']} evaluations, {out['wall_s']:.1f} s; condition "
        f"number {out['condition_number']:.3g}\n"
        f"lambda {lam['estimate']:.3f} [{lam['ci95_low']:.3f}, {lam['ci95_high']:.3f}]\n"
        f"multinomial logit of the endings: log-likelihood {c['multinomial_logit']['log_likelihood']:.3f} "
        f"({c['multinomial_logit']['k']} parameters); likelihood ratio {lr['statistic']:.2f} on {lr['df']} df, "
        f"p = {lr['p_value']:.3g}; Vuong z = {c['vuong']['z']:.2f} (BIC-corrected {c['vuong_bic']['z']:.2f}; "
        "positive favours the structural model)\n"
        f"risk of losing control at nuclear rungs: not identified (no nuclear use in ICB); 95% upper bound "
        f"{loc['rule_of_three_95']:.4f} per round (3 / {loc['crisis_rounds']} crisis-rounds at nuclear-armed dyads)",
        highlight=False,
    )
    if out_path is not None:
        console.print(f"wrote {out_path}", highlight=False)
    if run_id:
        console.print(f"stored as run {run_id}", highlight=False)


def _print_fit(out: dict[str, Any], console: Console) -> None:
    from rich.table import Table

    boot = out["bootstrap"] is not None
    table = Table(title=f"deterrence tree (Signorino 1999) on the crisis table, {out['years'][0]}-{out['years'][1]}",
                  title_justify="left")
    for col in ("parameter", "estimate", "se", "robust se", *(["bootstrap se"] if boot else []), "95% CI", "z", ""):
        table.add_column(col, justify="left" if col in ("parameter", "") else "right")
    weak = set(out["weakly_identified"])
    for r in out["parameters"]:
        table.add_row(
            r["parameter"], _num(r["estimate"]), _num(r["se"]), _num(r["robust_se"]),
            *([_num(r.get("bootstrap_se"))] if boot else []),
            f"{_num(r['ci95_low'])} to {_num(r['ci95_high'])}", _num(r["z"], 2),
            "weak" if r["parameter"] in weak else "",
        )
    console.print(table)
    console.print(
        f"N = {out['cases']} directed dyads ({out['disputes']} disputes; {out['dropped']} rows of the whole table dropped "
        f"for a missing covariate or action), log-likelihood {out['log_likelihood']:.3f}, AIC {out['aic']:.1f}, BIC "
        f"{out['bic']:.1f}; {'converged' if out['converged'] else 'NOT converged'} in {out['iterations']} "
        f"iterations, {out['evaluations']} function evaluations, {out['wall_s']:.2f} s"
        + (f"; bootstrap: {out['bootstrap']} refits, seed {out['seed']}" if boot else ""),
        highlight=False,
    )
    named = ", ".join(out["weakly_identified"]) or "none"
    console.print(f"weakly identified: {named} (rule: {out['weak_rule']})", highlight=False)
    if out["not_identified"]:
        console.print(f"not identified at all (their covariate is 0 in every case): {', '.join(out['not_identified'])}",
                      highlight=False)
    r = out["restricted"]
    if r is not None:
        lr, v, vb = r["likelihood_ratio"], r["vuong"], r["vuong_bic"]
        console.print(
            f"without {', '.join(r['dropped_parameters'])}: log-likelihood {r['log_likelihood']:.3f}; likelihood "
            f"ratio {lr['statistic']:.3f} on {int(lr['df'])} df, p = {lr['p_value']:.4g}; Vuong z = {v['z']:.3f} "
            f"(p = {v['p_value']:.4g}), with Schwarz's correction z = {vb['z']:.3f} (p = {vb['p_value']:.4g}); "
            "positive z favours the full model",
            highlight=False,
        )
    if out.get("run_id"):
        console.print(f"stored as run {out['run_id']}", highlight=False)


def _run_backtest(data: CrisisData, split: int, folds: int | None, replications: int, seed: int
                  ) -> tuple[BacktestResult, BacktestResult | None]:
    from brink.fit.backtest import backtest_by_time, cross_validation

    by_time = backtest_by_time(data, split_year=split, replications=replications, seed=seed)
    cv = cross_validation(data, folds=folds, seed=seed, replications=replications) if folds is not None else None
    return by_time, cv


@app.command("backtest")
def backtest_command(
    split: Annotated[int, typer.Option("--split", help="Fit on disputes before this year, score those from it on.")] = 1990,
    folds: Annotated[
        int | None, typer.Option("--folds", help="Also cross-validate with K folds by dispute (K >= 2); with --data icb, K folds by crisis instead of leave-one-crisis-out.")
    ] = None,
    replications: Annotated[
        int, typer.Option("--bootstrap", help="Bootstrap resamples for the skills' 95% intervals (>= 2).")
    ] = 1000,
    seed: SeedOption = 0,
    figure: FigureOption = None,
    shared: ShareOption = None,
    data_name: Annotated[
        str, typer.Option("--data", help="The crises scored: 'mid' (the deterrence tree on MID dyads) or 'icb' "
                                         "(ICB outcomes: base rate, stronger side, multinomial logit).")
    ] = "mid",
    unit: Annotated[
        str, typer.Option("--unit", help="With --data icb: score every crisis 'actor' or only the 'challenger'.")
    ] = "actor",
    model: Annotated[
        str, typer.Option("--model", help="With --data icb --unit challenger: also score 'structural', the escalation "
                                          "game fitted to the training crises (docs/icb-fit.md).")
    ] = "references",
    scenarios: Annotated[
        Path | None,
        typer.Option("--scenarios", help="Score brink's runs of the scenario files in FOLDER, each naming its record "
                                         "(record: {icb: CRISNO} or {outcome: ...}), against ICB's references; "
                                         "each run takes --samples, --solver and --lambda."),
    ] = None,
    bundled: Annotated[
        bool,
        typer.Option("--bundled", help="Score brink's bundled scenarios that name a record (the historical "
                                       "crises); those without one (hypothetical or theory scenarios) are skipped "
                                       "and listed."),
    ] = False,
    samples: SamplesOption = 2000,
    solver: SolverOption = "auto",
    lam: LambdaOption = None,
    as_json: JsonOption = False,
    store_path: StoreOption = None,
    no_store: NoStoreOption = False,
) -> None:
    """Score predictions out of sample: Brier, log loss and skills with bootstrap intervals (MID dyads or ICB outcomes)."""
    from brink.errors import InputError
    from brink.scenario.random import check_seed

    check_seed(seed)
    if replications < 2:
        raise InputError(f"a bootstrap needs at least 2 replications, got {replications}", "--bootstrap",
                         "ask for 1000")
    from brink.fit.icb import MAX_BOOTSTRAP

    if replications > MAX_BOOTSTRAP:
        raise InputError(f"the bootstrap takes at most {MAX_BOOTSTRAP} resamples, got {replications}",
                         "--bootstrap", "ask for 1000")
    if folds is not None and folds < 2:
        raise InputError(f"cross-validation needs at least 2 folds, got {folds}", "--folds", "use 10 folds")
    if data_name not in ("mid", "icb"):
        raise InputError(f"unknown data {data_name!r}", "--data", "use mid or icb")
    if unit not in ("actor", "challenger") or (unit != "actor" and data_name != "icb"):
        raise InputError(f"unit {unit!r} is not one of the units of --data {data_name}", "--unit",
                         "use actor or challenger with --data icb")
    _check_figure(figure)
    check_model_options(solver, lam)
    if bundled:
        if scenarios is not None:
            raise InputError("--bundled and --scenarios both name the folder to score", "--bundled",
                             "give one of them")
        from importlib import resources

        scenarios = Path(str(resources.files("brink.scenario.bundled")))
    if scenarios is None and (solver != "auto" or lam is not None):
        raise InputError("--solver and --lambda choose how brink solves scenario files", "--solver",
                         "give --scenarios FOLDER, or leave --solver and --lambda out")
    if scenarios is not None:
        check_model_options(solver, lam, samples=samples)
        _scenario_backtest(scenarios, samples, replications, seed, shared, as_json, store_path, no_store,
                           solver, lam, skip_unrecorded=bundled)
        return
    if model not in ("references", "structural") or (model == "structural" and (data_name, unit) != ("icb", "challenger")):
        raise InputError(f"--model {model!r} is not a model of --data {data_name} --unit {unit}", "--model",
                         "use --model structural with --data icb --unit challenger (it predicts the challenger's "
                         "outcome), or leave --model out")
    if data_name == "icb":
        _icb_backtest(split, folds, replications, seed, figure, shared, unit, as_json, store_path, no_store, model)
        return
    data = crisis_data(shared)
    first, last = int(data.year.min()), int(data.year.max())
    if not first < split <= last:
        raise InputError(f"split year {split} leaves no disputes to fit or none to score (the table covers "
                         f"{first}-{last})", "--split", f"choose a year in {first + 1}-{last}")
    store = open_store(store_path, no_store)
    parameters: dict[str, Any] = {"split": split, "folds": folds, "bootstrap": replications}

    def compute() -> dict[str, Any]:
        by_time, cv = _run_backtest(data, split, folds, replications, seed)
        return {"by_time": by_time.to_json(), "cross_validation": cv.to_json() if cv is not None else None,
                "seed": seed}

    text = json.dumps({"table": "crises", "tree": "deterrence (Signorino 1999)", **parameters})
    out, run_id = _stored(store, "backtest", text, seed, parameters, compute)
    out["run_id"] = run_id
    written = None
    if figure is not None:
        from brink.report.figures import reliability_figure

        title = f"brink backtest: reliability, {out['by_time']['design']}"
        written = _write_figure(figure, reliability_figure(out["by_time"]["reliability"], title), title)
    if as_json:
        echo_json(out)
        return
    console = _console()
    _print_backtest(out["by_time"], console)
    if out["cross_validation"] is not None:
        _print_backtest(out["cross_validation"], console, reliability=False)
    if run_id:
        console.print(f"stored as run {run_id}", highlight=False)
    if written is not None:
        console.print(f"wrote the reliability diagram to {written}", highlight=False)


def _print_backtest(r: dict[str, Any], console: Console, reliability: bool = True) -> None:
    from rich.table import Table

    console.print(f"{r['design']}: {r['n_test']} cases scored ({r['n_train']} fitted)", highlight=False)
    scores = Table(title="scores (mean per case, lower better)", title_justify="left")
    for col in ("predictor", "Brier", "log loss"):
        scores.add_column(col, justify="left" if col == "predictor" else "right")
    for name, s in r["scores"].items():
        scores.add_row(name, _num(s["brier"], 4), _num(s["log_loss"], 4))
    console.print(scores)
    skills = Table(title="the model's skill (1 - score / reference score; 95% bootstrap interval)", title_justify="left")
    for col in ("reference", "Brier skill", "95% interval", "log-loss skill", "95% interval "):
        skills.add_column(col, justify="left" if col == "reference" else "right")
    for ref in r["skills"]["brier"]:
        b, g = r["skills"]["brier"][ref], r["skills"]["log_loss"][ref]
        skills.add_row(ref, _num(b["skill"], 4), f"{_num(b['low'], 4)} to {_num(b['high'], 4)}",
                       _num(g["skill"], 4), f"{_num(g['low'], 4)} to {_num(g['high'], 4)}")
    console.print(skills)
    if not reliability:
        return
    rel = Table(title="reliability (model): mean predicted / observed frequency (cases) per bin", title_justify="left")
    rel.add_column("bin")
    for entry in r["reliability"]:
        rel.add_column(entry["outcome"], justify="right")
    first = r["reliability"][0]
    for i, (lo, hi) in enumerate(zip(first["low"], first["high"], strict=True)):
        cells = [f"{e['mean_predicted'][i]:.3f} / {e['observed'][i]:.3f} ({e['count'][i]})"
                 if e["count"][i] else "" for e in r["reliability"]]
        if any(cells):
            rel.add_row(f"{lo:.1f}-{hi:.1f}", *cells)
    console.print(rel)


def _icb_backtest(split: int, folds: int | None, replications: int, seed: int, figure: Path | None,
                  shared: Path | None, unit: str, as_json: bool, store_path: Path | None, no_store: bool,
                  model: str = "references") -> None:
    """``brink backtest --data icb``: by time and leave-one-crisis-out (or K-fold by crisis with
    ``--folds``) on ICB outcomes (:mod:`brink.fit.icb`); ``--model structural`` adds the
    structural model (:func:`brink.fit.structural.make_structural_predictor`), whose
    cross-validation fits start at the full-sample estimate."""
    from brink.errors import InputError
    from brink.fit.icb import MAX_BOOTSTRAP, backtest_by_time, cross_validation, icb_cases
    from brink.history.crises import default_shared
    from brink.history.icb import icb_table

    if replications > MAX_BOOTSTRAP:
        raise InputError(f"the bootstrap takes at most {MAX_BOOTSTRAP} resamples, got {replications}", "--bootstrap",
                         "ask for 1000")
    table = icb_table(shared if shared is not None else default_shared())
    data = icb_cases(table, unit)
    first, last = int(data.year.min()), int(data.year.max())
    if not first < split <= last:
        raise InputError(f"split year {split} leaves no crises to fit or none to score (the ICB cases cover "
                         f"{first}-{last})", "--split", f"choose a year in {first + 1}-{last}")
    store = open_store(store_path, no_store)
    parameters: dict[str, Any] = {"data": "icb", "unit": unit, "split": split, "folds": folds,
                                  "bootstrap": replications, "model": model}

    def compute() -> dict[str, Any]:
        from brink.fit.icb import reference_predictors

        by_time_predictors = cv_predictors = None
        if model == "structural":
            from brink.fit.structural import (
                fit_structural,
                make_structural_predictor,
                structural_data,
            )

            whole = fit_structural(structural_data(table))
            by_time_predictors = {**reference_predictors(), "structural": make_structural_predictor()}
            cv_predictors = {**reference_predictors(), "structural": make_structural_predictor(whole.estimate)}
        by_time = backtest_by_time(data, by_time_predictors, split=split, unit=unit, replications=replications,
                                   seed=seed)
        cv = cross_validation(data, cv_predictors, folds=folds, unit=unit, replications=replications, seed=seed)
        return {"by_time": by_time.to_json(), "cross_validation": cv.to_json(), "seed": seed}

    text = json.dumps({"table": "icb", "outcomes": "ICB outcom 1-4", **parameters})
    out, run_id = _stored(store, "backtest", text, seed, parameters, compute, name="icb")
    out["run_id"] = run_id
    written = None
    if figure is not None:
        from brink.report.figures import reliability_figure

        title = f"brink backtest --data icb: reliability of the {out['by_time']['model']}, {out['by_time']['design']}"
        written = _write_figure(figure, reliability_figure(out["by_time"]["reliability"], title),
                                title)
    if as_json:
        echo_json(out)
        return
    console = _console()
    for key in ("by_time", "cross_validation"):
        _print_icb_backtest(out[key], console)
    if run_id:
        console.print(f"stored as run {run_id}", highlight=False)
    if written is not None:
        console.print(f"wrote the reliability diagram to {written}", highlight=False)


def _print_icb_backtest(r: dict[str, Any], console: Console) -> None:
    from rich.table import Table

    train = f" ({r['n_train']} fitted)" if r["n_train"] is not None else ""
    console.print(f"ICB, each {r['unit']}: {r['design']}: {r['n_test']} cases in {r['crises_test']} crises "
                  f"scored{train}", highlight=False)
    scores = Table(title="scores (mean per case, lower better)", title_justify="left")
    for col in ("predictor", "Brier", "log loss"):
        scores.add_column(col, justify="left" if col == "predictor" else "right")
    for name, s in r["scores"].items():
        scores.add_row(name, _num(s["brier"], 4), _num(s["log_loss"], 4))
    console.print(scores)
    skills = Table(title="skill = 1 - score / reference score (95% interval, bootstrap over crises)",
                   title_justify="left")
    for col in ("predictor", "reference", "Brier skill", "95% interval", "log-loss skill", "95% interval "):
        skills.add_column(col, justify="left" if col in ("predictor", "reference") else "right")
    names = list(r["scores"])
    for i, name in enumerate(names):
        for ref in names[:i]:
            b, g = r["skills"]["brier"][name][ref], r["skills"]["log_loss"][name][ref]
            skills.add_row(name, ref, _num(b["skill"], 4), f"{_num(b['low'], 4)} to {_num(b['high'], 4)}",
                           _num(g["skill"], 4), f"{_num(g['low'], 4)} to {_num(g['high'], 4)}")
    console.print(skills)


def _scenario_backtest(folder: Path, samples: int, replications: int, seed: int, shared: Path | None, as_json: bool,
                       store_path: Path | None, no_store: bool, solver: str = "auto", lam: float | None = None,
                       skip_unrecorded: bool = False) -> None:
    """``brink backtest --scenarios FOLDER`` (:mod:`brink.fit.scenarios`)."""
    from rich.table import Table

    from brink.errors import InputError
    from brink.fit.icb import MAX_BOOTSTRAP
    from brink.fit.scenarios import scenario_backtest, scenario_cases
    from brink.history.crises import default_shared
    from brink.history.icb import icb_table

    if replications > MAX_BOOTSTRAP:
        raise InputError(f"the bootstrap takes at most {MAX_BOOTSTRAP} resamples, got {replications}", "--bootstrap",
                         "ask for 1000")
    if samples < 1:
        raise InputError(f"--samples must be at least 1, got {samples}", "--samples", "use 2000")
    table = icb_table(shared if shared is not None else default_shared())
    skipped: list[str] = []
    scenario_cases(folder, table, skipped if skip_unrecorded else None)  # every file and record checked first
    store = open_store(store_path, no_store)
    parameters: dict[str, Any] = {"data": "scenarios", "folder": str(folder), "samples": samples,
                                  "bootstrap": replications, "solver": solver, "lambda": lam}
    if skip_unrecorded:
        parameters["skip_unrecorded"] = True
    text = json.dumps({"scenarios": str(folder), **parameters})
    out, run_id = _stored(store, "backtest", text, seed, parameters,
                          lambda: scenario_backtest(folder, table, samples=samples, seed=seed,
                                                    replications=replications, solver=solver, lam=lam,
                                                    skip_unrecorded=skip_unrecorded),
                          name="scenarios")
    out["run_id"] = run_id
    if as_json:
        echo_json(out)
        return
    console = _console()
    per = Table(title=f"scenarios in {folder}: the probability each predictor gave the recorded outcome",
                title_justify="left")
    design = out["by_time"]
    names = list(design["scores"])
    for col in ("scenario", "record", "observed", *names):
        per.add_column(col, justify="left" if col in ("scenario", "record", "observed") else "right")
    for r in out["scenarios"]:
        per.add_row(r["scenario"], r["record"], r["observed"], *[_num(r["p_observed"][n]) for n in names])
    console.print(per)
    scores = Table(title="scores (mean per scenario, lower better)", title_justify="left")
    for col in ("predictor", "Brier", "log loss"):
        scores.add_column(col, justify="left" if col == "predictor" else "right")
    for name, sc in design["scores"].items():
        scores.add_row(name, _num(sc["brier"], 4), _num(sc["log_loss"], 4))
    console.print(scores)
    skills = Table(title=f"skill of {design['model']} (95% interval, bootstrap over scenarios)", title_justify="left")
    for col in ("reference", "Brier skill", "95% interval", "log-loss skill", "95% interval "):
        skills.add_column(col, justify="left" if col == "reference" else "right")
    for ref in names[:-1]:
        b, g = design["skills"]["brier"][design["model"]][ref], design["skills"]["log_loss"][design["model"]][ref]
        skills.add_row(ref, _num(b["skill"], 4), f"{_num(b['low'], 4)} to {_num(b['high'], 4)}",
                       _num(g["skill"], 4), f"{_num(g['low'], 4)} to {_num(g['high'], 4)}")
    console.print(skills)
    console.print(f"brink's run read as ICB classes: {out['class_rule']}", highlight=False)
    if out.get("skipped"):
        console.print(f"skipped (no record: hypothetical or theory scenarios): {', '.join(out['skipped'])}",
                      highlight=False)
    if run_id:
        console.print(f"stored as run {run_id}", highlight=False)
