"""Causes of bargaining failure as games solved by brink, held to their closed forms (issue 22):
preventive war under shifting power (Fearon 1995; Powell 2006) and gambling for resurrection
(Downs & Rocke 1994; Goemans 2000).  Fearon's (1995) screening offer and war probability with
a continuum of types on a grid are checked in ``tests/test_theory_games.py``.
See docs/causes-of-war.md."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from brink.mechanisms.survival import resurrection_gamble_value
from brink.scenario import load_scenario
from brink.solvers import solve
from brink.templates import get_template
from brink.templates.commitment import commitment_closed_form, power_path

FloatArray = np.ndarray


def _run(name: str, params: dict[str, FloatArray], overrides: tuple[str, ...] = ()) -> tuple:
    sc = load_scenario(name, overrides)
    template = get_template(sc.template)
    sol = solve(template.build(sc, params), "spe")
    return sol, template.outcomes(sc, params, sol), template.metrics(sc, params, sol)


# ---- commitment problem under shifting power -----------------------------------------------


def _up(v: FloatArray, n: int) -> FloatArray:
    """The smallest offer on the grid ``0, 1/(n-1), ..., 1`` at or above ``max(v, 0)``."""
    return np.ceil(np.maximum(v, 0.0) * (n - 1) - 1e-9) / (n - 1)


def test_two_period_preventive_war_iff_powells_condition() -> None:
    """War at once exactly when delta (p - p') > 1 - p + c_A (p' >= c_A); offers as the closed form."""
    grid = np.array(list(itertools.product(
        [0.7, 0.8, 0.9], [0.023, 0.081], [0.05, 0.3], [0.8, 0.95], np.linspace(0.0137, 0.9, 23)
    )))
    p, c_A, c_B, delta, p2 = grid.T
    keep = p2 <= p  # the declining state declines
    p, c_A, c_B, delta, p2 = (a[keep] for a in (p, c_A, c_B, delta, p2))
    n = 51
    step = 1 / (n - 1)
    params = {"game.p": p, "game.p_later": p2, "game.c_A": c_A, "game.c_B": c_B, "game.delta": delta}
    sol, out, met = _run("commitment-shift", params, (f"game.offers={n}",))
    assert np.all(sol.max_regret < 1e-9)

    x2 = np.maximum(p2 - c_A, 0.0)
    need = (1 + delta) * (p - c_A) - delta * x2
    # the grid rounds tomorrow's offer up by less than a step, so today's need is lower by < delta * step
    clear = (need > 1 + delta * step + 1e-9) | (need < 1 - 1e-9)
    assert clear.mean() > 0.8
    war = need > 1
    assert war[clear].any() and (~war[clear]).any()
    np.testing.assert_allclose(out["war_now"][clear], war[clear].astype(float), atol=1e-12)
    np.testing.assert_array_equal(out["war"], out["war_now"])  # one shift: war comes at once or never
    powell = delta * (p - p2) > 1 - p + c_A
    above = clear & (p2 >= c_A)
    np.testing.assert_allclose(out["war_now"][above], powell[above].astype(float), atol=1e-12)
    np.testing.assert_allclose(met["offer_needed"], need, atol=1e-12)
    np.testing.assert_array_equal(met["preventive_war_theory"], war.astype(float))

    # payoffs: war locks in (1 + delta) times the war shares; peace pays x_1 + delta x_2
    fought = out["war_now"] > 0.5
    np.testing.assert_allclose(met["payoff.A"][fought], ((1 + delta) * (p - c_A))[fought], atol=1e-12)
    np.testing.assert_allclose(met["payoff.B"][fought], ((1 + delta) * (1 - p - c_B))[fought], atol=1e-12)
    peace = out["war"] < 1e-12
    x2_grid = _up(x2, n)
    need_grid = (1 + delta) * (p - c_A) - delta * x2_grid

    def off_grid(v: FloatArray) -> FloatArray:
        return np.abs(v * (n - 1) - np.round(v * (n - 1))) > 1e-6

    exact = peace & off_grid(need_grid) & off_grid(x2)
    assert exact.sum() > 50
    x1 = met["offer"]
    np.testing.assert_allclose(x1[exact], _up(need_grid, n)[exact], atol=1e-12)
    np.testing.assert_allclose(((met["payoff.A"] - x1) / delta)[exact], x2_grid[exact], atol=1e-9)
    # the continuous closed form, within the grid's error: x_1 - (need)^+ in [-delta*step, step)
    gap = x1[peace] - np.maximum(need[peace], 0.0)
    assert np.all((gap > -delta[peace] * step - 1e-9) & (gap < step + 1e-9))


@pytest.mark.parametrize("path", ["shift", "trend"])
def test_three_periods_war_where_the_recursion_says(path: str) -> None:
    rng = np.random.default_rng(22)
    S = 120
    p = rng.uniform(0.55, 0.95, S)
    p2 = p - rng.uniform(0.0, 0.7, S)
    params = {
        "game.p": p, "game.p_later": np.clip(p2, 0.0, 1.0), "game.c_A": rng.uniform(0.0, 0.15, S),
        "game.c_B": rng.uniform(0.1, 0.3, S), "game.delta": rng.uniform(0.6, 0.95, S),
    }
    n = 21
    sol, out, _ = _run("commitment-shift", params, ("game.periods=3", f"game.path={path}", f"game.offers={n}"))
    assert np.all(sol.max_regret < 1e-9)
    p_t = power_path(params["game.p"], params["game.p_later"], 3, path)
    need, war_period = commitment_closed_form(p_t, params["game.c_A"], params["game.delta"])
    d = params["game.delta"]
    # later offers are rounded up by < a step each, so A's continuation is at most (1 + delta) steps higher
    margin = (d * (1 + d) / (n - 1) + 1e-9)[:, None]
    clear = np.all((need > 1 + margin) | (need < 1 - 1e-9), axis=1)
    assert clear.mean() > 0.7
    np.testing.assert_allclose(out["war"][clear], (war_period > 0)[clear].astype(float), atol=1e-12)
    np.testing.assert_allclose(out["war_now"][clear], (war_period == 1)[clear].astype(float), atol=1e-12)
    assert (war_period == 1)[clear].any() and (war_period == 0)[clear].any()
    # a steady decline is felt most at once (need_1 is the largest), so war never waits either
    assert not (war_period > 1).any()


@settings(max_examples=200, deadline=None)
@given(
    p=st.floats(0.0, 1.0), drop=st.floats(0.0, 1.0), c_A=st.floats(0.0, 0.5),
    delta=st.floats(0.05, 0.99), periods=st.integers(2, 5),
)
def test_one_shift_closed_form_is_the_documented_inequality(
    p: float, drop: float, c_A: float, delta: float, periods: int
) -> None:
    """With one shift, war comes at once iff delta D_2 (p - p') > 1 - p + c_A (p' >= c_A),
    D_2 = 1 + delta + ... + delta^(T-2), and never later (docs/causes-of-war.md)."""
    p2 = p * (1 - drop)
    p_t = power_path(np.array([p]), np.array([p2]), periods, "shift")
    need, war_period = commitment_closed_form(p_t, np.array([c_A]), np.array([delta]))
    D2 = sum(delta**k for k in range(periods - 1))
    D1 = 1 + delta * D2
    lhs = D1 * (p - c_A) - delta * D2 * max(p2 - c_A, 0.0)
    assert need[0, 0] == pytest.approx(lhs, abs=1e-12)
    if abs(lhs - 1) > 1e-9:
        assert war_period[0] == (1.0 if lhs > 1 else 0.0)
    if p2 >= c_A and abs(delta * D2 * (p - p2) - (1 - p + c_A)) > 1e-9:
        assert (war_period[0] == 1.0) == (delta * D2 * (p - p2) > 1 - p + c_A)
    assert np.all(need[0, 1:] <= 1.0 + 1e-12)


def test_commitment_inputs_each_move_the_game() -> None:
    """Every number of the scenario changes the war, or (c_B) the rising state's payoff only:
    the rising state always prefers buying peace, so its cost is not in the condition."""
    base = {"game.p": 0.8, "game.p_later": 0.5, "game.c_A": 0.05, "game.c_B": 0.05, "game.delta": 0.9}
    flips = {"game.p": 0.7, "game.p_later": 0.55, "game.c_A": 0.1, "game.delta": 0.8}  # war -> peace
    for key, value in flips.items():
        pair = {k: np.array([v, value if k == key else v]) for k, v in base.items()}
        _, out, _ = _run("commitment-shift", pair, ("game.offers=101",))
        assert out["war"][0] != out["war"][1], key
    pair = {k: np.array([v, 0.3 if k == "game.c_B" else v]) for k, v in base.items()}
    pair["game.p_later"] = np.array([0.3, 0.3])
    _, out, met = _run("commitment-shift", pair, ())
    assert out["war"].tolist() == [1.0, 1.0] and met["payoff.B"][0] > met["payoff.B"][1]


def test_commitment_rejects_a_tree_too_large() -> None:
    from brink.errors import InputError

    with pytest.raises(InputError, match="fewer offers or periods"):
        load_scenario("commitment-shift", ["game.periods=5", "game.offers=101"])


# ---- gambling for resurrection ---------------------------------------------------------------

#: The survival mechanism's outcome multipliers, written out to check the template independently.
MULT = {"victory": 0.6, "stalemate": 1.0, "defeat": 2.0, "concession": 2.5, "settlement": 1.0}


def _by_hand(q: FloatArray, terms: FloatArray, aims: FloatArray, cost: FloatArray, W: FloatArray,
             h: FloatArray, months: FloatArray, office: FloatArray, punish: FloatArray) -> tuple[FloatArray, FloatArray]:
    """(state_loss, leader_stake) from the docstring's formulas: survival exp(-h T/12)^(m^e) with
    e = 1 - 0.5 (1 - W); punishment 5% + 42% (1 - W), odds times 2 after a defeat; a settlement
    short of the aims by the share gap has m = 1^(1-gap) 2.5^gap and punishment odds times 2^gap."""
    loyalty = 1 - W
    e = 1 - 0.5 * loyalty

    def keep(m: FloatArray | float) -> FloatArray:
        return np.exp(-h * months / 12) ** (np.asarray(m) ** e)

    def pi(odds: FloatArray | float) -> FloatArray:
        base = 0.05 + (0.47 - 0.05) * loyalty
        return odds * base / (1 - base + odds * base)

    gap = np.where(aims > 0, np.clip((aims - terms) / np.where(aims > 0, aims, 1), 0, 1), 0)
    s_settle = keep(MULT["settlement"] ** (1 - gap) * MULT["concession"] ** gap)
    r_settle = (1 - s_settle) * pi(2.0**gap)
    s_v, s_d = keep(MULT["victory"]), keep(MULT["defeat"])
    r_fight = q * (1 - s_v) * pi(1.0) + (1 - q) * (1 - s_d) * pi(2.0)
    loss = terms - (q - cost)
    stake = office * (q * s_v + (1 - q) * s_d - s_settle) + punish * (r_settle - r_fight)
    return loss, stake


def test_leader_fights_on_iff_the_punishment_stake_exceeds_the_states_loss() -> None:
    grid = np.array(list(itertools.product(
        np.linspace(0.05, 0.95, 10), [0.1, 0.3, 0.5], [0.2, 1.0], [0.0, 0.1], [0.05, 0.5, 1.0],
        [0.02, 0.2], [0.0, 1.0], [0.0, 1.0, 5.0, 20.0],
    )))
    q, terms, aims, cost, W, h, office, punish = grid.T
    months = np.full(q.size, 36.0)
    keys = ("q", "terms", "aims", "war_cost", "winning_coalition", "base_hazard", "office_value", "punishment_cost")
    params = {f"game.{k}": v for k, v in zip(keys, grid.T, strict=True)}
    params["game.horizon_months"] = months
    sol, out, met = _run("resurrection", params)
    assert np.all(sol.max_regret < 1e-9)
    loss, stake = _by_hand(q, terms, aims, cost, W, h, months, office, punish)
    np.testing.assert_allclose(met["state_loss"], loss, atol=1e-12)
    np.testing.assert_allclose(met["leader_stake"], stake, atol=1e-12)
    clear = np.abs(stake - loss) > 1e-9
    assert clear.mean() > 0.95
    np.testing.assert_array_equal(out["fight_on"][clear], (stake > loss)[clear].astype(float))
    np.testing.assert_array_equal(met["gamble_theory"][clear], (stake > loss)[clear].astype(float))
    np.testing.assert_allclose(out["fight_on"] + out["settle"], 1.0)
    # gambling for resurrection: the leader fights a war worse for the state than the settlement
    gamble = (out["fight_on"] == 1) & (loss > 1e-9)
    assert gamble.sum() > 100
    # ... and never without a personal stake: with nothing at stake personally, the state decides
    none = clear & (office == 0) & (punish == 0)
    np.testing.assert_array_equal(out["fight_on"][none], (loss < 0)[none].astype(float))
    # the state's payoff is what the leader's choice gives it
    np.testing.assert_allclose(met["payoff.state"], np.where(out["fight_on"] == 1, q - cost, terms), atol=1e-12)


def test_leader_stake_is_the_survival_mechanisms_gamble_value() -> None:
    """A settlement that gives nothing of the aims is judged as a concession, and the leader's
    stake is :func:`brink.mechanisms.survival.resurrection_gamble_value` (the mechanism reused)."""
    q = np.linspace(0.05, 0.95, 7)
    W = np.linspace(0.0, 1.0, 7)
    params = {"game.q": q, "game.winning_coalition": W, "game.office_value": np.full(7, 0.7),
              "game.punishment_cost": np.full(7, 3.0), "game.terms": np.zeros(7), "game.aims": np.full(7, 0.6)}
    _, _, met = _run("resurrection", params)
    want = resurrection_gamble_value(q, W, 1.0, horizon_months=36.0, base_hazard=0.064656,
                                     office_value=0.7, punishment_cost=3.0)
    np.testing.assert_allclose(met["leader_stake"], want, atol=1e-12)


@pytest.mark.parametrize(
    ("key", "settles", "fights", "punishment_cost"),
    [
        ("q", 0.1, 0.25, 20.0), ("terms", 0.35, 0.25, 20.0), ("aims", 0.5, 1.0, 20.0),
        ("war_cost", 0.3, 0.1, 20.0), ("winning_coalition", 1.0, 0.1, 20.0),
        ("base_hazard", 0.01, 0.064656, 20.0), ("horizon_months", 3.0, 36.0, 20.0),
        ("office_value", 0.0, 1.0, 8.0), ("punishment_cost", 8.0, 20.0, 20.0),
    ],
)
def test_every_resurrection_input_can_change_the_choice(
    key: str, settles: float, fights: float, punishment_cost: float
) -> None:
    """Each number of the scenario can flip the leader's choice (from q = 0.25, terms 0.25, aims 1)."""
    sc = load_scenario("resurrection", ["game.q=0.25", f"game.punishment_cost={punishment_cost}"])
    template = get_template(sc.template)
    params = {f"game.{key}": np.array([settles, fights])}
    out = template.outcomes(sc, params, solve(template.build(sc, params), "spe"))
    assert out["fight_on"].tolist() == [0.0, 1.0]
