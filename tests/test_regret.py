"""brink's own regret against pygambit's ``max_regret()`` and against hand computation."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import CONTRIB
from gambit_bridge import read_unique_labels
from test_qre import bluffing_game

from brink.efg import read_efg
from brink.games import GameError, TreeBuilder
from brink.solvers.regret import max_regret, player_regrets

GAMES = [
    "bhg1.efg", "bcp3.efg", "cent2.efg", "coord2ts.efg", "e08.efg", "holdout7.efg",
    "montyhal.efg", "palf.efg", "sww3.efg", "work3.efg", "caro2.efg", "2s2x2x2.efg",
    "condjury.efg", "g3.efg", "my_2-8.efg", "bayes2a.efg",
]  # fmt: skip


def random_profile(game_path: str, rng: np.random.Generator, samples: int) -> np.ndarray:
    game = read_efg(CONTRIB / game_path)
    ptr = game.infoset_action_ptr
    raw = rng.exponential(size=(samples, int(ptr[-1]))) ** 3  # often near-pure
    sums = np.add.reduceat(raw, ptr[:-1], axis=1)
    return np.asarray(raw / np.repeat(sums, np.diff(ptr), axis=1))


@pytest.mark.shared
@pytest.mark.parametrize("name", GAMES)
def test_max_regret_matches_gambit(name: str) -> None:
    game = read_efg(CONTRIB / name)
    ggame = read_unique_labels(CONTRIB / name)
    rng = np.random.default_rng(11)
    profiles = random_profile(name, rng, 5)
    ours = max_regret(game, profiles)
    assert ours.shape == (5,)
    ptr = game.infoset_action_ptr
    for k in range(5):
        behavior = [
            [profiles[k, ptr[h] : ptr[h + 1]].tolist() for h in game.player_infosets(p)]
            for p in range(game.n_players)
        ]
        theirs = ggame.mixed_behavior_profile(data=behavior).max_regret()
        assert ours[k] == pytest.approx(theirs, abs=1e-9 * game.payoff_range)


def test_player_regrets_by_hand() -> None:
    """One-card poker (Myerson 1991): regrets at two profiles computed on paper.

    Player 1 always raises, player 2 always calls.  Player 1 gets (2 - 2)/2 = 0; folding
    the low card gives -1 instead of -2, so her best response earns (2 - 1)/2 = 0.5:
    regret 0.5.  Player 2 gets 0; passing earns -1: regret 0.  At the equilibrium
    (bluff 1/3, call 2/3) both regrets vanish.
    """
    game = bluffing_game(0.5, 1.0, 1.0)
    ptr = game.infoset_action_ptr
    p1 = [int(h) for h in game.player_infosets(0)]
    p2 = int(game.player_infosets(1)[0])
    prof = np.zeros(int(ptr[-1]))
    prof[ptr[p1[0]] + 1] = prof[ptr[p1[1]] + 1] = 1.0
    prof[ptr[p2]] = 1.0
    np.testing.assert_allclose(player_regrets(game, prof), [0.5, 0.0], atol=1e-12)
    eq = np.zeros(int(ptr[-1]))
    eq[ptr[p1[0]] + 1] = 1.0
    eq[ptr[p1[1]] : ptr[p1[1]] + 2] = [2 / 3, 1 / 3]
    eq[ptr[p2] : ptr[p2] + 2] = [2 / 3, 1 / 3]
    np.testing.assert_allclose(player_regrets(game, eq), [0.0, 0.0], atol=1e-12)
    both = max_regret(game, np.stack([prof, eq]))
    np.testing.assert_allclose(both, [0.5, 0.0], atol=1e-12)


def test_regret_needs_coordinated_deviation() -> None:
    """Nash regret exceeds agent regret when a player must change two sets at once.

    The player moves twice in a row (a then b); payoff 1 only for (right, right).  At
    (left, left) no single set gains (agent regret 0), but switching both earns 1.
    """
    b = TreeBuilder("two-step", ["P", "Q"])
    left, right = b.move(b.root, "P", ["left", "right"])
    b.outcome(left, [0.0, 0.0])
    l2, r2 = b.move(right, "P", ["left", "right"])
    b.outcome(l2, [0.0, 0.0])
    b.outcome(r2, [1.0, 0.0])
    game = b.build()
    prof = np.array([1.0, 0.0, 1.0, 0.0])
    np.testing.assert_allclose(player_regrets(game, prof), [1.0, 0.0])


@pytest.mark.shared
def test_imperfect_recall_is_refused() -> None:
    game = read_efg(CONTRIB / "myerson.efg")
    with pytest.raises(GameError, match="perfect recall"):
        max_regret(game, np.full(int(game.infoset_action_ptr[-1]), 0.5))


@pytest.mark.shared
def test_sampled_payoffs_regret_per_sample() -> None:
    """Regrets over sampled payoffs equal the regrets of each sample solved on its own, and
    sample counts that do not broadcast are refused."""
    game = read_efg(CONTRIB / "bhg1.efg")
    rng = np.random.default_rng(5)
    pay = rng.normal(size=(4, game.n_outcomes, game.n_players))
    sampled = game.with_samples(outcome_payoffs=pay)
    prof = random_profile("bhg1.efg", rng, 1)[0]
    together = player_regrets(sampled, prof)
    assert together.shape == (4, game.n_players)
    for s in range(4):
        alone = player_regrets(game.with_samples(outcome_payoffs=pay[s]), prof)
        np.testing.assert_array_equal(together[s], alone)
    with pytest.raises(GameError, match="samples do not match"):
        player_regrets(sampled, random_profile("bhg1.efg", rng, 3))
