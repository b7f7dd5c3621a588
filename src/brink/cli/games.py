"""``brink info``, ``brink solve``, ``brink export`` on game files.

A *game source* is a Gambit ``.efg`` file, a brink game JSON file
(:mod:`brink.game_json`), or a scenario (file or bundled name) that
:func:`brink.builder.scenario_game` turns into a game.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from brink.cli import app
from brink.errors import InputError

if TYPE_CHECKING:
    from brink.games import Game
    from brink.solvers.result import Solution

_FILE_SUFFIXES = (".efg", ".json", ".yaml", ".yml")


def _read_json_game(path: Path) -> Game | None:
    """The game in a brink game JSON file, or ``None`` when the JSON is something else."""
    from brink.game_json import FORMAT, game_from_dict

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InputError(
            f"invalid JSON: {exc.msg}", where=f"{path}:{exc.lineno}:{exc.colno}"
        ) from None
    if isinstance(data, dict) and data.get("format") == FORMAT:
        try:
            return game_from_dict(data)
        except InputError as exc:
            raise InputError(exc.what, where=f"{path}: {exc.where}", fix=exc.fix) from None
    return None


def load_game(source: str, sample: int | None = None, overrides: list[str] | None = None) -> Game:
    """Read the game behind ``source``: ``.efg``, brink game JSON, or a scenario."""
    overrides = overrides or []
    path = Path(source)
    if path.suffix.lower() in _FILE_SUFFIXES and not path.is_file():
        raise InputError(
            "file not found", where=source, fix="Check the path (and the current directory)"
        )
    direct: Game | None = None
    if path.suffix.lower() == ".efg":
        from brink.efg import read_efg

        direct = read_efg(path)
    elif path.suffix.lower() == ".json":
        direct = _read_json_game(path)
    if direct is not None:
        if overrides:
            raise InputError(
                "--set applies to scenarios only", where=source,
                fix="Edit the game file instead, or export a scenario",
            )
        return direct
    try:
        from brink.builder import scenario_game
    except ImportError:
        raise InputError(
            f"{source!r} is not a .efg or brink game JSON file, and scenarios are not "
            "supported yet (brink.builder is missing)",
            where=source,
            fix="pass a Gambit .efg file or a game exported with --format json",
        ) from None
    return scenario_game(source, sample, overrides)


def game_summary(game: Game) -> dict[str, Any]:
    """The numbers ``brink info`` reports (information sets counted as Gambit counts them)."""
    per_player = {
        name: len(game.player_infosets(p)) for p, name in enumerate(game.players)
    }
    return {
        "title": game.title,
        "players": list(game.players),
        "nodes": game.n_nodes,
        "terminals": len(game.terminals),
        "infosets": sum(per_player.values()),
        "infosets_per_player": per_player,
        "chance_infosets": len(game.player_infosets(-1)),
        "outcomes": game.n_outcomes,
        "perfect_information": game.is_perfect_information,
        "perfect_recall": game.has_perfect_recall,
        "perfect_recall_violation": game.perfect_recall_violation,
        "samples": game.samples,
    }


def _yes_no(flag: bool) -> str:
    return "yes" if flag else "no"


@app.command()
def info(
    file: str = typer.Argument(..., help="A .efg file, a brink game JSON file, or a scenario."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Describe a game: players, tree size, perfect information and perfect recall."""
    summary = game_summary(load_game(file))
    if as_json:
        typer.echo(json.dumps(summary, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=summary["title"] or file, show_header=False, title_justify="left")
    table.add_column("field", style="bold")
    table.add_column("value")
    table.add_row("players", ", ".join(summary["players"]))
    for key in ("nodes", "terminals", "infosets", "chance_infosets", "outcomes"):
        table.add_row(key.replace("_", " "), str(summary[key]))
    per = ", ".join(f"{p}: {n}" for p, n in summary["infosets_per_player"].items())
    table.add_row("infosets per player", per)
    table.add_row("perfect information", _yes_no(summary["perfect_information"]))
    recall = _yes_no(summary["perfect_recall"])
    if summary["perfect_recall_violation"]:
        recall += f" ({summary['perfect_recall_violation']})"
    table.add_row("perfect recall", recall)
    if summary["samples"] is not None:
        table.add_row("samples", str(summary["samples"]))
    Console(soft_wrap=True).print(table)


def _print_solution(solution: Solution, sample: int | None) -> None:
    from rich.console import Console
    from rich.table import Table

    game = solution.game
    data = solution.to_json(sample)
    console = Console(soft_wrap=True)
    head = f"[bold]{game.title or 'game'}[/] solved by {data['solver']}"
    if data["solver"] == "qre":
        lam = data.get("lambda")
        head += f", lambda = {'limit' if lam is None else f'{lam:g}'}"
    console.print(head, highlight=False)
    table = Table(title="equilibrium behaviour", title_justify="left")
    for col in ("player", "information set", "action probabilities"):
        table.add_column(col)
    for p, name in enumerate(game.players):
        for h, probs in zip(game.player_infosets(p), data["profile"][p], strict=True):
            label = game.infoset_labels[int(h)]
            set_name = f"{int(game.infoset_number[int(h)])}" + (f" {label}" if label else "")
            acts = ", ".join(
                f"{a}: {x:.4g}" for a, x in zip(game.action_labels[int(h)], probs, strict=True)
            )
            table.add_row(name, set_name, acts)
    console.print(table)
    pay = Table(title="expected payoffs", title_justify="left")
    pay.add_column("player")
    pay.add_column("payoff", justify="right")
    for name, value in zip(game.players, data["payoffs"], strict=True):
        pay.add_row(name, f"{value:.6g}")
    console.print(pay)
    console.print("path: " + (" -> ".join(data["path"]) or "(the root is terminal)"), highlight=False)
    if "max_regret" in data:
        console.print(f"max regret: {data['max_regret']:.3g}", highlight=False)


@app.command()
def solve(
    file: str = typer.Argument(..., help="A .efg file, a brink game JSON file, or a scenario."),
    solver: str = typer.Option("auto", "--solver", help="auto (spe if perfect information, else qre), spe or qre."),
    lam: float | None = typer.Option(None, "--lambda", help="Logit precision for qre (default: the limit)."),
    sample: int | None = typer.Option(None, "--sample", help="Sample to report for a sampled game."),
    as_json: bool = typer.Option(False, "--json", help="Print the solution as JSON."),
) -> None:
    """Solve a game and print the equilibrium, expected payoffs and the path of play."""
    from brink.solvers import solve as solve_game

    game = load_game(file, sample)
    if game.samples is not None and sample is not None and not 0 <= sample < game.samples:
        raise InputError(
            f"sample {sample} is out of range", where="--sample",
            fix=f"use 0 to {game.samples - 1}",
        )
    solution = solve_game(game, solver=solver, lam=lam)
    shown = sample if game.samples is not None else None
    if as_json:
        typer.echo(json.dumps(solution.to_json(shown), indent=2))
        return
    _print_solution(solution, shown)


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename, so an existing
    file is either left untouched or fully replaced."""
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise InputError(
            "the output folder does not exist", where=str(path), fix=f"create {folder} first"
        )
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@app.command()
def export(
    file: Annotated[
        str, typer.Argument(help="A .efg file, a brink game JSON file, or a scenario.")
    ],
    output: Annotated[Path, typer.Option("-o", "--output", help="File to write.")],
    fmt: Annotated[
        str | None,
        typer.Option("--format", help="efg or json (default: from the output file's suffix)."),
    ] = None,
    sample: Annotated[
        int | None, typer.Option("--sample", help="Which sample of a sampled game.")
    ] = None,
    overrides: Annotated[
        list[str] | None,
        typer.Option("--set", help="Scenario override PATH=VALUE (repeatable)."),
    ] = None,
) -> None:
    """Write a game as a Gambit .efg file or as brink game JSON."""
    kind = (fmt or output.suffix.lstrip(".")).lower()
    if kind not in ("efg", "json"):
        raise InputError(
            f"unknown format {kind!r}", where="--format", fix="use --format efg or --format json"
        )
    game = load_game(file, sample, overrides or [])
    which = sample if game.samples is not None else None
    if kind == "efg":
        from brink.efg import write_efg

        text = write_efg(game, which)
    else:
        from brink.game_json import game_to_dict

        text = json.dumps(game_to_dict(game, which), indent=1) + "\n"
    write_atomically(output, text)
    typer.echo(f"wrote {output} ({kind}, {game.n_nodes} nodes)")
