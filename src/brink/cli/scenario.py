"""``brink run``, ``brink validate``, ``brink schema``, ``brink scenarios``: scenarios from the command line."""

from __future__ import annotations

import json
from contextlib import ExitStack
from typing import Annotated

import typer

from brink.cli import app, reports_interrupt


@app.command("run")
def run_command(
    scenario: Annotated[str, typer.Argument(help="Scenario file or bundled name.")] = "ukraine-2022",
    samples: Annotated[int, typer.Option("--samples", "-n", help="Monte Carlo samples.")] = 10_000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    solver: Annotated[str, typer.Option("--solver", help="auto | spe | qre.")] = "auto",
    overrides: Annotated[list[str] | None, typer.Option("--set", help="Override PATH=VALUE (repeatable).")] = None,
    chunk_size: Annotated[
        int | None,
        typer.Option(
            "--chunk-size",
            help="Samples per chunk (default: 4096, fewer if the memory budget needs; never changes the numbers).",
        ),
    ] = None,
    memory: Annotated[
        int | None,
        typer.Option("--memory", help="Memory budget in MiB (default 512); chunks adapt to it.", min=64, max=2**20),
    ] = None,
    store_path: Annotated[str | None, typer.Option("--store", help="DuckDB store file.")] = None,
    no_store: Annotated[bool, typer.Option("--no-store", help="Do not record the run.")] = False,
    executor: Annotated[str, typer.Option("--executor", help="local | processes | dask.")] = "local",
    scheduler: Annotated[str | None, typer.Option("--scheduler", help="Dask scheduler address.")] = None,
) -> None:
    """Solve SCENARIO under uncertainty: outcome probabilities with 95% intervals."""
    from rich.console import Console
    from rich.progress import Progress
    from rich.table import Table

    from brink.errors import InputError
    from brink.scenario import load_scenario, resolve_scenario_source
    from brink.scenario.document import read_document_text
    from brink.scenario.random import check_samples
    from brink.simulation import run

    check_samples(samples)
    if solver not in ("auto", "spe", "qre"):
        raise InputError(f"unknown solver {solver!r}", "--solver", "use auto, spe or qre")
    budget = None if memory is None else memory * 2**20
    sc = load_scenario(scenario, overrides or [])
    text = read_document_text(resolve_scenario_source(scenario))
    store = None
    if not no_store:
        try:
            from brink.store import Store, default_store_path

            store = Store(store_path or default_store_path())
        except ImportError:  # pragma: no cover - store not installed
            store = None
    console = Console(stderr=True)
    with reports_interrupt(), ExitStack() as resources:  # Ctrl-C: "run ID stored as interrupted", exit 130
        ex = None
        if executor != "local":
            from brink.executors import get_executor

            ex = resources.enter_context(get_executor(executor, scheduler=scheduler))
        if samples > 20_000 and not as_json:
            with Progress(console=console, transient=True) as bar:
                task = bar.add_task(f"{sc.name}", total=samples)
                result = run(sc, samples, seed, chunk_size, solver, ex,
                             progress=lambda done, _total: bar.update(task, completed=done),
                             store=store, scenario_text=text, memory=budget)
        else:
            result = run(sc, samples, seed, chunk_size, solver, ex, store=store, scenario_text=text, memory=budget)
    out = result.to_json()
    if as_json:
        typer.echo(json.dumps(out, indent=2))
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
        out_console.print(f"modal equilibrium path ({top['share']:.1%} of samples): " + " > ".join(top["path"]))
    if out["failed"]:
        out_console.print(f"[yellow]{out['failed']} samples failed (counted, not dropped)[/]")
    if result.run_id:
        out_console.print(f"stored as run {result.run_id}")


@app.command("validate")
def validate_command(
    file: Annotated[str, typer.Argument(help="Scenario file or bundled name.")],
    overrides: Annotated[list[str] | None, typer.Option("--set", help="Override PATH=VALUE (repeatable).")] = None,
) -> None:
    """Check a scenario: size limits, schema, cross-references, distributions, expressions, levers, provenance."""
    from brink.scenario import load_scenario

    sc = load_scenario(file, overrides or [])
    P = sc.parameters
    prefix = "" if sc.template == "crisis" else "game."  # a theory template reads only game:
    levers = f", {len(sc.levers)} levers" if sc.levers else ""
    typer.echo(
        f"ok: {sc.name} ({sc.template}): {len(sc.actors)} actors, "
        f"{sum(k.startswith(prefix) for k in P.distributions)} numbers, "
        f"{sum(k.startswith(prefix) for k in P.uncertainties)} uncertain, "
        f"{sum(k.startswith(prefix) for k in P.expressions)} derived{levers}"
    )


@app.command("schema")
def schema_command() -> None:
    """Print the JSON Schema of scenario files (the common sections and every template's own)."""
    from brink.scenario.schema import json_schema

    typer.echo(json.dumps(json_schema(), indent=2))


@app.command("scenarios")
def scenarios_command() -> None:
    """List the bundled scenarios."""
    from brink.scenario import bundled_scenarios

    for name, title in bundled_scenarios().items():
        typer.echo(f"{name}\t{title}")
