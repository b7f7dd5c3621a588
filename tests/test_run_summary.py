"""What ``brink run`` prints first (issue 24): a plain-language headline with intervals and the
solver, a note on corners naming the cause and the flag, grouped tables with units."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from typer.testing import CliRunner

import brink.cli.scenario  # noqa: F401  (registers the commands)
from brink.cli import app
from brink.cli.runs import print_run_summary
from brink.measures import GROUPS, MEASURES, headline

FIXTURES = Path(__file__).parent / "fixtures"
runner = CliRunner()


def _row(p: float, lo: float, hi: float) -> dict[str, Any]:
    return {"p": p, "ci95": [lo, hi]}


def _summary(solver: str, settlement: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "solver": solver,
        "outcomes": {
            "settlement": settlement or _row(1.0, 1.0, 1.0),
            "war_decided": _row(0.0, 0.0, 0.0),
            "tactical_nuclear_use": _row(0.0, 0.0, 0.0),
            "leader_survives": _row(0.88, 0.87, 0.89),
        },
        "metrics": {"escalation_score": {"mean": 28.0, "ci95": [28.0, 28.0]}},
        "paths": [],
        "failed": 0,
    }



def test_headline_names_the_likeliest_ending_nuclear_use_the_leader_and_the_solver() -> None:
    lines = headline(_summary("auto")["outcomes"], "auto")
    assert lines[0].startswith("most likely ending: settlement 1.000 [1.000, 1.000]")
    assert "tactical nuclear use 0.000 [0.000, 0.000]" in lines[0]
    assert "the leader keeps office 0.880 [0.870, 0.890]" in lines[0]
    assert "solver spe (auto)" in lines[0]


def test_a_corner_gets_a_note_with_its_cause_and_the_flag_and_an_interior_run_none() -> None:
    corner = headline(_summary("spe")["outcomes"], "spe")
    assert len(corner) == 2 and corner[1].startswith("note: settlement = 1")
    assert "tactical_nuclear_use = 0" in corner[1] and "--solver qbi" in corner[1] and "Fearon 1995" in corner[1]
    assert "1 other outcome = 0 (war_decided)" in corner[1]
    noisy = _summary("qbi", _row(0.79, 0.78, 0.80))["outcomes"]
    noisy["war_decided"], noisy["tactical_nuclear_use"] = _row(0.2, 0.19, 0.21), _row(0.01, 0.008, 0.012)
    interior = headline(noisy, "qbi", 1.0)
    assert len(interior) == 1 and "solver qbi, lambda 1" in interior[0]
    # an outcome at 0 in every sample is named too, whatever the group
    noisy["defender_alert"] = _row(0.0, 0.0, 0.0)
    zero = headline(noisy, "qbi", 1.0)
    assert len(zero) == 2 and zero[1].startswith("note: 1 other outcome = 0 (defender_alert) in every sample")


def test_tables_come_in_group_order_with_units() -> None:
    buffer = io.StringIO()
    print_run_summary(Console(file=buffer, width=160), _summary("spe"), "toy — 10 samples, seed 0")
    text = buffer.getvalue()
    titles = [g for g in GROUPS if f"\n{g}" in text]
    assert titles == ["how the crisis ends", "nuclear use", "after the war", "the model's quantities"]
    assert text.index("settlement") < text.index("tactical_nuclear_use") < text.index("leader_survives")
    assert "score 0-60" in text and MEASURES["escalation_score"].meaning[:30] in text


def test_brink_run_prints_the_headline_first() -> None:
    out = runner.invoke(app, ["run", str(FIXTURES / "escalation-small.yaml"), "-n", "200", "--no-store"],
                        env={"COLUMNS": "200"})
    assert out.exit_code == 0, out.output
    lines = out.stdout.splitlines()
    assert "200 samples, seed 0" in lines[0]
    assert lines[1].startswith("most likely ending: ")


def test_brink_measures_lists_every_measure() -> None:
    out = runner.invoke(app, ["measures", "--json"])
    assert out.exit_code == 0, out.output
    doc = json.loads(out.stdout)
    assert {r["name"] for r in doc["measures"]} == set(MEASURES)
    assert [r["group"] for r in doc["measures"]] == sorted((r["group"] for r in doc["measures"]), key=GROUPS.index)


def test_the_report_opens_with_the_same_headline_and_ranks_only_endings() -> None:
    """One number, one definition: the report's summary starts with the lines ``brink run``
    prints, and its 'most likely' sentence names an ending, never a rung or a declaration
    that sits at 1 in every sample (0.2.0 named the declared doctrine)."""
    from brink.analysis.intervals import Interval
    from brink.report.document import _summary_in_words

    out = _summary("spe")
    out["outcomes"]["declared.conventional-strike"] = _row(1.0, 1.0, 1.0)
    out["outcomes"]["rung.hold-conventional"] = _row(1.0, 1.0, 1.0)
    out["outcomes"]["challenger_concedes"] = _row(0.1, 0.05, 0.15)
    rows = [(k, Interval(r["p"], r["ci95"][0], r["ci95"][1], 100)) for k, r in out["outcomes"].items()]
    words = _summary_in_words(rows, "spe")
    assert words[:2] == headline(out["outcomes"], "spe")
    assert words[2].startswith("The most likely way the crisis ends is settlement (100")
    assert "declared" not in words[2] and "rung." not in words[2] and "challenger_concedes" in words[2]


def test_one_modal_path_in_run_explain_and_the_whatif() -> None:
    """The modal path has one definition (brink.evaluation.decisions): the players' decisions
    with nature's draws folded; brink run, brink explain and the what-if give the same path and
    the same share on the same draws."""
    from brink.analysis.explain import explain
    from brink.model import CrisisModel
    from brink.runs import run
    from brink.scenario import load_scenario
    from brink.web.whatif import WhatIf

    scenario = load_scenario("ukraine-2022")
    ran = run(scenario, samples=300, seed=3, keep_samples=False)
    top = ran.paths[0]
    assert not any("resolute" in step for step in top["path"])  # no type drawn by nature in it
    why = explain(CrisisModel(scenario), 300, seed=3)
    path, share = next(iter(why.paths.items()))
    assert path == " > ".join(top["path"]) and share == pytest.approx(top["share"])
    whatif = WhatIf(CrisisModel(scenario), samples=300, seed=3).evaluate({}, {})
    assert whatif.paths[0]["path"] == path and whatif.paths[0]["share"] == pytest.approx(top["share"])


def test_run_help_points_to_the_glossary() -> None:
    out = runner.invoke(app, ["run", "--help"], env={"COLUMNS": "200"})
    assert out.exit_code == 0 and "brink measures" in out.stdout
