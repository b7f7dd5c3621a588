"""`brink backtest --scenarios` (issue #23, item 5): records in scenario files, brink's run read as ICB
classes, the references fitted on the crises before each scenario, and the command line."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from brink.errors import InputError
from brink.fit.icb import CLASSES
from brink.fit.scenarios import MODEL, model_classes, scenario_backtest, scenario_cases
from brink.scenario.loading import load_scenario, load_scenario_text, resolve_scenario_source

BUNDLED = resolve_scenario_source("kargil-1999").parent


def _plain(name: str) -> str:
    """A bundled scenario's text without its own ``record:`` line."""
    text = (BUNDLED / f"{name}.yaml").read_text(encoding="utf-8")
    return "\n".join(line for line in text.split("\n") if not line.startswith("record:"))


def _with_record(folder: Path, name: str, record: str) -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(_plain(name) + f"\nrecord: {record}\n", encoding="utf-8")
    return path


def test_a_run_is_read_as_the_challengers_icb_outcome() -> None:
    outcomes = {"challenger_victory": {"p": 0.2}, "challenger_defeat": {"p": 0.1}, "settlement": {"p": 0.6},
                "stalemate": {"p": 0.05}}
    assert np.allclose(model_classes(outcomes), [0.2, 0.6, 0.1, 0.1])
    assert list(CLASSES) == ["victory", "compromise", "stalemate", "defeat"]
    with pytest.raises(InputError, match="challenger_defeat"):
        model_classes({"challenger_victory": {"p": 1.0}, "settlement": {"p": 0.0}})


def test_a_record_names_exactly_one_of_icb_or_outcome_and_is_absent_from_dumps_without_one() -> None:
    text = _plain("kargil-1999")
    assert "record" not in load_scenario_text(text).model_dump()
    assert load_scenario_text(text + "\nrecord: {icb: 431}\n").record.icb == 431  # type: ignore[attr-defined]
    for bad in ("{icb: 431, outcome: defeat}", "{actor: PAK}", "{outcome: won}", "{icb: 0}"):
        with pytest.raises(InputError, match="record"):
            load_scenario_text(text + f"\nrecord: {bad}\n")


@pytest.fixture(scope="module")
def table(shared_dir: Path) -> dict[str, np.ndarray[Any, Any]]:
    from brink.history.icb import icb_table

    return icb_table(shared_dir)


@pytest.mark.shared
def test_records_are_checked_and_name_the_file(tmp_path: Path, table: dict[str, np.ndarray[Any, Any]]) -> None:
    with pytest.raises(InputError, match="no scenario files"):
        scenario_cases(tmp_path, table)
    plain = tmp_path / "kargil-1999.yaml"
    plain.write_text(_plain("kargil-1999"), encoding="utf-8")
    with pytest.raises(InputError, match="names no record") as err:
        scenario_cases(tmp_path, table)
    assert str(plain) in str(err.value)
    _with_record(tmp_path, "kargil-1999", "{icb: 196}")  # Cuba 1962 has no Pakistani actor
    with pytest.raises(InputError, match="CUB, RUS, USA"):
        scenario_cases(tmp_path, table)
    _with_record(tmp_path, "kargil-1999", "{icb: 431}")
    _with_record(tmp_path, "berlin-1961", "{icb: 185, actor: RUS}")
    cases = scenario_cases(tmp_path, table)
    assert [(c.name, c.record, CLASSES[c.outcome], c.year) for c in cases] == [
        ("berlin-1961", "icb 185 RUS", "victory", 1961), ("kargil-1999", "icb 431 PAK", "defeat", 1999)]


@pytest.mark.shared
def test_the_scenario_backtest_scores_brink_against_references_fitted_before_each_crisis(
    tmp_path: Path, shared_dir: Path, table: dict[str, np.ndarray[Any, Any]],
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    from brink.runs.montecarlo import run

    kargil = _with_record(tmp_path, "kargil-1999", "{icb: 431}")
    _with_record(tmp_path, "crimea-2014", "{outcome: victory, source: 'ICB 471: victory for Russia'}")
    out = scenario_backtest(tmp_path, table, samples=1024, seed=0, replications=50)
    rows = {r["scenario"]: r for r in out["scenarios"]}
    assert rows["kargil-1999"]["observed"] == "defeat" and rows["crimea-2014"]["observed"] == "victory"
    model = model_classes(run(load_scenario(kargil), 1024, 0, keep_samples=False).outcomes)
    assert rows["kargil-1999"]["model"] == pytest.approx(dict(zip(CLASSES, model.tolist(), strict=True)), abs=1e-12)
    # the base rate: ICB actors (outcomes 1-4) of crises triggered before each crisis, recounted with csv
    with open(shared_dir / "data" / "icb" / "icb1v14.csv", newline="", encoding="utf-8-sig") as fh:
        year = {int(r["crisno"]): int(r["yrtrig"]) for r in csv.DictReader(fh) if r["yrtrig"]}
    with open(shared_dir / "data" / "icb" / "icb2v14.csv", newline="", encoding="utf-8-sig") as fh:
        actors = [(year[int(r["crisno"])], int(r["outcom"])) for r in csv.DictReader(fh) if r["outcom"] in "1234" and r["outcom"]]
    for name, first, observed in (("kargil-1999", 1999, 4), ("crimea-2014", 2014, 1)):
        before = [o for y, o in actors if y < first]
        assert rows[name]["p_observed"]["base rate"] == pytest.approx(before.count(observed) / len(before), abs=1e-12)
    # a stated outcome has no ICB covariates: every reference is the base rate
    assert len(set(rows["crimea-2014"]["p_observed"][n] for n in ("base rate", "stronger side wins",
                                                                  "multinomial logit"))) == 1
    design = out["by_time"]
    assert list(design["scores"]) == ["base rate", "stronger side wins", "multinomial logit", MODEL]
    assert set(design["skills"]["brier"][MODEL]) == {"base rate", "stronger side wins", "multinomial logit"}

    monkeypatch.setattr(sys, "argv", ["brink", "backtest", "--scenarios", str(tmp_path), "--samples", "1024",
                                      "--bootstrap", "50", "--shared", str(shared_dir), "--no-store", "--json"])
    from brink.cli import main

    try:
        main()
    except SystemExit as exc:
        assert exc.code in (0, None)
    cli = json.loads(capsys.readouterr().out)
    for name, values in design["scores"].items():
        assert cli["by_time"]["scores"][name] == pytest.approx(values, abs=1e-12)
