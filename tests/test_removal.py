"""M9: domestic removal and foreign-imposed regime change."""

from __future__ import annotations

import numpy as np
import pytest
import yaml
from conftest import SHARED
from hypothesis import given
from hypothesis import strategies as st

from brink.errors import InputError
from brink.politics.removal import (
    COVERT_SUCCESS_RATE,
    domestic_removal_probability,
    foreign_imposed_change_probability,
    foreign_imposition_hazard,
    removal_probabilities,
)
from brink.reference import foreign_exit_rate

unit = st.floats(min_value=0.0, max_value=1.0)


def test_resource_wealth_raises_foreign_imposed_change() -> None:
    base = foreign_exit_rate("personalist")
    wealth = np.linspace(0.0, 1.0, 5)
    for interest in (0.0, 0.5, 1.0):
        p = foreign_imposed_change_probability(12, base, wealth, interest)
        assert np.all(np.diff(p) > 0)
    assert foreign_imposition_hazard(1.0, 1.0, 0.0) == pytest.approx(2.0)
    assert foreign_imposition_hazard(1.0, 1.0, 1.0) == pytest.approx(100.0)  # Bove et al. 2016
    assert foreign_imposition_hazard(1.0, 0.0, 1.0) == pytest.approx(1.0)


def test_closed_forms() -> None:
    assert foreign_imposed_change_probability(24, 0.01) == pytest.approx(1 - np.exp(-0.02))
    assert domestic_removal_probability(6, 0.2, 3.0) == pytest.approx(1 - np.exp(-0.3))
    attempts = foreign_imposed_change_probability(12, 0.0, attempt_rate=0.5)
    assert attempts == pytest.approx(1 - np.exp(-0.5 * 25 / 64))


def test_o_rourke_covert_success_rate_matches_the_facts_table() -> None:
    facts = yaml.safe_load((SHARED / "data" / "facts" / "blocs_and_energy.yaml").read_text())
    finding = facts["empirical_base_rates"]["regime_change"][0]["finding"]
    assert "64 covert" in finding and "39%" in finding
    assert abs(COVERT_SUCCESS_RATE - 0.39) < 0.005


def test_competing_risks_add_up() -> None:
    hd, hf, t = np.array([0.1, 0.0, 0.3]), np.array([0.02, 0.0, 0.3]), 12.0
    inside, outside = removal_probabilities(hd, hf, t)
    assert inside + outside == pytest.approx(1 - np.exp(-(hd + hf)))
    assert np.all(inside <= domestic_removal_probability(t, hd))
    assert inside[2] == pytest.approx(outside[2])
    assert inside[1] == 0.0 and outside[1] == 0.0


def test_bad_inputs() -> None:
    with pytest.raises(InputError, match="resource_wealth must be <= 1"):
        foreign_imposed_change_probability(12, 0.01, 2.0)
    with pytest.raises(InputError, match="horizon_months must be >= 0"):
        domestic_removal_probability(-1, 0.1)
    with pytest.raises(InputError, match="wealth_effect"):
        foreign_imposition_hazard(0.01, 0.5, wealth_effect=-1.0)


@given(t=st.floats(0.0, 1200.0), base=st.floats(0.0, 10.0), wealth=unit, interest=unit,
       hd=st.floats(0.0, 10.0))
def test_probabilities_in_unit_interval(t: float, base: float, wealth: float, interest: float,
                                        hd: float) -> None:
    p = foreign_imposed_change_probability(t, base, wealth, interest)
    assert 0.0 <= p <= 1.0
    inside, outside = removal_probabilities(hd, foreign_imposition_hazard(base, wealth, interest), t)
    assert 0.0 <= inside + outside <= 1.0 + 1e-12
