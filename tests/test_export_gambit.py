"""Every ``.efg`` brink exports reads in Gambit (pygambit 16.7), with the same numbers.

brink 0.1.0 wrote chance probabilities as separate decimals (``0.6841154473613668`` and
``0.31588455263863324``), which Gambit, reading exact rationals, refuses ("Probabilities
must sum to exactly one": ``brink export ukraine-2022-exchange --sample 3``), and it wrote bundled
scenarios with repeated node labels, which Gambit refuses too ("Node label must be unique
within the game").  Here every bundled scenario, for samples 0-9, and every ``.efg`` under
``../shared/data/games/`` is exported and read back by pygambit: the chance probabilities
Gambit reads are exactly the doubles brink reads from the same file, within 1e-15 of the
game's own (at most one per chance node differs, by about an ulp), and sum to one; the
payoffs are equal.
"""

from __future__ import annotations

import re
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pygambit as gbt
import pytest
from gambit_bridge import preorder
from typer.testing import CliRunner

import brink.cli.games  # noqa: F401  (registers the commands)
from brink.builder import scenario_game
from brink.cli import app
from brink.efg import parse_efg, read_efg, write_efg
from brink.games import Game, NodeKind
from brink.scenario import bundled_scenarios

SCENARIOS = sorted(bundled_scenarios())
SAMPLES = range(10)
#: pygambit 16.7 checks node-label uniqueness in quadratic time: fearon-1995 (30,402
#: labelled nodes) takes ~80 s per file.  Larger trees are read with node labels blanked
#: (numbers untouched); ukraine-2022's (7,689) is read with its labels in a test below.
LABELLED_NODES = 5_000
#: Games this large (the multi-round crises) are read for two samples, not ten: pygambit
#: takes about a second per sample, and the structure is the same in every sample.
LARGE_NODES = 1_000


def gambit_reads(text: str, folder: Path, blank_nodes: bool = False) -> Any:
    if blank_nodes:
        text = re.sub(r'^([cpt]) "(?:[^"\\]|\\.)*"', r'\1 ""', text, flags=re.MULTILINE)
    path = folder / "export.efg"
    path.write_text(text, encoding="ascii")  # Gambit reads ASCII only: brink writes nothing else
    return gbt.read_efg(str(path))


def assert_gambit_numbers(game: Game, text: str, gg: Any) -> None:
    """Gambit's probabilities are brink's read-back doubles, sum to one, and stay within
    1e-15 of the game's; payoffs are equal."""
    back = parse_efg(text)
    nodes = preorder(gg)
    assert len(nodes) == game.n_nodes
    players = list(gg.players)
    for v, (node, _) in enumerate(nodes):
        if game.kind[v] != NodeKind.CHANCE:
            continue
        lo, hi = int(game.child_ptr[v]), int(game.child_ptr[v + 1])
        theirs = [Fraction(str(a.prob)) for a in node.infoset.actions]
        assert sum(theirs) == 1
        assert [float(p) for p in theirs] == back.chance_probs[lo:hi].tolist()
        moved = np.flatnonzero(back.chance_probs[lo:hi] != game.chance_probs[lo:hi])
        assert moved.size <= 1
        np.testing.assert_allclose(back.chance_probs[lo:hi], game.chance_probs[lo:hi], rtol=0, atol=1e-15)
    acc = np.zeros((game.n_nodes, game.n_players))
    for i, (node, parent) in enumerate(nodes):
        if parent >= 0:
            acc[i] = acc[parent]
        if node.outcome:  # pygambit 16.7: a falsy NodeOutcome when none is attached
            acc[i] += [float(Fraction(str(node.outcome[p]))) for p in players]
    np.testing.assert_array_equal(acc[game.terminals], game.terminal_payoffs())


@pytest.mark.parametrize("name", SCENARIOS)
def test_every_bundled_scenario_sample_reads_in_gambit(name: str, tmp_path: Path) -> None:
    samples = SAMPLES if scenario_game(name, 0).n_nodes < LARGE_NODES else SAMPLES[:2]
    for k in samples:
        game = scenario_game(name, k)
        text = write_efg(game)
        gg = gambit_reads(text, tmp_path, blank_nodes=game.n_nodes > LABELLED_NODES)
        assert_gambit_numbers(game, text, gg)


def test_every_efg_under_shared_reads_in_gambit_after_export(shared_dir: Path, tmp_path: Path) -> None:
    paths = sorted((shared_dir / "data" / "games").rglob("*.efg"))
    assert len(paths) >= 86
    for path in paths:
        game = read_efg(path)
        text = write_efg(game)  # also the 8 files pygambit refuses as they are (repeated labels)
        assert_gambit_numbers(game, text, gambit_reads(text, tmp_path))


def test_cli_export_of_ukraine_sample_3_reads_in_gambit(tmp_path: Path) -> None:
    """The command of issue 10, item 9."""
    out = tmp_path / "g.efg"
    result = CliRunner().invoke(app, ["export", "ukraine-2022-exchange", "--sample", "3", "-o", str(out)])
    assert result.exit_code == 0, result.output
    gg = gbt.read_efg(str(out))
    assert_gambit_numbers(scenario_game("ukraine-2022-exchange", 3), out.read_text(), gg)


def test_the_largest_scenario_s_labels_are_unique_and_a_large_one_reads_in_gambit_with_them(tmp_path: Path) -> None:
    """fearon-1995's 30,402 node labels are unique in brink's file (what Gambit checks; pygambit
    checks it in quadratic time, ~80 s on an idle core, so it is checked here on the text), and
    ukraine-2022 (7,689 nodes, 1,629 of them labelled: the largest crisis) reads in Gambit with
    every label kept."""
    text = write_efg(scenario_game("fearon-1995", 0))
    named = [x for x in re.findall(r'^[cpt] "((?:[^"\\]|\\.)*)"', text, flags=re.MULTILINE) if x]
    assert len(set(named)) == len(named) > 20_000
    game = scenario_game("ukraine-2022", 0)
    text = write_efg(game)
    gg = gambit_reads(text, tmp_path)
    labels = [v.label for v, _ in preorder(gg)]
    assert labels == re.findall(r'^[cpt] "((?:[^"\\]|\\.)*)"', text, flags=re.MULTILINE)  # the file's, in order
    named = [x for x in labels if x]
    assert len(set(named)) == len(named) > 1_000
    assert_gambit_numbers(game, text, gg)
