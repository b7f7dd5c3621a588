"""`brink run ukraine-2022` at scale: wall time on one core and peak memory against N.

Prints one JSON object:

* ``runs``: for each sample count, the wall seconds of ``brink.runs.montecarlo.run`` (SPE,
  default chunk size, no store) in a fresh single-core process, samples per second,
  its peak resident memory (``ru_maxrss`` of that process, from ``wait4``) and the
  peak of the same process after imports only (``baseline_mib``), so
  ``peak_mib - baseline_mib`` is what the run itself added;
* ``memory_bounded``: whether the largest run's added peak stays within 2x the smallest
  one's (streaming: memory is bounded by the chunk size, not by N) and under 1 GiB.

Each measurement runs in its own process pinned to one CPU with one BLAS/numba thread,
so ``ru_maxrss`` is that run's own peak.  Full sizes (1M and 10M samples) take minutes to
hours; ``--quick`` uses 20k and 60k samples to prove the script works.

Usage::

    .venv/bin/python benchmarks/bench_run.py --quick
    .venv/bin/python benchmarks/bench_run.py            # 1M wall + 10M peak: quiet machine
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from typing import Any

ONE_THREAD = {
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "NUMBA_NUM_THREADS": "1",
}

CHILD = r"""
import json, os, resource, sys, time
if hasattr(os, "sched_setaffinity"):
    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
from brink.scenario import load_scenario
from brink.runs import run
samples, chunk = int(sys.argv[1]), int(sys.argv[2])
sc = load_scenario("ukraine-2022")
run(sc, 1024, seed=1)  # warm caches (numba, template skeleton)
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t0 = time.perf_counter()
result = run(sc, samples, seed=0, chunk_size=chunk)
wall = time.perf_counter() - t0
out = result.to_json()
print(json.dumps({"wall_s": wall, "baseline_kib": base,
                  "tactical_nuclear_use": out["outcomes"]["tactical_nuclear_use"]["p"], "failed": out["failed"]}))
"""


def measure(samples: int, chunk: int) -> dict[str, Any]:
    """One run in a fresh pinned process: wall seconds and peak memory."""
    env = {**os.environ, **ONE_THREAD}
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(samples), str(chunk)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )
    _, status, usage = os.wait4(proc.pid, 0)
    out = proc.stdout.read() if proc.stdout else ""
    err = proc.stderr.read() if proc.stderr else ""
    if status != 0:
        raise SystemExit(f"benchmark child failed ({status}): {err[-2000:]}")
    child = json.loads(out.strip().splitlines()[-1])
    peak_mib = usage.ru_maxrss / 1024
    base_mib = child["baseline_kib"] / 1024
    return {
        "samples": samples,
        "chunk_size": chunk,
        "wall_s": round(child["wall_s"], 3),
        "samples_per_s": round(samples / child["wall_s"], 1),
        "peak_mib": round(peak_mib, 1),
        "baseline_mib": round(base_mib, 1),
        "added_mib": round(peak_mib - base_mib, 1),
        "tactical_nuclear_use": child["tactical_nuclear_use"],
        "failed": child["failed"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes (proves the script works)")
    parser.add_argument("--chunk-size", type=int, default=4096)
    args = parser.parse_args()
    sizes = [20_000, 60_000] if args.quick else [1_000_000, 10_000_000]
    t0 = time.perf_counter()
    runs = [measure(n, args.chunk_size) for n in sizes]
    small, large = runs[0], runs[-1]
    bounded = large["added_mib"] <= max(2 * small["added_mib"], small["added_mib"] + 64) and large["peak_mib"] < 1024
    print(json.dumps({
        "benchmark": "bench_run",
        "scenario": "ukraine-2022",
        "quick": args.quick,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "runs": runs,
        "memory_bounded": bool(bounded),
        "total_s": round(time.perf_counter() - t0, 1),
    }, indent=2))


if __name__ == "__main__":
    main()
