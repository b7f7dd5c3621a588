"""The common scenario schema: what every template shares.

A scenario (YAML or JSON) names its template (``template:``, default ``crisis``), its
actors, levers, sources and provenance, and either the sections its template declares
(the crisis template's ``crisis``, ``commitments``, ``doctrines``, ... in
:mod:`brink.templates.crisis.spec`) or a free ``game:`` mapping that the template's
``Spec`` validates.  Every numeric field is a :class:`~brink.scenario.quantity.Quantity`.

A template with sections of its own subclasses :class:`Scenario` and registers it
(:mod:`brink.scenario.registry`); this module knows no template.  All models forbid
unknown keys; errors name the file and line, the dotted path, what is wrong and what is
allowed.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import Field, PrivateAttr, field_validator

from brink.errors import InputError
from brink.scenario.document import Document
from brink.scenario.quantity import Q, Quantity, Section
from brink.scenario.ranges import PROBABILITY_FIELDS
from brink.scenario.registry import DEFAULT_TEMPLATE, SCHEMAS, discover_templates, schema_of

if TYPE_CHECKING:
    from brink.scenario.parameters import Parameters

__all__ = ["Actor", "FromData", "Leader", "Nuclear", "Quantity", "Scenario", "Section", "json_schema"]


class Nuclear(Section):
    """Warheads (SIPRI Yearbook 2025; FAS 2023): deployed strategic and non-strategic."""

    strategic: Q = Q(0.0)
    non_strategic: Q = Q(0.0)


class Leader(Section):
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


class FromData(Section):
    """Fill the actor's facts for ``year`` from the shared reference data (issue #14).

    Capability (COW NMC), the leader's name, tenure and regime (Archigos, CHISOLS, Polity),
    alliance ties (ATOP defense pacts) and a check of the nuclear warheads (Jo & Gartzke
    2007), by the rules of :mod:`brink.history.actors`; the fill runs in
    :func:`brink.scenario.loading.load_scenario` before validation and never replaces a
    value the file or ``--set`` gives.  ``ccode`` is the COW country code; by default the
    one whose COW abbreviation (``stateabb``) is the actor's id.
    """

    year: int = Field(ge=1816, le=2022)
    ccode: int | None = Field(default=None, ge=1)


class Actor(Section):
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
    from_data: FromData | None = None


class Scenario(Section):
    """A whole scenario file: the sections every template shares.

    A template's own sections are fields of a subclass (its ``scenario_class``), which
    may also extend :meth:`check_references`.
    """

    #: Whether the template reads the defaults of sections a file leaves out, so that
    #: their numbers need provenance too (:meth:`unsourced`).  A theory template reads
    #: only what the file writes and its ``game:`` spec.
    reads_section_defaults: ClassVar[bool] = False
    #: Fields (by the last component of their dotted path) that hold probabilities or
    #: shares in [0, 1]; every other number outside ``game:`` must be ``>= 0``
    #: (:mod:`brink.scenario.ranges`).  A template's subclass adds its own.
    probability_fields: ClassVar[frozenset[str]] = PROBABILITY_FIELDS
    #: Fields (last path component) that may be negative: none in the common sections; a
    #: template's class adds its own (the escalation template's battlefield ``trend``).
    signed_fields: ClassVar[frozenset[str]] = frozenset()

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    title: str = ""
    as_of: str = ""
    description: str = ""
    template: str = DEFAULT_TEMPLATE
    sources: dict[str, str] = Field(default_factory=dict)
    provenance: dict[str, str] = Field(default_factory=dict)
    actors: dict[str, Actor] = Field(default_factory=dict)
    levers: dict[str, list[Any]] = Field(default_factory=dict)
    game: dict[str, Any] | None = None
    source: str = Field(default="", exclude=True)
    _document: Any = PrivateAttr(default=None)

    @field_validator("as_of", mode="before")
    @classmethod
    def _date(cls, v: Any) -> Any:
        return str(v) if v is not None else ""

    @classmethod
    def is_signed(cls, path: str) -> bool:
        """Whether the number at dotted ``path`` (outside ``game:``) may take any real value."""
        return path.rsplit(".", 1)[-1] in cls.signed_fields

    @classmethod
    def is_probability(cls, path: str) -> bool:
        """Whether the number at dotted ``path`` (outside ``game:``) is a probability or share."""
        return path.rsplit(".", 1)[-1] in cls.probability_fields

    @property
    def document(self) -> Document | None:
        """The document the scenario was read from (for ``file:line:col``), if read from one."""
        doc: Document | None = self._document
        return doc

    @cached_property
    def parameters(self) -> Parameters:
        """Every numeric field by dotted path, classified and checked."""
        from brink.scenario.parameters import collect

        return collect(self)

    def where(self, path: str) -> str:
        """``file:line:col: dotted.path`` of ``path`` in the scenario's document (best effort)."""
        doc = self._document
        if doc is not None:
            parts: list[str | int] = [int(p) if p.isdigit() else p for p in path.split(".")]
            return f"{doc.locate(parts)}: {path}"
        return f"{self.source or 'scenario ' + self.name}: {path}"

    def where_key(self, section: str, key: str) -> str:
        """``file:line:col: section.key`` of a key that itself holds dots (a lever, a provenance entry)."""
        doc = self._document
        if doc is not None:
            return f"{doc.locate([section, key])}: {section}.{key}"
        return f"{self.source or 'scenario ' + self.name}: {section}.{key}"

    def need_actor(self, actor: str, path: str) -> None:
        """Refuse a reference at ``path`` to an actor the scenario does not declare."""
        known = set(self.actors)
        if actor not in known:
            raise InputError(
                f"unknown actor {actor!r}",
                self.where(path),
                f"declare it under actors (known: {', '.join(sorted(known)) or 'none'})",
            )

    def check_references(self) -> None:
        """Cross-references between sections (a template's subclass adds its own)."""
        for aid, actor in self.actors.items():
            if actor.nuclear_members and not set(actor.nuclear_members) <= set(actor.members):
                extra = sorted(set(actor.nuclear_members) - set(actor.members))
                raise InputError(
                    f"nuclear members {extra} are not members",
                    self.where(f"actors.{aid}.nuclear_members"),
                    "list them under members too",
                )

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

        Unless the template reads the defaults of sections the file leaves out
        (:attr:`reads_section_defaults`), only the sections the file writes count, plus
        the numbers of the template's ``game:`` spec left at their defaults.
        """
        names = self.parameters.names
        if not self.reads_section_defaults:
            names = [n for n in names if n.split(".", 1)[0] in self.model_fields_set]
            names += [n for n in _spec_defaults(self) if n not in names]
        return [name for name in names if self.provenance_of(name) is None]


def _spec_defaults(sc: Scenario) -> list[str]:
    """``game.<field>`` for each number of the template's ``Spec`` the file leaves at its default."""
    spec = schema_of(sc.template).Spec
    if spec is None:
        return []
    written = sc.game or {}
    return [
        f"game.{name}"
        for name, info in spec.model_fields.items()
        if name not in written and isinstance(info.default, int | float) and not isinstance(info.default, bool)
    ]


def json_schema() -> dict[str, Any]:
    """The JSON schema of a scenario file: the common sections and every registered template's own.

    The common :class:`Scenario` schema, with each template's sections added as
    properties (their descriptions name the template), ``template`` limited to the
    registered names and ``game`` described by each template's ``Spec``.
    """
    discover_templates()
    out = Scenario.model_json_schema()
    props: dict[str, Any] = out.setdefault("properties", {})
    defs: dict[str, Any] = out.setdefault("$defs", {})
    common = set(props)
    games: list[dict[str, Any]] = []
    for name in sorted(SCHEMAS):
        schema = SCHEMAS[name]
        sub = schema.scenario_class.model_json_schema()
        defs.update(sub.get("$defs", {}))
        for key, value in sub.get("properties", {}).items():
            if key in common:
                continue
            if key in props:
                props[key]["description"] += f", {name}"
            else:
                props[key] = {**value, "description": f"Section of template: {name}"}
        if schema.Spec is not None:
            spec = schema.Spec.model_json_schema()
            defs.update(spec.pop("$defs", {}))
            defs[f"game.{name}"] = spec
            games.append({"$ref": f"#/$defs/game.{name}"})
    props["template"] = {**props.get("template", {}), "enum": sorted(SCHEMAS)}
    if games:
        props["game"] = {
            "anyOf": [*games, {"type": "null"}],
            "description": "The game: section of a theory template (validated by the template's Spec)",
        }
    return out
