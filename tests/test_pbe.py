"""The "pbe" solver: agent logit QRE by fixed-point iteration, and its limit.

Checked against pygambit's ``qre.logit_solve_lambda`` (the principal branch, Turocy 2005)
at fixed lambdas, against the logit equations directly, against brink's regret tests at the
limit (the certificate), against pygambit's own regret of pbe's profile, and against the
homotopy solver ``qre`` where both reach the same limit.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pygambit as gbt
import pytest
from conftest import CONTRIB, ROOT
from gambit_bridge import gambit_profile, read_blank_labels, read_unique_labels
from hypothesis import given, settings
from hypothesis import strategies as st

from brink.efg import parse_efg, read_efg, write_efg
from brink.errors import InputError
from brink.games import Game, GameError, TreeBuilder
from brink.solvers import solve
from brink.solvers.pbe import CHUNK, QRE_FALLBACK_ACTIONS, REGRET_TOL, solve_pbe
from brink.solvers.profile import node_values, reach_probabilities
from brink.solvers.qre import solve_qre
from brink.solvers.registry import SOLVERS, resolve
from brink.solvers.regret import max_regret, sequential_regrets

FIXTURE = ROOT / "tests" / "fixtures" / "pbe-cuba-two-rounds.yaml"

#: Contrib games with information sets on which the iteration settles at every lambda of
#: :data:`LAMBDAS` on the QRE pygambit finds (measured).  On the others some lambda is
#: flagged, or (coord2, sh3, sww3, w_ex1, w_ex2, 2x2x2, 2s2x2x2, bhg5, palf2) a QRE other
#: than Gambit's is reached where several coexist: its logit equations are then checked.
FIXED_LAMBDA_GAMES = [
    "2smp.efg", "artist2.efg", "badgame2.efg", "bayes1a.efg", "bcp2.efg", "bcp3.efg",
    "bhg1.efg", "bhg2.efg", "bhg3.efg", "bhg4.efg", "caro2.efg", "cent2.efg", "condjury.efg",
    "coord2ts.efg", "coord3.efg", "coord4.efg", "cs.efg", "e04.efg", "e05.efg", "e06.efg",
    "e07.efg", "e08.efg", "e13.efg", "e17.efg", "e18.efg", "g2.efg", "g3.efg", "holdout7.efg",
    "hs1.efg", "jury_mr.efg", "jury_un.efg", "km1.efg", "km2.efg", "km3.efg", "km6.efg",
    "montyhal.efg", "my_2-1.efg", "my_2-4.efg", "my_2-8.efg", "my_3-3a.efg", "my_3-3b.efg",
    "my_3-3c.efg", "my_3-3d.efg", "my_3-3e.efg", "palf.efg", "palf3.efg", "pvw.efg",
    "pvw2.efg", "sww2.efg", "tim.efg", "wilson1.efg", "work1.efg", "work2.efg", "work3.efg",
]  # fmt: skip
OTHER_QRE_GAMES = ["coord2.efg", "sh3.efg", "w_ex1.efg", "w_ex2.efg", "2x2x2.efg"]
LAMBDAS = [0.05, 0.5, 2.0, 10.0]
#: Contrib games with information sets where the iteration alone (``fallback=False``: the
#: types-known warm starts, then the path from the uniform profile) reaches a certified limit,
#: with qre's limit payoffs (measured).
LIMIT_GAMES = [
    "2smp.efg", "artist1.efg", "badgame2.efg", "bcp2.efg", "bcp3.efg", "bcp4.efg", "bhg1.efg",
    "bhg2.efg", "bhg3.efg", "bhg4.efg", "condjury.efg", "coord2.efg", "coord2ts.efg",
    "coord3.efg", "coord4.efg", "cs.efg", "e04.efg", "e05.efg", "e06.efg", "e07.efg", "e13.efg",
    "e17.efg", "holdout7.efg", "jury_mr.efg", "km1.efg", "km2.efg", "km3.efg", "km6.efg",
    "montyhal.efg", "my_2-1.efg", "my_3-3c.efg", "my_3-3e.efg", "palf.efg", "pvw.efg",
    "pvw2.efg", "sww2.efg", "tim.efg", "wilson1.efg", "work1.efg", "work2.efg", "work3.efg",
]  # fmt: skip
#: Contrib games where the iteration reaches a certified limit equilibrium other than qre's:
#: two equilibria with different payoffs, so the limit there is not unique (the warm start
#: selects by the types-known solution, qre by the principal branch).
OTHER_LIMIT_GAMES = [
    "2s2x2x2.efg", "2x2x2.efg", "artist2.efg", "bhg5.efg", "hs1.efg", "jury_un.efg",
    "my_2-4.efg", "my_3-3b.efg", "my_3-3d.efg", "my_3-4.efg", "sh3.efg", "sww3.efg", "vd.efg",
    "w_ex1.efg", "w_ex2.efg",
]  # fmt: skip
#: Contrib games whose limit no attempt of the iteration certifies (mixed equilibria, folds):
#: flagged uncertified; small enough for the homotopy of qre, which then solves them.
UNSETTLED_GAMES = [
    "4cards.efg", "bayes1a.efg", "bayes2a.efg", "caro2.efg", "cent2.efg", "cent3.efg",
    "e08.efg", "e16.efg", "e18.efg", "g1.efg", "g2.efg", "g3.efg", "my_2-8.efg",
    "my_3-3a.efg", "palf2.efg", "palf3.efg",
]  # fmt: skip


def flat(behavior: list[list[list[float]]]) -> np.ndarray:
    """Players, information sets by number, actions: pygambit's flat order."""
    return np.array([p for player in behavior for iset in player for p in iset])


def gambit_qre(ggame: Any, lams: list[float]) -> list[np.ndarray]:
    return [
        np.array([q[i] for i in range(len(q))])
        for q in gbt.qre.logit_solve_lambda(ggame, lam=lams, use_strategic=False)
    ]


def check_logit(game: Game, profile: np.ndarray, beliefs: np.ndarray, lam: float) -> None:
    """sigma_h = softmax(lam U_h), with beliefs and values computed independently."""
    reach = reach_probabilities(game, profile)
    values = node_values(game, profile)
    ptr = game.infoset_action_ptr
    for h in np.flatnonzero(game.infoset_player >= 0):
        members = game.infoset_nodes[int(h)]
        mu = reach[members] / reach[members].sum()
        np.testing.assert_allclose(beliefs[members], mu, atol=1e-9)
        k = int(ptr[h + 1] - ptr[h])
        kids = game.children[game.child_ptr[members][:, None] + np.arange(k)]
        u = mu @ values[kids, int(game.infoset_player[h])]
        logits = lam * u - np.max(lam * u)
        expect = np.exp(logits) / np.exp(logits).sum()
        np.testing.assert_allclose(profile[ptr[h] : ptr[h + 1]], expect, atol=1e-8)


def signalling_game() -> Game:
    """Nature draws a sender type (strong 0.6, weak 0.4); the sender, who knows it, picks
    beer or quiche; the receiver sees only the breakfast and fights or not (Cho & Kreps
    1987).  Two receiver sets of two nodes each: beliefs are Bayes' rule on the sender."""
    b = TreeBuilder("beer-quiche", ["Sender", "Receiver"])
    types = b.move(b.root, None, ["strong", "weak"], probs=[0.6, 0.4])
    for t, node in enumerate(types):
        meals = b.move(node, "Sender", ["beer", "quiche"], infoset=("S", t))
        for m, meal in enumerate(meals):
            fight, peace = b.move(meal, "Receiver", ["fight", "not"], infoset=("R", m))
            likes = 1.0 if (m == 0) == (t == 0) else 0.0
            b.outcome(fight, [likes, 1.0 if t == 1 else 0.0])
            b.outcome(peace, [likes + 2.0, 1.0 if t == 0 else 0.0])
    return b.build()


# ----------------------------------------------------------------------------- registry


def test_registered_with_lambda_and_information_sets_but_not_auto() -> None:
    entry = SOLVERS["pbe"]
    assert entry.information_sets and not entry.perfect_information_only
    assert entry.parameters == ("lam",) and entry.equilibrium
    assert resolve("auto", perfect_information=False).name == "qre"
    assert resolve("auto", perfect_information=True).name == "spe"
    sol = solve(signalling_game(), solver="pbe", lam=1.5)
    assert sol.solver == "pbe" and sol.lam == 1.5


def test_bad_input_is_refused() -> None:
    game = signalling_game()
    for bad in (-1.0, float("nan"), float("inf")):
        with pytest.raises(InputError, match="lambda"):
            solve_pbe(game, lam=bad)


@pytest.mark.shared
def test_imperfect_recall_is_refused() -> None:
    game = read_efg(CONTRIB / "myerson.efg")
    with pytest.raises(GameError, match="perfect recall"):
        solve_pbe(game)


# ----------------------------------------------------------------------- fixed lambda


def test_lambda_zero_is_uniform() -> None:
    game = signalling_game()
    sol = solve_pbe(game, lam=0.0)
    for player in sol.behavior():
        for probs in player:
            np.testing.assert_allclose(probs, 1 / len(probs))
    assert float(sol.max_regret) == pytest.approx(float(max_regret(game, sol.profile)), abs=1e-12)
    assert float(sol.max_regret) > 0.1 and bool(sol.info["certified"])


@pytest.mark.parametrize("lam", [0.1, 1.0, 4.0, 25.0])
def test_signalling_game_satisfies_logit_equations(lam: float) -> None:
    game = signalling_game()
    sol = solve_pbe(game, lam=lam, fallback=False)
    assert not bool(sol.info["failed"]) and bool(sol.info["iterated"])
    check_logit(game, sol.profile, sol.beliefs, lam)
    np.testing.assert_allclose(sol.node_values, node_values(game, sol.profile), atol=1e-12)
    np.testing.assert_allclose(sol.payoffs, sol.node_values[0], atol=0)


#: pygambit takes seconds on these
SLOW_GAMBIT = {"artist2.efg", "cs.efg"}


@pytest.mark.shared
@pytest.mark.parametrize(
    "name",
    [
        pytest.param(n, marks=pytest.mark.slow) if n in SLOW_GAMBIT else n
        for n in FIXED_LAMBDA_GAMES
    ],
)
def test_fixed_lambda_matches_gambit(name: str) -> None:
    """Same lambda convention and the same QRE as pygambit's logit_solve_lambda.

    Tolerance 1e-7 on every probability: pbe stops when no probability moves more than
    1e-11 in an undamped step; Gambit's corrector is the looser of the two.
    """
    game = read_efg(CONTRIB / name)
    theirs = gambit_qre(read_unique_labels(CONTRIB / name), LAMBDAS)
    for lam, expect in zip(LAMBDAS, theirs, strict=True):
        sol = solve_pbe(game, lam=lam, fallback=False)
        assert not bool(sol.info["failed"]), (name, lam)
        assert np.abs(flat(sol.behavior()) - expect).max() <= 1e-7, (name, lam)
        check_logit(game, sol.profile, sol.beliefs, lam)


@pytest.mark.shared
@pytest.mark.parametrize("name", OTHER_QRE_GAMES)
def test_where_several_qre_coexist_another_one_solves_the_logit_equations(name: str) -> None:
    """Where pbe's QRE differs from Gambit's at some lambda, it is still a logit QRE at
    that lambda (the equations hold; several QRE coexist there)."""
    game = read_efg(CONTRIB / name)
    for lam in LAMBDAS:
        sol = solve_pbe(game, lam=lam, fallback=False)
        if not bool(sol.info["failed"]):
            check_logit(game, sol.profile, sol.beliefs, lam)


def test_payoffs_scale_like_lambda() -> None:
    """Doubling every payoff is the same as doubling lambda (Gambit's convention)."""
    game = signalling_game()
    doubled = game.with_samples(outcome_payoffs=2 * game.outcome_payoffs)
    a = solve_pbe(game, lam=3.0).profile
    np.testing.assert_allclose(solve_pbe(doubled, lam=1.5).profile, a, atol=1e-10)
    assert np.abs(solve_pbe(game, lam=1.5).profile - a).max() > 1e-2


# ----------------------------------------------------------------------------- limit


@pytest.mark.shared
@pytest.mark.parametrize("name", LIMIT_GAMES)
def test_limit_is_sequentially_rational_and_equals_qre(name: str) -> None:
    """The iteration alone reaches the limit: max and sequential regret within 1e-8 of
    the payoff range (qre's stopping test), beliefs by Bayes' rule, and the limit payoffs
    equal those of qre's limit within 1e-6 of the payoff range (the two stop at different
    lambdas, each within 1e-8 regret of the same equilibrium)."""
    game = read_efg(CONTRIB / name)
    sol = solve_pbe(game, fallback=False)
    scale = game.payoff_range
    assert bool(sol.info["iterated"]) and not bool(sol.info["failed"])
    assert np.isinf(sol.lam)
    assert float(max_regret(game, sol.profile)) <= 1e-8 * scale * 1.0001
    assert float(sol.max_regret) == pytest.approx(
        float(max_regret(game, sol.profile)), abs=1e-12 * scale
    )
    assert float(np.max(sequential_regrets(game, sol.profile))) <= 1e-8 * scale * 1.0001
    reach = reach_probabilities(game, sol.profile)
    for h in np.flatnonzero(game.infoset_player >= 0):
        members = game.infoset_nodes[int(h)]
        if reach[members].sum() > 1e-200:
            np.testing.assert_allclose(
                sol.beliefs[members], reach[members] / reach[members].sum(), atol=1e-9
            )
    qre = solve_qre(game)
    np.testing.assert_allclose(sol.payoffs, qre.payoffs, rtol=0, atol=1e-6 * scale)


@pytest.mark.shared
@pytest.mark.parametrize("name", OTHER_LIMIT_GAMES)
def test_where_the_limit_is_not_unique_another_equilibrium_is_reached(name: str) -> None:
    """pbe's limit and qre's are both sequentially rational equilibria (regret within 1e-8
    of the range) with payoffs that differ: the limit equilibrium is not unique here, and
    the two paths select different ones."""
    game = read_efg(CONTRIB / name)
    scale = game.payoff_range
    sol, qre = solve_pbe(game, fallback=False), solve_qre(game)
    assert bool(sol.info["iterated"]) and not bool(qre.info["failed"])
    for profile in (sol.profile, qre.profile):
        assert float(max_regret(game, profile)) <= 1e-8 * scale * 1.0001
    assert float(np.max(sequential_regrets(game, sol.profile))) <= 1e-8 * scale * 1.0001
    assert np.abs(sol.payoffs - qre.payoffs).max() > 1e-3 * scale


@pytest.mark.shared
@pytest.mark.parametrize("name", UNSETTLED_GAMES)
def test_unsettled_samples_are_flagged_then_traced(name: str) -> None:
    """Where no attempt of the iteration is certified, the sample is flagged uncertified
    (never dropped: it keeps a profile, and its regrets say why); by default a game this
    small then goes to the homotopy of qre, and the flags say so."""
    game = read_efg(CONTRIB / name)
    assert int(game.infoset_action_ptr[-1]) <= QRE_FALLBACK_ACTIONS
    scale = game.payoff_range
    alone = solve_pbe(game, fallback=False)
    assert bool(alone.info["failed"]) and not bool(alone.info["certified"])
    assert alone.info["uncertified"] == 1 and alone.info["bound"] == REGRET_TOL
    sums = np.add.reduceat(alone.profile, game.infoset_action_ptr[:-1])
    np.testing.assert_allclose(sums, 1.0, atol=1e-12)
    worst = max(
        float(max_regret(game, alone.profile)),
        float(np.max(sequential_regrets(game, alone.profile))),
    )
    assert worst > REGRET_TOL * scale
    traced = solve_pbe(game)
    assert bool(traced.info["fallback"]) and not bool(traced.info["failed"])
    assert traced.info["uncertified"] == 0
    assert float(max_regret(game, traced.profile)) <= 1e-8 * scale * 1.0001
    np.testing.assert_allclose(traced.profile, solve_qre(game).profile, atol=1e-12)


def test_perfect_information_limit_is_backward_induction() -> None:
    """In a game of perfect information the limit is the SPE (a strict one here)."""
    b = TreeBuilder("entry", ["Entrant", "Incumbent"])
    stay, enter = b.move(b.root, "Entrant", ["out", "in"])
    b.outcome(stay, [0.0, 2.0])
    fight, share = b.move(enter, "Incumbent", ["fight", "share"])
    b.outcome(fight, [-1.0, -1.0])
    b.outcome(share, [1.0, 1.0])
    sol = solve_pbe(b.build(), fallback=False)
    assert bool(sol.info["iterated"])
    np.testing.assert_allclose(flat(sol.behavior()), [0, 1, 0, 1], atol=1e-8)
    np.testing.assert_allclose(sol.payoffs, [1.0, 1.0], atol=1e-8)


# ------------------------------------------------------------------ escalation games


def escalation_game(samples: int) -> Game:
    """The information-set game of a two-round variant of the Cuba scenario."""
    templates = pytest.importorskip("brink.templates")
    from brink.scenario import load_scenario

    try:
        template = templates.get_template("escalation")
    except Exception as err:  # the template is not there in this checkout
        pytest.skip(f"escalation template unavailable: {err}")
    sc = load_scenario(FIXTURE)
    params = sc.parameters.draw(0, 0, samples)
    game: Game = template.build(sc, params, information="imperfect")
    return game


@pytest.mark.slow
def test_escalation_fixed_lambda_matches_gambit(tmp_path: Path) -> None:
    """Exported samples of the escalation game: pbe on the exported numbers equals
    pygambit's logit_solve_lambda on the same file (tolerance 1e-7)."""
    game = escalation_game(2)
    for k in range(2):
        text = write_efg(game, sample=k)
        path = tmp_path / f"escalation-{k}.efg"
        path.write_text(text)
        exported = parse_efg(text)
        scale = exported.payoff_range
        lams = [x / scale for x in (1.0, 10.0, 100.0)]
        theirs = gambit_qre(read_blank_labels(path, tmp_path), lams)
        for lam, expect in zip(lams, theirs, strict=True):
            sol = solve_pbe(exported, lam=lam, fallback=False)
            assert not bool(sol.info["failed"])
            assert np.abs(flat(sol.behavior()) - expect).max() <= 1e-7, (k, lam)


@pytest.mark.slow
def test_escalation_limit_vectorised_and_certified() -> None:
    """More samples than lanes: every sample is certified (both regrets of its profile,
    recomputed here by brink.solvers.regret, within the bound) or counted uncertified,
    none is dropped, and a sample's answer does not depend on the others in its call."""
    samples = CHUNK + 4
    game = escalation_game(samples)
    sol = solve_pbe(game)
    certified = np.asarray(sol.info["certified"])
    assert certified.shape == (samples,) and sol.profile.shape[0] == samples
    assert sol.info["uncertified"] == int(np.sum(~certified))
    scale = np.ptp(game.terminal_payoffs(), axis=(1, 2))
    assert certified.any()
    bound = sol.info["bound"] * scale * (1 + 1e-9)
    assert np.all(max_regret(game, sol.profile)[certified] <= bound[certified])
    seq = np.max(sequential_regrets(game, sol.profile), axis=1)
    assert np.all(seq[certified] <= bound[certified])
    for k in (0, samples - 1):
        alone = solve_pbe(game.sample(k))
        np.testing.assert_allclose(alone.profile, sol.profile[k], atol=1e-13)


# ------------------------------------------------------- certificates, bundled scenarios


def bundled_game(name: str, samples: int) -> Game:
    """The information-set game of a bundled escalation scenario (or a scenario file)."""
    from brink.scenario import load_scenario
    from brink.templates import get_template

    sc = load_scenario(name)
    params = sc.parameters.draw(0, 0, samples)
    game: Game = get_template("escalation").build(sc, params, information="imperfect")
    return game


def assert_certificates(game: Game, sol: Any) -> np.ndarray:
    """Every certified sample's max and sequential regret, recomputed from its profile by
    brink.solvers.regret, are within the bound times its payoff range; the uncertified are
    counted, and every sample keeps a profile.  Returns the certified mask."""
    certified = np.atleast_1d(np.asarray(sol.info["certified"], dtype=bool))
    profile = np.atleast_2d(sol.profile)
    assert profile.shape[0] == certified.size and np.isfinite(profile).all()
    assert sol.info["uncertified"] == int(np.sum(~certified))
    np.testing.assert_array_equal(np.atleast_1d(sol.info["failed"]), ~certified)
    span = np.ptp(game.terminal_payoffs().reshape(certified.size, -1), axis=1)
    bound = sol.info["bound"] * span * (1 + 1e-9) + 1e-300
    nash = np.atleast_1d(max_regret(game, sol.profile))
    seq = np.atleast_2d(sequential_regrets(game, sol.profile)).max(axis=1)
    assert np.all(nash[certified] <= bound[certified]), nash[certified] / bound[certified]
    assert np.all(seq[certified] <= bound[certified]), seq[certified] / bound[certified]
    reported = np.atleast_1d(sol.info["sequential_scaled"]) * span
    np.testing.assert_allclose(
        reported[certified], seq[certified], rtol=0, atol=1e-3 * float(bound.max())
    )
    return certified


def escalation_scenarios() -> list[str]:
    """Every bundled scenario of the ``escalation`` template (private resolve on both sides),
    read off the files' ``template:`` lines (cheap at collection)."""
    import brink.scenario

    folder = Path(brink.scenario.__file__).parent / "bundled"
    return sorted(
        path.stem
        for path in folder.glob("*.yaml")
        if "\ntemplate: escalation\n" in "\n" + path.read_text(encoding="utf-8")
    )


@pytest.mark.slow
@pytest.mark.parametrize("name", [*escalation_scenarios(), str(FIXTURE)])
def test_bundled_escalation_scenarios_certified_samples_pass_the_regret_check(name: str) -> None:
    """On every bundled escalation scenario (private resolve on both sides), every certified
    sample passes brink's sequential regret check and its max regret check, at the bound
    the solution states; the uncertified are counted, not dropped.  Which draws stay
    uncertified is not pinned (it moves with the game: 31 of 200 ``ukraine-2022`` draws
    under issue 22's war costs, mixed or near-tied limits behind a fold of the logit
    branch, docs/solvers-pbe.md); most are certified."""
    samples = 4
    game = bundled_game(name, samples)
    sol = solve(game, solver="pbe")
    certified = assert_certificates(game, sol)
    assert certified.sum() >= samples // 2, np.flatnonzero(~certified)
    assert np.isinf(sol.lam) and sol.info["bound"] == REGRET_TOL


@pytest.mark.slow
def test_an_uncertified_draw_is_behind_a_fold_of_the_logit_branch() -> None:
    """What leaves a ``ukraine-2022`` draw uncertified (draw 2 of seed 0, measured): the
    agent QRE is solved on its path up to lambda * range = 4,000, where the max regret has
    fallen to about 3e-6 and the sequential regret to 7e-5 of the range (decreasing: the
    draw is not ill-posed), but its actions there are near-tied (gaps of about 4e-4 of the
    range), so the 1e-8 bound needs lambda * range of about 2.4e4; the fixed-point path
    to 2e4 stops below 5,000 (its step shrinks to nothing: a fold of the branch, which
    only arc-length continuation, qre's homotopy, passes), and the types-known warm starts
    at 1e3..1e6 cycle.  pbe reports the draw uncertified with its true regrets."""
    game = bundled_game("ukraine-2022", 4).sample(2)
    scale = game.payoff_range
    sol = solve_pbe(game)
    assert not bool(sol.info["certified"]) and sol.info["uncertified"] == 1
    seq = float(np.max(sequential_regrets(game, sol.profile)))
    np.testing.assert_allclose(float(sol.info["sequential_scaled"]) * scale, seq, rtol=1e-6)
    assert seq > REGRET_TOL * scale
    regrets = []
    for lam in (1000.0, 2000.0, 4000.0):
        qre = solve_pbe(game, lam=lam / scale, fallback=False)
        assert bool(qre.info["certified"]), lam  # the fixed lambda is reached
        regrets.append(float(np.max(sequential_regrets(game, qre.profile))) / scale)
    assert regrets[0] > regrets[1] > regrets[2] > 100 * REGRET_TOL
    stalled = solve_pbe(game, lam=2e4 / scale, fallback=False)
    assert bool(stalled.info["failed"])
    assert 4000.0 <= float(stalled.info["lam"]) * scale < 5000.0


def beer_quiche_efg(tmp_path: Path) -> tuple[Game, Any]:
    game = signalling_game()
    path = tmp_path / "beer-quiche.efg"
    path.write_text(write_efg(game))
    return parse_efg(path.read_text()), read_blank_labels(path, tmp_path)


@pytest.mark.shared
@pytest.mark.parametrize("name", ["beer-quiche", "montyhal.efg", "w_ex2.efg"])
def test_small_games_with_information_sets_agree_with_pygambit(name: str, tmp_path: Path) -> None:
    """Small games with information sets: pygambit's own max_regret of pbe's certified
    limit is within the bound, and the limit equals pygambit's logit equilibrium (on
    ``w_ex2``, where brink's qre selects another equilibrium than pbe, only the regret is
    required)."""
    if name == "beer-quiche":
        game, ggame = beer_quiche_efg(tmp_path)
    else:
        game, ggame = read_efg(CONTRIB / name), read_unique_labels(CONTRIB / name)
    sol = solve_pbe(game)
    assert bool(sol.info["certified"])
    scale = game.payoff_range
    theirs = gbt.nash.logit_solve(ggame, use_strategic=False).equilibria[0]
    expect = np.array([float(theirs[a]) for a in ggame.actions])
    ours = flat(sol.behavior())
    regret = float(gambit_profile(ggame, sol).max_regret())
    assert regret <= REGRET_TOL * scale * 1.0001
    if name != "w_ex2.efg":  # there the two could be different equilibria (qre's is)
        np.testing.assert_allclose(ours, expect, atol=1e-5)


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.integers(-4, 4), min_size=16, max_size=16),
    st.floats(0.05, 0.95),
)
def test_signalling_games_every_sample_certified_or_counted(pay: list[int], prior: float) -> None:
    """Random payoffs on the beer-quiche tree, several samples at once: every certified
    sample passes the regret checks (recomputed), the rest are counted, none is dropped."""
    base = signalling_game()
    rng = np.random.default_rng([p + 4 for p in pay])
    samples = 5
    payoffs = np.asarray(pay, dtype=float).reshape(8, 2)
    stacked = np.stack([payoffs + rng.integers(-2, 3, size=payoffs.shape) for _ in range(samples)])
    probs = np.broadcast_to(base.chance_probs, (samples, base.chance_probs.size)).copy()
    root = base.child_ptr[0]
    probs[:, root], probs[:, root + 1] = prior, 1 - prior
    game = base.with_samples(outcome_payoffs=stacked, chance_probs=probs)
    sol = solve_pbe(game, fallback=False)
    assert_certificates(game, sol)


def test_uncertified_samples_fail_in_the_model_with_the_bound(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A model's samples that pbe does not certify are failed (NaN, counted, never dropped)
    and the evaluation says why, with the bound; a run's JSON carries that reason."""
    import functools

    import brink.solvers.pbe as pbe
    from brink.model import CrisisModel
    from brink.runs.montecarlo import RunResult
    from brink.scenario import load_scenario

    starved = functools.partial(pbe.solve_pbe, max_iterations=2, fallback=False, warm_start=False)
    monkeypatch.setattr(pbe, "solve_pbe", starved)
    model = CrisisModel(load_scenario(FIXTURE), solver="pbe")
    ev = model.evaluate(model.draw(0, 0, 3))
    assert ev.failed.all() and ev.n == 3
    assert all(np.isnan(v).all() for v in ev.metrics.values())
    assert "uncertified by the pbe solver" in ev.failure and f"{REGRET_TOL:g}" in ev.failure
    out = RunResult("x", 3, 0, "pbe", failed=3, failure=ev.failure).to_json()
    assert out["failed"] == 3 and out["failure"] == ev.failure
