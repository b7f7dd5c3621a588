"""``brink sensitivity | discover | compare | explain | policies | report``: analyses from the command line.

Each command loads a scenario as an :class:`~brink.evaluation.Evaluator`
(:class:`brink.model.CrisisModel`), runs one analysis of :mod:`brink.analysis`,
prints a table (or ``--json``), and records the result in the run store
(``--store PATH``; ``--no-store`` to skip) under the kinds ``sensitivity``,
``discovery``, ``compare`` and ``policies``.  Those four take ``--executor
local|processes|dask``, ``--scheduler``, ``--workers`` and ``--chunk-size``, as ``brink run``
does: the model runs go to the executor in chunks and the numbers do not change.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import typer

from brink.cli import app

if TYPE_CHECKING:
    from brink.evaluation import Evaluator
    from brink.store import Store

SCENARIO_ARG = typer.Argument("ukraine-2022", help="Scenario file or bundled name.")
SET_OPT = typer.Option([], "--set", help="Override PATH=VALUE (repeatable).")
SEED_OPT = typer.Option(0, "--seed", help="Random seed.")
JSON_OPT = typer.Option(False, "--json", help="Print the result as JSON.")
SOLVER_OPT = typer.Option("auto", "--solver", help="auto | spe | qre.")
STORE_OPT = typer.Option(
    None, "--store", help="DuckDB run store (default: $BRINK_STORE or ~/.local/share/brink)."
)
NO_STORE_OPT = typer.Option(False, "--no-store", help="Do not record the result.")
FIGURE_OPT = typer.Option(None, "--figure", help="Also write the chart (.png or .svg).")
FIGURES_OPT = typer.Option(None, "--figures", help="Also write each figure as PNG and SVG here.")
OUTPUT_OPT = typer.Option(Path("report.html"), "--output", "-o", help="HTML file to write.")
SET_B_OPT = typer.Option([], "--set", help="Override PATH=VALUE in B (repeatable).")
EXECUTOR_OPT = typer.Option("local", "--executor", help="local, processes or dask.")
SCHEDULER_OPT = typer.Option(
    None, "--scheduler", help="Dask scheduler address (tcp://host:8786); with --executor dask."
)
WORKERS_OPT = typer.Option(None, "--workers", help="Worker count (default: the cores available).")
CHUNK_OPT = typer.Option(
    4096, "--chunk-size", help="Model runs per task (bounds memory; never changes the numbers)."
)


class LoadedScenario:
    """A scenario as an Evaluator, with what the run store records about it."""

    def __init__(self, evaluator: Evaluator, name: str, text: str, scenario: Any = None) -> None:
        self.evaluator = evaluator
        self.name = name
        self.text = text
        self.scenario = scenario


def load_evaluator(
    scenario: str, overrides: Sequence[str] = (), solver: str = "auto"
) -> LoadedScenario:
    """Load ``scenario`` (file or bundled name) with ``overrides`` as a :class:`CrisisModel`."""
    from brink.errors import InputError
    from brink.model import CrisisModel
    from brink.scenario import load_scenario

    if solver not in ("auto", "spe", "qre"):
        raise InputError(f"unknown solver {solver!r}", "--solver", "use auto, spe or qre")
    sc = load_scenario(scenario, list(overrides))
    try:
        text = Path(sc.source).read_text(encoding="utf-8")
    except OSError:
        text = json.dumps(sc.model_dump(mode="json", exclude={"source"}), sort_keys=True)
    return LoadedScenario(CrisisModel(sc, solver=solver), sc.name, text, sc)


def _open_store(path: str | None, no_store: bool) -> Store | None:
    if no_store:
        return None
    from brink.store import Store, default_store_path

    return Store(path or default_store_path())


def _record(
    store: Store | None,
    kind: str,
    loaded: LoadedScenario,
    seed: int,
    parameters: dict[str, Any],
    summary: dict[str, Any],
) -> str | None:
    """Store one finished analysis (summary only; its samples are re-drawn from the seed)."""
    if store is None:
        return None
    from brink import __version__

    run_id = store.begin_run(kind, loaded.name, loaded.text, seed, __version__, parameters)
    store.finish_run(run_id, summary)
    return run_id


def _check(samples: int, seed: int, chunk_size: int = 4096) -> None:
    from brink.errors import InputError
    from brink.scenario.random import check_samples, check_seed

    check_samples(samples)
    check_seed(seed)
    if chunk_size < 1:
        raise InputError(
            f"chunk size {chunk_size} is below 1", "--chunk-size", "use a positive chunk size"
        )


@contextmanager
def _executor(name: str, scheduler: str | None, workers: int | None) -> Iterator[Any]:
    """The executor for ``--executor`` (closed on exit); ``None`` for ``local`` (in process).

    As for ``brink run``: the chunks of the analysis run as tasks on local processes or a
    Dask cluster, and come back in order, so every executor gives the same numbers.
    """
    from brink.executors import get_executor

    with get_executor(name, scheduler=scheduler, workers=workers) as ex:
        yield None if name == "local" else ex


def _emit(as_json: bool, data: dict[str, Any]) -> bool:
    if as_json:
        typer.echo(json.dumps(data, indent=2, default=_json_default))
    return as_json


def _json_default(value: Any) -> Any:
    import numpy as np

    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return str(value)


def _fmt(v: float | None, digits: int = 3) -> str:
    import math

    return (
        "n/a" if v is None or (isinstance(v, float) and not math.isfinite(v)) else f"{v:.{digits}f}"
    )


def _short(path: str) -> str:
    """The last two parts of a dotted path (``doctrines.NATO.declared`` -> ``NATO.declared``)."""
    return ".".join(path.split(".")[-2:])


def _console() -> Any:
    """Rich console; when writing to a file or pipe, wide enough that tables do not truncate names."""
    from rich.console import Console

    console = Console()
    if not console.is_terminal:
        console.width = max(console.width, 140)
    return console


@app.command("sensitivity")
def sensitivity_command(
    scenario: str = SCENARIO_ARG,
    outcome: str = typer.Option(..., "--outcome", help="Outcome probability or metric to explain."),
    method: str = typer.Option("sobol", "--method", help="sobol | morris."),
    samples: int = typer.Option(
        256, "--samples", "-n", help="Sobol' base samples or Morris trajectories."
    ),
    seed: int = SEED_OPT,
    overrides: list[str] = SET_OPT,
    solver: str = SOLVER_OPT,
    as_json: bool = JSON_OPT,
    figure: Path | None = FIGURE_OPT,
    store_path: str | None = STORE_OPT,
    no_store: bool = NO_STORE_OPT,
    executor: str = EXECUTOR_OPT,
    scheduler: str | None = SCHEDULER_OPT,
    workers: int | None = WORKERS_OPT,
    chunk_size: int = CHUNK_OPT,
) -> None:
    """Which uncertain parameters drive OUTCOME: Sobol' indices or Morris screening (SALib)."""
    from rich.table import Table

    from brink.analysis.sensitivity import morris, sobol
    from brink.errors import InputError

    _check(samples, seed, chunk_size)
    if method not in ("sobol", "morris"):
        raise InputError(f"unknown method {method!r}", "--method", "use sobol or morris")
    if figure is not None:
        from brink.output import check_target

        check_target(figure, option="--figure")
    loaded = load_evaluator(scenario, overrides, solver)
    store = _open_store(store_path, no_store)
    analyse = sobol if method == "sobol" else morris
    with _executor(executor, scheduler, workers) as ex:
        result = analyse(loaded.evaluator, outcome, samples, seed, chunk=chunk_size, executor=ex)
    out = result.to_json()
    out["run_id"] = _record(
        store,
        "sensitivity",
        loaded,
        seed,
        {"outcome": outcome, "method": method, "samples": samples, "overrides": list(overrides)},
        out,
    )
    if figure is not None:
        from brink.figures import sensitivity_figure, write_static
        from brink.output import replacing

        with replacing(figure, option="--figure") as tmp:
            write_static(sensitivity_figure(result), tmp)
    if _emit(as_json, out):
        return
    table = Table(
        title=f"{loaded.name}: sensitivity of {outcome} ({method}, {result.n_evaluations:,} runs, seed {seed})",
        title_justify="left",
    )
    table.add_column("parameter")
    cols = ("S1", "ST") if method == "sobol" else ("mu_star", "sigma")
    for c in cols:
        table.add_column(c, justify="right")
    for row in result.table():
        cells = [str(row["parameter"])]
        for c in cols:
            conf = row.get(f"{c}_conf")
            v = float(row[c])
            cells.append(f"{v:.3f} ± {float(conf):.3f}" if conf is not None else f"{v:.3f}")
        table.add_row(*cells)
    console = _console()
    console.print(table)
    if result.n_failed:
        console.print(
            f"{result.n_failed} runs failed; {result.n_blocks_dropped} of {result.n_base} "
            f"{'base samples' if method == 'sobol' else 'trajectories'} dropped as a whole."
        )
    if "warning" in result.info:
        console.print(f"warning: {result.info['warning']}")


@app.command("discover")
def discover_command(
    scenario: str = SCENARIO_ARG,
    outcome: str = typer.Option(..., "--outcome", help="Outcome probability or metric."),
    threshold: float = typer.Option(
        0.5, "--threshold", help="A sample is of interest when outcome > X."
    ),
    samples: int = typer.Option(2000, "--samples", "-n", help="Monte Carlo samples."),
    seed: int = SEED_OPT,
    alpha: float = typer.Option(0.05, "--alpha", help="Peeling fraction per step."),
    min_support: float = typer.Option(
        0.05, "--min-support", help="Smallest box, as a share of samples."
    ),
    pasting: bool = typer.Option(False, "--paste", help="Paste boxes back out after peeling."),
    simplify_boxes: bool = typer.Option(
        True,
        "--simplify/--no-simplify",
        help="Drop restrictions worth less than one standard error.",
    ),
    max_boxes: int = typer.Option(2, "--max-boxes", help="Boxes to find by covering."),
    overrides: list[str] = SET_OPT,
    solver: str = SOLVER_OPT,
    as_json: bool = JSON_OPT,
    store_path: str | None = STORE_OPT,
    no_store: bool = NO_STORE_OPT,
    executor: str = EXECUTOR_OPT,
    scheduler: str | None = SCHEDULER_OPT,
    workers: int | None = WORKERS_OPT,
    chunk_size: int = CHUNK_OPT,
) -> None:
    """Scenario discovery (PRIM): parameter boxes where OUTCOME exceeds the threshold."""
    from rich.table import Table

    from brink.analysis.prim import discover

    _check(samples, seed, chunk_size)
    loaded = load_evaluator(scenario, overrides, solver)
    store = _open_store(store_path, no_store)
    with _executor(executor, scheduler, workers) as ex:
        result = discover(
            loaded.evaluator,
            outcome,
            samples,
            seed,
            threshold,
            alpha=alpha,
            min_support=min_support,
            pasting=pasting,
            simplify_boxes=simplify_boxes,
            max_boxes=max_boxes,
            chunk=chunk_size,
            executor=ex,
        )
    out = result.to_json()
    out["run_id"] = _record(
        store,
        "discovery",
        loaded,
        seed,
        {
            "outcome": outcome,
            "threshold": threshold,
            "samples": samples,
            "alpha": alpha,
            "min_support": min_support,
            "pasting": pasting,
            "simplify": simplify_boxes,
            "overrides": list(overrides),
        },
        out,
    )
    if _emit(as_json, out):
        return
    console = _console()
    console.print(
        f"{loaded.name}: {outcome} > {threshold:g} in {result.base_density:.1%} of {result.n:,} solved "
        f"samples ({result.n_failed} failed, left out)."
    )
    if not result.boxes:
        console.print("no cases of interest: nothing to discover (try a lower --threshold).")
    for i, box in enumerate(result.boxes):
        table = Table(
            title=f"box {i + 1}: coverage {box.coverage:.2f}, density {box.density:.2f}, support {box.support:.2f}",
            title_justify="left",
        )
        for c in ("parameter", "lower", "upper"):
            table.add_column(c)
        for lim in box.limits(result.names):
            table.add_row(lim["parameter"], _fmt(lim["lower"]), _fmt(lim["upper"]))
        console.print(table)
        traj = result.trajectories[i]
        k = result.selected[i]
        console.print(
            f"  peeling trajectory: {len(traj.boxes)} boxes; chosen step {k}. "
            + "  ".join(
                f"[{j}] cov {traj.coverage[j]:.2f} dens {traj.density[j]:.2f}"
                for j in sorted({0, len(traj.boxes) // 2, k, len(traj.boxes) - 1})
            )
        )


@app.command("compare")
def compare_command(
    a: str = typer.Argument(..., help="Scenario A (file or bundled name)."),
    b: str | None = typer.Argument(None, help="Scenario B (default: A with the --set overrides)."),
    overrides: list[str] = SET_B_OPT,
    samples: int = typer.Option(2000, "--samples", "-n", help="Monte Carlo samples."),
    seed: int = SEED_OPT,
    solver: str = SOLVER_OPT,
    as_json: bool = JSON_OPT,
    store_path: str | None = STORE_OPT,
    no_store: bool = NO_STORE_OPT,
    executor: str = EXECUTOR_OPT,
    scheduler: str | None = SCHEDULER_OPT,
    workers: int | None = WORKERS_OPT,
    chunk_size: int = CHUNK_OPT,
) -> None:
    """Compare two scenarios, or a scenario and its variant, on common random numbers (B - A)."""
    from rich.table import Table

    from brink.analysis.compare import compare
    from brink.errors import InputError

    _check(samples, seed, chunk_size)
    if b is None and not overrides:
        raise InputError(
            "nothing to compare",
            "compare",
            "give a second scenario B or changes with --set PATH=VALUE",
        )
    la = load_evaluator(a, (), solver)
    lb = load_evaluator(b or a, overrides, solver)
    store = _open_store(store_path, no_store)
    with _executor(executor, scheduler, workers) as ex:
        result = compare(la.evaluator, lb.evaluator, samples, seed, chunk=chunk_size, executor=ex)
    out = result.to_json()
    out["overrides"] = list(overrides)
    out["run_id"] = _record(
        store,
        "compare",
        la,
        seed,
        {"a": a, "b": b or a, "overrides": list(overrides), "samples": samples},
        out,
    )
    if _emit(as_json, out):
        return
    label_b = (b or a) + (" with " + ", ".join(overrides) if overrides else "")
    table = Table(
        title=f"A = {a}; B = {label_b}; {result.n_pairs:,} paired samples, seed {seed}",
        title_justify="left",
    )
    for c, j in (
        ("outcome", "left"),
        ("A", "right"),
        ("B", "right"),
        ("B - A", "right"),
        ("95% interval", "right"),
        ("changed", "right"),
    ):
        table.add_column(c, justify=j)  # type: ignore[arg-type]
    for r in result.rows:
        d = r.difference
        table.add_row(
            r.name,
            _fmt(r.a.mean),
            _fmt(r.b.mean),
            _fmt(d.mean),
            f"[{_fmt(d.low)}, {_fmt(d.high)}]",
            f"{r.changed:.0%}",
        )
    console = _console()
    console.print(table)
    if result.n_failed_a or result.n_failed_b:
        console.print(
            f"failed samples: A {result.n_failed_a}, B {result.n_failed_b} (pairs left out)."
        )


@app.command("explain")
def explain_command(
    scenario: str = SCENARIO_ARG,
    samples: int = typer.Option(2000, "--samples", "-n", help="Monte Carlo samples."),
    seed: int = SEED_OPT,
    overrides: list[str] = SET_OPT,
    solver: str = SOLVER_OPT,
    as_json: bool = JSON_OPT,
) -> None:
    """The most likely equilibrium path and, for each contested choice, the parameter threshold behind it."""
    from brink.analysis.explain import explain

    _check(samples, seed)
    loaded = load_evaluator(scenario, overrides, solver)
    result = explain(loaded.evaluator, samples, seed)
    if _emit(as_json, result.to_json()):
        return
    console = _console()
    for s in result.sentences():
        console.print(s, highlight=False, markup=False)


@app.command("policies")
def policies_command(
    scenario: str = SCENARIO_ARG,
    outcome: str = typer.Option(
        ..., "--outcome", help="Outcome probability or metric to optimise."
    ),
    minimize: bool = typer.Option(True, "--minimize/--maximize", help="Goal for the outcome."),
    samples: int = typer.Option(
        1000, "--samples", "-n", help="Monte Carlo samples (shared by every policy)."
    ),
    seed: int = SEED_OPT,
    overrides: list[str] = SET_OPT,
    solver: str = SOLVER_OPT,
    as_json: bool = JSON_OPT,
    store_path: str | None = STORE_OPT,
    no_store: bool = NO_STORE_OPT,
    executor: str = EXECUTOR_OPT,
    scheduler: str | None = SCHEDULER_OPT,
    workers: int | None = WORKERS_OPT,
    chunk_size: int = CHUNK_OPT,
) -> None:
    """Every combination of the scenario's levers, ranked by regret (robust decision making)."""
    from rich.table import Table

    from brink.analysis.policies import policies

    _check(samples, seed, chunk_size)
    loaded = load_evaluator(scenario, overrides, solver)
    store = _open_store(store_path, no_store)
    with _executor(executor, scheduler, workers) as ex:
        result = policies(
            loaded.evaluator, outcome, samples, seed, minimize, chunk=chunk_size, executor=ex
        )
    out = result.to_json()
    out["run_id"] = _record(
        store,
        "policies",
        loaded,
        seed,
        {"outcome": outcome, "goal": out["goal"], "samples": samples, "overrides": list(overrides)},
        out,
    )
    if _emit(as_json, out):
        return
    table = Table(
        title=f"{loaded.name}: policies for {outcome} ({out['goal']}), {samples:,} draws, seed {seed}",
        title_justify="left",
    )
    for c in (
        "rank",
        "levers",
        "expected",
        "worst decile",
        "mean regret",
        "p90 regret",
        "max regret",
        "best in",
    ):
        table.add_column(c, justify="left" if c == "levers" else "right")
    for i, s in enumerate(result.scores, 1):
        table.add_row(
            str(i),
            ", ".join(f"{_short(k)}={v}" for k, v in s.levers.items()),
            _fmt(s.expected),
            _fmt(s.worst_decile),
            _fmt(s.mean_regret),
            _fmt(s.p90_regret),
            _fmt(s.max_regret),
            "n/a" if s.share_best != s.share_best else f"{s.share_best:.0%}",
        )
    console = _console()
    console.print(table)
    failed = sum(s.n_failed for s in result.scores)
    if failed:
        console.print(
            f"{failed} policy-draw evaluations failed; regret uses the {result.n_regret_draws} complete draws."
        )


@app.command("report")
def report_command(
    scenario: str = SCENARIO_ARG,
    output: Path = OUTPUT_OPT,
    figures: Path | None = FIGURES_OPT,
    samples: int = typer.Option(1000, "--samples", "-n", help="Monte Carlo samples."),
    sensitivity_samples: int = typer.Option(
        64, "--sensitivity-samples", help="Sobol' base samples."
    ),
    outcome: str | None = typer.Option(
        None, "--outcome", help="Outcome for sensitivity and discovery."
    ),
    seed: int = SEED_OPT,
    overrides: list[str] = SET_OPT,
    solver: str = SOLVER_OPT,
    executor: str = EXECUTOR_OPT,
    scheduler: str | None = SCHEDULER_OPT,
    workers: int | None = WORKERS_OPT,
    parents: bool = typer.Option(
        False, "--parents", help="Create missing parent folders of -o and --figures."
    ),
) -> None:
    """One self-contained HTML report (works offline): outcomes, game tree, sensitivity, discovery, assumptions."""
    from brink.output import check_target
    from brink.report import build_report, check_figures_folder, write_figures, write_report

    _check(samples, seed)
    check_target(output, parents=parents)
    if figures is not None:
        check_figures_folder(figures, parents=parents)
    loaded = load_evaluator(scenario, overrides, solver)
    sc = loaded.scenario
    game, solution = _game_and_solution(loaded, seed, min(samples, 200), solver)
    with _executor(executor, scheduler, workers) as ex:
        html, figs = build_report(
            loaded.evaluator,
            samples=samples,
            seed=seed,
            title=f"brink report: {getattr(sc, 'title', '') or loaded.name}",
            sensitivity_samples=sensitivity_samples,
            outcome=outcome,
            game=game,
            solution=solution,
            assumptions=assumption_rows(sc) if sc is not None else (),
            sources=dict(getattr(sc, "sources", {}) or {}),
            notes=[f"Overrides: {', '.join(overrides)}"] if overrides else [],
            executor=ex,
        )
    path = write_report(output, html, parents=parents)
    console = _console()
    console.print(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB, {len(figs)} figures)")
    if figures is not None:
        written = write_figures(figures, figs, parents=parents)
        console.print(f"wrote {len(written)} figure files to {figures}")


def _game_and_solution(loaded: LoadedScenario, seed: int, k: int, solver: str) -> tuple[Any, Any]:
    """The scenario's game on the first ``k`` draws, solved, for the tree figure (``None`` if unavailable)."""
    sc = loaded.scenario
    if sc is None:
        return None, None
    from brink.builder import compile_game
    from brink.solvers import solve

    P = sc.parameters
    draws = loaded.evaluator.draw(seed, 0, k)
    base = {name: draws.get(name, np.full(k, d.central)) for name, d in P.distributions.items()}
    full = P.derive(base, k)
    game = compile_game(sc, full, "imperfect" if solver == "qre" else "perfect")
    return game, solve(game, "spe" if solver in ("auto", "spe") else solver)


def assumption_rows(sc: Any) -> list[list[str]]:
    """``[parameter, value, source]`` for every number of a scenario (longest provenance prefix wins)."""
    provenance: dict[str, str] = dict(getattr(sc, "provenance", {}) or {})
    sources: dict[str, str] = dict(getattr(sc, "sources", {}) or {})
    P = sc.parameters
    rows = []
    entries = [(k, str(d.spec)) for k, d in P.distributions.items()]
    entries += [(k, f"= {P.expressions[k]}") for k in P.order]
    for name, value in entries:
        key = next(
            (
                provenance[p]
                for p in sorted(provenance, key=len, reverse=True)
                if name == p or name.startswith(p + ".")
            ),
            None,
        )
        source = (
            "not stated"
            if key is None
            else ("assumption" if key == "assumption" else sources.get(key, key))
        )
        rows.append([name, value, source])
    return rows
