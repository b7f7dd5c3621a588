"""The workbench's game tree as a Gambit user reads it (issue 24, item 3).

The tree tab's ``.efg`` download (``POST /api/tree.efg``) is the game of the sample the
tab shows, written by :func:`brink.efg.write_efg` as ``brink export`` writes it.  Checked
here: pygambit reads it unchanged; the subgame-perfect equilibrium of the file read back
(brink's ``spe`` on :func:`brink.efg.read_efg`) has the page's equilibrium path; following
that path's action labels in pygambit's tree ends at a leaf whose payoffs are the page's;
and that equilibrium, put into pygambit as a behaviour profile, has the page's expected
payoffs and no player gains by changing the action at any one information set (Gambit's
agent regret is zero).
"""

from __future__ import annotations

import tempfile
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from brink.efg import read_efg
from brink.solvers import solve
from brink.web.app import create_app
from brink.web.settings import ServeSettings

gbt = pytest.importorskip("pygambit")

SCENARIO = "ukraine-2022-exchange"
_ROOT = Path(tempfile.mkdtemp(prefix="brink-web-gambit-"))


@pytest.fixture(scope="module")
def client() -> Any:
    app = create_app(ServeSettings(store=_ROOT / "runs.duckdb", scenario_dir=_ROOT, allow_host=("testserver",)))
    with TestClient(app) as c:
        yield c


def on_path(node: dict[str, Any]) -> list[dict[str, Any]]:
    out = [node]
    while node["children"]:
        node = next(c for c in node["children"] if c["on_path"])
        out.append(node)
    return out


@pytest.mark.parametrize(("seed", "sample"), [(0, 0), (0, 3), (2, 117)])
def test_the_efg_download_loads_in_gambit_and_its_spe_is_the_pages_path(
    client: Any, tmp_path: Path, seed: int, sample: int
) -> None:
    body = {"scenario": SCENARIO, "solver": "auto", "lam": None, "seed": seed, "sample": sample, "levers": {}}
    page = client.post("/api/tree", json=body)
    efg = client.post("/api/tree.efg", json=body)
    assert page.status_code == 200 and efg.status_code == 200
    assert f"sample{sample}.efg" in efg.headers["content-disposition"]
    tree = page.json()
    path = tree["path"]
    assert path and [n["action"] for n in on_path(tree["root"])[1:]] == path
    file = tmp_path / "game.efg"
    file.write_text(efg.text)
    # brink reads it back, and the subgame-perfect equilibrium of the file is the page's path
    back = read_efg(file)
    spe = solve(back, "spe")
    assert spe.path() == path
    np.testing.assert_allclose(spe.payoffs, tree["payoffs"], rtol=0, atol=1e-9)
    # pygambit reads the file as it is; the page's path leads to the page's leaf payoffs there
    g = gbt.read_efg(str(file))
    assert [p.label for p in g.players] == tree["players"]
    node, total = g.root, np.zeros(len(tree["players"]))
    for label in path:
        if node.outcome:
            total += [float(Fraction(str(node.outcome[p]))) for p in g.players]
        node = next(c for c, a in zip(node.children, node.infoset.actions, strict=True) if a.label == label)
    if node.outcome:
        total += [float(Fraction(str(node.outcome[p]))) for p in g.players]
    leaf = on_path(tree["root"])[-1]
    assert leaf["kind"] == "terminal"
    np.testing.assert_allclose(total, leaf["payoffs"], rtol=0, atol=1e-9)
    # the equilibrium, as a behaviour profile in Gambit: Gambit's expected payoffs are the page's,
    # and no player gains by changing the action at any one information set (agent regret 0)
    from gambit_bridge import gambit_profile

    profile = gambit_profile(g, spe)
    np.testing.assert_allclose([float(profile.payoff(p)) for p in g.players], tree["payoffs"], rtol=0, atol=1e-9)
    assert float(profile.agent_max_regret()) == pytest.approx(0.0, abs=1e-9)


def test_the_tree_applies_levers_only_when_the_request_names_them(client: Any) -> None:
    """The tree states the levers it was solved with; none named means the scenario as written."""
    body = {"scenario": "ukraine-2022", "solver": "auto", "lam": None, "seed": 0, "sample": 0}
    plain = client.post("/api/tree", json=body).json()
    assert plain["levers"] == {}
    whatif = {k: v for k, v in body.items() if k != "sample"}
    controls = client.post("/api/whatif", json={**whatif, "samples": 50}).json()["controls"]
    lever = next(c for c in controls if c["kind"] == "lever")
    other = next(o for o in lever["options"] if o != lever["default"])
    moved = client.post("/api/tree", json={**body, "levers": {lever["name"]: other}}).json()
    assert moved["levers"] == {lever["name"]: other}
