"""The ICB crisis-actor table: International Crisis Behavior v14 joined with brink's state-year data.

Unit of observation: **one row per crisis actor** of ICB's actor-level data (``icb2v14.csv``,
Brecher & Wilkenfeld 2000; Brecher, Wilkenfeld, Beardsley, James & Quinn 2021), 1918-2017: a
state that perceived a crisis (a threat to its values, finite time to respond, a heightened
chance of military hostilities), with the crisis's system-level record (``icb1v14.csv``)
joined by crisis number, and the year covariates that :mod:`brink.history.crises` joins to
the MID dyads, read by the same readers (:func:`brink.history.crises.create_state_year_views`):
COW capabilities (Singer, Bremer & Stuckey 1972), nuclear status (Jo & Gartzke 2007), ATOP
defense pacts and nuclear umbrellas (Leeds et al. 2002), Polity and V-Dem, Thompson & Dreyer
(2012) rivalry and the Archigos leaders in office (Goemans, Gleditsch & Chiozza 2009).

Each row carries its **principal adversary** (:data:`ADVERSARY_RULE`), the **challenger**
flag (:data:`CHALLENGER_RULE`), the four ICB outcomes as labels (:data:`OUTCOMES`) and the
outcome mapped to the endings of brink's escalation game (:data:`ENDING_RULE`).  Every column
is documented in ``docs/icb-data.md``.  The data are read from ``../shared``; none is bundled.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import duckdb
import numpy as np

from brink.errors import InputError
from brink.history.crises import (
    SOURCES,
    create_state_year_views,
    csv_relation,
    source_paths,
    table_arrays,
)

__all__ = [
    "ADVERSARY_RULE",
    "AGREEMENT_FORMS",
    "CHALLENGER_RULE",
    "ENDINGS",
    "ENDING_RULE",
    "ICB_SOURCES",
    "OUTCOMES",
    "build_icb_table",
    "icb_summary",
    "icb_table",
]

#: The files of the ICB table, relative to the shared folder (the crisis table's year data too).
ICB_SOURCES: dict[str, str] = {
    "icb1": "data/icb/icb1v14.csv",
    "icb2": "data/icb/icb2v14.csv",
    **{key: SOURCES[key] for key in ("nmc", "atop", "democracy", "rivalries", "archigos", "nuclear")},
}

#: ICB's ``outcom`` codes (the outcome for the crisis actor) and their labels.
OUTCOMES: dict[int, str] = {1: "victory", 2: "compromise", 3: "stalemate", 4: "defeat", 5: "other"}

#: ICB ``outfor`` (form of outcome) codes that are an agreement between the parties: 1 formal
#: agreement (treaty, armistice, cease-fire), 2 semi-formal agreement (letter, oral declaration),
#: 3 tacit understanding (ICB codebook).  The other codes (unilateral acts, imposed outcomes,
#: faded crises ...) are kept as in the source and not used by the ending rule.
AGREEMENT_FORMS: tuple[int, ...] = (1, 2, 3)

#: The endings of a crisis actor's row (the actor's point of view).
ENDINGS: tuple[str, ...] = ("settlement", "adversary_concedes", "actor_concedes", "war_won", "war_lost", "undecided")

ENDING_RULE = (
    "settlement: compromise (outcom 2) reached by agreement (outfor 1 formal, 2 semi-formal or 3 tacit); "
    "war_won / war_lost: victory (outcom 1) / defeat (outcom 4) in a crisis with full-scale war for the actor "
    "(sevvio 4); adversary_concedes / actor_concedes: victory / defeat without full-scale war (one side "
    "concedes); undecided: stalemate (outcom 3), other (outcom 5), or a compromise without an agreement "
    "(an undecided or faded crisis)"
)

ADVERSARY_RULE = (
    "ICB's southv (the state the actor perceived as the source of the threat to its values, its "
    "principal adversary) when it is a state code (below 900); otherwise the actor's triggering entity "
    "(trigent) when that is a state code; otherwise none"
)

CHALLENGER_RULE = (
    "the crisis actor whose state ICB codes as the crisis's triggering entity (system-level trigent); when "
    "that is not one of the crisis's actors (several states 996, a non-state actor 997, or a state that did "
    "not perceive a crisis), the principal adversary of the crisis's first-triggered actor if it is a crisis "
    "actor; otherwise the crisis has no challenger"
)

_ACTOR_INTS = (
    "crisno", "cracno", "cracid", "systrgyr", "triggr", "yrtrig", "motrig", "datrig", "trigent", "southv",
    "southpow", "crismg", "cenvio", "sevvio", "usinv", "usfavr", "suinv", "sufavr", "outcom", "outfor",
    "outevl", "yrterm", "viol", "iwc", "powdis", "gpinv", "regime", "allycap", "nuclear", "powsta", "issue",
    "gravty", "pc",
)
_SYSTEM_INTS = ("crisno", "yrtrig", "trigent", "gravcr", "crismg", "cenviosy", "sevviosy", "viol", "noactr",
                "forout", "subout", "yrterm", "protrac", "powdissy")
_FIX = "Lay the reference data sets out as ../shared beside the repository, set BRINK_SHARED, or pass --shared DIR"


def _ints(names: tuple[str, ...], present: set[str]) -> str:
    return ", ".join(f"TRY_CAST({n} AS INTEGER) AS {n}" for n in names if n in present)


def _cow(code: str, year: str) -> str:
    """SQL: ICB's country code (Gleditsch-Ward numbering) as a COW code in ``year``: unified Germany
    (260 from 1991 -> COW 255), Serbia (340 -> 345) and unified Yemen (678 from 1990 -> 679); the
    inverse of :func:`brink.history.actors.gw_code`."""
    return (f"CASE WHEN {code} = 260 AND {year} >= 1991 THEN 255 WHEN {code} = 340 THEN 345 "
            f"WHEN {code} = 678 AND {year} >= 1990 THEN 679 ELSE {code} END")


def _gw(code: str, year: str) -> str:
    """SQL: a COW code as the Gleditsch-Ward code of Archigos (:func:`brink.history.actors.gw_code`)."""
    return (f"CASE WHEN {code} = 255 AND {year} >= 1991 THEN 260 WHEN {code} = 345 AND {year} >= 2006 THEN 340 "
            f"WHEN {code} = 679 AND {year} >= 1990 THEN 678 ELSE {code} END")


def _columns(con: duckdb.DuckDBPyConnection, path: Path) -> set[str]:
    rows = con.execute(f"DESCRIBE SELECT * FROM {csv_relation(path)}").fetchall()
    return {str(r[0]).lstrip("\ufeff") for r in rows}


def build_icb_table(con: duckdb.DuckDBPyConnection, shared: Path) -> None:
    """Create (or replace) table ``icb`` in ``con`` from the data sets under ``shared``.

    One row per crisis actor with a trigger year (the one actor row of ``icb2v14.csv`` with no
    data at all, crisis 474's Saudi Arabia, is left out), ordered by crisis and actor number;
    the columns and their rules are in ``docs/icb-data.md``.

    Raises:
        InputError: ``shared`` or one of :data:`ICB_SOURCES` is missing or unreadable.
    """
    paths = source_paths(shared, ICB_SOURCES)
    try:
        present2, present1 = _columns(con, paths["icb2"]), _columns(con, paths["icb1"])
    except duckdb.Error as exc:
        raise InputError(f"cannot read the ICB files: {exc}", str(paths["icb2"]), _FIX) from None
    missing = [c for c in ("crisno", "cracid", "yrtrig", "southv", "trigent", "outcom", "outfor", "sevvio")
               if c not in present2] + [c for c in ("crisno", "trigent", "yrtrig") if c not in present1]
    if missing:
        raise InputError(f"the ICB files lack the columns {', '.join(missing)}", str(paths["icb2"]), _FIX)
    create_state_year_views(con, paths)
    con.execute(f"""
        CREATE OR REPLACE TEMP VIEW _rivals AS
        SELECT CAST(ccode1 AS INTEGER) AS ccode1, CAST(ccode2 AS INTEGER) AS ccode2,
               CAST(styear AS INTEGER) AS styear, CAST(endyear AS INTEGER) AS endyear
        FROM {csv_relation(paths["rivalries"])}
    """)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _icb2 AS
        SELECT {_ints(_ACTOR_INTS, present2)}, CAST(actor AS VARCHAR) AS actor_code,
               trim(CAST(crisname AS VARCHAR)) AS crisname
        FROM {csv_relation(paths["icb2"])} WHERE TRY_CAST(yrtrig AS INTEGER) IS NOT NULL
    """)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _icb1 AS
        SELECT {_ints(_SYSTEM_INTS, present1)} FROM {csv_relation(paths["icb1"])}
    """)
    # The actor's trigger date: ICB's year, month and day; a missing month is read as 1 July and
    # a missing or impossible day (ICB writes e.g. 66 for an unknown day) as the 15th.
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _act AS
        SELECT *,
            CASE WHEN NOT month_ok THEN make_date(yrtrig, 7, 1)
                 WHEN datrig BETWEEN 1 AND day(last_day(make_date(yrtrig, motrig, 1)))
                      THEN make_date(yrtrig, motrig, datrig)
                 ELSE make_date(yrtrig, motrig, 15) END AS trigger_date
        FROM (SELECT *, coalesce(motrig BETWEEN 1 AND 12, false) AS month_ok FROM _icb2)
    """)
    # The principal adversary (ADVERSARY_RULE) and the challenger (CHALLENGER_RULE).
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _adv AS
        SELECT a.*,
            CASE WHEN a.southv < 900 THEN a.southv WHEN a.trigent < 900 THEN a.trigent END AS adversary_icb,
            CASE WHEN a.southv < 900 THEN 'southv' WHEN a.trigent < 900 THEN 'trigent' END AS adversary_rule,
            {_cow("a.cracid", "a.yrtrig")} AS ccode_a
        FROM _act a
    """)
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _first AS
        SELECT crisno, adversary_icb AS first_adversary FROM (
            SELECT crisno, adversary_icb,
                   row_number() OVER (PARTITION BY crisno ORDER BY trigger_date, cracno) AS k FROM _adv
        ) WHERE k = 1
    """)
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _chal AS
        SELECT s.crisno,
            CASE WHEN EXISTS (SELECT 1 FROM _adv a WHERE a.crisno = s.crisno AND a.cracid = s.trigent)
                      THEN s.trigent
                 WHEN EXISTS (SELECT 1 FROM _adv a WHERE a.crisno = s.crisno AND a.cracid = f.first_adversary)
                      THEN f.first_adversary END AS challenger_icb,
            CASE WHEN EXISTS (SELECT 1 FROM _adv a WHERE a.crisno = s.crisno AND a.cracid = s.trigent)
                      THEN 'trigent'
                 WHEN EXISTS (SELECT 1 FROM _adv a WHERE a.crisno = s.crisno AND a.cracid = f.first_adversary)
                      THEN 'first adversary' END AS challenger_rule
        FROM _icb1 s LEFT JOIN _first f ON f.crisno = s.crisno
    """)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _rows AS
        SELECT a.*, {_cow("a.adversary_icb", "a.yrtrig")} AS ccode_b,
               c.challenger_icb, c.challenger_rule,
               coalesce(a.cracid = c.challenger_icb, false) AS challenger
        FROM _adv a LEFT JOIN _chal c ON c.crisno = a.crisno
    """)
    outcome_cases = " ".join(f"WHEN {code} THEN '{label}'" for code, label in OUTCOMES.items())
    agreement = ", ".join(str(f) for f in AGREEMENT_FORMS)
    nuclear = "EXISTS (SELECT 1 FROM _nuclear n WHERE n.ccode = {0} AND r.yrtrig BETWEEN n.first_year " \
              "AND coalesce(n.last_year, 9999))"
    umbrella = ("EXISTS (SELECT 1 FROM _atop t JOIN _nuclear n ON n.ccode = t.ccode2 WHERE t.ccode1 = {0} "
                "AND t.ccode2 <> {1} AND t.year = r.yrtrig AND r.yrtrig BETWEEN n.first_year "
                "AND coalesce(n.last_year, 9999))")
    con.execute(f"""
        CREATE OR REPLACE TABLE icb AS
        SELECT
            r.crisno, r.cracno, r.crisname, r.actor_code AS actor, r.cracid, r.ccode_a,
            r.adversary_icb, r.ccode_b, r.adversary_rule,
            r.challenger, r.challenger_icb, r.challenger_rule,
            s.yrtrig AS crisis_year, r.yrtrig AS year, r.trigger_date, r.yrterm,
            r.triggr, r.trigent, s.trigent AS crisis_trigent, r.southv, r.southpow,
            r.crismg, r.cenvio, r.sevvio, r.viol, r.iwc,
            r.usinv, r.usfavr, r.suinv, r.sufavr, r.gpinv,
            r.outcom, CASE r.outcom {outcome_cases} END AS outcome, r.outfor, r.outevl,
            CASE WHEN r.outcom = 2 AND r.outfor IN ({agreement}) THEN 'settlement'
                 WHEN r.outcom = 1 AND r.sevvio = 4 THEN 'war_won'
                 WHEN r.outcom = 4 AND r.sevvio = 4 THEN 'war_lost'
                 WHEN r.outcom = 1 THEN 'adversary_concedes'
                 WHEN r.outcom = 4 THEN 'actor_concedes'
                 WHEN r.outcom IN (2, 3, 5) THEN 'undecided' END AS ending,
            r.nuclear AS icb_nuclear, r.powdis, r.powsta, r.regime, r.allycap, r.gravty, r.issue, r.pc,
            s.gravcr, s.crismg AS crisis_crismg, s.cenviosy, s.sevviosy, s.viol AS crisis_viol, s.noactr,
            s.forout, s.yrterm AS crisis_yrterm,
            r.usinv BETWEEN 2 AND 8 OR r.suinv BETWEEN 2 AND 8 AS gp_involved,
            (r.usinv BETWEEN 2 AND 8 AND r.usfavr = 1) OR (r.suinv BETWEEN 2 AND 8 AND r.sufavr = 1) AS gp_favours,
            (r.usinv BETWEEN 2 AND 8 AND r.usfavr = 3) OR (r.suinv BETWEEN 2 AND 8 AND r.sufavr = 3) AS gp_opposes,
            r.gravty IN (5, 6) AS grave_threat,
            r.regime = 1 AS democracy_icb,
            na.cinc AS cinc_a, nb.cinc AS cinc_b,
            CASE WHEN na.cinc + nb.cinc > 0 THEN na.cinc / (na.cinc + nb.cinc) END AS balance,
            {nuclear.format("r.ccode_a")} AS nuclear_a,
            CASE WHEN r.ccode_b IS NOT NULL THEN {nuclear.format("r.ccode_b")} END AS nuclear_b,
            CASE WHEN r.ccode_b IS NOT NULL THEN EXISTS (SELECT 1 FROM _atop t WHERE t.ccode1 = r.ccode_a
                 AND t.ccode2 = r.ccode_b AND t.year = r.yrtrig) END AS defense_ab,
            {umbrella.format("r.ccode_a", "coalesce(r.ccode_b, -1)")} AS umbrella_a,
            CASE WHEN r.ccode_b IS NOT NULL THEN {umbrella.format("r.ccode_b", "r.ccode_a")} END AS umbrella_b,
            da.polity2 AS polity2_a, db.polity2 AS polity2_b,
            da.v2x_polyarchy AS v2x_polyarchy_a, db.v2x_polyarchy AS v2x_polyarchy_b,
            CASE WHEN r.ccode_b IS NOT NULL THEN EXISTS (SELECT 1 FROM _rivals v
                 WHERE least(v.ccode1, v.ccode2) = least(r.ccode_a, r.ccode_b)
                 AND greatest(v.ccode1, v.ccode2) = greatest(r.ccode_a, r.ccode_b)
                 AND r.yrtrig BETWEEN v.styear AND v.endyear) END AS rivalry,
            la.leader AS leader_a, lb.leader AS leader_b,
            date_diff('day', la.startdate, r.trigger_date) / 365.25 AS tenure_a,
            date_diff('day', lb.startdate, r.trigger_date) / 365.25 AS tenure_b
        FROM _rows r
        LEFT JOIN _icb1 s ON s.crisno = r.crisno
        LEFT JOIN _nmc na ON na.ccode = r.ccode_a AND na.year = r.yrtrig
        LEFT JOIN _nmc nb ON nb.ccode = r.ccode_b AND nb.year = r.yrtrig
        LEFT JOIN _dem da ON da.ccode = r.ccode_a AND da.year = r.yrtrig
        LEFT JOIN _dem db ON db.ccode = r.ccode_b AND db.year = r.yrtrig
        LEFT JOIN LATERAL (SELECT leader, startdate FROM _archigos g
             WHERE g.gwcode = {_gw("r.ccode_a", "r.yrtrig")} AND g.startdate <= r.trigger_date
             AND g.enddate >= r.trigger_date ORDER BY g.startdate DESC LIMIT 1) la ON true
        LEFT JOIN LATERAL (SELECT leader, startdate FROM _archigos g
             WHERE g.gwcode = {_gw("r.ccode_b", "r.yrtrig")} AND g.startdate <= r.trigger_date
             AND g.enddate >= r.trigger_date ORDER BY g.startdate DESC LIMIT 1) lb ON true
        ORDER BY r.crisno, r.cracno
    """)
    for name in ("_nuclear", "_atop", "_icb1", "_icb2", "_act", "_adv", "_first", "_chal", "_rows"):
        con.execute(f"DROP TABLE IF EXISTS {name}")
    for name in ("_nmc", "_dem", "_rivals", "_archigos"):
        con.execute(f"DROP VIEW IF EXISTS {name}")


def icb_table(shared: Path | None = None) -> dict[str, np.ndarray[Any, Any]]:
    """The ICB table as arrays, one per column, rows ordered by crisis and actor number.

    Raises:
        InputError: the data folder or one of its source files is missing.
    """
    return table_arrays("icb", build_icb_table, shared)


def icb_summary(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Counts of table ``icb`` in ``con``: rows, crises, years, rows by decade (of the actor's trigger
    year), by outcome, by form of outcome and by ending; challengers and joins found."""
    rows = con.execute(
        "SELECT crisno, year, outcome, outfor, ending, challenger, ccode_b, cinc_a, cinc_b, leader_a FROM icb"
    ).fetchall()
    if not rows:
        raise InputError("the ICB table is empty", "icb", "Check the source files")
    decades = Counter(int(r[1]) // 10 * 10 for r in rows)
    outcomes = Counter("missing" if r[2] is None else str(r[2]) for r in rows)
    forms = Counter("missing" if r[3] is None else int(r[3]) for r in rows)
    endings = Counter("missing" if r[4] is None else str(r[4]) for r in rows)
    return {
        "rows": len(rows),
        "crises": len({r[0] for r in rows}),
        "first_year": min(int(r[1]) for r in rows),
        "last_year": max(int(r[1]) for r in rows),
        "by_decade": {str(k): decades[k] for k in sorted(decades)},
        "by_outcome": {label: outcomes[label] for label in (*OUTCOMES.values(), "missing") if outcomes[label]},
        "by_form": {str(k): forms[k] for k in sorted(forms, key=lambda f: (isinstance(f, str), f))},
        "by_ending": {label: endings[label] for label in (*ENDINGS, "missing") if endings[label]},
        "challengers": sum(bool(r[5]) for r in rows),
        "with_adversary": sum(r[6] is not None for r in rows),
        "with_cinc_both": sum(r[7] is not None and r[8] is not None for r in rows),
        "with_leader": sum(r[9] is not None for r in rows),
    }
