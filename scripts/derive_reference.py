"""Derive brink's small reference tables from the shared facts and nuclear data.

Writes, under ``src/brink/data/``:

* ``kahn_ladder.json`` — Kahn's (1965) 44 rungs, 7 groups, 6 thresholds and Rivera et
  al.'s (2024) escalation scores, from ``facts/kahn_ladder.yaml``;
* ``nuclear_forces.json`` — SIPRI Yearbook 2025 totals (``nuclear/sipri_2025_totals.csv``)
  joined with FAS 2023 deployed strategic / non-strategic / reserve / retired warheads
  (``nuclear/fas_2023_inventories.csv``, year 2023);
* ``blocs_energy.json`` — bloc memberships, Russian energy exports and discounts, and
  empirical base rates from ``facts/blocs_and_energy.yaml``.

Usage: ``.venv/bin/python scripts/derive_reference.py [--shared ../shared] [--check]``.
``--check`` compares with the committed tables instead of writing them.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import Any

import derived_tables
import yaml

ROOT = Path(__file__).resolve().parents[1]

#: FAS country names -> ISO3 (the codes SIPRI's table uses).
FAS_ISO3 = {
    "China": "CHN", "France": "FRA", "India": "IND", "Israel": "ISR", "North Korea": "PRK",
    "Pakistan": "PAK", "Russia": "RUS", "United Kingdom": "GBR", "United States": "USA",
}


def plain(value: Any) -> Any:
    """The value as JSON would give it back (dates as ISO strings, tuples as lists)."""
    return json.loads(json.dumps(value, default=str))


def _int_or_none(text: str) -> int | None:
    return int(float(text)) if text.strip() else None


def derive_kahn_ladder(shared: Path) -> dict[str, Any]:
    """Kahn's ladder as ordered groups of numbered rungs with the threshold after each group."""
    path = shared / "data" / "facts" / "kahn_ladder.yaml"
    facts = yaml.safe_load(path.read_text(encoding="utf-8"))
    groups = []
    for number, group in enumerate(facts["groups"], start=1):
        rungs = [{"number": int(k), "name": str(v)} for k, v in group["rungs"].items()]
        groups.append({"number": number, "name": group["name"], "rungs": rungs,
                       "threshold_after": group["threshold_after"]})
    return {
        "source": "Kahn 1965, On Escalation: Metaphors and Scenarios (rung names as commonly "
                  "listed); Rivera et al. 2024, FAccT (escalation scores); via "
                  "shared/data/facts/kahn_ladder.yaml",
        "groups": groups,
        "rivera_2024_scores": {k: float(v) for k, v in facts["rivera_2024_scores"].items()},
    }


def derive_nuclear_forces(shared: Path) -> dict[str, Any]:
    """Warheads by country: SIPRI January 2025 totals with FAS 2023 breakdowns."""
    nuclear = shared / "data" / "nuclear"
    forces: dict[str, dict[str, Any]] = {}
    with (nuclear / "sipri_2025_totals.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            forces[row["iso3"]] = {
                "name": row["country_name"],
                "sipri_2025_total": _int_or_none(row["total_inventory_jan2025"]),
                "sipri_2025_deployed": _int_or_none(row["deployed_jan2025"]),
                "sipri_2025_stored": _int_or_none(row["stored_jan2025"]),
            }
    with (nuclear / "fas_2023_inventories.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["year"] != "2023":
                continue
            entry = forces.setdefault(FAS_ISO3[row["country_name"]], {"name": row["country_name"]})
            entry.update({
                "fas_2023_deployed_strategic": _int_or_none(row["nuclear_weapons_depl_strat"]),
                "fas_2023_deployed_nonstrategic": _int_or_none(
                    row["nuclear_weapons_depl_nonstrat"]),
                "fas_2023_reserve": _int_or_none(row["nuclear_weapons_reserve_nondepl"]),
                "fas_2023_retired": _int_or_none(row["nuclear_weapons_retired"]),
                "fas_2023_inventory": _int_or_none(row["nuclear_weapons_inventory"]),
            })
    return {
        "source": "SIPRI Yearbook 2025 (January 2025 totals, press reports) and Federation of "
                  "American Scientists 2023 inventories (via Our World in Data); "
                  "shared/data/nuclear/",
        "note": "FAS counts non-deployed non-strategic warheads (most of Russia's) under reserve.",
        "countries": dict(sorted(forces.items())),
    }


def derive_blocs_energy(shared: Path) -> dict[str, Any]:
    """Blocs, energy figures and empirical base rates, each entry keeping its inline source."""
    path = shared / "data" / "facts" / "blocs_and_energy.yaml"
    facts = yaml.safe_load(path.read_text(encoding="utf-8"))
    blocs = {}
    for name, bloc in facts["blocs"].items():
        blocs[name] = {
            "kind": bloc["kind"],
            "members": list(bloc["members_iso3"]),
            "notes": bloc.get("notes", ""),
            "nuclear_weapon_members": list(bloc.get("nuclear_weapon_members", [])),
            "nuclear_sharing_hosts": list(bloc.get("nuclear_sharing_hosts", [])),
            "source": bloc.get("source", "shared/data/facts/blocs_and_energy.yaml"),
        }
    energy = facts["energy"]
    return {
        "source": "shared/data/facts/blocs_and_energy.yaml (sources inline per figure)",
        "as_of": str(facts["as_of"]),
        "blocs": blocs,
        "energy": {
            "russia_crude_exports": [
                {k: (str(v) if k == "period" else v) for k, v in row.items()}
                for row in energy["russia_crude_exports"]],
            "urals_discount_to_brent_usd_per_bbl": [
                {k: (str(v) if k == "period" else v) for k, v in row.items()}
                for row in energy["urals_discount_to_brent_usd_per_bbl"]],
            "g7_price_cap_usd_per_bbl": float(energy["g7_price_cap_usd_per_bbl"]),
            "russia_pipeline_gas_to_europe_2024_bcm":
                energy["russia_pipeline_gas_to_europe_2024_bcm"],
            "power_of_siberia_to_china_bcm":
                {str(k): v for k, v in energy["power_of_siberia_to_china_bcm"].items()},
        },
        "empirical_base_rates": plain(facts["empirical_base_rates"]),
    }


TABLES = {
    "kahn_ladder.json": derive_kahn_ladder,
    "nuclear_forces.json": derive_nuclear_forces,
    "blocs_energy.json": derive_blocs_energy,
}


def main() -> int:
    return derived_tables.main(
        __doc__.splitlines()[0], lambda shared: {n: f(shared) for n, f in TABLES.items()}
    )


if __name__ == "__main__":
    sys.exit(main())
