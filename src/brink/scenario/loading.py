"""Loading a scenario: find the file, read it, apply overrides, validate and cross-check.

``name_or_path`` is a YAML/JSON file or the name of a bundled scenario
(:mod:`brink.scenario.bundled`).  The file's ``template:`` picks the registered scenario
class (:mod:`brink.scenario.registry`) that validates it; every failure is an
:class:`~brink.errors.InputError` naming file:line, the dotted path and the fix.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from functools import partial
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from brink.errors import InputError
from brink.scenario.document import (
    Document,
    did_you_mean,
    load_document,
    regular_file,
    validation_error,
)
from brink.scenario.paths import allowed_keys, check_setting_path, resolves, setting_paths
from brink.scenario.registry import DEFAULT_TEMPLATE, schema_of
from brink.scenario.schema import Scenario

__all__ = [
    "bundled_scenarios",
    "check_scenario",
    "load_scenario",
    "resolve_scenario_source",
    "scenario_class",
    "scenario_from_data",
]

#: The package that holds the bundled scenario files.
BUNDLED = "brink.scenario.bundled"


def scenario_class(data: Mapping[str, Any], where: str = "") -> type[Scenario]:
    """The scenario class of the template that ``data`` names.

    An unknown template is an :class:`InputError` located at ``where``; a ``template:``
    that is not a text gets the common class, whose validation reports it.
    """
    name = data.get("template", DEFAULT_TEMPLATE)
    if not isinstance(name, str):
        return Scenario
    return schema_of(name, where).scenario_class


def _validate(data: dict[str, Any], doc: Document) -> Scenario:
    where = f"{doc.locate(['template'])}: template" if "template" in data else doc.source
    cls = scenario_class(data, where)
    try:
        sc = cls.model_validate(data)
    except ValidationError as exc:
        raise validation_error(exc, doc, partial(allowed_keys, root=cls)) from None
    sc._document = doc
    return sc


def bundled_scenarios() -> dict[str, str]:
    """Bundled scenario names -> their title."""
    import yaml

    out = {}
    root = resources.files(BUNDLED)
    for item in sorted(root.iterdir(), key=lambda p: p.name):
        if item.name.endswith(".yaml"):
            data = yaml.safe_load(item.read_text(encoding="utf-8"))
            out[item.name[:-5]] = str(data.get("title", "")) if isinstance(data, dict) else ""
    return out


def resolve_scenario_source(name_or_path: str | Path) -> Path:
    """The file behind a scenario argument: a ``.yaml``/``.yml``/``.json`` path or a bundled name.

    Raises :class:`InputError` naming the bundled scenarios when neither exists.
    """
    text = str(name_or_path)
    p = Path(text)
    try:
        present = os.path.lexists(p)
    except ValueError:  # an embedded NUL byte
        present = False
    if p.suffix in (".yaml", ".yml", ".json") or present:
        try:
            regular_file(p)
        except InputError as exc:
            if exc.what == "file not found":
                raise InputError(
                    f"scenario file {text!r} not found",
                    where=text,
                    fix="check the path, or run `brink scenarios` for bundled names",
                ) from None
            raise
        return p
    root = resources.files(BUNDLED)
    item = root.joinpath(f"{text}.yaml")
    if not item.is_file():
        raise InputError(
            f"no scenario named {text!r}",
            where="scenario",
            fix=f"use a file path or a bundled name: {', '.join(bundled_scenarios())}",
        )
    return Path(str(item))


def load_scenario(name_or_path: str | Path, overrides: Sequence[str] = ()) -> Scenario:
    """Read, override (``path=value``), validate and cross-check a scenario.

    ``name_or_path`` is a YAML/JSON file or the name of a bundled scenario.  Every
    failure is an :class:`InputError` naming file:line, the dotted path and the fix.
    """
    path = resolve_scenario_source(name_or_path)
    doc = load_document(path)
    if not isinstance(doc.data, dict):
        raise InputError("a scenario must be a mapping of sections", where=str(path), fix="start with `name: ...`")
    if overrides:
        doc = doc.with_overrides(list(overrides))
    data = dict(doc.data)
    source = str(path)
    data["source"] = source
    return check_scenario(_validate(data, doc))


def scenario_from_data(data: Mapping[str, Any], source: str = "") -> Scenario:
    """Validate a scenario given as a mapping (e.g. built in Python)."""
    d = dict(data)
    d["source"] = source
    return check_scenario(_validate(d, Document(dict(data), source or "scenario")))


def check_scenario(sc: Scenario) -> Scenario:
    """Cross-reference checks, parameter parsing and the template's own checks."""
    template = schema_of(sc.template, where=sc.where("template"))
    if not isinstance(sc, template.scenario_class):
        raise InputError(
            f"scenario {sc.name} was validated as {type(sc).__name__}, not as template {sc.template!r}'s "
            f"{template.scenario_class.__name__}",
            where=sc.where("template"),
            fix="load it with load_scenario or scenario_from_data",
        )
    sc.check_references()
    _ = sc.parameters
    template.spec(sc)
    template.check(sc)
    _check_levers(sc)
    # Last: a provenance entry that names a missing field is most often the echo of a
    # structural error (a missing section, a misspelt actor) reported above.
    _check_provenance(sc)
    return sc


def _check_provenance(sc: Scenario) -> None:
    for key, origin in sc.provenance.items():
        if origin not in sc.sources and not origin.startswith("assumption"):
            raise InputError(
                f"provenance of {key} is {origin!r}, which is neither a source nor an assumption",
                sc.where(f"provenance.{key}"),
                f"name a key of sources ({', '.join(sorted(sc.sources)) or 'none declared'}) or write 'assumption'",
            )
        if not resolves(sc, key):
            hint = did_you_mean(key, setting_paths(sc))
            raise InputError(
                f"provenance names {key!r}, which is not a field of this scenario",
                sc.where_key("provenance", key),
                f"{hint + ' ' if hint else ''}Use the dotted path of a number or section, "
                "e.g. actors.RUS.nuclear.strategic",
            )




def _check_levers(sc: Scenario) -> None:
    """Every lever names a setting the scenario has and offers at least one option."""
    for path, options in sc.levers.items():
        where = sc.where_key("levers", path)
        check_setting_path(sc, path, where)
        if not options:
            raise InputError(
                f"lever {path} has no options", where, "list the values the lever can take, e.g. [0, 10, 20]"
            )
