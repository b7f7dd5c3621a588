"""Benchmark of quantal backward induction (``qbi``) against the SPE on ``ukraine-2022``.

Both solvers run the same one-pass kernel layout (:mod:`brink.solvers.spe`,
:mod:`brink.solvers.qbi`); qbi adds an exponential per action and a weighted mean over
every child (where the SPE selects one), and its profile is mixed, so every node is reached.
Measured on the bundled ``ukraine-2022-exchange`` scenario's perfect-information game (the ``crisis``
template), in one process pinned to one CPU with one numba/BLAS thread:

(a) Solver only: the scenario's game compiled once for ``--samples`` parameter draws (a
    sampled :class:`brink.games.Game`), then timed
    ``spe_terminal_reach`` / ``qbi_terminal_reach`` (the lean read-outs models use) and
    ``solve_spe`` / ``solve_qbi`` (full :class:`~brink.solvers.result.Solution`).
(b) Whole model: ``CrisisModel(scenario, solver=...).evaluate`` on the same draws (drawing
    excluded; the mechanism layer and payoff assembly included), as ``brink run`` does.

Best of ``--repeat`` runs after one warm-up call (numba compilation and caches excluded).
Reported in samples per second per core.

Usage::

    .venv/bin/python benchmarks/bench_qbi.py --quick      # seconds: proves the script works
    .venv/bin/python benchmarks/bench_qbi.py              # 100,000 samples, best of 3

Prints JSON and writes ``benchmarks/results/qbi.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SCENARIO = "ukraine-2022-exchange"  # the single-exchange game the figures below were measured on


def best_of(repeat: int, call: Callable[[], Any]) -> float:
    """Fastest wall time of ``repeat`` calls of ``call``, after one warm-up call."""
    call()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        call()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--lam", type=float, default=1.0, help="qbi's logit precision")
    parser.add_argument("--quick", action="store_true", help="5,000 samples, one repeat")
    args = parser.parse_args()
    if args.quick:
        args.samples, args.repeat = 5_000, 1
    # one core, one thread: set before brink (and numba) are imported below
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
        os.environ.setdefault(var, "1")
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})

    from brink.model import CrisisModel
    from brink.scenario import load_scenario
    from brink.solvers import solve_spe
    from brink.solvers.qbi import qbi_terminal_reach, solve_qbi
    from brink.solvers.spe import spe_terminal_reach

    sc = load_scenario(SCENARIO)
    spe_model = CrisisModel(sc, solver="spe")
    qbi_model = CrisisModel(sc, solver="qbi", lam=args.lam)
    params = spe_model.draw(0, 0, args.samples)
    game, _ = spe_model.game(params)
    n = args.samples
    solver_s = {
        "spe_terminal_reach": best_of(args.repeat, lambda: spe_terminal_reach(game)),
        "qbi_terminal_reach": best_of(args.repeat, lambda: qbi_terminal_reach(game, lam=args.lam)),
        "solve_spe": best_of(args.repeat, lambda: solve_spe(game)),
        "solve_qbi": best_of(args.repeat, lambda: solve_qbi(game, lam=args.lam)),
    }
    model_s = {
        "spe": best_of(args.repeat, lambda: spe_model.evaluate(params)),
        "qbi": best_of(args.repeat, lambda: qbi_model.evaluate(params)),
    }
    out = {
        "scenario": SCENARIO,
        "game": {
            "nodes": game.n_nodes,
            "players": game.n_players,
            "terminals": int(game.terminals.size),
        },
        "samples": n,
        "repeat": args.repeat,
        "lam": args.lam,
        "solver_samples_per_s": {k: n / v for k, v in solver_s.items()},
        "model_samples_per_s": {k: n / v for k, v in model_s.items()},
        "qbi_over_spe": {
            "terminal_reach": solver_s["spe_terminal_reach"] / solver_s["qbi_terminal_reach"],
            "full_solution": solver_s["solve_spe"] / solver_s["solve_qbi"],
            "model": model_s["spe"] / model_s["qbi"],
        },
        "machine": {
            "python": sys.version.split()[0],
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
        },
    }
    print(json.dumps(out, indent=1))
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "qbi.json").write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
