"""Scenario loading: bundled scenarios validate; bad inputs give located InputErrors."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from brink.errors import InputError
from brink.scenario import bundled_scenarios, load_scenario

BASE = Path(__file__).resolve().parents[1] / "src" / "brink" / "scenarios" / "ukraine-2022.yaml"


def _variant(tmp_path: Path, edit: dict[str, object]) -> Path:
    data = yaml.safe_load(BASE.read_text())
    for path, value in edit.items():
        node = data
        keys = path.split(".")
        for k in keys[:-1]:
            node = node[int(k)] if isinstance(node, list) else node[k]
        node[keys[-1]] = value
    out = tmp_path / "s.yaml"
    out.write_text(yaml.safe_dump(data, sort_keys=False))
    return out


def test_bundled_scenarios_validate() -> None:
    names = bundled_scenarios()
    assert "ukraine-2022" in names
    for name in names:
        sc = load_scenario(name)
        assert sc.parameters.uncertainties


@pytest.mark.parametrize(
    ("edit", "needle"),
    [
        ({"commitments.0.guarantor": "XYZ"}, "unknown actor 'XYZ'"),
        ({"doctrines.NATO.resolve": "uniform(0.5, 1.5)"}, "outside [0, 1]"),
        ({"actors.RUS.nuclear.non_strategic": -5}, "negative"),
        ({"crisis.ladder": []}, "empty"),
        ({"crisis.ladder": ["concede", "hold-conventional", "concede"]}, "twice"),
        ({"crisis.ladder": ["hold-conventional", "concede"]}, "monoton"),
        ({"energy_discount.sustainable_months": "__import__('os').system('x')"}, "the functions"),
    ],
)
def test_bad_inputs_are_located_input_errors(tmp_path: Path, edit: dict[str, object], needle: str) -> None:
    path = _variant(tmp_path, edit)
    with pytest.raises(InputError) as err:
        load_scenario(path)
    assert needle in str(err.value)
    assert str(path) in str(err.value)


CRISIS_SCENARIOS = ["ukraine-2022", "ukraine-in-nato", "cuban-missile-crisis-1962", "july-1914"]


@pytest.mark.parametrize("name", CRISIS_SCENARIOS)
def test_every_number_of_every_bundled_scenario_has_provenance(name: str) -> None:
    """Each numeric leaf (defaults included) is covered by a source or marked an assumption."""
    sc = load_scenario(name)
    assert sc.template == "crisis"
    assert sc.unsourced() == []
    for path in sc.parameters.names:
        origin = sc.provenance_of(path)
        assert origin is not None
        assert origin in sc.sources or origin.startswith("assumption"), (path, origin)


def test_bundled_scenarios_are_the_four_of_the_brief() -> None:
    assert set(bundled_scenarios()) >= set(CRISIS_SCENARIOS)


def test_ukraine_2022_uses_all_nine_mechanisms() -> None:
    sc = load_scenario("ukraine-2022")
    assert sc.commitments and any(c.umbrella for c in sc.commitments)  # M1, M2
    assert sc.crisis is not None and any(r.nuclear for r in sc.crisis.ladder)  # M3
    assert "NATO" in sc.doctrines and sc.doctrines["NATO"].declared == "conventional-strike"  # M4, M5
    assert {"CHN", "IND", "SAU"} <= set(sc.partners)  # M6, M8
    assert sc.energy_discount.offered_usd_per_bbl.root != 0.0  # M7
    assert sc.actors["RUS"].resource_wealth is not None  # M9


@pytest.mark.parametrize(
    ("edit", "needle"),
    [
        ({"provenance.crisis.balance": "wikipedia"}, "neither a source nor an assumption"),
        ({"provenance.crisis.nonsense": "assumption"}, "not a field"),
    ],
)
def test_bad_provenance_is_refused(tmp_path: Path, edit: dict[str, object], needle: str) -> None:
    data = yaml.safe_load(BASE.read_text())
    for key, value in edit.items():
        data["provenance"][key.split(".", 1)[1]] = value
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    with pytest.raises(InputError, match="provenance"):
        load_scenario(path)
    with pytest.raises(InputError) as err:
        load_scenario(path)
    assert needle in str(err.value)


_LEAF = st.one_of(
    st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(["uniform(0.2, 0.1)", "beta(-1, 2)", "normal(0, 1)", "1 / 0", "x +", "lognormal(1, 0.3)",
                     "triangular(5, 15, 30)", "[]", "{}", "XYZ", "-5", "nan", "__import__('os')"]),
    st.lists(st.integers(0, 50), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)


def _paths(node: object, prefix: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    out: list[tuple[object, ...]] = [prefix] if prefix else []
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, (*prefix, i))
    return out


_DATA = yaml.safe_load(BASE.read_text())
_ALL_PATHS = _paths(_DATA)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    edits=st.lists(st.tuples(st.sampled_from(_ALL_PATHS), st.one_of(_LEAF, st.just("<delete>"))), min_size=1, max_size=3)
)
def test_fuzzed_scenarios_raise_only_input_errors(tmp_path_factory: pytest.TempPathFactory, edits: list[tuple[tuple[object, ...], object]]) -> None:
    data = copy.deepcopy(_DATA)
    for path, value in edits:
        node: Any = data
        try:
            for k in path[:-1]:
                node = node[k]
            if value == "<delete>":
                del node[path[-1]]
            else:
                node[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue
    file = tmp_path_factory.mktemp("fuzz") / "s.yaml"
    file.write_text(yaml.safe_dump(data, sort_keys=False))
    try:
        sc = load_scenario(file)
    except InputError as exc:
        assert str(file) in str(exc) or "--set" in str(exc) or "scenario" in str(exc)
        return
    from brink.model import CrisisModel

    model = CrisisModel(sc)
    ev = model.evaluate(model.draw(0, 0, 8))
    assert ev.n == 8


@settings(max_examples=60, deadline=None)
@given(text=st.text(max_size=200))
def test_arbitrary_text_raises_only_input_errors(tmp_path_factory: pytest.TempPathFactory, text: str) -> None:
    file = tmp_path_factory.mktemp("raw") / "s.yaml"
    file.write_text(text, encoding="utf-8")
    with pytest.raises(InputError):
        load_scenario(file)
