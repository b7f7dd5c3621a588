"""The result object every solver returns.

A :class:`Solution` holds a behaviour profile (McKelvey & Palfrey 1998 call the
per-information-set mixtures an *agent* profile) for every sample of a game,
with the quantities analysts read off it: expected payoffs, reach probabilities,
beliefs, regret and the most likely path.

Layout of ``profile``: one entry per *information-set action*.  The actions of
information set ``h`` occupy ``profile[..., game.infoset_action_ptr[h]:game.infoset_action_ptr[h+1]]``
(chance sets included, where the entries are nature's probabilities).  A leading
sample dimension is present iff the game has one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from brink.arrays import FloatArray
from brink.games import Game

__all__ = ["Solution"]



@dataclass(frozen=True, eq=False)
class Solution:
    """An equilibrium (or quantal-response equilibrium) of a game, for every sample.

    Attributes:
        game: The solved game.
        solver: The name of the solver in :data:`brink.solvers.registry.SOLVERS`.
        profile: ``([samples,] infoset_actions)`` behaviour probabilities (see module doc).
        payoffs: ``([samples,] players)`` expected payoffs under ``profile``.
        reach: ``([samples,] nodes)`` probability that play reaches each node.
        beliefs: ``([samples,] nodes)`` probability of each node within its information
            set given that the set is reached (1 at singletons; off the path the solver's
            own limit rule, documented by the solver).
        node_values: ``([samples,] nodes, players)`` expected payoffs of the continuation
            from each node under ``profile``.
        max_regret: ``([samples,])`` largest gain any player can make by a unilateral
            deviation (0 for an exact equilibrium).
        ties: ``([samples,] nodes)`` True where the mover is indifferent between several
            best actions and mixes uniformly over them (SPE's tie rule,
            :mod:`brink.solvers.spe`; all False for other solvers).
        lam: The logit precision of a QRE (``None`` for other solvers; ``inf`` for the
            limiting profile).
        info: Solver diagnostics (steps taken, convergence flags, ...).
    """

    game: Game
    solver: str
    profile: FloatArray
    payoffs: FloatArray
    reach: FloatArray
    beliefs: FloatArray
    node_values: FloatArray
    max_regret: FloatArray
    ties: NDArray[np.bool_]
    lam: float | None = None
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def samples(self) -> int | None:
        return None if self.payoffs.ndim == 1 else int(self.payoffs.shape[0])

    def _one(self, arr: NDArray[Any], sample: int | None) -> NDArray[Any]:
        if self.samples is None:
            return arr
        return np.asarray(arr[0 if sample is None else sample])

    def action_probs(self, infoset: int, sample: int | None = None) -> FloatArray:
        """Probabilities of the actions of information set ``infoset``."""
        ptr = self.game.infoset_action_ptr
        return self._one(self.profile, sample)[ptr[infoset] : ptr[infoset + 1]]

    def behavior(self, sample: int | None = None) -> list[list[list[float]]]:
        """``profile[player][infoset][action]``: players in game order, information sets by number."""
        return [
            [self.action_probs(int(h), sample).tolist() for h in self.game.player_infosets(p)]
            for p in range(self.game.n_players)
        ]

    def player_beliefs(self, sample: int | None = None) -> list[list[list[float]]]:
        """``beliefs[player][infoset][node]``, nodes of a set in preorder."""
        b = self._one(self.beliefs, sample)
        return [
            [b[self.game.infoset_nodes[int(h)]].tolist() for h in self.game.player_infosets(p)]
            for p in range(self.game.n_players)
        ]

    def path(self, sample: int | None = None) -> list[str]:
        """Action labels along the most likely path from the root: the most probable action at
        every node (the first at chance); at a mover's node whose most probable actions tie
        (within :data:`brink.solvers.ties.TIE_TOLERANCE`) the path ends with one step naming
        them, joined by :data:`brink.evaluation.TIE_SEPARATOR`, as the modal paths of a run do."""
        from brink.evaluation import TIE_SEPARATOR
        from brink.solvers.ties import TIE_TOLERANCE

        g = self.game
        node, out = 0, []
        while g.num_children[node] > 0:
            h = int(g.infoset[node])
            probs = self.action_probs(h, sample)
            a = int(np.argmax(probs))
            top = float(probs[a])
            tied = np.flatnonzero(probs >= top - TIE_TOLERANCE * (1.0 + top))
            if g.infoset_player[h] >= 0 and tied.size > 1:
                out.append(TIE_SEPARATOR.join(g.action_labels[h][int(t)] for t in tied))
                break
            out.append(g.action_labels[h][a])
            node = int(g.children[g.child_ptr[node] + a])
        return out

    def to_json(self, sample: int | None = None) -> dict[str, Any]:
        """The stable JSON contract of ``brink solve --json`` for one sample."""
        out: dict[str, Any] = {
            "game": self.game.title,
            "players": list(self.game.players),
            "solver": self.solver,
            "profile": self.behavior(sample),
            "payoffs": self._one(self.payoffs, sample).tolist(),
            "path": self.path(sample),
        }
        if self.lam is not None:  # a logit QRE (any solver with a precision; no solver names here)
            out["lambda"] = self.lam if np.isfinite(self.lam) else None
            out["beliefs"] = self.player_beliefs(sample)
            out["max_regret"] = float(self._one(self.max_regret, sample))
        return out
