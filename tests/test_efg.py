"""Gambit ``.efg`` reading and writing, checked against pygambit on Gambit's own example games."""

from __future__ import annotations

import dataclasses
import re
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pygambit as gbt
import pytest
from conftest import contrib_games
from gambit_bridge import preorder
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from brink.efg import EfgSyntaxError, format_number, parse_efg, read_efg, write_efg
from brink.games import CHANCE, Game, NodeKind, TreeBuilder

GAMES = contrib_games()
IDS = [p.stem for p in GAMES]
#: Files pygambit 16.7 refuses for duplicate node or information-set labels.
DUPLICATE_LABELS = {"4cards", "caro2", "coord2ts", "e10", "e10a", "holdout", "nim", "nim7"}

_LABEL = r'"((?:[^"\\]|\\.)*)"'


def clean(label: str) -> str:
    """A label as pygambit 16.7 accepts it: no leading, trailing or doubled spaces."""
    return " ".join(label.split())


def gambit_normalized(labels: list[str]) -> list[str]:
    """Labels as pygambit 16.7 reports them: empty or repeated ones get a ``_k`` suffix."""
    counts = {x: labels.count(x) for x in labels}
    used, seen, out = set(labels), dict.fromkeys(labels, 0), []
    for x in labels:
        if counts[x] == 1 and x:
            out.append(x)
            continue
        while True:
            seen[x] += 1
            candidate = f"{x}_{seen[x]}"
            if candidate not in used:
                break
        used.add(candidate)
        out.append(candidate)
    return out


def unique_label_copy(text: str) -> str:
    """The same file with non-empty node and information-set labels made unique and all
    labels cleaned of stray spaces, which pygambit 16.7 refuses."""
    out = []
    for lineno, line in enumerate(text.splitlines(), 1):
        line = re.sub(_LABEL, lambda s: f'"{clean(s[1])}"', line)
        m = re.match(rf"^([cpt]) {_LABEL}(.*)$", line)
        if m:
            kind, label, rest = m.groups()
            label = f"{label}~{lineno}" if label else ""
            if kind == "p":
                rest = re.sub(
                    rf"^ (\d+) (\d+) {_LABEL}",
                    lambda s: f' {s[1]} {s[2]} "{s[3]}~{s[1]}.{s[2]}"' if s[3] else s[0],
                    rest,
                )
            elif kind == "c":
                rest = re.sub(
                    rf"^ (\d+) {_LABEL}",
                    lambda s: f' {s[1]} "{s[2]}~0.{s[1]}"' if s[2] else s[0],
                    rest,
                )
            line = f'{kind} "{label}"{rest}'
        out.append(line)
    return "\n".join(out) + "\n"


def gambit_read(path: Path, tmp_path: Path) -> gbt.Game:
    if path.stem in DUPLICATE_LABELS:
        copy = tmp_path / path.name
        copy.write_text(unique_label_copy(path.read_text()))
        path = copy
    return gbt.read_efg(str(path))


def assert_same_game(bg: Game, gg: gbt.Game, *, labels: bool = True) -> None:
    """Same tree, information sets (by members), labels, chance probabilities and payoffs."""
    nodes = [v for v, _ in preorder(gg)]
    index = {id_(v): i for i, v in enumerate(nodes)}
    assert bg.n_nodes == len(nodes)
    players = list(gg.players)
    assert bg.n_players == len(players)
    if labels:
        assert gambit_normalized(list(bg.players)) == [p.label for p in players]
        assert bg.title == gg.title
    acc = np.zeros((bg.n_nodes, bg.n_players))
    for i, v in enumerate(nodes):
        parent = -1 if v.parent is None else index[id_(v.parent)]
        assert int(bg.parent[i]) == parent
        if parent >= 0:
            acc[i] = acc[parent]
        if v.outcome:  # pygambit 16.7: a falsy NodeOutcome when none is attached
            acc[i] += [float(v.outcome[p]) for p in players]
        if v.is_terminal:
            assert bg.kind[i] == NodeKind.TERMINAL
            continue
        h = int(bg.infoset[i])
        mine = gambit_normalized([a if labels else clean(a) for a in bg.action_labels[h]])
        assert mine == [a.label for a in v.infoset.actions]
        lo, hi = bg.child_ptr[i], bg.child_ptr[i + 1]
        assert [int(c) for c in bg.children[lo:hi]] == [index[id_(c)] for c in v.children]
        if v.infoset.is_chance:
            assert bg.kind[i] == NodeKind.CHANCE
            probs = [float(Fraction(str(a.prob))) for a in v.infoset.actions]
            np.testing.assert_allclose(bg.chance_probs[lo:hi], probs, rtol=0, atol=1e-15)
        else:
            assert bg.kind[i] == NodeKind.PERSONAL
            assert int(bg.infoset_player[h]) == players.index(v.player)
            if labels:
                assert bg.infoset_labels[h] == v.infoset.label
        if labels:
            assert bg.node_labels[i] == v.label
    np.testing.assert_allclose(bg.node_payoffs(), acc, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(bg.terminal_payoffs(), acc[bg.terminals], rtol=1e-12, atol=1e-12)
    for p, player in enumerate([*players, gg.players.chance]):
        owner = CHANCE if p == len(players) else p
        mine = sorted(tuple(bg.infoset_nodes[int(h)].tolist()) for h in bg.player_infosets(owner))
        theirs = sorted(tuple(sorted(index[id_(m)] for m in s.members)) for s in player.infosets)
        assert mine == theirs, f"information sets of {player.label!r} differ"


def id_(node: Any) -> tuple[int, ...]:
    """A node's path of action numbers from the root (stable across pygambit wrapper objects)."""
    path: list[int] = []
    while node.parent is not None:
        path.append(list(node.parent.children).index(node))
        node = node.parent
    return tuple(reversed(path))


def assert_equal_games(a: Game, b: Game) -> None:
    for f in dataclasses.fields(Game):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(x, np.ndarray):
            assert x.dtype == y.dtype and x.shape == y.shape, f.name
            assert np.array_equal(x, y), f.name
        else:
            assert x == y, f.name


# ------------------------------------------------------------------ contrib games


@pytest.mark.shared
def test_all_86_contrib_games_load() -> None:
    assert len(GAMES) == 86
    for path in GAMES:
        read_efg(path)


@pytest.mark.shared
@pytest.mark.parametrize("path", GAMES, ids=IDS)
def test_reader_matches_pygambit(path: Path, tmp_path: Path) -> None:
    bg = read_efg(path)
    gg = gambit_read(path, tmp_path)
    assert_same_game(bg, gg, labels=path.stem not in DUPLICATE_LABELS)
    assert bg.n_outcomes == len(gg.outcomes)
    for p, player in enumerate(gg.players):
        assert len(bg.player_infosets(p)) == len(player.infosets)
    assert bg.has_perfect_recall == gg.is_perfect_recall


@pytest.mark.shared
def test_infoset_numbers_follow_the_file() -> None:
    g = read_efg(next(p for p in GAMES if p.stem == "montyhal"))
    # player 1's sets are numbered 1..7 in the file; player_infosets lists them in that order
    p1 = g.player_infosets(0)
    assert g.infoset_number[p1].tolist() == list(range(1, 8))
    assert g.infoset_labels[p1[0]] == "(1,1)"
    assert [len(g.infoset_nodes[int(h)]) for h in p1] == [3] * 7  # one node per prize door


@pytest.mark.shared
@pytest.mark.parametrize("path", GAMES, ids=IDS)
def test_write_then_read_is_identity(path: Path) -> None:
    g = read_efg(path)
    assert_equal_games(parse_efg(write_efg(g, exact_labels=True)), g)
    if path.stem not in DUPLICATE_LABELS:  # labels Gambit accepts are written unchanged
        assert write_efg(g) == write_efg(g, exact_labels=True)


def _unique_labels(g: Game) -> Game:
    return dataclasses.replace(
        g,
        node_labels=tuple(f"{clean(s)}~{i}" if s else "" for i, s in enumerate(g.node_labels)),
        infoset_labels=tuple(
            f"{clean(s)}~{i}" if s else "" for i, s in enumerate(g.infoset_labels)
        ),
        action_labels=tuple(tuple(clean(a) for a in acts) for acts in g.action_labels),
    )


@pytest.mark.shared
@pytest.mark.parametrize("path", GAMES, ids=IDS)
def test_written_file_reads_in_pygambit(path: Path, tmp_path: Path) -> None:
    g = _unique_labels(read_efg(path))
    out = tmp_path / "out.efg"
    out.write_text(write_efg(g))
    assert_same_game(g, gbt.read_efg(str(out)))


@pytest.mark.shared
@pytest.mark.parametrize("path", [p for p in GAMES if p.stem not in DUPLICATE_LABELS], ids=str)
def test_pygambit_output_reads_in_brink(path: Path) -> None:
    gg = gbt.read_efg(str(path))
    assert_same_game(parse_efg(gg.to_efg()), gg)


# ------------------------------------------------------------------ syntax


def test_rationals_decimals_exponents_and_escapes() -> None:
    text = r"""EFG 2 D "A \"quoted\" game \\ x" { "P\\1" "P 2" }
"comment
over two lines"

c "root" 1 "nature" { "a" 1/3 "b" .5 "c" 1.666666666666667E-1 } 0
p "" 1 1 "I" { "x" "y" } 2 "mid" { -1.5e1 +2 }
t "" 1 "end" { 1/4, -3 }
t "" 1
p "" 2 7 "J" { "u" } 0
t "" 2
t "a\b" 0
"""
    g = parse_efg(text)
    assert g.title == 'A "quoted" game \\ x'
    assert g.players == ("P\\1", "P 2")
    assert g.description == "comment\nover two lines"
    np.testing.assert_array_equal(g.chance_probs[:3], [1 / 3, 0.5, 1.666666666666667e-1])
    # outcome 2 ("mid") is on a non-terminal node; outcome numbers 1, 2 -> indices 0, 1
    assert g.outcome_labels == ("end", "mid")
    np.testing.assert_array_equal(g.outcome_payoffs, [[0.25, -3.0], [-15.0, 2.0]])
    np.testing.assert_array_equal(
        g.terminal_payoffs(), [[0.25 - 15, -3 + 2], [0.25 - 15, -3 + 2], [-15, 2], [0, 0]]
    )
    assert g.infoset_number[g.player_infosets(1)].tolist() == [7]
    assert g.node_labels[-1] == "a\\b"
    assert_equal_games(parse_efg(write_efg(g, exact_labels=True)), g)


def test_outcome_may_be_defined_after_a_reference() -> None:
    text = 'EFG 2 R "" { "A" }\np "" 1 1 "" { "l" "r" } 0\nt "" 3\nt "" 3 "o" { 7 }\n'
    g = parse_efg(text)
    assert g.outcome.tolist() == [-1, 0, 0]
    np.testing.assert_array_equal(g.terminal_payoffs(), [[7.0], [7.0]])


def test_reused_infoset_without_actions() -> None:
    text = (
        'EFG 2 R "" { "A" "B" }\nc "" 1 "" { "h" 1/2 "t" 1/2 } 0\n'
        'p "" 1 1 "s" { "l" "r" } 0\nt "" 0\nt "" 0\np "" 1 1 0\nt "" 0\nt "" 0\n'
    )
    g = parse_efg(text)
    assert [m.tolist() for m in g.infoset_nodes] == [[1, 4], [0]]
    assert not g.is_perfect_information


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        ('EFG 2 R "" { "A" }\nt "" 1 "o" { 1 x }\n', "2:16", "expected a number or '}'"),
        ('EFG 2 R "" { "A" }\np "" 1 1 "" { "l" "r" } 0\nt "" 0\n', "4:1", "expected a node"),
        ('EFG 2 R "" { "A" }\nx "" 0\n', "2:1", "unknown node type 'x'"),
        (
            'EFG 2 R "" { "A" }\nc "" 1 "" { "h" 1/2 "t" 1/3 } 0\nt "" 0\nt "" 0\n',
            "2:11",
            "sum to 1",
        ),
        ('EFG 2 R "" { "A" }\nt "" 4\n', "2:6", "outcome 4 is referenced but never defined"),
        ("  \n", "1:1", "empty file"),
        (
            'EFG 2 R "" { "A" }\np "" 1 1 "" { "l" } 0\np "" 1 1 "" { "m" } 0\nt "" 0\n',
            "3:8",
            "expected the same actions",
        ),
        ('EFG 2 R "" { "A" }\np "" 2 1 "" { "l" } 0\nt "" 0\n', "2:6", "from 1 to 1"),
        ('EFG 2 R "" { "A" }\np "" 1 1 0\n', "2:10", "not defined yet"),
        ('EFG 2 R "" { "A" }\nt "" 1 "o" { 1 2 }\n', "2:18", "expected 1 payoffs"),
        ('EFG 2 R "" { "A" }\nt "" 1 "o" { 1 }\nt "" 0\n', "3:1", "end of the file"),
        (
            'EFG 2 R "" { "A" }\np "" 1 1 "" { "l" "r" } 0\nt "" 1 "o" { 1 }\nt "" 1 "o" { 2 }\n',
            "4:6",
            "same payoffs",
        ),
        ('EFG 2 R "" { "A" }\nt "abc 0\n', "2:3", "closing '\"'"),
        ('NFG 1 R "" { "A" }\n', "1:1", "header 'EFG 2 R'"),
        (
            'EFG 2 R "" { "A" }\nc "" 1 "" { "h" 3/2 "t" -1/2 } 0\nt "" 0\nt "" 0\n',
            "2:17",
            "between 0 and 1",
        ),
        ('EFG 2 R "" { "A" }\nt "" 1 "o" { 1/0 }\n', "2:14", "divides by zero"),
    ],
)
def test_errors_are_located(text: str, where: str, message: str) -> None:
    with pytest.raises(EfgSyntaxError) as err:
        parse_efg(text, source="game.efg")
    assert str(err.value).startswith(f"game.efg:{where}: "), str(err.value)
    assert message in str(err.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(Exception, match=r"nope\.efg: file not found"):
        read_efg(tmp_path / "nope.efg")


# ------------------------------------------------------------------ writer


@pytest.mark.parametrize(
    ("x", "text"),
    [
        (0.5, "1/2"),
        (1 / 3, "1/3"),
        (0.1, "1/10"),
        (2.0, "2"),
        (-3.0, "-3"),
        (0.0, "0"),
        (np.pi, repr(np.pi)),
        (1e-300, "1e-300"),
        (1e20, "1e20"),  # no "+" in the exponent: Gambit refuses "1e+20"
        (-0.75, "-3/4"),
    ],
)
def test_format_number_is_exact(x: float, text: str) -> None:
    assert format_number(x) == text
    assert float(Fraction(text)) == x


def test_sampled_game_needs_a_sample() -> None:
    b = TreeBuilder("s", ["A"])
    left, right = b.move(b.root, "A", ["l", "r"])
    b.outcome(left, [[1.0], [2.0]])
    b.outcome(right, [[3.0], [4.0]])
    g = b.build()
    with pytest.raises(Exception, match="sample"):
        write_efg(g)
    assert parse_efg(write_efg(g, sample=1)).outcome_payoffs.tolist() == [[2.0], [4.0]]


def test_chance_set_with_sample_dependent_probs_is_split() -> None:
    b = TreeBuilder("c", ["A"])
    x, y = b.move(b.root, None, ["h", "t"], probs=[0.5, 0.5])
    b.move(x, None, ["u", "d"], infoset="n", probs=[0.25, 0.75])
    b.move(y, None, ["u", "d"], infoset="n", probs=[0.25, 0.75])
    g = b.build()
    probs = g.chance_probs.copy()
    probs[-2:] = [0.5, 0.5]  # second member of set "n" now differs
    g2 = g.with_samples(chance_probs=probs)
    back = parse_efg(write_efg(g2))
    np.testing.assert_array_equal(back.chance_probs, probs)
    assert back.n_infosets == g.n_infosets + 1


# ------------------------------------------------------------------ hypothesis

LABELS = st.text(alphabet=st.sampled_from('ab "\\\n{}0é,'), max_size=6)
PAYOFF = st.one_of(
    st.integers(-100, 100).map(float),
    st.fractions(max_denominator=12).map(float),
    st.floats(-1e9, 1e9, allow_nan=False, allow_infinity=False),
)


@st.composite
def random_games(draw: st.DrawFn) -> Game:
    n_players = draw(st.integers(1, 3))
    b = TreeBuilder(draw(LABELS), [f"P{i}{draw(LABELS)}" for i in range(n_players)], draw(LABELS))
    sets: list[tuple[Any, int | None, tuple[str, ...], list[float] | None]] = []
    frontier = [b.root]
    budget = draw(st.integers(0, 12))
    while frontier:
        v = frontier.pop(0)
        if draw(st.booleans()):
            b.outcome(v, [draw(PAYOFF) for _ in range(n_players)], label=draw(LABELS))
        if budget <= 0 or draw(st.integers(0, 3)) == 0:
            b.label(v, draw(LABELS))
            continue
        budget -= 1
        reuse = [s for s in sets if draw(st.booleans())] if sets else []
        if reuse:
            key, player, actions, probs = reuse[0]
        else:
            player = draw(st.sampled_from([None, *range(n_players)]))
            actions = tuple(draw(st.lists(LABELS, min_size=1, max_size=3)))
            probs = None
            if player is None:
                weights = draw(
                    st.lists(st.integers(0, 9), min_size=len(actions), max_size=len(actions))
                )
                if sum(weights) == 0:
                    weights[0] = 1
                probs = [w / sum(weights) for w in weights]
            key = len(sets)
            sets.append((key, player, actions, probs))
        kids = b.move(
            v,
            player,
            actions,
            infoset=key,
            probs=probs,
            label=draw(LABELS),
            infoset_label=f"set{key}{draw(LABELS)}",
        )
        frontier.extend(kids)
    return b.build()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_games())
def test_random_games_round_trip(g: Game) -> None:
    text = write_efg(g, exact_labels=True)
    assert_equal_games(parse_efg(text), g)
    assert write_efg(parse_efg(text), exact_labels=True) == text
