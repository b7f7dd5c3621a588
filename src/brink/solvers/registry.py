"""The solver registry: every equilibrium solver by name, with what it accepts.

Like pygambit's ``nash`` module (Gambit, McKelvey, McLennan & Turocy 2016), every solver
is a named function ``(game, **parameters) -> Solution``; the registry adds what the
callers need to know about it without naming it: whether it needs perfect
information, whether it handles information sets, which parameters it takes, and
whether it has a lean read-out of terminal reach (a fast path for models that only need
outcome probabilities).  The command line (``--solver`` help and validation), the model
(:class:`brink.model.CrisisModel`) and :class:`brink.solvers.result.Solution` read this
registry; adding a solver is one :func:`register` call.

``"auto"`` is not a solver but a rule, resolved through the registry
(:func:`resolve`): the first registered solver that accepts the game, so subgame-perfect
equilibrium (Selten 1965) for perfect information and agent QRE (McKelvey & Palfrey
1998) otherwise.  A template may declare its own default instead
(:attr:`brink.templates.base.Capabilities.default_solver` and ``default_lambda``), which a
model resolves by :func:`template_default`: the escalation template's is ``qbi`` at the
logit precision fitted on the ICB crises (issue 22 item 2, issue 23 item 4), because under
spe every bundled crisis ends in the same deal and the crisis-side claims are inert, while
qbi at a precision estimated from a century of crises lets noise produce war at the rate
the record shows (Signorino 1999; McKelvey & Palfrey 1998).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from brink.errors import InputError

if TYPE_CHECKING:
    from brink.games import Game
    from brink.solvers.result import Solution
    from brink.solvers.spe import TerminalReach

__all__ = [
    "AUTO",
    "LAMBDA_SOURCES",
    "SOLVERS",
    "SolverEntry",
    "check_solver",
    "register",
    "resolve",
    "solver_help",
    "solver_names",
    "template_default",
]

#: The rule that picks a registered solver by the game's information (:func:`resolve`).
AUTO = "auto"


@dataclass(frozen=True)
class SolverEntry:
    """One registered solver.

    Attributes:
        name: What ``--solver`` and :func:`brink.solvers.solve` call it.
        function: ``function(game, **parameters) -> Solution`` for every sample of ``game``.
        description: One line for ``--help`` and the docs.
        perfect_information_only: The solver needs every personal information set to be
            a singleton (backward induction).
        information_sets: The solver handles information sets; models compile the
            information-set version of their game for it.
        parameters: Keyword parameters ``function`` takes beyond the game (``"lam"``:
            the logit precision, ``--lambda``).
        terminal_reach: ``terminal_reach(game, **parameters)``: payoffs, terminal reach and
            modal path only, with the same numbers as ``function`` (``None``: no such fast
            path); it takes the same parameters as ``function`` (:meth:`given` filters them).
        dense_memory: The solver allocates dense ``(actions + 1)**2`` matrices (counted
            by :meth:`brink.model.CrisisModel.footprint`).
        equilibrium: The solver's profile (at its default parameters) is an equilibrium,
            zero regret up to its tolerance; False for a behavioural model at a finite
            logit precision (``qbi``), whose regret is only bounded (by ``ln(n) / lam`` per
            decision with ``n`` actions).
        lambda_default: What the solver does without ``--lambda``, in words (the
            ``--lambda`` help); empty for solvers that take no lambda.
    """

    name: str
    function: Callable[..., Solution]
    description: str
    perfect_information_only: bool = False
    information_sets: bool = False
    parameters: tuple[str, ...] = ()
    terminal_reach: Callable[..., TerminalReach] | None = None
    dense_memory: bool = False
    equilibrium: bool = True
    lambda_default: str = ""

    def accepts(self, perfect_information: bool) -> bool:
        """Whether the solver applies to a game with (or without) perfect information."""
        return perfect_information or not self.perfect_information_only

    def __call__(self, game: Game, **parameters: Any) -> Solution:
        """Solve ``game`` with the parameters this solver takes.

        Parameters it does not take are ignored here (``solve(game, lam=2)`` on a
        perfect-information game is its SPE); the command line refuses them first
        (:func:`check_solver`).
        """
        return self.function(game, **self.given(**parameters))

    def given(self, **parameters: Any) -> dict[str, Any]:
        """The parameters this solver takes, of those given (``None`` values dropped)."""
        return {k: v for k, v in parameters.items() if k in self.parameters and v is not None}


#: Every registered solver by name, in registration order (the order ``auto`` tries them).
SOLVERS: dict[str, SolverEntry] = {}


def register(entry: SolverEntry) -> SolverEntry:
    """Add ``entry`` to :data:`SOLVERS` (its name must be new and not ``"auto"``)."""
    if entry.name == AUTO or entry.name in SOLVERS:
        raise ValueError(f"solver name {entry.name!r} is taken")
    SOLVERS[entry.name] = entry
    return entry


def solver_names() -> tuple[str, ...]:
    """What ``--solver`` accepts: ``"auto"`` and every registered name."""
    return (AUTO, *SOLVERS)


def solver_help() -> str:
    """The ``--solver`` help text, built from the registry."""
    names = ", ".join(f"{e.name} ({e.description})" for e in SOLVERS.values())
    return f"auto (the first solver that accepts the game) or one of: {names}."


def check_solver(name: str, lam: float | None = None, *, auto_takes_lambda: bool = False) -> str:
    """``name`` if it is ``"auto"`` or registered, and takes ``lam`` when one is given.

    ``auto_takes_lambda``: whether ``"auto"`` may pick a solver that takes ``lam`` (a game
    file of unknown information; a model's ``auto`` solves its perfect-information game
    with ``spe``, which takes no lambda).

    Raises:
        InputError: an unknown name (the message lists the registered names), or a
            lambda for a solver that takes none.
    """
    if name != AUTO and name not in SOLVERS:
        raise InputError(
            f"unknown solver {name!r}",
            "--solver",
            f"choose one of: {', '.join(solver_names())}",
        )
    if lam is not None:
        from brink.solvers.precision import MAX_LAMBDA

        if isinstance(lam, float | int) and not (math.isfinite(lam) and 0 <= lam <= MAX_LAMBDA):
            raise InputError(
                f"a logit precision of {lam:g} is not a finite number from 0 to {MAX_LAMBDA:g}",
                "--lambda",
                f"use 0 <= --lambda <= {MAX_LAMBDA:g} ({MAX_LAMBDA:g} already plays a best response)",
            )
        takes = [e.name for e in SOLVERS.values() if "lam" in e.parameters]
        ok = auto_takes_lambda if name == AUTO else "lam" in SOLVERS[name].parameters
        if not ok:
            raise InputError(
                f"a logit precision (lambda = {lam:g}) was given with solver {name!r}",
                "--lambda",
                f"use --solver {' or '.join(takes)} with --lambda, or drop --lambda",
            )
    return name


def resolve(name: str, perfect_information: bool) -> SolverEntry:
    """The solver ``name`` stands for on a game with (or without) perfect information.

    ``"auto"`` is the first registered solver that accepts the game; a named solver is
    returned as it is (its function refuses a game it cannot solve).
    """
    check_solver(name)
    if name != AUTO:
        return SOLVERS[name]
    return next(e for e in SOLVERS.values() if e.accepts(perfect_information))


def _icb_lambda() -> tuple[float, str]:
    """The point estimate of :func:`brink.fit.icb_fit.fitted_lambda` on the stored ICB fit
    (re-exported by :mod:`brink.fit.structural`; :mod:`brink.fit.icb_fit` imports no model, so
    resolving ``auto`` here makes no import cycle through :mod:`brink.model`)."""
    from brink.fit.icb_fit import fitted_lambda

    return fitted_lambda()[0], "fitted on ICB"


#: Where a template's default logit precision comes from, by the name its
#: :class:`~brink.templates.base.Capabilities` gives (``default_lambda``): a function giving
#: the precision and the words a run's headline shows with it.  ``"fit:icb"``: the point
#: estimate of :func:`brink.fit.structural.fitted_lambda` (a crisis without a nuclear-armed
#: dyad; the fit's ``a1`` for nuclear dyads is not identified, see ``docs/icb-fit.md``).
LAMBDA_SOURCES: dict[str, Callable[[], tuple[float, str]]] = {"fit:icb": _icb_lambda}


def template_default(
    default_solver: str, default_lambda: str, solver: str, lam: float | None
) -> tuple[str, float | None, str]:
    """``(solver, lambda, why)``: what ``solver`` (and ``lam``) stand for on a template that
    declares ``default_solver`` and ``default_lambda`` (:class:`brink.templates.base.Capabilities`).

    A named solver, or ``"auto"`` on a template that declares no default, is returned as it
    is with ``why`` empty.  ``"auto"`` on a template with a default is that solver, at
    ``lam`` when one is given, else at the precision ``default_lambda`` names
    (:data:`LAMBDA_SOURCES`); ``why`` is the words a run shows (``"fitted on ICB"``, or
    ``"lambda given"``).
    """
    if solver != AUTO or not default_solver:
        return solver, lam, ""
    check_solver(default_solver, lam)
    if lam is not None:
        return default_solver, lam, "lambda given"
    if not default_lambda:
        return default_solver, None, "the template's default"
    value, why = LAMBDA_SOURCES[default_lambda]()
    return default_solver, value, why


def _spe(game: Game) -> Solution:
    from brink.solvers.spe import solve_spe

    return solve_spe(game)


def _spe_terminal_reach(game: Game) -> TerminalReach:
    from brink.solvers.spe import spe_terminal_reach

    return spe_terminal_reach(game)


def _qre(game: Game, lam: float | None = None) -> Solution:
    from brink.solvers.qre import solve_qre

    return solve_qre(game, lam=lam)


def _qbi(game: Game, lam: float | None = None) -> Solution:
    from brink.solvers.qbi import solve_qbi

    return solve_qbi(game, lam=lam)


def _qbi_terminal_reach(game: Game, lam: float | None = None) -> TerminalReach:
    from brink.solvers.qbi import qbi_terminal_reach

    return qbi_terminal_reach(game, lam=lam)


register(
    SolverEntry(
        name="spe",
        function=_spe,
        description="subgame-perfect equilibrium by backward induction; perfect information only",
        perfect_information_only=True,
        terminal_reach=_spe_terminal_reach,
    )
)
register(
    SolverEntry(
        name="qre",
        function=_qre,
        description="agent logit quantal-response equilibrium, at --lambda or its limit; "
        "handles information sets",
        information_sets=True,
        parameters=("lam",),
        dense_memory=True,
        lambda_default="its limit, an equilibrium",
    )
)
# after spe and qre: ``auto`` takes the first solver that accepts a game, so the registry's rule never
# picks qbi (a template may declare it as its default: template_default)
register(
    SolverEntry(
        name="qbi",
        function=_qbi,
        description="logit QRE of a perfect-information game at a fixed lambda, by quantal "
        "backward induction (McKelvey & Palfrey 1998; Signorino 1999)",
        perfect_information_only=True,
        parameters=("lam",),
        terminal_reach=_qbi_terminal_reach,
        equilibrium=False,
        lambda_default="1, the strategic-logit normalisation",
    )
)


def _pbe(game: Game, lam: float | None = None) -> Solution:
    from brink.solvers.pbe import solve_pbe

    return solve_pbe(game, lam=lam)


# after spe and qre: ``auto`` takes the first solver that accepts a game, so it never picks pbe
register(
    SolverEntry(
        name="pbe",
        function=_pbe,
        description="agent logit QRE at --lambda or its limit, by damped fixed-point iteration "
        "along a lambda path (falls back to qre's trace); handles information sets",
        information_sets=True,
        parameters=("lam",),
        lambda_default="its limit, an equilibrium",
    )
)
