"""The fused escalation path equals the unfused one bit for bit.

:meth:`EscalationTemplate.fused_read_out` solves the perfect-information game with the
payoffs computed in the kernel from class values and per-round coefficients, the chance
probabilities from the few distinct fight distributions, and the terminal reach tallied per
block of samples.  Every number it gives (payoffs, outcomes, metrics, the modal path) must
be the unfused path's to the last bit: the game built with ``(S, T, 3)`` payoffs and
``(S, edges)`` chance probabilities, solved by ``spe_terminal_reach``/``qbi_terminal_reach``
and read out by ``terminal_read_out``.  The draws are random (hypothesis), the sample counts
too (blocks of one row, remainders of one sample).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from brink.builder import compile_game
from brink.errors import InputError
from brink.games import GameError
from brink.mechanisms.ladder import NUCLEAR_RUNG
from brink.model import CrisisModel
from brink.scenario import bundled_scenarios, load_scenario
from brink.solvers.qbi import qbi_fused, qbi_terminal_reach
from brink.solvers.spe import spe_fused, spe_terminal_reach
from brink.templates import get_template
from brink.templates.escalation import readout
from brink.templates.escalation.payoffs import chance_probabilities
from brink.templates.escalation.template import EscalationTemplate

SMALL = Path(__file__).parent / "fixtures" / "escalation-small.yaml"
ESCALATION = sorted(n for n in bundled_scenarios() if load_scenario(n).template == "escalation")
TEMPLATE = get_template("escalation")
assert isinstance(TEMPLATE, EscalationTemplate)
SETTINGS = settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
#: The small scenario with uncertain parameters (it fixes every number), so that draws differ.
UNCERTAIN = (
    "crisis.balance=uniform(0.1, 0.9)", "process.loss_of_control=uniform(0.01, 0.6)",
    "process.decisiveness=uniform(0.05, 0.9)", "doctrines.C.resolve=beta(2, 2)",
    "process.challenger_resolve=beta(3, 2)", "process.discount=uniform(0.6, 1.0)",
    "crisis.stakes.defender=uniform(0.1, 2.0)", "crisis.nuclear_coercion=uniform(0, 0.8)",
    "costs.nuclear_taboo=uniform(0.1, 2)", "process.trend=uniform(-0.3, 0.3)",
)


@pytest.fixture(autouse=True)
def _on_the_tree(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fused kernels on the history tree, which equal the unfused ones bit for bit; on the
    states (:mod:`brink.solvers.states`, the default) they equal them to rounding, which
    ``tests/test_states.py`` checks."""
    import brink.solvers.spe

    monkeypatch.setattr(brink.solvers.spe, "STATES", False)


def _draw(source: str, seed: int, samples: int) -> tuple[Any, dict[str, np.ndarray], Any]:
    sc = load_scenario(source, UNCERTAIN if source == str(SMALL) else ())
    model = CrisisModel(sc)
    scenario, full, _, _ = model._complete(model.draw(seed, 0, samples), None)
    return scenario, full, TEMPLATE.prepare(scenario, full)


def _unfused(scenario: Any, full: dict[str, np.ndarray], q: Any, solver: str, lam: float | None) -> Any:
    game = compile_game(scenario, full, "perfect", q)
    eq = spe_terminal_reach(game) if solver == "spe" else qbi_terminal_reach(game, lam=lam)
    outcomes, metrics = TEMPLATE.terminal_read_out(scenario, full, game, eq.payoffs, eq.reach, q)
    return eq, outcomes, metrics


def _assert_identical(got: dict[str, np.ndarray], want: dict[str, np.ndarray]) -> None:
    assert set(got) == set(want)
    for key in want:
        a, b = np.asarray(got[key]), np.asarray(want[key])
        assert a.shape == b.shape, key
        # bit for bit: the same float64 words (NaN where the unfused path has NaN)
        assert np.array_equal(a.view(np.int64), b.view(np.int64)), key


def _check(source: str, seed: int, samples: int, solver: str, lam: float | None) -> None:
    scenario, full, q = _draw(source, seed, samples)
    eq, outcomes, metrics = _unfused(scenario, full, q, solver, lam)
    fused = TEMPLATE.fused_read_out(scenario, full, solver, {"lam": lam} if lam is not None else {}, q)
    assert fused is not None
    _assert_identical(fused.outcomes, outcomes)
    _assert_identical(fused.metrics, metrics)
    np.testing.assert_array_equal(fused.modal, eq.modal)
    for i, player in enumerate(fused.game.players):
        assert np.array_equal(fused.metrics[f"payoff.{player}"].view(np.int64), eq.payoffs[:, i].view(np.int64))


@SETTINGS
@given(seed=st.integers(0, 2**31 - 1), samples=st.integers(1, 140), lam=st.floats(0.0, 20.0))
@pytest.mark.parametrize("solver", ["spe", "qbi"])
def test_fused_equals_unfused_on_the_small_scenario(solver: str, seed: int, samples: int, lam: float) -> None:
    _check(str(SMALL), seed, samples, solver, lam if solver == "qbi" else None)


@pytest.mark.parametrize("samples", [257, 3000])
@pytest.mark.parametrize("solver", ["spe", "qbi"])
def test_fused_equals_unfused_on_many_samples_of_a_small_game(solver: str, samples: int) -> None:
    """Blocks of many samples of a small tree: the read-out's matrix product is small per block
    and large over all samples, so the blocks are sized to take the whole's BLAS path."""
    _check(str(SMALL), 11, samples, solver, 3.0 if solver == "qbi" else None)


@settings(max_examples=2, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**31 - 1), samples=st.sampled_from([2, 14, 65, 130]))
@pytest.mark.parametrize("solver", ["spe", "qbi"])
@pytest.mark.parametrize("name", ESCALATION)
def test_fused_equals_unfused_on_every_bundled_escalation_scenario(
    name: str, solver: str, seed: int, samples: int
) -> None:
    _check(name, seed, samples, solver, 3.0 if solver == "qbi" else None)


@SETTINGS
@given(seed=st.integers(0, 2**31 - 1), samples=st.integers(1, 140))
def test_payoffs_and_reach_of_the_fused_kernels_are_the_built_game_s(seed: int, samples: int) -> None:
    """The solvers with payoffs by parts against the built game (payoffs, every terminal's
    reach, modal path), and the distinct fight distributions against the formula per edge."""
    scenario, full, q = _draw("ukraine-2022", seed, samples)
    sk = TEMPLATE.skeleton(scenario)
    game = sk.game
    built = compile_game(scenario, full, "perfect", q)
    columns = np.ascontiguousarray(game.outcome[game.terminals], dtype=np.int64)
    for solver in ("spe", "qbi"):
        blocks: list[tuple[int, int, np.ndarray]] = []

        def sink(start: int, stop: int, rows: np.ndarray, blocks: list[tuple[int, int, np.ndarray]] = blocks) -> None:
            assert stop - start >= min(2, samples)
            blocks.append((start, stop, rows.copy()))

        if solver == "spe":
            got, eq = spe_fused(game, q.parts(), columns, sink), spe_terminal_reach(built)
        else:
            got, eq = qbi_fused(game, q.parts(), columns, sink, lam=3.0), qbi_terminal_reach(built, lam=3.0)
        assert np.array_equal(got.payoffs.view(np.int64), eq.payoffs.view(np.int64))
        np.testing.assert_array_equal(got.modal, eq.modal)
        assert [b[0] for b in blocks] == [0, *(b[1] for b in blocks[:-1])] and blocks[-1][1] == samples
        reach = np.concatenate([b[2] for b in blocks])[:, columns]
        assert np.array_equal(reach.view(np.int64), eq.reach.view(np.int64))
    np.testing.assert_array_equal(built.chance_probs, _chance_by_edge(scenario, full, sk))
    np.testing.assert_array_equal(chance_probabilities(scenario, full, sk), built.chance_probs)


def _chance_by_edge(scenario: Any, params: dict[str, np.ndarray], sk: Any) -> np.ndarray:
    """The chance probabilities of every edge, one fight at a time (the formula of
    ``chance_probabilities`` before it computed each distinct fight once)."""
    v = {k: np.asarray(a) for k, a in params.items()}
    cr = scenario.crisis
    n = next(iter(v.values())).shape[0]
    probs = np.zeros((n, sk.game.n_edges))
    d_res = np.clip(v.get(f"doctrines.{cr.defender}.resolve", np.full(n, 0.5)), 0.0, 1.0)
    c_res = np.clip(v.get("process.challenger_resolve", np.full(n, 1.0)), 0.0, 1.0)
    for edge, (c, d) in zip(sk.type_edges, sk.type_of_edge, strict=True):
        pc = (c_res if c == 0 else 1 - c_res) if sk.structure.challenger_types else np.ones(n)
        probs[:, edge] = pc * (d_res if d == 0 else 1 - d_res)
    for f in range(sk.fight_kahn.shape[0]):
        kahn, alert = float(sk.fight_kahn[f]), float(sk.fight_alert[f])
        risk = v["process.loss_of_control"] * (kahn / NUCLEAR_RUNG) ** 2
        slip = np.clip(risk * (1 + v["crisis.alert_risk"] * alert), 0.0, 1.0)
        decided = (1 - slip) * np.clip(v["process.decisiveness"] * min(1.0, kahn / 12), 0, 1)
        probs[:, sk.fight_edges[f, 0]] = slip
        probs[:, sk.fight_edges[f, 1]] = decided
        probs[:, sk.fight_edges[f, 2]] = np.clip(1 - slip - decided, 0.0, 1.0)
    return probs


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**31 - 1),
    rows=st.integers(1, 5),
    cuts=st.lists(st.integers(1, 999), min_size=0, max_size=40, unique=True),
)
def test_class_sums_are_numpy_s_reduceat(seed: int, rows: int, cuts: list[int]) -> None:
    """The compiled per-class sums replicate numpy's pairwise ``add.reduceat`` to the last bit,
    on segments of every length (sequential below 8, eight accumulators up to 128, halves above)."""
    rng = np.random.default_rng(seed)
    T = 1000
    reach = rng.random((rows, T)) * rng.choice([1e-9, 1e-3, 1.0, 1e3], (rows, T))
    reach[rng.random((rows, T)) < 0.5] = 0.0
    order = rng.permutation(T).astype(np.int64)
    starts = np.asarray([0, *sorted(cuts)], dtype=np.int64)
    out = np.empty((rows, starts.size))
    readout.class_sums(reach, order, starts, out)
    want = np.add.reduceat(reach[:, order], starts, axis=1)
    assert np.array_equal(out.view(np.int64), want.view(np.int64))


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**31 - 1), samples=st.integers(2, 60))
@pytest.mark.parametrize("name", ["ukraine-2022", "kargil-1999"])
def test_the_read_out_columns_sum_terminals_read_alike(name: str, seed: int, samples: int) -> None:
    """Terminals share a read-out column only when their weight rows and outcome class are
    equal, and the tally over the columns is the tally over every terminal (the product with
    the ``(T, K)`` weights and numpy's per-class sums) up to the order of summation: within
    a few units in the last place (measured: at most 7.7e-16 relative on the bundled crises)."""
    from brink.templates.escalation.payoffs import terminals_by_outcome_class

    scenario, full, q = _draw(name, seed, samples)
    sk = TEMPLATE.skeleton(scenario)
    tl = readout.tally_structure(sk)
    order, starts = terminals_by_outcome_class(sk.structure)
    of_class = np.repeat(np.arange(starts.size), np.diff(np.append(starts, order.size)))[np.argsort(order)]
    assert np.array_equal(tl.narrow[tl.columns], tl.dense)
    for c in range(tl.narrow.shape[0]):
        assert np.unique(of_class[tl.columns == c]).size == 1
    assert tl.narrow.shape[0] < sk.game.terminals.size / 5
    game = compile_game(scenario, full, "perfect", q)
    reach = np.ascontiguousarray(spe_terminal_reach(game).reach[:, np.searchsorted(game.terminals, sk.outcome_node)])
    got = readout.tally(sk, q, reach)
    wide = reach @ tl.dense
    per_class = np.add.reduceat(reach[:, order], starts, axis=1)
    for k, key in enumerate(tl.names):
        np.testing.assert_allclose(got[key], wide[:, k], rtol=2e-15, atol=1e-15 * np.abs(tl.dense[:, k]).max())
    np.testing.assert_allclose(got["leader_survives"], (per_class * q.leader.survival).sum(axis=1), rtol=2e-15, atol=0)


def test_the_model_takes_the_fused_path_and_falls_back_on_inputs_that_are_not_finite() -> None:
    sc = load_scenario(str(SMALL), UNCERTAIN)
    scenario, full, q = _draw(str(SMALL), 0, 8)
    assert full["crisis.balance"].shape == (8,) and np.unique(full["crisis.balance"]).size == 8
    assert TEMPLATE.fused_read_out(scenario, full, "spe", {}, q) is not None
    assert TEMPLATE.fused_read_out(scenario, full, "pbe", {}, q) is None
    q.by_class[3, 0, 1] = np.nan
    assert TEMPLATE.fused_read_out(scenario, full, "spe", {}, q) is None
    with pytest.raises(GameError, match="finite"):
        spe_fused(TEMPLATE.skeleton(scenario).game, q.parts(), np.arange(1, dtype=np.int64), lambda *_: None)
    # the model's numbers are the fused path's
    model = CrisisModel(sc, solver="spe")
    params = model.draw(0, 0, 8)
    ev = model.evaluate(params)
    scenario, full, q = _draw(str(SMALL), 0, 8)
    fused = TEMPLATE.fused_read_out(scenario, full, "spe", {}, q)
    assert fused is not None
    for key, value in fused.outcomes.items():
        np.testing.assert_array_equal(ev.outcomes[key], value)
    np.testing.assert_array_equal(ev.paths, fused.modal)


def test_a_lambda_out_of_range_is_refused_on_the_fused_path() -> None:
    scenario, full, q = _draw(str(SMALL), 0, 4)
    with pytest.raises(InputError):
        TEMPLATE.fused_read_out(scenario, full, "qbi", {"lam": -1.0}, q)


@pytest.mark.parametrize("solver", ["spe", "qbi"])
def test_the_fused_estimate_bounds_the_memory_of_an_evaluation(solver: str) -> None:
    """:attr:`Footprint.fused` is an upper bound of what numpy allocates per sample on the fused
    path, and below the estimate for the built game (which the fused path does not allocate)."""
    import tracemalloc

    model = CrisisModel(load_scenario("ukraine-2022"), solver=solver, lam=3.0 if solver == "qbi" else None)
    model.evaluate(model.draw(0, 0, 2))
    fp = model.footprint()
    assert 0 < fp.fused < fp.per_sample / 3
    params = model.draw(0, 0, 300)
    tracemalloc.start()
    try:
        model.evaluate(params)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak <= fp.fixed + 300 * fp.fused, (peak / 300, fp)


def test_fused_numbers_do_not_depend_on_the_pieces() -> None:
    """Pieces of 2 to 300 samples (the memory budget) give the same numbers, bit for bit."""
    sc = load_scenario(str(SMALL), UNCERTAIN)
    params = CrisisModel(sc).draw(4, 0, 301)
    whole = CrisisModel(sc, solver="spe").evaluate(params)
    fp = CrisisModel(sc, solver="spe").footprint()
    small = CrisisModel(sc, solver="spe", memory=fp.fixed + 3 * fp.per_sample)
    assert small.footprint().evaluation_piece(small.memory) < 301
    cut = small.evaluate(params)
    for key, value in whole.outcomes.items():
        assert np.array_equal(cut.outcomes[key], value), key
    for key, value in whole.metrics.items():
        assert np.array_equal(cut.metrics[key], value, equal_nan=True), key
    np.testing.assert_array_equal(cut.paths, whole.paths)


@SETTINGS
@given(seed=st.integers(0, 2**31 - 1), samples=st.integers(1, 40))
@pytest.mark.parametrize("name", ["ukraine-2022", "cuban-missile-crisis-1962"])
def test_class_values_of_the_compiled_pass_are_the_numpy_expressions(name: str, seed: int, samples: int) -> None:
    """``Quantities.by_class`` from one compiled pass equals the numpy expressions it replaced
    (``lag (V_C theta won - burden_C + value)``, ``lag V_D kept``, ``lag (V_T theta_T kept - burden_T)``),
    bit for bit."""
    from brink.templates.base import ParameterValues
    from brink.templates.escalation.payoffs import outcome_classes, war_classes, war_costs

    scenario, full, q = _draw(name, seed, samples)
    sk = TEMPLATE.skeleton(scenario)
    t = sk.terms
    first, _ = war_classes(sk.structure)
    rep, of_class = outcome_classes(sk.structure)
    v = ParameterValues(full)
    won = q.won
    rounds = t.end_round[rep][of_class]
    lag = v("process.discount")[:, None] ** (rounds[None, :] - 1)
    theta = np.where(t.challenger_type[first][None, :] == 1, v("process.irresolute_stake")[:, None], 1.0)
    col = (slice(None), None)
    kept = q.kept[:, of_class]
    cost_c, cost_t = war_costs(scenario, full)
    u_c = lag * (v("crisis.stakes.challenger")[col] * theta * won - (q.burden * cost_c[:, None])[:, of_class]
                 + q.leader.value[:, of_class])
    u_d = lag * (v("crisis.stakes.defender")[col] * kept)
    theta_t = np.where(t.defender_type[first][None, :] == 1, v("process.restrained_stake")[:, None], 1.0)
    u_t = lag * (v("crisis.stakes.target")[col] * theta_t * kept - (q.burden * cost_t[:, None])[:, of_class])
    want = np.ascontiguousarray(np.stack([u_c, u_d, u_t], axis=-1))
    assert np.array_equal(q.by_class.view(np.int64), want.view(np.int64))


@SETTINGS
@given(seed=st.integers(0, 2**31 - 1), samples=st.integers(1, 140))
@pytest.mark.parametrize("solver", ["spe", "qbi"])
def test_the_model_s_reach_for_simulate_is_the_built_game_s(solver: str, seed: int, samples: int) -> None:
    """:meth:`CrisisModel.reach` (the endings ``brink simulate`` draws) takes the fused kernels;
    its reach and endings equal those of the built game, bit for bit."""
    import dataclasses

    sc = load_scenario(str(SMALL), UNCERTAIN)
    lam = 3.0 if solver == "qbi" else None
    params = CrisisModel(sc).draw(seed, 0, samples)
    got = CrisisModel(sc, solver=solver, lam=lam).reach(params)
    assert TEMPLATE.fused_reach(got[0], got[1], solver, {"lam": lam}, got[3]) is not None  # the path taken
    with pytest.MonkeyPatch.context() as m:
        m.setattr(EscalationTemplate, "capabilities", dataclasses.replace(TEMPLATE.capabilities, fused_read_out=False))
        want = CrisisModel(sc, solver=solver, lam=lam).reach(params)
    assert np.array_equal(got[4].view(np.int64), want[4].view(np.int64))
    np.testing.assert_array_equal(got[5], want[5])
    ends = [TEMPLATE.endings(r[0], r[1], r[4], r[5], r[3]) for r in (got, want)]
    assert np.array_equal(ends[0].view(np.int64), ends[1].view(np.int64))
