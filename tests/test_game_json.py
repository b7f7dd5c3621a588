"""The JSON game form: exact round trips and located errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import contrib_games
from hypothesis import HealthCheck, given, settings
from test_efg import assert_equal_games, random_games

from brink.efg import read_efg
from brink.errors import InputError
from brink.game_json import game_from_dict, game_to_dict
from brink.games import Game, TreeBuilder


def through_json(g: Game, sample: int | None = None) -> Game:
    return game_from_dict(json.loads(json.dumps(game_to_dict(g, sample))))


@pytest.mark.parametrize("path", contrib_games(), ids=lambda p: p.stem)
def test_contrib_games_round_trip(path: Path) -> None:
    g = read_efg(path)
    assert_equal_games(through_json(g), g)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_games())
def test_random_games_round_trip(g: Game) -> None:
    assert_equal_games(through_json(g), g)


def entry() -> Game:
    b = TreeBuilder("entry deterrence", ["Entrant", "Incumbent"])
    out, enter = b.move(b.root, "Entrant", ["out", "in"])
    b.outcome(out, [0, 2], label="status quo")
    fight, share = b.move(enter, "Incumbent", ["fight", "share"])
    b.outcome(fight, [-1, -1])
    b.outcome(share, [1, 1])
    return b.build()


def test_readable_form() -> None:
    d = game_to_dict(entry())
    assert d["players"] == ["Entrant", "Incumbent"]
    assert d["nodes"][0] == {
        "kind": "personal", "player": "Entrant", "infoset": 0, "label": "", "outcome": None,
        "children": [1, 2],
    }
    assert d["nodes"][1] == {"kind": "terminal", "label": "", "outcome": 0, "children": []}
    assert d["infosets"][1] == {
        "player": "Incumbent", "number": 1, "label": "", "actions": ["fight", "share"],
    }
    assert d["outcomes"][0] == {"label": "status quo", "payoffs": [0.0, 2.0]}


def test_chance_probs_on_sets_and_differing_nodes() -> None:
    b = TreeBuilder("c", ["A"])
    x, y = b.move(b.root, None, ["h", "t"], probs=[0.25, 0.75])
    for v in (x, y):
        for leaf in b.move(v, None, ["u", "d"], infoset="n", probs=[0.5, 0.5]):
            b.outcome(leaf, [1.0])
    g = b.build()
    probs = g.chance_probs.copy()
    probs[-2:] = [0.1, 0.9]
    g2 = g.with_samples(chance_probs=probs)
    d = game_to_dict(g2)
    chance_sets = [s for s in d["infosets"] if s["player"] == "chance"]
    assert [s["probs"] for s in chance_sets] == [[0.25, 0.75], [0.5, 0.5]]
    assert d["nodes"][4]["probs"] == [0.1, 0.9]
    assert "probs" not in d["nodes"][1]
    np.testing.assert_array_equal(through_json(g2).chance_probs, probs)


def test_sampled_game_needs_a_sample() -> None:
    g = entry()
    g3 = g.with_samples(outcome_payoffs=np.stack([g.outcome_payoffs, -g.outcome_payoffs]))
    with pytest.raises(InputError, match="2 samples"):
        game_to_dict(g3)
    assert through_json(g3, 1).outcome_payoffs.tolist() == (-g.outcome_payoffs).tolist()


def _broken(change: dict[str, Any]) -> dict[str, Any]:
    d = game_to_dict(entry())
    for path, value in change.items():
        target: Any = d
        keys = path.split(".")
        for k in keys[:-1]:
            target = target[int(k)] if k.isdigit() else target[k]
        target[keys[-1]] = value
    return d


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"format": "other"}, "'format' is 'other'"),
        ({"nodes.0.children": [1, 7]}, "nodes[0].children: child 7 is not an index"),
        ({"nodes.2.infoset": 9}, "nodes[2].infoset: information set 9"),
        ({"infosets.0.player": "Nobody"}, "infosets[0].player: unknown player 'Nobody'"),
        ({"outcomes.0.payoffs": [1]}, "outcomes[0].payoffs: expected 2 payoffs"),
        ({"nodes.1.kind": "leaf"}, "nodes[1].kind: unknown kind 'leaf'"),
        ({"nodes.2.children": [1, 4]}, "node 1 has more than one parent"),
        ({"infosets.1.actions": ["fight"]}, "not a valid game"),
        ({"nodes.0.label": 3}, "nodes[0]: 'label' has the wrong type int"),
    ],
)
def test_bad_json_is_located(change: dict[str, Any], message: str) -> None:
    with pytest.raises(InputError, match=None) as err:
        game_from_dict(_broken(change))
    assert message in str(err.value)
