"""A readable JSON form of a :class:`~brink.games.Game`, for sharing and for other tools.

The form (``"format": "brink-game"``, ``"version": 1``) lists the tree the way an
analyst draws it, in the extensive-form vocabulary of Kuhn (1953)::

    {
      "format": "brink-game", "version": 1,
      "title": "entry deterrence", "description": "",
      "players": ["Entrant", "Incumbent"],
      "nodes": [
        {"kind": "personal", "player": "Entrant", "infoset": 0, "label": "",
         "outcome": null, "children": [1, 2]},
        {"kind": "terminal", "label": "", "outcome": 0, "children": []},
        ...
      ],
      "infosets": [
        {"player": "Entrant", "number": 1, "label": "", "actions": ["out", "in"]},
        {"player": "chance", "number": 1, "label": "", "actions": ["h", "t"],
         "probs": [0.5, 0.5]}
      ],
      "outcomes": [{"label": "", "payoffs": [0, 2]}]
    }

Nodes are listed in preorder with the root first; ``children``, ``infoset`` and
``outcome`` are indices into ``nodes``, ``infosets`` and ``outcomes``.  A node's
``player`` repeats its information set's owner for readability.  Chance sets carry
``probs``; a chance node whose probabilities differ from its set's (possible in a
game built node by node) carries its own ``probs``.  Numbers are JSON floats, which
round-trip exactly.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from typing import IO, Any

import numpy as np

from brink.errors import InputError
from brink.games import CHANCE, MAX_MAGNITUDE, MAX_NODES, Game, GameError, NodeKind

__all__ = [
    "FORMAT",
    "MAX_JSON_BYTES",
    "VERSION",
    "game_from_dict",
    "game_to_dict",
    "iter_game_json",
    "write_game_json",
]

#: Largest game JSON file brink reads (256 MiB, a few million nodes): parsed JSON takes
#: several times its size in memory.
MAX_JSON_BYTES = 256 * 2**20
#: Range of information-set numbers (a 32-bit integer, as in :class:`Game` and Gambit).
_INT32 = (-(2**31), 2**31 - 1)

#: The fewest bytes a node takes in the JSON form (a terminal node with an empty label).
_MIN_NODE_BYTES = 80

FORMAT = "brink-game"
VERSION = 1
_KINDS = {NodeKind.TERMINAL: "terminal", NodeKind.PERSONAL: "personal", NodeKind.CHANCE: "chance"}
_KIND_CODES = {name: int(code) for code, name in _KINDS.items()}


def _player_name(game: Game, player: int) -> str:
    return "chance" if player == CHANCE else game.players[player]


def _one_sample(game: Game, sample: int | None, where: str) -> Game:
    if game.samples is not None:
        if sample is None or not 0 <= sample < game.samples:
            raise InputError(
                f"the game has {game.samples} samples; its JSON form holds one",
                where=where,
                fix=f"choose one with sample=K, 0 <= K < {game.samples}",
            )
        game = game.sample(sample)
    return game


def _set_probs(game: Game, h: int) -> list[float]:
    """The probabilities of chance set ``h`` (those of its first node)."""
    first = int(game.infoset_nodes[h][0])
    return list(game.chance_probs[game.child_ptr[first] : game.child_ptr[first + 1]].tolist())


def _infoset_entries(game: Game) -> Iterator[dict[str, Any]]:
    for h in range(game.n_infosets):
        pl = int(game.infoset_player[h])
        entry: dict[str, Any] = {
            "player": _player_name(game, pl),
            "number": int(game.infoset_number[h]),
            "label": game.infoset_labels[h],
            "actions": list(game.action_labels[h]),
        }
        if pl == CHANCE:
            entry["probs"] = _set_probs(game, h)
        yield entry


def _node_entries(game: Game) -> Iterator[dict[str, Any]]:
    probs = game.chance_probs
    for v in range(game.n_nodes):
        lo, hi = int(game.child_ptr[v]), int(game.child_ptr[v + 1])
        kind = NodeKind(int(game.kind[v]))
        node: dict[str, Any] = {"kind": _KINDS[kind]}
        h = int(game.infoset[v])
        if kind == NodeKind.PERSONAL:
            node["player"] = game.players[int(game.infoset_player[h])]
        if h >= 0:
            node["infoset"] = h
        node["label"] = game.node_labels[v]
        node["outcome"] = None if game.outcome[v] < 0 else int(game.outcome[v])
        node["children"] = game.children[lo:hi].tolist()
        if kind == NodeKind.CHANCE:
            own = probs[lo:hi].tolist()
            if own != _set_probs(game, h):
                node["probs"] = own
        yield node


def _outcome_entries(game: Game) -> Iterator[dict[str, Any]]:
    for o, label in enumerate(game.outcome_labels):
        yield {"label": label, "payoffs": game.outcome_payoffs[o].tolist()}


def game_to_dict(game: Game, sample: int | None = None) -> dict[str, Any]:
    """The JSON-ready form of ``game`` (one ``sample`` of it if it has a sample dimension)."""
    game = _one_sample(game, sample, "game_to_dict")
    return {
        "format": FORMAT,
        "version": VERSION,
        "title": game.title,
        "description": game.description,
        "players": list(game.players),
        "nodes": list(_node_entries(game)),
        "infosets": list(_infoset_entries(game)),
        "outcomes": list(_outcome_entries(game)),
    }


def iter_game_json(game: Game, sample: int | None = None) -> Iterator[str]:
    """The text of ``json.dumps(game_to_dict(game, sample), indent=1) + "\\n"``, in pieces.

    The long lists (nodes, information sets, outcomes) are written one entry at a time, so
    exporting a game holds no more than the game itself (``brink export -o x.json`` of a
    2-million-node tree took 6.1 GB when the whole document was built first).
    """
    game = _one_sample(game, sample, "game_to_dict")
    head = {
        "format": FORMAT, "version": VERSION, "title": game.title,
        "description": game.description, "players": list(game.players),
    }
    yield json.dumps(head, indent=1)[:-2]
    lists: tuple[tuple[str, Iterator[dict[str, Any]]], ...] = (
        ("nodes", _node_entries(game)),
        ("infosets", _infoset_entries(game)),
        ("outcomes", _outcome_entries(game)),
    )
    for key, entries in lists:
        yield f",\n {json.dumps(key)}: ["
        first = True
        for entry in entries:
            yield ("\n  " if first else ",\n  ") + json.dumps(entry, indent=1).replace("\n", "\n  ")
            first = False
        yield "]" if first else "\n ]"
    yield "\n}\n"


def write_game_json(game: Game, out: IO[str], sample: int | None = None, limit: int = MAX_JSON_BYTES) -> int:
    """Write the JSON form of ``game`` to ``out`` piece by piece; the number of bytes written.

    Refuses (:class:`InputError`) a document larger than ``limit`` (default
    :data:`MAX_JSON_BYTES`, the largest game JSON brink reads back) as soon as it is
    passed, so a tree too large for JSON is not written for minutes and then unreadable.
    """
    written = 0
    # every node takes at least _MIN_NODE_BYTES in the document: refuse at once what must exceed
    for piece in iter_game_json(game, sample):
        written += len(piece.encode("utf-8"))
        if written > limit or game.n_nodes * _MIN_NODE_BYTES > limit:
            raise InputError(
                f"the game's JSON form is larger than {limit // 2**20} MiB, brink's limit for reading "
                f"game JSON ({game.n_nodes:,} nodes)",
                "-o",
                "export it as .efg (--format efg), a more compact format brink and Gambit read",
            )
        out.write(piece)
    return written


def _bad(what: str, where: str, fix: str = "") -> InputError:
    return InputError(what, where=f"game JSON {where}", fix=fix)


def _get(d: Mapping[str, Any], key: str, where: str, types: type | tuple[type, ...]) -> Any:
    if key not in d:
        raise _bad(f"missing key {key!r}", where)
    value = d[key]
    if not isinstance(value, types) or (isinstance(value, bool) and types is int):
        raise _bad(f"{key!r} has the wrong type {type(value).__name__}", where)
    return value


def _index(value: Any, size: int, where: str, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < size:
        raise _bad(f"{what} {value!r} is not an index from 0 to {size - 1}", where)
    return value


def _numbers(value: Any, where: str) -> list[float]:
    """Finite numbers of magnitude at most :data:`~brink.games.MAX_MAGNITUDE` (JSON
    integers may be arbitrarily long: they are compared before conversion)."""
    if not isinstance(value, Sequence) or isinstance(value, str) or not all(
        isinstance(x, int | float) and not isinstance(x, bool) for x in value
    ):
        raise _bad("expected a list of numbers", where)
    for k, x in enumerate(value):
        if not (isinstance(x, int) or np.isfinite(x)) or abs(x) > MAX_MAGNITUDE:
            shown = f"{x!r}" if isinstance(x, float) else "an integer beyond 1e300"
            raise _bad(
                f"expected finite numbers of magnitude at most {MAX_MAGNITUDE:g}, found {shown}",
                f"{where}[{k}]",
            )
    return [float(x) for x in value]


def game_from_dict(d: Mapping[str, Any]) -> Game:
    """Rebuild a :class:`Game` from :func:`game_to_dict`'s form; bad input is an :class:`InputError`.

    Errors name the JSON path (``nodes[3].children``) and what is expected there.
    """
    if not isinstance(d, Mapping):
        raise _bad("expected a JSON object", "(top level)")
    if d.get("format") != FORMAT:
        raise _bad(
            f"'format' is {d.get('format')!r}, expected {FORMAT!r}", "(top level)",
            "write it with brink export --format json",
        )
    if d.get("version") != VERSION:
        raise _bad(f"unsupported version {d.get('version')!r}", "(top level)", f"use {VERSION}")
    players = _get(d, "players", "(top level)", list)
    if not all(isinstance(p, str) for p in players):
        raise _bad("player names must be strings", "players")
    player_index = {p: i for i, p in enumerate(players)}
    raw_sets = _get(d, "infosets", "(top level)", list)
    raw_nodes = _get(d, "nodes", "(top level)", list)
    raw_outcomes = _get(d, "outcomes", "(top level)", list)

    set_player, set_number, set_labels, set_actions = [], [], [], []
    set_probs: list[list[float] | None] = []
    for h, s in enumerate(raw_sets):
        where = f"infosets[{h}]"
        if not isinstance(s, Mapping):
            raise _bad("expected an object", where)
        owner = _get(s, "player", where, str)
        if owner == "chance":
            set_player.append(CHANCE)
            set_probs.append(_numbers(_get(s, "probs", where, list), f"{where}.probs"))
        elif owner in player_index:
            set_player.append(player_index[owner])
            set_probs.append(None)
        else:
            raise _bad(f"unknown player {owner!r}", f"{where}.player", f"players are {players}")
        number = _get(s, "number", where, int)
        if not _INT32[0] <= number <= _INT32[1]:
            raise _bad(
                f"information set number {'beyond 32 bits' if abs(number) > 10**12 else number}"
                f" is out of range", f"{where}.number",
                f"use a number from 1 to {_INT32[1]} (Gambit's limit)",
            )
        set_number.append(number)
        set_labels.append(_get(s, "label", where, str))
        acts = _get(s, "actions", where, list)
        if not acts or not all(isinstance(a, str) for a in acts):
            raise _bad("expected a non-empty list of action labels", f"{where}.actions")
        set_actions.append(tuple(acts))
        probs = set_probs[-1]
        if probs is not None and len(probs) != len(acts):
            raise _bad("expected one probability per action", f"{where}.probs")

    n = len(raw_nodes)
    if n == 0:
        raise _bad("a game needs at least one node", "nodes")
    if n > MAX_NODES:
        raise _bad(f"{n:,} nodes is more than brink holds ({MAX_NODES:,})", "nodes")
    kind = np.zeros(n, dtype=np.int8)
    parent = np.full(n, -1, dtype=np.int32)
    infoset = np.full(n, -1, dtype=np.int32)
    outcome = np.full(n, -1, dtype=np.int32)
    labels: list[str] = []
    child_lists: list[list[int]] = []
    edge_probs: list[list[float]] = []
    for v, nd in enumerate(raw_nodes):
        where = f"nodes[{v}]"
        if not isinstance(nd, Mapping):
            raise _bad("expected an object", where)
        name = _get(nd, "kind", where, str)
        if name not in _KIND_CODES:
            raise _bad(f"unknown kind {name!r}", f"{where}.kind", "use terminal, personal or chance")
        kind[v] = _KIND_CODES[name]
        labels.append(_get(nd, "label", where, str))
        kids = [_index(c, n, f"{where}.children", "child") for c in _get(nd, "children", where, list)]
        for c in kids:
            if parent[c] != -1 or c == 0:
                raise _bad(f"node {c} has more than one parent", f"{where}.children")
            parent[c] = v
        child_lists.append(kids)
        out = nd.get("outcome")
        if out is not None:
            outcome[v] = _index(out, len(raw_outcomes), f"{where}.outcome", "outcome")
        if name == "terminal":
            edge_probs.append([])
            continue
        h = _index(nd.get("infoset"), len(raw_sets), f"{where}.infoset", "information set")
        infoset[v] = h
        if "player" in nd and name == "personal" and nd["player"] != players[set_player[h]]:
            raise _bad(
                f"player {nd['player']!r} differs from its information set's owner",
                f"{where}.player",
            )
        own = nd.get("probs")
        probs = _numbers(own, f"{where}.probs") if own is not None else set_probs[h]
        edge_probs.append(probs if probs is not None else [0.0] * len(kids))
        if len(edge_probs[-1]) != len(kids):
            raise _bad("expected one probability per child", where)

    payoffs = []
    out_labels = []
    for o, oc in enumerate(raw_outcomes):
        where = f"outcomes[{o}]"
        if not isinstance(oc, Mapping):
            raise _bad("expected an object", where)
        out_labels.append(_get(oc, "label", where, str))
        pay = _numbers(_get(oc, "payoffs", where, list), f"{where}.payoffs")
        if len(pay) != len(players):
            raise _bad(f"expected {len(players)} payoffs (one per player)", f"{where}.payoffs")
        payoffs.append(pay)
    counts = np.array([len(k) for k in child_lists], dtype=np.int64)
    try:
        return Game(
            title=_get(d, "title", "(top level)", str),
            players=tuple(players),
            kind=kind,
            parent=parent,
            child_ptr=np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
            children=np.array([c for k in child_lists for c in k], dtype=np.int32),
            infoset=infoset,
            node_labels=tuple(labels),
            infoset_player=np.array(set_player, dtype=np.int32),
            infoset_number=np.array(set_number, dtype=np.int32),
            infoset_labels=tuple(set_labels),
            action_labels=tuple(set_actions),
            chance_probs=np.array([p for ps in edge_probs for p in ps], dtype=np.float64),
            outcome=outcome,
            outcome_labels=tuple(out_labels),
            outcome_payoffs=np.array(payoffs, dtype=np.float64).reshape(
                len(payoffs), len(players)
            ),
            description=str(d.get("description", "")),
        )
    except GameError as exc:
        raise _bad(f"not a valid game: {exc}", "(tree)") from exc
