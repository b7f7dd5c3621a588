"""Benchmark of the post-war game (``brink.aftermath``) and ``brink simulate`` on ``ukraine-2022``.

Reports (one process, one core: numba and BLAS limited to one thread):

* the kernel alone: sample-months per second of the backward induction and the recorded
  equilibrium path for one ending (``--ending stalemate``) and for the eight endings the crisis
  needs;
* ``brink simulate ukraine-2022 --months 36 --ending stalemate``: samples per second and peak
  resident memory of a child process at ``--samples`` and at a tenth of that (memory flat in the
  sample count), and the same with the ending drawn from the crisis equilibrium (which solves
  the crisis for every sample);
* ``brink run ukraine-2022`` samples per second with the post-war game feeding the crisis
  (compare with ``benchmarks/bench_escalation.py``'s figure of the crisis before it).

Usage::

    .venv/bin/python benchmarks/bench_simulate.py --quick     # seconds: proves the script works
    .venv/bin/python benchmarks/bench_simulate.py             # the figures of the closing note

Prints JSON and writes ``benchmarks/results/simulate.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

for _var in ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

HERE = Path(__file__).resolve().parent
SCENARIO = "ukraine-2022"


def _kernel(samples: int) -> dict[str, float]:
    import numpy as np

    from brink import aftermath
    from brink.aftermath.inputs import all_starts, build_inputs
    from brink.model import CrisisModel
    from brink.scenario import load_scenario

    sc = load_scenario(SCENARIO)
    model = CrisisModel(sc)
    full = model._complete(model.draw(0, 0, samples), None)[1]
    out: dict[str, float] = {}
    for label, starts in (("one_ending", np.asarray([[1, 0, 0]])), ("eight_endings", all_starts(False))):
        inputs = build_inputs(sc, full, starts)  # type: ignore[arg-type]
        aftermath.solve(build_inputs(sc, {k: v[:8] for k, v in full.items()}, starts))  # type: ignore[arg-type]
        t = time.perf_counter()
        aftermath.solve(inputs, record=np.zeros(samples, dtype=np.int64))
        rate = samples / (time.perf_counter() - t)
        out[f"{label}_samples_per_s"] = rate
        out[f"{label}_sample_months_per_s"] = rate * 36
    return out


def _child(samples: int, ending: str | None) -> dict[str, float]:
    """Samples per second and peak RSS (MiB) of ``simulate`` in a child process."""
    code = (
        "import resource, sys, time, json\n"
        "from brink.runs.simulate import simulate\n"
        "from brink.scenario import load_scenario\n"
        "sc = load_scenario(sys.argv[1])\n"
        "ending = None if sys.argv[3] == '-' else sys.argv[3]\n"
        "simulate(sc, 1024, ending=ending)\n"
        "t = time.perf_counter()\n"
        "simulate(sc, int(sys.argv[2]), ending=ending)\n"
        "dt = time.perf_counter() - t\n"
        "print(json.dumps({'seconds': dt, 'peak_mib': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))\n"
    )
    done = subprocess.run([sys.executable, "-c", code, SCENARIO, str(samples), ending or "-"],
                          capture_output=True, text=True, check=True)
    got = json.loads(done.stdout.strip().splitlines()[-1])
    return {"samples": samples, "samples_per_s": samples / got["seconds"], "peak_mib": got["peak_mib"]}


def _run_rate(samples: int) -> float:
    from brink.model import CrisisModel
    from brink.scenario import load_scenario

    model = CrisisModel(load_scenario(SCENARIO))
    model.evaluate(model.draw(1, 0, 64))
    params = model.draw(0, 0, samples)
    t = time.perf_counter()
    model.evaluate(params)
    return samples / (time.perf_counter() - t)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, seconds")
    parser.add_argument("--samples", type=int, default=1_000_000, help="the large simulate run")
    args = parser.parse_args()
    large = 20_000 if args.quick else args.samples
    drawn = 2_000 if args.quick else 20_000
    result: dict[str, Any] = {"scenario": SCENARIO, "months": 36}
    result["kernel"] = _kernel(2_048 if args.quick else 32_768)
    result["simulate_fixed_ending"] = [_child(n, "stalemate") for n in (large // 10, large)]
    result["simulate_drawn_ending"] = _child(drawn, None)
    result["run_samples_per_s"] = _run_rate(1_024 if args.quick else 8_192)
    text = json.dumps(result, indent=2)
    print(text)
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "simulate.json").write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
