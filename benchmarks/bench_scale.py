"""How brink scales: throughput per executor, peak memory against N, and pygambit per game.

Prints one JSON object:

* ``throughput``: samples/s of ``brink.runs.montecarlo.run`` on ``ukraine-2022`` in process,
  on 2 local processes and on 1- and 2-worker Dask ``LocalCluster``s; ``efficiency`` is
  ``rate_k / (k * rate_in_process)`` (1 = perfect scaling); ``identical`` checks that
  every executor gave bit-identical outcome probabilities (docs/design.md §3).  Measured
  fairly: every executor runs under the same one-thread BLAS/OpenMP limits (set here
  before NumPy is imported, inherited by the process pool; Dask sets the same in its
  workers), so the in-process baseline is one core; each executor is first warmed up
  with ``4 * workers`` chunks, which reaches every worker (for Dask this is checked:
  ``warm_workers`` counts the workers holding the scenario's model), and only then timed.
* ``memory``: peak resident memory (``wait4`` ru_maxrss of a fresh process) of a run of
  1M and 10M samples next to a tiny run: streaming keeps it bounded by the chunk size.
* ``pygambit``: seconds pygambit (GPL; benchmark only) needs for one equilibrium of the
  same game (the scenario at its central values; ``lcp_solve``, Lemke on the sequence
  form, and ``logit_solve``), brink's seconds per sample in the vectorised run, and their
  ratio.

Usage: ``python benchmarks/bench_scale.py --quick`` (seconds to a minute) or without
``--quick`` on a quiet machine (1M/10M samples: long).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

SCENARIO = "ukraine-2022"

#: Same thread limits for every executor; must be set before NumPy is first imported.
THREAD_LIMITS = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
os.environ.update(THREAD_LIMITS)

MEMORY_CHILD = """
import sys
from brink.scenario import load_scenario
from brink.runs import run
run(load_scenario(sys.argv[1]), int(sys.argv[2]), 0, chunk_size=int(sys.argv[3]))
"""


def _models_cached() -> int:
    from brink.model import _SHIPPED

    return len(_SHIPPED)


def _thread_pools() -> list[dict[str, Any]]:
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return [{"threadpoolctl": "not installed", **THREAD_LIMITS}]
    return [{"api": i["internal_api"], "threads": i["num_threads"]} for i in threadpool_info()]


def _timed_run(samples: int, chunk: int, executor: Any) -> tuple[float, dict[str, Any]]:
    from brink.runs import run
    from brink.scenario import load_scenario

    sc = load_scenario(SCENARIO)
    # warm every worker (imports, numba caches, the per-process model) before timing
    run(sc, 4 * executor.workers * chunk, 1, chunk_size=chunk, executor=executor)
    start = time.perf_counter()
    result = run(sc, samples, 0, chunk_size=chunk, executor=executor)
    seconds = time.perf_counter() - start
    return seconds, {k: v["p"] for k, v in result.outcomes.items()}


def throughput(samples: int, chunk: int) -> dict[str, Any]:
    from brink.executors.dask import DaskExecutor
    from brink.executors.local import LocalExecutor
    from brink.executors.processes import ProcessExecutor

    out: dict[str, Any] = {"samples": samples, "chunk_size": chunk}
    reference: dict[str, Any] | None = None
    identical = True
    base_rate = None
    out["thread_pools_in_process"] = _thread_pools()
    for name, make, k in (
        ("in_process", LocalExecutor, 1),
        ("processes_2", lambda: ProcessExecutor(workers=2), 2),
        ("dask_localcluster_1", lambda: DaskExecutor(workers=1, processes=True), 1),
        ("dask_localcluster_2", lambda: DaskExecutor(workers=2, processes=True), 2),
    ):
        warm: int | None = None
        with make() as ex:  # type: ignore[no-untyped-call]
            seconds, outcomes = _timed_run(samples, chunk, ex)
            if isinstance(ex, DaskExecutor):
                warm = sum(1 for n in ex.client.run(_models_cached).values() if n > 0)
        rate = samples / seconds
        base_rate = rate if base_rate is None else base_rate
        reference = outcomes if reference is None else reference
        identical = identical and outcomes == reference
        out[name] = {
            "workers": k,
            "seconds": round(seconds, 3),
            "samples_per_s": round(rate, 1),
            "efficiency": round(rate / (k * base_rate), 3),
        }
        if warm is not None:
            out[name]["warm_workers"] = warm
    out["identical"] = identical
    return out


def peak_memory(samples: int, chunk: int) -> dict[str, Any]:
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", MEMORY_CHILD, SCENARIO, str(samples), str(chunk)]
    )
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"memory run of {samples} samples failed ({proc.returncode})")
    return {
        "samples": samples,
        "seconds": round(time.perf_counter() - start, 2),
        "peak_rss_mib": round(usage.ru_maxrss / 1024, 1),
    }


def pygambit_comparison(brink_seconds_per_sample: float, quick: bool) -> dict[str, Any]:
    try:
        import pygambit as gbt
    except ImportError:
        return {"skipped": "pygambit not installed"}
    from brink.builder import scenario_game
    from brink.efg import write_efg
    from brink.solvers import solve

    game = scenario_game(SCENARIO)
    text = write_efg(game)
    # Gambit 16.3+ demands unique node labels; blank them (labels do not change the game).
    text = re.sub(r'^([pct]) "(?:[^"\\]|\\.)*"', r'\1 ""', text, flags=re.M)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "game.efg"
        path.write_text(text)
        gg = gbt.read_efg(str(path))
    out: dict[str, Any] = {"game": f"{SCENARIO} at central values", "players": len(gg.players)}
    solvers = [("lcp_solve", gbt.nash.lcp_solve)]
    if not quick:
        solvers.append(("logit_solve", gbt.nash.logit_solve))
    for name, fn in solvers:
        start = time.perf_counter()
        fn(gg)
        seconds = time.perf_counter() - start
        out[name] = {
            "seconds_per_game": round(seconds, 3),
            "ratio_to_brink_per_sample": round(seconds / brink_seconds_per_sample, 1),
        }
    start = time.perf_counter()
    solve(game)
    out["brink_single_game_seconds"] = round(time.perf_counter() - start, 4)
    out["brink_seconds_per_sample_vectorised"] = brink_seconds_per_sample
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="Small sizes: proves the benchmark works."
    )
    parser.add_argument(
        "--samples", type=int, default=None, help="Samples for the throughput runs."
    )
    parser.add_argument("--chunk-size", type=int, default=10_240)
    parser.add_argument("--no-gambit", action="store_true", help="Skip the pygambit comparison.")
    args = parser.parse_args()
    samples = args.samples or (8_192 if args.quick else 200_000)
    chunk = min(args.chunk_size, 2_048) if args.quick else args.chunk_size
    sizes = (4_096, 40_960) if args.quick else (1_000_000, 10_000_000)

    report: dict[str, Any] = {
        "benchmark": "bench_scale",
        "quick": args.quick,
        "scenario": SCENARIO,
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
        },
    }
    report["throughput"] = throughput(samples, chunk)
    report["memory"] = {
        "baseline": peak_memory(chunk, chunk),
        "runs": [peak_memory(n, chunk) for n in sizes],
    }
    per_sample = report["throughput"]["in_process"]["seconds"] / samples
    if not args.no_gambit:
        report["pygambit"] = pygambit_comparison(per_sample, args.quick)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
