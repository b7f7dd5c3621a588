"""``brink serve``: the local web workbench (:mod:`brink.web`)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated

import typer

from brink.cli.application import app, err_console
from brink.cli.options import StoreOption

__all__ = ["serve_command"]


def _finite_seconds(value: float) -> float:
    """``--time-limit``: a finite number of seconds (``inf`` would remove the limit, ``nan`` compares false)."""
    if not math.isfinite(value):
        raise typer.BadParameter(f"{value} is not a finite number of seconds (give at least 1, e.g. 300)")
    return value


@app.command("serve")
def serve_command(
    host: Annotated[str, typer.Option("--host", help="Interface to listen on (other than 127.0.0.1: a token is required).")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="Port (0: any free port).")] = 8765,
    scenarios: Annotated[
        Path | None, typer.Option("--scenarios", help="Folder whose scenario files the library lists (default: the current folder).")
    ] = None,
    store_path: StoreOption = None,
    token: Annotated[str | None, typer.Option("--token", help="Token the page and API ask for (default: a new one off loopback).")] = None,
    max_samples: Annotated[int, typer.Option("--max-samples", min=1, help="Most samples of a run.")] = 200_000,
    max_whatif: Annotated[int, typer.Option("--max-whatif-samples", min=1, help="Most samples of a what-if.")] = 100_000,
    time_limit: Annotated[float, typer.Option("--time-limit", min=1, callback=_finite_seconds,
                                              help="Seconds a run, what-if or game tree may take.")] = 300.0,
    max_runs: Annotated[int, typer.Option("--max-runs", min=1, help="Runs and analyses running at once.")] = 2,
    max_body: Annotated[int, typer.Option("--max-body", min=1024, help="Largest request body in bytes.")] = 2**20,
    allow_host: Annotated[list[str] | None, typer.Option(
        "--allow-host", help="Also answer requests whose Host header is NAME (or NAME:PORT); repeat for more. "
        "Other names are refused (DNS rebinding).")] = None,
) -> None:
    """Open the workbench in a browser: scenarios, runs, live what-if, the game tree, analyses, history.

    Listens on 127.0.0.1 by default; nothing the page loads comes from outside this server.
    It answers only requests addressed to it (Host 127.0.0.1:PORT, localhost:PORT or a name
    given with --allow-host).
    """
    import uvicorn

    from brink.errors import InputError
    from brink.web import ServeSettings, create_app

    folder = (scenarios or Path.cwd()).resolve()
    if not folder.is_dir():
        raise InputError(f"scenario folder {str(folder)!r} is not a folder", "--scenarios", "give an existing folder")
    settings = ServeSettings.for_host(
        host, token, port=port, store=store_path, scenario_dir=folder, max_samples=max_samples,
        max_whatif_samples=max_whatif, time_limit=time_limit, max_runs=max_runs, max_body=max_body,
        allow_host=tuple(h.strip() for h in allow_host or () if h.strip()),
    )
    address = f"http://{'[' + host + ']' if ':' in host else host}:{port}/"
    if settings.token:
        address += f"?token={settings.token}"
    err_console.print(f"brink workbench at {address} (Ctrl-C stops it)", highlight=False, soft_wrap=True)
    uvicorn.run(create_app(settings), host=host, port=port, log_level="warning")
