"""``brink info``, ``brink solve``, ``brink export``: numbers against pygambit and located errors."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import numpy as np
import pygambit as gbt
import pytest
from conftest import CONTRIB, ROOT
from typer.testing import CliRunner

import brink.cli.games  # registers the commands
from brink.cli import app
from brink.efg import parse_efg, read_efg
from brink.game_json import game_from_dict

BRINK = str(ROOT / ".venv" / "bin" / "brink")
runner = CliRunner()


def brink(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([BRINK, *args], capture_output=True, text=True, check=False)


@pytest.mark.shared
@pytest.mark.parametrize("name", ["e04", "montyhal", "cent3", "bayes2a", "km1", "w_ex2"])
def test_info_json_matches_pygambit(name: str) -> None:
    result = runner.invoke(app, ["info", str(CONTRIB / f"{name}.efg"), "--json"])
    assert result.exit_code == 0, result.output
    info = json.loads(result.output)
    gg = gbt.read_efg(str(CONTRIB / f"{name}.efg"))
    assert info["title"] == gg.title
    assert info["players"] == [p.label for p in gg.players]
    assert info["nodes"] == len(gg.nodes)
    assert info["terminals"] == sum(1 for n in gg.nodes if n.is_terminal)
    assert info["infosets"] == len(gg.infosets)
    assert info["infosets_per_player"] == {p.label: len(p.infosets) for p in gg.players}
    assert info["chance_infosets"] == len(gg.players.chance.infosets)
    assert info["outcomes"] == len(gg.outcomes)
    assert info["perfect_recall"] == gg.is_perfect_recall
    assert info["perfect_information"] == all(len(s.members) == 1 for s in gg.infosets)


@pytest.mark.shared
def test_info_names_the_perfect_recall_violation() -> None:
    # Myerson's game with no solution in behavioural strategies: player 1 forgets his first move
    gg = gbt.read_efg(str(CONTRIB / "myerson.efg"))
    result = runner.invoke(app, ["info", str(CONTRIB / "myerson.efg")])
    assert result.exit_code == 0
    assert not gg.is_perfect_recall
    assert "perfect recall" in result.output
    assert "no (information set 2 of player 'Player 1'" in " ".join(result.output.split())


@pytest.mark.shared
def test_solve_json_is_the_solution_contract() -> None:
    from brink.solvers import solve

    path = CONTRIB / "centcs10.efg"
    result = runner.invoke(app, ["solve", str(path), "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out == json.loads(json.dumps(solve(read_efg(path)).to_json()))
    assert out["solver"] == "spe"
    # a constant-sum game has a unique value: pygambit's LP equilibrium payoffs
    gg = gbt.read_efg(str(path))
    eq = gbt.nash.lp_solve(gg, rational=False).equilibria[0]
    np.testing.assert_allclose(out["payoffs"], [float(eq.payoff(p)) for p in gg.players])


@pytest.mark.shared
def test_solve_centipede_takes_at_once() -> None:
    # Rosenthal (1981): backward induction takes at the first move; cent6's first
    # outcome pays (0.80, 0.20)
    result = runner.invoke(app, ["solve", str(CONTRIB / "cent6.efg")])
    assert result.exit_code == 0, result.output
    assert "path: TAKE\n" in result.output
    assert "TAKE: 1, PASS: 0" in result.output
    assert re.search(r"Player 1 │ +0\.8 │", result.output)
    assert re.search(r"Player 2 │ +0\.2 │", result.output)


@pytest.mark.shared
@pytest.mark.parametrize("fmt", ["efg", "json"])
def test_export_round_trip(fmt: str, tmp_path: Path) -> None:
    src = CONTRIB / "montyhal.efg"
    out = tmp_path / f"m.{fmt}"
    result = runner.invoke(app, ["export", str(src), "--format", fmt, "-o", str(out)])
    assert result.exit_code == 0, result.output
    g = read_efg(src)
    text = out.read_text()
    back = parse_efg(text) if fmt == "efg" else game_from_dict(json.loads(text))
    np.testing.assert_array_equal(back.terminal_payoffs(), g.terminal_payoffs())
    assert back.node_labels == g.node_labels
    if fmt == "efg":
        assert len(gbt.read_efg(str(out)).nodes) == g.n_nodes


@pytest.mark.shared
def test_exported_json_is_a_game_source(tmp_path: Path) -> None:
    out = tmp_path / "g.json"
    assert runner.invoke(app, ["export", str(CONTRIB / "e04.efg"), "-o", str(out)]).exit_code == 0
    result = runner.invoke(app, ["info", str(out), "--json"])
    assert json.loads(result.output)["nodes"] == 8


def test_export_failure_leaves_existing_file_intact(tmp_path: Path) -> None:
    out = tmp_path / "keep.efg"
    out.write_text("precious")
    bad = tmp_path / "bad.efg"
    bad.write_text('EFG 2 R "" { "A" }\nt "" 1 "o" { 1 x }\n')
    result = brink("export", str(bad), "-o", str(out))
    assert result.returncode == 2
    assert out.read_text() == "precious"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.efg", "keep.efg"]


BAD_INPUTS = {
    "truncated": (
        'EFG 2 R "g" { "A" "B" }\n""\np "" 1 1 "" { "l" "r" } 0\nt "" 1 "o" { 1, 2 }\n',
        "5:1: expected a node",
    ),
    "unknown_node": ('EFG 2 R "g" { "A" }\n""\nq "" 0\n', "3:1: expected a node type 'c', 'p' or 't'"),
    "probabilities": (
        'EFG 2 R "g" { "A" }\n""\nc "" 1 "" { "h" 0.5 "t" 0.6 } 0\nt "" 0\nt "" 0\n',
        "3:11: expected chance probabilities that sum to 1; these sum to 1.1",
    ),
    "undefined_outcome": (
        'EFG 2 R "g" { "A" }\n""\np "" 1 1 "" { "l" "r" } 0\nt "" 1 "o" { 1 }\nt "" 2\n',
        "5:6: outcome 2 is referenced but never defined",
    ),
    "empty": ("", "1:1: expected the header 'EFG 2 R', found an empty file"),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
@pytest.mark.parametrize("command", ["info", "solve"])
def test_bad_input_is_reported_with_its_location(case: str, command: str, tmp_path: Path) -> None:
    text, message = BAD_INPUTS[case]
    path = tmp_path / f"{case}.efg"
    path.write_text(text)
    result = brink(command, str(path))
    assert result.returncode == 2
    assert result.stderr.strip() == f"error: {path}:{message}" or (
        result.stderr.startswith(f"error: {path}:{message}")
    ), result.stderr
    assert "Traceback" not in result.stderr


def test_missing_file_exits_2(tmp_path: Path) -> None:
    missing = tmp_path / "missing.efg"
    for command in (["info"], ["solve"], ["export", "-o", str(tmp_path / "x.efg")]):
        result = brink(*command, str(missing))
        assert result.returncode == 2
        assert result.stderr.startswith(f"error: {missing}: file not found")


@pytest.mark.shared
def test_unknown_export_format(tmp_path: Path) -> None:
    result = brink("export", str(CONTRIB / "e04.efg"), "-o", str(tmp_path / "x.txt"))
    assert result.returncode == 2
    assert "unknown format 'txt'" in result.stderr


def _game_json(**changes: object) -> str:
    """The JSON form of a small game with top-level or first-set/first-outcome fields changed."""
    from brink.game_json import game_to_dict

    d = game_to_dict(parse_efg(
        'EFG 2 R "g" { "A" "B" }\n""\np "" 1 1 "" { "l" "r" } 0\nt "" 1 "o" { 1, 2 }\nt "" 0\n'
    ))
    for key, value in changes.items():
        if key == "number":
            d["infosets"][0]["number"] = value
        elif key == "payoff":
            d["outcomes"][0]["payoffs"][0] = value
        else:
            d[key] = value
    return json.dumps(d)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # 0.1.0: OverflowError (int32) when the game was assembled
        (_game_json(number=2**31), "infosets[0].number: information set number 2147483648 is out of range"),
        # json reads 1e309 as infinity
        (_game_json(payoff=1e309).replace("Infinity", "1e309"), "outcomes[0].payoffs[0]: expected finite numbers"),
        (_game_json(payoff=2e300), "of magnitude at most 1e+300, found 2e+300"),
        (_game_json(payoff=10**400), "an integer beyond 1e300"),  # 0.1.0: OverflowError in float()
        (_game_json().replace('"payoffs": [', '"payoffs": [' + "1" * 5000 + ", ", 1), "unreadable JSON"),
        ("[" * 100_000 + "]" * 100_000, "unreadable JSON"),  # 0.1.0: RecursionError
    ],
)
def test_bad_game_json_is_refused_with_exit_2(text: str, message: str, tmp_path: Path) -> None:
    path = tmp_path / "g.json"
    path.write_text(text)
    result = brink("info", str(path))
    assert result.returncode == 2, result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_game_json_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "g.json"
    path.write_bytes(b'{"format": "\xff"}')
    result = brink("info", str(path))
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: {path}: not a UTF-8 text file (byte 12)")
