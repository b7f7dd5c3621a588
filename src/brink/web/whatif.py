"""Live what-if: re-solve one fixed draw of samples under changed ranges and levers.

A what-if holds the uniforms of a run (``uniforms(seed, name, 0, n)`` for every uncertain
parameter, :mod:`brink.scenario.random`) and maps them through each parameter's quantile
function again at every change, so a change of setting is compared on common random
numbers (Law & Kelton 2000, §11.2): the difference between two redraws is the effect of
the change, not of new noise.  With no change the numbers are those of ``brink run`` with
the same seed and sample count.

Restricting an uncertainty to ``[low, high]`` conditions its distribution on that range:
sample ``i``'s uniform ``u_i`` goes to ``F^-1(F(low) + u_i (F(high) - F(low)))``, which
is the inverse-CDF draw of the truncated distribution, so every sample keeps its rank
(``F``, the CDF, is found by bisection on the quantile function, which every
:class:`~brink.scenario.distributions.Distribution` has).  ``low == high`` pins it.  A
lever takes one of its listed options (:meth:`brink.model.CrisisModel.evaluate`).

The samples are solved in pieces of :data:`PIECE`, on the threads of a pool when one is
given: the solvers' numba kernels release the GIL, and every piece is solved alone and put
back in sample order, so the numbers do not depend on the number of threads.  Up to
:data:`MEMO_SAMPLES` samples, the post-war games of the last two settings are kept
(:mod:`brink.aftermath.memo`): moving a crisis parameter then re-solves the crisis alone,
with the same numbers.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

import numpy as np

from brink.aftermath.memo import Memo, memoized
from brink.analysis.intervals import mean_interval
from brink.arrays import FloatArray
from brink.errors import InputError
from brink.evaluation import Evaluation, concatenate, decision_players, decisions
from brink.model import CrisisModel
from brink.scenario.distributions import Distribution
from brink.scenario.random import BLOCK, uniforms

__all__ = [
    "MEMO_SAMPLES", "PIECE", "TAIL", "Control", "WhatIf", "WhatIfResult", "check_levers", "path_in_words", "quantile_of",
]

#: Quantiles at which a slider stops when the support is unbounded or only approached (0.1% each tail).
TAIL = 0.001
#: An end of the support closer than this share of the central 99.8% to its 0.1% quantile is the slider's end.
NEAR_END = 0.01
#: Bisection steps of :func:`quantile_of` (2**-60 of the unit interval: below a double's resolution).
_BISECTIONS = 60
#: Samples of one piece: the unit of work of a thread and of the time-limit check.
PIECE = BLOCK
#: Most samples of a what-if that keeps its post-war games between changes (two draws' worth,
#: about 50 MB at this size on ``ukraine-2022``; larger draws solve them again).
MEMO_SAMPLES = 20_000


def quantile_of(dist: Distribution, value: float) -> float:
    """``F(value)``: the largest ``q`` in [0, 1] with ``ppf(q) <= value``, by bisection.

    The quantile function is non-decreasing, so bisection converges for any distribution,
    discrete ones included (where it returns the top of the step that holds ``value``).
    """
    lo, hi = 0.0, 1.0
    for _ in range(_BISECTIONS):
        if hi - lo <= 0.0:
            break
        mid = 0.5 * (lo + hi)
        if float(dist.ppf(np.array([mid]))[0]) <= value:
            lo = mid
        else:
            hi = mid
    return lo


def path_in_words(label: str, players: Mapping[str, tuple[str, ...]]) -> list[str]:
    """A " > "-joined path as one phrase per step: "RUS (challenger) chooses X", "nature draws Y"
    (the movers from :func:`brink.analysis.explain.players_of`; the bare steps if it has none)."""
    steps = label.split(" > ")
    who = players.get(label, ())
    if not who:
        return steps
    return [f"{w} chooses {s}" if w and w != "nature" else f"nature draws {s}" for w, s in zip(who, steps, strict=False)]


@dataclass(frozen=True)
class Control:
    """One slider or menu of a what-if: an uncertainty's range or a lever's options."""

    name: str
    kind: str
    low: float = math.nan
    high: float = math.nan
    central: float = math.nan
    spec: str = ""
    options: tuple[Any, ...] = ()
    default: Any = None

    def to_json(self) -> dict[str, Any]:
        if self.kind == "lever":
            return {"name": self.name, "kind": self.kind, "options": list(self.options), "default": self.default}
        return {
            "name": self.name, "kind": self.kind, "low": self.low, "high": self.high,
            "central": self.central, "spec": self.spec,
            "step": (self.high - self.low) / 100 if self.high > self.low else 0.0,
        }


def check_levers(model: CrisisModel, levers: Mapping[str, Any]) -> None:
    """Refuse a lever the scenario does not have or a value that is not one of its options.

    Shared by the what-if and the game tree (and anything else that applies levers from a
    request): a value is accepted only if it equals a listed option, so NaN (equal to
    nothing) and any number between options are refused before a game is built.
    """
    for name, value in levers.items():
        options = model.levers.get(name)
        if options is None:
            raise InputError(f"{name!r} is not a lever of {model.name}", "levers",
                             "use one of: " + (", ".join(model.levers) or "(none)"))
        if (isinstance(value, float) and not math.isfinite(value)) or value not in tuple(options):
            raise InputError(f"{value!r} is not an option of lever {name}", f"levers.{name}",
                             "choose one of: " + ", ".join(map(str, options)))


@dataclass
class WhatIfResult:
    """Outcomes (probability with 95% interval), metrics and modal paths of one what-if."""

    samples: int
    failed: int
    outcomes: dict[str, tuple[float, float, float]]
    metrics: dict[str, tuple[float, float, float]]
    paths: list[dict[str, Any]]
    seconds: float

    def to_json(self) -> dict[str, Any]:
        def triple(t: tuple[float, float, float]) -> dict[str, float | None]:
            return {k: (v if math.isfinite(v) else None) for k, v in zip(("mean", "low", "high"), t, strict=True)}

        return {
            "samples": self.samples,
            "failed": self.failed,
            "outcomes": {k: triple(v) for k, v in self.outcomes.items()},
            "metrics": {k: triple(v) for k, v in self.metrics.items()},
            "paths": self.paths,
            "seconds": self.seconds,
        }


class WhatIf:
    """A scenario's model and a fixed draw of ``samples`` uniforms under ``seed``."""

    def __init__(self, model: CrisisModel, samples: int, seed: int) -> None:
        self.model = model
        self.samples = samples
        self.seed = seed
        dists = model.scenario.parameters.distributions
        self._dists = {k: dists[k] for k in model.uncertainties}
        self._u = {k: uniforms(seed, k, 0, samples) for k, d in self._dists.items() if not d.is_fixed}
        self._players: dict[str, tuple[str, ...]] | None = None
        #: The post-war games of the last two settings (:mod:`brink.aftermath.memo`), up to
        #: :data:`MEMO_SAMPLES`: a change that leaves their inputs alone re-solves the crisis only.
        self.memo: Memo | None = None
        if samples <= MEMO_SAMPLES:
            per_piece = -(-min(PIECE, samples) // max(1, model.footprint().piece(model.memory)))
            self.memo = Memo(2 * per_piece * -(-samples // PIECE))

    def controls(self) -> list[Control]:
        """A control per uncertain parameter and per lever (its options, and as default the
        scenario's own setting if it is one of them).

        An uncertainty's slider spans its support, except that an end the distribution only
        approaches in a tail (unbounded, or farther than :data:`NEAR_END` of the central
        range from the :data:`TAIL` quantile, such as a lognormal's 0) is cut at that quantile.
        """
        out = []
        for name, d in self._dists.items():
            lo, hi = d.bounds
            q_lo, q_hi = (float(x) for x in d.ppf(np.array([TAIL, 1 - TAIL])))
            spread = q_hi - q_lo
            # an end of the support is kept only where the distribution reaches it (a uniform's
            # ends), not where it is approached in a long tail (a lognormal's 0: often invalid)
            if not math.isfinite(lo) or q_lo - lo > NEAR_END * spread:
                lo = q_lo
            if not math.isfinite(hi) or hi - q_hi > NEAR_END * spread:
                hi = q_hi
            out.append(Control(name, "uncertainty", float(lo), float(hi), d.central, d.spec))
        for name, options in self.model.levers.items():
            opts = tuple(options)
            out.append(Control(name, "lever", options=opts, default=self._written(name, opts)))
        return out

    def _written(self, path: str, options: tuple[Any, ...]) -> Any:
        """The scenario's own setting at ``path`` when it is one of the lever's options, else ``None``
        (the scenario draws it, or sets a value the lever does not list)."""
        node: Any = self.model.scenario.model_dump(mode="json", exclude={"source"})
        for key in path.split("."):
            if not isinstance(node, dict) or key not in node:
                return None
            node = node[key]
        return node if node in options else None

    def parameters(self, ranges: Mapping[str, tuple[float, float]]) -> dict[str, FloatArray]:
        """Every uncertain parameter's samples with the given ``name -> (low, high)`` ranges applied."""
        params: dict[str, FloatArray] = {}
        for name, d in self._dists.items():
            if name not in ranges:
                params[name] = d.ppf(self._u[name]) if name in self._u else np.full(self.samples, d.central)
                continue
            low, high = ranges[name]
            if low == high:
                params[name] = np.full(self.samples, float(low))
                continue
            qa, qb = quantile_of(d, low), quantile_of(d, high)
            u = self._u.get(name, np.full(self.samples, 0.5))
            params[name] = np.clip(d.ppf(qa + u * (qb - qa)), low, high)
        return params

    def check(self, ranges: Mapping[str, tuple[float, float]], levers: Mapping[str, Any]) -> None:
        """Refuse a range or lever that the scenario does not have, or that is out of bounds."""
        controls = self.controls()
        uncertain = {c.name: c for c in controls if c.kind == "uncertainty"}
        for name, (low, high) in ranges.items():
            if name not in uncertain:
                raise InputError(f"{name!r} is not an uncertain parameter of {self.model.name}", "ranges",
                                 "use one of: " + ", ".join(self._dists))
            if not (math.isfinite(low) and math.isfinite(high)) or low > high:
                raise InputError(f"range [{low}, {high}] of {name} is not an interval", f"ranges.{name}",
                                 "give [low, high] with low <= high")
            lo, hi = self._dists[name].bounds
            if low < lo or high > hi:
                raise InputError(f"range [{low:g}, {high:g}] of {name} leaves its support [{lo:g}, {hi:g}]",
                                 f"ranges.{name}", "give a range inside the support")
        check_levers(self.model, levers)

    def evaluate(
        self,
        ranges: Mapping[str, tuple[float, float]] | None = None,
        levers: Mapping[str, Any] | None = None,
        *,
        deadline: float | None = None,
        pool: Executor | None = None,
        first: int | None = None,
    ) -> WhatIfResult:
        """The outcomes of the fixed draw under ``ranges`` and ``levers`` (of its ``first`` samples
        only, when given: a quick preliminary answer on the same draw).

        Solved in pieces of :data:`PIECE` samples, on the threads of ``pool`` if given; past
        ``deadline`` (a :func:`time.monotonic` value) no further piece starts and the
        evaluation ends with an :class:`InputError`.
        """
        ranges, levers = dict(ranges or {}), dict(levers or {})
        self.check(ranges, levers)
        start = time.perf_counter()
        n = self.samples if first is None else max(1, min(int(first), self.samples))
        params = {k: v[:n] for k, v in self.parameters(ranges).items()}

        def solve(a: int) -> Evaluation:
            if deadline is not None and time.monotonic() > deadline:
                raise InputError(
                    f"the what-if of {self.samples:,} samples ran past its time limit",
                    "what-if", "use fewer samples, or raise the limit with brink serve --time-limit",
                )
            b = min(n, a + PIECE)
            with memoized(self.memo):
                return self.model.evaluate({k: v[a:b] for k, v in params.items()}, levers or None)

        starts = range(0, n, PIECE)
        # every piece goes through the pool when there is one, so its threads bound the memory in use
        pieces = list(pool.map(solve, starts)) if pool is not None else [solve(a) for a in starts]
        ev = pieces[0] if len(pieces) == 1 else concatenate(pieces)
        return self._summarise(ev, time.perf_counter() - start)

    def _summarise(self, ev: Evaluation, seconds: float) -> WhatIfResult:
        failed = np.asarray(ev.failed, dtype=bool)
        ok = ~failed

        def summary(values: FloatArray, bounds: tuple[float, float] | None) -> tuple[float, float, float]:
            v = np.asarray(values, dtype=np.float64)[ok]
            if v.size == 0:
                return (math.nan, math.nan, math.nan)
            i = mean_interval(v, bounds=bounds)
            return (float(i.mean), float(i.low), float(i.high))

        outcomes = {k: summary(v, (0.0, 1.0)) for k, v in ev.outcomes.items()}
        metrics = {k: summary(v, None) for k, v in ev.metrics.items()}
        paths: list[dict[str, Any]] = []
        ev = decisions(ev)  # the modal path as brink run defines it: nature's draws folded
        if ev.path_labels and ok.any():
            counts = np.bincount(ev.paths[ok & (ev.paths >= 0)], minlength=len(ev.path_labels))
            players = decision_players(self.players())
            for idx in np.argsort(-counts, kind="stable")[:5]:
                if counts[idx] == 0:
                    break
                label = ev.path_labels[int(idx)]
                paths.append({"path": label, "share": float(counts[idx] / ok.sum()),
                              "words": path_in_words(label, players)})
        return WhatIfResult(int(failed.shape[0]), int(failed.sum()), outcomes, metrics, paths, seconds)

    def players(self) -> dict[str, tuple[str, ...]]:
        """Who moves at each step of every path (:func:`brink.analysis.explain.players_of`)."""
        if self._players is None:
            from brink.analysis.explain import players_of

            self._players = players_of(self.model, self.parameters({}))
        return self._players
