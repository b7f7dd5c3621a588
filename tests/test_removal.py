"""M9: foreign-imposed regime change, the formula the crisis template runs."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from brink.crisis.schema import ForeignImposed
from brink.errors import InputError
from brink.mechanisms.reference import foreign_exit_rate
from brink.mechanisms.removal import (
    DEFEAT_MULTIPLIER,
    FOREIGN_BASE_RATE,
    RESOURCE_WEALTH_FACTOR,
    foreign_imposed_change_probability,
    foreign_imposed_core,
)

unit = st.floats(min_value=0.0, max_value=1.0)


def test_closed_form() -> None:
    """h = base (1 + f w)(1 + (d - 1) lost)(1 + pw (1 - support)), P = 1 - exp(-h T / 12)."""
    assert foreign_imposed_change_probability(24, 0.01) == pytest.approx(1 - np.exp(-0.02))
    p = foreign_imposed_change_probability(6, 0.02, 1.0, 0.5, 0.25)
    h = 0.02 * (1 + 2.0 * 1.0) * (1 + 2.0 * 0.5) * (1 + 1.0 * 0.75)
    assert p == pytest.approx(1 - np.exp(-h * 6 / 12))
    custom = foreign_imposed_change_probability(12, 0.1, 0.5, 1.0, 1.0, resource_wealth_factor=4.0,
                                                defeat_multiplier=1.5, partner_weight=0.0)
    assert custom == pytest.approx(1 - np.exp(-0.1 * 3.0 * 1.5))


def test_defaults_are_the_scenario_defaults() -> None:
    spec = ForeignImposed()
    assert (spec.base.root, spec.resource_wealth_factor.root, spec.defeat_multiplier.root) == (
        FOREIGN_BASE_RATE, RESOURCE_WEALTH_FACTOR, DEFEAT_MULTIPLIER)


def test_resource_wealth_defeat_and_abandonment_raise_it() -> None:
    base = foreign_exit_rate("personalist")
    grid = np.linspace(0.0, 1.0, 5)
    assert np.all(np.diff(foreign_imposed_change_probability(12, base, grid)) > 0)
    assert np.all(np.diff(foreign_imposed_change_probability(12, base, 1.0, grid)) > 0)
    assert np.all(np.diff(foreign_imposed_change_probability(12, base, 1.0, 0.0, grid)) < 0)


def test_core_is_the_checked_formula_bit_for_bit() -> None:
    rng = np.random.default_rng(0)
    base, wealth, lost, support = rng.uniform(0, 0.1, 50), rng.uniform(0, 1, 50), rng.uniform(0, 1, 50), rng.uniform(0, 1, 50)
    public = foreign_imposed_change_probability(12.0, base, wealth, lost, support)
    core = foreign_imposed_core(base, np.float64(2.0), wealth, np.float64(3.0), lost, np.float64(1.0), support,
                                np.float64(12.0))
    assert np.array_equal(public, core)


def test_bad_inputs() -> None:
    with pytest.raises(InputError, match="lost must be <= 1"):
        foreign_imposed_change_probability(12, 0.01, 0.5, 2.0)
    with pytest.raises(InputError, match="horizon_months must be >= 0"):
        foreign_imposed_change_probability(-1, 0.1)
    with pytest.raises(InputError, match="resource_wealth_factor"):
        foreign_imposed_change_probability(12, 0.01, 0.5, resource_wealth_factor=-1.0)


@given(t=st.floats(0.0, 1200.0), base=st.floats(0.0, 10.0), wealth=unit, lost=unit, support=unit)
def test_probability_in_unit_interval(t: float, base: float, wealth: float, lost: float, support: float) -> None:
    p = foreign_imposed_change_probability(t, base, wealth, lost, support)
    assert 0.0 <= p <= 1.0
