"""``brink simulate``: month-by-month trajectories after the crisis (:mod:`brink.runs.simulate`).

For each sample the crisis ending is drawn from the crisis equilibrium (or fixed with
``--ending``) and the post-war game is played out month by month: the probability the
leader is still in office, the hazards of removal by his coalition and from outside
(after Goemans 2000 and Chiozza & Goemans 2011, who split a leader's fall after war by
domestic and foreign cause), reserves, the discount paid on exports and each partner's
backing.  The command prints the distribution of the endings drawn, a table of selected
months (means and 5-95% fans across samples) and the per-sample summary; ``--table``
writes every month as CSV and ``--json`` prints the whole result.  Like ``brink run`` it
takes the shared options of :mod:`brink.cli.options`, runs in chunks on the chosen
executor (the numbers do not depend on the chunk size or executor) and records the run in
the run store as kind ``simulate`` unless ``--no-store``.
"""

from __future__ import annotations

import csv
import io
import math
import re
from pathlib import Path
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
    from rich.console import Console

    from brink.runs.simulate import SimulationResult

__all__ = [
    "SHOWN_MONTHS",
    "report_stored_simulation",
    "shown_months",
    "simulate_command",
    "stored_simulation",
    "table_csv",
]

#: The months the printed table shows (those within the horizon, and always the last one).
SHOWN_MONTHS = (1, 3, 6, 12, 18, 24, 36)
#: Above this many samples the command shows a progress bar (about 2 s per 1000 samples
#: when the ending is drawn from the crisis).
_PROGRESS_FROM = 2_000


def shown_months(horizon: int) -> list[int]:
    """The months of the printed table: :data:`SHOWN_MONTHS` up to ``horizon``, and ``horizon``."""
    return sorted({m for m in SHOWN_MONTHS if m <= horizon} | {horizon})


def table_csv(result: SimulationResult) -> str:
    """Every month row of ``result`` as CSV (a header of the row keys; empty cells for ``None``).

    Numbers are written with :func:`repr`, so reading them back gives the same floats.
    """
    columns: list[str] = []
    for row in result.table:
        columns += [k for k in row if k not in columns]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in result.table:
        writer.writerow(["" if row.get(k) is None else repr(row[k]) for k in columns])
    return buffer.getvalue()


def _check_table_target(target: Path, store_path: Path | None, parents: bool) -> None:
    """Refuse a ``--table`` path brink must not write (:func:`brink.output.check_target`:
    a directory, device, FIFO, missing folder) or that is the run store or its lock file."""
    from brink.errors import InputError
    from brink.output import check_target
    from brink.store import default_store_path

    written = check_target(target, parents=parents, option="--table").resolve()
    kept = (store_path if store_path is not None else default_store_path()).expanduser().resolve()
    if written in (kept, kept.with_name(kept.name + ".lock")):
        raise InputError(
            "is the run store itself (or its lock file); writing there would destroy the stored runs",
            str(target),
            "Give another file name with --table",
        )


def _num(v: float | None, digits: int = 3) -> str:
    return "n/a" if v is None or not math.isfinite(v) else f"{v:.{digits}f}"


def _pct(v: float | None, digits: int = 1) -> str:
    return "n/a" if v is None or not math.isfinite(v) else f"{100 * v:.{digits}f}%"


def _band(lo: float | None, hi: float | None, digits: int = 3) -> str:
    return "n/a" if lo is None or hi is None else f"{lo:.{digits}f}-{hi:.{digits}f}"


def _print(result: SimulationResult, console: Console) -> None:
    from rich.table import Table

    fixed = f"fixed: {result.ending}" if result.ending is not None else "drawn from the crisis equilibrium"
    lam = f", lambda {result.lam:.3g}" if result.lam is not None else ""
    console.print(
        f"{result.scenario}: {result.samples:,} samples, seed {result.seed}, solver {result.solver}{lam}, "
        f"{result.months} months, crisis ending {fixed}",
        highlight=False,
    )
    endings = ", ".join(
        f"{name.replace('_', ' ')} {_pct(p)}" for name, p in result.endings.items()
    )
    console.print(f"crisis endings: {endings}", highlight=False)
    given = ", ".join(f"{name} {_pct(p)}" for name, p in result.survival_given.items() if p is not None)
    if given:
        console.print(f"in office at month {result.months} given the ending: {given}", highlight=False)
    table = Table(title="after the crisis, by month (mean; 5-95% across samples)", title_justify="left")
    for name in ("month", "in office", "5-95%", "domestic hazard", "foreign hazard",
                 "reserves $bn (median)", "5-95%", "discount $/bbl"):
        table.add_column(name, justify="right")
    for j in result.partners:
        table.add_column(f"support {j}", justify="right")
    for m in shown_months(result.months):
        row = result.table[m - 1]
        table.add_row(
            str(m),
            _num(row["in_office"]),
            _band(row["in_office_p05"], row["in_office_p95"]),
            _pct(row["domestic_hazard"], 3),
            _pct(row["foreign_hazard"], 3),
            _num(row["reserves_usd_bn_p50"], 1),
            _band(row["reserves_usd_bn_p05"], row["reserves_usd_bn_p95"], 1),
            _num(row["discount_usd_per_bbl"], 2),
            *(_num(row[f"support.{j}"]) for j in result.partners),
        )
    console.print(table)
    s = result.summary
    exhausted = s.get("reserves_exhausted_month")
    # the engine records the 0-based month index at which reserves are first empty; the
    # table numbers months from 1, so the month printed is that index + 1
    when = f" (on average in month {exhausted:.1f})" if exhausted is not None else ""
    console.print(
        f"per sample, to month {result.months}: in office {_pct(s.get('survival'))}, removed by the "
        f"coalition {_pct(s.get('domestic_removal'))}, removed from outside {_pct(s.get('foreign_removal'))}; "
        f"{_num(s.get('discount_months'), 1)} months of discount paid (${_num(s.get('spent_usd_bn'), 1)} bn "
        f"of reserves spent); reserves run out in {_pct(s.get('reserves_exhausted_share'))} of samples{when}",
        highlight=False,
    )
    if result.failed:
        console.print(f"[yellow]{result.failed} samples failed (left out of the means)[/]")
    if result.run_id:
        console.print(f"stored as run {result.run_id}", highlight=False)


@app.command("simulate")
def simulate_command(
    scenario: Annotated[str, typer.Argument(help="Scenario file or bundled name.")] = "ukraine-2022",
    months: Annotated[
        int | None,
        typer.Option("--months", help="Months to simulate after the crisis (default: the scenario's survival.horizon_months)."),
    ] = None,
    ending: Annotated[
        str | None,
        typer.Option(
            "--ending",
            help="Fix the crisis ending (victory, stalemate, defeat, concession or settlement) instead of "
            "drawing it from the crisis equilibrium.",
        ),
    ] = None,
    share: Annotated[
        float | None,
        typer.Option("--share", help="With --ending settlement: the challenger's share of the stake (default 0.5)."),
    ] = None,
    samples: SamplesOption = 2_000,
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
    table_path: Annotated[
        Path | None,
        typer.Option("--table", help="Also write every month's row as CSV to this file (replaced atomically)."),
    ] = None,
    parents: Annotated[
        bool, typer.Option("--parents", help="Create the --table file's missing parent folders.")
    ] = False,
) -> None:
    """Month-by-month trajectories after the crisis: survival, hazards, reserves, discount, partners."""
    from rich.console import Console
    from rich.progress import Progress

    from brink.output import write_text
    from brink.runs.simulate import simulate
    from brink.scenario import load_scenario, resolve_scenario_source
    from brink.scenario.document import read_document_text

    check_model_options(solver, lam, samples=samples, seed=seed, chunk_size=chunk_size)
    if table_path is not None:
        _check_table_target(table_path, store_path, parents)
    sc = load_scenario(scenario, overrides or [])
    text = read_document_text(resolve_scenario_source(scenario))
    store = open_store(store_path, no_store)
    options: dict[str, Any] = {
        "months": months, "ending": ending, "share": share, "solver": solver, "lam": lam, "chunk_size": chunk_size,
        "memory": memory_bytes(memory), "store": store, "scenario_text": text,
    }
    # Ctrl-C: "run ID stored as interrupted", exit 130
    with reports_interrupt(), open_executor(executor, scheduler, workers) as ex:
        if samples > _PROGRESS_FROM and not as_json:
            with Progress(console=Console(stderr=True), transient=True) as bar:
                task = bar.add_task(f"{sc.name}", total=samples)
                result = simulate(sc, samples, seed, executor=ex,
                                  progress=lambda done, _total: bar.update(task, completed=done), **options)
        else:
            result = simulate(sc, samples, seed, executor=ex, **options)
    written = write_text(table_path, table_csv(result), parents=parents, option="--table") if table_path else None
    if as_json:
        echo_json(result.to_json())
        return
    console = Console()
    if not console.is_terminal:
        console.width = max(console.width, 160)
    _print(result, console)
    if written is not None:
        console.print(f"wrote the {len(result.table)} month rows to {written}", highlight=False)


def stored_simulation(argument: str, store_path: Path | None) -> Any:
    """The stored run (of a kind with a stored report: simulate, fit, backtest) that ``argument``
    names, or ``None`` when it is a scenario (a file or bundled name), for ``brink report RUN_ID``.

    Raises InputError when ``argument`` is neither a scenario nor a stored run, or names a
    run of another kind or one that did not complete.
    """
    from brink.errors import InputError
    from brink.scenario import resolve_scenario_source
    from brink.store import Store, default_store_path

    try:
        resolve_scenario_source(argument)
        return None
    except InputError as not_a_scenario:
        kept = (store_path if store_path is not None else default_store_path()).expanduser()
        if not kept.is_file() or re.fullmatch(r"[0-9a-f]{1,32}", argument) is None:
            raise  # not a run id, or no store to look in (and none is created for a typo)
        try:
            record = Store(kept).get_run(argument)
        except InputError:
            raise not_a_scenario from None
    from brink.report.document import STORED_REPORTS

    if record.kind not in STORED_REPORTS:
        raise InputError(
            f"run {record.id} is of kind {record.kind!r}; only {', '.join(STORED_REPORTS)} runs are reported "
            "from the store",
            argument,
            "report a scenario (brink report ukraine-2022) or a run of `brink simulate`, `brink fit` or "
            "`brink backtest`",
        )
    if record.status != "complete" or not record.summary or STORED_REPORTS[record.kind] not in record.summary:
        raise InputError(f"run {record.id} is {record.status}, without results to report", argument,
                         f"report a complete run (brink runs list --kind {record.kind})")
    return record


def report_stored_simulation(
    record: Any, output: Path, figures: Path | None, parents: bool
) -> dict[str, Any]:
    """Write the HTML report (and ``--figures``) of a stored ``simulate``, ``fit`` or ``backtest``
    run, drawn from its stored results (:func:`brink.report.document.build_stored_report`);
    nothing is re-run."""
    from brink.report.document import build_stored_report, write_figures, write_report

    summary = dict(record.summary)
    summary.setdefault("run_id", record.id)
    html, figs = build_stored_report(
        record.kind, summary, title=f"brink {record.kind}: {record.scenario_name} (run {record.id})",
        notes=[f"Stored run {record.id}, created {record.created}."],
    )
    path = write_report(output, html, parents=parents)
    written = write_figures(figures, figs, parents=parents) if figures is not None else []
    return {
        "run": record.id, "scenario": record.scenario_name, "output": str(path), "bytes": path.stat().st_size,
        "figures": sorted(figs), "figure_files": [str(f) for f in written],
    }
