"""Monte Carlo runs of a scenario: chunked, streaming, chunk-size-invariant.

``run`` cuts the sample range ``[0, N)`` into chunks (:class:`brink.executors.chunk.Chunk`
tasks of one :class:`brink.model.CrisisModel`, run by any executor), evaluates each
(draws by :mod:`brink.scenario.random`, so sample ``i`` is the same whatever the chunking), reduces
it to block sums in the worker (:func:`block_sums`), and aggregates as it goes: per-block sums of each outcome
and metric and of their squares, path counts and the failed count.  Memory is bounded by
the chunk size, never by ``N``.

Chunk boundaries are rounded to multiples of :data:`brink.scenario.random.BLOCK` and every sum is
taken block by block in sample order, so the floating-point result is bit-identical for
any chunk size (and any executor, which returns chunks in task order).

Memory budget: by default a run fits in :data:`brink.model.MEMORY_BUDGET` (512 MiB; the
``memory`` argument, ``brink run --memory MIB``, changes it).  The chunk size adapts:
a quarter of the budget holds a chunk's draws and results, so the default chunk is
``min(4096, that share // bytes per sample)`` rounded down to a multiple of
:data:`~brink.scenario.random.BLOCK` (at least one block), and the model solves each chunk in
pieces that fit the rest (:meth:`brink.model.CrisisModel.evaluate`).  An explicit chunk
size above :data:`MAX_CHUNK_SIZE` or above what the budget holds is refused, naming the
largest that fits; so is a game of which one sample does not fit.  Neither the chunk
size nor the budget changes the numbers.

A run in which every sample fails is an error naming the first parameter that was not a
finite number (the run is stored as failed); some failed samples are counted and
reported, never dropped.

Per-sample results: a run with a store, and a run without one of at most
:data:`KEPT_BY_DEFAULT` samples (more on request, ``keep_samples=True``, up to
:data:`MAX_KEPT_SAMPLES`), keeps one row per sample: its parameters (float64,
as drawn), outcomes, metrics, its modal path (the " > "-joined actions, ``""`` for a failed
sample) and whether it failed (:func:`sample_columns`).  :meth:`RunResult.to_pandas` and
:meth:`RunResult.to_xarray` return that table for a notebook (the store's rows for a stored
run).

Intervals: each per-sample outcome is a probability ``p_i``; the estimate is the mean
and its 95% interval is the normal (CLT) interval ``mean +- 1.96 sd / sqrt(n)``, clipped to
[0, 1] for probabilities (Monte Carlo error of the expectation over the parameter
uncertainty; Law & Kelton 2000, ch. 9).
"""

from __future__ import annotations

import contextlib
import html
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from brink import __version__
from brink.arrays import FloatArray
from brink.errors import InputError
from brink.evaluation import Evaluation, decisions
from brink.executors import Executor
from brink.executors.chunk import Chunk, run_chunk
from brink.scenario import Scenario
from brink.scenario.random import BLOCK, check_samples, check_seed

if TYPE_CHECKING:
    import pandas as pd
    import xarray as xr

    from brink.model import CrisisModel

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "KEPT_BY_DEFAULT",
    "MAX_CHUNK_SIZE",
    "MAX_KEPT_SAMPLES",
    "ChunkResult",
    "RunResult",
    "block_sums",
    "block_sums_and_samples",
    "column_roles",
    "run",
    "run_chunk",
    "sample_columns",
]

Z95 = 1.959963984540054
#: Samples per chunk when the memory budget allows it and no chunk size is given.
DEFAULT_CHUNK_SIZE = 4096
#: The largest chunk size accepted whatever the memory budget (2**20 samples).
MAX_CHUNK_SIZE = 2**20
#: Memory budgets accepted by ``run`` (bytes): 64 MiB to 1 TiB.
MIN_MEMORY, MAX_MEMORY = 64 * 2**20, 2**40
#: Most samples ``run(..., keep_samples=True)`` keeps in memory without a store (a few
#: hundred bytes each for a bundled scenario; a larger run belongs in the run store).
MAX_KEPT_SAMPLES = 250_000
#: Most samples a run without a store keeps in memory unasked (``keep_samples=None``), so that
#: :meth:`RunResult.to_pandas` works on it: about 140 MB at this size on ``ukraine-2022``
#: (1.4 kB a sample, most of it the path's text).
KEPT_BY_DEFAULT = 100_000
#: Per-sample columns that are neither a parameter, an outcome nor a metric.
PATH_COLUMN, FAILED_COLUMN = "path", "failed"
_RESERVED = frozenset({"sample", PATH_COLUMN, FAILED_COLUMN})


@dataclass
class ChunkResult:
    """Block sums of one chunk (and optionally its per-sample columns)."""

    start: int
    stop: int
    sums: dict[str, list[float]]
    squares: dict[str, list[float]]
    counts: dict[str, list[int]]
    path_counts: dict[str, int]
    failed: int
    columns: dict[str, NDArray[Any]] = field(default_factory=dict)
    #: Why the chunk's first failed sample failed (``""`` if none did).
    failure: str = ""


def block_sums(task: Chunk[ChunkResult], params: Mapping[str, FloatArray], ev: Evaluation) -> ChunkResult:
    """A chunk's evaluation reduced to block sums (the reducer of a run without a store).

    Runs in the worker, so what comes back is a few numbers per block of
    :data:`~brink.scenario.random.BLOCK` samples, not the samples.
    """
    return _reduce(task, params, ev, keep_samples=False)


def block_sums_and_samples(
    task: Chunk[ChunkResult], params: Mapping[str, FloatArray], ev: Evaluation
) -> ChunkResult:
    """:func:`block_sums` plus the chunk's per-sample columns (for a run that is stored)."""
    return _reduce(task, params, ev, keep_samples=True)


def _reduce(task: Chunk[ChunkResult], params: Mapping[str, FloatArray], ev: Evaluation, keep_samples: bool) -> ChunkResult:
    ev = decisions(ev)  # the modal path: the players' decisions, nature's draws folded
    sums: dict[str, list[float]] = {}
    squares: dict[str, list[float]] = {}
    counts: dict[str, list[int]] = {}
    n = task.stop - task.start
    keys = [f"{g}:{name}" for g, values in (("outcome", ev.outcomes), ("metric", ev.metrics)) for name in values]
    arrays = [*ev.outcomes.values(), *ev.metrics.values()]
    table = np.stack([np.asarray(a, dtype=np.float64) for a in arrays]) if arrays else np.empty((0, n))
    if table.shape[1] == 1 and n != 1:
        # a scenario without uncertain numbers is evaluated once; its row stands for every sample
        table = np.repeat(table, n, axis=1)
    finite = np.isfinite(table)
    whole = n // BLOCK * BLOCK
    if whole and finite[:, :whole].all():
        # every block complete and finite: one reduction over the last (contiguous) axis, the
        # same pairwise sum per block as np.sum of the block alone
        blocks = table[:, :whole].reshape(len(keys), -1, BLOCK)
        totals, block_squares = blocks.sum(axis=2), (blocks * blocks).sum(axis=2)
        for i, key in enumerate(keys):
            sums[key] = totals[i].tolist()
            squares[key] = block_squares[i].tolist()
            counts[key] = [BLOCK] * (whole // BLOCK)
        start = whole
    else:
        for key in keys:
            sums[key], squares[key], counts[key] = [], [], []
        start = 0
    for i, key in enumerate(keys):
        for b in range(start, n, BLOCK):
            x = table[i, b : b + BLOCK]
            x = x[finite[i, b : b + BLOCK]]
            sums[key].append(float(np.sum(x)))
            squares[key].append(float(np.sum(x * x)))
            counts[key].append(int(x.size))
    weight = n if ev.n == 1 and n != 1 else 1  # one row standing for every sample of the chunk
    path_counts: dict[str, int] = {}
    for idx, cnt in zip(*np.unique(ev.paths[~ev.failed], return_counts=True), strict=True):
        path_counts[ev.path_labels[int(idx)]] = int(cnt) * weight
    columns = sample_columns(params, ev, n) if keep_samples else {}
    return ChunkResult(
        task.start, task.stop, sums, squares, counts, path_counts, int(ev.failed.sum()) * weight, columns, ev.failure
    )


def sample_columns(
    params: Mapping[str, FloatArray], ev: Evaluation, n: int | None = None
) -> dict[str, NDArray[Any]]:
    """One chunk's per-sample columns: parameters, outcomes, metrics, ``path`` and ``failed``.

    Parameters are kept as drawn (float64), so that a stored sample can be evaluated again
    and give the same numbers.  Each column is named by its parameter, outcome or metric;
    a name already taken (or ``sample``, ``path``, ``failed``) gets its group as a prefix
    (``outcome:NAME``, ``metric:NAME``, ``parameter:NAME``), which :func:`column_roles` reads
    back.  ``path`` is the sample's modal path (its most likely sequence of actions, as in
    :attr:`RunResult.paths`), ``""`` where the sample failed or the model names none.
    ``n`` is the chunk's number of samples: a scenario without uncertain parameters is
    evaluated once (one row), and that row is repeated for each of its ``n`` samples.
    """
    columns: dict[str, NDArray[Any]] = {}
    groups: tuple[tuple[str, Mapping[str, FloatArray]], ...] = (
        ("parameter", params), ("outcome", ev.outcomes), ("metric", ev.metrics)
    )
    for group, values in groups:
        for name, values_of in values.items():
            key = name if name not in columns and name not in _RESERVED else f"{group}:{name}"
            columns[key] = np.asarray(values_of, dtype=np.float64)
    rows = ev.n
    if ev.path_labels and ev.paths.shape[0] == rows:
        labels = np.asarray(ev.path_labels, dtype=np.str_)
        path = np.where(ev.failed, "", labels[np.clip(ev.paths, 0, len(labels) - 1)])
    else:
        path = np.full(rows, "", dtype=np.str_)
    columns[PATH_COLUMN] = path.astype(np.str_)
    columns[FAILED_COLUMN] = np.asarray(ev.failed, dtype=bool)
    if n is not None and rows == 1 and n != 1:
        columns = {k: np.repeat(v, n) for k, v in columns.items()}
    return columns


def column_roles(
    columns: Sequence[str], outcomes: Iterable[str], metrics: Iterable[str]
) -> dict[str, tuple[str, str]]:
    """``column -> (role, name)`` of a run's per-sample columns (the inverse of :func:`sample_columns`).

    ``role`` is ``parameter``, ``outcome``, ``metric``, ``path`` or ``failed``.  A plain column
    named like an outcome (metric) is that outcome (metric) unless a prefixed
    ``outcome:NAME`` (``metric:NAME``) column exists, in which case it is a parameter.  Runs
    stored before metrics and paths were kept (parameters and outcomes only) read the same way.
    """
    present, outs, mets = set(columns), set(outcomes), set(metrics)
    roles: dict[str, tuple[str, str]] = {}
    for col in columns:
        group, sep, rest = col.partition(":")
        if col in (PATH_COLUMN, FAILED_COLUMN, "sample"):
            roles[col] = (col, col)
        elif sep and group in ("parameter", "outcome", "metric"):
            roles[col] = (group, rest)
        elif col in outs and f"outcome:{col}" not in present:
            roles[col] = ("outcome", col)
        elif col in mets and f"metric:{col}" not in present:
            roles[col] = ("metric", col)
        else:
            roles[col] = ("parameter", col)
    return roles


@dataclass
class RunResult:
    """Aggregated outcome probabilities, metrics and equilibrium paths of a run.

    ``samples`` is the number of samples.  The per-sample table behind the summary is
    read with :meth:`to_pandas` / :meth:`to_xarray`: from the run store for a stored run
    (``store``, ``run_id``), or from ``sample_columns`` when the run kept its samples in
    memory (a run without a store of at most :data:`KEPT_BY_DEFAULT` samples, or one with
    ``keep_samples=True``).  In a notebook the result shows itself as a
    table of outcomes with their 95% intervals (:meth:`_repr_html_`).
    """

    scenario: str
    samples: int
    seed: int
    solver: str
    version: str = __version__
    outcomes: dict[str, dict[str, Any]] = field(default_factory=dict)
    metrics: dict[str, dict[str, Any]] = field(default_factory=dict)
    paths: list[dict[str, Any]] = field(default_factory=list)
    failed: int = 0
    #: Why the first failed sample failed (``""`` if none did), e.g. pbe's uncertified bound.
    failure: str = ""
    run_id: str | None = None
    #: QRE's logit precision, ``None`` for the solver's default (then not in the JSON).
    lam: float | None = None
    #: Why ``solver`` and ``lam`` were chosen when the run asked for ``"auto"`` on a template
    #: with a declared default (``"fitted on ICB"``; ``""``: not so chosen, then not in the JSON).
    auto: str = ""
    #: The :class:`brink.store.Store` that holds the run's per-sample rows (``None``: not stored).
    store: Any = field(default=None, repr=False, compare=False)
    #: Per-sample columns kept in memory (:data:`KEPT_BY_DEFAULT`, ``keep_samples``), in sample order.
    sample_columns: dict[str, NDArray[Any]] | None = field(default=None, repr=False, compare=False)

    @classmethod
    def from_store(cls, store: Any, run_id: str) -> RunResult:
        """A stored ``run`` (by id or unique prefix) as a result, its samples read from ``store``.

        Raises:
            InputError: no such run, or a run of another kind (a sweep, an analysis).
        """
        record = store.get_run(run_id)
        if record.kind != "run":
            raise InputError(
                f"run {record.id} is a {record.kind!r} run, not a Monte Carlo run",
                str(store.path),
                "Give the id of a `brink run` (see `brink runs list --kind run`)",
            )
        summary = record.summary or {}
        params = record.parameters
        return cls(
            scenario=str(summary.get("scenario", record.scenario_name)),
            samples=int(summary.get("samples", params.get("samples", record.n_samples))),
            seed=record.seed,
            solver=str(summary.get("solver", params.get("solver", "auto"))),
            auto=str(summary.get("solver_auto", "")),
            version=record.version,
            outcomes=dict(summary.get("outcomes", {})),
            metrics=dict(summary.get("metrics", {})),
            paths=list(summary.get("paths", [])),
            failed=int(summary.get("failed", 0)),
            failure=str(summary.get("failure", "")),
            run_id=record.id,
            lam=params.get("lambda"),
            store=store,
        )

    def _table(self) -> dict[str, NDArray[Any]]:
        """``sample`` and the per-sample columns, from memory or else from the store."""
        if self.sample_columns is not None:
            n = len(next(iter(self.sample_columns.values()))) if self.sample_columns else 0
            return {"sample": np.arange(n, dtype=np.int64), **self.sample_columns}
        if self.store is not None and self.run_id is not None:
            table: dict[str, NDArray[Any]] = self.store.samples(self.run_id)
            return table
        raise InputError(
            f"the run of {self.scenario} ({self.samples:,} samples) kept no per-sample results: a run "
            f"without a store keeps them in memory up to {KEPT_BY_DEFAULT:,} samples unless asked not to",
            "RunResult.to_pandas",
            f"run it with keep_samples=True (at most {MAX_KEPT_SAMPLES:,} samples), or with a "
            "store (brink.run(..., store=brink.store.Store(PATH))), which keeps any number",
        )

    def roles(self) -> dict[str, tuple[str, str]]:
        """``column -> (role, name)`` of the per-sample columns (:func:`column_roles`)."""
        table = self._table()
        return column_roles([c for c in table if c != "sample"], self.outcomes, self.metrics)

    def to_pandas(self) -> pd.DataFrame:
        """One row per sample, indexed by ``sample``: parameters, outcomes, metrics, path, failed.

        For a stored run these are the store's rows (:meth:`brink.store.Store.samples`); a
        run kept in memory gives the same table.  Columns are named as in
        :func:`sample_columns`.

        Raises:
            InputError: the run kept no per-sample results (neither stored nor kept).
        """
        import pandas as pd

        table = self._table()
        index = pd.Index(table["sample"], name="sample")
        return pd.DataFrame({k: v for k, v in table.items() if k != "sample"}, index=index)

    def to_xarray(self) -> xr.Dataset:
        """The per-sample table as an :class:`xarray.Dataset` over a ``sample`` dimension.

        Each column is a variable whose ``role`` attribute says what it is (``parameter``,
        ``outcome``, ``metric``, ``path``, ``failed``); the run's scenario, seed, solver,
        sample count and id are the dataset's attributes.
        """
        import xarray as xr

        table = self._table()
        roles = column_roles([c for c in table if c != "sample"], self.outcomes, self.metrics)
        data = {
            col: xr.Variable("sample", values, attrs={"role": roles[col][0], "name": roles[col][1]})
            for col, values in table.items()
            if col != "sample"
        }
        attrs: dict[str, Any] = {
            "scenario": self.scenario,
            "samples": self.samples,
            "seed": self.seed,
            "solver": self.solver,
            "version": self.version,
        }
        if self.run_id is not None:
            attrs["run_id"] = self.run_id
        return xr.Dataset(data, coords={"sample": table["sample"]}, attrs=attrs)

    def _repr_html_(self) -> str:
        """A small HTML table of outcomes (and metrics) with 95% intervals, for notebooks."""
        e = html.escape
        head = (
            f"<b>{e(self.scenario)}</b>: {self.samples:,} samples, seed {self.seed}, "
            f"solver {e(self.solver)}"
            + (f", run {e(self.run_id)}" if self.run_id else "")
        )
        rows = [
            f"<tr><td>{e(name)}</td><td>{_number(o.get('p'))}</td><td>{_interval(o.get('ci95'))}</td></tr>"
            for name, o in self.outcomes.items()
        ]
        parts = [
            f"<div class='brink-run'><p>{head}</p>",
            "<table><thead><tr><th>outcome</th><th>p</th><th>95% interval</th></tr></thead>",
            "<tbody>" + "".join(rows) + "</tbody></table>",
        ]
        if self.metrics:
            mrows = [
                f"<tr><td>{e(name)}</td><td>{_number(m.get('mean'))}</td><td>{_interval(m.get('ci95'))}</td></tr>"
                for name, m in self.metrics.items()
            ]
            parts += [
                "<table><thead><tr><th>metric</th><th>mean</th><th>95% interval</th></tr></thead>",
                "<tbody>" + "".join(mrows) + "</tbody></table>",
            ]
        if self.paths:
            top = self.paths[0]
            parts.append(
                f"<p>modal path ({float(top['share']):.1%} of samples): "
                f"{e(' > '.join(str(p) for p in top['path']))}</p>"
            )
        if self.failed:
            parts.append(f"<p>{self.failed:,} samples failed (counted, not dropped)</p>")
        parts.append("</div>")
        return "".join(parts)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "scenario": self.scenario,
            "samples": self.samples,
            "seed": self.seed,
            "version": self.version,
            "solver": self.solver,
        }
        if self.lam is not None:
            out["lambda"] = self.lam
        if self.auto:
            out["solver_auto"] = self.auto
        out.update(
            {"outcomes": self.outcomes, "paths": self.paths, "metrics": self.metrics, "failed": self.failed}
        )
        if self.failed and self.failure:
            out["failure"] = self.failure
        return out


class _Aggregate:
    def __init__(self) -> None:
        self.sum: dict[str, float] = {}
        self.sq: dict[str, float] = {}
        self.n: dict[str, int] = {}
        self.paths: dict[str, int] = {}
        self.failed = 0
        self.failure = ""

    def add(self, r: ChunkResult) -> None:
        for key, blocks in r.sums.items():
            s, q = self.sum.get(key, 0.0), self.sq.get(key, 0.0)
            for b, value in enumerate(blocks):
                s += value
                q += r.squares[key][b]
            self.sum[key], self.sq[key] = s, q
            self.n[key] = self.n.get(key, 0) + sum(r.counts[key])
        for p, c in r.path_counts.items():
            self.paths[p] = self.paths.get(p, 0) + c
        self.failed += r.failed
        self.failure = self.failure or r.failure

    def summary(self, key: str, probability: bool) -> tuple[float, float, float]:
        n = self.n.get(key, 0)
        if n == 0:
            return math.nan, math.nan, math.nan
        mean = self.sum[key] / n
        var = max(self.sq[key] / n - mean * mean, 0.0) * (n / (n - 1) if n > 1 else 0.0)
        half = Z95 * math.sqrt(var / n)
        lo, hi = mean - half, mean + half
        if probability:
            mean, lo, hi = min(max(mean, 0.0), 1.0), max(lo, 0.0), min(hi, 1.0)
        return mean, lo, hi


def _number(value: Any) -> str:
    return "n/a" if value is None else f"{float(value):.3f}"


def _interval(ci: Any) -> str:
    if not ci or ci[0] is None or ci[1] is None:
        return ""
    return f"[{float(ci[0]):.3f}, {float(ci[1]):.3f}]"


def _round(x: float) -> float | None:
    return None if not math.isfinite(x) else float(x)


def run(
    scenario: Scenario,
    samples: int,
    seed: int = 0,
    chunk_size: int | None = None,
    solver: str = "auto",
    executor: Executor | None = None,
    progress: Callable[[int, int], None] | None = None,
    levers: dict[str, Any] | None = None,
    store: Any = None,
    scenario_text: str = "",
    memory: int | None = None,
    lam: float | None = None,
    keep_samples: bool | None = None,
) -> RunResult:
    """Monte Carlo run of ``scenario``: ``samples`` draws of ``seed``, solved and aggregated.

    ``chunk_size`` (``None``: adapted to the memory budget, see the module doc) is rounded
    up to a multiple of :data:`brink.scenario.random.BLOCK`.  ``memory`` is the budget in bytes
    (``None``: :data:`brink.model.MEMORY_BUDGET`).  ``lam`` is the logit precision
    of a solver that takes one (``"qre"``, ``None``: its limit; ``"qbi"``, ``None``: 1).
    ``executor`` runs the chunks (:class:`brink.executors.chunk.Chunk`, results in task order; default: in
    process); every solver and lambda runs on every executor, with the same numbers.
    ``progress(done, total)`` is called after each chunk.  With ``store`` (a
    :class:`brink.store.Store`) the run and its per-sample rows (parameters, outcomes,
    metrics, path) are recorded and :meth:`RunResult.to_pandas` reads them from the store.
    ``keep_samples`` keeps those rows in memory: ``None`` (the default) keeps them when the
    run has no store and at most :data:`KEPT_BY_DEFAULT` samples, so ``to_pandas()`` works on
    a notebook's run unasked; ``True`` keeps them up to :data:`MAX_KEPT_SAMPLES`; ``False``
    never (the summary alone, a little faster and lighter).

    Raises:
        InputError: a chunk size or budget out of bounds, a game too large for the
            budget, a parameter outside its range, a lambda for a solver that takes none, or
            every sample failed (the stored run is then ``failed``), or ``keep_samples``
            for more than :data:`MAX_KEPT_SAMPLES` samples.
    """
    from brink.model import CrisisModel

    samples = check_samples(samples)
    seed = check_seed(seed)
    if keep_samples is None:
        keep_samples = store is None and samples <= KEPT_BY_DEFAULT
    if keep_samples and samples > MAX_KEPT_SAMPLES:
        raise InputError(
            f"keep_samples holds at most {MAX_KEPT_SAMPLES:,} samples in memory; this run has {samples:,}",
            "keep_samples",
            "store the run instead (store=brink.store.Store(PATH); RunResult.to_pandas() then reads "
            "the store), or run fewer samples",
        )
    budget = _check_memory(memory)
    if lam is not None:  # a solver that takes a lambda (qre, qbi, pbe), or auto where it stands for one
        from brink.solvers.registry import check_solver

        check_solver(solver, lam, auto_takes_lambda=True)  # CrisisModel refuses auto where it is spe
    lever_items = tuple(sorted((levers or {}).items()))
    # one model for the whole run: in process its chunks keep the scenario's document (an
    # error found while evaluating names file:line:col); other processes rebuild it from
    # its pickle, the scenario's JSON (brink.model)
    model = CrisisModel(scenario, solver=solver, lam=lam, memory=budget)
    chunk, model.memory = _plan_chunks(model, dict(lever_items) or None, samples, chunk_size, budget)
    reduce = block_sums_and_samples if store is not None or keep_samples else block_sums
    tasks = [
        Chunk(model, a, min(a + chunk, samples), reduce, seed=seed, levers=lever_items or None)
        for a in range(0, samples, chunk)
    ]
    result = RunResult(scenario.name, samples, seed, model.solver, lam=model.lam, auto=model.auto, store=store)
    kept: list[dict[str, NDArray[Any]]] = []
    run_id = None
    if store is not None:
        parameters: dict[str, Any] = {"samples": samples, "solver": model.solver, "levers": dict(lever_items)}
        if model.lam is not None:
            parameters["lambda"] = model.lam
        if model.auto:
            parameters["solver_auto"] = model.auto
        run_id = store.begin_run(
            "run", scenario.name, scenario_text or model.scenario_json, seed, __version__, parameters
        )
        result.run_id = run_id
    agg = _Aggregate()
    results = executor.map(run_chunk, tasks) if executor is not None else map(run_chunk, tasks)
    try:
        for r in results:
            agg.add(r)
            if store is not None and r.columns:
                store.add_samples(run_id, r.start, r.columns)
            if keep_samples:
                kept.append(r.columns)
            if progress is not None:
                progress(r.stop, samples)
    except KeyboardInterrupt:
        # Ctrl-C: the chunks stored so far stay; the run is "interrupted", not "failed".
        # Close the executor's result stream now, while its executor is still open.
        close = getattr(results, "close", None)
        if close is not None:
            with contextlib.suppress(Exception):
                close()
        if store is not None and run_id is not None:
            from brink.errors import RunInterrupted

            store.interrupt_run(run_id)
            raise RunInterrupted(run_id) from None
        raise
    except BaseException as exc:
        if store is not None and run_id is not None:
            store.fail_run(run_id, f"{type(exc).__name__}: {exc}")
        raise
    if samples and agg.failed == samples:
        message = f"all {samples:,} samples failed" + (f"; {agg.failure}" if agg.failure else "")
        if store is not None and run_id is not None:
            store.fail_run(run_id, message)
        raise InputError(
            message,
            fix="make every number finite for the values drawn (no division by zero, log of a number "
            "<= 0, x % 0, overflow such as exp(1000), or distribution parameters too large to sample)"
            if "not a finite number" in agg.failure
            else "check the scenario's payoffs, or try another solver (--solver spe)",
        )
    for key in agg.sum:
        group, name = key.split(":", 1)
        mean, lo, hi = agg.summary(key, group == "outcome")
        if group == "outcome":
            result.outcomes[name] = {"p": _round(mean), "ci95": [_round(lo), _round(hi)]}
        else:
            result.metrics[name] = {"mean": _round(mean), "ci95": [_round(lo), _round(hi)]}
    valid = samples - agg.failed
    result.paths = [
        {"path": p.split(" > "), "share": c / valid if valid else 0.0}
        for p, c in sorted(agg.paths.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    result.failed = agg.failed
    result.failure = agg.failure if agg.failed else ""
    if keep_samples:
        names = list(kept[0]) if kept else []
        result.sample_columns = {name: np.concatenate([c[name] for c in kept]) for name in names}
    if store is not None and run_id is not None:
        store.finish_run(run_id, result.to_json())
    return result


def _check_memory(memory: int | None) -> int:
    """The memory budget in bytes (``None``: :data:`brink.model.MEMORY_BUDGET`), within bounds."""
    from brink.model import MEMORY_BUDGET

    if memory is None:
        return MEMORY_BUDGET
    if isinstance(memory, bool) or not isinstance(memory, int) or not MIN_MEMORY <= memory <= MAX_MEMORY:
        raise InputError(
            f"memory budget {memory!r} bytes is outside {MIN_MEMORY // 2**20} MiB to {MAX_MEMORY // 2**20:,} MiB",
            "--memory",
            "give the budget in MiB, e.g. --memory 2048",
        )
    return memory


def _plan_chunks(
    model: CrisisModel, levers: Mapping[str, Any] | None, samples: int, chunk_size: int | None, budget: int
) -> tuple[int, int]:
    """``(samples per chunk, bytes left to solve each chunk)`` within ``budget`` (module doc).

    Estimates the memory of one sample from the scenario's game before anything large is
    allocated (:meth:`brink.model.CrisisModel.footprint`); refuses an explicit chunk size
    the budget does not hold, and a game of which one sample does not fit.
    """
    from brink.model import mib

    name = model.name
    fp = model.footprint(levers)
    rows = budget // 4 // fp.per_row  # samples whose draws and results a chunk may hold
    fits = max(BLOCK, rows // BLOCK * BLOCK)
    if BLOCK * fp.per_row > budget // 2:
        raise InputError(
            f"scenario {name} has {fp.parameters:,} numbers: one chunk of {BLOCK} samples needs about "
            f"{mib(BLOCK * fp.per_row)} for its draws and results, over half the memory budget of {mib(budget)}",
            "--memory",
            f"raise the budget (--memory {-(-BLOCK * fp.per_row * 2 // 2**20)} or more), or give the "
            "scenario fewer numbers (actors, partners)",
        )
    if chunk_size is None:
        chunk = min(DEFAULT_CHUNK_SIZE, fits)
    else:
        if isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1:
            raise InputError(f"chunk size {chunk_size} is below 1", "--chunk-size", "use a positive chunk size")
        if chunk_size > MAX_CHUNK_SIZE:
            raise InputError(
                f"chunk size {chunk_size:,} exceeds the maximum of {MAX_CHUNK_SIZE:,} samples",
                "--chunk-size",
                f"use at most --chunk-size {min(MAX_CHUNK_SIZE, fits)} (or leave it out: the chunk size then "
                "adapts to the memory budget)",
            )
        chunk = max(BLOCK, -(-chunk_size // BLOCK) * BLOCK)
        held = min(chunk, -(-samples // BLOCK) * BLOCK)
        if held > fits:
            raise InputError(
                f"chunk size {chunk_size:,} needs about {mib(held * fp.per_row)} for the draws and results of "
                f"one chunk ({fp.parameters:,} numbers per sample), over a quarter of the memory budget of "
                f"{mib(budget)}",
                "--chunk-size",
                f"use at most --chunk-size {fits} (or leave it out), or raise the budget with --memory "
                f"{-(-held * fp.per_row * 4 // 2**20)}",
            )
    held = min(chunk, -(-samples // BLOCK) * BLOCK)
    piece_memory = budget - held * fp.per_row
    fp.check(piece_memory, name, budget)
    return chunk, piece_memory
