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

A document is data, so it is bounded like data: a file of at most
:data:`MAX_DOCUMENT_BYTES`, at most :data:`MAX_DOCUMENT_VALUES` values once YAML aliases
are expanded (``*name`` counts the aliased list or mapping again at every use, so a
"billion laughs" text of a few hundred bytes is refused before it is built), nested at
most :data:`MAX_DOCUMENT_DEPTH` deep, and whole numbers that fit a 64-bit float.  The
expanded size is counted on the composed YAML graph, memoised per node, so the check
itself takes time linear in the text.  Only regular files are read, and never a FIFO or
a device, whose reading could block or never end.
"""

from __future__ import annotations

import copy
import difflib
import json
import os
import re
import stat
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from brink.errors import InputError

__all__ = [
    "MAX_DOCUMENT_BYTES",
    "MAX_DOCUMENT_DEPTH",
    "MAX_DOCUMENT_VALUES",
    "Document",
    "ScenarioLoader",
    "apply_overrides",
    "check_document_size",
    "did_you_mean",
    "load_document",
    "parse_document",
    "parse_value",
    "read_document_text",
    "regular_file",
    "validation_error",
]

#: Largest scenario file (and ``--set`` value) read, in bytes: 4 MiB, some 350 times the
#: largest bundled scenario.
MAX_DOCUMENT_BYTES = 4 * 1024 * 1024
#: Most values (scalars, lists, mappings and keys) a document may hold once its YAML
#: aliases are expanded; the bundled scenarios hold fewer than 600.
MAX_DOCUMENT_VALUES = 100_000
#: Deepest nesting of lists and mappings, aliases expanded (the bundled scenarios: 4).
MAX_DOCUMENT_DEPTH = 32
#: Longest text of a whole number: longer ones cannot be a 64-bit float anyway.
_MAX_INT_TEXT = 400

_SIZE_FIX = (
    "Shorten the lists, or use fewer nested aliases (*name repeats the whole aliased list "
    f"or mapping at every use); a scenario holds at most {MAX_DOCUMENT_VALUES:,} values"
)
_DEPTH_FIX = f"Flatten the structure; lists and mappings nest at most {MAX_DOCUMENT_DEPTH} deep"

PathKey = tuple[str | int, ...]

_BOOL_TAG = "tag:yaml.org,2002:bool"
_FLOAT_TAG = "tag:yaml.org,2002:float"
_MERGE_TAG = "tag:yaml.org,2002:merge"
_INT_TAG = "tag:yaml.org,2002:int"
_BOOL_RE = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_FLOAT_RE = re.compile(
    r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
    |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
    |[-+]?\.[0-9_]+(?:[eE][-+]?[0-9]+)?
    |[-+]?\.(?:inf|Inf|INF)
    |\.(?:nan|NaN|NAN))$""",
    re.X,
)


class _LimitError(Exception):
    """A document passed one of the size limits (raised inside the loader, located by the caller)."""

    def __init__(self, what: str, mark: yaml.Mark | None, fix: str) -> None:
        super().__init__(what)
        self.what = what
        self.mark = mark
        self.fix = fix


class ScenarioLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` with YAML 1.2 booleans and floats, refusing duplicate keys.

    Composition stops with an error past :data:`MAX_DOCUMENT_VALUES` nodes (an alias
    counts one here; :func:`check_document_size` then counts what aliases expand to) or
    :data:`MAX_DOCUMENT_DEPTH` levels, so that a huge text is not turned into millions
    of node objects before it is refused.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.composed_nodes = 0
        self.compose_depth = 0

    def _next_mark(self) -> yaml.Mark | None:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        mark: yaml.Mark | None = getattr(event, "start_mark", None)
        return mark

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        self.composed_nodes += 1
        if self.composed_nodes > MAX_DOCUMENT_VALUES:
            raise _LimitError(
                f"the document holds more than {MAX_DOCUMENT_VALUES:,} values",
                self._next_mark(),
                _SIZE_FIX,
            )
        self.compose_depth += 1
        try:
            if self.compose_depth > MAX_DOCUMENT_DEPTH + 1:
                raise _LimitError(
                    f"lists and mappings are nested more than {MAX_DOCUMENT_DEPTH} deep",
                    self._next_mark(),
                    _DEPTH_FIX,
                )
            return super().compose_node(parent, index)
        finally:
            self.compose_depth -= 1

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


def _yaml_children(node: Any) -> list[Any] | None:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return None


def _data_children(value: Any) -> list[Any] | None:
    if isinstance(value, dict):
        return [*value.keys(), *value.values()]
    if isinstance(value, list | tuple):
        return list(value)
    return None


def _measure(
    root: Any,
    children: Callable[[Any], list[Any] | None],
    where: Callable[[Any], str],
    check_leaf: Callable[[Any], None] | None = None,
) -> int:
    """Values under ``root`` with shared parts counted at every use; refuses past the limits.

    Iterative post-order over the graph, memoised per object, so the time is linear in
    the number of distinct objects and edges however often they are shared; a part that
    contains itself (``&a [*a]``) is refused.
    """
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    active: set[int] = set()
    stack: list[tuple[Any, list[Any] | None]] = [(root, None)]
    while stack:
        obj, kids = stack.pop()
        key = id(obj)
        if kids is None:
            if key in size:
                continue
            if key in active:
                raise InputError(
                    "a YAML alias refers to a list or mapping that contains it (the value would be infinite)",
                    where(obj),
                    "Remove the alias (*name) from inside its own anchored value (&name)",
                )
            found = children(obj)
            if found is None:
                if check_leaf is not None:
                    check_leaf(obj)
                size[key], depth[key] = 1, 0
                continue
            active.add(key)
            stack.append((obj, found))
            stack.extend((kid, None) for kid in found)
            continue
        active.discard(key)
        total = 1 + sum(size[id(kid)] for kid in kids)
        levels = 1 + max((depth[id(kid)] for kid in kids), default=0)
        if total > MAX_DOCUMENT_VALUES:
            raise InputError(
                f"the document expands to more than {MAX_DOCUMENT_VALUES:,} values here "
                "(YAML aliases counted at every use)",
                where(obj),
                _SIZE_FIX,
            )
        if levels > MAX_DOCUMENT_DEPTH:
            raise InputError(
                f"lists and mappings are nested more than {MAX_DOCUMENT_DEPTH} deep here "
                "(YAML aliases expanded)",
                where(obj),
                _DEPTH_FIX,
            )
        size[key], depth[key] = total, levels
    return size[id(root)]


def check_document_size(data: Any, where: str) -> int:
    """The number of values in ``data`` (shared lists and mappings counted at every use).

    Raises :class:`InputError` at ``where`` past :data:`MAX_DOCUMENT_VALUES` values or
    :data:`MAX_DOCUMENT_DEPTH` levels, or for a list or mapping that contains itself.
    Used for JSON documents and for a document after its ``--set`` overrides.
    """
    return _measure(data, _data_children, lambda _obj: where)


def _check_composed(node: yaml.Node, loader: ScenarioLoader, source: str) -> None:
    """Refuse a composed document whose aliases expand past the limits, before it is built."""

    def where(n: yaml.Node) -> str:
        return f"{source}:{n.start_mark.line + 1}:{n.start_mark.column + 1}"

    def check_leaf(n: yaml.Node) -> None:
        if n.tag != _INT_TAG or not isinstance(n, yaml.ScalarNode):
            return
        text = str(n.value)
        if len(text) > _MAX_INT_TEXT:
            raise InputError(
                f"a whole number written with {len(text)} characters is too large",
                where(n),
                "Write it as a float such as 1e300 (numbers are 64-bit floats, at most ~1.8e308)",
            )
        value = loader.construct_yaml_int(n)
        if abs(value) > sys.float_info.max:
            raise InputError(
                f"the whole number {text[:20]}... ({len(text)} digits) is too large",
                where(n),
                "Numbers are 64-bit floats, at most ~1.8e308",
            )

    _measure(node, _yaml_children, where, check_leaf)


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


def _located_limit(exc: _LimitError, source: str) -> InputError:
    mark = exc.mark
    where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark is not None else source
    return InputError(exc.what, where, exc.fix)


def _compose(text: str, source: str) -> tuple[ScenarioLoader, yaml.Node | None]:
    """The composed node graph of ``text``, checked against the size limits, and its loader."""
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
        if node is not None:
            _check_composed(node, loader, source)
        return loader, node
    except yaml.YAMLError as exc:
        loader.dispose()
        raise _yaml_error(exc, source) from None
    except _LimitError as exc:
        loader.dispose()
        raise _located_limit(exc, source) from None
    except RecursionError:
        loader.dispose()
        raise InputError("document nested too deeply", source, _DEPTH_FIX) from None
    except BaseException:
        loader.dispose()
        raise


def _parse_yaml(text: str, source: str) -> tuple[Any, dict[PathKey, tuple[int, int]]]:
    loader, node = _compose(text, source)
    try:
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
        raise InputError("document nested too deeply", source, _DEPTH_FIX) from None
    finally:
        loader.dispose()


def parse_document(
    text: str, source: str = "<string>", *, json_format: bool | None = None
) -> Document:
    """Read a YAML (or JSON, when ``json_format`` or ``source`` ends in ``.json``) document.

    Raises :class:`InputError` at ``file:line:col`` for syntax errors, and if the top
    level is not a mapping.
    """
    if len(text) > MAX_DOCUMENT_BYTES:
        raise InputError(
            f"the document is {len(text):,} characters long, more than {MAX_DOCUMENT_BYTES:,}",
            source,
            "Split it or remove what the scenario does not need",
        )
    is_json = source.lower().endswith(".json") if json_format is None else json_format
    if is_json:
        try:
            data = json.loads(text, parse_int=_json_int)
        except _LimitError as exc:
            raise InputError(exc.what, source, exc.fix) from None
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
        check_document_size(data, source)
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


def _json_int(text: str) -> int:
    """A JSON whole number, refused (instead of Python's ValueError) when no float holds it."""
    if len(text) > _MAX_INT_TEXT or abs(value := int(text)) > sys.float_info.max:
        raise _LimitError(
            f"the whole number {text[:20]}... ({len(text)} digits) is too large",
            None,
            "Numbers are 64-bit floats, at most ~1.8e308",
        )
    return value


_FILE_KINDS = (
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _not_regular(mode: int, where: str) -> InputError:
    if stat.S_ISDIR(mode):
        return InputError(
            "is a directory, not a scenario file", where, "Give a .yaml, .yml or .json file"
        )
    kind = next((name for test, name in _FILE_KINDS if test(mode)), "a special file")
    return InputError(
        f"is {kind}, not a regular file",
        where,
        "Give a .yaml, .yml or .json file (brink does not read pipes or devices, "
        "whose reading can block or never end)",
    )


def regular_file(path: str | Path) -> os.stat_result:
    """``os.stat`` of ``path`` if it is a regular file; an :class:`InputError` naming what it is otherwise.

    Checked before anything opens the path, so that a FIFO (which blocks until a writer
    comes) or a device such as ``/dev/zero`` (which never ends) is never read.
    """
    where = str(path)
    try:
        info = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        raise InputError(
            "file not found",
            where,
            "Check the path; bundled scenarios are listed by `brink scenarios`",
        ) from None
    except ValueError:  # an embedded NUL byte
        raise InputError("not a valid path", where, "Remove NUL characters from the path") from None
    except OSError as exc:
        raise InputError(
            f"cannot be read ({exc.strerror})", where, "Check its permissions"
        ) from None
    if not stat.S_ISREG(info.st_mode):
        raise _not_regular(info.st_mode, where)
    return info


def read_document_text(path: str | Path) -> str:
    """The UTF-8 text of a scenario file, at most :data:`MAX_DOCUMENT_BYTES` bytes.

    Only a regular file is read (:func:`regular_file`, checked again on the opened file
    so that a path swapped for a FIFO in between cannot block); newlines are read as
    ``\\n`` whatever the platform wrote (as ``Path.read_text`` does, so that the text
    recorded with a run, and the hash of a sweep, do not change).
    """
    where = str(path)
    regular_file(path)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise InputError(
            f"cannot be read ({exc.strerror})", where, "Check its permissions"
        ) from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise _not_regular(mode, where)
        with os.fdopen(fd, "rb", closefd=False) as handle:
            raw = handle.read(MAX_DOCUMENT_BYTES + 1)
    except OSError as exc:
        raise InputError(
            f"cannot be read ({exc.strerror})", where, "Check its permissions"
        ) from None
    finally:
        os.close(fd)
    if len(raw) > MAX_DOCUMENT_BYTES:
        raise InputError(
            f"the file is larger than {MAX_DOCUMENT_BYTES:,} bytes",
            where,
            "Split it or remove what the scenario does not need",
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"not UTF-8 text (byte {exc.start})", where, "Save the file as UTF-8"
        ) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def load_document(path: str | Path) -> Document:
    """Load a scenario file (``.yaml``, ``.yml`` or ``.json``) safely, recording locations."""
    p = Path(path)
    text = read_document_text(p)
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


def validation_error(
    exc: ValidationError,
    doc: Document,
    allowed_keys: Callable[[Sequence[str | int]], Sequence[str] | None] | None = None,
) -> InputError:
    """All of pydantic's errors as one :class:`InputError`, one located line per error.

    Each line reads ``file:line:col: actors.RUS.nuclear.tactical: <what is wrong>. <what is
    allowed>``; list items are named by their ``id`` where they have one.  Given
    ``allowed_keys`` (the keys a mapping at a path accepts), an unknown key gets a
    did-you-mean.
    """
    lines: list[str] = []
    for err in exc.errors():
        path = _error_path(tuple(err["loc"]), doc.data, err.get("type") == "missing")
        line = f"{doc.locate(path)}: {_dotted(path, doc.data)}: {_describe(err)}"
        if allowed_keys is not None and err.get("type") == "extra_forbidden" and path:
            keys = allowed_keys(path[:-1])
            if keys:
                parent = _dotted(path[:-1], doc.data) + "." if len(path) > 1 else ""
                hint = did_you_mean(f"{parent}{path[-1]}", [f"{parent}{k}" for k in keys])
                line = f"{line}. {hint}" if hint else f"{line} (allowed: {', '.join(keys)})"
        lines.append(line)
    return InputError("\n".join(lines) or str(exc))


def _closest(word: str, words: Iterable[str]) -> list[str]:
    """Up to three of ``words`` nearly as close to ``word`` as the closest (ratio >= 0.6)."""
    scored = sorted(((difflib.SequenceMatcher(None, word, w).ratio(), w) for w in words), reverse=True)
    if not scored or scored[0][0] < 0.6:
        return []
    return [w for r, w in scored[:3] if r >= scored[0][0] - 0.05]


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """``"Did you mean X?"`` for the closest of ``known`` to ``name`` (dotted paths too), or ``""``.

    First a path under the same parent whose last part contains the last part given
    (``costs.war`` -> ``costs.conventional_war``), then the closest last parts under the
    same parent, then the closest paths of the same depth (``doctrines.NAT0.declared``),
    then any close path that is not a mere prefix of ``name``; closeness is
    :class:`difflib.SequenceMatcher`'s ratio, and only paths nearly as close as the
    closest are named.
    """
    choices = sorted(set(known) - {name})
    head, _, leaf = name.rpartition(".")
    siblings = {k.rpartition(".")[2]: k for k in choices if k.rpartition(".")[0] == head}
    close = [siblings[s] for s in siblings if leaf and leaf.lower() in s.lower()][:3]
    if not close:
        close = [siblings[s] for s in _closest(leaf, siblings)]
    if not close:
        depth = name.count(".")
        close = _closest(name, [k for k in choices if k.count(".") == depth])
    if not close:
        close = _closest(name, [k for k in choices if not name.startswith(k + ".")])
    return f"Did you mean {' or '.join(close)}?" if close else ""


def parse_value(text: str, where: str = "") -> Any:
    """A ``--set`` value read as a YAML scalar or flow collection (``true``, ``0.4``, ``[a, b]``)."""
    if not text.strip():
        raise InputError("empty value", where, "Write a value after '=' (use null for none)")
    if len(text) > MAX_DOCUMENT_BYTES:
        raise InputError(
            f"the value is {len(text):,} characters long, more than {MAX_DOCUMENT_BYTES:,}",
            where,
            "Write a shorter value",
        )
    try:
        loader, node = _compose(text, where or "--set")
    except InputError as exc:
        if not exc.what.startswith("YAML syntax error"):
            raise InputError(exc.what, where, exc.fix) from None
        raise InputError(
            f"the value {text!r} is not valid YAML ({exc.what.removeprefix('YAML syntax error: ')})",
            where,
            "Quote text values, e.g. --set 'name=\"my: title\"'",
        ) from None
    try:
        return None if node is None else loader.construct_document(node)
    except yaml.YAMLError as exc:
        problem = getattr(exc, "problem", None) or str(exc)
        raise InputError(
            f"the value {text!r} is not valid YAML ({problem})",
            where,
            "Quote text values, e.g. --set 'name=\"my: title\"'",
        ) from None
    finally:
        loader.dispose()


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
                    hint = did_you_mean(seg, map(str, node))
                    raise InputError(
                        f"no key {seg!r} under {done}",
                        where,
                        f"{hint + ' ' if hint else ''}Valid keys there: {_keys(node)}",
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
    if overrides:
        check_document_size(out, f"--set {overrides[-1]}")
    return out
