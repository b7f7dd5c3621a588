"""Benchmark of the ``pbe`` solver (fixed-point iteration) against ``qre`` (homotopy).

Both compute the limiting agent logit QRE (McKelvey & Palfrey 1998) of the
information-set game of the ``escalation`` template (Nature draws private types at the
root, every later action is observed).  Per scenario file (default: the Cuba and Ukraine
test scenarios under ``/tmp/esc``): load it with :func:`brink.scenario.load_scenario`, draw
parameters with ``sc.parameters.draw(seed, 0, n)``, build the game with
``template.build(sc, params, information="imperfect")`` (building excluded from the
timings) and time

* ``solve_pbe`` as registered (``fallback=True``: samples the iteration cannot settle are
  traced by ``qre``) on ``--samples`` draws, and ``solve_pbe(fallback=False)`` on the same
  draws (the iteration alone, its samples/s and how many samples it flags);
* ``solve_qre`` on the first ``--qre-samples`` draws (it is one to three orders slower);
* agreement on the draws both solved: the largest limit-payoff difference over the
  payoff range.

Best of ``--repeat`` runs after a two-sample warm-up (numba compilation excluded; its
seconds are reported).  One process, one thread: samples/s per core.

Usage::

    NUMBA_NUM_THREADS=1 .venv/bin/python benchmarks/bench_pbe.py --quick
    NUMBA_NUM_THREADS=1 .venv/bin/python benchmarks/bench_pbe.py --repeat 3

Prints JSON and writes ``benchmarks/results/pbe.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from brink.games import Game
from brink.scenario import load_scenario
from brink.solvers.pbe import solve_pbe
from brink.solvers.qre import solve_qre
from brink.solvers.result import Solution
from brink.templates import get_template

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "pbe.json"
SCENARIOS = ["/tmp/esc/cuba.yaml", "/tmp/esc/ukr.yaml"]


def build(path: str, samples: int, seed: int) -> Game:
    """The scenario's information-set game for ``samples`` parameter draws."""
    sc = load_scenario(path)
    template = get_template(sc.template)
    params = sc.parameters.draw(seed, 0, samples)
    game: Game = template.build(sc, params, information="imperfect")
    return game


def timed(run: Callable[[], Solution], repeat: int) -> tuple[float, Solution]:
    """Best wall seconds of ``repeat`` calls, and the last solution."""
    best, sol = np.inf, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        sol = run()
        best = min(best, time.perf_counter() - t0)
    assert sol is not None
    return float(best), sol


def measure(path: str, samples: int, qre_samples: int, repeat: int, seed: int) -> dict[str, Any]:
    game = build(path, samples, seed)
    t0 = time.perf_counter()
    two = build(path, 2, seed)
    solve_pbe(two)
    solve_qre(two)
    warmup = time.perf_counter() - t0
    seconds, sol = timed(lambda: solve_pbe(game), repeat)
    alone_seconds, alone = timed(lambda: solve_pbe(game, fallback=False), repeat)
    scale = np.ptp(game.terminal_payoffs(), axis=(1, 2))
    small = build(path, qre_samples, seed)  # the same first draws
    qre_seconds, qre = timed(lambda: solve_qre(small), 1)
    both = ~np.asarray(qre.info["failed"]) & ~np.asarray(sol.info["failed"][:qre_samples])
    gap = np.abs(sol.payoffs[:qre_samples] - qre.payoffs).max(axis=1) / scale[:qre_samples]
    return {
        "scenario": path,
        "nodes": game.n_nodes,
        "personal_sets": int(np.sum(game.infoset_player >= 0)),
        "jit_warmup_s": round(warmup, 2),
        "pbe": {
            "samples": samples,
            "seconds": round(seconds, 3),
            "samples_per_s": round(samples / seconds, 1),
            "failed": int(np.sum(sol.info["failed"])),
            "fallback_to_qre": int(np.sum(sol.info["fallback"])),
            "max_regret_over_range": float(np.max(sol.info["regret_scaled"])),
        },
        "pbe_iteration_only": {
            "seconds": round(alone_seconds, 3),
            "samples_per_s": round(samples / alone_seconds, 1),
            "flagged": int(np.sum(alone.info["failed"])),
            "iterations_median": float(np.median(alone.info["iterations"])),
            "iterations_p90": float(np.percentile(alone.info["iterations"], 90)),
        },
        "qre": {
            "samples": qre_samples,
            "seconds": round(qre_seconds, 3),
            "samples_per_s": round(qre_samples / qre_seconds, 2),
            "failed": int(np.sum(qre.info["failed"])),
        },
        "speedup": round((samples / seconds) / (qre_samples / qre_seconds), 1),
        "limit_payoff_gap_over_range": float(gap[both].max(initial=0.0)),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--samples", type=int, default=1000)
    ap.add_argument("--qre-samples", type=int, default=16)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--quick", action="store_true", help="64 pbe / 4 qre samples")
    ap.add_argument("scenarios", nargs="*", default=SCENARIOS)
    args = ap.parse_args()
    samples, qre_samples = (64, 4) if args.quick else (args.samples, args.qre_samples)
    out = {
        "machine": {
            "python": platform.python_version(),
            "cpu": platform.processor() or platform.machine(),
            "cores": os.cpu_count(),
            "numba_threads": os.environ.get("NUMBA_NUM_THREADS", "default"),
        },
        "results": [
            measure(path, samples, min(qre_samples, samples), args.repeat, args.seed)
            for path in args.scenarios
        ],
    }
    text = json.dumps(out, indent=2)
    print(text)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(text + "\n")


if __name__ == "__main__":
    main()
