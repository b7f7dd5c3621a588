"""Extensive-form games held as flat numpy arrays.

A :class:`Game` is the data every solver in brink works on.  Nodes are stored in
preorder (the root is node 0 and every parent precedes its children, as in a
Gambit ``.efg`` file), children in compressed-sparse-row form, and every
personal or chance node belongs to an information set that owns its action
labels.  Payoffs live on *outcomes* that nodes refer to by index; as in Gambit,
an outcome may sit on a non-terminal node and payoffs then add up along the path
(Kuhn 1953; McKelvey, McLennan & Turocy, *Gambit*).

Payoffs and chance probabilities may carry a leading *sample* dimension so that
one tree is solved for many parameter draws at once:

* ``outcome_payoffs`` has shape ``(outcomes, players)`` or ``(samples, outcomes, players)``;
* ``chance_probs`` has shape ``(edges,)`` or ``(samples, edges)``; entry ``e`` is the
  probability of edge ``e`` if it leaves a chance node, and 0 otherwise.

Games are immutable values: build them with :class:`TreeBuilder` or read them
with :func:`brink.efg.read_efg`, and derive new sample arrays with
:meth:`Game.with_samples`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from functools import cached_property
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from brink.arrays import FloatArray
from brink.drawing import TREE_MAX_DEPTH, game_tree_figure

__all__ = [
    "CHANCE",
    "MAX_MAGNITUDE",
    "MAX_NODES",
    "MAX_NODE_PAYOFFS",
    "Game",
    "GameError",
    "NodeKind",
    "TreeBuilder",
]

#: Player index used for chance (nature) in ``Game.node_player`` and ``Game.infoset_player``.
CHANCE = -1

#: Most outcomes a game's notebook summary (``Game._repr_html_``) lists.
HTML_ROWS = 20

#: Absolute tolerance for chance probabilities summing to one.
PROBABILITY_TOLERANCE = 1e-9

#: Most nodes of one game tree.  Every structural check is linear in the tree, and a game
#: of this size takes about 1 GB to hold (``brink info`` on a 2-million-node ``.efg``: see
#: docs/games.md), so larger trees are refused with a message rather than exhausting memory.
MAX_NODES = 5_000_000
#: Most nodes x players: the size of the per-node payoff table (400 MB of float64).
MAX_NODE_PAYOFFS = 50_000_000
#: Largest payoff magnitude.  Payoffs add up along a path (outcomes may sit on inner
#: nodes), so with at most :data:`MAX_NODES` nodes every sum stays far below the largest
#: double (1.8e308) and the solvers' differences and ranges stay finite.
MAX_MAGNITUDE = 1e300


class GameError(ValueError):
    """A game is structurally invalid (cyclic tree, bad probabilities, missing outcome, ...)."""


class NodeKind(IntEnum):
    """What happens at a node."""

    TERMINAL = 0
    PERSONAL = 1
    CHANCE = 2


IntArray = NDArray[np.int32]


@dataclass(frozen=True, eq=False)
class Game:
    """An extensive-form game for any number of players, as flat arrays.

    Attributes:
        title: The game's title.
        players: Player labels; player ``i`` is ``players[i]``.
        kind: ``(nodes,)`` :class:`NodeKind` of each node.
        parent: ``(nodes,)`` parent node, ``-1`` at the root.
        child_ptr: ``(nodes + 1,)`` the children of node ``v`` are
            ``children[child_ptr[v]:child_ptr[v + 1]]``; edge ``e`` is the action
            ``e - child_ptr[v]`` at ``v``.
        children: ``(edges,)`` child node of each edge.
        infoset: ``(nodes,)`` information set of each node, ``-1`` at terminals.
        node_labels: Label of each node (may be empty).
        infoset_player: ``(infosets,)`` owner of each information set, :data:`CHANCE` for nature.
        infoset_number: ``(infosets,)`` the set's number within its player (as in ``.efg``, 1-based).
        infoset_labels: Label of each information set.
        action_labels: Action labels of each information set.
        chance_probs: ``(edges,)`` or ``(samples, edges)`` probability of each chance edge.
        outcome: ``(nodes,)`` outcome attached to each node, ``-1`` for none.
        outcome_labels: Label of each outcome.
        outcome_payoffs: ``(outcomes, players)`` or ``(samples, outcomes, players)``.
        description: Free text (the ``.efg`` comment block).
    """

    title: str
    players: tuple[str, ...]
    kind: NDArray[np.int8]
    parent: IntArray
    child_ptr: NDArray[np.int64]
    children: IntArray
    infoset: IntArray
    node_labels: tuple[str, ...]
    infoset_player: IntArray
    infoset_number: IntArray
    infoset_labels: tuple[str, ...]
    action_labels: tuple[tuple[str, ...], ...]
    chance_probs: FloatArray
    outcome: IntArray
    outcome_labels: tuple[str, ...]
    outcome_payoffs: FloatArray
    description: str = ""

    def __post_init__(self) -> None:
        _validate(self)

    # ------------------------------------------------------------------ sizes
    @property
    def n_nodes(self) -> int:
        return int(self.kind.shape[0])

    @property
    def n_players(self) -> int:
        return len(self.players)

    @property
    def n_infosets(self) -> int:
        return int(self.infoset_player.shape[0])

    @property
    def n_outcomes(self) -> int:
        return int(self.outcome_payoffs.shape[-2])

    @property
    def n_edges(self) -> int:
        return int(self.children.shape[0])

    @property
    def samples(self) -> int | None:
        """Size of the leading sample dimension, or ``None`` for a single game."""
        if self.outcome_payoffs.ndim == 3:
            return int(self.outcome_payoffs.shape[0])
        if self.chance_probs.ndim == 2:
            return int(self.chance_probs.shape[0])
        return None

    # ------------------------------------------------------------- structure
    @cached_property
    def num_children(self) -> NDArray[np.int64]:
        """``(nodes,)`` number of children (actions) at each node."""
        return np.diff(self.child_ptr)

    @cached_property
    def node_player(self) -> IntArray:
        """``(nodes,)`` player moving at each node; :data:`CHANCE` at chance nodes, -2 at terminals."""
        out = np.full(self.n_nodes, -2, dtype=np.int32)
        has = self.infoset >= 0
        out[has] = self.infoset_player[self.infoset[has]]
        return out

    @cached_property
    def infoset_action_ptr(self) -> NDArray[np.int64]:
        """``(infosets + 1,)`` the actions of set ``h`` are ``ptr[h]:ptr[h+1]`` in flat profiles."""
        sizes = np.array([len(a) for a in self.action_labels], dtype=np.int64)
        return np.concatenate([np.zeros(1, dtype=np.int64), np.cumsum(sizes)])

    @cached_property
    def edge_infoset_action(self) -> NDArray[np.int64]:
        """``(edges,)`` index of each edge's action in a flat information-set-action profile."""
        return self.infoset_action_ptr[self.infoset[self.edge_parent]] + self.edge_action

    @cached_property
    def edge_parent(self) -> IntArray:
        """``(edges,)`` node each edge leaves."""
        return np.repeat(np.arange(self.n_nodes, dtype=np.int32), self.num_children)

    @cached_property
    def edge_action(self) -> IntArray:
        """``(edges,)`` action index of each edge within its node."""
        return (np.arange(self.n_edges) - self.child_ptr[self.edge_parent]).astype(np.int32)

    @cached_property
    def parent_edge(self) -> IntArray:
        """``(nodes,)`` edge leading into each node, ``-1`` at the root."""
        out = np.full(self.n_nodes, -1, dtype=np.int32)
        out[self.children] = np.arange(self.n_edges, dtype=np.int32)
        return out

    @cached_property
    def depth(self) -> IntArray:
        """``(nodes,)`` number of edges between the root and each node."""
        depth = np.zeros(self.n_nodes, dtype=np.int32)
        for v in range(1, self.n_nodes):  # preorder: the parent is already done
            depth[v] = depth[self.parent[v]] + 1
        return depth

    @cached_property
    def terminals(self) -> IntArray:
        """Indices of terminal nodes, in preorder."""
        return np.flatnonzero(self.kind == NodeKind.TERMINAL).astype(np.int32)

    @cached_property
    def infoset_nodes(self) -> tuple[IntArray, ...]:
        """Member nodes of each information set, in preorder."""
        if self.n_infosets == 0:
            return ()
        order = np.argsort(self.infoset, kind="stable")
        counts = np.bincount(self.infoset[self.infoset >= 0], minlength=self.n_infosets)
        start = int(np.sum(self.infoset < 0))
        members = order[start:].astype(np.int32)
        return tuple(np.split(members, np.cumsum(counts)[:-1]))

    def player_infosets(self, player: int) -> IntArray:
        """Information sets of ``player`` ordered by their number in the file."""
        idx = np.flatnonzero(self.infoset_player == player)
        return idx[np.argsort(self.infoset_number[idx], kind="stable")].astype(np.int32)

    @property
    def is_perfect_information(self) -> bool:
        """Every personal information set contains exactly one node."""
        sizes = np.bincount(self.infoset[self.infoset >= 0], minlength=self.n_infosets)
        return bool(np.all(sizes[self.infoset_player >= 0] == 1))

    @cached_property
    def has_perfect_recall(self) -> bool:
        """Each player remembers all its own earlier information sets and actions (Kuhn 1953).

        Equivalent check: all nodes of an information set share the same sequence of
        the mover's own (information set, action) pairs on the path from the root
        (Osborne & Rubinstein 1994, Def. 203.3; Gambit's ``IsPerfectRecall``).
        """
        return self.perfect_recall_violation is None

    @cached_property
    def own_sequence(self) -> NDArray[np.int64]:
        """``(nodes,)`` an id of the sequence of the mover's own (set, action) pairs on the
        path to each personal node (-1 at chance and terminal nodes).

        Two nodes of one player get the same id exactly when those sequences are equal, so
        perfect recall is "every information set's nodes share one id".  The ids are
        interned sequences, built in one preorder pass: entering a child of a node of
        player ``i`` extends ``i``'s current sequence by that move (one dictionary entry),
        and leaving it restores the sequence.  Time and memory are linear in the tree (a
        stack as deep as the tree, one id per node), where keeping every node's full
        history would be quadratic: a chain of 100,000 moves then needs tens of GB.
        """
        n = self.n_nodes
        # memoryviews index almost as fast as lists, without a Python int per entry
        parent = np.ascontiguousarray(self.parent, dtype=np.int64).data
        mover = np.ascontiguousarray(self.node_player, dtype=np.int64).data
        into = np.zeros(n, dtype=np.int64)  # flat (set, action) index of the edge into each node
        into[1:] = self.edge_infoset_action[self.parent_edge[1:]]
        parent_action = into.data
        width = int(self.infoset_action_ptr[-1]) + 1
        out = np.full(n, -1, dtype=np.int64)
        current = [0] * self.n_players  # 0: the empty sequence
        intern: dict[int, int] = {}  # sequence * width + action -> id of the longer sequence
        path = [0]  # nodes from the root to the current one
        undo = [(-1, 0)]  # (player, previous sequence) to restore when leaving path[k]
        if mover[0] >= 0:
            out[0] = 0
        for v in range(1, n):
            u = parent[v]
            while path[-1] != u:
                path.pop()
                who, previous = undo.pop()
                if who >= 0:
                    current[who] = previous
            who = mover[u]
            if who >= 0:
                key = current[who] * width + parent_action[v]
                seq = intern.get(key)
                if seq is None:
                    seq = intern[key] = len(intern) + 1
                undo.append((who, current[who]))
                current[who] = seq
            else:
                undo.append((-1, 0))
            path.append(v)
            if mover[v] >= 0:
                out[v] = current[mover[v]]
        return out

    @cached_property
    def perfect_recall_violation(self) -> str | None:
        """A sentence naming the first information set that breaks perfect recall, or ``None``.

        The first set in index order whose nodes differ in :attr:`own_sequence`; the
        sentence names its first node and the first node (in preorder) that differs.
        """
        nodes = np.flatnonzero(self.node_player >= 0)
        if nodes.size == 0:
            return None
        seq = self.own_sequence
        sets = self.infoset[nodes]
        _, first_pos = np.unique(sets, return_index=True)  # first (preorder) node of each set
        first = np.zeros(self.n_infosets, dtype=np.int64)
        first[sets[first_pos]] = nodes[first_pos]
        bad = seq[nodes] != seq[first[sets]]
        if not bad.any():
            return None
        s = int(sets[bad].min())
        m = int(nodes[bad & (sets == s)][0])
        pl = int(self.infoset_player[s])
        return (
            f"information set {int(self.infoset_number[s])} of player "
            f"{self.players[pl]!r} ({self.infoset_labels[s]!r}) is reached by "
            f"different histories of that player's own moves (nodes "
            f"{int(first[s])} and {m})"
        )

    # ---------------------------------------------------------------- payoffs
    @property
    def payoff_range(self) -> float:
        """Largest minus smallest terminal payoff over all players (and samples)."""
        tp = self.terminal_payoffs()
        return float(np.max(tp) - np.min(tp)) if tp.size else 0.0

    def node_payoffs(self) -> FloatArray:
        """Payoffs accumulated from the root down to every node.

        Shape ``(nodes, players)`` or ``(samples, nodes, players)``.  Gambit allows outcomes
        at non-terminal nodes; their payoffs are added to everything below them.
        """
        pay = self.outcome_payoffs
        lead = pay.shape[:-2]
        own = np.zeros((*lead, self.n_nodes, self.n_players), dtype=np.float64)
        has = self.outcome >= 0
        own[..., has, :] = pay[..., self.outcome[has], :]
        depth = self.depth
        for d in range(1, int(depth.max(initial=0)) + 1):
            level = np.flatnonzero(depth == d)
            own[..., level, :] += own[..., self.parent[level], :]
        return own

    def terminal_payoffs(self) -> FloatArray:
        """Accumulated payoffs at :attr:`terminals`: ``([samples,] terminals, players)``."""
        return self.node_payoffs()[..., self.terminals, :]

    # ------------------------------------------------------------ derivation
    def with_samples(
        self,
        outcome_payoffs: ArrayLike | None = None,
        chance_probs: ArrayLike | None = None,
    ) -> Game:
        """The same tree with new (possibly sampled) payoffs and/or chance probabilities."""
        changes: dict[str, Any] = {}
        if outcome_payoffs is not None:
            changes["outcome_payoffs"] = np.asarray(outcome_payoffs, dtype=np.float64)
        if chance_probs is not None:
            changes["chance_probs"] = np.asarray(chance_probs, dtype=np.float64)
        return dataclasses.replace(self, **changes)

    def sample(self, k: int) -> Game:
        """The single game of sample ``k`` (arrays without the sample dimension)."""
        pay = self.outcome_payoffs[k] if self.outcome_payoffs.ndim == 3 else self.outcome_payoffs
        probs = self.chance_probs[k] if self.chance_probs.ndim == 2 else self.chance_probs
        return dataclasses.replace(self, outcome_payoffs=pay.copy(), chance_probs=probs.copy())

    def action_label(self, node: int, action: int) -> str:
        """Label of ``action`` at ``node``."""
        return self.action_labels[int(self.infoset[node])][action]

    def draw(
        self, sample: int | None = 0, reach: Any = None, max_depth: int | None = None
    ) -> Any:
        """The game tree as a plotly figure, inline in a notebook (as Gambit's ``draw()``).

        The same pruned picture as the report (:func:`brink.drawing.game_tree_figure`):
        with ``reach`` (one probability per node, or per sample and node; e.g. a
        :class:`~brink.solvers.result.Solution`'s ``reach``) branches play reaches with
        probability below 1e-6 in sample ``sample`` (``None``: the mean over samples) are
        left out; moves beyond ``max_depth`` (default: the report's) collapse into
        "+ N more" leaves.  Without ``reach`` every branch is drawn up to that depth.
        """
        depth = TREE_MAX_DEPTH if max_depth is None else max_depth
        r = None if reach is None else getattr(reach, "reach", reach)
        if r is not None and np.asarray(r).ndim == 1:
            sample = None
        return game_tree_figure(self, None, reach=r, sample=sample, max_depth=depth)

    def _repr_html_(self) -> str:
        """A notebook summary: nodes, players with their information sets, outcomes with payoffs.

        Payoffs are the outcomes' own (Gambit's convention: they add up along a path); a
        game with a sample dimension shows each payoff's mean over the samples.  At most
        :data:`HTML_ROWS` outcomes are listed.
        """
        import html

        e = html.escape
        sampled = self.samples
        chance = int(np.sum(self.infoset_player == CHANCE))
        facts = [
            ("nodes", f"{self.n_nodes:,} ({self.terminals.shape[0]:,} terminal)"),
            ("players", ", ".join(e(p) for p in self.players)),
            ("information sets", ", ".join(
                f"{e(p)} {int(np.sum(self.infoset_player == i))}" for i, p in enumerate(self.players)
            ) + (f", chance {chance}" if chance else "")),
            ("outcomes", f"{self.n_outcomes:,}"),
            ("perfect information", "yes" if self.is_perfect_information else "no"),
            ("perfect recall", "yes" if self.has_perfect_recall else "no"),
        ]
        if sampled is not None:
            facts.append(("samples", f"{sampled:,} (payoffs below are means over samples)"))
        pay = self.outcome_payoffs.mean(axis=0) if self.outcome_payoffs.ndim == 3 else self.outcome_payoffs
        rows = []
        for k in range(min(self.n_outcomes, HTML_ROWS)):
            label = self.outcome_labels[k] if k < len(self.outcome_labels) and self.outcome_labels[k] else f"#{k + 1}"
            cells = "".join(f"<td>{float(v):.4g}</td>" for v in pay[k])
            rows.append(f"<tr><td>{e(label)}</td>{cells}</tr>")
        more = (
            f"<p>... {self.n_outcomes - HTML_ROWS:,} more outcomes</p>" if self.n_outcomes > HTML_ROWS else ""
        )
        head = "".join(f"<th>{e(p)}</th>" for p in self.players)
        return (
            f"<div class='brink-game'><p><b>{e(self.title or 'game')}</b></p>"
            + "<table>" + "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in facts) + "</table>"
            + f"<table><thead><tr><th>outcome</th>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
            + more + "</div>"
        )


# ---------------------------------------------------------------------------
# validation


def _validate(g: Game) -> None:
    n = g.kind.shape[0]
    if n == 0:
        raise GameError("a game needs at least one node (the root)")
    if not g.players:
        raise GameError("a game needs at least one player")
    if n > MAX_NODES or n * len(g.players) > MAX_NODE_PAYOFFS:
        raise GameError(
            f"the tree has {n:,} nodes and {len(g.players)} player(s); brink holds games of "
            f"at most {MAX_NODES:,} nodes and {MAX_NODE_PAYOFFS:,} nodes x players"
        )
    for name, arr in (("parent", g.parent), ("infoset", g.infoset), ("outcome", g.outcome)):
        if arr.shape != (n,):
            raise GameError(f"{name} has shape {arr.shape}, expected ({n},)")
    if g.child_ptr.shape != (n + 1,) or g.child_ptr[0] != 0 or np.any(np.diff(g.child_ptr) < 0):
        raise GameError(
            "child_ptr must start at 0, be non-decreasing and have one entry per node + 1"
        )
    e = int(g.child_ptr[-1])
    if g.children.shape != (e,):
        raise GameError(f"children has {g.children.shape[0]} entries, child_ptr says {e}")
    if len(g.node_labels) != n:
        raise GameError("node_labels must have one label per node")
    if g.parent[0] != -1:
        raise GameError("node 0 must be the root (parent -1)")
    if e != n - 1:
        raise GameError(f"a tree with {n} nodes has {n - 1} edges, found {e}")
    if e and (np.any(g.children <= 0) or np.any(g.children >= n)):
        raise GameError("children must refer to existing non-root nodes")
    if len(np.unique(g.children)) != e:
        raise GameError("a node is the child of more than one edge (the graph is not a tree)")
    edge_parent = np.repeat(np.arange(n), np.diff(g.child_ptr))
    if not np.array_equal(g.parent[g.children], edge_parent):
        raise GameError("parent and children disagree")
    if np.any(g.parent[1:] >= np.arange(1, n)):
        raise GameError(
            "nodes must be in preorder (every parent before its children); "
            "a parent after its child means a cycle or a mis-ordered tree"
        )
    kind = g.kind
    if np.any((kind < 0) | (kind > 2)):
        raise GameError("kind must be 0 (terminal), 1 (personal) or 2 (chance)")
    nch = np.diff(g.child_ptr)
    if np.any((kind == NodeKind.TERMINAL) != (nch == 0)):
        bad = int(np.flatnonzero((kind == NodeKind.TERMINAL) != (nch == 0))[0])
        raise GameError(f"node {bad}: terminal nodes have no children and only terminal nodes do")
    n_inf = g.infoset_player.shape[0]
    if (
        g.infoset_number.shape != (n_inf,)
        or len(g.infoset_labels) != n_inf
        or len(g.action_labels) != n_inf
    ):
        raise GameError(
            "infoset_player, infoset_number, infoset_labels, action_labels differ in length"
        )
    moving = kind != NodeKind.TERMINAL
    if np.any(g.infoset[moving] < 0) or np.any(g.infoset[moving] >= n_inf):
        raise GameError("every personal or chance node must belong to an information set")
    if np.any(g.infoset[~moving] != -1):
        raise GameError("terminal nodes belong to no information set")
    if np.any(g.infoset_player >= len(g.players)) or np.any(g.infoset_player < CHANCE):
        raise GameError("infoset_player refers to an unknown player")
    if n_inf:
        used = np.zeros(n_inf, dtype=bool)
        used[g.infoset[moving]] = True
        if not used.all():
            raise GameError(f"information set {int(np.flatnonzero(~used)[0])} has no nodes")
    nodes = np.flatnonzero(moving)
    sets = g.infoset[nodes]
    is_chance_node = kind[nodes] == NodeKind.CHANCE
    if np.any(is_chance_node != (g.infoset_player[sets] == CHANCE)):
        raise GameError("chance nodes must be in chance information sets and only they")
    n_actions = np.array([len(a) for a in g.action_labels], dtype=np.int64)
    if np.any(nch[nodes] != n_actions[sets]):
        bad = int(nodes[np.flatnonzero(nch[nodes] != n_actions[sets])[0]])
        raise GameError(
            f"node {bad} has {int(nch[bad])} children but its information set has "
            f"{int(n_actions[g.infoset[bad]])} actions"
        )
    # outcomes and payoffs
    pay = g.outcome_payoffs
    if pay.ndim not in (2, 3) or pay.shape[-1] != len(g.players):
        raise GameError(
            f"outcome_payoffs must have shape ([samples,] outcomes, {len(g.players)}), got {pay.shape}"
        )
    if len(g.outcome_labels) != pay.shape[-2]:
        raise GameError("outcome_labels must have one label per outcome")
    if np.any(g.outcome >= pay.shape[-2]) or np.any(g.outcome < -1):
        bad = int(np.flatnonzero((g.outcome >= pay.shape[-2]) | (g.outcome < -1))[0])
        raise GameError(f"node {bad} refers to outcome {int(g.outcome[bad])}, which is not defined")
    if not np.all(np.isfinite(pay)):
        raise GameError("payoffs must be finite numbers")
    if pay.size and float(np.abs(pay).max()) > MAX_MAGNITUDE:
        raise GameError(
            f"payoffs must have magnitude at most {MAX_MAGNITUDE:g} (found "
            f"{float(np.abs(pay).max()):g}), so that sums along a path stay finite"
        )
    # chance probabilities
    probs = g.chance_probs
    if probs.ndim not in (1, 2) or probs.shape[-1] != e:
        raise GameError(f"chance_probs must have shape ([samples,] {e}), got {probs.shape}")
    if pay.ndim == 3 and probs.ndim == 2 and pay.shape[0] != probs.shape[0]:
        raise GameError("payoffs and chance probabilities have different sample counts")
    if not np.all(np.isfinite(probs)) or np.any(probs < 0) or np.any(probs > 1):
        raise GameError("chance probabilities must lie in [0, 1]")
    chance_edges = kind[edge_parent] == NodeKind.CHANCE
    if np.any(probs[..., ~chance_edges] != 0):
        raise GameError("chance_probs must be 0 on edges that leave personal nodes")
    chance_nodes = np.flatnonzero(kind == NodeKind.CHANCE)
    if chance_nodes.size:
        cums = np.concatenate(
            [np.zeros((*probs.shape[:-1], 1)), np.cumsum(probs, axis=-1)], axis=-1
        )
        sums = cums[..., g.child_ptr[chance_nodes + 1]] - cums[..., g.child_ptr[chance_nodes]]
        sums = sums.reshape(-1, chance_nodes.size)
        bad = np.abs(sums - 1.0) > PROBABILITY_TOLERANCE * np.maximum(1, nch[chance_nodes])
        if np.any(bad):
            row, col = (int(x[0]) for x in np.nonzero(bad))
            where = int(chance_nodes[col])
            raise GameError(
                f"chance node {where} ({g.node_labels[where]!r}): probabilities sum to "
                f"{float(sums[row, col]):.12g}, not 1"
            )


# ---------------------------------------------------------------------------
# construction


@dataclass
class _Node:
    parent: int
    label: str = ""
    infoset: Hashable | None = None
    children: list[int] = field(default_factory=list)
    outcome: int = -1


@dataclass
class _Infoset:
    player: int
    actions: tuple[str, ...]
    label: str
    probs: NDArray[np.float64] | None  # chance only: (k,) or (samples, k)
    number: int


class TreeBuilder:
    """Build a :class:`Game` move by move.

    Example:
        >>> b = TreeBuilder("entry deterrence", ["Entrant", "Incumbent"])
        >>> stay_out, enter = b.move(b.root, "Entrant", ["out", "in"])
        >>> b.outcome(stay_out, [0, 2])
        >>> fight, share = b.move(enter, "Incumbent", ["fight", "share"])
        >>> b.outcome(fight, [-1, -1]); b.outcome(share, [1, 1])
        >>> game = b.build()
        >>> game.n_nodes, game.is_perfect_information
        (5, True)

    Moves that share an ``infoset`` key form one information set; chance moves take
    ``probs`` (shape ``(k,)`` or ``(samples, k)``).  Payoffs may be ``(players,)`` or
    ``(samples, players)``; the built game broadcasts everything to one sample count.
    """

    def __init__(self, title: str, players: Sequence[str], description: str = "") -> None:
        if len(set(players)) != len(players):
            raise GameError("player labels must be distinct")
        self.title = title
        self.players = tuple(players)
        self.description = description
        self._nodes: list[_Node] = [_Node(parent=-1)]
        self._infosets: dict[Hashable, _Infoset] = {}
        self._outcomes: list[tuple[str, NDArray[np.float64]]] = []
        self._numbers: dict[int, int] = {}

    @property
    def root(self) -> int:
        return 0

    def _player_index(self, player: int | str | None) -> int:
        if player is None or player == CHANCE:
            return CHANCE
        if isinstance(player, str):
            if player not in self.players:
                raise GameError(f"unknown player {player!r}; players are {list(self.players)}")
            return self.players.index(player)
        if not 0 <= player < len(self.players):
            raise GameError(f"player index {player} out of range")
        return player

    def move(
        self,
        node: int,
        player: int | str | None,
        actions: Sequence[str],
        *,
        infoset: Hashable | None = None,
        probs: ArrayLike | None = None,
        label: str = "",
        infoset_label: str = "",
    ) -> list[int]:
        """Turn leaf ``node`` into a move of ``player`` (``None`` for chance); return the children."""
        nd = self._nodes[node]
        if nd.children or nd.infoset is not None:
            raise GameError(f"node {node} already has a move")
        pl = self._player_index(player)
        key: Hashable = infoset if infoset is not None else ("__node__", node)
        acts = tuple(actions)
        if not acts:
            raise GameError("a move needs at least one action")
        p_arr = None
        if pl == CHANCE:
            if probs is None:
                p_arr = np.full(len(acts), 1.0 / len(acts))
            else:
                p_arr = np.asarray(probs, dtype=np.float64)
                if p_arr.shape[-1] != len(acts):
                    raise GameError("one probability per chance action is needed")
        if key in self._infosets:
            info = self._infosets[key]
            if info.player != pl or info.actions != acts:
                raise GameError(f"information set {key!r} reused with another player or actions")
            if pl == CHANCE and probs is not None and not np.allclose(info.probs, p_arr):  # type: ignore[arg-type]
                raise GameError(f"chance information set {key!r} reused with other probabilities")
        else:
            number = self._numbers.get(pl, 0) + 1
            self._numbers[pl] = number
            self._infosets[key] = _Infoset(pl, acts, infoset_label, p_arr, number)
        nd.infoset = key
        nd.label = label or nd.label
        kids = []
        for _ in acts:
            self._nodes.append(_Node(parent=node))
            kids.append(len(self._nodes) - 1)
        nd.children = kids
        return kids

    def outcome(self, node: int, payoffs: ArrayLike, label: str = "") -> None:
        """Attach an outcome with ``payoffs`` (``(players,)`` or ``(samples, players)``) to ``node``."""
        arr = np.asarray(payoffs, dtype=np.float64)
        if arr.shape[-1] != len(self.players):
            raise GameError(f"payoffs need one entry per player ({len(self.players)})")
        self._outcomes.append((label, arr))
        self._nodes[node].outcome = len(self._outcomes) - 1

    def label(self, node: int, label: str) -> None:
        self._nodes[node].label = label

    def build(self) -> Game:
        """Lay the tree out in preorder and return the validated :class:`Game`."""
        order: list[int] = []
        stack = [0]
        while stack:
            v = stack.pop()
            order.append(v)
            stack.extend(reversed(self._nodes[v].children))
        new_index = {old: i for i, old in enumerate(order)}
        n = len(order)
        keys = list(self._infosets)
        # personal players by number first, chance sets last
        keys.sort(
            key=lambda k: (
                self._infosets[k].player < 0,
                self._infosets[k].player,
                self._infosets[k].number,
            )
        )
        set_index = {k: i for i, k in enumerate(keys)}
        kind = np.zeros(n, dtype=np.int8)
        parent = np.full(n, -1, dtype=np.int32)
        infoset = np.full(n, -1, dtype=np.int32)
        outcome = np.full(n, -1, dtype=np.int32)
        counts = np.zeros(n, dtype=np.int64)
        children: list[int] = []
        labels: list[str] = []
        samples = {a.shape[0] for _, a in self._outcomes if a.ndim == 2}
        samples |= {
            i.probs.shape[0]
            for i in self._infosets.values()
            if i.probs is not None and i.probs.ndim == 2
        }
        if len(samples) > 1:
            raise GameError(f"inconsistent sample counts {sorted(samples)}")
        S = samples.pop() if samples else None
        edge_probs: list[NDArray[np.float64]] = []
        for i, old in enumerate(order):
            nd = self._nodes[old]
            parent[i] = -1 if nd.parent < 0 else new_index[nd.parent]
            labels.append(nd.label)
            outcome[i] = nd.outcome
            counts[i] = len(nd.children)
            children.extend(new_index[c] for c in nd.children)
            if nd.infoset is None:
                kind[i] = NodeKind.TERMINAL
                continue
            info = self._infosets[nd.infoset]
            kind[i] = NodeKind.CHANCE if info.player == CHANCE else NodeKind.PERSONAL
            infoset[i] = set_index[nd.infoset]
            k = len(nd.children)
            if info.probs is None:
                edge_probs.append(np.zeros((S, k)) if S else np.zeros(k))
            else:
                pr = info.probs
                if S and pr.ndim == 1:
                    pr = np.broadcast_to(pr, (S, k))
                edge_probs.append(pr)
        probs = (
            np.concatenate(edge_probs, axis=-1)
            if edge_probs
            else (np.zeros((S, 0)) if S else np.zeros(0))
        )
        pays = [
            a if (a.ndim == 2 or not S) else np.broadcast_to(a, (S, a.shape[0]))
            for _, a in self._outcomes
        ]
        if pays:
            payoffs = np.stack(pays, axis=-2)
        else:
            payoffs = np.zeros((S, 0, len(self.players)) if S else (0, len(self.players)))
        return Game(
            title=self.title,
            players=self.players,
            kind=kind,
            parent=parent,
            child_ptr=np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
            children=np.asarray(children, dtype=np.int32),
            infoset=infoset,
            node_labels=tuple(labels),
            infoset_player=np.array([self._infosets[k].player for k in keys], dtype=np.int32),
            infoset_number=np.array([self._infosets[k].number for k in keys], dtype=np.int32),
            infoset_labels=tuple(self._infosets[k].label for k in keys),
            action_labels=tuple(self._infosets[k].actions for k in keys),
            chance_probs=np.ascontiguousarray(probs, dtype=np.float64),
            outcome=outcome,
            outcome_labels=tuple(label for label, _ in self._outcomes),
            outcome_payoffs=np.ascontiguousarray(payoffs, dtype=np.float64),
            description=self.description,
        )
