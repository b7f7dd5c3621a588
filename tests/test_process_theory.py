"""Crisis *processes* with closed forms, checked over parameter grids through brink's templates.

Four theory templates (``src/brink/templates``): alternating-offers bargaining (Stahl 1972;
Rubinstein 1982), a complete-information war of attrition (Maynard Smith 1974; Fudenberg &
Tirole 1991, sec. 4.5), one round of brinkmanship (Schelling 1960; Powell 1987, 1990) and a
signalling game of audience costs (after Fearon 1994).  Every test solves many samples at
once (parameter arrays) and compares brink's equilibrium with the closed form computed here
independently, in exact rational arithmetic where ties matter (:class:`fractions.Fraction`).
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from brink.efg import write_efg
from brink.errors import InputError
from brink.games import Game
from brink.scenario import load_scenario
from brink.solvers import solve
from brink.solvers.regret import max_regret
from brink.solvers.result import Solution
from brink.templates import get_template

FloatArray = np.ndarray


def _run(
    name: str,
    params: dict[str, FloatArray],
    overrides: tuple[str, ...] = (),
    information: str = "perfect",
    solver: str = "spe",
) -> tuple[Solution, dict[str, FloatArray], dict[str, FloatArray]]:
    sc = load_scenario(name, overrides)
    template = get_template(sc.template)
    sol = solve(template.build(sc, params, information=information), solver)  # type: ignore[arg-type]
    return sol, template.outcomes(sc, params, sol), template.metrics(sc, params, sol)


def _chosen(sol: Solution, node: int) -> FloatArray:
    """The index of the action each sample's pure profile takes at ``node``, ``(S,)``."""
    game = sol.game
    h = int(game.infoset[node])
    ptr = game.infoset_action_ptr
    probs = np.atleast_2d(sol.profile)[:, ptr[h] : ptr[h + 1]]
    assert np.all((probs == 0) | (probs == 1))
    return np.asarray(probs.argmax(axis=1))


def _exact(x: float) -> Fraction:
    """The decimal a test wrote, as an exact rational (0.3 is 3/10, not the nearest double)."""
    return Fraction(str(x))


# ---- alternating offers (Stahl 1972; Rubinstein 1982) ---------------------------------------


def _grid_shares(d_A: Fraction, d_B: Fraction, rounds: int, n: int) -> list[Fraction]:
    """The proposer's share in each round on the grid ``k / n``: ``x_T = 1`` and
    ``x_t = floor(n (1 - delta_R x_{t+1})) / n`` (the largest share the responder accepts).
    The grids of the tests hold no exact tie (asserted here): where the responder is exactly
    indifferent, brink's ``spe`` mixes uniformly over accepting and rejecting (its tie rule,
    ``docs/solvers-spe.md``), which this recursion does not model."""
    x = [Fraction(1)] * rounds
    for t in range(rounds - 1, 0, -1):
        responder = d_B if t % 2 else d_A
        assert (n * (1 - responder * x[t])).denominator != 1, (d_A, d_B, t)
        x[t - 1] = Fraction(math.floor(n * (1 - responder * x[t])), n)
    return x


def _continuous_shares(d_A: Fraction, d_B: Fraction, rounds: int) -> list[Fraction]:
    x = [Fraction(1)] * rounds
    for t in range(rounds - 1, 0, -1):
        x[t - 1] = 1 - (d_B if t % 2 else d_A) * x[t]
    return x


#: Discount factors whose products with a grid share never land on the grid (``delta k`` is no
#: integer for ``k <= 10``) and below ``1 - 1/4`` (so no grid share is 0, which would leave the
#: previous responder indifferent): no responder is exactly indifferent (:func:`_grid_shares`).
DELTAS = [0.31, 0.43, 0.53, 0.62, 0.67, 0.73]
#: A positive cost of breakdown: the last responder strictly prefers accepting nothing.
NO_TIE = ("game.breakdown_A=0.01", "game.breakdown_B=0.01")


@pytest.mark.parametrize(("rounds", "n"), [(1, 10), (2, 10), (3, 10), (3, 4), (4, 6)])
def test_alternating_offers_equal_the_grid_recursion_in_every_subgame(rounds: int, n: int) -> None:
    """Every proposer, on and off the path, keeps ``x_t = floor(n (1 - delta_R x_{t+1})) / n``;
    the last proposer takes all; round 1's offer is accepted at once.  The grid of discount
    factors holds no exact tie (:data:`DELTAS`)."""
    grid = np.array(list(itertools.product(DELTAS, DELTAS)))
    d_A, d_B = grid.T
    sol, out, met = _run(
        "alternating-offers",
        {"game.delta_A": d_A, "game.delta_B": d_B},
        (f"game.rounds={rounds}", f"game.grid={n}", *NO_TIE),
    )
    expected = np.array(
        [[float(x) for x in _grid_shares(_exact(a), _exact(b), rounds, n)] for a, b in grid]
    )
    game = sol.game
    labels = np.asarray(game.node_labels)
    for t in range(1, rounds + 1):
        nodes = np.flatnonzero(labels == f"round {t}")
        assert nodes.size == (n + 1) ** (t - 1)
        for v in nodes:
            np.testing.assert_array_equal(
                _chosen(sol, int(v)) / n, expected[:, t - 1], err_msg=f"round {t}"
            )
    assert np.all(expected[:, -1] == 1.0)  # the last proposer takes all
    np.testing.assert_array_equal(out["immediate_agreement"], 1.0)
    np.testing.assert_array_equal(out["breakdown"], 0.0)
    np.testing.assert_allclose(met["first_offer"], expected[:, 0], rtol=0, atol=1e-12)
    np.testing.assert_allclose(met["payoff.A"], expected[:, 0], rtol=0, atol=1e-12)
    np.testing.assert_allclose(met["payoff.B"], 1.0 - expected[:, 0], rtol=0, atol=1e-12)
    np.testing.assert_allclose(met["share.A"] + met["share.B"], 1.0)
    np.testing.assert_array_equal(met["agreement_round"], 1.0)
    assert np.all(sol.max_regret < 1e-9)


@pytest.mark.parametrize(("rounds", "n"), [(2, 10), (3, 10), (4, 6), (4, 9)])
def test_alternating_offers_grid_error_bound(rounds: int, n: int) -> None:
    """Grid and continuous shares differ by less than ``1 / (n (1 - delta_A delta_B))``.

    Rounding down loses less than ``1/n`` per round and the error of ``x_{t+1}`` comes back
    scaled by ``-delta_R``, so with ``e_t`` in ``(-lo_t, hi_t]``: ``lo_t = delta_R hi_{t+1} + 1/n``,
    ``hi_t = delta_R lo_{t+1}``, whose fixed point is the bound (on grids without exact ties,
    :data:`DELTAS`).
    """
    grid = np.array(list(itertools.product(DELTAS, DELTAS[::2])))
    d_A, d_B = grid.T
    sol, _, met = _run(
        "alternating-offers",
        {"game.delta_A": d_A, "game.delta_B": d_B},
        (f"game.rounds={rounds}", f"game.grid={n}", *NO_TIE),
    )
    labels = np.asarray(sol.game.node_labels)
    for i, (a, b) in enumerate(grid):
        dA, dB = _exact(a), _exact(b)
        cont = _continuous_shares(dA, dB, rounds)
        lo, hi = Fraction(0), Fraction(0)
        for t in range(rounds, 0, -1):
            node = int(np.flatnonzero(labels == f"round {t}")[0])
            got = Fraction(int(_chosen(sol, node)[i]), n)
            err = got - cont[t - 1]
            assert -lo < err <= hi or (lo == hi == 0 and err == 0), (a, b, t)
            assert abs(err) < Fraction(1, n) / (1 - dA * dB)
            responder = dB if (t - 1) % 2 else dA  # round t - 1's responder
            lo, hi = responder * hi + Fraction(1, n), responder * lo
        assert met["stahl_share"][i] == pytest.approx(float(cont[0]), abs=1e-12)


def _tied_shares(d_A: Fraction, d_B: Fraction, rounds: int, n: int) -> list[Fraction]:
    """The proposer's share in each round under brink's tie rule, exactly: a responder offered
    exactly its value of rejecting (``delta_R x_{t+1}``) accepts with probability 1/2 (``spe``
    mixes uniformly over tied actions), so the proposer weighs each grid offer ``x`` at
    ``a x + (1 - a) delta_P (1 - x_{t+1})`` with ``a`` 1, 1/2 or 0 and takes the best (asserted
    unique).  The last proposer takes all (a positive cost of breakdown)."""
    x = [Fraction(1)] * rounds
    for t in range(rounds - 1, 0, -1):
        d_R, d_P = (d_B, d_A) if t % 2 else (d_A, d_B)
        reject = d_R * x[t]
        values = []
        for k in range(n + 1):
            share = Fraction(k, n)
            a = Fraction(1) if 1 - share > reject else Fraction(1, 2) if 1 - share == reject else Fraction(0)
            values.append(a * share + (1 - a) * d_P * (1 - x[t]))
        best = max(values)
        assert values.count(best) == 1, (d_A, d_B, t)
        x[t - 1] = Fraction(values.index(best), n)
    return x


def test_alternating_offers_where_stahl_lies_on_the_grid_follow_the_tie_rule() -> None:
    """With ``delta = 1/2`` and ``n = 8`` Stahl's shares (1, 1/2, 3/4, 5/8) are grid points, so a
    responder offered Stahl's share is exactly indifferent.  brink's ``spe`` mixes over a tie
    (half accept), which makes that offer worth less to the proposer than one grid step below,
    accepted for sure: the first offers of the one- to four-round games are the tie rule's
    exact recursion, 1, 3/8, 3/4 and 1/2, against Stahl's 1, 1/2, 3/4 and 5/8."""
    half = Fraction(1, 2)
    for rounds, stahl in zip(range(1, 5), (1, 1 / 2, 3 / 4, 5 / 8), strict=True):
        _, out, met = _run(
            "alternating-offers",
            {"game.delta_A": np.array([0.5]), "game.delta_B": np.array([0.5])},
            (f"game.rounds={rounds}", "game.grid=8"),
        )
        assert met["stahl_share"][0] == stahl
        assert met["first_offer"][0] == float(_tied_shares(half, half, rounds, 8)[0])
        assert out["immediate_agreement"][0] == 1.0
    assert [float(_tied_shares(half, half, r, 8)[0]) for r in range(1, 5)] == [1.0, 0.375, 0.75, 0.5]


@pytest.mark.slow
def test_alternating_offers_converge_to_rubinstein() -> None:
    """The first mover's share tends to ``x* = (1 - delta_B) / (1 - delta_A delta_B)`` as the
    horizon grows: ``|x_1(T) - x*| <= D^k |x_{2k+1} - x*| + 1 / (n (1 - D))`` with
    ``D = delta_A delta_B``, ``k = floor((T - 1) / 2)`` (Stahl's closed form plus the grid
    bound), checked for ``T = 1..5`` on the grid ``n = 8`` (``T = 5``: 199,288 nodes, the most
    that keeps this test to seconds)."""
    pairs = [(0.53, 0.53), (0.43, 0.62), (0.62, 0.31), (0.31, 0.31), (0.73, 0.53)]  # no exact tie (DELTAS)
    d_A, d_B = (np.array(c) for c in zip(*pairs, strict=True))
    n = 8
    x_star = (1 - d_B) / (1 - d_A * d_B)
    errors = []
    for rounds in range(1, 6):
        _, _, met = _run(
            "alternating-offers",
            {"game.delta_A": d_A, "game.delta_B": d_B},
            (f"game.rounds={rounds}", f"game.grid={n}", *NO_TIE),
        )
        np.testing.assert_allclose(met["rubinstein_share"], x_star)
        k = (rounds - 1) // 2
        D = d_A * d_B
        last_A = np.ones_like(d_A) if rounds % 2 else 1 - d_B  # x_{2k+1}: A's share in round 2k + 1
        stahl = x_star + D**k * (last_A - x_star)
        np.testing.assert_allclose(met["stahl_share"], stahl, rtol=0, atol=1e-12)
        exact = [float(_grid_shares(_exact(a), _exact(b), rounds, n)[0]) for a, b in pairs]
        np.testing.assert_allclose(met["first_offer"], exact, rtol=0, atol=1e-12)
        error = np.abs(met["first_offer"] - x_star)
        assert np.all(error <= D**k * np.abs(last_A - x_star) + 1 / (n * (1 - D)) + 1e-12)
        errors.append(error)
    assert np.all(errors[-1] < errors[0])
    # equal discount factors: x* = 1 / (1 + delta)
    assert x_star[0] == pytest.approx(1 / 1.53)


def test_alternating_offers_refuse_a_tree_too_large() -> None:
    with pytest.raises(InputError, match="nodes"):
        load_scenario("alternating-offers", ["game.rounds=9", "game.grid=10"])


# ---- war of attrition (Maynard Smith 1974; Fudenberg & Tirole 1991) --------------------------


def _endurance(prize: Fraction, cost: Fraction, rounds: int) -> int:
    """The largest ``k <= rounds`` with ``prize > k cost`` (0 if none), exactly."""
    return sum(1 for k in range(1, rounds + 1) if prize > k * cost)


@pytest.mark.parametrize("rounds", [1, 3, 10])
def test_war_of_attrition_lower_endurance_quits_at_once(rounds: int) -> None:
    """The closed form of the module doc, at every node: with ``k`` rounds left the loser
    (lower endurance; B on equal endurance) quits iff ``k > K_loser``, the winner always fights;
    if both endurances reach the horizon, both fight throughout.  The costs are chosen so that no
    prize equals a whole number of rounds' cost: at an exact tie ``spe`` mixes uniformly over
    quitting and fighting (its tie rule), which the closed form's pure profile does not model."""
    grid = np.array(
        list(
            itertools.product(
                [0.2, 0.5, 0.8],
                [1.0, 2.0],
                [1.0, 3.0],
                [0.07, 0.13, 0.27, 0.45],
                [0.07, 0.13, 0.27, 0.45],
            )
        )
    )
    for pi, va, vb, ca, cb in grid:  # no tie: no prize is a whole number of rounds' cost
        for prize, cost in ((_exact(pi) * _exact(va), _exact(ca)), ((1 - _exact(pi)) * _exact(vb), _exact(cb)),
                            (_exact(va), _exact(ca)), (_exact(vb), _exact(cb))):
            assert (prize / cost).denominator != 1
    p, V_A, V_B, c_A, c_B = grid.T
    sol, out, met = _run(
        "war-of-attrition",
        {"game.p": p, "game.V_A": V_A, "game.V_B": V_B, "game.cost_A": c_A, "game.cost_B": c_B},
        (f"game.rounds={rounds}",),
    )
    assert np.all(sol.max_regret < 1e-9)
    game = sol.game
    a_nodes = np.flatnonzero(np.char.startswith(np.asarray(game.node_labels), "round "))
    b_nodes = game.children[game.child_ptr[a_nodes] + 1]  # after A fights
    seen = set()
    for i, (pi, va, vb, ca, cb) in enumerate(grid):
        P = _exact(pi)
        K_A = _endurance(P * _exact(va), _exact(ca), rounds)
        K_B = _endurance((1 - P) * _exact(vb), _exact(cb), rounds)
        assert met["endurance.A"][i] == K_A and met["endurance.B"][i] == K_B
        if min(K_A, K_B) >= rounds:
            loser, k_loser = None, rounds
        elif K_B <= K_A:
            loser, k_loser = "B", K_B
        else:
            loser, k_loser = "A", K_A
        seen.add(loser)
        for t in range(1, rounds + 1):
            left = rounds - t + 1
            quits = left > k_loser
            a_quits = int(_chosen(sol, int(a_nodes[t - 1]))[i]) == 0
            b_quits = int(_chosen(sol, int(b_nodes[t - 1]))[i]) == 0
            assert a_quits == (loser == "A" and quits), (grid[i], t)
            assert b_quits == (loser == "B" and quits), (grid[i], t)
        assert out["quit.A"][i] == (loser == "A")
        assert out["quit.B"][i] == (loser == "B")
        assert out["horizon"][i] == (loser is None)
        assert out["immediate"][i] == (loser is not None)
        assert met["rounds_fought"][i] == (rounds if loser is None else 0)
        if loser == "A":
            assert (met["payoff.A"][i], met["payoff.B"][i]) == (0.0, vb)
        elif loser == "B":
            assert (met["payoff.A"][i], met["payoff.B"][i]) == (va, 0.0)
        else:
            assert met["payoff.A"][i] == pytest.approx(pi * va - ca * rounds, abs=1e-12)
            assert met["payoff.B"][i] == pytest.approx((1 - pi) * vb - cb * rounds, abs=1e-12)
    assert seen == {"A", "B", None}


def test_war_of_attrition_refuses_a_free_fight() -> None:
    sc = load_scenario("war-of-attrition")
    params = sc.parameters.draw(0, 0, 2)
    params["game.cost_A"] = np.array([0.1, 0.0])
    with pytest.raises(InputError, match="must be > 0"):
        get_template(sc.template).build(sc, params)


# ---- brinkmanship (Schelling 1960; Powell 1987, 1990) ---------------------------------------


@pytest.mark.parametrize(("risk_max", "levels"), [(1.0, 4), (1.0, 20), (0.5, 10)])
def test_brinkmanship_thresholds(risk_max: float, levels: int) -> None:
    """The Defender submits at risk ``r`` iff ``r >= V_D / (V_D + d_D)`` (at every risk level);
    the Challenger runs the least such menu risk ``r*`` iff ``r* < V_C / (V_C + d_C)`` (Powell's
    bound), else backs down.  No threshold is a level of the menu (asserted): at an exact tie
    ``spe`` mixes uniformly (its tie rule), which the thresholds' pure profile does not model."""
    grid = np.array(
        list(
            itertools.product(
                [0.5, 1.0, 2.0], [0.5, 1.0, 2.0], [0.6, 1.3, 3.1, 7.3], [0.6, 1.3, 3.1, 7.3]
            )
        )
    )
    levels_menu = {_exact(risk_max) * k / levels for k in range(1, levels + 1)}
    assert not any(_exact(v) / (_exact(v) + _exact(d)) in levels_menu for v in (0.5, 1.0, 2.0)
                   for d in (0.6, 1.3, 3.1, 7.3))
    V_C, V_D, d_C, d_D = grid.T
    sol, out, met = _run(
        "brinkmanship",
        {"game.V_C": V_C, "game.V_D": V_D, "game.d_C": d_C, "game.d_D": d_D},
        (f"game.risk_max={risk_max}", f"game.levels={levels}"),
    )
    assert np.all(sol.max_regret < 1e-9)
    game = sol.game
    labels = np.asarray(game.node_labels)
    escalations = np.flatnonzero(np.char.startswith(labels, "escalation "))
    defender = game.children[game.child_ptr[escalations] + 1]  # the crisis survives
    menu = [_exact(risk_max) * k / levels for k in range(1, levels + 1)]
    root_choice = _chosen(sol, 0)
    kinds = set()
    for i, (vc, vd, dc, dd) in enumerate(grid):
        r_D = _exact(vd) / (_exact(vd) + _exact(dd))
        r_C = _exact(vc) / (_exact(vc) + _exact(dc))
        for k, r in enumerate(menu):
            assert (_chosen(sol, int(defender[k]))[i] == 0) == (r >= r_D), (grid[i], r)
        coercive = [r for r in menu if r >= r_D]
        r_star = min(coercive) if coercive else None
        escalate = r_star is not None and r_star < r_C
        kinds.add((r_star is None, escalate))
        assert out["escalation"][i] == escalate
        assert met["resolve.Defender"][i] == pytest.approx(float(r_D))
        assert met["resolve.Challenger"][i] == pytest.approx(float(r_C))
        if escalate:
            assert r_star is not None
            assert root_choice[i] == menu.index(r_star) + 1
            assert r_C > r_D  # brinkmanship works only for the more resolved side
            assert met["risk"][i] == pytest.approx(float(r_star), abs=1e-12)
            assert out["submission"][i] == pytest.approx(float(1 - r_star), abs=1e-12)
            assert out["disaster"][i] == pytest.approx(float(r_star), abs=1e-12)
            assert met["payoff.Challenger"][i] == pytest.approx(
                float((1 - r_star) * _exact(vc) - r_star * _exact(dc))
            )
        else:
            assert root_choice[i] == 0 and out["status_quo"][i] == 1 and met["risk"][i] == 0
            assert (met["payoff.Challenger"][i], met["payoff.Defender"][i]) == (0.0, vd)
        assert out["defender_prevails"][i] == 0
        if r_star is not None:
            assert met["least_coercive_risk"][i] == pytest.approx(float(r_star))
        else:
            assert np.isnan(met["least_coercive_risk"][i])
    assert {(False, True), (False, False)} <= kinds  # both escalation and backing down occur


# ---- audience costs (after Fearon 1994) -----------------------------------------------------

AUDIENCE = {
    "v_high": 1.0,
    "c_D": 0.8,
    "v_C": 1.0,
    "challenger_war_resolved": 0.2,
    "challenger_war_irresolute": -0.5,
}


def _audience_grid() -> tuple[dict[str, FloatArray], FloatArray]:
    """A grid of (a, r, v_low, q) with the other numbers fixed, and the separating condition's
    margin ``r min(a, c_D - v_low) - (1 - r) v_low`` (exact)."""
    grid = np.array(
        list(
            itertools.product(
                [0.05, 0.1, 0.2, 0.3, 0.45, 0.7], [0.3, 0.5, 0.7], [0.1, 0.2, 0.3], [0.3, 0.7]
            )
        )
    )
    a, r, v_low, q = grid.T
    n = len(grid)
    params = {f"game.{k}": np.full(n, x) for k, x in AUDIENCE.items()}
    params |= {"game.a": a, "game.r": r, "game.v_low": v_low, "game.q": q}
    c_D = _exact(AUDIENCE["c_D"])
    margin = np.array(
        [
            float(_exact(ri) * min(_exact(ai), c_D - _exact(vi)) - (1 - _exact(ri)) * _exact(vi))
            for ai, ri, vi, _ in grid
        ]
    )
    return params, margin


def _separating_profile(
    game: Game, template_profile: FloatArray, tied_hands: FloatArray
) -> FloatArray:
    """The separating profile of the module doc on the information-set game, ``(S, actions)``
    (nature's probabilities kept from ``template_profile``); off the path a called low type
    fights where ``tied_hands`` (``a > c_D - v_low``), else backs down."""
    profile = np.array(template_profile, copy=True)
    ptr = game.infoset_action_ptr
    for h, label in enumerate(game.infoset_labels):
        if game.infoset_player[h] < 0:
            continue
        actions = game.action_labels[h]
        profile[:, ptr[h] : ptr[h + 1]] = 0.0
        if label == "low type, threaten, pressed":
            profile[:, ptr[h]] = tied_hands
            profile[:, ptr[h] + 1] = 1.0 - tied_hands
            continue
        if label.endswith("pressed"):
            pick = "fight" if label.startswith("high") else actions[1]
        elif label.endswith("type"):
            pick = "threaten" if label.startswith("high") else "stay quiet"
        else:
            pick = "back down" if label == "irresolute, threaten" else "press"
        profile[:, ptr[h] + actions.index(pick)] = 1.0
    return profile


def _tied_hands(params: dict[str, FloatArray]) -> FloatArray:
    """Where a called low type fights rather than back down: ``a > c_D - v_low`` (exactly)."""
    c_D = _exact(AUDIENCE["c_D"])
    return np.array(
        [
            float(_exact(a) > c_D - _exact(v))
            for a, v in zip(params["game.a"], params["game.v_low"], strict=True)
        ]
    )


def test_audience_costs_separate_iff_a_exceeds_the_bluff_threshold() -> None:
    """Where ``(1 - r) v_low < r min(a, c_D - v_low)`` the separating profile is an equilibrium
    of the signalling game (max regret 0) and brink's QRE limit is that profile; where the
    inequality fails the low type gains by bluffing (positive regret)."""
    params, margin = _audience_grid()
    sol, out, met = _run("audience-costs", params, information="imperfect", solver="qre")
    game = sol.game
    assert not game.is_perfect_information
    assert not np.asarray(sol.info["failed"]).any()
    separating = margin > 0
    assert separating.any() and (~separating).any()
    np.testing.assert_array_equal(met["separating"], separating.astype(float))
    r, v_low = params["game.r"], params["game.v_low"]
    np.testing.assert_allclose(met["bluff_threshold"], (1 - r) * v_low / r)
    separating_profile = _separating_profile(game, sol.profile, _tied_hands(params))
    regret = max_regret(game, separating_profile)
    clear = np.abs(margin) > 1e-9
    np.testing.assert_array_equal((regret > 1e-12)[clear], ~separating[clear])
    # the regret of the separating profile where it fails is the low type's gain from bluffing
    lost = ~separating & clear
    expected = (1 - params["game.q"]) * -margin
    assert np.all(regret[lost] >= expected[lost] - 1e-12)
    # brink's equilibrium (QRE limit) is the separating one wherever the condition holds
    sep = separating & (margin > 0.01)
    atol = 1e-4
    np.testing.assert_allclose(out["threat.high"][sep], 1.0, atol=atol)
    np.testing.assert_allclose(out["threat.low"][sep], 0.0, atol=atol)
    np.testing.assert_allclose(
        out["press.threat"][sep], r[sep], atol=atol
    )  # only the resolved press
    np.testing.assert_allclose(out["press.quiet"][sep], 1.0, atol=atol)
    np.testing.assert_allclose(out["audience_cost"][sep], 0.0, atol=atol)
    # the whole profile, off the path too, except where a called low type is indifferent
    c_D = _exact(AUDIENCE["c_D"])
    indifferent = np.array(
        [_exact(a) == c_D - _exact(v) for a, v in zip(params["game.a"], v_low, strict=True)]
    )
    untied = sep & ~indifferent
    np.testing.assert_allclose(sol.profile[untied], separating_profile[untied], atol=1e-3)
    q = params["game.q"]
    np.testing.assert_allclose(out["war"][sep], (q * r)[sep], atol=atol)
    np.testing.assert_allclose(met["payoff.Defender"][sep], (q * (1 - 0.8 * r))[sep], atol=atol)
    assert np.all(sol.max_regret[sep] < 1e-6)


def test_audience_costs_equilibrium_passes_gambit_regret(tmp_path: Path) -> None:
    """pygambit's own regret, on the exported game of a few samples: brink's QRE limit and the
    separating profile have none where the condition holds; the separating profile has some
    where it fails."""
    from gambit_bridge import read_unique_labels

    params, margin = _audience_grid()
    sc = load_scenario("audience-costs")
    template = get_template(sc.template)
    game = template.build(sc, params, information="imperfect")
    sol = solve(game, "qre")
    separating = _separating_profile(game, sol.profile, _tied_hands(params))
    ptr = game.infoset_action_ptr
    picks = [int(i) for i in np.flatnonzero(margin > 0.01)[::7]] + [
        int(i) for i in np.flatnonzero(margin < -0.01)[::9]
    ]
    for k in picks:
        path = tmp_path / f"audience-{k}.efg"
        path.write_text(write_efg(game, k), encoding="ascii")
        ggame = read_unique_labels(path)
        for profile, name in ((sol.profile, "qre"), (separating, "separating")):
            behavior = [
                [profile[k, ptr[h] : ptr[h + 1]].tolist() for h in game.player_infosets(p)]
                for p in range(game.n_players)
            ]
            regret = ggame.mixed_behavior_profile(data=behavior).max_regret()
            if name == "qre":
                assert regret <= 1e-6, (k, regret)
            elif margin[k] > 0:
                assert regret <= 1e-12, (k, regret)
            else:
                assert regret > 1e-3, (k, regret)


def test_audience_costs_perfect_information_gives_the_same_payoffs() -> None:
    """Where the threat separates and a called bluff backs down (``a < c_D - v_low``), the
    signalling game's payoffs are those of the game in which the Challenger sees the type
    (its subgame-perfect equilibrium): a separating threat reveals resolve."""
    params, margin = _audience_grid()
    backs_down = np.array(
        [
            _exact(a) < _exact(AUDIENCE["c_D"]) - _exact(v)
            for a, v in zip(params["game.a"], params["game.v_low"], strict=True)
        ]
    )
    keep = (margin > 0.01) & backs_down
    sub = {k: v[keep] for k, v in params.items()}
    _, _, spe = _run("audience-costs", sub)
    _, _, qre = _run("audience-costs", sub, information="imperfect", solver="qre")
    for key in ("payoff.Challenger", "payoff.Defender"):
        np.testing.assert_allclose(qre[key], spe[key], rtol=0, atol=1e-5)


# ---- bundled scenarios ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["alternating-offers", "war-of-attrition", "brinkmanship", "audience-costs"]
)
def test_bundled_process_scenarios_run_and_are_small(name: str) -> None:
    sc = load_scenario(name)
    template = get_template(sc.template)
    params = sc.parameters.draw(3, 0, 16)
    game = template.build(sc, params)
    assert game.n_nodes < 300
    sol = solve(game, "spe")
    assert np.all(sol.max_regret < 1e-9)
    out = template.outcomes(sc, params, sol)
    for value in out.values():
        assert value.shape == (16,) and np.all((value >= 0) & (value <= 1))
    imperfect = template.build(sc, params, information="imperfect")
    assert imperfect.is_perfect_information == (not template.capabilities.information_sets)
