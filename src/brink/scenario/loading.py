"""Loading a scenario: find the file, read it, apply overrides, validate and cross-check.

``name_or_path`` is a YAML/JSON file or the name of a bundled scenario
(:mod:`brink.scenario.bundled`).  The file's ``template:`` picks the registered scenario
class (:mod:`brink.scenario.registry`) that validates it; every failure is an
:class:`~brink.errors.InputError` naming file:line, the dotted path and the fix.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Mapping, Sequence
from functools import partial
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from brink.errors import InputError
from brink.scenario.document import (
    Document,
    did_you_mean,
    load_document,
    parse_document,
    regular_file,
    validation_error,
)
from brink.scenario.paths import allowed_keys, check_setting_path, resolves, setting_paths
from brink.scenario.registry import DEFAULT_TEMPLATE, schema_of
from brink.scenario.schema import Scenario

if TYPE_CHECKING:
    from brink.history.actors import StateYears

__all__ = [
    "bundled_scenarios",
    "check_scenario",
    "fill_fitted",
    "fill_from_data",
    "load_scenario",
    "load_scenario_text",
    "resolve_scenario_source",
    "scenario_class",
    "scenario_from_data",
]

#: The package that holds the bundled scenario files.
BUNDLED = "brink.scenario.bundled"


def scenario_class(data: Mapping[str, Any], where: str = "") -> type[Scenario]:
    """The scenario class of the template that ``data`` names.

    An unknown template is an :class:`InputError` located at ``where``; a ``template:``
    that is not a text gets the common class, whose validation reports it.
    """
    name = data.get("template", DEFAULT_TEMPLATE)
    if not isinstance(name, str):
        return Scenario
    return schema_of(name, where).scenario_class


def _validate(data: dict[str, Any], doc: Document) -> Scenario:
    where = f"{doc.locate(['template'])}: template" if "template" in data else doc.source
    cls = scenario_class(data, where)
    try:
        sc = cls.model_validate(data)
    except ValidationError as exc:
        raise validation_error(exc, doc, partial(allowed_keys, root=cls)) from None
    sc._document = doc
    return sc


def bundled_scenarios() -> dict[str, str]:
    """Bundled scenario names -> their title."""
    import yaml

    out = {}
    root = resources.files(BUNDLED)
    for item in sorted(root.iterdir(), key=lambda p: p.name):
        if item.name.endswith(".yaml"):
            data = yaml.safe_load(item.read_text(encoding="utf-8"))
            out[item.name[:-5]] = str(data.get("title", "")) if isinstance(data, dict) else ""
    return out


def resolve_scenario_source(name_or_path: str | Path) -> Path:
    """The file behind a scenario argument: a ``.yaml``/``.yml``/``.json`` path or a bundled name.

    Raises :class:`InputError` naming the bundled scenarios when neither exists.
    """
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
    root = resources.files(BUNDLED)
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
    path = resolve_scenario_source(name_or_path)
    return _scenario_of(load_document(path), str(path), overrides)


def load_scenario_text(text: str, source: str = "scenario.yaml", overrides: Sequence[str] = ()) -> Scenario:
    """A scenario given as YAML (or JSON, when ``source`` ends in ``.json``) text, e.g. from an editor.

    The same checks as :func:`load_scenario`, with locations as ``source:line:col``;
    nothing is read from the file system but the reference data a ``from_data:`` asks for.
    """
    return _scenario_of(parse_document(text, source), source, overrides)


def _scenario_of(doc: Document, source: str, overrides: Sequence[str]) -> Scenario:
    if not isinstance(doc.data, dict):
        raise InputError("a scenario must be a mapping of sections", where=source, fix="start with `name: ...`")
    if overrides:
        doc = doc.with_overrides(list(overrides))
    doc = fill_fitted(fill_from_data(doc))
    data = dict(doc.data)
    data["source"] = source
    return check_scenario(_validate(data, doc))


def scenario_from_data(data: Mapping[str, Any], source: str = "") -> Scenario:
    """Validate a scenario given as a mapping (e.g. built in Python)."""
    doc = fill_fitted(fill_from_data(Document(dict(data), source or "scenario")))
    d = dict(doc.data)
    d["source"] = source
    return check_scenario(_validate(d, doc))


def check_scenario(sc: Scenario) -> Scenario:
    """Cross-reference checks, parameter parsing and the template's own checks."""
    template = schema_of(sc.template, where=sc.where("template"))
    if not isinstance(sc, template.scenario_class):
        raise InputError(
            f"scenario {sc.name} was validated as {type(sc).__name__}, not as template {sc.template!r}'s "
            f"{template.scenario_class.__name__}",
            where=sc.where("template"),
            fix="load it with load_scenario or scenario_from_data",
        )
    sc.check_references()
    _ = sc.parameters
    template.spec(sc)
    template.check(sc)
    _check_levers(sc)
    # Last: a provenance entry that names a missing field is most often the echo of a
    # structural error (a missing section, a misspelt actor) reported above.
    _check_provenance(sc)
    return sc


def _check_provenance(sc: Scenario) -> None:
    for key, origin in sc.provenance.items():
        if origin not in sc.sources and not origin.startswith("assumption"):
            raise InputError(
                f"provenance of {key} is {origin!r}, which is neither a source nor an assumption",
                sc.where(f"provenance.{key}"),
                f"name a key of sources ({', '.join(sorted(sc.sources)) or 'none declared'}) or write 'assumption'",
            )
        if not resolves(sc, key):
            hint = did_you_mean(key, setting_paths(sc))
            raise InputError(
                f"provenance names {key!r}, which is not a field of this scenario",
                sc.where_key("provenance", key),
                f"{hint + ' ' if hint else ''}Use the dotted path of a number or section, "
                "e.g. actors.RUS.nuclear.strategic",
            )




def _check_levers(sc: Scenario) -> None:
    """Every lever names a setting the scenario has and offers at least one option; a
    number option of a number setting is finite and inside the setting's range
    (:mod:`brink.scenario.ranges`), as every sample of a run would otherwise refuse it."""
    import math

    names = set(sc.parameters.names)
    limits = sc.parameters.limits
    for path, options in sc.levers.items():
        where = sc.where_key("levers", path)
        check_setting_path(sc, path, where)
        if not options:
            raise InputError(
                f"lever {path} has no options", where, "list the values the lever can take, e.g. [0, 10, 20]"
            )
        if path not in names:
            continue
        for option in options:
            if isinstance(option, bool) or not isinstance(option, int | float):
                continue
            value = float(option)
            if not math.isfinite(value):
                raise InputError(
                    f"lever {path} has the option {option!r}, which is not a finite number",
                    where,
                    "give finite numbers as the options of a number setting",
                )
            limit = limits.get(path)
            if limit is not None and not limit.range.low <= value <= limit.range.high:
                raise InputError(
                    f"lever {path} has the option {value:g}, outside the setting's range {limit.range}",
                    where,
                    limit.range.meaning,
                )


_SHARED_FIX = (
    "from_data reads the reference data sets: lay them out as ../shared beside the repository "
    "or set BRINK_SHARED (or remove from_data and write the actor's numbers)"
)


def _located(doc: Document, path: list[str]) -> str:
    return f"{doc.locate(path)}: {'.'.join(path)}"


def _from_data_request(doc: Document, aid: str, raw: Any) -> tuple[int, int | None]:
    """The checked ``(year, ccode)`` of ``actors.<aid>.from_data`` (located errors)."""
    from brink.history.actors import FIRST_YEAR, LAST_YEAR

    base = ["actors", aid, "from_data"]
    if not isinstance(raw, dict):
        raise InputError("from_data must be a mapping", _located(doc, base), "write e.g. from_data: {year: 2014}")
    year = raw.get("year")
    if isinstance(year, bool) or not isinstance(year, int) or not FIRST_YEAR <= year <= LAST_YEAR:
        raise InputError(
            f"from_data.year is {year!r}, not a year the data cover",
            _located(doc, [*base, "year"] if "year" in raw else base),
            f"give a whole year from {FIRST_YEAR} to {LAST_YEAR} (COW NMC v7's span)",
        )
    ccode = raw.get("ccode")
    if ccode is not None and (isinstance(ccode, bool) or not isinstance(ccode, int)):
        raise InputError(f"from_data.ccode is {ccode!r}, not a COW code", _located(doc, [*base, "ccode"]),
                         "give the COW country code as a whole number, e.g. 365 for Russia")
    return year, ccode


def _positive_warheads(nuclear: Any) -> bool | None:
    """Whether an actor's raw ``nuclear`` section gives warheads: ``None`` if it has none
    written, else whether any count is positive (a distribution or expression counts as
    positive)."""
    if not isinstance(nuclear, dict):
        return None
    counts = [nuclear[k] for k in ("strategic", "non_strategic") if k in nuclear]
    if not counts:
        return None
    return any(isinstance(v, str) or (isinstance(v, int | float) and not isinstance(v, bool) and v > 0)
               for v in counts)


def fill_from_data(doc: Document) -> Document:
    """Fill the facts of every actor with ``from_data:`` from the shared data (issue #14).

    Runs on the raw mapping after ``--set`` overrides and before validation, so every
    filled value is validated and range-checked like a written one, and a value the file
    or ``--set`` gives is never replaced.  For each such actor (rules in
    :mod:`brink.history.actors`): ``capability`` (COW NMC CINC); inside an existing
    ``leader`` mapping, ``name``, ``tenure_years`` and ``regime`` (Archigos, CHISOLS,
    Polity); a check that ``nuclear`` warheads are given exactly when the state is
    nuclear-armed in the year (Jo & Gartzke 2007; the data have no warhead counts); and,
    for each pair of such actors with the same year and an ATOP defense pact, commitments
    both ways (when the template has a ``commitments`` section and the file has none
    between them).  Each filled path gets provenance ``from_data`` (unless the file gives
    one) and ``sources.from_data`` names the data sets and years.  A document without
    ``from_data`` is returned as it is; the shared data are read only when one is used.
    """
    actors = doc.data.get("actors")
    if not isinstance(actors, dict):
        return doc
    wanted = {aid: a["from_data"] for aid, a in actors.items()
              if isinstance(a, dict) and a.get("from_data") is not None}
    if not wanted:
        return doc
    from brink.history.actors import ACTOR_SOURCES, SOURCE_NOTE, StateYears, state_codes
    from brink.history.crises import default_shared, source_paths

    requests = {aid: _from_data_request(doc, str(aid), raw) for aid, raw in wanted.items()}
    first = str(next(iter(wanted)))
    shared = default_shared()
    try:
        source_paths(shared, ACTOR_SOURCES)
    except InputError as exc:
        raise InputError(f"from_data needs the reference data, but {exc.what}: {exc.where}",
                         _located(doc, ["actors", first, "from_data"]), _SHARED_FIX) from None
    codes = state_codes(shared)
    known = set(codes.values())
    data = copy.deepcopy(doc.data)
    filled: list[str] = []
    notes: list[str] = []
    ccodes: dict[str, tuple[int, int]] = {}
    with StateYears(shared) as years:
        for aid, (year, given) in requests.items():
            aid = str(aid)
            where = _located(doc, ["actors", aid, "from_data"])
            ccode = given if given is not None else codes.get(aid)
            if ccode is None:
                raise InputError(f"actor id {aid!r} is no COW state abbreviation (stateabb)", where,
                                 "give from_data.ccode (COW code), e.g. {year: 2014, ccode: 200} for the UK")
            if ccode not in known:
                raise InputError(f"no COW state has code {ccode}", _located(doc, ["actors", aid, "from_data", "ccode"]),
                                 "give a ccode of peacescience/cow_states.csv, e.g. 365 (Russia), 2 (USA)")
            ccodes[aid] = (ccode, year)
            facts = years.actor_year(ccode, year)
            actor = data["actors"][aid]
            if "capability" not in actor:
                if facts.cinc is None:
                    raise InputError(f"COW NMC has no capability of state {ccode} in {year}", where,
                                     f"write actors.{aid}.capability or check from_data.year and ccode")
                actor["capability"] = facts.cinc
                filled.append(f"actors.{aid}.capability")
                if facts.cinc_year != year:
                    notes.append(f"{aid} capability: NMC {facts.cinc_year} (the data's last year)")
            leader = actor.get("leader")
            if isinstance(leader, dict):
                values = {"name": facts.leader, "tenure_years": facts.tenure_years, "regime": facts.regime}
                missing = [key for key, value in values.items() if value is None and key not in leader]
                if missing:
                    example = {"name": "'...'", "tenure_years": "22.5",
                               "regime": "personalist (or military, single-party, mixed, democracy, monarchy)"}
                    raise InputError(
                        f"the data have no leader {', '.join(missing)} of state {ccode} on {year}-07-01 "
                        f"(Archigos 4.1 ends 2015-12-31, CHISOLS 4.0 in 2008; regime: {facts.regime_rule})",
                        _located(doc, ["actors", aid, "leader"]),
                        "write them yourself with a provenance entry each: "
                        + "; ".join(f"actors.{aid}.leader.{key}: {example[key]}" for key in missing)
                        + "; or remove the leader section",
                    )
                for key, value in values.items():
                    if key in leader:
                        continue
                    leader[key] = value
                    filled.append(f"actors.{aid}.leader.{key}")
                if f"actors.{aid}.leader.regime" in filled:
                    notes.append(f"{aid} leader {facts.leader}: regime by {facts.regime_rule}")
            armed = facts.nuclear
            warheads = _positive_warheads(actor.get("nuclear"))
            nuclear_at = ["actors", aid, "nuclear"] if "nuclear" in actor else ["actors", aid, "from_data"]
            if armed and not warheads:
                raise InputError(
                    f"the data code state {ccode} nuclear-armed in {year} (Jo & Gartzke 2007), "
                    "but the scenario gives no warheads",
                    _located(doc, nuclear_at),
                    f"give actors.{aid}.nuclear counts (strategic, non_strategic; SIPRI Yearbook, FAS)",
                )
            if warheads and not armed:
                raise InputError(
                    f"the scenario gives warheads, but the data code state {ccode} not nuclear-armed in {year}",
                    _located(doc, nuclear_at),
                    f"remove actors.{aid}.nuclear, or check from_data.year and ccode",
                )
        _fill_alliances(data, doc, ccodes, years, filled, notes)
    _fill_provenance(data, filled, notes, sorted({y for _, y in ccodes.values()}), SOURCE_NOTE)
    return Document(data, doc.source, doc.locations, doc.overrides)


def _set_paths(doc: Document) -> frozenset[str]:
    """The dotted paths a ``--set`` wrote, with every path below them (``crisis`` covers
    ``crisis.balance``)."""
    from brink.fit.icb_fit import FITTED_PATHS

    written = {".".join(map(str, key)) for key in doc.overrides}
    return frozenset(p for p in FITTED_PATHS if any(p == w or p.startswith(w + ".") for w in written))


def fill_fitted(doc: Document) -> Document:
    """``fitted: icb``: the escalation game's parameters from brink's structural fit to ICB
    (issue 23; :func:`brink.fit.icb_fit.apply_fitted`), after ``from_data`` has filled the
    covariates.  A path set with ``--set`` stays as set.  A document without ``fitted`` is
    returned as it is."""
    if not isinstance(doc.data, dict) or "fitted" not in doc.data:
        return doc
    from brink.fit.icb_fit import apply_fitted

    data = apply_fitted(copy.deepcopy(doc.data), lambda path: _located(doc, path), given=_set_paths(doc))
    return Document(data, doc.source, doc.locations, doc.overrides)


def _fill_alliances(data: dict[str, Any], doc: Document, ccodes: dict[str, tuple[int, int]],
                    years: StateYears, filled: list[str], notes: list[str]) -> None:
    """Defense commitments both ways between from_data actors of one year with an ATOP pact."""
    cls = scenario_class(data, doc.source)
    if "commitments" not in cls.model_fields:
        return
    existing = data.get("commitments")
    if existing is not None and not isinstance(existing, list):
        return
    commitments: list[Any] = [] if existing is None else existing
    linked = {frozenset((c.get("guarantor"), c.get("protege"))) for c in commitments if isinstance(c, dict)}
    ids = {c.get("id") for c in commitments if isinstance(c, dict)}
    added = False
    ids_in_order = list(ccodes)
    for i, a in enumerate(ids_in_order):
        for b in ids_in_order[i + 1:]:
            (ca, ya), (cb, yb) = ccodes[a], ccodes[b]
            if ya != yb or frozenset((a, b)) in linked or not years.defense_pact(ca, cb, ya):
                continue
            if years.defense_year(ya) != ya:
                notes.append(f"{a}-{b} defense pact: ATOP {years.defense_year(ya)} (the data's last year)")
            for g, p in ((a, b), (b, a)):
                ident = f"atop-{g}-{p}"
                if ident in ids:
                    continue
                commitments.append({"id": ident, "guarantor": g, "protege": p, "type": "defense", "legal": True})
                ids.add(ident)
                filled.append(f"commitments.{ident}")
                added = True
    if added and existing is None:
        data["commitments"] = commitments


def _fill_provenance(data: dict[str, Any], filled: list[str], notes: list[str], years: list[int],
                     note: str) -> None:
    """Provenance ``from_data`` for each filled path (a written entry is kept) and the source."""
    if not filled:
        return
    provenance = data.setdefault("provenance", {})
    if isinstance(provenance, dict):
        for path in filled:
            provenance.setdefault(path, "from_data")
    sources = data.setdefault("sources", {})
    if isinstance(sources, dict) and "from_data" not in sources:
        text = f"{note}; year{'s' if len(years) > 1 else ''} {', '.join(map(str, years))}"
        sources["from_data"] = "; ".join([text, *notes])
