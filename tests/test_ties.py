"""Ties are reported as ties (issue 22).

A player indifferent between actions mixes uniformly over them under spe (the tie rule of
:mod:`brink.solvers.spe`), so no reported number depends on the order in which a scenario
lists the actions, and the modal path stops at the tie with a step naming the tied actions
instead of whichever is listed first.  The checks: a hand-built game with an exact tie
against the closed form and against pygambit's test of subgame perfection; random trees with
integer payoffs (ties everywhere) solved with every node's actions permuted; and
``ukraine-2022`` with the defender choosing its declaration, and with its responses
reordered, under spe and qbi (common draws).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from gambit_bridge import gambit_profile, read_blank_labels
from hypothesis import given, settings
from hypothesis import strategies as st

from brink.evaluation import TIE_SEPARATOR, decisions
from brink.games import Game, TreeBuilder
from brink.model import CrisisModel, modal_paths
from brink.scenario import load_scenario
from brink.solvers.qbi import solve_qbi
from brink.solvers.spe import TIE_TOLERANCE, solve_spe, spe_terminal_reach

# ------------------------------------------------------------------ a hand-built tie


def indifferent_follower(x: Any = 3.0, y: Any = 1.0, bx: Any = 1.0) -> Game:
    """A takes ``L`` (1, 0) or ``R``; after ``R``, B chooses ``x`` (x, bx) or ``y`` (y, 1):
    B is indifferent (for bx = 1), A is not (for x = 3, y = 1)."""
    b = TreeBuilder("indifferent follower", ["A", "B"])
    left, right = b.move(b.root, "A", ["L", "R"])
    b.outcome(left, [1.0, 0.0])
    nx, ny = b.move(right, "B", ["x", "y"])
    b.outcome(nx, np.stack(np.broadcast_arrays(np.asarray(x, dtype=float), np.asarray(bx, dtype=float)), axis=-1))
    b.outcome(ny, np.stack(np.broadcast_arrays(np.asarray(y, dtype=float), 1.0), axis=-1))
    return b.build()


def test_an_exact_tie_is_mixed_half_half() -> None:
    """Closed form: B mixes 1/2-1/2, so R is worth (3 + 1) / 2 = 2 > 1 to A, who takes R."""
    sol = solve_spe(indifferent_follower())
    assert sol.behavior() == [[[0.0, 1.0]], [[0.5, 0.5]]]
    assert sol.payoffs.tolist() == [2.0, 1.0]
    assert sol.ties.tolist() == [False, False, True, False, False]
    assert sol.path() == ["R", f"x{TIE_SEPARATOR}y"]
    assert float(sol.max_regret) == 0.0


def test_the_mixed_tie_is_in_pygambit_s_subgame_perfect_set(tmp_path: Path) -> None:
    """pygambit evaluates the four pure profiles of the game; those in which no agent can gain
    by a one-shot deviation (agent regret 0: subgame perfect, by the one-shot deviation
    principle of a game of perfect information) are (L, y), (R, x) and (R, y): B plays both
    actions in some subgame-perfect equilibrium.  brink's profile mixes exactly those two
    uniformly, is itself subgame perfect in pygambit's arithmetic (agent and Nash regret 0),
    and A's R is the best reply to it (worth 2 against L's 1)."""
    from brink.efg import write_efg

    game = indifferent_follower()
    path = tmp_path / "tie.efg"
    path.write_text(write_efg(game))
    ggame = read_blank_labels(path, tmp_path)
    set_a, set_b = (next(iter(player.infosets)) for player in ggame.players)
    pure: list[tuple[tuple[int, int], list[float]]] = []
    for a in range(2):
        for c in range(2):
            prof = ggame.mixed_behavior_profile(rational=False)
            prof[set_a] = [1.0 - a, float(a)]
            prof[set_b] = [1.0 - c, float(c)]
            if float(prof.agent_max_regret()) < 1e-12:
                pure.append(((a, c), [float(prof.payoff(p)) for p in ggame.players]))
    assert [k for k, _ in pure] == [(0, 1), (1, 0), (1, 1)]
    sol = solve_spe(game)
    support = {c for (_, c), _ in pure}
    assert [c for c in range(2) if sol.behavior()[1][0][c] > 0] == sorted(support)
    prof = gambit_profile(ggame, sol)
    assert float(prof.agent_max_regret()) < 1e-12
    assert float(prof.max_regret()) < 1e-12
    assert [float(prof.payoff(p)) for p in ggame.players] == sol.payoffs.tolist() == [2.0, 1.0]
    x, y = list(set_b.actions)
    assert float(prof.action_value(x)) == float(prof.action_value(y))


def test_a_tie_cascades_up() -> None:
    """With x = 2, y = 0 the mixed follower leaves A indifferent too ((2 + 0) / 2 = 1): both mix."""
    sol = solve_spe(indifferent_follower(2.0, 0.0))
    assert sol.behavior() == [[[0.5, 0.5]], [[0.5, 0.5]]]
    assert sol.payoffs.tolist() == [1.0, 0.5]
    assert sol.path() == [f"L{TIE_SEPARATOR}R"]


def test_the_tolerance_is_relative_and_absolute() -> None:
    """Values within ``1e-12 * (1 + |best|)`` tie; farther apart they do not.  Sampled: B's
    payoff from ``y`` is ``1 + d`` with d below and above the tolerance, at scale 1 and 1e6."""
    d = np.array([0.5e-12, 5e-12, 0.5e-6, 5e-6])
    base = np.array([1.0, 1.0, 1e6, 1e6])
    b = TreeBuilder("near tie", ["B"])
    bx, by = b.move(b.root, "B", ["x", "y"])
    b.outcome(bx, base[:, None])
    b.outcome(by, (base - d)[:, None])
    sol = solve_spe(b.build())
    assert sol.ties[:, 0].tolist() == [True, False, True, False]
    assert TIE_TOLERANCE * (1 + 1e6) > 0.5e-6
    np.testing.assert_array_equal(sol.profile[:, 0], [0.5, 1.0, 0.5, 1.0])


def test_the_modal_path_of_a_run_shows_the_tie() -> None:
    """Through the model's read-out of a solution (the generic path) and the lean kernels:
    the tie is one step naming both actions, and ``decisions`` keeps it."""
    game = indifferent_follower(np.array([3.0, 3.0, 0.5]), np.array([1.0, 1.0, 0.5]), np.array([2.0, 1.0, 2.0]))
    sol = solve_spe(game)
    paths, labels = modal_paths(sol)
    assert [labels[i] for i in paths] == ["R > x", f"R > x{TIE_SEPARATOR}y", "L"]
    lean = spe_terminal_reach(game)
    from brink.model import with_ties

    got, more, chance = with_ties(game, lean.modal)
    assert [more[i] for i in got] == ["R > x", f"R > x{TIE_SEPARATOR}y", "L"]
    assert chance[int(got[1])] == (False, False)


# ------------------------------------------------------------------ random trees, permuted


def _tree(rng: np.random.Generator, players: int, depth: int = 0) -> Any:
    """A random tree of perfect information with small integer payoffs (ties are common)."""
    if depth >= 3 or rng.random() < 0.25:
        return ("leaf", rng.integers(-2, 3, size=players).astype(float))
    k = int(rng.integers(2, 4))
    kids = [_tree(rng, players, depth + 1) for _ in range(k)]
    if rng.random() < 0.2:
        return ("chance", [0.25, 0.75] if k == 2 else [0.25, 0.25, 0.5], kids)
    return ("move", int(rng.integers(players)), kids)


def _build(tree: Any, players: int, rng: np.random.Generator | None) -> tuple[Game, list[int]]:
    """The game of ``tree`` with every node's actions in a random order (``rng``; ``None``:
    as given), and the leaf number of each terminal, in ``game.terminals`` order."""
    b = TreeBuilder("t", [f"P{i}" for i in range(players)])
    counter = [0]

    def add(node: int, t: Any) -> None:
        if t[0] == "leaf":
            b.outcome(node, t[1])
            b.label(node, f"leaf{counter[0]}")
            counter[0] += 1
            return
        kids = t[2]
        numbered = []
        for kid in kids:  # number the leaves in the unpermuted order
            numbered.append(counter[0])
            counter[0] += _leaves(kid)
        order = np.arange(len(kids)) if rng is None else rng.permutation(len(kids))
        probs = [t[1][i] for i in order] if t[0] == "chance" else None
        who = None if t[0] == "chance" else f"P{t[1]}"
        children = b.move(node, who, [f"a{i}" for i in order], probs=probs)
        save = counter[0]
        for child, i in zip(children, order, strict=True):
            counter[0] = numbered[i]
            add(child, kids[i])
        counter[0] = save

    add(b.root, tree)
    game = b.build()
    return game, [int(game.node_labels[int(t)][4:]) for t in game.terminals]


def _leaves(t: Any) -> int:
    return 1 if t[0] == "leaf" else sum(_leaves(k) for k in t[2])


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), players=st.integers(1, 3), lam=st.floats(0.1, 50.0))
def test_permuting_actions_changes_no_number(seed: int, players: int, lam: float) -> None:
    """Payoffs and every terminal's reach are the same whatever the order of every node's
    actions, under spe (ties mixed) and qbi; spe's ties are found at the same nodes."""
    rng = np.random.default_rng(seed)
    tree = _tree(rng, players)
    if tree[0] == "leaf":
        return
    game, leaves = _build(tree, players, None)
    other, other_leaves = _build(tree, players, rng)
    for solve in (solve_spe, lambda g: solve_qbi(g, lam=lam)):
        a, b = solve(game), solve(other)
        np.testing.assert_allclose(b.payoffs, a.payoffs, rtol=0, atol=1e-12)
        ra = dict(zip(leaves, a.reach[game.terminals], strict=True))
        rb = dict(zip(other_leaves, b.reach[other.terminals], strict=True))
        assert ra.keys() == rb.keys()
        for leaf, r in ra.items():
            assert rb[leaf] == pytest.approx(r, abs=1e-12)
    assert int(solve_spe(game).ties.sum()) == int(solve_spe(other).ties.sum())


# ------------------------------------------------------------------ bundled scenarios

DECLARE = "process.declarations=[none, alert, straddle, conventional-strike, nuclear-response]"
DECLARE_REORDERED = "process.declarations=[nuclear-response, straddle, none, conventional-strike, alert]"
RESPONSES = "crisis.responses=[none, alert, arms-supply, conventional-strike, nuclear-response]"
RESPONSES_REORDERED = "crisis.responses=[nuclear-response, arms-supply, none, conventional-strike, alert]"


def _evaluate(overrides: tuple[str, ...], solver: str, lam: float | None, samples: int = 60) -> Any:
    model = CrisisModel(load_scenario("ukraine-2022", overrides), solver=solver, lam=lam)
    return model.evaluate(model.draw(0, 0, samples))


def _same_numbers(a: Any, b: Any) -> None:
    assert a.outcomes.keys() == b.outcomes.keys() and a.metrics.keys() == b.metrics.keys()
    for group in ("outcomes", "metrics"):
        for key, value in getattr(a, group).items():
            np.testing.assert_allclose(getattr(b, group)[key], value, rtol=1e-12, atol=1e-12, err_msg=key)


@pytest.mark.parametrize(("solver", "lam"), [("spe", None), ("qbi", 3.0), ("auto", None)])  # auto: the default
@pytest.mark.parametrize(
    ("first", "second"), [(DECLARE, DECLARE_REORDERED), (RESPONSES, RESPONSES_REORDERED)], ids=["declarations", "responses"]
)
def test_reordering_a_player_s_actions_changes_no_reported_number(
    first: str, second: str, solver: str, lam: float | None
) -> None:
    """``ukraine-2022`` (seed 0): the defender's declarations, or its responses, listed in
    another order give the same outcome and metric of every sample (``process.offers`` are
    sorted when read, so their order cannot matter)."""
    _same_numbers(_evaluate((first,), solver, lam), _evaluate((second,), solver, lam))


def test_an_indifferent_defender_shows_as_indifferent() -> None:
    """NATO choosing its declaration in ``ukraine-2022``: every declaration leads to the same
    settlement, so under spe it is indifferent between all five (0.2 each, not 1.0 for the
    first listed), and the modal path ends in the tie."""
    ev = _evaluate((DECLARE,), "spe", None)
    for option in ("none", "alert", "straddle", "conventional-strike", "nuclear-response"):
        np.testing.assert_allclose(ev.outcomes[f"declared.{option}"], 0.2, rtol=0, atol=1e-15)
    labels = [decisions(ev).path_labels[i] for i in decisions(ev).paths]
    tie = TIE_SEPARATOR.join(f"declare {x}" for x in ("none", "alert", "straddle", "conventional-strike", "nuclear-response"))
    assert all(label.endswith(tie) for label in labels), set(labels)
