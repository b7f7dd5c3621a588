"""Benchmark of the ``pbe`` solver on ``ukraine-2022``: samples/s and certified share, against a baseline.

The information-set game of the ``escalation`` template (Nature draws each side's private
resolve at the root, every later action is observed; 4,349 nodes, 248 information sets) is
built with :func:`brink.templates.get_template` ``("escalation").build(sc, params,
information="imperfect")`` for ``sc.parameters.draw(seed, 0, n)``, and solved with
``solve_pbe`` as registered (``brink run --solver pbe`` calls it so).  Building is not
timed; numba compilation is excluded (a two-sample warm-up first).

Two configurations, each in its own process, alternated ``--repeat`` times in one run so
that both see the same machine (a shared 2-core box: compare the ratio, not the figures):

* ``new``: this checkout (``sys.executable``, ``--samples`` draws);
* ``baseline``: another checkout's interpreter (``--baseline-python``, e.g. a virtual
  environment whose ``brink`` is the commit before this work), on the first
  ``--baseline-samples`` draws of the same seed (it is two orders slower).

Per configuration: CPU seconds per sample of the solve (``time.process_time``, so per
core), samples/s, the certified share (``info["certified"]``, or ``~info["failed"]`` where a
checkout has no certificate) and the median sweeps.  The ratio is new/baseline samples/s.
``--gambit`` adds pygambit's ``logit_solve`` on draw 0 of the same game (exported as
``.efg``) in a subprocess capped at ``--gambit-timeout`` seconds; ``--openspiel PYTHON``
adds OpenSpiel's CFR+ (200 iterations) on that ``.efg`` with that interpreter.

``--scenarios`` measures several scenarios instead (``escalation``: every bundled scenario
of the ``escalation`` template), each on ``--samples`` draws in both configurations,
alternated per scenario; ``--baseline-src DIR`` runs the baseline with this interpreter
and ``PYTHONPATH=DIR`` (a worktree's ``src`` of an earlier commit, its numba cache kept
in a temporary folder so that the worktree is not written).  The per-scenario rows are
written to ``benchmarks/results/pbe-scenarios.json``.

Usage::

    NUMBA_NUM_THREADS=1 .venv/bin/python benchmarks/bench_pbe.py --quick
    NUMBA_NUM_THREADS=1 .venv/bin/python benchmarks/bench_pbe.py --samples 400 \\
        --baseline-python /tmp/vb/bin/python --baseline-samples 16 --repeat 2 --gambit
    NUMBA_NUM_THREADS=1 .venv/bin/python benchmarks/bench_pbe.py --scenarios escalation \\
        --samples 60 --baseline-src /tmp/base/src

Prints JSON and writes ``benchmarks/results/pbe.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "pbe.json"
SCENARIO_RESULTS = HERE / "results" / "pbe-scenarios.json"
SCENARIO = "ukraine-2022"

_WORKER = r"""
import json, sys, time
import numpy as np
from brink.scenario import load_scenario
from brink.solvers.pbe import solve_pbe
from brink.templates import get_template

name, samples, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
sc = load_scenario(name)
template = get_template("escalation")
def build(n):
    return template.build(sc, sc.parameters.draw(seed, 0, n), information="imperfect")
solve_pbe(build(2))
game = build(samples)
t0 = time.process_time()
w0 = time.perf_counter()
sol = solve_pbe(game)
cpu = time.process_time() - t0
wall = time.perf_counter() - w0
info = sol.info
certified = np.asarray(info.get("certified", ~np.asarray(info["failed"], dtype=bool)), dtype=bool)
print(json.dumps({
    "samples": samples, "cpu_s": cpu, "wall_s": wall,
    "certified": int(certified.sum()),
    "sweeps_median": float(np.median(info["iterations"])),
    "payoffs": np.asarray(sol.payoffs).tolist(),
}))
"""

_GAMBIT = r"""
import sys, time
sys.path.insert(0, sys.argv[2])
from pathlib import Path
from gambit_bridge import read_blank_labels
import pygambit as gbt
path = Path(sys.argv[1])
game = read_blank_labels(path, path.parent)
t0 = time.perf_counter()
gbt.nash.logit_solve(game, use_strategic=False)
print(time.perf_counter() - t0)
"""

_CFR = r"""
import sys, time
import pyspiel
from open_spiel.python.algorithms import cfr
game = pyspiel.load_efg_game(open(sys.argv[1]).read())
solver = pyspiel.CFRPlusSolver(game) if hasattr(pyspiel, "CFRPlusSolver") else None
t0 = time.perf_counter()
for _ in range(200):
    solver.evaluate_and_update_policy()
print(time.perf_counter() - t0)
"""


def worker(
    python: str, samples: int, seed: int, env: dict[str, str], scenario: str = SCENARIO
) -> dict[str, Any]:
    """One timed solve in a fresh process of ``python``."""
    out = subprocess.run(
        [python, "-c", _WORKER, scenario, str(samples), str(seed)],
        capture_output=True, text=True, env=env, check=True,
    )  # fmt: skip
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    result["samples_per_s"] = result["samples"] / result["cpu_s"]
    return result


def efg_of_draw(seed: int, folder: Path) -> Path:
    """Draw 0 of the information-set game, exported as ``.efg``."""
    from brink.efg import write_efg
    from brink.scenario import load_scenario
    from brink.templates import get_template

    sc = load_scenario(SCENARIO)
    game = get_template("escalation").build(
        sc, sc.parameters.draw(seed, 0, 1), information="imperfect"
    )
    path = folder / f"{SCENARIO}.efg"
    path.write_text(write_efg(game, sample=0))
    return path


def timed_subprocess(argv: list[str], timeout: float) -> dict[str, Any]:
    """Seconds a reference solver printed, or why there are none."""
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return {"seconds": None, "note": f"did not finish in {timeout:g} s (stopped)"}
    if out.returncode != 0:
        return {"seconds": None, "note": (out.stderr.strip().splitlines() or ["failed"])[-1][:300]}
    return {"seconds": float(out.stdout.strip().splitlines()[-1])}


def escalation_scenarios() -> list[str]:
    """The bundled scenarios of the ``escalation`` template, by name."""
    from brink.scenario import bundled_scenarios, load_scenario

    return [n for n in sorted(bundled_scenarios()) if load_scenario(n).template == "escalation"]


def per_scenario(args: argparse.Namespace, env: dict[str, str]) -> dict[str, Any]:
    """Certified share and samples/s per scenario, new and baseline alternated per scenario."""
    names = escalation_scenarios() if args.scenarios == "escalation" else args.scenarios.split(",")
    base_env = dict(env)
    base_python = args.baseline_python or sys.executable
    if args.baseline_src:
        base_env["PYTHONPATH"] = args.baseline_src
        base_env["NUMBA_CACHE_DIR"] = tempfile.mkdtemp(prefix="bench-pbe-numba-")
        base_env["PYTHONDONTWRITEBYTECODE"] = "1"
    rows: list[dict[str, Any]] = []
    for name in names:
        row: dict[str, Any] = {"scenario": name}
        for key, python, cfg in (("new", sys.executable, env), ("baseline", base_python, base_env)):
            if key == "baseline" and not (args.baseline_src or args.baseline_python):
                continue
            r = worker(python, args.samples, args.seed, cfg, scenario=name)
            row[key] = {
                "samples_per_s": round(r["samples_per_s"], 1),
                "certified": r["certified"],
                "certified_share": round(r["certified"] / r["samples"], 4),
                "sweeps_median": r["sweeps_median"],
            }
        print(json.dumps(row), flush=True)
        rows.append(row)
    return {"samples": args.samples, "seed": args.seed, "rows": rows}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--samples", type=int, default=400)
    ap.add_argument("--baseline-python", default="")
    ap.add_argument("--baseline-samples", type=int, default=16)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--gambit", action="store_true", help="pygambit logit_solve on draw 0")
    ap.add_argument("--gambit-timeout", type=float, default=60.0)
    ap.add_argument("--openspiel", default="", help="a Python with open_spiel: CFR+ x 200")
    ap.add_argument("--quick", action="store_true", help="64 samples, one repeat")
    ap.add_argument("--scenarios", default="", help="'escalation' or names, comma-separated")
    ap.add_argument("--baseline-src", default="", help="PYTHONPATH of the baseline")
    args = ap.parse_args()
    samples, repeat = (64, 1) if args.quick else (args.samples, args.repeat)
    env = {**os.environ, "NUMBA_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    if args.scenarios:
        table = per_scenario(args, env)
        text = json.dumps(
            {"machine": platform.processor() or platform.machine(), **table}, indent=2
        )
        SCENARIO_RESULTS.parent.mkdir(exist_ok=True)
        SCENARIO_RESULTS.write_text(text + "\n")
        return
    runs: dict[str, list[dict[str, Any]]] = {"new": [], "baseline": []}
    for _ in range(repeat):
        runs["new"].append(worker(sys.executable, samples, args.seed, env))
        if args.baseline_python:
            runs["baseline"].append(
                worker(args.baseline_python, args.baseline_samples, args.seed, env)
            )

    def summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
        best = max(rows, key=lambda r: r["samples_per_s"])
        return {
            "samples": best["samples"],
            "samples_per_s": round(best["samples_per_s"], 2),
            "cpu_ms_per_sample": round(1e3 / best["samples_per_s"], 3),
            "certified_share": round(best["certified"] / best["samples"], 4),
            "sweeps_median": best["sweeps_median"],
            "all_samples_per_s": [round(r["samples_per_s"], 2) for r in rows],
        }

    results: dict[str, Any] = {"scenario": SCENARIO, "new": summary(runs["new"])}
    if runs["baseline"]:
        results["baseline"] = summary(runs["baseline"])
        results["ratio_new_over_baseline"] = round(
            results["new"]["samples_per_s"] / results["baseline"]["samples_per_s"], 1
        )
    if args.gambit or args.openspiel:
        folder = Path(tempfile.mkdtemp(prefix="bench-pbe-"))
        path = efg_of_draw(args.seed, folder)
        if args.gambit:
            tests = str(HERE.parent / "tests")
            results["pygambit_logit_solve"] = timed_subprocess(
                [sys.executable, "-c", _GAMBIT, str(path), tests], args.gambit_timeout
            )
        if args.openspiel:
            results["openspiel_cfr_plus_200"] = timed_subprocess(
                [args.openspiel, "-c", _CFR, str(path)], args.gambit_timeout
            )
    out = {
        "machine": {
            "python": platform.python_version(),
            "cpu": platform.processor() or platform.machine(),
            "cores": os.cpu_count(),
            "timer": "process_time (CPU seconds of the solve, one thread)",
            "when": time.strftime("%Y-%m-%d %H:%M:%S"),
        },
        "results": results,
    }
    text = json.dumps(out, indent=2)
    print(text)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(text + "\n")


if __name__ == "__main__":
    main()
