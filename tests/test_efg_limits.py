"""Limits of the ``.efg`` reader and of the structural checks (issue 10, items 7 and 8).

brink 0.1.0 crashed or hung on numbers no double holds (``1e309``: OverflowError), on a
5,000-digit numerator (Python's integer-digit limit), on an information-set number of
2^31 (int32 overflow) and on ``1e99999999`` (about 265 s of CPU, then a traceback); its
perfect-recall check kept a full history per node, so ``brink info`` on a 100,000-move
chain needed 7.6 GB.  Each test here fails on 0.1.0 and passes now: the reader refuses such
input with a located message (exit 2), the checks run in linear memory, and the solvers
handle the valid corner cases (no outcomes, chance only).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import tracemalloc
from fractions import Fraction
from pathlib import Path

import numpy as np
import pygambit as gbt
import pytest
from conftest import ROOT
from hypothesis import given, settings
from hypothesis import strategies as st
from test_efg import random_games

from brink import efg as efg_module
from brink import games as games_module
from brink.efg import (
    MAX_DIGITS,
    MAX_INTEGER,
    EfgSyntaxError,
    parse_efg,
    probability_texts,
    read_efg,
    write_efg,
)
from brink.errors import InputError
from brink.games import MAX_MAGNITUDE, Game, GameError, TreeBuilder
from brink.solvers import solve
from brink.solvers.qre import solve_qre
from brink.solvers.regret import max_regret

BRINK = str(ROOT / ".venv" / "bin" / "brink")
HEAD = 'EFG 2 R "g" { "A" }\n'


def one_payoff(number: str) -> str:
    """A one-node game whose only payoff is written as ``number`` (at line 2, column 14)."""
    return f'{HEAD}t "" 1 "o" {{ {number} }}\n'


def brink(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([BRINK, *args], capture_output=True, text=True, check=False)


def chain(moves: int) -> str:
    """Two players alternately stop or go, ``moves`` times: depth ``moves``, 2 * moves + 1 nodes."""
    lines = ['EFG 2 R "chain" { "A" "B" }\n""\n', 'p "" 1 1 "" { "stop" "go" } 0\nt "" 1 "s" { 1, 0 }\n']
    for i in range(1, moves):
        lines.append(f'p "" {i % 2 + 1} {i // 2 + 1} "" {{ "stop" "go" }} 0\nt "" 1\n')
    lines.append('t "" 2 "e" { 0, 1 }\n')
    return "".join(lines)


# ------------------------------------------------------------------ numbers


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("1e309", "larger in magnitude than brink reads (at most 1e+300"),  # 0.1.0: OverflowError
        ("-2e300", "larger in magnitude"),
        ("1" * 5000 + "/3", "5000 digits is more than brink reads"),  # 0.1.0: digit limit
        ("1/" + "7" * 5000, "5000 digits"),
        ("0." + "0" * 4000 + "1", "4002 digits"),
        ("1e99999999", "the exponent 99999999 is out of range"),  # 0.1.0: ~265 s, then a traceback
        ("1e-99999999", "the exponent -99999999 is out of range"),
        ("1e0000000000001000", "the exponent"),
        ("1e999", "larger in magnitude"),
    ],
)
def test_numbers_beyond_the_limits_are_refused_where_they_stand(number: str, message: str) -> None:
    started = time.process_time()
    with pytest.raises(EfgSyntaxError) as err:
        parse_efg(one_payoff(number), source="g.efg")
    assert time.process_time() - started < 1.0  # refused before any big-number arithmetic
    assert str(err.value).startswith("g.efg:2:14: expected a payoff; "), str(err.value)
    assert message in str(err.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # 0.1.0: the number pattern backtracked, quadratically or worse (16,000 digits: 10 s)
        (one_payoff("1" * 200_000 + "x"), "2:14: expected a number or '}'"),
        (one_payoff("1." + "1" * 200_000 + "e"), "2:14: expected a number or '}'"),
        (HEAD + 't "' + "a" * 1_000_000, "2:3: expected a closing '\"' for this label"),
    ],
)
def test_long_malformed_tokens_are_scanned_in_linear_time(text: str, message: str) -> None:
    started = time.process_time()
    with pytest.raises(EfgSyntaxError) as err:
        parse_efg(text, source="g.efg")
    assert time.process_time() - started < 1.0
    assert str(err.value).startswith(f"g.efg:{message}"), str(err.value)


@pytest.mark.parametrize(
    ("number", "value"),
    [
        ("1e300", 1e300),
        ("-1e300", -1e300),
        ("0.000000000000000000001e-280", 1e-301),
        ("1e-999", 0.0),  # below the smallest double: reads as 0, like a double would
        ("9" * MAX_DIGITS + "/" + "9" * MAX_DIGITS, 1.0),
        ("+3/4", 0.75),
        ("00000000000000000000000012", 12.0),
    ],
)
def test_numbers_within_the_limits_are_read_exactly(number: str, value: float) -> None:
    g = parse_efg(one_payoff(number))
    assert g.outcome_payoffs[0, 0] == value


@pytest.mark.parametrize(
    ("record", "where", "message"),
    [
        # 0.1.0: OverflowError (int32) when the game was assembled
        ('p "" 1 2147483648 "" { "a" } 0\nt "" 0\n', "2:8", "at most 2147483647 (2^31 - 1"),
        ('p "" 1 ' + "9" * 5000 + ' "" { "a" } 0\nt "" 0\n', "2:8", "a number of 5000 digits"),
        ('p "" 1 1 "" { "a" } 4294967296 "o" { 1 }\nt "" 0\n', "2:21", "an outcome number"),
        ('p "" 99999999999 1 "" { "a" } 0\nt "" 0\n', "2:6", "a player number of at most"),
        ('t "" 1 "o" { 1 2 3 4 5 }\n', "2:24", "expected 1 payoffs (one per player), found 5"),
    ],
)
def test_integers_beyond_32_bits_are_refused(record: str, where: str, message: str) -> None:
    with pytest.raises(EfgSyntaxError) as err:
        parse_efg(HEAD + record, source="g.efg")
    assert str(err.value).startswith(f"g.efg:{where}: "), str(err.value)
    assert message in str(err.value)


def test_the_largest_infoset_number_is_kept_and_written_back() -> None:
    g = parse_efg(HEAD + f'p "" 1 {MAX_INTEGER} "" {{ "a" }} 0\nt "" 0\n')
    assert int(g.infoset_number[0]) == MAX_INTEGER
    assert f" 1 {MAX_INTEGER} " in write_efg(g)


def test_cli_refuses_bad_numbers_with_exit_2_and_no_traceback(tmp_path: Path) -> None:
    for i, text in enumerate(
        [one_payoff("1e309"), one_payoff("1" * 5000), HEAD + 'p "" 1 2147483648 "" { "a" } 0\nt "" 0\n']
    ):
        path = tmp_path / f"bad{i}.efg"
        path.write_text(text)
        for command in (["info", str(path)], ["solve", str(path)]):
            result = brink(*command)
            assert result.returncode == 2, result.stderr
            assert result.stderr.startswith(f"error: {path}:2:"), result.stderr
            assert "Traceback" not in result.stderr


def test_a_huge_exponent_is_refused_at_once_by_the_cli(tmp_path: Path) -> None:
    path = tmp_path / "slow.efg"
    path.write_text(one_payoff("1e99999999"))
    started = time.perf_counter()
    result = brink("info", str(path))
    assert time.perf_counter() - started < 30  # 0.1.0: ~265 s of CPU, then a traceback
    assert result.returncode == 2
    assert "the exponent 99999999 is out of range" in result.stderr


# ------------------------------------------------------------------ sizes


def test_a_tree_beyond_the_node_limit_is_refused_at_the_node(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(efg_module, "MAX_NODES", 7)
    text = chain(3)  # 7 nodes: fits
    assert parse_efg(text).n_nodes == 7
    with pytest.raises(EfgSyntaxError, match=r"^g\.efg:10:1: the tree has more than 7 nodes"):
        parse_efg(chain(4), source="g.efg")


def test_nodes_times_players_is_limited(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(efg_module, "MAX_NODE_PAYOFFS", 10)  # 2 players: 5 nodes
    with pytest.raises(EfgSyntaxError, match="more than 5 nodes, brink's limit for a game of 2"):
        parse_efg(chain(3))


def test_game_validation_refuses_a_tree_beyond_the_node_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(games_module, "MAX_NODES", 4)
    b = TreeBuilder("t", ["A"])
    b.move(b.root, "A", ["a", "b", "c", "d"])
    with pytest.raises(GameError, match="brink holds games of at most 4 nodes"):
        b.build()


def test_payoffs_beyond_the_magnitude_limit_are_refused_by_every_game() -> None:
    b = TreeBuilder("t", ["A"])
    b.outcome(b.root, [2e300])
    with pytest.raises(GameError, match="magnitude at most 1e\\+300"):
        b.build()
    b = TreeBuilder("t", ["A"])
    b.outcome(b.root, [MAX_MAGNITUDE])
    assert b.build().outcome_payoffs[0, 0] == MAX_MAGNITUDE


def test_a_file_beyond_the_size_limit_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(efg_module, "MAX_FILE_BYTES", 100)
    path = tmp_path / "big.efg"
    path.write_text(chain(10))
    with pytest.raises(InputError, match=r"larger than 100 bytes, brink's limit for a \.efg file"):
        read_efg(path)


def test_special_files_are_not_read(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not a regular file"):
        read_efg(tmp_path)
    fifo = tmp_path / "pipe.efg"
    try:
        os.mkfifo(fifo)
    except (OSError, AttributeError):
        pytest.skip("cannot make a FIFO here")
    with pytest.raises(InputError, match="not a regular file"):  # would block forever if read
        read_efg(fifo)


# ------------------------------------------------------------------ linear structural checks


def test_perfect_recall_check_is_linear_in_memory() -> None:
    """A 20,000-move chain: 0.1.0 kept every node's history (~1.6 GB here); now a few MB."""
    text = chain(20_000)
    tracemalloc.start()
    try:
        g = parse_efg(text)
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        assert g.has_perfect_recall
        assert g.perfect_recall_violation is None
        peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
    assert peak < 20 * 2**20, f"the recall check took {peak / 2**20:.1f} MiB"


def test_info_on_a_100000_move_chain_fits_in_a_small_memory_cap(tmp_path: Path) -> None:
    """0.1.0 needed 7.6 GB (and ~3 minutes); now about 200 MB and a few seconds."""
    path = tmp_path / "chain.efg"
    path.write_text(chain(100_000))
    code = (
        "import resource, sys; "
        "resource.setrlimit(resource.RLIMIT_AS, (2 * 1024**3, 2 * 1024**3)); "
        "from brink.cli import main; sys.argv = ['brink', 'info', '--json', sys.argv[1]]; main()"
    )
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert '"nodes": 200001' in result.stdout and '"perfect_recall": true' in result.stdout
    assert time.perf_counter() - started < 120


def _history_violation(g: Game) -> str | None:
    """0.1.0's definition, kept as the reference: every node's full history of own moves."""
    history: list[dict[int, tuple[tuple[int, int], ...]]] = [{} for _ in range(g.n_nodes)]
    for v in range(1, g.n_nodes):
        p = int(g.parent[v])
        h = dict(history[p])
        mover = int(g.node_player[p])
        if mover >= 0:
            h[mover] = (*h.get(mover, ()), (int(g.infoset[p]), int(g.parent_edge[v] - g.child_ptr[p])))
        history[v] = h
    for s, members in enumerate(g.infoset_nodes):
        pl = int(g.infoset_player[s])
        if pl < 0 or len(members) < 2:
            continue
        first = history[int(members[0])].get(pl, ())
        for m in members[1:]:
            if history[int(m)].get(pl, ()) != first:
                return (
                    f"information set {int(g.infoset_number[s])} of player {g.players[pl]!r} "
                    f"({g.infoset_labels[s]!r}) is reached by different histories of that "
                    f"player's own moves (nodes {int(members[0])} and {int(m)})"
                )
    return None


@settings(max_examples=300, deadline=None)
@given(random_games())
def test_linear_recall_check_equals_the_full_history_definition(g: Game) -> None:
    assert g.perfect_recall_violation == _history_violation(g)


@pytest.mark.shared
def test_recall_check_names_the_same_set_as_before_on_contrib_games() -> None:
    from conftest import contrib_games

    for path in contrib_games():
        g = read_efg(path)
        assert g.perfect_recall_violation == _history_violation(g), path.name


# ------------------------------------------------------------------ valid games that crashed


NO_OUTCOMES = 'EFG 2 R "" { "1" } ""\np "" 1 1 "" { "a" } 0\nt "" 0\n'
TWO_NO_OUTCOMES = 'EFG 2 R "" { "1" "2" } ""\np "" 1 1 "" { "a" "b" } 0\np "" 2 1 "" { "x" "y" } 0\nt "" 0\nt "" 0\nt "" 0\n'
CHANCE_ONLY = (
    'EFG 2 R "" { "1" "2" } ""\nc "" 1 "" { "h" 1/3 "t" 2/3 } 0\n'
    'c "" 2 "" { "u" 1/2 "d" 1/2 } 1 "o" { 1, 2 }\nt "" 2 "p" { 3, -4 }\nt "" 0\nt "" 3 "q" { 5, 6 }\n'
)
ROOT_ONLY = 'EFG 2 R "" { "1" } ""\nt "" 0\n'


@pytest.mark.parametrize("text", [NO_OUTCOMES, TWO_NO_OUTCOMES, CHANCE_ONLY, ROOT_ONLY])
@pytest.mark.parametrize("solver", ["spe", "qre"])
def test_games_without_outcomes_or_moves_solve(text: str, solver: str, tmp_path: Path) -> None:
    """0.1.0: a reshape ValueError (no outcomes, SPE) and an IndexError (chance only, QRE)."""
    g = parse_efg(text)
    path = tmp_path / "g.efg"
    path.write_text(text)
    gg = gbt.read_efg(str(path))
    # every profile gives the same payoffs here: pygambit's at the uniform one
    uniform = gg.mixed_behavior_profile(rational=True)
    expected = [float(Fraction(str(uniform.payoff(p)))) for p in gg.players]
    solution = solve(g, solver=solver)
    np.testing.assert_allclose(solution.payoffs, expected, atol=1e-12)
    assert float(solution.max_regret) <= 1e-12
    assert float(max_regret(g, solution.profile)) <= 1e-12
    for lam in (0.0, 1.0):
        np.testing.assert_allclose(solve_qre(g, lam=lam).payoffs, expected, atol=1e-12)
    result = brink("solve", "--solver", solver, "--json", str(path))
    assert result.returncode == 0, result.stderr


def test_chance_only_game_with_samples_solves_under_qre() -> None:
    b = TreeBuilder("c", ["A"])
    x, y = b.move(b.root, None, ["h", "t"], probs=[[0.5, 0.5], [0.25, 0.75]])
    b.outcome(x, [[1.0], [2.0]])
    b.outcome(y, [[3.0], [4.0]])
    solution = solve(b.build(), solver="qre")
    np.testing.assert_allclose(solution.payoffs, [[2.0], [3.5]])


def test_qre_refuses_a_game_too_large_for_it_before_allocating() -> None:
    """0.1.0 tried to allocate a (nodes x depth) array: 160 GB for a 100,000-move chain."""
    g = parse_efg(chain(20_000))
    started = time.perf_counter()
    with pytest.raises(InputError, match="too large for the QRE solver") as err:
        solve(g, solver="qre")
    assert "--solver spe" in str(err.value)
    assert time.perf_counter() - started < 30
    assert solve(g, solver="spe").payoffs.tolist() == [1.0, 0.0]  # A stops at once


# ------------------------------------------------------------------ exact probabilities


@settings(max_examples=300, deadline=None)
@given(st.lists(st.floats(1e-12, 1.0), min_size=1, max_size=8))
def test_written_probabilities_sum_to_exactly_one(weights: list[float]) -> None:
    probs = (np.array(weights) / np.sum(weights)).tolist()
    texts = probability_texts(probs)
    exact = [Fraction(t) for t in texts]
    assert sum(exact) == 1
    changed = [i for i, (p, q) in enumerate(zip(probs, exact, strict=True)) if float(q) != p]
    assert len(changed) <= 1  # at most one probability moves, by about an ulp
    for i in changed:
        assert abs(float(exact[i]) - probs[i]) <= 1e-15
    for t in texts:  # every text is within brink's own reading limits
        assert max(len("".join(c for c in part if c.isdigit())) for part in t.split("/")) <= MAX_DIGITS


def test_a_sampled_pair_that_misses_one_by_an_ulp_is_written_exactly() -> None:
    """The pair of ``brink export ukraine-2022-exchange --sample 3`` (issue 10, item 9)."""
    texts = probability_texts([0.6841154473613668, 0.31588455263863324])
    assert sum(Fraction(t) for t in texts) == 1
    assert [float(Fraction(t)) for t in texts] == [0.6841154473613668, 0.31588455263863324]


@settings(max_examples=60, deadline=None)
@given(random_games())
def test_default_export_reads_in_pygambit(g: Game) -> None:
    """Labels made as Gambit 16 wants them; probabilities that sum to exactly one."""
    import tempfile

    text = write_efg(g)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "g.efg"
        path.write_text(text, encoding="ascii")
        gg = gbt.read_efg(str(path))
    back = parse_efg(text)
    assert back.n_nodes == g.n_nodes == len(gg.nodes)
    np.testing.assert_allclose(back.chance_probs, g.chance_probs, rtol=0, atol=1e-15)
    np.testing.assert_array_equal(back.outcome_payoffs, g.outcome_payoffs)
