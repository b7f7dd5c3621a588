"""The default answer and its validity (issue 22, item 2 and its "Must show"; issue 23, item 4).

The escalation template's default solver is qbi at the logit precision fitted on the ICB
crises (:func:`brink.fit.structural.fitted_lambda`; McKelvey & Palfrey 1998, Signorino 1999),
declared in its :class:`~brink.templates.base.Capabilities`; other templates keep the
registry's rule (spe).  Under that default the bundled crises with a record are scored
against it the way ``brink backtest --bundled`` scores them (:mod:`brink.fit.scenarios`):
the modal ICB class of each run against the record's, and the multi-class Brier score
(Brier 1950) against the ICB base rate of the crises before each.  Where the measured result
misses the issue's target the test is a strict xfail carrying the measured figures, so it
fails loudly once the target is met.  No scenario number is set from its record.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from brink.analysis.compare import compare
from brink.fit.icb import CLASSES
from brink.fit.scenarios import MODEL, scenario_backtest, scenario_cases
from brink.fit.structural import fitted_lambda
from brink.measures import headline
from brink.model import CrisisModel
from brink.runs.montecarlo import RunResult, run
from brink.scenario import load_scenario

BUNDLED = Path(str(resources.files("brink.scenario.bundled")))
#: The ten bundled escalation crises (issue 22); ukraine-in-nato is hypothetical and has no record.
CRISES = ("ukraine-2022", "ukraine-in-nato", "cuban-missile-crisis-1962", "berlin-1961", "kargil-1999",
          "crimea-2014", "july-1914", "georgia-2008", "taiwan-strait-1995", "sino-soviet-border-1969")
#: The record of each, as its ICB row (icb2v14.csv, outcom of the challenger's actor) or stated outcome gives it.
RECORDS = {"cuban-missile-crisis-1962": "victory", "berlin-1961": "victory", "kargil-1999": "defeat",
           "crimea-2014": "victory", "july-1914": "defeat", "georgia-2008": "victory",
           "taiwan-strait-1995": "stalemate", "sino-soviet-border-1969": "stalemate", "ukraine-2022": "stalemate"}
SAMPLES = 256


# --- the default solver ----------------------------------------------------------------------

def test_the_escalation_default_is_qbi_at_the_lambda_fitted_on_icb() -> None:
    model = CrisisModel(load_scenario("ukraine-2022"))
    assert (model.solver, model.auto) == ("qbi", "fitted on ICB")
    assert model.lam == pytest.approx(fitted_lambda()[0], rel=1e-12)
    assert model.solver_entry.name == "qbi"
    named = CrisisModel(load_scenario("ukraine-2022"), solver="spe")
    assert (named.solver, named.lam, named.auto) == ("spe", None, "")
    given = CrisisModel(load_scenario("ukraine-2022"), solver="qbi", lam=2.0)
    assert (given.solver, given.lam, given.auto) == ("qbi", 2.0, "")


def test_other_templates_keep_spe() -> None:
    for name in ("fearon-1995", "tripartite-crisis", "ukraine-2022-exchange"):
        model = CrisisModel(load_scenario(name))
        assert (model.solver, model.lam, model.auto) == ("auto", None, ""), name
        assert model.solver_entry.name == "spe", name


def test_the_default_run_names_its_solver_and_lambda_and_is_stored_with_them(tmp_path: Path) -> None:
    from brink.store import Store

    sc = load_scenario("ukraine-2022")
    store = Store(tmp_path / "runs.db")
    result = run(sc, 64, 0, store=store)
    out = result.to_json()
    lam = fitted_lambda()[0]
    assert (out["solver"], out["solver_auto"]) == ("qbi", "fitted on ICB")
    assert out["lambda"] == pytest.approx(lam, rel=1e-12)
    line = headline(out["outcomes"], out["solver"], out["lambda"], out["solver_auto"])[0]
    assert f"(solver qbi (auto: fitted on ICB), lambda {lam:.2g}, 95% Monte Carlo intervals)" in line
    back = RunResult.from_store(store, str(result.run_id))
    assert (back.solver, back.auto) == ("qbi", "fitted on ICB")
    assert back.lam == pytest.approx(lam, rel=1e-12)
    # the same numbers as naming qbi at that lambda; spe named is spe
    same = run(sc, 64, 0, solver="qbi", lam=lam).to_json()
    assert same["outcomes"] == out["outcomes"] and "solver_auto" not in same
    spe = run(sc, 64, 0, solver="spe").to_json()
    assert spe["solver"] == "spe" and "lambda" not in spe
    assert "(solver spe, " in headline(spe["outcomes"], "spe", None)[0]


# --- the records -----------------------------------------------------------------------------

def test_every_bundled_crisis_but_the_hypothetical_names_its_record() -> None:
    for name in CRISES:
        record = load_scenario(name).record  # type: ignore[attr-defined]
        assert (record is None) == (name == "ukraine-in-nato"), name


@pytest.mark.shared
def test_the_records_are_the_icb_rows_of_the_scenarios_challengers(shared_dir: Path) -> None:
    from brink.history.icb import icb_table

    skipped: list[str] = []
    cases = scenario_cases(BUNDLED, icb_table(shared_dir), skipped)
    assert {c.name: CLASSES[c.outcome] for c in cases} == RECORDS
    assert "ukraine-in-nato" in skipped and "fearon-1995" in skipped


def test_a_challenger_that_backs_down_is_read_as_icb_s_defeat() -> None:
    """Kargil under spe: Pakistan withdraws (challenger_concedes about 0.7), which ICB codes as its
    defeat; the escalation read-out keeps the concession apart from a war lost, so it is added
    back, and the four classes still sum to 1 (each ending counted once)."""
    from brink.fit.scenarios import model_classes

    # the file's judgement of the balance (the fit's vintage 1995 gives Pakistan more)
    out = run(load_scenario("kargil-1999", ["crisis.balance=beta(2, 6)"]), 64, 0, solver="spe").to_json()["outcomes"]
    p = {k: v["p"] for k, v in out.items()}
    assert p["challenger_victory"] + p["challenger_defeat"] == pytest.approx(
        p["target_concedes"] + p["war_decided"] + p["loss_of_control"], abs=1e-9)
    classes = dict(zip(CLASSES, model_classes(out), strict=True))
    assert classes["defeat"] == pytest.approx(p["challenger_defeat"] + p["challenger_concedes"], abs=1e-9)
    assert classes["compromise"] == pytest.approx(p["settlement"], abs=1e-9)
    assert max(classes, key=classes.__getitem__) == "defeat"
    # a read-out that already counts the concession in challenger_defeat gets nothing added
    held = {**out, "challenger_defeat": {"p": p["challenger_defeat"] + p["challenger_concedes"]}}
    assert model_classes(held) == pytest.approx(model_classes(out), abs=1e-9)


# --- the historical table under the default solver ---------------------------------------------

@pytest.fixture(scope="module")
def backtest(shared_dir: Path) -> dict[str, Any]:
    from brink.history.icb import icb_table

    return scenario_backtest(BUNDLED, icb_table(shared_dir), samples=SAMPLES, seed=0, replications=50,
                             skip_unrecorded=True)


def _modal(row: dict[str, Any]) -> str:
    model = row["model"]
    return max(CLASSES, key=lambda c: model[c])


@pytest.mark.shared
def test_under_the_default_the_bundled_crises_do_not_all_end_the_same_way(backtest: dict[str, Any]) -> None:
    rows = backtest["scenarios"]
    assert len(rows) == len(RECORDS)
    assert len({_modal(r) for r in rows}) >= 2
    for r in rows:  # every class has a chance: qbi gives every ending of the game some weight
        assert all(r["model"][c] > 0 for c in ("victory", "compromise", "stalemate"))


@pytest.mark.shared
@pytest.mark.xfail(strict=True, reason="measured (256 samples, seed 0): the modal ending is the record's in 1 of 9 "
                   "(kargil-1999: defeat); qbi's modal class is compromise (5) or defeat (4) in every crisis, no "
                   "crisis gives victory more than 0.22, so the four recorded victories are missed (spe 1 of 9, "
                   "pbe 1 of 9: Georgia; Kargil's fitted balance, 0.45 against the file's 0.25, lost it under both)")
def test_under_the_default_the_modal_ending_is_the_record_in_at_least_7_of_10(backtest: dict[str, Any]) -> None:
    hits = sum(_modal(r) == r["observed"] for r in backtest["scenarios"])
    assert hits >= 7


@pytest.mark.shared
@pytest.mark.xfail(strict=True, reason="measured (256 samples, seed 0): multi-class Brier 0.903 under the default "
                   "against 0.718 for the ICB base rate of the crises before each (spe 1.461, pbe 1.501 at "
                   "1,000 and 32 samples)")
def test_under_the_default_the_brier_score_beats_the_icb_base_rate(backtest: dict[str, Any]) -> None:
    scores = backtest["by_time"]["scores"]
    assert scores[MODEL]["brier"] < scores["base rate"]["brier"]


# --- the balance matters -----------------------------------------------------------------------

def _balance_effect(name: str, samples: int = SAMPLES) -> Any:
    low = CrisisModel(load_scenario(name, ["crisis.balance=0.1"]))
    high = CrisisModel(load_scenario(name, ["crisis.balance=0.9"]))
    assert low.solver == high.solver == "qbi"
    rows = {r.name: r for r in compare(low, high, samples, 0).rows}  # common random numbers
    return rows["challenger_prevails"]


def test_the_balance_moves_who_prevails_under_the_default() -> None:
    """On ukraine-2022, 0.1 -> 0.9 raises challenger_prevails (measured +12.7 points, 95%
    interval +12.6 to +12.9, 512 samples): the undecided war is valued by its continuation at
    the balance, and qbi carries that into every choice."""
    row = _balance_effect("ukraine-2022")
    assert row.difference.low > 0.10
    assert np.isfinite(row.a.mean) and row.b.mean > row.a.mean


@pytest.mark.xfail(strict=True, reason="measured (256 samples, seed 0, common random numbers): balance 0.1 -> 0.9 "
                   "moves challenger_prevails by +24.0 points on georgia-2008 [+24.0, +24.1], the largest of the ten "
                   "bundled crises (ukraine-2022 +12.7, kargil-1999 +11.9, berlin-1961 +21.2, "
                   "sino-soviet-border-1969 +23.7)")
def test_the_balance_moves_who_prevails_by_30_points_on_a_bundled_crisis() -> None:
    assert _balance_effect("georgia-2008").difference.mean >= 0.30


@pytest.mark.shared
def test_brink_backtest_bundled_scores_the_recorded_crises_and_lists_the_rest(
    shared_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import json
    import sys

    from brink.cli import main

    def cli(*args: str) -> int:
        monkeypatch.setattr(sys, "argv", ["brink", "backtest", *args])
        try:
            main()
        except SystemExit as exc:
            return int(exc.code or 0)
        return 0

    assert cli("--bundled", "--samples", "16", "--bootstrap", "2", "--shared", str(shared_dir), "--no-store",
               "--json") == 0
    out = json.loads(capsys.readouterr().out)
    assert {r["scenario"]: r["observed"] for r in out["scenarios"]} == RECORDS
    assert "ukraine-in-nato" in out["skipped"] and "fearon-1995" in out["skipped"]
    assert cli("--bundled", "--scenarios", str(tmp_path), "--no-store") != 0
    assert "--bundled and --scenarios" in capsys.readouterr().err
