"""Parameter sweeps: designed experiments over a scenario's settings, each point a full run.

A sweep varies scenario settings (dotted ``--set`` paths such as
``doctrines.NATO.interest_in_response.norm``) over a *design*:

* a full factorial grid (``--grid path=v1,v2,...``; every combination), and/or
* a Latin hypercube (McKay, Beckman & Conover 1979) of ``N`` points over ranges
  (``--lhs N path=lo:hi ...``), drawn with :class:`scipy.stats.qmc.LatinHypercube`
  from the sweep's seed; given both, every grid cell gets the same ``N`` LHS points.

Each point is a complete Monte Carlo run of the scenario with those settings, stored as
its own run (kind ``run``, ``parent_id`` = the sweep) under one sweep record (kind
``sweep``).  All points use the same seed: common random numbers (Law & Kelton 2000,
§11.2), so differences between points are effects of the settings, not of different
draws.  A point that raises is retried, then reported with its settings; it is never
dropped silently.  A sweep is identified by the hash of its design (scenario text, design
points, samples, seed, version); running the same sweep again resumes the unfinished one,
recomputing only the points that are not complete.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
from numpy.typing import NDArray

from brink.errors import BrinkError, InputError, RunInterrupted
from brink.executors import Executor
from brink.store import Store

if TYPE_CHECKING:
    import xarray as xr

__all__ = [
    "Design",
    "PointOutcome",
    "PointSpec",
    "SampleSink",
    "SimulationPoints",
    "Simulator",
    "SweepError",
    "SweepResult",
    "design_from_options",
    "grid_design",
    "lhs_design",
    "load_sweep",
    "run_sweep",
    "scenario_source",
    "write_results",
]


class SweepError(BrinkError):
    """Some points of a sweep failed after their retries (the others are stored).

    ``result`` holds every point that did complete, so that their table can still be
    written.
    """

    def __init__(self, message: str, result: SweepResult) -> None:
        super().__init__(message)
        self.result = result


@dataclass(frozen=True)
class Design:
    """The points of a sweep: ``points[i]`` maps each factor (dotted path) to its value.

    Values are kept as the text passed to ``--set path=value`` (numbers from a Latin
    hypercube are written with ``repr``, which round-trips a float exactly).
    """

    factors: tuple[str, ...]
    points: tuple[dict[str, str], ...]
    method: str

    def __len__(self) -> int:
        return len(self.points)

    def overrides(self, index: int) -> list[str]:
        """``path=value`` overrides of point ``index``."""
        return [f"{k}={v}" for k, v in self.points[index].items()]

    def to_dict(self) -> dict[str, Any]:
        return {"method": self.method, "factors": list(self.factors), "points": list(self.points)}


def _split(spec: str, option: str, example: str) -> tuple[str, str]:
    path, sep, values = spec.partition("=")
    path, values = path.strip(), values.strip()
    if not sep or not path or not values:
        raise InputError(f"cannot read {spec!r}", option, f"Write it as {example}")
    return path, values


#: The most points a sweep design may have: each point is a full run, stored as its own
#: record, so a design is counted (never built) and refused above this or above what this
#: machine's memory holds (:func:`check_design_points`).
MAX_POINTS = 1_000_000

#: Memory one design point takes per factor while the design is held (its text, the dict).
_POINT_BYTES = 512


def check_design_points(count: int, factors: int, option: str) -> int:
    """Refuse a design of ``count`` points (``factors`` each) that exceeds :data:`MAX_POINTS`
    or this machine's memory, naming ``option`` and the largest count that fits."""
    from brink.limits import check_count

    return check_count(
        count, option, maximum=MAX_POINTS, bytes_each=_POINT_BYTES * (factors + 1),
        what="design points",
    )


def _grid_levels(specs: Sequence[str]) -> tuple[list[str], list[list[str]]]:
    """The factors and the levels of each of ``path=v1,v2,...`` specs, checked."""
    factors: list[str] = []
    levels: list[list[str]] = []
    for spec in specs:
        path, values = _split(spec, "--grid", "path=v1,v2,... e.g. costs.conventional_war=0.1,0.2,0.4")
        if path in factors:
            raise InputError(f"factor {path!r} is given twice", "--grid", "Give each path once")
        items = [v.strip() for v in values.split(",")]
        if any(not v for v in items):
            raise InputError(
                f"empty value in {spec!r}", "--grid", "Separate values by single commas"
            )
        factors.append(path)
        levels.append(items)
    return factors, levels


def grid_design(specs: Sequence[str]) -> Design:
    """Full factorial design from ``path=v1,v2,...`` specs (last factor varies fastest).

    The product of the level counts is checked (:func:`check_design_points`) before any
    point is built.
    """
    factors, levels = _grid_levels(specs)
    check_design_points(math.prod(len(v) for v in levels), len(factors), "--grid")
    points = tuple(dict(zip(factors, combo, strict=True)) for combo in itertools.product(*levels))
    return Design(tuple(factors), points, "grid")


def _parse_range(spec: str) -> tuple[str, float, float]:
    path, values = _split(spec, "--lhs", "path=lo:hi e.g. costs.conventional_war=0.05:0.5")
    lo_text, sep, hi_text = values.partition(":")
    try:
        lo, hi = float(lo_text), float(hi_text)
    except ValueError:
        lo = hi = math.nan
    if not sep or not (math.isfinite(lo) and math.isfinite(hi)) or not lo < hi:
        raise InputError(
            f"cannot read the range {values!r} of {path!r}",
            "--lhs",
            "Write path=lo:hi with numbers lo < hi",
        )
    return path, lo, hi


def lhs_design(n: int, specs: Sequence[str], seed: int) -> Design:
    """``n``-point Latin hypercube over ``path=lo:hi`` ranges, reproducible from ``seed``."""
    from scipy.stats import qmc

    if n < 1:
        raise InputError(
            f"the Latin hypercube needs at least 1 point, got {n}", "--lhs", "Give N >= 1"
        )
    ranges = [_parse_range(s) for s in specs]
    if not ranges:
        raise InputError(
            "--lhs N needs at least one path=lo:hi range",
            "--lhs",
            "e.g. --lhs 20 costs.conventional_war=0.05:0.5",
        )
    factors = [r[0] for r in ranges]
    if len(set(factors)) != len(factors):
        raise InputError("a factor is given twice", "--lhs", "Give each path once")
    check_design_points(n, len(factors), "--lhs")
    unit = qmc.LatinHypercube(d=len(ranges), seed=np.random.default_rng(seed)).random(n)
    lows = np.array([r[1] for r in ranges])
    highs = np.array([r[2] for r in ranges])
    values = qmc.scale(unit, lows, highs)
    points = tuple({f: repr(float(v)) for f, v in zip(factors, row, strict=True)} for row in values)
    return Design(tuple(factors), points, "lhs")


def design_from_options(grid: Sequence[str], lhs: Sequence[str], seed: int) -> Design:
    """The design of ``--grid`` specs and ``--lhs N spec...`` (grid x LHS when both)."""
    lhs_points: Design | None = None
    if lhs:
        try:
            n = int(lhs[0])
        except ValueError:
            raise InputError(
                f"--lhs starts with the number of points, got {lhs[0]!r}",
                "--lhs",
                "e.g. --lhs 20 costs.conventional_war=0.05:0.5",
            ) from None
        if grid:
            factors, levels = _grid_levels(grid)
            cells = math.prod(len(v) for v in levels)
            check_design_points(cells, len(factors), "--grid")
            check_design_points(
                cells * max(n, 1), len(factors) + max(len(lhs) - 1, 1), "--grid x --lhs"
            )
        lhs_points = lhs_design(n, lhs[1:], seed)
    grid_points = grid_design(grid) if grid else None
    if grid_points is None and lhs_points is None:
        raise InputError(
            "a sweep needs a design",
            "brink sweep",
            "Give --grid path=v1,v2 and/or --lhs N path=lo:hi",
        )
    if grid_points is None:
        assert lhs_points is not None
        return lhs_points
    if lhs_points is None:
        return grid_points
    clash = set(grid_points.factors) & set(lhs_points.factors)
    if clash:
        raise InputError(
            f"{sorted(clash)} in both --grid and --lhs",
            "brink sweep",
            "Vary each path in one design",
        )
    points = tuple({**g, **h} for g in grid_points.points for h in lhs_points.points)
    return Design(grid_points.factors + lhs_points.factors, points, "grid x lhs")


@dataclass(frozen=True)
class PointSpec:
    """What one sweep point computes: a whole run of the scenario with its overrides.

    A point is not an executor task: it is the unit the sweep stores, retries and reports
    (one run each), computed in the caller by a :class:`Simulator`.  The real simulator
    (:class:`SimulationPoints`) cuts the point's run into
    :class:`~brink.executors.chunk.Chunk` tasks, the one task type every executor runs.
    """

    scenario: str
    overrides: tuple[str, ...]
    samples: int
    seed: int
    index: int
    settings: dict[str, str]

    def describe(self) -> str:
        return f"point {self.index}: " + ", ".join(f"{k}={v}" for k, v in self.settings.items())


@dataclass(frozen=True)
class PointOutcome:
    """A point's results: a JSON summary and, optionally, per-sample columns to store."""

    summary: dict[str, Any]
    samples: dict[str, NDArray[Any]] = field(default_factory=dict)


#: Where a simulator streams a point's per-sample columns: ``sink(offset, columns)``.
SampleSink = Callable[[int, Mapping[str, NDArray[Any]]], None]


class Simulator(Protocol):
    """Computes one point: a full Monte Carlo run of the scenario with its overrides.

    Per-sample columns go to ``sink`` chunk by chunk (memory stays bounded by the
    chunk), or may be returned in :attr:`PointOutcome.samples` when small.
    """

    def __call__(self, spec: PointSpec, sink: SampleSink) -> PointOutcome: ...


@dataclass
class SweepResult:
    """A finished (or partly failed) sweep: one row per point."""

    sweep_id: str
    design: Design
    run_ids: list[str | None]
    summaries: list[dict[str, Any] | None]
    failures: dict[int, str]
    computed: list[int]
    resumed: bool

    def table(self) -> dict[str, NDArray[Any]]:
        """Columns ``point, status, run_id``, the factors and the numeric summary entries."""
        n = len(self.design)
        cols: dict[str, NDArray[Any]] = {
            "point": np.arange(n, dtype=np.int64),
            "status": np.array(["failed" if i in self.failures else "complete" for i in range(n)]),
            "run_id": np.array([r or "" for r in self.run_ids]),
        }
        for factor in self.design.factors:
            texts = [p[factor] for p in self.design.points]
            try:
                cols[factor] = np.array([float(t) for t in texts])
            except ValueError:
                cols[factor] = np.array(texts)
        flat = [_numeric_leaves(s or {}) for s in self.summaries]
        keys = sorted({k for f in flat for k in f} - set(cols))
        for key in keys:
            cols[key] = np.array([f.get(key, math.nan) for f in flat], dtype=np.float64)
        return cols


    def to_xarray(self) -> xr.Dataset:
        """The sweep as an :class:`xarray.Dataset` over its design points (dimension ``point``).

        One variable per outcome and per metric, of dimensions ``(point, stat)`` with
        ``stat`` = ``mean``, ``low``, ``high``: the point's estimate (an outcome's
        probability, a metric's mean) and its 95% interval (:mod:`brink.runs.montecarlo`);
        NaN at a point that failed.  A metric named like an outcome is ``metric:NAME``.
        Each factor is a coordinate along ``point`` (numbers where every level is one), as
        are ``run_id`` and ``status``.  Because every point uses the sweep's seed (common
        random numbers, Law & Kelton 2000), differences along ``point`` are effects of the
        settings.
        """
        import xarray as xr

        n = len(self.design)
        coords: dict[str, Any] = {"point": np.arange(n, dtype=np.int64), "stat": ["mean", "low", "high"]}
        for factor in self.design.factors:
            texts = [p[factor] for p in self.design.points]
            try:
                coords[factor] = ("point", np.array([float(t) for t in texts]))
            except ValueError:
                coords[factor] = ("point", np.array(texts, dtype=np.str_))
        coords["run_id"] = ("point", np.array([r or "" for r in self.run_ids], dtype=np.str_))
        coords["status"] = (
            "point", np.array(["failed" if i in self.failures else "complete" for i in range(n)], dtype=np.str_)
        )
        found: dict[str, tuple[str, str, str]] = {}  # variable -> (group, name, estimate key)
        for summary in self.summaries:
            for group, estimate in (("outcomes", "p"), ("metrics", "mean")):
                for name in (summary or {}).get(group, {}):
                    taken = found.get(name)
                    if taken is not None and taken[0] == group:
                        continue
                    var = name if taken is None and name not in coords else f"{group[:-1]}:{name}"
                    if var not in found:
                        found[var] = (group, name, estimate)
        data: dict[str, Any] = {}
        for var, (group, name, estimate) in found.items():
            values = np.full((n, 3), np.nan)
            for i, summary in enumerate(self.summaries):
                if i in self.failures:
                    continue
                entry = (summary or {}).get(group, {}).get(name)
                if not entry:
                    continue
                ci = entry.get("ci95") or [None, None]
                values[i] = [_float(entry.get(estimate)), _float(ci[0]), _float(ci[1])]
            data[var] = xr.Variable(("point", "stat"), values, attrs={"role": group[:-1], "name": name})
        attrs = {"sweep_id": self.sweep_id, "method": self.design.method, "factors": list(self.design.factors)}
        return xr.Dataset(data, coords=coords, attrs=attrs)


def _float(value: Any) -> float:
    return math.nan if value is None else float(value)


def _numeric_leaves(value: Mapping[str, Any], prefix: str = "") -> dict[str, float]:
    out: dict[str, float] = {}
    for k, v in value.items():
        key = f"{prefix}.{k}" if prefix else str(k)
        if isinstance(v, Mapping):
            out.update(_numeric_leaves(v, key))
        elif isinstance(v, int | float):
            out[key] = float(v)
        elif v is None:
            out[key] = math.nan
        elif isinstance(v, list | tuple) and all(
            isinstance(x, int | float) or x is None for x in v
        ):
            out.update(_numeric_leaves({str(j): x for j, x in enumerate(v)}, key))
    return out


def design_hash(
    scenario_text: str, design: Design, samples: int, seed: int, version: str, base: Sequence[str]
) -> str:
    """SHA-256 identifying a sweep: same hash, same points, same numbers."""
    payload = json.dumps(
        {
            "scenario": hashlib.sha256(scenario_text.encode()).hexdigest(),
            "design": design.to_dict(),
            "samples": samples,
            "seed": seed,
            "version": version,
            "base": list(base),
        },
        sort_keys=True,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def run_sweep(
    store: Store,
    simulate: Simulator,
    *,
    scenario: str,
    scenario_name: str,
    scenario_text: str,
    design: Design,
    samples: int,
    seed: int,
    version: str,
    base_overrides: Sequence[str] = (),
    retries: int = 2,
    resume: str | None = None,
    fresh: bool = False,
    on_point: Callable[[int, str], None] | None = None,
) -> SweepResult:
    """Run (or resume) a sweep: each design point through ``simulate``, each stored as a run.

    Args:
        store: Where the sweep record and its point runs go.
        simulate: Computes one point (``brink.runs.montecarlo``'s runner, or a stand-in).
        scenario: Scenario name or path, passed on to ``simulate``.
        scenario_name, scenario_text: Recorded with each run (the text is hashed).
        design: The points (see :func:`design_from_options`).
        samples, seed: Monte Carlo samples per point, and the seed shared by all points.
        version: brink's version, recorded and part of the design hash.
        base_overrides: ``path=value`` settings applied to every point before the design's.
        retries: Extra attempts for a point that raises.
        resume: Id of the sweep to resume; by default an unfinished sweep with the same
            design hash is resumed.
        fresh: Start a new sweep even if an unfinished one matches.
        on_point: Called as ``on_point(index, status)`` after each point
            (``"complete"``, ``"reused"``, ``"failed"``), e.g. for a progress bar.

    Raises:
        SweepError: after all points ran, if some still failed (their settings and
            errors are in the message and in the sweep record's summary).
    """
    if retries < 0:
        raise InputError(f"retries must be >= 0, got {retries}", "--retries", "Give 0 or more")
    digest = design_hash(scenario_text, design, samples, seed, version, base_overrides)
    sweep_id = _find_sweep(store, digest, resume, fresh)
    resumed = sweep_id is not None
    parameters = {
        "design_hash": digest,
        "design": design.to_dict(),
        "samples": samples,
        "base_overrides": list(base_overrides),
        "retries": retries,
        "scenario": scenario,
    }
    if sweep_id is None:
        sweep_id = store.begin_run("sweep", scenario_name, scenario_text, seed, version, parameters)
    else:
        store.resume_run(sweep_id)

    done: dict[int, tuple[str, dict[str, Any]]] = {}
    for child in store.list_runs(parent_id=sweep_id):
        if child.status == "complete" and child.position is not None and child.position not in done:
            done[child.position] = (child.id, child.summary or {})

    n = len(design)
    run_ids: list[str | None] = [None] * n
    summaries: list[dict[str, Any] | None] = [None] * n
    failures: dict[int, str] = {}
    computed: list[int] = []
    try:
        for i in range(n):
            if i in done:
                run_ids[i], summaries[i] = done[i]
                if on_point is not None:
                    on_point(i, "reused")
                continue
            spec = PointSpec(
                scenario=scenario,
                overrides=(*base_overrides, *design.overrides(i)),
                samples=samples,
                seed=seed,
                index=i,
                settings=dict(design.points[i]),
            )
            outcome, child_id, error = _attempt(
                store, simulate, spec, sweep_id, scenario_name, scenario_text, version, retries
            )
            computed.append(i)
            run_ids[i] = child_id
            if error is None:
                assert outcome is not None
                summaries[i] = outcome.summary
            else:
                failures[i] = error
            if on_point is not None:
                on_point(i, "failed" if error is not None else "complete")
    except KeyboardInterrupt:
        store.interrupt_run(sweep_id)
        raise RunInterrupted(sweep_id, "sweep") from None

    result = SweepResult(sweep_id, design, run_ids, summaries, failures, computed, resumed)
    summary = {
        "points": n,
        "complete": n - len(failures),
        "failed": {str(i): {"settings": design.points[i], "error": e} for i, e in failures.items()},
        "runs": run_ids,
    }
    if failures:
        message = _failure_message(design, failures)
        store.fail_run(sweep_id, message, summary)
        raise SweepError(
            f"sweep {sweep_id}: {message}. Fix the cause, then rerun the same command to resume",
            result,
        )
    store.finish_run(sweep_id, summary)
    return result


def _failure_message(design: Design, failures: Mapping[int, str]) -> str:
    parts = [
        f"point {i} ({', '.join(f'{k}={v}' for k, v in design.points[i].items())}): {e}"
        for i, e in sorted(failures.items())
    ]
    return f"{len(failures)} of {len(design)} points failed: " + "; ".join(parts)


def _attempt(
    store: Store,
    simulate: Simulator,
    spec: PointSpec,
    sweep_id: str,
    scenario_name: str,
    scenario_text: str,
    version: str,
    retries: int,
) -> tuple[PointOutcome | None, str | None, str | None]:
    error: str | None = None
    child: str | None = None
    params = {
        "sweep": sweep_id,
        "point": spec.index,
        "settings": spec.settings,
        "overrides": list(spec.overrides),
        "samples": spec.samples,
    }
    for attempt in range(retries + 1):
        run_id = store.begin_run(
            "run",
            scenario_name,
            scenario_text,
            spec.seed,
            version,
            {**params, "attempt": attempt},
            parent_id=sweep_id,
            position=spec.index,
        )
        child = run_id

        def sink(offset: int, columns: Mapping[str, NDArray[Any]], run_id: str = run_id) -> None:
            store.add_samples(run_id, offset, columns)

        try:
            outcome = simulate(spec, sink)
            if outcome.samples:
                store.add_samples(run_id, 0, outcome.samples)
            store.finish_run(run_id, outcome.summary)
            return outcome, run_id, None
        except KeyboardInterrupt:
            store.interrupt_run(run_id)
            raise
        except Exception as exc:
            cause = getattr(exc, "cause", None)
            error = cause if isinstance(cause, str) else f"{type(exc).__name__}: {exc}"
            store.fail_run(run_id, f"attempt {attempt + 1} of {retries + 1}: {error}")
    return None, child, error


def _find_sweep(store: Store, digest: str, resume: str | None, fresh: bool) -> str | None:
    if resume is not None:
        record = store.get_run(resume)
        if record.kind != "sweep":
            raise InputError(
                f"run {record.id} is a {record.kind!r} run, not a sweep",
                "--resume",
                "Give the id of a sweep (see `brink runs list --kind sweep`)",
            )
        if record.parameters.get("design_hash") != digest:
            raise InputError(
                f"sweep {record.id} was run with another scenario, design, samples, seed or version",
                "--resume",
                "Repeat the sweep's original command (see `brink runs show ID`), or drop --resume",
            )
        if record.status == "running":
            raise InputError(
                f"sweep {record.id} is still running in another process",
                "--resume",
                "Wait for it to finish, or stop it first",
            )
        return record.id
    if fresh:
        return None
    for record in store.list_runs(kind="sweep"):
        if record.parameters.get("design_hash") == digest and record.status != "complete":
            if record.status == "running":
                continue
            return record.id
    return None


def load_sweep(store: Store, sweep_id: str) -> SweepResult:
    """A stored sweep's per-point results (complete points; failed ones as ``failures``)."""
    record = store.get_run(sweep_id)
    if record.kind != "sweep":
        raise InputError(
            f"run {record.id} is a {record.kind!r} run, not a sweep",
            str(store.path),
            "Give the id of a sweep (see `brink runs list --kind sweep`)",
        )
    raw = record.parameters.get("design", {})
    design = Design(
        tuple(raw.get("factors", [])), tuple(raw.get("points", [])), str(raw.get("method", ""))
    )
    n = len(design)
    run_ids: list[str | None] = [None] * n
    summaries: list[dict[str, Any] | None] = [None] * n
    failures: dict[int, str] = {}
    for child in sorted(store.list_runs(parent_id=record.id), key=lambda c: c.created):
        i = child.position
        if i is None or not 0 <= i < n or summaries[i] is not None:
            continue
        if child.status == "complete":
            run_ids[i], summaries[i] = child.id, child.summary or {}
            failures.pop(i, None)
        else:
            run_ids[i], failures[i] = child.id, child.message or child.status
    for i in range(n):
        if summaries[i] is None and i not in failures:
            failures[i] = "not run"
    return SweepResult(record.id, design, run_ids, summaries, failures, [], False)


def write_results(
    result: SweepResult, path: str | Path, format: str | None = None, *, parents: bool = False
) -> Path:
    """Write the per-point table (:meth:`SweepResult.table`) to Parquet or CSV.

    ``format`` is ``"parquet"`` or ``"csv"``; by default it follows the file's suffix.
    The file is written through :func:`brink.output.replacing` (atomic; special files and
    missing folders refused unless ``parents``).
    """
    import duckdb

    from brink.output import replacing

    target = Path(path).expanduser()
    csv = format == "csv" if format is not None else target.suffix.lower() == ".csv"
    fmt = "csv, HEADER true" if csv else "parquet"
    with replacing(target, parents=parents) as tmp:
        literal = "'" + str(tmp).replace("'", "''") + "'"
        con = duckdb.connect()
        try:
            con.register("sweep_points", result.table())
            con.execute(
                f"COPY (SELECT * FROM sweep_points ORDER BY point) TO {literal} (FORMAT {fmt})"
            )
        finally:
            con.close()
    return target


class _PointStore:
    """What :func:`brink.runs.montecarlo.run` sees as its store: the point's own run.

    The sweep has already recorded the point's run (with its sweep, position and
    settings); chunks are streamed into it, and the sweep itself finishes it.
    """

    def __init__(self, sink: SampleSink, run_id: str) -> None:
        self.sink = sink
        self.run_id = run_id

    def begin_run(self, *args: Any, **kwargs: Any) -> str:
        return self.run_id

    def add_samples(self, run_id: str, offset: int, columns: Mapping[str, NDArray[Any]]) -> None:
        self.sink(offset, columns)

    def finish_run(self, run_id: str, summary: Mapping[str, Any]) -> None:
        """The sweep marks the point complete once the simulator returns."""

    def fail_run(self, run_id: str, message: str) -> None:
        """The sweep records the failure (and retries)."""

    def interrupt_run(self, run_id: str) -> None:
        """The sweep marks the point (and itself) interrupted."""


class SimulationPoints:
    """The real simulator: each point is :func:`brink.runs.montecarlo.run` of the overridden scenario.

    Args:
        executor: Runs the Monte Carlo chunks of each point (``None``: in process).
        chunk_size: Samples per chunk (``None``: adapted to the memory budget, see
            :func:`brink.runs.montecarlo.run`).
        solver: ``auto``, ``spe`` or ``qre``.
        keep_samples: Store each point's per-sample parameters and outcomes.
        lam: QRE's logit precision (``solver="qre"`` only; ``None``: the limit).
        memory: Memory budget of each point's run in bytes (``None``: the default).
    """

    def __init__(
        self,
        executor: Executor | None = None,
        chunk_size: int | None = None,
        solver: str = "auto",
        keep_samples: bool = True,
        lam: float | None = None,
        memory: int | None = None,
    ) -> None:
        self.memory = memory
        self.executor = executor
        self.chunk_size = chunk_size
        self.solver = solver
        self.keep_samples = keep_samples
        self.lam = lam

    def check(self, scenario: str, design: Design, base: Sequence[str] = ()) -> None:
        """Load the scenario with every point's settings, so a bad path or value fails now.

        Each factor must name a setting the scenario has (a sweep over a misspelt path
        would otherwise vary nothing, or fail at every point); the error suggests the
        closest paths.
        """
        from brink.scenario import check_setting_path, load_scenario

        for i in range(len(design)):
            try:
                if i == 0:
                    sc = load_scenario(scenario, list(base))
                    for factor in design.factors:
                        check_setting_path(sc, factor, f"sweep factor {factor}")
                load_scenario(scenario, [*base, *design.overrides(i)])
            except InputError as exc:
                settings = ", ".join(design.overrides(i))
                raise InputError(
                    f"sweep point {i} ({settings}) is not a valid scenario: {exc}"
                ) from exc

    def __call__(self, spec: PointSpec, sink: SampleSink) -> PointOutcome:
        from brink.runs.montecarlo import run
        from brink.scenario import load_scenario

        scenario = load_scenario(spec.scenario, list(spec.overrides))
        result = run(
            scenario,
            spec.samples,
            spec.seed,
            chunk_size=self.chunk_size,
            solver=self.solver,
            executor=self.executor,
            store=_PointStore(sink, "point") if self.keep_samples else None,
            lam=self.lam,
            memory=self.memory,
        )
        return PointOutcome(summary=result.to_json())


def scenario_source(scenario: str) -> tuple[str, str]:
    """``(text, name)`` of a scenario file or bundled name, for the run record and its hash."""
    from brink.scenario import load_scenario, resolve_scenario_source
    from brink.scenario.document import read_document_text

    text = read_document_text(resolve_scenario_source(scenario))
    return text, load_scenario(scenario).name
