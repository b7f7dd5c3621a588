"""Derive leader exit rates by regime type from Archigos 4.1 (-> ``src/brink/data/archigos_rates.json``).

Rates are events per leader-year: the maximum-likelihood estimate of a constant
(exponential) hazard, ``events / exposure``.

* Leaders: Archigos 4.1 (Goemans, Gleditsch & Chiozza 2009), ``peacescience/archigos.csv``;
  ``exit == "Irregular"`` counts as an irregular exit (coup, revolt, assassination...),
  ``exit == "Foreign"`` as a foreign-imposed exit.
* Regime types, two classifications joined on (country, calendar year):
  - ``gwf``: CHISOLS 4.0 (Mattes, Leeds & Matsumura 2016,
    ``peacescience/chisols_state_year_4_0.csv``), whose autocracy types come from
    Geddes, Wright & Frantz (2014).  Each state-year is democracy (``dem``), monarchy
    (``mon``), personalist (``per``, including GWF's hybrids with a personalist
    component), military (``mil`` or ``indmil``), party (``sp``) or other (oligarchy,
    warlord, other, transition years), in that order of precedence.  Window 1919-2008.
  - ``polity``: Polity IV ``polity2`` from ``peacescience/ccode_democracy.csv``:
    democracy (>= 6), mixed (-5..5, Goemans 2000's "mixed regimes"), autocracy (<= -6).
    Window: Archigos' whole span with polity2 coded (1840-2015).
* Each calendar year of a tenure contributes the fraction of that year in office to the
  regime type coded for that year; an exit counts for the regime coded in the exit year.
  Archigos uses Gleditsch-Ward codes, the regime tables COW codes; they differ for
  unified Germany (GW 260 -> COW 255 from 1991), Serbia (GW 340 -> COW 345 from 2006)
  and unified Yemen (GW 678 -> COW 679 from 1990).  A year without a regime code takes the previous
  year's (states occupied or dissolved in the year their leader fell, 1939-1945); the
  leader-years still without one (mostly microstates CHISOLS omits) are reported as
  ``unclassified_leader_years``.

Usage: ``.venv/bin/python scripts/derive_archigos_rates.py [--shared ../shared] [--check]``.
"""

from __future__ import annotations

import csv
import sys
from collections import defaultdict
from datetime import date
from pathlib import Path
from typing import Any

import derived_tables

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "src" / "brink" / "data" / "archigos_rates.json"

GWF_TYPES = ("democracy", "monarchy", "personalist", "military", "party", "other")
POLITY_TYPES = ("democracy", "mixed", "autocracy")


def cow_code(gwcode: int, year: int) -> int:
    """COW country code of a Gleditsch-Ward code in a given year (the three that differ)."""
    if gwcode == 260 and year >= 1991:
        return 255
    if gwcode == 340 and year >= 2006:
        return 345
    if gwcode == 678 and year >= 1990:
        return 679
    return gwcode


def gwf_regimes(path: Path) -> dict[tuple[int, int], str]:
    """(ccode, year) -> regime type from CHISOLS 4.0 (GWF autocracy types)."""
    regimes: dict[tuple[int, int], str] = {}
    with path.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["nonindep"] == "1":
                continue
            if row["dem"] == "1":
                kind = "democracy"
            elif row["mon"] == "1":
                kind = "monarchy"
            elif row["per"] == "1":
                kind = "personalist"
            elif row["mil"] == "1" or row["indmil"] == "1":
                kind = "military"
            elif row["sp"] == "1":
                kind = "party"
            else:
                kind = "other"
            regimes[(int(row["ccode"]), int(row["year"]))] = kind
    return regimes


def polity_regimes(path: Path) -> dict[tuple[int, int], str]:
    """(ccode, year) -> democracy / mixed / autocracy from polity2."""
    regimes: dict[tuple[int, int], str] = {}
    with path.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if not row["polity2"].strip():
                continue
            score = float(row["polity2"])
            kind = "democracy" if score >= 6 else ("autocracy" if score <= -6 else "mixed")
            regimes[(int(float(row["ccode"])), int(float(row["year"])))] = kind
    return regimes


def regime_of(regimes: dict[tuple[int, int], str], gwcode: int, year: int) -> str | None:
    """Regime coded for the year, else for the year before (a state occupied or dissolved
    in the year its leader fell, as in 1939-1945, keeps the regime it had)."""
    kind = regimes.get((cow_code(gwcode, year), year))
    if kind is None:
        kind = regimes.get((cow_code(gwcode, year - 1), year - 1))
    return kind


def exit_rates(archigos: Path, regimes: dict[tuple[int, int], str], types: tuple[str, ...],
               first_year: int, last_year: int) -> dict[str, Any]:
    """Leader-years, irregular and foreign exits, and their rates per regime type."""
    years: dict[str, float] = defaultdict(float)
    irregular: dict[str, int] = defaultdict(int)
    foreign: dict[str, int] = defaultdict(int)
    unclassified = 0.0
    window_start, window_end = date(first_year, 1, 1), date(last_year, 12, 31)
    with archigos.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            gw = int(float(row["gwcode"]))
            start = max(date.fromisoformat(row["startdate"]), window_start)
            end = min(date.fromisoformat(row["enddate"]), window_end)
            if end < start:
                continue
            for year in range(start.year, end.year + 1):
                lo = max(start, date(year, 1, 1))
                hi = min(end, date(year, 12, 31))
                length = (date(year + 1, 1, 1) - date(year, 1, 1)).days
                share = ((hi - lo).days + 1) / length
                kind = regime_of(regimes, gw, year)
                if kind is None:
                    unclassified += share
                else:
                    years[kind] += share
            ended = date.fromisoformat(row["enddate"])
            if not (window_start <= ended <= window_end):
                continue
            kind = regime_of(regimes, gw, ended.year)
            if kind is None:
                continue
            if row["exit"] == "Irregular":
                irregular[kind] += 1
            elif row["exit"] == "Foreign":
                foreign[kind] += 1
    table = {}
    for kind in types:
        exposure = years[kind]
        table[kind] = {
            "leader_years": round(exposure, 4),
            "irregular_exits": irregular[kind],
            "foreign_exits": foreign[kind],
            "irregular_rate": round(irregular[kind] / exposure, 6) if exposure else None,
            "foreign_rate": round(foreign[kind] / exposure, 6) if exposure else None,
        }
    return {"window": [first_year, last_year], "regimes": table,
            "unclassified_leader_years": round(unclassified, 4)}


def derive(shared: Path) -> dict[str, Any]:
    """The whole table, as written to ``archigos_rates.json``."""
    peace = shared / "data" / "peacescience"
    archigos = peace / "archigos.csv"
    gwf = exit_rates(archigos, gwf_regimes(peace / "chisols_state_year_4_0.csv"), GWF_TYPES,
                     1919, 2008)
    gwf["source"] = ("Archigos 4.1 (Goemans, Gleditsch & Chiozza 2009) joined with CHISOLS 4.0 "
                     "regime types (Mattes, Leeds & Matsumura 2016; autocracy types from "
                     "Geddes, Wright & Frantz 2014)")
    polity = exit_rates(archigos, polity_regimes(peace / "ccode_democracy.csv"), POLITY_TYPES,
                        1840, 2015)
    polity["source"] = ("Archigos 4.1 (Goemans, Gleditsch & Chiozza 2009) joined with Polity IV "
                        "polity2 (Marshall et al.) via peacesciencer")
    return {
        "unit": "events per leader-year",
        "irregular": "Archigos exit == Irregular",
        "foreign": "Archigos exit == Foreign (removed by another state)",
        "classifications": {"gwf": gwf, "polity": polity},
    }


def main() -> int:
    return derived_tables.main(
        __doc__.splitlines()[0], lambda shared: {TARGET.name: derive(shared)}, ensure_ascii=True
    )


if __name__ == "__main__":
    sys.exit(main())
