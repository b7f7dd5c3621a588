"""The historical crisis table: directed dyads of militarized disputes with their covariates.

Unit of observation: one directed dyad per dispute, from a state on side A (``sidea1 = 1``,
the side that took the first militarized action) to a state on side B, at the dyad's *first
year in the dispute* (the earliest year of the dyad in ``gml_dirdisp.csv``; every such year
is also a ``midonset = 1`` row, so the two readings of "onset" agree on which row is taken).
The unit is the one of the strategic-choice literature that fits crisis trees to disputes
(Signorino 1999; Lewis & Schultz 2003): an initiator and a target, each side's highest
action, and how the dispute ended.

Sources, all read from the shared reference data (never bundled):

* GML MID 2.2.1 (Gibler, Miller & Little 2016): ``gml_dirdisp.csv`` (directed dyad-years:
  actions, hostility levels, revisionism, outcome, settlement, fatalities, reciprocation)
  and ``gml_part.csv`` (participants: start dates and the Archigos leader in office then).
* COW National Material Capabilities v7 (Singer, Bremer & Stuckey 1972): ``cinc``.
* ATOP v5.1 (Leeds et al. 2002): defense pacts by dyad-year.
* Polity ``polity2`` and V-Dem ``v2x_polyarchy`` (``ccode_democracy.csv``).
* Thompson & Dreyer (2012) strategic rivalries.
* Archigos 4.1 (Goemans, Gleditsch & Chiozza 2009): leaders' start dates, for tenure.
* ``facts/nuclear_states.yaml``: nuclear status by year, one rule (:func:`nuclear_years`).

The joins run in DuckDB SQL over the CSV files (fast, and DuckDB is already a dependency).
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import yaml

from brink.errors import InputError

__all__ = [
    "ENDINGS",
    "NUCLEAR_UNTIL",
    "SOURCES",
    "build_crisis_table",
    "check_csv",
    "check_sources",
    "create_state_year_views",
    "crisis_summary",
    "crisis_table",
    "csv_relation",
    "default_shared",
    "nuclear_years",
    "source_paths",
    "table_arrays",
]

#: The GML/COW MID codebook's dispute outcome codes (``outcome``) and the ``ending`` label each
#: gets.  "A"/"B" are the dispute's sides, so in this table A is the initiator's side.
ENDINGS: dict[int, str] = {
    1: "victory_a",
    2: "victory_b",
    3: "yield_a",
    4: "yield_b",
    5: "stalemate",
    6: "compromise",
    7: "released",
    8: "unclear",
    9: "joins_war",
    -9: "missing",
}

#: Nuclear-armed states that gave their weapons up: COW code -> last nuclear-armed year.
#: South Africa dismantled its six devices 1989-1991 (the same rule as
#: ``scripts/derive_archigos_rates.py``).
NUCLEAR_UNTIL: dict[int, int] = {560: 1991}

#: The files the table is built from, relative to the shared folder.
SOURCES: dict[str, str] = {
    "dirdisp": "data/peacescience/gml_dirdisp.csv",
    "part": "data/peacescience/gml_part.csv",
    "nmc": "data/peacescience/cow_nmc.csv",
    "atop": "data/peacescience/atop_alliance.csv",
    "democracy": "data/peacescience/ccode_democracy.csv",
    "rivalries": "data/peacescience/td_rivalries.csv",
    "archigos": "data/peacescience/archigos.csv",
    "nuclear": "data/facts/nuclear_states.yaml",
}

_FIX = (
    "Lay the reference data sets out as ../shared beside the repository, set BRINK_SHARED, "
    "or pass --shared DIR"
)


def default_shared() -> Path:
    """Where the reference data sets are: ``$BRINK_SHARED``; else ``../shared`` seen from the
    working folder (the repository root) or from the repository this module sits in (the
    layout ``tests/conftest.py`` uses).  The first that has a ``data`` folder wins; if none
    has, the first candidate is returned so that the error names it."""
    env = os.environ.get("BRINK_SHARED")
    if env:
        return Path(env)
    candidates = [Path.cwd().parent / "shared", Path(__file__).resolve().parents[3].parent / "shared"]
    for candidate in candidates:
        if (candidate / "data").is_dir():
            return candidate
    return candidates[0]


def source_paths(shared: Path, sources: dict[str, str] | None = None) -> dict[str, Path]:
    """The source files (default :data:`SOURCES`) under ``shared``; :class:`InputError`
    naming the first one missing."""
    if not shared.is_dir():
        raise InputError("the reference data folder does not exist", str(shared), _FIX)
    paths = {key: shared / rel for key, rel in (SOURCES if sources is None else sources).items()}
    for path in paths.values():
        if not path.is_file():
            raise InputError("a source file of the reference data is missing", str(path), _FIX)
    return paths


def nuclear_years(path: Path) -> dict[int, tuple[int, int | None]]:
    """COW code -> (first nuclear-armed year, last one or ``None``) from ``nuclear_states.yaml``.

    One rule (Jo & Gartzke 2007): a state is nuclear-armed from its possession year, or where
    Jo & Gartzke give none (North Korea) from the year of its first test (2006); South Africa
    only until 1991 (:data:`NUCLEAR_UNTIL`).  This replicates ``nuclear_years`` of
    ``scripts/derive_archigos_rates.py`` (a script, not importable from the package).
    """
    try:
        facts = yaml.safe_load(path.read_text(encoding="utf-8"))
        states: dict[int, tuple[int, int | None]] = {}
        for state in facts["states"]:
            first = state["possession_jo_gartzke"]
            if first is None:
                first = date.fromisoformat(str(state["first_test"])).year
            code = int(state["ccode"])
            states[code] = (int(first), NUCLEAR_UNTIL.get(code))
    except (OSError, yaml.YAMLError, KeyError, TypeError, ValueError) as exc:
        raise InputError(f"cannot read the nuclear states: {exc}", str(path), _FIX) from None
    return states


#: Files already checked by :func:`check_csv`, by (path, size, modification time).
_CHECKED: set[tuple[str, int, int]] = set()


def _damaged(path: Path, line: int | None, what: str) -> InputError:
    where = f"{path}:{line}" if line is not None else str(path)
    return InputError(
        f"damaged reference data: {what}; no table was built from it",
        where,
        "Restore the file from its source (the data set's release) or from a copy, then run the command again",
    )


def check_csv(path: Path) -> None:
    """Refuse a damaged CSV before DuckDB reads it, naming the file and line.

    DuckDB's reader guesses a damaged file's layout rather than refusing it: random bytes
    end in sniffing or binder errors, and a file cut mid-line builds a smaller table
    without a word.  So every file must be UTF-8 text without NUL bytes, end with an end of
    line (a file cut short does not), have a header of column names, and have as many
    fields on every row as in its header (quoted fields read as RFC 4180 says).  Checked
    once per file version (size and modification time).
    """
    import csv
    import io
    import re

    try:
        info = path.stat()
        key = (str(path), info.st_size, info.st_mtime_ns)
        if key in _CHECKED:
            return
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read the file: {exc.strerror}", str(path), _FIX) from None
    if not data:
        raise _damaged(path, 1, "the file is empty")
    if b"\0" in data:
        line = data[: data.index(b"\0")].count(b"\n") + 1
        raise _damaged(path, line, "a NUL byte: this is not a text CSV file")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise _damaged(path, line, f"bytes that are not UTF-8 text (at byte {exc.start:,})") from None
    header_end = text.find("\n")
    if header_end < 0:
        raise _damaged(path, 1, "the file is cut in its header line (no end of line after it)")
    names = next(csv.reader([text[:header_end].rstrip("\r")]))
    bad = [n for n in names if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]*", n.strip())]
    if len(names) < 2 or bad:
        raise _damaged(path, 1, f"the header is not a list of column names ({(bad or names)[0][:40]!r})")
    if not text.endswith("\n"):
        raise _damaged(
            path, text.count("\n") + 1, "the last line has no end of line: the file is cut short (mid-line)"
        )
    width = len(names)
    if '"' in text:
        reader = csv.reader(io.StringIO(text))
        for row in reader:
            if row and len(row) != width:
                raise _damaged(path, reader.line_num, f"a row of {len(row)} fields, the header has {width}")
    else:
        commas = width - 1
        for number, line_text in enumerate(text.split("\n")[:-1], start=1):
            if line_text.count(",") != commas and line_text.strip():
                raise _damaged(path, number, f"a row of {line_text.count(',') + 1} fields, the header has {width}")
    _CHECKED.add(key)


def check_sources(paths: dict[str, Path]) -> None:
    """:func:`check_csv` on every ``.csv`` of ``paths`` (the files :func:`source_paths` gives)."""
    for path in paths.values():
        if path.suffix.lower() == ".csv":
            check_csv(path)


def csv_relation(path: Path) -> str:
    """A ``read_csv_auto`` call on ``path`` as SQL text (the path quoted)."""
    quoted = str(path).replace("'", "''")
    return f"read_csv_auto('{quoted}', header = true)"


_INT = "CAST({0} AS INTEGER)"


def create_state_year_views(con: duckdb.DuckDBPyConnection, paths: dict[str, Path]) -> None:
    """Create the state-year readers of the shared data in ``con``, as temporary tables/views.

    Shared by the crisis table and by a scenario's ``from_data:`` fill
    (:mod:`brink.history.actors`), so that both read capabilities, nuclear status, defense
    pacts, regimes and leaders by the same rules:

    * ``_nuclear (ccode, first_year, last_year)``: :func:`nuclear_years` (Jo & Gartzke 2007);
    * ``_atop (ccode1, ccode2, year)``: ATOP v5.1 dyad-years with a defense obligation;
    * ``_nmc (ccode, year, cinc)``: COW NMC v7 composite index of national capability;
    * ``_dem (ccode, year, polity2, v2x_polyarchy)``: Polity and V-Dem;
    * ``_archigos (obsid, gwcode, leader, startdate, enddate)``: Archigos 4.1 (GW codes).

    ``paths`` maps the keys of :data:`SOURCES` to files (:func:`source_paths`).
    """
    nuclear = nuclear_years(paths["nuclear"])
    con.execute("CREATE OR REPLACE TEMP TABLE _nuclear (ccode INTEGER, first_year INTEGER, last_year INTEGER)")
    con.executemany(
        "INSERT INTO _nuclear VALUES (?, ?, ?)",
        [[code, first, last] for code, (first, last) in sorted(nuclear.items())],
    )
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _atop AS
        SELECT CAST(ccode1 AS INTEGER) AS ccode1, CAST(ccode2 AS INTEGER) AS ccode2,
               CAST(year AS INTEGER) AS year
        FROM {csv_relation(paths["atop"])} WHERE atop_defense = 1
    """)
    con.execute(f"""
        CREATE OR REPLACE TEMP VIEW _nmc AS
        SELECT CAST(ccode AS INTEGER) AS ccode, CAST(year AS INTEGER) AS year,
               CAST(cinc AS DOUBLE) AS cinc FROM {csv_relation(paths["nmc"])}
    """)
    con.execute(f"""
        CREATE OR REPLACE TEMP VIEW _dem AS
        SELECT CAST(ccode AS INTEGER) AS ccode, CAST(year AS INTEGER) AS year,
               CAST(polity2 AS DOUBLE) AS polity2, CAST(v2x_polyarchy AS DOUBLE) AS v2x_polyarchy
        FROM {csv_relation(paths["democracy"])}
    """)
    con.execute(f"""
        CREATE OR REPLACE TEMP VIEW _archigos AS
        SELECT CAST(obsid AS VARCHAR) AS obsid, CAST(CAST(gwcode AS DOUBLE) AS INTEGER) AS gwcode,
               CAST(leader AS VARCHAR) AS leader, CAST(startdate AS DATE) AS startdate,
               CAST(enddate AS DATE) AS enddate
        FROM {csv_relation(paths["archigos"])}
    """)


def build_crisis_table(con: duckdb.DuckDBPyConnection, shared: Path) -> None:
    """Create (or replace) table ``crises`` in ``con`` from the data sets under ``shared``.

    One row per directed dyad per dispute, side A -> side B, at the dyad's first year in the
    dispute; the columns and their coding rules are in ``docs/crisis-data.md``.  The source
    files are read through temporary views, so a file database gets the ``crises`` table
    only.

    Raises:
        InputError: ``shared`` or one of the source files is missing.
    """
    paths = source_paths(shared)
    check_sources(paths)
    codes = ("dispnum", "ccode1", "ccode2", "year", "hiact1", "hiact2", "hostlev1", "hostlev2",
             "recip", "outcome", "settle", "fatality", "revstate1", "revstate2", "orig1", "orig2")
    casts = ", ".join(f"{_INT.format(c)} AS {c}" for c in codes)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _dyads AS
        SELECT * EXCLUDE (k) FROM (
            SELECT {casts},
                   row_number() OVER (PARTITION BY dispnum, ccode1, ccode2 ORDER BY year) AS k
            FROM {csv_relation(paths["dirdisp"])}
            WHERE sidea1 = 1 AND sidea2 = 0
        ) WHERE k = 1
    """)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _part AS
        SELECT CAST(dispnum AS INTEGER) AS dispnum, CAST(ccode AS INTEGER) AS ccode,
               CAST(sidea AS INTEGER) AS sidea, CAST(styear AS INTEGER) AS styear,
               make_date(CAST(styear AS BIGINT), CAST(stmon AS BIGINT),
                         CAST(dummy_stday AS BIGINT)) AS start_date,
               CAST(obsid_start AS VARCHAR) AS obsid_start
        FROM {csv_relation(paths["part"])}
    """)
    create_state_year_views(con, paths)
    con.execute(f"""
        CREATE OR REPLACE TEMP VIEW _rivals AS
        SELECT CAST(ccode1 AS INTEGER) AS ccode1, CAST(ccode2 AS INTEGER) AS ccode2,
               CAST(styear AS INTEGER) AS styear, CAST(endyear AS INTEGER) AS endyear
        FROM {csv_relation(paths["rivalries"])}
    """)
    # The participant spell of each side: same dispute, state and side, the latest one that
    # began in or before the dyad's first year (else the earliest).
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _spells AS
        SELECT * EXCLUDE (k) FROM (
            SELECT d.dispnum, d.ccode1, d.ccode2, s.side, p.obsid_start, p.start_date,
                   row_number() OVER (
                       PARTITION BY d.dispnum, d.ccode1, d.ccode2, s.side
                       ORDER BY (p.styear <= d.year) DESC,
                                CASE WHEN p.styear <= d.year THEN -epoch(p.start_date)
                                     ELSE epoch(p.start_date) END
                   ) AS k
            FROM _dyads d
            CROSS JOIN (VALUES (1), (0)) AS s(side)
            JOIN _part p
              ON p.dispnum = d.dispnum AND p.sidea = s.side
             AND p.ccode = CASE WHEN s.side = 1 THEN d.ccode1 ELSE d.ccode2 END
        ) WHERE k = 1
    """)
    cases = " ".join(f"WHEN {code} THEN '{label}'" for code, label in ENDINGS.items())
    con.execute(f"""
        CREATE OR REPLACE TABLE crises AS
        SELECT
            d.dispnum, d.year, d.ccode1 AS ccode_a, d.ccode2 AS ccode_b,
            d.hiact1 AS hiact_a, d.hiact2 AS hiact_b,
            d.hostlev1 AS hostlev_a, d.hostlev2 AS hostlev_b,
            d.recip, d.outcome,
            CASE d.outcome {cases} ELSE 'missing' END AS ending,
            d.settle, d.fatality,
            d.revstate1 AS revstate_a, d.revstate2 AS revstate_b,
            d.orig1 AS orig_a, d.orig2 AS orig_b,
            d.hostlev1 >= 4 AS force_a,
            greatest(d.hostlev1, d.hostlev2) >= 5 AS war,
            na.cinc AS cinc_a, nb.cinc AS cinc_b,
            CASE WHEN na.cinc + nb.cinc > 0 THEN na.cinc / (na.cinc + nb.cinc) END AS balance,
            EXISTS (SELECT 1 FROM _nuclear n WHERE n.ccode = d.ccode1
                    AND d.year BETWEEN n.first_year AND coalesce(n.last_year, 9999)) AS nuclear_a,
            EXISTS (SELECT 1 FROM _nuclear n WHERE n.ccode = d.ccode2
                    AND d.year BETWEEN n.first_year AND coalesce(n.last_year, 9999)) AS nuclear_b,
            EXISTS (SELECT 1 FROM _atop t WHERE t.ccode1 = d.ccode1 AND t.ccode2 = d.ccode2
                    AND t.year = d.year) AS defense_ab,
            EXISTS (SELECT 1 FROM _atop t JOIN _nuclear n ON n.ccode = t.ccode2
                    WHERE t.ccode1 = d.ccode2 AND t.ccode2 <> d.ccode1 AND t.year = d.year
                    AND d.year BETWEEN n.first_year AND coalesce(n.last_year, 9999)) AS umbrella_b,
            da.polity2 AS polity2_a, db.polity2 AS polity2_b,
            da.v2x_polyarchy AS v2x_polyarchy_a, db.v2x_polyarchy AS v2x_polyarchy_b,
            EXISTS (SELECT 1 FROM _rivals r
                    WHERE least(r.ccode1, r.ccode2) = least(d.ccode1, d.ccode2)
                    AND greatest(r.ccode1, r.ccode2) = greatest(d.ccode1, d.ccode2)
                    AND d.year BETWEEN r.styear AND r.endyear) AS rivalry,
            sa.obsid_start AS leader_a, sb.obsid_start AS leader_b,
            date_diff('day', la.startdate, sa.start_date) / 365.25 AS tenure_a,
            date_diff('day', lb.startdate, sb.start_date) / 365.25 AS tenure_b
        FROM _dyads d
        LEFT JOIN _nmc na ON na.ccode = d.ccode1 AND na.year = d.year
        LEFT JOIN _nmc nb ON nb.ccode = d.ccode2 AND nb.year = d.year
        LEFT JOIN _dem da ON da.ccode = d.ccode1 AND da.year = d.year
        LEFT JOIN _dem db ON db.ccode = d.ccode2 AND db.year = d.year
        LEFT JOIN _spells sa ON sa.dispnum = d.dispnum AND sa.ccode1 = d.ccode1
             AND sa.ccode2 = d.ccode2 AND sa.side = 1
        LEFT JOIN _spells sb ON sb.dispnum = d.dispnum AND sb.ccode1 = d.ccode1
             AND sb.ccode2 = d.ccode2 AND sb.side = 0
        LEFT JOIN _archigos la ON la.obsid = sa.obsid_start
        LEFT JOIN _archigos lb ON lb.obsid = sb.obsid_start
        ORDER BY d.dispnum, d.ccode1, d.ccode2
    """)
    for name in ("_nuclear", "_dyads", "_part", "_atop", "_spells"):
        con.execute(f"DROP TABLE IF EXISTS {name}")
    for name in ("_nmc", "_dem", "_rivals", "_archigos"):
        con.execute(f"DROP VIEW IF EXISTS {name}")


def _column(values: Any, kind: str) -> np.ndarray[Any, Any]:
    """A DuckDB column (possibly masked for NULLs) as a plain numpy array.

    Integers and booleans without NULLs keep their type; a numeric column with NULLs becomes
    float64 with NaN; text becomes an object array with ``None``.
    """
    if kind == "VARCHAR":
        if isinstance(values, np.ma.MaskedArray):
            out = np.asarray(values.data, dtype=object)
            out[np.ma.getmaskarray(values)] = None
            return out
        return np.asarray(values, dtype=object)
    if isinstance(values, np.ma.MaskedArray):
        if np.ma.getmaskarray(values).any():
            return np.asarray(np.ma.filled(values.astype(np.float64), np.nan))
        values = values.data
    if kind == "BOOLEAN":
        return np.asarray(values, dtype=bool)
    if kind in ("INTEGER", "BIGINT"):
        return np.asarray(values, dtype=np.int64)
    return np.asarray(values, dtype=np.float64)


def crisis_table(shared: Path | None = None) -> dict[str, np.ndarray[Any, Any]]:
    """The crisis table as arrays, one per column, rows ordered by dispute, A and B.

    Built in an in-memory DuckDB from the data sets under ``shared`` (default:
    :func:`default_shared`).

    Raises:
        InputError: the data folder or one of its source files is missing.
    """
    return table_arrays("crises", build_crisis_table, shared)


def table_arrays(
    table: str, build: Callable[[duckdb.DuckDBPyConnection, Path], object], shared: Path | None = None
) -> dict[str, np.ndarray[Any, Any]]:
    """Table ``table``, built by ``build(con, folder)`` in an in-memory DuckDB from the data under
    ``shared`` (default: :func:`default_shared`), as arrays, one per column."""
    con = duckdb.connect()
    try:
        build(con, default_shared() if shared is None else shared)
        kinds = {row[0]: str(row[1]) for row in con.execute(f"DESCRIBE {table}").fetchall()}
        raw = con.execute(f"SELECT * FROM {table}").fetchnumpy()
    finally:
        con.close()
    return {name: _column(raw[name], kind) for name, kind in kinds.items()}


def crisis_summary(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Counts of table ``crises`` in ``con``: rows, disputes, years, rows by decade and by
    ending, and the shares of rows with force by A, with a nuclear side and with both."""
    rows = con.execute(
        "SELECT dispnum, year, ending, force_a, nuclear_a, nuclear_b FROM crises"
    ).fetchall()
    if not rows:
        raise InputError("the crisis table is empty", "crises", "Check the source files")
    n = len(rows)
    decades = Counter(int(r[1]) // 10 * 10 for r in rows)
    endings = Counter(str(r[2]) for r in rows)
    return {
        "rows": n,
        "disputes": len({r[0] for r in rows}),
        "first_year": min(int(r[1]) for r in rows),
        "last_year": max(int(r[1]) for r in rows),
        "by_decade": {str(k): decades[k] for k in sorted(decades)},
        "by_ending": {label: endings[label] for label in ENDINGS.values() if endings[label]},
        "share_force_a": sum(bool(r[3]) for r in rows) / n,
        "share_nuclear_a": sum(bool(r[4]) for r in rows) / n,
        "share_nuclear_b": sum(bool(r[5]) for r in rows) / n,
        "share_nuclear_any": sum(bool(r[4]) or bool(r[5]) for r in rows) / n,
        "share_nuclear_both": sum(bool(r[4]) and bool(r[5]) for r in rows) / n,
    }
