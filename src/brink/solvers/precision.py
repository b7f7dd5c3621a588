"""The logit precision lambda that the quantal solvers take (``qbi``, ``qre``, ``pbe``).

One check for all of them, so ``--lambda`` and ``solve(..., lam=...)`` refuse the same values
with the same message.
"""

from __future__ import annotations

from typing import Any

from brink.errors import InputError

__all__ = ["MAX_LAMBDA", "check_lambda"]

#: The largest logit precision accepted.  Far past the point where a logit response is a
#: best response to any payoff difference a scenario produces, and small enough that
#: ``lam`` times a payoff range stays finite in the solvers' arithmetic (at ``1e308`` the
#: product overflows and pbe's lambda path divides by zero).
MAX_LAMBDA = 1e100


def check_lambda(lam: Any, solver: str, fix: str) -> float | None:
    """``lam`` as a float, or ``None`` when not given; an :class:`InputError` naming ``solver``
    and ``fix`` when it is not a finite number ``>= 0`` (the logit precision of every solver
    that takes one: McKelvey & Palfrey 1998)."""
    if lam is None:
        return None
    try:
        value = float(lam)
    except (TypeError, ValueError):
        value = float("nan")
    if isinstance(lam, bool) or not (value == value and abs(value) != float("inf") and value >= 0):
        raise InputError(f"lambda must be a finite number >= 0, got {lam!r}", where=f"{solver}(lam=...)", fix=fix)
    if value > MAX_LAMBDA:
        raise InputError(
            f"lambda {value:g} is above the largest precision brink accepts, {MAX_LAMBDA:g}",
            where=f"{solver}(lam=...)",
            fix=f"pass lam <= {MAX_LAMBDA:g} (already a best response), or leave it out for the limit",
        )
    return value
