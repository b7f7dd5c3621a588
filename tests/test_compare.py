"""Counterfactual comparison on common random numbers."""

from __future__ import annotations

import json

import numpy as np

from brink.analysis.compare import compare
from brink.analysis.intervals import mean_interval
from brink.analysis.test_functions import IshigamiEvaluator


def test_identical_evaluators_give_exactly_zero() -> None:
    res = compare(IshigamiEvaluator(), IshigamiEvaluator(), 500, 4)
    assert res.shared == ("x1", "x2", "x3")
    assert res.info["shared_with_identical_draws"] == ["x1", "x2", "x3"]
    for row in res.rows:
        assert row.difference.mean == 0.0
        assert row.difference.low == 0.0 and row.difference.high == 0.0
        assert row.changed == 0.0
        assert row.a.mean == row.b.mean
    json.dumps(res.to_json())


def test_lever_shift_is_exact_under_common_random_numbers() -> None:
    ev = IshigamiEvaluator()
    res = compare(ev, ev, 300, 1, levers_a={"shift": 0.0}, levers_b={"shift": 1.0})
    y = res.row("y")
    np.testing.assert_allclose([y.difference.mean, y.difference.low, y.difference.high], 1.0)
    high = res.row("high")
    assert high.difference.mean > 0 and high.difference.low > 0


def test_known_parameter_change_has_expected_sign_and_size() -> None:
    # E[a sin^2 x2] = a / 2, so raising a from 7 to 8 raises E[y] by exactly 0.5.
    res = compare(IshigamiEvaluator(a=7.0), IshigamiEvaluator(a=8.0), 4000, 2)
    d = res.row("y").difference
    assert d.low < 0.5 < d.high
    assert d.mean > 0
    # Common random numbers: the paired interval is much narrower than independent ones.
    a = IshigamiEvaluator(a=7.0)
    ya = a.evaluate(a.draw(2, 0, 4000)).metrics["y"]
    unpaired = mean_interval(ya)
    assert (d.high - d.low) < 0.5 * (unpaired.high - unpaired.low)


def test_failed_pairs_are_left_out_and_counted() -> None:
    b = IshigamiEvaluator()
    b.fail_below = -2.0
    res = compare(IshigamiEvaluator(), b, 1000, 3)
    assert res.n_failed_a == 0 and res.n_failed_b > 0
    assert res.n_pairs == 1000 - res.n_failed_b
    assert res.row("y").difference.mean == 0.0
    assert res.row("y").a.n == res.n_pairs


def test_scenario_chunks_give_the_in_process_numbers() -> None:
    """A and B travel as scenario JSON (one stream of chunk tasks) and change nothing."""
    from brink.cli.analysis import load_evaluator
    from brink.executors.local import LocalExecutor

    a = load_evaluator("ukraine-2022-exchange").evaluator
    b = load_evaluator("ukraine-2022-exchange", ["crisis.balance=0.9"]).evaluator
    ref = compare(a, b, 300, 6)
    shipped = compare(a, b, 300, 6, chunk=128, executor=LocalExecutor())
    assert json.dumps(shipped.to_json()) == json.dumps(ref.to_json())
    assert any(r.changed > 0 for r in ref.rows)  # the variant really differs
