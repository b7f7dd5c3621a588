"""Every bundled scenario still gives brink 0.1.0's numbers.

``fixtures/numbers_0.1.0.json`` holds the outcome probabilities and metric means that
0.1.0 (commit 6a65389) printed for ``brink run NAME --samples 20000 --seed S --json`` with
seeds 0-2.  Refactors must not move them; an intended change is listed in CHANGELOG.md
with its before/after figures and the fixture regenerated with it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from brink.runs import run
from brink.scenario import load_scenario

FIXTURE = Path(__file__).parent / "fixtures" / "numbers_0.1.0.json"
RUNS: dict[str, dict[str, Any]] = json.loads(FIXTURE.read_text())["runs"]
#: Scenarios whose 60,000 samples take minutes: only seed 0 runs outside the slow tier.
HEAVY = {"fearon-1995"}
#: 0.1.0 names whose single-exchange version is now bundled under another name.
RENAMED = {n: f"{n}-exchange" for n in ("ukraine-2022", "ukraine-in-nato", "cuban-missile-crisis-1962", "july-1914")}
CASES = [
    pytest.param(name, int(seed), marks=[pytest.mark.slow] if name in HEAVY and seed != "0" else [])
    for name in sorted(RUNS)
    for seed in sorted(RUNS[name])
]


@pytest.mark.parametrize(("name", "seed"), CASES)
def test_bundled_scenario_numbers_equal_010(name: str, seed: int) -> None:
    expected = RUNS[name][str(seed)]
    result = run(load_scenario(RENAMED.get(name, name)), samples=20_000, seed=seed).to_json()
    assert result["failed"] == expected["failed"]
    outcomes = {k: v["p"] for k, v in result["outcomes"].items()}
    metrics = {k: v["mean"] for k, v in result["metrics"].items()}
    assert outcomes == expected["outcomes"]
    assert metrics == expected["metrics"]


def test_fixture_covers_every_bundled_scenario_of_010() -> None:
    from brink.scenario import bundled_scenarios, load_scenario

    old = {RENAMED.get(n, n) for n in RUNS}
    assert old <= set(bundled_scenarios())
    assert {n for n in bundled_scenarios() if load_scenario(n).template in ("crisis", "fearon-1995", "deterrence-rudimentary", "tripartite-crisis")} <= old
    assert all(set(seeds) == {"0", "1", "2"} for seeds in RUNS.values())
