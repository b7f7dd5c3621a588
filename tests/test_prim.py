"""PRIM (Friedman & Fisher 1999): planted boxes, trajectory invariants, failure accounting."""

from __future__ import annotations

import json

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from brink.analysis.prim import discover, paste, peel, prim, simplify
from brink.analysis.test_functions import IshigamiEvaluator

NAMES = ["a", "b", "c", "d"]


def planted(n: int = 2000, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.random((n, 4))
    inside = (x[:, 0] > 0.6) & (x[:, 2] < 0.3)
    y = np.where(inside, rng.random(n) < 0.95, rng.random(n) < 0.03)
    return x, y, inside


def test_recovers_planted_box() -> None:
    x, y, _ = planted()
    res = prim(x, y, NAMES, max_boxes=1)
    box = res.boxes[0]
    limits = {lim["parameter"]: lim for lim in box.limits(NAMES)}
    assert set(limits) == {"a", "c"}
    assert abs(limits["a"]["lower"] - 0.6) < 0.03 and limits["a"]["upper"] is None
    assert abs(limits["c"]["upper"] - 0.3) < 0.03 and limits["c"]["lower"] is None
    assert box.density > 0.9 and box.coverage > 0.75
    inside = box.contains(x)
    assert box.coverage == (y & inside).sum() / y.sum()
    assert box.density == y[inside].mean()
    assert box.support == inside.mean()
    json.dumps(res.to_json())


def test_pasting_never_lowers_density() -> None:
    x, y, _ = planted(seed=4)
    traj = peel(x, y, alpha=0.1)
    for box in traj.boxes[::5]:
        assert paste(x, y, box).density >= box.density - 1e-12


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 2**31),
    alpha=st.floats(0.02, 0.3),
    min_support=st.floats(0.02, 0.5),
)
def test_trajectory_invariants(seed: int, alpha: float, min_support: float) -> None:
    rng = np.random.default_rng(seed)
    x = rng.random((300, 3))
    y = rng.random(300) < x[:, 0]
    traj = peel(x, y, alpha=alpha, min_support=min_support)
    sup, cov = traj.support, traj.coverage
    assert sup[0] == 1.0 and cov[0] == 1.0
    assert np.all(np.diff(sup) < 0)
    assert np.all(np.diff(cov) <= 1e-12)
    assert np.all(sup[1:] >= min_support - 1e-12)
    for box in traj.boxes:
        inside = box.contains(x)
        assert np.isclose(box.support, inside.mean())
        assert np.isclose(box.density, y[inside].mean())


def test_covering_finds_two_separate_boxes() -> None:
    rng = np.random.default_rng(1)
    x = rng.random((4000, 2))
    y = ((x[:, 0] < 0.2) & (x[:, 1] < 0.2)) | ((x[:, 0] > 0.8) & (x[:, 1] > 0.8))
    res = prim(x, y, ["p", "q"], max_boxes=2, min_support=0.02)
    assert len(res.boxes) == 2
    centres = sorted(float((b.lower[0] + min(b.upper[0], 1.0)) / 2) for b in res.boxes)
    assert centres[0] < 0.2 and centres[1] > 0.8
    assert all(b.density > 0.9 for b in res.boxes)
    assert abs(sum(b.coverage for b in res.boxes) - 1.0) < 0.1


def test_discover_counts_failed_samples() -> None:
    ev = IshigamiEvaluator()
    ev.fail_below = -2.5
    res = discover(ev, "high", 2000, 3, threshold=0.5)
    assert res.n_failed > 0 and res.n + res.n_failed == 2000
    # Ishigami exceeds 6 where sin^2(x2) is large, i.e. |x2| near pi/2.
    box = res.boxes[0]
    names = [lim["parameter"] for lim in box.limits(res.names)]
    assert "x2" in names
    assert box.density > 2 * res.base_density


def test_simplify_drops_spurious_restrictions() -> None:
    x, y, _ = planted()
    traj = peel(x, y)
    deep = traj.boxes[-1]  # peeled far past the planted box: spurious cuts on b and d
    assert deep.restricted[1] or deep.restricted[3]
    box = simplify(x, y, deep)
    assert box.restricted.tolist() == [True, False, True, False]
    assert box.coverage >= deep.coverage
    assert box.density > deep.density - np.sqrt(deep.density * (1 - deep.density) / (deep.support * len(y)))


def test_discover_through_an_executor_in_chunks_matches_in_process() -> None:
    from brink.executors.local import LocalExecutor

    ev = IshigamiEvaluator()
    ref = discover(ev, "high", 1500, 4)
    chunked = discover(ev, "high", 1500, 4, chunk=137, executor=LocalExecutor())
    assert json.dumps(chunked.to_json()) == json.dumps(ref.to_json())
    assert ref.boxes and ref.boxes[0].density > 2 * ref.base_density
