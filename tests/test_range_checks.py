"""Ranges hold after expressions are evaluated; a run whose every sample fails is an error.

Issue #10, items 4 and 5: on brink 0.1.0 ``--set crisis.balance=3+4`` ran (``=7`` was
refused), and a run whose every sample failed (``log(-1)``, ``beta(1e308, 1e308)``)
exited 0 and was stored ``complete``.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from brink.errors import InputError
from brink.model import CrisisModel
from brink.runs import run
from brink.scenario import load_scenario
from brink.store import Store

BUNDLED = Path(__file__).resolve().parents[1] / "src" / "brink" / "scenario" / "bundled"


def brink_in_process(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[int, str]:
    """Exit status and stderr of the real entry point (``brink.cli.main``)."""
    from brink.cli import main

    monkeypatch.setattr(sys, "argv", ["brink", *args])
    with pytest.raises(SystemExit) as stop:
        main()
    code = stop.value.code
    return (code if isinstance(code, int) else 1), capsys.readouterr().err


# --------------------------------------------------------------------------- item 4

#: (--set, what the message must say): each one ran on brink 0.1.0.
OUT_OF_RANGE = [
    ("crisis.balance=3+4", "crisis.balance = 7 (from expression '3+4') is outside [0, 1]"),
    ("doctrines.NATO.resolve=1 + 1", "doctrines.NATO.resolve = 2 (from expression '1 + 1') is outside [0, 1]"),
    ("costs.strategic_exchange=0 - 1e6",
     "costs.strategic_exchange = -1e+06 (from expression '0 - 1e6') is outside [0, inf)"),
    ("partners.CHN.sphere_interest.CENTRAL_ASIA=3*3",
     "partners.CHN.sphere_interest.CENTRAL_ASIA = 9 (from expression '3*3') is outside [0, 1]"),
    ("survival.foreign_imposed.base=resource_wealth_factor * 1000",
     "survival.foreign_imposed.base = 2000 (from expression 'resource_wealth_factor * 1000') is outside [0, 1]"),
    ("survival.base_hazard=0 - foreign_imposed.base",
     "survival.base_hazard = -0.005 (from expression '0 - foreign_imposed.base') is outside [0, inf)"),
]


@pytest.mark.parametrize("command", ["validate", "run"])
@pytest.mark.parametrize(("setting", "needle"), OUT_OF_RANGE)
def test_constant_expressions_are_range_checked(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, command: str, setting: str, needle: str
) -> None:
    extra = ["-n", "64", "--no-store"] if command == "run" else []
    code, err = brink_in_process(capsys, monkeypatch, command, "ukraine-2022-exchange", "--set", setting, *extra)
    assert code == 2, err
    assert err.startswith(f"error: --set {setting}: {needle}"), err
    assert "Traceback" not in err


def test_an_expression_is_held_to_the_range_of_the_same_number() -> None:
    """``base_hazard`` is a rate (>= 0, no upper bound): 10 per year is allowed, written either way."""
    assert load_scenario("ukraine-2022-exchange", ["survival.base_hazard=10"]).parameters.distributions
    sc = load_scenario("ukraine-2022-exchange", ["survival.base_hazard=foreign_imposed.base * 2000"])
    assert "survival.base_hazard" in sc.parameters.expressions


@settings(max_examples=40, deadline=None)
@given(value=st.floats(min_value=-3.0, max_value=3.0, allow_nan=False).map(lambda x: round(x, 3)))
def test_a_constant_expression_is_refused_exactly_when_its_value_is(value: float) -> None:
    """One rule: ``{v} + 0`` is accepted or refused as the number ``v`` is (a probability here)."""

    def accepted(text: str) -> bool:
        try:
            load_scenario("ukraine-2022-exchange", [f"crisis.balance={text}"])
        except InputError as exc:
            assert "outside [0, 1]" in str(exc)
            return False
        return True

    assert accepted(repr(value)) == accepted(f"{value!r} + 0") == (0.0 <= value <= 1.0)


def test_expression_in_a_file_is_located(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    text = (BUNDLED / "ukraine-2022-exchange.yaml").read_text()
    path = tmp_path / "bad.yaml"
    path.write_text(text.replace('    resolve: "beta(6, 3)"', '    resolve: "0.5 + 0.75"'))
    code, err = brink_in_process(capsys, monkeypatch, "validate", str(path))
    assert code == 2
    found = re.search(rf"error: {re.escape(str(path))}:(\d+):\d+: doctrines\.NATO\.resolve = 1\.25 "
                      r"\(from expression '0\.5 \+ 0\.75'\) is outside \[0, 1\]", err)
    assert found is not None, err
    assert 'resolve: "0.5 + 0.75"' in path.read_text().splitlines()[int(found[1]) - 1]


def test_sampled_expression_out_of_range_refuses_the_run(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Out of range in some samples only (reserves ~ uniform(50, 300)): the scenario is wrong, the run refused."""
    setting = "crisis.nuclear_coercion=reserves_usd_bn / 200"
    assert load_scenario("ukraine-2022-exchange", [setting])  # not constant: validate cannot know
    code, err = brink_in_process(capsys, monkeypatch, "run", "ukraine-2022-exchange", "-n", "300", "--set", setting, "--no-store")
    assert code == 2, err
    found = re.search(r"crisis\.nuclear_coercion = ([0-9.]+) \(from expression 'reserves_usd_bn / 200'\) "
                      r"is outside \[0, 1\] in (\d+) of 300 samples", err)
    assert found is not None, err
    assert float(found[1]) > 1 and 0 < int(found[2]) < 300
    assert err.startswith(f"error: --set {setting}: ") and "clip(reserves_usd_bn / 200, 0, 1)" in err


def test_a_lever_setting_is_range_checked() -> None:
    model = CrisisModel(load_scenario("ukraine-2022-exchange"))
    params = model.draw(0, 0, 16)
    assert not model.evaluate(params, {"doctrines.NATO.resolve": 0.9}).failed.any()
    with pytest.raises(InputError, match=r"doctrines\.NATO\.resolve = 1\.5 \(from a lever setting\) is outside \[0, 1\]"):
        model.evaluate(params, {"doctrines.NATO.resolve": 1.5})


def test_theory_template_declares_its_non_negative_numbers() -> None:
    with pytest.raises(InputError, match=r"game\.c_A = -0\.1 \(from expression '0 - 0\.1'\) is outside \[0, inf\)"):
        load_scenario("fearon-1995", ["game.c_A=0 - 0.1"])
    with pytest.raises(InputError, match="can be negative"):
        load_scenario("fearon-1995", ["game.c_A=-0.1"])


# --------------------------------------------------------------------------- item 5

@pytest.mark.parametrize("expression", ["log(-1)", "5 % 0", "0*exp(1000)"])
def test_validate_refuses_a_constant_that_is_not_a_number(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, expression: str
) -> None:
    setting = f"energy_discount.sustainable_months={expression}"
    code, err = brink_in_process(capsys, monkeypatch, "validate", "ukraine-2022-exchange", "--set", setting)
    assert code == 2, err
    assert (f"energy_discount.sustainable_months = nan (from expression '{expression}') is not a finite number"
            in err), err


def test_an_unbounded_constant_may_be_infinite() -> None:
    """A discount that costs nothing lasts forever: ``inf`` months is a value, not a failure."""
    sc = load_scenario("ukraine-2022-exchange", ["energy_discount.sustainable_months=1/0"])
    model = CrisisModel(sc)
    assert not model.evaluate(model.draw(0, 0, 32)).failed.any()


@pytest.mark.parametrize(
    ("setting", "parameter"),
    [
        ("doctrines.NATO.resolve=beta(1e308, 1e308)",
         "doctrines.NATO.resolve = nan (from distribution beta(1e+308, 1e+308))"),
        ("energy_discount.sustainable_months=log(reserves_usd_bn - 1000)",
         "energy_discount.sustainable_months = nan (from expression 'log(reserves_usd_bn - 1000)')"),
    ],
)
def test_a_run_whose_every_sample_fails_exits_2_and_is_stored_failed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, setting: str, parameter: str
) -> None:
    store = tmp_path / "runs.duckdb"
    code, err = brink_in_process(capsys, monkeypatch, "run", "ukraine-2022-exchange", "-n", "300", "--set", setting,
                                 "--store", str(store))
    assert code == 2, err
    assert "all 300 samples failed; the first parameter that is not a finite number: " in err
    assert f"--set {setting}: {parameter}" in err
    assert "Traceback" not in err
    (record,) = Store(store).list_runs()
    assert record.status == "failed"
    assert record.message is not None and "all 300 samples failed" in record.message


def test_partial_failures_are_still_counted_not_refused() -> None:
    months = "sqrt(reserves_usd_bn - 200)"  # reserves ~ uniform(50, 300): NaN in about 60% of samples
    result = run(load_scenario("ukraine-2022-exchange", [f"energy_discount.sustainable_months={months}"]), 1024, seed=0)
    assert 0 < result.failed < 1024
    assert result.outcomes["tactical_nuclear_use"]["p"] is not None


def test_evaluation_names_the_parameter_where_failure_starts() -> None:
    """The first non-finite parameter in evaluation order: the root, not what depends on it."""
    sc = load_scenario("ukraine-2022-exchange", ["energy_discount.sustainable_months=sqrt(reserves_usd_bn - 200)",
                                        "costs.fiscal_weight=0.002 + 0 * energy_discount.sustainable_months"])
    model = CrisisModel(sc)
    ev = model.evaluate(model.draw(0, 0, 64))
    assert ev.failed.any()
    assert "energy_discount.sustainable_months = nan" in ev.failure
    assert np.isnan(ev.outcomes["tactical_nuclear_use"][ev.failed]).all()
