"""Theory games as templates: closed forms of Fearon (1995), Zagare & Kilgour (2000), and the
tripartite crisis, checked across parameter grids through brink's builder and SPE solver."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from brink.scenario import load_scenario
from brink.solvers import solve
from brink.templates import get_template
from brink.templates.tripartite import COMMITMENTS, ENDINGS

FloatArray = np.ndarray


def _run(name: str, params: dict[str, FloatArray], overrides: tuple[str, ...] = ()) -> tuple:
    sc = load_scenario(name, overrides)
    template = get_template(sc.template)
    sol = solve(template.build(sc, params), "spe")
    return sc, template, sol, template.outcomes(sc, params, sol), template.metrics(sc, params, sol)


# ---- Fearon 1995 ----------------------------------------------------------------------------


def test_fearon_private_information_war_probability_and_offer() -> None:
    grid = np.array(
        list(itertools.product([0.3, 0.5, 0.7], [0.05, 0.1, 0.2], [0.15, 0.3, 0.45, 0.6]))
    )
    p, c_A, c_bar = grid.T
    _, _, sol, out, met = _run("fearon-1995", {"game.p": p, "game.c_A": c_A, "game.c_bar": c_bar})
    y = np.maximum(c_bar - c_A, 0) / 2
    war_theory = y / c_bar
    step, types = 0.01, 100
    # A's payoff is flat at the optimum and piecewise linear between type values, so the
    # discrete optimum lies within one offer step plus two type steps of y*
    assert np.all(np.abs(met["offer"] - (p + y)) <= step + 2 * c_bar / types + 1e-9)
    assert np.all(np.abs(out["war"] - war_theory) <= step / c_bar + 2 / types + 1e-9)
    np.testing.assert_allclose(met["war_theory"], war_theory)
    np.testing.assert_allclose(out["war"] + out["deal"], 1.0)
    assert np.all(sol.max_regret < 1e-9)
    # when c_bar <= c_A the offer is p (up to the grid) and war never happens
    low = c_bar <= c_A
    assert low.any() and np.all(out["war"][low] <= 1 / types)


def test_fearon_war_probability_converges_to_the_closed_form() -> None:
    # c_bar = 0.413 puts the optimal offer p + y* = 0.6565 and the marginal type y* off every grid
    # below, so no grid hits the closed form by a tie (spe mixes over ties)
    c_bar = 0.413
    params = {"game.p": np.array([0.5]), "game.c_A": np.array([0.1]), "game.c_bar": np.array([c_bar])}
    errors = []
    for offers, types in ((21, 20), (101, 100), (401, 200)):
        _, _, _, out, _ = _run(
            "fearon-1995", params, (f"game.offers={offers}", f"game.types={types}")
        )
        errors.append(abs(out["war"][0] - (c_bar - 0.1) / (2 * c_bar)))
    assert errors[2] < errors[1] < errors[0]
    assert errors[-1] <= (1 / 400) / c_bar + 2 / 200 + 1e-12


def test_fearon_complete_information_bargaining_range() -> None:
    grid = np.array(list(itertools.product([0.3, 0.5, 0.8], [0.05, 0.2], [0.013, 0.123, 0.313])))  # p + c_B off the grid
    p, c_A, c_B = grid.T
    _, _, sol, out, met = _run(
        "fearon-1995",
        {"game.p": p, "game.c_A": c_A, "game.c_B": c_B},
        ("game.c_bar=null", "game.c_B=0.1"),
    )
    assert np.all(out["war"] == 0)
    x = np.linspace(0, 1, 101)
    expected_offer = np.array([x[x <= min(1.0, hi) + 1e-12].max() for hi in p + c_B])
    np.testing.assert_allclose(met["offer"], expected_offer)
    assert np.all((met["offer"] >= p - c_A) & (met["offer"] <= p + c_B))
    np.testing.assert_allclose(met["range_low"], p - c_A)
    np.testing.assert_allclose(met["range_high"], p + c_B)
    # B accepts an offer iff x <= p + c_B, at every offer node (on and off the path)
    game = sol.game
    offers = game.children[game.child_ptr[0] : game.child_ptr[1]]
    ptr = game.infoset_action_ptr
    accept = np.stack([sol.profile[:, ptr[game.infoset[v]]] for v in offers], axis=1)
    np.testing.assert_array_equal(accept == 1.0, x[None, :] <= (p + c_B)[:, None])


def test_fearon_private_cost_pays_an_information_rent_so_b_would_misrepresent() -> None:
    """The incentive to misrepresent (Fearon 1995, pp. 395-401): with its cost private, every type
    of B above the screening premium y* keeps a rent over what it gets when A knows its cost,
    E[(c_B - y*)^+] = (c_bar - y*)^2 / (2 c_bar); and with complete information a B believed to
    have a lower cost c' (tougher) than its own is offered, and takes, c_B - c' more."""
    grid = np.array(list(itertools.product([0.3, 0.5], [0.05, 0.1, 0.2], [0.15, 0.3, 0.45, 0.6])))
    p, c_A, c_bar = grid.T
    _, _, _, _, met = _run("fearon-1995", {"game.p": p, "game.c_A": c_A, "game.c_bar": c_bar})
    y = np.maximum(c_bar - c_A, 0) / 2
    complete = 1 - p - c_bar / 2  # B's expected war value: what A leaves it when it knows c_B
    rent = met["payoff.B"] - complete
    step, types = 0.01, 100
    assert np.all(np.abs(rent - (c_bar - y) ** 2 / (2 * c_bar)) <= step + 3 * c_bar / types)
    assert np.all(rent > 0.01)

    c_true = np.full(6, 0.3)
    believed = np.array([0.003, 0.053, 0.103, 0.203, 0.297, 0.353])  # off the grid: no ties
    pp = np.full(6, 0.5)
    _, _, _, _, met = _run(
        "fearon-1995", {"game.p": pp, "game.c_A": np.full(6, 0.1), "game.c_B": believed},
        ("game.c_bar=null", "game.c_B=0.1"),
    )
    x = met["offer"]
    np.testing.assert_allclose(x, np.floor((pp + believed) * 100) / 100, atol=1e-9)  # the top of the range A believes
    takes = x <= pp + c_true + 1e-12  # the true type accepts what a tougher type is offered ...
    gain = np.where(takes, 1 - x, 1 - pp - c_true) - (1 - pp - c_true)
    np.testing.assert_allclose(gain[takes], (pp + c_true - x)[takes], atol=1e-9)  # ... and gains c_B - c'
    assert np.all(np.abs(gain - (c_true - believed))[takes] < 0.01)  # (c' rounded down to the grid)
    assert takes[:5].all() and not takes[5] and np.all(np.diff(gain[:5]) < 0)


def test_fearon_needs_exactly_one_cost_form() -> None:
    from brink.errors import InputError

    with pytest.raises(InputError, match=r"exactly one of game\.c_bar"):
        load_scenario("fearon-1995", ["game.c_B=0.2"])


# ---- Zagare & Kilgour 2000 ------------------------------------------------------------------

PAYOFFS = [
    # (u(SQ), u(DC), u(DD)) -> threshold
    (0.0, 1.0, -1.0),  # 0.5
    (0.0, 1.0, -3.0),  # 0.25
    (0.5, 1.0, -1.0),  # 0.25
    (-1.0, 1.0, -0.5),  # capability fails: u(DD) > u(SQ), threshold 4/3
    (1.0, 0.5, -1.0),  # u(DC) < u(SQ): never challenge
    (0.2, 3.0, 0.1),  # 0.9655...
]


@pytest.mark.parametrize(("sq", "dc", "dd"), PAYOFFS)
def test_deterrence_threshold(sq: float, dc: float, dd: float) -> None:
    p = np.linspace(0.0025, 0.9975, 200)
    n = p.size
    params = {
        "game.p": p,
        "game.challenger_sq": np.full(n, sq),
        "game.challenger_dc": np.full(n, dc),
        "game.challenger_dd": np.full(n, dd),
    }
    _, _, sol, out, met = _run("deterrence-rudimentary", params)
    threshold = (dc - sq) / (dc - dd)
    np.testing.assert_allclose(met["credibility_threshold"], threshold)
    clear = np.abs(p - threshold) > 1e-9
    np.testing.assert_array_equal(out["challenge"][clear], (p < threshold)[clear].astype(float))
    # a Hard defender resists, a Soft one concedes: conflict = challenge * p
    np.testing.assert_allclose(out["conflict"], out["challenge"] * p, atol=1e-12)
    np.testing.assert_allclose(out["defender_concedes"], out["challenge"] * (1 - p), atol=1e-12)
    if dd > sq:  # not capable: no credibility deters
        assert np.all(out["challenge"] == 1)
    assert np.all(sol.max_regret < 1e-9)


def test_deterrence_bundled_scenario_monte_carlo() -> None:
    sc = load_scenario("deterrence-rudimentary")
    template = get_template(sc.template)
    params = sc.parameters.draw(11, 0, 2000)
    out = template.outcomes(sc, params, solve(template.build(sc, params)))
    np.testing.assert_array_equal(out["challenge"], (params["game.p"] < 0.5).astype(float))
    assert abs(out["challenge"].mean() - 0.5) < 4 * np.sqrt(0.25 / 2000)


# ---- tripartite crisis ----------------------------------------------------------------------

DEFAULTS = {
    "challenger_win": 1.0, "challenger_local_war": 0.5, "challenger_back_down": -0.5,
    "protege_concede": -1.0, "protege_local_war": -1.5, "protege_back_down": 0.5, "protege_war": -0.5,
    "defender_loss": 0.3, "defender_mobilise": 0.5, "defender_war": 1.0,
    "audience_firm": 1.0, "cost_firm": 0.2, "cost_straddle": 0.05,
}  # fmt: skip


def _predict(v: dict[str, float]) -> tuple[str, str, dict[str, str]]:
    """The docstring's conditions, applied by hand: (commitment, ending, Challenger move per k)."""
    determined = v["challenger_war"] > v["challenger_back_down"]
    audience = {"firm": v["audience_firm"], "none": 0.0, "straddle": v["audience_straddle"]}
    cost = {"firm": v["cost_firm"], "none": 0.0, "straddle": v["cost_straddle"]}
    results = {}
    for k in COMMITMENTS:
        support_value = -v["defender_war"] if determined else -v["defender_mobilise"]
        supports = support_value > -v["defender_loss"] - audience[k]
        after_support = (
            ("war", v["challenger_war"], v["protege_war"])
            if determined
            else ("back-down", v["challenger_back_down"], v["protege_back_down"])
        )
        end_resist, ch_resist, pr_resist = (
            after_support
            if supports
            else ("local-war", v["challenger_local_war"], v["protege_local_war"])
        )
        resists = pr_resist > v["protege_concede"]
        end_ch, ch_value = (
            (end_resist, ch_resist) if resists else ("concession", v["challenger_win"])
        )
        ending = end_ch if ch_value > 0 else "status-quo"
        d_value = {
            "status-quo": 0.0,
            "concession": -v["defender_loss"],
            "local-war": -v["defender_loss"] - audience[k],
            "back-down": -v["defender_mobilise"],
            "war": -v["defender_war"],
        }[ending] - cost[k]
        results[k] = (ending, d_value)
    best = max(COMMITMENTS, key=lambda k: results[k][1])
    moves = {
        k: ("challenge" if results[k][0] != "status-quo" else "status quo") for k in COMMITMENTS
    }
    return best, results[best][0], moves


def test_tripartite_equilibrium_matches_backward_induction_conditions() -> None:
    war = np.linspace(-0.985, 0.475, 74)  # avoids the ties at -0.5 and 0 (spe mixes over ties)
    straddle = np.array([0.1, 0.3, 0.6, 0.9])
    grid = np.array(list(itertools.product(war, straddle)))
    n = len(grid)
    params = {f"game.{k}": np.full(n, x) for k, x in DEFAULTS.items()}
    params["game.challenger_war"] = grid[:, 0]
    params["game.audience_straddle"] = grid[:, 1]
    _, _, sol, out, _ = _run("tripartite-crisis", params)
    assert np.all(sol.max_regret < 1e-9)
    seen = set()
    for i, (w, a) in enumerate(grid):
        commit, ending, _ = _predict({**DEFAULTS, "challenger_war": w, "audience_straddle": a})
        seen.add((commit, ending))
        assert out[f"commit_{commit}"][i] == 1.0, (w, a, commit)
        assert out[ending.replace("-", "_")][i] == 1.0, (w, a, ending)
    # the grid covers the qualitatively different equilibria
    assert {("straddle", "status-quo"), ("firm", "status-quo"), ("none", "concession")} <= seen


def test_straddle_fails_against_a_determined_challenger() -> None:
    """Under a straddle the Challenger challenges iff it prefers fighting to backing down."""
    war = np.array([-0.9, -0.6, -0.4, -0.1, 0.3])
    n = war.size
    params = {f"game.{k}": np.full(n, x) for k, x in DEFAULTS.items()}
    params["game.challenger_war"] = war
    params["game.audience_straddle"] = np.full(n, 0.3)  # between mobilise - loss and war - loss
    _, _, sol, out, _ = _run("tripartite-crisis", params)
    game = sol.game
    first = game.children[game.child_ptr[0] : game.child_ptr[1]]
    ptr = game.infoset_action_ptr
    for k, node in zip(COMMITMENTS, first, strict=True):
        challenge = sol.profile[:, ptr[game.infoset[node]] + 1]
        expected = [
            _predict({**DEFAULTS, "challenger_war": w, "audience_straddle": 0.3})[2][k] for w in war
        ]
        np.testing.assert_array_equal(challenge == 1.0, np.array(expected) == "challenge")
        if k == "straddle":
            np.testing.assert_array_equal(challenge, (war > -0.5).astype(float))
        if k == "firm":  # a firm commitment deters unless war beats the status quo
            np.testing.assert_array_equal(challenge, (war > 0).astype(float))
    assert set(ENDINGS) >= {"war", "status-quo"}
    np.testing.assert_array_equal(out["commit_straddle"], (war < -0.5).astype(float))


def test_bundled_theory_scenarios_run() -> None:
    for name in ("fearon-1995", "deterrence-rudimentary", "tripartite-crisis"):
        sc = load_scenario(name)
        template = get_template(sc.template)
        params = sc.parameters.draw(3, 0, 8)
        out = template.outcomes(sc, params, solve(template.build(sc, params)))
        for v in out.values():
            assert v.shape == (8,) and np.all((v >= -1e-12) & (v <= 1 + 1e-12))
