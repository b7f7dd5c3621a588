"""Kahn's escalation ladder (M3) and Rivera et al.'s escalation scores.

Herman Kahn (1965, *On Escalation*) orders 44 rungs of a crisis in 7 groups separated
by 6 thresholds ("Don't rock the boat", "Nuclear war is unthinkable", "No nuclear use",
"Central sanctuary", "Central war", "City targeting").  :data:`KAHN_LADDER` is that
catalogue, loaded from ``brink/data/kahn_ladder.json`` (derived from the shared facts
table by ``scripts/derive_reference.py``).  A scenario chooses an ordered subset of
rungs as a :class:`Ladder`.

Each rung also carries an escalation category of Rivera et al. (2024, "Escalation Risks
from Language Models in Military and Diplomatic Decision-Making", FAccT), scored by
default de-escalation -2, status quo 0, posturing 4, non-violent 12, violent 28,
nuclear 60.  Kahn gives no such classification: the mapping in :data:`_CATEGORY_OF_RUNG`
is brink's assumption (documented in ``docs/mechanisms.md``), except that a rung is
nuclear exactly when it lies past Kahn's "No nuclear use" threshold (:data:`NUCLEAR_RUNG`,
rung 21), the same test the crisis payoffs use.

This is the one rung table of brink: the scenario language's rung names
(:data:`KNOWN_RUNGS`), the first nuclear and central rungs (:data:`NUCLEAR_RUNG`,
:data:`CENTRAL_RUNG`, read off Kahn's thresholds) and each rung's category all come from
the catalogue here.
"""

from __future__ import annotations

import difflib
import itertools
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from importlib import resources
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from brink.errors import InputError

__all__ = [
    "CENTRAL_RUNG",
    "KAHN_GROUPS",
    "KAHN_LADDER",
    "KAHN_THRESHOLDS",
    "KNOWN_RUNGS",
    "NUCLEAR_RUNG",
    "RIVERA_2024_SCORES",
    "EscalationCategory",
    "Ladder",
    "Rung",
    "escalation_score",
    "rung",
]


class EscalationCategory(StrEnum):
    """Rivera et al. (2024) action categories, in increasing order of severity."""

    DE_ESCALATION = "de_escalation"
    STATUS_QUO = "status_quo"
    POSTURING = "posturing"
    NON_VIOLENT = "non_violent"
    VIOLENT = "violent"
    NUCLEAR = "nuclear"


_CATEGORY_ORDER: tuple[EscalationCategory, ...] = tuple(EscalationCategory)

_P, _N, _V = (EscalationCategory.POSTURING, EscalationCategory.NON_VIOLENT,
               EscalationCategory.VIOLENT)
#: Rivera category of each Kahn rung below the "No nuclear use" threshold (assumption of
#: brink): gestures, declarations, shows of force and alerts are posturing; harassment
#: short of violence, breaking off relations, ultimatums, evacuations and blockades are
#: non-violent escalation; acts of violence and conventional war are violent.  Kahn puts
#: rung 15 ("barely nuclear war": an unintended, unauthorized or disguised detonation)
#: and rung 18 (a spectacular show of force, which may explode a weapon where it harms no
#: one) below that threshold: they are not acknowledged nuclear war, so rung 15 counts as
#: violent and rung 18 as posturing, like a show of force (rung 5).  Every rung past the
#: threshold (21-44) is nuclear.
_CATEGORY_OF_RUNG: Mapping[int, EscalationCategory] = {
    1: _P, 2: _P, 3: _P, 4: _P, 5: _P, 6: _P, 7: _N, 8: _V, 9: _N,
    10: _N, 11: _P, 12: _V, 13: _V, 14: _V, 15: _V, 16: _N, 17: _N, 18: _P, 19: _V, 20: _N,
}


@dataclass(frozen=True)
class Rung:
    """One of Kahn's 44 rungs.

    Attributes:
        number: 1..44 in Kahn's order.
        name: Kahn's name for the rung.
        group: name of its group (one of :data:`KAHN_GROUPS`).
        group_number: 1..7.
        threshold: the last threshold crossed to reach this rung (``None`` in the first
            group); the thresholds of Kahn lie between groups.
        category: its Rivera et al. (2024) escalation category (brink's mapping; nuclear
            exactly past the "No nuclear use" threshold).
    """

    number: int
    name: str
    group: str
    group_number: int
    threshold: str | None
    category: EscalationCategory

    @property
    def nuclear(self) -> bool:
        """Past Kahn's "No nuclear use" threshold: nuclear weapons are used (rung >= 21)."""
        return self.number >= NUCLEAR_RUNG

    @property
    def central(self) -> bool:
        """Past Kahn's "Central sanctuary" threshold: the homelands are hit (rung >= 26)."""
        return self.number >= CENTRAL_RUNG

    @property
    def key(self) -> str:
        """The rung's name as a lower-case hyphenated identifier (``local-nuclear-war-military``)."""
        return _normalise(self.name)


def _normalise(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


#: The thresholds that open nuclear and central war (Kahn 1965).
_NUCLEAR_THRESHOLD = "No nuclear use"
_CENTRAL_THRESHOLD = "Central sanctuary"


def _load() -> tuple[tuple[Rung, ...], tuple[str, ...], tuple[str, ...], dict[str, float]]:
    text = resources.files("brink").joinpath("data", "kahn_ladder.json").read_text("utf-8")
    table: dict[str, Any] = json.loads(text)
    rungs: list[Rung] = []
    thresholds: list[str] = []
    crossed: str | None = None
    past_nuclear = False
    for group in table["groups"]:
        for entry in group["rungs"]:
            number = int(entry["number"])
            category = EscalationCategory.NUCLEAR if past_nuclear else _CATEGORY_OF_RUNG[number]
            rungs.append(Rung(number, str(entry["name"]), str(group["name"]),
                              int(group["number"]), crossed, category))
        if group["threshold_after"] is not None:
            crossed = str(group["threshold_after"])
            thresholds.append(crossed)
            past_nuclear = past_nuclear or crossed == _NUCLEAR_THRESHOLD
    groups = tuple(str(g["name"]) for g in table["groups"])
    scores = {str(k): float(v) for k, v in table["rivera_2024_scores"].items()}
    return tuple(rungs), groups, tuple(thresholds), scores


KAHN_LADDER, KAHN_GROUPS, KAHN_THRESHOLDS, _SCORES = _load()
#: First rung past Kahn's "No nuclear use" threshold (21): nuclear use begins.
NUCLEAR_RUNG: int = next(r.number for r in KAHN_LADDER if r.threshold == _NUCLEAR_THRESHOLD)
#: First rung past Kahn's "Central sanctuary" threshold (26): central (strategic) war begins.
CENTRAL_RUNG: int = next(r.number for r in KAHN_LADDER if r.threshold == _CENTRAL_THRESHOLD)
#: Default escalation scores of Rivera et al. (2024).
RIVERA_2024_SCORES: Mapping[EscalationCategory, float] = {
    c: _SCORES[c.value] for c in EscalationCategory}
#: Named rungs accepted in a scenario's ladder, with their number on Kahn's ladder
#: (0 = conceding, below the ladder).
KNOWN_RUNGS: Mapping[str, int] = {
    "concede": 0,
    "solemn-declaration": 3,
    "show-of-force": 5,
    "mobilization": 6,
    "hold-conventional": 12,
    "limited-conventional-war": 14,
    "nuclear-ultimatum": 16,
    "demonstration-shot": 21,
    "limited-nuclear-war": 22,
    "local-nuclear-war-military": 23,
    "central-attack": 27,
    "counterforce-war": 34,
    "spasm-war": 44,
}
_BY_KEY = {r.key: r for r in KAHN_LADDER}


def rung(name_or_number: str | int) -> Rung:
    """Look up a Kahn rung by number (1..44) or name (case and punctuation ignored).

    Raises :class:`InputError` listing the closest names when nothing matches.
    """
    if isinstance(name_or_number, int) or (
            isinstance(name_or_number, str) and name_or_number.strip().isdigit()):
        number = int(name_or_number)
        if 1 <= number <= len(KAHN_LADDER):
            return KAHN_LADDER[number - 1]
        raise InputError(f"there is no Kahn rung {number}", fix="rungs are numbered 1 to 44")
    key = _normalise(name_or_number)
    if key in _BY_KEY:
        return _BY_KEY[key]
    close = difflib.get_close_matches(key, list(_BY_KEY), n=3, cutoff=0.5)
    contains = [k for k in _BY_KEY if key and (key in k or k in key)]
    suggestions = list(dict.fromkeys(close + contains))[:5]
    fix = ("did you mean " + ", ".join(suggestions) + "?") if suggestions else (
        "see `brink.mechanisms.ladder.KAHN_LADDER` for the 44 rung names")
    raise InputError(f"unknown Kahn rung {name_or_number!r}", fix=fix)


@dataclass(frozen=True, init=False)
class Ladder:
    """An ordered subset of Kahn's rungs: the escalation options of one crisis.

    Validated on construction: non-empty, no rung twice, strictly increasing in Kahn's
    order (a ladder only goes up), every name known.
    """

    rungs: tuple[Rung, ...]

    def __init__(self, rungs: Sequence[str | int | Rung], where: str = "ladder") -> None:
        if len(rungs) == 0:
            raise InputError("the ladder is empty", where, "list at least one Kahn rung")
        resolved: list[Rung] = []
        for i, item in enumerate(rungs):
            try:
                resolved.append(item if isinstance(item, Rung) else rung(item))
            except InputError as err:
                raise InputError(err.what, f"{where}[{i}]", err.fix) from None
        numbers = [r.number for r in resolved]
        if len(set(numbers)) != len(numbers):
            dup = next(r for r in resolved if numbers.count(r.number) > 1)
            raise InputError(f"rung {dup.number} ({dup.name}) appears twice", where,
                             "list each rung once")
        for a, b in itertools.pairwise(resolved):
            if b.number < a.number:
                raise InputError(
                    f"rung {b.number} ({b.name}) comes after rung {a.number} ({a.name})", where,
                    "order the rungs as Kahn does, from least to most escalatory")
        object.__setattr__(self, "rungs", tuple(resolved))

    def __len__(self) -> int:
        return len(self.rungs)

    def __iter__(self) -> Iterator[Rung]:
        return iter(self.rungs)

    def __getitem__(self, index: int) -> Rung:
        return self.rungs[index]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(r.name for r in self.rungs)

    @property
    def categories(self) -> tuple[EscalationCategory, ...]:
        return tuple(r.category for r in self.rungs)

    def thresholds_crossed(self, start: int, stop: int) -> tuple[str, ...]:
        """Kahn thresholds crossed climbing from ``self[start]`` to ``self[stop]``."""
        low, high = self.rungs[start].group_number, self.rungs[stop].group_number
        return KAHN_THRESHOLDS[low - 1:high - 1]

    def scores(self, weights: Mapping[str, float] | None = None) -> NDArray[np.float64]:
        """Escalation score of each rung (Rivera et al. 2024 weights unless overridden)."""
        return escalation_score([c.value for c in self.categories], weights)


def _weight_table(weights: Mapping[str, float] | None) -> NDArray[np.float64]:
    table = {c.value: RIVERA_2024_SCORES[c] for c in EscalationCategory}
    for key, value in (weights or {}).items():
        if key not in table:
            raise InputError(f"unknown escalation category {key!r} in weights",
                             fix=f"use {', '.join(table)}")
        table[key] = float(value)
    return np.array([table[c.value] for c in _CATEGORY_ORDER], dtype=np.float64)


def escalation_score(
    categories: ArrayLike, weights: Mapping[str, float] | None = None
) -> NDArray[np.float64]:
    """Score each action by its escalation category (Rivera et al. 2024).

    ``categories`` is an array of category names or of integer codes (index in
    :class:`EscalationCategory` order); ``weights`` overrides some default scores.
    The result has the shape of ``categories``; Rivera et al.'s per-turn escalation
    score is its sum over a turn's actions.
    """
    table = _weight_table(weights)
    arr = np.asarray(categories)
    if arr.dtype.kind in "US":
        lookup = {c.value: i for i, c in enumerate(_CATEGORY_ORDER)}
        unknown = sorted({str(x) for x in arr.ravel()} - set(lookup))
        if unknown:
            raise InputError(f"unknown escalation categories {unknown}",
                             fix=f"use {', '.join(lookup)}")
        names, inverse = np.unique(arr, return_inverse=True)
        table_codes = np.array([lookup[str(name)] for name in names], dtype=np.int64)
        codes = table_codes[inverse].reshape(arr.shape)
    else:
        codes = arr.astype(np.int64)
        if ((codes < 0) | (codes >= len(_CATEGORY_ORDER))).any():
            raise InputError("escalation category code out of range",
                             fix=f"codes are 0..{len(_CATEGORY_ORDER) - 1}")
    return np.asarray(table[codes], dtype=np.float64)
