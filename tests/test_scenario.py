"""Scenario loading: bundled scenarios validate; bad inputs give located InputErrors."""

from __future__ import annotations

import copy
import os
import re
import stat
import subprocess
import time
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
from brink.scenario.registry import SCHEMAS
from brink.templates.base import REGISTRY, Template, get_template

BUNDLED = Path(__file__).resolve().parents[1] / "src" / "brink" / "scenario" / "bundled"
BASE = BUNDLED / "ukraine-2022-exchange.yaml"


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
    assert "ukraine-2022-exchange" in names
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


CRISIS_SCENARIOS = ["ukraine-2022-exchange", "ukraine-in-nato-exchange", "cuban-missile-crisis-1962-exchange", "july-1914-exchange"]


@pytest.mark.parametrize("name", sorted(bundled_scenarios()))
def test_every_number_of_every_bundled_scenario_has_provenance(name: str) -> None:
    """Each number the game reads (defaults included) is covered by a source or marked an assumption.

    For a theory template the numbers are those of its ``game:`` section, including the
    template's ``Spec`` defaults the file does not write.
    """
    sc = load_scenario(name)
    assert sc.unsourced() == []
    numbers = list(sc.parameters.names)
    if not type(sc).reads_section_defaults:
        spec = get_template(sc.template).Spec
        assert spec is not None
        numbers = [n for n in numbers if n.startswith("game.")]
        template = get_template(sc.template)
        given = template.spec(sc).model_dump()  # type: ignore[union-attr]
        expected = {k for k, v in given.items() if v is not None} - template.settings()
        assert {n.split(".", 1)[1] for n in numbers} == expected, name
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
    sc = load_scenario("ukraine-2022-exchange")
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
    with pytest.raises(InputError, match=r"no scenario named 'nope'.*ukraine-2022-exchange"):
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

    def build(self, scenario: Any, params: Any, *, information: Any = "perfect", prepared: Any = None) -> Any:
        raise NotImplementedError

    def outcomes(self, scenario: Any, params: Any, solution: Any, prepared: Any = None) -> dict[str, Any]:
        raise NotImplementedError


def test_templates_declare_non_numeric_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Text settings in ``game:`` are not read as distributions; numbers still are."""
    monkeypatch.setitem(REGISTRY, "settings-stub", _SettingTemplate())
    monkeypatch.setitem(SCHEMAS, "settings-stub", REGISTRY["settings-stub"])
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
        load_scenario("ukraine-2022-exchange", [f"energy_discount.sustainable_months={expression}"])
    message = str(err.value)
    assert "names in expressions must be identifiers" in message
    assert f"{token!r} reads as {token.replace('-', ' - ')!r}" in message
    assert "without hyphens" in message


def test_a_genuine_subtraction_of_known_names_still_works() -> None:
    sc = load_scenario("ukraine-2022-exchange", ["energy_discount.sustainable_months=reserves_usd_bn-offered_usd_per_bbl"])
    assert "energy_discount.sustainable_months" in sc.parameters.expressions


# ---- issue 10: structure before provenance, levers, non-file paths, aliases ------------------


def _without(tmp_path: Path, edit: Any) -> Path:
    data = yaml.safe_load(BASE.read_text())
    edit(data)
    out = tmp_path / "v.yaml"
    out.write_text(yaml.safe_dump(data, sort_keys=False))
    return out


@pytest.mark.parametrize(
    ("edit", "needle"),
    [
        (lambda d: d.pop("crisis"), "the crisis template needs a crisis section"),
        (lambda d: d.pop("actors"), "unknown actor 'NATO'"),
        (lambda d: d["doctrines"].__setitem__("NATOX", d["doctrines"].pop("NATO")), "doctrines.NATOX: unknown actor 'NATOX'"),
        (lambda d: d["partners"].__setitem__("CHNX", d["partners"].pop("CHN")), "partners.CHNX: unknown actor 'CHNX'"),
    ],
)
def test_structural_errors_come_before_provenance(tmp_path: Path, edit: Any, needle: str) -> None:
    """0.1.0 reported only "provenance names X", the echo of the real error."""
    path = _without(tmp_path, edit)
    with pytest.raises(InputError) as err:
        load_scenario(path)
    assert needle in str(err.value)
    assert "provenance" not in str(err.value)
    assert str(path) in str(err.value)


def test_a_provenance_error_still_shows_when_the_structure_is_sound(tmp_path: Path) -> None:
    path = _without(tmp_path, lambda d: d["provenance"].__setitem__("costs.conventional_wat", "assumption"))
    with pytest.raises(InputError) as err:
        load_scenario(path)
    msg = str(err.value)
    assert "provenance names 'costs.conventional_wat'" in msg
    assert "Did you mean costs.conventional_war?" in msg
    line = int(msg.split(":")[1])
    assert "costs.conventional_wat" in path.read_text().splitlines()[line - 1]


def test_a_lever_on_a_missing_path_is_refused_where_it_is_written(tmp_path: Path) -> None:
    path = _without(tmp_path, lambda d: d["levers"].__setitem__("doctrines.NATOO.declared", ["none", "sanctions"]))
    with pytest.raises(InputError) as err:
        load_scenario(path)
    msg = str(err.value)
    assert "'doctrines.NATOO.declared' is not a setting of scenario ukraine-2022-exchange" in msg
    assert "Did you mean doctrines.NATO.declared?" in msg
    line = int(msg.split(":")[1])
    assert "doctrines.NATOO.declared" in path.read_text().splitlines()[line - 1]
    with pytest.raises(InputError, match=r"levers\.costs\.war: .*Did you mean costs\.conventional_war\?"):
        load_scenario(_without(tmp_path, lambda d: d["levers"].__setitem__("costs.war", [0.1, 0.2])))
    with pytest.raises(InputError, match="has no options"):
        load_scenario(_without(tmp_path, lambda d: d["levers"].__setitem__("costs.sanctions", [])))


def test_levers_on_game_fields_with_defaults_are_accepted(tmp_path: Path) -> None:
    text = (BUNDLED / "fearon-1995.yaml").read_text() + "\nlevers:\n  game.p: [0.3, 0.5]\n"
    path = tmp_path / "f.yaml"
    path.write_text(text)
    assert load_scenario(path).levers == {"game.p": [0.3, 0.5]}
    path.write_text(text.replace("game.p:", "game.pp:"))
    with pytest.raises(InputError, match=r"'game\.pp' is not a setting.*Did you mean game\.p\?"):
        load_scenario(path)


def test_set_on_a_misspelt_field_gets_a_did_you_mean() -> None:
    with pytest.raises(InputError) as err:
        load_scenario("ukraine-2022-exchange", ["costs.war=0.1"])
    assert str(err.value).startswith("--set costs.war=0.1: costs.war: Extra inputs are not permitted")
    assert "Did you mean costs.conventional_war?" in str(err.value)


def test_non_file_scenario_paths_get_their_own_message(tmp_path: Path) -> None:
    folder = tmp_path / "dir.yaml"
    folder.mkdir()
    with pytest.raises(InputError, match=r"dir\.yaml: is a directory, not a scenario file"):
        resolve_scenario_source(folder)
    plain = tmp_path / "plaindir"
    plain.mkdir()
    with pytest.raises(InputError, match="is a directory"):
        load_scenario(plain)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match=r"pipe: is a FIFO \(named pipe\), not a regular file"):
        load_scenario(fifo)
    with pytest.raises(InputError, match=r"scenario file .* not found"):
        load_scenario(tmp_path / "missing.yaml")


def _laughs_list(levels: int) -> str:
    return "[&a [1,1,1,1,1,1,1,1,1,1], " + ", ".join(
        f"&{c} [{','.join([f'*{p}'] * 10)}]" for p, c in zip("abcdefghij", "bcdefghijk", strict=False)
        if "abcdefghij".index(p) < levels
    ) + "]"


def test_aliases_under_game_levers_and_set_are_refused(tmp_path: Path) -> None:
    game = (BUNDLED / "fearon-1995.yaml").read_text() + "\n".join(
        ["", "levers:", f"  game.p: {_laughs_list(6)}"]
    )
    path = tmp_path / "laughs.yaml"
    path.write_text(game)
    with pytest.raises(InputError, match=r"laughs\.yaml:\d+:\d+: the document expands to more than 100,000 values"):
        load_scenario(path)
    with pytest.raises(InputError, match=r"^--set levers\.x=.*more than 100,000 values"):
        load_scenario("ukraine-2022-exchange", [f"levers.x={_laughs_list(6)}"])


def test_a_huge_whole_number_in_game_is_an_input_error() -> None:
    """0.1.0: a pydantic ValidationError traceback from the parameter collection."""
    data = yaml.safe_load((BUNDLED / "fearon-1995.yaml").read_text())
    data["game"]["p"] = 9 * 10**400
    with pytest.raises(InputError, match=r"game\.p"):
        scenario_from_data(data, "f.yaml")


# ---- the command line: exit 2 with a message, quickly, for each of these ------------------------

BRINK = str(Path(__file__).resolve().parents[1] / ".venv" / "bin" / "brink")


def _brink(*args: str, timeout: float = 120) -> tuple[int, str, float]:
    started = time.perf_counter()
    proc = subprocess.run([BRINK, *args], capture_output=True, text=True, timeout=timeout, check=False)
    return proc.returncode, proc.stderr, time.perf_counter() - started


def test_cli_refuses_billion_laughs_in_validate_and_run(tmp_path: Path) -> None:
    """0.1.0: validate said ok; run grew ~40 MB/s without limit (here it would time out)."""
    laughs = tmp_path / "laughs.yaml"
    laughs.write_text(
        (BUNDLED / "fearon-1995.yaml").read_text() + "\n".join(["", "levers:", f"  game.p: {_laughs_list(7)}", ""])
    )
    for args in (["validate", str(laughs)], ["run", str(laughs), "-n", "64", "--no-store"]):
        rc, err, _ = _brink(*args, timeout=60)
        assert rc == 2, err
        assert "the document expands to more than 100,000 values" in err and "aliases" in err
        assert "Traceback" not in err
    rc, err, _ = _brink("run", "ukraine-2022-exchange", "-n", "64", "--no-store", "--set", f"levers.x={_laughs_list(7)}", timeout=60)
    assert rc == 2 and "--set levers.x=" in err and "100,000 values" in err


def test_cli_names_what_a_non_file_scenario_path_is(tmp_path: Path) -> None:
    folder = tmp_path / "folder"
    folder.mkdir()
    rc, err, _ = _brink("run", str(folder), "-n", "64", "--no-store", timeout=60)
    assert rc == 2 and "is a directory, not a scenario file" in err and "not found" not in err
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    rc, err, _ = _brink("validate", str(fifo), timeout=60)  # 0.1.0 said "not found"; must never block
    assert rc == 2 and "is a FIFO (named pipe), not a regular file" in err
    zero = tmp_path / "zero"
    try:
        os.mknod(zero, stat.S_IFCHR | 0o600, os.makedev(1, 5))  # a fake /dev/zero, in tmp only
    except (PermissionError, OSError) as exc:
        pytest.skip(f"cannot create a device node here ({exc})")
    rc, err, _ = _brink("run", str(zero), "-n", "64", "--no-store", timeout=60)
    assert rc == 2 and "is a character device, not a regular file" in err
    assert stat.S_ISCHR(os.stat(zero).st_mode)


def test_cli_prints_locations_verbatim(tmp_path: Path) -> None:
    """0.1.0 printed "s.yaml:100:1" as "s.yaml💯1" (Rich read ":100:" as an emoji code)."""
    lines = BASE.read_text().splitlines()[:99]
    path = tmp_path / "s.yaml"
    path.write_text("\n".join([*lines, "name: twice", ""]))
    rc, err, _ = _brink("validate", str(path), timeout=60)
    assert rc == 2
    assert f"{path}:100:1: YAML syntax error" in err.replace("\n", "")
