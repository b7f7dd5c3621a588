"""The common scenario schema: what every template shares.

A scenario (YAML or JSON) names its template (``template:``, default ``crisis``), its
actors, levers, sources and provenance, and either the sections its template declares
(the crisis template's ``crisis``, ``commitments``, ``doctrines``, ... in
:mod:`brink.crisis.schema`) or a free ``game:`` mapping that the template's
``Spec`` validates.  Every numeric field is a :class:`~brink.scenario.quantity.Quantity`.

A template with sections of its own subclasses :class:`Scenario` and registers it
(:mod:`brink.scenario.registry`); this module knows no template.  All models forbid
unknown keys; errors name the file and line, the dotted path, what is wrong and what is
allowed.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import ConfigDict, Field, PrivateAttr, field_validator, model_validator

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

    strategic: Q = Field(Q(0.0), description="Deployed strategic warheads (SIPRI Yearbook; FAS): those that can reach the adversary's homeland")
    non_strategic: Q = Field(Q(0.0), description="Non-strategic (tactical) warheads available in the theatre")


class Leader(Section):
    """The leader (Bueno de Mesquita et al. 2003: winning coalition W, selectorate S, both in (0, 1]).

    ``office_value`` is what keeping office is worth to the leader and ``punishment_cost``
    what exile, prison or death after removal costs (Goemans 2000), both in units of the
    challenger's stake.
    """

    name: str = Field("", description="The leader's name (for reports)")
    regime: Literal["personalist", "military", "single-party", "mixed", "democracy", "monarchy"] = Field("mixed", description="Regime type (Geddes, Wright & Frantz 2014 categories): sets the Archigos base hazard of removal where a template reads it by regime")
    W: Q = Field(Q(0.5), description="Winning coalition size as a share of the population, in (0, 1] (Bueno de Mesquita et al. 2003)")
    S: Q = Field(Q(1.0), description="Selectorate size as a share of the population, in (0, 1] (Bueno de Mesquita et al. 2003)")
    tenure_years: Q = Field(Q(5.0), description="Years the leader has held office at the scenario's date (Archigos hazards fall with tenure)")
    culpability: Q = Field(Q(1.0), description="How far the leader is held responsible for the crisis's outcome (0: not at all, 1: fully; Croco 2011)")
    office_value: Q = Field(Q(1.0), description="What keeping office is worth to the leader, in units of the challenger's stake (Goemans 2000)")
    punishment_cost: Q = Field(Q(0.0), description="What exile, prison or death after removal costs the leader, in units of the challenger's stake (Goemans 2000)")


class FromData(Section):
    """Fill the actor's facts for ``year`` from the shared reference data (issue #14).

    Capability (COW NMC), the leader's name, tenure and regime (Archigos, CHISOLS, Polity),
    alliance ties (ATOP defense pacts) and a check of the nuclear warheads (Jo & Gartzke
    2007), by the rules of :mod:`brink.history.actors`; the fill runs in
    :func:`brink.scenario.loading.load_scenario` before validation and never replaces a
    value the file or ``--set`` gives.  ``ccode`` is the COW country code; by default the
    one whose COW abbreviation (``stateabb``) is the actor's id.
    """

    year: int = Field(ge=1816, le=2022, description="Year whose reference data fill the actor's facts (1816-2022, the span of COW NMC)")
    ccode: int | None = Field(default=None, ge=1, description="COW country code; by default the one whose COW abbreviation is the actor's id")


class Record(Section):
    """How the crisis ended in fact, for ``brink backtest --scenarios`` (issue #23): an ICB crisis
    number (the outcome of the challenger's row in the ICB table, :mod:`brink.history.icb`) or a
    stated outcome for the challenger.  Read by :mod:`brink.fit.scenarios`; no template reads it."""

    icb: int | None = Field(None, ge=1, description="ICB crisis number (crisno) whose actor row records the outcome")
    actor: str | None = Field(None, description="ICB three-letter code of the challenger in that crisis (default: the scenario's challenger id)")
    outcome: Literal["victory", "compromise", "stalemate", "defeat"] | None = Field(
        None, description="A stated outcome for the challenger (ICB's four outcomes), where the crisis is not in ICB")
    source: str = Field("", description="Where the stated outcome comes from")

    @model_validator(mode="after")
    def _one_record(self) -> Record:
        if (self.icb is None) == (self.outcome is None):
            raise ValueError("name the record by exactly one of icb (an ICB crisis number) or outcome")
        return self


class Actor(Section):
    """A state, an alliance or a bloc."""

    kind: Literal["state", "alliance", "bloc", "region"] = Field("state", description="What the actor is: a state, an alliance, a bloc or a region")
    name: str = Field("", description="Display name")
    capability: Q | None = Field(None, description="Material capability, COW CINC share of the world's (Singer, Bremer & Stuckey 1972)")
    nuclear: Nuclear | None = Field(None, description="Nuclear warheads, strategic and non-strategic")
    oil_exports_mbd: Q | None = Field(None, description="Oil exports in million barrels per day (the energy lever of the aftermath)")
    resource_wealth: Q | None = Field(None, description="Natural-resource wealth on a 0-1 scale (raises outsiders' interest in regime change; Downes & Monten 2013)")
    leader: Leader | None = Field(None, description="The actor's leader: regime, coalition sizes and what office is worth")
    members: list[str] = Field(default_factory=list, description="Member actors of an alliance or bloc (ids)")
    nuclear_members: list[str] = Field(default_factory=list, description="Members that hold nuclear weapons (a subset of members)")
    blocs: list[str] = Field(default_factory=list, description="Blocs or alliances the actor belongs to (ids)")
    from_data: FromData | None = Field(None, description="Fill capability, leader and alliances for a year from the shared reference data")


class Scenario(Section):
    """A whole scenario file: the sections every template shares.

    A template's own sections are fields of a subclass (its ``scenario_class``), which
    may also extend :meth:`check_references`.
    """

    #: Whether the template reads the defaults of sections a file leaves out, so that
    #: their numbers need provenance too (:meth:`unsourced`).  A theory template reads
    #: only what the file writes and its ``game:`` spec.
    model_config = ConfigDict(extra="forbid", frozen=True, serialize_by_alias=True, validate_by_name=False)

    reads_section_defaults: ClassVar[bool] = False
    #: Fields (by the last component of their dotted path) that hold probabilities or
    #: shares in [0, 1]; every other number outside ``game:`` must be ``>= 0``
    #: (:mod:`brink.scenario.ranges`).  A template's subclass adds its own.
    probability_fields: ClassVar[frozenset[str]] = PROBABILITY_FIELDS
    #: Fields (last path component) that may be negative: none in the common sections; a
    #: template's class adds its own (the escalation template's battlefield ``trend``).
    signed_fields: ClassVar[frozenset[str]] = frozenset()

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", description="Identifier of the scenario (letters, digits, '.', '_', '-')")
    title: str = Field("", description="Human-readable title")
    as_of: str = Field("", description="Date the scenario describes (ISO, e.g. 2022-02-24)")
    description: str = Field("", description="What the crisis is about, in prose (shown in reports)")
    template: str = Field(DEFAULT_TEMPLATE, description="Which template turns the scenario into a game (crisis, escalation or a theory template)")
    sources: dict[str, str] = Field(default_factory=dict, description="Sources by key: provenance entries name these keys")
    provenance: dict[str, str] = Field(default_factory=dict, description="Where each number comes from: dotted path (or a parent section) -> a key of sources, or 'assumption ...' with a reason")
    actors: dict[str, Actor] = Field(default_factory=dict, description="The states, alliances and blocs by id")
    levers: dict[str, list[Any]] = Field(default_factory=dict, description="Settings the analyst controls: dotted path -> the options to compare (brink policies)")
    user_parameters: dict[str, Q] = Field(
        default_factory=dict,
        alias="parameters",
        exclude_if=lambda v: not v,
        description=(
            "User-defined quantities (numbers, distributions or expressions) that expressions anywhere "
            "read by name, e.g. semiconductor_dependence: 'uniform(0.3, 0.7)'; each is drawn on its own "
            "stream parameters.<name> and needs provenance like any number"
        ),
    )
    game: dict[str, Any] | None = Field(None, description="The game: section of a theory template (validated by the template's Spec)")
    record: Record | None = Field(None, exclude_if=lambda v: v is None, description="How the crisis ended in fact (brink backtest --scenarios): {icb: crisno} or {outcome: victory|compromise|stalemate|defeat}")
    source: str = Field(default="", exclude=True, description="File the scenario was read from (set by the loader, not written in files)")
    _document: Any = PrivateAttr(default=None)

    @field_validator("as_of", mode="before")
    @classmethod
    def _date(cls, v: Any) -> Any:
        return str(v) if v is not None else ""

    @classmethod
    def is_signed(cls, path: str) -> bool:
        """Whether the number at dotted ``path`` (outside ``game:``) may take any real value.

        A user-defined parameter (``parameters.<name>``) may: its range is the analyst's,
        and the number that reads it is range-checked where it lands.
        """
        return path.startswith("parameters.") or path.rsplit(".", 1)[-1] in cls.signed_fields

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
            written = {type(self).model_fields[f].alias or f for f in self.model_fields_set}
            names = [n for n in names if n.split(".", 1)[0] in written]
            names += [n for n in _spec_defaults(self) if n not in names]
        return [name for name in names if self.provenance_of(name) is None]

    def _repr_html_(self) -> str:
        """A notebook summary: title, template, description, actors, uncertain parameters with
        their distributions and sources, and levers (what ``brink validate`` checks, shown)."""
        import html

        e = html.escape
        P = self.parameters
        head = f"<b>{e(self.title or self.name)}</b> ({e(self.name)}, template {e(self.template)}"
        head += f", as of {e(self.as_of)})" if self.as_of else ")"
        parts = [f"<div class='brink-scenario'><p>{head}</p>"]
        if self.description:
            parts.append(f"<p>{e(self.description.strip())}</p>")
        if self.actors:
            rows = "".join(
                f"<tr><td>{e(k)}</td><td>{e(str(getattr(a, 'name', '') or ''))}</td><td>{e(str(getattr(a, 'kind', '')))}</td></tr>"
                for k, a in self.actors.items()
            )
            parts.append(f"<table><thead><tr><th>actor</th><th>name</th><th>kind</th></tr></thead><tbody>{rows}</tbody></table>")
        uncertain = P.uncertainties
        if uncertain:

            def source(name: str) -> str:
                key = self.provenance_of(name)
                return "not stated" if key is None else self.sources.get(key, key)

            rows = "".join(
                f"<tr><td>{e(k)}</td><td>{e(str(P.distributions[k].spec))}</td><td>{e(source(k))}</td></tr>"
                for k in uncertain
            )
            parts.append(
                f"<p>{len(uncertain)} uncertain parameters of {len(P.names)}:</p><table><thead><tr>"
                f"<th>parameter</th><th>distribution</th><th>source</th></tr></thead><tbody>{rows}</tbody></table>"
            )
        if self.levers:
            rows = "".join(
                f"<tr><td>{e(k)}</td><td>{e(', '.join(map(str, v)))}</td></tr>" for k, v in self.levers.items()
            )
            parts.append(f"<table><thead><tr><th>lever</th><th>options</th></tr></thead><tbody>{rows}</tbody></table>")
        parts.append("</div>")
        return "".join(parts)


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
                own = value.get("description", "")
                props[key] = {**value, "description": f"{own}. Section of template: {name}" if own else f"Section of template: {name}"}
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
