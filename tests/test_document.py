"""Scenario documents: safe YAML/JSON loading, locations, located validation errors, overrides."""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import stat
import threading
import time
from pathlib import Path
from typing import Any, Literal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from brink.errors import InputError
from brink.scenario import document
from brink.scenario.document import (
    MAX_DOCUMENT_BYTES,
    Document,
    apply_overrides,
    check_document_size,
    did_you_mean,
    load_document,
    parse_document,
    parse_value,
    read_document_text,
    regular_file,
    validation_error,
)

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


def test_newlines_are_read_as_path_read_text_reads_them(tmp_path: Path) -> None:
    """The text recorded with a run (and a sweep's hash) is what 0.1.0 recorded."""
    f = tmp_path / "crlf.yaml"
    f.write_bytes(b"name: a\r\ntitle: b\rc: 1\n")
    assert read_document_text(f) == f.read_text(encoding="utf-8") == "name: a\ntitle: b\nc: 1\n"


def _load_with_timeout(path: Path, seconds: float = 5.0) -> BaseException | None:
    """``load_document(path)`` in a thread; fails the test if it blocks."""
    outcome: list[BaseException | None] = []

    def target() -> None:
        try:
            load_document(path)
            outcome.append(None)
        except BaseException as exc:  # handed to the test
            outcome.append(exc)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        if stat.S_ISFIFO(os.stat(path).st_mode):  # release the blocked reader
            fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
            os.close(fd)
            thread.join(5)
        pytest.fail(f"reading {path} blocked for {seconds} s")
    return outcome[0]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    exc = _load_with_timeout(fifo)
    assert isinstance(exc, InputError)
    assert str(exc).startswith(f"{fifo}: is a FIFO (named pipe), not a regular file")
    with pytest.raises(InputError, match="is a FIFO"):
        regular_file(fifo)


@pytest.mark.parametrize(
    ("kind", "device", "what"),
    [(stat.S_IFCHR, (1, 5), "a character device"), (stat.S_IFBLK, (7, 0), "a block device")],
)
def test_a_device_node_is_refused_without_reading(
    tmp_path: Path, kind: int, device: tuple[int, int], what: str
) -> None:
    """A fake ``/dev/zero`` (char 1:5) or loop device in a temporary folder; never a real one."""
    node = tmp_path / "dev.yaml"
    try:
        os.mknod(node, kind | 0o600, os.makedev(*device))
    except (PermissionError, OSError, AttributeError) as why:
        pytest.skip(f"cannot create a device node here ({why})")
    exc = _load_with_timeout(node)
    assert isinstance(exc, InputError)
    assert str(exc).startswith(f"{node}: is {what}, not a regular file")
    assert stat.S_ISCHR(os.stat(node).st_mode) or stat.S_ISBLK(os.stat(node).st_mode)  # untouched


def _laughs(levels: int, width: int = 9, indent: str = "") -> str:
    """``a: &a [x, ...]`` then ``levels`` mappings each repeating the previous list ``width`` times."""
    names = "abcdefghijklmnop"[: levels + 1]
    head = f"{indent}a: &a [{', '.join(['x'] * width)}]\n"
    return head + "".join(
        f"{indent}{c}: &{c} [{', '.join([f'*{p}'] * width)}]\n" for p, c in itertools.pairwise(names)
    )


def test_aliases_are_bounded() -> None:
    """Billion laughs: 9**8 values from 300 bytes are refused where they pass the limit."""
    started = time.perf_counter()
    with pytest.raises(InputError) as info:
        parse_document(_laughs(7), "laughs.yaml")
    assert time.perf_counter() - started < 5
    msg = str(info.value)
    # line 6 ("f", 9**6 values) is the first to pass 100,000
    assert msg.startswith("laughs.yaml:6:4: the document expands to more than 100,000 values")
    assert "aliases" in msg and "at most 100,000 values" in msg
    small = parse_document(_laughs(3), "ok.yaml")  # 9**4 values: allowed, and shared
    assert len(small.data["d"]) == 9 and small.data["d"][0] is small.data["d"][1]
    # the mapping, its 4 keys, and the lists a..d of 10, 91, 820 and 7381 values
    assert check_document_size(small.data, "ok.yaml") == 1 + 4 + 10 + 91 + 820 + 7381


def test_alias_that_contains_itself_is_refused() -> None:
    with pytest.raises(InputError, match=r"^r\.yaml:2:4: a YAML alias refers to a list or mapping that contains it"):
        parse_document("a: 1\nb: &x [1, *x]\n", "r.yaml")
    with pytest.raises(InputError, match="contains it"):
        parse_document("b: &x {k: *x}\n", "r.yaml")


def test_merge_keys_still_work_and_count() -> None:
    text = "base: &b {x: 1, y: 2}\nother:\n  <<: *b\n  y: 3\n"
    assert parse_document(text).data["other"] == {"x": 1, "y": 3}
    wide = "a: &a {" + ", ".join(f"k{i}: {i}" for i in range(9)) + "}\n" + "".join(
        f"{c}: &{c} [{', '.join([f'*{p}'] * 9)}]\n" for p, c in zip("abcdef", "bcdefg", strict=True)
    )
    with pytest.raises(InputError, match="expands to more than 100,000 values"):
        parse_document(wide, "m.yaml")


def test_nesting_depth_is_bounded() -> None:
    assert parse_document("a: " + "[" * 31 + "]" * 31 + "\n").data["a"] is not None
    with pytest.raises(InputError, match=r"^d\.yaml:1:\d+: lists and mappings are nested more than 32 deep"):
        parse_document("a: " + "[" * 40 + "]" * 40 + "\n", "d.yaml")
    with pytest.raises(InputError, match="nested more than 32 deep"):
        parse_document("a: " + "[" * 5000 + "]" * 5000 + "\n", "d.yaml")
    # aliases chained 40 deep are only 80 nodes of text but 40 levels once expanded
    chain = "a0: &a0 [1]\n" + "".join(f"a{i}: &a{i} [*a{i - 1}]\n" for i in range(1, 40))
    with pytest.raises(InputError, match=r"nested more than 32 deep here \(YAML aliases expanded\)"):
        parse_document(chain, "d.yaml")
    with pytest.raises(InputError, match="nested more than 32 deep"):
        parse_document('{"a": ' + "[" * 40 + "1" + "]" * 40 + "}", "d.json")


def test_composition_stops_at_the_value_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """A long list is refused while it is composed, before a node exists for every item."""
    monkeypatch.setattr(document, "MAX_DOCUMENT_VALUES", 1_000)
    seen: list[int] = []
    original = document.ScenarioLoader.compose_node

    def counting(self: document.ScenarioLoader, parent: Any, index: Any) -> Any:
        seen.append(1)
        return original(self, parent, index)

    monkeypatch.setattr(document.ScenarioLoader, "compose_node", counting)
    with pytest.raises(InputError, match=r"^l\.yaml:1:\d+: the document holds more than 1,000 values"):
        parse_document("a: [" + ", ".join(["1"] * 50_000) + "]\n", "l.yaml")
    assert len(seen) <= 1_001
    with pytest.raises(InputError, match="more than 1,000 values"):
        parse_document(json.dumps({"a": [1] * 5_000}), "l.json")


@pytest.mark.parametrize(
    ("text", "source", "what"),
    [
        ("a: " + "9" * 320 + "\n", "n.yaml", "n.yaml:1:4: the whole number 99999999999999999999... (320 digits) is too large"),
        ("a: " + "1" * 5000 + "\n", "n.yaml", "n.yaml:1:4: a whole number written with 5000 characters is too large"),
        ('{"a": ' + "1" * 5000 + "}", "n.json", "n.json: the whole number 11111111111111111111... (5000 digits)"),
        ('{"a": ' + "9" * 320 + "}", "n.json", "(320 digits) is too large"),
    ],
)
def test_whole_numbers_beyond_a_float_are_refused(text: str, source: str, what: str) -> None:
    with pytest.raises(InputError) as info:
        parse_document(text, source)
    assert what in str(info.value)
    assert parse_document("a: " + "9" * 300 + "\n").data["a"] == int("9" * 300)


def test_file_size_is_bounded(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_text("name: big\n# " + "x" * MAX_DOCUMENT_BYTES + "\n", encoding="utf-8")
    started = time.perf_counter()
    with pytest.raises(InputError, match=r"big\.yaml: the file is larger than 4,194,304 bytes"):
        load_document(big)
    assert time.perf_counter() - started < 5
    with pytest.raises(InputError, match="more than 4,194,304"):
        parse_document("a: 1\n#" + "x" * MAX_DOCUMENT_BYTES)


def test_set_values_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    laughs = "[&a [1,1,1,1,1,1,1,1,1,1], " + ", ".join(
        f"&{c} [{','.join([f'*{p}'] * 10)}]" for p, c in zip("abcdef", "bcdefg", strict=True)
    ) + "]"
    where = f"--set levers.x={laughs}"
    with pytest.raises(InputError) as info:
        parse_value(laughs, where)
    assert str(info.value).startswith(where + ": the document expands to more than 100,000 values")
    with pytest.raises(InputError, match="contains it"):
        parse_value("&a [*a]", "--set x=&a [*a]")
    with pytest.raises(InputError, match="320 digits"):
        parse_value("9" * 320, "--set x=9...")
    with pytest.raises(InputError, match="nested more than 32 deep"):
        parse_value("[" * 100 + "]" * 100, "--set x=[[...")
    # many --set values, each small, still add up to one bounded document
    monkeypatch.setattr(document, "MAX_DOCUMENT_VALUES", 50)
    data: dict[str, Any] = {"a": {}}
    apply_overrides(data, ["a.x=[1, 2, 3]"])
    with pytest.raises(InputError, match=r"^--set a\.y=.*more than 50 values"):
        apply_overrides(data, ["a.x=[" + ",".join(["1"] * 30) + "]", "a.y=[" + ",".join(["1"] * 30) + "]"])


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


def test_did_you_mean() -> None:
    paths = ["costs", "costs.conventional_war", "costs.nuclear_taboo", "doctrines.NATO.declared"]
    assert did_you_mean("costs.war", paths) == "Did you mean costs.conventional_war?"
    assert did_you_mean("doctrines.NAT0.declared", paths) == "Did you mean doctrines.NATO.declared?"
    assert did_you_mean("costs.nuclear_tabu", paths) == "Did you mean costs.nuclear_taboo?"
    assert did_you_mean("zzz.qqq", paths) == ""


def test_unknown_intermediate_key_gets_a_did_you_mean(doc: Document) -> None:
    with pytest.raises(InputError, match=r"no key 'actorz' under \(top level\)\. Did you mean actors\?"):
        apply_overrides(doc.data, ["actorz.RUS.code=x"])


def test_validation_error_suggests_allowed_keys(doc: Document) -> None:
    data = apply_overrides(doc.data, ["actors.UKR.kinf=state"])
    with pytest.raises(ValidationError) as info:
        Scenario.model_validate(data)

    def allowed(path: object) -> list[str] | None:
        return list(Actor.model_fields) if list(path) == ["actors", "UKR"] else None  # type: ignore[call-overload]

    err = validation_error(info.value, Document(data, "s.yaml"), allowed)
    assert "actors.UKR.kinf: Extra inputs are not permitted" in str(err)
    assert "Did you mean actors.UKR.kind?" in str(err)
