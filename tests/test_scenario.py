"""Scenario loading: bundled scenarios validate; bad inputs give located InputErrors."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any, ClassVar, Literal

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ConfigDict

from brink.errors import InputError
from brink.scenario import (
    bundled_scenarios,
    load_scenario,
    resolve_scenario_source,
    scenario_from_data,
)
from brink.templates.base import REGISTRY, Template, get_template

BUNDLED = Path(__file__).resolve().parents[1] / "src" / "brink" / "scenarios"
BASE = BUNDLED / "ukraine-2022.yaml"


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


@pytest.mark.parametrize("name", sorted(bundled_scenarios()))
def test_every_number_of_every_bundled_scenario_has_provenance(name: str) -> None:
    """Each number the game reads (defaults included) is covered by a source or marked an assumption.

    For a theory template the numbers are those of its ``game:`` section, including the
    template's ``Spec`` defaults the file does not write.
    """
    sc = load_scenario(name)
    assert sc.unsourced() == []
    numbers = list(sc.parameters.names)
    if sc.template != "crisis":
        spec = get_template(sc.template).Spec
        assert spec is not None
        numbers = [n for n in numbers if n.startswith("game.")]
        assert {n.split(".", 1)[1] for n in numbers} == set(spec.model_fields) - {"c_B"}, name
    for path in numbers:
        origin = sc.provenance_of(path)
        assert origin is not None, (name, path)
        assert origin in sc.sources or origin.startswith("assumption"), (path, origin)


def test_bundled_list_includes_the_theory_scenarios() -> None:
    assert set(bundled_scenarios()) >= {*CRISIS_SCENARIOS, "fearon-1995", "deterrence-rudimentary", "tripartite-crisis"}


def test_unsourced_counts_template_defaults_the_file_leaves_out(tmp_path: Path) -> None:
    data = yaml.safe_load((BUNDLED / "deterrence-rudimentary.yaml").read_text())
    del data["game"]["defender_sq"], data["provenance"]["game.defender_sq"]
    del data["provenance"]["game.challenger_dd"]
    path = tmp_path / "d.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    assert load_scenario(path).unsourced() == ["game.challenger_dd", "game.defender_sq"]


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


def _fearon_variant(tmp_path: Path, text_edits: dict[str, str]) -> tuple[Path, list[str]]:
    text = (BUNDLED / "fearon-1995.yaml").read_text()
    for old, new in text_edits.items():
        assert old in text
        text = text.replace(old, new)
    path = tmp_path / "f.yaml"
    path.write_text(text)
    return path, text.splitlines()


def test_game_section_errors_are_all_reported_and_located(tmp_path: Path) -> None:
    """Template.spec reports every pydantic error at file:line:col, not only the first."""
    path, lines = _fearon_variant(tmp_path, {"offers: 101": "offers: 1", "types: 100": "types: 100\n  typs: 3"})
    with pytest.raises(InputError) as err:
        load_scenario(path)
    message = str(err.value)
    located = re.findall(rf"{re.escape(str(path))}:(\d+):(\d+): (game\.\w+): ", message)
    assert {p for _, _, p in located} == {"game.offers", "game.typs"}
    for line, col, dotted in located:
        key = dotted.split(".")[1]
        assert lines[int(line) - 1][int(col) - 1 :].startswith(f"{key}:"), (line, col, dotted)
    assert "greater than or equal to 2" in message and "Remove it or correct its spelling" in message
    assert "accepts p, c_A, c_bar, c_B, offers, types" in message


def test_game_section_error_from_an_override_names_the_override() -> None:
    with pytest.raises(InputError) as err:
        load_scenario("fearon-1995", ["game.offers=5000"])
    assert "--set game.offers=5000: game.offers: " in str(err.value)


def test_scenario_from_data_reports_every_error() -> None:
    data = yaml.safe_load(BASE.read_text())
    data["crisis"]["ladder"] = "up"
    data["actors"]["RUS"]["nuclear"]["tactical"] = 5
    with pytest.raises(InputError) as err:
        scenario_from_data(data, "mine")
    lines = str(err.value).splitlines()
    assert any(line.startswith("mine: crisis.ladder: ") for line in lines), lines
    assert any(line.startswith("mine: actors.RUS.nuclear.tactical: Extra inputs") for line in lines), lines


def test_resolve_scenario_source_is_public() -> None:
    assert resolve_scenario_source("fearon-1995") == Path(str(BUNDLED / "fearon-1995.yaml"))
    assert resolve_scenario_source(BASE) == BASE
    with pytest.raises(InputError, match=r"no scenario named 'nope'.*ukraine-2022"):
        resolve_scenario_source("nope")
    with pytest.raises(InputError, match="not found"):
        resolve_scenario_source("missing.yaml")


class _SettingSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    x: float | str = 0.0
    rounds: int = 3
    mode: Literal["fast", "exact"] = "fast"
    label: str = ""


class _SettingTemplate(Template):
    """A stub template with non-numeric settings in its ``game:`` section."""

    name: ClassVar[str] = "settings-stub"
    Spec: ClassVar[type[BaseModel] | None] = _SettingSpec

    def build(self, scenario: Any, params: Any, *, information: Any = "perfect") -> Any:
        raise NotImplementedError

    def outcomes(self, scenario: Any, params: Any, solution: Any) -> dict[str, Any]:
        raise NotImplementedError


def test_templates_declare_non_numeric_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Text settings in ``game:`` are not read as distributions; numbers still are."""
    monkeypatch.setitem(REGISTRY, "settings-stub", _SettingTemplate())
    assert _SettingTemplate().settings() == {"mode", "label"}
    path = tmp_path / "s.yaml"
    path.write_text(
        "name: s\ntemplate: settings-stub\n"
        "game: {x: 'uniform(0, 2)', rounds: 4, mode: exact, label: 'beta(2, 2) is not a distribution here'}\n"
    )
    sc = load_scenario(path)
    assert {n for n in sc.parameters.names if n.startswith("game.")} == {"game.x", "game.rounds"}
    assert sc.parameters.uncertainties == ["game.x"]
    spec = get_template("settings-stub").spec(sc)
    assert isinstance(spec, _SettingSpec) and spec.mode == "exact"
    path.write_text("name: s\ntemplate: settings-stub\ngame: {mode: slow}\n")
    with pytest.raises(InputError, match=r"s\.yaml:3:\d+: game\.mode: .*'fast' or 'exact'"):
        load_scenario(path)


@pytest.mark.parametrize(
    ("expression", "token"),
    [("commitments.nato-ukr.reliability * 2", "commitments.nato-ukr.reliability"), ("nato-ukr + 1", "nato-ukr")],
)
def test_hyphenated_names_in_expressions_explain_the_limit(expression: str, token: str) -> None:
    with pytest.raises(InputError) as err:
        load_scenario("ukraine-2022", [f"energy_discount.sustainable_months={expression}"])
    message = str(err.value)
    assert "names in expressions must be identifiers" in message
    assert f"{token!r} reads as {token.replace('-', ' - ')!r}" in message
    assert "without hyphens" in message


def test_a_genuine_subtraction_of_known_names_still_works() -> None:
    sc = load_scenario("ukraine-2022", ["energy_discount.sustainable_months=reserves_usd_bn-offered_usd_per_bbl"])
    assert "energy_discount.sustainable_months" in sc.parameters.expressions
