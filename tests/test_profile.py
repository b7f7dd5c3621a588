"""Behaviour-profile functions: reach, node values, expected payoffs, against pygambit and brute force."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import contrib_games
from hypothesis import given, settings
from hypothesis import strategies as st

from brink.games import Game, GameError, NodeKind, TreeBuilder
from brink.solvers.profile import (
    edge_probabilities,
    expected_payoffs,
    node_values,
    reach_probabilities,
    with_chance,
)

gbt = pytest.importorskip("pygambit")
from gambit_bridge import read_blank_labels  # noqa: E402


def random_profile(game: Game, rng: np.random.Generator, samples: int | None) -> np.ndarray:
    """A random fully mixed (sometimes pure-ish) behaviour profile, chance sets left at 0."""
    n = int(game.infoset_action_ptr[-1])
    shape = (samples, n) if samples else (n,)
    raw = rng.exponential(size=shape) * (rng.random(size=shape) < 0.8)
    raw = raw + 1e-3
    ptr = game.infoset_action_ptr
    sums = np.add.reduceat(raw, ptr[:-1], axis=-1)
    sizes = np.diff(ptr)
    prof = raw / np.repeat(sums, sizes, axis=-1)
    chance = np.repeat(game.infoset_player < 0, sizes)
    prof[..., chance] = 0.0
    return prof


# ------------------------------------------------------------------ pygambit

GAMES = contrib_games()


@pytest.mark.parametrize("path", GAMES, ids=lambda p: p.name)
def test_reach_and_values_match_pygambit(path: Path, tmp_path: Path) -> None:
    from brink.efg import read_efg

    game = read_efg(path)
    ggame = read_blank_labels(path, tmp_path)
    rng = np.random.default_rng(len(path.name))
    prof = random_profile(game, rng, None)
    gprof = ggame.mixed_behavior_profile(rational=False)
    ptr = game.infoset_action_ptr
    for p, player in enumerate(ggame.players):
        for h, infoset in zip(game.player_infosets(p), player.infosets, strict=True):
            gprof[infoset] = prof[ptr[h] : ptr[h + 1]].tolist()
    reach = reach_probabilities(game, prof)
    values = node_values(game, prof)
    pay = expected_payoffs(game, prof)
    gnodes = list(ggame.nodes)
    assert len(gnodes) == game.n_nodes
    scale = max(game.payoff_range, 1.0)
    for v, node in enumerate(gnodes):
        assert reach[v] == pytest.approx(float(gprof.realiz_prob(node)), abs=1e-12)
    # pygambit's node value counts payoffs from the node's own outcome down; brink's adds
    # the payoffs collected above the node (so that every node reads as a total payoff)
    above = np.zeros((game.n_nodes, game.n_players))
    above[1:] = game.node_payoffs()[game.parent[1:]]
    for p, player in enumerate(ggame.players):
        assert pay[p] == pytest.approx(float(gprof.payoff(player)), abs=1e-10 * scale)
        for v, node in enumerate(gnodes):
            got = float(gprof.node_value(player, node)) + above[v, p]
            assert values[v, p] == pytest.approx(got, abs=1e-10 * scale), (v, p)


# ------------------------------------------------------------ random games


def random_game(seed: int, samples: int | None, probs_sampled: bool) -> Game:
    """A random tree with chance moves, outcomes on inner nodes and some shared sets."""
    rng = np.random.default_rng(seed)
    b = TreeBuilder(f"random {seed}", ["A", "B"])
    frontier = [(b.root, 0)]
    n = 1
    while frontier:
        node, d = frontier.pop()
        shape = (samples, 2) if samples else (2,)
        if d >= 4 or n > 50 or rng.random() < 0.2:
            b.outcome(node, rng.normal(size=shape))
            continue
        if rng.random() < 0.3:
            k = int(rng.integers(1, 4))
            pr = rng.dirichlet(np.ones(k), size=samples if probs_sampled and samples else None)
            kids = b.move(node, None, [f"c{i}" for i in range(k)], probs=pr)
        else:
            player = int(rng.integers(2))
            shared = rng.random() < 0.3
            key = ("shared", player, d) if shared else None
            kids = b.move(node, player, ["x", "y"], infoset=key)
        if rng.random() < 0.2:
            b.outcome(node, rng.normal(size=shape))
        n += len(kids)
        frontier.extend((c, d + 1) for c in kids)
    return b.build()


def brute_force_values(game: Game, prof: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Recursive reach and continuation values of one sample (no sample dimension)."""
    acc = game.node_payoffs()
    reach = np.zeros(game.n_nodes)
    values = np.zeros((game.n_nodes, game.n_players))
    ptr = game.infoset_action_ptr

    def visit(v: int, r: float) -> np.ndarray:
        reach[v] = r
        lo, hi = game.child_ptr[v], game.child_ptr[v + 1]
        if lo == hi:
            values[v] = acc[v]
            return values[v]
        h = int(game.infoset[v])
        chance = game.kind[v] == NodeKind.CHANCE
        q = game.chance_probs[lo:hi] if chance else prof[ptr[h] : ptr[h + 1]]
        total = np.zeros(game.n_players)
        for a, c in enumerate(game.children[lo:hi]):
            total = total + q[a] * visit(int(c), r * q[a])
        values[v] = total
        return total

    visit(0, 1.0)
    return reach, values


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    samples=st.one_of(st.none(), st.integers(1, 6)),
    probs_sampled=st.booleans(),
    profile_sampled=st.booleans(),
)
def test_profile_functions_equal_brute_force(
    seed: int, samples: int | None, probs_sampled: bool, profile_sampled: bool
) -> None:
    game = random_game(seed, samples, probs_sampled)
    rng = np.random.default_rng(seed)
    prof = random_profile(game, rng, samples if profile_sampled else None)
    reach = reach_probabilities(game, prof)
    values = node_values(game, prof)
    pay = expected_payoffs(game, prof)
    # reach over terminals sums to one; the root value is the expected payoff
    np.testing.assert_allclose(reach[..., game.terminals].sum(axis=-1), 1.0, atol=1e-12)
    np.testing.assert_allclose(values[..., 0, :], pay, rtol=1e-12, atol=1e-12)
    for k in range(samples or 1):
        one = game.sample(k) if samples else game
        p1 = prof[k] if prof.ndim == 2 else prof
        r_bf, v_bf = brute_force_values(one, p1)
        rk = reach[k] if reach.ndim == 2 else reach
        vk = values[k] if values.ndim == 3 else values
        np.testing.assert_allclose(rk, r_bf, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(vk, v_bf, rtol=1e-10, atol=1e-12)


def test_with_chance_fills_natures_probabilities() -> None:
    b = TreeBuilder("chance", ["A"])
    q = np.array([[0.2, 0.8], [0.6, 0.4], [1.0, 0.0]])
    left, right = b.move(b.root, None, ["l", "r"], probs=q)
    x, y = b.move(left, "A", ["x", "y"])
    for node, pay in ((x, 1.0), (y, 3.0), (right, 2.0)):
        b.outcome(node, [pay])
    game = b.build()
    prof = np.zeros(game.infoset_action_ptr[-1])
    prof[game.infoset_action_ptr[0]] = 1.0  # A plays x
    full = with_chance(game, prof)
    assert full.shape == (3, 4)
    chance = int(np.flatnonzero(game.infoset_player < 0)[0])
    ptr = game.infoset_action_ptr
    np.testing.assert_array_equal(full[:, ptr[chance] : ptr[chance + 1]], q)
    np.testing.assert_array_equal(full[:, ptr[0] : ptr[1]], [[1.0, 0.0]] * 3)
    # A plays x: payoff 0.2 * 1 + 0.8 * 2 etc.
    np.testing.assert_allclose(expected_payoffs(game, prof)[:, 0], q[:, 0] * 1 + q[:, 1] * 2)
    # nature's entries in the profile are ignored: the game's probabilities rule
    np.testing.assert_array_equal(edge_probabilities(game, full), edge_probabilities(game, prof))


def test_bad_profile_shape_is_refused() -> None:
    game = random_game(1, None, False)
    with pytest.raises(GameError, match="behaviour profile"):
        reach_probabilities(game, np.zeros(int(game.infoset_action_ptr[-1]) + 1))
