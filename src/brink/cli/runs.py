"""``brink runs ...`` (the run store) and ``brink sweep`` (designed experiments).

``runs list | show ID | diff ID1 ID2 | export ID | delete ID`` read the DuckDB run store
(:mod:`brink.store`); every command takes ``--store PATH`` (default: ``$BRINK_STORE`` or
``~/.local/share/brink/runs.duckdb``) and ``--json`` for machine-readable output.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from brink.cli.application import app, reports_interrupt
from brink.cli.options import (
    ChunkSizeOption,
    ExecutorOption,
    JsonOption,
    LambdaOption,
    MemoryOption,
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
)

if TYPE_CHECKING:
    from brink.store import Store

runs_app = typer.Typer(
    name="runs",
    help="Stored runs: list, show, compare and export them.",
    no_args_is_help=True,
)
app.add_typer(runs_app, name="runs")

console = Console()

PARENTS_OPTION = typer.Option(
    False, "--parents", help="Create the output file's missing parent folders."
)
STATUS_STYLE = {"complete": "green", "running": "cyan", "failed": "red", "interrupted": "yellow"}


def _store(path: Path | None) -> Store:
    from brink.store import Store

    return Store(path)


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)


def _status(status: str) -> str:
    return f"[{STATUS_STYLE.get(status, 'white')}]{status}[/]"


def _when(stamp: str | None, short: bool = False) -> str:
    if not stamp:
        return "-"
    text = stamp.replace("T", " ")[:19]
    return text[5:16] if short else text


@runs_app.command("list")
def list_runs(
    kind: str | None = typer.Option(
        None, "--kind", help="Only runs of this kind (see `brink runs list --help`: one of the store's kinds)."
    ),
    limit: int = typer.Option(50, "--limit", "-n", help="Show at most this many (newest first)."),
    all_points: bool = typer.Option(False, "--points", help="Also list the point runs of sweeps."),
    store: StoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """List stored runs, newest first."""
    from brink.errors import InputError
    from brink.store import KINDS

    if kind is not None and kind not in KINDS:
        raise InputError(f"unknown run kind {kind!r}", "--kind", f"Use one of: {', '.join(KINDS)}")
    if limit < 1:
        raise InputError(
            f"cannot show {limit} runs", "--limit", "Use a positive count (e.g. --limit 50)"
        )
    records = _store(store).list_runs(kind=kind)
    if not all_points and kind is None:
        records = [r for r in records if r.parent_id is None]
    records = records[:limit]
    if as_json:
        echo_json([r.to_dict() for r in records])
        return
    table = Table(title=f"runs in {_store_path(store)}", title_justify="left")
    for col in ("id", "kind", "scenario", "seed", "status", "samples", "created", "note"):
        table.add_column(
            col, justify="right" if col in ("seed", "samples") else "left", no_wrap=col != "note"
        )
    for r in records:
        note = r.message or ""
        if r.kind == "sweep":
            points = len(r.parameters.get("design", {}).get("points", []))
            note = f"{points} points; {note}" if note else f"{points} points"
        table.add_row(
            r.id,
            r.kind,
            r.scenario_name,
            str(r.seed),
            _status(r.status),
            str(r.n_samples),
            _when(r.created, short=True),
            note[:60],
        )
    console.print(table)
    if not records:
        console.print("no runs stored yet: `brink run SCENARIO` stores one")


def _store_path(store: Path | None) -> Path:
    from brink.store import default_store_path

    return store if store is not None else default_store_path()


def _check_output(target: Path, store: Path | None, parents: bool) -> None:
    """Refuse an output path that cannot be written (:func:`brink.output.check_target`) or
    that is the run store itself (or its lock file): ``-o`` must not replace the store."""
    from brink.errors import InputError
    from brink.output import check_target

    written = check_target(target, parents=parents).resolve()
    kept = _store_path(store).expanduser().resolve()
    if written in (kept, kept.with_name(kept.name + ".lock")):
        raise InputError(
            "is the run store itself (or its lock file); writing there would destroy the stored runs",
            str(target),
            "Give another file name with -o",
        )


def print_run_summary(out_console: Console, out: dict[str, Any], title: str) -> None:
    """What ``brink run`` prints: a plain-language headline, then grouped tables of outcomes
    and metrics (each with its 95% interval, meaning and unit, :mod:`brink.measures`), the
    modal path.

    ``out`` is a run's JSON summary (:meth:`brink.runs.montecarlo.RunResult.to_json`, as
    stored), ``title`` the first table's title (``"TITLE — N samples, seed S"``).  ``brink runs
    show`` prints a stored run with the same function, so the two agree line for line.
    """
    from brink.measures import GROUPS, headline, measure, row_text

    wide = out_console.width >= 110
    out_console.print(f"[bold]{title}[/]", highlight=False)
    for line in headline(out.get("outcomes", {}), out.get("solver", "auto"), out.get("lambda"), out.get("solver_auto", "")):
        out_console.print(line, highlight=False, soft_wrap=True)
    grouped: dict[str, list[tuple[str, str, dict[str, Any]]]] = {}
    for kind, estimate in (("outcomes", "p"), ("metrics", "mean")):
        for name, row in out.get(kind, {}).items():
            m = measure(name)
            group = m.group if m is not None else "other"
            grouped.setdefault(group, []).append((name, estimate, row))
    for group in (*GROUPS, "other"):
        rows = grouped.get(group)
        if not rows:
            continue
        table = Table(title=group, title_justify="left")
        table.add_column("name", no_wrap=True)
        table.add_column("value", justify="right", no_wrap=True)
        table.add_column("95% interval", justify="right", no_wrap=True)
        table.add_column("unit", no_wrap=True)
        if wide:
            table.add_column("meaning", style="dim")
        for name, estimate, row in rows:
            m = measure(name)
            value, interval = row_text(row[estimate], row.get("ci95"))
            unit = "" if m is None else ("p" if m.unit == "probability" else m.unit)
            table.add_row(name, value, interval, unit, *([("" if m is None else m.meaning)] if wide else []))
        out_console.print(table)
    if not wide:
        out_console.print("[dim]what each name means: brink measures (or a terminal 110 columns wide)[/]")
    if out.get("paths"):
        top = out["paths"][0]
        from brink.solvers.registry import SOLVERS

        solver = out.get("solver", "auto")
        kind = "equilibrium path" if solver not in SOLVERS or SOLVERS[solver].equilibrium else "path"
        out_console.print(f"modal {kind} ({top['share']:.1%} of samples; the players' decisions, nature's draws folded): "
                          + " > ".join(top["path"]))
    if out.get("failed"):
        why = f": {escape(out['failure'])}" if out.get("failure") else ""
        out_console.print(f"[yellow]{out['failed']} samples failed (counted, not dropped){why}[/]")


def run_title(scenario_text: str, scenario_name: str, samples: int, seed: int) -> str:
    """The title ``brink run`` gives its table, for a stored run: the scenario's ``title``
    (read from its stored text) or else its name, the sample count and the seed."""
    import yaml

    title = ""
    try:
        doc = yaml.safe_load(scenario_text)
        if isinstance(doc, dict) and isinstance(doc.get("title"), str):
            title = doc["title"]
    except yaml.YAMLError:
        pass
    return f"{title or scenario_name} — {samples:,} samples, seed {seed}"


def _in_run_order(summary: dict[str, Any], columns: list[str]) -> dict[str, Any]:
    """The summary with outcomes and metrics in the order ``brink run`` printed them.

    The stored JSON has sorted keys; the per-sample columns keep the model's order
    (:func:`brink.runs.montecarlo.sample_columns`), so they give it back.  Names without
    a column (runs stored before metrics were) keep the stored order, after the others.
    """
    from brink.runs.montecarlo import column_roles

    out = dict(summary)
    roles = column_roles(columns, summary.get("outcomes", {}), summary.get("metrics", {}))
    for group, role in (("outcomes", "outcome"), ("metrics", "metric")):
        values = summary.get(group, {})
        first = [name for r, name in roles.values() if r == role and name in values]
        out[group] = {name: values[name] for name in [*first, *(k for k in values if k not in first)]}
    return out


def _is_run_summary(summary: dict[str, Any] | None) -> bool:
    outcomes = (summary or {}).get("outcomes")
    return isinstance(outcomes, dict) and all(
        isinstance(o, dict) and "p" in o and "ci95" in o for o in outcomes.values()
    )


@runs_app.command("show")
def show_run(
    run_id: str = typer.Argument(..., help="Run id (or a unique prefix)."),
    scenario: bool = typer.Option(False, "--scenario", help="Print the stored scenario text too."),
    store: StoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """One run: its inputs (scenario hash, seed, version, parameters), summary and columns.

    A Monte Carlo run's summary is printed as ``brink run`` prints it (outcomes and metrics
    with 95% intervals, the modal path)."""
    st = _store(store)
    record = st.get_run(run_id)
    columns = st.columns(record.id)
    children = st.list_runs(parent_id=record.id)
    if as_json:
        data = record.to_dict(with_scenario=scenario)
        data["columns"] = columns
        data["children"] = [c.to_dict() for c in children]
        echo_json(data)
        return
    console = Console()  # the terminal's width now, as brink run's (not the width at import)
    info = Table(show_header=False, title=f"run {record.id}", title_justify="left")
    info.add_column(style="bold")
    info.add_column()
    for key, value in (
        ("kind", record.kind),
        ("status", _status(record.status)),
        ("scenario", record.scenario_name),
        ("scenario sha256", record.scenario_hash),
        ("seed", record.seed),
        ("version", record.version),
        ("created", _when(record.created)),
        ("finished", _when(record.finished)),
        ("samples", record.n_samples),
        ("parent", record.parent_id),
        ("message", record.message),
    ):
        if value is not None:
            info.add_row(key, str(value))
    console.print(info)
    _print_flat("parameters", record.parameters)
    if record.kind == "run" and _is_run_summary(record.summary):
        summary = _in_run_order(record.summary or {}, list(columns))
        samples = int(summary.get("samples", record.parameters.get("samples", record.n_samples)))
        print_run_summary(
            console, summary, run_title(record.scenario_text, record.scenario_name, samples, record.seed)
        )
    else:
        _print_flat("summary", record.summary or {})
    if columns:
        console.print(
            "per-sample columns: " + ", ".join(f"{k} ({v.lower()})" for k, v in columns.items())
        )
    if children:
        kids = Table(title="points", title_justify="left")
        for col in ("position", "id", "status", "settings", "message"):
            kids.add_column(col)
        for c in sorted(children, key=lambda c: (c.position or 0, c.created)):
            settings = c.parameters.get("settings", {})
            kids.add_row(
                str(c.position),
                c.id,
                _status(c.status),
                ", ".join(f"{k}={v}" for k, v in settings.items()),
                (c.message or "")[:60],
            )
        console.print(kids)
    if scenario:
        console.print(record.scenario_text, markup=False, highlight=False)


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k, v in value.items():
            out.update(_flatten(v, f"{prefix}.{k}" if prefix else str(k)))
        return out
    return {prefix: value}


def _print_flat(title: str, value: dict[str, Any], limit: int = 60) -> None:
    flat = _flatten(value)
    if not flat:
        return
    table = Table(title=title, title_justify="left", show_header=False)
    table.add_column(style="bold")
    table.add_column(justify="right")
    for key, item in list(flat.items())[:limit]:
        text = _fmt(item)
        table.add_row(key, text if len(text) <= 80 else text[:77] + "...")
    console.print(table)
    if len(flat) > limit:
        console.print(f"... {len(flat) - limit} more (use --json)")


@runs_app.command("diff")
def diff_runs(
    first: str = typer.Argument(..., help="First run id (a)."),
    second: str = typer.Argument(..., help="Second run id (b)."),
    store: StoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """What differs between two runs: inputs, scenario text, parameters, summary and per-sample means.

    The scenario documents are compared line by line (a unified diff).  Runs on common
    random numbers (same seed and sample count) are compared sample by sample: the mean of
    the per-sample differences and its 95% interval; other runs by the difference of means
    with Welch's interval.
    """
    from brink.runs.montecarlo import column_roles

    st = _store(store)
    d = st.diff(first, second)
    if as_json:
        echo_json(d)
        return
    console.print(f"a = {d['a']}, b = {d['b']}")
    if d["scenario_diff"]:
        console.print("scenario (unified diff, a -> b):")
        for line in d["scenario_diff"]:
            style = "green" if line.startswith("+") else "red" if line.startswith("-") else None
            console.print(line, style=style, markup=False, highlight=False, soft_wrap=True)
    if d["inputs"]:
        t = Table(title="inputs", title_justify="left")
        for col in ("field", "a", "b"):
            t.add_column(col)
        for key, (va, vb) in d["inputs"].items():
            t.add_row(key, _fmt(va), _fmt(vb))
        console.print(t)
    for section in ("parameters", "summary"):
        if not d[section]:
            continue
        t = Table(title=section, title_justify="left")
        for col in ("key", "a", "b", "b - a"):
            t.add_column(col, justify="left" if col == "key" else "right")
        hidden = 0
        for key, entry in d[section].items():
            if isinstance(entry["a"], dict | list) or isinstance(entry["b"], dict | list):
                hidden += 1
                continue
            t.add_row(key, _fmt(entry["a"]), _fmt(entry["b"]), _fmt(entry.get("delta")))
        console.print(t)
        if hidden:
            console.print(f"{hidden} structured {section} entries differ too (see --json)")
    if d["columns"]:
        summaries = [st.get_run(d["a"]).summary or {}, st.get_run(d["b"]).summary or {}]
        outcomes = {k for s in summaries for k in s.get("outcomes", {}) or {}}
        metrics = {k for s in summaries for k in s.get("metrics", {}) or {}}
        roles = column_roles(list(d["columns"]), outcomes, metrics)
        rank = {"outcome": 0, "metric": 1, "parameter": 2}
        how = (
            "paired: mean of the per-sample differences, common random numbers (same seed and samples)"
            if d["paired"]
            else "unpaired: difference of means, Welch interval"
        )
        t = Table(title=f"per-sample means, b - a with 95% interval ({how})", title_justify="left")
        for col in ("column", "role", "mean a", "mean b", "b - a", "95% interval"):
            t.add_column(col, justify="left" if col in ("column", "role") else "right")
        order = sorted(d["columns"], key=lambda c: (rank.get(roles[c][0], 3), list(d["columns"]).index(c)))
        for name in order:
            entry = d["columns"][name]
            ma = entry["a"]["mean"] if entry["a"] else None
            mb = entry["b"]["mean"] if entry["b"] else None
            delta = entry["paired"]["delta"] if "paired" in entry else entry.get("delta")
            interval = entry.get("interval")
            t.add_row(
                name,
                roles[name][0],
                _fmt(ma),
                _fmt(mb),
                _fmt(delta),
                "" if interval is None else f"[{_fmt(interval[0])}, {_fmt(interval[1])}]",
            )
        console.print(t)
    if not (d["inputs"] or d["scenario_diff"] or d["parameters"] or d["summary"] or d["columns"]):
        console.print("the two runs are identical in inputs and results")


@runs_app.command("export")
def export_run(
    run_id: str = typer.Argument(..., help="Run id (or a unique prefix)."),
    fmt: str = typer.Option("parquet", "--format", "-f", help="parquet or csv."),
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="Output file (default: ID.FORMAT); replaced atomically."
        ),
    ] = None,
    parents: bool = PARENTS_OPTION,
    store: StoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Write a run's per-sample results (one row per sample) to Parquet or CSV."""
    from brink.errors import InputError

    if fmt not in ("parquet", "csv"):
        raise InputError(f"unknown export format {fmt!r}", "--format", "Use parquet or csv")
    st = _store(store)
    record = st.get_run(run_id)
    target = output if output is not None else Path(f"{record.id}.{fmt}")
    _check_output(target, store, parents)
    if record.kind == "sweep":
        from brink.runs.sweep import load_sweep, write_results

        swept = load_sweep(st, record.id)
        written = write_results(swept, target, format=fmt, parents=parents)
        rows = len(swept.design)
        if as_json:
            echo_json({"run": record.id, "path": str(written), "format": fmt, "rows": rows})
        else:
            console.print(f"wrote the {rows} points of sweep {record.id} to {written}")
        return
    written = st.export(record.id, target, format=fmt, parents=parents)  # type: ignore[arg-type]
    if as_json:
        echo_json(
            {"run": record.id, "path": str(written), "format": fmt, "rows": record.n_samples}
        )
    else:
        console.print(f"wrote {record.n_samples} samples of run {record.id} to {written}")


@runs_app.command("delete")
def delete_run(
    run_id: str = typer.Argument(..., help="Run id (or a unique prefix)."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
    store: StoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Delete a run, its samples and (for a sweep) its point runs."""
    st = _store(store)
    record = st.get_run(run_id)
    if not yes:
        typer.confirm(f"delete {record.kind} run {record.id} ({record.scenario_name})?", abort=True)
    st.delete_run(record.id)
    if as_json:
        echo_json({"deleted": record.id, "kind": record.kind})
        return
    console.print(f"deleted run {record.id}")


@app.command("sweep")
def sweep(
    scenario: str = typer.Argument(..., help="Scenario file or bundled name."),
    ranges: Annotated[
        list[str] | None,
        typer.Argument(help="Ranges path=lo:hi of the Latin hypercube (after --lhs N)."),
    ] = None,
    grid: Annotated[
        list[str] | None,
        typer.Option(
            "--grid", help="Full factorial factor path=v1,v2,... (repeat for more factors)."
        ),
    ] = None,
    lhs: int | None = typer.Option(
        None, "--lhs", help="Latin hypercube of N points over the path=lo:hi ranges that follow."
    ),
    overrides: SetOption = None,
    samples: SamplesOption = 10_000,
    seed: SeedOption = 0,
    executor: ExecutorOption = "local",
    scheduler: SchedulerOption = None,
    workers: WorkersOption = None,
    retries: int = typer.Option(2, "--retries", help="Extra attempts for a point that fails."),
    resume: str | None = typer.Option(
        None, "--resume", help="Resume this sweep id (default: by design hash)."
    ),
    fresh: bool = typer.Option(
        False, "--fresh", help="Start anew even if an unfinished identical sweep exists."
    ),
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="Per-point results (.parquet or .csv); replaced atomically."
        ),
    ] = None,
    parents: bool = PARENTS_OPTION,
    solver: SolverOption = "auto",
    lam: LambdaOption = None,
    chunk_size: ChunkSizeOption = None,
    memory: MemoryOption = None,
    keep_samples: bool = typer.Option(
        True,
        "--samples-stored/--summary-only",
        help="Store each point's per-sample results, or only its summary.",
    ),
    store: StoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Run a scenario over a designed set of settings; each point is a stored Monte Carlo run.

    Examples: ``brink sweep ukraine-2022 --grid costs.conventional_war=0.1,0.2 --samples 2000``
    and ``brink sweep ukraine-2022 --lhs 20 costs.conventional_war=0.05:0.5 --seed 1 -o points.parquet``.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from brink import __version__
    from brink.errors import InputError
    from brink.runs.sweep import (
        SimulationPoints,
        SweepError,
        SweepResult,
        design_from_options,
        run_sweep,
        scenario_source,
        write_results,
    )

    if ranges and lhs is None:
        raise InputError(
            f"extra arguments {ranges} given without --lhs N",
            "brink sweep",
            "Put the ranges after --lhs N (e.g. --lhs 20 costs.conventional_war=0.05:0.5), or use --grid path=v1,v2",
        )
    check_model_options(solver, lam, samples=samples, seed=seed, chunk_size=chunk_size)
    lhs_args = [str(lhs), *(ranges or [])] if lhs is not None else []
    design = design_from_options(grid or [], lhs_args, seed)
    if output is not None:
        _check_output(output, store, parents)
    text, name = scenario_source(scenario)
    base = list(overrides or [])
    st = _store(store)
    with reports_interrupt(), open_executor(executor, scheduler, workers) as ex:
        simulate = SimulationPoints(
            ex,
            chunk_size=chunk_size,
            solver=solver,
            keep_samples=keep_samples,
            lam=lam,
            memory=memory_bytes(memory),
        )
        simulate.check(scenario, design, base)
        with Progress(
            TextColumn("sweep"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.description}"),
            console=Console(stderr=True),
            disable=as_json,
        ) as progress:
            bar = progress.add_task("", total=len(design))

            def advance(index: int, status: str) -> None:
                progress.update(bar, advance=1, description=f"point {index}: {status}")

            failed: SweepError | None = None
            result: SweepResult
            try:
                result = run_sweep(
                    st,
                    simulate,
                    scenario=scenario,
                    scenario_name=name,
                    scenario_text=text,
                    design=design,
                    samples=samples,
                    seed=seed,
                    version=__version__,
                    base_overrides=base,
                    retries=retries,
                    resume=resume,
                    fresh=fresh,
                    on_point=advance,
                )
            except SweepError as exc:
                failed = exc
                result = exc.result
    if output is not None:
        write_results(result, output, parents=parents)
    if as_json:
        echo_json(
            {
                "run_id": result.sweep_id,
                "sweep": result.sweep_id,
                "resumed": result.resumed,
                "computed": result.computed,
                "failed": {
                    str(i): {"settings": design.points[i], "error": e}
                    for i, e in result.failures.items()
                },
                "points": [
                    {
                        "point": i,
                        "settings": design.points[i],
                        "run": result.run_ids[i],
                        "summary": result.summaries[i],
                    }
                    for i in range(len(design))
                ],
                "output": None if output is None else str(output),
            }
        )
    else:
        reused = len(design) - len(result.computed)
        console.print(
            f"sweep {result.sweep_id}: {len(design)} points ({len(result.computed)} computed, "
            f"{reused} reused), {len(result.failures)} failed"
            + (f"; results in {output}" if output is not None else "")
        )
        console.print(f"see `brink runs show {result.sweep_id}`")
    if failed is not None:
        raise failed
