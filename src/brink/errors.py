"""Errors that reach the user: what went wrong, where, and how to fix it.

Every module raises a subclass of :class:`BrinkError` for bad input; the command
line prints it and exits with status 2 (usage/data error), never with a traceback.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["BrinkError", "InputError", "RunInterrupted", "UserInterruptError", "bounded_array"]


class BrinkError(Exception):
    """Base class of the errors brink reports to its user."""

    exit_code = 2


class InputError(BrinkError):
    """Bad input: ``where`` names the file and location, ``fix`` says what is allowed.

    The message reads ``where: what. fix`` so that editors can jump to the location.
    """

    def __init__(self, what: str, where: str = "", fix: str = "") -> None:
        self.what = what
        self.where = where
        self.fix = fix
        text = f"{where}: {what}" if where else what
        if fix:
            text = f"{text}. {fix}"
        super().__init__(text)


class RunInterrupted(KeyboardInterrupt):
    """Ctrl-C during a stored run, after the run was stored as ``interrupted``.

    Still a :class:`KeyboardInterrupt` (so ``except Exception`` never swallows it, and a
    sweep does not retry the point); it only carries which run was marked, for the
    command line's message.
    """

    def __init__(self, run_id: str, kind: str = "run") -> None:
        self.run_id = run_id
        self.kind = kind
        super().__init__(f"interrupted; {kind} {run_id} stored as interrupted")


class UserInterruptError(BrinkError):
    """What the command line reports for Ctrl-C: exit status 130 (128 + SIGINT)."""

    exit_code = 130


def bounded_array(
    name: str, value: ArrayLike, low: float | None = None, high: float | None = None
) -> NDArray[np.float64]:
    """``value`` as a float array, refusing NaN and values outside ``[low, high]``.

    Mechanism functions take scalars or per-sample arrays; this is their one input check.
    """
    arr = np.asarray(value, dtype=np.float64)
    if np.isnan(arr).any():
        raise InputError(f"{name} contains NaN", fix="give a number for every sample")
    if low is not None and (arr < low).any():
        raise InputError(
            f"{name} must be >= {low}, got min {arr.min():g}", fix=f"give {name} in the allowed range"
        )
    if high is not None and (arr > high).any():
        raise InputError(
            f"{name} must be <= {high}, got max {arr.max():g}", fix=f"give {name} in the allowed range"
        )
    return arr
