"""States against histories for the perfect-information solvers (issue 21, item 3).

Reports (one process, one core: numba and BLAS limited to one thread):

* ``graphs``: for every bundled escalation scenario, the history tree's nodes and terminals,
  the states and terminal states they recombine into (:mod:`brink.solvers.states`), the
  state graph's edges and the seconds to build it (once per scenario structure);
* for ``ukraine-2022`` under ``spe`` and ``qbi`` (lambda 3), alternated ``--rounds`` times
  in one process with :data:`brink.solvers.spe.STATES` off (the tree) and on (the states):
  CPU microseconds per sample of the fused solve-and-read-out alone
  (:meth:`EscalationTemplate.fused_read_out` on prepared samples) and samples per CPU second
  of a whole model evaluation (``brink run``'s work: drawing, payoffs, the post-war game,
  solve, read-out), the best round of each, their ratios, and the largest difference
  between the two paths' outcomes and metrics (equal to rounding).

Usage::

    .venv/bin/python benchmarks/bench_states.py --quick   # seconds: proves the script works
    .venv/bin/python benchmarks/bench_states.py           # the figures of the closing note

Prints JSON and writes ``benchmarks/results/states.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path
from typing import Any

for _var in ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

HERE = Path(__file__).resolve().parent
SCENARIO = "ukraine-2022"


def _graphs() -> dict[str, Any]:
    from brink.model import CrisisModel
    from brink.scenario import bundled_scenarios, load_scenario
    from brink.solvers.states import state_graph
    from brink.templates import get_template

    template: Any = get_template("escalation")
    out: dict[str, Any] = {}
    for name in sorted(bundled_scenarios()):
        sc = load_scenario(name)
        if sc.template != "escalation":
            continue
        model = CrisisModel(sc)
        scenario, full, _, _ = model._complete(model.draw(0, 0, 2), None)
        parts = template.prepare(scenario, full).parts()
        game = template.skeleton(scenario).game
        start = time.perf_counter()
        g = state_graph(game, parts.rows, parts.row_class, parts.ptr, parts.term, parts.weight, parts.chance_row)
        seconds = time.perf_counter() - start
        assert g is not None
        out[name] = {"nodes": game.n_nodes, "terminals": int(game.terminals.size), "states": g.n_states,
                     "terminal_states": g.n_terminals, "state_edges": int(g.edge_child.size),
                     "history_edges": game.n_edges, "build_s": round(seconds, 3)}
    return out


def _compare(samples: int, rounds: int) -> dict[str, Any]:
    import numpy as np

    import brink.solvers.spe as spe
    from brink.model import CrisisModel
    from brink.scenario import load_scenario
    from brink.templates import get_template

    sc = load_scenario(SCENARIO)
    template: Any = get_template("escalation")
    result: dict[str, Any] = {"scenario": SCENARIO, "samples": samples, "rounds": rounds}
    for label, solver, lam in (("spe", "spe", None), ("qbi_lambda_3", "qbi", 3.0)):
        model = CrisisModel(sc, solver=solver, lam=lam)
        params = model.draw(0, 0, samples)
        scenario, full, _, _ = model._complete(params, None)
        q = template.prepare(scenario, full)
        solve: dict[bool, list[float]] = {False: [], True: []}
        whole: dict[bool, list[float]] = {False: [], True: []}
        evaluations: dict[bool, Any] = {}
        for flag in (False, True):  # compile and cache both
            spe.STATES = flag
            template.fused_read_out(scenario, full, solver, {"lam": lam}, q)
            model.evaluate(model.draw(1, 0, 64))
        try:
            for _ in range(rounds):
                for flag in (False, True):
                    spe.STATES = flag
                    start = time.process_time()
                    template.fused_read_out(scenario, full, solver, {"lam": lam}, q)
                    solve[flag].append((time.process_time() - start) * 1e6 / samples)
                    start = time.process_time()
                    evaluations[flag] = model.evaluate(params)
                    whole[flag].append(samples / (time.process_time() - start))
        finally:
            spe.STATES = True
        a, b = evaluations[False], evaluations[True]
        diff = max(
            float(np.nanmax(np.abs(np.asarray(getattr(a, g)[k]) - np.asarray(getattr(b, g)[k])), initial=0.0))
            for g in ("outcomes", "metrics") for k in getattr(a, g)
        )
        tree_us, states_us = min(solve[False]), min(solve[True])
        tree_rate, states_rate = max(whole[False]), max(whole[True])
        result[label] = {
            "solve_and_read_out_us_per_sample": {"tree": round(tree_us, 2), "states": round(states_us, 2),
                                                 "ratio": round(tree_us / states_us, 3)},
            "whole_model_samples_per_s": {"tree": round(tree_rate), "states": round(states_rate),
                                          "ratio": round(states_rate / tree_rate, 3)},
            "largest_difference": diff,
        }
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: check the script runs")
    parser.add_argument("--samples", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    samples, rounds = (500, 1) if args.quick else (args.samples, args.rounds)
    out = {"graphs": _graphs(), "compare": _compare(samples, rounds)}
    text = json.dumps(out, indent=1)
    print(text)
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "states.json").write_text(text + "\n")


if __name__ == "__main__":
    main()
