"""Authoring (issue 15): ``brink init``, ``brink ladder``, schema descriptions, the
``parameters:`` block and ``brink validate --strict``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from pydantic import BaseModel
from typer.testing import CliRunner

import brink.cli.scenario  # noqa: F401  (registers init, ladder, validate, schema)
from brink.cli import app
from brink.errors import InputError
from brink.scenario import load_scenario, scenario_from_data

runner = CliRunner()


def _run(*args: str) -> Any:
    result = runner.invoke(app, list(args))
    return result


# --- brink init ---------------------------------------------------------------------------


@pytest.mark.parametrize("template", ["crisis", "escalation"])
def test_init_writes_a_valid_sourced_starter(tmp_path: Path, template: str) -> None:
    target = tmp_path / "mine.yaml"
    result = _run("init", str(target), "--template", template)
    assert result.exit_code == 0, result.output
    text = target.read_text()
    assert text.lstrip().startswith("#") and text.count("\n#") > 3  # commented
    sc = load_scenario(str(target))
    assert sc.template == template
    assert sc.unsourced() == []  # provenance for every number, defaults included
    assert sc.user_parameters  # it shows the parameters: block, read by an expression
    strict = _run("validate", str(target), "--strict", "--json")
    assert strict.exit_code == 0, strict.output
    assert json.loads(strict.output)["warnings"] == []
    if template == "escalation":  # the regime sets the base hazard: the starter leaves it out
        assert "base_hazard" not in (yaml.safe_load(text).get("survival") or {})


def test_init_never_overwrites(tmp_path: Path) -> None:
    target = tmp_path / "mine.yaml"
    target.write_text("keep me")
    result = _run("init", str(target))
    assert isinstance(result.exception, InputError)  # exit 2 through brink's main
    assert "never overwrites" in str(result.exception)
    assert target.read_text() == "keep me"
    folder = _run("init", str(tmp_path))  # a folder is refused like any output path
    assert isinstance(folder.exception, InputError) and "not a regular file" in str(folder.exception)


def test_init_prints_without_file() -> None:
    result = _run("init")
    assert result.exit_code == 0
    data = yaml.safe_load(result.output)
    assert data["template"] == "escalation" and data["name"]  # the multi-round crisis by default
    assert json.loads(_run("init", "--json").output)["text"] == result.output
    bad = _run("init", "--template", "fearon")
    assert isinstance(bad.exception, InputError) and "no starter" in str(bad.exception)


# --- brink ladder -------------------------------------------------------------------------


def test_ladder_lists_kahns_rungs_and_known_names() -> None:
    from brink.mechanisms.ladder import CENTRAL_RUNG, KNOWN_RUNGS, NUCLEAR_RUNG

    result = _run("ladder", "--json")
    assert result.exit_code == 0
    out = json.loads(result.output)
    rungs = out["rungs"]
    assert [r["number"] for r in rungs] == list(range(1, 45))
    assert len({r["group"] for r in rungs}) == 7
    assert rungs[NUCLEAR_RUNG - 1]["threshold"] == "No nuclear use"
    assert rungs[NUCLEAR_RUNG - 1]["category"] == "nuclear" and rungs[NUCLEAR_RUNG - 2]["category"] != "nuclear"
    assert rungs[CENTRAL_RUNG - 1]["threshold"] == "Central sanctuary"
    assert out["known_rungs"] == dict(KNOWN_RUNGS)
    table = _run("ladder")
    assert "Spasm or insensate war" in table.output.replace("\n", " ") or "44" in table.output
    assert "demonstration-shot = 21" in table.output


# --- schema descriptions --------------------------------------------------------------------


def _models() -> list[type[BaseModel]]:
    import inspect

    import brink.aftermath.spec as aftermath
    import brink.crisis.schema as crisis
    import brink.scenario.schema as common
    import brink.templates.escalation.spec as escalation

    out: list[type[BaseModel]] = []
    for mod in (common, crisis, escalation, aftermath):
        for obj in vars(mod).values():
            if inspect.isclass(obj) and issubclass(obj, BaseModel) and obj.__module__ == mod.__name__:
                out.append(obj)
    return out


def test_every_field_has_a_description() -> None:
    models = _models()
    assert len(models) >= 25
    missing = [f"{m.__name__}.{f}" for m in models for f, info in m.model_fields.items()
               if not (info.description or "").strip()]
    assert missing == []


def test_schema_shows_descriptions() -> None:
    result = _run("schema")
    schema = json.loads(result.output)
    defs = schema["$defs"]
    assert "Kahn" in defs["Doctrine"]["properties"]["applies_from"]["description"]
    assert defs["Process"]["properties"]["rounds"]["description"]
    assert "User-defined" in schema["properties"]["parameters"]["description"]
    assert schema["properties"]["process"]["description"].endswith("Section of template: escalation")


# --- parameters: ----------------------------------------------------------------------------


def _with_parameter(**changes: Any) -> dict[str, Any]:
    data = yaml.safe_load(Path(load_scenario("cuban-missile-crisis-1962-exchange").source).read_text())
    data["parameters"] = {"semiconductor_dependence": "uniform(0.3, 0.7)"}
    data["costs"]["sanctions"] = "0.1 + 0.2 * semiconductor_dependence"
    data["provenance"]["parameters.semiconductor_dependence"] = "assumption"
    data.update(changes)
    return data


def test_user_parameter_is_drawn_and_read_by_name() -> None:
    from brink.scenario.distributions import parse_distribution
    from brink.scenario.random import draw

    sc = scenario_from_data(_with_parameter())
    P = sc.parameters
    assert "parameters.semiconductor_dependence" in P.uncertainties
    values = P.draw(7, 0, 500)
    x = values["parameters.semiconductor_dependence"]
    # its own stream, keyed by its path: the same numbers as drawing it alone
    alone = draw({"parameters.semiconductor_dependence": parse_distribution("uniform(0.3, 0.7)")}, 7, 0, 500)
    np.testing.assert_array_equal(x, alone["parameters.semiconductor_dependence"])
    assert x.min() >= 0.3 and x.max() <= 0.7
    np.testing.assert_allclose(values["costs.sanctions"], 0.1 + 0.2 * x)
    # other numbers keep their streams (common random numbers with the scenario without it)
    base = load_scenario("cuban-missile-crisis-1962-exchange").parameters.draw(7, 0, 500)
    np.testing.assert_array_equal(values["crisis.balance"], base["crisis.balance"])
    assert sc.unsourced() == []
    data = _with_parameter()
    del data["provenance"]["parameters.semiconductor_dependence"]
    assert scenario_from_data(data).unsourced() == ["parameters.semiconductor_dependence"]


@pytest.mark.parametrize(
    ("name", "message"),
    [("exp", "built-in function"), ("costs", "section"), ("sanctions", "costs.sanctions"), ("2x", "not a name")],
)
def test_user_parameter_name_clashes_are_refused(name: str, message: str) -> None:
    data = _with_parameter()
    data["parameters"] = {name: 0.5}
    data["provenance"] = {**data["provenance"], f"parameters.{name}": "assumption: unused"}
    data["costs"]["sanctions"] = 0.1
    with pytest.raises(InputError, match=message):
        scenario_from_data(data)


def test_unread_user_parameter_needs_provenance_saying_so() -> None:
    data = _with_parameter()
    data["costs"]["sanctions"] = 0.1
    with pytest.raises(InputError, match="read by no expression"):
        scenario_from_data(data)
    data["provenance"]["parameters.semiconductor_dependence"] = "assumption: unused until the blockade variant"
    assert "parameters.semiconductor_dependence" in scenario_from_data(data).parameters.uncertainties


def test_bundled_numbers_unchanged_by_the_parameters_block() -> None:
    """A scenario without ``parameters:`` serialises as before (no new key), so stored run
    digests and draws stay the same."""
    from brink.model import CrisisModel

    sc = load_scenario("ukraine-2022-exchange")
    assert "parameters" not in json.loads(CrisisModel(sc).scenario_json)
    assert not any(p.startswith("parameters.") for p in sc.parameters.names)
    with_block = scenario_from_data(_with_parameter())
    assert json.loads(CrisisModel(with_block).scenario_json)["parameters"] == {
        "semiconductor_dependence": "uniform(0.3, 0.7)"
    }


# --- validate --strict ------------------------------------------------------------------------


def _write(tmp_path: Path, data: dict[str, Any]) -> Path:
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def test_strict_warns_of_unsourced_inert_commitments_and_levers(tmp_path: Path) -> None:
    data = yaml.safe_load(_run("init", "--template", "crisis").output)
    del data["provenance"]["crisis.balance"]
    data["actors"]["PUR"] = {"kind": "state", "name": "Purpleland"}
    data["commitments"].append({"id": "yel-pur", "guarantor": "YEL", "protege": "PUR", "type": "defense"})
    data["levers"]["costs.sphere_value"] = [0.0, 0.0001]  # no partner has a sphere interest: inert
    path = _write(tmp_path, data)
    plain = _run("validate", str(path))
    assert plain.exit_code == 0 and "warning" not in plain.output
    result = _run("validate", str(path), "--strict")
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.output.splitlines() if line.startswith("warning: ")]
    assert len(warnings) == 3, result.output
    assert any("crisis.balance: number without provenance" in w for w in warnings)
    assert any("commitment yel-pur is read by no template" in w for w in warnings)
    assert any("lever costs.sphere_value changes no outcome" in w for w in warnings)
    assert not any("doctrines.BLU.applies_from" in w for w in warnings)  # a lever that matters
    out = json.loads(_run("validate", str(path), "--strict", "--json").output)
    assert out["ok"] is True and len(out["warnings"]) == 3


def test_strict_warns_of_a_commitment_that_changes_nothing(tmp_path: Path) -> None:
    """A commitment the template reads (its guarantor is the defender) but whose removal leaves
    every outcome the same on the fixed draw is named; one that matters is not."""
    from brink.analysis.audit import _commitment_warnings

    data = yaml.safe_load(_run("init", "--template", "crisis").output)
    data["actors"]["PUR"] = {"kind": "state", "name": "Purpleland"}
    data["commitments"].append({"id": "blu-pur", "guarantor": "BLU", "protege": "PUR", "type": "consultation"})
    sc = load_scenario(str(_write(tmp_path, data)))
    warnings = _commitment_warnings(sc)
    assert [w for w in warnings if "blu-pur changes no outcome" in w]
    assert not [w for w in warnings if "blu-grn" in w]  # the guarantee of the target matters
    data["commitments"][-1]["context"] = "listed to record that Purpleland is not covered"
    sc = load_scenario(str(_write(tmp_path, data)))
    assert not [w for w in _commitment_warnings(sc) if "blu-pur" in w]  # the scenario says why it is there


@pytest.mark.slow
@pytest.mark.parametrize("name", ["ukraine-2022", "ukraine-2022-exchange"])
def test_the_ukraine_scenarios_say_why_their_inert_commitments_are_listed(name: str) -> None:
    """No inert parameter: the commitments of the Ukraine scenarios that change no outcome
    (NATO's guarantee of Poland, the absent one of Ukraine) carry their ``context``, so the
    strict audit has no commitment warning; removing a context brings the warning back."""
    from brink.analysis.audit import _commitment_warnings

    sc = load_scenario(name)
    assert _commitment_warnings(sc) == []
    data = sc.model_dump(mode="json", exclude={"source"})
    for c in data["commitments"]:
        c["context"] = ""
    from brink.scenario import scenario_from_data

    bare = scenario_from_data(data, source=sc.source)
    assert {w.split("commitment ")[1].split(" ")[0] for w in _commitment_warnings(bare)} == {"nato-pol", "nato-ukr"}
