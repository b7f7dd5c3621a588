"""Sourced reference tables bundled with brink (package data ``brink/data/*.json``).

Each table is derived from the shared reference data by a committed script (named
below) and each entry carries its ``source``; the tests re-run the derivations and
compare.  No shared data file is bundled, only the figures derived from them.

* :func:`archigos_rates` — irregular and foreign-imposed exits per leader-year by
  regime type (``scripts/derive_archigos_rates.py``: Archigos 4.1 joined with CHISOLS /
  Geddes-Wright-Frantz regime types, or with Polity IV).
* :func:`exit_rate` — the same by tenure band (:data:`TENURE_BANDS`), and
  :func:`nuclear_exit_record` — exits of leaders of nuclear-armed vs other states (same
  script, with ``facts/nuclear_states.yaml``).
* :func:`alliance_reliability` — how often alliance commitments are honoured in war
  (``scripts/derive_reliability.py``: Berkemeier & Fuhrmann 2018; Leeds, Long &
  Mitchell 2000; Leeds & Anac 2005).
* :func:`nuclear_forces`, :func:`blocs`, :func:`energy` — SIPRI 2025 / FAS 2023
  warheads, bloc memberships and Russian energy figures
  (``scripts/derive_reference.py``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Literal

import numpy as np

from brink.errors import InputError

__all__ = [
    "TENURE_BANDS",
    "Bloc",
    "CrudeExport",
    "EnergyFacts",
    "ExitCause",
    "ExitRate",
    "NuclearExitRecord",
    "NuclearForces",
    "NuclearLeaderExit",
    "NuclearStatusExits",
    "PriceDiscount",
    "Reliability",
    "WarDecisiveness",
    "alliance_reliability",
    "archigos_rates",
    "blocs",
    "energy",
    "exit_rate",
    "foreign_exit_rate",
    "irregular_exit_rate",
    "load_table",
    "nuclear_exit_record",
    "nuclear_forces",
    "war_decisiveness",
]

Classification = Literal["gwf", "polity"]
ExitCause = Literal["irregular", "foreign"]

#: Lower edges of the tenure bands of :func:`exit_rate`, in completed years in office; the
#: last band is open (the ``TENURE_BANDS`` of ``scripts/derive_archigos_rates.py``).
TENURE_BANDS: tuple[float, ...] = (0.0, 1.0, 3.0, 6.0, 10.0, 20.0)


@cache
def load_table(name: str) -> dict[str, Any]:
    """A bundled table (``brink/data/<name>.json``) as parsed JSON."""
    try:
        text = resources.files("brink").joinpath("data", f"{name}.json").read_text("utf-8")
    except FileNotFoundError:
        raise InputError(f"no reference table {name!r}", "brink/data",
                         "reinstall brink or run the scripts/derive_*.py scripts") from None
    table: dict[str, Any] = json.loads(text)
    return table


@dataclass(frozen=True)
class ExitRate:
    """Leader exits per leader-year for one regime type (Archigos 4.1)."""

    regime: str
    classification: str
    leader_years: float
    irregular_exits: int
    foreign_exits: int
    irregular_rate: float
    foreign_rate: float
    source: str


@cache
def archigos_rates(classification: Classification = "gwf") -> Mapping[str, ExitRate]:
    """Irregular and foreign-imposed exit rates by regime type.

    ``classification="gwf"`` (1919-2008): democracy, monarchy, personalist, military,
    party, other — Geddes, Wright & Frantz (2014) autocracy types as coded in CHISOLS
    4.0.  ``classification="polity"`` (1840-2015): democracy, mixed, autocracy from
    Polity IV ``polity2`` (>= 6, -5..5, <= -6), the regime classes of Goemans (2000).
    """
    table = load_table("archigos_rates")["classifications"]
    if classification not in table:
        raise InputError(f"unknown regime classification {classification!r}",
                         fix="use 'gwf' or 'polity'")
    part = table[classification]
    return {
        regime: ExitRate(regime, classification, float(row["leader_years"]),
                         int(row["irregular_exits"]), int(row["foreign_exits"]),
                         float(row["irregular_rate"]), float(row["foreign_rate"]),
                         str(part["source"]))
        for regime, row in part["regimes"].items()
    }


def _exit_rate(regime: str, classification: Classification | None) -> ExitRate:
    if classification is None:
        classification = "polity" if regime in ("mixed", "autocracy") else "gwf"
    rates = archigos_rates(classification)
    if regime not in rates:
        raise InputError(f"unknown regime type {regime!r} for the {classification} classification",
                         fix=f"use one of {', '.join(rates)}")
    return rates[regime]


def irregular_exit_rate(regime: str, classification: Classification | None = None) -> float:
    """Irregular exits per leader-year for ``regime`` (e.g. ``personalist``: about 0.065).

    The classification is inferred from the name when not given (``mixed`` and
    ``autocracy`` are Polity classes, the rest GWF types).
    """
    return _exit_rate(regime, classification).irregular_rate


def foreign_exit_rate(regime: str, classification: Classification | None = None) -> float:
    """Foreign-imposed exits per leader-year for ``regime`` (Archigos ``exit == Foreign``)."""
    return _exit_rate(regime, classification).foreign_rate


@cache
def _tenure_rows(regime: str) -> tuple[Mapping[str, Any], ...]:
    table = load_table("archigos_rates")["classifications"]["gwf"]["by_tenure"]
    if regime not in table["regimes"]:
        raise InputError(f"unknown regime type {regime!r} for exit rates by tenure",
                         fix=f"use one of {', '.join(table['regimes'])}")
    rows: tuple[Mapping[str, Any], ...] = tuple(table["regimes"][regime])
    if tuple(float(row["tenure_years"][0]) for row in rows) != TENURE_BANDS:
        raise InputError("the bundled archigos_rates table has other tenure bands",
                         "brink/data/archigos_rates.json",
                         "re-run scripts/derive_archigos_rates.py")
    return rows


def exit_rate(regime: str, tenure_years: float, cause: ExitCause) -> float:
    """Exits per leader-year of a leader of a ``regime`` state with ``tenure_years`` in office.

    From Archigos 4.1 joined with the GWF types of CHISOLS 4.0, 1919-2008: ``regime`` is a
    GWF type (``democracy``, ``monarchy``, ``personalist``, ``military``, ``party``,
    ``other``) or ``all`` (every classified leader-year); ``cause`` is ``irregular`` (coup,
    revolt, assassination) or ``foreign`` (removed by another state).  The rate is constant
    within each band of :data:`TENURE_BANDS` (``[0, 1)``, ``[1, 3)`` ... ``[20, inf)``
    completed years): new rulers are the most exposed (Bienen & van de Walle 1991; Svolik
    2012, ch. 2) — a personalist's first year carries about four times the irregular hazard
    of years 1-3.  Cells with few leader-years (military or ``other`` regimes past ten
    years) rest on a handful of exits: read them with their exposure in the table.
    """
    if cause not in ("irregular", "foreign"):
        raise InputError(f"unknown exit cause {cause!r}", fix="use 'irregular' or 'foreign'")
    if not math.isfinite(tenure_years) or tenure_years < 0:
        raise InputError(f"tenure must be a finite number of years >= 0, not {tenure_years!r}",
                         fix="pass the years since the leader took office")
    rows = _tenure_rows(regime)
    band = max(i for i, edge in enumerate(TENURE_BANDS) if edge <= tenure_years)
    rate = rows[band][f"{cause}_rate"]
    if rate is None:
        raise InputError(f"no {regime} leader-years with tenure {tenure_years} in Archigos",
                         fix="use regime 'all' or a neighbouring tenure")
    return float(rate)


@dataclass(frozen=True)
class NuclearStatusExits:
    """Exposure and exits of leaders of nuclear-armed (or other) states, with exact one-sided
    95% Poisson upper bounds of the rates (Garwood 1936)."""

    status: str
    leader_years: float
    irregular_exits: int
    foreign_exits: int
    irregular_rate: float
    foreign_rate: float
    irregular_upper_95: float
    foreign_upper_95: float


@dataclass(frozen=True)
class NuclearLeaderExit:
    """One irregular or foreign exit of a nuclear-armed state's leader (Archigos 4.1)."""

    leader: str
    country: str
    year: int
    exit: str
    exitcode: str


@dataclass(frozen=True)
class NuclearExitRecord:
    """Archigos exits of leaders of nuclear-armed states vs the rest (1840-2015).

    Nuclear status by calendar year from Jo & Gartzke's (2007) possession years (North
    Korea from its 2006 test, South Africa 1982-1991 only).  No leader of a nuclear-armed
    state has been removed by a foreign power: the foreign rate is 0 and only its upper
    bound is informative.
    """

    nuclear: NuclearStatusExits
    non_nuclear: NuclearStatusExits
    exits: tuple[NuclearLeaderExit, ...]
    window: tuple[int, int]
    source: str


@cache
def nuclear_exit_record() -> NuclearExitRecord:
    """Leader-years, irregular and foreign exits of nuclear-armed vs non-nuclear states'
    leaders, their rates and 95% upper bounds, and the nuclear-armed states' exits by name."""
    table = load_table("archigos_rates")["nuclear"]

    def status(name: str) -> NuclearStatusExits:
        row = table["status"][name]
        return NuclearStatusExits(name, float(row["leader_years"]), int(row["irregular_exits"]),
                                  int(row["foreign_exits"]), float(row["irregular_rate"]),
                                  float(row["foreign_rate"]), float(row["irregular_upper_95"]),
                                  float(row["foreign_upper_95"]))

    exits = tuple(NuclearLeaderExit(str(r["leader"]), str(r["country"]), int(r["year"]),
                                    str(r["exit"]), str(r["exitcode"]))
                  for r in table["nuclear_exits"])
    first, last = table["window"]
    return NuclearExitRecord(status("nuclear"), status("non_nuclear"), exits,
                             (int(first), int(last)), str(table["source"]))


#: Average days per month (365.25 / 12).
_DAYS_PER_MONTH = 365.25 / 12


@dataclass(frozen=True)
class WarDecisiveness:
    """The chance a war is decided within a round, estimated from the wars begun before a year.

    ``wars`` war-level disputes (GML MID 2.2.1) lasted ``exposure_days`` in all (each at the
    midpoint of GML's minimum and maximum duration); the constant hazard of a war ending is
    ``rate_per_day = wars / exposure_days`` (the exponential MLE), its posterior ``Gamma(wars,
    exposure_days)`` under a flat prior on the log rate; ``decided = 1 - exp(-rate * days)`` for a
    round of ``round_months``, with the posterior's 2.5% and 97.5% points, and a ``beta(a, b)``
    with the same mean and variance (a scenario prior)."""

    before_year: int
    round_months: float
    wars: int
    exposure_days: float
    rate_per_day: float
    decided: float
    low: float
    high: float
    beta_a: float
    beta_b: float
    median_days: float
    source: str


def war_decisiveness(round_months: float, before_year: int) -> WarDecisiveness:
    """The chance a war is decided within a round of ``round_months`` (the escalation game's
    ``process.decisiveness``), from the wars that began before ``before_year`` (class doc).

    Raises:
        InputError: ``round_months`` not > 0, or no war began before ``before_year``.
    """
    from scipy import stats

    if not (math.isfinite(round_months) and round_months > 0):
        raise InputError(f"a round must last > 0 months, not {round_months!r}", fix="give the months a round covers")
    table = load_table("war_durations")
    rows = [r for r in table["wars"] if int(r[1]) < before_year]
    if not rows:
        raise InputError(f"no war-level dispute began before {before_year} in GML MID 2.2.1",
                         fix="give a later year (the data start in 1816)")
    days = np.asarray([(float(r[2]) + float(r[3])) / 2 for r in rows])
    n, total = len(rows), float(days.sum())
    span = round_months * _DAYS_PER_MONTH
    posterior = stats.gamma(a=n, scale=1.0 / total)
    draws = posterior.ppf(np.linspace(0.0005, 0.9995, 2000))
    decided_draws = 1.0 - np.exp(-draws * span)
    mean, var = float(decided_draws.mean()), float(decided_draws.var())
    common = mean * (1 - mean) / var - 1 if var > 0 else 1e6
    lo, hi = (1.0 - math.exp(-float(posterior.ppf(q)) * span) for q in (0.025, 0.975))
    return WarDecisiveness(
        before_year=before_year, round_months=round_months, wars=n, exposure_days=total, rate_per_day=n / total,
        decided=1.0 - math.exp(-n / total * span), low=lo, high=hi, beta_a=mean * common, beta_b=(1 - mean) * common,
        median_days=float(np.median(days)), source=str(table["source"]),
    )


@dataclass(frozen=True)
class Reliability:
    """Share of alliance commitments honoured when invoked in war."""

    name: str
    honoured: int
    cases: int
    rate: float
    source: str
    published: float | None = None


@cache
def alliance_reliability() -> Mapping[str, Reliability]:
    """Reliability rates: ``overall``, ``pre_1945``, ``post_1945``, ``defense`` (Berkemeier &
    Fuhrmann 2018), ``leeds_2000_convention`` (Leeds, Long & Mitchell 2000: 74.5%; 73.0%
    recomputed), ``bf_coding_*`` and ``leeds_anac_2005_honor2|3``.
    """
    return {
        name: Reliability(name, int(row["honoured"]), int(row["cases"]), float(row["rate"]),
                          str(row["source"]), row.get("published"))
        for name, row in load_table("alliance_reliability").items()
    }


@dataclass(frozen=True)
class NuclearForces:
    """Nuclear warheads of one state (``None`` where the source gives no figure)."""

    iso3: str
    name: str
    total: int | None
    deployed: int | None
    stored: int | None
    strategic_deployed: int | None
    nonstrategic_deployed: int | None
    reserve: int | None
    retired: int | None
    source: str


@cache
def nuclear_forces() -> Mapping[str, NuclearForces]:
    """Warheads by ISO3 code: SIPRI January 2025 total/deployed/stored, FAS 2023 breakdown."""
    table = load_table("nuclear_forces")
    return {
        iso3: NuclearForces(iso3, row["name"], row.get("sipri_2025_total"),
                            row.get("sipri_2025_deployed"), row.get("sipri_2025_stored"),
                            row.get("fas_2023_deployed_strategic"),
                            row.get("fas_2023_deployed_nonstrategic"),
                            row.get("fas_2023_reserve"), row.get("fas_2023_retired"),
                            table["source"])
        for iso3, row in table["countries"].items()
    }


@dataclass(frozen=True)
class Bloc:
    """An alliance, grouping or region and its members (ISO3)."""

    name: str
    kind: str
    members: tuple[str, ...]
    notes: str
    nuclear_weapon_members: tuple[str, ...]
    nuclear_sharing_hosts: tuple[str, ...]
    source: str


@cache
def blocs() -> Mapping[str, Bloc]:
    """NATO, CSTO, BRICS, OPEC, OPEC+ partners and Central Asia, as of January 2025."""
    return {
        name: Bloc(name, row["kind"], tuple(row["members"]), row["notes"],
                   tuple(row["nuclear_weapon_members"]), tuple(row["nuclear_sharing_hosts"]),
                   row["source"])
        for name, row in load_table("blocs_energy")["blocs"].items()
    }


@dataclass(frozen=True)
class CrudeExport:
    """Russian crude bought by one partner in one period."""

    buyer: str
    period: str
    mb_per_day: float | None
    share_of_buyer_imports: float | None
    source: str


@dataclass(frozen=True)
class PriceDiscount:
    """Urals discount to Brent in one period, USD per barrel."""

    period: str
    usd_per_bbl: float
    basis: str
    source: str


@dataclass(frozen=True)
class EnergyFacts:
    """Russian energy exports and the discounts that keep buyers (M7)."""

    crude_exports: tuple[CrudeExport, ...]
    discounts: tuple[PriceDiscount, ...]
    g7_price_cap_usd_per_bbl: float
    other: Mapping[str, Any]

    def imports_mbd(self, buyer: str) -> float:
        """Latest reported Russian crude imports of ``buyer``, million barrels per day."""
        return self._latest(buyer, "mb_per_day")

    def import_share(self, buyer: str) -> float:
        """Latest reported share of ``buyer``'s crude imports bought from Russia."""
        return self._latest(buyer, "share_of_buyer_imports")

    def _latest(self, buyer: str, field: str) -> float:
        rows = [r for r in self.crude_exports
                if r.buyer == buyer and getattr(r, field) is not None]
        if not rows:
            buyers = sorted({r.buyer for r in self.crude_exports})
            raise InputError(f"no {field} figure for buyer {buyer!r}",
                             fix=f"buyers with figures: {', '.join(buyers)}")
        value: float = getattr(max(rows, key=lambda r: r.period), field)
        return value


@cache
def energy() -> EnergyFacts:
    """Russian crude exports to China and India, Urals discounts, the G7 cap, gas figures."""
    table = load_table("blocs_energy")["energy"]
    exports = tuple(
        CrudeExport(r["buyer"], r["period"], r.get("mb_per_day"),
                    r.get("share_of_buyer_imports"), r["source"])
        for r in table["russia_crude_exports"])
    discounts = tuple(
        PriceDiscount(r["period"], float(r["value"]), r.get("basis", ""), r["source"])
        for r in table["urals_discount_to_brent_usd_per_bbl"])
    other = {k: v for k, v in table.items()
             if k not in ("russia_crude_exports", "urals_discount_to_brent_usd_per_bbl",
                          "g7_price_cap_usd_per_bbl")}
    return EnergyFacts(exports, discounts, float(table["g7_price_cap_usd_per_bbl"]), other)
