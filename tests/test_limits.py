"""Memory limits: chunks adapt to a budget, sizes beyond it are refused, numbers never change.

Issue #10, item 6: on brink 0.1.0 the bundled ``fearon-1995`` needed ~9.7 GB at default
options (a (4096, 30401) float64 profile per chunk), ``--chunk-size`` had no upper bound
and 500 partners took 2.4 GB.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tracemalloc
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from brink.errors import InputError
from brink.model import CrisisModel
from brink.runs.montecarlo import MAX_CHUNK_SIZE, run
from brink.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
BRINK = str(ROOT / ".venv" / "bin" / "brink")
BUNDLED = ROOT / "src" / "brink" / "scenario" / "bundled"


def brink_in_process(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[int, str]:
    """Exit status and stderr of the real entry point (``brink.cli.main``)."""
    from brink.cli import main

    monkeypatch.setattr(sys, "argv", ["brink", *args])
    with pytest.raises(SystemExit) as stop:
        main()
    code = stop.value.code
    return (code if isinstance(code, int) else 1), capsys.readouterr().err


def with_partners(tmp_path: Path, k: int) -> Path:
    """``ukraine-2022-exchange`` with ``k`` extra partners (each an actor too)."""
    data = yaml.safe_load((BUNDLED / "ukraine-2022-exchange.yaml").read_text())
    for i in range(k):
        data["actors"][f"P{i}"] = {"kind": "state", "name": f"P{i}"}
        data["partners"][f"P{i}"] = {"energy_dependence": 0.2, "taboo_aversion": "uniform(0.5, 0.9)",
                                     "backs_winners": 0.5, "sphere_interest": {"CENTRAL_ASIA": 0.1}}
    data["provenance"].update({"actors": "assumption", "partners": "assumption"})
    path = tmp_path / f"partners{k}.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_fearon_at_default_options_stays_within_the_budget() -> None:
    """Peak memory of a whole ``brink run fearon-1995`` (0.1.0: 2.7 GB at -n 1000, 9.7 GB at the default)."""
    code = (
        "import resource, subprocess, sys; "
        f"r = subprocess.run([{BRINK!r}, 'run', 'fearon-1995', '-n', '2000', '--no-store', '--json'], "
        "capture_output=True, text=True); "
        "print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    returncode, peak_kib = int(out[0]), int(out[1])
    assert returncode == 0
    # the 512 MiB budget plus Python, numpy and numba themselves (about 300 MiB)
    assert peak_kib < 1_100 * 1024, f"peak {peak_kib / 1024:.0f} MiB"


@pytest.mark.parametrize(
    ("name", "solver", "samples"),
    [("fearon-1995", "auto", 24), ("ukraine-2022-exchange", "auto", 512), ("ukraine-2022-exchange", "qre", 24),
     ("tripartite-crisis", "auto", 512), ("july-1914-exchange", "auto", 512)],
)
def test_the_estimate_bounds_the_memory_an_evaluation_takes(name: str, solver: str, samples: int) -> None:
    """:meth:`CrisisModel.footprint` is an upper bound of what numpy allocates per sample."""
    model = CrisisModel(load_scenario(name), solver=solver)
    model.evaluate(model.draw(0, 0, 2))  # compile, build caches
    params = model.draw(0, 0, samples)
    fp = model.footprint()
    tracemalloc.start()
    try:
        model.evaluate(params)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak <= fp.fixed + samples * fp.per_sample, (peak / samples, fp)


def test_the_estimate_counts_partners(tmp_path: Path) -> None:
    model = CrisisModel(load_scenario(with_partners(tmp_path, 150)))
    model.evaluate(model.draw(0, 0, 2))
    params = model.draw(0, 0, 256)
    tracemalloc.start()
    try:
        model.evaluate(params)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    fp = model.footprint()
    assert 256 * fp.per_sample >= peak > 0.3 * 256 * fp.per_sample


def test_results_do_not_depend_on_the_memory_budget_or_chunk_size() -> None:
    """Pieces of a few samples (a 64 MiB budget) or of hundreds give the same numbers."""
    sc = load_scenario("fearon-1995")
    reference = run(sc, 2100, seed=3).to_json()
    assert run(sc, 2100, seed=3, memory=64 * 2**20).to_json() == reference
    assert run(sc, 2100, seed=3, chunk_size=2048).to_json() == reference
    assert run(sc, 2100, seed=3, chunk_size=1024, memory=100 * 2**20).to_json() == reference


def test_one_sample_alone_gives_the_numbers_it_gives_among_others() -> None:
    """A chunk or piece may hold a single sample: its outcomes must not change (0.1.0: 1 ulp off for fearon)."""
    model = CrisisModel(load_scenario("fearon-1995"))
    params = model.draw(5, 0, 6)
    together = model.evaluate(params)
    for s in range(6):
        alone = model.evaluate({k: v[s : s + 1] for k, v in params.items()})
        for name, values in together.outcomes.items():
            assert alone.outcomes[name][0] == values[s], (name, s)


def test_evaluation_is_cut_into_pieces_that_fit(monkeypatch: pytest.MonkeyPatch) -> None:
    model = CrisisModel(load_scenario("fearon-1995"), memory=40 * 2**20)
    piece = model.footprint().piece(model.memory)
    assert 1 < piece < 20
    sizes: list[int] = []
    solve = model._evaluate

    def spy(params: Any, levers: Any) -> Any:
        sizes.append(len(next(iter(params.values()))))
        return solve(params, levers)

    monkeypatch.setattr(model, "_evaluate", spy)
    ev = model.evaluate(model.draw(0, 0, 50))
    assert ev.n == 50 and sum(sizes) == 50
    assert max(sizes) <= piece and min(sizes) >= 2


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["-n", "3000000", "--chunk-size", "1000000000"], "chunk size 1,000,000,000 exceeds the maximum of 1,048,576"),
        (["-n", "3000000", "--chunk-size", "1000000"], "over a quarter of the memory budget of 512 MiB. use at most "
                                                      "--chunk-size 20480"),
        (["-n", "3000", "--chunk-size", "100000", "--memory", "64"], "memory budget of 64 MiB"),
        (["-n", "10", "--memory", "10"], "--memory"),
    ],
)
def test_chunk_size_and_budget_are_bounded(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, args: list[str], needle: str
) -> None:
    code, err = brink_in_process(capsys, monkeypatch, "run", "ukraine-2022-exchange", "--no-store", *args)
    assert code == 2, err
    assert needle in err, err
    assert "Traceback" not in err


def test_a_chunk_larger_than_the_samples_is_not_held() -> None:
    """The bound is on the samples a chunk holds: a large --chunk-size for a small run is fine."""
    sc = load_scenario("ukraine-2022-exchange")
    assert run(sc, 1024, seed=1, chunk_size=MAX_CHUNK_SIZE).to_json() == run(sc, 1024, seed=1).to_json()


def test_a_game_too_large_for_the_budget_is_refused(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """QRE's dense Newton matrices for fearon's 30,401 actions need about 21 GiB: refused before allocating."""
    code, err = brink_in_process(capsys, monkeypatch, "run", "fearon-1995", "-n", "10", "--solver", "qre", "--no-store")
    assert code == 2, err
    assert "error: --memory: the game of scenario fearon-1995 (30,402 nodes, 30,401 actions, 2 players" in err
    assert "over the memory budget of 512 MiB" in err and "--solver spe" in err
    with pytest.raises(InputError, match="needs about"):
        CrisisModel(load_scenario("fearon-1995"), memory=2**20).evaluate({})


def test_too_many_partners_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = with_partners(tmp_path, 500)
    code, err = brink_in_process(capsys, monkeypatch, "validate", str(path))
    assert code == 2, err
    assert f"error: {path}:" in err and "partners: 503 partners exceed the limit of 200" in err


def test_many_partners_run_in_bounded_memory(tmp_path: Path) -> None:
    """150 partners: chunks adapt instead of growing with the partner count (0.1.0: 500 took 2.4 GB)."""
    path = with_partners(tmp_path, 150)
    code = (
        "import resource, subprocess, sys; "
        f"r = subprocess.run([{BRINK!r}, 'run', {str(path)!r}, '-n', '4096', '--no-store', '--json'], "
        "capture_output=True, text=True); "
        "print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); print(r.stdout)"
    )
    lines = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    head, _, body = lines.partition("\n")
    returncode, peak_kib = (int(x) for x in head.split())
    assert returncode == 0 and json.loads(body)["failed"] == 0
    assert peak_kib < 1_100 * 1024, f"peak {peak_kib / 1024:.0f} MiB"
    assert np.isfinite(json.loads(body)["outcomes"]["partners_abandon"]["p"])
