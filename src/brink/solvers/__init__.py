"""Equilibrium solvers: one entry point, :func:`solve`, over every sample of a game.

The solvers live in a registry (:mod:`brink.solvers.registry`, :data:`SOLVERS`) of
named functions that all return a :class:`Solution`, the way pygambit's ``nash`` module
does:

* ``"spe"``: subgame-perfect equilibrium by backward induction (Selten 1965; Kuhn 1953)
  for games of perfect information, possibly with chance moves: :func:`solve_spe`.
* ``"qre"``: agent logit quantal-response equilibrium (McKelvey & Palfrey 1998) for
  games with information sets: :func:`brink.solvers.qre.solve_qre`.
* ``"qbi"``: logit QRE of a perfect-information game at a fixed lambda, in one backward
  pass (quantal backward induction; McKelvey & Palfrey 1998, Signorino 1999):
  :func:`brink.solvers.qbi.solve_qbi`.  A behavioural model, never picked by ``"auto"`` on a bare game;
  a model of an escalation scenario resolves ``"auto"`` to it at the lambda fitted on ICB (the
  template's declared default, :func:`brink.solvers.registry.template_default`).
* ``"pbe"``: the same agent logit QRE and its limit as ``"qre"``, by damped fixed-point
  iteration along a lambda path (flagged samples fall back to ``"qre"``):
  :func:`brink.solvers.pbe.solve_pbe`.  Never picked by ``"auto"``.
* ``"auto"``: the first registered solver that accepts the game (``"spe"`` when every
  personal information set is a singleton, else ``"qre"``), unless a scenario's template declares
  its own default (:class:`brink.model.CrisisModel` resolves it).
"""

from __future__ import annotations

from brink.games import Game
from brink.solvers.registry import SOLVERS, SolverEntry, check_solver, resolve, solver_names
from brink.solvers.result import Solution
from brink.solvers.spe import shared_information_set, solve_spe

__all__ = ["SOLVERS", "Solution", "SolverEntry", "solve", "solve_spe", "solver_names"]


def solve(game: Game, solver: str = "auto", lam: float | None = None) -> Solution:
    """Solve ``game`` for all its samples with the named solver.

    Args:
        game: The game (payoffs and chance probabilities may carry a sample dimension).
        solver: ``"auto"`` or a name in :data:`SOLVERS`.  ``"auto"`` picks the first
            registered solver that accepts the game: ``"spe"`` for perfect-information
            games and ``"qre"`` otherwise.
        lam: Logit precision for solvers that take one (``"qre"``, ``None``: its limiting
            profile; ``"qbi"``, ``None``: its default, 1).  Ignored by the others (``"spe"``).

    Raises:
        InputError: ``solver`` is neither ``"auto"`` nor registered (the message lists
            the names).
        GameError: ``"spe"`` was asked for a game with imperfect information.
    """
    check_solver(solver)
    entry = resolve(solver, perfect_information=shared_information_set(game) is None)
    return entry(game, lam=lam)
