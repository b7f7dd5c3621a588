"""The ``brink`` command line (Typer + Rich).

The application and what every command shares live in :mod:`brink.cli.application`; each
command group lives in its own module and registers itself on :data:`app`.  This
module only wires them together and turns :class:`brink.errors.BrinkError` into a
clear message and exit status 2.
"""

from __future__ import annotations

import sys

from rich.markup import escape

from brink.cli.application import app, err_console, print_error
from brink.errors import BrinkError, UserInterruptError
from brink.games import GameError

__all__ = ["app", "main"]


def _register() -> None:
    # Command modules import lazily-heavy dependencies inside their commands.
    from brink.cli import analysis, data, fit, games, runs, scenario, serve, simulate  # noqa: F401


def main() -> None:
    """Entry point of the ``brink`` console script."""
    _register()
    try:
        app()
    except UserInterruptError as exc:
        err_console.print(escape(str(exc)), highlight=False, soft_wrap=True, emoji=False)
        sys.exit(exc.exit_code)
    except BrinkError as exc:
        print_error(str(exc))
        sys.exit(exc.exit_code)
    except GameError as exc:
        err_console.print(
            "[bold red]error:[/] invalid game:", escape(str(exc)), highlight=False, soft_wrap=True,
            emoji=False,
        )
        sys.exit(2)
