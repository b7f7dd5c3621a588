"""Every bundled scenario still gives brink 0.2.0's numbers.

``fixtures/numbers_0.2.0.json`` holds the outcome probabilities and metric means that 0.2.0
(the commit it names) printed for ``brink run NAME --samples 20000 --seed S --json``, seeds
0-2, for every bundled scenario; ``scripts/derive_numbers_fixture.py`` made it with that
commit's code.  The engine's rewrites (fused kernels, the post-war game across samples) must
not move them.  An intended change is listed in CHANGELOG.md with before/after figures and in
:data:`CHANGED` with its reason; everything else is compared exactly.

Scenarios the 0.1.0 fixture already pins (``test_numbers_010.py``) are not run twice: their
0.2.0 entries must equal the 0.1.0 ones.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from brink.runs import run
from brink.scenario import bundled_scenarios, load_scenario

FIXTURES = Path(__file__).parent / "fixtures"
FIXTURE: dict[str, Any] = json.loads((FIXTURES / "numbers_0.2.0.json").read_text())
RUNS: dict[str, dict[str, Any]] = FIXTURE["runs"]
OLD: dict[str, dict[str, Any]] = json.loads((FIXTURES / "numbers_0.1.0.json").read_text())["runs"]
#: 0.1.0 names whose single-exchange version is bundled under another name (as in test_numbers_010).
RENAMED = {f"{n}-exchange": n for n in ("ukraine-2022", "ukraine-in-nato", "cuban-missile-crisis-1962", "july-1914")}


def _old_name(name: str) -> str | None:
    """The name ``name``'s model had in 0.1.0 (None: a new model under an old name)."""
    if name in RENAMED:
        return RENAMED[name]
    return None if name in RENAMED.values() else name


PINNED_BY_010 = {name for name in RUNS if _old_name(name) in OLD}
#: (scenario, key) -> why the number moved on purpose (and CHANGELOG's entry); none so far.
CHANGED: dict[tuple[str, str], str] = {}
#: Outcomes 0.3.0 reports that 0.2.0 did not, or no longer reports, by template, and why.
ADDED = {"escalation": {"outcomes.war": "the headline's chance of war: loss_of_control + war_decided + stalemate (issue 24)"}}
REMOVED = {"escalation": {"outcomes.declared.*": "a declaration the scenario fixes is an input, not an outcome (issue 24)"}}
#: The slowest scenarios run seed 0 in the quick tier and the other seeds in the slow one.
HEAVY = {"ukraine-2022", "ukraine-in-nato", "cuban-missile-crisis-1962", "july-1914"}

CASES = [
    pytest.param(name, int(seed), marks=[pytest.mark.slow] if name in HEAVY and seed != "0" else [],
                 id=f"{name}-{seed}")
    for name in sorted(RUNS) if name not in PINNED_BY_010
    for seed in sorted(RUNS[name])
]


def _matches(key: str, patterns: dict[str, str]) -> bool:
    import fnmatch

    return any(fnmatch.fnmatchcase(key, p) for p in patterns)


def _compare(name: str, kind: str, got: dict[str, float | None], want: dict[str, float | None]) -> list[str]:
    template = load_scenario(name).template
    added, removed = ADDED.get(template, {}), REMOVED.get(template, {})
    new = {k for k in set(got) - set(want) if not _matches(f"{kind}.{k}", added)}
    gone = {k for k in set(want) - set(got) if not _matches(f"{kind}.{k}", removed)}
    assert not new and not gone, f"{name}: {kind} differ: new {sorted(new)}, gone {sorted(gone)}"
    if template == "escalation" and kind == "outcomes":
        sc = load_scenario(name)
        assert {k for k in got if k.startswith("declared.")} == {f"declared.{d}" for d in sc.process.declarations}
        if "war" in got and got["war"] is not None:
            parts = [got[k] for k in ("loss_of_control", "war_decided", "stalemate")]
            assert got["war"] == pytest.approx(sum(p for p in parts if p is not None), abs=1e-12)
    want = {k: v for k, v in want.items() if k in got}
    return [
        f"{name} {kind}.{key}: {got[key]!r} != {want[key]!r}"
        for key in sorted(want)
        if got[key] != want[key] and (name, f"{kind}.{key}") not in CHANGED
    ]


@pytest.mark.parametrize(("name", "seed"), CASES)
def test_bundled_scenario_numbers_equal_020(name: str, seed: int) -> None:
    expected = RUNS[name][str(seed)]
    result = run(load_scenario(name), samples=FIXTURE["samples"], seed=seed).to_json()
    assert result["failed"] == expected["failed"]
    outcomes = {k: v["p"] for k, v in result["outcomes"].items()}
    metrics = {k: v["mean"] for k, v in result["metrics"].items()}
    wrong = _compare(name, "outcomes", outcomes, expected["outcomes"]) + _compare(name, "metrics", metrics, expected["metrics"])
    assert not wrong, "\n".join(wrong)


def test_fixture_covers_every_bundled_scenario() -> None:
    assert set(RUNS) == set(bundled_scenarios())
    assert all(set(seeds) == {"0", "1", "2"} for seeds in RUNS.values())


@pytest.mark.parametrize("name", sorted(PINNED_BY_010))
def test_scenarios_pinned_by_010_gave_the_same_numbers_in_020(name: str) -> None:
    old = _old_name(name)
    assert old is not None and RUNS[name] == OLD[old]
