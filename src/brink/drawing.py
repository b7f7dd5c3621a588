"""The game tree as a figure: layout, pruning by reach and the plotly picture of a :class:`~brink.games.Game`.

The tree is laid out from the :class:`~brink.games.Game` arrays alone (leaves evenly
spaced in preorder, each internal node centred over its children, depth on the
horizontal axis, after Reingold & Tilford 1981 in its simplest form) and shaded by reach
probabilities (a :class:`~brink.solvers.result.Solution`'s, or any given), so the
equilibrium path stands out.  Branches play reaches with probability below
:data:`PRUNE_REACH` are left out and deep moves collapse into "+ N more" leaves, so a
tree of thousands of nodes stays readable.

This is part of the core: :meth:`brink.games.Game.draw` (a notebook's picture, as
Gambit's ``draw()``) calls it, and the report (:mod:`brink.report.figures`,
:mod:`brink.report.document`) and the workbench's outline (:mod:`brink.web.tree`) import
it, never the reverse.  The colours (Okabe & Ito 2008) and the plotly layout are defined
here once and shared by every figure of the report.  plotly is imported only when a
figure is built.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from brink.arrays import FloatArray
from brink.errors import InputError

if TYPE_CHECKING:
    import plotly.graph_objects as go

    from brink.games import Game
    from brink.solvers.result import Solution

__all__ = [
    "EDGE_COLOUR",
    "LABEL_CHARS",
    "PALETTE",
    "PATH_COLOUR",
    "PRUNE_REACH",
    "TREE_HEIGHT_CAP",
    "TREE_MAX_DEPTH",
    "TREE_ROW_PX",
    "figure_layout",
    "game_tree_figure",
    "plotly_figure",
    "pruned_tree",
    "shorten",
    "tree_layout",
    "tree_reach",
]


#: Colours (Okabe & Ito 2008, safe for colour-blind readers).
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000")
PATH_COLOUR = "#D55E00"
EDGE_COLOUR = "#B0B0B0"


def figure_layout(title: str, **kw: Any) -> dict[str, Any]:
    """The plotly layout every brink figure shares (plain white, a title), updated by ``kw``."""
    base: dict[str, Any] = {
        "title": {"text": title},
        "template": "simple_white",
        "margin": {"l": 60, "r": 20, "t": 50, "b": 50},
    }
    base.update(kw)
    return base


def plotly_figure(data: list[dict[str, Any]], layout: dict[str, Any]) -> go.Figure:
    """A plotly figure of ``data`` traces (plotly is imported here, on first use)."""
    import plotly.graph_objects as go

    return go.Figure(data=data, layout=layout)


def tree_layout(game: Game, shown: NDArray[np.bool_] | None = None) -> tuple[FloatArray, FloatArray]:
    """``(x, y)`` of every node: depth, and leaves 0, 1, 2, ... in preorder with parents centred.

    With ``shown``, only those nodes are laid out (a shown node with no shown child counts
    as a leaf); the others keep ``y = 0``.
    """
    n = game.n_nodes
    mask = np.ones(n, dtype=bool) if shown is None else np.asarray(shown, dtype=bool)
    y = np.zeros(n)
    ptr, ch = game.child_ptr, game.children
    kids_of = [ch[ptr[v] : ptr[v + 1]] for v in range(n)]
    leaf = np.array([mask[v] and not mask[kids_of[v]].any() for v in range(n)], dtype=bool)
    y[leaf] = np.arange(int(leaf.sum()), dtype=np.float64)
    for v in range(n - 1, -1, -1):
        if mask[v] and not leaf[v]:
            kids = kids_of[v][mask[kids_of[v]]]
            y[v] = 0.5 * (y[kids].min() + y[kids].max())
    return np.asarray(game.depth, dtype=np.float64), y


#: Reach below this (in the shown sample, or averaged over samples) prunes a branch from the tree.
PRUNE_REACH = 1e-6
#: Pixels per row of the drawn tree (one row per shown leaf; 10 px text never overlaps at 24 px).
TREE_ROW_PX = 24
#: The tallest tree figure drawn, in pixels: the depth shown is cut until the rows fit.
TREE_HEIGHT_CAP = 1400
#: Default number of moves drawn below the root before the rest collapses into "+ N more".
TREE_MAX_DEPTH = 6
#: Longest label drawn before it is cut with an ellipsis.
LABEL_CHARS = 26


def shorten(text: str, n: int = LABEL_CHARS) -> str:
    """``text`` cut to ``n`` characters, the last an ellipsis."""
    return text if len(text) <= n else text[: n - 1] + "\u2026"


def tree_reach(
    game: Game, solution: Solution | None = None, sample: int | None = None, reach: Any = None
) -> FloatArray | None:
    """Reach probability of every node: ``reach`` as given (``(nodes,)`` or ``(samples, nodes)``),
    else the ``solution``'s; sample ``sample`` of it, or its mean over samples when ``None``."""
    r = reach if reach is not None else (solution.reach if solution is not None else None)
    if r is None:
        return None
    arr = np.asarray(r, dtype=np.float64)
    if arr.ndim == 2:
        if sample is not None:
            if not 0 <= sample < arr.shape[0]:
                raise InputError(
                    f"no sample {sample}", "game tree", f"choose a sample from 0 to {arr.shape[0] - 1}"
                )
            return np.asarray(arr[sample], dtype=np.float64)
        return np.asarray(arr.mean(axis=0), dtype=np.float64)
    if arr.shape != (game.n_nodes,):
        raise InputError(
            f"reach has shape {arr.shape}, the game has {game.n_nodes} nodes", "game tree",
            "give one reach probability per node (or per sample and node)",
        )
    return arr


def pruned_tree(
    game: Game, reach: FloatArray | None, max_depth: int = TREE_MAX_DEPTH, height_cap: int = TREE_HEIGHT_CAP
) -> tuple[NDArray[np.bool_], dict[int, int], int]:
    """Which nodes the tree figure draws: ``(shown, collapsed, depth)``.

    A node is shown when play reaches it with probability at least :data:`PRUNE_REACH`
    (every node when ``reach`` is ``None``) and it lies within ``depth`` moves of the root;
    ``collapsed`` maps each shown node at the cut to the number of reachable nodes below it
    (drawn as "+ N more").  ``depth`` starts at ``max_depth`` and is lowered until one
    :data:`TREE_ROW_PX` row per shown leaf fits in ``height_cap`` pixels.
    """
    depth = np.asarray(game.depth)
    alive = np.ones(game.n_nodes, dtype=bool) if reach is None else reach >= PRUNE_REACH
    alive[0] = True
    # A node is alive only if its parent is (reach is monotone, but be safe with given arrays).
    par = np.asarray(game.parent)
    for v in range(1, game.n_nodes):
        alive[v] = alive[v] and alive[int(par[v])]
    below = np.zeros(game.n_nodes, dtype=np.int64)  # alive descendants of each node
    for v in range(game.n_nodes - 1, 0, -1):
        if alive[v]:
            below[int(par[v])] += below[v] + 1
    rows_budget = max(1, (height_cap - 160) // TREE_ROW_PX)
    d = max(0, int(max_depth))
    while True:
        shown = alive & (depth <= d)
        has_shown_child = np.zeros(game.n_nodes, dtype=bool)
        has_shown_child[par[1:][shown[1:]]] = True
        leaves = int((shown & ~has_shown_child).sum())
        if leaves <= rows_budget or d == 0:
            break
        d -= 1
    collapsed = {int(v): int(below[v]) for v in np.flatnonzero(shown & (depth == d) & (below > 0))}
    return shown, collapsed, d


def game_tree_figure(
    game: Game,
    solution: Solution | None = None,
    max_labels: int = 300,
    *,
    sample: int | None = None,
    reach: Any = None,
    max_depth: int = TREE_MAX_DEPTH,
) -> go.Figure:
    """The game tree, pruned to the branches play can reach, with the equilibrium path.

    Reach probabilities come from ``reach`` or the ``solution`` (sample ``sample``, or the
    mean over samples); branches reached with probability below :data:`PRUNE_REACH` are
    left out, moves deeper than ``max_depth`` collapse into "+ N more" leaves, and the
    depth is cut further until the figure fits :data:`TREE_HEIGHT_CAP` pixels.  Each node
    names the player who moves there (or chance, or the outcome), each edge the action
    and, with a solution, the probability of reaching its child; the most likely path
    (from the root, always the shown child reached most often; first on ties) is drawn in
    the path colour.  Layout after Reingold & Tilford (1981) in its simplest form.
    """
    r = tree_reach(game, solution, sample, reach)
    shown, collapsed, cut = pruned_tree(game, r, max_depth)
    x, y = tree_layout(game, shown)
    kid_all = np.asarray(game.children)
    par_all = np.asarray(game.edge_parent)
    keep = shown[kid_all]
    par, kid = par_all[keep], kid_all[keep]
    act = np.asarray(game.edge_action)[keep]
    rr = np.zeros(game.n_nodes) if r is None else r
    on_path = np.zeros(kid.size, dtype=bool)
    node = 0
    while True:
        out = np.flatnonzero(par == node)
        if out.size == 0:
            break
        e = int(out[int(np.argmax(rr[kid[out]]))])
        on_path[e] = True
        node = int(kid[e])
    data: list[dict[str, Any]] = []
    for mask, colour, width, name in (
        (~on_path, EDGE_COLOUR, 1.5, "edges"),
        (on_path, PATH_COLOUR, 4.0, "equilibrium path"),
    ):
        if not mask.any():
            continue
        ex = np.stack([x[par[mask]], x[kid[mask]], np.full(mask.sum(), np.nan)], axis=1).ravel()
        ey = np.stack([y[par[mask]], y[kid[mask]], np.full(mask.sum(), np.nan)], axis=1).ravel()
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "x": [None if np.isnan(v) else v for v in ex.tolist()],
                "y": [None if np.isnan(v) else v for v in ey.tolist()],
                "line": {"color": colour, "width": width},
                "hoverinfo": "skip",
                "name": name,
            }
        )
    if 0 < kid.size <= max_labels:
        labels = [shorten(game.action_label(int(p), int(a))) for p, a in zip(par, act, strict=True)]
        data.append(
            {
                "type": "scatter",
                "mode": "text",
                "x": x[kid].tolist(),
                "y": y[kid].tolist(),
                "text": [
                    f"{lab} ({_percent(float(rr[k]))})" if r is not None else lab
                    for lab, k in zip(labels, kid.tolist(), strict=True)
                ],
                "textposition": "top left",
                "textfont": {"size": 10},
                "hoverinfo": "text",
                "name": "actions",
                "showlegend": False,
            }
        )
    player = np.asarray(game.node_player)
    names = [*game.players, "chance", "outcome"]
    leaf = np.asarray(game.num_children) == 0
    code = np.where(leaf, len(game.players) + 1, np.where(player < 0, len(game.players), player))
    outcome = np.asarray(game.outcome)

    def node_text(v: int) -> str:
        if v in collapsed:
            return f"+ {collapsed[v]} more"
        if leaf[v]:
            o = int(outcome[v])
            return shorten(game.outcome_labels[o].rsplit("/", 1)[-1].strip()) if 0 <= o < len(
                game.outcome_labels) and game.outcome_labels[o] else "end"
        return names[int(code[v])]

    for c in np.unique(code[shown]).tolist():
        m = (code == c) & shown
        idx = np.flatnonzero(m).tolist()
        data.append(
            {
                "type": "scatter",
                "mode": "markers+text",
                "x": x[m].tolist(),
                "y": y[m].tolist(),
                "marker": {"color": PALETTE[c % len(PALETTE)], "size": 8},
                "text": [node_text(v) for v in idx],
                "textposition": "middle right",
                "textfont": {"size": 10},
                "hovertext": [
                    f"node {v}: {names[c]}" + (f", reach {_percent(float(rr[v]))}" if r is not None else "")
                    for v in idx
                ],
                "hoverinfo": "text",
                "name": names[c],
            }
        )
    rows = int(np.ptp(y[shown])) + 1 if shown.any() else 1
    pruned = int(game.n_nodes - shown.sum())
    note = f"<br><sup>{pruned:,} unreached or deeper nodes not drawn</sup>" if pruned else ""
    return plotly_figure(
        data,
        figure_layout(
            (f"Game tree: {game.title}" if game.title else "Game tree") + note,
            xaxis={"title": {"text": "moves from the start"}, "showgrid": False, "zeroline": False,
                   "dtick": 1, "range": [-0.3, cut + 1.2]},
            yaxis={"visible": False, "autorange": "reversed"},
            height=min(TREE_HEIGHT_CAP, max(300, TREE_ROW_PX * rows + 160)),
            showlegend=True,
        ),
    )


def _percent(p: float) -> str:
    """A probability as a percentage with one decimal; below 0.05% as ``<0.1%``."""
    if p != p:
        return "n/a"
    if 0 < p < 0.0005:
        return "<0.1%"
    return f"{100 * p:.1f}%"
