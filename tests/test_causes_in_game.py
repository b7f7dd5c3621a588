"""The causes of how crises end, as parts of the escalation game (issue 22).

* A war whose outcome follows the balance: a war undecided at the horizon is worth its
  continuation at the fitted hazard of decision (closed forms against brute-force sums),
  and moving ``crisis.balance`` from 0.1 to 0.9 moves the chance that the challenger
  prevails by 30 points or more.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path

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


@pytest.mark.parametrize("name", ["ukraine-2022", "georgia-2008", "sino-soviet-border-1969"])
def test_the_balance_decides_who_prevails_under_the_default_solver(name: str) -> None:
    """Moving ``crisis.balance`` from 0.1 to 0.9 raises the chance that the challenger prevails
    by 30 points or more under ``spe`` (the default; measured on 64 draws: ukraine-2022
    0.01 -> 0.63, georgia-2008 0.00 -> 1.00, sino-soviet-border-1969 0.00 -> 0.99)."""
    assert prevails(name, 0.9) - prevails(name, 0.1) >= 0.30


def test_the_balance_moves_who_prevails_under_qbi() -> None:
    """Under quantal response at lambda 3 the effect is smaller, the noise spreads the endings
    (ukraine-2022 0.23 -> 0.52 on 64 draws), but of the same sign and more than 20 points."""
    assert prevails("ukraine-2022", 0.9, "qbi") - prevails("ukraine-2022", 0.1, "qbi") >= 0.20


# ---------------------------------------------------------------- costs from the crisis


def test_war_costs_follow_the_balance_the_decisiveness_and_the_stakes() -> None:
    """``c_C = 2 phi h (1 - p) V_C`` and ``c_T = 2 phi h p V_T``; a scenario's own numbers win."""
    from brink.templates.escalation.payoffs import war_costs

    sc = load_scenario("ukraine-2022")
    params = sc.parameters.draw(0, 0, 16)
    c, t = war_costs(sc, params)  # type: ignore[arg-type]
    p, h, vt = params["crisis.balance"], params["process.decisiveness"], params["crisis.stakes.target"]
    np.testing.assert_allclose(c, 2 * 0.25 * h * (1 - p) * 1.0, rtol=1e-15)
    np.testing.assert_allclose(t, 2 * 0.25 * h * p * vt, rtol=1e-15)
    # a war fought to a decision (1/h rounds) costs a side 2 phi (opponent's share) of its stake
    np.testing.assert_allclose(c / h + t / h / vt, 2 * 0.25, rtol=1e-12)
    own = load_scenario("ukraine-2022", ("costs.conventional_war=0.07", "costs.target_war=0.11"))
    c, t = war_costs(own, own.parameters.draw(0, 0, 4))  # type: ignore[arg-type]
    np.testing.assert_array_equal(c, 0.07)
    np.testing.assert_array_equal(t, 0.11)


#: Both sides' costs equal relative to equal stakes, a menu symmetric about an even split.
EVEN = ("crisis.stakes.target=1", "costs.conventional_war=0.03", "costs.target_war=0.03", "process.trend=0",
        "process.offers=[0.2, 0.35, 0.5, 0.65, 0.8]")
GRID = (0.1, 0.3, 0.5, 0.7, 0.9)


@pytest.mark.parametrize("solver", ["spe", "qbi"])
def test_with_equal_relative_costs_the_stronger_side_prevails_more(solver: str) -> None:
    """Who concedes follows the crisis, not a convention: with the costs equal relative to the
    stakes, the chance that the challenger prevails rises with the balance whoever proposes
    first, and averaged over who proposes first (Rubinstein's 1982 first-mover advantage is the
    menu's, not the balance's) the side with the better balance prevails more often."""
    curves = [[prevails("ukraine-2022", b, solver, 24, (*EVEN, f"process.first_mover={first}")) for b in GRID]
              for first in ("challenger", "target")]
    for curve in curves:
        assert all(b >= a - 1e-9 for a, b in itertools.pairwise(curve)), curve
        assert curve[-1] > curve[0] + 0.15, curve
    mean = np.mean(curves, axis=0)
    assert mean[0] < 0.5 and mean[1] < 0.5 < mean[3] and mean[4] > 0.5, mean


def test_a_better_trend_prevails_more() -> None:
    """At an even balance, a trend in the challenger's favour raises its chance of prevailing."""
    out = [prevails("ukraine-2022", 0.5, "spe", 24, (*EVEN[:3], EVEN[4], f"process.trend={t}")) for t in (-0.1, 0.0, 0.1)]
    assert out[0] < out[1] <= out[2], out


# ---------------------------------------------------------------- every side can act


def _mean(name: str, key: str, settings_: tuple[str, ...] = (), solver: str = "spe", samples: int = 48) -> float:
    lam = 3.0 if solver == "qbi" else None
    model = CrisisModel(load_scenario(name, settings_), solver=solver, lam=lam)
    return float(np.mean(model.evaluate(model.draw(0, 0, samples)).outcomes[key]))


def test_the_defender_can_act_against_a_fait_accompli() -> None:
    """Georgia 2008: a challenger that holds its gain faces the defender's instruments in every
    round it holds; the threat alone (off the equilibrium path under spe) lowers the chance that
    the challenger prevails (0.98 -> 0.92 on 48 draws), and under qbi the defender acts."""
    without = _mean("georgia-2008", "challenger_prevails", ("process.interventions=[]",))
    with_ = _mean("georgia-2008", "challenger_prevails")
    assert with_ < without - 0.02
    assert _mean("georgia-2008", "defender_intervenes", solver="qbi") > 0.1
    assert "defender_intervenes" not in _outcomes("georgia-2008", ("process.interventions=[]",))


def _outcomes(name: str, settings_: tuple[str, ...] = ()) -> set[str]:
    model = CrisisModel(load_scenario(name, settings_), solver="spe")
    return set(model.evaluate(model.draw(0, 0, 4)).outcomes)


def test_a_move_the_tree_lacks_is_not_reported() -> None:
    """A move no terminal of the scenario's tree has is left out of the outcomes, not shown at 0
    as if it had been weighed and refused: ukraine-2022's ladder has no conventional rung above
    hold-conventional, so Ukraine cannot counter-attack there; switching the move off removes
    it on Kargil, where it exists."""
    assert "target_counter_attacks" not in _outcomes("ukraine-2022")
    assert "target_counter_attacks" in _outcomes("kargil-1999")
    assert "target_counter_attacks" not in _outcomes("kargil-1999", ("process.counter_attack=false",))


def test_the_target_can_counter_attack() -> None:
    """Kargil 1999: India may carry the war a rung up; with the balance in its favour the faster,
    costlier war lowers the chance that Pakistan prevails (0.101 -> 0.091 under spe on 48 draws)."""
    assert (_mean("kargil-1999", "challenger_prevails")
            < _mean("kargil-1999", "challenger_prevails", ("process.counter_attack=false",)))
    assert _mean("kargil-1999", "target_counter_attacks") > 0.0


def test_the_trees_stay_bounded() -> None:
    """Every bundled crisis's tree stays under 20,000 nodes with the new moves."""
    from brink.templates import get_template

    t = get_template("escalation")
    for name in ("ukraine-2022", "berlin-1961", "kargil-1999", "taiwan-strait-1995"):
        assert t.skeleton(load_scenario(name)).game.n_nodes < 20_000, name


# ---------------------------------------------------------------- conditional metrics


def test_conditional_metrics_are_the_ratios_of_the_solution() -> None:
    """``defender_responds_given_climb`` is P(a climb answered with more than none) / P(a climb),
    ``defender_responds_given_nuclear_use`` the same for the first nuclear climb, both off the
    terminal reach of the solved game (a reference computation over the built tree)."""
    from brink.solvers import solve
    from brink.templates import get_template

    sc = load_scenario("tests/fixtures/escalation-small.yaml")
    t = get_template("escalation")
    params = sc.parameters.draw(0, 0, 4)
    game = t.build(sc, params)
    solution = solve(game, "qbi", lam=3.0)
    _, metrics = t.read_out(sc, params, solution)
    sk = t.skeleton(sc)
    reach = np.asarray(solution.reach).reshape(4, -1)[:, sk.outcome_node]
    f = sk.terms
    np.testing.assert_allclose(metrics["defender_responds_given_climb"],
                               (reach * f.climb_answered).sum(1) / (reach * f.climbed).sum(1), rtol=1e-12)
    np.testing.assert_allclose(metrics["defender_responds_given_nuclear_use"],
                               (reach * f.nuclear_responded).sum(1) / (reach * f.nuclear_climb).sum(1), rtol=1e-12)


def test_nuclear_use_when_losing_is_read_only_where_the_challenger_is_losing() -> None:
    """Losing: ``clip(balance + trend (R - 1), 0, 1) < 1/2``; the metric is the sample's tactical
    nuclear use there and blank elsewhere."""
    for balance, losing in ((0.3, True), (0.8, False)):
        model = CrisisModel(load_scenario("ukraine-2022", (f"crisis.balance={balance}",)), solver="qbi", lam=3.0)
        ev = model.evaluate(model.draw(0, 0, 8))
        got = ev.metrics["nuclear_use_when_losing"]
        if losing:
            np.testing.assert_array_equal(got, ev.outcomes["tactical_nuclear_use"])
        else:
            trend = model.draw(0, 0, 8)["process.trend"]
            assert np.all(np.isnan(got[0.8 + trend * 2 >= 0.5]))


# ---------------------------------------------------------------- every rung reachable, or said


@pytest.mark.parametrize("settings_", [(), ("process.max_climb=2",), ("process.rounds=2",),
                                       ("process.start=demonstration-shot",), ("process.first_mover=target",)])
def test_validate_names_exactly_the_rungs_no_play_reaches(settings_: tuple[str, ...]) -> None:
    """The rungs ``unreachable_rungs`` names are those no terminal of the built tree reaches."""
    from brink.templates import get_template

    t = get_template("escalation")
    for name in ("ukraine-2022", "cuban-missile-crisis-1962", "kargil-1999"):
        try:
            sc = load_scenario(name, settings_)
        except Exception:  # a start rung another ladder lacks
            continue
        sk = t.skeleton(sc)
        reached = {sk.structure.rungs[int(i)][0] for i in np.unique(sk.terms.top)}
        said = {m.split("'")[1] for m in sc.unreachable_rungs()}  # type: ignore[attr-defined]
        assert said == {n for n, _ in sk.structure.rungs} - reached, (name, settings_)


def _validate(*argv: str) -> str:
    import contextlib
    import io
    import sys

    from brink.cli import main

    out, saved = io.StringIO(), sys.argv
    sys.argv = ["brink", "validate", *argv]
    try:
        with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):
            main()
    finally:
        sys.argv = saved
    return out.getvalue()


def test_validate_warns_of_central_attack_on_ukraine_2022() -> None:
    """``central-attack`` is on ``ukraine-2022``'s ladder but no choice reaches it (three rounds,
    two of them the challenger's, one rung a climb): ``brink validate`` says so and how to fix it."""
    out = _validate("ukraine-2022")
    assert out.startswith("ok:") and "'central-attack'" in out and "unreachable" in out and "max_climb" in out
    assert "unreachable" not in _validate("ukraine-2022", "--set", "process.max_climb=2")


# ---------------------------------------------------------------- the settlement and the taboo


def test_a_settlement_is_its_own_start_of_the_post_war_game() -> None:
    """A settlement class's leader value is the post-war game's from the settlement at its share
    (H3's SETTLEMENT ending), not a lottery of victory and concession; the endings ``brink
    simulate`` draws from include it and sum to one."""
    from brink import aftermath
    from brink.aftermath.inputs import build_inputs
    from brink.crisis.outcomes import SETTLEMENT, VICTORY
    from brink.templates import get_template
    from brink.templates.escalation.payoffs import outcome_classes, post_war_endings
    from brink.templates.escalation.tree import SETTLE

    sc = load_scenario("ukraine-2022")
    t = get_template("escalation")
    params = sc.parameters.draw(0, 0, 6)
    q = t.prepare(sc, params)
    sk = t.skeleton(sc)
    rep, _ = outcome_classes(sk.structure)
    ends = post_war_endings(sc)  # type: ignore[arg-type]
    game = aftermath.solve(build_inputs(sc, params, ends.starts, settled_share=ends.share))  # type: ignore[arg-type]
    seen = set()
    for c, term in enumerate(rep):
        if sk.terms.ending[term] == SETTLE and sk.terms.nuclear_round[term] == 0:
            x = float(sk.terms.share[term])
            np.testing.assert_allclose(q.leader.value[:, c], game.value[:, ends.index(SETTLEMENT, 0, 0, x)], rtol=1e-12)
            assert np.all(q.lottery[:, c, VICTORY] == 0.0) and np.all(q.lottery[:, c, SETTLEMENT] == 1.0)
            seen.add(x)
    assert seen == {0.3, 0.6}
    model = CrisisModel(sc)
    reach, terminals = model.reach(params)[4:6]
    probs = t.endings(sc, params, reach, terminals)  # type: ignore[attr-defined]
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-9)
    assert probs[:, ends.starts[:, 0] == SETTLEMENT].sum() > 0.5


def test_the_taboo_is_counted_once() -> None:
    """``costs.nuclear_taboo`` is the whole cost of breaking the taboo: the crisis charges what the
    post-war game does not already charge through partners that shun a user (the fall in the
    leader's value at a stalemate after nuclear use), so the two add up to it."""
    from brink.templates import get_template
    from brink.templates.escalation.tree import _K

    sc = load_scenario("ukraine-2022")
    t = get_template("escalation")
    params = sc.parameters.draw(0, 0, 32)
    q = t.prepare(sc, params)
    R = sc.process.rounds  # type: ignore[attr-defined]
    crisis_charge = q.coef[_K[(0, "taboo")] * R]
    post_war_charge = q.leader.taboo_charged
    assert np.all(post_war_charge > 0)  # partners with taboo aversion back a user less
    taboo = params["costs.nuclear_taboo"]
    np.testing.assert_allclose(crisis_charge, np.maximum(0.0, taboo - post_war_charge), rtol=1e-12)
    whole = taboo >= post_war_charge
    np.testing.assert_allclose((crisis_charge + post_war_charge)[whole], taboo[whole], rtol=1e-12)


# ---------------------------------------------------------------- offers from the stake


def _with_divisibility(tmp_path: Path, name: str, kind: str) -> str:
    """The scenario ``name`` with ``process.divisibility: kind`` in place of its offers."""
    import brink.scenario

    bundled = Path(brink.scenario.__file__).parent / "bundled"
    source = Path(name) if name.endswith(".yaml") else bundled / f"{name}.yaml"
    text = re.sub(r"(?m)^  offers: .*$", f"  divisibility: {kind}", source.read_text())
    text = re.sub(r"(?m)^  process\.offers: .*$", "  process.divisibility: assumption", text)
    out = tmp_path / f"{source.stem}-{kind}.yaml"
    out.write_text(text)
    return str(out)


@pytest.mark.parametrize(("kind", "offers"), [("indivisible", []), ("partly-divisible", [0.25, 0.5, 0.75]),
                                              ("divisible", [0.1, 0.3, 0.5, 0.7, 0.9])])
def test_the_menu_follows_from_the_stake(tmp_path: Path, kind: str, offers: list[float]) -> None:
    """``process.divisibility`` sets the offers; an indivisible stake has no interior offer, so the
    tree has no offer move at all."""
    from brink.templates import get_template

    sc = load_scenario(_with_divisibility(tmp_path, "tests/fixtures/escalation-small.yaml", kind))
    assert sc.process.offers == offers  # type: ignore[attr-defined]
    game = get_template("escalation").skeleton(sc).game
    labels = {a for actions in game.action_labels for a in actions}
    assert {a for a in labels if a.startswith("offer ")} == {f"offer {x:g}" for x in offers}


def test_offers_and_divisibility_together_are_refused() -> None:
    from brink.errors import InputError

    with pytest.raises(InputError, match=r"process\.offers or process\.divisibility"):
        load_scenario("tests/fixtures/escalation-small.yaml", ("process.divisibility=indivisible",))


def test_an_indivisible_stake_leaves_no_deal(tmp_path: Path) -> None:
    """With nothing to divide there is no settlement; the crisis ends in concession or war."""
    model = CrisisModel(load_scenario(_with_divisibility(tmp_path, "ukraine-2022", "indivisible")))
    out = model.evaluate(model.draw(0, 0, 16)).outcomes
    assert float(np.max(out["settlement"])) == 0.0
