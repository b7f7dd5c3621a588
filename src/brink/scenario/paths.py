"""Dotted paths into a scenario: the settings a lever, a sweep or ``--set`` can address.

Paths name fields of every section (defaults included), mapping keys, list items by
``id`` (or index) and the fields of the template's ``game:`` section; a wrong path is
refused with the closest existing ones (:func:`brink.scenario.document.did_you_mean`).
"""

from __future__ import annotations

import types
import typing
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, RootModel

from brink.errors import InputError
from brink.scenario.document import did_you_mean
from brink.scenario.quantity import Quantity
from brink.scenario.registry import schema_of
from brink.scenario.schema import Scenario

__all__ = ["allowed_keys", "check_setting_path", "resolves", "setting_paths"]


def setting_paths(sc: Scenario) -> list[str]:
    """Every dotted path a lever, a sweep or ``--set`` can address in ``sc``.

    Fields of every section (defaults included), mapping keys, list items by ``id`` (or
    index), and the fields of the template's ``game:`` section (defaults included).
    """
    out: list[str] = []

    def walk(node: Any, path: str) -> None:
        if path:
            out.append(path)
        if isinstance(node, Quantity):
            return
        if isinstance(node, BaseModel):
            for name, info in type(node).model_fields.items():
                if not path and name in ("source", "levers"):
                    continue
                key = info.alias or name  # the key a file writes
                walk(getattr(node, name), f"{path}.{key}" if path else key)
        elif isinstance(node, dict):
            for k, v in node.items():
                walk(v, f"{path}.{k}")
        elif isinstance(node, list):
            for i, v in enumerate(node):
                ident = getattr(v, "id", None) or (v.get("id") if isinstance(v, dict) else None)
                walk(v, f"{path}.{ident if isinstance(ident, str | int) else i}")

    walk(sc, "")
    spec = _game_spec(sc)
    if spec is not None:
        walk(spec, "game")
    return sorted(set(out))


def _game_spec(sc: Scenario) -> BaseModel | None:
    """The template's validated ``game:`` section (defaults filled in), if it has one."""
    try:
        return schema_of(sc.template).spec(sc)
    except InputError:
        return None


def check_setting_path(sc: Scenario, path: str, where: str) -> None:
    """Refuse a dotted ``path`` (a lever or a sweep factor) that names no setting of ``sc``.

    The error is located at ``where`` and suggests the closest existing paths.
    """
    if resolves(sc, path):
        return
    if path.startswith("game."):
        spec = _game_spec(sc)
        if spec is not None and _resolves_in(spec, path.split(".")[1:]):
            return
    hint = did_you_mean(path, setting_paths(sc))
    raise InputError(
        f"{path!r} is not a setting of scenario {sc.name}",
        where,
        f"{hint + ' ' if hint else ''}Give the dotted path of a setting the scenario has "
        "(`brink schema` lists the fields)",
    )


def allowed_keys(path: Sequence[str | int], root: type[Scenario] = Scenario) -> list[str] | None:
    """The keys the scenario class ``root`` accepts in the section at ``path`` (``None``: any key)."""
    tp: Any = root

    def unwrap(t: Any) -> Any:
        if typing.get_origin(t) in (typing.Union, types.UnionType):
            for arg in typing.get_args(t):
                if arg is not type(None):
                    return unwrap(arg)
        return t

    for seg in path:
        tp = unwrap(tp)
        origin = typing.get_origin(tp)
        if isinstance(tp, type) and issubclass(tp, BaseModel) and not issubclass(tp, RootModel):
            info = next((i for n, i in tp.model_fields.items() if (i.alias or n) == str(seg)), None)
            if info is None:
                return None
            tp = info.annotation
        elif origin is dict:
            tp = typing.get_args(tp)[1]
        elif origin is list:
            tp = typing.get_args(tp)[0]
        else:
            return None
    tp = unwrap(tp)
    if isinstance(tp, type) and issubclass(tp, BaseModel) and not issubclass(tp, RootModel):
        return [info.alias or name for name, info in tp.model_fields.items() if name != "source"]
    return None


def _field_named(node: BaseModel, key: str) -> str | None:
    """The field of ``node`` that a file writes as ``key`` (its alias, else its name)."""
    for name, info in type(node).model_fields.items():
        if (info.alias or name) == key:
            return name
    return None


def _resolves_in(node: Any, parts: Sequence[str]) -> bool:
    for part in parts:
        if isinstance(node, BaseModel) and not isinstance(node, Quantity):
            name = _field_named(node, part)
            if name is None:
                return False
            node = getattr(node, name)
        elif isinstance(node, dict):
            if part not in node:
                return False
            node = node[part]
        else:
            return False
    return True


def resolves(sc: Scenario, path: str) -> bool:
    """Whether dotted ``path`` names a field, mapping entry or list item (by id or index)."""
    node: Any = sc
    for part in path.split("."):
        if isinstance(node, BaseModel) and not isinstance(node, Quantity):
            name = _field_named(node, part)
            if name is None:
                return False
            node = getattr(node, name)
        elif isinstance(node, dict):
            if part not in node:
                return False
            node = node[part]
        elif isinstance(node, list):
            match = [x for x in node if getattr(x, "id", None) == part]
            if match:
                node = match[0]
            elif part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                return False
        else:
            return False
    return True
