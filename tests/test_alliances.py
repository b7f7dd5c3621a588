"""M1, M2: coverage and the cost of a weak answer; Zagare & Kilgour's credibility threshold."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from brink.errors import InputError
from brink.mechanisms.alliances import (
    commitment_costs,
    commitment_costs_core,
    coverage,
    credibility_threshold,
    credibility_threshold_core,
)
from brink.scenario import load_scenario


def test_coverage_of_the_bundled_scenarios() -> None:
    """M1: Poland is under NATO's umbrella with a legal duty; Ukraine is neither, until
    the counterfactual puts it in NATO."""
    sc = load_scenario("ukraine-2022-exchange")
    nato = sc.actors["NATO"]
    assert coverage(sc.commitments, "NATO", "UKR", nato.members, nato.nuclear_members) == (0.0, 0.0)
    umbrella, legal = coverage(sc.commitments, "NATO", "POL", nato.members, nato.nuclear_members)
    assert legal == 1.0
    # every umbrella protégé plus every non-nuclear member is at stake
    expected = {c.protege for c in sc.commitments if c.umbrella} | (set(nato.members) - set(nato.nuclear_members))
    assert umbrella == float(len(expected)) > 0


def test_commitment_costs_closed_form() -> None:
    """M2: credibility * (1 + ln(1 + n)) * (n > 0) and legal_weight * legal."""
    umbrella, legal = commitment_costs(0.5, 0.3, 30.0, 1.0)
    assert umbrella == pytest.approx(0.5 * (1 + math.log(31.0)))
    assert legal == pytest.approx(0.3)
    none, no_duty = commitment_costs(np.array([0.5, 0.5]), 0.3, 0.0, 0.0)
    assert np.array_equal(none, [0.0, 0.0]) and no_duty == 0.0
    core = commitment_costs_core(np.array([0.2, 0.7]), np.array([0.1, 0.4]), 3.0, 1.0)
    assert np.allclose(core[0], np.array([0.2, 0.7]) * (1 + math.log(4.0)))
    assert np.allclose(core[1], [0.1, 0.4])
    with pytest.raises(InputError, match="legal must be <= 1"):
        commitment_costs(0.5, 0.3, 1.0, 2.0)


@given(dc=st.floats(-10, 10), sq=st.floats(-10, 10), dd=st.floats(-10, 10), p=st.floats(0.0, 1.0))
def test_challenge_exactly_below_the_zagare_kilgour_threshold(dc: float, sq: float, dd: float, p: float) -> None:
    """Zagare & Kilgour (2000): a demand is worth (1 - p) u(DC) + p u(DD); the challenger
    challenges iff that beats u(SQ), i.e. iff p < (u(DC) - u(SQ)) / (u(DC) - u(DD))."""
    assume(dc - dd > 1e-3)
    threshold = float(credibility_threshold(dc, sq, dd))
    assert threshold == pytest.approx((dc - sq) / (dc - dd))
    value = (1 - p) * dc + p * dd - sq
    if abs(p - threshold) > 1e-6:
        assert (value > 0) == (p < threshold)
    if dd > sq + 1e-6:
        assert threshold > 1  # not capable: no credibility deters


def test_threshold_where_resistance_does_not_hurt() -> None:
    """u(DC) <= u(DD): the challenger challenges whatever p if u(DC) > u(SQ), never otherwise."""
    out = credibility_threshold_core(np.array([1.0, 0.0, 1.0]), np.array([0.0, 0.5, 0.0]), np.array([1.0, 1.0, -1.0]))
    assert out[0] == np.inf and out[1] == -np.inf and out[2] == 0.5
    with pytest.raises(InputError, match="finite"):
        credibility_threshold(np.inf, 0.0, 1.0)
