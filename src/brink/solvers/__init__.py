"""Equilibrium solvers: one entry point, :func:`solve`, over every sample of a game.

* ``"spe"``: subgame-perfect equilibrium by backward induction (Selten 1965; Kuhn 1953)
  for games of perfect information, possibly with chance moves: :func:`solve_spe`.
* ``"qre"``: agent logit quantal-response equilibrium (McKelvey & Palfrey 1998) for
  games with information sets: :func:`brink.solvers.qre.solve_qre`.
* ``"auto"``: ``"spe"`` when every personal information set is a singleton, else ``"qre"``.
"""

from __future__ import annotations

from brink.errors import InputError
from brink.games import Game
from brink.solvers.result import Solution
from brink.solvers.spe import shared_information_set, solve_spe

__all__ = ["SOLVERS", "Solution", "solve", "solve_spe"]

#: The names :func:`solve` accepts.
SOLVERS = ("auto", "spe", "qre")


def solve(game: Game, solver: str = "auto", lam: float | None = None) -> Solution:
    """Solve ``game`` for all its samples with the named solver.

    Args:
        game: The game (payoffs and chance probabilities may carry a sample dimension).
        solver: ``"auto"``, ``"spe"`` or ``"qre"``.  ``"auto"`` picks ``"spe"`` for
            perfect-information games and ``"qre"`` otherwise.
        lam: Logit precision for ``"qre"`` (``None``: the solver's limiting profile).
            Ignored by ``"spe"``.

    Raises:
        InputError: ``solver`` is not one of :data:`SOLVERS`.
        GameError: ``"spe"`` was asked for a game with imperfect information.
    """
    if solver not in SOLVERS:
        raise InputError(
            f"unknown solver {solver!r}",
            where="solver",
            fix=f"choose one of {', '.join(SOLVERS)}",
        )
    if solver == "auto":
        solver = "spe" if shared_information_set(game) is None else "qre"
    if solver == "spe":
        return solve_spe(game)
    from brink.solvers.qre import solve_qre

    return solve_qre(game, lam=lam)
