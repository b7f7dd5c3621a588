"""The scenario language: a crisis or a theory game written as data, validated, with its uncertain numbers.

A scenario (YAML or JSON) names its template, actors, levers and provenance, and the
sections its template declares.  The package holds one module per idea:

* :mod:`~brink.scenario.schema` -- the sections every template shares (:class:`Scenario`);
* :mod:`~brink.scenario.registry` -- the template schemas (scenario classes, ``game:``
  specs, cross-checks) that templates register; this package imports no template;
* :mod:`~brink.scenario.quantity` -- :class:`Quantity`, the one kind of scenario number;
* :mod:`~brink.scenario.parameters` -- numbers by dotted path (:class:`Parameters`);
* :mod:`~brink.scenario.distributions`, :mod:`~brink.scenario.expressions`,
  :mod:`~brink.scenario.random` (common random numbers), :mod:`~brink.scenario.ranges`;
* :mod:`~brink.scenario.document` -- YAML/JSON documents, ``file:line:col`` and overrides;
* :mod:`~brink.scenario.paths` -- the settings a lever, a sweep or ``--set`` addresses;
* :mod:`~brink.scenario.loading` -- finding, reading and checking a scenario;
* :mod:`brink.scenario.bundled` -- the bundled scenario files.
"""

from __future__ import annotations

from brink.scenario.loading import (
    bundled_scenarios,
    check_scenario,
    load_scenario,
    load_scenario_text,
    resolve_scenario_source,
    scenario_class,
    scenario_from_data,
)
from brink.scenario.parameters import Parameters
from brink.scenario.paths import allowed_keys, check_setting_path, setting_paths
from brink.scenario.quantity import Q, Quantity, Section
from brink.scenario.registry import DEFAULT_TEMPLATE, TemplateSchema, register_schema, schema_of
from brink.scenario.schema import Actor, Leader, Nuclear, Scenario

__all__ = [
    "DEFAULT_TEMPLATE",
    "Actor",
    "Leader",
    "Nuclear",
    "Parameters",
    "Q",
    "Quantity",
    "Scenario",
    "Section",
    "TemplateSchema",
    "allowed_keys",
    "bundled_scenarios",
    "check_scenario",
    "check_setting_path",
    "load_scenario",
    "load_scenario_text",
    "register_schema",
    "resolve_scenario_source",
    "scenario_class",
    "scenario_from_data",
    "schema_of",
    "setting_paths",
]
