"""The crisis model as an :class:`brink.evaluation.Evaluator`: parameters in, outcome probabilities out.

``CrisisModel`` ties the chain scenario -> game -> solver -> outcomes together for
arrays of parameter draws: it compiles ONE game with a sample dimension, solves it for
all samples at once (backward induction, or agent QRE for the information-set version)
and reads outcome probabilities off the reach probabilities of the terminals.  Samples
whose parameters are not finite (e.g. an expression divided by zero) are flagged as
failed and carry NaN; they are never dropped.  Levers (Kwakkel 2017) are scenario paths
with options; a lever setting is applied as an override of the scenario.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cached_property
from typing import Any

import numpy as np
from numpy.typing import NDArray

from brink.builder import compile_game
from brink.errors import InputError
from brink.evaluation import Evaluation
from brink.scenario import Scenario, scenario_from_data
from brink.templates import get_template
from brink.templates.base import Information

__all__ = ["UNBOUNDED", "CrisisModel"]

#: Parameters for which ``inf`` is a meaningful value rather than a failure: a discount
#: of zero costs nothing and so "lasts" forever.
UNBOUNDED = frozenset({"energy_discount.sustainable_months"})

FloatArray = NDArray[np.float64]


class CrisisModel:
    """A scenario as an Evaluator (uncertainties, levers, draw, ppf, evaluate)."""

    def __init__(self, scenario: Scenario, solver: str = "auto", lam: float | None = None) -> None:
        self.scenario = scenario
        self.solver = solver
        self.lam = lam
        self._variants: dict[tuple[tuple[str, str], ...], Scenario] = {}

    @property
    def name(self) -> str:
        return self.scenario.name

    @property
    def uncertainties(self) -> Sequence[str]:
        return self.scenario.parameters.uncertainties

    @property
    def levers(self) -> Mapping[str, Sequence[Any]]:
        return self.scenario.levers

    def draw(self, seed: int, start: int, stop: int) -> dict[str, FloatArray]:
        """Samples ``start..stop-1`` of every uncertain parameter (chunk-invariant)."""
        from brink.random import draw

        dists = self.scenario.parameters.distributions
        return draw({k: dists[k] for k in self.uncertainties}, seed, start, stop)

    def ppf(self, name: str, u: FloatArray) -> FloatArray:
        try:
            return self.scenario.parameters.distributions[name].ppf(u)
        except KeyError:
            raise InputError(f"unknown parameter {name!r}", fix="use one of: " + ", ".join(self.uncertainties)) from None

    @cached_property
    def _template(self) -> Any:
        return get_template(self.scenario.template)

    def _variant(self, levers: Mapping[str, Any] | None) -> tuple[Scenario, dict[str, float]]:
        """The scenario with non-numeric lever settings applied; numeric ones returned as values."""
        if not levers:
            return self.scenario, {}
        numeric: dict[str, float] = {}
        structural: list[tuple[str, str]] = []
        names = set(self.scenario.parameters.names)
        for path, value in levers.items():
            if path in names and isinstance(value, int | float) and not isinstance(value, bool):
                numeric[path] = float(value)
            else:
                structural.append((path, _yaml_scalar(value)))
        key = tuple(sorted(structural))
        if key and key not in self._variants:
            from brink.document import apply_overrides

            data = self.scenario.model_dump(mode="json", exclude={"source"})
            data = apply_overrides(data, [f"{p}={v}" for p, v in key])
            self._variants[key] = scenario_from_data(data, source=self.scenario.source)
        return (self._variants[key] if key else self.scenario), numeric

    def evaluate(self, params: Mapping[str, FloatArray], levers: Mapping[str, Any] | None = None) -> Evaluation:
        """Outcomes and metrics for each row of ``params`` (missing parameters take their fixed values)."""
        from brink.solvers import solve

        sc, numeric = self._variant(levers)
        P = sc.parameters
        n = len(next(iter(params.values()))) if params else 1
        base: dict[str, FloatArray] = {}
        for k, dist in P.distributions.items():
            base[k] = np.asarray(params[k], dtype=np.float64) if k in params else np.full(n, dist.central)
        for k, val in numeric.items():
            base[k] = np.full(n, val)
        full = P.derive(base, n)
        failed = np.zeros(n, dtype=bool)
        for key, arr in full.items():
            failed |= np.isnan(arr) if key in UNBOUNDED else ~np.isfinite(arr)
        if failed.any():
            centre = P.central()
            for k, arr in full.items():
                arr[failed] = centre[k][0] if not np.isnan(centre[k][0]) else 0.0
        information: Information = "imperfect" if self.solver == "qre" else "perfect"
        game = compile_game(sc, full, information)
        solution = solve(game, "spe" if self.solver in ("auto", "spe") else self.solver, self.lam)
        template = get_template(sc.template)
        outcomes = template.outcomes(sc, full, solution)
        metrics = template.metrics(sc, full, solution)
        template.release()
        if "converged" in solution.info:
            failed |= ~np.broadcast_to(np.asarray(solution.info["converged"], dtype=bool), (n,))
        for d in (outcomes, metrics):
            for k in d:
                d[k] = np.where(failed, np.nan, np.asarray(d[k], dtype=np.float64))
        paths, labels = modal_paths(solution)
        return Evaluation(outcomes, metrics, failed, paths, labels)


def modal_paths(solution: Any) -> tuple[NDArray[np.int64], tuple[str, ...]]:
    """Each sample's most likely path (argmax at every node, first on ties), vectorised.

    Returns the terminal index reached (into the labels) and one " > "-joined label per terminal.
    """
    g = solution.game
    prof = np.asarray(solution.profile).reshape(-1, solution.profile.shape[-1])
    n = prof.shape[0]
    node = np.zeros(n, dtype=np.int64)
    ptr = g.infoset_action_ptr
    maxk = int(g.num_children.max())
    for _ in range(int(g.depth.max())):
        k = g.num_children[node]
        active = k > 0
        if not active.any():
            break
        h = np.where(active, g.infoset[node], 0)
        idx = ptr[h][:, None] + np.arange(maxk)[None, :]
        valid = np.arange(maxk)[None, :] < k[:, None]
        probs = np.where(valid, np.take_along_axis(prof, np.minimum(idx, prof.shape[1] - 1), axis=1), -1.0)
        a = np.argmax(probs, axis=1)
        node = np.where(active, g.children[np.minimum(g.child_ptr[node] + a, g.n_edges - 1)], node)
    terminals = g.terminals
    pos = np.searchsorted(terminals, node)
    labels = tuple(_path_label(g, int(t)) for t in terminals)
    return pos.astype(np.int64), labels


def _path_label(g: Any, node: int) -> str:
    out: list[str] = []
    while g.parent[node] >= 0:
        p = int(g.parent[node])
        out.append(g.action_labels[int(g.infoset[p])][int(g.parent_edge[node] - g.child_ptr[p])])
        node = p
    return " > ".join(reversed(out))


def _yaml_scalar(value: Any) -> str:
    import json

    return json.dumps(value) if not isinstance(value, str) else value
