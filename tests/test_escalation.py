"""The escalation template: payoffs and chance by hand, its information structure, solvers
against pygambit, regret, comparative statics on common random numbers, no inert parameter,
and the Cuban missile crisis.

Comparative statics are read off quantal backward induction (``qbi``) at lambda = 3: choices
respond smoothly to payoffs, so a parameter's effect shows as a signed difference on the
same draws.  Under the subgame-perfect equilibrium of the complete-information version the
crisis almost always ends in a first-round settlement (Fearon 1995) and most outcomes sit at
0 or 1, where no direction can be seen.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from brink.efg import write_efg
from brink.errors import InputError
from brink.games import Game
from brink.mechanisms.ladder import KNOWN_RUNGS
from brink.model import CrisisModel
from brink.scenario import bundled_scenarios, load_scenario
from brink.solvers import solve
from brink.templates import get_template
from brink.templates.escalation.template import EscalationTemplate

SMALL = Path(__file__).parent / "fixtures" / "escalation-small.yaml"
#: The logit precision of the comparative statics (per unit of the challenger's stake).
LAM = 3.0


def small_game(overrides: tuple[str, ...] = (), information: Any = "perfect") -> Game:
    sc = load_scenario(str(SMALL), overrides)
    return get_template("escalation").build(sc, sc.parameters.draw(0, 0, 1), information=information)


def walk(game: Game, labels: list[str]) -> int:
    """The node reached from the root by the actions ``labels``."""
    node = 0
    for label in labels:
        actions = game.action_labels[game.infoset[node]]
        assert label in actions, (label, actions)
        node = int(game.children[game.child_ptr[node] + actions.index(label)])
    return node


def payoff(game: Game, labels: list[str]) -> np.ndarray:
    node = walk(game, labels)
    assert game.outcome[node] >= 0, labels
    return np.asarray(game.outcome_payoffs[0, game.outcome[node]])


# numbers of tests/fixtures/escalation-small.yaml
V_C, V_D, V_T, P, COERCION, STRIKE, SIGMA = 1.0, 0.6, 1.5, 0.4, 0.3, 0.5, 0.35
DELTA, LOC, DEC, TREND, TOL = 0.9, 0.08, 0.3, -0.1, 2.0
NORM, CRED, SELF = 0.4, 0.6, 0.3
CW, TABOO, CS, SE, DCV, TW, TN = 0.2, 0.5, 0.4, 20.0, 0.3, 0.25, 3.0
DAMAGE = 0.5  # 400 strategic warheads: 1 - 0.5 ** (400 / 400)
SHOW = min(1.0, KNOWN_RUNGS["show-of-force"] / 12)
LIMITED = min(1.0, KNOWN_RUNGS["limited-conventional-war"] / 12)
RR, IR = "A resolute, C resolute", "A irresolute, C restrained"
NONE = "none (against the hold)"  # the defender does nothing against a challenger that holds
# the continuation of a war undecided after round 2 at a show of force (hand-summed series)
H_SHOW = DEC * SHOW
CONT_WON = H_SHOW * (DELTA * (P + 2 * TREND) + DELTA**2 * (1 - H_SHOW) * (P + 3 * TREND))
CONT_ROUNDS = DELTA / (1 - DELTA * (1 - H_SHOW))
CONT_DECIDED = H_SHOW * CONT_ROUNDS


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ([RR, "concede"], (0.0, V_D, V_T)),
        ([IR, "concede"], (0.0, V_D, 0.6 * V_T)),
        ([RR, "offer 0.5", "accept"], (0.5 * V_C, 0.5 * V_D, 0.5 * V_T)),
        ([IR, "offer 0.5", "accept"], (0.5 * 0.5 * V_C, 0.5 * V_D, 0.5 * 0.6 * V_T)),
        # a conventional climb answered by a strike, decided in round 1
        ([RR, "climb to limited-conventional-war", "conventional-strike", "decided"],
         (P * (1 - STRIKE) - CW * LIMITED - CS, V_D * (1 - P * (1 - STRIKE)) - DCV / TOL,
          V_T * (1 - P * (1 - STRIKE)) - TW * LIMITED)),
        # round 2: the target proposes, the challenger accepts; round 1 fought at a show of force
        ([RR, "hold", NONE, "fight on", "offer 0.5", "accept"],
         (DELTA * 0.5 * V_C - CW * SHOW, DELTA * 0.5 * V_D, DELTA * 0.5 * V_T - TW * SHOW)),
        # undecided after the last round: the war goes on at its rung until decided (hazard H_SHOW),
        # won with the balance moved by the trend: 0.2 in round 3, 0.1 in round 4, 0 after
        ([RR, "hold", NONE, "fight on", "hold", "fight on"],
         (DELTA * (V_C * CONT_WON - CW * SHOW * CONT_ROUNDS) - CW * SHOW * (1 + DELTA),
          DELTA * V_D * (CONT_DECIDED - CONT_WON),
          DELTA * (V_T * (CONT_DECIDED - CONT_WON) - TW * SHOW * CONT_ROUNDS) - TW * SHOW * (1 + DELTA))),
        # a fait accompli: the challenger holds and the defender strikes against the hold (its costs
        # and the strike's effect, no commitment or audience cost: there is no climb to answer)
        ([RR, "hold", "conventional-strike (against the hold)", "decided"],
         (P * (1 - STRIKE) - CW * SHOW - CS, V_D * (1 - P * (1 - STRIKE)) - DCV / TOL,
          V_T * (1 - P * (1 - STRIKE)) - TW * SHOW)),
        # the target counter-attacks in round 2: the war goes a rung up, decided at the new rung
        ([RR, "hold", NONE, "fight on", "counter-attack to limited-conventional-war", "decided"],
         (DELTA * (P + TREND) * V_C - CW * SHOW - DELTA * CW * LIMITED,
          DELTA * (1 - P - TREND) * V_D,
          DELTA * (1 - P - TREND) * V_T - TW * SHOW - DELTA * TW * LIMITED)),
        # a slip below the nuclear threshold: a general war to the horizon, the defender drawn in;
        # the round it slipped in is charged once, at full intensity (not also at the show of force)
        ([RR, "hold", NONE, "out of control"],
         (P - CW * (1 + DELTA), V_D * (1 - P) - DCV / TOL * (1 + DELTA), V_T * (1 - P) - TW * (1 + DELTA))),
        # ... and in round 2, after a round fought at the show of force
        ([RR, "hold", NONE, "fight on", "hold", "out of control"],
         (DELTA * (P + TREND) - CW * SHOW - DELTA * CW, DELTA * V_D * (1 - P - TREND) - DELTA * DCV / TOL,
          DELTA * V_T * (1 - P - TREND) - TW * SHOW - DELTA * TW)),
    ],
)
def test_payoffs_by_hand(path: list[str], expected: tuple[float, float, float]) -> None:
    np.testing.assert_allclose(payoff(small_game(), path), expected, rtol=0, atol=1e-12)


def test_nuclear_paths_by_hand() -> None:
    """Nuclear use: the taboo, coercion, the audience cost of a broken declaration (both types),
    the resolute type's norm and self-preservation, a central exchange when control is lost."""
    g = small_game()
    pi = P + (1 - P) * COERCION
    climb = "climb to demonstration-shot"
    slip = payoff(g, [RR, climb, "none", "out of control"])
    audience = CRED * 5 / 6  # declared conventional-strike (rank 5), answered none (rank 0)
    np.testing.assert_allclose(slip, (
        pi - CW - TABOO - SE * DAMAGE,
        V_D * (1 - pi) - audience - NORM - SE * DAMAGE,
        V_T * (1 - pi) - TW - TN,
    ), atol=1e-12)
    restrained = payoff(g, ["A resolute, C restrained", climb, "none", "out of control"])
    assert restrained[1] == pytest.approx(slip[1] + NORM)  # the restrained type pays no norm...
    assert restrained[1] < V_D * (1 - pi) - SE * DAMAGE  # ...but the audience cost binds it too
    answered = payoff(g, [RR, climb, "conventional-strike", "decided"])
    won = pi * (1 - STRIKE)
    np.testing.assert_allclose(answered, (
        won - CW - TABOO - CS,
        V_D * (1 - won) - DCV / TOL + SELF,
        V_T * (1 - won) - TW - TN,
    ), atol=1e-12)


def test_chance_probabilities_by_hand() -> None:
    g = small_game()
    a, b = g.child_ptr[0], g.child_ptr[1]
    np.testing.assert_allclose(g.chance_probs[0, a:b], [0.8 * 0.7, 0.8 * 0.3, 0.2 * 0.7, 0.2 * 0.3])
    fight = walk(g, [RR, "hold", NONE])
    slip = LOC * (KNOWN_RUNGS["show-of-force"] / 21) ** 2
    decided = (1 - slip) * DEC * SHOW
    e = g.child_ptr[fight]
    np.testing.assert_allclose(g.chance_probs[0, e:e + 3], [slip, decided, 1 - slip - decided], atol=1e-15)
    # round 2 of a fight at the same rung: the same risks; the trend moves only the balance
    later = walk(g, [RR, "hold", NONE, "fight on", "hold"])
    np.testing.assert_allclose(g.chance_probs[0, g.child_ptr[later]:g.child_ptr[later] + 3],
                               g.chance_probs[0, e:e + 3])
    decided_late = payoff(g, [RR, "hold", NONE, "fight on", "hold", "decided"])
    assert decided_late[0] == pytest.approx(DELTA * (P + TREND) * V_C - CW * SHOW * (1 + DELTA))


def test_information_sets_follow_what_each_player_knows() -> None:
    perfect = small_game()
    assert perfect.is_perfect_information
    g = small_game(information="imperfect")
    assert g.has_perfect_recall and not g.is_perfect_information
    # the challenger does not see the defender side's type...
    assert g.infoset[walk(g, [RR])] == g.infoset[walk(g, ["A resolute, C restrained"])]
    assert g.infoset[walk(g, [RR])] != g.infoset[walk(g, [IR])]
    # ...the defender does not see the challenger's...
    climb = [ "climb to limited-conventional-war"]
    assert g.infoset[walk(g, [RR, *climb])] == g.infoset[walk(g, ["A irresolute, C resolute", *climb])]
    # ...and the target knows its side's type but not the challenger's
    offer = ["offer 0.5"]
    assert g.infoset[walk(g, [RR, *offer])] == g.infoset[walk(g, ["A irresolute, C resolute", *offer])]
    assert g.infoset[walk(g, [RR, *offer])] != g.infoset[walk(g, ["A resolute, C restrained", *offer])]


def test_declaration_is_the_defenders_first_move() -> None:
    g = small_game(("process.declarations=[none, conventional-strike]",))
    node = walk(g, [RR])
    assert g.action_labels[g.infoset[node]] == ("declare none", "declare conventional-strike")
    climb = "climb to demonstration-shot"
    silent = payoff(g, [RR, "declare none", climb, "none", "decided"])
    committed = payoff(g, [RR, "declare conventional-strike", climb, "none", "decided"])
    assert silent[1] - committed[1] == pytest.approx(CRED * 5 / 6)  # breaking a declaration costs
    sc = load_scenario(str(SMALL), ("process.declarations=[none, conventional-strike]",))
    model = CrisisModel(sc, solver="qbi", lam=LAM)
    out = model.evaluate(model.draw(0, 0, 4)).outcomes
    np.testing.assert_allclose(out["declared.none"] + out["declared.conventional-strike"], 1.0)


def test_node_estimate_bounds_every_bundled_tree() -> None:
    t = get_template("escalation")
    assert isinstance(t, EscalationTemplate)
    for name in [*sorted(bundled_scenarios()), str(SMALL)]:
        sc = load_scenario(name)
        if sc.template == "escalation":
            nodes = t.skeleton(sc).game.n_nodes
            assert nodes <= t.node_estimate(sc) <= 3 * nodes, name  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("process.start=central-attack", "process.start"),
        ("process.declarations=[sanctions]", "process.declarations"),
        ("process.offers=[1.5]", "process.offers"),
        ("process.rounds=6", "nodes, over the limit"),
        ("doctrines.C.declared=alert", "doctrines.C.declared"),
    ],
)
def test_bad_process_input_is_refused_with_a_located_message(override: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        sc = load_scenario(str(SMALL), (override, "process.offers=[0.2, 0.4, 0.6]") if "rounds" in override
                           else (override,))
        get_template("escalation").check(sc)
    if "rounds" not in override:
        from brink_in_process import invoke

        status, err = invoke(["validate", str(SMALL), "--set", override])
        assert status == 2 and message in err and "Traceback" not in err


# ---------------------------------------------------------------- solvers and regret


def _efg(game: Game, tmp_path: Path) -> Path:
    path = tmp_path / "escalation.efg"
    path.write_text(write_efg(game.sample(0) if game.samples else game))
    return path


def test_qbi_equals_pygambit_logit_on_the_exported_game(tmp_path: Path) -> None:
    gbt = pytest.importorskip("pygambit")
    from gambit_bridge import read_blank_labels

    from brink.efg import read_efg

    path = _efg(small_game(("process.rounds=1",)), tmp_path)
    game = read_efg(path)
    lams = [0.5, 2.0, 6.0]
    theirs = gbt.qre.logit_solve_lambda(read_blank_labels(path, tmp_path), lam=lams, use_strategic=False)
    for lam, q in zip(lams, theirs, strict=True):
        ours = np.array([p for pl in solve(game, "qbi", lam=lam).behavior() for s in pl for p in s])
        assert np.abs(ours - np.array([q[i] for i in range(len(q))])).max() <= 1e-6, lam


def test_private_information_equilibrium_passes_pygambits_regret_check(tmp_path: Path) -> None:
    """Two rounds with private types on both sides: brink's perfect Bayesian equilibrium (the
    limiting logit QRE, solver ``pbe``) is a Nash equilibrium by pygambit's own regret
    computation, and brink's sequential regret check passes at every information set."""
    pytest.importorskip("pygambit")
    from gambit_bridge import gambit_profile, read_blank_labels

    from brink.efg import read_efg

    path = _efg(small_game(information="imperfect"), tmp_path)
    game = read_efg(path)
    solution = solve(game, "pbe")
    ggame = read_blank_labels(path, tmp_path)
    profile = gambit_profile(ggame, solution)
    # pygambit's own regret at every information set (its max_regret() runs for minutes here)
    regret = max(float(profile.infoset_regret(h)) for player in ggame.players for h in player.infosets)
    assert regret <= 1e-5 * game.payoff_range
    from brink.solvers.regret import sequential_regrets

    assert float(np.max(sequential_regrets(game, solution.profile))) <= 1e-5 * game.payoff_range


def test_equilibria_pass_brinks_regret_check_at_full_size() -> None:
    from brink.solvers.regret import max_regret

    sc = load_scenario("ukraine-2022")
    model = CrisisModel(sc, solver="spe")
    game, solution = model.game(model.draw(0, 0, 64))
    assert game.n_nodes > 4000
    assert float(np.max(max_regret(game, solution.profile))) <= 1e-9


# ---------------------------------------------------------------- comparative statics


@pytest.fixture(scope="module")
def ukraine_draws() -> dict[str, np.ndarray]:
    return CrisisModel(load_scenario("ukraine-2022"), solver="qbi", lam=LAM).draw(0, 0, 200)


def behaviour(draws: dict[str, np.ndarray], **fixed: float | str) -> dict[str, float]:
    """Mean outcomes and metrics of ``ukraine-2022`` under qbi on the same draws, with
    ``fixed`` parameters (``doctrines__NATO__resolve=0.9``) set for every sample."""
    paths = {k.replace("__", "."): v for k, v in fixed.items()}
    settings = tuple(f"{k}={v}" for k, v in paths.items() if isinstance(v, str))
    model = CrisisModel(load_scenario("ukraine-2022", settings), solver="qbi", lam=LAM)
    params = dict(draws) | {k: np.full(200, float(v)) for k, v in paths.items() if not isinstance(v, str)}
    ev = model.evaluate(params)
    out = {k: float(np.mean(v)) for k, v in ev.outcomes.items()}
    return out | {k: float(np.nanmean(v)) for k, v in ev.metrics.items()}


def test_defender_resolve_lowers_tactical_nuclear_use(ukraine_draws: dict[str, np.ndarray]) -> None:
    lo = behaviour(ukraine_draws, doctrines__NATO__resolve=0.2)
    hi = behaviour(ukraine_draws, doctrines__NATO__resolve=0.9)
    assert hi["tactical_nuclear_use"] < lo["tactical_nuclear_use"]


def test_a_firmer_declared_doctrine_lowers_tactical_use_and_is_kept(ukraine_draws: dict[str, np.ndarray]) -> None:
    none = behaviour(ukraine_draws, doctrines__NATO__declared="none")
    firm = behaviour(ukraine_draws, doctrines__NATO__declared="nuclear-response")
    assert firm["tactical_nuclear_use"] < none["tactical_nuclear_use"]
    assert firm["nuclear_use_answered"] > none["nuclear_use_answered"] + 0.05


def test_a_higher_taboo_cost_lowers_tactical_nuclear_use(ukraine_draws: dict[str, np.ndarray]) -> None:
    lo = behaviour(ukraine_draws, costs__nuclear_taboo=0.05)
    hi = behaviour(ukraine_draws, costs__nuclear_taboo=1.0)
    assert hi["tactical_nuclear_use"] < lo["tactical_nuclear_use"]


def test_gambling_for_resurrection(ukraine_draws: dict[str, np.ndarray]) -> None:
    """An adverse battlefield trend raises the challenger's nuclear risk when its leader is
    punished after defeat (Downs & Rocke 1994; Goemans 2000)."""
    punished = {"actors__RUS__leader__punishment_cost": 3.0}
    adverse = behaviour(ukraine_draws, process__trend=-0.3, **punished)  # type: ignore[arg-type]
    favourable = behaviour(ukraine_draws, process__trend=0.1, **punished)  # type: ignore[arg-type]
    assert adverse["tactical_nuclear_use"] > favourable["tactical_nuclear_use"]


def test_risk_of_losing_control_makes_both_sides_settle(ukraine_draws: dict[str, np.ndarray]) -> None:
    """Where the risk is, at a nuclear rung, a larger risk of losing control makes both sides
    settle (Schelling 1960; Powell 1987).  From the conventional rung where ``ukraine-2022`` starts
    the risk is a third as large and, with wars decided as slowly as the data say (issue 14), the
    settlement share does not move (0.780 at 0, 0.777 at 0.3): the slips replace decided wars."""
    at_nuclear_rung = {"process__start": "demonstration-shot"}
    safe = behaviour(ukraine_draws, process__loss_of_control=0.0, **at_nuclear_rung)  # type: ignore[arg-type]
    risky = behaviour(ukraine_draws, process__loss_of_control=0.3, **at_nuclear_rung)  # type: ignore[arg-type]
    assert risky["settlement"] > safe["settlement"]


def test_self_preservation_raises_the_defenders_response(ukraine_draws: dict[str, np.ndarray]) -> None:
    lo = behaviour(ukraine_draws, doctrines__NATO__interests__self_preservation=0.0)
    hi = behaviour(ukraine_draws, doctrines__NATO__interests__self_preservation=1.0)
    assert hi["nuclear_use_answered"] > lo["nuclear_use_answered"]


def test_no_uncertain_parameter_of_ukraine_2022_is_inert() -> None:
    """Each uncertain number, moved from its 5% to its 95% quantile on common draws, moves
    some outcome; those that move none are explained in the scenario's provenance."""
    sc = load_scenario("ukraine-2022")
    model = CrisisModel(sc, solver="qbi", lam=LAM)
    base = {k: v for k, v in sc.parameters.draw(1, 0, 48).items() if k in sc.parameters.distributions}
    inert = []
    for name in model.uncertainties:
        # expressions are derived again, so a number read through one (sustainable months
        # from reserves) moves what it drives
        lo, hi = (sc.parameters.derive(base | {name: model.ppf(name, np.full(48, q))}, 48) for q in (0.05, 0.95))
        a = model.evaluate(lo).outcomes
        b = model.evaluate(hi).outcomes
        if all(np.allclose(a[k], b[k], rtol=0, atol=1e-12) for k in a):
            inert.append(name)
    unexplained = [name for name in inert if "inert" not in (sc.provenance_of(name) or "")]
    assert unexplained == []
    # 0.1's reserves were inert (the discount outlasted a 12-month horizon at any draw); in
    # the post-war game they pay for the discount and the coalition's goods, month by month
    assert inert == []


# ---------------------------------------------------------------- history


def test_cuban_missile_crisis_ends_in_a_deal_not_an_invasion() -> None:
    """The modal ending is the negotiated settlement, with parameters set from what was known
    on 22 October 1962 (see the scenario's provenance)."""
    from brink.runs import run

    out = run(load_scenario("cuban-missile-crisis-1962"), samples=2000, seed=0, solver="spe").to_json()["outcomes"]
    endings = {k: out[k]["p"] for k in ("settlement", "challenger_concedes", "target_concedes",
                                          "loss_of_control", "war_decided", "stalemate")}
    assert max(endings, key=endings.__getitem__) == "settlement"
    assert endings["settlement"] > 0.5 > out["target_concedes"]["p"] + out["war_decided"]["p"]


@pytest.mark.parametrize("solver", ["spe", "qbi"])
def test_fast_read_out_equals_the_full_solutions(solver: str) -> None:
    """The read-out from the terminal reach (what runs use) gives the full solution's numbers."""
    sc = load_scenario("ukraine-2022")
    template = get_template("escalation")
    params = sc.parameters.draw(3, 0, 32)
    game = template.build(sc, params)
    solution = solve(game, solver, lam=LAM) if solver == "qbi" else solve(game, solver)
    outcomes, metrics = template.read_out(sc, params, solution)
    reach = np.asarray(solution.reach).reshape(32, -1)[:, game.terminals]
    pay = np.asarray(solution.payoffs).reshape(32, -1)
    fast_outcomes, fast_metrics = template.terminal_read_out(sc, params, game, pay, reach)
    assert outcomes.keys() == fast_outcomes.keys() and metrics.keys() == fast_metrics.keys()
    for key in outcomes:
        np.testing.assert_allclose(fast_outcomes[key], outcomes[key], rtol=0, atol=1e-12, err_msg=key)
    for key in metrics:
        np.testing.assert_allclose(fast_metrics[key], metrics[key], rtol=0, atol=1e-12, err_msg=key)
    ends = sum(outcomes[k] for k in ("settlement", "challenger_concedes", "target_concedes", "loss_of_control",
                                      "war_decided", "stalemate"))
    np.testing.assert_allclose(ends, 1.0, atol=1e-9)  # every crisis ends one way
    np.testing.assert_allclose(sum(outcomes[k] for k in outcomes if k.startswith("rung.")), 1.0, atol=1e-9)


def test_private_information_equilibrium_at_full_size_passes_brinks_regret_check() -> None:
    """``ukraine-2022`` with private types (7,689 nodes since the defender's interventions and the
    target's counter-attack, 4,349 before): every sample the iteration settles passes brink's
    sequential regret check; the others are flagged failed, never dropped (without the qre
    fallback, 3 of these 12 draws; 2 on the smaller tree)."""
    from brink.solvers.pbe import solve_pbe
    from brink.solvers.regret import sequential_regrets

    sc = load_scenario("ukraine-2022")
    params = sc.parameters.draw(0, 0, 12)
    game = get_template("escalation").build(sc, params, information="imperfect")
    assert not game.is_perfect_information and game.n_nodes > 4000
    solution = solve_pbe(game, fallback=False)
    failed = np.asarray(solution.info["failed"], dtype=bool).reshape(12)
    regret = np.asarray(sequential_regrets(game, solution.profile)).reshape(12, -1).max(axis=1)
    scale = np.ptp(np.asarray(game.outcome_payoffs).reshape(12, -1), axis=1)
    assert failed.sum() <= 3
    assert np.all(regret[~failed] <= 1e-6 * scale[~failed])


def _ukraine_tally(solver: str, samples: int) -> tuple[Any, dict[str, np.ndarray], dict[str, np.ndarray]]:
    """The quantities, the read-out sums and the metrics of ``samples`` draws of ``ukraine-2022``."""
    from brink.templates.escalation import readout

    sc = load_scenario("ukraine-2022")
    template = get_template("escalation")
    assert isinstance(template, EscalationTemplate)
    params = sc.parameters.draw(5, 0, samples)
    q = template.prepare(sc, params)
    game = template.build(sc, params, prepared=q)
    solution = solve(game, solver, lam=1.0) if solver == "qbi" else solve(game, solver)
    sk = template.skeleton(sc)
    reach = np.asarray(solution.reach, dtype=np.float64).reshape(samples, -1)[:, sk.outcome_node]
    r = readout.tally(sk, q, np.ascontiguousarray(reach))
    return q, r, readout.metrics(q, r)


@pytest.mark.parametrize("solver", ["spe", "qbi"])
def test_survival_given_each_ending_obeys_the_law_of_total_probability(solver: str) -> None:
    """Weighted by the endings' probabilities, survival given each ending of the post-war game
    gives back the leader's survival in every sample; the endings' probabilities sum to 1; an
    ending without a chance in a sample is blank there (NaN), not 0."""
    from brink.templates.escalation.readout import POST_WAR_ENDINGS

    _, r, m = _ukraine_tally(solver, 24)
    shares = {e: r[f"_ending.{e}"] for e in POST_WAR_ENDINGS}
    np.testing.assert_allclose(sum(shares.values()), 1.0, rtol=0, atol=1e-12)
    total = sum(np.where(shares[e] > 1e-12, shares[e] * m[f"survival_given.{e}"], 0.0) for e in POST_WAR_ENDINGS)
    np.testing.assert_allclose(total, r["leader_survives"], rtol=0, atol=1e-12)
    for e in POST_WAR_ENDINGS:
        given = m[f"survival_given.{e}"]
        assert np.array_equal(np.isnan(given), shares[e] <= 1e-12), e
        assert np.all((given[~np.isnan(given)] >= 0) & (given[~np.isnan(given)] <= 1)), e
    assert any(np.isfinite(m[f"survival_given.{e}"]).any() for e in ("victory", "defeat", "concession"))


def test_survival_given_an_ending_by_hand() -> None:
    """One sample whose reach is 0.3 on a terminal of one outcome class (its lottery: victory)
    and 0.7 on one of another (victory or defeat at even odds); survival after victory 0.9 in
    the first, 0.8 after victory and 0.4 after defeat in the second.  Survival given victory is
    (0.3 * 0.9 + 0.35 * 0.8) / 0.65 = 0.55 / 0.65, given defeat 0.4; stalemate, concession and
    settlement have no chance and are blank; the leader survives with 0.69 = 0.65 * 0.55/0.65
    + 0.35 * 0.4."""
    from dataclasses import replace

    from brink.templates.escalation import readout
    from brink.templates.escalation.payoffs import terminals_by_outcome_class

    sc = load_scenario("ukraine-2022")
    template = get_template("escalation")
    assert isinstance(template, EscalationTemplate)
    q = template.prepare(sc, sc.parameters.draw(0, 0, 1))
    sk = template.skeleton(sc)
    order, starts = terminals_by_outcome_class(sk.structure)
    a, b = int(order[starts[0]]), int(order[starts[1]])
    classes = starts.size
    lottery = np.zeros((1, classes, 5))
    lottery[0, :, 0] = 1.0
    lottery[0, 1, :] = [0.5, 0.0, 0.5, 0.0, 0.0]
    by_ending = np.full((1, classes, 5), 0.5)
    by_ending[0, 0, 0], by_ending[0, 1, 0], by_ending[0, 1, 2] = 0.9, 0.8, 0.4
    survival = np.einsum("sco,sco->sc", lottery, by_ending)
    q = replace(q, lottery=lottery, leader=replace(q.leader, survival=survival, survival_by_ending=by_ending))
    reach = np.zeros((1, sk.outcome_node.size))
    reach[0, a], reach[0, b] = 0.3, 0.7
    m = readout.metrics(q, r := readout.tally(sk, q, reach))
    assert m["survival_given.victory"][0] == pytest.approx(0.55 / 0.65, abs=1e-15)
    assert m["survival_given.defeat"][0] == pytest.approx(0.4, abs=1e-15)
    for e in ("stalemate", "concession", "settlement"):
        assert np.isnan(m[f"survival_given.{e}"][0]), e
    assert r["leader_survives"][0] == pytest.approx(0.69, abs=1e-15)


def test_a_run_reports_survival_given_each_ending_as_brink_simulate_names_them() -> None:
    from brink.measures import measure
    from brink.runs import run
    from brink.runs.simulate import ENDINGS

    out = run(load_scenario("ukraine-2022"), samples=64, seed=0, solver="qbi", lam=1.0).to_json()
    given = {k.split(".", 1)[1]: v["mean"] for k, v in out["metrics"].items() if k.startswith("survival_given.")}
    assert set(given) == set(ENDINGS)
    assert all(v is None or 0.0 <= v <= 1.0 for v in given.values())
    assert given["defeat"] is not None and given["victory"] is not None
    assert given["defeat"] < given["victory"]  # a defeat endangers the leader (Goemans 2000)
    m = measure("survival_given.victory")
    assert m is not None and m.group == "after the war"
