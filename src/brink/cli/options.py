"""The options every command that runs a model shares, declared once.

Each option is a Typer ``Annotated`` alias; a command takes the ones that apply to it
(``run``, ``sweep``, ``sensitivity``, ``discover``, ``compare``, ``policies``,
``explain``, ``report``; ``info``, ``solve`` and ``export`` take the game options), so
the same name has the same meaning, default and help everywhere.  The helpers below turn
them into what the library takes: a run store, an executor, a chunk size, a memory
budget in bytes, a checked solver and lambda, and JSON output that parses.

``--solver`` reads the solver registry (:mod:`brink.solvers.registry`): its help lists
the registered solvers and an unknown name is refused with exit status 2 and the list.
``--chunk-size`` has one default, ``None``: the chunk size adapts to the memory budget
(``--memory``; see :func:`brink.runs.montecarlo.run`); it never changes the numbers.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from brink.limits import check_count, machine_memory
from brink.solvers.registry import SOLVERS, check_solver, solver_help

if TYPE_CHECKING:
    from brink.evaluation import Evaluator
    from brink.store import Store

__all__ = [
    "ChunkSizeOption",
    "ExecutorOption",
    "JsonOption",
    "LambdaOption",
    "MemoryOption",
    "NoStoreOption",
    "SamplesOption",
    "SchedulerOption",
    "SeedOption",
    "SetOption",
    "SolverOption",
    "StoreOption",
    "WorkersOption",
    "analysis_chunk",
    "check_count",
    "check_model_options",
    "echo_json",
    "machine_memory",
    "memory_bytes",
    "open_executor",
    "open_store",
]


def _lambda_help() -> str:
    takes = [f"{e.name} (default: {e.lambda_default})" for e in SOLVERS.values() if "lam" in e.parameters]
    return f"Logit precision of the solver {' or '.join(takes)}."


StoreOption = Annotated[
    Path | None,
    typer.Option(
        "--store",
        help="Run store (DuckDB file). Default: $BRINK_STORE, else ~/.local/share/brink/runs.duckdb.",
    ),
]
NoStoreOption = Annotated[bool, typer.Option("--no-store", help="Do not record the result.")]
ExecutorOption = Annotated[
    str,
    typer.Option(
        "--executor", help="Where the chunks run: local, processes or dask (the numbers do not change)."
    ),
]
WorkersOption = Annotated[
    int | None,
    typer.Option("--workers", help="Worker count for processes or dask (default: the cores available)."),
]
SchedulerOption = Annotated[
    str | None,
    typer.Option("--scheduler", help="Dask scheduler address (tcp://host:8786); with --executor dask."),
]
SeedOption = Annotated[int, typer.Option("--seed", help="Random seed.")]
SamplesOption = Annotated[
    int,
    typer.Option(
        "--samples",
        "-n",
        help="Monte Carlo samples (sensitivity: Sobol' base samples or Morris trajectories).",
    ),
]
ChunkSizeOption = Annotated[
    int | None,
    typer.Option(
        "--chunk-size",
        help="Samples per chunk (default: adapted to the memory budget, --memory; never changes the numbers).",
    ),
]
MemoryOption = Annotated[
    int | None,
    typer.Option(
        "--memory", help="Memory budget in MiB (default 512); chunks adapt to it.", min=64, max=2**20
    ),
]
SolverOption = Annotated[str, typer.Option("--solver", help=solver_help())]
LambdaOption = Annotated[float | None, typer.Option("--lambda", help=_lambda_help())]
SetOption = Annotated[
    list[str] | None, typer.Option("--set", help="Override PATH=VALUE (repeatable).")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]


def check_model_options(
    solver: str,
    lam: float | None = None,
    *,
    samples: int | None = None,
    seed: int | None = None,
    chunk_size: int | None = None,
) -> None:
    """Refuse bad shared options before anything runs (exit status 2 with a message).

    ``solver`` must be ``auto`` or registered (the message lists the names); ``--lambda``
    needs a solver that takes one, or ``auto`` on a template whose declared default takes
    one (:class:`brink.model.CrisisModel` refuses it where ``auto`` is spe).
    """
    from brink.errors import InputError
    from brink.scenario.random import check_samples, check_seed

    check_solver(solver, lam, auto_takes_lambda=True)  # the model refuses it where auto takes none
    if samples is not None:
        check_samples(samples)
    if seed is not None:
        check_seed(seed)
    if chunk_size is not None and chunk_size < 1:
        raise InputError(
            f"chunk size {chunk_size} is below 1", "--chunk-size", "use a positive chunk size"
        )


def memory_bytes(memory: int | None) -> int | None:
    """``--memory`` (MiB) in bytes (``None``: the library's default budget).

    A budget larger than this machine's memory (:func:`machine_memory`) is refused: the
    chunks would follow it past what the machine holds and end in a ``MemoryError``.
    """
    if memory is None:
        return None
    from brink.errors import InputError

    largest = machine_memory() // 2**20
    if memory > largest:
        raise InputError(
            f"a budget of {memory:,} MiB is more than this machine's memory ({largest:,} MiB)",
            "--memory",
            f"Use at most --memory {largest}",
        )
    return memory * 2**20


def open_store(path: Path | str | None, no_store: bool = False) -> Store | None:
    """The run store of ``--store`` (default: ``$BRINK_STORE`` or the user's), ``None`` with ``--no-store``."""
    if no_store:
        return None
    from brink.store import Store, default_store_path

    return Store(Path(path) if path is not None else default_store_path())


@contextmanager
def open_executor(name: str, scheduler: str | None, workers: int | None) -> Iterator[Any]:
    """The executor of ``--executor`` (closed on exit); ``None`` for ``local`` (in process).

    Chunks run as tasks on local processes or a Dask cluster and come back in order, so
    every executor gives the same numbers.
    """
    from brink.executors import get_executor

    with get_executor(name, scheduler=scheduler, workers=workers) as ex:
        yield None if name == "local" else ex


def analysis_chunk(evaluator: Evaluator, chunk_size: int | None) -> int:
    """Model runs per task of an analysis: ``--chunk-size``, or adapted to the memory budget.

    For a scenario model the default is the chunk :func:`brink.runs.montecarlo.run` would
    choose (at most :data:`brink.runs.montecarlo.DEFAULT_CHUNK_SIZE`, fewer if the model's
    budget needs), so ``--chunk-size`` means the same in every command; other evaluators
    get :data:`brink.analysis.experiments.DEFAULT_CHUNK`.  Never changes the numbers.
    """
    from brink.model import CrisisModel

    if not isinstance(evaluator, CrisisModel):
        from brink.analysis.experiments import DEFAULT_CHUNK

        return DEFAULT_CHUNK if chunk_size is None else chunk_size
    from brink.runs.montecarlo import MAX_CHUNK_SIZE, _plan_chunks

    chunk, evaluator.memory = _plan_chunks(evaluator, None, MAX_CHUNK_SIZE, chunk_size, evaluator.memory)
    return chunk


def _strict(value: Any) -> Any:
    """NaN and infinities as ``null``, so that the output is strict JSON."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(k): _strict(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_strict(v) for v in value]
    return value


def echo_json(data: Any) -> None:
    """Print ``data`` as strict JSON (numpy values as numbers; non-finite numbers as ``null``)."""
    from brink.store import json_default

    typer.echo(json.dumps(_strict(json.loads(json.dumps(data, default=json_default))), indent=2))
