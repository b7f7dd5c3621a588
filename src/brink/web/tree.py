"""The game tree as a nested outline for the app's collapsible view.

The same pruning as the report's figure (:func:`brink.drawing.pruned_tree` with no
depth cut): a branch play reaches with probability below
:data:`~brink.drawing.PRUNE_REACH` is folded into a count on its parent; every other
node names the mover (or chance, or the outcome), the action that leads to it and the
probability that equilibrium play reaches it, averaged over the samples.  The
equilibrium path follows the most reached child at every step, as in the figure.
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


def tree_outline(game: Game, solution: Solution | None, max_nodes: int = MAX_OUTLINE_NODES) -> dict[str, Any]:
    """The reachable tree as ``{"root": node, "nodes": n, "folded": k, "players": [...]}``.

    Each node is ``{"id", "kind", "who", "action", "reach", "on_path", "children",
    "folded"}``: ``who`` is the player who moves there (``chance`` or the outcome's label
    at a leaf), ``action`` the label of the edge into it, ``folded`` the number of
    children never reached (or not sent beyond ``max_nodes``).
    """
    r = tree_reach(game, solution)
    reach = np.ones(game.n_nodes) if r is None else np.asarray(r, dtype=np.float64)
    kids = np.asarray(game.children)
    ptr = np.asarray(game.child_ptr)
    player = np.asarray(game.node_player)
    outcome = np.asarray(game.outcome)
    parent = np.asarray(game.parent)
    edge_action = np.asarray(game.edge_action)
    names = list(game.players)

    def who(v: int) -> tuple[str, str]:
        a, b = int(ptr[v]), int(ptr[v + 1])
        if a == b:
            o = int(outcome[v])
            label = game.outcome_labels[o] if 0 <= o < len(game.outcome_labels) else ""
            return "terminal", label.rsplit("/", 1)[-1].strip() or "end"
        p = int(player[v])
        return ("chance", "chance") if p < 0 else ("decision", names[p])

    sent = 0
    folded_total = 0

    def node(v: int, action: str, on_path: bool) -> dict[str, Any]:
        nonlocal sent, folded_total
        sent += 1
        kind, mover = who(v)
        a, b = int(ptr[v]), int(ptr[v + 1])
        children = [int(c) for c in kids[a:b]]
        live = [c for c in children if reach[c] >= PRUNE_REACH or r is None]
        best = max(live, key=lambda c: reach[c]) if live and on_path else -1
        out: list[dict[str, Any]] = []
        for e, c in zip(range(a, b), children, strict=True):
            if c not in live or sent >= max_nodes:
                continue
            label = game.action_label(v, int(edge_action[e])) if parent[c] == v else ""
            out.append(node(c, label, c == best))
        folded = len(children) - len(out)
        folded_total += folded
        return {
            "id": v, "kind": kind, "who": mover, "action": action,
            "reach": float(reach[v]), "on_path": on_path, "children": out, "folded": folded,
        }

    root = node(0, "", True)
    return {"root": root, "nodes": sent, "folded": folded_total, "total": int(game.n_nodes),
            "players": names, "title": game.title}
