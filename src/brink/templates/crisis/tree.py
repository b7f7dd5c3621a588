"""The crisis game's tree: built once per scenario, with the features of every terminal.

Challenger picks a rung of the ladder (Kahn 1965); a rung at Kahn 0 ends the game (the
challenger concedes); any other rung leads to Nature drawing the defender's type
(resolute or restrained, Zagare & Kilgour 2000), the defender's response and the
challenger's counter.  :func:`skeleton` builds the tree and the sample-free structure
derived from it (terminal features, war classes, the read-out's weights) once per
scenario; every evaluation only fills the sampled arrays (:mod:`.payoffs`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from brink.arrays import FloatArray, IndexArray
from brink.crisis.rungs import FULL_WAR_RUNG, rung_category
from brink.crisis.schema import COUNTERS, RESPONSES
from brink.crisis.terms import sparse_rows
from brink.games import Game, TreeBuilder
from brink.mechanisms.ladder import CENTRAL_RUNG, NUCLEAR_RUNG, EscalationCategory, escalation_score
from brink.templates.base import Information

if TYPE_CHECKING:
    from brink.crisis.schema import CrisisScenario

__all__ = [
    "INDICATORS",
    "RESPONSE_CATEGORY",
    "RESPONSE_RANK",
    "TERMINAL_FEATURES",
    "Skeleton",
    "Tally",
    "Terminals",
    "class_features",
    "response_category",
    "skeleton",
]


#: Rivera et al. (2024) category of each defender response: no answer keeps the status
#: quo, sanctions are non-violent, a conventional strike violent, a nuclear answer nuclear.
RESPONSE_CATEGORY: dict[str, EscalationCategory] = {
    "none": EscalationCategory.STATUS_QUO,
    "sanctions": EscalationCategory.NON_VIOLENT,
    "conventional-strike": EscalationCategory.VIOLENT,
    "nuclear-response": EscalationCategory.NUCLEAR,
}
RESPONSE_RANK: dict[str, int] = {r: i for i, r in enumerate(RESPONSES)}


def response_category(response: str) -> EscalationCategory:
    """Rivera et al. (2024) category of a defender response (:data:`RESPONSE_CATEGORY`)."""
    return RESPONSE_CATEGORY[response]


@dataclass(frozen=True)
class Terminals:
    """Per-outcome features of the crisis tree (index = outcome index of the game)."""

    rung: IndexArray  # ladder index chosen first
    kahn: FloatArray  # Kahn rung of the first choice (a fraction: the scenario's own rung between two of Kahn's)
    final_kahn: FloatArray  # Kahn rung after the counter (escalate moves one step up)
    resolute: NDArray[np.bool_]  # type is resolute (False also where no type was drawn)
    response: IndexArray  # index into RESPONSES, -1 if none was played
    counter: IndexArray  # index into COUNTERS ("de-escalate", "hold", "escalate", "concede"), -1
    labels: tuple[str, ...]

    def class_key(self, features: Sequence[str]) -> NDArray[np.float64]:
        """``(T, len(features))`` the named :data:`TERMINAL_FEATURES` of every terminal, as floats
        (``decisive_rung`` is fractional at a scenario's own rung between two of Kahn's).

        ``features`` are what the per-war-class mechanisms declare they read
        (:data:`brink.templates.crisis.payoffs.CLASS_READS`): terminals with equal keys
        have equal lottery, partner support, influence, survival and punishment in every
        sample, so they form one war class.
        """
        return np.stack([TERMINAL_FEATURES[name](self) for name in features], axis=1).astype(np.float64)

    @property
    def decisiveness(self) -> FloatArray:
        """Chance a contest fought at the final rung is decided: ``min(1, Kahn / 12)`` (:data:`~brink.crisis.rungs.FULL_WAR_RUNG`)."""
        return np.asarray(np.minimum(1.0, self.final_kahn / FULL_WAR_RUNG), dtype=np.float64)

    @property
    def challenger_nuclear(self) -> NDArray[np.bool_]:
        return np.maximum(self.kahn, self.final_kahn) >= NUCLEAR_RUNG

    @property
    def tactical(self) -> NDArray[np.bool_]:
        lo = (self.kahn >= NUCLEAR_RUNG) & (self.kahn < CENTRAL_RUNG)
        hi = (self.final_kahn >= NUCLEAR_RUNG) & (self.final_kahn < CENTRAL_RUNG)
        return lo | hi

    @property
    def strategic(self) -> NDArray[np.bool_]:
        central = np.maximum(self.kahn, self.final_kahn) >= CENTRAL_RUNG
        exchange = (self.response == RESPONSE_RANK["nuclear-response"]) & (self.counter == 2)
        return np.asarray(central | exchange, dtype=bool)

    @property
    def concedes(self) -> NDArray[np.bool_]:
        return np.asarray((self.kahn == 0) | (self.counter == 3), dtype=bool)


#: The features of a terminal that a per-war-class mechanism may read, by name: each is
#: a function of :class:`Terminals` giving one integer or boolean per terminal.  The war
#: classes are the distinct rows of the features the mechanisms declare
#: (:meth:`Terminals.class_key`), and a mechanism sees only what it declared
#: (:func:`class_features`), so a feature it reads cannot be left out of the key.
TERMINAL_FEATURES: dict[str, Callable[[Terminals], NDArray[Any]]] = {
    "final_nuclear": lambda t: t.final_kahn >= NUCLEAR_RUNG,  # the contest ends at a nuclear rung
    "sanctions": lambda t: t.response == RESPONSE_RANK["sanctions"],
    "military_response": lambda t: t.response >= RESPONSE_RANK["conventional-strike"],
    "counter": lambda t: t.counter,  # index into COUNTERS, -1 if none
    "decisive_rung": lambda t: np.minimum(t.final_kahn, int(FULL_WAR_RUNG)),  # decides min(1, k / 12)
    "concedes": lambda t: t.concedes,
    "challenger_nuclear": lambda t: t.challenger_nuclear,  # the challenger used nuclear weapons
}


def class_features(terms: Terminals, index: IndexArray, names: Sequence[str]) -> MappingProxyType[str, NDArray[Any]]:
    """The features ``names`` of the terminals ``index`` (one per war class), read-only."""
    return MappingProxyType({name: TERMINAL_FEATURES[name](terms)[index] for name in names})


@dataclass(frozen=True)
class Tally:
    """Per-scenario structure of the outcome read-out: weights of each terminal's reach.

    ``names`` are the indicator outcomes (and the escalation score), ``ptr``/``column``/
    ``weight`` their sparse ``(T, K)`` weight matrix.
    """

    names: tuple[str, ...]
    ptr: IndexArray
    column: IndexArray
    weight: FloatArray


@dataclass(frozen=True)
class Skeleton:
    """Everything about a crisis game that does not depend on the samples, built once."""

    game: Game
    terms: Terminals
    type_edges: IndexArray  # (k, 2) edges [resolute, restrained] of each type chance node
    war_class: IndexArray  # (T,) war class of each terminal
    representatives: IndexArray  # (U,) one terminal of each war class
    #: The declared features of each war class's representative (:func:`class_features`).
    class_features: Mapping[str, NDArray[Any]]
    outcome_node: IndexArray  # (T,) the terminal node of each outcome
    tally: Tally


#: Indicator outcomes read off the terminal reach (besides ``rung.<name>``).
INDICATORS = (
    "tactical_nuclear_use", "strategic_nuclear_use", "challenger_concedes",
    "defender_conventional_response", "defender_nuclear_response", "defender_sanctions",
)


def _escalation_scores(terms: Terminals, named: Mapping[float, EscalationCategory]) -> FloatArray:
    """Escalation score of each terminal: the most severe act on its path (Rivera et al. 2024).

    The acts are the challenger's first rung, the rung it ends on, and the defender's
    response, each scored by its category (:func:`~brink.crisis.rungs.rung_category`, :func:`response_category`)
    with :func:`brink.mechanisms.ladder.escalation_score`; ``named`` maps each ladder rung to
    its category (the scenario's for a rung of its own between two of Kahn's).
    """
    first = escalation_score([rung_category(float(k), named).value for k in terms.kahn])
    final = escalation_score([rung_category(float(k), named).value for k in terms.final_kahn])
    answer = np.array(
        [escalation_score([response_category(RESPONSES[d]).value])[0] if d >= 0 else -np.inf for d in terms.response]
    )
    return np.asarray(np.maximum(np.maximum(first, final), answer), dtype=np.float64)


@lru_cache(maxsize=64)
def _build_skeleton(
    players: tuple[str, str],
    ladder: tuple[tuple[str, float], ...],
    categories: tuple[str, ...],
    responses: tuple[str, ...],
    counters: tuple[str, ...],
    information: str,
    title: str,
    features: tuple[str, ...],
) -> Skeleton:
    chal, dfd = players
    b = TreeBuilder(title, [chal, dfd], description="brink crisis template")
    feats: list[tuple[int, float, float, bool, int, int, str]] = []
    zero = np.zeros(2)

    def leaf(node: int, f: tuple[int, float, float, bool, int, int, str]) -> None:
        b.outcome(node, zero, label=f[6])
        feats.append(f)

    kids = b.move(b.root, chal, [n for n, _ in ladder], label="challenger chooses a rung")
    for r, (node, (rname, kahn)) in enumerate(zip(kids, ladder, strict=True)):
        if kahn == 0:
            leaf(node, (r, kahn, kahn, False, -1, -1, rname))
            continue
        types = b.move(node, None, ["resolute", "restrained"], probs=[0.5, 0.5], label=f"{dfd} type after {rname}")
        for t, tnode in enumerate(types):
            kind = ("resolute", "restrained")[t]
            resp = b.move(tnode, dfd, list(responses), label=f"{kind} {dfd} responds to {rname}")
            for dname, dnode in zip(responses, resp, strict=True):
                key = ("counter", r, dname) if information == "imperfect" else None
                outs = b.move(dnode, chal, list(counters), infoset=key,
                              label=f"{chal} counters {dname} to {rname} ({kind} {dfd})")
                for cname, cnode in zip(counters, outs, strict=True):
                    final = kahn
                    if cname == "escalate":
                        final = ladder[min(r + 1, len(ladder) - 1)][1]
                    leaf(
                        cnode,
                        (r, kahn, final, t == 0, RESPONSE_RANK[dname], COUNTERS.index(cname),
                         f"{rname} / {('resolute', 'restrained')[t]} / {dname} / {cname}"),
                    )
    game = b.build()
    for name in ("num_children", "node_player", "infoset_action_ptr", "edge_infoset_action", "edge_parent",
                 "parent_edge", "depth", "terminals"):
        getattr(game, name)  # derived structure, computed once and shared by every sampled copy
    arr = list(zip(*feats, strict=True))
    terms = Terminals(
        rung=np.array(arr[0], dtype=np.int64),
        kahn=np.array(arr[1], dtype=np.float64),
        final_kahn=np.array(arr[2], dtype=np.float64),
        resolute=np.array(arr[3], dtype=bool),
        response=np.array(arr[4], dtype=np.int64),
        counter=np.array(arr[5], dtype=np.int64),
        labels=tuple(arr[6]),
    )
    chance = np.flatnonzero(game.node_player == -1)
    type_edges = np.stack([game.child_ptr[chance], game.child_ptr[chance] + 1], axis=1)
    _, first, war_class = np.unique(terms.class_key(features), axis=0, return_index=True, return_inverse=True)
    outcome_node = np.empty(game.n_outcomes, dtype=np.int64)
    outcome_node[game.outcome[game.terminals]] = game.terminals
    columns = [terms.tactical, terms.strategic, terms.concedes, terms.response == 2, terms.response == 3,
               terms.response == 1, *(terms.rung == i for i in range(len(ladder)))]
    named = {k: EscalationCategory(c) for (_, k), c in zip(ladder, categories, strict=True)}
    dense = np.stack([np.asarray(c, dtype=np.float64) for c in columns] + [_escalation_scores(terms, named)], axis=1)
    ptr, col, weight = sparse_rows(dense)
    names = (*INDICATORS, *(f"rung.{n}" for n, _ in ladder), "escalation_score")
    return Skeleton(
        game, terms, type_edges.astype(np.int64), np.ascontiguousarray(war_class.reshape(-1), dtype=np.int64),
        first.astype(np.int64), class_features(terms, first, features), outcome_node, Tally(names, ptr, col, weight),
    )




def skeleton(scenario: CrisisScenario, features: Sequence[str], information: Information = "perfect") -> Skeleton:
    """The scenario's tree and its sample-free structure (cached by the ladder, moves and title).

    ``features`` are the terminal features the per-war-class mechanisms read; terminals
    equal in all of them form one war class.
    """
    cr = scenario.crisis
    assert cr is not None
    return _build_skeleton(
        (cr.challenger, cr.defender),
        tuple((r.name, r.rung) for r in cr.ladder),
        tuple(r.escalation_category.value for r in cr.ladder),
        tuple(cr.responses),
        tuple(cr.counters),
        information,
        scenario.title or scenario.name,
        tuple(features),
    )
