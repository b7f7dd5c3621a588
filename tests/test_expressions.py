"""Restricted expressions: numbers against numpy, refusal of everything else, evaluation order."""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special

from brink.errors import InputError
from brink.scenario.expressions import FUNCTIONS, compile_expression, evaluation_order

RNG = np.random.default_rng(3)
A = RNG.uniform(0.1, 2.0, 50)
B = RNG.uniform(-1.0, 1.0, 50)
ENV = {"a": A, "b": B, "c": 0.5, "actors.RUS.oil_exports_mbd": 4.8}

CASES: list[tuple[str, Any]] = [
    ("a + b * 2 - c / 4", A + B * 2 - 0.5 / 4),
    ("a ** 2 % 0.7", A**2 % 0.7),
    ("-a + +b", -A + B),
    ("a > b", (A > B).astype(float)),
    ("0 < b <= 0.5", ((B > 0) & (B <= 0.5)).astype(float)),
    ("a == a", np.ones(50)),
    ("b != 0.0", np.ones(50)),
    ("a > 1 and b > 0", ((A > 1) & (B > 0)).astype(float)),
    ("a > 1 or b > 0 or c > 1", ((A > 1) | (B > 0)).astype(float)),
    ("not (b > 0)", (B <= 0).astype(float)),
    ("a if b > 0 else -a", np.where(B > 0, A, -A)),
    ("min(a, b, c)", np.minimum(np.minimum(A, B), 0.5)),
    ("max(a, b)", np.maximum(A, B)),
    ("max(a)", A),
    (
        "exp(b) + log(a) + log1p(a) + sqrt(a) + abs(b)",
        np.exp(B) + np.log(A) + np.log1p(A) + np.sqrt(A) + np.abs(B),
    ),
    ("floor(a * 3) + ceil(b * 3)", np.floor(A * 3) + np.ceil(B * 3)),
    ("sigmoid(b * 40)", special.expit(B * 40)),
    ("clip(b, -0.5, 0.5)", np.clip(B, -0.5, 0.5)),
    ("where(b > 0, a, 0)", np.where(B > 0, A, 0.0)),
    (
        "300 * 1e3 / (10 * actors.RUS.oil_exports_mbd * 30.4)",
        np.full(50, 300e3 / (10 * 4.8 * 30.4)),
    ),
    ("True + False", np.ones(50)),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_evaluation_matches_numpy(text: str, expected: Any) -> None:
    e = compile_expression(text)
    out = e.evaluate(ENV, size=50)
    assert out.shape == (50,)
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)


def test_names_and_scalar_result() -> None:
    e = compile_expression("actors.RUS.oil_exports_mbd * x + max(y, 1)")
    assert e.names == frozenset({"actors.RUS.oil_exports_mbd", "x", "y"})
    assert float(e.evaluate({"actors.RUS.oil_exports_mbd": 2.0, "x": 3.0, "y": 0.0})) == 7.0
    assert compile_expression("2").evaluate({}).shape == ()
    assert compile_expression("2").evaluate({}, size=3).tolist() == [2.0, 2.0, 2.0]


def test_ieee_arithmetic_without_warnings() -> None:
    e = compile_expression("1 / a + (0 if a > 0 else sqrt(a))")
    with np.errstate(all="raise"):
        out = e.evaluate({"a": np.array([0.0, -1.0, 1.0])})
    assert out[0] == np.inf and np.isnan(out[1]) and out[2] == 1.0
    assert compile_expression("10 ** 10 ** 10").evaluate({}) == np.inf  # no huge Python ints


def test_missing_name_at_evaluation() -> None:
    e = compile_expression("a + zz", where="s.yaml:3:4")
    with pytest.raises(InputError, match=r"s\.yaml:3:4: a \+ zz: unknown parameter\(s\) zz"):
        e.evaluate({"a": 1.0})


def test_known_names_checked_at_compile_time() -> None:
    with pytest.raises(
        InputError, match=r"unknown parameter\(s\) reserves_usd \(did you mean reserves_usd_bn\?\)"
    ):
        compile_expression("reserves_usd * 2", "x", names=["reserves_usd_bn", "months"])
    assert compile_expression("months * 2", "x", names=["months"]).names == {"months"}


@pytest.mark.parametrize(
    ("text", "construct"),
    [
        ("__import__('os').system('x')", "only the listed functions"),
        ("().__class__", "attribute access"),
        ("a.__class__", "underscore"),
        ("__builtins__", "underscore"),
        ("open('f')", "unknown function 'open'"),
        ("eval('1')", "unknown function 'eval'"),
        ("a[0]", "subscripts"),
        ("a[1:2]", "subscripts"),
        ("lambda: 1", "lambdas"),
        ("[x for x in a]", "comprehensions"),
        ("(x for x in a)", "generator"),
        ("'text'", "strings"),
        ("b'x'", "strings"),
        ("f'{a}'", "f-strings"),
        ("(y := 2)", "assignment"),
        ("max(*a)", "starred"),
        ("clip(a, lo=0, hi=1)", "keyword arguments"),
        ("a.b()", "only the listed functions"),
        ("(1).real", "attribute access"),
        ("[1, 2]", "lists"),
        ("(1, 2)", "tuples"),
        ("{1: 2}", "dicts"),
        ("1j", "not a real number"),
        ("None", "not a real number"),
        ("a is b", "comparison"),
        ("a in b", "comparison"),
        ("a @ b", "operator"),
        ("a // b", "operator"),
        ("a << 1", "operator"),
        ("~a", "operator"),
        ("sqrt(1, 2)", "sqrt takes 1 argument"),
        ("clip(a)", "clip takes 3"),
        ("sigmod(a)", "did you mean 'sigmoid'"),
        ("import os", "syntax error"),
        ("a = 1", "syntax error"),
        ("1 +", "syntax error"),
        ("", "empty expression"),
        ("x" * 20_000, "longer than"),
        ("1" * 5000, "exceeds the limit"),
    ],
)
def test_refused_constructs(text: str, construct: str) -> None:
    with pytest.raises(InputError) as info:
        compile_expression(text, where="s.yaml:7:3")
    msg = str(info.value)
    assert msg.startswith("s.yaml:7:3: ")
    assert construct.lower() in msg.lower()
    assert len(msg) < 600
    assert "Allowed:" in msg


def test_nothing_executes(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real_import = builtins.__import__

    def spy_import(name: str, *args: Any, **kwargs: Any) -> Any:
        calls.append(name)
        return real_import(name, *args, **kwargs)

    def spy_open(*args: Any, **kwargs: Any) -> Any:
        calls.append("open")
        raise AssertionError("open called")

    monkeypatch.setattr(builtins, "__import__", spy_import)
    monkeypatch.setattr(builtins, "open", spy_open)
    for text in ("__import__('os').system('x')", "open('f')", "().__class__.__bases__[0]"):
        with pytest.raises(InputError):
            compile_expression(text)
    assert "os" not in calls and "open" not in calls


def test_deep_nesting_is_input_error() -> None:
    with pytest.raises(InputError):
        compile_expression("(" * 500 + "1" + ")" * 500)
    with pytest.raises(InputError):
        compile_expression("-" * 100_00 + "1")
    long_sum = compile_expression("+".join(["a"] * 200))
    assert float(long_sum.evaluate({"a": 1.0})) == 200.0
    with pytest.raises(InputError, match="nested deeper than 300 levels"):
        compile_expression("+".join(["a"] * 400))
    with pytest.raises(InputError, match="nested"):
        compile_expression("+".join(["a"] * 4000))


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_fuzz_arbitrary_text_raises_only_input_error(text: str) -> None:
    try:
        e = compile_expression(text)
    except InputError:
        return
    assert isinstance(e.names, frozenset)


_ATOMS = st.sampled_from(["a", "b", "1", "0.5", "2e-1", "a.b", "True"])
_OPS = st.sampled_from(
    [" + ", " - ", " * ", " / ", " ** ", " % ", " < ", " and ", " or ", " if a else "]
)
_FUNCS = st.sampled_from([*sorted(FUNCTIONS), "open", "__import__"])


@settings(max_examples=200, deadline=None)
@given(
    st.recursive(
        _ATOMS,
        lambda inner: st.one_of(
            st.tuples(inner, _OPS, inner).map(lambda t: f"({t[0]}{t[1]}{t[2]})"),
            st.tuples(_FUNCS, st.lists(inner, min_size=1, max_size=3)).map(
                lambda t: f"{t[0]}({', '.join(t[1])})"
            ),
        ),
        max_leaves=12,
    )
)
def test_fuzz_grammar_like_text(text: str) -> None:
    try:
        e = compile_expression(text)
    except InputError:
        return
    out = e.evaluate({"a": np.array([0.5, 2.0]), "b": -1.5, "a.b": 3.0})
    assert out.dtype == np.float64


def test_evaluation_order_topological() -> None:
    exprs = {
        "months": compile_expression("reserves / burn"),
        "burn": compile_expression("discount * exports * 30.4"),
        "discount": compile_expression("base * 2"),
        "other": compile_expression("1"),
    }
    order = evaluation_order(exprs)
    assert sorted(order) == sorted(exprs)
    assert order.index("discount") < order.index("burn") < order.index("months")
    assert evaluation_order(exprs) == order


def test_evaluation_order_cycles() -> None:
    exprs = {
        "a": compile_expression("b + 1", "s.yaml:1:1"),
        "b": compile_expression("c * 2", "s.yaml:2:1"),
        "c": compile_expression("a - x", "s.yaml:3:1"),
    }
    with pytest.raises(InputError, match=r"cycle: a -> b -> c -> a"):
        evaluation_order(exprs)
    with pytest.raises(InputError, match=r"cycle: s -> s"):
        evaluation_order({"s": compile_expression("s + 1")})
