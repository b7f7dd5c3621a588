"""Scenario discovery with PRIM, the Patient Rule Induction Method (Friedman & Fisher 1999).

PRIM looks for a box ``{x : lower_j <= x_j <= upper_j}`` in parameter space
where a binary outcome of interest is concentrated (Bryant & Lempert 2010 call
these boxes *scenarios*).  Starting from the box holding all data it *peels*:
for every dimension it tries to cut off the ``alpha`` fraction of remaining
points at the low or the high end, and keeps the single cut that most raises
the share of cases of interest inside the box (its *density*).  Peeling stops
when the box would hold fewer than ``min_support`` of all points.  The sequence
of boxes is the *peeling trajectory*, trading coverage (share of all cases of
interest inside the box) against density.  Optional *pasting* then grows the
chosen box back along single dimensions while that raises density.

Several boxes are found by *covering*: points in a chosen box are removed and
PRIM runs again on the rest (coverage stays relative to all cases of interest).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from brink.analysis.experiments import DEFAULT_CHUNK, evaluate_chunked, select_outcome
from brink.arrays import BoolArray, FloatArray
from brink.errors import InputError
from brink.evaluation import Evaluator
from brink.executors import Executor

__all__ = [
    "DiscoveryResult",
    "PrimBox",
    "PrimTrajectory",
    "discover",
    "paste",
    "peel",
    "prim",
    "simplify",
]



@dataclass(frozen=True)
class PrimBox:
    """One box: limits per dimension and how well it captures the cases of interest.

    Attributes:
        lower, upper: ``(d,)`` limits (inclusive).
        coverage: cases of interest inside / all cases of interest.
        density: cases of interest inside / points inside.
        support: points inside / all points.
        restricted: ``(d,)`` True where a limit lies inside the data's range.
    """

    lower: FloatArray
    upper: FloatArray
    coverage: float
    density: float
    support: float
    restricted: BoolArray

    def contains(self, x: FloatArray) -> BoolArray:
        """Which rows of ``x`` (``(n, d)``) lie in the box."""
        inside: BoolArray = np.all((x >= self.lower) & (x <= self.upper), axis=1)
        return inside

    def limits(self, names: Sequence[str]) -> list[dict[str, Any]]:
        """The restricted dimensions as ``{parameter, lower, upper}`` (``None`` = unbounded side)."""
        return [
            {
                "parameter": names[j],
                "lower": _finite(self.lower[j]),
                "upper": _finite(self.upper[j]),
            }
            for j in np.flatnonzero(self.restricted).tolist()
        ]


def _finite(v: float) -> float | None:
    return float(v) if np.isfinite(v) else None


@dataclass(frozen=True)
class PrimTrajectory:
    """The peeling trajectory of one PRIM run: boxes from the full data inwards."""

    boxes: tuple[PrimBox, ...]

    @property
    def coverage(self) -> FloatArray:
        return np.array([b.coverage for b in self.boxes])

    @property
    def density(self) -> FloatArray:
        return np.array([b.density for b in self.boxes])

    @property
    def support(self) -> FloatArray:
        return np.array([b.support for b in self.boxes])

    def select(self, min_coverage: float = 0.0) -> int:
        """Index of the box with the best balance of coverage and density.

        The analyst's usual choice at the "knee" of the trajectory (Bryant &
        Lempert 2010), made reproducible: the box maximising the harmonic mean of
        coverage and density (coverage is PRIM's recall and density its precision,
        so this is their F1 score), among boxes keeping at least ``min_coverage``.
        Ties go to the earlier (larger, simpler) box; inspect :attr:`boxes` to
        choose otherwise.
        """
        cov, dens = self.coverage, self.density
        with np.errstate(invalid="ignore", divide="ignore"):
            f1 = np.where(cov + dens > 0, 2.0 * cov * dens / (cov + dens), 0.0)
        f1 = np.where(cov >= min_coverage - 1e-12, f1, -np.inf)
        return int(np.argmax(f1))


def _box(
    x: FloatArray,
    y: BoolArray,
    inside: BoolArray,
    lower: FloatArray,
    upper: FloatArray,
    total_interest: int,
    n_total: int,
    lo_data: FloatArray,
    hi_data: FloatArray,
) -> PrimBox:
    n_in = int(inside.sum())
    hits = int((y & inside).sum())
    restricted = (lower > lo_data) | (upper < hi_data)
    return PrimBox(
        lower.copy(),
        upper.copy(),
        coverage=hits / total_interest if total_interest else 0.0,
        density=hits / n_in if n_in else 0.0,
        support=n_in / n_total if n_total else 0.0,
        restricted=restricted,
    )


def peel(
    x: FloatArray,
    y: BoolArray,
    alpha: float = 0.05,
    min_support: float = 0.05,
    *,
    total_interest: int | None = None,
    n_total: int | None = None,
    active: BoolArray | None = None,
) -> PrimTrajectory:
    """Peeling trajectory of PRIM on ``x`` (``(n, d)``) and binary ``y`` (``(n,)``).

    ``active`` restricts peeling to a subset of rows (used in covering);
    ``total_interest`` and ``n_total`` are the denominators of coverage and support.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=bool)
    n, d = x.shape
    inside = np.ones(n, dtype=bool) if active is None else np.asarray(active, dtype=bool).copy()
    total_interest = int(y.sum()) if total_interest is None else total_interest
    n_total = n if n_total is None else n_total
    lo_data, hi_data = x.min(axis=0), x.max(axis=0)
    lower, upper = np.full(d, -np.inf), np.full(d, np.inf)
    min_points = max(1, int(np.ceil(min_support * n_total)))
    boxes = [_box(x, y, inside, lower, upper, total_interest, n_total, lo_data, hi_data)]
    while True:
        xi, yi = x[inside], y[inside]
        best: tuple[float, int, int, float] | None = None
        for j in range(d):
            for side, q in ((0, alpha), (1, 1.0 - alpha)):
                cut = float(np.quantile(xi[:, j], q))
                keep = xi[:, j] >= cut if side == 0 else xi[:, j] <= cut
                if side == 0 and (xi[:, j] < cut).sum() == 0:
                    keep = xi[:, j] > cut
                if side == 1 and (xi[:, j] > cut).sum() == 0:
                    keep = xi[:, j] < cut
                n_keep = int(keep.sum())
                if n_keep < min_points or n_keep == xi.shape[0]:
                    continue
                mean = float(yi[keep].mean())
                if best is None or mean > best[0] + 1e-15:
                    bound = float(xi[keep, j].min()) if side == 0 else float(xi[keep, j].max())
                    best = (mean, j, side, bound)
        if best is None:
            break
        _, j, side, bound = best
        if side == 0:
            lower[j] = bound
        else:
            upper[j] = bound
        inside &= (x[:, j] >= lower[j]) & (x[:, j] <= upper[j])
        boxes.append(_box(x, y, inside, lower, upper, total_interest, n_total, lo_data, hi_data))
    return PrimTrajectory(tuple(boxes))


def paste(
    x: FloatArray,
    y: BoolArray,
    box: PrimBox,
    alpha: float = 0.01,
    *,
    total_interest: int | None = None,
    active: BoolArray | None = None,
) -> PrimBox:
    """Grow ``box`` along one side at a time while that raises its density (Friedman & Fisher 1999, 3.2)."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=bool)
    n, d = x.shape
    pool = np.ones(n, dtype=bool) if active is None else np.asarray(active, dtype=bool)
    total_interest = int(y.sum()) if total_interest is None else total_interest
    lo_data, hi_data = x.min(axis=0), x.max(axis=0)
    lower, upper = box.lower.copy(), box.upper.copy()
    inside = pool & np.all((x >= lower) & (x <= upper), axis=1)
    density = float(y[inside].mean()) if inside.any() else 0.0
    step = max(1, int(np.ceil(alpha * inside.sum())))
    while True:
        best: tuple[float, int, int, float] | None = None
        for j in range(d):
            others = pool & np.all(
                (np.delete(x, j, axis=1) >= np.delete(lower, j))
                & (np.delete(x, j, axis=1) <= np.delete(upper, j)),
                axis=1,
            )
            below = np.sort(x[others & (x[:, j] < lower[j]), j])[::-1]
            above = np.sort(x[others & (x[:, j] > upper[j]), j])
            for side, cand in ((0, below), (1, above)):
                if cand.size == 0:
                    continue
                bound = float(cand[min(step, cand.size) - 1])
                grown = inside | (
                    others
                    & (
                        (x[:, j] >= bound) & (x[:, j] < lower[j])
                        if side == 0
                        else (x[:, j] <= bound) & (x[:, j] > upper[j])
                    )
                )
                mean = float(y[grown].mean())
                if mean > density + 1e-12 and (best is None or mean > best[0]):
                    best = (mean, j, side, bound)
        if best is None:
            break
        density, j, side, bound = best
        if side == 0:
            lower[j] = bound
        else:
            upper[j] = bound
        inside = pool & np.all((x >= lower) & (x <= upper), axis=1)
    return _box(x, y, inside, lower, upper, total_interest, n, lo_data, hi_data)


def simplify(
    x: FloatArray,
    y: BoolArray,
    box: PrimBox,
    *,
    total_interest: int | None = None,
    active: BoolArray | None = None,
) -> PrimBox:
    """Drop restrictions that do not earn their place.

    Peeling on finite samples also cuts dimensions that do not matter, when a
    cut happens to raise density a little by chance.  Following the
    restriction-dropping step of scenario discovery practice (Bryant & Lempert
    2010; Kwakkel & Jaxa-Rozen 2016, quasi-p-values), we repeatedly remove the
    restriction whose removal costs least density, as long as the loss is below
    one binomial standard error of the box density, ``sqrt(d (1 - d) / n_box)``.
    Removing a restriction only grows the box, so coverage never falls.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=bool)
    n = x.shape[0]
    pool = np.ones(n, dtype=bool) if active is None else np.asarray(active, dtype=bool)
    total_interest = int(y.sum()) if total_interest is None else total_interest
    lo_data, hi_data = x.min(axis=0), x.max(axis=0)
    lower, upper = box.lower.copy(), box.upper.copy()

    def density(lo: FloatArray, hi: FloatArray) -> tuple[float, int]:
        inside = pool & np.all((x >= lo) & (x <= hi), axis=1)
        k = int(inside.sum())
        return (float(y[inside].mean()) if k else 0.0), k

    while True:
        d, k = density(lower, upper)
        se = float(np.sqrt(max(d * (1.0 - d), 1e-12) / max(k, 1)))
        best: tuple[float, int] | None = None
        for j in np.flatnonzero((lower > lo_data) | (upper < hi_data)).tolist():
            lo, hi = lower.copy(), upper.copy()
            lo[j], hi[j] = -np.inf, np.inf
            dj, _ = density(lo, hi)
            if d - dj < se and (best is None or dj > best[0]):
                best = (dj, j)
        if best is None:
            break
        lower[best[1]], upper[best[1]] = -np.inf, np.inf
    inside = pool & np.all((x >= lower) & (x <= upper), axis=1)
    return _box(x, y, inside, lower, upper, total_interest, n, lo_data, hi_data)


@dataclass(frozen=True)
class DiscoveryResult:
    """Boxes where the outcome of interest concentrates, with their trajectories.

    Attributes:
        outcome: Outcome or metric, and ``threshold``: a sample is a case of interest
            when its value exceeds the threshold.
        names: Parameter names (columns of the data).
        boxes: The chosen box of each covering round.
        trajectories: The peeling trajectory of each round.
        selected: Index of the chosen box in its trajectory.
        n: Samples used (solved games); ``n_failed``: samples left out because their
            game failed; ``base_density``: share of cases of interest among all used samples.
    """

    outcome: str
    threshold: float
    names: tuple[str, ...]
    boxes: tuple[PrimBox, ...]
    trajectories: tuple[PrimTrajectory, ...]
    selected: tuple[int, ...]
    n: int
    n_failed: int
    base_density: float
    seed: int | None = None
    info: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": "discovery",
            "outcome": self.outcome,
            "threshold": self.threshold,
            "seed": self.seed,
            "n": self.n,
            "n_failed": self.n_failed,
            "base_density": self.base_density,
            "boxes": [
                {
                    "coverage": b.coverage,
                    "density": b.density,
                    "support": b.support,
                    "limits": b.limits(self.names),
                    "selected_step": s,
                    "trajectory": {
                        "coverage": t.coverage.tolist(),
                        "density": t.density.tolist(),
                        "support": t.support.tolist(),
                        "restricted": [int(bx.restricted.sum()) for bx in t.boxes],
                    },
                }
                for b, t, s in zip(self.boxes, self.trajectories, self.selected, strict=True)
            ],
            "info": self.info,
        }


def prim(
    x: FloatArray,
    y: BoolArray,
    names: Sequence[str],
    *,
    alpha: float = 0.05,
    min_support: float = 0.05,
    min_coverage: float = 0.0,
    min_box_coverage: float = 0.1,
    pasting: bool = False,
    simplify_boxes: bool = True,
    max_boxes: int = 2,
    outcome: str = "y",
    threshold: float = 0.5,
    n_failed: int = 0,
) -> DiscoveryResult:
    """PRIM with covering on data ``x`` (``(n, d)``) and cases of interest ``y``.

    Each round peels the rows not yet covered, selects a box with
    :meth:`PrimTrajectory.select`, optionally pastes it, drops restrictions that
    do not earn their place (:func:`simplify`, unless ``simplify_boxes`` is False;
    the trajectory keeps the raw peeled boxes), and stops when
    ``max_boxes`` are found, or a further box is no denser than the data it
    started from or than all the data, or covers less than ``min_box_coverage``
    of the cases.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=bool)
    if x.ndim != 2 or x.shape[0] != y.shape[0] or x.shape[1] != len(names):
        raise InputError(
            f"PRIM data of shape {x.shape} does not match {y.shape[0]} outcomes and {len(names)} names",
            where="discover",
        )
    if not 0.0 < alpha < 0.5:
        raise InputError(
            f"peeling fraction alpha={alpha} out of range",
            where="--alpha",
            fix="use 0 < alpha < 0.5 (e.g. 0.05)",
        )
    n = x.shape[0]
    total = int(y.sum())
    active = np.ones(n, dtype=bool)
    boxes: list[PrimBox] = []
    trajs: list[PrimTrajectory] = []
    selected: list[int] = []
    while len(boxes) < max_boxes and total and (y & active).any():
        traj = peel(x, y, alpha, min_support, total_interest=total, n_total=n, active=active)
        k = traj.select(min_coverage)
        box = traj.boxes[k]
        if pasting:
            box = paste(x, y, box, alpha=alpha / 5.0, total_interest=total, active=active)
        if simplify_boxes:
            box = simplify(x, y, box, total_interest=total, active=active)
        floor = max(float(y[active].mean()), total / n)
        if boxes and (box.density <= floor + 1e-12 or box.coverage < min_box_coverage):
            break
        boxes.append(box)
        trajs.append(traj)
        selected.append(k)
        active &= ~box.contains(x)
        if not box.restricted.any():
            break
    return DiscoveryResult(
        outcome,
        threshold,
        tuple(names),
        tuple(boxes),
        tuple(trajs),
        tuple(selected),
        n,
        n_failed,
        total / n if n else 0.0,
    )


def discover(
    evaluator: Evaluator,
    outcome: str,
    n: int,
    seed: int,
    threshold: float = 0.5,
    levers: Mapping[str, Any] | None = None,
    *,
    alpha: float = 0.05,
    min_support: float = 0.05,
    min_coverage: float = 0.0,
    pasting: bool = False,
    simplify_boxes: bool = True,
    max_boxes: int = 2,
    chunk: int = DEFAULT_CHUNK,
    executor: Executor | None = None,
) -> DiscoveryResult:
    """Draw ``n`` samples, evaluate, and run :func:`prim` on ``outcome > threshold``.

    Samples whose game failed are left out of the data PRIM sees and counted in
    ``n_failed``.  The draws are evaluated in chunks of ``chunk`` rows, on ``executor``
    if given (same numbers; see :func:`brink.analysis.experiments.evaluate_designs`).
    """
    names = list(evaluator.uncertainties)
    if not names:
        raise InputError(
            f"model {evaluator.name!r} has no uncertain parameters",
            where="discover",
            fix="give at least one parameter as a distribution",
        )
    params = evaluator.draw(seed, 0, n)
    ev = evaluate_chunked(evaluator, params, levers, chunk, executor)
    vals = select_outcome(ev, outcome)
    ok = ~vals.failed
    x = np.column_stack([np.asarray(params[k], dtype=np.float64) for k in names])[ok]
    y = vals.values[ok] > threshold
    res = prim(
        x,
        y,
        names,
        alpha=alpha,
        min_support=min_support,
        min_coverage=min_coverage,
        pasting=pasting,
        simplify_boxes=simplify_boxes,
        max_boxes=max_boxes,
        outcome=outcome,
        threshold=threshold,
        n_failed=vals.n_failed,
    )
    return DiscoveryResult(
        res.outcome,
        res.threshold,
        res.names,
        res.boxes,
        res.trajectories,
        res.selected,
        res.n,
        res.n_failed,
        res.base_density,
        seed,
        {"levers": dict(levers or {})},
    )
