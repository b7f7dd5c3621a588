"""Named rungs between Kahn's (1965): a scenario's own rung (a blockade) at a fractional position.

Kahn's catalogue has no rung for a blockade; a scenario places one strictly between two
adjacent rungs of his (``{name: blockade, between: [9, 10], group: ...}``, position 9.5)
with its Kahn group and Rivera et al. (2024) category
(:func:`brink.mechanisms.ladder.place_rung`).  These tests check the refusals (each naming
the field), that the templates read the position as they read a Kahn number (intensity
``position / 12``, the chance table's closed form), that the scenario's category scores
escalation, and that under qbi the blockade is reached and moves the outcomes.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

import brink.cli.scenario  # noqa: F401  (registers ladder)
from brink.cli import app
from brink.crisis.rungs import rung_category
from brink.crisis.schema import RESPONSES, Rung
from brink.errors import InputError
from brink.mechanisms.ladder import (
    KAHN_GROUPS,
    KAHN_LADDER,
    RIVERA_2024_SCORES,
    EscalationCategory,
    place_rung,
)
from brink.runs.montecarlo import run
from brink.scenario import load_scenario
from brink.templates.crisis.tree import response_category
from brink.templates.crisis.tree import skeleton as crisis_skeleton
from brink.templates.escalation.payoffs import chance_layout, chance_table
from brink.templates.escalation.spec import RESPONSES as ESC_RESPONSES
from brink.templates.escalation.tree import _K, _intensity, skeleton, structure

SMALL = Path(__file__).parent / "fixtures" / "escalation-small.yaml"
BASE = ["concede", "show-of-force", "limited-conventional-war", "demonstration-shot"]
BLOCKADE: dict[str, Any] = {"name": "blockade", "between": [9, 10], "group": "traditional-crises"}


def _scenario(tmp_path: Path, ladder: list[Any], source: Path = SMALL, **crisis: Any) -> Any:
    data = yaml.safe_load(source.read_text())
    data["crisis"] = {**data["crisis"], "ladder": ladder, "balance": "beta(3, 5)", **crisis}
    path = tmp_path / f"s{len(list(tmp_path.iterdir()))}.yaml"
    path.write_text(yaml.safe_dump(data))
    return load_scenario(str(path))


def _refused(entry: dict[str, Any]) -> str:
    with pytest.raises(ValueError) as err:  # pydantic's ValidationError is a ValueError
        Rung.model_validate(entry)
    return str(err.value)


def test_blockade_between_9_and_10_has_position_group_and_category() -> None:
    # Kahn's rung 9 is "Dramatic military confrontations", 10 "Provocative breaking off of
    # diplomatic relations": a threshold ("Nuclear war is unthinkable") lies between them.
    assert KAHN_LADDER[8].name == "Dramatic military confrontations"
    r = Rung.model_validate(BLOCKADE)
    assert (r.rung, r.between, r.group, r.category) == (9.5, (9, 10), "Traditional crises", EscalationCategory.NON_VIOLENT)
    assert r.named and not r.nuclear
    assert Rung.model_validate({**BLOCKADE, "rung": 9.25}).rung == 9.25
    assert Rung.model_validate({**BLOCKADE, "group": 3}).group == "Intense crises"
    # same rung written as a fraction; round trip through the dump
    same = Rung.model_validate({"name": "blockade", "rung": 9.5, "group": "Traditional crises"})
    assert same == r == Rung.model_validate(json.loads(r.model_dump_json()))
    # inside one group the group and category are the lower neighbour's
    cyber = Rung.model_validate({"name": "cyber-attack", "rung": 12.5})
    assert (cyber.group, cyber.category, cyber.between) == ("Intense crises", KAHN_LADDER[11].category, (12, 13))
    assert Rung.model_validate({"name": "c", "rung": 12.5, "category": "non-violent"}).category == EscalationCategory.NON_VIOLENT
    # a whole number stays Kahn's rung, as before
    # the JSON schema (editors, `brink schema`) asks for rung or between
    schema = Rung.model_json_schema()
    assert schema["required"] == ["name"] and {"required": ["between"]} in schema["anyOf"]
    with pytest.raises(ValueError, match="rung"):
        Rung.model_validate({"name": "x"})
    kahn = Rung.model_validate({"name": "x", "rung": 12})
    assert isinstance(kahn.rung, int) and kahn.between is None and not kahn.named


def test_refusals_name_the_field() -> None:
    msg = _refused({"name": "blockade", "between": [9, 10]})
    assert "group:" in msg and "Nuclear war is unthinkable" in msg and "traditional-crises" in msg
    assert "group:" in _refused({"name": "b", "rung": 20.5, "group": "bizarre-crises"})  # nuclear group below 21
    assert "group:" in _refused({"name": "b", "rung": 12.5, "group": "traditional-crises"})  # not a neighbour's
    assert "category:" in _refused({"name": "b", "rung": 12.5, "category": "nuclear"})
    assert "category:" in _refused({"name": "b", "rung": 22.5, "category": "violent"})
    assert "category:" in _refused({"name": "b", "rung": 12.5, "category": "loud"})
    for position in (0.5, 44.5, -1.5):
        assert "rung:" in _refused({"name": "b", "rung": position})
    assert "not strictly between Kahn rungs 9 and 10" in _refused({**BLOCKADE, "rung": 9})
    assert "not strictly between" in _refused({**BLOCKADE, "rung": 10.5})
    for between in ([9, 11], [10, 9], [0, 1], [44, 45], [9.5, 10]):
        assert "between:" in _refused({"name": "b", "between": between})
    assert "group and category are for a rung of your own" in _refused({"name": "b", "rung": 9, "group": 2})
    with pytest.raises(InputError) as err:
        place_rung("b", 9.0)
    assert err.value.where == "rung" and "Kahn's rung 9" in err.value.what


def test_ladder_check_still_applies(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="must rise monotonically"):
        _scenario(tmp_path, ["concede", "limited-conventional-war", BLOCKADE, "demonstration-shot"])
    with pytest.raises(InputError, match="group"):
        _scenario(tmp_path, ["concede", {"name": "blockade", "between": [9, 10]}, "demonstration-shot"])


@given(st.integers(1, 43), st.floats(0.01, 0.99))
def test_placed_rung_takes_its_lower_neighbours_defaults(lower: int, frac: float) -> None:
    below, above = KAHN_LADDER[lower - 1], KAHN_LADDER[lower]
    group = None if below.group == above.group else below.group
    placed = place_rung("x", lower + frac, group)
    assert (placed.below, placed.above, placed.group, placed.category) == (below, above, below.group, below.category)
    assert rung_category(lower + frac) == below.category
    assert rung_category(lower + frac, {lower + frac: EscalationCategory.VIOLENT}) == EscalationCategory.VIOLENT
    assert (placed.category == EscalationCategory.NUCLEAR) == (lower + frac >= 21)
    assert placed.group in KAHN_GROUPS


def test_escalation_tree_reads_the_position(tmp_path: Path) -> None:
    sc = _scenario(tmp_path, ["concede", "show-of-force", BLOCKADE, "limited-conventional-war", "demonstration-shot"])
    st_ = structure(sc)
    assert st_.rungs[1] == ("blockade", 9.5) and st_.categories[1] == "non_violent"
    assert _intensity(9.5) == 9.5 / 12
    sk = skeleton(st_)
    assert sk.fight_kahn.dtype == np.float64 and 9.5 in set(sk.fight_kahn.tolist())
    distinct, _, _, types = chance_layout(st_)
    params = sc.parameters.draw(0, 0, 64)
    table, _ = chance_table(sc, params, sk)
    at = int(np.flatnonzero((distinct[:, 0] == 9.5) & (distinct[:, 1] == 0))[0])
    slip = np.clip(params["process.loss_of_control"] * (9.5 / 21) ** 2, 0, 1)
    decided = (1 - slip) * np.clip(params["process.decisiveness"] * 9.5 / 12, 0, 1)
    np.testing.assert_allclose(table[:, int(types) + 3 * at], slip, rtol=1e-15)
    np.testing.assert_allclose(table[:, int(types) + 3 * at + 1], decided, rtol=1e-15)
    # the war cost of a round fought at the blockade is its intensity, 9.5 / 12
    rounds = st_.rounds
    war = sk.term_weights[:, 0, _K[(0, "war")] * rounds:(_K[(0, "war")] + 1) * rounds]
    assert np.isclose(war, -9.5 / 12, rtol=0, atol=1e-15).any()
    assert ((sk.terms.end_kahn == 9.5) & (sk.terms.top == 1)).any()


@pytest.mark.parametrize(("category", "score"), [(None, "non_violent"), ("violent", "violent")])
def test_category_shows_in_the_escalation_score(tmp_path: Path, category: str | None, score: str) -> None:
    entry = {**BLOCKADE, **({"category": category} if category else {})}
    sc = _scenario(tmp_path, ["concede", "show-of-force", entry, "limited-conventional-war"])
    st_ = structure(sc)
    t = skeleton(st_).terms
    none = 1 << ESC_RESPONSES.index("none")  # answered nothing but 'none' (status quo, 0)
    top_blockade = (t.top == 1) & ((t.answered & ~none) == 0)
    assert top_blockade.any()
    expected = RIVERA_2024_SCORES[EscalationCategory(score)]
    np.testing.assert_array_equal(t.escalation[top_blockade], expected)


def test_blockade_is_reached_and_moves_outcomes_under_qbi(tmp_path: Path) -> None:
    without = run(_scenario(tmp_path, BASE), samples=4096, seed=0, solver="qbi").to_json()
    ladder = ["concede", "show-of-force", BLOCKADE, "limited-conventional-war", "demonstration-shot"]
    with_ = run(_scenario(tmp_path, ladder), samples=4096, seed=0, solver="qbi").to_json()
    assert with_["outcomes"]["rung.blockade"]["p"] > 0.05
    assert "rung.blockade" not in without["outcomes"]
    moved = [k for k, v in without["outcomes"].items() if not math.isclose(v["p"], with_["outcomes"][k]["p"], abs_tol=1e-3)]
    assert "settlement" in moved or "war" in moved
    assert with_["metrics"]["escalation_score"]["mean"] != without["metrics"]["escalation_score"]["mean"]


def test_single_exchange_template_reads_the_position(tmp_path: Path) -> None:
    source = Path(__file__).parents[1] / "src" / "brink" / "scenario" / "bundled" / "ukraine-2022-exchange.yaml"
    entry = {"name": "cyber-attack", "rung": 12.5, "category": "non_violent"}
    sc = _scenario(tmp_path, ["concede", "show-of-force", entry, "limited-conventional-war"], source=source)
    from brink.templates.crisis.payoffs import CLASS_FEATURES

    sk = crisis_skeleton(sc, CLASS_FEATURES)
    terms = sk.terms
    at = terms.rung == 2
    assert terms.kahn.dtype == np.float64 and set(terms.kahn[at].tolist()) == {12.5}
    np.testing.assert_array_equal(terms.decisiveness[at & (terms.counter != 2)], min(1.0, 12.5 / 12))
    # the cyber attack's category (non-violent, 12), not Kahn 12's (violent, 28), scores it
    tally = sk.tally
    column = tally.names.index("escalation_score")
    dense = np.zeros((terms.kahn.size, len(tally.names)))
    for i in range(terms.kahn.size):
        cols = tally.column[tally.ptr[i]:tally.ptr[i + 1]]
        dense[i, cols] = tally.weight[tally.ptr[i]:tally.ptr[i + 1]]
    stay = at & (terms.counter != 2)
    answer = np.array([RIVERA_2024_SCORES[response_category(RESPONSES[d])] for d in terms.response[stay]])
    np.testing.assert_array_equal(dense[stay, column], np.maximum(answer, 12.0))
    assert (np.maximum(answer, 12.0) < 28.0).any()
    key = terms.class_key(CLASS_FEATURES)
    assert key.dtype == np.float64


def test_brink_ladder_documents_how_to_add_one() -> None:
    result = CliRunner().invoke(app, ["ladder"])
    assert result.exit_code == 0
    assert "between: [9, 10]" in result.output and "group" in result.output
    out = json.loads(CliRunner().invoke(app, ["ladder", "--json"]).output)
    assert "between: [9, 10]" in out["own_rungs"] and out["groups"] == list(KAHN_GROUPS)
