"""Restricted arithmetic expressions for derived scenario parameters.

Scenarios are data, never code (docs/design.md §3): a derived parameter such as
``reserves_usd_bn * 1e3 / (offered_usd_per_bbl * oil_exports_mbd * 30.4)`` is parsed
with :mod:`ast` and compiled into a tree of numpy operations over a fixed grammar;
anything outside the grammar is refused before anything runs.  Evaluation is
vectorised: every name may be bound to a ``(samples,)`` array.

Grammar::

    expr  := number | name | dotted.name | True | False
           | expr (+ | - | * | / | ** | %) expr | -expr | +expr
           | expr (< | <= | > | >= | == | !=) expr ...      -> 1.0 / 0.0
           | expr and expr | expr or expr | not expr       -> 1.0 / 0.0 (nonzero is true)
           | expr if expr else expr                        -> numpy.where
           | f(expr, ...)   for f in FUNCTIONS

Functions (:data:`FUNCTIONS`): ``min``, ``max`` (elementwise, any number of arguments),
``exp``, ``log``, ``log1p``, ``sqrt``, ``abs``, ``floor``, ``ceil``, ``sigmoid``
(``1 / (1 + exp(-x))``), ``clip(x, lo, hi)``, ``where(c, a, b)``.

Both branches of a conditional are computed (as in ``numpy.where``); invalid values in
the discarded branch are harmless.  Arithmetic follows IEEE 754: ``1/0`` is ``inf``,
``log(-1)`` is ``nan``.
"""

from __future__ import annotations

import ast
import difflib
import warnings
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from functools import reduce
from typing import Any

import numpy as np
from scipy import special

from brink.arrays import FloatArray
from brink.errors import InputError

__all__ = ["FUNCTIONS", "Expression", "compile_expression", "evaluation_order", "parse_quietly"]

Env = Mapping[str, "FloatArray | float"]
_Op = Callable[[Env], Any]

_MAX_LENGTH = 10_000
_MAX_DEPTH = 300


def _maximum(*xs: Any) -> Any:
    return reduce(np.maximum, xs)


def _minimum(*xs: Any) -> Any:
    return reduce(np.minimum, xs)


def _where(c: Any, a: Any, b: Any) -> Any:
    return np.where(np.asarray(c) != 0, a, b)


#: Whitelisted functions: name -> (implementation, minimum arity, maximum arity or None).
FUNCTIONS: dict[str, tuple[Callable[..., Any], int, int | None]] = {
    "min": (_minimum, 1, None),
    "max": (_maximum, 1, None),
    "exp": (np.exp, 1, 1),
    "log": (np.log, 1, 1),
    "log1p": (np.log1p, 1, 1),
    "sqrt": (np.sqrt, 1, 1),
    "abs": (np.abs, 1, 1),
    "floor": (np.floor, 1, 1),
    "ceil": (np.ceil, 1, 1),
    "sigmoid": (special.expit, 1, 1),
    "clip": (np.clip, 3, 3),
    "where": (_where, 3, 3),
}

_ALLOWED = (
    "Allowed: numbers, parameter names (dotted names like actors.RUS.oil_exports_mbd), "
    "+ - * / ** %, comparisons, and/or/not, 'a if c else b', and the functions "
    + ", ".join(sorted(FUNCTIONS))
)

_BINARY: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: np.add,
    ast.Sub: np.subtract,
    ast.Mult: np.multiply,
    ast.Div: np.true_divide,
    ast.Pow: np.power,
    ast.Mod: np.mod,
}

_COMPARE: dict[type[ast.cmpop], Callable[[Any, Any], Any]] = {
    ast.Lt: np.less,
    ast.LtE: np.less_equal,
    ast.Gt: np.greater,
    ast.GtE: np.greater_equal,
    ast.Eq: np.equal,
    ast.NotEq: np.not_equal,
}

_CONSTRUCT_NAMES: dict[type[ast.AST], str] = {
    ast.Subscript: "subscripts",
    ast.Lambda: "lambdas",
    ast.ListComp: "comprehensions",
    ast.SetComp: "comprehensions",
    ast.DictComp: "comprehensions",
    ast.GeneratorExp: "generator expressions",
    ast.JoinedStr: "f-strings",
    ast.FormattedValue: "f-strings",
    ast.NamedExpr: "assignment (:=)",
    ast.Starred: "starred arguments",
    ast.List: "lists",
    ast.Tuple: "tuples",
    ast.Dict: "dicts",
    ast.Set: "sets",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
    ast.Slice: "slices",
}


class _RefusedError(Exception):
    """Internal: a construct outside the grammar."""

    def __init__(self, what: str, node: ast.AST | None = None) -> None:
        col = getattr(node, "col_offset", None)
        super().__init__(f"{what} (column {col + 1})" if col is not None else what)


def _dotted(node: ast.expr) -> str | None:
    """``a.b.c`` as text if ``node`` is a chain of attribute lookups on a plain name."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def _check_name(name: str, node: ast.AST) -> None:
    if any(part.startswith("_") for part in name.split(".")):
        raise _RefusedError(
            f"name {name!r} starts with an underscore; such names are reserved", node
        )


@dataclass
class _Compiler:
    text: str
    names: set[str] = field(default_factory=set)
    depth: int = 0

    def snippet(self, node: ast.AST) -> str:
        seg = ast.get_source_segment(self.text, node)
        return seg if seg is not None else type(node).__name__

    def compile(self, node: ast.expr) -> _Op:
        self.depth += 1
        try:
            if self.depth > _MAX_DEPTH:
                raise _RefusedError(f"nested deeper than {_MAX_DEPTH} levels", node)
            return self.compile_node(node)
        finally:
            self.depth -= 1

    def compile_node(self, node: ast.expr) -> _Op:
        if isinstance(node, ast.Constant):
            return self.constant(node)
        if isinstance(node, ast.Name | ast.Attribute):
            name = _dotted(node)
            if name is None:
                raise _RefusedError(
                    f"attribute access {self.snippet(node)!r} is only allowed on parameter names",
                    node,
                )
            _check_name(name, node)
            self.names.add(name)
            return lambda env: env[name]
        if isinstance(node, ast.BinOp):
            op = _BINARY.get(type(node.op))
            if op is None:
                raise _RefusedError(f"operator in {self.snippet(node)!r} is not allowed", node)
            left, right = self.compile(node.left), self.compile(node.right)
            return lambda env: op(left(env), right(env))
        if isinstance(node, ast.UnaryOp):
            operand = self.compile(node.operand)
            if isinstance(node.op, ast.USub):
                return lambda env: np.negative(operand(env))
            if isinstance(node.op, ast.UAdd):
                return operand
            if isinstance(node.op, ast.Not):
                return lambda env: (np.asarray(operand(env)) == 0).astype(np.float64)
            raise _RefusedError(f"operator in {self.snippet(node)!r} is not allowed", node)
        if isinstance(node, ast.Compare):
            return self.compare(node)
        if isinstance(node, ast.BoolOp):
            parts = [self.compile(v) for v in node.values]
            combine = np.logical_and if isinstance(node.op, ast.And) else np.logical_or
            return lambda env: reduce(combine, [np.asarray(p(env)) != 0 for p in parts]).astype(
                np.float64
            )
        if isinstance(node, ast.IfExp):
            test, body, orelse = (self.compile(n) for n in (node.test, node.body, node.orelse))
            return lambda env: _where(test(env), body(env), orelse(env))
        if isinstance(node, ast.Call):
            return self.call(node)
        construct = _CONSTRUCT_NAMES.get(type(node), type(node).__name__)
        raise _RefusedError(f"{construct} ({self.snippet(node)!r}) are not allowed", node)

    def constant(self, node: ast.Constant) -> _Op:
        value = node.value
        if isinstance(value, bool):
            number = 1.0 if value else 0.0
        elif isinstance(value, int | float):
            try:
                number = float(value)
            except OverflowError:
                raise _RefusedError("number too large", node) from None
        elif isinstance(value, str | bytes):
            raise _RefusedError(f"strings ({self.snippet(node)!r}) are not allowed", node)
        else:
            raise _RefusedError(f"constant {self.snippet(node)!r} is not a real number", node)
        const = np.float64(number)
        return lambda env: const

    def compare(self, node: ast.Compare) -> _Op:
        ops = []
        for op in node.ops:
            fn = _COMPARE.get(type(op))
            if fn is None:
                raise _RefusedError(
                    f"comparison in {self.snippet(node)!r} is not allowed (use < <= > >= == !=)",
                    node,
                )
            ops.append(fn)
        operands = [self.compile(node.left)] + [self.compile(c) for c in node.comparators]

        def evaluate(env: Env) -> Any:
            values = [o(env) for o in operands]
            result = np.asarray(True)
            for fn, a, b in zip(ops, values, values[1:], strict=False):
                result = np.logical_and(result, fn(a, b))
            return result.astype(np.float64)

        return evaluate

    def call(self, node: ast.Call) -> _Op:
        if not isinstance(node.func, ast.Name):
            raise _RefusedError(
                f"call of {self.snippet(node.func)!r}: only the listed functions may be called",
                node,
            )
        name = node.func.id
        if name not in FUNCTIONS:
            close = difflib.get_close_matches(name, FUNCTIONS, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise _RefusedError(f"unknown function {name!r}{hint}", node)
        if node.keywords:
            raise _RefusedError(
                f"keyword arguments in {self.snippet(node)!r} are not allowed", node
            )
        fn, lo, hi = FUNCTIONS[name]
        n = len(node.args)
        if n < lo or (hi is not None and n > hi):
            want = f"{lo}" if hi == lo else f"at least {lo}"
            raise _RefusedError(f"{name} takes {want} argument(s), got {n}", node)
        args = [self.compile(a) for a in node.args]
        return lambda env: fn(*(a(env) for a in args))


@dataclass(frozen=True, eq=False)
class Expression:
    """A compiled expression: :attr:`names` it reads and :meth:`evaluate` over arrays.

    Attributes:
        text: The source text.
        names: Parameter names referenced (dotted names are kept whole).
        where: Location of the text, for error messages.
    """

    text: str
    names: frozenset[str]
    where: str
    _op: _Op = field(repr=False)

    def evaluate(
        self, env: Mapping[str, FloatArray | float], size: int | None = None
    ) -> FloatArray:
        """Value of the expression with each name bound to a number or an array.

        Arrays broadcast against each other (numpy rules).  With ``size`` the result is
        broadcast to ``(size,)``, so that a constant expression still gives one value per sample.
        A name missing from ``env`` raises :class:`InputError`.
        """
        missing = sorted(self.names - env.keys())
        if missing:
            raise InputError(
                f"{self.text}: unknown parameter(s) {', '.join(missing)}",
                self.where,
                "Known parameters: " + ", ".join(sorted(env)),
            )
        with np.errstate(all="ignore"):
            out = np.asarray(self._op(env), dtype=np.float64)
        if size is not None:
            out = np.broadcast_to(out, (size,)).copy()
        return out

    def __str__(self) -> str:
        return self.text


def compile_expression(
    text: str, where: str = "", names: Collection[str] | None = None
) -> Expression:
    """Parse and check ``text`` against the grammar of the module doc.

    With ``names``, every referenced parameter must be one of them.  Any text outside the
    grammar raises :class:`InputError` naming ``where``, the construct and what is allowed;
    nothing in ``text`` is ever executed.
    """
    if not isinstance(text, str):
        raise InputError(f"{text!r} is not an expression", where, _ALLOWED)
    source = text.strip()
    if not source:
        raise InputError("empty expression", where, _ALLOWED)
    if len(source) > _MAX_LENGTH:
        raise InputError(f"expression longer than {_MAX_LENGTH} characters", where, _ALLOWED)
    compiler = _Compiler(source)
    shown = source if len(source) <= 80 else source[:77] + "..."
    try:
        tree = parse_quietly(source)
        op = compiler.compile(tree.body)
    except _RefusedError as exc:
        raise InputError(f"{shown}: {exc}", where, _ALLOWED) from None
    except SyntaxError as exc:
        col = f" at column {exc.offset}" if exc.offset else ""
        raise InputError(f"{shown}: syntax error{col} ({exc.msg})", where, _ALLOWED) from None
    except (RecursionError, MemoryError):
        raise InputError(
            f"{shown}: nested too deeply", where, "Split it into several derived parameters"
        ) from None
    except ValueError as exc:
        raise InputError(
            f"{shown}: cannot be parsed ({type(exc).__name__})", where, _ALLOWED
        ) from None
    if names is not None:
        known = set(names)
        unknown = sorted(compiler.names - known)
        if unknown:
            hints = []
            for u in unknown:
                close = difflib.get_close_matches(u, known, n=1)
                hints.append(f"{u} (did you mean {close[0]}?)" if close else u)
            raise InputError(
                f"{shown}: unknown parameter(s) {', '.join(hints)}",
                where,
                "Known parameters: " + (", ".join(sorted(known)) or "none"),
            )
    return Expression(source, frozenset(compiler.names), where, op)


def evaluation_order(exprs: Mapping[str, Expression]) -> list[str]:
    """Derived parameters in an order where each comes after those it reads (topological sort).

    Only dependencies among the keys of ``exprs`` count; other names are inputs.  The order is
    deterministic (ties follow the mapping's order).  A cycle raises :class:`InputError` naming
    it, e.g. ``a -> b -> a``.
    """
    order: list[str] = []
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done

    for root in exprs:
        if state.get(root) == 2:
            continue
        stack: list[tuple[str, list[str]]] = [(root, _deps(exprs, root))]
        path = [root]
        state[root] = 1
        while stack:
            node, pending = stack[-1]
            if pending:
                nxt = pending.pop(0)
                if state.get(nxt) == 1:
                    cycle = [*path[path.index(nxt) :], nxt]
                    where = exprs[nxt].where
                    raise InputError(
                        f"derived parameters form a cycle: {' -> '.join(cycle)}",
                        where,
                        "Break the cycle: a parameter cannot depend on itself through others",
                    )
                if state.get(nxt) != 2:
                    state[nxt] = 1
                    path.append(nxt)
                    stack.append((nxt, _deps(exprs, nxt)))
            else:
                stack.pop()
                path.pop()
                state[node] = 2
                order.append(node)
    return order


def _deps(exprs: Mapping[str, Expression], name: str) -> list[str]:
    return [n for n in exprs if n in exprs[name].names]


def parse_quietly(text: str) -> ast.Expression:
    """``ast.parse`` of one expression, without the SyntaxWarnings Python emits for odd literals.

    The one parser of scenario text that is not YAML: expressions here and distribution
    strings (:mod:`brink.scenario.distributions`) both go through it.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tree = ast.parse(text, mode="eval")
    assert isinstance(tree, ast.Expression)
    return tree
