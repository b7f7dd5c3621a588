"""One set of command-line options: every command that runs a model takes the shared ones.

The commands are enumerated from the click group Typer builds (never a hard-coded list),
so a new command is checked without an edit here: a command *runs a model* when it takes
``--samples`` (a Monte Carlo command) or ``--solver`` (a game command).  Each shared
option must mean the same everywhere: the declaration in :mod:`brink.cli.options`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from brink.cli import _register, app
from brink.cli import options as o
from brink.solvers.registry import SOLVERS, solver_names

_register()
runner = CliRunner()

#: What every Monte Carlo command takes (issue #11, item 6).
MONTE_CARLO_OPTIONS = (
    "--store", "--no-store", "--executor", "--workers", "--scheduler", "--seed", "--samples",
    "--chunk-size", "--memory", "--solver", "--lambda", "--set", "--json",
)
#: What every command with ``--solver`` takes besides.
GAME_OPTIONS = ("--solver", "--lambda", "--set", "--json")
#: Shared options a command may leave out, with the reason.
_BACKTEST_RUNS = "backtest runs each scenario file of --scenarios in process on a few thousand samples"
EXEMPT: dict[str, dict[str, str]] = {
    "sweep": {"--no-store": "a sweep is its stored point runs (--summary-only stores less)"},
    "backtest": {"--executor": _BACKTEST_RUNS, "--workers": _BACKTEST_RUNS, "--scheduler": _BACKTEST_RUNS,
                 "--chunk-size": _BACKTEST_RUNS, "--memory": _BACKTEST_RUNS,
                 "--set": "a folder of scenarios, each with its own numbers: nothing to override in all of them"},
}
#: Commands without --json, with the reason.
NO_JSON = {"schema": "its output is JSON", "serve": "it serves a JSON API (/openapi.json) and prints only its address"}
#: Extra arguments a Monte Carlo command needs to run on a tiny model (every one must be here).
TINY = "deterrence-rudimentary"
EXTRA: dict[str, list[str]] = {
    "run": [TINY],
    "explain": [TINY],
    "sensitivity": [TINY, "--outcome", "conflict"],
    "discover": [TINY, "--outcome", "conflict", "--threshold", "0.05"],
    "compare": [TINY, "--set", "game.p=uniform(0.2, 0.9)"],
    "policies": ["ukraine-2022-exchange", "--outcome", "strategic_nuclear_use"],
    "sweep": [TINY, "--grid", "game.challenger_dd=-1,-0.5"],
    "simulate": ["ukraine-2022", "--ending", "stalemate", "--months", "3"],  # needs a post-war game
    # a folder of one small scenario with a stated record; its references read ICB in ../shared
    "backtest": ["--scenarios", str(Path(__file__).parent / "fixtures" / "backtest-scenarios")],
}
#: Commands whose tiny run reads the reference data (``--shared`` from the fixture).
NEEDS_SHARED = {"backtest"}


def commands() -> dict[str, Any]:
    """Every command of the ``brink`` app by its full name (``runs list``), from the click group.

    (Typer 0.29 vendors click, so groups are recognised by their ``commands``.)
    """
    root = typer.main.get_command(app)
    out: dict[str, Any] = {}

    def walk(group: Any, prefix: str) -> None:
        for name, cmd in group.commands.items():
            full = f"{prefix}{name}"
            if hasattr(cmd, "commands"):
                walk(cmd, full + " ")
            else:
                out[full] = cmd

    assert hasattr(root, "commands")
    walk(root, "")
    return out


def options(cmd: Any) -> dict[str, Any]:
    return {o: p for p in cmd.params for o in (*p.opts, *p.secondary_opts) if o.startswith("--")}


COMMANDS = commands()
MONTE_CARLO = sorted(name for name, cmd in COMMANDS.items() if "--samples" in options(cmd))
GAME = sorted(
    name for name, cmd in COMMANDS.items() if "--solver" in options(cmd) and name not in MONTE_CARLO
)


def test_the_enumeration_finds_the_model_commands() -> None:
    assert {"run", "sweep", "sensitivity", "discover", "compare", "policies", "explain", "report"} <= set(
        MONTE_CARLO
    )
    assert "solve" in GAME
    assert set(EXTRA) | {"report"} >= set(MONTE_CARLO), "give a new command its tiny arguments in EXTRA"


@pytest.mark.parametrize("name", MONTE_CARLO)
def test_monte_carlo_commands_take_the_shared_options(name: str) -> None:
    have = options(COMMANDS[name])
    missing = [o for o in MONTE_CARLO_OPTIONS if o not in have and o not in EXEMPT.get(name, {})]
    assert missing == [], f"brink {name} lacks {missing}"


@pytest.mark.parametrize("name", [*MONTE_CARLO, *GAME])
def test_commands_with_a_solver_take_the_game_options(name: str) -> None:
    have = options(COMMANDS[name])
    assert [o for o in GAME_OPTIONS if o not in have and o not in EXEMPT.get(name, {})] == []


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_but_schema_prints_json(name: str) -> None:
    if name in NO_JSON:
        return
    assert "--json" in options(COMMANDS[name]), f"brink {name} has no --json"


def _declared() -> dict[str, Any]:
    """Each shared option as :mod:`brink.cli.options` declares it (via a probe command)."""
    probe = typer.Typer()

    @probe.command()
    def shared(
        store: o.StoreOption = None,
        no_store: o.NoStoreOption = False,
        executor: o.ExecutorOption = "local",
        workers: o.WorkersOption = None,
        scheduler: o.SchedulerOption = None,
        seed: o.SeedOption = 0,
        samples: o.SamplesOption = 1,
        chunk_size: o.ChunkSizeOption = None,
        memory: o.MemoryOption = None,
        solver: o.SolverOption = "auto",
        lam: o.LambdaOption = None,
        overrides: o.SetOption = None,
        as_json: o.JsonOption = False,
    ) -> None:
        """Probe."""

    cmd = typer.main.get_command(probe)
    return options(cmd)


DECLARED = _declared()
#: Defaults that are the same in every command (``--samples`` differs by design: an
#: analysis needs fewer draws than a run).
SAME_DEFAULT = [o for o in MONTE_CARLO_OPTIONS if o != "--samples"]


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_shared_options_are_declared_once(name: str) -> None:
    """Same help and (but for --samples) the same default in every command."""
    have = options(COMMANDS[name])
    for opt, ref in DECLARED.items():
        if opt not in have:
            continue
        got = have[opt]
        assert getattr(got, "help", None) == getattr(ref, "help", None), f"{name} {opt}"
        if opt in SAME_DEFAULT:
            assert got.default == ref.default, f"{name} {opt}: default {got.default!r}"
    if "--chunk-size" in have:
        assert have["--chunk-size"].default is None


def invoke(*args: str) -> dict[str, Any]:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


@pytest.mark.parametrize("name", [*sorted(EXTRA), "report"])
def test_json_parses_and_carries_the_stored_run_id(name: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    from brink.store import Store

    store = tmp_path / "runs.duckdb"
    args = [name, *EXTRA.get(name, [TINY]), "-n", "64", "--json", "--store", str(store)]
    if name in NEEDS_SHARED:
        args += ["--shared", str(request.getfixturevalue("shared_dir"))]
    if name == "report":
        args += ["-o", str(tmp_path / "r.html"), "--sensitivity-samples", "8"]
    if name == "sensitivity":
        args[args.index("64")] = "16"
    out = invoke(*args)
    run_id = out["run_id"]
    assert isinstance(run_id, str)
    assert Store(store).get_run(run_id).id == run_id
    if name in {"run", "explain"}:  # and --no-store stores nothing
        out = invoke(*[a for a in args if a != "--store" and a != str(store)], "--no-store")
        assert out["run_id"] is None


@pytest.mark.parametrize("name", ["validate", "scenarios", "info"])
def test_listing_commands_print_json(name: str) -> None:
    args = {"validate": [TINY], "scenarios": [], "info": [TINY]}[name]
    assert invoke(name, *args, "--json")


def brink_main(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[int, str]:
    """Exit status and stderr of the real entry point (``brink.cli.main``)."""
    from brink.cli import main

    monkeypatch.setattr(sys, "argv", ["brink", *args])
    with pytest.raises(SystemExit) as stop:
        main()
    code = stop.value.code
    return (code if isinstance(code, int) else 1), capsys.readouterr().err


@pytest.mark.parametrize("name", [*MONTE_CARLO, *GAME])
def test_an_unknown_solver_lists_the_registry(
    name: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    args = [*EXTRA.get(name, [TINY]), "--solver", "bogus"]
    if "--store" in options(COMMANDS[name]):
        args += ["--store", str(tmp_path / "s.duckdb")]
    if name == "report":
        args += ["-o", str(tmp_path / "r.html")]
    code, err = brink_main(capsys, monkeypatch, name, *args)
    assert code == 2
    assert "'bogus'" in err
    for name in solver_names():
        assert name in err


def test_the_solver_help_lists_the_registry() -> None:
    text = " ".join((options(COMMANDS["run"])["--solver"].help or "").split())
    for entry in SOLVERS.values():
        assert entry.name in text and entry.description.split(";")[0] in text


@pytest.mark.parametrize(
    "args", [["run", TINY, "--lambda", "2", "--no-store"], ["run", TINY, "--solver", "spe", "--lambda", "2"],
             ["explain", TINY, "--lambda", "2", "--no-store"], ["solve", TINY, "--solver", "spe", "--lambda", "2"],
             ["sweep", TINY, "--grid", "game.challenger_dd=-1", "--lambda", "2"]]
)
def test_lambda_without_a_solver_that_takes_it_exits_2(
    args: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    if args[0] == "sweep":
        args = [*args, "--store", str(tmp_path / "s.duckdb")]
    code, err = brink_main(capsys, monkeypatch, *args)
    assert code == 2
    assert "--lambda" in err and "qre" in err


def test_run_on_worker_processes_gives_the_local_numbers() -> None:
    base = [TINY, "-n", "2048", "--chunk-size", "1024", "--seed", "3", "--json", "--no-store"]
    here = invoke("run", *base)
    there = invoke("run", *base, "--executor", "processes", "--workers", "2")
    assert here == there


def test_lambda_with_qre_runs_and_differs_from_spe() -> None:
    base = ["run", TINY, "-n", "256", "--json", "--no-store"]
    spe = invoke(*base)
    qre = invoke(*base, "--solver", "qre", "--lambda", "2")
    assert qre["lambda"] == 2 and qre["solver"] == "qre"
    assert qre["failed"] == 0
    p = {k: v["p"] for k, v in qre["outcomes"].items()}
    assert all(0.0 <= x <= 1.0 for x in p.values())
    assert p != {k: v["p"] for k, v in spe["outcomes"].items()}


def test_lambda_alone_sets_the_precision_of_a_template_s_default_solver() -> None:
    """On an escalation scenario ``auto`` is qbi at the fitted lambda; ``--lambda L`` alone runs
    that solver at L, with the numbers of ``--solver qbi --lambda L`` and the headline saying
    the lambda was given (on a template whose ``auto`` is spe the test above refuses it)."""
    base = ["run", str(Path(__file__).parent / "fixtures" / "escalation-small.yaml"), "-n", "64", "--json", "--no-store"]
    alone = invoke(*base, "--lambda", "1.5")
    named = invoke(*base, "--solver", "qbi", "--lambda", "1.5")
    default = invoke(*base)
    assert alone["solver"] == "qbi" and alone["lambda"] == 1.5 and alone["solver_auto"] == "lambda given"
    assert alone["outcomes"] == named["outcomes"] and alone["metrics"] == named["metrics"]
    assert default["lambda"] != 1.5 and default["outcomes"] != alone["outcomes"]
