"""The Typer application of the ``brink`` command and what every command shares.

Each command module (:mod:`brink.cli.analysis`, :mod:`brink.cli.games`,
:mod:`brink.cli.runs`, :mod:`brink.cli.scenario`) registers its commands on
:data:`app`; :mod:`brink.cli` imports them and runs the app.  Keeping the app here,
apart from the package's ``__init__``, means a command module never imports the
package that imports it (no import cycle).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console
from rich.markup import escape

from brink import __version__
from brink.errors import RunInterrupted, UserInterruptError

__all__ = ["app", "err_console", "print_error", "reports_interrupt"]

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


def print_error(message: str) -> None:
    """Print ``error: message`` on standard error, the text exactly as given."""
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
