"""Unit tests of the workbench's what-if, game-tree outline and background jobs.

The what-if re-solves one fixed draw on common random numbers (Law & Kelton 2000, §11.2):
with no change it must reproduce ``brink.runs.run`` exactly, a pinned parameter must equal
``CrisisModel.evaluate`` with that parameter fixed, and a range restriction is the
inverse-CDF draw of the truncated distribution, so every sample keeps its rank.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterator
from functools import cache
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import stats

from brink.drawing import PRUNE_REACH, tree_reach
from brink.errors import InputError
from brink.model import CrisisModel
from brink.runs import run
from brink.scenario import load_scenario
from brink.scenario.distributions import parse_distribution
from brink.web.jobs import Jobs
from brink.web.tree import tree_outline
from brink.web.whatif import MEMO_SAMPLES, WhatIf, quantile_of

SCENARIO = "ukraine-2022-exchange"
SEED = 11


@cache
def exchange_model() -> CrisisModel:
    return CrisisModel(load_scenario(SCENARIO))


@cache
def small_whatif() -> WhatIf:
    return WhatIf(exchange_model(), 512, SEED)


def outcome_means(outcomes: dict[str, Any], failed: Any) -> dict[str, float]:
    ok = ~np.asarray(failed, dtype=bool)
    return {k: float(np.mean(np.asarray(v, dtype=np.float64)[ok])) for k, v in outcomes.items()}


# ---- quantile_of against closed forms ------------------------------------------------------------


@pytest.mark.parametrize("value", [1.0, 1.25, 1.5, 1.9, 2.0, 2.5, 3.0 - 1e-9])
def test_quantile_of_uniform_is_the_closed_form_cdf(value: float) -> None:
    a, b = 1.0, 3.0
    d = parse_distribution(f"uniform({a}, {b})")
    assert quantile_of(d, value) == pytest.approx((value - a) / (b - a), abs=1e-12)


def test_quantile_of_uniform_below_and_above_the_support() -> None:
    d = parse_distribution("uniform(1, 3)")
    assert quantile_of(d, 0.5) == 0.0
    assert quantile_of(d, 3.5) == pytest.approx(1.0, abs=1e-15)


@pytest.mark.parametrize("value", [1e-4, 4e-4])
def test_quantile_of_uniform_in_the_lowest_tail(value: float) -> None:
    d = parse_distribution("uniform(0, 1)")
    assert quantile_of(d, value) == pytest.approx(value, abs=1e-12)


@pytest.mark.parametrize("value", [-3.0, -1.0, -0.2, 0.0, 0.7, 2.5])
def test_quantile_of_normal_is_scipy_norm_cdf(value: float) -> None:
    d = parse_distribution("normal(0.5, 2)")
    assert quantile_of(d, value) == pytest.approx(stats.norm.cdf(value, loc=0.5, scale=2.0), abs=1e-9)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0.5, 0.0), (1.0, 0.2), (1.5, 0.2), (2.0, 0.5), (2.99, 0.5), (3.0, 1.0), (7.0, 1.0)],
)
def test_quantile_of_choice_is_the_top_of_its_step(value: float, expected: float) -> None:
    """A discrete CDF: F(v) = P(X <= v), the top of the step that holds v."""
    d = parse_distribution("choice([1, 2, 3], [0.2, 0.3, 0.5])")
    assert quantile_of(d, value) == pytest.approx(expected, abs=1e-12)


@settings(max_examples=40, deadline=None)
@given(st.floats(0.001, 0.999), st.floats(0.1, 5.0), st.floats(-3, 3))
def test_quantile_of_inverts_ppf(q: float, sd: float, mu: float) -> None:
    d = parse_distribution(f"normal({mu!r}, {sd!r})")
    x = float(d.ppf(np.array([q]))[0])
    assert quantile_of(d, x) == pytest.approx(q, abs=1e-9)


# ---- WhatIf ------------------------------------------------------------------------------------


def test_whatif_without_changes_is_brink_run_on_the_same_draw() -> None:
    model = exchange_model()
    n = 2048
    result = WhatIf(model, n, SEED).evaluate()
    ref = run(model.scenario, n, SEED)
    assert result.samples == n
    assert result.failed == ref.failed
    assert set(result.outcomes) == set(ref.outcomes)
    for k, (mean, low, high) in result.outcomes.items():
        assert mean == pytest.approx(ref.outcomes[k]["p"], abs=1e-12), k
        assert low <= mean <= high
    for k, (mean, _, _) in result.metrics.items():
        assert mean == pytest.approx(ref.metrics[k]["mean"], rel=1e-12, abs=1e-12), k


def test_whatif_parameters_without_ranges_are_the_models_draw() -> None:
    w = small_whatif()
    drawn = exchange_model().draw(SEED, 0, w.samples)
    params = w.parameters({})
    assert set(params) == set(drawn)
    for k, v in drawn.items():
        np.testing.assert_array_equal(params[k], v)


@pytest.mark.parametrize(("name", "value"), [("crisis.balance", 0.3), ("crisis.nuclear_coercion", 0.55)])
def test_pinning_a_parameter_equals_evaluate_with_it_fixed(name: str, value: float) -> None:
    w = small_whatif()
    model = exchange_model()
    result = w.evaluate({name: (value, value)})
    params = model.draw(SEED, 0, w.samples)
    params[name] = np.full(w.samples, value)
    ev = model.evaluate(params)
    expected = outcome_means(ev.outcomes, ev.failed)
    assert result.failed == int(np.asarray(ev.failed).sum())
    for k, (mean, _, _) in result.outcomes.items():
        assert mean == pytest.approx(expected[k], abs=1e-12), k
    np.testing.assert_array_equal(w.parameters({name: (value, value)})[name], np.full(w.samples, value))


@pytest.mark.parametrize(
    ("name", "low", "high"),
    [("actors.RUS.leader.office_value", 1.2, 1.4), ("crisis.balance", 0.1, 0.3),
     ("survival.outcome_multipliers.defeat", 2.0, 4.0)],
)
def test_a_range_keeps_samples_inside_and_keeps_their_ranks(name: str, low: float, high: float) -> None:
    w = small_whatif()
    free = w.parameters({})[name]
    kept = w.parameters({name: (low, high)})[name]
    assert np.all((kept >= low) & (kept <= high))
    order = np.argsort(free, kind="stable")
    assert np.all(np.diff(kept[order]) >= 0), "the restriction must be a monotone map of each sample's uniform"
    # the truncated inverse CDF: F^-1(F(low) + u (F(high) - F(low))) with F from quantile_of
    d = exchange_model().scenario.parameters.distributions[name]
    u = w._u[name]
    qa, qb = quantile_of(d, low), quantile_of(d, high)
    np.testing.assert_allclose(kept, np.clip(d.ppf(qa + u * (qb - qa)), low, high), rtol=0, atol=0)


def test_a_range_on_an_uncertainty_that_is_also_a_lever() -> None:
    w = small_whatif()
    name = "energy_discount.offered_usd_per_bbl"  # triangular(5, 15, 30) and a lever [0, 10, 20, 30]
    assert name in exchange_model().levers and name in exchange_model().uncertainties
    result = w.evaluate({name: (10.0, 25.0)})
    assert result.samples == w.samples
    values = w.parameters({name: (10.0, 25.0)})[name]
    assert np.all((values >= 10.0) & (values <= 25.0))


def test_a_uniform_range_is_uniform_on_the_range() -> None:
    """For uniform(a, b) restricted to [lo, hi] sample i is lo + u_i (hi - lo) (closed form)."""
    w = small_whatif()
    name, lo, hi = "actors.RUS.leader.punishment_cost", 0.8, 1.1
    np.testing.assert_allclose(w.parameters({name: (lo, hi)})[name], lo + w._u[name] * (hi - lo), atol=1e-12)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(["actors.RUS.leader.office_value", "crisis.balance", "doctrines.NATO.resolve",
                     "crisis.stalemate_share"]),
    st.floats(0.0, 1.0), st.floats(0.0, 1.0),
)
def test_any_range_inside_the_support_gives_values_inside_the_range(name: str, a: float, b: float) -> None:
    w = small_whatif()
    lo_s, hi_s = exchange_model().scenario.parameters.distributions[name].bounds
    low, high = sorted((lo_s + a * (hi_s - lo_s), lo_s + b * (hi_s - lo_s)))
    w.check({name: (low, high)}, {})
    values = w.parameters({name: (low, high)})[name]
    assert np.all((values >= low) & (values <= high))


@pytest.mark.parametrize(
    ("ranges", "levers", "where"),
    [
        ({"actors.RUS.leader.office_value": (0.5, 1.5)}, {}, "ranges.actors.RUS.leader.office_value"),
        ({"crisis.balance": (-0.1, 0.5)}, {}, "ranges.crisis.balance"),
        ({"crisis.balance": (0.6, 0.4)}, {}, "ranges.crisis.balance"),
        ({"crisis.balance": (0.1, math.nan)}, {}, "ranges.crisis.balance"),
        ({"survival.outcome_multipliers.defeat": (1.0, math.inf)}, {}, "ranges.survival.outcome_multipliers.defeat"),
        ({"no.such.parameter": (0.0, 1.0)}, {}, "ranges"),
        ({}, {"no.such.lever": "x"}, "levers"),
        ({}, {"doctrines.NATO.declared": "invade"}, "levers.doctrines.NATO.declared"),
        ({}, {"energy_discount.offered_usd_per_bbl": 15}, "levers.energy_discount.offered_usd_per_bbl"),
    ],
)
def test_bad_ranges_and_levers_are_input_errors(
    ranges: dict[str, tuple[float, float]], levers: dict[str, Any], where: str
) -> None:
    with pytest.raises(InputError) as info:
        small_whatif().evaluate(ranges, levers)
    assert info.value.where == where


@pytest.mark.parametrize(
    "levers", [{"doctrines.NATO.declared": "conventional-strike"}, {"energy_discount.offered_usd_per_bbl": 30},
               {"doctrines.NATO.declared": "sanctions", "energy_discount.offered_usd_per_bbl": 0}],
)
def test_a_lever_change_equals_evaluate_with_that_lever(levers: dict[str, Any]) -> None:
    w = small_whatif()
    model = exchange_model()
    result = w.evaluate({}, levers)
    ev = model.evaluate(model.draw(SEED, 0, w.samples), levers=levers)
    expected = outcome_means(ev.outcomes, ev.failed)
    for k, (mean, _, _) in result.outcomes.items():
        assert mean == pytest.approx(expected[k], abs=1e-12), k


def test_a_lever_that_changes_play_changes_the_outcomes() -> None:
    """The comparison above is not vacuous: some lever moves some outcome."""
    w = small_whatif()
    base = w.evaluate()
    moved = w.evaluate({}, {"energy_discount.offered_usd_per_bbl": 0})
    assert any(abs(moved.outcomes[k][0] - base.outcomes[k][0]) > 0.05 for k in base.outcomes)


def test_controls_cover_every_uncertainty_and_lever() -> None:
    w = small_whatif()
    model = exchange_model()
    controls = {c.name: c for c in w.controls()}
    assert set(controls) == set(model.uncertainties) | set(model.levers)
    c = controls["actors.RUS.leader.office_value"]
    assert (c.low, c.high) == (1.0, 2.0)
    # lognormal(1.2, 0.3): its 0 is only approached, so both ends stop at the 0.1% quantiles
    lognormal = controls["survival.outcome_multipliers.defeat"]
    assert lognormal.low == pytest.approx(math.exp(1.2 + 0.3 * stats.norm.ppf(0.001)), rel=1e-9)
    assert lognormal.high == pytest.approx(math.exp(1.2 + 0.3 * stats.norm.ppf(0.999)), rel=1e-9)
    assert controls["doctrines.NATO.declared"].options == ("none", "sanctions", "conventional-strike", "nuclear-response")


def test_a_levers_default_is_the_scenarios_own_setting() -> None:
    w = small_whatif()
    control = next(c for c in w.controls() if c.name == "doctrines.NATO.declared")
    assert control.default == "conventional-strike"
    assert w.evaluate({}, {control.name: control.default}).outcomes == w.evaluate().outcomes


def test_evaluate_past_its_deadline_is_an_input_error() -> None:
    with pytest.raises(InputError, match="time limit"):
        small_whatif().evaluate(deadline=time.monotonic() - 1.0)


# ---- the tree outline --------------------------------------------------------------------------


@cache
def exchange_game() -> tuple[Any, Any]:
    model = exchange_model()
    return model.game(model.draw(SEED, 0, 200))


def walk(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield node
    for c in node["children"]:
        yield from walk(c)


@pytest.mark.parametrize("sample", [0, 7])
def test_outline_sends_every_node_play_reaches(sample: int) -> None:
    """A node is sent when play reaches it in the sample shown or on average over the draw."""
    game, solution = exchange_game()
    mean = tree_reach(game, solution)
    here = tree_reach(game, solution, sample=sample)
    assert mean is not None and here is not None
    out = tree_outline(game, solution, sample=sample)
    nodes = list(walk(out["root"]))
    live = np.maximum(mean, here) >= PRUNE_REACH
    assert out["nodes"] == len(nodes) == int(np.sum(live))
    assert sorted(n["id"] for n in nodes) == sorted(np.flatnonzero(live).tolist())
    for n in nodes:
        assert n["mean_reach"] == pytest.approx(float(mean[n["id"]]), abs=1e-15)
        assert n["reach"] == pytest.approx(float(here[n["id"]]), abs=1e-15)
    assert out["total"] == game.n_nodes and out["sample"] == sample


@pytest.mark.parametrize("sample", [0, 3, 199])
def test_leaves_carry_the_samples_payoffs_and_edges_the_profiles_probabilities(sample: int) -> None:
    """What Gambit shows: payoffs at the leaves (the sample's game), each action's probability
    under the solution (chance's own at chance nodes), information sets numbered as in the .efg."""
    from brink.efg import _unique_numbers

    game, solution = exchange_game()
    one = game.sample(sample)
    out = tree_outline(game, solution, sample=sample)
    parent = {c["id"]: n for n in walk(out["root"]) for c in n["children"]}
    numbers = _unique_numbers(game)
    leaves = 0
    for n in walk(out["root"]):
        v = n["id"]
        if n["kind"] == "terminal":
            leaves += 1
            assert n["payoffs"] == one.outcome_payoffs[int(game.outcome[v])].tolist() and n["infoset"] is None
        else:
            assert n["payoffs"] is None
            h = int(game.infoset[v])
            assert n["infoset"]["number"] == int(numbers[h])
            assert n["infoset"]["size"] == int(np.sum(np.asarray(game.infoset) == h))
        if v == 0:
            assert n["prob"] is None
            continue
        p = parent[v]["id"]
        a = next(i for i, c in enumerate(game.children[game.child_ptr[p]:game.child_ptr[p + 1]]) if int(c) == v)
        assert n["prob"] == pytest.approx(float(solution.action_probs(int(game.infoset[p]), sample)[a]), abs=1e-15)
    assert leaves >= 1
    assert out["payoffs"] == pytest.approx(solution.payoffs[sample].tolist())


def test_every_node_names_its_mover() -> None:
    game, solution = exchange_game()
    out = tree_outline(game, solution)
    endings = {lab.rsplit("/", 1)[-1].strip() for lab in game.outcome_labels} | {"end"}
    kinds = set()
    for n in walk(out["root"]):
        kinds.add(n["kind"])
        if n["kind"] == "decision":
            assert n["who"] in game.players
        elif n["kind"] == "chance":
            assert n["who"] == "chance"
        else:
            assert n["kind"] == "terminal" and not n["children"]
            assert n["who"] in endings
        if n["id"] != 0:
            assert n["action"], "every edge into a node is labelled"
    assert {"decision", "terminal"} <= kinds
    assert out["players"] == list(game.players)


@pytest.mark.parametrize("sample", [0, 5])
def test_on_path_is_the_solutions_path(sample: int) -> None:
    """The bold path is :meth:`Solution.path` of the sample: the most likely action at every node."""
    game, solution = exchange_game()
    out = tree_outline(game, solution, sample=sample)
    node = out["root"]
    assert node["on_path"]
    steps = []
    while node["children"]:
        on = [c for c in node["children"] if c["on_path"]]
        assert len(on) == 1
        assert on[0]["prob"] == max(c["prob"] for c in node["children"])
        node = on[0]
        steps.append(node["action"])
    assert steps == solution.path(sample) == out["path"] and steps
    # off the path no node is on it
    for n in walk(out["root"]):
        if not n["on_path"]:
            assert not any(c["on_path"] for c in walk(n))


@pytest.mark.parametrize("cap", [1, 5, 12, 10_000])
def test_folded_counts_add_up(cap: int) -> None:
    game, solution = exchange_game()
    out = tree_outline(game, solution, max_nodes=cap)
    ptr = np.asarray(game.child_ptr)
    nodes = list(walk(out["root"]))
    assert out["nodes"] == len(nodes) <= cap
    for n in nodes:
        v = n["id"]
        assert len(n["children"]) + n["folded"] == int(ptr[v + 1] - ptr[v])
    assert out["folded"] == sum(n["folded"] for n in nodes)


def test_outline_without_a_solution_sends_the_whole_tree() -> None:
    game, _ = exchange_game()
    out = tree_outline(game, None)
    assert out["nodes"] == game.n_nodes and out["folded"] == 0


# ---- jobs --------------------------------------------------------------------------------------


def blocked(gate: threading.Event) -> Callable[[Callable[[int, int], None]], dict[str, Any]]:
    def work(progress: Callable[[int, int], None]) -> dict[str, Any]:
        gate.wait(10)
        return {"ok": True}

    return work


def test_jobs_refuse_beyond_max_running() -> None:
    jobs = Jobs(max_running=2, time_limit=30)
    gate = threading.Event()
    try:
        a, b = jobs.start("run", blocked(gate)), jobs.start("run", blocked(gate))
        assert jobs.running() == 2
        with pytest.raises(InputError, match="2 runs are already running") as info:
            jobs.start("run", blocked(gate))
        assert info.value.where == "runs"
    finally:
        gate.set()
    assert jobs.wait(a.id, 5).status == "done" and jobs.wait(b.id, 5).status == "done"
    assert jobs.get(a.id).result == {"ok": True}
    assert jobs.start("run", lambda p: {}).id  # a slot is free again


def test_a_job_past_its_time_limit_fails_with_the_limit_in_its_error() -> None:
    jobs = Jobs(max_running=1, time_limit=0.05)

    def slow(progress: Callable[[int, int], None]) -> dict[str, Any]:
        for i in range(1, 200):
            time.sleep(0.01)
            progress(i, 200)
        return {}

    job = jobs.wait(jobs.start("run", slow).id, 10)
    assert job.status == "failed"
    assert "limit of 0.05 s" in job.error
    assert 0 < job.done < 200 and job.total == 200
    assert jobs.running() == 0


def test_a_job_that_raises_fails_with_its_message() -> None:
    jobs = Jobs(max_running=1, time_limit=10)

    def bad(progress: Callable[[int, int], None]) -> dict[str, Any]:
        raise InputError("no such thing", "here", "do that")

    job = jobs.wait(jobs.start("run", bad).id, 5)
    assert job.status == "failed" and "no such thing" in job.error
    assert job.to_json()["error"] == job.error


def test_jobs_keep_only_the_newest_finished() -> None:
    jobs = Jobs(max_running=1, time_limit=10, keep=2)
    ids = []
    for i in range(5):
        job = jobs.start("run", lambda p, i=i: {"i": i})
        ids.append(job.id)
        assert jobs.wait(job.id, 5).status == "done"
    for old in ids[:2]:
        with pytest.raises(KeyError):
            jobs.get(old)
    assert [jobs.get(k).result for k in ids[2:]] == [{"i": 2}, {"i": 3}, {"i": 4}]


def test_a_preview_is_the_same_draws_first_samples() -> None:
    """``first=k`` solves samples 0..k-1 of the draw: the numbers of a what-if of ``k`` samples
    (the uniforms are chunk-invariant), under the same ranges and levers."""
    from brink.model import CrisisModel
    from brink.scenario import load_scenario

    model = CrisisModel(load_scenario("ukraine-2022-exchange"))
    ranges = {"crisis.balance": (0.3, 0.5)}
    preview = WhatIf(model, 3000, 4).evaluate(ranges, first=1100)
    alone = WhatIf(model, 1100, 4).evaluate(ranges)
    assert preview.samples == alone.samples == 1100
    for k, v in alone.outcomes.items():
        assert preview.outcomes[k] == pytest.approx(v, abs=1e-12)
    assert WhatIf(model, 50, 4).evaluate(first=10**6).samples == 50


def test_the_memo_keeps_the_post_war_games_of_a_crisis_change_with_the_same_numbers() -> None:
    """On an escalation crisis a change of a crisis parameter (the balance) re-solves the crisis
    only: every post-war game is a memo hit, and the numbers equal a what-if without the memo;
    a change of a post-war parameter (reserves) solves them again."""
    from brink.model import CrisisModel
    from brink.scenario import load_scenario

    model = CrisisModel(load_scenario("ukraine-2022"), memory=64 * 2**20)
    memo_w, plain_w = WhatIf(model, 600, 2), WhatIf(model, 600, 2)
    plain_w.memo = None
    assert memo_w.memo is not None
    memo_w.evaluate()
    solved = memo_w.memo.misses
    assert solved > 0 and memo_w.memo.hits == 0
    balance = {"crisis.balance": (0.45, 0.45)}
    with_memo, without = memo_w.evaluate(balance), plain_w.evaluate(balance)
    assert memo_w.memo.hits == solved and memo_w.memo.misses == solved  # every post-war game reused
    for got, want in ((with_memo.outcomes, without.outcomes), (with_memo.metrics, without.metrics)):
        assert got.keys() == want.keys()
        assert all(np.array_equal(got[k], want[k], equal_nan=True) for k in got)  # bit for bit
    memo_w.evaluate({"energy_discount.reserves_usd_bn": (100.0, 100.0)})
    assert memo_w.memo.misses == 2 * solved
    assert WhatIf(model, MEMO_SAMPLES + 1, 2).memo is None
