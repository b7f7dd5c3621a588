"""Month-by-month trajectories after the crisis, drawn from the equilibrium (``brink simulate``).

For every sample, the crisis ending is drawn from the crisis equilibrium (the probability
of each ending, :meth:`brink.templates.escalation.template.EscalationTemplate.endings`, by
a uniform of the stream ``simulate.ending``) or fixed (``ending="stalemate"``); then the
post-war game's equilibrium path from that ending is recorded month by month
(:mod:`brink.aftermath`): the probability the leader is still in office, the hazards of
removal by his coalition and from outside, reserves, the discount paid, each partner's
backing.  The run is chunked like :func:`brink.runs.montecarlo.run` and reduced in the
worker to block sums and fixed-bin histograms per month, so memory is flat in the number
of samples and every number is identical for any chunk size and executor (sums are added
block by block in sample order; histogram counts are integers).

Per month the result gives means across samples (the survival curve ``P(in office at t)``
is the mean of the samples' survival probabilities) and pointwise 5%, 50% and 95%
quantiles across samples (the spread the scenario's uncertainty gives), read off the
histograms (:data:`FAN_BINS`; a quantile is exact to its bin's width).  The population
hazards are ``E[S_t h_t] / E[S_t]``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from brink import __version__, aftermath
from brink.aftermath.inputs import OUTCOME_NAMES, SETTLEMENT, all_starts, build_inputs
from brink.arrays import FloatArray
from brink.errors import InputError
from brink.evaluation import Evaluation, concatenate
from brink.executors import Executor
from brink.executors.chunk import Chunk, run_chunk
from brink.scenario import Scenario
from brink.scenario.random import BLOCK, check_samples, check_seed, uniforms
from brink.templates import get_template

if TYPE_CHECKING:
    from brink.model import CrisisModel

__all__ = ["ENDINGS", "FAN_BINS", "SETTLEMENT_SHARE", "SimulationResult", "TrajectoryModel", "simulate"]

#: Crisis endings ``--ending`` may fix (the challenger's outcome; no nuclear use, no sanctions).
ENDINGS: tuple[str, ...] = OUTCOME_NAMES
#: The share of the stake a fixed ``--ending settlement`` gives the challenger unless ``--share``
#: says otherwise: the even split (the division the crisis solvers settle on most often).
SETTLEMENT_SHARE = 0.5
#: Histogram bin edges of the quantities drawn as fan charts.
FAN_BINS: dict[str, FloatArray] = {
    "in_office": np.linspace(0.0, 1.0, 401),
    "reserves_usd_bn": np.concatenate([[0.0], np.geomspace(0.01, 1e5, 701)]),
    "discount_usd_per_bbl": np.linspace(0.0, 200.0, 801),
    "support": np.linspace(0.0, 1.0, 401),
}
#: The recorded fields whose per-month mean the result reports (besides the fans).
_MEANS = ("in_office", "removed_domestic", "removed_foreign", "reserves_usd_bn", "discount_usd_per_bbl",
          "spent_usd_bn", "paid_share")
_SAMPLE_METRICS = ("survival", "domestic_removal", "foreign_removal", "discount_months", "spent_usd_bn",
                   "reserves_exhausted_month")


@dataclass(frozen=True, eq=False)
class TrajectoryModel:
    """The evaluator of ``brink simulate``: a crisis model, then the post-war path of each sample.

    Its :meth:`evaluate` gives per-sample metrics ``m<t>.<field>`` (month ``t`` from 0) and
    the drawn ending as outcomes ``ending.<name>`` and ``nuclear_use``.  It pickles as its
    crisis model and options, so it runs on every executor.
    """

    crisis: CrisisModel
    ending: str | None = None
    share: float = SETTLEMENT_SHARE

    @property
    def name(self) -> str:
        return self.crisis.name

    @property
    def uncertainties(self) -> Sequence[str]:
        return self.crisis.uncertainties

    @property
    def levers(self) -> Mapping[str, Sequence[Any]]:
        return self.crisis.levers

    def ppf(self, name: str, u: FloatArray) -> FloatArray:
        return self.crisis.ppf(name, u)

    def draw(self, seed: int, start: int, stop: int) -> dict[str, FloatArray]:
        """The crisis model's draws plus the uniform that picks each sample's ending."""
        rows = self.crisis.draw(seed, start, stop)
        rows["_simulate.ending"] = uniforms(seed, "simulate.ending", start, stop)
        return rows

    def evaluate(self, params: Mapping[str, FloatArray], levers: Mapping[str, Any] | None = None) -> Evaluation:
        """Per-sample paths of the rows of ``params``, solved in pieces that fit the crisis model's
        memory budget (as :meth:`brink.model.CrisisModel.evaluate`; the numbers do not depend on them)."""
        n = len(next(iter(params.values()))) if params else 1
        if self.ending is not None:  # no crisis to solve: the post-war arrays of one ending are small
            return self._evaluate(params, levers)
        piece = self.crisis.footprint(levers).check(self.crisis.memory, self.crisis.scenario.name)
        if n <= piece:
            return self._evaluate(params, levers)
        k = -(-n // piece)
        bounds = [i * n // k for i in range(k + 1)]
        return concatenate([self._evaluate({key: v[a:b] for key, v in params.items()}, levers)
                            for a, b in itertools.pairwise(bounds)])

    def _evaluate(self, params: Mapping[str, FloatArray], levers: Mapping[str, Any] | None) -> Evaluation:
        rows = dict(params)
        u = rows.pop("_simulate.ending", None)
        n = len(u) if u is not None else len(next(iter(rows.values()))) if rows else 1
        if self.ending is not None:
            sc, full, failed, _ = self.crisis._complete(rows, levers)
            full, failed = _per_sample(full, failed, n)
            code = ENDINGS.index(self.ending)
            starts = np.asarray([[code, 0, 0]], dtype=np.int64)
            settled = np.asarray([self.share if code == SETTLEMENT else 0.0])
            chosen = np.zeros(n, dtype=np.int64)
        else:
            if u is None:
                raise ValueError("simulate draws need the ending uniform (TrajectoryModel.draw)")
            sc, full, failed, prepared, reach, terminals = self.crisis.reach(rows, levers)
            full, failed = _per_sample(full, failed, n)
            template = get_template(sc.template)
            probs = template.endings(sc, full, reach, terminals, prepared)  # type: ignore[attr-defined]
            cr = getattr(sc, "crisis", None)
            table = getattr(template, "crisis_endings", None)  # a template whose endings include settlements
            if table is not None:
                ends = table(sc, prepared)
                starts, settled = ends.starts, ends.share
            else:
                starts = all_starts(cr is not None and "sanctions" in cr.responses)
                settled = np.zeros(starts.shape[0])
            total = probs.sum(axis=1, keepdims=True)
            cum = np.cumsum(probs / np.where(total > 0, total, 1.0), axis=1)
            chosen = np.minimum((np.asarray(u)[:, None] > cum).sum(axis=1), starts.shape[0] - 1)
        game = aftermath.solve(build_inputs(sc, full, starts, settled_share=settled),  # type: ignore[arg-type]
                               record=chosen, only_recorded=True)
        rec = game.path
        idx = np.arange(n)
        metrics: dict[str, FloatArray] = {}
        fields = {name: i for i, name in enumerate(aftermath.RECORDED)}
        for t in range(rec.shape[1]):
            alive = rec[:, t, fields["in_office"]]
            metrics[f"m{t}.in_office"] = alive
            metrics[f"m{t}.removed_domestic"] = alive * rec[:, t, fields["domestic_hazard"]]
            metrics[f"m{t}.removed_foreign"] = alive * rec[:, t, fields["foreign_hazard"]]
            for name in ("reserves_usd_bn", "discount_usd_per_bbl", "spent_usd_bn", "paid_share"):
                metrics[f"m{t}.{name}"] = rec[:, t, fields[name]]
            for j, partner in enumerate(game.partners):
                metrics[f"m{t}.support.{partner}"] = game.support[:, t, j]
        metrics["survival"] = game.survival[idx, chosen]
        metrics["domestic_removal"] = game.domestic[idx, chosen]
        metrics["foreign_removal"] = game.foreign[idx, chosen]
        metrics["discount_months"] = game.discount_months[idx, chosen]
        metrics["spent_usd_bn"] = game.spent[idx, chosen]
        reserves = rec[:, :, fields["reserves_usd_bn"]]
        empty = (reserves <= 1e-9) & (reserves[:, :1] > 1e-9)  # reserves the leader had and spent
        # the first month (from 1, as in the table) the leader starts with empty reserves
        metrics["reserves_exhausted_month"] = np.where(empty.any(axis=1), empty.argmax(axis=1) + 1.0, np.nan)
        outcomes = {f"ending.{name}": (starts[chosen, 0] == i).astype(np.float64) for i, name in enumerate(ENDINGS)}
        for i, name in enumerate(ENDINGS):  # NaN elsewhere: the mean over samples is survival given the ending
            metrics[f"survival_given.{name}"] = np.where(starts[chosen, 0] == i, metrics["survival"], np.nan)
        outcomes["nuclear_use"] = starts[chosen, 1].astype(np.float64)
        for d in (outcomes, metrics):
            for k in d:
                d[k] = np.where(failed, np.nan, d[k])
        return Evaluation(outcomes, metrics, failed)


def _per_sample(full: Mapping[str, Any], failed: NDArray[np.bool_], n: int) -> tuple[dict[str, Any], NDArray[np.bool_]]:
    """The crisis model's one row repeated for ``n`` samples when the scenario has no uncertain
    number (its model then returns a single row; the post-war path of each sample still depends
    on the ending drawn for it, so every stored column has one value per sample)."""
    if np.shape(failed)[:1] != (1,) or n == 1:
        return dict(full), failed
    wide = {k: np.repeat(v, n, axis=0) if isinstance(v, np.ndarray) and v.shape[:1] == (1,) else v
            for k, v in full.items()}
    return wide, np.repeat(failed, n, axis=0)


@dataclass
class SimulationChunk:
    """A chunk reduced in the worker: block sums, counts and histograms (and per-sample columns)."""

    start: int
    stop: int
    sums: dict[str, list[float]]
    counts: dict[str, list[int]]
    histograms: dict[str, NDArray[np.int64]]
    extremes: dict[str, tuple[float, float]]
    failed: int
    columns: dict[str, NDArray[Any]] = field(default_factory=dict)


def _fan(key: str) -> str | None:
    """The fan a per-month metric belongs to (``m3.support.CHN`` -> ``support``), or None."""
    if not key.startswith("m") or "." not in key:
        return None
    name = key.split(".", 1)[1]
    name = "support" if name.startswith("support.") else name
    return name if name in FAN_BINS else None


#: Whether each fan's bins are uniform (else uniform in the logarithm above the first edge).
_UNIFORM: dict[str, bool] = {name: bool(np.allclose(np.diff(e), e[1] - e[0])) for name, e in FAN_BINS.items()}


def histogram(values: FloatArray, edges: FloatArray, uniform: bool | None = None) -> NDArray[np.int64]:
    """Counts of the finite ``values`` in the bins of ``edges`` (outside values go to the end bins).

    The bins of :data:`FAN_BINS` are uniform (or uniform in the logarithm above the first edge),
    so a value's bin is computed, not searched for (the same bin in every chunk); ``uniform``
    says which, when the caller knows (else it is read off ``edges``)."""
    x = values[np.isfinite(values)]
    bins = len(edges) - 1
    if uniform is None:
        uniform = bool(np.allclose(np.diff(edges), edges[1] - edges[0]))
    if uniform:
        idx = np.floor((x - edges[0]) / (edges[1] - edges[0]))
    else:  # [0, e1) then geometric
        ratio = math.log(edges[2] / edges[1])
        with np.errstate(divide="ignore", invalid="ignore"):
            idx = np.where(x < edges[1], 0.0, 1.0 + np.floor(np.log(np.maximum(x, edges[1]) / edges[1]) / ratio))
    idx = np.clip(np.nan_to_num(idx, nan=0.0), 0, bins - 1).astype(np.int64)
    return np.bincount(idx, minlength=bins).astype(np.int64)


def histograms(table: FloatArray, edges: FloatArray, uniform: bool) -> NDArray[np.int64]:
    """:func:`histogram` of each row of ``table`` ``(K, n)``, as ``(K, bins)`` counts (the same bins)."""
    bins = len(edges) - 1
    finite = np.isfinite(table)
    x = np.where(finite, table, edges[0])
    if uniform:
        idx = np.floor((x - edges[0]) / (edges[1] - edges[0]))
    else:
        ratio = math.log(edges[2] / edges[1])
        with np.errstate(divide="ignore", invalid="ignore"):
            idx = np.where(x < edges[1], 0.0, 1.0 + np.floor(np.log(np.maximum(x, edges[1]) / edges[1]) / ratio))
    idx = np.clip(np.nan_to_num(idx, nan=0.0), 0, bins - 1).astype(np.int64)
    rows = np.arange(table.shape[0], dtype=np.int64)[:, None] * bins
    flat = (idx + rows)[finite]
    return np.bincount(flat, minlength=table.shape[0] * bins).reshape(table.shape[0], bins).astype(np.int64)


def _reduce(task: Chunk[SimulationChunk], params: Mapping[str, FloatArray], ev: Evaluation, keep: bool) -> SimulationChunk:
    n = task.stop - task.start
    bounds = [*list(range(0, n, BLOCK)), n]
    sums: dict[str, list[float]] = {}
    counts: dict[str, list[int]] = {}
    hist: dict[str, NDArray[np.int64]] = {}
    extremes: dict[str, tuple[float, float]] = {}
    keys = [key for group in (ev.outcomes, ev.metrics) for key in group]
    values_of = {**ev.outcomes, **ev.metrics}
    if keys and all(np.shape(values_of[k]) == (n,) for k in keys):
        # every column at once: a row of a C-ordered table is reduced along its contiguous axis
        # by the same pairwise sum as np.sum of that row alone, so the numbers are those of the
        # per-column loop below
        table = np.stack([np.asarray(values_of[k], dtype=np.float64) for k in keys])
        finite = np.isfinite(table)
        zeroed = np.where(finite, table, 0.0)
        block_sums = np.stack([zeroed[:, a:b].sum(axis=1) for a, b in itertools.pairwise(bounds)], axis=1).tolist()
        block_counts = np.stack([finite[:, a:b].sum(axis=1) for a, b in itertools.pairwise(bounds)], axis=1).tolist()
        for i, key in enumerate(keys):
            sums[key] = block_sums[i]
            counts[key] = block_counts[i]
    else:
        for key in keys:
            values = values_of[key]
            ok = np.isfinite(values)
            sums[key] = [float(np.sum(np.where(ok[a:b], values[a:b], 0.0))) for a, b in itertools.pairwise(bounds)]
            counts[key] = [int(ok[a:b].sum()) for a, b in itertools.pairwise(bounds)]
    fans: dict[str, list[str]] = {}
    for key in keys:
        fan = _fan(key)
        if fan is not None:
            fans.setdefault(fan, []).append(key)
    for fan, members in fans.items():
        if all(np.shape(values_of[k]) == (n,) for k in members):
            counted = histograms(np.stack([np.asarray(values_of[k], dtype=np.float64) for k in members]),
                                 FAN_BINS[fan], _UNIFORM[fan])
            hist.update(zip(members, counted, strict=True))
        else:
            hist.update((k, histogram(values_of[k], FAN_BINS[fan], _UNIFORM[fan])) for k in members)
        for key in members:
            values = values_of[key]
            ok = np.isfinite(values)
            if ok.any():
                extremes[key] = (float(values[ok].min()), float(values[ok].max()))
    columns: dict[str, NDArray[Any]] = {}
    if keep:
        columns = {k: ev.metrics[k] for k in _SAMPLE_METRICS} | {k: v for k, v in ev.outcomes.items()}
    return SimulationChunk(task.start, task.stop, sums, counts, hist, extremes, int(ev.failed.sum()), columns)


def month_sums(task: Chunk[SimulationChunk], params: Mapping[str, FloatArray], ev: Evaluation) -> SimulationChunk:
    """The reducer of a simulation without a store."""
    return _reduce(task, params, ev, keep=False)


def month_sums_and_samples(task: Chunk[SimulationChunk], params: Mapping[str, FloatArray], ev: Evaluation) -> SimulationChunk:
    """The reducer of a stored simulation: also the per-sample columns of :data:`_SAMPLE_METRICS`."""
    return _reduce(task, params, ev, keep=True)


def quantile(counts: NDArray[np.int64], edges: FloatArray, q: float,
             extremes: tuple[float, float] = (-math.inf, math.inf)) -> float:
    """The ``q`` quantile of a histogram, interpolated linearly within its bin and held to the
    observed ``extremes`` (so that a quantity that is the same in every sample is exact)."""
    total = int(counts.sum())
    if total == 0:
        return math.nan
    cum = np.cumsum(counts)
    target = q * total
    i = int(np.searchsorted(cum, target, side="left"))
    i = min(i, len(counts) - 1)
    below = float(cum[i - 1]) if i else 0.0
    inside = float(counts[i])
    frac = (target - below) / inside if inside else 0.0
    value = float(edges[i] + (edges[i + 1] - edges[i]) * min(max(frac, 0.0), 1.0))
    return min(max(value, extremes[0]), extremes[1])


@dataclass
class SimulationResult:
    """What ``brink simulate`` reports: the per-month table and the per-sample summaries."""

    scenario: str
    samples: int
    seed: int
    solver: str
    months: int
    ending: str | None
    table: list[dict[str, float | None]] = field(default_factory=list)
    summary: dict[str, float | None] = field(default_factory=dict)
    endings: dict[str, float | None] = field(default_factory=dict)
    survival_given: dict[str, float | None] = field(default_factory=dict)
    partners: tuple[str, ...] = ()
    failed: int = 0
    run_id: str | None = None
    lam: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario, "samples": self.samples, "seed": self.seed, "solver": self.solver,
            "lambda": self.lam, "months": self.months, "ending": self.ending, "version": __version__,
            "failed": self.failed, "partners": list(self.partners), "endings": self.endings,
            "survival_given": self.survival_given, "summary": self.summary, "table": self.table, "run_id": self.run_id,
        }


class _Aggregate:
    def __init__(self) -> None:
        self.sums: dict[str, list[float]] = {}
        self.counts: dict[str, int] = {}
        self.hist: dict[str, NDArray[np.int64]] = {}
        self.extremes: dict[str, tuple[float, float]] = {}
        self.failed = 0

    def add(self, r: SimulationChunk) -> None:
        for k, v in r.sums.items():
            self.sums.setdefault(k, []).extend(v)
            self.counts[k] = self.counts.get(k, 0) + sum(r.counts[k])
        for k, h in r.histograms.items():
            self.hist[k] = self.hist[k] + h if k in self.hist else h.copy()
        for k, (lo, hi) in r.extremes.items():
            old = self.extremes.get(k, (math.inf, -math.inf))
            self.extremes[k] = (min(old[0], lo), max(old[1], hi))
        self.failed += r.failed

    def mean(self, key: str) -> float:
        n = self.counts.get(key, 0)
        return math.fsum(self.sums[key]) / n if n else math.nan

    def total(self, key: str) -> float:
        return math.fsum(self.sums.get(key, []))


def _clean(x: float) -> float | None:
    return None if not math.isfinite(x) else round(x, 10)


def simulate(
    scenario: Scenario,
    samples: int,
    seed: int = 0,
    *,
    months: int | None = None,
    ending: str | None = None,
    share: float | None = None,
    solver: str = "auto",
    lam: float | None = None,
    chunk_size: int | None = None,
    memory: int | None = None,
    executor: Executor | None = None,
    progress: Callable[[int, int], None] | None = None,
    store: Any = None,
    scenario_text: str = "",
) -> SimulationResult:
    """Draw ``samples`` post-war trajectories of ``scenario`` (module doc).

    ``months`` overrides ``survival.horizon_months``; ``ending`` fixes the crisis ending
    (one of :data:`ENDINGS`, without nuclear use or sanctions) instead of drawing it from
    the crisis equilibrium; ``share`` is the share of the stake a fixed ``settlement`` gives
    the challenger (default :data:`SETTLEMENT_SHARE`).  The other options are those of :func:`brink.runs.montecarlo.run`.
    """
    from brink.aftermath.spec import MAX_MONTHS
    from brink.model import CrisisModel
    from brink.runs.montecarlo import _check_memory, _plan_chunks

    samples = check_samples(samples)
    seed = check_seed(seed)
    budget = _check_memory(memory)
    if not get_template(scenario.template).capabilities.post_war:
        from brink.templates import REGISTRY

        able = sorted(name for name, t in REGISTRY.items() if t.capabilities.post_war)
        raise InputError(
            f"scenario {scenario.name} uses template {scenario.template!r}, which has no post-war game",
            scenario.source or scenario.name,
            f"simulate a scenario of template {', '.join(able)} (e.g. brink simulate ukraine-2022)",
        )
    if ending is not None and ending not in ENDINGS:
        raise InputError(f"unknown crisis ending {ending!r}", "--ending", f"use one of {', '.join(ENDINGS)}")
    if share is not None and (ending != "settlement" or not 0.0 <= share <= 1.0):
        raise InputError(f"--share {share} needs --ending settlement and a share in [0, 1]", "--share",
                         "give --ending settlement --share X with X the challenger's share of the stake")
    if months is not None:
        if isinstance(months, bool) or not isinstance(months, int) or not 1 <= months <= MAX_MONTHS:
            raise InputError(f"--months {months} is outside 1..{MAX_MONTHS}", "--months",
                             f"simulate between 1 and {MAX_MONTHS} months")
        from brink.scenario.document import apply_overrides
        from brink.scenario.loading import scenario_from_data

        data = scenario.model_dump(mode="json", exclude={"source"})
        data = apply_overrides(data, [f"survival.horizon_months={months}"])
        scenario = scenario_from_data(data, source=scenario.source)
    if lam is not None:
        from brink.solvers.registry import check_solver

        check_solver(solver, lam, auto_takes_lambda=True)  # CrisisModel refuses auto where it is spe
    crisis = CrisisModel(scenario, solver=solver, lam=lam, memory=budget)
    horizon = int(scenario.survival.horizon_months)  # type: ignore[attr-defined]
    model = TrajectoryModel(crisis, ending, SETTLEMENT_SHARE if share is None else float(share))
    chunk, crisis.memory = _plan_chunks(crisis, None, samples, chunk_size, budget)
    reduce = month_sums_and_samples if store is not None else month_sums
    tasks = [Chunk(model, a, min(a + chunk, samples), reduce, seed=seed) for a in range(0, samples, chunk)]
    solver, lam = crisis.solver, crisis.lam  # "auto" as resolved (the escalation template: qbi, fitted lambda)
    result = SimulationResult(scenario.name, samples, seed, solver, horizon, ending, lam=lam)
    run_id = None
    if store is not None:
        parameters: dict[str, Any] = {"samples": samples, "solver": solver, "months": horizon, "ending": ending}
        if ending == "settlement":
            parameters["share"] = model.share
        if lam is not None:
            parameters["lambda"] = lam
        run_id = store.begin_run("simulate", scenario.name, scenario_text or crisis.scenario_json, seed, __version__,
                                 parameters)
        result.run_id = run_id
    agg = _Aggregate()
    results = executor.map(run_chunk, tasks) if executor is not None else map(run_chunk, tasks)
    try:
        for r in results:
            agg.add(r)
            if store is not None and r.columns:
                store.add_samples(run_id, r.start, r.columns)
            if progress is not None:
                progress(r.stop, samples)
    except BaseException as exc:
        if store is not None and run_id is not None:
            store.fail_run(run_id, f"{type(exc).__name__}: {exc}")
        raise
    if samples and agg.failed == samples:
        message = f"all {samples:,} samples failed"
        if store is not None and run_id is not None:
            store.fail_run(run_id, message)
        raise InputError(message, fix="check the scenario's numbers, or try another solver (--solver spe)")
    result.failed = agg.failed
    result.partners = tuple(sorted({k.split(".", 2)[2] for k in agg.sums if k.startswith("m0.support.")},
                                   key=lambda j: list(getattr(scenario, "partners", {})).index(j)))
    result.table = _table(agg, horizon, result.partners)
    result.summary = {k: _clean(agg.mean(k)) for k in _SAMPLE_METRICS}
    exhausted = agg.counts.get("reserves_exhausted_month", 0)
    valid = samples - agg.failed
    result.summary["reserves_exhausted_share"] = _clean(exhausted / valid) if valid else None
    result.endings = {k.split(".", 1)[1]: _clean(agg.mean(k)) for k in agg.sums if k.startswith("ending.")}
    result.endings["nuclear_use"] = _clean(agg.mean("nuclear_use"))
    result.survival_given = {name: _clean(agg.mean(f"survival_given.{name}")) for name in ENDINGS}
    if store is not None and run_id is not None:
        store.finish_run(run_id, result.to_json())
    return result


def _table(agg: _Aggregate, horizon: int, partners: tuple[str, ...]) -> list[dict[str, float | None]]:
    """One row per month: means, population hazards and the fans' 5/50/95% quantiles."""
    rows: list[dict[str, float | None]] = []
    for t in range(horizon):
        row: dict[str, float | None] = {"month": float(t + 1)}
        alive = agg.total(f"m{t}.in_office")
        row["in_office"] = _clean(agg.mean(f"m{t}.in_office"))
        for cause in ("domestic", "foreign"):
            removed = agg.total(f"m{t}.removed_{cause}")
            row[f"{cause}_hazard"] = _clean(removed / alive) if alive > 0 else None
        for name in ("reserves_usd_bn", "discount_usd_per_bbl", "spent_usd_bn", "paid_share"):
            row[name] = _clean(agg.mean(f"m{t}.{name}"))
        for name in ("in_office", "reserves_usd_bn", "discount_usd_per_bbl"):
            counts = agg.hist[f"m{t}.{name}"]
            for q in (5, 50, 95):
                row[f"{name}_p{q:02d}"] = _clean(quantile(counts, FAN_BINS[name], q / 100,
                                                          agg.extremes.get(f"m{t}.{name}", (-math.inf, math.inf))))
        for j in partners:
            key = f"m{t}.support.{j}"
            row[f"support.{j}"] = _clean(agg.mean(key))
            for q in (5, 95):
                row[f"support.{j}_p{q:02d}"] = _clean(quantile(agg.hist[key], FAN_BINS["support"], q / 100,
                                                                agg.extremes.get(key, (-math.inf, math.inf))))
        rows.append(row)
    return rows
