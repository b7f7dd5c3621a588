"""The game tree as a nested outline for the app's collapsible view, read as a Gambit user reads one.

The outline shows the game of one sample of the draw (``sample``), as Gambit's tree view shows a
game (McKelvey, McLennan & Turocy 2016): each node names the mover (or chance, or the outcome at
a leaf), the action that leads to it with the probability the solution gives that action (the
behaviour profile; chance's own probabilities at chance nodes), its information set (numbered per
player, as in a ``.efg`` file, and marked when the set holds more than one node: the mover cannot
tell them apart), and at a leaf the payoffs of every player.  The equilibrium path is the most
likely action at every node from the root, ties to the first (:meth:`brink.solvers.Solution.path`),
so it is the path ``brink solve`` prints and a Gambit solver of the downloaded ``.efg`` finds.

The same pruning as the report's figure (:func:`brink.drawing.pruned_tree` with no depth cut):
a branch reached with probability below :data:`~brink.drawing.PRUNE_REACH` both in this sample
and on average over the draw is folded into a count on its parent.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from brink.drawing import PRUNE_REACH, tree_reach
from brink.games import Game
from brink.solvers import Solution

__all__ = ["MAX_OUTLINE_NODES", "tree_outline"]

#: Most nodes one outline sends to the browser; deeper reachable nodes become counts.
MAX_OUTLINE_NODES = 3000


def tree_outline(
    game: Game, solution: Solution | None, max_nodes: int = MAX_OUTLINE_NODES, sample: int | None = None
) -> dict[str, Any]:
    """The reachable tree as ``{"root": node, "nodes": n, "folded": k, "players": [...], "path": [...]}``.

    Each node is ``{"id", "kind", "who", "action", "prob", "reach", "mean_reach", "infoset",
    "payoffs", "on_path", "children", "folded"}``: ``who`` is the player who moves there
    (``chance`` or the outcome's label at a leaf), ``action`` the label of the edge into it and
    ``prob`` that action's probability in ``sample`` (``None`` without a solution, at the root or
    for a decision without a profile), ``reach`` the probability that play reaches the node in
    ``sample`` and ``mean_reach`` over all samples, ``infoset`` ``{"number", "size", "label"}``
    (``None`` at a leaf), ``payoffs`` each player's payoff at a leaf (else ``None``), ``folded``
    the number of children never reached (or not sent beyond ``max_nodes``).  With ``sample``
    ``None`` the first sample is shown (the mean reach still covers them all).
    """
    k = 0 if sample is None else int(sample)
    one = game.sample(k) if game.samples is not None else game
    mean = tree_reach(game, solution)
    here = tree_reach(game, solution, sample=k) if solution is not None and solution.samples is not None else mean
    mean_reach = np.ones(game.n_nodes) if mean is None else np.asarray(mean, dtype=np.float64)
    reach = np.ones(game.n_nodes) if here is None else np.asarray(here, dtype=np.float64)
    kids = np.asarray(game.children)
    ptr = np.asarray(game.child_ptr)
    player = np.asarray(game.node_player)
    outcome = np.asarray(game.outcome)
    parent = np.asarray(game.parent)
    edge_action = np.asarray(game.edge_action)
    infoset = np.asarray(game.infoset)
    set_size = np.bincount(infoset[infoset >= 0], minlength=1) if (infoset >= 0).any() else np.zeros(1, int)
    payoffs = np.asarray(one.outcome_payoffs, dtype=np.float64)
    chance = np.asarray(one.chance_probs, dtype=np.float64)
    profile = None if solution is None else np.asarray(
        solution.profile if solution.samples is None else solution.profile[k], dtype=np.float64
    )
    action_ptr = np.asarray(game.infoset_action_ptr)
    names = list(game.players)
    numbers = _set_numbers(game)
    path_nodes = _path_nodes(game, profile, action_ptr) if profile is not None else set()

    def who(v: int) -> tuple[str, str]:
        a, b = int(ptr[v]), int(ptr[v + 1])
        if a == b:
            o = int(outcome[v])
            label = game.outcome_labels[o] if 0 <= o < len(game.outcome_labels) else ""
            return "terminal", label.rsplit("/", 1)[-1].strip() or "end"
        p = int(player[v])
        return ("chance", "chance") if p < 0 else ("decision", names[p])

    def edge_prob(v: int, e: int) -> float | None:
        if int(player[v]) < 0:
            return float(chance[e])
        if profile is None:
            return None
        h = int(infoset[v])
        return float(profile[int(action_ptr[h]) + int(edge_action[e])])

    def set_of(v: int, kind: str, mover: str) -> dict[str, Any] | None:
        if kind == "terminal":
            return None
        h = int(infoset[v])
        size = int(set_size[h]) if 0 <= h < set_size.shape[0] else 1
        number = int(numbers[h])
        return {"number": number, "size": size, "label": f"{mover} {number}" if kind != "chance" else f"chance {number}"}

    def leaf_payoffs(v: int) -> list[float] | None:
        o = int(outcome[v])
        if int(ptr[v]) != int(ptr[v + 1]) or o < 0:
            return None
        return [float(x) for x in payoffs[o]]

    sent = 0
    folded_total = 0

    def node(v: int, action: str, prob: float | None, on_path: bool) -> dict[str, Any]:
        nonlocal sent, folded_total
        sent += 1
        kind, mover = who(v)
        a, b = int(ptr[v]), int(ptr[v + 1])
        children = [int(c) for c in kids[a:b]]
        live = [c for c in children
                if max(reach[c], mean_reach[c]) >= PRUNE_REACH or solution is None or c in path_nodes]
        out: list[dict[str, Any]] = []
        for e, c in zip(range(a, b), children, strict=True):
            if c not in live or sent >= max_nodes:
                continue
            label = game.action_label(v, int(edge_action[e])) if parent[c] == v else ""
            out.append(node(c, label, edge_prob(v, e), on_path and c in path_nodes))  # noqa: F821 (deleted after use)
        folded = len(children) - len(out)
        folded_total += folded
        return {
            "id": v, "kind": kind, "who": mover, "action": action, "prob": prob,
            "reach": float(reach[v]), "mean_reach": float(mean_reach[v]), "infoset": set_of(v, kind, mover),
            "payoffs": leaf_payoffs(v), "on_path": on_path, "children": out, "folded": folded,
        }

    root = node(0, "", None, True)
    # ``node`` refers to itself through its closure: without this the cycle keeps the game's
    # arrays (hundreds of MB for a large tree) alive until the cyclic collector next runs
    del node
    return {"root": root, "nodes": sent, "folded": folded_total, "total": int(game.n_nodes),
            "players": names, "title": game.title, "sample": k,
            "samples": game.samples if game.samples is not None else 1,
            "path": [] if solution is None else solution.path(k if solution.samples is not None else None),
            "payoffs": None if solution is None else [
                float(x) for x in (solution.payoffs if solution.samples is None else solution.payoffs[k])]}


def _path_nodes(game: Game, profile: Any, action_ptr: Any) -> set[int]:
    """The nodes of the most likely path from the root (ties: the first action), as
    :meth:`brink.solvers.Solution.path` walks it."""
    node, out = 0, {0}
    while int(game.num_children[node]) > 0:
        h = int(game.infoset[node])
        a = int(np.argmax(profile[int(action_ptr[h]):int(action_ptr[h + 1])]))
        node = int(game.children[int(game.child_ptr[node]) + a])
        out.add(node)
    return out


def _set_numbers(game: Game) -> Any:
    """Each information set's number within its player: the number a ``.efg`` file gives it
    (:func:`brink.efg.write_efg`), so the page and the download name a set alike."""
    from brink.efg import _unique_numbers

    return _unique_numbers(game)
