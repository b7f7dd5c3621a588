"""`brink run`, `brink validate`, `brink schema`, `brink scenarios`: the command-line contract."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import ROOT
from typer.testing import CliRunner

import brink.cli.scenario  # registers the commands
import brink.errors
from brink.cli import app
from brink.executors.local import LocalExecutor

BRINK = str(ROOT / ".venv" / "bin" / "brink")
BUNDLED = ROOT / "src" / "brink" / "scenario" / "bundled"
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
    assert out["paths"][0]["path"] and all(isinstance(step, str) for step in out["paths"][0]["path"])
    assert abs(sum(p["share"] for p in out["paths"]) - 1) < 1e-9


def test_set_overrides_change_the_run() -> None:
    base = run_json("ukraine-2022-exchange", "--samples", "1024")
    forced = run_json("ukraine-2022-exchange", "--samples", "1024", "--set", "crisis.ladder=[concede, demonstration-shot]",
                      "--set", "doctrines.NATO.resolve=0.1")
    assert forced["outcomes"]["tactical_nuclear_use"]["p"] > base["outcomes"]["tactical_nuclear_use"]["p"]
    assert set(forced["outcomes"]) >= {"rung.concede", "rung.demonstration-shot"}
    assert "rung.hold-conventional" not in forced["outcomes"]


def test_table_output_shows_outcomes_and_the_modal_path() -> None:
    result = runner.invoke(app, ["run", "--samples", "1024", "--no-store"])
    assert result.exit_code == 0, result.output
    assert "tactical_nuclear_use" in result.stdout
    assert "modal path (" in result.stdout  # the default, qbi at the fitted lambda, is not an equilibrium
    spe = runner.invoke(app, ["run", "--samples", "1024", "--no-store", "--solver", "spe"])
    assert spe.exit_code == 0, spe.output
    assert "modal equilibrium path" in spe.stdout


def _bad(tmp_path: Path, section: str, key: str, value: object) -> Path:
    data = yaml.safe_load((BUNDLED / "ukraine-2022-exchange.yaml").read_text())
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
        (["validate", "--set", "crisis.ladder=[]", "ukraine-2022-exchange"], "empty"),
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
    assert "unknown actor 'XYZ'" in result.stderr
    line = int(re.search(rf"{re.escape(str(path))}:(\d+):\d+: crisis\.challenger: ", result.stderr)[1])  # type: ignore[index]
    assert path.read_text().splitlines()[line - 1].strip() == "challenger: XYZ"


def brink_in_process(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[int, str]:
    """Exit status and stderr of the real entry point (``brink.cli.main``), without a subprocess."""
    from brink.cli import main

    monkeypatch.setattr(sys, "argv", ["brink", *args])
    with pytest.raises(SystemExit) as stop:
        main()
    code = stop.value.code
    return (code if isinstance(code, int) else 1), capsys.readouterr().err


#: Malformed variants of a bundled scenario, as text edits: (file, old line, new line,
#: what the message must say, the text of the line the location must point at).
MALFORMED: dict[str, tuple[str, str, str, str, str]] = {
    "unknown actor": ("ukraine-2022-exchange", "  challenger: RUS", "  challenger: XYZ", "unknown actor 'XYZ'", "challenger: XYZ"),
    "unknown guarantor": ("ukraine-2022-exchange", "  - {id: nato-ukr, guarantor: NATO,", "  - {id: nato-ukr, guarantor: NATX,",
                          "unknown actor 'NATX'", "- {id: nato-ukr, guarantor: NATX"),
    "bad probability": ("ukraine-2022-exchange", '    resolve: "beta(6, 3)"', '    resolve: "uniform(0.5, 1.5)"',
                        "outside [0, 1]", 'resolve: "uniform(0.5, 1.5)"'),
    "negative arsenal": ("ukraine-2022-exchange", "non_strategic: 1816}", "non_strategic: -5}", "negative", "nuclear: {strategic: 1674, non_strategic: -5}"),
    "empty ladder": ("ukraine-2022-exchange", "  ladder: [concede, hold-conventional, demonstration-shot, local-nuclear-war-military, central-attack]",
                     "  ladder: []", "ladder is empty", "ladder: []"),
    "repeated rung": ("ukraine-2022-exchange", "  ladder: [concede, hold-conventional, demonstration-shot, local-nuclear-war-military, central-attack]",
                      "  ladder: [concede, hold-conventional, concede]", "appears twice", "ladder: [concede, hold-conventional, concede]"),
    "descending ladder": ("ukraine-2022-exchange", "  ladder: [concede, hold-conventional, demonstration-shot, local-nuclear-war-military, central-attack]",
                          "  ladder: [concede, demonstration-shot, {name: talks, rung: 4}]", "rise monotonically",
                          "ladder: [concede, demonstration-shot, {name: talks, rung: 4}]"),
    "unknown rung": ("ukraine-2022-exchange", "  ladder: [concede, hold-conventional, demonstration-shot, local-nuclear-war-military, central-attack]",
                     "  ladder: [concede, teatime]", "unknown rung 'teatime'", "ladder: [concede, teatime]"),
    "disallowed expression": ("ukraine-2022-exchange", '  sustainable_months: "reserves_usd_bn * 1e3 / (offered_usd_per_bbl * actors.RUS.oil_exports_mbd * 30.4)"',
                              "  sustainable_months: \"__import__('os').system('x')\"", "only the listed functions", "sustainable_months: "),
    "hyphenated name": ("ukraine-2022-exchange", '  sustainable_months: "reserves_usd_bn * 1e3 / (offered_usd_per_bbl * actors.RUS.oil_exports_mbd * 30.4)"',
                        '  sustainable_months: "commitments.nato-ukr.reliability * 2"', "must be identifiers", "sustainable_months: "),
    "YAML syntax error": ("ukraine-2022-exchange", "  challenger: RUS", "  challenger: RUS: x", "YAML syntax error", "challenger: RUS: x"),
    "unknown key": ("ukraine-2022-exchange", "    legal_weight: 0.5", "    legal_wieght: 0.5", "Extra inputs are not permitted", "legal_wieght: 0.5"),
    "unknown template": ("ukraine-2022-exchange", "template: crisis", "template: chess", "unknown template 'chess'", "template: chess"),
    "bad game section": ("fearon-1995", "  offers: 101", "  offers: 1", "greater than or equal to 2", "offers: 1"),
    "game probability": ("deterrence-rudimentary", '  p: "uniform(0, 1)"', '  p: "uniform(0, 2)"', "outside [0, 1]", 'p: "uniform(0, 2)"'),
    "expression out of range": ("ukraine-2022-exchange", '    resolve: "beta(6, 3)"', '    resolve: "0.5 + 0.75"',
                                "doctrines.NATO.resolve = 1.25 (from expression '0.5 + 0.75') is outside [0, 1]",
                                'resolve: "0.5 + 0.75"'),
    "expression not a number": ("ukraine-2022-exchange", '  sustainable_months: "reserves_usd_bn * 1e3 / (offered_usd_per_bbl * actors.RUS.oil_exports_mbd * 30.4)"',
                                '  sustainable_months: "log(-1)"', "= nan (from expression 'log(-1)') is not a finite number",
                                'sustainable_months: "log(-1)"'),
    "negative game cost": ("fearon-1995", "  c_A: 0.1", '  c_A: "0.1 - 0.2"', "game.c_A = -0.1 (from expression '0.1 - 0.2') is outside [0, inf)",
                           'c_A: "0.1 - 0.2"'),
}


@pytest.mark.parametrize("command", ["validate", "run"])
@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_scenarios_are_located_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, case: str, command: str
) -> None:
    """Every error path prints ``error: FILE:LINE:COL: ...`` pointing at the offending line, status 2."""
    name, old, new, needle, marker = MALFORMED[case]
    text = (BUNDLED / f"{name}.yaml").read_text()
    assert text.count(old + "\n") == 1 or text.count(old) == 1, old
    path = tmp_path / "bad.yaml"
    path.write_text(text.replace(old, new))
    extra = ["--samples", "8", "--no-store"] if command == "run" else []
    code, err = brink_in_process(capsys, monkeypatch, command, str(path), *extra)
    assert code == 2, err
    assert err.startswith("error: ") and needle in err, err
    assert "Traceback" not in err
    found = re.search(rf"{re.escape(str(path))}:(\d+):(\d+): ", err)
    assert found is not None, err
    line, col = int(found[1]), int(found[2])
    lines = path.read_text().splitlines()
    assert marker in lines[line - 1], (lines[line - 1], marker)
    assert 1 <= col <= len(lines[line - 1])


def test_too_many_samples_names_the_option(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    code, err = brink_in_process(capsys, monkeypatch, "run", "fearon-1995", "--samples", "1000000000000", "--no-store")
    assert code == 2
    assert err.startswith("error: --samples: sample count 1,000,000,000,000 exceeds the maximum")


class _RecordingExecutor(LocalExecutor):
    """A local executor that records whether it was entered and closed."""

    def __init__(self) -> None:
        self.entered = self.closed = False
        self.tasks = 0

    def __enter__(self) -> _RecordingExecutor:
        self.entered = True
        return self

    def map(self, fn: Any, tasks: Any) -> Any:
        for task in tasks:
            self.tasks += 1
            yield fn(task)

    def close(self) -> None:
        self.closed = True


@pytest.mark.parametrize("fail", [False, True])
def test_run_closes_the_executor_it_creates(monkeypatch: pytest.MonkeyPatch, fail: bool) -> None:
    """``brink run --executor ...`` shuts its pool or cluster down, also when the run fails."""
    import brink.executors
    import brink.runs.montecarlo

    made: list[_RecordingExecutor] = []

    def fake(name: str, scheduler: str | None = None, workers: int | None = None) -> LocalExecutor:
        if name == "local":  # the reference run (run_json) in this process
            return LocalExecutor()
        assert name == "processes" and scheduler is None
        made.append(_RecordingExecutor())
        return made[-1]

    monkeypatch.setattr(brink.executors, "get_executor", fake)
    if fail:
        def broken(*_args: object, **_kwargs: object) -> None:
            raise brink.errors.InputError("simulated failure", "run")

        monkeypatch.setattr(brink.runs.montecarlo, "run", broken)
    args = ["deterrence-rudimentary", "--samples", "2048", "--chunk-size", "1024", "--seed", "4"]
    result = runner.invoke(app, ["run", *args, "--json", "--no-store", "--executor", "processes"])
    assert len(made) == 1 and made[0].entered and made[0].closed
    if fail:
        assert result.exit_code != 0 and isinstance(result.exception, brink.errors.InputError)
        return
    assert result.exit_code == 0, result.output
    assert made[0].tasks == 2
    assert json.loads(result.stdout) == run_json(*args)


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
    # the single exchange: types change only the defender's payoffs, so the QRE limit is the SPE
    args = ("ukraine-2022-exchange", "--samples", "3", "--set", "crisis.ladder=[concede, hold-conventional]")
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
    assert names >= {"ukraine-2022-exchange", "ukraine-in-nato-exchange", "cuban-missile-crisis-1962-exchange", "july-1914-exchange"}
    for name in names:
        ok = runner.invoke(app, ["validate", name])
        assert ok.exit_code == 0 and ok.stdout.startswith(f"ok: {name}"), ok.output
    schema = json.loads(runner.invoke(app, ["schema"]).stdout)
    assert {"actors", "crisis", "commitments", "provenance"} <= set(schema["properties"])


def test_a_scenario_without_uncertain_numbers_runs_at_any_sample_count() -> None:
    """Evaluated once, its row stands for every sample: 3,000 samples (past a 1,024-sample block;
    0.2.0 failed there with a reshape error) give the one-sample numbers, and its one path is
    followed in every sample (0.2.0 counted it once: a share of 0.001 at 1,000 samples)."""
    from brink.runs.montecarlo import run as mc_run
    from brink.scenario import load_scenario

    sc = load_scenario(str(ROOT / "tests" / "fixtures" / "escalation-small.yaml"))
    assert not sc.parameters.uncertainties
    one, many = mc_run(sc, 1, 0, keep_samples=False), mc_run(sc, 3000, 0, keep_samples=False)
    assert {k: v["p"] for k, v in many.outcomes.items()} == pytest.approx({k: v["p"] for k, v in one.outcomes.items()}, abs=1e-12)
    assert many.paths[0]["share"] == 1.0 and many.failed == 0
