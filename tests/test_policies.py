"""Robust policies: Savage regret over common draws (Lempert, Popper & Bankes 2003)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from brink.analysis.policies import lever_combinations, policies, regret, score_policies
from brink.analysis.test_functions import IshigamiEvaluator
from brink.errors import InputError

matrices = arrays(
    np.float64,
    st.tuples(st.integers(1, 6), st.integers(1, 40)),
    elements=st.floats(-1e6, 1e6, allow_nan=False),
)


@settings(max_examples=60, deadline=None)
@given(values=matrices, minimize=st.booleans())
def test_regret_is_zero_for_the_best_and_never_negative(values: np.ndarray, minimize: bool) -> None:
    r = regret(values, minimize)
    assert np.all(r >= 0)
    best = values.argmin(axis=0) if minimize else values.argmax(axis=0)
    np.testing.assert_array_equal(r[best, np.arange(values.shape[1])], 0.0)
    np.testing.assert_array_equal(r.min(axis=0), 0.0)


def test_shift_lever_regret_is_exactly_one() -> None:
    res = policies(IshigamiEvaluator(), "y", 400, 0, minimize=True)
    best, worst = res.scores
    assert best.levers == {"shift": 0.0} and worst.levers == {"shift": 1.0}
    assert best.mean_regret == 0.0 and best.max_regret == 0.0 and best.share_best == 1.0
    assert worst.mean_regret == pytest.approx(1.0) and worst.p90_regret == pytest.approx(1.0)
    assert worst.expected == pytest.approx(best.expected + 1.0)
    assert res.n_regret_draws == 400
    json.dumps(res.to_json())
    up = policies(IshigamiEvaluator(), "y", 400, 0, minimize=False)
    assert up.best.levers == {"shift": 1.0}


def test_worst_decile_and_failures() -> None:
    values = np.array([[1.0, 2, 3, 4, 5, 6, 7, 8, 9, 10], [5, 5, 5, 5, 5, 5, 5, 5, 5, np.nan]])
    scores, complete = score_policies(values, [{"p": 0}, {"p": 1}], minimize=True)
    assert complete == 9
    by = {s.levers["p"]: s for s in scores}
    assert by[0].worst_decile == 10.0
    assert by[1].worst_decile == 5.0 and by[1].n_failed == 1
    assert by[0].max_regret == 4.0  # draw with value 9 against 5; draw 10 is incomplete


def test_combinations_and_errors() -> None:
    combos = lever_combinations({"a": [1, 2], "b": ["x", "y", "z"]})
    assert len(combos) == 6 and combos[1] == {"a": 1, "b": "y"}

    class NoLevers(IshigamiEvaluator):
        @property
        def levers(self) -> dict[str, list[float]]:
            return {}

    with pytest.raises(InputError, match="no levers"):
        policies(NoLevers(), "y", 10, 0)


def test_policy_failing_everywhere_is_left_out_of_regret() -> None:
    values = np.array([[1.0, 2.0, 3.0], [2.0, 1.0, 3.0], [np.nan, np.nan, np.nan]])
    scores, complete = score_policies(values, [{"p": 0}, {"p": 1}, {"p": 2}], minimize=True)
    assert complete == 3
    by = {s.levers["p"]: s for s in scores}
    assert by[0].max_regret == 1.0 and by[1].max_regret == 1.0
    assert np.isnan(by[2].mean_regret) and by[2].n_failed == 3
    assert scores[-1].levers == {"p": 2}


def test_policies_of_a_scenario_on_an_executor_match_in_process() -> None:
    """Every lever setting's chunks travel as one task stream, the setting named in each."""
    from brink.analysis.experiments import design_chunks
    from brink.cli.analysis import load_evaluator
    from brink.executors.local import LocalExecutor

    ev = load_evaluator("ukraine-2022-exchange").evaluator
    ref = policies(ev, "leader_survives", 64, 3, minimize=False)
    shipped = policies(ev, "leader_survives", 64, 3, minimize=False, chunk=40, executor=LocalExecutor())
    assert json.dumps(shipped.to_json()) == json.dumps(ref.to_json())
    assert len(ref.scores) == 16
    tasks = design_chunks(ev, ev.draw(3, 0, 64), {"doctrines.NATO.declared": "sanctions"}, 40)
    assert all(t.model is ev for t in tasks)
    assert [t.describe() for t in tasks] == [
        "rows 0..39 of the design, scenario ukraine-2022-exchange, doctrines.NATO.declared=sanctions",
        "rows 40..63 of the design, scenario ukraine-2022-exchange, doctrines.NATO.declared=sanctions",
    ]
