"""``brink run``, ``validate``, ``schema``, ``scenarios``, ``init``, ``ladder``: scenarios from the command line.

``brink validate --strict`` adds the warnings of :func:`brink.analysis.audit.strict_warnings`
(issue 15): numbers without provenance, commitments that no template reads or that
change no outcome, and levers whose options give identical outcomes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated, Any

import typer

from brink.analysis.audit import STRICT_SAMPLES, STRICT_SEED, check_refusals, strict_warnings
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

if TYPE_CHECKING:
    pass


#: The starter scenario of each template ``brink init`` offers.
STARTERS: Mapping[str, str] = {"crisis": "starter-crisis.yaml", "escalation": "starter-escalation.yaml"}


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
    """Solve SCENARIO under uncertainty: outcome probabilities with 95% intervals.

    The output opens with a headline (the most likely ending, war, nuclear use, the leader's fate, the solver) and a note on corners, then grouped tables with each value's unit. What every outcome and metric means, and its unit: `brink measures` (docs/reading-a-run.md).
    """
    from rich.console import Console
    from rich.progress import Progress

    from brink.runs.montecarlo import run
    from brink.scenario import load_scenario, resolve_scenario_source
    from brink.scenario.document import read_document_text

    check_model_options(solver, lam, samples=samples, seed=seed)
    sc = load_scenario(scenario, overrides or [])
    text = read_document_text(resolve_scenario_source(scenario))
    if overrides:  # the stored text records how the run was made (and `brink runs diff` shows it)
        text = text.rstrip("\n") + "\n# brink run --set overrides:\n" + "".join(f"#   {o}\n" for o in overrides)
    store = open_store(store_path, no_store)
    console = Console(stderr=True)
    options: dict[str, Any] = {
        "store": store, "scenario_text": text, "memory": memory_bytes(memory), "lam": lam,
        "keep_samples": None if store is not None else False,  # the command prints a summary: no rows in memory
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
    from brink.cli.runs import print_run_summary

    out_console = Console()
    print_run_summary(out_console, out, f"{sc.title or sc.name} — {samples:,} samples, seed {seed}")
    if result.run_id:
        out_console.print(f"stored as run {result.run_id}")


@app.command("validate")
def validate_command(
    file: Annotated[str, typer.Argument(help="Scenario file or bundled name.")],
    overrides: SetOption = None,
    as_json: JsonOption = False,
    strict: Annotated[
        bool,
        typer.Option(
            "--strict",
            help=(
                "Also warn of numbers without provenance, commitments no template reads or that change no "
                f"outcome, and levers whose options give identical outcomes ({STRICT_SAMPLES} samples, "
                f"seed {STRICT_SEED}). Warnings do not fail the check."
            ),
        ),
    ] = False,
) -> None:
    """Check a scenario: size limits, schema, cross-references, distributions, expressions, levers, provenance."""
    from brink.scenario import load_scenario

    sc = load_scenario(file, overrides or [])
    check_refusals(sc)
    P = sc.parameters
    prefix = "" if type(sc).reads_section_defaults else "game."  # a theory template reads only game:
    counts = {
        "actors": len(sc.actors),
        "numbers": sum(k.startswith(prefix) or k.startswith("parameters.") for k in P.distributions),
        "uncertain": sum(k.startswith(prefix) or k.startswith("parameters.") for k in P.uncertainties),
        "derived": sum(k.startswith(prefix) or k.startswith("parameters.") for k in P.expressions),
        "levers": len(sc.levers),
    }
    structural = getattr(sc, "structure_warnings", None)
    warnings = [*(structural() if structural is not None else []), *(strict_warnings(sc) if strict else [])]
    if as_json:
        extra = {"warnings": warnings} if strict or warnings else {}
        echo_json({"ok": True, "scenario": sc.name, "template": sc.template, **counts, **extra})
        return
    levers = f", {counts['levers']} levers" if sc.levers else ""
    typer.echo(
        f"ok: {sc.name} ({sc.template}): {counts['actors']} actors, {counts['numbers']} numbers, "
        f"{counts['uncertain']} uncertain, {counts['derived']} derived{levers}"
    )
    for warning in warnings:
        typer.echo(f"warning: {warning}")


@app.command("init")
def init_command(
    file: Annotated[
        str | None, typer.Argument(help="File to write (never overwritten); without it the starter is printed.")
    ] = None,
    template: Annotated[
        str, typer.Option("--template", help=f"Template of the starter: {', '.join(STARTERS)} "
                          "(escalation: the multi-round crisis; crisis: 0.1's single exchange).")
    ] = "escalation",
    parents: Annotated[bool, typer.Option("--parents", help="Create missing parent folders.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Write a commented starter scenario (valid, every number with provenance) to FILE, or print it."""
    from importlib import resources
    from pathlib import Path

    from brink.errors import InputError
    from brink.output import check_target, write_text

    if template not in STARTERS:
        raise InputError(
            f"no starter for template {template!r}", "--template", f"choose one of {', '.join(STARTERS)}"
        )
    text = resources.files("brink.scenario").joinpath(STARTERS[template]).read_text("utf-8")
    if file is None:
        if as_json:
            echo_json({"template": template, "text": text})
        else:
            typer.echo(text, nl=False)
        return
    target = check_target(file, parents=parents, option="FILE")
    if target.exists() or Path(file).is_symlink():
        raise InputError(
            "file exists; brink init never overwrites a file and left it untouched",
            file,
            "give a new file name, or remove the file first",
        )
    written = write_text(file, text, parents=parents, option="FILE")
    if as_json:
        echo_json({"template": template, "written": str(written)})
        return
    typer.echo(f"wrote {written} (template {template}); next: brink validate {file} --strict")


@app.command("ladder")
def ladder_command(as_json: JsonOption = False) -> None:
    """Kahn's (1965) escalation ladder: 44 rungs with group, threshold and category, and the rung names a scenario's ladder takes."""
    from brink.mechanisms.ladder import KAHN_GROUPS, KAHN_LADDER, KNOWN_RUNGS

    rungs = [
        {
            "number": r.number,
            "name": r.name,
            "key": r.key,
            "group": r.group,
            "group_number": r.group_number,
            "threshold": r.threshold,
            "category": r.category.value,
        }
        for r in KAHN_LADDER
    ]
    if as_json:
        echo_json({"rungs": rungs, "known_rungs": dict(KNOWN_RUNGS), "groups": list(KAHN_GROUPS), "own_rungs": _OWN_RUNGS})
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title="Kahn's escalation ladder (Kahn 1965, On Escalation)")
    for col in ("#", "rung", "group", "last threshold crossed", "category"):
        table.add_column(col, justify="right" if col == "#" else "left")
    for r in rungs:
        table.add_row(str(r["number"]), str(r["name"]), str(r["group"]), str(r["threshold"] or ""), str(r["category"]))
    console = Console(width=160)
    console.print(table)
    console.print(
        "Named rungs a scenario's crisis.ladder takes (or write {name: ..., rung: N} with any of the numbers above):"
    )
    for name, number in KNOWN_RUNGS.items():
        console.print(f"  {name} = {number}", highlight=False, markup=False)
    console.print(_OWN_RUNGS, highlight=False, markup=False)


#: How a scenario adds a rung of its own between two of Kahn's (`brink ladder`; brink.mechanisms.ladder.place_rung).
_OWN_RUNGS = (
    "A rung of your own between two of Kahn's (a blockade, a cyber attack): give its position strictly between "
    "two adjacent rungs, as a fraction or as the pair, e.g.\n"
    "  {name: blockade, between: [9, 10], group: traditional-crises, category: non_violent}   (position 9.5)\n"
    "  {name: cyber-attack, rung: 12.5}\n"
    "It is read like a Kahn number (intensity min(1, position/12), nuclear from 21, central from 26). "
    "group (name or 1-7) and category default to the lower neighbour's; where the two neighbours lie in "
    "different groups (across a threshold: 3|4, 9|10, 20|21, 25|26, 31|32, 38|39) group is required, and "
    "below 21 or 26 only the lower group is accepted. category: de_escalation, status_quo, posturing, "
    "non_violent, violent or nuclear (nuclear exactly from 21)."
)


@app.command("measures")
def measures_command(as_json: JsonOption = False) -> None:
    """What each outcome and metric of a run means: its group, one line and its unit (brink.measures)."""
    from brink.measures import GROUPS, MEASURES

    rows = [{"name": name, "group": m.group, "meaning": m.meaning, "unit": m.unit} for name, m in MEASURES.items()]
    rows.sort(key=lambda r: GROUPS.index(r["group"]))
    if as_json:
        echo_json({"groups": list(GROUPS), "measures": rows})
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title="Outcomes and metrics (a pattern such as rung.* stands for a family of names)")
    for col in ("name", "group", "meaning", "unit"):
        table.add_column(col, no_wrap=col == "name")
    for r in rows:
        table.add_row(r["name"], r["group"], r["meaning"], r["unit"])
    Console(width=160).print(table)


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
