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
* ``gwf.by_tenure``: the same exposure and exits split by the leader's tenure, in the bands of
  ``TENURE_BANDS`` (completed years since the Archigos ``startdate``: a band begins on an
  anniversary of taking office, one taken on 29 February turns on 1 March), for each GWF type
  and for ``all`` classified leader-years; an exit counts for the band of the tenure at exit.
  Leader-years split across bands exactly by day.  Tenure dependence of the hazard is the
  point of Bienen & van de Walle (1991) and Svolik (2012, ch. 2): new rulers are the most
  exposed.
* ``nuclear``: exposure and exits of leaders of nuclear-armed vs other states over Archigos'
  whole span (1840-2015), nuclear status by calendar year from ``facts/nuclear_states.yaml``
  (possession year of Jo & Gartzke 2007; North Korea from its 2006 test; South Africa
  1982-1991 only; GW 365 is the Soviet Union and Russia; for these ten states the GW and COW
  codes agree).  With the rates come exact one-sided 95% Poisson upper bounds
  (``chi2.ppf(0.95, 2k + 2) / 2 / exposure``, Garwood 1936; ``-ln 0.05 / exposure`` for k = 0)
  and the list of the irregular and foreign exits of nuclear-armed states' leaders.

Usage: ``.venv/bin/python scripts/derive_archigos_rates.py [--shared ../shared] [--check]``.
"""

from __future__ import annotations

import csv
import sys
from collections import defaultdict
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import derived_tables
import yaml
from scipy.stats import chi2

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "src" / "brink" / "data" / "archigos_rates.json"

GWF_TYPES = ("democracy", "monarchy", "personalist", "military", "party", "other")
POLITY_TYPES = ("democracy", "mixed", "autocracy")
#: Lower edges of the tenure bands, in completed years in office; the last band is open.
TENURE_BANDS = (0, 1, 3, 6, 10, 20)
#: Nuclear-armed states that gave their weapons up: GW code -> last nuclear-armed year.
NUCLEAR_UNTIL = {560: 1991}  # South Africa dismantled its six devices 1989-1991
NUCLEAR_WINDOW = (1840, 2015)  # Archigos 4.1's whole span


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


def anniversary(start: date, years: int) -> date:
    """The day ``years`` completed years after ``start`` (29 February -> 1 March)."""
    try:
        return start.replace(year=start.year + years)
    except ValueError:
        return date(start.year + years, 3, 1)


def tenure_band(start: date, day: date) -> int:
    """Index in ``TENURE_BANDS`` of the tenure on ``day`` of a leader in office from ``start``."""
    band = 0
    for index, edge in enumerate(TENURE_BANDS):
        if anniversary(start, edge) <= day:
            band = index
    return band


def tenure_segments(start: date, lo: date, hi: date) -> Iterator[tuple[int, int, float]]:
    """(band, calendar year, share of that year) of the days ``lo..hi`` (inclusive) in office
    of a leader who took office on ``start``: each day counts once, for its tenure band."""
    for index, edge in enumerate(TENURE_BANDS):
        first = max(lo, anniversary(start, edge))
        last = hi
        if index + 1 < len(TENURE_BANDS):
            last = min(hi, anniversary(start, TENURE_BANDS[index + 1]) - timedelta(days=1))
        for year in range(first.year, last.year + 1):
            a = max(first, date(year, 1, 1))
            b = min(last, date(year, 12, 31))
            if b < a:
                continue
            length = (date(year + 1, 1, 1) - date(year, 1, 1)).days
            yield index, year, ((b - a).days + 1) / length


def _rates(exposure: float, irregular: int, foreign: int) -> dict[str, Any]:
    return {
        "leader_years": round(exposure, 4),
        "irregular_exits": irregular,
        "foreign_exits": foreign,
        "irregular_rate": round(irregular / exposure, 6) if exposure else None,
        "foreign_rate": round(foreign / exposure, 6) if exposure else None,
    }


def tenure_rates(archigos: Path, regimes: dict[tuple[int, int], str], types: tuple[str, ...],
                 first_year: int, last_year: int) -> dict[str, Any]:
    """Leader-years, irregular and foreign exits and their rates by regime type and tenure band.

    ``all`` sums the classified leader-years and exits; ``unclassified`` holds the rest (years
    and exits without a regime code), so that every leader-day and exit in the window is in
    exactly one cell.
    """
    years: dict[tuple[str, int], float] = defaultdict(float)
    irregular: dict[tuple[str, int], int] = defaultdict(int)
    foreign: dict[tuple[str, int], int] = defaultdict(int)
    window_start, window_end = date(first_year, 1, 1), date(last_year, 12, 31)
    with archigos.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            gw = int(float(row["gwcode"]))
            took_office = date.fromisoformat(row["startdate"])
            ended = date.fromisoformat(row["enddate"])
            start, end = max(took_office, window_start), min(ended, window_end)
            if end < start:
                continue
            for band, year, share in tenure_segments(took_office, start, end):
                kind = regime_of(regimes, gw, year) or "unclassified"
                years[(kind, band)] += share
                if kind != "unclassified":
                    years[("all", band)] += share
            if not (window_start <= ended <= window_end):
                continue
            kind = regime_of(regimes, gw, ended.year) or "unclassified"
            band = tenure_band(took_office, ended)
            counts = {"Irregular": irregular, "Foreign": foreign}.get(row["exit"])
            if counts is not None:
                counts[(kind, band)] += 1
                if kind != "unclassified":
                    counts[("all", band)] += 1
    table: dict[str, list[dict[str, Any]]] = {}
    for kind in (*types, "all", "unclassified"):
        table[kind] = []
        for band, edge in enumerate(TENURE_BANDS):
            upper = TENURE_BANDS[band + 1] if band + 1 < len(TENURE_BANDS) else None
            cell = (kind, band)
            table[kind].append({"tenure_years": [edge, upper],
                                **_rates(years[cell], irregular[cell], foreign[cell])})
    unclassified = table.pop("unclassified")
    return {"band_edges_years": list(TENURE_BANDS), "regimes": table,
            "unclassified": unclassified,
            "tenure": ("completed years since the Archigos startdate (bands begin on the "
                       "anniversaries of taking office); upper edge null = open band")}


def nuclear_years(path: Path) -> dict[int, tuple[str, int, int | None]]:
    """GW code -> (ISO3, first nuclear-armed year, last or None): Jo & Gartzke (2007)
    possession year, else the first test's year (North Korea, 2006)."""
    facts = yaml.safe_load(path.read_text(encoding="utf-8"))
    states: dict[int, tuple[str, int, int | None]] = {}
    for state in facts["states"]:
        first = state["possession_jo_gartzke"]
        if first is None:
            first = date.fromisoformat(str(state["first_test"])).year
        code = int(state["ccode"])
        states[code] = (str(state["iso3"]), int(first), NUCLEAR_UNTIL.get(code))
    return states


def poisson_upper_95(events: int, exposure: float) -> float | None:
    """Exact one-sided 95% upper bound of a Poisson rate (Garwood 1936): the rate under which
    ``events`` or fewer would be seen with probability 0.05.  For 0 events this is
    ``-ln(0.05) / exposure`` (about 3 / exposure), the chi-square form with 2 degrees of freedom."""
    if not exposure:
        return None
    return round(float(chi2.ppf(0.95, 2 * events + 2)) / 2 / exposure, 6)


def nuclear_record(archigos: Path, nuclear: dict[int, tuple[str, int, int | None]],
                   regimes: dict[tuple[int, int], str]) -> dict[str, Any]:
    """Exposure and exits of leaders of nuclear-armed vs other states, the exits of
    nuclear-armed states' leaders by name, and the nuclear-armed by GWF regime type."""

    def armed(gw: int, year: int) -> bool:
        if gw not in nuclear:
            return False
        _, first, last = nuclear[gw]
        return first <= year and (last is None or year <= last)

    first_year, last_year = NUCLEAR_WINDOW
    window_start, window_end = date(first_year, 1, 1), date(last_year, 12, 31)
    gwf_start, gwf_end = 1919, 2008
    years: dict[str, float] = defaultdict(float)
    irregular: dict[str, int] = defaultdict(int)
    foreign: dict[str, int] = defaultdict(int)
    listed: list[dict[str, Any]] = []

    def keys(gw: int, year: int) -> list[str]:
        if not armed(gw, year):
            return ["non_nuclear"]
        found = ["nuclear"]
        kind = regime_of(regimes, gw, year) if gwf_start <= year <= gwf_end else None
        if kind is not None:
            found.append(f"gwf:{kind}")
            if kind != "personalist":
                found.append("gwf:not_personalist")
        return found

    with archigos.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            gw = int(float(row["gwcode"]))
            start = max(date.fromisoformat(row["startdate"]), window_start)
            ended = date.fromisoformat(row["enddate"])
            end = min(ended, window_end)
            if end < start:
                continue
            for year in range(start.year, end.year + 1):
                lo = max(start, date(year, 1, 1))
                hi = min(end, date(year, 12, 31))
                length = (date(year + 1, 1, 1) - date(year, 1, 1)).days
                for key in keys(gw, year):
                    years[key] += ((hi - lo).days + 1) / length
            if not (window_start <= ended <= window_end):
                continue
            counts = {"Irregular": irregular, "Foreign": foreign}.get(row["exit"])
            if counts is None:
                continue
            for key in keys(gw, ended.year):
                counts[key] += 1
            if armed(gw, ended.year):
                listed.append({"leader": row["leader"], "country": nuclear[gw][0],
                               "obsid": row["obsid"], "startdate": row["startdate"],
                               "enddate": row["enddate"], "year": ended.year,
                               "exit": row["exit"], "exitcode": row["exitcode"]})

    def record(key: str) -> dict[str, Any]:
        return {**_rates(years[key], irregular[key], foreign[key]),
                "irregular_upper_95": poisson_upper_95(irregular[key], years[key]),
                "foreign_upper_95": poisson_upper_95(foreign[key], years[key])}

    by_regime = {key.removeprefix("gwf:"): record(key) for key in
                 [f"gwf:{kind}" for kind in GWF_TYPES] + ["gwf:personalist",
                                                          "gwf:not_personalist"]}
    return {
        "window": list(NUCLEAR_WINDOW),
        "source": ("Archigos 4.1 (Goemans, Gleditsch & Chiozza 2009), whole span; nuclear status "
                   "by calendar year from facts/nuclear_states.yaml: Jo & Gartzke 2007 possession "
                   "year (North Korea from its 2006 test; South Africa 1982-1991 only; GW 365 = "
                   "Soviet Union and Russia); an exit counts for the status of its year"),
        "states": {nuclear[gw][0]: {"gwcode": gw, "from": nuclear[gw][1], "until": nuclear[gw][2]}
                   for gw in sorted(nuclear)},
        "status": {"nuclear": record("nuclear"), "non_nuclear": record("non_nuclear")},
        "upper_95": ("exact one-sided 95% Poisson bound chi2.ppf(0.95, 2k + 2) / 2 / leader_years "
                     "(Garwood 1936)"),
        "nuclear_exits": sorted(listed, key=lambda r: (r["enddate"], r["country"])),
        "nuclear_by_gwf_regime": {
            "window": [gwf_start, gwf_end],
            "source": "nuclear-armed leader-years joined with CHISOLS 4.0 / GWF types as in gwf",
            "regimes": by_regime,
        },
    }


def derive(shared: Path) -> dict[str, Any]:
    """The whole table, as written to ``archigos_rates.json``."""
    peace = shared / "data" / "peacescience"
    archigos = peace / "archigos.csv"
    chisols = gwf_regimes(peace / "chisols_state_year_4_0.csv")
    gwf = exit_rates(archigos, chisols, GWF_TYPES, 1919, 2008)
    gwf["by_tenure"] = tenure_rates(archigos, chisols, GWF_TYPES, 1919, 2008)
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
        "nuclear": nuclear_record(archigos, nuclear_years(shared / "data" / "facts"
                                                          / "nuclear_states.yaml"), chisols),
    }


def main() -> int:
    return derived_tables.main(
        __doc__.splitlines()[0], lambda shared: {TARGET.name: derive(shared)}, ensure_ascii=True
    )


if __name__ == "__main__":
    sys.exit(main())
