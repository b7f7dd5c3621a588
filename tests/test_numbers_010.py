"""brink 0.1.0's numbers (``fixtures/numbers_0.1.0.json``, commit 6a65389: ``brink run NAME
--samples 20000 --seed S --json --no-store``, seeds 0-2) are still given wherever no later
version lists a change.

The scenarios are run once, against 0.4.0's fixture, by ``tests/test_numbers.py``; this file
checks the fixtures' lineage: a 0.1.0 scenario that 0.4.0 does not list as changed
(:data:`test_numbers.CHANGED_SINCE_020`) gives 0.1.0's numbers to the last bit.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from test_numbers import CHANGED_SINCE_020, RUNS

FIXTURE = Path(__file__).parent / "fixtures" / "numbers_0.1.0.json"
V010: dict[str, dict[str, Any]] = json.loads(FIXTURE.read_text())["runs"]
#: 0.1.0 names whose single-exchange version is now bundled under another name.
RENAMED = {n: f"{n}-exchange" for n in ("ukraine-2022", "ukraine-in-nato", "cuban-missile-crisis-1962", "july-1914")}


@pytest.mark.parametrize("name", sorted(V010))
def test_numbers_of_010_stand_unless_a_later_version_changed_them(name: str) -> None:
    now = RENAMED.get(name, name)
    assert now in RUNS, f"{name} (now {now}) is no longer bundled"
    if now in CHANGED_SINCE_020:
        assert RUNS[now] != V010[name]
        return
    assert RUNS[now] == V010[name]
