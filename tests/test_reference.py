"""The bundled reference tables equal a fresh derivation from ../shared and match the literature."""

from __future__ import annotations

import csv
import importlib.util
import json
import sys
from datetime import date
from pathlib import Path
from types import ModuleType

import pytest
import yaml
from conftest import ROOT, SHARED

from brink.errors import InputError
from brink.mechanisms.reference import (
    alliance_reliability,
    archigos_rates,
    blocs,
    energy,
    foreign_exit_rate,
    irregular_exit_rate,
    load_table,
    nuclear_forces,
)

DATA = ROOT / "src" / "brink" / "data"


def _script(name: str) -> ModuleType:
    if str(ROOT / "scripts") not in sys.path:  # the scripts import their sibling derived_tables
        sys.path.insert(0, str(ROOT / "scripts"))
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _committed(name: str) -> object:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def _fresh(table: object) -> object:
    return json.loads(json.dumps(table, default=str))


def test_archigos_table_equals_fresh_derivation(shared_dir: Path) -> None:
    module = _script("derive_archigos_rates")
    assert _fresh(module.derive(shared_dir)) == _committed("archigos_rates.json")


def test_reliability_table_equals_fresh_derivation(shared_dir: Path) -> None:
    module = _script("derive_reliability")
    assert _fresh(module.derive(shared_dir)) == _committed("alliance_reliability.json")


@pytest.mark.parametrize("name", ["kahn_ladder.json", "nuclear_forces.json", "blocs_energy.json"])
def test_reference_tables_equal_fresh_derivation(shared_dir: Path, name: str) -> None:
    module = _script("derive_reference")
    assert _fresh(module.TABLES[name](shared_dir)) == _committed(name)


@pytest.mark.shared
def test_archigos_exposure_accounts_for_every_leader_day() -> None:
    """Classified plus unclassified leader-years equal the tenure days in the window."""
    window = (date(1919, 1, 1), date(2008, 12, 31))
    days = 0
    with (SHARED / "data" / "peacescience" / "archigos.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            start = max(date.fromisoformat(row["startdate"]), window[0])
            end = min(date.fromisoformat(row["enddate"]), window[1])
            days += max((end - start).days + 1, 0)
    table = load_table("archigos_rates")["classifications"]["gwf"]
    classified = sum(r["leader_years"] for r in table["regimes"].values())
    assert classified + table["unclassified_leader_years"] == pytest.approx(days / 365.2425,
                                                                            rel=1e-4)


@pytest.mark.shared
def test_archigos_rates_follow_the_regime_literature() -> None:
    gwf = archigos_rates("gwf")
    # Geddes 1999: military regimes are the shortest-lived; Svolik 2012: autocrats fall
    # irregularly far more often than democrats.
    assert gwf["military"].irregular_rate == max(r.irregular_rate for r in gwf.values())
    assert gwf["personalist"].irregular_rate > 3 * gwf["democracy"].irregular_rate
    polity = archigos_rates("polity")
    # Goemans 2000: mixed regimes are the most exposed.
    assert polity["mixed"].irregular_rate > polity["autocracy"].irregular_rate
    assert polity["mixed"].irregular_rate > polity["democracy"].irregular_rate
    for rates in (gwf, polity):
        for r in rates.values():
            assert r.irregular_rate == pytest.approx(r.irregular_exits / r.leader_years, abs=1e-6)
            assert r.foreign_rate == pytest.approx(r.foreign_exits / r.leader_years, abs=1e-6)
    total_foreign = sum(r.foreign_exits for r in polity.values())
    with (SHARED / "data" / "peacescience" / "archigos.csv").open(encoding="utf-8") as handle:
        assert total_foreign <= sum(row["exit"] == "Foreign" for row in csv.DictReader(handle))


def test_exit_rate_lookup() -> None:
    assert irregular_exit_rate("personalist") == archigos_rates("gwf")["personalist"].irregular_rate
    assert foreign_exit_rate("mixed") == archigos_rates("polity")["mixed"].foreign_rate
    with pytest.raises(InputError, match="personalist"):
        irregular_exit_rate("tyranny")
    with pytest.raises(InputError):
        archigos_rates("vdem")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="no reference table"):
        load_table("nothing")


def test_berkemeier_fuhrmann_rates_reproduced() -> None:
    """50% overall, 66% before 1945, 22% after, 41% defense pacts (B&F 2018)."""
    rel = alliance_reliability()
    for name in ("overall", "pre_1945", "post_1945", "defense"):
        assert rel[name].published is not None
        assert rel[name].rate == pytest.approx(rel[name].published, abs=0.005), name
    assert (rel["overall"].honoured, rel["overall"].cases) == (73, 146)


def test_leeds_2000_figure_within_two_points() -> None:
    """LLM's 74.5% comes back as 84/115 = 73.0% when non-aggression pacts count as honoured;
    without that convention the same cases give 66%, the gap B&F 2018 document."""
    rel = alliance_reliability()
    leeds = rel["leeds_2000_convention"]
    assert (leeds.honoured, leeds.cases) == (84, 115)
    assert abs(leeds.rate - 0.745) < 0.02
    assert rel["pre_1945"].rate < leeds.rate


def test_nuclear_forces() -> None:
    forces = nuclear_forces()
    assert sum(f.total or 0 for f in forces.values()) == 12241  # SIPRI 2025 world total
    assert forces["RUS"].total == 5459 and forces["USA"].total == 5177
    assert forces["RUS"].strategic_deployed == 1674
    assert set(forces) == {"USA", "RUS", "CHN", "FRA", "GBR", "IND", "PAK", "ISR", "PRK"}


@pytest.mark.shared
def test_blocs_and_energy() -> None:
    bloc = blocs()
    assert len(bloc["NATO"].members) == 32 and "UKR" not in bloc["NATO"].members
    assert set(bloc["NATO"].nuclear_weapon_members) == {"USA", "GBR", "FRA"}
    assert set(bloc["NATO"].nuclear_weapon_members) <= set(bloc["NATO"].members)
    assert "RUS" in bloc["CSTO"].members and "RUS" in bloc["OPEC_PLUS_PARTNERS"].members
    facts = yaml.safe_load((SHARED / "data" / "facts" / "blocs_and_energy.yaml").read_text())
    assert energy().g7_price_cap_usd_per_bbl == facts["energy"]["g7_price_cap_usd_per_bbl"]
    assert energy().imports_mbd("IND") == 2.07
    assert energy().import_share("CHN") == 0.196
    assert max(d.usd_per_bbl for d in energy().discounts) == 40.05
    with pytest.raises(InputError, match="CHN, IND"):
        energy().imports_mbd("TUR")
