"""``brink sensitivity | discover | compare | explain | policies | report``: analyses from the command line.

Each command loads a scenario as an :class:`~brink.evaluation.Evaluator`
(:class:`brink.model.CrisisModel`), runs one analysis of :mod:`brink.analysis`,
prints a table (or ``--json``), and records the result in the run store
(``--store PATH``; ``--no-store`` to skip) under the kinds ``sensitivity``,
``discovery``, ``compare``, ``explain``, ``policies`` and ``report``, printing and
returning (``--json``: ``run_id``) the stored run's id.  Every command takes the shared
options of :mod:`brink.cli.options` (``--executor``, ``--workers``, ``--scheduler``,
``--chunk-size``, ``--memory``, ``--solver``, ``--lambda``, ``--set``, ``--seed``,
``--samples``), as ``brink run`` does: the model runs go to the executor in chunks and
the numbers do not change.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from brink.cli.application import app
from brink.cli.options import (
    ChunkSizeOption,
    ExecutorOption,
    JsonOption,
    LambdaOption,
    MemoryOption,
    NoStoreOption,
    SamplesOption,
    SchedulerOption,
    SeedOption,
    SetOption,
    SolverOption,
    StoreOption,
    WorkersOption,
    analysis_chunk,
    check_count,
    check_model_options,
    echo_json,
    memory_bytes,
    open_executor,
    open_store,
)

if TYPE_CHECKING:
    from brink.evaluation import Evaluator
    from brink.store import Store

ScenarioArgument = Annotated[str, typer.Argument(help="Scenario file or bundled name.")]
FIGURE_OPT = typer.Option(None, "--figure", help="Also write the chart (.png or .svg).")
FIGURES_OPT = typer.Option(None, "--figures", help="Also write each figure as PNG and SVG here.")
OUTPUT_OPT = typer.Option(Path("report.html"), "--output", "-o", help="HTML file to write.")


class LoadedScenario:
    """A scenario as an Evaluator, with what the run store records about it."""

    def __init__(self, evaluator: Evaluator, name: str, text: str, scenario: Any = None) -> None:
        self.evaluator = evaluator
        self.name = name
        self.text = text
        self.scenario = scenario


def load_evaluator(
    scenario: str,
    overrides: Sequence[str] = (),
    solver: str = "auto",
    lam: float | None = None,
    memory: int | None = None,
) -> LoadedScenario:
    """Load ``scenario`` (file or bundled name) with ``overrides`` as a :class:`CrisisModel`.

    ``solver`` and ``lam`` are checked against the solver registry
    (:func:`brink.solvers.registry.check_solver`); ``memory`` is the model's budget in
    bytes (``None``: :data:`brink.model.MEMORY_BUDGET`).  The stored text is the
    scenario file as written (:func:`brink.scenario.document.read_document_text`).
    """
    from brink.model import MEMORY_BUDGET, CrisisModel
    from brink.scenario import load_scenario, resolve_scenario_source
    from brink.scenario.document import read_document_text
    from brink.solvers.registry import check_solver

    check_solver(solver, lam, auto_takes_lambda=True)  # CrisisModel refuses auto where it is spe
    sc = load_scenario(scenario, list(overrides))
    text = read_document_text(resolve_scenario_source(scenario))
    model = CrisisModel(sc, solver=solver, lam=lam, memory=MEMORY_BUDGET if memory is None else memory)
    return LoadedScenario(model, sc.name, text, sc)


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


def _model_parameters(
    solver: str, lam: float | None, overrides: Sequence[str], **extra: Any
) -> dict[str, Any]:
    """The stored parameters of an analysis: its own, the overrides, the solver and lambda."""
    out: dict[str, Any] = {**extra, "overrides": list(overrides), "solver": solver}
    if lam is not None:
        out["lambda"] = lam
    return out


def _emit(as_json: bool, data: dict[str, Any]) -> bool:
    if as_json:
        echo_json(data)
    return as_json


def _stored(run_id: str | None) -> None:
    """Tell the user where the result went (as ``brink run`` does)."""
    if run_id is not None:
        _console().print(f"stored as run {run_id}", highlight=False)


def check_design_size(evaluator: Evaluator, n: int, option: str, method: str = "sobol") -> int:
    """Refuse a Sobol' or Morris sample count that is below 2 or whose design cannot fit.

    Saltelli's design has ``N (d + 2)`` rows of ``d`` numbers, ``N`` rounded up to a power
    of two (Saltelli et al. 2010); Morris's ``N (d + 1)`` rows (Morris 1991).  Each row is
    evaluated and kept with its inputs, so the bound is the machine's memory divided by the
    bytes one base sample takes; checked, with ``option`` named, before the design is drawn.
    """
    from brink.scenario.random import MAX_SAMPLES

    d = max(1, len(tuple(getattr(evaluator, "uncertainties", ()) or ())))
    rows = d + 2 if method == "sobol" else d + 1
    # twice: Sobol' rounds N up to a power of two; 8 bytes per number, inputs and outputs
    each = (2 if method == "sobol" else 1) * rows * (2 * d + 16) * 8
    return check_count(
        n, option, minimum=2, maximum=MAX_SAMPLES, bytes_each=each,
        what="base samples" if method == "sobol" else "trajectories",
    )


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
    outcome: Annotated[str, typer.Option("--outcome", help="Outcome probability or metric to explain.")],
    scenario: ScenarioArgument = "ukraine-2022",
    method: Annotated[str, typer.Option("--method", help="sobol | morris.")] = "sobol",
    samples: SamplesOption = 256,
    seed: SeedOption = 0,
    overrides: SetOption = None,
    solver: SolverOption = "auto",
    lam: LambdaOption = None,
    as_json: JsonOption = False,
    figure: Path | None = FIGURE_OPT,
    store_path: StoreOption = None,
    no_store: NoStoreOption = False,
    executor: ExecutorOption = "local",
    scheduler: SchedulerOption = None,
    workers: WorkersOption = None,
    chunk_size: ChunkSizeOption = None,
    memory: MemoryOption = None,
) -> None:
    """Which uncertain parameters drive OUTCOME: Sobol' indices or Morris screening (SALib)."""
    from rich.table import Table

    from brink.analysis.sensitivity import morris, sobol
    from brink.errors import InputError

    overrides = overrides or []
    check_model_options(solver, lam, samples=samples, seed=seed, chunk_size=chunk_size)
    if method not in ("sobol", "morris"):
        raise InputError(f"unknown method {method!r}", "--method", "use sobol or morris")
    if figure is not None:
        from brink.output import check_target

        check_target(figure, option="--figure")
    loaded = load_evaluator(scenario, overrides, solver, lam, memory_bytes(memory))
    check_design_size(loaded.evaluator, samples, "--samples", method)
    store = open_store(store_path, no_store)
    analyse = sobol if method == "sobol" else morris
    chunk = analysis_chunk(loaded.evaluator, chunk_size)
    with open_executor(executor, scheduler, workers) as ex:
        result = analyse(loaded.evaluator, outcome, samples, seed, chunk=chunk, executor=ex)
    out = result.to_json()
    out["run_id"] = _record(
        store,
        "sensitivity",
        loaded,
        seed,
        _model_parameters(solver, lam, overrides, outcome=outcome, method=method, samples=samples),
        out,
    )
    if figure is not None:
        from brink.output import replacing
        from brink.report.figures import sensitivity_figure, write_static

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
    _stored(out["run_id"])


@app.command("discover")
def discover_command(
    outcome: Annotated[str, typer.Option("--outcome", help="Outcome probability or metric.")],
    scenario: ScenarioArgument = "ukraine-2022",
    threshold: Annotated[
        float, typer.Option("--threshold", help="A sample is of interest when outcome > X.")
    ] = 0.5,
    alpha: Annotated[float, typer.Option("--alpha", help="Peeling fraction per step.")] = 0.05,
    min_support: Annotated[
        float, typer.Option("--min-support", help="Smallest box, as a share of samples.")
    ] = 0.05,
    pasting: Annotated[bool, typer.Option("--paste", help="Paste boxes back out after peeling.")] = False,
    simplify_boxes: Annotated[
        bool,
        typer.Option(
            "--simplify/--no-simplify", help="Drop restrictions worth less than one standard error."
        ),
    ] = True,
    max_boxes: Annotated[int, typer.Option("--max-boxes", help="Boxes to find by covering.")] = 2,
    samples: SamplesOption = 2000,
    seed: SeedOption = 0,
    overrides: SetOption = None,
    solver: SolverOption = "auto",
    lam: LambdaOption = None,
    as_json: JsonOption = False,
    store_path: StoreOption = None,
    no_store: NoStoreOption = False,
    executor: ExecutorOption = "local",
    scheduler: SchedulerOption = None,
    workers: WorkersOption = None,
    chunk_size: ChunkSizeOption = None,
    memory: MemoryOption = None,
) -> None:
    """Scenario discovery (PRIM): parameter boxes where OUTCOME exceeds the threshold."""
    from rich.table import Table

    from brink.analysis.prim import discover

    overrides = overrides or []
    check_model_options(solver, lam, samples=samples, seed=seed, chunk_size=chunk_size)
    loaded = load_evaluator(scenario, overrides, solver, lam, memory_bytes(memory))
    store = open_store(store_path, no_store)
    chunk = analysis_chunk(loaded.evaluator, chunk_size)
    with open_executor(executor, scheduler, workers) as ex:
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
            chunk=chunk,
            executor=ex,
        )
    out = result.to_json()
    out["run_id"] = _record(
        store,
        "discovery",
        loaded,
        seed,
        _model_parameters(
            solver,
            lam,
            overrides,
            outcome=outcome,
            threshold=threshold,
            samples=samples,
            alpha=alpha,
            min_support=min_support,
            pasting=pasting,
            simplify=simplify_boxes,
        ),
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
    _stored(out["run_id"])


@app.command("compare")
def compare_command(
    a: Annotated[str, typer.Argument(help="Scenario A (file or bundled name).")],
    b: Annotated[
        str | None, typer.Argument(help="Scenario B (default: A with the --set overrides).")
    ] = None,
    samples: SamplesOption = 2000,
    seed: SeedOption = 0,
    overrides: SetOption = None,
    solver: SolverOption = "auto",
    lam: LambdaOption = None,
    as_json: JsonOption = False,
    store_path: StoreOption = None,
    no_store: NoStoreOption = False,
    executor: ExecutorOption = "local",
    scheduler: SchedulerOption = None,
    workers: WorkersOption = None,
    chunk_size: ChunkSizeOption = None,
    memory: MemoryOption = None,
) -> None:
    """Compare two scenarios, or a scenario and its variant, on common random numbers (B - A).

    The ``--set`` overrides apply to B only.
    """
    from rich.table import Table

    from brink.analysis.compare import compare
    from brink.errors import InputError

    overrides = overrides or []
    check_model_options(solver, lam, samples=samples, seed=seed, chunk_size=chunk_size)
    if b is None and not overrides:
        raise InputError(
            "nothing to compare",
            "compare",
            "give a second scenario B or changes with --set PATH=VALUE",
        )
    la = load_evaluator(a, (), solver, lam, memory_bytes(memory))
    lb = load_evaluator(b or a, overrides, solver, lam, memory_bytes(memory))
    store = open_store(store_path, no_store)
    chunk = min(analysis_chunk(la.evaluator, chunk_size), analysis_chunk(lb.evaluator, chunk_size))
    with open_executor(executor, scheduler, workers) as ex:
        result = compare(la.evaluator, lb.evaluator, samples, seed, chunk=chunk, executor=ex)
    out = result.to_json()
    out["overrides"] = list(overrides)
    out["run_id"] = _record(
        store,
        "compare",
        la,
        seed,
        _model_parameters(solver, lam, overrides, a=a, b=b or a, samples=samples),
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
    _stored(out["run_id"])


@app.command("explain")
def explain_command(
    scenario: ScenarioArgument = "ukraine-2022",
    samples: SamplesOption = 2000,
    seed: SeedOption = 0,
    overrides: SetOption = None,
    solver: SolverOption = "auto",
    lam: LambdaOption = None,
    as_json: JsonOption = False,
    store_path: StoreOption = None,
    no_store: NoStoreOption = False,
    executor: ExecutorOption = "local",
    scheduler: SchedulerOption = None,
    workers: WorkersOption = None,
    chunk_size: ChunkSizeOption = None,
    memory: MemoryOption = None,
    margin: Annotated[
        float,
        typer.Option(
            "--margin",
            min=0.0,
            max=0.99,
            help="Least accuracy a rule must gain over always guessing the majority to be reported.",
        ),
    ] = 0.05,
    keep_chance: Annotated[
        bool,
        typer.Option(
            "--keep-chance/--fold-chance",
            help="Keep nature's draws as steps of the paths (default: fold them, so paths differ only by decisions).",
        ),
    ] = False,
) -> None:
    """The most likely equilibrium path, who moves at each step, and the parameter threshold behind each contested choice.

    Rules that gain less than --margin over always guessing the majority, or hold over
    nearly a parameter's whole range, are not reported; nature's draws are folded out
    of the paths unless --keep-chance.
    """
    from brink.analysis.explain import explain

    overrides = overrides or []
    check_model_options(solver, lam, samples=samples, seed=seed, chunk_size=chunk_size)
    loaded = load_evaluator(scenario, overrides, solver, lam, memory_bytes(memory))
    store = open_store(store_path, no_store)
    chunk = analysis_chunk(loaded.evaluator, chunk_size)
    with open_executor(executor, scheduler, workers) as ex:
        result = explain(loaded.evaluator, samples, seed, chunk=chunk, executor=ex,
                         fold_chance=not keep_chance, min_gain=margin)
    out = result.to_json()
    parameters = _model_parameters(solver, lam, overrides, samples=samples)
    parameters.update({"margin": margin, "keep_chance": keep_chance})
    out["run_id"] = _record(store, "explain", loaded, seed, parameters, out)
    if _emit(as_json, out):
        return
    console = _console()
    for sentence in result.sentences():
        console.print(sentence, highlight=False, markup=False)
    _stored(out["run_id"])


@app.command("policies")
def policies_command(
    outcome: Annotated[
        str, typer.Option("--outcome", help="Outcome probability or metric to optimise.")
    ],
    scenario: ScenarioArgument = "ukraine-2022",
    minimize: Annotated[
        bool, typer.Option("--minimize/--maximize", help="Goal for the outcome.")
    ] = True,
    samples: SamplesOption = 1000,
    seed: SeedOption = 0,
    overrides: SetOption = None,
    solver: SolverOption = "auto",
    lam: LambdaOption = None,
    as_json: JsonOption = False,
    store_path: StoreOption = None,
    no_store: NoStoreOption = False,
    executor: ExecutorOption = "local",
    scheduler: SchedulerOption = None,
    workers: WorkersOption = None,
    chunk_size: ChunkSizeOption = None,
    memory: MemoryOption = None,
) -> None:
    """Every combination of the scenario's levers, ranked by regret (robust decision making)."""
    from rich.table import Table

    from brink.analysis.policies import policies

    overrides = overrides or []
    check_model_options(solver, lam, samples=samples, seed=seed, chunk_size=chunk_size)
    loaded = load_evaluator(scenario, overrides, solver, lam, memory_bytes(memory))
    store = open_store(store_path, no_store)
    chunk = analysis_chunk(loaded.evaluator, chunk_size)
    with open_executor(executor, scheduler, workers) as ex:
        result = policies(
            loaded.evaluator, outcome, samples, seed, minimize, chunk=chunk, executor=ex
        )
    out = result.to_json()
    out["run_id"] = _record(
        store,
        "policies",
        loaded,
        seed,
        _model_parameters(solver, lam, overrides, outcome=outcome, goal=out["goal"], samples=samples),
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
    _stored(out["run_id"])


@app.command("report")
def report_command(
    scenario: ScenarioArgument = "ukraine-2022",
    output: Path = OUTPUT_OPT,
    figures: Path | None = FIGURES_OPT,
    sensitivity_samples: Annotated[
        int, typer.Option("--sensitivity-samples", help="Sobol' base samples.")
    ] = 64,
    outcome: Annotated[
        str | None, typer.Option("--outcome", help="Outcome for sensitivity and discovery.")
    ] = None,
    parents: Annotated[
        bool, typer.Option("--parents", help="Create missing parent folders of -o and --figures.")
    ] = False,
    compare_with: Annotated[
        str | None,
        typer.Option(
            "--compare",
            help="Add a comparison (B - A) with scenario B (file or bundled name), on common random numbers.",
        ),
    ] = None,
    compare_overrides: Annotated[
        list[str] | None,
        typer.Option(
            "--compare-set",
            help="Override PATH=VALUE in B (repeatable); without --compare, B is the scenario itself.",
        ),
    ] = None,
    policies_outcome: Annotated[
        str | None,
        typer.Option("--policies", help="Add the ranking of every lever combination for this outcome."),
    ] = None,
    minimize: Annotated[
        bool, typer.Option("--minimize/--maximize", help="Goal for the --policies outcome.")
    ] = True,
    samples: SamplesOption = 1000,
    seed: SeedOption = 0,
    overrides: SetOption = None,
    solver: SolverOption = "auto",
    lam: LambdaOption = None,
    as_json: JsonOption = False,
    store_path: StoreOption = None,
    no_store: NoStoreOption = False,
    executor: ExecutorOption = "local",
    scheduler: SchedulerOption = None,
    workers: WorkersOption = None,
    chunk_size: ChunkSizeOption = None,
    memory: MemoryOption = None,
) -> None:
    """One self-contained HTML report (works offline): outcomes, game tree, sensitivity, discovery, assumptions.

    --compare B adds a comparison with scenario B on common random numbers (as ``brink
    compare``; --compare-set overrides apply to B, and alone compare the scenario, with its
    --set overrides, with that variant); --policies OUTCOME adds the ranking of every lever
    combination (as ``brink policies``, --minimize/--maximize).  Both use the report's
    samples, seed and executor.  Given the id of a stored ``brink simulate`` run instead of a
    scenario, the report of that run: survival curve, hazards by cause, reserves, discount and
    partners' fan charts.
    """
    from brink.cli.simulate import report_stored_simulation, stored_simulation
    from brink.errors import InputError
    from brink.output import check_target
    from brink.report import build_report, check_figures_folder, write_figures, write_report

    overrides = overrides or []
    compare_overrides = compare_overrides or []
    record = stored_simulation(scenario, store_path)
    if record is not None:
        if compare_with is not None or compare_overrides or policies_outcome is not None:
            raise InputError(
                "--compare, --compare-set and --policies need a scenario, not a stored run",
                scenario,
                "give a scenario file or bundled name, or drop those options",
            )
        check_target(output, parents=parents)
        if figures is not None:
            check_figures_folder(figures, parents=parents)
        stored_report = report_stored_simulation(record, output, figures, parents)
        if not _emit(as_json, stored_report):
            _console().print(
                f"wrote {stored_report['output']} ({stored_report['bytes'] / 1e6:.1f} MB, {len(stored_report['figures'])} figures) for run {record.id}"
            )
        return
    check_model_options(solver, lam, samples=samples, seed=seed, chunk_size=chunk_size)
    check_target(output, parents=parents)
    if figures is not None:
        check_figures_folder(figures, parents=parents)
    loaded = load_evaluator(scenario, overrides, solver, lam, memory_bytes(memory))
    check_design_size(loaded.evaluator, sensitivity_samples, "--sensitivity-samples")
    other: LoadedScenario | None = None
    label = ""
    if compare_with is not None or compare_overrides:
        if compare_with is None:
            other = load_evaluator(scenario, [*overrides, *compare_overrides], solver, lam, memory_bytes(memory))
            label = f"{scenario} with " + ", ".join(compare_overrides)
        else:
            other = load_evaluator(compare_with, compare_overrides, solver, lam, memory_bytes(memory))
            label = compare_with + (" with " + ", ".join(compare_overrides) if compare_overrides else "")
    if policies_outcome is not None:
        _check_policies(loaded, policies_outcome, seed)
    sc = loaded.scenario
    store = open_store(store_path, no_store)
    game, solution = _game_and_solution(loaded, seed, min(samples, 200))
    chunk = analysis_chunk(loaded.evaluator, chunk_size)
    with open_executor(executor, scheduler, workers) as ex:
        comparison = None
        if other is not None:
            from brink.analysis.compare import compare

            comparison = compare(
                loaded.evaluator, other.evaluator, samples, seed, executor=ex,
                chunk=min(chunk, analysis_chunk(other.evaluator, chunk_size)),
            )
        ranking = None
        if policies_outcome is not None:
            from brink.analysis.policies import policies

            ranking = policies(loaded.evaluator, policies_outcome, samples, seed, minimize, chunk=chunk, executor=ex)
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
            chunk=chunk,
            description=str(getattr(sc, "description", "") or ""),
            as_of=str(getattr(sc, "as_of", "") or ""),
            comparison=comparison,
            comparison_label=label,
            policies=ranking,
        )
    path = write_report(output, html, parents=parents)
    written = write_figures(figures, figs, parents=parents) if figures is not None else []
    out: dict[str, Any] = {
        "scenario": loaded.name,
        "output": str(path),
        "bytes": path.stat().st_size,
        "figures": sorted(figs),
        "figure_files": [str(f) for f in written],
    }
    out["run_id"] = _record(
        store,
        "report",
        loaded,
        seed,
        _model_parameters(
            solver, lam, overrides, samples=samples, sensitivity_samples=sensitivity_samples,
            outcome=outcome,
            **({"compare": compare_with or scenario, "compare_overrides": list(compare_overrides)}
               if other is not None else {}),
            **({"policies": policies_outcome, "goal": "minimize" if minimize else "maximize"}
               if policies_outcome is not None else {}),
        ),
        out,
    )
    if _emit(as_json, out):
        return
    console = _console()
    console.print(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB, {len(figs)} figures)")
    if figures is not None:
        console.print(f"wrote {len(written)} figure files to {figures}")
    _stored(out["run_id"])


def _check_policies(loaded: LoadedScenario, outcome: str, seed: int) -> None:
    """Refuse ``--policies OUTCOME`` before the report is computed: the scenario needs levers, and
    OUTCOME must be one of its outcomes or metrics (known from one evaluated draw)."""
    from brink.analysis.experiments import outcome_names
    from brink.errors import InputError

    model = loaded.evaluator
    if not model.levers:
        raise InputError(
            f"scenario {loaded.name!r} has no levers to rank",
            "--policies",
            "declare levers in the scenario (options a client can choose), or drop --policies",
        )
    known = outcome_names(model.evaluate(model.draw(seed, 0, 1)))
    if outcome not in known:
        raise InputError(
            f"unknown outcome {outcome!r}",
            "--policies",
            f"use one of: {', '.join(known) or '(none)'}",
        )


def _game_and_solution(loaded: LoadedScenario, seed: int, k: int) -> tuple[Any, Any]:
    """The scenario's game on the first ``k`` draws, solved by the model, for the tree figure.

    The model's own :meth:`~brink.model.CrisisModel.game` (its solver and lambda, failed
    samples at the central values); ``(None, None)`` for other evaluators.
    """
    from brink.model import CrisisModel

    model = loaded.evaluator
    if not isinstance(model, CrisisModel):
        return None, None
    return model.game(model.draw(seed, 0, k))


def assumption_rows(sc: Any) -> list[list[str]]:
    """``[parameter, value, source]`` for every number of a scenario.

    The source is the scenario's provenance entry for the parameter or its nearest
    listed parent (:meth:`brink.scenario.schema.Scenario.provenance_of`), resolved
    through ``sources``.
    """
    sources: dict[str, str] = dict(getattr(sc, "sources", {}) or {})
    P = sc.parameters
    rows = []
    entries = [(k, str(d.spec)) for k, d in P.distributions.items()]
    entries += [(k, f"= {P.expressions[k]}") for k in P.order]
    for name, value in entries:
        key = sc.provenance_of(name)
        source = (
            "not stated"
            if key is None
            else ("assumption" if key == "assumption" else sources.get(key, key))
        )
        rows.append([name, value, source])
    return rows
