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

Intervals: each per-sample outcome is a probability ``p_i``; the estimate is the mean
and its 95% interval is the normal (CLT) interval ``mean +- 1.96 sd / sqrt(n)``, clipped to
[0, 1] for probabilities (Monte Carlo error of the expectation over the parameter
uncertainty; Law & Kelton 2000, ch. 9).
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from brink import __version__
from brink.arrays import FloatArray
from brink.errors import InputError
from brink.evaluation import Evaluation
from brink.executors import Executor
from brink.executors.chunk import Chunk, run_chunk
from brink.scenario import Scenario
from brink.scenario.random import BLOCK, check_samples, check_seed

if TYPE_CHECKING:
    from brink.model import CrisisModel

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "MAX_CHUNK_SIZE",
    "ChunkResult",
    "RunResult",
    "block_sums",
    "block_sums_and_samples",
    "run",
    "run_chunk",
]

Z95 = 1.959963984540054
#: Samples per chunk when the memory budget allows it and no chunk size is given.
DEFAULT_CHUNK_SIZE = 4096
#: The largest chunk size accepted whatever the memory budget (2**20 samples).
MAX_CHUNK_SIZE = 2**20
#: Memory budgets accepted by ``run`` (bytes): 64 MiB to 1 TiB.
MIN_MEMORY, MAX_MEMORY = 64 * 2**20, 2**40


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
    sums: dict[str, list[float]] = {}
    squares: dict[str, list[float]] = {}
    counts: dict[str, list[int]] = {}
    n = task.stop - task.start
    keys = [f"{g}:{name}" for g, values in (("outcome", ev.outcomes), ("metric", ev.metrics)) for name in values]
    arrays = [*ev.outcomes.values(), *ev.metrics.values()]
    table = np.stack([np.asarray(a, dtype=np.float64) for a in arrays]) if arrays else np.empty((0, n))
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
    path_counts: dict[str, int] = {}
    for idx, cnt in zip(*np.unique(ev.paths[~ev.failed], return_counts=True), strict=True):
        path_counts[ev.path_labels[int(idx)]] = int(cnt)
    columns: dict[str, NDArray[Any]] = {}
    if keep_samples:
        columns = {**{k: v.astype(np.float32) for k, v in params.items()}, **ev.outcomes, "failed": ev.failed}
    return ChunkResult(
        task.start, task.stop, sums, squares, counts, path_counts, int(ev.failed.sum()), columns, ev.failure
    )


@dataclass
class RunResult:
    """Aggregated outcome probabilities, metrics and equilibrium paths of a run."""

    scenario: str
    samples: int
    seed: int
    solver: str
    version: str = __version__
    outcomes: dict[str, dict[str, Any]] = field(default_factory=dict)
    metrics: dict[str, dict[str, Any]] = field(default_factory=dict)
    paths: list[dict[str, Any]] = field(default_factory=list)
    failed: int = 0
    run_id: str | None = None
    #: QRE's logit precision, ``None`` for the solver's default (then not in the JSON).
    lam: float | None = None

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
        out.update(
            {"outcomes": self.outcomes, "paths": self.paths, "metrics": self.metrics, "failed": self.failed}
        )
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
) -> RunResult:
    """Monte Carlo run of ``scenario``: ``samples`` draws of ``seed``, solved and aggregated.

    ``chunk_size`` (``None``: adapted to the memory budget, see the module doc) is rounded
    up to a multiple of :data:`brink.scenario.random.BLOCK`.  ``memory`` is the budget in bytes
    (``None``: :data:`brink.model.MEMORY_BUDGET`).  ``lam`` is the logit precision
    of a solver that takes one (``"qre"``, ``None``: its limit; ``"qbi"``, ``None``: 1).
    ``executor`` runs the chunks (:class:`brink.executors.chunk.Chunk`, results in task order; default: in
    process); every solver and lambda runs on every executor, with the same numbers.
    ``progress(done, total)`` is called after each chunk.  With ``store`` (a
    :class:`brink.store.Store`) the run and its per-sample outcomes are recorded.

    Raises:
        InputError: a chunk size or budget out of bounds, a game too large for the
            budget, a parameter outside its range, a lambda for a solver that takes none, or
            every sample failed (the stored run is then ``failed``).
    """
    from brink.model import CrisisModel

    samples = check_samples(samples)
    seed = check_seed(seed)
    budget = _check_memory(memory)
    if lam is not None:  # only a registered solver that takes a lambda (qre, qbi) accepts one
        from brink.solvers.registry import check_solver

        check_solver(solver, lam)
    lever_items = tuple(sorted((levers or {}).items()))
    # one model for the whole run: in process its chunks keep the scenario's document (an
    # error found while evaluating names file:line:col); other processes rebuild it from
    # its pickle, the scenario's JSON (brink.model)
    model = CrisisModel(scenario, solver=solver, lam=lam, memory=budget)
    chunk, model.memory = _plan_chunks(model, dict(lever_items) or None, samples, chunk_size, budget)
    reduce = block_sums_and_samples if store is not None else block_sums
    tasks = [
        Chunk(model, a, min(a + chunk, samples), reduce, seed=seed, levers=lever_items or None)
        for a in range(0, samples, chunk)
    ]
    result = RunResult(scenario.name, samples, seed, solver, lam=lam)
    run_id = None
    if store is not None:
        parameters: dict[str, Any] = {"samples": samples, "solver": solver, "levers": dict(lever_items)}
        if lam is not None:
            parameters["lambda"] = lam
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
