"""``brink data ...``: tables built from the shared reference data sets.

``data icb`` builds the ICB crisis-actor table (:mod:`brink.history.icb`: International Crisis
Behavior v14 actors with their principal adversary, the system-level record and the same year
covariates) the same way, as table ``icb``.

``data crises`` builds the historical crisis table (:mod:`brink.history.crises`: directed
dyads of militarized disputes, GML MID 2.2.1, with capabilities, nuclear status, alliances,
regime, rivalry and leaders), prints a summary, and writes the table to Parquet or CSV
(``--out``) or into a DuckDB file (``--db``).  Every path is checked before anything is
built: ``--out`` goes through :mod:`brink.output` (atomic, never a special file), and
``--db`` is a new file or an existing DuckDB file, never another kind of file.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from brink.cli.application import app
from brink.cli.options import JsonOption, echo_json

if TYPE_CHECKING:
    import duckdb

data_app = typer.Typer(
    name="data",
    help="Tables built from the shared reference data sets (../shared).",
    no_args_is_help=True,
)
app.add_typer(data_app, name="data")

console = Console()

#: Bytes 8-11 of every DuckDB database file.
_DUCKDB_MAGIC = b"DUCK"
_FORMATS = {".parquet": "PARQUET", ".csv": "CSV"}


def _sql_path(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _check_out(out: Path, parents: bool) -> tuple[Path, str]:
    """The checked ``--out`` target and its DuckDB ``COPY`` format (from the suffix)."""
    from brink.errors import InputError
    from brink.output import check_target

    fmt = _FORMATS.get(out.suffix.lower())
    if fmt is None:
        raise InputError(
            f"unknown output format {out.suffix or '(no suffix)'!r}",
            str(out),
            "Name a .parquet or .csv file with --out",
        )
    return check_target(out, parents=parents, option="--out"), fmt


def _check_db(db: Path, parents: bool) -> tuple[Path, bool]:
    """The checked ``--db`` target and whether it exists (then it must be a DuckDB file)."""
    from brink.errors import InputError
    from brink.output import check_target

    target = check_target(db, parents=parents, option="--db")
    if not target.exists():
        return target, False
    try:
        with open(target, "rb") as fh:
            head = fh.read(16)
    except OSError as exc:
        raise InputError(f"cannot read it: {exc.strerror}", str(db), "Choose another --db") from None
    if head[8:12] != _DUCKDB_MAGIC:
        raise InputError(
            "is not a DuckDB file; it was not modified",
            str(db),
            "Give a new file name or an existing DuckDB database with --db",
        )
    return target, True


def _write_db(con: duckdb.DuckDBPyConnection, target: Path, exists: bool, parents: bool, table: str = "crises") -> None:
    """Copy table ``table`` into the DuckDB file ``target``: never into brink's run store, never over
    an existing table of that name."""
    import duckdb

    from brink.errors import InputError
    from brink.output import replacing

    def copy(path: Path) -> None:
        con.execute(f"ATTACH {_sql_path(path)} AS target_db")
        try:
            tables = {row[0] for row in con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_catalog = 'target_db'").fetchall()}
            marked = con.execute("SELECT count(*) FROM target_db.meta WHERE key = 'format' AND value = 'brink-store'"
                                 ).fetchone() if "meta" in tables else None
            if marked is not None and marked[0]:
                raise InputError(f"is brink's run store; the {table} table does not go into it (it was not modified)",
                                 str(target), "give another file with --db")
            if table in tables:
                raise InputError(f"already has a table named {table}; it was not modified", str(target),
                                 "drop that table first, or give another file with --db")
            con.execute(f"CREATE TABLE target_db.{table} AS SELECT * FROM {table}")
        finally:
            con.execute("DETACH target_db")

    try:
        if exists:
            copy(target)
        else:
            with replacing(target, parents=parents, option="--db") as tmp:
                copy(tmp)
    except duckdb.Error as exc:
        raise InputError(f"cannot write the table: {exc}", str(target), "Choose another --db") from None


def _print_summary(summary: dict[str, Any], shared: Path) -> None:
    head = Table(title=f"crisis table (GML MID 2.2.1 directed dyads, from {shared})", title_justify="left")
    head.add_column("measure")
    head.add_column("value", justify="right")
    head.add_row("rows (directed dyads A -> B)", str(summary["rows"]))
    head.add_row("disputes", str(summary["disputes"]))
    head.add_row("years", f"{summary['first_year']}-{summary['last_year']}")
    for key, words in (
        ("share_force_a", "share with force by A (hostlev_a >= 4)"),
        ("share_nuclear_a", "share with A nuclear"),
        ("share_nuclear_b", "share with B nuclear"),
        ("share_nuclear_any", "share with a nuclear side"),
        ("share_nuclear_both", "share with both sides nuclear"),
    ):
        head.add_row(words, f"{summary[key]:.3f}")
    console.print(head)
    decades = Table(title="rows by decade", title_justify="left")
    decades.add_column("decade")
    decades.add_column("rows", justify="right")
    for decade, count in summary["by_decade"].items():
        decades.add_row(f"{decade}s", str(count))
    console.print(decades)
    endings = Table(title="rows by ending (GML outcome)", title_justify="left")
    endings.add_column("ending")
    endings.add_column("rows", justify="right")
    for ending, count in summary["by_ending"].items():
        endings.add_row(ending, str(count))
    console.print(endings)


@data_app.command("crises")
def crises(
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Write the table to FILE.parquet or FILE.csv (replaced atomically)."),
    ] = None,
    db: Annotated[
        Path | None,
        typer.Option(
            "--db",
            help="Write the table as 'crises' into a DuckDB file (a new file or an existing DuckDB database).",
        ),
    ] = None,
    shared: Annotated[
        Path | None,
        typer.Option(
            "--shared",
            help="The reference data folder (default: $BRINK_SHARED, else ../shared beside the repository).",
        ),
    ] = None,
    parents: bool = typer.Option(False, "--parents", help="Create the output files' missing parent folders."),
    as_json: JsonOption = False,
) -> None:
    """Build the historical crisis table (directed dyads of militarized disputes, 1816-2010) and summarise it."""
    from brink.history.crises import build_crisis_table, crisis_summary

    summary, written, folder = _build_and_write("crises", build_crisis_table, crisis_summary, out, db, shared, parents)
    if as_json:
        echo_json({**summary, **({"written": written} if written else {})})
        return
    _print_summary(summary, folder)
    for key, path in written.items():
        console.print(f"wrote {summary['rows']} rows to {path}" + (" (table crises)" if key == "db" else ""))



def _build_and_write(
    table: str, build: Callable[[Any, Path], Any], summarise: Callable[[Any], dict[str, Any]],
    out: Path | None, db: Path | None, shared: Path | None, parents: bool,
) -> tuple[dict[str, Any], dict[str, str], Path]:
    """Build ``table`` from the reference data in an in-memory DuckDB, summarise it, and write it to
    ``out`` (Parquet/CSV, replaced atomically) and/or into ``db``; every target is checked first.
    Returns the summary, what was written where, and the data folder."""
    import duckdb

    from brink.history.crises import default_shared

    if out is not None and db is not None and out.expanduser().resolve() == db.expanduser().resolve():
        from brink.errors import InputError

        raise InputError(
            "--out and --db name the same file; one would overwrite the other",
            str(out),
            f"give two different files (e.g. --out {table}.parquet --db {table}.duckdb)",
        )
    out_target = _check_out(out, parents) if out is not None else None
    db_target = _check_db(db, parents) if db is not None else None
    folder = shared if shared is not None else default_shared()
    con = duckdb.connect()
    try:
        build(con, folder)
        summary = summarise(con)
        written: dict[str, str] = {}
        if out_target is not None:
            from brink.output import replacing

            target, fmt = out_target
            with replacing(target, parents=parents, option="--out") as tmp:
                con.execute(f"COPY {table} TO {_sql_path(tmp)} (FORMAT {fmt})")
            written["out"] = str(target)
        if db_target is not None:
            _write_db(con, db_target[0], db_target[1], parents, table=table)
            written["db"] = str(db_target[0])
    finally:
        con.close()
    return summary, written, folder

def _print_icb_summary(summary: dict[str, Any], shared: Path) -> None:
    head = Table(title=f"ICB table (ICB v14 crisis actors, from {shared})", title_justify="left")
    head.add_column("measure")
    head.add_column("value", justify="right")
    head.add_row("rows (crisis actors)", str(summary["rows"]))
    head.add_row("crises", str(summary["crises"]))
    head.add_row("years (actor's trigger)", f"{summary['first_year']}-{summary['last_year']}")
    head.add_row("challengers (rule in docs/icb-data.md)", str(summary["challengers"]))
    head.add_row("rows with a state adversary", str(summary["with_adversary"]))
    head.add_row("rows with COW capabilities of both", str(summary["with_cinc_both"]))
    head.add_row("rows with the actor's Archigos leader", str(summary["with_leader"]))
    console.print(head)
    for key, title in (("by_decade", "rows by decade"), ("by_outcome", "rows by ICB outcome (outcom)"),
                       ("by_form", "rows by form of outcome (outfor)"), ("by_ending", "rows by ending (brink's rule)")):
        table = Table(title=title, title_justify="left")
        table.add_column(key.removeprefix("by_"))
        table.add_column("rows", justify="right")
        for label, count in summary[key].items():
            table.add_row(f"{label}s" if key == "by_decade" else label, str(count))
        console.print(table)


@data_app.command("icb")
def icb(
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Write the table to FILE.parquet or FILE.csv (replaced atomically)."),
    ] = None,
    db: Annotated[
        Path | None,
        typer.Option("--db", help="Write the table as 'icb' into a DuckDB file (a new file or an existing DuckDB database)."),
    ] = None,
    shared: Annotated[
        Path | None,
        typer.Option(
            "--shared",
            help="The reference data folder (default: $BRINK_SHARED, else ../shared beside the repository).",
        ),
    ] = None,
    parents: bool = typer.Option(False, "--parents", help="Create the output files' missing parent folders."),
    as_json: JsonOption = False,
) -> None:
    """Build the ICB crisis-actor table (International Crisis Behavior v14, 1918-2017) with its covariates and summarise it."""
    from brink.history.icb import build_icb_table, icb_summary

    summary, written, folder = _build_and_write("icb", build_icb_table, icb_summary, out, db, shared, parents)
    if as_json:
        echo_json({**summary, **({"written": written} if written else {})})
        return
    _print_icb_summary(summary, folder)
    for key, path in written.items():
        console.print(f"wrote {summary['rows']} rows to {path}" + (" (table icb)" if key == "db" else ""))
