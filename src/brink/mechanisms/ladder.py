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
    "NamedRung",
    "Rung",
    "escalation_score",
    "place_rung",
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


@dataclass(frozen=True)
class NamedRung:
    """A scenario's own rung placed strictly between two adjacent rungs of Kahn's (1965).

    Kahn's catalogue has no rung for, e.g., a naval blockade or a cyber attack; a scenario
    may add one at a fractional position (a blockade at 9.5, between "Dramatic military
    confrontations" and "Provocative breaking off of diplomatic relations").  The templates
    read the position as they read a Kahn number (intensity ``min(1, position / 12)``,
    nuclear from rung 21, central from 26) and score it by :attr:`category`.

    Attributes:
        name: the scenario's name for it.
        position: its place on the ladder, strictly between ``below`` and ``above``.
        below, above: the two Kahn rungs it lies between.
        group, group_number: its Kahn group (that of ``below`` unless given).
        category: its Rivera et al. (2024) category (that of ``below`` unless given).
    """

    name: str
    position: float
    below: Rung
    above: Rung
    group: str
    group_number: int
    category: EscalationCategory


def _group_number(group: str | int) -> int | None:
    if isinstance(group, int) and not isinstance(group, bool):
        return group if 1 <= group <= len(KAHN_GROUPS) else None
    key = _normalise(str(group))
    if key.isdigit():
        return _group_number(int(key))
    return next((i for i, g in enumerate(KAHN_GROUPS, start=1) if _normalise(g) == key), None)


def _category(value: str | EscalationCategory) -> EscalationCategory | None:
    key = str(value).strip().lower().replace("-", "_").replace(" ", "_")
    return next((c for c in EscalationCategory if c.value == key), None)


def place_rung(
    name: str, position: float, group: str | int | None = None,
    category: str | EscalationCategory | None = None,
) -> NamedRung:
    """Place a scenario's own rung ``name`` at ``position``, strictly between two of Kahn's.

    The group defaults to the lower neighbour's when both neighbours share a group; across
    one of Kahn's thresholds (9 | 10, 20 | 21, ...) the scenario must say which side the
    rung is on.  Rungs between 20 and 21 or 25 and 26 lie below the "No nuclear use" or
    "Central sanctuary" threshold by position (the templates' nuclear test is
    ``position >= 21``), so only the lower group is accepted there.  The category defaults
    to the lower neighbour's; it is nuclear exactly from rung 21 on, as for Kahn's rungs.

    Raises :class:`InputError` naming the field (``rung``, ``group`` or ``category``).
    """
    pos = float(position)
    if not (np.isfinite(pos) and 1 < pos < len(KAHN_LADDER)) or pos.is_integer():
        what = (f"rung {position!r} of {name!r} is Kahn's rung {int(pos)}" if np.isfinite(pos) and pos.is_integer()
                and 1 <= pos <= len(KAHN_LADDER) else
                f"rung {position!r} of {name!r} is not between two of Kahn's rungs (1 to {len(KAHN_LADDER)})")
        raise InputError(what, "rung",
                         f"a named rung lies strictly between two adjacent Kahn rungs, e.g. rung: 9.5 "
                         f"(or between: [9, 10]); 1 < rung < {len(KAHN_LADDER)}, not a whole number")
    below, above = KAHN_LADDER[int(np.floor(pos)) - 1], KAHN_LADDER[int(np.floor(pos))]
    crossed = KAHN_THRESHOLDS[below.group_number - 1] if below.group_number != above.group_number else None
    if group is None:
        if crossed is not None:
            raise InputError(
                f"rung {name!r} at {pos:g} lies across Kahn's {crossed!r} threshold (between rung {below.number}, "
                f"group {below.group!r}, and rung {above.number}, group {above.group!r}) and gives no group",
                "group", f"add group: {_normalise(below.group)} (or group: {_normalise(above.group)})")
        number = below.group_number
    else:
        found = _group_number(group)
        allowed = {below.group_number, above.group_number}
        if crossed in (_NUCLEAR_THRESHOLD, _CENTRAL_THRESHOLD):
            allowed = {below.group_number}
        if found is None or found not in allowed:
            fix = " or ".join(_normalise(KAHN_GROUPS[g - 1]) for g in sorted(allowed))
            why = (f"; a rung below {above.number} lies before Kahn's {crossed!r} threshold (place it above "
                   f"{above.number}, e.g. rung: {above.number}.5, to be past it)"
                   if crossed in (_NUCLEAR_THRESHOLD, _CENTRAL_THRESHOLD) else "")
            raise InputError(f"group {group!r} of rung {name!r} at {pos:g} is not the group of a neighbour{why}",
                             "group", f"use group: {fix}")
        number = found
    if category is None:
        cat = below.category
    else:
        found_cat = _category(category)
        if found_cat is None:
            raise InputError(f"unknown category {category!r} of rung {name!r}", "category",
                             f"use one of {', '.join(c.value for c in EscalationCategory)}")
        if (found_cat is EscalationCategory.NUCLEAR) != (pos >= NUCLEAR_RUNG):
            raise InputError(
                f"category {found_cat.value!r} of rung {name!r} at {pos:g}: a rung is nuclear exactly "
                f"past Kahn's {_NUCLEAR_THRESHOLD!r} threshold (from rung {NUCLEAR_RUNG})", "category",
                f"use {below.category.value}" if pos < NUCLEAR_RUNG else "use nuclear (or leave it out)")
        cat = found_cat
    return NamedRung(name, pos, below, above, KAHN_GROUPS[number - 1], number, cat)


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
