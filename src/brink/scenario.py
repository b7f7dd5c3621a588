"""Scenario models: a crisis written as data, validated, with its uncertain numbers.

A scenario (YAML or JSON) names the actors, their commitments (M1), the crisis and its
escalation ladder (Kahn 1965), the defender's doctrine under strategic ambiguity (M4, M5),
the challenger's partners (M6-M8), the energy discount (M7), the leader's survival and
foreign-imposed removal (M6, M9), levers and provenance.  Every numeric field is a
:class:`Quantity`: a number, a distribution (``"beta(6, 3)"``, see
:mod:`brink.distributions`) or an expression over other parameters
(``"reserves_usd_bn * 1e3 / (offered_usd_per_bbl * oil_exports_mbd * 30.4)"``, see
:mod:`brink.expressions`).  Numbers are collected by dotted path
(``actors.RUS.nuclear.non_strategic``); anything given as a distribution is an
*uncertainty* in the sense of exploratory modelling (Bankes 1993).

All models forbid unknown keys; errors name the file and line, the dotted path, what is
wrong and what is allowed.  Bundled scenarios live in ``brink/scenarios/*.yaml``.
"""

from __future__ import annotations

import os
import re
import types
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    RootModel,
    ValidationError,
    field_validator,
)

from brink.distributions import Distribution, is_distribution_text, parse_distribution
from brink.document import Document, did_you_mean
from brink.errors import InputError
from brink.expressions import Expression, compile_expression, evaluation_order
from brink.ranges import PROBABILITY_FIELDS, Limit, first_failure, non_finite, quantity_range

__all__ = [
    "COUNTERS",
    "KNOWN_RUNGS",
    "RESPONSES",
    "Parameters",
    "Quantity",
    "Rung",
    "Scenario",
    "allowed_keys",
    "bundled_scenarios",
    "check_setting_path",
    "load_scenario",
    "resolve_scenario_source",
    "setting_paths",
]

FloatArray = NDArray[np.float64]

#: Named rungs accepted in a ladder, with their number on Kahn's (1965) 44-rung ladder
#: (0 = conceding, below the ladder).  Names follow ``facts/kahn_ladder.yaml``.
KNOWN_RUNGS: dict[str, int] = {
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
#: Kahn rung where nuclear use begins (threshold "no nuclear use" crossed) and where
#: central (strategic) war begins (threshold "central sanctuary" crossed).
NUCLEAR_RUNG = 21
CENTRAL_RUNG = 26

Response = Literal["none", "sanctions", "conventional-strike", "nuclear-response"]
Counter = Literal["de-escalate", "hold", "escalate", "concede"]
#: Defender responses, weakest first.
RESPONSES: tuple[Response, ...] = ("none", "sanctions", "conventional-strike", "nuclear-response")
#: Challenger counter-moves after the defender's response.
COUNTERS: tuple[Counter, ...] = ("de-escalate", "hold", "escalate", "concede")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Quantity(RootModel[float | str]):
    """A number, a distribution string or an expression string (resolved at load time)."""

    @field_validator("root", mode="before")
    @classmethod
    def _scalar(cls, v: Any) -> Any:
        if isinstance(v, bool) or not isinstance(v, int | float | str):
            raise ValueError("must be a number, a distribution such as 'uniform(0.3, 0.8)' or an expression")
        return v


Q = Quantity


class Nuclear(_Model):
    """Warheads (SIPRI Yearbook 2025; FAS 2023): deployed strategic and non-strategic."""

    strategic: Q = Q(0.0)
    non_strategic: Q = Q(0.0)


class Leader(_Model):
    """The leader (Bueno de Mesquita et al. 2003: winning coalition W, selectorate S, both in (0, 1]).

    ``office_value`` is what keeping office is worth to the leader and ``punishment_cost``
    what exile, prison or death after removal costs (Goemans 2000), both in units of the
    challenger's stake.
    """

    name: str = ""
    regime: Literal["personalist", "military", "single-party", "mixed", "democracy", "monarchy"] = "mixed"
    W: Q = Q(0.5)
    S: Q = Q(1.0)
    tenure_years: Q = Q(5.0)
    culpability: Q = Q(1.0)
    office_value: Q = Q(1.0)
    punishment_cost: Q = Q(0.0)


class Actor(_Model):
    """A state, an alliance or a bloc."""

    kind: Literal["state", "alliance", "bloc", "region"] = "state"
    name: str = ""
    capability: Q | None = None
    nuclear: Nuclear | None = None
    oil_exports_mbd: Q | None = None
    resource_wealth: Q | None = None
    leader: Leader | None = None
    members: list[str] = Field(default_factory=list)
    nuclear_members: list[str] = Field(default_factory=list)
    blocs: list[str] = Field(default_factory=list)


class Commitment(_Model):
    """An alliance commitment (M1): ATOP obligation type (Leeds et al. 2002), legal duty, umbrella."""

    id: str
    guarantor: str
    protege: str
    type: Literal["defense", "offense", "neutrality", "non-aggression", "consultation", "none"] = "none"
    legal: bool = False
    umbrella: bool = False
    reliability: Q | None = None


class Rung(_Model):
    """One step of the escalation ladder: a name and its Kahn rung (0 = concede)."""

    name: str
    rung: int = Field(ge=0, le=44)

    @property
    def nuclear(self) -> bool:
        return self.rung >= NUCLEAR_RUNG

    @property
    def central(self) -> bool:
        return self.rung >= CENTRAL_RUNG


class Stakes(_Model):
    challenger: Q = Q(1.0)
    defender: Q = Q(0.5)


class Crisis(_Model):
    """Who challenges whom, the ladder, and the war's conventional balance."""

    challenger: str
    target: str
    defender: str
    situation: str = ""
    stakes: Stakes = Stakes()
    balance: Q | None = None
    nuclear_coercion: Q = Q(0.3)
    strike_effect: Q = Q(0.5)
    sanctions_effect: Q = Q(0.1)
    stalemate_share: Q = Q(0.5)
    ladder: list[Rung]
    responses: list[Response] = Field(default_factory=lambda: list(RESPONSES))
    counters: list[Counter] = Field(default_factory=lambda: list(COUNTERS))

    @field_validator("ladder", mode="before")
    @classmethod
    def _rungs(cls, v: Any) -> Any:
        if not isinstance(v, list):
            return v
        out = []
        for item in v:
            if isinstance(item, str):
                if item not in KNOWN_RUNGS:
                    raise ValueError(
                        f"unknown rung {item!r}; use one of {', '.join(KNOWN_RUNGS)} "
                        "or {name: ..., rung: 0-44}"
                    )
                out.append({"name": item, "rung": KNOWN_RUNGS[item]})
            else:
                out.append(item)
        return out


class Interests(_Model):
    """Why a defender answers (M5): the nuclear norm, its credibility, self-preservation."""

    norm: Q = Q(0.5)
    credibility: Q = Q(0.5)
    self_preservation: Q = Q(0.5)


class Doctrine(_Model):
    """Declared response and the prior over the defender's resolve (M4).

    ``declared`` is the answer the defender has announced to any challenge at or above
    Kahn rung ``applies_from`` (default 21, nuclear use); a resolute defender that falls
    short of it pays an audience cost (Fearon 1994).
    """

    declared: Response = "conventional-strike"
    applies_from: int = Field(default=NUCLEAR_RUNG, ge=1, le=44)
    resolve: Q = Q(0.5)
    cost_tolerance: Q = Q(1.0)
    legal_weight: Q = Q(0.5)
    interests: Interests = Interests()


class Partner(_Model):
    """A partner of the challenger (M6-M8)."""

    energy_dependence: Q = Q(0.0)
    taboo_aversion: Q = Q(0.5)
    backs_winners: Q = Q(0.5)
    opec_plus_coordination: Q = Q(0.0)
    sphere_interest: dict[str, Q] = Field(default_factory=dict)


class EnergyDiscount(_Model):
    """Energy sold to partners below market (M7)."""

    offered_usd_per_bbl: Q = Q(0.0)
    reserves_usd_bn: Q = Q(0.0)
    reference_price_usd_per_bbl: Q = Q(80.0)
    elasticity: Q = Q(3.0)
    sustainable_months: Q | None = None


class ForeignImposed(_Model):
    """Foreign-imposed removal (M9; Downes & Monten 2013)."""

    base: Q = Q(0.01)
    resource_wealth_factor: Q = Q(2.0)
    defeat_multiplier: Q = Q(3.0)


class OutcomeMultipliers(_Model):
    victory: Q = Q(0.6)
    stalemate: Q = Q(1.0)
    defeat: Q = Q(2.0)
    concession: Q = Q(2.5)


class Survival(_Model):
    """The leader's hazard of losing office (M6, M9)."""

    horizon_months: Q = Q(12.0)
    base_hazard: Q = Q(0.05)
    outcome_multipliers: OutcomeMultipliers = OutcomeMultipliers()
    partner_weight: Q = Q(1.0)
    foreign_imposed: ForeignImposed = ForeignImposed()


class Costs(_Model):
    """Escalation weights: costs in units of the challenger's stake."""

    conventional_war: Q = Q(0.2)
    nuclear_taboo: Q = Q(0.5)
    sanctions: Q = Q(0.1)
    conventional_strike: Q = Q(0.4)
    nuclear_retaliation: Q = Q(3.0)
    strategic_exchange: Q = Q(20.0)
    defender_sanctions: Q = Q(0.05)
    defender_conventional: Q = Q(0.3)
    defender_nuclear: Q = Q(2.0)
    partner_value: Q = Q(0.5)
    sphere_value: Q = Q(0.3)
    fiscal_weight: Q = Q(0.002)


class Scenario(_Model):
    """A whole scenario file."""

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    title: str = ""
    as_of: str = ""
    description: str = ""
    template: str = "crisis"
    sources: dict[str, str] = Field(default_factory=dict)
    provenance: dict[str, str] = Field(default_factory=dict)
    actors: dict[str, Actor] = Field(default_factory=dict)
    commitments: list[Commitment] = Field(default_factory=list)
    crisis: Crisis | None = None
    doctrines: dict[str, Doctrine] = Field(default_factory=dict)
    partners: dict[str, Partner] = Field(default_factory=dict)
    energy_discount: EnergyDiscount = EnergyDiscount()
    survival: Survival = Survival()
    costs: Costs = Costs()
    levers: dict[str, list[Any]] = Field(default_factory=dict)
    game: dict[str, Any] | None = None
    source: str = Field(default="", exclude=True)
    _document: Any = PrivateAttr(default=None)

    @field_validator("as_of", mode="before")
    @classmethod
    def _date(cls, v: Any) -> Any:
        return str(v) if v is not None else ""

    @property
    def document(self) -> Document | None:
        """The document the scenario was read from (for ``file:line:col``), if read from one."""
        doc: Document | None = self._document
        return doc

    @cached_property
    def parameters(self) -> Parameters:
        """Every numeric field by dotted path, classified and checked."""
        return _collect(self)

    def provenance_of(self, path: str) -> str | None:
        """The provenance entry covering ``path`` (itself or its nearest listed parent)."""
        parts = path.split(".")
        for i in range(len(parts), 0, -1):
            key = ".".join(parts[:i])
            if key in self.provenance:
                return self.provenance[key]
        return None

    def unsourced(self) -> list[str]:
        """Numeric parameters (defaults included) that no ``provenance`` entry covers.

        A theory template reads only its ``game:`` section, so for it the defaults of
        sections the file does not write (costs, survival, ...) are not its numbers.
        """
        names = self.parameters.names
        if self.template != "crisis":
            names = [n for n in names if n.split(".", 1)[0] in self.model_fields_set]
            names += [n for n in _spec_defaults(self) if n not in names]
        return [name for name in names if self.provenance_of(name) is None]


# ---------------------------------------------------------------------------
# parameters


def _walk(value: Any, path: str) -> Iterator[tuple[str, Quantity]]:
    if isinstance(value, Quantity):
        yield path, value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            if name in ("source", "game", "levers", "provenance", "sources"):
                continue
            yield from _walk(getattr(value, name), f"{path}.{name}" if path else name)
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _walk(v, f"{path}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            key = getattr(v, "id", None) or str(i)
            yield from _walk(v, f"{path}.{key}")


def _walk_raw(value: Any, path: str) -> Iterator[tuple[str, float | str]]:
    if isinstance(value, bool):
        return
    if isinstance(value, int | float | str) and path:
        yield path, value
    elif isinstance(value, Mapping):
        for k, v in value.items():
            yield from _walk_raw(v, f"{path}.{k}" if path else str(k))


#: Paths (by their last component) that hold probabilities in [0, 1] (:mod:`brink.ranges`).
_PROBABILITY_FIELDS = PROBABILITY_FIELDS


@dataclass(frozen=True)
class Parameters:
    """A scenario's numbers: fixed values, distributions (uncertainties) and expressions."""

    distributions: dict[str, Distribution]
    expressions: dict[str, Expression]
    order: tuple[str, ...]
    #: The range of each number and where it is written (:mod:`brink.ranges`).
    limits: Mapping[str, Limit] = field(default_factory=dict)

    @property
    def uncertainties(self) -> list[str]:
        return [k for k, d in self.distributions.items() if not d.is_fixed]

    @property
    def names(self) -> list[str]:
        return [*self.distributions, *self.order]

    def derive(self, base: Mapping[str, FloatArray], n: int) -> dict[str, FloatArray]:
        """Complete ``base`` (draws of the distributions) with the expressions, in order."""
        out = {k: np.asarray(v, dtype=np.float64) for k, v in base.items()}
        for name in self.order:
            expr = self.expressions[name]
            env = {ref: out[target] for ref, target in _bindings(name, expr, out).items()}
            out[name] = expr.evaluate(env, size=n)
        return out

    def check(self, values: Mapping[str, FloatArray], origins: Mapping[str, str] | None = None) -> None:
        """Refuse any finite value outside its parameter's range (after expressions are evaluated).

        ``values`` are per-sample arrays by dotted path (as :meth:`derive` gives them);
        ``origins`` names where a value came from when it is not the scenario's own
        (e.g. ``a lever setting``).  Non-finite values are left to the caller: they make
        a sample *failed*, not the scenario wrong.
        """
        for path, arr in values.items():
            limit = self.limits.get(path)
            if limit is not None:
                limit.check(path, arr, (origins or {}).get(path, ""))

    def failure(self, values: Mapping[str, FloatArray], failed: NDArray[np.bool_]) -> str:
        """``where: path = nan (from expression '...')`` of the first non-finite parameter of
        the first failed sample (``""`` if none)."""
        return first_failure(values, self.limits, failed)

    def draw(self, seed: int, start: int, stop: int) -> dict[str, FloatArray]:
        """Samples ``start..stop-1`` of every parameter (chunk-invariant, common random numbers)."""
        from brink.random import draw

        return self.derive(draw(self.distributions, seed, start, stop), stop - start)

    def central(self) -> dict[str, FloatArray]:
        """One sample at the central value of every distribution."""
        return self.derive({k: np.array([d.central]) for k, d in self.distributions.items()}, 1)


def _bindings(name: str, expr: Expression, known: Mapping[str, Any]) -> dict[str, str]:
    """Resolve each name an expression reads to a dotted parameter path.

    A name is looked up as a full path, then relative to the expression's own section
    (siblings and their parents), then as the unique path ending in that name.
    """
    out: dict[str, str] = {}
    parts = name.split(".")
    for ref in expr.names:
        if ref in known:
            out[ref] = ref
            continue
        target = None
        for i in range(len(parts) - 1, 0, -1):
            cand = ".".join([*parts[:i], ref])
            if cand in known:
                target = cand
                break
        if target is None:
            tails = [k for k in known if k.endswith("." + ref)]
            if len(tails) == 1:
                target = tails[0]
            elif len(tails) > 1:
                raise InputError(
                    f"{expr.text}: {ref!r} is ambiguous ({', '.join(sorted(tails))})",
                    expr.where,
                    "write the full dotted path",
                )
        if target is None:
            hyphenated = [
                token
                for token in re.findall(r"[A-Za-z_][\w.]*(?:-[A-Za-z_][\w.]*)+", expr.text)
                if ref in token.split("-")
            ]
            if hyphenated:
                token = hyphenated[0]
                raise InputError(
                    f"{expr.text}: unknown parameter {ref!r}: names in expressions must be "
                    f"identifiers, so {token!r} reads as {' - '.join(token.split('-'))!r}",
                    expr.where,
                    "give the item an id or key without hyphens (e.g. nato_ukr instead of nato-ukr), "
                    "or refer to the number by its sibling name from inside the same item",
                )
            raise InputError(
                f"{expr.text}: unknown parameter {ref!r}",
                expr.where,
                "use a parameter of the scenario by its dotted path or a sibling name",
            )
        out[ref] = target
    return out


def _collect(sc: Scenario) -> Parameters:
    where = sc.source or sc.name
    dists: dict[str, Distribution] = {}
    exprs: dict[str, Expression] = {}
    leaves = list(_walk(sc, ""))
    if sc.game:
        settings = _game_settings(sc)
        for p, v in _walk_raw(sc.game, "game"):
            if p.split(".")[1] in settings:
                continue
            try:
                leaves.append((p, Quantity(v)))
            except ValidationError:  # e.g. a whole number no float holds
                raise InputError(
                    f"{v!r:.40} is not a number, a distribution or an expression",
                    _where(sc, p),
                    "give a number such as 0.4, a distribution such as beta(2, 3) or an expression",
                ) from None
    for path, q in leaves:
        v = q.root
        loc = _where(sc, path)
        if isinstance(v, str) and not is_distribution_text(v):
            try:
                dists[path] = parse_distribution(v, loc)
            except InputError:
                exprs[path] = compile_expression(v, loc)
        else:
            dists[path] = parse_distribution(v, loc)
    known = {**dists, **exprs}
    for path, expr in exprs.items():
        _bindings(path, expr, known)
    resolved = {p: e for p, e in exprs.items()}
    order = tuple(evaluation_order(_renamed(resolved, known)))
    game_probabilities = _game_probabilities(sc)
    game_nonnegative = _game_nonnegative(sc)
    for path, dist in dists.items():
        _check_range(sc, path, dist, game_probabilities, game_nonnegative)
    del where
    limits = _limits(sc, dists, exprs, order, game_probabilities, game_nonnegative)
    _check_constants(dists, exprs, order, known, limits)
    return Parameters(dists, exprs, order, limits)


def _limits(
    sc: Scenario,
    dists: Mapping[str, Distribution],
    exprs: Mapping[str, Expression],
    order: Sequence[str],
    game_probabilities: frozenset[str],
    game_nonnegative: frozenset[str],
) -> dict[str, Limit]:
    """The range of every number with a range, in evaluation order (see :mod:`brink.ranges`)."""
    out: dict[str, Limit] = {}
    for path in [*dists, *order]:
        rng = quantity_range(path, game_probabilities, game_nonnegative)
        if rng is None:
            continue
        where = _where(sc, path).removesuffix(f": {path}")
        if path in exprs:
            source = f"expression '{exprs[path].text}'"
        else:
            source = "" if dists[path].is_fixed else f"distribution {dists[path].spec}"
        out[path] = Limit(rng, where, source)
    return out


def _check_constants(
    dists: Mapping[str, Distribution],
    exprs: Mapping[str, Expression],
    order: Sequence[str],
    known: Mapping[str, Any],
    limits: Mapping[str, Limit],
) -> None:
    """Evaluate the expressions that read only fixed numbers, and check them like numbers.

    ``"3 + 4"`` for a probability, ``"0 - 1e6"`` for a cost or ``"log(-1)"`` anywhere is
    then refused when the scenario loads (and by ``brink validate``), not at run time.
    """
    values: dict[str, FloatArray] = {k: np.array([d.central]) for k, d in dists.items() if d.is_fixed}
    for name in order:
        expr = exprs[name]
        bound = _bindings(name, expr, known)
        if not all(target in values for target in bound.values()):
            continue
        value = expr.evaluate({ref: values[target] for ref, target in bound.items()}, size=1)
        values[name] = value
        if non_finite(name, value)[0]:
            limit = limits.get(name)
            raise InputError(
                f"{name} = {value[0]} (from expression '{expr.text}') is not a finite number",
                limit.where if limit is not None else expr.where,
                "every number must be finite: check for a division by zero, log of a number <= 0, "
                "x % 0 or an overflow such as exp(1000)",
            )
        if name in limits:
            limits[name].check(name, value)


def _game_settings(sc: Scenario) -> frozenset[str]:
    """Keys of ``game:`` that the scenario's template declares as settings, not numbers."""
    from brink.templates.base import get_template

    try:
        return get_template(sc.template).settings()
    except InputError:  # an unknown template is reported by check_scenario
        return frozenset()


def _spec_defaults(sc: Scenario) -> list[str]:
    """``game.<field>`` for each number of the template's ``Spec`` the file leaves at its default."""
    from brink.templates.base import get_template

    spec = get_template(sc.template).Spec
    if spec is None:
        return []
    written = sc.game or {}
    return [
        f"game.{name}"
        for name, info in spec.model_fields.items()
        if name not in written and isinstance(info.default, int | float) and not isinstance(info.default, bool)
    ]


def _renamed(exprs: dict[str, Expression], known: Mapping[str, Any]) -> dict[str, Expression]:
    out = {}
    for path, expr in exprs.items():
        names = frozenset(_bindings(path, expr, known).values())
        out[path] = Expression(expr.text, names, expr.where, expr._op)
    return out


def _where(sc: Scenario, path: str) -> str:
    """``file:line:col: dotted.path`` of ``path`` in the scenario's document (best effort)."""
    doc = sc._document
    if doc is not None:
        parts: list[str | int] = [int(p) if p.isdigit() else p for p in path.split(".")]
        return f"{doc.locate(parts)}: {path}"
    return f"{sc.source or 'scenario ' + sc.name}: {path}"


def _game_probabilities(sc: Scenario) -> frozenset[str]:
    """Paths ``game.<key>`` that the scenario's template declares probabilities."""
    from brink.templates.base import get_template

    try:
        keys = get_template(sc.template).probabilities if sc.game else frozenset()
    except InputError:  # an unknown template is reported by check_scenario
        return frozenset()
    return frozenset(f"game.{key}" for key in keys)


def _game_nonnegative(sc: Scenario) -> frozenset[str]:
    """Paths ``game.<key>`` that the scenario's template declares non-negative."""
    from brink.templates.base import get_template

    try:
        keys = get_template(sc.template).nonnegative if sc.game else frozenset()
    except InputError:  # an unknown template is reported by check_scenario
        return frozenset()
    return frozenset(f"game.{key}" for key in keys)


def _check_range(
    sc: Scenario,
    path: str,
    dist: Distribution,
    game_probabilities: frozenset[str] = frozenset(),
    game_nonnegative: frozenset[str] = frozenset(),
) -> None:
    """Refuse a number or distribution whose support leaves the range of ``path`` (:mod:`brink.ranges`)."""
    lo, hi = dist.bounds
    rng = quantity_range(path, game_probabilities, game_nonnegative)
    if rng is None:
        return
    if rng.high == 1.0:
        if lo < rng.low or hi > rng.high:
            raise InputError(
                f"{dist.spec} can take values outside [0, 1] (range {lo:g} to {hi:g})",
                _where(sc, path),
                "a probability or share must lie in [0, 1]; use e.g. beta(a, b) or uniform(lo, hi) within it",
            )
    elif lo < rng.low:
        raise InputError(f"{dist.spec} can be negative (lowest {lo:g})", _where(sc, path), rng.meaning)


# ---------------------------------------------------------------------------
# cross-references


def _check_references(sc: Scenario) -> None:
    known = set(sc.actors)
    members = {m for a in sc.actors.values() for m in (*a.members, *a.nuclear_members)}

    def need(actor: str, path: str) -> None:
        if actor not in known:
            raise InputError(
                f"unknown actor {actor!r}",
                _where(sc, path),
                f"declare it under actors (known: {', '.join(sorted(known)) or 'none'})",
            )

    ids: set[str] = set()
    for i, c in enumerate(sc.commitments):
        if c.id in ids:
            raise InputError(f"duplicate commitment id {c.id!r}", _where(sc, f"commitments.{i}.id"), "give each commitment its own id")
        ids.add(c.id)
        need(c.guarantor, f"commitments.{i}.guarantor")
        if c.protege not in known and c.protege not in members:
            need(c.protege, f"commitments.{i}.protege")
    for aid, actor in sc.actors.items():
        if actor.nuclear_members and not set(actor.nuclear_members) <= set(actor.members):
            extra = sorted(set(actor.nuclear_members) - set(actor.members))
            raise InputError(f"nuclear members {extra} are not members", _where(sc, f"actors.{aid}.nuclear_members"), "list them under members too")
    for aid in sc.doctrines:
        need(aid, f"doctrines.{aid}")
    for aid in sc.partners:
        need(aid, f"partners.{aid}")
    if sc.crisis is not None:
        cr = sc.crisis
        for role in ("challenger", "target", "defender"):
            need(getattr(cr, role), f"crisis.{role}")
        if len({cr.challenger, cr.target, cr.defender}) < 3:
            raise InputError("challenger, target and defender must be three different actors", _where(sc, "crisis"), "name three distinct actors")
        _check_ladder(sc, cr.ladder)
        for field_name, allowed in (("responses", RESPONSES), ("counters", COUNTERS)):
            values = getattr(cr, field_name)
            if len(set(values)) != len(values) or not values:
                raise InputError(f"{field_name} must be non-empty without repeats", _where(sc, f"crisis.{field_name}"), f"use a subset of {', '.join(allowed)}")
        if sc.actors[cr.challenger].leader is None:
            raise InputError("the challenger has no leader", _where(sc, f"actors.{cr.challenger}"), "add leader: {W: ..., S: ...}")


def _check_provenance(sc: Scenario) -> None:
    for key, origin in sc.provenance.items():
        if origin not in sc.sources and not origin.startswith("assumption"):
            raise InputError(
                f"provenance of {key} is {origin!r}, which is neither a source nor an assumption",
                _where(sc, f"provenance.{key}"),
                f"name a key of sources ({', '.join(sorted(sc.sources)) or 'none declared'}) or write 'assumption'",
            )
        if not _resolves(sc, key):
            hint = did_you_mean(key, setting_paths(sc))
            raise InputError(
                f"provenance names {key!r}, which is not a field of this scenario",
                _where_key(sc, "provenance", key),
                f"{hint + ' ' if hint else ''}Use the dotted path of a number or section, "
                "e.g. actors.RUS.nuclear.strategic",
            )


def _where_key(sc: Scenario, section: str, key: str) -> str:
    """``file:line:col: section.key`` of a key that itself holds dots (a lever, a provenance entry)."""
    doc = sc._document
    if doc is not None:
        return f"{doc.locate([section, key])}: {section}.{key}"
    return f"{sc.source or 'scenario ' + sc.name}: {section}.{key}"


def _check_levers(sc: Scenario) -> None:
    """Every lever names a setting the scenario has and offers at least one option."""
    for path, options in sc.levers.items():
        where = _where_key(sc, "levers", path)
        check_setting_path(sc, path, where)
        if not options:
            raise InputError(
                f"lever {path} has no options", where, "list the values the lever can take, e.g. [0, 10, 20]"
            )


def setting_paths(sc: Scenario) -> list[str]:
    """Every dotted path a lever, a sweep or ``--set`` can address in ``sc``.

    Fields of every section (defaults included), mapping keys, list items by ``id`` (or
    index), and the fields of the template's ``game:`` section (defaults included).
    """
    out: list[str] = []

    def walk(node: Any, path: str) -> None:
        if path:
            out.append(path)
        if isinstance(node, Quantity):
            return
        if isinstance(node, BaseModel):
            for name in type(node).model_fields:
                if not path and name in ("source", "levers"):
                    continue
                walk(getattr(node, name), f"{path}.{name}" if path else name)
        elif isinstance(node, dict):
            for k, v in node.items():
                walk(v, f"{path}.{k}")
        elif isinstance(node, list):
            for i, v in enumerate(node):
                ident = getattr(v, "id", None) or (v.get("id") if isinstance(v, dict) else None)
                walk(v, f"{path}.{ident if isinstance(ident, str | int) else i}")

    walk(sc, "")
    spec = _game_spec(sc)
    if spec is not None:
        walk(spec, "game")
    return sorted(set(out))


def _game_spec(sc: Scenario) -> BaseModel | None:
    """The template's validated ``game:`` section (defaults filled in), if it has one."""
    from brink.templates.base import get_template

    try:
        return get_template(sc.template).spec(sc)
    except InputError:
        return None


def check_setting_path(sc: Scenario, path: str, where: str) -> None:
    """Refuse a dotted ``path`` (a lever or a sweep factor) that names no setting of ``sc``.

    The error is located at ``where`` and suggests the closest existing paths.
    """
    if _resolves(sc, path):
        return
    if path.startswith("game."):
        spec = _game_spec(sc)
        if spec is not None and _resolves_in(spec, path.split(".")[1:]):
            return
    hint = did_you_mean(path, setting_paths(sc))
    raise InputError(
        f"{path!r} is not a setting of scenario {sc.name}",
        where,
        f"{hint + ' ' if hint else ''}Give the dotted path of a setting the scenario has "
        "(`brink schema` lists the fields)",
    )


def allowed_keys(path: Sequence[str | int]) -> list[str] | None:
    """The keys the scenario schema accepts in the section at ``path`` (``None``: any key)."""
    import typing

    tp: Any = Scenario

    def unwrap(t: Any) -> Any:
        if typing.get_origin(t) in (typing.Union, types.UnionType):
            for arg in typing.get_args(t):
                if arg is not type(None):
                    return unwrap(arg)
        return t

    for seg in path:
        tp = unwrap(tp)
        origin = typing.get_origin(tp)
        if isinstance(tp, type) and issubclass(tp, BaseModel) and not issubclass(tp, RootModel):
            info = tp.model_fields.get(str(seg))
            if info is None:
                return None
            tp = info.annotation
        elif origin is dict:
            tp = typing.get_args(tp)[1]
        elif origin is list:
            tp = typing.get_args(tp)[0]
        else:
            return None
    tp = unwrap(tp)
    if isinstance(tp, type) and issubclass(tp, BaseModel) and not issubclass(tp, RootModel):
        return [name for name in tp.model_fields if name != "source"]
    return None


def _resolves_in(node: Any, parts: Sequence[str]) -> bool:
    for part in parts:
        if isinstance(node, BaseModel) and not isinstance(node, Quantity):
            if part not in type(node).model_fields:
                return False
            node = getattr(node, part)
        elif isinstance(node, dict):
            if part not in node:
                return False
            node = node[part]
        else:
            return False
    return True


def _resolves(sc: Scenario, path: str) -> bool:
    """Whether dotted ``path`` names a field, mapping entry or list item (by id or index)."""
    node: Any = sc
    for part in path.split("."):
        if isinstance(node, BaseModel) and not isinstance(node, Quantity):
            if part not in type(node).model_fields:
                return False
            node = getattr(node, part)
        elif isinstance(node, dict):
            if part not in node:
                return False
            node = node[part]
        elif isinstance(node, list):
            match = [x for x in node if getattr(x, "id", None) == part]
            if match:
                node = match[0]
            elif part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                return False
        else:
            return False
    return True


def _check_ladder(sc: Scenario, ladder: Sequence[Rung]) -> None:
    if not ladder:
        raise InputError("the escalation ladder is empty", _where(sc, "crisis.ladder"), "list at least two rungs, lowest first, e.g. [concede, hold-conventional, demonstration-shot]")
    names = [r.name for r in ladder]
    for i, r in enumerate(ladder):
        if names.index(r.name) != i:
            raise InputError(f"rung {r.name!r} appears twice (the ladder would cycle)", _where(sc, f"crisis.ladder.{i}"), "list each rung once, lowest first")
        if i and r.rung <= ladder[i - 1].rung:
            raise InputError(
                f"rung {r.name!r} (Kahn {r.rung}) is not above {ladder[i - 1].name!r} (Kahn {ladder[i - 1].rung}): the ladder must rise monotonically",
                _where(sc, f"crisis.ladder.{i}"),
                "order the rungs from least to most escalatory, each with a higher Kahn rung",
            )
    if len(ladder) < 2:
        raise InputError("the escalation ladder has a single rung", _where(sc, "crisis.ladder"), "list at least two rungs so the challenger has a choice")


# ---------------------------------------------------------------------------
# loading


def bundled_scenarios() -> dict[str, str]:
    """Bundled scenario names -> their title."""
    import yaml

    out = {}
    root = resources.files("brink.scenarios")
    for item in sorted(root.iterdir(), key=lambda p: p.name):
        if item.name.endswith(".yaml"):
            data = yaml.safe_load(item.read_text(encoding="utf-8"))
            out[item.name[:-5]] = str(data.get("title", "")) if isinstance(data, dict) else ""
    return out


def resolve_scenario_source(name_or_path: str | Path) -> Path:
    """The file behind a scenario argument: a ``.yaml``/``.yml``/``.json`` path or a bundled name.

    Raises :class:`InputError` naming the bundled scenarios when neither exists.
    """
    from brink.document import regular_file

    text = str(name_or_path)
    p = Path(text)
    try:
        present = os.path.lexists(p)
    except ValueError:  # an embedded NUL byte
        present = False
    if p.suffix in (".yaml", ".yml", ".json") or present:
        try:
            regular_file(p)
        except InputError as exc:
            if exc.what == "file not found":
                raise InputError(
                    f"scenario file {text!r} not found",
                    where=text,
                    fix="check the path, or run `brink scenarios` for bundled names",
                ) from None
            raise
        return p
    root = resources.files("brink.scenarios")
    item = root.joinpath(f"{text}.yaml")
    if not item.is_file():
        raise InputError(
            f"no scenario named {text!r}",
            where="scenario",
            fix=f"use a file path or a bundled name: {', '.join(bundled_scenarios())}",
        )
    return Path(str(item))


def load_scenario(name_or_path: str | Path, overrides: Sequence[str] = ()) -> Scenario:
    """Read, override (``path=value``), validate and cross-check a scenario.

    ``name_or_path`` is a YAML/JSON file or the name of a bundled scenario.  Every
    failure is an :class:`InputError` naming file:line, the dotted path and the fix.
    """
    from brink.document import load_document, validation_error

    path = resolve_scenario_source(name_or_path)
    doc = load_document(path)
    if not isinstance(doc.data, dict):
        raise InputError("a scenario must be a mapping of sections", where=str(path), fix="start with `name: ...`")
    if overrides:
        doc = doc.with_overrides(list(overrides))
    data = dict(doc.data)
    source = str(path)
    data["source"] = source
    try:
        sc = Scenario.model_validate(data)
    except ValidationError as exc:
        raise validation_error(exc, doc, allowed_keys) from None
    sc._document = doc
    return check_scenario(sc)


def scenario_from_data(data: Mapping[str, Any], source: str = "") -> Scenario:
    """Validate a scenario given as a mapping (e.g. built in Python)."""
    from brink.document import validation_error

    d = dict(data)
    d["source"] = source
    try:
        sc = Scenario.model_validate(d)
    except ValidationError as exc:
        raise validation_error(exc, Document(dict(data), source or "scenario"), allowed_keys) from None
    sc._document = Document(dict(data), source or "scenario")
    return check_scenario(sc)


def check_scenario(sc: Scenario) -> Scenario:
    """Cross-reference checks, parameter parsing and the template's own checks."""
    from brink.templates import get_template

    _check_references(sc)
    _ = sc.parameters
    template = get_template(sc.template, where=_where(sc, "template"))
    template.spec(sc)
    template.check(sc)
    _check_levers(sc)
    # Last: a provenance entry that names a missing field is most often the echo of a
    # structural error (a missing section, a misspelt actor) reported above.
    _check_provenance(sc)
    return sc
