"""Distributions: quantiles and moments against scipy.stats, bounds, parsing and its errors."""

from __future__ import annotations

import contextlib
import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from brink.errors import InputError
from brink.scenario.distributions import (
    Choice,
    Fixed,
    is_distribution_text,
    parse_distribution,
)

Q = np.linspace(0.001, 0.999, 201)

CASES = [
    ("uniform(0.2, 0.6)", stats.uniform(0.2, 0.4)),
    ("triangular(5, 15, 30)", stats.triang((15 - 5) / 25, loc=5, scale=25)),
    ("triangular(0, 0, 1)", stats.triang(0.0, loc=0, scale=1)),
    ("normal(1.5, 0.3)", stats.norm(1.5, 0.3)),
    ("normal(0, 1, -1, 2)", stats.truncnorm(-1, 2, loc=0, scale=1)),
    ("normal(10, 2, 9, 100)", stats.truncnorm(-0.5, 45, loc=10, scale=2)),
    ("beta(6, 3)", stats.beta(6, 3)),
    ("beta(0.5, 0.5)", stats.beta(0.5, 0.5)),
    ("lognormal(1.2, 0.3)", stats.lognorm(s=0.3, scale=np.exp(1.2))),
]


@pytest.mark.parametrize(("text", "ref"), CASES)
def test_ppf_matches_scipy(text: str, ref: stats.rv_continuous) -> None:
    d = parse_distribution(text)
    np.testing.assert_allclose(d.ppf(Q), ref.ppf(Q), rtol=1e-9, atol=1e-12)
    assert d.central == pytest.approx(ref.median(), rel=1e-9)
    lo, hi = d.bounds
    assert (lo, hi) == pytest.approx(ref.support())


@pytest.mark.parametrize(("text", "ref"), CASES)
def test_sample_moments_match_scipy(text: str, ref: stats.rv_continuous) -> None:
    d = parse_distribution(text)
    x = d.sample(np.random.default_rng(7), 200_000)
    sd = ref.std()
    assert abs(x.mean() - ref.mean()) < 5 * sd / np.sqrt(x.size)
    assert x.std() == pytest.approx(sd, rel=0.02)
    lo, hi = d.bounds
    assert np.all((x >= lo) & (x <= hi))


def test_choice_probabilities_and_sorting() -> None:
    d = parse_distribution("choice([3, 1, 2], [0.5, 0.2, 0.3])")
    assert isinstance(d, Choice)
    assert d.values == (1.0, 2.0, 3.0)
    assert d.probs == pytest.approx((0.2, 0.3, 0.5))
    x = d.sample(np.random.default_rng(1), 100_000)
    freq = [np.mean(x == v) for v in (1, 2, 3)]
    assert freq == pytest.approx([0.2, 0.3, 0.5], abs=0.01)
    assert d.bounds == (1.0, 3.0)
    equal = parse_distribution("choice(4, 8, 6)")
    assert equal.ppf(np.array([0.1, 0.5, 0.9])).tolist() == [4.0, 6.0, 8.0]
    assert equal.spec == "choice(4, 6, 8)"


def test_choice_central_is_lower_median() -> None:
    assert parse_distribution("choice([1, 2, 3], [0.2, 0.3, 0.5])").central == 2.0


def test_fixed_forms() -> None:
    for value in (0.4, "0.4", "fixed(0.4)", " 0.4 "):
        d = parse_distribution(value)
        assert isinstance(d, Fixed)
        assert d.is_fixed and d.central == 0.4 and d.bounds == (0.4, 0.4)
        assert d.ppf(np.array([0.1, 0.9])).tolist() == [0.4, 0.4]
    assert parse_distribution(3).spec == "3"
    assert parse_distribution(True).central == 1.0
    assert parse_distribution("-2e-3").central == -0.002
    assert not parse_distribution("uniform(0, 1)").is_fixed


@pytest.mark.parametrize(
    "text",
    [
        "uniform(0.2, 0.6)",
        "triangular(5, 15, 30)",
        "normal(0, 1)",
        "normal(0, 1, -1, 2)",
        "beta(6, 3)",
        "lognormal(1.2, 0.3)",
        "choice(1, 2, 3)",
        "choice([1, 2], [0.25, 0.75])",
        "fixed(0.5)",
    ],
)
def test_spec_round_trip_and_pickle(text: str) -> None:
    d = parse_distribution(text)
    assert parse_distribution(d.spec) == d
    assert pickle.loads(pickle.dumps(d)) == d
    assert hash(d) == hash(parse_distribution(d.spec))


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("uniform(0.8, 0.3)", "uniform(0.8, 0.3): lower bound above upper bound"),
        ("uniform(1, 1)", "equal bounds"),
        ("triangular(0, 2, 1)", "mode outside"),
        ("triangular(1, 1, 1)", "lower bound not below upper bound"),
        ("normal(0, 0)", "standard deviation must be positive"),
        ("normal(0, 1, 2, 1)", "truncation bound"),
        ("normal(0, 1, 50, 60)", "no probability"),
        ("beta(0, 1)", "shape parameters must be positive"),
        ("lognormal(0, -1)", "sigma must be positive"),
        ("choice([1, 2], [0.5, 0.6])", "sum to 1.1"),
        ("choice([1, 2], [0.5])", "2 values but 1 probabilities"),
        ("choice()", "at least one value"),
        ("choice(1, 1)", "distinct"),
        ("uniform(0)", "uniform takes 2 parameters, got 1"),
        ("normal(0, 1, 2)", "normal takes 2 or 4"),
        ("gamma(1, 2)", "unknown distribution 'gamma'"),
        ("uniform(a, 1)", "a is not a number"),
        ("uniform(low=0, high=1)", "keyword arguments"),
        ("uniform(0, 1e400)", "finite"),
        ("__import__('os').system('ls')", "unknown distribution"),
        ("uniform(0, 1", "not a number or a distribution"),
        ("", "empty"),
        ("beta(True, 2)", "not a number"),
    ],
)
def test_invalid_text_names_where_problem_and_forms(text: str, problem: str) -> None:
    with pytest.raises(InputError) as info:
        parse_distribution(text, where="s.yaml:4:9")
    msg = str(info.value)
    assert msg.startswith("s.yaml:4:9: ")
    assert problem in msg
    assert "uniform(a, b)" in msg and "choice(v1, v2, ...)" in msg


def test_non_finite_and_wrong_type_rejected() -> None:
    with pytest.raises(InputError, match="finite"):
        parse_distribution(float("nan"), "x")
    with pytest.raises(InputError, match="list"):
        parse_distribution([1, 2], "x")  # type: ignore[arg-type]


def test_is_distribution_text() -> None:
    assert is_distribution_text("uniform(0.3, 0.8)")
    assert is_distribution_text(" beta(6,3) ")
    assert not is_distribution_text("0.4")
    assert not is_distribution_text("conventional-strike")
    assert not is_distribution_text("max(a, b)")
    assert not is_distribution_text(0.4)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_arbitrary_text_raises_only_input_error(text: str) -> None:
    with contextlib.suppress(InputError):
        parse_distribution(text)


@settings(max_examples=100, deadline=None)
@given(
    st.floats(-100, 100),
    st.floats(0.01, 50),
    st.lists(st.floats(0, 1), min_size=1, max_size=20),
)
def test_ppf_monotone_and_within_bounds(a: float, width: float, us: list[float]) -> None:
    for d in (
        parse_distribution(f"uniform({a!r}, {a + width!r})"),
        parse_distribution(f"triangular({a!r}, {a + width / 3!r}, {a + width!r})"),
        parse_distribution(f"normal({a!r}, {width!r}, {a - width!r}, {a + 2 * width!r})"),
    ):
        u = np.sort(np.asarray(us))
        x = d.ppf(u)
        assert np.all(np.diff(x) >= -1e-9 * max(1.0, abs(a) + width))
        lo, hi = d.bounds
        assert np.all((x >= lo - 1e-9) & (x <= hi + 1e-9))
