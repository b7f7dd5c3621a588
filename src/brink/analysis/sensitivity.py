"""Global sensitivity analysis of a model outcome: Sobol' indices and Morris screening.

Both methods follow SALib's sample/analyze split (Herman & Usher 2017): a design
is drawn in the unit cube, mapped through each uncertainty's inverse CDF
(:meth:`Evaluator.ppf`), evaluated, and analysed by SALib.

* **Sobol'** (Sobol' 1993; Saltelli 2002; Saltelli et al. 2010): first-order
  ``S1`` (share of output variance explained by a parameter alone) and total
  ``ST`` (including all its interactions), with bootstrap confidence intervals.
  Cost: ``n * (d + 2)`` evaluations (``n * (2d + 2)`` with second order).
* **Morris** elementary effects (Morris 1991; Campolongo, Cariboni & Saltelli 2007):
  ``mu*`` (mean absolute effect, a cheap proxy for ``ST``), ``sigma`` (non-linearity
  or interaction) and a bootstrap CI of ``mu*``.  Effects are measured per unit of
  *quantile* of each parameter, so parameters with different units compare.

Failed samples: a Saltelli estimate averages over base rows, each of which owns
``d + 2`` model runs (``A``, ``AB_1..AB_d``, ``B``); a Morris trajectory owns
``d + 1``.  Any block containing a failed run is dropped *as a whole*, so the
estimators stay well defined on the remaining blocks; the number dropped is
reported.  If failures depend on the parameters, the indices are conditional
on the game being solvable.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from brink.analysis.experiments import (
    DEFAULT_CHUNK,
    design_params,
    evaluate_chunked,
    select_outcome,
)
from brink.arrays import FloatArray
from brink.errors import InputError
from brink.evaluation import Evaluator
from brink.executors import Executor

__all__ = ["SensitivityResult", "morris", "morris_design", "sobol", "sobol_design"]



@dataclass(frozen=True)
class SensitivityResult:
    """Sensitivity indices of one outcome to each uncertain parameter.

    Attributes:
        method: ``"sobol"`` or ``"morris"``.
        outcome: The outcome or metric analysed.
        names: Uncertain parameters, in design column order.
        indices: index name -> ``(d,)`` values.  Sobol': ``S1``, ``S1_conf``, ``ST``,
            ``ST_conf`` (half-widths of the ``conf_level`` bootstrap intervals).
            Morris: ``mu``, ``mu_star``, ``mu_star_conf``, ``sigma``.
        n_base: Base samples (Sobol') or trajectories (Morris) requested.
        n_evaluations: Model runs made.
        n_failed: Runs whose game could not be solved.
        n_blocks_dropped: Base rows / trajectories dropped because one of their runs failed.
        seed: Seed of the design.
        conf_level: Confidence level of the intervals.
        info: Anything else (second-order indices, levers used, ...).
    """

    method: str
    outcome: str
    names: tuple[str, ...]
    indices: dict[str, FloatArray]
    n_base: int
    n_evaluations: int
    n_failed: int
    n_blocks_dropped: int
    seed: int
    conf_level: float = 0.95
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """The index that ranks parameters: ``ST`` (Sobol') or ``mu_star`` (Morris)."""
        return "ST" if self.method == "sobol" else "mu_star"

    def ranking(self) -> list[str]:
        """Parameters from most to least influential (ties keep design order)."""
        order = np.argsort(-np.nan_to_num(self.indices[self.key], nan=-np.inf), kind="stable")
        return [self.names[i] for i in order]

    def table(self) -> list[dict[str, float | str]]:
        """One row per parameter, most influential first."""
        rows: list[dict[str, float | str]] = []
        for name in self.ranking():
            j = self.names.index(name)
            row: dict[str, float | str] = {"parameter": name}
            row.update({k: float(v[j]) for k, v in self.indices.items()})
            rows.append(row)
        return rows

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": "sensitivity",
            "method": self.method,
            "outcome": self.outcome,
            "seed": self.seed,
            "n_base": self.n_base,
            "n_evaluations": self.n_evaluations,
            "n_failed": self.n_failed,
            "n_blocks_dropped": self.n_blocks_dropped,
            "conf_level": self.conf_level,
            "ranking": self.ranking(),
            "table": [
                {
                    k: (None if isinstance(v, float) and not math.isfinite(v) else v)
                    for k, v in r.items()
                }
                for r in self.table()
            ],
            "info": self.info,
        }


def _problem(names: Sequence[str]) -> dict[str, Any]:
    return {"num_vars": len(names), "names": list(names), "bounds": [[0.0, 1.0]] * len(names)}


def _names(evaluator: Evaluator) -> tuple[str, ...]:
    names = tuple(evaluator.uncertainties)
    if not names:
        raise InputError(
            f"model {evaluator.name!r} has no uncertain parameters",
            where="sensitivity",
            fix="give at least one parameter as a distribution (e.g. uniform(0.2, 0.8))",
        )
    return names


def sobol_design(names: Sequence[str], n: int, seed: int, second_order: bool = False) -> FloatArray:
    """Saltelli's design in ``[0, 1]^d`` (SALib ``sample.sobol``, scrambled Sobol' sequence)."""
    from SALib.sample import sobol as sobol_sample

    return np.asarray(
        sobol_sample.sample(_problem(names), n, calc_second_order=second_order, seed=seed),
        dtype=np.float64,
    )


def _keep_blocks(failed: NDArray[np.bool_], block: int) -> NDArray[np.bool_]:
    """Row mask keeping blocks of ``block`` consecutive rows that have no failure."""
    bad = failed.reshape(-1, block).any(axis=1)
    return np.repeat(~bad, block)


def sobol(
    evaluator: Evaluator,
    outcome: str,
    n: int,
    seed: int,
    levers: Mapping[str, Any] | None = None,
    *,
    second_order: bool = False,
    num_resamples: int = 200,
    conf_level: float = 0.95,
    chunk: int = DEFAULT_CHUNK,
    executor: Executor | None = None,
) -> SensitivityResult:
    """Sobol' indices of ``outcome`` over the evaluator's uncertainties.

    ``n`` base samples are rounded up to a power of two (required for the balance
    properties of the Sobol' sequence, Owen 2020); the model runs ``n (d + 2)`` times,
    in chunks of ``chunk`` rows, on ``executor`` if given (same numbers; see
    :func:`brink.analysis.experiments.evaluate_designs`).
    """
    from SALib.analyze import sobol as sobol_analyze

    names = _names(evaluator)
    if n < 2:
        raise InputError(
            f"too few samples ({n})", where="--samples", fix="use at least 2 (e.g. 1024)"
        )
    n_base = 1 << (n - 1).bit_length()
    d = len(names)
    u = sobol_design(names, n_base, seed, second_order)
    ev = evaluate_chunked(evaluator, design_params(evaluator, u, names), levers, chunk, executor)
    vals = select_outcome(ev, outcome)
    block = 2 * d + 2 if second_order else d + 2
    keep = _keep_blocks(vals.failed, block)
    kept_blocks = int(keep.sum()) // block
    if kept_blocks < 2:
        raise InputError(
            f"only {kept_blocks} of {n_base} Saltelli blocks have no failed game",
            where=f"outcome {outcome!r}",
            fix="check why the model's games fail (brink run) or restrict the uncertainty ranges",
        )
    res = sobol_analyze.analyze(
        _problem(names),
        vals.values[keep],
        calc_second_order=second_order,
        num_resamples=num_resamples,
        conf_level=conf_level,
        # a Generator, not the int: SALib's Sobol' analysis treats seed 0 as "no seed" and
        # draws its bootstrap from the global RNG; for other seeds the stream is the same
        seed=np.random.default_rng(seed),
    )
    indices = {k: np.asarray(res[k], dtype=np.float64) for k in ("S1", "S1_conf", "ST", "ST_conf")}
    info: dict[str, Any] = {"levers": dict(levers or {}), "n_requested": n}
    if second_order:
        info["S2"] = np.asarray(res["S2"]).tolist()
        info["S2_conf"] = np.asarray(res["S2_conf"]).tolist()
    if not np.isfinite(vals.values[keep]).all() or float(np.var(vals.values[keep])) == 0.0:
        info["warning"] = "the outcome does not vary over the design; indices are undefined"
    return SensitivityResult(
        "sobol",
        outcome,
        names,
        indices,
        n_base,
        int(u.shape[0]),
        vals.n_failed,
        n_base - kept_blocks,
        seed,
        conf_level,
        info,
    )


def morris_design(names: Sequence[str], n: int, seed: int, num_levels: int = 4) -> FloatArray:
    """``n`` Morris trajectories in ``[0, 1]^d`` (SALib ``sample.morris``)."""
    from SALib.sample import morris as morris_sample

    return np.asarray(
        morris_sample.sample(_problem(names), n, num_levels=num_levels, seed=seed),
        dtype=np.float64,
    )


def morris(
    evaluator: Evaluator,
    outcome: str,
    n: int,
    seed: int,
    levers: Mapping[str, Any] | None = None,
    *,
    num_levels: int = 4,
    num_resamples: int = 200,
    conf_level: float = 0.95,
    chunk: int = DEFAULT_CHUNK,
    executor: Executor | None = None,
) -> SensitivityResult:
    """Morris elementary effects of ``outcome``: ``n`` trajectories, ``n (d + 1)`` runs.

    The runs go in chunks of ``chunk`` rows, on ``executor`` if given (same numbers).
    """
    from SALib.analyze import morris as morris_analyze

    names = _names(evaluator)
    if n < 2:
        raise InputError(
            f"too few trajectories ({n})", where="--samples", fix="use at least 2 (e.g. 100)"
        )
    d = len(names)
    u = morris_design(names, n, seed, num_levels)
    ev = evaluate_chunked(evaluator, design_params(evaluator, u, names), levers, chunk, executor)
    vals = select_outcome(ev, outcome)
    keep = _keep_blocks(vals.failed, d + 1)
    kept = int(keep.sum()) // (d + 1)
    if kept < 2:
        raise InputError(
            f"only {kept} of {n} Morris trajectories have no failed game",
            where=f"outcome {outcome!r}",
            fix="check why the model's games fail (brink run) or restrict the uncertainty ranges",
        )
    res = morris_analyze.analyze(
        _problem(names),
        u[keep],
        vals.values[keep],
        num_resamples=num_resamples,
        conf_level=conf_level,
        num_levels=num_levels,
        seed=seed,
    )
    indices = {
        k: np.asarray(res[k], dtype=np.float64) for k in ("mu", "mu_star", "mu_star_conf", "sigma")
    }
    return SensitivityResult(
        "morris",
        outcome,
        names,
        indices,
        n,
        int(u.shape[0]),
        vals.n_failed,
        n - kept,
        seed,
        conf_level,
        {"levers": dict(levers or {}), "num_levels": num_levels},
    )
