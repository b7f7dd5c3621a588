"""Quantal backward induction (``qbi``): the logit QRE of a perfect-information game at a
fixed lambda, in one backward pass (McKelvey & Palfrey 1998; Signorino 1999).

Checked against pygambit's ``qre.logit_solve_lambda`` (its traced branch, to 1e-6, the
precision of its path following), against a pure-Python recursion on random trees,
against the SPE as lambda grows, and against the logit regret bound ``ln(n) / lam``.
"""

from __future__ import annotations

import itertools
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pygambit as gbt
import pytest
from conftest import contrib_games
from gambit_bridge import read_blank_labels, read_unique_labels
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from brink.efg import read_efg, write_efg
from brink.errors import InputError
from brink.games import Game, GameError, NodeKind, TreeBuilder
from brink.solvers import solve, solve_spe
from brink.solvers.profile import node_values, reach_probabilities
from brink.solvers.qbi import DEFAULT_LAMBDA, qbi_terminal_reach, solve_qbi
from brink.solvers.qre import solve_qre
from brink.solvers.registry import SOLVERS, resolve
from brink.solvers.regret import max_regret, sequential_regrets

#: pygambit traces the branch by predictor-corrector steps; 1e-6 is what test_qre asks of it too.
GAMBIT_TOL = 1e-6
LAMBDAS = [0.5, 2.0, 10.0]


def flat(behavior: list[list[list[float]]]) -> np.ndarray:
    """Players, information sets by number, actions: pygambit's flat order."""
    return np.array([p for player in behavior for iset in player for p in iset])


def gambit_logit(ggame: Any, lams: list[float]) -> list[np.ndarray]:
    return [
        np.array([q[i] for i in range(len(q))])
        for q in gbt.qre.logit_solve_lambda(ggame, lam=lams, use_strategic=False)
    ]


#: pygambit traces this one for ~16 s (168 nodes); the slow tier.
SLOW_IN_GAMBIT = {"ttt"}


def perfect_information_contrib() -> list[Path]:
    return [p for p in contrib_games() if read_efg(p).is_perfect_information]


def contrib_cases() -> list[Any]:
    return [
        pytest.param(p, id=p.stem, marks=[pytest.mark.slow] if p.stem in SLOW_IN_GAMBIT else [])
        for p in perfect_information_contrib()
    ]


# ------------------------------------------------------------------------- small games


def chance_game() -> Game:
    """Two players, a chance move in the middle, an outcome on an inner node."""
    b = TreeBuilder("chance in the middle", ["A", "B"])
    out, go = b.move(b.root, "A", ["out", "go"])
    b.outcome(out, [1, 0])
    heads, tails = b.move(go, None, ["h", "t"], probs=[0.3, 0.7])
    b.outcome(heads, [0.5, -0.25])  # an inner outcome: it adds to everything below
    x, y, z = b.move(heads, "B", ["x", "y", "z"])
    b.outcome(x, [2, 1])
    b.outcome(y, [0, 3])
    b.outcome(z, [-1, 2.5])
    keep, swap = b.move(tails, "A", ["keep", "swap"])
    b.outcome(keep, [3, 2])
    u, w = b.move(swap, "B", ["u", "w"])
    b.outcome(u, [4, -1])
    b.outcome(w, [0, 0])
    return b.build()


def three_player_chance_root() -> Game:
    """Nature first, then three players in turn."""
    b = TreeBuilder("three players", ["P1", "P2", "P3"])
    left, right = b.move(b.root, None, ["l", "r"], probs=[0.25, 0.75])
    a1, a2 = b.move(left, "P1", ["a", "b"])
    b.outcome(a1, [1, 2, 3])
    c1, c2 = b.move(a2, "P3", ["c", "d"])
    b.outcome(c1, [0, 1, 0])
    b.outcome(c2, [2, 0, 1])
    d1, d2, d3 = b.move(right, "P2", ["e", "f", "g"])
    b.outcome(d1, [1, 1, 1])
    b.outcome(d3, [0, 2, -1])
    e1, e2 = b.move(d2, "P1", ["h", "i"])
    b.outcome(e1, [3, 0, 2])
    b.outcome(e2, [-1, 3, 0])
    return b.build()


SMALL = {"chance": chance_game, "three": three_player_chance_root}


@pytest.mark.parametrize("name", sorted(SMALL))
def test_equals_gambit_on_exported_chance_games(name: str, tmp_path: Path) -> None:
    """brink's .efg export of a game with chance nodes, read by both: same logit profiles."""
    path = tmp_path / "game.efg"
    path.write_text(write_efg(SMALL[name]()))
    game = read_efg(path)
    theirs = gambit_logit(read_blank_labels(path, tmp_path), LAMBDAS)
    for lam, b in zip(LAMBDAS, theirs, strict=True):
        a = flat(solve_qbi(game, lam=lam).behavior())
        assert np.abs(a - b).max() <= GAMBIT_TOL, (name, lam)


@pytest.mark.shared
@pytest.mark.parametrize("path", contrib_cases())
def test_equals_gambit_on_contrib_games(path: Path) -> None:
    """Every perfect-information game of Gambit's collection: pygambit's logit branch."""
    game = read_efg(path)
    theirs = gambit_logit(read_unique_labels(path), LAMBDAS)
    for lam, b in zip(LAMBDAS, theirs, strict=True):
        a = flat(solve_qbi(game, lam=lam).behavior())
        assert np.abs(a - b).max() <= GAMBIT_TOL, (path.name, lam)


@pytest.mark.shared
def test_equals_the_traced_qre_at_the_same_lambda() -> None:
    """On a perfect-information game the traced agent QRE reaches the same profile."""
    game = read_efg(next(p for p in perfect_information_contrib() if p.stem == "cent6"))
    for lam in (0.5, 3.0):
        np.testing.assert_allclose(
            solve_qbi(game, lam=lam).profile, solve_qre(game, lam=lam).profile, atol=1e-8
        )


# --------------------------------------------------------------- brute-force recursion


@dataclass
class Tree:
    """A random game tree for the brute force: ``kind`` "leaf", "move" or "chance"."""

    kind: str
    player: int = -1
    probs: np.ndarray | None = None  # (S, k) at chance
    payoff: np.ndarray | None = None  # (S, P) outcome at this node, or None
    children: tuple[Tree, ...] = ()


@st.composite
def trees(draw: st.DrawFn, players: int, samples: int, depth: int = 0) -> Tree:
    def payoffs() -> np.ndarray:
        vals = draw(
            st.lists(st.floats(-10, 10), min_size=players * samples, max_size=players * samples)
        )
        return np.array(vals).reshape(samples, players)

    if depth >= 4 or (depth > 0 and draw(st.integers(0, 3)) == 0):  # the root always moves
        return Tree("leaf", payoff=payoffs())
    k = draw(st.integers(1, 3))
    kids = tuple(draw(trees(players, samples, depth + 1)) for _ in range(k))
    inner = payoffs() if draw(st.booleans()) else None
    if draw(st.integers(0, 3)) == 0:
        w = np.array(draw(st.lists(st.floats(0.05, 1), min_size=k * samples, max_size=k * samples)))
        w = w.reshape(samples, k)
        return Tree("chance", probs=w / w.sum(axis=1, keepdims=True), payoff=inner, children=kids)
    return Tree("move", player=draw(st.integers(0, players - 1)), payoff=inner, children=kids)


def build(tree: Tree, players: int) -> Game:
    b = TreeBuilder("random", [f"P{i}" for i in range(players)])

    def add(t: Tree, node: int) -> None:
        if t.payoff is not None:
            b.outcome(node, t.payoff)
        if t.kind == "leaf":
            return
        acts = [f"a{i}" for i in range(len(t.children))]
        who = None if t.kind == "chance" else t.player
        kids = b.move(node, who, acts, probs=t.probs)
        for child, kid in zip(t.children, kids, strict=True):
            add(child, kid)

    add(tree, b.root)
    return b.build()


def brute_force(
    tree: Tree, lam: float, samples: int, players: int
) -> tuple[np.ndarray, list[np.ndarray]]:
    """Root values ``(S, P)`` and the choice probabilities ``(S, k)`` of every decision
    node in preorder (brink's node order), by plain recursion, one sample at a time."""
    probs: list[np.ndarray] = []

    def value(t: Tree, s: int) -> np.ndarray:
        own = np.zeros(players) if t.payoff is None else t.payoff[s].astype(float)
        if t.kind == "leaf":
            return own
        slot = len(probs_s)
        probs_s.append(np.empty(0))
        vals = [value(c, s) for c in t.children]
        if t.kind == "chance":
            p = t.probs[s]  # type: ignore[index]
        else:
            u = [v[t.player] for v in vals]
            top = max(u)
            w = [math.exp(lam * (x - top)) for x in u]
            p = np.array([x / sum(w) for x in w])
        probs_s[slot] = p
        return own + sum(pa * v for pa, v in zip(p, vals, strict=True))

    roots = []
    per_sample = []
    for s in range(samples):
        probs_s: list[np.ndarray] = []
        roots.append(value(tree, s))
        per_sample.append(probs_s)
    for j in range(len(per_sample[0])):
        probs.append(np.stack([per_sample[s][j] for s in range(samples)]))
    return np.array(roots), probs


@settings(max_examples=60, deadline=None)
@given(data=st.data(), players=st.integers(1, 3), samples=st.integers(1, 4), lam=st.floats(0, 20))
def test_equals_brute_force_recursion(
    data: st.DataObject, players: int, samples: int, lam: float
) -> None:
    tree = data.draw(trees(players, samples))
    game = build(tree, players)
    sol = solve_qbi(game, lam=lam)
    roots, probs = brute_force(tree, lam, samples, players)
    payoffs = np.atleast_2d(sol.payoffs)
    np.testing.assert_allclose(payoffs, roots, rtol=1e-10, atol=1e-10)
    profile = np.atleast_2d(sol.profile)
    deciding = np.flatnonzero(game.kind != NodeKind.TERMINAL)
    assert len(deciding) == len(probs)
    ptr = game.infoset_action_ptr
    for v, p in zip(deciding, probs, strict=True):
        h = game.infoset[v]
        np.testing.assert_allclose(profile[:, ptr[h] : ptr[h + 1]], p, rtol=1e-10, atol=1e-12)
    # the derived quantities agree with brink's profile arithmetic
    np.testing.assert_allclose(sol.reach, reach_probabilities(game, sol.profile), atol=1e-12)
    np.testing.assert_allclose(
        sol.node_values, node_values(game, sol.profile), rtol=1e-10, atol=1e-9
    )
    np.testing.assert_allclose(sol.max_regret, max_regret(game, sol.profile), rtol=1e-9, atol=1e-9)
    # the lean read-out: the same payoffs, terminal reach and modal path
    lean = qbi_terminal_reach(game, lam=lam)
    np.testing.assert_array_equal(lean.payoffs, payoffs)
    np.testing.assert_array_equal(lean.reach, np.atleast_2d(sol.reach)[:, game.terminals])
    from brink.model import modal_paths, with_ties

    np.testing.assert_array_equal(with_ties(game, lean.modal)[0], modal_paths(sol)[0])


def test_results_do_not_depend_on_the_chunk_size() -> None:
    base = chance_game()
    rng = np.random.default_rng(3)
    game = base.with_samples(outcome_payoffs=rng.normal(size=(300, *base.outcome_payoffs.shape)))
    whole = solve_qbi(game, lam=1.5, chunk_size=300)
    for chunk in (1, 7, 64):
        part = solve_qbi(game, lam=1.5, chunk_size=chunk)
        np.testing.assert_array_equal(part.profile, whole.profile)
        np.testing.assert_array_equal(part.payoffs, whole.payoffs)
        np.testing.assert_array_equal(part.max_regret, whole.max_regret)
        lean = qbi_terminal_reach(game, lam=1.5, chunk_size=chunk)
        np.testing.assert_array_equal(lean.payoffs, whole.payoffs)


# ------------------------------------------------------------------ limits and bounds


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_large_lambda_is_the_spe_without_ties(data: st.DataObject) -> None:
    """lam -> inf: the SPE (Selten 1965) wherever backward induction meets no tie.

    Integer payoffs and dyadic chance probabilities (depth <= 4) make every difference of
    continuation values a multiple of 2**-12 when it is not zero, so at lam = 1e6 a worse
    action gets at most exp(-244) of the probability.
    """
    players = data.draw(st.integers(1, 3))
    tree = data.draw(trees(players, 1))

    def integral(t: Tree) -> Tree:
        pay = None if t.payoff is None else np.round(t.payoff)
        pr = None
        if t.probs is not None:
            k = t.probs.shape[1]
            pr = np.full((1, k), 1.0 / 4 if k == 3 else 1.0 / k)
            if k == 3:
                pr[0, 0] = 0.5
        return Tree(t.kind, t.player, pr, pay, tuple(integral(c) for c in t.children))

    game = build(integral(tree), players)
    spe = solve_spe(game)
    if np.any(spe.ties):
        return
    qbi = solve_qbi(game, lam=1e6)
    np.testing.assert_allclose(qbi.profile, spe.profile, atol=1e-12)
    np.testing.assert_allclose(qbi.payoffs, spe.payoffs, atol=1e-9)
    assert float(np.max(qbi.max_regret)) <= 1e-9


def test_lambda_zero_is_uniform_play() -> None:
    game = three_player_chance_root()
    sol = solve_qbi(game, lam=0)
    for h in range(game.n_infosets):
        probs = sol.action_probs(h)
        if game.infoset_player[h] >= 0:
            np.testing.assert_array_equal(probs, np.full(probs.size, 1 / probs.size))
    assert sol.lam == 0.0
    assert solve_qbi(game).lam == DEFAULT_LAMBDA


def _own_moves_on_a_path(game: Game) -> int:
    """Most decision nodes of one player on any path from the root."""
    counts = np.zeros((game.n_nodes, game.n_players), dtype=np.int64)
    for v in range(1, game.n_nodes):
        u = game.parent[v]
        counts[v] = counts[u]
        if game.node_player[u] >= 0:
            counts[v, game.node_player[u]] += 1
    return int(counts.max())


def _check_logit_regret(game: Game, lam: float) -> float:
    """The logit shortfall theorem at every node, and the regret bounds that follow from it.

    Softmax with precision lam maximises ``sigma . U + H(sigma) / lam`` over the simplex, so
    ``max U - sigma . U <= H(sigma) / lam <= ln(n) / lam`` at a node with ``n`` actions.  The
    sequential (one-shot) regret of a player is the largest such shortfall at its nodes; its
    Nash regret is at most the sum of shortfalls along a path (the performance-difference
    identity), hence at most (own moves on a path) x max ln(n) / lam.
    """
    sol = solve_qbi(game, lam=lam)
    values = sol.node_values
    worst = 0.0
    bounds = np.zeros(game.n_players)
    for v in np.flatnonzero(game.kind == NodeKind.PERSONAL):
        i = int(game.node_player[v])
        kids = game.children[game.child_ptr[v] : game.child_ptr[v + 1]]
        u = values[kids, i]
        sigma = sol.action_probs(int(game.infoset[v]))
        shortfall = float(u.max() - sigma @ u)
        bound = math.log(kids.size) / lam
        assert -1e-12 <= shortfall <= bound + 1e-12, (v, shortfall, bound)
        worst = max(worst, shortfall)
        bounds[i] = max(bounds[i], bound)
    seq = sequential_regrets(game, sol.profile)
    assert np.all(seq <= bounds + 1e-12)
    nash = float(sol.max_regret)
    assert nash <= _own_moves_on_a_path(game) * bounds.max() + 1e-12
    return float(seq.max())


@pytest.mark.parametrize("name", sorted(SMALL))
def test_logit_regret_bound_and_decrease(name: str) -> None:
    game = SMALL[name]()
    regrets = [_check_logit_regret(game, lam) for lam in (0.5, 1, 2, 5, 10, 50, 200)]
    # observed here (a theorem only for fixed continuation values: d(sigma . U)/d lam = Var(U))
    assert all(b <= a + 1e-12 for a, b in itertools.pairwise(regrets))
    assert regrets[-1] < 1e-2 * regrets[0]


@pytest.mark.shared
@pytest.mark.parametrize("path", perfect_information_contrib(), ids=lambda p: p.stem)
def test_logit_regret_bound_on_contrib_games(path: Path) -> None:
    """The bound at every node; the sequential regret falls as lam grows on every one of
    these games (observed, as in :func:`test_logit_regret_bound_and_decrease`)."""
    game = read_efg(path)
    regrets = [_check_logit_regret(game, lam) for lam in (0.5, 1, 2, 5, 10, 50, 200)]
    assert all(b <= a + 1e-12 for a, b in itertools.pairwise(regrets))


def test_single_decision_regret_decreases_with_lambda() -> None:
    """One move: the values are fixed, so the shortfall falls strictly as lam grows."""
    b = TreeBuilder("one move", ["A"])
    for kid, pay in zip(b.move(b.root, "A", ["a", "b", "c"]), (1.0, 0.0, 2.0), strict=True):
        b.outcome(kid, [pay])
    game = b.build()
    regrets = [float(solve_qbi(game, lam=lam).max_regret) for lam in (0, 0.5, 1, 2, 4, 8)]
    assert regrets[0] == pytest.approx(1.0)  # uniform: 2 - 1
    assert all(b < a for a, b in itertools.pairwise(regrets))


# ------------------------------------------------------------- registry, errors, CLI


@pytest.mark.parametrize("bad", [-1.0, float("nan"), float("inf"), -float("inf")])
def test_bad_lambda_is_an_input_error(bad: float) -> None:
    with pytest.raises(InputError, match="lambda"):
        solve_qbi(chance_game(), lam=bad)
    with pytest.raises(InputError, match="lambda"):
        qbi_terminal_reach(chance_game(), lam=bad)


def test_imperfect_information_is_refused() -> None:
    b = TreeBuilder("simultaneous", ["A", "B"])
    for node in b.move(b.root, "A", ["l", "r"]):
        for kid in b.move(node, "B", ["x", "y"], infoset="B"):
            b.outcome(kid, [0, 0])
    with pytest.raises(GameError, match="perfect information"):
        solve_qbi(b.build(), lam=1)


def test_registered_but_never_auto() -> None:
    entry = SOLVERS["qbi"]
    assert entry.perfect_information_only and entry.parameters == ("lam",)
    assert not entry.equilibrium and entry.terminal_reach is not None
    assert entry.description == (
        "logit QRE of a perfect-information game at a fixed lambda, by quantal backward "
        "induction (McKelvey & Palfrey 1998; Signorino 1999)"
    )
    assert resolve("auto", perfect_information=True).name == "spe"
    assert resolve("auto", perfect_information=False).name == "qre"
    game = chance_game()
    assert solve(game).solver == "spe"
    sol = solve(game, solver="qbi", lam=2.0)
    assert sol.solver == "qbi" and sol.lam == 2.0
    np.testing.assert_array_equal(sol.profile, solve_qbi(game, lam=2.0).profile)


def test_cli_solve_with_lambda(tmp_path: Path) -> None:
    import brink.cli.games  # noqa: F401  registers the commands
    from brink.cli import app

    path = tmp_path / "game.efg"
    path.write_text(write_efg(chance_game()))
    runner = CliRunner()
    result = runner.invoke(app, ["solve", str(path), "--solver", "qbi", "--lambda", "2", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    ours = solve_qbi(read_efg(path), lam=2.0)
    assert out["solver"] == "qbi" and out["lambda"] == 2.0
    np.testing.assert_allclose(flat(out["profile"]), flat(ours.behavior()))
    assert out["max_regret"] == pytest.approx(float(ours.max_regret))
    from brink_in_process import invoke

    status, err = invoke(["solve", str(path), "--solver", "qbi", "--lambda", "-1"])
    assert status == 2  # an InputError: a message, no traceback
    assert "lambda" in err and "Traceback" not in err


def test_crisis_model_with_qbi() -> None:
    """A scenario model runs qbi at a lambda; the lean read-out equals the full solution's."""
    from brink.model import CrisisModel
    from brink.scenario import load_scenario

    sc = load_scenario("ukraine-2022")
    model = CrisisModel(sc, solver="qbi", lam=0.5)
    params = model.draw(5, 0, 16)
    result = model.evaluate(params)
    assert not result.failed.any()
    game, solution = model.game(params)
    lean = qbi_terminal_reach(game, lam=0.5)
    np.testing.assert_allclose(lean.payoffs, solution.payoffs, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(lean.reach, solution.reach[:, game.terminals], atol=1e-12)
    for probs in result.outcomes.values():
        assert np.all((probs >= 0) & (probs <= 1 + 1e-12))
    spe = CrisisModel(sc, solver="spe").evaluate(params)
    sharp = CrisisModel(sc, solver="qbi", lam=1e6).evaluate(params)
    assert set(sharp.outcomes) == set(spe.outcomes)


def test_monte_carlo_run_with_qbi() -> None:
    """``brink run --solver qbi --lambda X``: the run takes qbi's lambda and still refuses one
    for a solver that takes none."""
    from brink.runs import run
    from brink.scenario import load_scenario

    sc = load_scenario("ukraine-2022")
    out = run(sc, samples=1024, seed=2, solver="qbi", lam=0.5).to_json()
    assert out["failed"] == 0
    for outcome in out["outcomes"].values():
        assert 0.0 <= outcome["p"] <= 1.0
    with pytest.raises(InputError, match="qbi"):
        run(sc, samples=1024, seed=2, solver="spe", lam=0.5)
