"""`brink run`, `brink validate`, `brink schema`, `brink scenarios`: the command-line contract."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import ROOT
from typer.testing import CliRunner

import brink.cli.scenario  # registers the commands
from brink.cli import app

BRINK = str(ROOT / ".venv" / "bin" / "brink")
BUNDLED = ROOT / "src" / "brink" / "scenarios"
runner = CliRunner()

OUTCOMES = (
    "tactical_nuclear_use", "strategic_nuclear_use", "challenger_concedes", "defender_conventional_response",
    "defender_nuclear_response", "leader_survives", "partners_abandon", "partner_abandons.CHN",
    "partner_abandons.IND", "partner_abandons.SAU", "foreign_imposed_regime_change",
)


def brink(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([BRINK, *args], capture_output=True, text=True, check=False)


def run_json(*args: str) -> dict[str, Any]:
    result = runner.invoke(app, ["run", *args, "--json", "--no-store"])
    assert result.exit_code == 0, result.output
    out: dict[str, Any] = json.loads(result.stdout)
    return out


def test_run_json_contract() -> None:
    out = run_json("--samples", "1024", "--seed", "3")
    assert out["scenario"] == "ukraine-2022" and out["samples"] == 1024 and out["seed"] == 3
    assert {"scenario", "samples", "seed", "version", "outcomes", "paths", "metrics", "failed"} <= set(out)
    for name in OUTCOMES:
        o = out["outcomes"][name]
        assert set(o) == {"p", "ci95"}
        lo, hi = o["ci95"]
        assert 0 <= lo <= o["p"] <= hi <= 1, name
    score = out["metrics"]["escalation_score"]
    assert set(score) == {"mean", "ci95"} and score["ci95"][0] <= score["mean"] <= score["ci95"][1]
    assert out["failed"] == 0
    assert out["paths"][0]["path"][0] in {"concede", "hold-conventional", "demonstration-shot"}
    assert abs(sum(p["share"] for p in out["paths"]) - 1) < 1e-9


def test_set_overrides_change_the_run() -> None:
    base = run_json("ukraine-2022", "--samples", "1024")
    forced = run_json("ukraine-2022", "--samples", "1024", "--set", "crisis.ladder=[concede, demonstration-shot]",
                      "--set", "doctrines.NATO.resolve=0.1")
    assert forced["outcomes"]["tactical_nuclear_use"]["p"] > base["outcomes"]["tactical_nuclear_use"]["p"]
    assert set(forced["outcomes"]) >= {"rung.concede", "rung.demonstration-shot"}
    assert "rung.hold-conventional" not in forced["outcomes"]


def test_table_output_shows_outcomes_and_the_modal_path() -> None:
    result = runner.invoke(app, ["run", "--samples", "1024", "--no-store"])
    assert result.exit_code == 0, result.output
    assert "tactical_nuclear_use" in result.stdout
    assert "modal equilibrium path" in result.stdout


def _bad(tmp_path: Path, section: str, key: str, value: object) -> Path:
    data = yaml.safe_load((BUNDLED / "ukraine-2022.yaml").read_text())
    data[section][key] = value
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["run", "--samples", "1000000000000", "--no-store"], "samples"),
        (["run", "no-such-scenario", "--no-store"], "no scenario named"),
        (["run", "--solver", "magic", "--no-store"], "unknown solver"),
        (["run", "--set", "doctrines.NATO.resolve=1.5", "--no-store"], "[0, 1]"),
        (["validate", "--set", "crisis.ladder=[]", "ukraine-2022"], "empty"),
    ],
)
def test_bad_input_exits_2_with_a_clear_message(args: list[str], needle: str) -> None:
    result = brink(*args)
    assert result.returncode == 2, result.stderr
    assert "error:" in result.stderr and needle in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_file_is_located(tmp_path: Path) -> None:
    path = _bad(tmp_path, "crisis", "challenger", "XYZ")
    result = brink("validate", str(path))
    assert result.returncode == 2
    assert str(path) in result.stderr and "unknown actor 'XYZ'" in result.stderr


def test_run_is_stored(tmp_path: Path) -> None:
    from brink.store import Store

    db = tmp_path / "runs.duckdb"
    result = runner.invoke(app, ["run", "--samples", "1024", "--seed", "5", "--store", str(db), "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    runs = Store(db).list_runs()
    assert len(runs) == 1
    rec = runs[0]
    assert rec.kind == "run" and rec.scenario_name == "ukraine-2022" and rec.seed == 5
    assert rec.status == "complete" and rec.n_samples == 1024
    assert rec.summary is not None
    assert rec.summary["outcomes"]["tactical_nuclear_use"] == out["outcomes"]["tactical_nuclear_use"]


def test_qre_solver_on_a_small_run() -> None:
    args = ("--samples", "3", "--set", "crisis.ladder=[concede, hold-conventional]")
    qre = run_json(*args, "--solver", "qre")
    spe = run_json(*args, "--solver", "spe")
    assert qre["failed"] == 0
    for name in ("challenger_concedes", "leader_survives"):
        assert qre["outcomes"][name]["p"] == pytest.approx(spe["outcomes"][name]["p"], abs=1e-5)


def test_processes_executor_gives_identical_json() -> None:
    args = ("--samples", "2048", "--chunk-size", "1024", "--seed", "9")
    assert run_json(*args, "--executor", "processes") == run_json(*args)


def test_validate_schema_and_scenarios() -> None:
    listed = runner.invoke(app, ["scenarios"])
    assert listed.exit_code == 0
    names = {line.split("\t")[0] for line in listed.stdout.splitlines()}
    assert names >= {"ukraine-2022", "ukraine-in-nato", "cuban-missile-crisis-1962", "july-1914"}
    for name in names:
        ok = runner.invoke(app, ["validate", name])
        assert ok.exit_code == 0 and ok.stdout.startswith(f"ok: {name}"), ok.output
    schema = json.loads(runner.invoke(app, ["schema"]).stdout)
    assert {"actors", "crisis", "commitments", "provenance"} <= set(schema["properties"])
