"""Errors that reach the user: what went wrong, where, and how to fix it.

Every module raises a subclass of :class:`BrinkError` for bad input; the command
line prints it and exits with status 2 (usage/data error), never with a traceback.
"""

from __future__ import annotations

__all__ = ["BrinkError", "InputError"]


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
