"""Runs of a scenario: one Monte Carlo run, and sweeps of runs over its settings.

:mod:`brink.runs.montecarlo` runs a scenario over ``N`` samples, chunked and
chunk-size-invariant; :mod:`brink.runs.sweep` runs it at every point of a designed
experiment (a grid and/or a Latin hypercube; McKay, Beckman & Conover 1979), each point
a full Monte Carlo run with common random numbers (Law & Kelton 2000, §11.2).  Both
hand their work to an executor (:mod:`brink.executors`) as
:class:`~brink.executors.chunk.Chunk` tasks.
"""

from __future__ import annotations

from brink.runs.montecarlo import (
    DEFAULT_CHUNK_SIZE,
    MAX_CHUNK_SIZE,
    ChunkResult,
    RunResult,
    block_sums,
    block_sums_and_samples,
    run,
)
from brink.runs.sweep import (
    Design,
    PointOutcome,
    PointSpec,
    SampleSink,
    SimulationPoints,
    Simulator,
    SweepError,
    SweepResult,
    design_from_options,
    grid_design,
    lhs_design,
    load_sweep,
    run_sweep,
    scenario_source,
    write_results,
)

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "MAX_CHUNK_SIZE",
    "ChunkResult",
    "Design",
    "PointOutcome",
    "PointSpec",
    "RunResult",
    "SampleSink",
    "SimulationPoints",
    "Simulator",
    "SweepError",
    "SweepResult",
    "block_sums",
    "block_sums_and_samples",
    "design_from_options",
    "grid_design",
    "lhs_design",
    "load_sweep",
    "run",
    "run_sweep",
    "scenario_source",
    "write_results",
]
