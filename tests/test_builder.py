"""The crisis builder: game shape, the perfect- vs information-set versions, Gambit export."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from brink.builder import compile_game, scenario_game
from brink.errors import InputError
from brink.scenario import load_scenario
from brink.solvers import solve
from brink.templates import get_template

SMALL = ["crisis.ladder=[concede, hold-conventional, demonstration-shot]"]


def test_game_shape_follows_the_ladder_and_moves() -> None:
    sc = load_scenario("ukraine-2022-exchange")
    params = sc.parameters.draw(0, 0, 7)
    game = compile_game(sc, params)
    cr = sc.crisis
    assert cr is not None
    rungs = len(cr.ladder)
    r, c = len(cr.responses), len(cr.counters)
    # one terminal for "concede", then per other rung: 2 types x responses x counters
    assert game.n_outcomes == 1 + (rungs - 1) * 2 * r * c
    assert game.players == ("RUS", "NATO")
    assert game.is_perfect_information and game.has_perfect_recall
    assert np.asarray(game.outcome_payoffs).shape == (7, game.n_outcomes, 2)
    probs = np.asarray(game.chance_probs)
    assert probs.shape == (7, game.n_edges)
    chance = np.flatnonzero(game.node_player == -1)
    starts = game.child_ptr[chance]
    resolve = params["doctrines.NATO.resolve"]
    for k in range(len(chance)):
        np.testing.assert_allclose(probs[:, starts[k]], resolve)
        np.testing.assert_allclose(probs[:, starts[k] + 1], 1 - resolve)


def test_information_set_version_merges_the_types_for_the_challenger() -> None:
    sc = load_scenario("ukraine-2022-exchange", SMALL)
    params = sc.parameters.draw(0, 0, 2)
    perfect, imperfect = compile_game(sc, params, "perfect"), compile_game(sc, params, "imperfect")
    assert not imperfect.is_perfect_information and imperfect.has_perfect_recall
    assert perfect.n_nodes == imperfect.n_nodes
    counters = [h for h in imperfect.player_infosets(0) if len(imperfect.infoset_nodes[h]) > 1]
    # one merged counter set per (non-concede rung, response), each with a node per type
    assert len(counters) == 2 * 4
    assert all(len(imperfect.infoset_nodes[h]) == 2 for h in counters)
    np.testing.assert_array_equal(np.asarray(perfect.outcome_payoffs), np.asarray(imperfect.outcome_payoffs))


def test_challenger_payoffs_do_not_depend_on_the_defender_type() -> None:
    """The premise of using the perfect-information SPE: types move only the defender's payoffs."""
    sc = load_scenario("ukraine-2022-exchange")
    t = get_template("crisis")
    params = sc.parameters.draw(3, 0, 50)
    q = t.quantities(sc, params)  # type: ignore[attr-defined]
    labels = t.skeleton(sc).terms.labels  # type: ignore[attr-defined]
    index = {lab: i for i, lab in enumerate(labels)}
    pairs = [(i, index[lab.replace("resolute", "restrained")]) for lab, i in index.items() if "/ resolute /" in lab]
    assert pairs
    a, b = np.array(pairs).T
    np.testing.assert_array_equal(q.payoffs[:, a, 0], q.payoffs[:, b, 0])
    assert np.any(q.payoffs[:, a, 1] != q.payoffs[:, b, 1])


def test_spe_of_perfect_build_matches_qre_limit_of_information_set_build() -> None:
    """Kreps & Wilson (1982): the SPE is an equilibrium of the information-set game; the
    logit QRE branch converges to it (McKelvey & Palfrey 1998) on samples without ties."""
    sc = load_scenario("ukraine-2022-exchange", SMALL)
    t = get_template("crisis")
    many = sc.parameters.draw(0, 0, 600)
    spe_all = t.outcomes(sc, many, solve(compile_game(sc, many), "spe"))
    nuclear = int(np.flatnonzero(spe_all["tactical_nuclear_use"] > 0.5)[0])
    rows = np.array([0, 1, nuclear])
    params = {k: v[rows] for k, v in many.items()}
    spe = solve(compile_game(sc, params, "perfect"), "spe")
    qre = solve(compile_game(sc, params, "imperfect"), "qre")
    assert np.all(qre.info["converged"])
    np.testing.assert_allclose(np.asarray(qre.payoffs), np.asarray(spe.payoffs), atol=1e-5)
    o_spe, o_qre = t.outcomes(sc, params, spe), t.outcomes(sc, params, qre)
    for name in ("tactical_nuclear_use", "challenger_concedes", "defender_conventional_response", "leader_survives"):
        np.testing.assert_allclose(o_qre[name], o_spe[name], atol=1e-5, err_msg=name)
    assert o_spe["tactical_nuclear_use"][2] == 1.0


def test_scenario_game_central_and_sampled() -> None:
    central = scenario_game("ukraine-2022-exchange")
    assert central.samples is None
    sc = load_scenario("ukraine-2022-exchange")
    want = compile_game(sc, sc.parameters.central()).sample(0)
    np.testing.assert_array_equal(np.asarray(central.outcome_payoffs), np.asarray(want.outcome_payoffs))
    k5 = scenario_game("ukraine-2022-exchange", sample=5)
    params = sc.parameters.draw(0, 0, 8)
    direct = compile_game(sc, params).sample(5)
    np.testing.assert_allclose(np.asarray(k5.outcome_payoffs), np.asarray(direct.outcome_payoffs), rtol=0, atol=1e-12)
    with pytest.raises(InputError, match="negative"):
        scenario_game("ukraine-2022-exchange", sample=-1)


def test_exported_efg_reads_in_pygambit_with_the_same_payoffs(tmp_path: Path) -> None:
    pygambit = pytest.importorskip("pygambit")
    from brink.efg import write_efg

    game = scenario_game("ukraine-2022-exchange", overrides=SMALL)
    path = tmp_path / "crisis.efg"
    path.write_text(write_efg(game))
    g = pygambit.read_efg(str(path))
    assert len(g.players) == 2
    assert len(g.outcomes) == game.n_outcomes
    pay = np.asarray(game.outcome_payoffs)
    first = next(iter(g.players))
    got = sorted(float(o[first]) for o in g.outcomes)
    np.testing.assert_allclose(got, np.sort(pay[:, 0]), atol=1e-9)
    # Gambit's limiting logit equilibrium has the payoffs of brink's subgame-perfect one
    spe = solve(game, "spe")
    profile = pygambit.nash.logit_solve(g).equilibria[0]
    np.testing.assert_allclose([float(profile.payoff(p)) for p in g.players], np.asarray(spe.payoffs), atol=1e-4)


def test_fast_build_is_the_validated_game() -> None:
    """``build`` skips re-validating the fixed tree; the same arrays must pass full validation."""
    import dataclasses

    from brink.games import Game

    sc = load_scenario("ukraine-2022-exchange")
    params = sc.parameters.draw(5, 0, 300)
    fast = compile_game(sc, params)
    fields = {f.name: getattr(fast, f.name) for f in dataclasses.fields(Game)}
    checked = Game(**fields)  # runs the full validation
    assert checked.samples == 300
    a, b = solve(fast, "spe"), solve(checked, "spe")
    np.testing.assert_array_equal(np.asarray(a.reach), np.asarray(b.reach))


def test_non_finite_payoffs_are_still_refused() -> None:
    from brink.games import GameError

    sc = load_scenario("ukraine-2022-exchange")
    params = dict(sc.parameters.draw(5, 0, 3))
    params["crisis.stakes.challenger"] = np.array([1.0, np.inf, 1.0])
    with pytest.raises(GameError, match="finite"):
        compile_game(sc, params)


def test_war_classes_give_the_per_terminal_quantities() -> None:
    """Terminals are grouped by what the lottery and mechanisms declare they read
    (``CLASS_READS``, ``Terminals.class_key``); computing every terminal on its own gives
    exactly the same numbers."""
    import dataclasses

    from brink.templates.crisis.payoffs import CLASS_FEATURES, prepare
    from brink.templates.crisis.tree import class_features

    sc = load_scenario("ukraine-2022-exchange")
    t = get_template("crisis")
    sk = t.skeleton(sc)  # type: ignore[attr-defined]
    T = len(sk.terms.labels)
    assert len(sk.representatives) < T / 4  # 22 classes for 129 terminals
    params = sc.parameters.draw(2, 0, 64)
    grouped = t.quantities(sc, params)  # type: ignore[attr-defined]
    every = np.arange(T)
    each = dataclasses.replace(
        sk, war_class=every, representatives=every, class_features=class_features(sk.terms, every, CLASS_FEATURES)
    )
    single = prepare(sc, params, each).expand(each.war_class)  # type: ignore[arg-type]
    for name in ("lottery", "support", "survival", "punished", "influence", "foreign_removal", "payoffs"):
        np.testing.assert_array_equal(getattr(grouped, name), getattr(single, name), err_msg=name)


def test_escalation_scores_come_from_the_kahn_ladder_categories() -> None:
    """Rung categories are :mod:`brink.mechanisms.ladder`'s (Rivera et al. 2024 scores): show of force
    (Kahn 5) is posturing, a demonstration shot (Kahn 21) nuclear; the score of a path is
    its most severe act."""
    from brink.crisis.rungs import rung_category
    from brink.mechanisms.ladder import escalation_score

    sc = load_scenario("cuban-missile-crisis-1962-exchange")
    t = get_template("crisis")
    sk = t.skeleton(sc)  # type: ignore[attr-defined]
    labels = list(sk.terms.labels)
    dense = np.zeros((len(labels), len(sk.tally.names)))
    for row in range(len(labels)):
        lo, hi = sk.tally.ptr[row], sk.tally.ptr[row + 1]
        dense[row, sk.tally.column[lo:hi]] = sk.tally.weight[lo:hi]
    score = dense[:, sk.tally.names.index("escalation_score")]
    posturing, non_violent, nuclear, de_escalation = escalation_score(
        ["posturing", "non_violent", "nuclear", "de_escalation"])
    assert rung_category(5).value == "posturing" and rung_category(21).value == "nuclear"
    assert score[labels.index("show-of-force / resolute / none / de-escalate")] == posturing
    assert score[labels.index("show-of-force / resolute / sanctions / de-escalate")] == non_violent
    assert score[labels.index("demonstration-shot / restrained / none / hold")] == nuclear
    assert score[labels.index("concede")] == de_escalation
