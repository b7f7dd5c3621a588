"""The historical crisis table (issue #14, item 1): counts and joins against the source files.

Every expected value is recomputed here from the source CSV files with the ``csv`` module
(never with DuckDB, which builds the table), so a wrong filter, join or coding rule in
:mod:`brink.history.crises` makes a test fail.  The known rows: the Cuban missile crisis
(MID 61, 1962, USA -> USSR), Kargil (1999, India -> Pakistan), Greece-Turkey disputes
inside NATO (ATOP defense pact from 1952).
"""

from __future__ import annotations

import csv
import json
import math
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pytest
import yaml

from brink.errors import InputError
from brink.history.crises import ENDINGS, crisis_table

pytestmark = pytest.mark.shared

PEACE = ("data", "peacescience")


def _rows(path: Path) -> Iterator[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        yield from csv.DictReader(fh)


def _i(text: str) -> int:
    return int(float(text))


@pytest.fixture(scope="module")
def table(shared_dir: Path) -> dict[str, np.ndarray[Any, Any]]:
    return crisis_table(shared_dir)


@pytest.fixture(scope="module")
def onsets(shared_dir: Path) -> dict[tuple[int, int, int], dict[str, str]]:
    """(dispnum, A, B) -> the dyad's first-year row of gml_dirdisp.csv, side A -> side B."""
    first: dict[tuple[int, int, int], dict[str, str]] = {}
    for row in _rows(shared_dir.joinpath(*PEACE, "gml_dirdisp.csv")):
        if _i(row["sidea1"]) != 1 or _i(row["sidea2"]) != 0:
            continue
        key = (_i(row["dispnum"]), _i(row["ccode1"]), _i(row["ccode2"]))
        if key not in first or _i(row["year"]) < _i(first[key]["year"]):
            first[key] = row
    return first


def _index(table: dict[str, np.ndarray[Any, Any]]) -> dict[tuple[int, int, int], int]:
    keys = zip(table["dispnum"], table["ccode_a"], table["ccode_b"], strict=True)
    return {(int(d), int(a), int(b)): i for i, (d, a, b) in enumerate(keys)}


def _row(table: dict[str, np.ndarray[Any, Any]], dispnum: int, a: int, b: int) -> dict[str, Any]:
    i = _index(table)[(dispnum, a, b)]
    return {name: column[i] for name, column in table.items()}


# ------------------------------------------------------------------------------- counts
def test_one_row_per_directed_dyad_and_dispute(
    table: dict[str, np.ndarray[Any, Any]], onsets: dict[tuple[int, int, int], dict[str, str]]
) -> None:
    assert set(_index(table)) == set(onsets)
    assert len(table["dispnum"]) == len(onsets) == len(_index(table))
    for key, i in _index(table).items():
        assert int(table["year"][i]) == _i(onsets[key]["year"])


def test_counts_per_decade_and_outcome_match_the_source(
    table: dict[str, np.ndarray[Any, Any]], onsets: dict[tuple[int, int, int], dict[str, str]],
    shared_dir: Path,
) -> None:
    decades = Counter(_i(r["year"]) // 10 * 10 for r in onsets.values())
    outcomes = Counter(_i(r["outcome"]) for r in onsets.values())
    assert Counter(int(y) // 10 * 10 for y in table["year"]) == decades
    assert Counter(int(o) for o in table["outcome"]) == outcomes
    assert Counter(str(e) for e in table["ending"]) == Counter(
        {ENDINGS[code]: n for code, n in outcomes.items()}
    )
    # Every dispute of the dispute-level file is in the table, with its outcome.
    disputes = {_i(r["dispnum"]): _i(r["outcome"]) for r in _rows(shared_dir.joinpath(*PEACE, "gml_mid_disps.csv"))}
    assert {int(d) for d in table["dispnum"]} == set(disputes)
    for d, o in zip(table["dispnum"], table["outcome"], strict=True):
        assert disputes[int(d)] == int(o)


def test_actions_and_derived_flags_follow_the_first_year_row(
    table: dict[str, np.ndarray[Any, Any]], onsets: dict[tuple[int, int, int], dict[str, str]]
) -> None:
    pairs = {"hiact_a": "hiact1", "hiact_b": "hiact2", "hostlev_a": "hostlev1", "hostlev_b": "hostlev2",
             "recip": "recip", "settle": "settle", "fatality": "fatality", "revstate_a": "revstate1",
             "revstate_b": "revstate2", "orig_a": "orig1", "orig_b": "orig2"}
    for key, i in _index(table).items():
        src = onsets[key]
        for col, field in pairs.items():
            assert int(table[col][i]) == _i(src[field]), (key, col)
        assert bool(table["force_a"][i]) == (_i(src["hostlev1"]) >= 4)
        assert bool(table["war"][i]) == (max(_i(src["hostlev1"]), _i(src["hostlev2"])) >= 5)


# -------------------------------------------------------------------------------- joins
def _nuclear_rule(shared_dir: Path) -> dict[int, tuple[int, int]]:
    """The stated rule, read here independently: Jo & Gartzke possession year, else the
    first test's year; South Africa until 1991."""
    facts = yaml.safe_load(shared_dir.joinpath("data", "facts", "nuclear_states.yaml").read_text())
    rule = {}
    for s in facts["states"]:
        first = s["possession_jo_gartzke"] or date.fromisoformat(str(s["first_test"])).year
        rule[int(s["ccode"])] = (int(first), 1991 if int(s["ccode"]) == 560 else 9999)
    return rule


def test_cuban_missile_crisis_and_kargil_have_both_sides_nuclear(
    table: dict[str, np.ndarray[Any, Any]], shared_dir: Path
) -> None:
    cuba = _row(table, 61, 2, 365)  # MID 61: USA -> USSR, 1962, ended in a Soviet yield
    assert cuba["year"] == 1962 and cuba["ending"] == "yield_b"
    assert cuba["nuclear_a"] and cuba["nuclear_b"]
    assert not _row(table, 61, 2, 40)["nuclear_b"]  # Cuba itself had no weapons of its own
    kargil = [i for i in range(len(table["year"]))
              if table["year"][i] == 1999 and {int(table["ccode_a"][i]), int(table["ccode_b"][i])} == {750, 770}]
    assert kargil
    rule = _nuclear_rule(shared_dir)
    assert rule[750][0] <= 1999 and rule[770][0] <= 1999
    for i in kargil:
        assert table["nuclear_a"][i] and table["nuclear_b"][i]


def test_nuclear_status_follows_the_stated_rule_everywhere(
    table: dict[str, np.ndarray[Any, Any]], shared_dir: Path
) -> None:
    rule = _nuclear_rule(shared_dir)

    def armed(code: int, year: int) -> bool:
        return code in rule and rule[code][0] <= year <= rule[code][1]

    years = table["year"]
    for side in ("a", "b"):
        expected = [armed(int(c), int(y)) for c, y in zip(table[f"ccode_{side}"], years, strict=True)]
        assert table[f"nuclear_{side}"].tolist() == expected
    early = years < 1945
    assert early.sum() > 1000
    assert not table["nuclear_a"][early].any() and not table["nuclear_b"][early].any()
    assert not table["umbrella_b"][early].any()
    # South Africa is non-nuclear after 1991 and North Korea only from 2006.
    assert not armed(560, 1992) and armed(560, 1985) and not armed(731, 2005) and armed(731, 2006)


def test_capabilities_regime_and_balance_equal_the_source(
    table: dict[str, np.ndarray[Any, Any]], shared_dir: Path
) -> None:
    cinc = {(_i(r["ccode"]), _i(r["year"])): float(r["cinc"])
            for r in _rows(shared_dir.joinpath(*PEACE, "cow_nmc.csv")) if r["cinc"]}
    dem = {(_i(r["ccode"]), _i(r["year"])): r for r in _rows(shared_dir.joinpath(*PEACE, "ccode_democracy.csv"))}
    for i in range(len(table["year"])):
        y = int(table["year"][i])
        ca, cb = cinc.get((int(table["ccode_a"][i]), y)), cinc.get((int(table["ccode_b"][i]), y))
        for got, want in ((table["cinc_a"][i], ca), (table["cinc_b"][i], cb)):
            assert (math.isnan(got) if want is None else got == pytest.approx(want, rel=1e-12))
        if ca is not None and cb is not None and ca + cb > 0:
            assert table["balance"][i] == pytest.approx(ca / (ca + cb), rel=1e-12)
        for side in ("a", "b"):
            src = dem.get((int(table[f"ccode_{side}"][i]), y))
            for col in ("polity2", "v2x_polyarchy"):
                want_text = src[col] if src else ""
                got = table[f"{col}_{side}"][i]
                assert math.isnan(got) if not want_text else got == pytest.approx(float(want_text))
    usa = _row(table, 61, 2, 365)
    assert usa["cinc_a"] == pytest.approx(cinc[(2, 1962)]) and usa["cinc_b"] == pytest.approx(cinc[(365, 1962)])


def test_defense_pacts_umbrella_and_rivalry_equal_the_source(
    table: dict[str, np.ndarray[Any, Any]], shared_dir: Path
) -> None:
    pacts = {(_i(r["ccode1"]), _i(r["ccode2"]), _i(r["year"]))
             for r in _rows(shared_dir.joinpath(*PEACE, "atop_alliance.csv")) if _i(r["atop_defense"]) == 1}
    rule = _nuclear_rule(shared_dir)
    nuclear = {(c, y) for c, (lo, hi) in rule.items() for y in range(lo, min(hi, 2010) + 1)}
    rivals = [(_i(r["ccode1"]), _i(r["ccode2"]), _i(r["styear"]), _i(r["endyear"]))
              for r in _rows(shared_dir.joinpath(*PEACE, "td_rivalries.csv"))]
    by_state: dict[tuple[int, int], set[int]] = {}
    for a, b, y in pacts:
        by_state.setdefault((a, y), set()).add(b)
    for i in range(len(table["year"])):
        a, b, y = int(table["ccode_a"][i]), int(table["ccode_b"][i]), int(table["year"][i])
        assert bool(table["defense_ab"][i]) == ((a, b, y) in pacts)
        umbrella = any(p != a and (p, y) in nuclear for p in by_state.get((b, y), ()))
        assert bool(table["umbrella_b"][i]) == umbrella
        rival = any({a, b} == {r1, r2} and lo <= y <= hi for r1, r2, lo, hi in rivals)
        assert bool(table["rivalry"][i]) == rival
    # A known pact: Greece and Turkey, NATO allies from 1952, in their disputes after that.
    nato = [i for i in range(len(table["year"]))
            if {int(table["ccode_a"][i]), int(table["ccode_b"][i])} == {350, 640} and table["year"][i] >= 1952]
    assert nato and all(table["defense_ab"][i] for i in nato)
    assert _row(table, 61, 2, 365)["rivalry"]  # USA-USSR, Thompson & Dreyer


def test_leaders_and_tenure_match_archigos(table: dict[str, np.ndarray[Any, Any]], shared_dir: Path) -> None:
    leaders = {r["obsid"]: r for r in _rows(shared_dir.joinpath(*PEACE, "archigos.csv"))}
    part = {(_i(r["ccode"]), _i(r["sidea"])): r for r in _rows(shared_dir.joinpath(*PEACE, "gml_part.csv"))
            if _i(r["dispnum"]) == 61}
    row = _row(table, 61, 2, 365)
    assert row["leader_a"] == part[(2, 1)]["obsid_start"] and leaders[row["leader_a"]]["leader"] == "Kennedy"
    assert row["leader_b"] == part[(365, 0)]["obsid_start"] and leaders[row["leader_b"]]["leader"] == "Khrushchev"
    for side, key in (("a", (2, 1)), ("b", (365, 0))):
        p = part[key]
        start = date(_i(p["styear"]), _i(p["stmon"]), _i(p["dummy_stday"]))
        took_office = date.fromisoformat(leaders[row[f"leader_{side}"]]["startdate"])
        assert row[f"tenure_{side}"] == pytest.approx((start - took_office).days / 365.25, abs=1e-9)
    assert 1.0 < row["tenure_a"] < 2.0  # Kennedy: inaugurated January 1961, crisis in 1962
    known = [v for v in table["leader_a"] if v is not None]
    assert len(known) > 0.9 * len(table["leader_a"]) and all(v in leaders for v in known)


def test_a_missing_source_file_is_named(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    with pytest.raises(InputError, match=r"gml_dirdisp\.csv"):
        crisis_table(tmp_path)
    with pytest.raises(InputError, match="does not exist"):
        crisis_table(tmp_path / "nowhere")


# ---------------------------------------------------------------------------------- CLI
def _brink(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[int, str, str]:
    from brink.cli import main

    monkeypatch.setattr(sys, "argv", ["brink", *args])
    code: int | str | None = 0
    try:
        main()
    except SystemExit as exc:
        code = exc.code
    captured = capsys.readouterr()
    return (0 if code is None else int(code)), captured.out, captured.err


def test_cli_writes_parquet_and_a_duckdb_table(
    tmp_path: Path, shared_dir: Path, table: dict[str, np.ndarray[Any, Any]],
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    out, db = tmp_path / "crises.parquet", tmp_path / "crises.duckdb"
    code, _, err = _brink(capsys, monkeypatch, "data", "crises", "--shared", str(shared_dir),
                          "--out", str(out), "--db", str(db))
    assert code == 0, err
    con = duckdb.connect()
    try:
        n = con.execute(f"SELECT count(*) FROM read_parquet('{out}')").fetchone()
    finally:
        con.close()
    assert n == (len(table["dispnum"]),)
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM crises").fetchone() == (len(table["dispnum"]),)


def test_cli_refuses_to_overwrite_a_file_that_is_not_duckdb(
    tmp_path: Path, shared_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    notes = tmp_path / "notes.duckdb"
    notes.write_text("my notes\n" * 10)
    code, _, err = _brink(capsys, monkeypatch, "data", "crises", "--shared", str(shared_dir), "--db", str(notes))
    assert code == 2 and "not a DuckDB file" in err and "Traceback" not in err
    assert notes.read_text() == "my notes\n" * 10
    code, _, err = _brink(capsys, monkeypatch, "data", "crises", "--shared", str(shared_dir),
                          "--out", str(tmp_path / "crises.xlsx"))
    assert code == 2 and ".xlsx" in err
    code, _, err = _brink(capsys, monkeypatch, "data", "crises", "--shared", str(tmp_path / "none"))
    assert code == 2 and "does not exist" in err


def test_cli_json_summary_equals_the_table_counts(
    shared_dir: Path, table: dict[str, np.ndarray[Any, Any]],
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    code, out, err = _brink(capsys, monkeypatch, "data", "crises", "--shared", str(shared_dir), "--json")
    assert code == 0, err
    summary = json.loads(out)
    n = len(table["dispnum"])
    assert summary["rows"] == n
    assert summary["disputes"] == len(set(table["dispnum"].tolist()))
    assert (summary["first_year"], summary["last_year"]) == (int(table["year"].min()), int(table["year"].max()))
    assert summary["by_decade"] == {str(k): v for k, v in sorted(Counter(int(y) // 10 * 10 for y in table["year"]).items())}
    assert summary["by_ending"] == dict(Counter(str(e) for e in table["ending"]))
    assert sum(summary["by_ending"].values()) == n
    assert summary["share_force_a"] == pytest.approx(table["force_a"].mean())
    both = table["nuclear_a"] & table["nuclear_b"]
    assert summary["share_nuclear_both"] == pytest.approx(both.mean())
    assert summary["share_nuclear_any"] == pytest.approx((table["nuclear_a"] | table["nuclear_b"]).mean())
