"""Scenario documents: safe loading with locations, located validation errors, ``--set`` overrides.

A scenario is data (YAML or JSON).  :func:`load_document` reads it with a
``yaml.SafeLoader`` subclass (no Python objects can be built from the text) that
records where every key and list item sits, so that any later complaint about a
path such as ``actors.RUS.nuclear.tactical`` can point the analyst to
``ukraine.yaml:12:7`` (Document.locate), as compilers do.

Two YAML 1.1 traps are closed, following YAML 1.2's core schema: only
``true``/``false`` are booleans (``no``, ``on``, ``NO`` stay strings, so Norway's code
is not ``False``), and ``1e3`` is a float, not a string.

Overrides (``--set PATH=VALUE``) let one run a variant without editing the file;
paths address mapping keys, list indices, or list items by their ``id`` field.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from brink.errors import InputError

__all__ = [
    "Document",
    "ScenarioLoader",
    "apply_overrides",
    "load_document",
    "parse_document",
    "parse_value",
    "validation_error",
]

PathKey = tuple[str | int, ...]

_BOOL_TAG = "tag:yaml.org,2002:bool"
_FLOAT_TAG = "tag:yaml.org,2002:float"
_MERGE_TAG = "tag:yaml.org,2002:merge"
_BOOL_RE = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_FLOAT_RE = re.compile(
    r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
    |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
    |[-+]?\.[0-9_]+(?:[eE][-+]?[0-9]+)?
    |[-+]?\.(?:inf|Inf|INF)
    |\.(?:nan|NaN|NAN))$""",
    re.X,
)


class ScenarioLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` with YAML 1.2 booleans and floats, refusing duplicate keys."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.tag != _MERGE_TAG:
                key = self.construct_object(key_node)
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        "while constructing a mapping",
                        node.start_mark,
                        f"found duplicate key {key!r}",
                        key_node.start_mark,
                    )
                seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _patched_resolvers() -> dict[Any, list[tuple[str, re.Pattern[str]]]]:
    table: dict[Any, list[tuple[str, re.Pattern[str]]]] = {}
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items():
        kept = [(tag, rx) for tag, rx in resolvers if tag not in (_BOOL_TAG, _FLOAT_TAG)]
        table[first] = kept
    for first in "tTfF":
        table.setdefault(first, []).insert(0, (_BOOL_TAG, _BOOL_RE))
    for first in "-+.0123456789":
        table.setdefault(first, []).insert(0, (_FLOAT_TAG, _FLOAT_RE))
    return table


ScenarioLoader.yaml_implicit_resolvers = _patched_resolvers()


@dataclass(frozen=True)
class Document:
    """A loaded scenario document.

    Attributes:
        data: The plain data (dicts, lists, scalars) read from the file.
        source: The file name (or ``<string>``), used in locations.
        locations: ``path -> (line, column)``, 1-based, of every key and list item.
        overrides: ``path -> "--set PATH=VALUE"`` for values set on the command line.
    """

    data: dict[str, Any]
    source: str
    locations: dict[PathKey, tuple[int, int]] = field(default_factory=dict, repr=False)
    overrides: dict[PathKey, str] = field(default_factory=dict)

    def canonical(self, path: Sequence[str | int]) -> PathKey:
        """``path`` with list items named by ``id`` turned into indices, as far as it resolves."""
        out: list[str | int] = []
        node: Any = self.data
        for seg in path:
            if isinstance(node, list):
                idx = _list_index(node, seg)
                if idx is None:
                    out.append(seg)
                    node = None
                    continue
                out.append(idx)
                node = node[idx]
            elif isinstance(node, dict):
                key = _dict_key(node, seg)
                out.append(seg if key is None else key)
                node = None if key is None else node[key]
            else:
                out.append(seg)
                node = None
        return tuple(out)

    def locate(self, path: Sequence[str | int]) -> str:
        """``file:line:col`` of ``path`` (or of its longest located prefix); best effort.

        A value set with ``--set`` is located as ``--set PATH=VALUE``.
        """
        key = self.canonical(path)
        for n in range(len(key), -1, -1):
            if key[:n] in self.overrides:
                return self.overrides[key[:n]]
        for n in range(len(key), -1, -1):
            loc = self.locations.get(key[:n])
            if loc is not None:
                return f"{self.source}:{loc[0]}:{loc[1]}"
        return self.source

    def with_overrides(self, overrides: Sequence[str]) -> Document:
        """A new document with ``--set`` overrides applied and located (see :func:`apply_overrides`)."""
        data = apply_overrides(self.data, overrides)
        where = dict(self.overrides)
        probe = Document(data, self.source)
        for text in overrides:
            path, _ = _split_override(text)
            where[probe.canonical(path)] = f"--set {text}"
        return Document(data, self.source, self.locations, where)


def _dict_key(node: dict[Any, Any], seg: str | int) -> Any:
    if seg in node:
        return seg
    if isinstance(seg, str) and re.fullmatch(r"-?[0-9]+", seg) and int(seg) in node:
        return int(seg)
    if isinstance(seg, int) and str(seg) in node:
        return str(seg)
    return None


def _list_index(node: list[Any], seg: str | int) -> int | None:
    if isinstance(seg, int):
        return seg if 0 <= seg < len(node) else None
    if re.fullmatch(r"[0-9]+", seg):
        idx = int(seg)
        return idx if idx < len(node) else None
    for i, item in enumerate(node):
        if isinstance(item, dict) and str(item.get("id")) == seg:
            return i
    return None


def _walk(
    node: yaml.Node,
    path: PathKey,
    loader: ScenarioLoader,
    out: dict[PathKey, tuple[int, int]],
    seen: set[int],
) -> None:
    if id(node) in seen:  # an alias: locate it once (bounds work on "billion laughs" input)
        return
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                continue
            key = loader.construct_object(key_node)
            child = (*path, key)
            mark = key_node.start_mark
            out.setdefault(child, (mark.line + 1, mark.column + 1))
            _walk(value_node, child, loader, out, seen)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            child = (*path, i)
            mark = item.start_mark
            out.setdefault(child, (mark.line + 1, mark.column + 1))
            _walk(item, child, loader, out, seen)


def _yaml_error(exc: yaml.YAMLError, source: str) -> InputError:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark is not None else source
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    what = f"{context}: {problem}" if context else str(problem)
    return InputError(
        f"YAML syntax error: {what}",
        where,
        "Check indentation, colons and quotes near this position (quote text that contains ': ' or '#')",
    )


def _parse_yaml(text: str, source: str) -> tuple[Any, dict[PathKey, tuple[int, int]]]:
    try:
        loader = ScenarioLoader(text)
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        col = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        raise InputError(
            f"character #x{exc.character:04x} is not allowed in YAML",
            f"{source}:{line}:{col}",
            "Remove control characters from the file",
        ) from None
    try:
        node = loader.get_single_node()
        if node is None:
            return None, {}
        data = loader.construct_document(node)
        locations: dict[PathKey, tuple[int, int]] = {
            (): (node.start_mark.line + 1, node.start_mark.column + 1)
        }
        _walk(node, (), loader, locations, set())
        return data, locations
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, source) from None
    except RecursionError:
        raise InputError("document nested too deeply", source, "Flatten the structure") from None
    finally:
        loader.dispose()


def parse_document(
    text: str, source: str = "<string>", *, json_format: bool | None = None
) -> Document:
    """Read a YAML (or JSON, when ``json_format`` or ``source`` ends in ``.json``) document.

    Raises :class:`InputError` at ``file:line:col`` for syntax errors, and if the top
    level is not a mapping.
    """
    is_json = source.lower().endswith(".json") if json_format is None else json_format
    if is_json:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(
                f"JSON syntax error: {exc.msg}",
                f"{source}:{exc.lineno}:{exc.colno}",
                "Check commas, brackets and double quotes near this position",
            ) from None
        except RecursionError:
            raise InputError(
                "document nested too deeply", source, "Flatten the structure"
            ) from None
        try:  # JSON is (nearly) YAML: reuse the YAML composer for locations, best effort
            _, locations = _parse_yaml(text, source)
        except InputError:
            locations = {}
    else:
        data, locations = _parse_yaml(text, source)
    if data is None:
        raise InputError(
            "the document is empty", source, "Write a mapping of scenario keys (name: ...)"
        )
    if not isinstance(data, dict):
        raise InputError(
            f"the top level is a {type(data).__name__}, not a mapping",
            f"{source}:1:1",
            "A scenario is a mapping of keys such as name:, actors:, crisis:",
        )
    return Document(data, source, locations)


def load_document(path: str | Path) -> Document:
    """Load a scenario file (``.yaml``, ``.yml`` or ``.json``) safely, recording locations."""
    p = Path(path)
    if not p.exists():
        raise InputError(
            "file not found",
            str(p),
            "Check the path; bundled scenarios are listed by `brink scenarios`",
        )
    if p.is_dir():
        raise InputError(
            "is a directory, not a scenario file", str(p), "Give a .yaml or .json file"
        )
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"not UTF-8 text (byte {exc.start})", str(p), "Save the file as UTF-8"
        ) from None
    except OSError as exc:
        raise InputError(
            f"cannot be read ({exc.strerror})", str(p), "Check its permissions"
        ) from None
    return parse_document(text, str(p), json_format=p.suffix.lower() == ".json")


_FIXES: dict[str, str] = {
    "missing": "Add this key",
    "extra_forbidden": "Remove it or correct its spelling",
    "float_parsing": "Give a number",
    "float_type": "Give a number",
    "int_parsing": "Give a whole number",
    "int_type": "Give a whole number",
    "int_from_float": "Give a whole number",
    "bool_parsing": "Use true or false",
    "bool_type": "Use true or false",
    "string_type": "Give a text value",
    "dict_type": "Give a mapping (key: value)",
    "model_type": "Give a mapping (key: value)",
    "model_attributes_type": "Give a mapping (key: value)",
    "list_type": "Give a list ([a, b] or one '- item' per line)",
    "date_from_datetime_parsing": "Write the date as YYYY-MM-DD",
    "date_parsing": "Write the date as YYYY-MM-DD",
}


def _error_path(loc: Sequence[str | int], data: Any, last_is_missing: bool) -> list[str | int]:
    """Drop union/validator tags that pydantic inserts into ``loc`` but are not keys in the data."""
    out: list[str | int] = []
    node: Any = data
    for i, seg in enumerate(loc):
        final = i == len(loc) - 1
        if isinstance(node, dict):
            key = _dict_key(node, seg)
            if key is None:
                if final or last_is_missing:
                    out.append(seg)
                    node = None
                continue
            out.append(key)
            node = node[key]
        elif isinstance(node, list):
            idx = _list_index(node, seg)
            if idx is None:
                continue
            out.append(idx)
            node = node[idx]
        else:
            if final:
                out.append(seg)
            continue
    return out


def _dotted(path: Sequence[str | int], data: Any) -> str:
    parts: list[str] = []
    node: Any = data
    for seg in path:
        if isinstance(node, list) and isinstance(seg, int) and 0 <= seg < len(node):
            item = node[seg]
            ident = item.get("id") if isinstance(item, dict) else None
            parts.append(str(ident) if isinstance(ident, str | int) else str(seg))
            node = item
        else:
            parts.append(str(seg))
            node = node.get(seg) if isinstance(node, dict) else None
    return ".".join(parts) or "(top level)"


def _describe(err: Any) -> str:
    msg = str(err.get("msg", "invalid"))
    for prefix in ("Value error, ", "Assertion failed, "):
        if msg.startswith(prefix):
            msg = msg[len(prefix) :]
    kind = err.get("type", "")
    value = err.get("input")
    if kind not in ("missing", "value_error") and isinstance(value, str | int | float | bool):
        shown = repr(value)
        if len(shown) <= 60 and shown not in msg:
            msg = f"{msg} (got {shown})"
    fix = _FIXES.get(kind, "")
    ctx = err.get("ctx") or {}
    if not fix and "expected" in ctx:
        fix = f"Allowed: {ctx['expected']}"
    msg = msg.rstrip(".")
    return f"{msg}. {fix}" if fix else msg


def validation_error(exc: ValidationError, doc: Document) -> InputError:
    """All of pydantic's errors as one :class:`InputError`, one located line per error.

    Each line reads ``file:line:col: actors.RUS.nuclear.tactical: <what is wrong>. <what is
    allowed>``; list items are named by their ``id`` where they have one.
    """
    lines: list[str] = []
    for err in exc.errors():
        path = _error_path(tuple(err["loc"]), doc.data, err.get("type") == "missing")
        lines.append(f"{doc.locate(path)}: {_dotted(path, doc.data)}: {_describe(err)}")
    return InputError("\n".join(lines) or str(exc))


def parse_value(text: str, where: str = "") -> Any:
    """A ``--set`` value read as a YAML scalar or flow collection (``true``, ``0.4``, ``[a, b]``)."""
    if not text.strip():
        raise InputError("empty value", where, "Write a value after '=' (use null for none)")
    try:
        return yaml.load(text, Loader=ScenarioLoader)
    except yaml.YAMLError as exc:
        problem = getattr(exc, "problem", None) or str(exc)
        raise InputError(
            f"the value {text!r} is not valid YAML ({problem})",
            where,
            "Quote text values, e.g. --set 'name=\"my: title\"'",
        ) from None


def _split_override(text: str) -> tuple[list[str], str]:
    if "=" not in text:
        raise InputError(
            "missing '='", f"--set {text}", "Write PATH=VALUE, e.g. --set actors.RUS.leader.W=0.3"
        )
    path_text, value = text.split("=", 1)
    path = path_text.strip().split(".")
    if not path_text.strip() or any(not seg.strip() for seg in path):
        raise InputError(
            f"bad path {path_text!r}", f"--set {text}", "Write dotted keys such as crisis.defender"
        )
    return [seg.strip() for seg in path], value


def _keys(node: dict[Any, Any] | list[Any]) -> str:
    if isinstance(node, dict):
        return ", ".join(map(str, node)) or "(none)"
    ids = [str(item["id"]) for item in node if isinstance(item, dict) and "id" in item]
    idx = f"0..{len(node) - 1}" if node else "(empty list)"
    return f"{idx}" + (f" or ids {', '.join(ids)}" if ids else "")


def _steps(data: dict[str, Any], path: list[str], text: str) -> Iterator[tuple[Any, str | int]]:
    node: Any = data
    for i, seg in enumerate(path):
        final = i == len(path) - 1
        where = f"--set {text}"
        done = ".".join(path[:i]) or "(top level)"
        if isinstance(node, dict):
            key = _dict_key(node, seg)
            if key is None:
                if not final:
                    raise InputError(
                        f"no key {seg!r} under {done}", where, f"Valid keys there: {_keys(node)}"
                    )
                key = seg
            yield node, key
            node = node.get(key)
        elif isinstance(node, list):
            idx = _list_index(node, seg)
            if idx is None:
                raise InputError(
                    f"no item {seg!r} in the list {done}", where, f"Valid items: {_keys(node)}"
                )
            yield node, idx
            node = node[idx]
        else:
            raise InputError(
                f"{done} is a {type(node).__name__} ({node!r}), not a mapping or list, so it has no {seg!r}",
                where,
                f"Set {done} itself, e.g. --set {done}=VALUE",
            )


def apply_overrides(data: dict[str, Any], overrides: Sequence[str]) -> dict[str, Any]:
    """A deep copy of ``data`` with each ``PATH=VALUE`` override applied in order.

    ``PATH`` is dotted: each segment is a mapping key, a list index, or the ``id`` of a
    list item (``commitments.nato-ukr.umbrella``).  ``VALUE`` is read as YAML, so ``true``,
    ``0.4`` and ``[a, b]`` have their types and ``uniform(0.2, 0.6)`` is a text.  A new key
    may be added to an existing mapping; an unknown list item, a missing intermediate key or
    a path through a number or text raises :class:`InputError` listing the valid keys.
    """
    out = copy.deepcopy(data)
    for text in overrides:
        path, raw = _split_override(text)
        value = parse_value(raw, f"--set {text}")
        steps = list(_steps(out, path, text))
        container, key = steps[-1]
        container[key] = value
    return out
