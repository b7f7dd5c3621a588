"""States, not histories (issue 21, item 3): the recombined graph solves like the tree.

:mod:`brink.solvers.states` merges the history nodes whose subgames are the same game up to a
constant per player (the flows already incurred) and solves each state once, with the flows
as edge rewards.  Checked here against the history tree on every bundled escalation scenario,
under spe (ties included: the defender choosing its declaration is indifferent between all
of them) and qbi: every node's values and every edge's probability (the choices), and the
outcomes and metrics of the model's fused read-out, to 1e-12 relative to the payoffs' scale;
and the merging rule itself, on the payoffs the built game holds.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import brink.solvers.spe as spe_module
from brink.builder import compile_game
from brink.games import NodeKind
from brink.model import CrisisModel
from brink.scenario import bundled_scenarios, load_scenario
from brink.solvers.qbi import solve_qbi
from brink.solvers.spe import solve_spe
from brink.solvers.states import StateGraph, state_graph, state_values
from brink.templates import get_template

TEMPLATE: Any = get_template("escalation")
ESCALATION = sorted(n for n in bundled_scenarios() if load_scenario(n).template == "escalation")
SMALL = str(Path(__file__).parent / "fixtures" / "escalation-small.yaml")
DECLARE = "process.declarations=[none, alert, straddle, conventional-strike, nuclear-response]"
TOL = 1e-12


def _draw(name: str, seed: int, samples: int, overrides: tuple[str, ...] = ()) -> tuple[Any, ...]:
    sc = load_scenario(name, overrides)
    model = CrisisModel(sc)
    scenario, full, _, _ = model._complete(model.draw(seed, 0, samples), None)
    q = TEMPLATE.prepare(scenario, full)
    return scenario, full, q, q.parts(), TEMPLATE.skeleton(scenario).game


def _graph(game: Any, parts: Any) -> StateGraph:
    g = state_graph(game, parts.rows, parts.row_class, parts.ptr, parts.term, parts.weight, parts.chance_row)
    assert g is not None
    return g


def _history_values(game: Any, parts: Any, graph: StateGraph, values: np.ndarray) -> np.ndarray:
    """``(S, nodes, players)``: each node's state value plus its offset (the terms of its first
    terminal's outcome: that outcome's payoff less its class value)."""
    P = game.n_players
    pay = parts.by_class  # (S, classes, P)
    o = graph.node_first
    cls = parts.row_class[parts.rows[o[:, None] * P + np.arange(P)[None, :]]]  # (nodes, P)
    full = np.asarray(TEMPLATE_PAYOFFS[id(parts)])  # (S, outcomes, P)
    terms = full[:, o, :] - np.take_along_axis(pay, np.broadcast_to(cls[None], (pay.shape[0], *cls.shape)), axis=1)
    return values[:, graph.node_state, :] + terms


TEMPLATE_PAYOFFS: dict[int, np.ndarray] = {}


def _check_against_tree(name: str, seed: int, samples: int, lam: float | None, overrides: tuple[str, ...] = ()) -> None:
    scenario, full, q, parts, game = _draw(name, seed, samples, overrides)
    built = compile_game(scenario, full, "perfect", q)
    TEMPLATE_PAYOFFS[id(parts)] = np.asarray(built.outcome_payoffs)
    graph = _graph(game, parts)
    tree = solve_spe(built) if lam is None else solve_qbi(built, lam=lam)
    values, eprob = state_values(parts, graph, lam)
    scale = max(1.0, float(np.abs(built.outcome_payoffs).max()))
    got = _history_values(game, parts, graph, values)
    np.testing.assert_allclose(got, tree.node_values, rtol=0, atol=TOL * scale)
    personal = np.flatnonzero(game.kind[game.edge_parent] == NodeKind.PERSONAL)
    want = tree.profile[:, game.edge_infoset_action[personal]]
    np.testing.assert_allclose(eprob[:, graph.edge_map[personal]], want, rtol=0, atol=TOL * scale)
    if lam is None:  # the tie rule's probabilities are exact: 0, 1 or 1/m
        np.testing.assert_array_equal(eprob[:, graph.edge_map[personal]], want)
    # the model's fused read-out on the states against the same on the tree
    results = {}
    for flag in (False, True):
        spe_module.STATES = flag
        try:
            results[flag] = TEMPLATE.fused_read_out(
                scenario, full, "spe" if lam is None else "qbi", {} if lam is None else {"lam": lam}, q
            )
        finally:
            spe_module.STATES = True
    a, b = results[False], results[True]
    np.testing.assert_array_equal(b.modal, a.modal)
    for group in ("outcomes", "metrics"):
        for key, value in getattr(a, group).items():
            other = getattr(b, group)[key]
            size = max(1.0, float(np.nanmax(np.abs(value), initial=0.0)))
            np.testing.assert_allclose(other, value, rtol=0, atol=TOL * size, err_msg=key)


@pytest.mark.parametrize("lam", [None, 3.0], ids=["spe", "qbi"])
@pytest.mark.parametrize("name", ESCALATION)
def test_states_solve_like_the_tree_on_every_bundled_escalation_scenario(name: str, lam: float | None) -> None:
    _check_against_tree(name, 0, 24, lam)


@pytest.mark.parametrize("lam", [None, 3.0], ids=["spe", "qbi"])
def test_states_keep_ties_as_ties(lam: float | None) -> None:
    """NATO choosing its declaration in ``ukraine-2022`` is indifferent between all five: the
    states mix them uniformly as the tree does (the declarations merge into one state)."""
    _check_against_tree("ukraine-2022", 0, 24, lam, (DECLARE,))
    scenario, full, q, parts, game = _draw("ukraine-2022", 0, 4, (DECLARE,))
    graph = _graph(game, parts)
    _, eprob = state_values(parts, graph)
    declare = [v for v in range(game.n_nodes) if game.parent[v] == 0 and game.kind[v] == NodeKind.PERSONAL]
    assert declare
    tree = solve_spe(compile_game(scenario, full, "perfect", q))
    for v in declare:
        e0 = int(game.child_ptr[v])
        got = eprob[:, graph.edge_map[e0:e0 + 5]]
        assert np.isin(got, [0.0, 0.2, 0.25, 1 / 3, 0.5, 1.0]).all()
        np.testing.assert_array_equal(got.sum(axis=1), 1.0)
        np.testing.assert_array_equal(tree.ties[:, v], (got > 0).sum(axis=1) > 1)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**31 - 1), samples=st.integers(1, 70), lam=st.one_of(st.none(), st.floats(0.0, 30.0)))
def test_states_solve_like_the_tree_on_random_draws(seed: int, samples: int, lam: float | None) -> None:
    _check_against_tree("ukraine-2022", seed, samples, lam)


def test_merged_nodes_hold_the_same_game_up_to_a_constant() -> None:
    """The merging rule on the built game's own payoffs: for every state, the subtrees of the
    nodes merged into it have the same shape, movers and chance probabilities, and their
    terminals' payoffs differ by one constant per player and sample."""
    scenario, full, q, parts, game = _draw("ukraine-2022", 3, 5)
    built = compile_game(scenario, full, "perfect", q)
    graph = _graph(game, parts)
    assert graph.n_states < game.n_nodes / 3 and graph.n_terminals < game.terminals.size / 3
    pay = np.asarray(built.outcome_payoffs)  # (S, outcomes, P)
    probs = np.asarray(built.chance_probs)

    def walk(v: int) -> tuple[list[Any], list[int], list[int]]:
        shape: list[Any] = []
        outcomes: list[int] = []
        edges: list[int] = []
        stack = [v]
        while stack:
            u = stack.pop()
            kids = game.children[game.child_ptr[u]:game.child_ptr[u + 1]]
            shape.append((int(game.node_player[u]), len(kids)))
            if len(kids) == 0:
                outcomes.append(int(game.outcome[u]))
            edges.extend(range(int(game.child_ptr[u]), int(game.child_ptr[u + 1])))
            stack.extend(int(c) for c in kids[::-1])
        return shape, outcomes, edges

    members: dict[int, list[int]] = {}
    for v, u in enumerate(graph.node_state.tolist()):
        members.setdefault(u, []).append(v)
    merged = [vs for vs in members.values() if len(vs) > 1]
    assert merged
    for vs in merged[:: max(1, len(merged) // 60)]:
        shape0, out0, edges0 = walk(vs[0])
        for v in vs[1:]:
            shape, out, edges = walk(v)
            assert shape == shape0
            np.testing.assert_array_equal(probs[:, edges], probs[:, edges0])
            diff = pay[:, out, :] - pay[:, out0, :]
            np.testing.assert_allclose(diff, np.broadcast_to(diff[:, :1, :], diff.shape), rtol=0, atol=1e-12)


def test_the_model_solves_on_states_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    """``brink run``'s path (the template's fused read-out) goes through the states, and the
    tree remains a switch away (:data:`brink.solvers.spe.STATES`)."""
    calls: list[int] = []
    real = spe_module.states_fused

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(*args, **kwargs)

    import brink.solvers.qbi as qbi_module

    monkeypatch.setattr(spe_module, "states_fused", counting)
    monkeypatch.setattr(qbi_module, "states_fused", counting)
    for solver, lam in (("spe", None), ("qbi", 3.0)):
        model = CrisisModel(load_scenario(SMALL), solver=solver, lam=lam)
        on = model.evaluate(model.draw(0, 0, 8))
        monkeypatch.setattr(spe_module, "STATES", False)
        off = model.evaluate(model.draw(0, 0, 8))
        monkeypatch.setattr(spe_module, "STATES", True)
        for key, value in off.outcomes.items():
            np.testing.assert_allclose(on.outcomes[key], value, rtol=0, atol=1e-12)
    assert len(calls) == 2


# ------------------------------------------------------------------ generic: any template's parts


def _generic(seed: int, samples: int, players: int, copies: int) -> tuple[Any, Any]:
    """A random game given by parts (:class:`brink.solvers.spe.PayoffParts`): nature picks one
    of ``copies`` copies of a random subtree; each copy's terminals carry the subtree's classes
    and term weights plus a random constant weight vector per player (the copy's past flows),
    so the copies are one state.  Integer class values and coefficients make ties common."""
    from brink.games import TreeBuilder
    from brink.solvers.spe import PayoffParts

    rng = np.random.default_rng(seed)
    K, U = 4, 5

    def grow(depth: int) -> Any:
        if depth >= 3 or rng.random() < 0.3:
            return ("leaf", int(rng.integers(U)), rng.integers(-1, 2, size=(players, K)).astype(float))
        k = int(rng.integers(2, 4))
        if rng.random() < 0.25:
            return ("chance", k, [grow(depth + 1) for _ in range(k)])
        return ("move", int(rng.integers(players)), [grow(depth + 1) for _ in range(k)])

    sub = grow(0)
    while sub[0] == "leaf":
        sub = grow(0)
    b = TreeBuilder("generic", [f"P{i}" for i in range(players)])
    classes: list[int] = []
    weights: list[np.ndarray] = []

    def add(node: int, t: Any, shift: np.ndarray) -> None:
        if t[0] == "leaf":
            b.outcome(node, np.zeros((samples, players)))
            classes.append(t[1])
            weights.append(t[2] + shift)
            return
        if t[0] == "chance":
            kids = b.move(node, None, [f"c{i}" for i in range(t[1])], probs=np.full((samples, t[1]), 1.0 / t[1]))
        else:
            kids = b.move(node, f"P{t[1]}", [f"a{i}" for i in range(len(t[2]))])
        for kid, child in zip(kids, t[2], strict=True):
            add(kid, child, shift)

    roots = b.move(b.root, None, [f"copy {i}" for i in range(copies)], probs=np.full((samples, copies), 1.0 / copies))
    for r in roots:
        add(r, sub, rng.integers(-2, 3, size=(players, K)).astype(float))
    shell = b.build()
    W = np.stack(weights)  # (outcomes, P, K) in outcome order
    cls = np.asarray(classes)
    by_class = rng.integers(-3, 4, size=(samples, U, players)).astype(float)
    coef = rng.integers(0, 3, size=(K, samples)).astype(float)
    table = np.empty((samples, copies + 5))  # the copy draw, then one distribution of 2 and one of 3
    table[:, :copies] = 1.0 / copies
    chance_row = np.full(shell.n_edges, -1, dtype=np.int64)
    chance_row[shell.child_ptr[0]:shell.child_ptr[1]] = np.arange(copies)
    # the subtree's chance nodes draw from one distribution per number of children
    table[:, copies:copies + 2] = rng.dirichlet(np.ones(2), size=samples)
    table[:, copies + 2:] = rng.dirichlet(np.ones(3), size=samples)
    for v in np.flatnonzero((shell.kind == NodeKind.CHANCE) & (np.arange(shell.n_nodes) > 0)):
        e0, e1 = int(shell.child_ptr[v]), int(shell.child_ptr[v + 1])
        chance_row[e0:e1] = copies + (0 if e1 - e0 == 2 else 2) + np.arange(e1 - e0)
    P = players
    rows = np.arange(W.shape[0] * P, dtype=np.int64)
    ptr = [0]
    term: list[int] = []
    wts: list[float] = []
    for o in range(W.shape[0]):
        for p in range(P):
            nz = np.flatnonzero(W[o, p])
            term.extend(nz.tolist())
            wts.extend(W[o, p, nz].tolist())
            ptr.append(len(term))
    parts = PayoffParts(
        by_class=by_class, rows=rows, row_class=np.repeat(cls, P), row_player=np.tile(np.arange(P), W.shape[0]),
        coef=coef, ptr=np.asarray(ptr, dtype=np.int64), term=np.asarray(term, dtype=np.int64),
        weight=np.asarray(wts, dtype=np.float64), chance=table, chance_row=chance_row,
    )
    pay = by_class[:, cls, :] + np.einsum("opk,ks->sop", W, coef)
    probs = np.zeros((samples, shell.n_edges))
    edges = np.flatnonzero(chance_row >= 0)
    probs[:, edges] = table[:, chance_row[edges]]
    from dataclasses import replace

    return replace(shell, outcome_payoffs=pay, chance_probs=probs), parts


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), players=st.integers(1, 3), copies=st.integers(2, 4),
       lam=st.one_of(st.none(), st.floats(0.0, 20.0)))
def test_states_of_any_game_given_by_parts_solve_like_its_tree(
    seed: int, players: int, copies: int, lam: float | None
) -> None:
    """The recombination reads the tree and the parts only: on random games whose copies of one
    subtree differ by flows, the copies merge into one state, and the fused states path gives
    the tree's payoffs, every terminal's reach and the modal path (ties included)."""
    from brink.solvers.qbi import qbi_fused
    from brink.solvers.spe import spe_fused

    game, parts = _generic(seed, 5, players, copies)
    graph = _graph(game, parts)
    root_kids = game.children[game.child_ptr[0]:game.child_ptr[1]]
    assert len({int(graph.node_state[c]) for c in root_kids}) == 1
    assert graph.n_states <= (game.n_nodes - 1) // copies + 1
    columns = np.arange(game.terminals.size, dtype=np.int64)
    got: dict[bool, Any] = {}
    for flag in (False, True):
        reach = np.empty((5, game.terminals.size))

        def sink(a: int, b: int, r: np.ndarray, reach: np.ndarray = reach) -> None:
            reach[a:b] = r

        if lam is None:
            res = spe_fused(game, parts, columns, sink, states=flag)
        else:
            res = qbi_fused(game, parts, columns, sink, lam=lam, states=flag)
        got[flag] = (res, reach)
    tree = solve_spe(game) if lam is None else solve_qbi(game, lam=lam)
    (a, ra), (b, rb) = got[False], got[True]
    np.testing.assert_array_equal(a.payoffs, tree.payoffs)  # the tree's fused path, bit for bit
    np.testing.assert_array_equal(ra, tree.reach[:, game.terminals])
    scale = max(1.0, float(np.abs(game.outcome_payoffs).max()))
    np.testing.assert_allclose(b.payoffs, tree.payoffs, rtol=0, atol=TOL * scale)
    np.testing.assert_allclose(rb, tree.reach[:, game.terminals], rtol=0, atol=TOL)
    np.testing.assert_array_equal(b.modal, a.modal)


@pytest.mark.parametrize("flag", [False, True], ids=["tree", "states"])
def test_terminals_that_share_a_column_are_summed(flag: bool) -> None:
    """A read-out that weighs terminals alike can give them one column: the sink's row then
    holds the sum of their reach (here the column of each terminal is its outcome class)."""
    from brink.solvers.spe import spe_fused
    from brink.templates.escalation.payoffs import outcome_classes, war_classes

    scenario, _, _, parts, game = _draw("ukraine-2022", 2, 70)
    _, war_class = war_classes(TEMPLATE.skeleton(scenario).structure)
    _, of_class = outcome_classes(TEMPLATE.skeleton(scenario).structure)
    columns = np.ascontiguousarray(of_class[war_class[game.outcome[game.terminals]]], dtype=np.int64)
    full = np.empty((70, game.terminals.size))
    narrow = np.empty((70, int(columns.max()) + 1))

    def into(out: np.ndarray) -> Any:
        def sink(a: int, b: int, rows: np.ndarray) -> None:
            out[a:b] = rows
        return sink

    spe_fused(game, parts, np.arange(game.terminals.size, dtype=np.int64), into(full), states=flag)
    spe_fused(game, parts, columns, into(narrow), states=flag)
    want = np.zeros_like(narrow)
    np.add.at(want.T, columns, full.T)
    np.testing.assert_allclose(narrow, want, rtol=0, atol=1e-15)
    assert narrow.shape[1] < game.terminals.size / 5
