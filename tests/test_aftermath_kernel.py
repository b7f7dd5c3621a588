"""The post-war game's block kernel (brink.aftermath.game.solve_kernel) against the scalar kernel it
replaced (brink.aftermath.reference.solve_kernel_reference): the same numbers bit for bit, on random
inputs of every shape the kernel takes (partial blocks of samples, one grid level, no partners or
outside powers, a fixed, best-response or logit leader, tenure bands that change within the horizon,
reserves that run out, zero reserves, paths recorded for some endings only), and on the arrays
ukraine-2022 builds."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from brink import aftermath
from brink.aftermath.game import GRID_POINTS, LANES, RECORDED, solve_kernel
from brink.aftermath.inputs import all_starts, build_inputs
from brink.aftermath.reference import solve_kernel_reference
from brink.model import CrisisModel
from brink.scenario import load_scenario

Arrays = tuple[np.ndarray, ...]


@dataclass(frozen=True)
class Case:
    """Every argument of the kernels but the outputs."""

    arrays: Arrays
    lam: float
    fixed: int
    grid: int
    rec_start: np.ndarray
    only_recorded: bool


def _random_case(seed: int, S: int, H: int, K: int, A: int, P: int, U: int, grid: int, leader: str,
                 only_recorded: bool) -> Case:
    rng = np.random.default_rng(seed)
    bands = np.sort(rng.integers(0, H, size=2))
    base_logit = np.empty((S, H))
    for s in range(S):  # piecewise constant: the tenure band changes at most twice
        levels = rng.normal(-5.0, 1.0, size=3)
        base_logit[s] = np.where(np.arange(H) < bands[0], levels[0], np.where(np.arange(H) < bands[1], levels[1], levels[2]))
    psupp = rng.uniform(0.0, 1.0, size=(S, K, A, P))
    msupp = psupp.mean(axis=-1) if P else np.ones((S, K, A))
    cost = rng.choice([0.0, 0.5, 3.0, 40.0], size=(S, K, A)) * rng.uniform(0.5, 1.5, size=(S, K, A))
    cost[:, :, 0] = 0.0
    R0 = rng.choice([0.0, 5.0, 60.0], size=S) * rng.uniform(0.5, 1.5, size=S)
    arrays = (
        base_logit, rng.normal(0.0, 0.7, size=(S, K)), rng.uniform(0.0, 1.0, size=S), rng.uniform(0.0, 2.0, size=S),
        rng.uniform(0.0, 0.01, size=S), rng.uniform(0.0, 10.0, size=(S, U)), rng.uniform(0.0, 8.0, size=(S, U)),
        rng.uniform(0.0, 1.0, size=(S, U)), rng.uniform(0.0, 1.0, size=S), rng.uniform(0.0, 1.0, size=S),
        rng.uniform(0.0, 2.0, size=S), rng.integers(0, 2, size=K).astype(np.float64), msupp, psupp, cost,
        rng.uniform(0.0, 30.0, size=(S, A)), rng.uniform(-3.0, 2.0, size=(S, K)), R0,
        rng.uniform(0.0, 0.1, size=(S, K)), rng.uniform(0.0, 0.05, size=S), rng.uniform(0.0, 0.01, size=S),
        rng.uniform(0.0, 2.0, size=(S, K)), rng.uniform(0.9, 1.0, size=S),
    )
    lam, fixed = {"best": (np.inf, -1), "fixed": (np.inf, int(rng.integers(0, A))),
                  "logit": (float(rng.uniform(0.5, 200.0)), -1)}[leader]
    rec_start = rng.integers(-1, K, size=S).astype(np.int64)
    return Case(tuple(np.ascontiguousarray(x) for x in arrays), lam, fixed, grid, rec_start, only_recorded)


def _solve(kernel: object, case: Case) -> Arrays:
    S, H = case.arrays[0].shape
    K = case.arrays[1].shape[1]
    P = case.arrays[13].shape[3]
    out = np.full((S, K, 6), -7.0)
    abandon = np.zeros((S, K, P))
    path = np.full((S, H, len(RECORDED)), np.nan)
    support = np.full((S, H, P), np.nan)
    kernel(*case.arrays, case.lam, case.fixed, case.grid, out, abandon, case.rec_start, path, support,  # type: ignore[operator]
           case.only_recorded)
    return out, abandon, path, support


def _assert_identical(new: Arrays, old: Arrays) -> None:
    for a, b in zip(new, old, strict=True):
        assert a.shape == b.shape
        assert np.array_equal(a, b, equal_nan=True), float(np.nanmax(np.abs(a - b)))
        assert np.array_equal(np.signbit(a), np.signbit(b))


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1), S=st.integers(1, 2 * LANES + 3), H=st.integers(1, 14), K=st.integers(1, 3),
    A=st.integers(1, 5), P=st.integers(0, 3), U=st.integers(0, 2), grid=st.sampled_from([1, 2, 3, GRID_POINTS]),
    leader=st.sampled_from(["best", "fixed", "logit"]), only_recorded=st.booleans(),
)
def test_the_block_kernel_equals_the_scalar_kernel_bit_for_bit(
    seed: int, S: int, H: int, K: int, A: int, P: int, U: int, grid: int, leader: str, only_recorded: bool,
) -> None:
    case = _random_case(seed, S, H, K, A, P, U, grid, leader, only_recorded)
    _assert_identical(_solve(solve_kernel, case), _solve(solve_kernel_reference, case))


def test_the_block_kernel_equals_the_scalar_kernel_on_ukraine_2022() -> None:
    sc = load_scenario("ukraine-2022")
    model = CrisisModel(sc)
    full = model._complete(model.draw(3, 0, 3 * LANES + 5), None)[1]
    inputs = build_inputs(sc, full, all_starts(False))  # type: ignore[arg-type]
    n = inputs.base_logit.shape[0]
    arrays = tuple(getattr(inputs, name) for name in (
        "base_logit", "dom_shift", "pw_log", "goods_w", "h_bg", "gain", "icost", "isucc", "deter", "shield",
        "weak_eff", "lost", "msupp", "psupp", "cost", "disc", "revenue", "R0", "flow_fixed", "pv", "fiscal", "pun",
        "delta"))
    for rec_start, only in ((np.full(n, -1, dtype=np.int64), False), (np.arange(n, dtype=np.int64) % 8, False),
                            (np.arange(n, dtype=np.int64) % 3, True)):
        for lam in (inputs.lam, 4.0):
            case = Case(arrays, lam, inputs.fixed, GRID_POINTS, rec_start, only)
            _assert_identical(_solve(solve_kernel, case), _solve(solve_kernel_reference, case))
    game = aftermath.solve(inputs)
    assert np.isfinite(game.value).all()
    record = np.where(np.arange(n) % 4 == 0, -1, np.arange(n) % 8).astype(np.int64)
    recorded = aftermath.solve(inputs, record=record)
    assert np.isnan(recorded.path[record < 0]).all() and np.isnan(recorded.support[record < 0]).all()
    assert np.isfinite(recorded.path[record >= 0]).all() and np.isfinite(recorded.support[record >= 0]).all()
    case = Case(arrays, inputs.lam, inputs.fixed, GRID_POINTS, record, False)
    _, _, path, support = _solve(solve_kernel_reference, case)
    assert np.array_equal(recorded.path, path, equal_nan=True) and np.array_equal(recorded.support, support, equal_nan=True)


def _einsum_mix(x: np.ndarray, lot: np.ndarray, index: np.ndarray) -> np.ndarray:
    """The mix over the endings' lotteries as brink 0.1 computed it (numpy's einsum)."""
    picked = x[:, index]
    weights = lot.transpose(0, 2, 1)
    if picked.ndim == 4:
        return np.asarray(np.einsum("sko,skop->sop", weights, picked))
    return np.asarray(np.einsum("sko,sko->so", weights, picked))


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), S=st.integers(1, 40), C=st.integers(1, 30), K=st.integers(1, 16),
       P=st.integers(0, 3), sparse=st.booleans())
def test_the_mix_over_lotteries_equals_numpys_einsum_bit_for_bit(seed: int, S: int, C: int, K: int, P: int,
                                                                  sparse: bool) -> None:
    rng = np.random.default_rng(seed)
    lot = rng.dirichlet(np.ones(4), size=(S, C))
    if sparse:  # most classes end one way for sure
        lot = np.where(lot > 0.4, lot, 0.0)
    index = rng.integers(0, K, size=(4, C))
    values = rng.normal(size=(S, K, 6))[:, :, 2]  # a strided view, as the solution's fields are
    assert np.array_equal(aftermath.mix_endings(values, lot, index), _einsum_mix(values, lot, index))
    abandon = rng.uniform(size=(S, K, P))
    assert np.array_equal(aftermath.mix_endings(abandon, lot, index), _einsum_mix(abandon, lot, index))
