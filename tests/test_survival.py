"""M6: leader survival, punishment and the gamble for resurrection."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from brink.aftermath.spec import AftermathSurvival
from brink.crisis.schema import Survival
from brink.errors import InputError
from brink.mechanisms.reference import irregular_exit_rate
from brink.mechanisms.survival import (
    BASE_HAZARD,
    DICTATOR_PUNISHMENT_RATE,
    HORIZON_MONTHS,
    OUTCOME_HAZARD_MULTIPLIERS,
    PARTNER_WEIGHT,
    WarOutcome,
    loyalty_norm,
    outcome_codes,
    punishment_core,
    punishment_probability,
    resurrection_gamble_value,
    survival_core,
    survival_probability,
)

unit = st.floats(min_value=0.0, max_value=1.0)


def test_no_shock_is_exponential_survival_at_the_archigos_rate() -> None:
    base = irregular_exit_rate("personalist")
    p = survival_probability("stalemate", W=0.1, S=1.0, base_hazard=base, horizon_months=18)
    assert p == pytest.approx(np.exp(-base * 1.5))


def test_concession_is_worse_than_holding_for_a_small_coalition_leader() -> None:
    small_w = {"W": 0.01, "S": 1.0, "base_hazard": 0.065}
    hold = survival_probability(WarOutcome.STALEMATE, **small_w)
    concede = survival_probability(WarOutcome.CONCESSION, **small_w)
    defeat = survival_probability(WarOutcome.DEFEAT, **small_w)
    victory = survival_probability(WarOutcome.VICTORY, **small_w)
    assert victory > hold > defeat > concede  # default multipliers: backing down is worst


def _hazard(p: np.ndarray, horizon_months: float = 12.0) -> float:
    return float(-np.log(p) * 12.0 / horizon_months)


def test_defaults_are_the_scenario_defaults() -> None:
    """One set of survival defaults: the scenario's ``survival`` section reads them here."""
    spec = Survival()
    assert spec.horizon_months.root == HORIZON_MONTHS and spec.base_hazard.root == BASE_HAZARD
    assert spec.partner_weight.root == PARTNER_WEIGHT
    war = tuple(WarOutcome)[:4]  # the one-exchange template's lottery has no settlement column
    assert {o: getattr(spec.outcome_multipliers, o.value).root for o in war} == {
        o: OUTCOME_HAZARD_MULTIPLIERS[o] for o in war}
    post_war = AftermathSurvival().outcome_multipliers
    assert {o: getattr(post_war, o.value).root for o in WarOutcome} == dict(OUTCOME_HAZARD_MULTIPLIERS)


def test_loyalty_norm_shields_from_the_outcome_on_the_log_scale() -> None:
    """h = base * m ** (theta (1 - shield L)): a perfectly loyal coalition halves the log-effect."""
    m = OUTCOME_HAZARD_MULTIPLIERS[WarOutcome.DEFEAT]
    assert _hazard(survival_probability("defeat", W=1.0, S=1.0, base_hazard=0.1)) == pytest.approx(0.1 * m)
    assert _hazard(survival_probability("defeat", W=0.0, S=1.0, base_hazard=0.1)) == pytest.approx(0.1 * m ** 0.5)
    assert _hazard(survival_probability("defeat", W=0.0, S=1.0, base_hazard=0.1, loyalty_shield=0.0)) == pytest.approx(
        0.1 * m)


def test_nonculpable_leader_is_not_punished_for_the_outcome() -> None:
    """Croco 2011: only leaders culpable for the war pay for losing it."""
    culpable = _hazard(survival_probability("defeat", culpable=True, base_hazard=0.05))
    inherited = _hazard(survival_probability("defeat", culpable=False, base_hazard=0.05))
    assert inherited == pytest.approx(0.05) and culpable == pytest.approx(0.05 * OUTCOME_HAZARD_MULTIPLIERS["defeat"])


def test_partner_abandonment_raises_the_hazard() -> None:
    supported = _hazard(survival_probability("stalemate", partner_support=1.0, base_hazard=0.05))
    abandoned = _hazard(survival_probability("stalemate", partner_support=0.0, base_hazard=0.05))
    assert abandoned == pytest.approx(2 * supported)
    support = np.linspace(0.0, 1.0, 11)
    assert np.all(np.diff(survival_probability("defeat", partner_support=support)) > 0)


def test_vectorised_outcomes_by_name_and_code() -> None:
    names = np.array(["victory", "stalemate", "defeat", "concession"])
    assert outcome_codes(names).tolist() == [0, 1, 2, 3]
    by_name = survival_probability(names, W=np.full(4, 0.2), S=1.0)
    by_code = survival_probability(np.arange(4), W=0.2, S=1.0)
    assert by_name.shape == (4,) and np.array_equal(by_name, by_code)
    custom = survival_probability("defeat", outcome_multipliers={"defeat": 1.0}, base_hazard=0.1)
    assert custom == pytest.approx(np.exp(-0.1))


def test_bad_inputs_name_the_problem() -> None:
    with pytest.raises(InputError, match="W <= S"):
        survival_probability("defeat", W=2.0, S=1.0)
    with pytest.raises(InputError, match="unknown war outcome 'rout'"):
        survival_probability("rout")
    with pytest.raises(InputError, match="partner_support must be <= 1"):
        survival_probability("defeat", partner_support=1.5)
    with pytest.raises(InputError, match="out of range"):
        survival_probability(7)
    with pytest.raises(InputError, match="multiplier"):
        survival_probability("defeat", outcome_multipliers={"defeat": -1.0})


def test_core_is_the_lottery_average_of_the_checked_function() -> None:
    """survival_core (what the crisis template calls) averages the per-outcome closed form
    exp(-base m_o ** e (1 + pw (1 - support)) T / 12) over the war lottery."""
    rng = np.random.default_rng(1)
    n, u = 5, 3
    lottery = rng.dirichlet(np.ones(4), size=(n, u))  # the crisis templates: four war outcomes
    w, support = rng.uniform(0.01, 1.0, n), rng.uniform(0, 1, (n, u))
    culpable = np.array([True, False, True, True, False])
    horizon, base, pw = rng.uniform(1, 24, n), rng.uniform(0, 0.3, n), rng.uniform(0, 2, n)
    mult = np.tile([0.6, 1.0, 2.0, 2.5, 1.0], (n, 1))  # the last: a settlement (checked form only)
    core = survival_core(lottery, loyalty_norm(w, 1.0), culpable, support, horizon, base, mult[:, :4], pw)
    theta = np.where(culpable, 1.0, 0.0)
    e = theta * (1 - 0.5 * (1 - w))
    by_hand = sum(
        lottery[:, :, k] * np.exp(-base[:, None] * mult[:, k][:, None] ** e[:, None]
                                  * (1 + pw[:, None] * (1 - support)) * horizon[:, None] / 12)
        for k in range(4)
    )
    assert np.allclose(core, by_hand, rtol=1e-12)
    for k, o in enumerate(WarOutcome):
        checked = survival_probability(o, W=w[:, None], S=1.0, partner_support=support, culpable=culpable[:, None],
                                       horizon_months=horizon[:, None], base_hazard=base[:, None],
                                       partner_weight=pw[:, None])
        assert np.allclose(checked, np.exp(-base[:, None] * mult[:, k][:, None] ** e[:, None]
                                              * (1 + pw[:, None] * (1 - support)) * horizon[:, None] / 12), rtol=1e-12)


def test_punishment_escriba_folch_and_goemans() -> None:
    assert punishment_probability(W=0.0, S=1.0) == pytest.approx(DICTATOR_PUNISHMENT_RATE)
    assert punishment_probability(W=1.0, S=1.0) == pytest.approx(0.05)
    p = DICTATOR_PUNISHMENT_RATE
    odds = 2 * p / (1 - p)
    assert punishment_probability(W=0.0, S=1.0, outcome="defeat") == pytest.approx(odds / (1 + odds))
    w = np.linspace(0.0, 1.0, 5)
    assert np.all(np.diff(punishment_probability(W=w, S=1.0, outcome="defeat")) < 0)
    assert np.array_equal(punishment_core(1.0 - w, True), punishment_probability(W=w, S=1.0, outcome="concession"))


def test_gamble_for_resurrection() -> None:
    """Downs & Rocke 1994: if conceding costs office as surely as losing, any chance of
    winning makes escalation worth it to the leader."""
    same = {"concession": OUTCOME_HAZARD_MULTIPLIERS[WarOutcome.DEFEAT]}
    p = np.linspace(0.0, 1.0, 6)
    value = resurrection_gamble_value(p, W=0.05, S=1.0, outcome_multipliers=same,
                                      base_hazard=0.3, punishment_cost=5.0)
    assert value[0] == pytest.approx(0.0, abs=1e-12)
    assert np.all(value[1:] > 0)
    v0, v1 = value[0], value[-1]
    assert value == pytest.approx(v0 + p * (v1 - v0))
    mild = resurrection_gamble_value(0.2, W=0.05, S=1.0, base_hazard=0.3, punishment_cost=5.0)
    assert mild > value[1]  # by default conceding is worse than losing (2.5 vs 2): gambling pays more


@given(outcome=st.integers(0, 3), w=unit, s=st.floats(0.01, 1.0), support=unit,
       culpable=st.booleans(), horizon=st.floats(0.0, 600.0), base=st.floats(0.0, 5.0),
       shield=unit, mult=st.floats(0.01, 100.0))
def test_probabilities_stay_in_the_unit_interval(outcome: int, w: float, s: float,
                                                 support: float, culpable: bool,
                                                 horizon: float, base: float, shield: float,
                                                 mult: float) -> None:
    w = min(w, s)
    p = survival_probability(outcome, W=w, S=s, partner_support=support, culpable=culpable,
                             horizon_months=horizon, base_hazard=base, loyalty_shield=shield,
                             outcome_multipliers={"defeat": mult, "concession": mult})
    assert 0.0 <= p <= 1.0
    longer = survival_probability(outcome, W=w, S=s, partner_support=support,
                                  culpable=culpable, horizon_months=horizon + 1.0,
                                  base_hazard=base)
    shorter = survival_probability(outcome, W=w, S=s, partner_support=support,
                                   culpable=culpable, horizon_months=horizon, base_hazard=base)
    assert longer <= shorter
    q = punishment_probability(W=w, S=s, outcome=outcome, defeat_odds_ratio=mult)
    assert 0.0 <= q <= 1.0
