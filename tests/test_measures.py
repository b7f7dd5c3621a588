"""Every outcome and metric brink reports has a group, a one-line meaning and a unit (issue 24)."""

from __future__ import annotations

import pytest

from brink.measures import GROUPS, MEASURES, Measure, measure, register
from brink.runs import run
from brink.scenario import bundled_scenarios, load_scenario
from brink.templates import REGISTRY


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_every_declared_name_of_every_template_has_a_measure(name: str) -> None:
    caps = REGISTRY[name].capabilities
    missing = [p for p in (*caps.outcomes, *caps.metrics) if measure(p) is None and p not in MEASURES]
    assert not missing, f"template {name}: no measure for {missing}; add them to brink.measures"


@pytest.mark.parametrize("name", bundled_scenarios())
def test_every_reported_name_of_every_bundled_scenario_resolves(name: str) -> None:
    result = run(load_scenario(name), samples=16, seed=0).to_json()
    for key in (*result["outcomes"], *result["metrics"]):
        m = measure(key)
        assert m is not None, f"{name}: {key} has no measure"
        assert m.group in GROUPS and m.meaning and m.unit
    for key in result["outcomes"]:
        assert measure(key).unit == "probability"  # type: ignore[union-attr]


def test_patterns_match_families_and_exact_names_win() -> None:
    assert measure("rung.central-attack") == MEASURES["rung.*"]
    assert measure("partner_abandons.CHN") == MEASURES["partner_abandons.*"]
    assert measure("partners_abandon") == MEASURES["partners_abandon"]
    assert measure("no_such_thing") is None


def test_register_refuses_a_second_meaning_and_an_unknown_group() -> None:
    register("settlement", MEASURES["settlement"])  # the same entry again is fine
    with pytest.raises(ValueError, match="already registered"):
        register("settlement", Measure(GROUPS[0], "something else"))
    with pytest.raises(ValueError, match="unknown group"):
        register("my_outcome", Measure("elsewhere", "x"))


@pytest.mark.parametrize("name", [n for n in bundled_scenarios() if load_scenario(n).template == "escalation"])
def test_no_input_is_reported_as_an_outcome(name: str) -> None:
    """A declaration the scenario fixes is an input: only a declaration the defender chooses
    (process.declarations) is an outcome; and ``war`` is the three war endings together."""
    sc = load_scenario(name)
    result = run(sc, samples=16, seed=0).to_json()["outcomes"]
    assert {k for k in result if k.startswith("declared.")} == {f"declared.{d}" for d in sc.process.declarations}
    war = sum(result[k]["p"] for k in ("loss_of_control", "war_decided", "stalemate"))
    assert result["war"]["p"] == pytest.approx(war, abs=1e-12)
