"""brink in a notebook: per-sample tables (pandas, xarray), the per-sample store, HTML reprs.

The rudimentary deterrence game (Zagare & Kilgour 2000, ch. 4) has one uncertain
parameter, the Defender's credibility ``p ~ U(0, 1)``; the Challenger challenges iff
``p < (u(DC) - u(SQ)) / (u(DC) - u(DD))`` (= 1/2 with the bundled utilities).  That closed
form checks the stored per-sample outcomes sample by sample.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import brink.runs.montecarlo as montecarlo
from brink.errors import InputError
from brink.evaluation import decisions
from brink.games import TreeBuilder
from brink.model import CrisisModel
from brink.runs.montecarlo import RunResult, column_roles, run
from brink.runs.sweep import SimulationPoints, design_from_options, run_sweep, scenario_source
from brink.scenario import load_scenario
from brink.store import Store

SCENARIO = "deterrence-rudimentary"
N, SEED = 700, 5


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> tuple[Store, RunResult]:
    store = Store(tmp_path_factory.mktemp("nb") / "runs.duckdb")
    result = run(load_scenario(SCENARIO), N, SEED, chunk_size=128, store=store)
    return store, result


def test_to_pandas_is_the_stores_rows_and_the_kept_rows(stored: tuple[Store, RunResult]) -> None:
    store, result = stored
    assert result.run_id is not None
    df = result.to_pandas()
    rows = store.samples(result.run_id)
    assert list(df.columns) == [c for c in rows if c != "sample"]
    np.testing.assert_array_equal(df.index.to_numpy(), np.arange(N))
    for name, values in rows.items():
        if name != "sample":
            np.testing.assert_array_equal(df[name].to_numpy(), values, err_msg=name)
    # the same rows kept in memory (another chunk size: the table must not depend on it)
    kept = run(load_scenario(SCENARIO), N, SEED, chunk_size=512, keep_samples=True)
    assert kept.store is None and kept.to_json() == result.to_json()  # the same summary
    pd.testing.assert_frame_equal(kept.to_pandas(), df)
    # and read back from the store by id, as a notebook would
    pd.testing.assert_frame_equal(RunResult.from_store(store, result.run_id[:6]).to_pandas(), df)


def test_stored_metrics_and_paths_equal_a_direct_evaluation(stored: tuple[Store, RunResult]) -> None:
    store, result = stored
    assert result.run_id is not None
    rows = store.samples(result.run_id)
    model = CrisisModel(load_scenario(SCENARIO))
    params = model.draw(SEED, 0, N)
    ev = model.evaluate(params)
    for name, values in params.items():
        np.testing.assert_array_equal(rows[name], values)  # float64, as drawn
    for name, values in {**ev.outcomes, **ev.metrics}.items():
        np.testing.assert_array_equal(rows[name], values, err_msg=name)
    assert set(ev.metrics) and set(ev.metrics) <= set(rows)
    folded = decisions(ev)  # stored paths are the players' decisions, nature's draws folded
    labels = np.asarray(folded.path_labels)[folded.paths]
    np.testing.assert_array_equal(rows["path"], np.where(ev.failed, "", labels))
    assert any(any(c) for c in ev.path_chance)  # the deterrence game has a chance move to fold
    assert all(" > ".join(s for s, c in zip(full.split(" > "), chance, strict=True) if not c) == kept
               for full, chance, kept in zip(np.asarray(ev.path_labels)[ev.paths],
                                            [ev.path_chance[i] for i in ev.paths], labels, strict=True))
    np.testing.assert_array_equal(rows["failed"], ev.failed)
    # the closed form, sample by sample: challenge iff p < 1/2, and then along demand > ...
    p = rows["game.p"]
    np.testing.assert_array_equal(rows["challenge"], (p < 0.5).astype(float))
    assert all(path.startswith("demand") for path in rows["path"][p < 0.5])
    assert set(rows["path"][p > 0.5]) == {"status quo"}
    # the summary's path shares are the stored paths' shares
    shares = {" > ".join(x["path"]): x["share"] for x in result.paths}
    for label, share in shares.items():
        assert np.mean(rows["path"] == label) == pytest.approx(share)
    roles = result.roles()
    assert roles["game.p"] == ("parameter", "game.p") and roles["challenge"] == ("outcome", "challenge")
    assert roles["payoff.Challenger"] == ("metric", "payoff.Challenger")


def test_to_xarray_round_trips(stored: tuple[Store, RunResult]) -> None:
    _, result = stored
    df = result.to_pandas()
    ds = result.to_xarray()
    assert ds.sizes == {"sample": N} and ds.attrs["seed"] == SEED and ds.attrs["run_id"] == result.run_id
    assert ds["challenge"].attrs["role"] == "outcome" and ds["game.p"].attrs["role"] == "parameter"
    assert ds["payoff.Defender"].attrs["role"] == "metric" and ds["path"].attrs["role"] == "path"
    back = ds.to_dataframe()
    pd.testing.assert_frame_equal(back, df, check_dtype=False)
    again = xr.Dataset.from_dataframe(df)
    for name in ds.data_vars:
        np.testing.assert_array_equal(again[name].to_numpy(), ds[name].to_numpy())
    assert float(ds["challenge"].mean()) == pytest.approx(result.outcomes["challenge"]["p"])


def test_samples_kept_unasked_up_to_the_default_and_on_request_under_the_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 24: ``to_pandas()`` works on an in-memory run of up to KEPT_BY_DEFAULT samples
    without asking; past it (or with keep_samples=False) the error says how to keep more."""
    sc = load_scenario(SCENARIO)
    plain = run(sc, 64, 1)
    df = plain.to_pandas()
    assert len(df) == 64 and list(df.index) == list(range(64))
    assert float(df["challenge"][~df["failed"]].mean()) == pytest.approx(plain.outcomes["challenge"]["p"], abs=1e-12)
    pd.testing.assert_frame_equal(df, run(sc, 64, 1, keep_samples=True).to_pandas())
    summary_only = run(sc, 64, 1, keep_samples=False)
    assert summary_only.sample_columns is None and summary_only.outcomes == plain.outcomes
    with pytest.raises(InputError, match="no per-sample results") as err:
        summary_only.to_pandas()
    assert "keep_samples=True" in (err.value.fix or "")
    monkeypatch.setattr(montecarlo, "KEPT_BY_DEFAULT", 50)
    over = run(sc, 51, 1)
    assert over.sample_columns is None
    with pytest.raises(InputError, match="up to 50 samples") as err:
        over.to_pandas()
    assert "store" in (err.value.fix or "")
    monkeypatch.setattr(montecarlo, "MAX_KEPT_SAMPLES", 100)
    with pytest.raises(InputError, match="at most 100 samples") as err:
        run(sc, 101, 1, keep_samples=True)
    assert "store" in (err.value.fix or "")
    assert len(run(sc, 100, 1, keep_samples=True).to_pandas()) == 100
    # a scenario with nothing uncertain is solved once; each sample still has its row
    fixed = run(load_scenario(SCENARIO, ["game.p=0.3"]), 90, 1, keep_samples=True).to_pandas()
    assert len(fixed) == 90 and set(fixed["challenge"]) == {1.0}


def test_column_roles_undo_the_prefixes_of_clashing_names() -> None:
    roles = column_roles(["x", "outcome:x", "y", "metric:y", "z", "path", "failed"], ["x", "y"], ["y", "z"])
    assert roles == {
        "x": ("parameter", "x"),
        "outcome:x": ("outcome", "x"),
        "y": ("outcome", "y"),
        "metric:y": ("metric", "y"),
        "z": ("metric", "z"),
        "path": ("path", "path"),
        "failed": ("failed", "failed"),
    }


def test_html_reprs_name_the_outcomes(stored: tuple[Store, RunResult]) -> None:
    _, result = stored
    page = result._repr_html_()
    for name in result.outcomes:
        assert f"<td>{name}</td>" in page
    p = result.outcomes["challenge"]
    assert f"{p['p']:.3f}" in page and f"[{p['ci95'][0]:.3f}, {p['ci95'][1]:.3f}]" in page
    assert "payoff.Challenger" in page and "modal path" in page
    b = TreeBuilder("entry <game>", ["Entrant", "Incumbent"])
    enter, stay_out = b.move(b.root, "Entrant", ["enter", "out"])
    fight, accommodate = b.move(enter, "Incumbent", ["fight", "accommodate"])
    b.outcome(stay_out, [0, 2], "out")
    b.outcome(fight, [-1, -1], "price war")
    b.outcome(accommodate, [1, 1], "share")
    game_page = b.build()._repr_html_()
    assert "entry &lt;game&gt;" in game_page  # escaped
    for text in ("Entrant", "Incumbent", "price war", "share", "5 (3 terminal)", "<td>-1</td>"):
        assert text in game_page, text


def test_sweep_to_xarray_over_design_points(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.duckdb")
    text, name = scenario_source(SCENARIO)
    design = design_from_options(["game.challenger_dd=-1,-0.5"], [], seed=0)
    result = run_sweep(
        store, SimulationPoints(keep_samples=False), scenario=SCENARIO, scenario_name=name,
        scenario_text=text, design=design, samples=2048, seed=3, version="test",
    )
    ds = result.to_xarray()
    assert ds.sizes == {"point": 2, "stat": 3}
    np.testing.assert_array_equal(ds["game.challenger_dd"].to_numpy(), [-1.0, -0.5])
    for i, summary in enumerate(result.summaries):
        assert summary is not None
        o = summary["outcomes"]["challenge"]
        np.testing.assert_array_equal(ds["challenge"].isel(point=i).to_numpy(), [o["p"], *o["ci95"]])
        m = summary["metrics"]["payoff.Challenger"]
        assert float(ds["payoff.Challenger"].isel(point=i).sel(stat="mean")) == m["mean"]
    assert ds["challenge"].attrs["role"] == "outcome" and ds["run_id"].to_numpy().tolist() == result.run_ids
    # the closed form: P(challenge) = 1 / (1 - u(DD)) for p ~ U(0, 1): 1/2, then 2/3
    mean = ds["challenge"].sel(stat="mean").to_numpy()
    low, high = ds["challenge"].sel(stat="low").to_numpy(), ds["challenge"].sel(stat="high").to_numpy()
    assert np.all((low <= [0.5, 2 / 3]) & (high >= [0.5, 2 / 3])), (mean, low, high)
    from brink.runs.sweep import load_sweep

    xr.testing.assert_identical(load_sweep(store, result.sweep_id).to_xarray(), ds)


def test_a_scenario_shows_its_actors_uncertainties_sources_and_levers() -> None:
    """``Scenario._repr_html_``: every uncertain parameter with its distribution and resolved
    source, every actor and lever, and text escaped (a title with markup stays text)."""
    sc = load_scenario("ukraine-2022")
    page = sc._repr_html_()
    P = sc.parameters
    assert f"{len(P.uncertainties)} uncertain parameters of {len(P.names)}" in page
    for name in P.uncertainties:
        assert f"<td>{name}</td><td>{P.distributions[name].spec}</td>" in page
    for actor in sc.actors:
        assert f"<td>{actor}</td>" in page
    for lever in sc.levers:
        assert f"<td>{lever}</td>" in page
    key = sc.provenance_of("crisis.balance")
    assert key is not None and sc.sources.get(key, key) in page
    marked = sc.model_copy(update={"title": "<script>x</script>"})
    assert "<script>" not in marked._repr_html_() and "&lt;script&gt;" in marked._repr_html_()
