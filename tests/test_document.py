"""Scenario documents: safe YAML/JSON loading, locations, located validation errors, overrides."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Literal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from brink.document import (
    Document,
    apply_overrides,
    load_document,
    parse_document,
    parse_value,
    validation_error,
)
from brink.errors import InputError

TEXT = """\
name: demo
actors:
  RUS:
    nuclear:
      strategic: 1674
      tactical: uniform(0.8, 0.3)
    code: NO
    flag: yes
    exports: 4.8e0
  UKR: {kind: state}
commitments:
  - {id: nato-pol, guarantor: NATO, umbrella: true}
  - id: nato-ukr
    guarantor: NATO
    umbrella: false
ladder: [concede, hold]
"""


@pytest.fixture
def doc() -> Document:
    return parse_document(TEXT, "s.yaml")


def test_yaml_data_with_core_schema_scalars(doc: Document) -> None:
    rus = doc.data["actors"]["RUS"]
    assert rus["nuclear"] == {"strategic": 1674, "tactical": "uniform(0.8, 0.3)"}
    assert rus["code"] == "NO" and rus["flag"] == "yes"  # YAML 1.1 booleans stay text
    assert rus["exports"] == 4.8 and isinstance(rus["exports"], float)
    assert parse_document("a: 1e3\nb: -2.5E-2\nc: .5\nd: 12\ne: True\nf: .inf\n").data == {
        "a": 1000.0,
        "b": -0.025,
        "c": 0.5,
        "d": 12,
        "e": True,
        "f": float("inf"),
    }
    assert doc.data["commitments"][1] == {"id": "nato-ukr", "guarantor": "NATO", "umbrella": False}


@pytest.mark.parametrize(
    ("path", "where"),
    [
        ((), "s.yaml:1:1"),
        (("name",), "s.yaml:1:1"),
        (("actors", "RUS"), "s.yaml:3:3"),
        (("actors", "RUS", "nuclear", "tactical"), "s.yaml:6:7"),
        (("actors", "UKR", "kind"), "s.yaml:10:9"),
        (("commitments", 0), "s.yaml:12:5"),
        (("commitments", 0, "umbrella"), "s.yaml:12:37"),
        (("commitments", 1, "umbrella"), "s.yaml:15:5"),
        (("commitments", "nato-ukr", "guarantor"), "s.yaml:14:5"),
        (("ladder", 1), "s.yaml:16:19"),
        # missing leaf: falls back to the deepest located ancestor
        (("actors", "RUS", "nuclear", "missing", "deeper"), "s.yaml:4:5"),
        (("nothing",), "s.yaml:1:1"),
    ],
)
def test_locate(doc: Document, path: tuple[str | int, ...], where: str) -> None:
    assert doc.locate(path) == where
    line, col = (int(x) for x in where.split(":")[1:])
    assert line >= 1 and col >= 1


def test_locations_point_at_the_key_text(doc: Document) -> None:
    lines = TEXT.splitlines()
    for path, key in [
        (("actors", "RUS", "nuclear", "tactical"), "tactical"),
        (("commitments", 1, "umbrella"), "umbrella"),
        (("actors", "UKR", "kind"), "kind"),
    ]:
        _, line, col = doc.locate(path).split(":")
        assert lines[int(line) - 1][int(col) - 1 :].startswith(key)


def test_load_yaml_and_json_files(tmp_path: Path) -> None:
    y = tmp_path / "s.yaml"
    y.write_text(TEXT, encoding="utf-8")
    assert load_document(y).data == parse_document(TEXT).data
    j = tmp_path / "s.json"
    j.write_text(json.dumps({"a": {"b": [1, {"c": 2}]}}, indent=2), encoding="utf-8")
    d = load_document(j)
    assert d.data == {"a": {"b": [1, {"c": 2}]}}
    assert d.locate(("a", "b", 1, "c")) == f"{j}:6:9"


@pytest.mark.parametrize(
    ("text", "where", "what"),
    [
        ("a: 1\nb: [1, 2\n", "s.yaml:3:1", "YAML syntax error"),
        ("a: 1\n  b: 2\n", "s.yaml:2:4", "mapping values are not allowed"),
        ("a: 1\na: 2\n", "s.yaml:2:1", "duplicate key 'a'"),
        (
            "a: !!python/object/apply:os.system ['ls']\n",
            "s.yaml:1:4",
            "could not determine a constructor",
        ),
        ("- 1\n- 2\n", "s.yaml:1:1", "top level is a list"),
        ("", "s.yaml", "empty"),
    ],
)
def test_yaml_errors_are_located(text: str, where: str, what: str) -> None:
    with pytest.raises(InputError) as info:
        parse_document(text, "s.yaml")
    msg = str(info.value)
    assert msg.startswith(where + ": ")
    assert what in msg


def test_json_syntax_error_located() -> None:
    with pytest.raises(InputError, match=r"^s\.json:2:8: JSON syntax error: Expecting value"):
        parse_document('{\n  "a": ,\n}', "s.json")


def test_missing_and_bad_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"nope\.yaml: file not found"):
        load_document(tmp_path / "nope.yaml")
    with pytest.raises(InputError, match="is a directory"):
        load_document(tmp_path)
    bad = tmp_path / "b.yaml"
    bad.write_bytes(b"a: \xff\xfe\n")
    with pytest.raises(InputError, match="not UTF-8"):
        load_document(bad)


def test_aliases_are_bounded() -> None:
    laughs = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
        for p, c in zip("abcdefg", "bcdefgh", strict=True)
    )
    d = parse_document(laughs)
    assert len(d.locations) < 200


# ---- validation errors -------------------------------------------------------------------


class Nuclear(BaseModel):
    model_config = ConfigDict(extra="forbid")
    strategic: int
    tactical: float = Field(ge=0)


class Actor(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["state", "alliance"] = "state"
    nuclear: Nuclear | None = None
    code: str = ""
    flag: str = ""
    exports: float = 0.0


class Commitment(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    guarantor: str
    umbrella: bool
    legal: bool


class Scenario(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    actors: dict[str, Actor]
    commitments: list[Commitment]
    ladder: list[str]


def test_validation_error_renders_every_error_located(doc: Document) -> None:
    data = apply_overrides(doc.data, ["actors.UKR.kind=empire", "actors.UKR.colour=blue"])
    located = Document(data, doc.source, doc.locations)
    with pytest.raises(ValidationError) as info:
        Scenario.model_validate(data)
    err = validation_error(info.value, located)
    lines = str(err).splitlines()
    assert len(lines) == len(info.value.errors()) == 5
    assert lines[0].startswith(
        "s.yaml:6:7: actors.RUS.nuclear.tactical: Input should be a valid number"
    )
    assert "(got 'uniform(0.8, 0.3)')" in lines[0]
    assert lines[0].endswith("Give a number")
    assert lines[1].startswith(
        "s.yaml:10:9: actors.UKR.kind: Input should be 'state' or 'alliance'"
    )
    assert lines[2].startswith("s.yaml:10:3: actors.UKR.colour: Extra inputs are not permitted")
    assert lines[2].endswith("Remove it or correct its spelling")
    assert lines[3] == "s.yaml:12:5: commitments.nato-pol.legal: Field required. Add this key"
    assert lines[4] == "s.yaml:13:5: commitments.nato-ukr.legal: Field required. Add this key"


def test_validation_error_with_overrides_points_at_the_override(doc: Document) -> None:
    located = doc.with_overrides(
        ["actors.RUS.nuclear.tactical=-1", "commitments.nato-pol.legal=true"]
    )
    with pytest.raises(ValidationError) as info:
        Scenario.model_validate(located.data)
    lines = str(validation_error(info.value, located)).splitlines()
    assert lines[0].startswith(
        "--set actors.RUS.nuclear.tactical=-1: actors.RUS.nuclear.tactical: Input should be greater than or equal to 0"
    )
    assert lines[1].startswith("s.yaml:13:5: commitments.nato-ukr.legal: Field required")
    assert len(lines) == 2


def test_union_tags_are_dropped_from_paths() -> None:
    class A(BaseModel):
        kind: Literal["a"]
        x: int

    class B(BaseModel):
        kind: Literal["b"]
        y: int

    class Top(BaseModel):
        item: A | B = Field(discriminator="kind")

    d = parse_document("item:\n  kind: a\n  x: many\n", "u.yaml")
    with pytest.raises(ValidationError) as info:
        Top.model_validate(d.data)
    line = str(validation_error(info.value, d))
    assert line.startswith("u.yaml:3:3: item.x: Input should be a valid integer")


# ---- overrides ---------------------------------------------------------------------------


def test_overrides_types_and_paths(doc: Document) -> None:
    before = json.dumps(doc.data, sort_keys=True)
    out = apply_overrides(
        doc.data,
        [
            "commitments.nato-ukr.umbrella=true",
            "commitments.0.guarantor=USA",
            "actors.RUS.nuclear.tactical=uniform(0.2, 0.6)",
            "actors.RUS.nuclear.strategic=1550",
            "actors.RUS.exports=4.8",
            "ladder=[concede, hold, escalate]",
            "ladder.2=central-attack",
            "actors.UKR.leader={name: Zelensky, W: 0.4}",
            "name = spaced",
            "title=a=b",
        ],
    )
    assert json.dumps(doc.data, sort_keys=True) == before  # input untouched (deep copy)
    assert out["commitments"][1]["umbrella"] is True
    assert out["commitments"][0]["guarantor"] == "USA"
    assert out["actors"]["RUS"]["nuclear"] == {"strategic": 1550, "tactical": "uniform(0.2, 0.6)"}
    assert out["actors"]["RUS"]["exports"] == 4.8
    assert out["ladder"] == ["concede", "hold", "central-attack"]
    assert out["actors"]["UKR"]["leader"] == {"name": "Zelensky", "W": 0.4}
    assert out["name"] == "spaced"
    assert out["title"] == "a=b"
    assert apply_overrides({"years": {1990: "a"}}, ["years.1990=b"]) == {"years": {1990: "b"}}


@pytest.mark.parametrize(
    ("override", "what"),
    [
        (
            "commitments.nato-usa.umbrella=true",
            "no item 'nato-usa' in the list commitments. Valid items: 0..1 or ids nato-pol, nato-ukr",
        ),
        ("commitments.7.umbrella=true", "no item '7'"),
        ("actors.CHN.kind=state", "no key 'CHN' under actors. Valid keys there: RUS, UKR"),
        ("name.first=x", "name is a str ('demo'), not a mapping or list, so it has no 'first'"),
        ("actors.RUS.nuclear.strategic.x=1", "is a int (1674)"),
        ("ladder.hold=x", "no item 'hold' in the list ladder"),
        ("name", "missing '='"),
        ("=3", "bad path"),
        ("actors..RUS=3", "bad path"),
        ("name=", "empty value"),
        ("name=[a, b", "not valid YAML"),
    ],
)
def test_override_errors(doc: Document, override: str, what: str) -> None:
    with pytest.raises(InputError) as info:
        apply_overrides(doc.data, [override])
    msg = str(info.value)
    assert msg.startswith(f"--set {override}: ")
    assert what in msg


def test_parse_value() -> None:
    assert parse_value("true") is True
    assert parse_value("no") == "no"
    assert parse_value("0.4") == 0.4
    assert parse_value("1e-3") == 0.001
    assert parse_value("uniform(0.2,0.6)") == "uniform(0.2,0.6)"
    assert parse_value("[a, 1]") == ["a", 1]
    assert parse_value("null") is None


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=40))
def test_fuzz_overrides_raise_only_input_error(text: str) -> None:
    data = {"a": {"b": [1, {"id": "x", "c": 2}]}, "d": 3}
    with contextlib.suppress(InputError):
        apply_overrides(data, [text])


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=60))
def test_fuzz_documents_raise_only_input_error(text: str) -> None:
    with contextlib.suppress(InputError):
        parse_document(text, "f.yaml")


def test_control_character_is_located() -> None:
    with pytest.raises(InputError, match=r"^c\.yaml:2:4: character #x001f is not allowed"):
        parse_document("a: 1\nb: \x1f\n", "c.yaml")
