"""``brink run``, ``validate``, ``schema``, ``scenarios``, ``init``, ``ladder``: scenarios from the command line.

``brink validate --strict`` adds warnings of what a scenario says but does not use
(issue 15): numbers without provenance, commitments that no template reads or that
change no outcome, and levers whose options give identical outcomes.  The last two are
judged on a small fixed draw (:data:`STRICT_SAMPLES` samples, seed :data:`STRICT_SEED`,
common random numbers across the variants, Law & Kelton 2000 §11.2), so a warning says
"changes nothing on these draws", not a proof.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated, Any

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

if TYPE_CHECKING:
    from brink.scenario import Scenario

#: Samples and seed of the fixed draw on which ``validate --strict`` compares variants.
STRICT_SAMPLES = 64
STRICT_SEED = 0

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
    """Solve SCENARIO under uncertainty: outcome probabilities with 95% intervals."""
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
    P = sc.parameters
    prefix = "" if type(sc).reads_section_defaults else "game."  # a theory template reads only game:
    counts = {
        "actors": len(sc.actors),
        "numbers": sum(k.startswith(prefix) or k.startswith("parameters.") for k in P.distributions),
        "uncertain": sum(k.startswith(prefix) or k.startswith("parameters.") for k in P.uncertainties),
        "derived": sum(k.startswith(prefix) or k.startswith("parameters.") for k in P.expressions),
        "levers": len(sc.levers),
    }
    warnings = strict_warnings(sc) if strict else []
    if as_json:
        extra = {"warnings": warnings} if strict else {}
        echo_json({"ok": True, "scenario": sc.name, "template": sc.template, **counts, **extra})
        return
    levers = f", {counts['levers']} levers" if sc.levers else ""
    typer.echo(
        f"ok: {sc.name} ({sc.template}): {counts['actors']} actors, {counts['numbers']} numbers, "
        f"{counts['uncertain']} uncertain, {counts['derived']} derived{levers}"
    )
    for warning in warnings:
        typer.echo(f"warning: {warning}")


def strict_warnings(sc: Scenario) -> list[str]:
    """What ``validate --strict`` warns of in ``sc``, each naming the path it is about (module doc)."""
    out = [f"{sc.where(path)}: number without provenance" for path in sc.unsourced()]
    out += _commitment_warnings(sc)
    out += _lever_warnings(sc)
    return out


def _outcomes(sc: Scenario, levers: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Per-sample outcomes of ``sc`` on the fixed strict draw (common random numbers)."""
    from brink.model import CrisisModel

    model = CrisisModel(sc)
    params = model.draw(STRICT_SEED, 0, STRICT_SAMPLES)
    return dict(model.evaluate(params, levers).outcomes)


def _same(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    import numpy as np

    return a.keys() == b.keys() and all(
        np.allclose(np.asarray(a[k]), np.asarray(b[k]), rtol=1e-9, atol=1e-12, equal_nan=True) for k in a
    )


def _commitment_warnings(sc: Scenario) -> list[str]:
    """Commitments no template reads (their guarantor is not the defender or one of its
    members, Leeds 2003's reading of who is bound) or whose removal changes no outcome."""
    from brink.errors import InputError
    from brink.scenario import scenario_from_data

    commitments = list(getattr(sc, "commitments", None) or [])
    if not commitments:
        return []
    crisis = getattr(sc, "crisis", None)
    defender = getattr(crisis, "defender", None)
    guarantors = {defender} if defender else set()
    if defender in sc.actors:
        guarantors |= set(sc.actors[defender].members)
    out: list[str] = []
    base: dict[str, Any] | None = None
    for i, c in enumerate(commitments):
        ident = getattr(c, "id", None) or str(i)
        where = sc.where(f"commitments.{ident}")
        if c.guarantor not in guarantors:
            out.append(
                f"{where}: commitment {ident} is read by no template: its guarantor {c.guarantor} is not the "
                f"defender ({defender or 'none'}) or one of its members"
            )
            continue
        try:
            if base is None:
                base = _outcomes(sc)
            data = sc.model_dump(mode="json", exclude={"source"})
            data["commitments"] = [d for j, d in enumerate(data["commitments"]) if j != i]
            data["provenance"] = {
                k: v for k, v in data.get("provenance", {}).items() if not k.startswith(f"commitments.{ident}")
            }
            without = _outcomes(scenario_from_data(data, source=sc.source))
        except InputError:
            continue  # the scenario needs it (a reference to it): it is read
        if _same(base, without):
            out.append(
                f"{where}: commitment {ident} changes no outcome: removing it leaves every outcome "
                f"the same on {STRICT_SAMPLES} samples (seed {STRICT_SEED})"
            )
    return out


def _lever_warnings(sc: Scenario) -> list[str]:
    """Levers whose options all give the same outcomes on the fixed strict draw."""
    from brink.errors import InputError

    out: list[str] = []
    for path, options in sc.levers.items():
        if len(options) < 2:
            continue
        try:
            results = [_outcomes(sc, {path: option}) for option in options]
        except InputError as exc:
            out.append(f"{sc.where_key('levers', path)}: lever {path} could not be evaluated: {exc}")
            continue
        if all(_same(results[0], r) for r in results[1:]):
            shown = ", ".join(json.dumps(o) if not isinstance(o, str) else o for o in options)
            out.append(
                f"{sc.where_key('levers', path)}: lever {path} changes no outcome: its options ({shown}) give "
                f"identical outcomes on {STRICT_SAMPLES} samples (seed {STRICT_SEED})"
            )
    return out


@app.command("init")
def init_command(
    file: Annotated[
        str | None, typer.Argument(help="File to write (never overwritten); without it the starter is printed.")
    ] = None,
    template: Annotated[
        str, typer.Option("--template", help=f"Template of the starter: {', '.join(STARTERS)}.")
    ] = "crisis",
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
    from brink.mechanisms.ladder import KAHN_LADDER, KNOWN_RUNGS

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
        echo_json({"rungs": rungs, "known_rungs": dict(KNOWN_RUNGS)})
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
