"""The registry of template schemas: what the scenario layer knows of each template.

The scenario language knows only what every template shares (name, title, sources,
provenance, actors, levers, parameters, ``template:`` and ``game:``,
:class:`brink.scenario.schema.Scenario`).  Each template declares the rest itself and
registers it here: the scenario class that adds its own sections (a subclass of
:class:`~brink.scenario.schema.Scenario`), the pydantic model of its ``game:`` section and
which of its numbers are probabilities or non-negative, and its cross-checks.  The
dependency runs one way: templates import the scenario layer, never the reverse
(``tests/test_architecture.py`` checks it), as a plugin registers itself with its host
(the way pluggy's hook specifications let pytest know nothing of its plugins).

The bundled templates register when :mod:`brink.templates` is imported; the registry
imports the packages named in :data:`TEMPLATE_PACKAGES` by name the first time it is
asked for a template it does not know, so that ``load_scenario`` works on its own.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, ClassVar, Protocol, runtime_checkable

from pydantic import BaseModel

from brink.errors import InputError

if TYPE_CHECKING:
    from brink.scenario.schema import Scenario

__all__ = [
    "DEFAULT_TEMPLATE",
    "SCHEMAS",
    "TEMPLATE_PACKAGES",
    "TemplateSchema",
    "discover_templates",
    "register_schema",
    "schema_of",
]

#: The template of a scenario file without a ``template:`` field.
DEFAULT_TEMPLATE = "crisis"
#: Packages whose import registers templates (a plugin package appends its own name).
TEMPLATE_PACKAGES: list[str] = ["brink.templates"]


@runtime_checkable
class TemplateSchema(Protocol):
    """What a template tells the scenario layer (:class:`brink.templates.base.Template` is one).

    Attributes:
        name: The key of a scenario's ``template:`` field.
        scenario_class: The scenario model with the template's own sections (a subclass of
            :class:`~brink.scenario.schema.Scenario`, or that class itself).
        Spec: The pydantic model of ``game:``, or ``None``.
        probabilities: Keys of ``game:`` whose values must lie in [0, 1].
        nonnegative: Keys of ``game:`` whose values must be ``>= 0``.
    """

    name: ClassVar[str]
    scenario_class: ClassVar[type[Scenario]]
    Spec: ClassVar[type[BaseModel] | None]
    probabilities: ClassVar[frozenset[str]]
    nonnegative: ClassVar[frozenset[str]]

    def settings(self) -> frozenset[str]:
        """Keys of ``game:`` that are settings (text, choices, flags), not numbers."""
        ...

    def spec(self, scenario: Scenario) -> BaseModel | None:
        """The validated ``game:`` section, or ``None``."""
        ...

    def check(self, scenario: Scenario) -> None:
        """Cross-checks beyond the schema; raise :class:`InputError` if broken."""
        ...


#: Registered template schemas by name.
SCHEMAS: dict[str, TemplateSchema] = {}


def register_schema(schema: TemplateSchema) -> TemplateSchema:
    """Add ``schema`` under ``schema.name`` (later wins) and return it."""
    SCHEMAS[schema.name] = schema
    return schema


def discover_templates() -> None:
    """Import the packages of :data:`TEMPLATE_PACKAGES`, whose import registers their templates."""
    for package in TEMPLATE_PACKAGES:
        importlib.import_module(package)


def schema_of(name: str, where: str = "") -> TemplateSchema:
    """The registered schema of template ``name``; an :class:`InputError` listing the known ones otherwise."""
    if name not in SCHEMAS:
        discover_templates()
    try:
        return SCHEMAS[name]
    except KeyError:
        raise InputError(
            f"unknown template {name!r}",
            where=where,
            fix=f"use one of: {', '.join(sorted(SCHEMAS))}",
        ) from None
