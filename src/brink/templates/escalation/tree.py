"""The escalation game's tree, built once per scenario, with the features of every terminal.

:func:`skeleton` lays out the whole game (types, the declaration, rounds of moves, answers
and chance) with :class:`brink.games.TreeBuilder` and records, for every terminal, what the
payoffs and the read-out need: how the crisis ended and in which round, the rungs fought
at, the defender's answers, the challenger's nuclear use.  It also records the features
of every chance node (round, rung, alert), from which :mod:`.payoffs` fills the per-sample
chance probabilities.  Everything here is sample-free and cached by the scenario's
structure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from brink.arrays import FloatArray, IndexArray
from brink.crisis.rungs import FULL_WAR_RUNG
from brink.games import Game, TreeBuilder
from brink.mechanisms.ladder import CENTRAL_RUNG, NUCLEAR_RUNG, escalation_score
from brink.templates.base import Information
from brink.templates.escalation.spec import DECLARATIONS, MILITARY, RESPONSES, EscalationScenario

__all__ = [
    "C_CONCEDES",
    "DECIDED",
    "DECLARATION_INDEX",
    "ENDINGS",
    "HORIZON",
    "RESPONSE_CATEGORY",
    "SETTLE",
    "SLIP",
    "T_CONCEDES",
    "Skeleton",
    "Structure",
    "skeleton",
    "structure",
]

#: How a crisis ends (the ``ending`` of a terminal).
SETTLE, C_CONCEDES, T_CONCEDES, SLIP, DECIDED, HORIZON = range(6)
ENDINGS = ("settlement", "challenger_concedes", "target_concedes", "loss_of_control", "war_decided", "stalemate")
#: Rivera et al. (2024) category of each response (alerts, deployments and arms supplies
#: are non-violent military moves).
RESPONSE_CATEGORY: dict[str, str] = {
    "none": "status_quo", "alert": "posturing", "deployment": "posturing", "arms-supply": "non_violent",
    "sanctions": "non_violent", "conventional-strike": "violent", "nuclear-response": "nuclear",
}
_RANK: dict[str, int] = {r: i for i, r in enumerate(RESPONSES)}
#: Position of each declaration in :data:`DECLARATIONS` (the ``declared`` feature).
DECLARATION_INDEX: dict[str, int] = {d: i for i, d in enumerate(DECLARATIONS)}


class Structure(NamedTuple):
    """The sample-free settings that fix the tree (the cache key of :func:`skeleton`)."""

    players: tuple[str, str, str]  # challenger, defender, target
    rungs: tuple[tuple[str, float], ...]  # the ladder's fighting rungs (Kahn > 0), lowest first; a fraction: the scenario's own
    categories: tuple[str, ...]  # Rivera et al. (2024) category of each rung (the scenario's for one of its own)
    responses: tuple[str, ...]
    rounds: int
    start: int  # index into rungs
    max_climb: int
    offers: tuple[float, ...]
    challenger_first: bool
    challenger_types: bool
    declarations: tuple[str, ...]  # empty: fixed at ``declared``
    declared: str
    applies_from: int
    information: str
    title: str
    interventions: tuple[str, ...] = ()  # the defender's instruments against a challenger that holds
    counter_attack: bool = False  # the target may carry the war one conventional rung up


def structure(scenario: EscalationScenario, information: Information = "perfect") -> Structure:
    """The :class:`Structure` of ``scenario`` (its ladder, responses and process settings)."""
    cr = scenario.crisis
    assert cr is not None
    pr = scenario.process
    fighting = [r for r in cr.ladder if r.rung > 0]
    rungs = tuple((r.name, r.rung) for r in fighting)
    names = [n for n, _ in rungs]
    doctrine = scenario.doctrines.get(cr.defender)
    return Structure(
        players=(cr.challenger, cr.defender, cr.target),
        rungs=rungs,
        categories=tuple(r.escalation_category.value for r in fighting),
        responses=tuple(cr.responses),
        rounds=pr.rounds,
        start=names.index(pr.start) if pr.start is not None else 0,
        max_climb=pr.max_climb,
        offers=tuple(pr.offers),
        challenger_first=pr.first_mover == "challenger",
        challenger_types=pr.challenger_resolve is not None,
        declarations=tuple(pr.declarations),
        declared=doctrine.declared if doctrine is not None else "conventional-strike",
        applies_from=doctrine.applies_from if doctrine is not None else NUCLEAR_RUNG,
        information=information,
        title=scenario.title or scenario.name,
        interventions=tuple(pr.interventions if pr.interventions is not None
                            else [r for r in cr.responses if r != "nuclear-response"]),
        counter_attack=pr.counter_attack,
    )


@dataclass(frozen=True)
class Terminals:
    """Per-outcome features (index = outcome index of the game, in creation order)."""

    ending: IndexArray  # SETTLE ... HORIZON
    end_round: IndexArray  # 1-based round in which the crisis ended
    share: FloatArray  # settlement: the challenger's share; else nan
    end_kahn: FloatArray  # the rung fought at when it ended (the start rung if never fought); fractional for the scenario's own
    top: IndexArray  # index of the highest rung reached
    challenger_type: IndexArray  # 0 resolute, 1 irresolute
    defender_type: IndexArray  # 0 resolute, 1 restrained
    declared: IndexArray  # index into DECLARATIONS
    nuclear_round: IndexArray  # first round fought at a nuclear rung, 0 if none
    answered: IndexArray  # bit set of RESPONSES the defender played
    alert: NDArray[np.bool_]  # the defender was on alert when it ended
    tactical: NDArray[np.bool_]
    strategic: NDArray[np.bool_]
    escalation: FloatArray  # Rivera et al. (2024) score of the most severe act on the path
    nuclear_climb: NDArray[np.bool_]  # the challenger climbed to a nuclear rung
    nuclear_answered: NDArray[np.bool_]  # ... and the defender answered the first such climb militarily
    climbed: NDArray[np.bool_]  # the challenger climbed at least once
    climb_answered: NDArray[np.bool_]  # ... and the defender answered a climb with more than none
    nuclear_responded: NDArray[np.bool_]  # the defender answered the first nuclear climb with more than none
    intervened: NDArray[np.bool_]  # the defender acted (more than none) against a challenger that held
    countered: NDArray[np.bool_]  # the target carried the war a rung up
    labels: tuple[str, ...]


@dataclass(frozen=True)
class Skeleton:
    """Everything about an escalation game that does not depend on the samples."""

    structure: Structure
    game: Game
    terms: Terminals
    #: Indicator payoff terms: ``dense[t, p, k]`` multiplies coefficient ``k`` (a cost kind
    #: in a round, :data:`TERM_KINDS`) for player ``p`` at terminal ``t``.
    term_weights: FloatArray
    type_edges: IndexArray  # edges of the root's chance node, in type order
    type_of_edge: IndexArray  # (edges, 2): challenger type, defender type
    fight_edges: IndexArray  # (fights, 3): slip, decided, fight-on edge of each fight node
    fight_round: IndexArray
    fight_kahn: FloatArray  # the rung of each fight (a float: a scenario's own rung lies between two of Kahn's)
    fight_alert: NDArray[np.bool_]
    outcome_node: IndexArray  # (T,) terminal node of each outcome
    extra: dict[str, object] = field(default_factory=dict)


#: The payoff terms per round: (player, name).  Coefficient ``k * rounds + r`` is the
#: scenario's weight of kind ``k`` discounted to round ``r`` (:mod:`.payoffs`).
TERM_KINDS: tuple[tuple[int, str], ...] = (
    (0, "war"), (0, "taboo"), (0, "sanctions"), (0, "conventional_strike"), (0, "nuclear_retaliation"),
    (0, "strategic"),
    (1, "alert"), (1, "deployment"), (1, "arms_supply"), (1, "sanctions"), (1, "conventional"), (1, "nuclear"),
    (1, "strategic"), (1, "umbrella"), (1, "legal"), (1, "audience"), (1, "norm"), (1, "self_preservation"),
    (2, "war"), (2, "nuclear"),
)
_K = {(p, name): k for k, (p, name) in enumerate(TERM_KINDS)}


@dataclass(frozen=True)
class _Path:
    round: int
    rung: int
    history: tuple[str, ...]
    c_type: int
    d_type: int
    declared: int
    fought: tuple[float, ...] = ()  # Kahn rung fought in each round that saw fighting, by round (0: none)
    answers: tuple[tuple[int, int, float, bool], ...] = ()  # (round, response rank, Kahn, answers a climb)
    nuclear_round: int = 0
    top: int = 0
    alert: bool = False
    exchange: bool = False  # climbed after a nuclear response
    countered: bool = False  # the target carried the war a rung up


def _intensity(kahn: float) -> float:
    return min(1.0, kahn / FULL_WAR_RUNG)


@lru_cache(maxsize=32)
def skeleton(st: Structure) -> Skeleton:
    """Build the tree of :class:`Structure` ``st`` and its sample-free features."""
    C, D, T = st.players
    R = st.rounds
    b = TreeBuilder(st.title, [C, D, T], description="brink escalation template (multi-round crisis)")
    perfect = st.information == "perfect"
    feats: list[tuple[object, ...]] = []
    weights: list[NDArray[np.float64]] = []
    fights: list[tuple[str, int, float, bool]] = []  # label, round, kahn, alert
    n_kinds = len(TERM_KINDS)
    category = {k: c for (_, k), c in zip(st.rungs, st.categories, strict=True)}

    def key(player: str, path: _Path, own_type: int | None) -> object:
        return None if perfect else (player, own_type, path.history)

    def flows(path: _Path, end_round: int, ending: int) -> NDArray[np.float64]:
        w = np.zeros((3, n_kinds * R))

        def add(player: int, name: str, rnd: int, value: float) -> None:
            w[player, _K[(player, name)] * R + rnd - 1] += value

        strategic = _strategic(path, ending)
        general = ending == SLIP and not strategic  # a slip below the nuclear threshold
        for r, kahn in enumerate(path.fought, start=1):
            if kahn > 0 and not (general and r == end_round):  # that round is the general war's first
                add(0, "war", r, -_intensity(kahn))
                add(2, "war", r, -_intensity(kahn))
        if path.nuclear_round:
            add(0, "taboo", path.nuclear_round, -1.0)
            add(2, "nuclear", path.nuclear_round, -1.0)
        declared = DECLARATIONS[path.declared]
        promised = _RANK["conventional-strike"] if declared == "straddle" else _RANK[declared]
        weight = 0.5 if declared == "straddle" else 1.0
        for rnd, rank, kahn, climb in path.answers:
            resp = RESPONSES[rank]
            for player, name in ((0, {"sanctions": "sanctions", "conventional-strike": "conventional_strike",
                                      "nuclear-response": "nuclear_retaliation"}.get(resp)),
                                 (1, {"alert": "alert", "deployment": "deployment", "arms-supply": "arms_supply",
                                      "sanctions": "sanctions", "conventional-strike": "conventional",
                                      "nuclear-response": "nuclear"}.get(resp))):
                if name is not None:
                    add(player, name, rnd, -1.0)
            if not climb:
                continue  # an intervention against a hold: its costs only (commitments bind answers to climbs)
            nuclear = kahn >= NUCLEAR_RUNG
            weak = resp not in MILITARY
            if nuclear and resp != "nuclear-response":
                add(1, "umbrella", rnd, -1.0)
            if weak:
                add(1, "legal", rnd, -1.0)
            if kahn >= st.applies_from and rank < promised:
                add(1, "audience", rnd, -weight * (promised - rank) / (len(RESPONSES) - 1))
            if path.d_type == 0 and nuclear:
                if weak:
                    add(1, "norm", rnd, -1.0)
                else:
                    add(1, "self_preservation", rnd, 1.0)
        if strategic:
            add(0, "strategic", end_round, -1.0)
            add(1, "strategic", end_round, -1.0)
        elif general:
            # a general war nobody chose: fought at full intensity from the round it slipped in
            # to the horizon, that round charged once, the defender drawn in (Schelling 1960:
            # the threat that leaves something to chance)
            for rnd in range(end_round, R + 1):
                add(0, "war", rnd, -1.0)
                add(2, "war", rnd, -1.0)
                add(1, "conventional", rnd, -1.0)
        return w

    def leaf(node: int, path: _Path, ending: int, end_round: int, share: float, label: str) -> None:
        b.outcome(node, np.zeros(3), label=label)
        kahns = [k for k in path.fought if k > 0] + [st.rungs[path.top][1]]
        acts = [category[k] for k in kahns] + [RESPONSE_CATEGORY[RESPONSES[a]] for _, a, _, _ in path.answers]
        top_kahn = st.rungs[path.top][1]
        feats.append((
            ending, end_round, share, st.rungs[path.rung][1], path.top, path.c_type, path.d_type, path.declared,
            path.nuclear_round, sum(1 << a for _, a, _, _ in path.answers), path.alert,
            any(NUCLEAR_RUNG <= k < CENTRAL_RUNG for k in path.fought if k > 0)
            or NUCLEAR_RUNG <= top_kahn < CENTRAL_RUNG,
            _strategic(path, ending), float(escalation_score(acts).max()),
            any(k >= NUCLEAR_RUNG for _, _, k, c in path.answers if c),
            next((RESPONSES[a] in MILITARY for _, a, k, c in path.answers if c and k >= NUCLEAR_RUNG), False),
            any(c for _, _, _, c in path.answers),
            any(c and a > 0 for _, a, _, c in path.answers),
            next((a > 0 for _, a, k, c in path.answers if c and k >= NUCLEAR_RUNG), False),
            any(not c and a > 0 for _, a, _, c in path.answers),
            path.countered,
            label,
        ))
        weights.append(flows(path, end_round, ending))

    def fight(node: int, path: _Path) -> None:
        kahn = st.rungs[path.rung][1]
        label = f"fight {len(fights)}: round {path.round} at {st.rungs[path.rung][0]}"
        fights.append((label, path.round, kahn, path.alert))
        slip, decided, onward = b.move(node, None, ["out of control", "decided", "fight on"], label=label)
        fought = (*path.fought, kahn)
        nuclear_round = path.nuclear_round or (path.round if kahn >= NUCLEAR_RUNG else 0)
        here = _Path(path.round, path.rung, path.history, path.c_type, path.d_type, path.declared, fought,
                     path.answers, nuclear_round, path.top, path.alert, path.exchange, path.countered)
        where = f"round {path.round} at {st.rungs[path.rung][0]}"
        leaf(slip, here, SLIP, path.round, np.nan, f"{_tag(here)} / out of control {where}")
        leaf(decided, here, DECIDED, path.round, np.nan, f"{_tag(here)} / decided {where}")
        if path.round == R:
            leaf(onward, here, HORIZON, path.round, np.nan, f"{_tag(here)} / undecided after {where}")
        else:
            turn(onward, _Path(path.round + 1, path.rung, path.history, path.c_type, path.d_type, path.declared,
                               fought, path.answers, nuclear_round, path.top, path.alert, path.exchange,
                               path.countered))

    def turn(node: int, path: _Path) -> None:
        challenger_moves = (path.round % 2 == 1) == st.challenger_first
        offers = [f"offer {x:g}" for x in st.offers]
        no_fight = (*path.fought, 0)
        if challenger_moves:
            climbs = list(range(path.rung + 1, min(path.rung + st.max_climb, len(st.rungs) - 1) + 1))
            actions = ["concede", "hold", *(f"climb to {st.rungs[j][0]}" for j in climbs), *offers]
            kids = b.move(node, C, actions, infoset=key("C", path, path.c_type))
            stopped = _replace(path, fought=no_fight)
            leaf(kids[0], stopped, C_CONCEDES, path.round, np.nan, f"{_tag(path)} / {C} concedes in round {path.round}")
            held = _replace(path, history=(*path.history, "hold"))
            if st.interventions:
                # a fait accompli: the defender chooses an instrument against a challenger that holds
                acts = b.move(kids[1], D, [f"{i} (against the hold)" for i in st.interventions],
                              infoset=key("D", held, path.d_type))
                for instrument, child in zip(st.interventions, acts, strict=True):
                    fight(child, _replace(
                        held, history=(*held.history, instrument), alert=path.alert or instrument == "alert",
                        answers=(*path.answers, (path.round, _RANK[instrument], st.rungs[path.rung][1], False))
                        if instrument != "none" else path.answers,
                    ))
            else:
                fight(kids[1], held)
            for j, kid in zip(climbs, kids[2:2 + len(climbs)], strict=True):
                h = (*path.history, f"climb {j}")
                answers = b.move(kid, D, list(st.responses), infoset=key("D", _replace(path, history=h), path.d_type))
                for resp, child in zip(st.responses, answers, strict=True):
                    nuclear_answer = any(RESPONSES[a] == "nuclear-response" for _, a, _, _ in path.answers)
                    fight(child, _replace(
                        path, rung=j, history=(*h, resp), top=max(path.top, j),
                        answers=(*path.answers, (path.round, _RANK[resp], st.rungs[j][1], True)),
                        alert=path.alert or resp == "alert", exchange=path.exchange or nuclear_answer,
                    ))
            for x, kid in zip(st.offers, kids[2 + len(climbs):], strict=True):
                h = (*path.history, f"offer {x:g}")
                yes, no = b.move(kid, T, ["accept", "reject"], infoset=key("T", _replace(path, history=h), path.d_type))
                leaf(yes, stopped, SETTLE, path.round, x, f"{_tag(path)} / {T} accepts {x:g} in round {path.round}")
                fight(no, _replace(path, history=(*h, "reject")))
        else:
            up = path.rung + 1
            counter = st.counter_attack and up < len(st.rungs) and st.rungs[up][1] < NUCLEAR_RUNG
            moves = ["concede", "hold", *([f"counter-attack to {st.rungs[up][0]}"] if counter else []), *offers]
            kids = b.move(node, T, moves, infoset=key("T", path, path.d_type))
            stopped = _replace(path, fought=no_fight)
            leaf(kids[0], stopped, T_CONCEDES, path.round, np.nan, f"{_tag(path)} / {T} concedes in round {path.round}")
            fight(kids[1], _replace(path, history=(*path.history, "hold")))
            if counter:
                fight(kids[2], _replace(path, rung=up, top=max(path.top, up), countered=True,
                                        history=(*path.history, f"counter {up}")))
            for x, kid in zip(st.offers, kids[2 + int(counter):], strict=True):
                h = (*path.history, f"offer {x:g}")
                yes, no = b.move(kid, C, ["accept", "reject"], infoset=key("C", _replace(path, history=h), path.c_type))
                leaf(yes, stopped, SETTLE, path.round, x, f"{_tag(path)} / {C} accepts {x:g} in round {path.round}")
                fight(no, _replace(path, history=(*h, "reject")))

    c_types = (0, 1) if st.challenger_types else (0,)
    profiles = [(c, d) for c in c_types for d in (0, 1)]
    type_names = [
        f"{C} {('resolute', 'irresolute')[c]}, {D} {('resolute', 'restrained')[d]}" if st.challenger_types
        else f"{D} {('resolute', 'restrained')[d]}"
        for c, d in profiles
    ]
    kids = b.move(b.root, None, type_names, label="types")
    declared = DECLARATION_INDEX[st.declared]
    for (c, d), kid in zip(profiles, kids, strict=True):
        path = _Path(1, st.start, (), c, d, declared, top=st.start)
        if st.declarations:
            choices = b.move(kid, D, [f"declare {x}" for x in st.declarations], infoset=key("D", path, d))
            for x, child in zip(st.declarations, choices, strict=True):
                turn(child, _replace(path, history=(f"declare {x}",), declared=DECLARATION_INDEX[x]))
        else:
            turn(kid, path)

    game = b.build()
    for name in ("num_children", "node_player", "infoset_action_ptr", "edge_infoset_action", "edge_parent",
                 "parent_edge", "depth", "terminals"):
        getattr(game, name)
    cols = list(zip(*feats, strict=True))
    terms = Terminals(
        ending=np.array(cols[0], dtype=np.int64), end_round=np.array(cols[1], dtype=np.int64),
        share=np.array(cols[2], dtype=np.float64), end_kahn=np.array(cols[3], dtype=np.float64),
        top=np.array(cols[4], dtype=np.int64), challenger_type=np.array(cols[5], dtype=np.int64),
        defender_type=np.array(cols[6], dtype=np.int64), declared=np.array(cols[7], dtype=np.int64),
        nuclear_round=np.array(cols[8], dtype=np.int64), answered=np.array(cols[9], dtype=np.int64),
        alert=np.array(cols[10], dtype=bool), tactical=np.array(cols[11], dtype=bool),
        strategic=np.array(cols[12], dtype=bool), escalation=np.array(cols[13], dtype=np.float64),
        nuclear_climb=np.array(cols[14], dtype=bool), nuclear_answered=np.array(cols[15], dtype=bool),
        climbed=np.array(cols[16], dtype=bool), climb_answered=np.array(cols[17], dtype=bool),
        nuclear_responded=np.array(cols[18], dtype=bool), intervened=np.array(cols[19], dtype=bool),
        countered=np.array(cols[20], dtype=bool), labels=tuple(str(x) for x in cols[21]),
    )
    label_node = {lab: v for v, lab in enumerate(game.node_labels) if lab.startswith("fight ")}
    nodes = np.array([label_node[f[0]] for f in fights], dtype=np.int64)
    fight_edges = game.child_ptr[nodes][:, None] + np.arange(3)[None, :]
    root_edges = game.child_ptr[0] + np.arange(len(profiles))
    outcome_node = np.empty(game.n_outcomes, dtype=np.int64)
    outcome_node[game.outcome[game.terminals]] = game.terminals
    return Skeleton(
        structure=st, game=game, terms=terms, term_weights=np.stack(weights),
        type_edges=root_edges.astype(np.int64), type_of_edge=np.array(profiles, dtype=np.int64),
        fight_edges=fight_edges.astype(np.int64), fight_round=np.array([f[1] for f in fights], dtype=np.int64),
        fight_kahn=np.array([f[2] for f in fights], dtype=np.float64),
        fight_alert=np.array([f[3] for f in fights], dtype=bool), outcome_node=outcome_node,
    )


def _strategic(path: _Path, ending: int) -> bool:
    """A central exchange: a central rung was reached, the crisis slipped out of control at a
    nuclear rung, or the challenger climbed again after a nuclear answer."""
    central = any(k >= CENTRAL_RUNG for k in path.fought if k > 0)
    slipped = ending == SLIP and bool(path.fought) and path.fought[-1] >= NUCLEAR_RUNG
    return central or slipped or path.exchange


def _tag(path: _Path) -> str:
    return f"types {path.c_type}{path.d_type}" + (f" / {' / '.join(path.history)}" if path.history else "")


def _replace(path: _Path, **changes: object) -> _Path:
    from dataclasses import replace

    return replace(path, **changes)  # type: ignore[arg-type]
