"""An actor's facts in a given year from the shared data, for a scenario's ``from_data:``.

A scenario actor with ``from_data: {year: Y}`` (and optionally ``ccode``) takes from the
reference data, through the readers the crisis table uses
(:func:`brink.history.crises.create_state_year_views`):

* capability: the COW NMC v7 composite index (``cinc``, Singer, Bremer & Stuckey 1972) of
  the year, or of the data's last year when ``Y`` is later;
* the leader in office on 1 July of ``Y`` (Archigos 4.1, Goemans, Gleditsch & Chiozza 2009)
  and his tenure (years from his Archigos start date to 1 July, days / 365.25 as in the
  crisis table);
* the regime: the Geddes, Wright & Frantz (2014) type that CHISOLS 4.0 (Mattes, Leeds &
  Matsumura 2016) codes for the state-year, with the precedence of
  ``scripts/derive_archigos_rates.py`` (whose exit rates the post-war game reads:
  :func:`brink.mechanisms.reference.exit_rate`); after CHISOLS' last year (2008) the type
  of the latest CHISOLS year of the same leader's spell, else Polity ``polity2 >= 6`` ->
  democracy, otherwise mixed;
* nuclear status (Jo & Gartzke 2007, :func:`brink.history.crises.nuclear_years`): a check of
  the scenario's warheads, the data having no warhead counts;
* ATOP v5.1 defense obligations between two actors (Leeds et al. 2002), of the year or of
  ATOP's last year (2018) when ``Y`` is later.

The fill of a scenario document is in :mod:`brink.scenario.loading`; this module only reads.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from types import TracebackType

import duckdb

from brink.history.crises import (
    SOURCES,
    check_sources,
    create_state_year_views,
    csv_relation,
    source_paths,
)

__all__ = [
    "ACTOR_SOURCES",
    "FIRST_YEAR",
    "GWF_REGIMES",
    "LAST_YEAR",
    "SOURCE_NOTE",
    "ActorYear",
    "StateYears",
    "gw_code",
    "state_codes",
]

#: The years ``from_data:`` accepts: COW NMC v7's span (1816-2022).
FIRST_YEAR, LAST_YEAR = 1816, 2022

#: The files an actor's facts are read from, relative to the shared folder.
ACTOR_SOURCES: dict[str, str] = {
    **{key: SOURCES[key] for key in ("nmc", "atop", "democracy", "archigos", "nuclear")},
    "chisols": "data/peacescience/chisols_state_year_4_0.csv",
    "states": "data/peacescience/cow_states.csv",
}

#: The text of ``sources.from_data`` (the year is appended).
SOURCE_NOTE = "brink.history: COW NMC v7.0, CHISOLS 4.0, Archigos 4.1, ATOP 5.1, Jo & Gartzke 2007"

#: CHISOLS indicator -> the scenario language's leader regime, in order of precedence (the
#: first indicator coded 1 wins; GWF's hybrids with a personalist component count as
#: personalist, as in ``scripts/derive_archigos_rates.py``); a classified year with none of
#: them (oligarchy, warlord, other, transition) is ``mixed``.
GWF_REGIMES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("dem",), "democracy"),
    (("mon",), "monarchy"),
    (("per",), "personalist"),
    (("mil", "indmil"), "military"),
    (("sp",), "single-party"),
)


def gw_code(ccode: int, year: int) -> int:
    """The Gleditsch-Ward code (Archigos) of COW code ``ccode`` in ``year``: they differ for
    unified Germany (COW 255 -> GW 260 from 1991), Serbia (345 -> 340 from 2006) and unified
    Yemen (679 -> 678 from 1990), the inverse of ``cow_code`` in
    ``scripts/derive_archigos_rates.py``."""
    if ccode == 255 and year >= 1991:
        return 260
    if ccode == 345 and year >= 2006:
        return 340
    if ccode == 679 and year >= 1990:
        return 678
    return ccode


def state_codes(shared: Path) -> dict[str, int]:
    """COW state abbreviation (``stateabb``, e.g. ``RUS``) -> COW code, from ``cow_states.csv``.

    An abbreviation used by two codes over time keeps the first listed."""
    path = source_paths(shared, {"states": ACTOR_SOURCES["states"]})["states"]
    out: dict[str, int] = {}
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            out.setdefault(row["stateabb"], int(float(row["ccode"])))
    return out


@dataclass(frozen=True)
class ActorYear:
    """One state's facts in one year (``None`` where the data have none).

    Attributes:
        ccode, year: The COW code and the year asked for.
        cinc, cinc_year: The NMC capability index and the year it is from (``year``, or the
            data's last year when ``year`` is later).
        nuclear: Whether the state is nuclear-armed in ``year`` by the stated rule.
        leader, leader_start, tenure_years: The Archigos leader in office on 1 July of
            ``year``, his start date and the years from it to 1 July.
        regime, regime_rule: The leader regime and how it was coded (for the provenance).
    """

    ccode: int
    year: int
    cinc: float | None
    cinc_year: int | None
    nuclear: bool
    leader: str | None
    leader_start: date | None
    tenure_years: float | None
    regime: str | None
    regime_rule: str


class StateYears:
    """The shared data opened once (an in-memory DuckDB with the crisis table's readers and
    a CHISOLS view) for reading several actors' years; use as a context manager.

    Raises:
        InputError: the shared folder or one of :data:`ACTOR_SOURCES` is missing.
    """

    def __init__(self, shared: Path) -> None:
        paths = source_paths(shared, ACTOR_SOURCES)
        check_sources(paths)
        self._con = duckdb.connect()
        create_state_year_views(self._con, paths)
        flags = ", ".join(
            f"coalesce(TRY_CAST({flag} AS INTEGER), 0) AS {flag}"
            for flag in ("dem", "mon", "per", "mil", "indmil", "sp", "nonindep")
        )
        self._con.execute(f"""
            CREATE OR REPLACE TEMP TABLE _chisols AS
            SELECT CAST(ccode AS INTEGER) AS ccode, CAST(year AS INTEGER) AS year, {flags}
            FROM {csv_relation(paths["chisols"])}
        """)
        self.nmc_last = self._scalar_int("SELECT max(year) FROM _nmc")
        self.atop_last = self._scalar_int("SELECT max(year) FROM _atop")
        self.chisols_last = self._scalar_int("SELECT max(year) FROM _chisols")

    def _scalar_int(self, sql: str) -> int:
        row = self._con.execute(sql).fetchone()
        assert row is not None and row[0] is not None
        return int(row[0])

    def close(self) -> None:
        """Close the DuckDB connection."""
        self._con.close()

    def __enter__(self) -> StateYears:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _gwf_regime(self, ccode: int, year: int) -> str | None:
        """The CHISOLS (GWF) regime of ``ccode`` in ``year``; ``None`` if not coded (or the
        state-year is not independent, which the exit rates also leave out)."""
        row = self._con.execute(
            "SELECT dem, mon, per, mil, indmil, sp, nonindep FROM _chisols WHERE ccode = ? AND year = ?",
            [ccode, year],
        ).fetchone()
        if row is None or row[6] == 1:
            return None
        coded = dict(zip(("dem", "mon", "per", "mil", "indmil", "sp"), row[:6], strict=True))
        for flags, regime in GWF_REGIMES:
            if any(coded[flag] == 1 for flag in flags):
                return regime
        return "mixed"

    def _regime(self, ccode: int, year: int, start: date | None) -> tuple[str | None, str]:
        """The regime of ``year`` and the rule that gave it (see the module docstring)."""
        if year <= self.chisols_last:
            regime = self._gwf_regime(ccode, year)
            if regime is not None:
                return regime, f"CHISOLS {year}"
        elif start is not None:
            for y in range(self.chisols_last, start.year - 1, -1):
                regime = self._gwf_regime(ccode, y)
                if regime is not None:
                    return regime, f"CHISOLS {y} (latest year of the leader's spell)"
        row = self._con.execute(
            "SELECT polity2 FROM _dem WHERE ccode = ? AND year = ?", [ccode, year]
        ).fetchone()
        if row is None or row[0] is None:
            return None, "no CHISOLS or polity2 code"
        polity2 = float(row[0])
        return ("democracy" if polity2 >= 6 else "mixed"), f"polity2 {year} = {polity2:g}"

    def actor_year(self, ccode: int, year: int) -> ActorYear:
        """The facts of state ``ccode`` in ``year``."""
        cinc_year = min(year, self.nmc_last)
        row = self._con.execute(
            "SELECT cinc FROM _nmc WHERE ccode = ? AND year = ?", [ccode, cinc_year]
        ).fetchone()
        cinc = None if row is None or row[0] is None else float(row[0])
        nuclear = self._con.execute(
            "SELECT count(*) FROM _nuclear WHERE ccode = ? AND ? BETWEEN first_year AND coalesce(last_year, 9999)",
            [ccode, year],
        ).fetchone()
        july = date(year, 7, 1)
        leader = self._con.execute(
            "SELECT leader, startdate FROM _archigos WHERE gwcode = ? AND startdate <= ? AND enddate >= ? "
            "ORDER BY startdate DESC LIMIT 1",
            [gw_code(ccode, year), july, july],
        ).fetchone()
        name = None if leader is None else str(leader[0])
        start: date | None = None if leader is None else leader[1]
        tenure = None if start is None else (july - start).days / 365.25
        regime, rule = self._regime(ccode, year, start)
        return ActorYear(
            ccode=ccode,
            year=year,
            cinc=cinc,
            cinc_year=None if cinc is None else cinc_year,
            nuclear=bool(nuclear is not None and nuclear[0]),
            leader=name,
            leader_start=start,
            tenure_years=tenure,
            regime=regime,
            regime_rule=rule,
        )

    def defense_year(self, year: int) -> int:
        """The ATOP year read for ``year``: itself, or ATOP's last year when later."""
        return min(year, self.atop_last)

    def defense_pact(self, a: int, b: int, year: int) -> bool:
        """Whether ATOP codes a defense obligation between ``a`` and ``b`` (either directed
        row) in ``year`` (or ATOP's last year when ``year`` is later)."""
        row = self._con.execute(
            "SELECT count(*) FROM _atop WHERE year = ? AND ((ccode1 = ? AND ccode2 = ?) OR (ccode1 = ? AND ccode2 = ?))",
            [self.defense_year(year), a, b, b, a],
        ).fetchone()
        return bool(row is not None and row[0])
