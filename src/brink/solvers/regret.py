"""How much any player could gain by deviating from a behaviour profile.

The regret of player ``i`` at a behaviour profile ``sigma`` is the payoff of ``i``'s best
response to the others' behaviour minus ``i``'s payoff under ``sigma``; a profile is a Nash
equilibrium iff every player's regret is zero (Nash 1951).  In a game with perfect recall a
best response in behaviour strategies exists and is found by backward induction over the
deviating player's own information sets (Kuhn 1953): an information set is decided after all
of the player's sets that can follow it, choosing the action that maximises the payoff summed
over the set's nodes, each weighted by the probability that chance and the *other* players
lead there.  This is the ``max_regret`` of Gambit 16.3+ (McKelvey, McLennan & Turocy), not the
weaker *agent* regret that lets a player change one information set at a time.

Everything is vectorised over samples: the only Python loops run over players and over the
number of moves a player makes along a path.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from brink.games import Game, GameError
from brink.solvers.profile import (
    expected_payoffs,
    node_values,
    reach_probabilities,
    with_chance,
)

__all__ = ["max_regret", "player_regrets"]

FloatArray = NDArray[np.float64]
IndexArray = NDArray[np.int64]


@dataclass(frozen=True)
class _Stages:
    """For each player, its information sets grouped by how many own moves precede them.

    ``sets[i][k]`` are the information sets of player ``i`` reached after exactly ``k`` of
    ``i``'s own moves; under perfect recall every node of a set has the same count, and a set
    that can follow another has a larger count, so deciding stages from the last to the first
    is backward induction over the player's own decision tree.
    """

    sets: tuple[tuple[IndexArray, ...], ...]
    own_entries: tuple[IndexArray, ...]


_STAGES: weakref.WeakKeyDictionary[Game, _Stages] = weakref.WeakKeyDictionary()


def _require_perfect_recall(game: Game) -> None:
    violation = game.perfect_recall_violation
    if violation is not None:
        raise GameError(
            f"game {game.title!r} does not have perfect recall: {violation}; regrets and "
            f"agent QRE need perfect recall (Kuhn 1953): make every information set's nodes "
            f"share the mover's own earlier moves"
        )


def _stages(game: Game) -> _Stages:
    cached = _STAGES.get(game)
    if cached is not None:
        return cached
    n = game.n_nodes
    mover = game.node_player
    own_before = np.zeros((game.n_players, n), dtype=np.int64)
    for v in range(1, n):  # preorder: the parent is already done
        p = int(game.parent[v])
        own_before[:, v] = own_before[:, p]
        if mover[p] >= 0:
            own_before[mover[p], v] += 1
    ptr = game.infoset_action_ptr
    sets: list[tuple[IndexArray, ...]] = []
    own: list[IndexArray] = []
    for i in range(game.n_players):
        mine = np.flatnonzero(game.infoset_player == i)
        first_node = np.array([int(game.infoset_nodes[h][0]) for h in mine], dtype=np.int64)
        stage = own_before[i, first_node] if mine.size else np.zeros(0, dtype=np.int64)
        top = int(stage.max(initial=-1))
        sets.append(tuple(mine[stage == k].astype(np.int64) for k in range(top + 1)))
        own.append(
            np.concatenate(
                [np.arange(ptr[h], ptr[h + 1], dtype=np.int64) for h in mine]
                or [np.zeros(0, dtype=np.int64)]
            )
        )
    out = _Stages(tuple(sets), tuple(own))
    _STAGES[game] = out
    return out


def player_regrets(game: Game, profile: ArrayLike) -> FloatArray:
    """``([S,] players)`` best-response payoff minus current payoff, for every player.

    Args:
        game: A game with perfect recall (payoffs and chance may carry samples).
        profile: ``([S,] infoset_actions)`` behaviour profile in the layout of
            :mod:`brink.solvers.result`; chance entries are ignored (nature's
            probabilities come from the game).

    Raises:
        GameError: the game lacks perfect recall (the message names the information set).
    """
    _require_perfect_recall(game)
    prof = with_chance(game, profile)
    st = _stages(game)
    current = expected_payoffs(game, prof)
    ptr = game.infoset_action_ptr
    regrets = np.zeros_like(current)
    for i in range(game.n_players):
        own = st.own_entries[i]
        if own.size == 0:
            continue
        others = prof.copy()
        others[..., own] = 1.0
        reach_others = reach_probabilities(game, others)
        best = prof.copy()
        for stage in reversed(st.sets[i]):
            values = node_values(game, best)[..., i]
            for h in stage:
                members = game.infoset_nodes[int(h)]
                kids = game.children[
                    game.child_ptr[members][:, None] + np.arange(ptr[h + 1] - ptr[h])[None, :]
                ]
                q = np.einsum("...m,...ma->...a", reach_others[..., members], values[..., kids])
                top = q == q.max(axis=-1, keepdims=True)
                best[..., ptr[h] : ptr[h + 1]] = top / top.sum(axis=-1, keepdims=True)
        regrets[..., i] = node_values(game, best)[..., 0, i] - current[..., i]
    return np.maximum(regrets, 0.0)


def max_regret(game: Game, profile: ArrayLike) -> FloatArray:
    """``([S,])`` the largest gain any player can make by deviating alone (0 at a Nash equilibrium).

    Equal to pygambit's ``MixedBehaviorProfile.max_regret()`` for games with perfect recall.
    """
    return np.asarray(player_regrets(game, profile).max(axis=-1), dtype=np.float64)
