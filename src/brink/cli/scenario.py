"""``brink run``, ``brink validate``, ``brink schema``, ``brink scenarios``: scenarios from the command line."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from brink.cli.application import app, reports_interrupt
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
    check_model_options,
    echo_json,
    memory_bytes,
    open_executor,
    open_store,
)


@app.command("run")
def run_command(
    scenario: Annotated[str, typer.Argument(help="Scenario file or bundled name.")] = "ukraine-2022",
    samples: SamplesOption = 10_000,
    seed: SeedOption = 0,
    as_json: JsonOption = False,
    solver: SolverOption = "auto",
    lam: LambdaOption = None,
    overrides: SetOption = None,
    chunk_size: ChunkSizeOption = None,
    memory: MemoryOption = None,
    store_path: StoreOption = None,
    no_store: NoStoreOption = False,
    executor: ExecutorOption = "local",
    scheduler: SchedulerOption = None,
    workers: WorkersOption = None,
) -> None:
    """Solve SCENARIO under uncertainty: outcome probabilities with 95% intervals."""
    from rich.console import Console
    from rich.progress import Progress
    from rich.table import Table

    from brink.runs.montecarlo import run
    from brink.scenario import load_scenario, resolve_scenario_source
    from brink.scenario.document import read_document_text

    check_model_options(solver, lam, samples=samples, seed=seed)
    sc = load_scenario(scenario, overrides or [])
    text = read_document_text(resolve_scenario_source(scenario))
    store = open_store(store_path, no_store)
    console = Console(stderr=True)
    options: dict[str, Any] = {
        "store": store, "scenario_text": text, "memory": memory_bytes(memory), "lam": lam
    }
    # Ctrl-C: "run ID stored as interrupted", exit 130
    with reports_interrupt(), open_executor(executor, scheduler, workers) as ex:
        if samples > 20_000 and not as_json:
            with Progress(console=console, transient=True) as bar:
                task = bar.add_task(f"{sc.name}", total=samples)
                result = run(sc, samples, seed, chunk_size, solver, ex,
                             progress=lambda done, _total: bar.update(task, completed=done), **options)
        else:
            result = run(sc, samples, seed, chunk_size, solver, ex, **options)
    out = {**result.to_json(), "run_id": result.run_id}
    if as_json:
        echo_json(out)
        return
    table = Table(title=f"{sc.title or sc.name} — {samples:,} samples, seed {seed}")
    table.add_column("outcome")
    table.add_column("p", justify="right")
    table.add_column("95% interval", justify="right")
    for name, o in out["outcomes"].items():
        p, (lo, hi) = o["p"], o["ci95"]
        table.add_row(name, "n/a" if p is None else f"{p:.3f}",
                      "" if lo is None else f"[{lo:.3f}, {hi:.3f}]")
    out_console = Console()
    out_console.print(table)
    metrics = Table(title="metrics")
    metrics.add_column("metric")
    metrics.add_column("mean", justify="right")
    metrics.add_column("95% interval", justify="right")
    for name, m in out["metrics"].items():
        mean, (lo, hi) = m["mean"], m["ci95"]
        metrics.add_row(name, "n/a" if mean is None else f"{mean:.3f}",
                        "" if lo is None else f"[{lo:.3f}, {hi:.3f}]")
    out_console.print(metrics)
    if out["paths"]:
        top = out["paths"][0]
        from brink.solvers.registry import SOLVERS

        kind = "equilibrium path" if out["solver"] not in SOLVERS or SOLVERS[out["solver"]].equilibrium else "path"
        out_console.print(f"modal {kind} ({top['share']:.1%} of samples): " + " > ".join(top["path"]))
    if out["failed"]:
        out_console.print(f"[yellow]{out['failed']} samples failed (counted, not dropped)[/]")
    if result.run_id:
        out_console.print(f"stored as run {result.run_id}")


@app.command("validate")
def validate_command(
    file: Annotated[str, typer.Argument(help="Scenario file or bundled name.")],
    overrides: SetOption = None,
    as_json: JsonOption = False,
) -> None:
    """Check a scenario: size limits, schema, cross-references, distributions, expressions, levers, provenance."""
    from brink.scenario import load_scenario

    sc = load_scenario(file, overrides or [])
    P = sc.parameters
    prefix = "" if type(sc).reads_section_defaults else "game."  # a theory template reads only game:
    counts = {
        "actors": len(sc.actors),
        "numbers": sum(k.startswith(prefix) for k in P.distributions),
        "uncertain": sum(k.startswith(prefix) for k in P.uncertainties),
        "derived": sum(k.startswith(prefix) for k in P.expressions),
        "levers": len(sc.levers),
    }
    if as_json:
        echo_json({"ok": True, "scenario": sc.name, "template": sc.template, **counts})
        return
    levers = f", {counts['levers']} levers" if sc.levers else ""
    typer.echo(
        f"ok: {sc.name} ({sc.template}): {counts['actors']} actors, {counts['numbers']} numbers, "
        f"{counts['uncertain']} uncertain, {counts['derived']} derived{levers}"
    )


@app.command("schema")
def schema_command() -> None:
    """Print the JSON Schema of scenario files (the common sections and every template's own)."""
    from brink.scenario.schema import json_schema

    typer.echo(json.dumps(json_schema(), indent=2))


@app.command("scenarios")
def scenarios_command(as_json: JsonOption = False) -> None:
    """List the bundled scenarios."""
    from brink.scenario import bundled_scenarios

    listed = bundled_scenarios()
    if as_json:
        echo_json([{"name": name, "title": title} for name, title in listed.items()])
        return
    for name, title in listed.items():
        typer.echo(f"{name}\t{title}")
