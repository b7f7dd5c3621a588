"""The bundled reference tables equal a fresh derivation from ../shared and match the literature."""

from __future__ import annotations

import csv
import importlib.util
import json
import math
import sys
from datetime import date, timedelta
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
import yaml
from conftest import ROOT, SHARED

from brink.errors import InputError
from brink.mechanisms.reference import (
    TENURE_BANDS,
    alliance_reliability,
    archigos_rates,
    blocs,
    energy,
    exit_rate,
    foreign_exit_rate,
    irregular_exit_rate,
    load_table,
    nuclear_exit_record,
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


def _completed_years(start: date, day: date) -> int:
    """Whole years from ``start`` to ``day`` (the age formula; 29 February turns on 1 March)."""
    return day.year - start.year - ((day.month, day.day) < (start.month, start.day))


def _archigos_rows() -> list[dict[str, str]]:
    with (SHARED / "data" / "peacescience" / "archigos.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_archigos_by_tenure_adds_up_to_the_regime_totals() -> None:
    """Each regime's tenure bands sum to its totals; ``all`` is the sum of the regimes."""
    gwf = load_table("archigos_rates")["classifications"]["gwf"]
    by_tenure = gwf["by_tenure"]
    assert tuple(by_tenure["band_edges_years"]) == TENURE_BANDS
    bands = len(TENURE_BANDS)
    for regime, total in gwf["regimes"].items():
        rows = by_tenure["regimes"][regime]
        assert [row["tenure_years"][0] for row in rows] == list(TENURE_BANDS)
        assert sum(r["leader_years"] for r in rows) == pytest.approx(total["leader_years"],
                                                                     abs=bands * 1e-4)
        assert sum(r["irregular_exits"] for r in rows) == total["irregular_exits"]
        assert sum(r["foreign_exits"] for r in rows) == total["foreign_exits"]
        for r in rows:
            if r["leader_years"]:
                # leader_years is rounded to 1e-4: a relative error of 1e-4 / exposure
                assert r["irregular_rate"] == pytest.approx(
                    r["irregular_exits"] / r["leader_years"], rel=1e-4, abs=1e-6)
    regimes = [by_tenure["regimes"][name] for name in gwf["regimes"]]
    for band, row in enumerate(by_tenure["regimes"]["all"]):
        assert row["leader_years"] == pytest.approx(
            sum(rows[band]["leader_years"] for rows in regimes), abs=len(regimes) * 1e-4)
        for key in ("irregular_exits", "foreign_exits"):
            assert row[key] == sum(rows[band][key] for rows in regimes)
    unclassified = sum(r["leader_years"] for r in by_tenure["unclassified"])
    assert unclassified == pytest.approx(gwf["unclassified_leader_years"], abs=bands * 1e-4)


@pytest.mark.shared
def test_archigos_by_tenure_recounted_from_archigos() -> None:
    """Exits and first-year exposure recounted by tenure straight from archigos.csv, regardless
    of regime, equal the ``all`` plus ``unclassified`` cells of each band."""
    window = (date(1919, 1, 1), date(2008, 12, 31))
    exits = {"Irregular": [0] * len(TENURE_BANDS), "Foreign": [0] * len(TENURE_BANDS)}
    first_year_days = 0
    for row in _archigos_rows():
        start, end = date.fromisoformat(row["startdate"]), date.fromisoformat(row["enddate"])
        if row["exit"] in exits and window[0] <= end <= window[1]:
            years = _completed_years(start, end)
            exits[row["exit"]][sum(edge <= years for edge in TENURE_BANDS) - 1] += 1
        # the first year in office ends 364 or 365 days after it began (a leap day between)
        year_end = start + timedelta(days=365)
        if _completed_years(start, year_end) >= 1:
            year_end -= timedelta(days=1)
        last_day = min(end, window[1], year_end)
        first_day = max(start, window[0])
        first_year_days += max((last_day - first_day).days + 1, 0)
    by_tenure = load_table("archigos_rates")["classifications"]["gwf"]["by_tenure"]
    cells = list(zip(by_tenure["regimes"]["all"], by_tenure["unclassified"], strict=True))
    assert [a["irregular_exits"] + u["irregular_exits"] for a, u in cells] == exits["Irregular"]
    assert [a["foreign_exits"] + u["foreign_exits"] for a, u in cells] == exits["Foreign"]
    first = cells[0][0]["leader_years"] + cells[0][1]["leader_years"]
    assert first == pytest.approx(first_year_days / 365.2425, rel=1e-3)
    assert sum(exits["Irregular"]) > 400 and exits["Irregular"][0] > exits["Irregular"][1]


def test_exit_rate_by_tenure_lookup() -> None:
    by_tenure = load_table("archigos_rates")["classifications"]["gwf"]["by_tenure"]["regimes"]
    assert set(by_tenure) == {*archigos_rates("gwf"), "all"}
    for regime, rows in by_tenure.items():
        for row in rows:
            low, high = row["tenure_years"]
            for tenure in (low, low + 0.5, (high or low + 30) - 1e-9):
                assert exit_rate(regime, tenure, "irregular") == row["irregular_rate"]
                assert exit_rate(regime, tenure, "foreign") == row["foreign_rate"]
    personalist = by_tenure["personalist"]
    assert exit_rate("personalist", 0.99, "irregular") == personalist[0]["irregular_rate"]
    assert exit_rate("personalist", 1.0, "irregular") == personalist[1]["irregular_rate"]
    assert personalist[0]["irregular_rate"] != personalist[1]["irregular_rate"]
    assert exit_rate("all", 1e6, "foreign") == by_tenure["all"][-1]["foreign_rate"]
    with pytest.raises(InputError, match="personalist"):
        exit_rate("tyranny", 2.0, "irregular")
    with pytest.raises(InputError, match="irregular"):
        exit_rate("all", 2.0, "natural")  # type: ignore[arg-type]
    for bad in (-0.5, math.nan, math.inf):
        with pytest.raises(InputError, match="tenure"):
            exit_rate("all", bad, "irregular")


@pytest.mark.shared
def test_nuclear_exit_record_recounted() -> None:
    """Leader-years and exits of nuclear-armed states' leaders, recounted from archigos.csv
    and nuclear_states.yaml; the upper bounds solve the Poisson tail equation."""
    from scipy.stats import poisson

    facts = yaml.safe_load((SHARED / "data" / "facts" / "nuclear_states.yaml").read_text())
    since = {int(s["ccode"]): int(s["possession_jo_gartzke"] or str(s["first_test"])[:4])
             for s in facts["states"]}
    assert since[731] == 2006 and since[365] == 1949

    def armed(gw: int, year: int) -> bool:
        return gw in since and since[gw] <= year and not (gw == 560 and year > 1991)

    days = {True: 0.0, False: 0.0}
    counts = {(True, "Irregular"): 0, (True, "Foreign"): 0,
              (False, "Irregular"): 0, (False, "Foreign"): 0}
    names = []
    for row in _archigos_rows():
        gw = int(float(row["gwcode"]))
        start, end = date.fromisoformat(row["startdate"]), date.fromisoformat(row["enddate"])
        for year in range(start.year, end.year + 1):
            lo, hi = max(start, date(year, 1, 1)), min(end, date(year, 12, 31))
            days[armed(gw, year)] += (hi - lo).days + 1
        if row["exit"] in ("Irregular", "Foreign"):
            counts[(armed(gw, end.year), row["exit"])] += 1
            if armed(gw, end.year):
                names.append((row["leader"], end.year))
    record = nuclear_exit_record()
    assert record.window == (1840, 2015)
    for status, armed_status in ((record.nuclear, True), (record.non_nuclear, False)):
        assert status.irregular_exits == counts[(armed_status, "Irregular")]
        assert status.foreign_exits == counts[(armed_status, "Foreign")]
        assert status.leader_years == pytest.approx(days[armed_status] / 365.2425, rel=1e-3)
        for events, upper in ((status.irregular_exits, status.irregular_upper_95),
                              (status.foreign_exits, status.foreign_upper_95)):
            assert poisson.cdf(events, upper * status.leader_years) == pytest.approx(0.05,
                                                                                   abs=1e-4)
    assert sorted((e.leader, e.year) for e in record.exits) == sorted(names)
    assert len(record.exits) == record.nuclear.irregular_exits + record.nuclear.foreign_exits
    if record.nuclear.foreign_exits == 0:
        assert record.nuclear.foreign_upper_95 == pytest.approx(
            -math.log(0.05) / record.nuclear.leader_years, abs=1e-6)


def test_nuclear_exits_by_regime_add_up() -> None:
    """The GWF split of nuclear-armed leader-years partitions them: each type once, and
    personalist plus not_personalist is the sum of the types, within the nuclear totals."""
    table = load_table("archigos_rates")["nuclear"]
    regimes = table["nuclear_by_gwf_regime"]["regimes"]
    types = [regimes[name] for name in archigos_rates("gwf")]
    nuclear = table["status"]["nuclear"]
    for key, tol in (("leader_years", 1e-3), ("irregular_exits", 0), ("foreign_exits", 0)):
        total = sum(row[key] for row in types)
        assert regimes["personalist"][key] + regimes["not_personalist"][key] == pytest.approx(
            total, abs=tol)
        assert total <= nuclear[key] + tol


def test_war_durations_table_equals_fresh_derivation(shared_dir: Path) -> None:
    module = _script("derive_war_durations")
    tables = module.derive(shared_dir)
    assert _fresh(tables["war_durations.json"]) == _committed("war_durations.json")


def test_war_decisiveness_is_the_exponential_estimate_from_wars_begun_before_the_year(shared_dir: Path) -> None:
    """Recounted from gml_mid_disps.csv: wars (hostility 5) begun before 1962, each lasting the
    midpoint of its minimum and maximum days; decided within a month = 1 - exp(-n / sum(days) * 30.44)."""
    import csv

    from brink.mechanisms.reference import war_decisiveness

    with (shared_dir / "data" / "peacescience" / "gml_mid_disps.csv").open(encoding="utf-8") as handle:
        days = [(float(r["mindur"]) + float(r["maxdur"])) / 2 for r in csv.DictReader(handle)
                if float(r["hostlev"]) == 5 and float(r["styear"]) < 1962]
    w = war_decisiveness(1.0, 1962)
    assert w.wars == len(days)
    assert w.decided == pytest.approx(1 - np.exp(-len(days) / sum(days) * 365.25 / 12), rel=1e-12)
    assert w.low < w.decided < w.high
    assert w.beta_a / (w.beta_a + w.beta_b) == pytest.approx(w.decided, rel=0.02)
    # later cut-offs see more wars; a longer round decides more often
    assert war_decisiveness(1.0, 2011).wars > w.wars
    assert war_decisiveness(3.0, 1962).decided > w.decided
    with pytest.raises(InputError):
        war_decisiveness(1.0, 1800)
    with pytest.raises(InputError):
        war_decisiveness(0.0, 1962)
