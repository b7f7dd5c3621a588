"""``brink info``, ``brink solve``, ``brink export`` on game files.

A *game source* is a Gambit ``.efg`` file, a brink game JSON file
(:mod:`brink.game_json`), or a scenario (file or bundled name) that
:func:`brink.builder.scenario_game` turns into a game.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from brink.cli.application import app
from brink.cli.options import JsonOption, LambdaOption, SetOption, SolverOption, echo_json
from brink.errors import InputError

if TYPE_CHECKING:
    from brink.games import Game
    from brink.solvers.result import Solution

_FILE_SUFFIXES = (".efg", ".json", ".yaml", ".yml")


def _read_json_game(path: Path) -> Game | None:
    """The game in a brink game JSON file, or ``None`` when the JSON is something else."""
    from brink.game_json import FORMAT, MAX_JSON_BYTES, game_from_dict

    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_JSON_BYTES + 1)
    except OSError as exc:
        raise InputError(f"cannot read the file: {exc.strerror}", where=str(path)) from None
    if len(raw) > MAX_JSON_BYTES:
        raise InputError(
            f"the file is larger than {MAX_JSON_BYTES // 2**20} MiB, brink's limit for game JSON",
            where=str(path), fix="export large games as .efg (a more compact format)",
        )
    try:
        data = json.loads(raw.decode("utf-8"))
    except json.JSONDecodeError as exc:
        raise InputError(
            f"invalid JSON: {exc.msg}", where=f"{path}:{exc.lineno}:{exc.colno}"
        ) from None
    except UnicodeDecodeError as exc:
        raise InputError(
            f"not a UTF-8 text file (byte {exc.start})", where=str(path),
            fix="Save the game as plain UTF-8 text",
        ) from None
    except (ValueError, RecursionError) as exc:  # an integer too long, nesting too deep
        raise InputError(f"unreadable JSON: {exc}", where=str(path)) from None
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
    overrides: SetOption = None,
    as_json: JsonOption = False,
) -> None:
    """Describe a game: players, tree size, perfect information and perfect recall."""
    summary = game_summary(load_game(file, None, overrides or []))
    if as_json:
        echo_json(summary)
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
    if "lambda" in data:  # a solver with a logit precision (brink.solvers.registry)
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
    solver: SolverOption = "auto",
    lam: LambdaOption = None,
    sample: int | None = typer.Option(None, "--sample", help="Sample to report for a sampled game."),
    overrides: SetOption = None,
    as_json: JsonOption = False,
) -> None:
    """Solve a game and print the equilibrium, expected payoffs and the path of play."""
    from brink.solvers import solve as solve_game
    from brink.solvers.registry import check_solver

    check_solver(solver, lam, auto_takes_lambda=True)  # auto may pick a solver that takes one
    game = load_game(file, sample, overrides or [])
    if game.samples is not None and sample is not None and not 0 <= sample < game.samples:
        raise InputError(
            f"sample {sample} is out of range", where="--sample",
            fix=f"use 0 to {game.samples - 1}",
        )
    solution = solve_game(game, solver=solver, lam=lam)
    shown = sample if game.samples is not None else None
    if as_json:
        echo_json(solution.to_json(shown))
        return
    _print_solution(solution, shown)


@app.command()
def export(
    file: Annotated[
        str, typer.Argument(help="A .efg file, a brink game JSON file, or a scenario.")
    ],
    output: Annotated[
        Path, typer.Option("-o", "--output", help="File to write (a regular file; replaced atomically).")
    ],
    fmt: Annotated[
        str | None,
        typer.Option("--format", help="efg or json (default: from the output file's suffix)."),
    ] = None,
    sample: Annotated[
        int | None, typer.Option("--sample", help="Which sample of a sampled game.")
    ] = None,
    overrides: SetOption = None,
    parents: Annotated[
        bool, typer.Option("--parents", help="Create the output's missing parent folders.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Write a game as a Gambit .efg file or as brink game JSON."""
    from brink.output import check_target, write_text

    kind = (fmt or output.suffix.lstrip(".")).lower()
    if kind not in ("efg", "json"):
        raise InputError(
            f"unknown format {kind!r}", where="--format", fix="use --format efg or --format json"
        )
    check_target(output, parents=parents)
    game = load_game(file, sample, overrides or [])
    which = sample if game.samples is not None else None
    if kind == "efg":
        from brink.efg import write_efg

        write_text(output, write_efg(game, which), parents=parents)
    else:
        from brink.game_json import write_game_json
        from brink.output import replacing

        # streamed: the document is never held whole (it took 3.4x the game's memory)
        with replacing(output, parents=parents) as tmp, open(tmp, "x", encoding="utf-8") as out:
            write_game_json(game, out, which)
    if as_json:
        echo_json({"output": str(output), "format": kind, "nodes": game.n_nodes})
        return
    typer.echo(f"wrote {output} ({kind}, {game.n_nodes} nodes)")
