"""The closing note's figures on ``ukraine-2022``, each against a baseline checkout in one run.

Every figure is measured in a child process on one core (numba, OpenMP and BLAS limited to one
thread; CPU time from ``time.process_time`` after a warm-up that compiles or loads the numba
cache), for this checkout (``new``) and for ``--baseline SRC`` (the ``src`` folder of another
checkout, e.g. ``/tmp/base/src``), alternated ``--rounds`` times; the best round of each is kept
and the ratio is new/baseline (higher is faster; for memory, new/baseline of the peak).

* ``brink run`` (``brink.runs.run``, aggregation included, nothing stored), ``--samples``
  samples of seed 0: ``spe``, ``qbi`` at lambda 3 and at lambda 0.58, in samples per CPU second;
* ``pbe`` on ``--pbe-samples`` samples: samples per CPU second and the certified share (a run
  counts an uncertified sample as failed: certified = 1 - failed / samples);
* ``brink simulate ukraine-2022 --ending stalemate`` on ``--samples`` samples: samples and
  sample-months (36 a sample) per CPU second;
* the peak resident memory (``ru_maxrss`` of the child, ``os.wait4``) of the whole command
  ``brink run ukraine-2022 -n RSS --no-store --solver spe`` (``--rss-samples``, once each).

The baseline's children write their numba cache to a scratch folder (``NUMBA_CACHE_DIR``) and no
bytecode, so a read-only baseline checkout stays untouched.  On a shared machine read the figures
as +-15% and trust the ratios, which come from the same minutes.

Usage::

    .venv/bin/python benchmarks/bench_closing.py --quick --baseline /tmp/base/src
    .venv/bin/python benchmarks/bench_closing.py --baseline /tmp/base/src --rounds 3

Prints JSON and writes ``benchmarks/results/closing.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SCENARIO = "ukraine-2022"
MONTHS = 36
_THREADS = ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")

_CHILD = """
import json, sys, time
from brink.scenario import load_scenario
kind, arg, samples = sys.argv[1], sys.argv[2], int(sys.argv[3])
sc = load_scenario(%r)
if kind == "simulate":
    from brink.runs.simulate import simulate
    simulate(sc, 1024, seed=1, ending=arg)
    t = time.process_time()
    simulate(sc, samples, seed=0, ending=arg)
    print(json.dumps({"cpu": time.process_time() - t, "failed": 0}))
else:
    from brink.runs import run
    lam = None if arg == "-" else float(arg)
    run(sc, samples=min(samples, 512), seed=1, solver=kind, lam=lam)
    t = time.process_time()
    r = run(sc, samples=samples, seed=0, solver=kind, lam=lam)
    print(json.dumps({"cpu": time.process_time() - t, "failed": r.failed}))
"""


def _env(src: str, scratch: Path, baseline: bool) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": src, **dict.fromkeys(_THREADS, "1")}
    if baseline:
        env["NUMBA_CACHE_DIR"] = str(scratch / "numba")
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def _child(env: dict[str, str], kind: str, arg: str, samples: int) -> dict[str, float]:
    out = subprocess.run([sys.executable, "-c", _CHILD % SCENARIO, kind, arg, str(samples)], env=env,
                         capture_output=True, text=True, check=True, cwd=tempfile.gettempdir())
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def _peak_rss_mib(env: dict[str, str], samples: int) -> dict[str, float]:
    """Peak RSS (MiB) and wall seconds of ``brink run SCENARIO -n samples --no-store --solver spe``."""
    code = "import sys; from brink.cli import main; sys.argv = ['brink', *sys.argv[1:]]; sys.exit(main())"
    argv = [sys.executable, "-c", code, "run", SCENARIO, "-n", str(samples), "--no-store", "--solver", "spe"]
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=err, cwd=tempfile.gettempdir())
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = code = os.waitstatus_to_exitcode(status)
        if code != 0:
            err.seek(0)
            raise RuntimeError(f"brink run failed ({code}): {err.read().decode()[-2000:]}")
    return {"peak_mib": usage.ru_maxrss / 1024, "wall_s": round(wall, 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", required=True, help="the src folder of the baseline checkout")
    parser.add_argument("--src", default=str(HERE.parent / "src"),
                        help="the src folder measured as new (default: this checkout's; e.g. a `git archive` of HEAD "
                        "when others edit the working tree)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--samples", type=int, default=20_000)
    parser.add_argument("--pbe-samples", type=int, default=200)
    parser.add_argument("--rss-samples", type=int, default=200_000)
    parser.add_argument("--quick", action="store_true", help="small sizes, one round: proves the script works")
    args = parser.parse_args()
    if args.quick:
        args.rounds, args.samples, args.pbe_samples, args.rss_samples = 1, 1024, 8, 4096
    here = args.src
    configs = (
        ("spe", "spe", "-", args.samples),
        ("qbi_lambda_3", "qbi", "3", args.samples),
        ("qbi_lambda_0.58", "qbi", "0.58", args.samples),
        ("pbe", "pbe", "-", args.pbe_samples),
        ("simulate_stalemate", "simulate", "stalemate", args.samples),
    )
    rows: dict[str, dict[str, list[dict[str, float]]]] = {c[0]: {"baseline": [], "new": []} for c in configs}
    result: dict[str, Any] = {"scenario": SCENARIO, "baseline_src": args.baseline, "src": here, "rounds": args.rounds,
                              "date": time.strftime("%Y-%m-%d"), "cpus": os.cpu_count()}
    with tempfile.TemporaryDirectory(prefix="bench-closing-") as tmp:
        envs = {"baseline": _env(args.baseline, Path(tmp), True), "new": _env(here, Path(tmp), False)}
        for _ in range(args.rounds):
            for label, kind, arg, samples in configs:
                for which in ("baseline", "new"):
                    got = _child(envs[which], kind, arg, samples)
                    got["rate"] = samples / got["cpu"]
                    got["samples"] = samples
                    rows[label][which].append(got)
                    print(f"{label} {which}: {got['rate']:,.0f}/s", file=sys.stderr, flush=True)
        for label, _, _, _ in configs:
            entry: dict[str, Any] = {}
            for which in ("baseline", "new"):
                best = max(rows[label][which], key=lambda g: g["rate"])
                entry[which] = {"samples_per_cpu_s": round(best["rate"], 1), "samples": int(best["samples"]),
                                "all": [round(g["rate"], 1) for g in rows[label][which]]}
                if label == "pbe":
                    entry[which]["certified_share"] = round(1 - best["failed"] / best["samples"], 4)
                if label.startswith("simulate"):
                    entry[which]["sample_months_per_cpu_s"] = round(best["rate"] * MONTHS, 1)
            entry["ratio"] = round(entry["new"]["samples_per_cpu_s"] / entry["baseline"]["samples_per_cpu_s"], 3)
            result[label] = entry
        rss = {which: _peak_rss_mib(envs[which], args.rss_samples) for which in ("baseline", "new")}
        result["peak_rss"] = {"samples": args.rss_samples, **rss,
                              "ratio": round(rss["new"]["peak_mib"] / rss["baseline"]["peak_mib"], 3)}
    text = json.dumps(result, indent=1)
    print(text)
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    (out / "closing.json").write_text(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
