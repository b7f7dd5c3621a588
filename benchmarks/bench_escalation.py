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
  against brink's time per sample for the same game (needs the ``test`` extra);
* ``fused``: the fused path (payoffs and chance probabilities computed in the kernel, the
  read-out per block of samples: :meth:`EscalationTemplate.fused_read_out`) against the
  unfused one (build the game, solve, read out) on the same prepared samples, alternated in
  one process, per solver, in CPU microseconds per sample, with both paths' estimated and
  measured (``tracemalloc`` peak) bytes per sample;
* with ``--baseline SRC`` (the ``src`` folder of another checkout, e.g. a worktree of the
  commit before a change): whole-model samples per CPU second of both trees, in child
  processes alternated ``--rounds`` times, and their ratio (the best round of each).

Usage::

    .venv/bin/python benchmarks/bench_escalation.py --quick     # a minute: proves the script works
    .venv/bin/python benchmarks/bench_escalation.py             # the figures of the closing note
    .venv/bin/python benchmarks/bench_escalation.py --only-rates --baseline /tmp/base/src

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


_CHILD_RATE = """
import os, sys, time
for var in ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = "1"
from brink.model import CrisisModel
from brink.scenario import load_scenario
solver, lam, samples = sys.argv[1], (None if sys.argv[2] == "-" else float(sys.argv[2])), int(sys.argv[3])
model = CrisisModel(load_scenario(%r), solver=solver, lam=lam)
params = model.draw(0, 0, samples)
model.evaluate(model.draw(1, 0, 64))
start = time.process_time()
model.evaluate(params)
print(samples / (time.process_time() - start))
"""


def _child_rate(src: str, solver: str, lam: float | None, samples: int) -> float:
    """Samples per CPU second of a whole model evaluation, in a child process importing ``src``."""
    env = {**os.environ, "PYTHONPATH": src}
    code = _CHILD_RATE % SCENARIO
    out = subprocess.run([sys.executable, "-c", code, solver, "-" if lam is None else str(lam), str(samples)],
                         check=True, capture_output=True, text=True, env=env)
    return float(out.stdout.strip().splitlines()[-1])


def _against_baseline(baseline: str, samples: int, rounds: int) -> dict[str, Any]:
    """Samples per CPU second of this tree and of ``baseline``, alternated, and their ratio."""
    here = str(HERE.parent / "src")
    out: dict[str, Any] = {"baseline_src": baseline, "samples": samples, "rounds": rounds}
    for label, solver, lam in (("spe", "spe", None), ("qbi_lambda_3", "qbi", 3.0)):
        new: list[float] = []
        old: list[float] = []
        for _ in range(rounds):
            old.append(_child_rate(baseline, solver, lam, samples))
            new.append(_child_rate(here, solver, lam, samples))
        out[label] = {"baseline": max(old), "new": max(new), "ratio": max(new) / max(old)}
    return out


def _fused_against_unfused(samples: int, rounds: int = 5) -> dict[str, Any]:
    """CPU microseconds per sample of the fused and the unfused solve-and-read-out on the same
    prepared samples, alternated, and bytes per sample (estimated, and numpy's measured peak)."""
    import dataclasses
    import tracemalloc

    from brink.builder import compile_game
    from brink.model import CrisisModel
    from brink.scenario import load_scenario
    from brink.solvers.qbi import qbi_terminal_reach
    from brink.solvers.spe import spe_terminal_reach
    from brink.templates import get_template

    sc = load_scenario(SCENARIO)
    template: Any = get_template("escalation")
    result: dict[str, Any] = {"samples": samples}
    for label, solver, lam in (("spe", "spe", None), ("qbi_lambda_3", "qbi", 3.0)):
        model = CrisisModel(sc, solver=solver, lam=lam)
        scenario, full, _, _ = model._complete(model.draw(0, 0, samples), None)
        q = template.prepare(scenario, full)

        def unfused(solver: str = solver, lam: float | None = lam, scenario: Any = scenario,
                    full: Any = full, q: Any = q) -> None:
            q.__dict__.pop("chance", None)  # spread anew, as each evaluation does
            game = compile_game(scenario, full, "perfect", q)
            eq = spe_terminal_reach(game) if solver == "spe" else qbi_terminal_reach(game, lam=lam)
            template.terminal_read_out(scenario, full, game, eq.payoffs, eq.reach, q)

        def fused(solver: str = solver, lam: float | None = lam, scenario: Any = scenario,
                  full: Any = full, q: Any = q) -> None:
            template.fused_read_out(scenario, full, solver, {"lam": lam}, q)

        times: dict[str, list[float]] = {"unfused": [], "fused": []}
        fused()
        unfused()
        for _ in range(rounds):
            for key, f in (("unfused", unfused), ("fused", fused)):
                start = time.process_time()
                f()
                times[key].append(time.process_time() - start)
        u, f = (min(times[k]) * 1e6 / samples for k in ("unfused", "fused"))
        peaks: dict[str, float] = {}
        caps = type(template).capabilities
        for key, on in (("unfused", False), ("fused", True)):
            type(template).capabilities = dataclasses.replace(caps, fused_read_out=on)
            try:
                whole = CrisisModel(sc, solver=solver, lam=lam, memory=2**40)  # one piece
                whole.evaluate(whole.draw(1, 0, 4))
                tracemalloc.start()
                whole.evaluate(whole.draw(0, 0, samples))
                peaks[key] = tracemalloc.get_traced_memory()[1] / samples
                tracemalloc.stop()
            finally:
                type(template).capabilities = caps
        fp = CrisisModel(sc, solver=solver, lam=lam).footprint()
        result[label] = {
            "unfused_us_per_sample": u, "fused_us_per_sample": f, "ratio": u / f,
            "bytes_per_sample": {"unfused_estimate": fp.per_sample, "fused_estimate": fp.fused,
                                 "unfused_peak": round(peaks["unfused"]), "fused_peak": round(peaks["fused"])},
        }
    return result


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
    parser.add_argument("--baseline", default=None, help="src folder of another checkout to compare rates with")
    parser.add_argument("--rounds", type=int, default=3, help="alternations of the baseline comparison")
    parser.add_argument("--only-rates", action="store_true",
                        help="only the fused/unfused comparison and, with --baseline, the ratio to it")
    args = parser.parse_args()
    if args.quick:
        args.samples, args.pbe_samples, args.run_samples = 512, 8, 20_000
    if args.only_rates:
        rates: dict[str, Any] = {"scenario": SCENARIO, "fused": _fused_against_unfused(min(args.samples, 4000))}
        if args.baseline:
            rates["against_baseline"] = _against_baseline(args.baseline, args.samples, args.rounds)
        print(json.dumps(rates, indent=2))
        return
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
        "fused": _fused_against_unfused(min(args.samples, 4000)),
        "self_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    if args.baseline:
        result["against_baseline"] = _against_baseline(args.baseline, args.samples, args.rounds)
    text = json.dumps(result, indent=2)
    print(text)
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "escalation.json").write_text(text + "\n")


if __name__ == "__main__":
    main()
