"""The seed's crisis claims under the default solver (issue 22, "Must show").

On ``ukraine-2022`` under the escalation template's default (qbi at the lambda fitted on
ICB), each claim of the seed is a comparative static on common random numbers
(:func:`brink.analysis.compare.compare`: the same seed, every shared parameter drawn alike):
changing the claim's number from A to B must move its outcome in the expected direction, with
the paired 95% interval of ``B - A`` on that side of zero, by more than 1 point or 10% of the
level under A.  A claim that does not move enough is a strict xfail with the measured figures
(``docs/escalation-model.md``, "The seed's claims under the default solver", says why).

The claims (the seed's words in brackets): the umbrella over the target [Ukraine is not under
NATO's nuclear umbrella] raises NATO's nuclear answer and lowers tactical use (the umbrella
cost of a weak answer, Schelling 1966's commitment); a legal duty [NATO is not bound to
retaliate] raises its answer given a climb (Leeds 2003's alliance reliability); self-
preservation [it will likely do so out of self-preservation interest] raises its answer given
nuclear use; NATO's resolve and its declared answer [destructive but conventional] raise its
answer given a climb (Zagare & Kilgour 2000's perfect deterrence; Snyder 1961's deterrence
by punishment); the taboo lowers tactical use (Tannenwald 2007); coercion raises it (Schelling
1966; Sechser & Fuhrmann 2017).
"""

from __future__ import annotations

from functools import cache
from typing import Any

import pytest

from brink.analysis.compare import compare
from brink.model import CrisisModel
from brink.scenario import load_scenario

SAMPLES = 512
SEED = 0
#: commitments.nato-ukr is type none in the scenario; a legal duty binds only a defense pact.
PACT = "commitments.nato-ukr.type=defense"


@cache
def effect(a: tuple[str, ...], b: tuple[str, ...], outcome: str) -> Any:
    """The paired difference of ``outcome`` (B - A) on ukraine-2022 under the default solver."""
    ma, mb = CrisisModel(load_scenario("ukraine-2022", a)), CrisisModel(load_scenario("ukraine-2022", b))
    assert ma.solver == mb.solver == "qbi" and ma.auto == "fitted on ICB"
    return {r.name: r for r in compare(ma, mb, SAMPLES, SEED).rows}[outcome]


def moves(row: Any, sign: int) -> bool:
    """The difference is on the ``sign`` side of zero (its 95% interval too) and exceeds 1 point
    or 10% of the level under A."""
    d = row.difference
    side = d.low > 0 if sign > 0 else d.high < 0
    size = abs(d.mean) > 0.01 or abs(d.mean) > 0.10 * abs(row.a.mean)
    return bool(side and sign * d.mean > 0 and size)


def test_the_umbrella_over_the_target_raises_nato_s_nuclear_answer_and_lowers_tactical_use() -> None:
    a, b = ("commitments.nato-ukr.umbrella=false",), ("commitments.nato-ukr.umbrella=true",)
    assert moves(effect(a, b, "defender_nuclear_response"), +1)  # measured 0.0103 -> 0.0188
    assert moves(effect(a, b, "tactical_nuclear_use"), -1)  # measured 0.0713 -> 0.0513
    assert moves(effect(a, b, "defender_responds_given_climb"), +1)


def test_a_legal_duty_raises_nato_s_answer_given_a_climb() -> None:
    a, b = (PACT, "commitments.nato-ukr.legal=false"), (PACT, "commitments.nato-ukr.legal=true")
    assert moves(effect(a, b, "defender_responds_given_climb"), +1)  # measured 0.811 -> 0.834


def test_self_preservation_raises_nato_s_answer_given_nuclear_use() -> None:
    a = ("doctrines.NATO.interests.self_preservation=0.4",)
    b = ("doctrines.NATO.interests.self_preservation=0.9",)
    assert moves(effect(a, b, "defender_responds_given_nuclear_use"), +1)  # measured 0.800 -> 0.815


def test_nato_s_resolve_raises_its_answer_given_a_climb() -> None:
    a, b = ("doctrines.NATO.resolve=0.2",), ("doctrines.NATO.resolve=0.9",)
    assert moves(effect(a, b, "defender_responds_given_climb"), +1)  # measured 0.785 -> 0.824


def test_a_declared_conventional_strike_raises_nato_s_answer_over_no_declaration() -> None:
    a, b = ("doctrines.NATO.declared=none",), ("doctrines.NATO.declared=conventional-strike",)
    assert moves(effect(a, b, "defender_responds_given_climb"), +1)  # measured 0.780 -> 0.811


@pytest.mark.xfail(strict=True, reason="measured (512 samples, seed 0, common random numbers): declaring a nuclear "
                   "response instead of a conventional strike moves NATO's nuclear response 0.0103 -> 0.0106 "
                   "(+0.03 points [+0.03, +0.03], +3% relative) and tactical use 0.0713 -> 0.0707")
def test_a_declared_nuclear_response_raises_nato_s_nuclear_answer_over_a_conventional_strike() -> None:
    a, b = ("doctrines.NATO.declared=conventional-strike",), ("doctrines.NATO.declared=nuclear-response",)
    assert moves(effect(a, b, "defender_nuclear_response"), +1)


def test_the_taboo_lowers_tactical_use() -> None:
    a, b = ("costs.nuclear_taboo=0.1",), ("costs.nuclear_taboo=0.6",)
    assert moves(effect(a, b, "tactical_nuclear_use"), -1)  # measured 0.0789 -> 0.0622


@pytest.mark.xfail(strict=True, reason="measured (512 samples, seed 0, common random numbers): nuclear_coercion "
                   "0.1 -> 0.6 moves tactical use 0.0694 -> 0.0734 (+0.40 points [+0.39, +0.42], +5.8% relative); "
                   "challenger_prevails moves +1.06 points")
def test_coercion_raises_tactical_use() -> None:
    a, b = ("crisis.nuclear_coercion=0.1",), ("crisis.nuclear_coercion=0.6",)
    assert moves(effect(a, b, "tactical_nuclear_use"), +1)


def test_the_criterion_can_fail() -> None:
    """A claim that does not move fails: the same scenario on both sides."""
    row = effect(("costs.nuclear_taboo=0.3",), ("costs.nuclear_taboo=0.3",), "tactical_nuclear_use")
    assert row.difference.mean == 0 and not moves(row, +1) and not moves(row, -1)
