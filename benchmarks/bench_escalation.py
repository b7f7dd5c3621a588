"""Benchmark of the multi-round ``escalation`` template on ``ukraine-2022``.

Reports (one process, one core: numba and BLAS limited to one thread):

* the tree: nodes, terminals and information sets of the perfect- and the
  information-set version;
* samples per second of a whole model evaluation (drawing, payoffs, solve, read-out) under
  the SPE of the perfect-information version, quantal backward induction (``qbi`` at
  lambda 3), and the perfect Bayesian equilibrium of the private-information version
  (``pbe``, on fewer samples);
* peak resident memory of ``brink run ukraine-2022`` at ``--run-samples`` samples and at a
  tenth of that, in child processes (memory flat in the sample count: chunks adapt to the
  512 MiB budget);
* one draw exported to ``.efg`` and solved by pygambit's ``logit_solve`` (capped at 60 s),
  against brink's time per sample for the same game (needs the ``test`` extra).

Usage::

    .venv/bin/python benchmarks/bench_escalation.py --quick     # a minute: proves the script works
    .venv/bin/python benchmarks/bench_escalation.py             # the figures of the closing note

Prints JSON and writes ``benchmarks/results/escalation.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

for _var in ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

HERE = Path(__file__).resolve().parent
SCENARIO = "ukraine-2022"


def _rate(solver: str, samples: int, lam: float | None = None) -> float:
    from brink.model import CrisisModel
    from brink.scenario import load_scenario

    model = CrisisModel(load_scenario(SCENARIO), solver=solver, lam=lam)
    params = model.draw(0, 0, samples)
    model.evaluate(model.draw(1, 0, min(samples, 64)))  # compile and cache
    start = time.perf_counter()
    model.evaluate(params)
    return samples / (time.perf_counter() - start)


def _peak_rss(samples: int) -> float:
    """Peak resident set (MiB) of a child ``brink run`` at ``samples`` samples."""
    code = (
        "import resource, sys\n"
        "from brink.runs import run\n"
        "from brink.scenario import load_scenario\n"
        f"run(load_scenario({SCENARIO!r}), samples={samples}, seed=0)\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    return int(out.stdout.strip().splitlines()[-1]) / 1024


def _gambit_ratio(timeout: float = 60.0) -> dict[str, Any]:
    from brink.efg import write_efg
    from brink.scenario import load_scenario
    from brink.solvers import solve
    from brink.templates import get_template

    sc = load_scenario(SCENARIO)
    params = sc.parameters.draw(0, 0, 1)
    game = get_template("escalation").build(sc, params).sample(0)
    start = time.perf_counter()
    for _ in range(20):
        solve(game, "qbi", lam=3.0)
    ours = (time.perf_counter() - start) / 20
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "game.efg"
        path.write_text(write_efg(game))
        code = (
            "import sys, time, pygambit as gbt\n"
            f"g = gbt.read_efg({str(path)!r})\n"
            "t = time.perf_counter(); gbt.nash.logit_solve(g, use_strategic=False)\n"
            "print(time.perf_counter() - t)\n"
        )
        try:
            out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True,
                                 timeout=timeout)
            theirs: float | None = float(out.stdout.strip().splitlines()[-1])
        except subprocess.TimeoutExpired:
            theirs = None
        except (subprocess.CalledProcessError, ValueError) as exc:
            return {"brink_qbi_s_per_sample": ours, "pygambit_error": str(exc)[:200]}
    return {
        "brink_qbi_s_per_sample": ours,
        "pygambit_logit_solve_s": theirs if theirs is not None else f"> {timeout:g} (stopped)",
        "ratio": (theirs / ours) if theirs is not None else f"> {timeout / ours:.0f}",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: check the script runs")
    parser.add_argument("--samples", type=int, default=20_000)
    parser.add_argument("--pbe-samples", type=int, default=64)
    parser.add_argument("--run-samples", type=int, default=1_000_000)
    args = parser.parse_args()
    if args.quick:
        args.samples, args.pbe_samples, args.run_samples = 512, 8, 20_000
    from brink.scenario import load_scenario
    from brink.templates import get_template

    sc = load_scenario(SCENARIO)
    template = get_template("escalation")
    perfect = template.skeleton(sc).game  # type: ignore[attr-defined]
    imperfect = template.skeleton(sc, "imperfect").game  # type: ignore[attr-defined]
    result: dict[str, Any] = {
        "scenario": SCENARIO,
        "tree": {"nodes": perfect.n_nodes, "terminals": len(perfect.terminals),
                 "infosets_perfect": int((perfect.infoset_player >= 0).sum()),
                 "infosets_private_information": int((imperfect.infoset_player >= 0).sum())},
        "samples_per_s": {
            "spe": _rate("spe", args.samples),
            "qbi_lambda_3": _rate("qbi", args.samples, 3.0),
            "pbe": _rate("pbe", args.pbe_samples),
        },
        "peak_rss_mib": {str(args.run_samples // 10): _peak_rss(args.run_samples // 10),
                         str(args.run_samples): _peak_rss(args.run_samples)},
        "one_draw_vs_pygambit": _gambit_ratio(),
        "self_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    text = json.dumps(result, indent=2)
    print(text)
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "escalation.json").write_text(text + "\n")


if __name__ == "__main__":
    main()
