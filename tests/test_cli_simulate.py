"""`brink simulate`: the printed table, --json, --table CSV, the stored run, bad input, determinism."""

from __future__ import annotations

import csv
import itertools
import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest
from brink_in_process import invoke

from brink.cli.simulate import report_stored_simulation, stored_simulation
from brink.runs.simulate import SimulationResult, simulate
from brink.scenario import load_scenario

SMALL = ["ukraine-2022", "-n", "256", "--months", "12", "--ending", "stalemate", "--seed", "5"]


def brink_out(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *args: str) -> str:
    """Standard output of ``brink ARGS`` through the real entry point (exit status 0 asserted)."""
    from brink.cli import main

    monkeypatch.setattr(sys, "argv", ["brink", *args])
    code: Any = 0
    try:
        main()
    except SystemExit as exc:
        code = exc.code
    captured = capsys.readouterr()
    assert code in (0, None), captured.err
    return captured.out


@pytest.fixture(scope="module")
def direct() -> SimulationResult:
    """The same simulation as ``SMALL``, by the library."""
    return simulate(load_scenario("ukraine-2022", []), 256, 5, months=12, ending="stalemate")


def month_rows(out: str) -> dict[int, list[str]]:
    """The printed table's rows by month (cells stripped)."""
    rows: dict[int, list[str]] = {}
    for line in out.splitlines():
        cells = [c.strip() for c in line.split("│")[1:-1]]
        if cells and cells[0].isdigit():
            rows[int(cells[0])] = cells
    return rows


def test_printed_table_matches_the_library(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, direct: SimulationResult
) -> None:
    out = brink_out(capsys, monkeypatch, "simulate", *SMALL, "--no-store")
    rows = month_rows(out)
    assert sorted(rows) == [1, 3, 6, 12]
    for m, cells in rows.items():
        row = direct.table[m - 1]
        assert cells[1] == f"{row['in_office']:.3f}"
        assert cells[2] == f"{row['in_office_p05']:.3f}-{row['in_office_p95']:.3f}"
        assert cells[3] == f"{100 * row['domestic_hazard']:.3f}%"  # type: ignore[operator]
        assert cells[5] == f"{row['reserves_usd_bn_p50']:.1f}"
        assert cells[-1] == f"{row['support.SAU']:.3f}"
    assert rows[12][1] == f"{direct.table[11]['in_office']:.3f}"
    assert "ukraine-2022: 256 samples, seed 5" in out and "crisis ending fixed: stalemate" in out
    assert "stalemate 100.0%" in out and "stored as run" not in out


def test_json_round_trip_and_survival_identities(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, direct: SimulationResult
) -> None:
    out = json.loads(brink_out(capsys, monkeypatch, "simulate", *SMALL, "--no-store", "--json"))
    assert out == json.loads(json.dumps(direct.to_json()))
    table = out["table"]
    assert len(table) == 12 and [r["month"] for r in table] == list(range(1, 13))
    # the survival curve obeys S(t+1) = S(t) (1 - h_domestic(t) - h_foreign(t)) with the
    # population hazards E[S h] / E[S] (competing risks, one month at a time)
    for a, b in itertools.pairwise(table):
        assert b["in_office"] == pytest.approx(a["in_office"] * (1 - a["domestic_hazard"] - a["foreign_hazard"]), abs=1e-9)
    last = table[-1]
    s = out["summary"]
    assert s["survival"] == pytest.approx(last["in_office"] * (1 - last["domestic_hazard"] - last["foreign_hazard"]), abs=1e-9)
    assert s["survival"] + s["domestic_removal"] + s["foreign_removal"] == pytest.approx(1.0, abs=1e-9)
    assert out["endings"]["stalemate"] == 1.0 and out["run_id"] is None


def test_table_csv_has_every_month(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, direct: SimulationResult, tmp_path: Path
) -> None:
    target = tmp_path / "months.csv"
    out = brink_out(capsys, monkeypatch, "simulate", *SMALL, "--no-store", "--table", str(target))
    assert f"wrote the 12 month rows to {target}" in out
    with target.open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 12
    for got, want in zip(rows, direct.table, strict=True):
        assert set(got) == set(want)
        for k, v in want.items():
            assert (got[k] == "") if v is None else float(got[k]) == v, k


def test_table_refuses_a_directory_and_the_store(tmp_path: Path) -> None:
    store = tmp_path / "runs.duckdb"
    code, err = invoke(["simulate", *SMALL, "--table", str(tmp_path)])
    assert code == 2 and "is a directory" in err and "--table" in err and "Traceback" not in err
    code, err = invoke(["simulate", *SMALL, "--store", str(store), "--table", str(store)])
    assert code == 2 and "run store itself" in err
    assert not store.exists()  # refused before anything ran or was stored
    code, err = invoke(["simulate", *SMALL, "--no-store", "--table", str(tmp_path / "no" / "t.csv")])
    assert code == 2 and "does not exist" in err


def test_stored_run_lists_as_simulate(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, direct: SimulationResult, tmp_path: Path
) -> None:
    from brink.store import Store

    store = tmp_path / "runs.duckdb"
    out = json.loads(brink_out(capsys, monkeypatch, "simulate", *SMALL, "--store", str(store), "--json"))
    run_id = out["run_id"]
    assert isinstance(run_id, str)
    listed = json.loads(brink_out(capsys, monkeypatch, "runs", "list", "--store", str(store), "--json"))
    assert [(r["id"], r["kind"], r["status"]) for r in listed] == [(run_id, "simulate", "complete")]
    record = Store(store).get_run(run_id)
    assert record.summary is not None and record.summary["table"] == json.loads(json.dumps(direct.table))
    assert record.n_samples == 256 and record.parameters["ending"] == "stalemate"
    printed = brink_out(capsys, monkeypatch, "simulate", *SMALL, "--store", str(store))
    assert "stored as run " in printed
    # the report of the stored run (brink report RUN_ID) draws the survival figure from its table
    found = stored_simulation(run_id, store)
    assert found.id == run_id
    written = report_stored_simulation(found, tmp_path / "r.html", tmp_path / "figs", False)
    html = (tmp_path / "r.html").read_text()
    assert written["figures"] == ["discount", "reserves", "support", "survival"]
    survival = re.search(r'class="brink-figure"[^>]*data-name="survival">(.*?)</script>', html, re.S)
    assert survival is not None
    upper = next(t for t in json.loads(survival.group(1))["data"] if t["name"] == "in office 95%")
    assert upper["y"] == [r["in_office_p95"] for r in direct.table]
    assert len(written["figure_files"]) == 8


def test_report_argument_is_a_scenario_or_a_simulate_run(tmp_path: Path) -> None:
    from brink import __version__
    from brink.errors import InputError
    from brink.store import Store

    assert stored_simulation("ukraine-2022", None) is None
    missing = tmp_path / "none.duckdb"
    with pytest.raises(InputError, match="no scenario named 'abc123'"):
        stored_simulation("abc123", missing)
    assert not missing.exists()  # a typo does not create a store
    store = Store(tmp_path / "runs.duckdb")
    other = store.begin_run("run", "ukraine-2022", "x", 0, __version__, {})
    store.finish_run(other, {"outcomes": {}})
    with pytest.raises(InputError, match="of kind 'run'"):
        stored_simulation(other, store.path)


@pytest.mark.parametrize(
    ("args", "message", "where"),
    [
        (["fearon-1995"], "has no post-war game", "fearon-1995.yaml"),
        (["ukraine-2022", "--ending", "armistice"], "unknown crisis ending 'armistice'", "--ending"),
        (["ukraine-2022", "--months", "0"], "outside 1..", "--months"),
        (["ukraine-2022", "--ending", "stalemate", "--share", "0.4"], "needs --ending settlement", "--share"),
        (["ukraine-2022", "--ending", "settlement", "--share", "1.5"], "in [0, 1]", "--share"),
        (["ukraine-2022", "--months", "100000"], "outside 1..", "--months"),
        (["no-such-scenario"], "no-such-scenario", "no-such-scenario"),
    ],
)
def test_bad_input_exits_2_with_a_located_message(args: list[str], message: str, where: str) -> None:
    code, err = invoke(["simulate", *args, "-n", "16", "--no-store"])
    assert code == 2, err
    assert err.startswith("error:") and message in err and where in err and "Traceback" not in err


def test_drawn_endings_are_a_distribution(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    out = json.loads(brink_out(capsys, monkeypatch, "simulate", "ukraine-2022", "-n", "200", "--months", "6",
                               "--no-store", "--json"))
    shares = [v for k, v in out["endings"].items() if k != "nuclear_use"]
    assert sum(shares) == pytest.approx(1.0, abs=1e-9) and out["ending"] is None
    text = brink_out(capsys, monkeypatch, "simulate", "ukraine-2022", "-n", "200", "--months", "6", "--no-store")
    assert "crisis ending drawn from the crisis equilibrium" in text


def test_chunk_size_does_not_change_the_output(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    args = ["simulate", "ukraine-2022", "-n", "3000", "--months", "24", "--ending", "defeat", "--no-store"]
    small = brink_out(capsys, monkeypatch, *args, "--chunk-size", "1024")
    large = brink_out(capsys, monkeypatch, *args, "--chunk-size", "2048")
    assert small == large and sorted(month_rows(small)) == [1, 3, 6, 12, 18, 24]
    as_json = [json.loads(brink_out(capsys, monkeypatch, *args, "--json", "--chunk-size", c)) for c in ("1024", "2048")]
    assert as_json[0] == as_json[1]


@pytest.mark.slow
def test_chunk_size_does_not_change_drawn_endings(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """With the ending drawn from the crisis equilibrium (its own random stream, chunked too)."""
    args = ["simulate", "ukraine-2022", "-n", "3000", "--months", "24", "--no-store", "--json"]
    small, large = (json.loads(brink_out(capsys, monkeypatch, *args, "--chunk-size", c)) for c in ("1024", "2048"))
    assert small == large and small["ending"] is None


def test_a_fixed_settlement_is_its_own_ending(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """--ending settlement starts the post-war game from the settlement itself (issue 22): every sample
    a settlement, none a victory or concession, and the share it gives moves the leader's fate."""
    base = ["simulate", "ukraine-2022", "-n", "64", "--months", "12", "--ending", "settlement", "--no-store", "--json",
            "--set", "survival.announced_aims=0.8"]
    low, high = (json.loads(brink_out(capsys, monkeypatch, *base, "--share", x)) for x in ("0.1", "0.8"))
    assert low["endings"]["settlement"] == 1.0 and low["endings"]["victory"] == 0.0
    assert low["endings"]["concession"] == 0.0
    assert low["summary"]["domestic_removal"] > high["summary"]["domestic_removal"]
    text = brink_out(capsys, monkeypatch, *base[:-3])
    assert "crisis ending fixed: settlement" in text and "settlement 100.0%" in text


def test_survival_given_each_ending_obeys_the_law_of_total_probability(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 22's conditional metric: survival given each ending drawn, weighted by the endings' shares,
    is the survival; with the ending fixed it is the survival itself."""
    out = json.loads(brink_out(capsys, monkeypatch, "simulate", "ukraine-2022", "-n", "300", "--months", "12",
                               "--no-store", "--json"))
    given, shares = out["survival_given"], out["endings"]
    assert any(v is not None for v in given.values())
    total = sum(shares[k] * v for k, v in given.items() if v is not None)
    assert total == pytest.approx(out["summary"]["survival"], abs=1e-9)
    assert all(given[k] is None for k, v in shares.items() if k != "nuclear_use" and v == 0.0)
    fixed = json.loads(brink_out(capsys, monkeypatch, "simulate", *SMALL, "--no-store", "--json"))
    assert fixed["survival_given"]["stalemate"] == pytest.approx(fixed["summary"]["survival"], abs=1e-12)
    assert fixed["survival_given"]["defeat"] is None
