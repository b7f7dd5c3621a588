"""Derive the durations of war-level militarized disputes (-> ``src/brink/data/war_durations.json``).

The escalation game's ``process.decisiveness`` is the chance that a war fought at full
intensity is decided within a round.  GML MID 2.2.1 (Gibler, Miller & Little 2016;
``peacescience/gml_mid_disps.csv``) records for every dispute its highest hostility level and
its minimum and maximum duration in days (the dates are partly unknown); the wars are the
disputes at hostility level 5.  This script keeps, for each of them, its number, start year
and the two durations: a small table of facts from which
:func:`brink.mechanisms.reference.war_decisiveness` estimates the hazard of a war ending,
using only the wars that began before a scenario's date (so that a scenario's prior is set
from what was known then).

Usage: ``.venv/bin/python scripts/derive_war_durations.py [--shared ../shared] [--check]``.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path
from typing import Any

import derived_tables

TARGET = "war_durations.json"


def derive(shared: Path) -> dict[str, Any]:
    path = shared / "data" / "peacescience" / "gml_mid_disps.csv"
    wars = []
    with path.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if float(row["hostlev"]) != 5:
                continue
            wars.append([int(float(row["dispnum"])), int(float(row["styear"])), int(float(row["mindur"])),
                         int(float(row["maxdur"]))])
    wars.sort()
    return {TARGET: {
        "source": "GML MID 2.2.1 (Gibler, Miller & Little 2016, ISQ 60(4)), gml_mid_disps.csv via peacesciencer",
        "rule": "disputes at hostility level 5 (war); durations in days as GML codes them (mindur, maxdur)",
        "columns": ["dispnum", "start_year", "min_days", "max_days"],
        "wars": wars,
    }}


def main() -> int:
    return derived_tables.main(__doc__.splitlines()[0], derive)


if __name__ == "__main__":
    sys.exit(main())
