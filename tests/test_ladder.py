"""Kahn's ladder: 44 rungs, 7 groups, 6 thresholds; Rivera et al. 2024 escalation scores."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import yaml
from conftest import SHARED
from hypothesis import given
from hypothesis import strategies as st

from brink.errors import InputError
from brink.mechanisms.ladder import (
    CENTRAL_RUNG,
    KAHN_GROUPS,
    KAHN_LADDER,
    KAHN_THRESHOLDS,
    KNOWN_RUNGS,
    NUCLEAR_RUNG,
    RIVERA_2024_SCORES,
    EscalationCategory,
    Ladder,
    escalation_score,
    rung,
)


@pytest.mark.shared
def test_catalogue_matches_kahn_1965() -> None:
    assert len(KAHN_LADDER) == 44 and len(KAHN_GROUPS) == 7 and len(KAHN_THRESHOLDS) == 6
    assert [r.number for r in KAHN_LADDER] == list(range(1, 45))
    sizes = [sum(r.group_number == g for r in KAHN_LADDER) for g in range(1, 8)]
    assert sizes == [3, 6, 11, 5, 6, 7, 6]
    facts = yaml.safe_load((SHARED / "data" / "facts" / "kahn_ladder.yaml").read_text())
    for group in facts["groups"]:
        for number, name in group["rungs"].items():
            assert KAHN_LADDER[number - 1].name == name
            assert KAHN_LADDER[number - 1].group == group["name"]


def test_thresholds_sit_between_groups() -> None:
    assert rung(1).threshold is None and rung(3).threshold is None
    assert rung(4).threshold == "Don't rock the boat"
    assert rung(20).threshold == "Nuclear war is unthinkable"
    assert rung(21).threshold == "No nuclear use"
    assert rung(44).threshold == "City targeting"
    for a, b in itertools.pairwise(KAHN_LADDER):
        crossed = a.group_number != b.group_number
        assert (a.threshold != b.threshold) == crossed


def test_every_rung_past_no_nuclear_use_is_nuclear() -> None:
    for r in KAHN_LADDER:
        if r.number >= 21:
            assert r.category is EscalationCategory.NUCLEAR
    assert rung("Large conventional war (or actions)").category is EscalationCategory.VIOLENT
    assert rung(2).category is EscalationCategory.POSTURING


def test_one_rung_table_nuclear_in_score_and_payoffs_alike() -> None:
    """Kahn (1965): nuclear war begins past the "No nuclear use" threshold (rung 21) and
    central war past "Central sanctuary" (rung 26).  The escalation score's category and
    the crisis payoffs' test (``rung >= NUCLEAR_RUNG``) agree on every rung: "barely
    nuclear war" (15) and a demonstration of force (18) lie below the threshold."""
    assert NUCLEAR_RUNG == 21 and rung(21).threshold == "No nuclear use"
    assert CENTRAL_RUNG == 26 and rung(26).threshold == "Central sanctuary"
    for r in KAHN_LADDER:
        assert (r.category is EscalationCategory.NUCLEAR) == r.nuclear == (r.number >= NUCLEAR_RUNG)
        assert r.central == (r.number >= CENTRAL_RUNG)
    assert rung(15).category is EscalationCategory.VIOLENT
    assert rung(18).category is EscalationCategory.POSTURING


def test_scenario_rung_names_are_kahn_rungs() -> None:
    from brink.crisis import schema as scenario

    assert scenario.KNOWN_RUNGS is KNOWN_RUNGS and scenario.NUCLEAR_RUNG == NUCLEAR_RUNG
    assert KNOWN_RUNGS["concede"] == 0
    assert all(1 <= n <= 44 for name, n in KNOWN_RUNGS.items() if name != "concede")
    assert rung(KNOWN_RUNGS["demonstration-shot"]).nuclear
    assert not rung(KNOWN_RUNGS["nuclear-ultimatum"]).nuclear


def test_lookup_by_name_number_and_key() -> None:
    assert rung("local-nuclear-war-military").number == 23
    assert rung("LOCAL NUCLEAR WAR - MILITARY").number == 23
    assert rung("spasm or insensate war").number == 44
    assert rung("17").number == 17
    assert rung(rung(30).key) == rung(30)
    with pytest.raises(InputError, match="spectacular-show-or-demonstration-of-force"):
        rung("demonstration of force")
    with pytest.raises(InputError, match="1 to 44"):
        rung(45)


def test_ladder_validation() -> None:
    ladder = Ladder(["show of force", 12, "local nuclear war - military", 44])
    assert [r.number for r in ladder] == [5, 12, 23, 44] and len(ladder) == 4
    assert ladder.thresholds_crossed(0, 1) == ("Nuclear war is unthinkable",)
    assert ladder.thresholds_crossed(1, 2) == ("No nuclear use",)
    assert ladder.thresholds_crossed(0, 3) == KAHN_THRESHOLDS[1:]
    with pytest.raises(InputError, match="empty"):
        Ladder([])
    with pytest.raises(InputError, match="twice"):
        Ladder([5, "show of force"])
    with pytest.raises(InputError, match="comes after"):
        Ladder([23, 12])
    with pytest.raises(InputError, match=r"crisis.ladder\[1\]: unknown Kahn rung 'tactical nukes'"):
        Ladder([5, "tactical nukes"], where="crisis.ladder")


def test_rivera_scores_and_weights() -> None:
    assert dict(RIVERA_2024_SCORES) == {
        EscalationCategory.DE_ESCALATION: -2, EscalationCategory.STATUS_QUO: 0,
        EscalationCategory.POSTURING: 4, EscalationCategory.NON_VIOLENT: 12,
        EscalationCategory.VIOLENT: 28, EscalationCategory.NUCLEAR: 60}
    names = np.array([["posturing", "violent"], ["nuclear", "de_escalation"]])
    assert escalation_score(names).tolist() == [[4, 28], [60, -2]]
    assert escalation_score([2, 4, 5, 0]).tolist() == [4, 28, 60, -2]
    assert escalation_score(names, {"nuclear": 100}).sum() == 4 + 28 + 100 - 2
    assert Ladder([5, 12, 23]).scores().tolist() == [4, 28, 60]
    with pytest.raises(InputError, match="unknown escalation categories"):
        escalation_score(["war"])
    with pytest.raises(InputError, match="unknown escalation category 'war'"):
        escalation_score(["violent"], {"war": 3})
    with pytest.raises(InputError, match="out of range"):
        escalation_score([6])


@given(st.lists(st.integers(min_value=1, max_value=44), min_size=1, max_size=10, unique=True))
def test_any_increasing_subset_is_a_ladder(numbers: list[int]) -> None:
    ladder = Ladder(sorted(numbers))
    scores = ladder.scores()
    assert scores.shape == (len(numbers),)
    crossed = ladder.thresholds_crossed(0, len(ladder) - 1)
    assert len(crossed) == ladder[-1].group_number - ladder[0].group_number
