"""The causes of how crises end, as parts of the escalation game (issue 22).

* A war whose outcome follows the balance: a war undecided at the horizon is worth its
  continuation at the fitted hazard of decision (closed forms against brute-force sums),
  and moving ``crisis.balance`` from 0.1 to 0.9 moves the chance that the challenger
  prevails by 30 points or more.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from brink.model import CrisisModel
from brink.scenario import load_scenario
from brink.templates.escalation.payoffs import (
    MAX_CONTINUATION_ROUNDS,
    clipped_trend_sum,
    continuation,
)

FLOATS = st.floats(-2.0, 2.0, allow_nan=False)


def brute_sum(a: float, t: float, q: float, terms: int = 20_000) -> float:
    k = np.arange(terms, dtype=np.float64)
    return float(np.sum(q**k * np.clip(a + t * k, 0.0, 1.0)))


@settings(max_examples=300, deadline=None)
@given(a=FLOATS, t=st.one_of(st.just(0.0), st.floats(-0.5, 0.5, allow_nan=False)), q=st.floats(0.0, 0.995))
def test_clipped_trend_sum_is_the_series(a: float, t: float, q: float) -> None:
    assert float(clipped_trend_sum(np.array([a]), np.array([t]), np.array([q]))[0]) == pytest.approx(
        brute_sum(a, t, q), rel=1e-9, abs=1e-9)


def test_clipped_trend_sum_small_trends_and_exact_crossings() -> None:
    for a, t, q in ((0.5, 1e-9, 0.9), (0.5, -1e-9, 0.9), (0.0, 0.25, 0.8), (1.0, -0.25, 0.8), (0.3, 0.1, 0.0)):
        assert float(clipped_trend_sum(np.array([a]), np.array([t]), np.array([q]))[0]) == pytest.approx(
            brute_sum(a, t, q), rel=1e-12, abs=1e-12)


def _continuation_brute(b: float, t: float, R: int, kahn: float, dec: float, delta: float, scale: float,
                        coercion: float) -> tuple[float, float, float, float]:
    h = min(1.0, dec * min(1.0, kahn / 12))
    won = kept = rounds = prevails = 0.0
    for j in range(1, 20_000):
        alive = (1 - h) ** (j - 1)
        p = float(np.clip(b + t * (R + j - 1), 0, 1))
        p = scale * (p + (1 - p) * coercion)
        won += delta**j * alive * h * p
        kept += delta**j * alive * h * (1 - p)
        rounds += delta**j * alive
        prevails += alive * h * p
    return won, kept, rounds, prevails


@settings(max_examples=60, deadline=None)
@given(b=st.floats(0, 1), t=st.floats(-0.2, 0.2), R=st.integers(1, 6), kahn=st.sampled_from([4.0, 9.5, 12.0, 21.0]),
       dec=st.floats(0.02, 1.0), delta=st.floats(0.5, 0.99), strike=st.booleans(), nuclear=st.booleans())
def test_continuation_is_the_sum_over_future_rounds(
    b: float, t: float, R: int, kahn: float, dec: float, delta: float, strike: bool, nuclear: bool,
) -> None:
    """``won = sum_j delta^j (1-h)^(j-1) h p_j`` (and the defender side's, the rounds, the chance
    of winning in the end) with ``p_j`` the balance moved by the trend, coerced at a nuclear
    rung and cut by a strike: the closed form equals the brute-force sum."""
    effects = {k: np.array([0.2]) for k in ("sanctions", "arms-supply", "deployment")} | {"strike": np.array([0.5])}
    answered = np.array([(1 << 5) if strike else 0])
    c = continuation(np.array([b]), np.array([t]), R, np.array([kahn]), np.array([int(nuclear)]), answered,
                     effects, np.array([0.3]), np.array([dec]), np.array([delta]))
    want = _continuation_brute(b, t, R, kahn, dec, delta, 0.5 if strike else 1.0, 0.3 if nuclear else 0.0)
    got = (c.won[0, 0], c.kept[0, 0], c.rounds[0, 0], c.prevails[0, 0])
    np.testing.assert_allclose(got, want, rtol=1e-8, atol=1e-10)


def test_a_war_nobody_decides_or_discounts_is_capped() -> None:
    effects = {k: np.zeros(1) for k in ("sanctions", "arms-supply", "deployment", "strike")}
    c = continuation(np.array([0.5]), np.zeros(1), 3, np.array([12.0]), np.zeros(1, dtype=np.int64),
                     np.zeros(1, dtype=np.int64), effects, np.zeros(1), np.zeros(1), np.ones(1))
    assert c.rounds[0, 0] == pytest.approx(MAX_CONTINUATION_ROUNDS)
    assert c.won[0, 0] == 0.0 and c.prevails[0, 0] == 0.0


# ---------------------------------------------------------------- the balance decides


def prevails(name: str, balance: float, solver: str = "spe", samples: int = 64,
             settings_: tuple[str, ...] = ()) -> float:
    lam = 3.0 if solver == "qbi" else None
    model = CrisisModel(load_scenario(name, (f"crisis.balance={balance}", *settings_)), solver=solver, lam=lam)
    return float(np.mean(model.evaluate(model.draw(0, 0, samples)).outcomes["challenger_prevails"]))
