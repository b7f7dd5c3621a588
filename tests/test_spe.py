"""Subgame-perfect equilibrium: pygambit's regret check, brute force, closed forms."""

from __future__ import annotations

import sys
import types
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import contrib_games
from hypothesis import given, settings
from hypothesis import strategies as st

from brink.errors import InputError
from brink.games import Game, GameError, NodeKind, TreeBuilder
from brink.model import modal_paths, with_ties
from brink.solvers import solve, solve_spe
from brink.solvers.profile import expected_payoffs, node_values, reach_probabilities
from brink.solvers.spe import TIE_TOLERANCE, spe_payoffs, spe_terminal_reach

gbt = pytest.importorskip("pygambit")
from gambit_bridge import gambit_profile, read_blank_labels  # noqa: E402


def perfect_information_contrib() -> list[Path]:
    from brink.efg import read_efg

    return [p for p in contrib_games() if read_efg(p).is_perfect_information]


# ------------------------------------------------------------------ pygambit


@pytest.mark.shared
def test_contrib_has_perfect_information_games() -> None:
    names = {p.name for p in perfect_information_contrib()}
    assert {"nim.efg", "ttt.efg", "cent4.efg", "sww1.efg", "e10.efg"} <= names
    assert len(names) == 11


@pytest.mark.shared
@pytest.mark.parametrize("path", perfect_information_contrib(), ids=lambda p: p.name)
def test_contrib_spe_is_a_nash_equilibrium_in_pygambit(path: Path, tmp_path: Path) -> None:
    from brink.efg import read_efg

    game = read_efg(path)
    sol = solve_spe(game)
    ggame = read_blank_labels(path, tmp_path)
    prof = gambit_profile(ggame, sol)
    scale = max(game.payoff_range, 1.0)
    assert float(prof.agent_max_regret()) < 1e-9 * scale
    if game.n_nodes <= 100:
        # Nash regret; pygambit computes it over the reduced strategic form, which for
        # tic-tac-toe (168 nodes) does not finish.  There the agent regret at every
        # information set being 0 implies SPE by the one-shot deviation principle.
        assert float(prof.max_regret()) < 1e-9 * scale
    for p, player in enumerate(ggame.players):
        assert sol.payoffs[p] == pytest.approx(float(prof.payoff(player)), abs=1e-12 * scale)
        # subgame perfection: the value of every node agrees with pygambit's node values
        for v, node in enumerate(ggame.nodes):
            got = sol.node_values[v, p]
            gv = float(prof.node_value(player, node))
            if not node.is_terminal:
                assert got == pytest.approx(gv, abs=1e-9 * scale), (v, p)
    assert float(sol.max_regret) < 1e-9 * scale
    # every profile entry is pure and each set sums to one
    ptr = game.infoset_action_ptr
    sums = np.add.reduceat(sol.profile, ptr[:-1])
    np.testing.assert_allclose(sums, 1.0)


@pytest.mark.shared
@pytest.mark.parametrize("name", ["cent4.efg", "cent6.efg"])
def test_centipede_every_mover_takes(name: str) -> None:
    """Rosenthal (1981): in the centipede game backward induction takes at every node."""
    from brink.efg import read_efg

    game = read_efg(next(p for p in contrib_games() if p.name == name))
    sol = solve_spe(game)
    for p in range(2):
        assert all(probs == [1.0, 0.0] for probs in sol.behavior()[p])
    assert sol.path() == ["TAKE"]
    assert sol.payoffs.tolist() == [0.8, 0.2]


# ------------------------------------------------------------ random trees


def random_pi_game(seed: int, samples: int | None, players: int, probs_sampled: bool) -> Game:
    """A random perfect-information tree with chance nodes, integer payoffs, dyadic odds.

    Integer payoffs make ties frequent; integers and dyadic probabilities keep every sum
    exact in float64, so brute force and the kernel must agree bit for bit.
    """
    rng = np.random.default_rng(seed)
    names = [f"P{i}" for i in range(players)]
    b = TreeBuilder(f"random {seed}", names)
    splits = [[1.0], [0.5, 0.5], [0.25, 0.75], [0.25, 0.25, 0.5], [0.75, 0.125, 0.125]]
    frontier = [(b.root, 0)]
    n = 1
    while frontier:
        node, d = frontier.pop()
        if d >= 4 or n > 60 or rng.random() < 0.25:
            shape = (samples, players) if samples else (players,)
            b.outcome(node, rng.integers(-3, 4, size=shape))
            continue
        if rng.random() < 0.25:
            if probs_sampled and samples:
                k = int(rng.integers(2, 4))
                options = [s for s in splits if len(s) == k]
                pr = np.array([options[int(rng.integers(len(options)))] for _ in range(samples)])
                kids = b.move(node, None, [f"c{i}" for i in range(k)], probs=pr)
            else:
                split = splits[int(rng.integers(len(splits)))]
                kids = b.move(node, None, [f"c{i}" for i in range(len(split))], probs=split)
        else:
            k = int(rng.integers(1, 4))
            kids = b.move(node, int(rng.integers(players)), [f"a{i}" for i in range(k)])
        if rng.random() < 0.2:
            shape = (samples, players) if samples else (players,)
            b.outcome(node, rng.integers(-2, 3, size=shape))
        n += len(kids)
        frontier.extend((c, d + 1) for c in kids)
    return b.build()


def brute_force(game: Game) -> tuple[np.ndarray, list[list[int]], np.ndarray]:
    """Recursive backward induction of one sample: accumulated values, the tied best actions
    of every mover (uniformly mixed, the values their mean), ties."""
    acc = game.node_payoffs()
    n = game.n_nodes
    values = np.zeros((n, game.n_players))
    choice: list[list[int]] = [[] for _ in range(n)]
    ties = np.zeros(n, dtype=bool)

    def visit(v: int) -> np.ndarray:
        kids = game.children[game.child_ptr[v] : game.child_ptr[v + 1]]
        if len(kids) == 0:
            values[v] = acc[v]
            return values[v]
        child_values = [visit(int(c)) for c in kids]
        if game.kind[v] == NodeKind.CHANCE:
            e = np.arange(game.child_ptr[v], game.child_ptr[v + 1])
            values[v] = sum(
                q * cv for q, cv in zip(game.chance_probs[e], child_values, strict=True)
            )
            return values[v]
        i = int(game.node_player[v])
        own = [cv[i] for cv in child_values]
        best = max(own)
        good = [a for a, x in enumerate(own) if x >= best - TIE_TOLERANCE * (1 + abs(best))]
        choice[v] = good
        ties[v] = len(good) > 1
        values[v] = sum(child_values[a] for a in good) / len(good)
        return values[v]

    visit(0)
    return values, choice, ties


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    samples=st.one_of(st.none(), st.integers(1, 8)),
    players=st.integers(1, 3),
    probs_sampled=st.booleans(),
)
def test_spe_equals_brute_force_sample_by_sample(
    seed: int, samples: int | None, players: int, probs_sampled: bool
) -> None:
    game = random_pi_game(seed, samples, players, probs_sampled)
    sol = solve_spe(game, chunk_size=3)
    for k in range(samples or 1):
        one = game.sample(k) if samples else game
        values, choice, ties = brute_force(one)

        def pick(a: np.ndarray, k: int = k) -> np.ndarray:
            return a[k] if samples else a

        np.testing.assert_allclose(pick(sol.node_values), values, rtol=1e-15, atol=1e-15)
        np.testing.assert_allclose(pick(sol.payoffs), values[0], rtol=1e-15, atol=1e-15)
        np.testing.assert_array_equal(pick(sol.ties), ties)
        for v in np.flatnonzero(one.kind == NodeKind.PERSONAL):
            probs = sol.action_probs(int(one.infoset[v]), k if samples else None)
            expected = np.zeros_like(probs)
            expected[choice[v]] = 1.0 / len(choice[v])
            np.testing.assert_array_equal(probs, expected)
        assert pick(sol.max_regret) <= 1e-12 * (1 + np.abs(values).max())
    # the kernel's reach and values agree with the independent profile functions
    np.testing.assert_allclose(sol.reach, reach_probabilities(game, sol.profile), atol=1e-15)
    np.testing.assert_allclose(sol.node_values, node_values(game, sol.profile), atol=1e-12)
    np.testing.assert_allclose(sol.payoffs, expected_payoffs(game, sol.profile), atol=1e-12)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), chunk=st.integers(1, 9))
def test_results_do_not_depend_on_chunk_size(seed: int, chunk: int) -> None:
    game = random_pi_game(seed, 11, 2, True)
    a, b = solve_spe(game), solve_spe(game, chunk_size=chunk)
    for name in ("profile", "payoffs", "reach", "node_values", "ties", "max_regret"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    pay, regret = spe_payoffs(game, chunk_size=chunk)
    np.testing.assert_array_equal(pay, a.payoffs)
    np.testing.assert_array_equal(regret, a.max_regret)



@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    players=st.integers(1, 3),
    probs_sampled=st.booleans(),
    chunk=st.integers(1, 9),
)
def test_streaming_paths_are_bit_identical_to_the_full_solution(
    seed: int, players: int, probs_sampled: bool, chunk: int
) -> None:
    """spe_payoffs (with and without regret, with payoffs passed as an array) and
    spe_terminal_reach give exactly the numbers of solve_spe, for any chunk size."""
    game = random_pi_game(seed, 13, players, probs_sampled)
    sol = solve_spe(game)
    pay, regret = spe_payoffs(game, chunk_size=chunk)
    np.testing.assert_array_equal(pay, sol.payoffs)
    np.testing.assert_array_equal(regret, sol.max_regret)
    pay2, regret2 = spe_payoffs(game, chunk_size=chunk, regret=False)
    np.testing.assert_array_equal(pay2, sol.payoffs)
    assert np.isnan(regret2).all()
    lean = spe_terminal_reach(game, chunk_size=chunk)
    np.testing.assert_array_equal(lean.payoffs, sol.payoffs)
    np.testing.assert_array_equal(lean.reach, sol.reach[:, game.terminals])
    np.testing.assert_array_equal(with_ties(game, lean.modal)[0], modal_paths(sol)[0])
    # sample-minor payoffs (a transposed view) are read in place, with the same result
    view = np.ascontiguousarray(game.outcome_payoffs.transpose(1, 2, 0)).transpose(2, 0, 1)
    np.testing.assert_array_equal(spe_terminal_reach(replace(game, outcome_payoffs=view)).reach, lean.reach)


def test_spe_payoffs_takes_a_stream_of_payoff_arrays() -> None:
    game = random_pi_game(7, 20, 2, False)
    tree = game.sample(0)
    pay, _ = spe_payoffs(tree, payoffs=game.outcome_payoffs)
    np.testing.assert_array_equal(pay, solve_spe(game).payoffs)
    bad = game.outcome_payoffs.copy()
    bad[3, 0, 1] = np.inf
    with pytest.raises(GameError, match="finite"):
        spe_payoffs(tree, payoffs=bad)
    with pytest.raises(GameError, match="do not fit"):
        spe_payoffs(tree, payoffs=bad[:, :1])


# ------------------------------------------------------------ closed forms


def entry_game(payoffs: Any = None) -> Game:
    """Selten's (1978) entry game: out (0, 2); in, then fight (-1, -1) or share (1, 1)."""
    b = TreeBuilder("entry", ["Entrant", "Incumbent"])
    out, enter = b.move(b.root, "Entrant", ["out", "in"])
    b.outcome(out, [0, 2])
    fight, share = b.move(enter, "Incumbent", ["fight", "share"])
    b.outcome(fight, [-1, -1] if payoffs is None else payoffs)
    b.outcome(share, [1, 1])
    return b.build()


def test_entry_game_incumbent_shares() -> None:
    sol = solve(entry_game())
    assert sol.solver == "spe"
    assert sol.path() == ["in", "share"]
    assert sol.payoffs.tolist() == [1.0, 1.0]
    assert sol.reach.tolist() == [1.0, 0.0, 1.0, 0.0, 1.0]
    assert not sol.ties.any()
    assert sol.to_json()["profile"] == [[[0.0, 1.0]], [[0.0, 1.0]]]


def test_sampled_payoffs_flip_the_incumbent() -> None:
    """Fighting pays the incumbent x; it fights iff x > 1, and then the entrant stays out."""
    x = np.array([0.0, 2.0, 1.0, 5.0])
    fight = np.stack([-np.ones_like(x), x], axis=1)
    sol = solve_spe(entry_game(fight))
    np.testing.assert_array_equal(sol.payoffs[:, 0], [1, 0, 0, 0])
    # x == 1 is a tie at the incumbent's node: it mixes 1/2-1/2, so entering is worth
    # (-1 + 1) / 2 = 0 to the entrant, as much as staying out: the entrant mixes too, and
    # the incumbent's value is (2 + (1 + 1) / 2) / 2 = 1.5
    np.testing.assert_array_equal(sol.payoffs[:, 1], [1, 2, 1.5, 2])
    assert sol.ties[:, 2].tolist() == [False, False, True, False]
    assert sol.ties[:, 0].tolist() == [False, False, True, False]
    np.testing.assert_array_equal(sol.profile[2], [0.5, 0.5, 0.5, 0.5])
    assert [sol.path(k) for k in range(4)] == [
        ["in", "share"],
        ["out"],
        ["out | in"],
        ["out"],
    ]


def lottery_game(q: Any, payoff: Any = None) -> Game:
    """Nature picks "good" with probability q; in "good" the player takes 2 (or ``payoff``)
    over 1; in "bad" the game ends at 0.  SPE value: q * max(2, 1) = 2 q."""
    b = TreeBuilder("lottery", ["Player"])
    q = np.asarray(q, dtype=float)
    probs = np.stack([q, 1 - q], axis=-1)
    good, bad = b.move(b.root, None, ["good", "bad"], probs=probs)
    take, leave = b.move(good, "Player", ["take", "leave"])
    b.outcome(take, [2.0] if payoff is None else payoff)
    b.outcome(leave, [1.0])
    b.outcome(bad, [0.0])
    return b.build()


def test_sampled_chance_probabilities() -> None:
    q = np.array([0.0, 0.1, 0.5, 1.0])
    sol = solve_spe(lottery_game(q))
    np.testing.assert_allclose(sol.payoffs[:, 0], 2 * q, rtol=0, atol=1e-15)
    np.testing.assert_allclose(sol.reach[:, 1], q)
    np.testing.assert_allclose(sol.action_probs(1, 1), [0.1, 0.9])  # chance set = nature


def test_sampled_payoffs_with_fixed_chance_and_vice_versa() -> None:
    z = np.array([[0.0], [1.5], [3.0]])
    sol = solve_spe(lottery_game(0.25, payoff=z))  # payoffs sampled, probabilities not
    np.testing.assert_allclose(sol.payoffs[:, 0], 0.25 * np.maximum(z[:, 0], 1.0))
    assert sol.ties[:, 1].tolist() == [False, False, False]
    sol2 = solve_spe(lottery_game(np.array([0.5, 0.75])))  # probabilities sampled
    np.testing.assert_allclose(sol2.payoffs[:, 0], [1.0, 1.5])


def test_inner_outcomes_accumulate() -> None:
    """Gambit outcomes on inner nodes add to everything below (the entry fee here)."""
    b = TreeBuilder("fee", ["A", "B"])
    left, r = b.move(b.root, "A", ["l", "r"])
    b.outcome(r, [-3, 1])  # entry fee on an inner node
    x, y = b.move(r, "B", ["x", "y"])
    b.outcome(x, [5, 0])
    b.outcome(y, [4, 2])
    b.outcome(left, [0.5, 0])
    sol = solve_spe(b.build())
    # B picks y (2 + 1 > 0 + 1); A compares r: 4 - 3 = 1 with l: 0.5
    assert sol.path() == ["r", "y"]
    assert sol.payoffs.tolist() == [1.0, 3.0]
    assert sol.node_values[2].tolist() == [1.0, 3.0]


# ---------------------------------------------------------------- refusals


def imperfect_game() -> Game:
    b = TreeBuilder("matching pennies", ["Row", "Column"])
    h, t = b.move(b.root, "Row", ["H", "T"])
    for node in (h, t):
        kids = b.move(node, "Column", ["h", "t"], infoset="guess", infoset_label="guess")
        for a, kid in enumerate(kids):
            win = 1.0 if (node == h) == (a == 0) else -1.0
            b.outcome(kid, [win, -win])
    return b.build()


def test_imperfect_information_is_refused_with_a_fix() -> None:
    with pytest.raises(GameError) as err:
        solve_spe(imperfect_game())
    text = str(err.value)
    assert "perfect information" in text
    assert "'Column'" in text and "'guess'" in text
    assert "--solver qre" in text
    with pytest.raises(GameError):
        solve(imperfect_game(), solver="spe")


def test_unknown_solver_lists_choices() -> None:
    with pytest.raises(InputError) as err:
        solve(entry_game(), solver="nash")
    assert "'nash'" in str(err.value)
    for name in ("auto", "spe", "qre"):
        assert name in str(err.value)


def test_auto_sends_imperfect_information_to_qre(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[Game, float | None]] = []

    def fake_qre(game: Game, lam: float | None = None) -> str:
        calls.append((game, lam))
        return "qre-solution"

    module = types.ModuleType("brink.solvers.qre")
    module.solve_qre = fake_qre  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "brink.solvers.qre", module)
    game = imperfect_game()
    assert solve(game, lam=2.5) == "qre-solution"  # type: ignore[comparison-overlap]
    assert calls == [(game, 2.5)]
    assert solve(entry_game(), lam=2.5).solver == "spe"
