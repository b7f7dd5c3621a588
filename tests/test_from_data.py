"""``from_data:`` in a scenario (issue #14, item 4): an actor's facts for a year from the shared data.

Every expected value is read here from the source files with ``csv`` and ``yaml`` (never
with :mod:`brink.history`, which fills them), so a wrong file, code, date rule or join in
the fill makes a test fail.  The fixture tests/fixtures/from-data.yaml is a small escalation
crisis of Russia, Ukraine, the USA and the UK in 2014.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml

from brink.errors import InputError
from brink.model import CrisisModel
from brink.scenario import load_scenario
from brink.scenario.schema import Scenario

pytestmark = pytest.mark.shared

FIXTURE = Path(__file__).parent / "fixtures" / "from-data.yaml"
PEACE = ("data", "peacescience")
JULY = date(2014, 7, 1)


def _rows(path: Path) -> Iterator[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        yield from csv.DictReader(fh)


@pytest.fixture(autouse=True)
def _shared_env(shared_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The fill finds the reference data where the tests do."""
    monkeypatch.setenv("BRINK_SHARED", str(shared_dir))


@pytest.fixture(scope="module")
def filled(shared_dir: Path) -> Scenario:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("BRINK_SHARED", str(shared_dir))
        return load_scenario(FIXTURE)


def _variant(tmp_path: Path, change: Any) -> Path:
    """The fixture with ``change(data)`` applied, written to a temporary file."""
    data = yaml.safe_load(FIXTURE.read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "variant.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def _cinc(shared: Path, ccode: int, year: int) -> float:
    for row in _rows(shared.joinpath(*PEACE, "cow_nmc.csv")):
        if int(float(row["ccode"])) == ccode and int(float(row["year"])) == year:
            return float(row["cinc"])
    raise AssertionError(f"no NMC row {ccode}/{year}")


def _leader_in_office(shared: Path, gwcode: int, day: date) -> dict[str, str]:
    spells = [
        row for row in _rows(shared.joinpath(*PEACE, "archigos.csv"))
        if int(float(row["gwcode"])) == gwcode
        and date.fromisoformat(row["startdate"]) <= day <= date.fromisoformat(row["enddate"])
    ]
    assert len(spells) == 1
    return spells[0]


def _defense(shared: Path, a: int, b: int, year: int) -> bool:
    return any(
        {int(float(row["ccode1"])), int(float(row["ccode2"]))} == {a, b}
        and int(float(row["year"])) == year and float(row["atop_defense"]) == 1
        for row in _rows(shared.joinpath(*PEACE, "atop_alliance.csv"))
    )


def test_capabilities_are_the_nmc_cinc_of_the_year(filled: Scenario, shared_dir: Path) -> None:
    codes = {row["stateabb"]: int(float(row["ccode"])) for row in _rows(shared_dir.joinpath(*PEACE, "cow_states.csv"))}
    assert (codes["RUS"], codes["UKR"], codes["USA"]) == (365, 369, 2)
    for aid, ccode in (("RUS", 365), ("UKR", 369), ("USA", 2), ("GBR", 200)):
        cap = filled.actors[aid].capability
        assert cap is not None and cap.root == _cinc(shared_dir, ccode, 2014)
        assert filled.provenance[f"actors.{aid}.capability"] == "from_data"
    # Written numbers are not touched.
    p1 = filled.actors["P1"].capability
    assert p1 is not None and p1.root == 0.1
    assert "actors.P1.capability" not in filled.provenance


def test_leader_name_tenure_and_regime(filled: Scenario, shared_dir: Path) -> None:
    spell = _leader_in_office(shared_dir, 365, JULY)
    leader = filled.actors["RUS"].leader
    assert leader is not None
    assert leader.name == spell["leader"] == "Putin"
    tenure = (JULY - date.fromisoformat(spell["startdate"])).days / 365.25
    assert leader.tenure_years.root == pytest.approx(tenure, abs=1e-12)
    assert 14 < tenure < 15
    # CHISOLS ends before 2014: the latest CHISOLS year of Putin's spell decides.
    chisols = {int(row["year"]): row for row in _rows(shared_dir.joinpath(*PEACE, "chisols_state_year_4_0.csv"))
               if row["ccode"] == "365"}
    last = max(y for y in chisols if y >= date.fromisoformat(spell["startdate"]).year)
    assert last < 2014
    assert chisols[last]["per"] == "1" and chisols[last]["dem"] != "1" and chisols[last]["mon"] != "1"
    assert leader.regime == "personalist"
    # Written leader numbers are kept.
    assert (leader.W.root, leader.punishment_cost.root) == (0.2, 1.0)
    for key in ("name", "tenure_years", "regime"):
        assert filled.provenance[f"actors.RUS.leader.{key}"] == "from_data"
    assert "CHISOLS" in filled.sources["from_data"] and "year 2014" in filled.sources["from_data"]


def test_a_leader_after_chisols_with_no_coded_year_takes_the_polity_rule(tmp_path: Path, shared_dir: Path) -> None:
    """Poroshenko (in office from 7 June 2014) has no CHISOLS year: polity2 decides."""
    sc = load_scenario(_variant(tmp_path, lambda d: d["actors"]["UKR"].update(leader={"W": 0.5})))
    spell = _leader_in_office(shared_dir, 369, JULY)
    polity2 = next(float(row["polity2"]) for row in _rows(shared_dir.joinpath(*PEACE, "ccode_democracy.csv"))
                   if row["ccode"] == "369.0" and row["year"] == "2014.0")
    leader = sc.actors["UKR"].leader
    assert leader is not None and leader.name == spell["leader"]
    assert leader.tenure_years.root == pytest.approx((JULY - date.fromisoformat(spell["startdate"])).days / 365.25)
    assert leader.regime == ("democracy" if polity2 >= 6 else "mixed")
    # No leader section: none is created.
    assert load_scenario(FIXTURE).actors["USA"].leader is None


def test_defense_pacts_become_commitments_both_ways(filled: Scenario, shared_dir: Path) -> None:
    assert _defense(shared_dir, 2, 200, 2014)
    assert not _defense(shared_dir, 365, 369, 2014)
    pairs = {(c.guarantor, c.protege): c for c in filled.commitments}
    assert set(pairs) == {("USA", "GBR"), ("GBR", "USA")}
    for c in pairs.values():
        assert (c.type, c.legal) == ("defense", True)
        assert filled.provenance[f"commitments.{c.id}"] == "from_data"


def test_a_written_commitment_between_the_pair_is_kept_alone(tmp_path: Path) -> None:
    written = {"id": "nato", "guarantor": "GBR", "protege": "USA", "type": "consultation"}
    sc = load_scenario(_variant(tmp_path, lambda d: d.update(commitments=[written])))
    assert [c.id for c in sc.commitments] == ["nato"]


def test_written_values_and_overrides_beat_the_fill(tmp_path: Path) -> None:
    def change(d: dict[str, Any]) -> None:
        d["actors"]["RUS"]["capability"] = 0.5
        d["actors"]["RUS"]["leader"]["regime"] = "single-party"
        d["provenance"]["actors.UKR.capability"] = "assumption: a guess"

    sc = load_scenario(_variant(tmp_path, change), ["actors.RUS.leader.tenure_years=3", "actors.USA.capability=0.2"])
    rus, usa = sc.actors["RUS"], sc.actors["USA"]
    assert rus.capability is not None and rus.capability.root == 0.5
    assert rus.leader is not None and rus.leader.regime == "single-party" and rus.leader.tenure_years.root == 3
    assert usa.capability is not None and usa.capability.root == 0.2
    for path in ("actors.RUS.capability", "actors.RUS.leader.regime", "actors.RUS.leader.tenure_years",
                 "actors.USA.capability"):
        assert sc.provenance.get(path) != "from_data"
    assert sc.provenance["actors.UKR.capability"] == "assumption: a guess"
    assert rus.leader.name == "Putin"


def test_the_nuclear_check_errs_both_ways(tmp_path: Path, shared_dir: Path) -> None:
    facts = yaml.safe_load(shared_dir.joinpath("data", "facts", "nuclear_states.yaml").read_text(encoding="utf-8"))
    armed = {int(s["ccode"]) for s in facts["states"]}
    assert 365 in armed and 369 not in armed
    with pytest.raises(InputError, match="no warheads") as exc:
        load_scenario(_variant(tmp_path, lambda d: d["actors"]["RUS"].pop("nuclear")))
    assert "actors.RUS" in exc.value.where and "actors.RUS.nuclear" in exc.value.fix
    with pytest.raises(InputError, match="not nuclear-armed") as exc:
        load_scenario(_variant(tmp_path, lambda d: d["actors"]["UKR"].update(nuclear={"strategic": 10})))
    assert "actors.UKR.nuclear" in exc.value.where
    # Explicit zeros for an armed state are no warheads either.
    with pytest.raises(InputError, match="no warheads"):
        load_scenario(FIXTURE, ["actors.USA.nuclear.strategic=0", "actors.USA.nuclear.non_strategic=0"])


def test_bad_years_unknown_ids_and_missing_data_are_located(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(InputError, match=r"from_data\.year") as exc:
        load_scenario(_variant(tmp_path, lambda d: d["actors"]["RUS"]["from_data"].update(year=2030)))
    assert "variant.yaml:" in exc.value.where and exc.value.where.endswith("actors.RUS.from_data.year")
    with pytest.raises(InputError, match=r"from_data\.year"):
        load_scenario(FIXTURE, ["actors.UKR.from_data.year=1700"])
    with pytest.raises(InputError, match="stateabb") as exc:
        load_scenario(_variant(tmp_path, lambda d: d["actors"]["GBR"]["from_data"].pop("ccode")))
    assert exc.value.where.endswith("actors.GBR.from_data") and "from_data.ccode" in exc.value.fix
    with pytest.raises(InputError, match="no COW state has code 999"):
        load_scenario(FIXTURE, ["actors.GBR.from_data.ccode=999"])
    monkeypatch.setenv("BRINK_SHARED", str(tmp_path / "nowhere"))
    with pytest.raises(InputError, match="reference data") as exc:
        load_scenario(FIXTURE)
    assert exc.value.where.endswith("actors.RUS.from_data") and "BRINK_SHARED" in exc.value.fix


def test_a_scenario_filled_from_data_runs(filled: Scenario) -> None:
    result = CrisisModel(filled).evaluate(filled.parameters.draw(0, 0, 16))
    assert result is not None


def test_bundled_scenarios_do_not_use_from_data() -> None:
    """They must load without the reference data."""
    for item in resources.files("brink.scenario.bundled").iterdir():
        if item.name.endswith(".yaml"):
            data = yaml.safe_load(item.read_text(encoding="utf-8"))
            for actor in (data.get("actors") or {}).values():
                assert "from_data" not in (actor or {}), item.name


def test_a_leader_after_archigos_names_every_field_to_write(tmp_path: Path) -> None:
    """Archigos 4.1 ends in 2015: for a later year the message lists every leader field the data
    cannot fill, with an example of each; written by hand, the same scenario loads and keeps them."""

    def year_2022(d: dict[str, Any]) -> None:
        for actor in d["actors"].values():
            if "from_data" in actor:
                actor["from_data"]["year"] = 2022

    with pytest.raises(InputError, match="no leader name, tenure_years, regime of state 365 on 2022") as exc:
        load_scenario(_variant(tmp_path, year_2022))
    assert exc.value.where.endswith("actors.RUS.leader")
    for key in ("name", "tenure_years", "regime"):
        assert f"actors.RUS.leader.{key}:" in exc.value.fix

    def by_hand(d: dict[str, Any]) -> None:
        year_2022(d)
        d["actors"]["RUS"]["leader"].update(name="Putin", tenure_years=22.5, regime="personalist")

    sc = load_scenario(_variant(tmp_path, by_hand))
    leader = sc.actors["RUS"].leader
    assert leader is not None and (leader.name, leader.regime) == ("Putin", "personalist")
    assert float(leader.tenure_years.root) == 22.5
