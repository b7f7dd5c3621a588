"""The ``brink`` command line (Typer + Rich).

Each command group lives in its own module and registers itself on :data:`app`;
this module only wires them together and turns :class:`brink.errors.BrinkError`
into a clear message and exit status 2.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console
from rich.markup import escape

from brink import __version__
from brink.errors import BrinkError, RunInterrupted, UserInterruptError
from brink.games import GameError

app = typer.Typer(
    name="brink",
    help="Strategic crises as games: alliances, escalation, ambiguity and leader survival.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
err_console = Console(stderr=True)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"brink {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Strategic crises as games: alliances, escalation, ambiguity and leader survival."""


def _register() -> None:
    # Command modules import lazily-heavy dependencies inside their commands.
    from brink.cli import analysis, games, runs, scenario  # noqa: F401


def _print_error(message: str) -> None:
    # emoji=False: a location such as "file.yaml:100:1" must not print as "file.yaml💯1"
    err_console.print("[bold red]error:[/]", escape(message), highlight=False, soft_wrap=True, emoji=False)


@contextmanager
def reports_interrupt() -> Iterator[None]:
    """Ctrl-C inside the block ends the command with a message and exit status 130.

    Without it Typer exits 130 silently; with it the user learns which run was stored
    as ``interrupted`` (:class:`~brink.errors.RunInterrupted`).
    """
    try:
        yield
    except RunInterrupted as exc:
        raise UserInterruptError(str(exc)) from None
    except KeyboardInterrupt:
        raise UserInterruptError("interrupted") from None


def main() -> None:
    """Entry point of the ``brink`` console script."""
    _register()
    try:
        app()
    except UserInterruptError as exc:
        err_console.print(escape(str(exc)), highlight=False, soft_wrap=True, emoji=False)
        sys.exit(exc.exit_code)
    except BrinkError as exc:
        _print_error(str(exc))
        sys.exit(exc.exit_code)
    except GameError as exc:
        err_console.print(
            "[bold red]error:[/] invalid game:", escape(str(exc)), highlight=False, soft_wrap=True,
            emoji=False,
        )
        sys.exit(2)
