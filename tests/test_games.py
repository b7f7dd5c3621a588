"""The array representation of games: construction, validation, derived structure."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from brink.games import CHANCE, Game, GameError, NodeKind, TreeBuilder


@pytest.fixture
def entry_game() -> Game:
    """Selten's entry game: the incumbent's threat to fight is not credible."""
    b = TreeBuilder("entry", ["Entrant", "Incumbent"])
    out, enter = b.move(b.root, "Entrant", ["out", "in"])
    b.outcome(out, [0, 2])
    fight, share = b.move(enter, "Incumbent", ["fight", "share"])
    b.outcome(fight, [-1, -1])
    b.outcome(share, [1, 1])
    return b.build()


@pytest.fixture
def signalling_game() -> Game:
    """Nature picks a type; the sender knows it, the receiver only sees the message."""
    b = TreeBuilder("signal", ["Sender", "Receiver"])
    strong, weak = b.move(b.root, None, ["strong", "weak"], probs=[0.25, 0.75])
    for node, t in ((strong, "s"), (weak, "w")):
        beer, quiche = b.move(node, "Sender", ["beer", "quiche"], infoset=t)
        for msg, m in ((beer, "beer"), (quiche, "quiche")):
            fight, back = b.move(msg, "Receiver", ["fight", "back"], infoset=m)
            b.outcome(fight, [0, 1 if t == "w" else -1])
            b.outcome(back, [2, 0])
    return b.build()


def test_builder_lays_out_preorder(entry_game: Game) -> None:
    assert entry_game.n_nodes == 5
    assert list(entry_game.parent) == [-1, 0, 0, 2, 2]
    assert list(entry_game.kind) == [1, 0, 1, 0, 0]
    assert entry_game.is_perfect_information
    assert entry_game.has_perfect_recall
    assert [entry_game.action_label(0, a) for a in range(2)] == ["out", "in"]
    assert list(entry_game.terminals) == [1, 3, 4]


def test_information_sets_and_numbers(signalling_game: Game) -> None:
    g = signalling_game
    assert not g.is_perfect_information
    assert g.has_perfect_recall
    receiver_sets = g.player_infosets(1)
    assert [len(g.infoset_nodes[h]) for h in receiver_sets] == [2, 2]
    assert list(g.infoset_number[receiver_sets]) == [1, 2]
    chance = np.flatnonzero(g.infoset_player == CHANCE)
    assert len(chance) == 1
    probs = g.chance_probs[g.child_ptr[0] : g.child_ptr[1]]
    assert probs.tolist() == [0.25, 0.75]


def test_payoffs_accumulate_along_the_path() -> None:
    b = TreeBuilder("toll", ["A", "B"])
    left, right = b.move(b.root, "A", ["l", "r"])
    b.outcome(b.root, [10, 20])  # an outcome on a non-terminal node, as Gambit allows
    b.outcome(left, [1, 2])
    b.outcome(right, [3, 4])
    g = b.build()
    assert g.terminal_payoffs().tolist() == [[11, 22], [13, 24]]
    assert g.payoff_range == 24 - 11


def test_sample_dimension_broadcasts_and_selects() -> None:
    b = TreeBuilder("s", ["A"])
    x, y = b.move(b.root, None, ["x", "y"], probs=[[0.5, 0.5], [0.1, 0.9], [1.0, 0.0]])
    b.outcome(x, [[1], [2], [3]])
    b.outcome(y, [5])
    g = b.build()
    assert g.samples == 3
    assert g.outcome_payoffs.shape == (3, 2, 1)
    one = g.sample(1)
    assert one.samples is None
    assert one.terminal_payoffs()[:, 0].tolist() == [2, 5]
    assert one.chance_probs.tolist() == [0.1, 0.9]


def test_perfect_recall_violation_is_named() -> None:
    """Absent-minded driver style: player forgets its own earlier move."""
    b = TreeBuilder("forgetful", ["A"])
    left, right = b.move(b.root, "A", ["l", "r"])
    for node in (left, right):
        u, d = b.move(node, "A", ["u", "d"], infoset="later")
        b.outcome(u, [1])
        b.outcome(d, [0])
    g = b.build()
    assert not g.has_perfect_recall
    assert "different histories" in (g.perfect_recall_violation or "")


def test_root_only_game_has_no_information_sets() -> None:
    b = TreeBuilder("trivial", ["A"])
    b.outcome(b.root, [1.0])
    g = b.build()
    assert g.is_perfect_information
    assert g.infoset_nodes == ()


def test_validation_rejects_a_parent_after_its_child(entry_game: Game) -> None:
    parent = entry_game.parent.copy()
    parent[1] = 4  # 4 comes after 1: a cycle or a mis-ordered tree
    with pytest.raises(GameError):
        dataclasses.replace(entry_game, parent=parent)


@pytest.mark.parametrize(
    ("probs", "message"),
    [([0.5, 0.6], "sum to"), ([1.2, -0.2], r"\[0, 1\]"), ([np.nan, 1.0], r"\[0, 1\]")],
)
def test_validation_rejects_bad_chance_probabilities(probs: list[float], message: str) -> None:
    b = TreeBuilder("c", ["A"])
    kids = b.move(b.root, None, ["x", "y"], probs=[0.5, 0.5])
    for k in kids:
        b.outcome(k, [0])
    g = b.build()
    with pytest.raises(GameError, match=message):
        g.with_samples(chance_probs=np.array(probs))


def test_validation_rejects_undefined_outcome(entry_game: Game) -> None:
    outcome = entry_game.outcome.copy()
    outcome[1] = 99
    with pytest.raises(GameError, match="not defined"):
        dataclasses.replace(entry_game, outcome=outcome)


def test_builder_rejects_unknown_player_and_reused_infoset() -> None:
    b = TreeBuilder("x", ["A", "B"])
    with pytest.raises(GameError, match="unknown player"):
        b.move(b.root, "C", ["a"])
    left, right = b.move(b.root, "A", ["l", "r"])
    b.move(left, "B", ["u", "d"], infoset="h")
    with pytest.raises(GameError, match="reused"):
        b.move(right, "B", ["u", "d", "x"], infoset="h")


@st.composite
def random_trees(draw: st.DrawFn) -> Game:
    players = draw(st.integers(1, 3))
    samples = draw(st.sampled_from([None, 1, 4]))
    b = TreeBuilder("random", [f"P{i}" for i in range(players)])
    frontier = [b.root]
    budget = draw(st.integers(1, 12))
    while frontier and budget > 0:
        node = frontier.pop(draw(st.integers(0, len(frontier) - 1)))
        k = draw(st.integers(1, 3))
        if draw(st.booleans()):
            raw = np.asarray(draw(st.lists(st.floats(0.1, 1), min_size=k, max_size=k)))
            kids = b.move(node, None, [f"c{i}" for i in range(k)], probs=raw / raw.sum())
        else:
            kids = b.move(node, draw(st.integers(0, players - 1)), [f"a{i}" for i in range(k)])
        frontier.extend(kids)
        budget -= 1
    for leaf in frontier:
        shape = (players,) if samples is None else (samples, players)
        size = int(np.prod(shape))
        values = draw(st.lists(st.floats(-5, 5), min_size=size, max_size=size))
        b.outcome(leaf, np.asarray(values).reshape(shape))
    return b.build()


@settings(max_examples=60, deadline=None)
@given(random_trees())
def test_random_trees_are_consistent(game: Game) -> None:
    n = game.n_nodes
    # every non-root node is the child of exactly one edge, and its depth is its parent's plus one
    assert sorted(game.children.tolist()) == list(range(1, n))
    assert np.all(game.depth[1:] == game.depth[game.parent[1:]] + 1)
    # terminal payoffs equal the sum of outcomes on the path
    pay = game.node_payoffs()
    for v in game.terminals:
        total = np.zeros_like(pay[..., 0, :])
        node = int(v)
        while node >= 0:
            if game.outcome[node] >= 0:
                total = total + game.outcome_payoffs[..., game.outcome[node], :]
            node = int(game.parent[node])
        np.testing.assert_allclose(pay[..., v, :], total)
    # singleton information sets: perfect information and perfect recall
    assert game.is_perfect_information and game.has_perfect_recall
    kinds = game.kind[game.edge_parent]
    assert np.all(game.chance_probs[..., kinds == NodeKind.PERSONAL] == 0)
