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

With ``--baseline PYTHON`` (an interpreter whose ``brink`` is the commit to compare with), the
two are also measured alternately, ``--reps`` times each, in child processes of one core, and
reported as ratios (this tree over the baseline; the best of the reps of each, CPU time):

* ``brink simulate ukraine-2022 --ending stalemate``: samples x months per second;
* the post-war game inside ``brink run ukraine-2022``: the kernel's microseconds per sample
  (``brink.aftermath.solve_kernel``, eight endings a sample) and the whole post-war part of a
  chunk's payoffs (``after_crisis``: inputs, kernel and the mix over the endings' lotteries);
* ``brink run ukraine-2022``: microseconds per sample.

Usage::

    .venv/bin/python benchmarks/bench_simulate.py --quick     # seconds: proves the script works
    .venv/bin/python benchmarks/bench_simulate.py             # the figures of the closing note
    .venv/bin/python benchmarks/bench_simulate.py --compare-only --baseline /path/to/old/python

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


_COMPARE = r"""
import json, sys, time
import brink.aftermath
from brink.templates.escalation import payoffs
from brink.model import CrisisModel
from brink.runs.simulate import simulate
from brink.scenario import load_scenario

name, sim_n, run_n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
spent = {"kernel": 0.0, "after": 0.0}
kernel, after = brink.aftermath.solve_kernel, payoffs.after_crisis

def timed_kernel(*args):
    t = time.thread_time()
    kernel(*args)
    spent["kernel"] += time.thread_time() - t

def timed_after(*args, **kwargs):
    t = time.thread_time()
    out = after(*args, **kwargs)
    spent["after"] += time.thread_time() - t
    return out

brink.aftermath.solve_kernel = timed_kernel
payoffs.after_crisis = timed_after
sc = load_scenario(name)
simulate(sc, 1024, ending="stalemate")
t = time.process_time()
sim = simulate(sc, sim_n, ending="stalemate")
sim_s = time.process_time() - t
model = CrisisModel(sc)
model.evaluate(model.draw(1, 0, 64))
params = model.draw(0, 0, run_n)
spent["kernel"] = spent["after"] = 0.0
t = time.process_time()
model.evaluate(params)
run_s = time.process_time() - t
print(json.dumps({
    "simulate_sample_months_per_s": sim_n * sim.months / sim_s,
    "postwar_kernel_us_per_sample": spent["kernel"] / run_n * 1e6,
    "after_crisis_us_per_sample": spent["after"] / run_n * 1e6,
    "run_us_per_sample": run_s / run_n * 1e6,
}))
"""


def _compare(baseline: str, reps: int, sim_n: int, run_n: int) -> dict[str, Any]:
    """This tree against ``baseline`` (a Python whose ``brink`` is the commit compared with),
    alternately in child processes: the best of ``reps`` each, and this tree's figure over the
    baseline's (a ratio > 1: this tree is faster, for rates and for times alike)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    runs: dict[str, list[dict[str, float]]] = {"new": [], "baseline": []}
    for _ in range(reps):
        for label, python in (("new", sys.executable), ("baseline", baseline)):
            done = subprocess.run([python, "-c", _COMPARE, SCENARIO, str(sim_n), str(run_n)], capture_output=True,
                                  text=True, check=True, env=env)
            runs[label].append(json.loads(done.stdout.strip().splitlines()[-1]))
    out: dict[str, Any] = {"reps": reps, "simulate_samples": sim_n, "run_samples": run_n}
    for key in runs["new"][0]:
        rate = key.endswith("_per_s")
        new = max(r[key] for r in runs["new"]) if rate else min(r[key] for r in runs["new"])
        old = max(r[key] for r in runs["baseline"]) if rate else min(r[key] for r in runs["baseline"])
        out[key] = {"new": new, "baseline": old, "speedup": new / old if rate else old / new}
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, seconds")
    parser.add_argument("--samples", type=int, default=1_000_000, help="the large simulate run")
    parser.add_argument("--baseline", default=None, help="a Python whose brink is the baseline to compare with")
    parser.add_argument("--reps", type=int, default=3, help="alternations of the comparison")
    parser.add_argument("--compare-only", action="store_true", help="only the comparison with --baseline")
    args = parser.parse_args()
    large = 20_000 if args.quick else args.samples
    drawn = 2_000 if args.quick else 20_000
    result: dict[str, Any] = {"scenario": SCENARIO, "months": 36}
    if not args.compare_only:
        result["kernel"] = _kernel(2_048 if args.quick else 32_768)
        result["simulate_fixed_ending"] = [_child(n, "stalemate") for n in (large // 10, large)]
        result["simulate_drawn_ending"] = _child(drawn, None)
        result["run_samples_per_s"] = _run_rate(1_024 if args.quick else 8_192)
    if args.baseline:
        result["against_baseline"] = _compare(args.baseline, 1 if args.quick else args.reps,
                                              4_000 if args.quick else 40_000, 512 if args.quick else 4_096)
    text = json.dumps(result, indent=2)
    print(text)
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "simulate.json").write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
