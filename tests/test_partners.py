"""M6-M8: partner support, the fiscal cost of discounts, sphere-of-influence shares."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from brink.errors import InputError
from brink.mechanisms.partners import (
    discount_cost,
    partner_support,
    sphere_influence,
    sustainable_months,
)
from brink.mechanisms.reference import energy

unit = st.floats(min_value=0.0, max_value=1.0)


def test_partners_back_winners_and_shun_taboo_breakers() -> None:
    lost = partner_support(won=0.0, backs_winners=0.6)
    won = partner_support(won=1.0, backs_winners=0.6)
    assert won > 0.5 > lost
    assert partner_support(won=0.5) == pytest.approx(0.5)
    broke = partner_support(won=1.0, backs_winners=0.6, taboo_broken=1.0, taboo_aversion=0.9)
    assert broke < won
    z = 3.0 * 0.6 - 4.0 * 0.9
    assert broke == pytest.approx(1 / (1 + np.exp(-z)))


def test_more_discount_buys_more_support_and_costs_more() -> None:
    discounts = np.array([0.0, 5.0, 15.0, 30.0])
    india = energy().import_share("IND")
    support = partner_support(won=0.0, energy_dependence=india, taboo_aversion=0.8,
                              backs_winners=0.5, discount_usd_per_bbl=discounts)
    assert np.all(np.diff(support) > 0)
    cost = discount_cost(discounts, energy().imports_mbd("IND"))
    assert np.all(np.diff(cost) > 0)
    no_buyer = partner_support(won=0.0, energy_dependence=0.0, discount_usd_per_bbl=discounts)
    assert np.all(no_buyer == no_buyer[0])


def test_sustainable_months_closed_form() -> None:
    months = sustainable_months(300.0, 15.0, 4.8)
    assert months == pytest.approx(300.0 * 1e3 / (15.0 * 4.8 * 30.4))
    assert months == pytest.approx(137.061, abs=1e-3)
    assert discount_cost(15.0, 4.8) * months == pytest.approx(300.0)
    assert sustainable_months(300.0, 0.0, 4.8) == np.inf
    assert sustainable_months(300.0, np.array([10.0, 20.0]), 4.8).tolist() == pytest.approx(
        [300e3 / (10 * 4.8 * 30.4), 300e3 / (20 * 4.8 * 30.4)])
    with pytest.raises(InputError, match="reserves_usd_bn must be >= 0"):
        sustainable_months(-1.0, 10.0, 4.8)


def test_weaker_challenger_loses_its_sphere() -> None:
    strength = np.array([1.0, 0.5, 0.1])
    shares = sphere_influence(strength, [0.8, 0.6], [0.7, 0.3])
    assert shares.shape == (3, 3)
    assert shares.sum(axis=1) == pytest.approx(np.ones(3))
    assert np.all(np.diff(shares[:, 0]) < 0)
    assert np.all(np.diff(shares[:, 1]) > 0) and np.all(np.diff(shares[:, 2]) > 0)
    assert shares[0] == pytest.approx(np.array([1.0, 0.56, 0.18]) / 1.74)
    two = sphere_influence(2.0, 1.0, decisiveness=2.0)
    assert two[0] == pytest.approx([0.8, 0.2])
    per_sample = sphere_influence(strength, np.tile([0.8, 0.6], (3, 1)), [0.7, 0.3])
    assert per_sample == pytest.approx(shares)
    assert sphere_influence(0.0, [0.0, 0.0])[0] == pytest.approx([1 / 3] * 3)
    with pytest.raises(InputError, match="broadcast"):
        sphere_influence(strength, np.ones((2, 2)))


@given(won=unit, taboo=unit, dep=unit, aversion=unit, bandwagon=unit,
       discount=st.floats(0.0, 1e4), base=unit)
def test_support_is_a_probability(won: float, taboo: float, dep: float, aversion: float,
                                  bandwagon: float, discount: float, base: float) -> None:
    p = partner_support(won, taboo, dep, aversion, bandwagon, discount, baseline=base)
    assert 0.0 <= p <= 1.0


@given(st.lists(st.floats(0.0, 1e3), min_size=1, max_size=5), st.floats(0.0, 1e3),
       st.floats(0.1, 5.0))
def test_shares_sum_to_one(partners: list[float], challenger: float, r: float) -> None:
    shares = sphere_influence(challenger, partners, decisiveness=r)
    assert shares.sum() == pytest.approx(1.0)
    assert np.all((shares >= 0) & (shares <= 1))


@given(st.lists(st.tuples(unit, unit, unit, unit, unit, st.floats(0.0, 30.0), st.floats(0.0, 3.0),
                          st.floats(0.0, 3.0), st.floats(0.0, 1.0)), min_size=1, max_size=8))
def test_unchecked_cores_equal_the_public_functions_bit_for_bit(rows: list[tuple[float, ...]]) -> None:
    """The crisis template calls the cores after checking its inputs once: same numbers exactly."""
    from brink.mechanisms.partners import sphere_shares, support_core

    won, taboo, dep, aversion, bandwagon, discount, xc, x1, a1 = map(np.array, zip(*rows, strict=True))
    public = partner_support(won, taboo, dep, aversion, bandwagon, discount, oil_price_usd_per_bbl=70.0)
    core = support_core(won, taboo, dep, aversion, bandwagon, discount, oil_price_usd_per_bbl=70.0)
    assert np.array_equal(public, core)
    partners = np.stack([x1, 0.5 * x1], axis=-1)
    interest = np.array([a1[0], 0.3])
    weights = np.column_stack([xc, partners * interest])
    assert np.array_equal(sphere_influence(xc, partners, interest), sphere_shares(weights))


#: What was known on 1 October 2022 (the Ukraine scenarios' ``as_of``): China's customs for 2021
#: (79.6 Mt of Russian crude in 513 Mt of imports) and Kpler's tanker tracking for September 2022
#: (India about 0.9 of 4.6 mb/d).
BEFORE_OCTOBER_2022 = {"CHN": 79.6 / 513.0, "IND": 0.9 / 4.6}


@pytest.mark.parametrize("scenario", ["ukraine-2022", "ukraine-in-nato"])
def test_energy_dependence_of_the_bundled_partners_is_what_was_known_at_the_time(scenario: str) -> None:
    """The partners' energy dependence is the share of their crude imports bought from Russia as
    known on the scenario's date, to the two digits the scenario gives, not the shared facts
    table's 2024 shares (19.6% and 38.1%), which came after it (issue 22: every number from
    what was known before the event).  Their log-odds weights are assumptions: no shared data
    set has dyadic trade to estimate them."""
    from brink.scenario import load_scenario

    sc = load_scenario(scenario)
    assert str(sc.as_of) == "2022-10-01"
    later = {r.buyer: r.share_of_buyer_imports for r in energy().crude_exports
             if r.period == "2024" and r.share_of_buyer_imports is not None}
    for buyer in ("CHN", "IND"):
        value = sc.partners[buyer].energy_dependence.root
        assert value == pytest.approx(BEFORE_OCTOBER_2022[buyer], abs=0.005)
        assert abs(value - later[buyer]) > 0.03
