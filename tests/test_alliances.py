"""M1, M2, M5: coverage, the guarantor's response propensity, and deterrence."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from brink.alliances import (
    DEFENSE_PACT_RELIABILITY,
    UMBRELLA_CREDIBILITY,
    Coverage,
    ObligationType,
    attack_value,
    deterrence_cost,
    deterrence_threshold,
    response_propensity,
)
from brink.errors import InputError
from brink.reference import alliance_reliability

unit = st.floats(min_value=0.0, max_value=1.0)


def test_default_reliability_is_the_recomputed_defense_pact_rate() -> None:
    recomputed = alliance_reliability()["defense"].rate
    assert abs(DEFENSE_PACT_RELIABILITY - recomputed) < 1e-6


def test_legal_duty_and_umbrella_raise_propensity() -> None:
    poland = Coverage("NATO", "POL", "defense", legal=True, umbrella=True, member=True)
    ukraine = Coverage("NATO", "UKR")
    assert poland.covered and not ukraine.covered
    interest = {"norm_protection": 0.3, "self_preservation": 0.4}
    p_pol = poland.response_propensity(**interest)
    p_ukr = ukraine.response_propensity(**interest)
    assert p_pol > p_ukr
    assert p_ukr == pytest.approx(1 - 0.7 * 0.6)  # M5: response out of interest alone
    assert p_pol == pytest.approx(
        1 - (1 - DEFENSE_PACT_RELIABILITY) * (1 - UMBRELLA_CREDIBILITY) * 0.7 * 0.6)
    grid = response_propensity(np.array([0, 1, 0, 1]), np.array([0, 0, 1, 1]), 0.2)
    assert grid[0] < grid[1] < grid[3] and grid[0] < grid[2] < grid[3]
    assert response_propensity(0, 0) == 0.0
    assert response_propensity(1, 0) == pytest.approx(DEFENSE_PACT_RELIABILITY)
    neutral = Coverage("A", "B", ObligationType.NEUTRALITY, legal=True)
    assert not neutral.legal_duty_to_defend and neutral.response_propensity() == 0.0


def test_coverage_validation() -> None:
    with pytest.raises(InputError, match="commitment NATO -> UKR: a legal duty needs"):
        Coverage("NATO", "UKR", "none", legal=True)
    with pytest.raises(InputError, match="unknown obligation type 'alliance'"):
        Coverage("NATO", "UKR", "alliance")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="same actor"):
        Coverage("NATO", "NATO")


def test_covered_target_costs_more_to_attack() -> None:
    covered = response_propensity(1, 1, 0.3)
    uncovered = response_propensity(0, 0, 0.3)
    assert deterrence_cost(covered, 10.0) > deterrence_cost(uncovered, 10.0)
    assert attack_value(4.0, covered, 10.0) < 0 < attack_value(4.0, uncovered, 10.0)


@given(dc=st.floats(-10, 10), sq=st.floats(-10, 10), dd=st.floats(-10, 10), p=unit)
def test_attack_is_deterred_exactly_above_the_zagare_kilgour_threshold(
        dc: float, sq: float, dd: float, p: float) -> None:
    assume(dc - dd > 1e-3)
    threshold = deterrence_threshold(dc, sq, dd)
    value = attack_value(dc - sq, p, dc - dd)
    expected = p * dd + (1 - p) * dc - sq
    assert value == pytest.approx(expected, abs=1e-9)
    if abs(p - threshold) > 1e-6:
        assert (value < 0) == (p > threshold)
    if dd > sq + 1e-6:
        assert threshold > 1  # not capable: no credibility deters


def test_threshold_needs_a_preference_for_concession() -> None:
    with pytest.raises(InputError, match=r"u\(DC\) must exceed u\(DD\)"):
        deterrence_threshold(0.0, 0.5, 1.0)


@given(duty=unit, umbrella=unit, norm=unit, cred=unit, selfp=unit, rel=unit, umb=unit)
def test_propensity_is_a_monotone_probability(duty: float, umbrella: float, norm: float,
                                              cred: float, selfp: float, rel: float,
                                              umb: float) -> None:
    p = response_propensity(duty, umbrella, norm, cred, selfp, reliability=rel,
                            umbrella_credibility=umb)
    assert 0.0 <= p <= 1.0
    assert response_propensity(1.0, umbrella, norm, cred, selfp, reliability=rel,
                               umbrella_credibility=umb) >= p - 1e-12
    assert p >= max(norm, cred, selfp) - 1e-12
