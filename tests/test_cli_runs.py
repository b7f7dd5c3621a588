"""``brink runs ...`` and ``brink sweep`` from the command line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pytest
from typer.testing import CliRunner

import brink.cli.runs
from brink.cli import app
from brink.store import Store

ROOT = Path(__file__).resolve().parents[1]
BRINK = Path(sys.executable).parent / "brink"
runner = CliRunner()


@pytest.fixture
def filled(tmp_path: Path) -> tuple[Path, str, str]:
    path = tmp_path / "runs.duckdb"
    store = Store(path)
    a = store.begin_run("run", "toy", "name: toy\n", 1, "0.1.0", {"samples": 4})
    store.add_samples(a, 0, {"p": np.array([0.0, 1.0, 0.0, 1.0]), "k": np.arange(4)})
    store.finish_run(a, {"outcomes": {"x": {"p": 0.5, "ci95": [0.0, 1.0]}}})
    b = store.begin_run("run", "toy", "name: toy\n", 2, "0.1.0", {"samples": 4})
    store.add_samples(b, 0, {"p": np.array([1.0, 1.0, 1.0, 0.0]), "k": np.arange(4)})
    store.finish_run(b, {"outcomes": {"x": {"p": 0.75, "ci95": [0.25, 1.0]}}})
    return path, a, b


def _json(args: list[str]) -> object:
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_list_show_diff_json(filled: tuple[Path, str, str]) -> None:
    path, a, b = filled
    listed = _json(["runs", "list", "--store", str(path), "--json"])
    assert isinstance(listed, list)
    assert {r["id"] for r in listed} == {a, b} and {r["status"] for r in listed} == {"complete"}
    shown = _json(["runs", "show", a[:5], "--store", str(path), "--json", "--scenario"])
    assert isinstance(shown, dict)
    assert (
        shown["seed"] == 1 and shown["n_samples"] == 4 and shown["scenario_text"] == "name: toy\n"
    )
    assert shown["columns"] == {"p": "DOUBLE", "k": "BIGINT"}
    diff = _json(["runs", "diff", a, b, "--store", str(path), "--json"])
    assert isinstance(diff, dict)
    assert diff["inputs"] == {"seed": [1, 2]}
    assert diff["summary"]["outcomes.x.p"]["delta"] == pytest.approx(0.25)
    assert diff["summary"]["outcomes.x.ci95.0"]["delta"] == pytest.approx(0.25)
    assert diff["columns"]["p"]["delta"] == pytest.approx(0.25)
    assert "k" in diff["columns"] and "delta" in diff["columns"]["k"]
    assert diff["columns"]["k"]["delta"] == 0.0


def test_tables_render(filled: tuple[Path, str, str]) -> None:
    path, a, b = filled
    for args in (["runs", "list"], ["runs", "show", a], ["runs", "diff", a, b]):
        result = runner.invoke(app, [*args, "--store", str(path)], env={"COLUMNS": "160"})
        assert result.exit_code == 0, result.output
        assert a in result.output
    assert "0.25" in runner.invoke(app, ["runs", "diff", a, b, "--store", str(path)]).output


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_export(filled: tuple[Path, str, str], tmp_path: Path, fmt: str) -> None:
    path, a, _ = filled
    out = tmp_path / f"a.{fmt}"
    result = runner.invoke(
        app, ["runs", "export", a, "--format", fmt, "-o", str(out), "--store", str(path)]
    )
    assert result.exit_code == 0, result.output
    back = duckdb.sql(f"SELECT * FROM '{out}' ORDER BY sample").fetchnumpy()
    np.testing.assert_array_equal(back["p"], [0.0, 1.0, 0.0, 1.0])
    np.testing.assert_array_equal(back["k"], np.arange(4))


def test_delete(filled: tuple[Path, str, str]) -> None:
    path, a, b = filled
    assert runner.invoke(app, ["runs", "delete", a, "--yes", "--store", str(path)]).exit_code == 0
    assert [r.id for r in Store(path).list_runs()] == [b]


def test_errors_are_clear_and_exit_2(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes\n")
    proc = subprocess.run(
        [str(BRINK), "runs", "list", "--store", str(notes)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert proc.returncode == 2
    assert "not a brink run store" in proc.stderr and "Traceback" not in proc.stderr
    assert notes.read_text() == "my notes\n"
    empty = tmp_path / "new.duckdb"
    proc = subprocess.run(
        [str(BRINK), "runs", "show", "abc", "--store", str(empty)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert (
        proc.returncode == 2
        and "no run with id 'abc'" in proc.stderr
        and "brink runs list" in proc.stderr
    )


def test_sweep_command_stores_points_and_resumes(tmp_path: Path) -> None:
    from brink.runs import run
    from brink.scenario import load_scenario

    path, out = tmp_path / "runs.duckdb", tmp_path / "points.parquet"
    args = [
        "sweep",
        "ukraine-2022-exchange",
        "--grid",
        "costs.nuclear_taboo=0.2,0.8",
        "--samples",
        "512",
        "--seed",
        "3",
        "--store",
        str(path),
        "-o",
        str(out),
        "--json",
    ]
    first = _json(args)
    assert isinstance(first, dict) and first["computed"] == [0, 1] and not first["failed"]
    table = duckdb.sql(f"SELECT * FROM '{out}' ORDER BY point").fetchnumpy()
    np.testing.assert_array_equal(table["costs.nuclear_taboo"], [0.2, 0.8])
    for i, taboo in enumerate(("0.2", "0.8")):
        direct = run(
            load_scenario("ukraine-2022-exchange", [f"costs.nuclear_taboo={taboo}"]), 512, 3
        ).to_json()
        for name, o in direct["outcomes"].items():
            got = table[f"outcomes.{name}.p"][i]
            assert (np.isnan(got) and o["p"] is None) or got == pytest.approx(o["p"], abs=1e-12)
    store = Store(path)
    sweep = store.get_run(first["sweep"])
    assert sweep.kind == "sweep" and sweep.status == "complete"
    assert [store.get_run(p["run"]).n_samples for p in first["points"]] == [512, 512]
    exported = _json(
        [
            "runs",
            "export",
            first["sweep"],
            "-f",
            "csv",
            "-o",
            str(tmp_path / "p.csv"),
            "--store",
            str(path),
            "--json",
        ]
    )
    assert isinstance(exported, dict) and exported["rows"] == 2
    back = duckdb.sql(
        f"SELECT * FROM read_csv_auto('{tmp_path / 'p.csv'}') ORDER BY point"
    ).fetchnumpy()
    np.testing.assert_allclose(
        back["outcomes.leader_survives.p"], table["outcomes.leader_survives.p"]
    )
    assert list(back["run_id"]) == [p["run"] for p in first["points"]]
    again = _json([*args, "--resume", first["sweep"][:6]])
    assert isinstance(again, dict)
    assert again["sweep"] == first["sweep"] and again["computed"] == []
    assert [p["summary"] for p in again["points"]] == [p["summary"] for p in first["points"]]


def test_sweep_rejects_bad_designs(tmp_path: Path) -> None:
    store = str(tmp_path / "runs.duckdb")
    proc = subprocess.run(
        [
            str(BRINK),
            "sweep",
            "ukraine-2022-exchange",
            "--grid",
            "costs.no_such_cost=1,2",
            "-n",
            "64",
            "--store",
            store,
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert proc.returncode == 2
    assert (
        "sweep point 0 (costs.no_such_cost=1)" in proc.stderr
        and "costs.no_such_cost" in proc.stderr
    )
    proc = subprocess.run(
        [str(BRINK), "sweep", "ukraine-2022-exchange", "costs.war=0:1", "--store", store],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert proc.returncode == 2 and "without --lhs N" in proc.stderr


def _main(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *args: str
) -> tuple[int, str]:
    """Exit status and stderr of the real entry point (``brink.cli.main``), in process."""
    from brink.cli import main

    monkeypatch.setattr(sys, "argv", ["brink", *args])
    with pytest.raises(SystemExit) as stop:
        main()
    code = stop.value.code
    return (code if isinstance(code, int) else 1), capsys.readouterr().err


def test_list_unknown_kind_exits_2(
    filled: tuple[Path, str, str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path, _, _ = filled
    code, err = _main(capsys, monkeypatch, "runs", "list", "--kind", "bogus", "--store", str(path))
    assert code == 2 and "unknown run kind 'bogus'" in err
    assert "run, sensitivity, discovery, sweep, compare, policies" in err


def _interrupt_second_chunk(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Make the second Monte Carlo chunk of a run raise KeyboardInterrupt (Ctrl-C)."""
    import brink.runs.montecarlo

    real = brink.runs.montecarlo.run_chunk
    calls: list[int] = []

    def chunk(task: Any) -> Any:
        calls.append(task.start)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(task)

    monkeypatch.setattr(brink.runs.montecarlo, "run_chunk", chunk)
    return calls


def test_ctrl_c_stores_the_run_interrupted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """0.1.0 stored the run ``failed`` and exited 130 without a word."""
    path = tmp_path / "runs.duckdb"
    calls = _interrupt_second_chunk(monkeypatch)
    code, err = _main(
        capsys,
        monkeypatch,
        "run",
        "ukraine-2022-exchange",
        "-n",
        "4096",
        "--chunk-size",
        "1024",
        "--store",
        str(path),
    )
    [record] = Store(path).list_runs()
    assert code == 130 and len(calls) == 2
    assert f"interrupted; run {record.id} stored as interrupted" in err and "Traceback" not in err
    assert record.status == "interrupted" and record.message == "interrupted by the user"
    assert record.n_samples == 1024  # the chunk finished before Ctrl-C is kept


def test_ctrl_c_stores_the_sweep_and_its_point_interrupted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "runs.duckdb"
    _interrupt_second_chunk(monkeypatch)
    code, err = _main(
        capsys,
        monkeypatch,
        "sweep",
        "ukraine-2022-exchange",
        "--grid",
        "costs.nuclear_taboo=0.2,0.8",
        "-n",
        "4096",
        "--chunk-size",
        "1024",
        "--store",
        str(path),
    )
    store = Store(path)
    [sweep] = store.list_runs(kind="sweep")
    points = store.list_runs(parent_id=sweep.id)
    assert code == 130 and f"interrupted; sweep {sweep.id} stored as interrupted" in err
    assert sweep.status == "interrupted"
    assert [p.status for p in points] == ["interrupted"]  # not failed, and not retried


def test_sigint_during_brink_run(tmp_path: Path) -> None:
    """A real Ctrl-C (SIGINT) once the run has stored its first chunk."""
    import signal
    import time

    path = tmp_path / "runs.duckdb"
    store = Store(path)
    proc = subprocess.Popen(
        [
            str(BRINK),
            "run",
            "ukraine-2022-exchange",
            "-n",
            "1000000",
            "--chunk-size",
            "1024",
            "--store",
            str(path),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        # Python leaves SIGINT ignored if its parent ignored it (e.g. a background job).
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        deadline = time.monotonic() + 120
        while not any(r.n_samples for r in store.list_runs()):
            assert proc.poll() is None and time.monotonic() < deadline, proc.stderr
            time.sleep(0.1)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    [record] = store.list_runs()
    assert proc.returncode == 130, err
    assert f"interrupted; run {record.id} stored as interrupted" in err and "Traceback" not in err
    assert record.status == "interrupted" and 0 < record.n_samples < 1_000_000
    assert record.n_samples % 1024 == 0


import brink.cli.scenario  # noqa: E402, F401  (registers `brink run`)


def _table_lines(text: str) -> list[str]:
    """The lines of ``brink run``'s title, headline, grouped tables and its modal path."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if "samples, seed" in line)
    end = next(i for i, line in enumerate(lines) if line.startswith("modal "))
    return lines[start : end + 1]


def test_runs_show_prints_the_table_brink_run_printed(tmp_path: Path) -> None:
    path = tmp_path / "runs.duckdb"
    env = {"COLUMNS": "120"}
    ran = runner.invoke(
        app, ["run", "deterrence-rudimentary", "-n", "600", "--seed", "4", "--store", str(path)], env=env
    )
    assert ran.exit_code == 0, ran.output
    run_id = ran.stdout.strip().split()[-1]
    shown = runner.invoke(app, ["runs", "show", run_id, "--store", str(path)], env=env)
    assert shown.exit_code == 0, shown.output
    table = _table_lines(ran.stdout)
    assert any("credibility_threshold" in line for line in table)  # metrics are in it
    assert _table_lines(shown.stdout) == table
    assert "path (varchar)" in shown.stdout and "payoff.Challenger (double)" in shown.stdout


def test_runs_diff_shows_the_scenario_change_and_a_paired_interval(tmp_path: Path) -> None:
    from brink.scenario import resolve_scenario_source
    from brink.scenario.document import read_document_text

    text = read_document_text(resolve_scenario_source("deterrence-rudimentary"))
    assert "  challenger_dd: -1\n" in text
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text(text)
    b.write_text(text.replace("  challenger_dd: -1\n", "  challenger_dd: -0.5\n"))
    path = tmp_path / "runs.duckdb"
    ids = []
    for scenario, seed in ((a, 2), (b, 2), (b, 3)):
        out = _json(["run", str(scenario), "-n", "2000", "--seed", str(seed), "--store", str(path), "--json"])
        assert isinstance(out, dict)
        ids.append(out["run_id"])
    result = runner.invoke(app, ["runs", "diff", ids[0], ids[1], "--store", str(path)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "-  challenger_dd: -1" in result.stdout and "+  challenger_dd: -0.5" in result.stdout
    assert "paired" in result.stdout
    d = _json(["runs", "diff", ids[0], ids[1], "--store", str(path), "--json"])
    assert isinstance(d, dict) and d["paired"] is True
    store = Store(path)
    pa, pb = (store.get_run(i).summary["outcomes"]["challenge"]["p"] for i in ids[:2])  # type: ignore[index]
    entry = d["columns"]["challenge"]
    low, high = entry["interval"]
    assert entry["method"] == "paired" and low <= pb - pa <= high
    # the closed form: P(challenge) rises from 1/2 to 1 / (1 + 1/2) = 2/3
    assert low <= 2 / 3 - 1 / 2 <= high
    assert high - low < (entry["welch"][1] - entry["welch"][0]) / 1.5  # pairing narrows it
    shown = [line for line in result.stdout.splitlines() if line.startswith("│ challenge ")]
    assert shown and f"{pb - pa:.6g}" in shown[0]
    other = _json(["runs", "diff", ids[0], ids[2], "--store", str(path), "--json"])
    assert isinstance(other, dict) and other["paired"] is False
    assert other["columns"]["challenge"]["method"] == "welch"
