"""Every bundled scenario gives brink 0.5.0's numbers, and each differs from 0.4.0's and 0.2.0's
only for a reason CHANGELOG.md gives.

``fixtures/numbers_0.5.0.json`` holds the outcome probabilities and metric means that 0.5.0 (the
commit it names) printed for ``brink run NAME --samples 20000 --seed S --json``, seeds 0-2, for
every bundled scenario; ``scripts/derive_numbers_fixture.py`` made it.  Refactors and engine
rewrites must not move them (compared exactly).  An intended change of model is a new version:
CHANGELOG.md gives its before/after figures, the fixture is made anew with it, and
:data:`CHANGED_SINCE_020` names every scenario whose numbers differ from 0.2.0's
(``fixtures/numbers_0.2.0.json``, the commit before the engine's rewrites) and why; every other
scenario's numbers must equal 0.2.0's to the last bit (checked without running anything);
:data:`CHANGED_SINCE_040` does the same against ``fixtures/numbers_0.4.0.json``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from brink.runs import run
from brink.scenario import bundled_scenarios, load_scenario

FIXTURES = Path(__file__).parent / "fixtures"
FIXTURE: dict[str, Any] = json.loads((FIXTURES / "numbers_0.5.0.json").read_text())
RUNS: dict[str, dict[str, Any]] = FIXTURE["runs"]
V040: dict[str, dict[str, Any]] = json.loads((FIXTURES / "numbers_0.4.0.json").read_text())["runs"]
V020: dict[str, dict[str, Any]] = json.loads((FIXTURES / "numbers_0.2.0.json").read_text())["runs"]
V010: dict[str, dict[str, Any]] = json.loads((FIXTURES / "numbers_0.1.0.json").read_text())["runs"]
#: 0.1.0 names whose single-exchange version is bundled under another name.
RENAMED = {f"{n}-exchange": n for n in ("ukraine-2022", "ukraine-in-nato", "cuban-missile-crisis-1962", "july-1914")}

_ESCALATION = "the escalation game of issue 22 (CHANGELOG 0.4.0: continuation of an undecided war, war costs from the crisis, every side can act, settlement as a post-war ending, the taboo once, the calibrated coalition) and its default solver, qbi at the lambda fitted on ICB (issue 23)"
_TIES = "spe reports ties as ties (CHANGELOG 0.4.0): an indifferent mover mixes uniformly over its tied best actions"
#: Scenarios whose numbers differ from 0.2.0's, and why (CHANGELOG.md's 0.4.0 section).
CHANGED_SINCE_020: dict[str, str] = {
    **{name: _ESCALATION for name in (
        "ukraine-2022", "ukraine-in-nato", "cuban-missile-crisis-1962", "berlin-1961", "kargil-1999", "crimea-2014",
        "july-1914", "georgia-2008", "taiwan-strait-1995", "sino-soviet-border-1969")},
    "audience-costs": _TIES + " (the challenger is indifferent between threats at the high type)",
    "fearon-1995": _TIES + " (offers on the grid that tie)",
    "ukraine-2022-exchange": _TIES + " (two rungs tie for the challenger in some draws)",
    "ukraine-in-nato-exchange": _TIES + " (two rungs tie for the challenger in some draws)",
}
#: Scenarios new in 0.4.0 (no 0.2.0 numbers).
NEW_IN_040: dict[str, str] = {
    "commitment-shift": "template commitment: Powell's (2006) commitment problem (issue 22)",
    "resurrection": "template resurrection: gambling for resurrection, Goemans (2000) (issue 22)",
}
_REFIT = ("the whole ICB fit derived again with 0.5.0's code moves the default solver's lambda by 2e-9 "
          "relative (CHANGELOG 0.5.0)")
_VINTAGE = "; fitted: icb sets its balance from the fit's vintage before it (CHANGELOG 0.5.0)"
_NOT_CHOSEN = "; a move its tree lacks is no longer reported (CHANGELOG 0.5.0)"
#: Scenarios whose numbers differ from 0.4.0's, and why (CHANGELOG.md's 0.5.0 section): every
#: escalation scenario runs under the default solver at the fitted lambda.
CHANGED_SINCE_040: dict[str, str] = {
    **{name: _REFIT for name in ("cuban-missile-crisis-1962", "july-1914", "taiwan-strait-1995", "berlin-1961",
                                 "sino-soviet-border-1969")},
    **{name: _REFIT + _VINTAGE for name in ("kargil-1999", "crimea-2014", "georgia-2008")},
    "ukraine-2022": _REFIT + _NOT_CHOSEN,
    "ukraine-in-nato": _REFIT + _NOT_CHOSEN,
}
#: The slowest scenarios run seed 0 in the quick tier and the other seeds in the slow one.
HEAVY = {"ukraine-2022", "ukraine-in-nato", "cuban-missile-crisis-1962", "july-1914", "fearon-1995", "taiwan-strait-1995"}

CASES = [
    pytest.param(name, int(seed), marks=[pytest.mark.slow] if name in HEAVY and seed != "0" else [],
                 id=f"{name}-{seed}")
    for name in sorted(RUNS)
    for seed in sorted(RUNS[name])
]


def _numbers(result: dict[str, Any]) -> dict[str, Any]:
    return {
        "failed": result["failed"],
        "outcomes": {k: v["p"] for k, v in result["outcomes"].items()},
        "metrics": {k: v["mean"] for k, v in result["metrics"].items()},
    }


@pytest.mark.parametrize(("name", "seed"), CASES)
def test_bundled_scenario_numbers_equal_050(name: str, seed: int) -> None:
    expected = RUNS[name][str(seed)]
    got = _numbers(run(load_scenario(name), samples=FIXTURE["samples"], seed=seed).to_json())
    assert got["failed"] == expected["failed"]
    for kind in ("outcomes", "metrics"):
        assert set(got[kind]) == set(expected[kind]), f"{name}: {kind} differ in name"
        wrong = [f"{name} {kind}.{k}: {got[kind][k]!r} != {expected[kind][k]!r}"
                 for k in sorted(expected[kind]) if got[kind][k] != expected[kind][k]]
        assert not wrong, "\n".join(wrong)


def test_fixture_covers_every_bundled_scenario() -> None:
    assert set(RUNS) == set(bundled_scenarios())
    assert all(set(seeds) == {"0", "1", "2"} for seeds in RUNS.values())
    assert FIXTURE["samples"] == 20_000 and FIXTURE["version"] == "0.5.0"


@pytest.mark.parametrize("name", sorted(RUNS))
def test_numbers_differ_from_020_only_where_changelog_says(name: str) -> None:
    if name in NEW_IN_040:
        assert name not in V020
        return
    if name in CHANGED_SINCE_020:
        assert RUNS[name] != V020[name], f"{name} is listed as changed since 0.2.0 but gives 0.2.0's numbers"
        assert "CHANGELOG" in CHANGED_SINCE_020[name]
        return
    assert RUNS[name] == V020[name]


@pytest.mark.parametrize("name", sorted(RUNS))
def test_numbers_differ_from_040_only_where_changelog_says(name: str) -> None:
    if name in CHANGED_SINCE_040:
        assert RUNS[name] != V040[name], f"{name} is listed as changed since 0.4.0 but gives 0.4.0's numbers"
        assert "CHANGELOG" in CHANGED_SINCE_040[name]
        return
    assert RUNS[name] == V040[name]


def test_the_changed_list_names_only_bundled_scenarios() -> None:
    assert set(CHANGED_SINCE_040) <= set(RUNS)
    assert set(CHANGED_SINCE_020) | set(NEW_IN_040) <= set(RUNS)
    assert not set(NEW_IN_040) & set(V020)


@pytest.mark.parametrize("name", sorted(n for n in V020 if n not in RENAMED.values() and RENAMED.get(n, n) in V010))
def test_scenarios_pinned_by_010_gave_the_same_numbers_in_020(name: str) -> None:
    assert V020[name] == V010[RENAMED.get(name, name)]
