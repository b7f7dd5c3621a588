"""Benchmark of structural estimation (``brink.fit``), one core.

Reports:

* ``brink fit``'s estimation on the crisis table (deterrence tree, 11 parameters, ~3,100 dyads):
  wall time and function evaluations to convergence;
* the same specification on ~10,000 dyads (the table three times over; the issue's target is
  under 10 s for a three-move tree with ten covariates on ~10,000 dyads);
* the same likelihood maximised by scipy's ``minimize`` (BFGS) with numerical gradients instead of
  brink's analytic ones: wall time and evaluations (the ratio is the point);
* the multi-round escalation game of ``ukraine-2022`` (4,349 nodes, central values) with its own
  payoffs fixed: the logit precision estimated from 2,000 paths simulated at lambda 3 (the issue's
  target: under 2 minutes).

Usage::

    .venv/bin/python benchmarks/bench_fit.py            # needs ../shared (the crisis table)

Prints JSON and writes ``benchmarks/results/fit.json``.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

for _var in ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

HERE = Path(__file__).resolve().parent


def main() -> int:
    import numpy as np
    from scipy import optimize

    from brink.fit import Specification, fit, log_likelihood, simulate_paths
    from brink.fit.crises import crisis_cases, deterrence_specification
    from brink.fit.games import fixed_payoffs
    from brink.history import crisis_table
    from brink.scenario import load_scenario
    from brink.templates import get_template

    result: dict[str, Any] = {}
    data = crisis_cases(crisis_table())
    spec, root = deterrence_specification(data)
    fit(spec, data.observed, root)  # compile
    t = time.perf_counter()
    r = fit(spec, data.observed, root)
    result["crisis_table"] = {"cases": spec.cases, "parameters": len(spec.names), "seconds": time.perf_counter() - t,
                              "evaluations": r.evaluations, "iterations": r.iterations, "converged": r.converged}

    big = Specification(spec.game, spec.names, spec.weights, np.tile(spec.covariates, (3, 1)))
    observed, roots = np.tile(data.observed, 3), np.tile(root, 3)
    t = time.perf_counter()
    rb = fit(big, observed, roots)
    result["ten_thousand_dyads"] = {"cases": big.cases, "parameters": len(big.names),
                                    "seconds": time.perf_counter() - t, "evaluations": rb.evaluations}

    calls = {"n": 0}

    def minus_ll(x: np.ndarray) -> float:
        calls["n"] += 1
        return -float(log_likelihood(big, x, 1.0, observed, roots, gradient=False)[0].sum())

    t = time.perf_counter()
    numeric = optimize.minimize(minus_ll, np.zeros(len(big.names)), method="BFGS", options={"gtol": 1e-6})
    result["scipy_numerical_gradients"] = {"seconds": time.perf_counter() - t, "evaluations": calls["n"],
                                           "max_abs_difference_from_brink": float(np.max(np.abs(numeric.x - rb.estimate)))}

    sc = load_scenario("ukraine-2022")
    game = get_template("escalation").build(sc, sc.parameters.central())
    multi = fixed_payoffs(game, 2000)
    paths = simulate_paths(multi, np.zeros(0), 3.0, np.random.default_rng(0))
    t = time.perf_counter()
    rm = fit(multi, paths, estimate_lambda=True)
    result["escalation_lambda"] = {"nodes": game.n_nodes, "cases": multi.cases, "seconds": time.perf_counter() - t,
                                   "evaluations": rm.evaluations, "lambda": rm.lam,
                                   "lambda_se": float(rm.standard_error[0])}
    text = json.dumps(result, indent=2)
    print(text)
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "fit.json").write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
