"""The crisis model as an :class:`brink.evaluation.Evaluator`: parameters in, outcome probabilities out.

``CrisisModel`` ties the chain scenario -> game -> solver -> outcomes together for
arrays of parameter draws: it compiles ONE game with a sample dimension, solves it for
all samples at once (backward induction, or agent QRE for the information-set version)
and reads outcome probabilities off the reach probabilities of the terminals.  Samples
whose parameters are not finite (e.g. an expression divided by zero) are flagged as
failed and carry NaN; they are never dropped.  Every evaluated parameter is held to its
range (:mod:`brink.scenario.ranges`): a value outside it is an :class:`~brink.errors.InputError`.
Levers (Kwakkel 2017) are scenario paths with options; a lever setting is applied as an
override of the scenario.

Memory.  Solving ``S`` samples at once takes memory in proportion to ``S`` times the
game's size (a full SPE solution holds values, reach, beliefs and a profile per node and
sample: about 3.3 MB per sample for the 30,402-node ``fearon-1995`` game).  The model
estimates the bytes one sample needs from the game's size before it allocates anything
(:class:`Footprint`) and evaluates the rows it is given in pieces that fit its memory
budget (:data:`MEMORY_BUDGET` unless given); per-sample results do not depend on the
pieces, so the numbers are the same for any budget.  A game of which one sample does not
fit is refused with a message naming its size.

Pickling.  A model pickles as its scenario's canonical JSON, source name, solver, lambda
and memory budget, never as its compiled expressions (which do not pickle); unpickling
rebuilds it once per process, from a cache keyed by the SHA-256 of that JSON (and the
solver, lambda, budget), so every chunk a worker receives reuses one model.  Every solver
and lambda thus runs on every executor (:mod:`brink.executors.chunk`).
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import pairwise
from typing import TYPE_CHECKING, Any

import numpy as np
from numba import njit
from numpy.typing import NDArray

from brink.arrays import FloatArray
from brink.builder import compile_game
from brink.errors import InputError
from brink.evaluation import PATH_SEPARATOR, TIE_SEPARATOR, Evaluation, concatenate
from brink.games import CHANCE
from brink.scenario import Scenario, scenario_from_data
from brink.scenario.ranges import UNBOUNDED, non_finite
from brink.solvers.registry import (
    AUTO,
    SOLVERS,
    SolverEntry,
    check_solver,
    resolve,
    template_default,
)
from brink.templates import get_template
from brink.templates.base import Information, Template

if TYPE_CHECKING:
    from brink.games import Game
    from brink.solvers.result import Solution

__all__ = ["MEMORY_BUDGET", "UNBOUNDED", "CrisisModel", "Footprint", "modal_paths", "with_ties"]


#: Default memory budget of one evaluation, in bytes: rows are solved in pieces whose
#: estimated working set (:class:`Footprint`) fits in it.
MEMORY_BUDGET = 512 * 2**20
#: Bytes per float in the estimate of a solver's working set: 8 for the value, doubled
#: for the temporaries of building and solving (numpy's peak allocation per sample,
#: measured with tracemalloc: 2.5 MB for ``fearon-1995``, estimated 5.2 MB; 11 KB for
#: ``ukraine-2022``, estimated 41 KB; 102 KB under QRE, estimated 136 KB).
_BYTES_PER_FLOAT = 16
#: Outcomes and metrics per sample the estimate allows for besides the parameters.
_OUTPUTS = 256


@dataclass(frozen=True)
class Footprint:
    """Estimated memory of evaluating a scenario's game, before anything is allocated.

    Attributes:
        nodes, actions, players, parameters: The game's size and the scenario's numbers.
        solver: The solver the estimate is for.
        fixed: Bytes that do not grow with the samples (QRE's dense Newton matrices,
            about ``3 * 8 * actions**2``).  QRE also allocates ``8 * actions**2`` per sample.
        per_sample: Bytes one sample needs while a piece is solved: the game's payoffs
            and chance probabilities, the solution's values, reach, beliefs and profile,
            the template's own arrays, the parameters and the outcomes.
        per_row: Bytes each sample of a Monte Carlo chunk holds for the whole chunk: its
            draws, derived parameters, outcomes and stored columns.
    """

    nodes: int
    actions: int
    players: int
    parameters: int
    solver: str
    fixed: int
    per_sample: int
    per_row: int
    #: Bytes one sample needs on the template's fused path (:meth:`Template.fused_read_out
    #: <brink.templates.base.Template.fused_read_out>`, no game built), 0 where the model
    #: does not take it; :meth:`CrisisModel.evaluate` sizes its pieces by it.
    fused: int = 0

    def describe(self) -> str:
        """``30,402 nodes, 30,401 actions, 2 players, 31 numbers``."""
        return (
            f"{self.nodes:,} nodes, {self.actions:,} actions, {self.players} players, "
            f"{self.parameters:,} numbers"
        )

    def piece(self, budget: int) -> int:
        """Samples solved at once within ``budget`` bytes (0 if not even one fits)."""
        return max(0, (budget - self.fixed) // max(self.per_sample, 1))

    def evaluation_piece(self, budget: int) -> int:
        """Samples :meth:`CrisisModel.evaluate` solves at once: :meth:`piece`, or more on the fused path."""
        piece = self.piece(budget)
        return max(piece, (budget - self.fixed) // self.fused) if self.fused else piece

    def check(self, budget: int, scenario: str = "", total: int | None = None) -> int:
        """:meth:`piece`, refusing a game of which one sample does not fit in ``budget``.

        ``total`` is the whole budget when ``budget`` is what is left of it (for the message).
        """
        piece = self.piece(budget)
        if piece >= 1:
            return piece
        need = self.fixed + self.per_sample
        total = budget if total is None else total
        raise InputError(
            f"the game of scenario {scenario or '?'} ({self.describe()}) needs about {mib(need)} "
            f"to solve one sample with solver {self.solver}, over the memory budget of {mib(total)}",
            "--memory",
            f"raise the budget (--memory {-(-(need + total - budget) * 5 // 4 // 2**20)} or more, if the "
            "machine has it), "
            "or make the game smaller (fewer rungs, offers or types)"
            + _lean_solvers_hint(self.solver),
        )


def _lean_solvers_hint(solver: str) -> str:
    """``", or use the spe solver (--solver spe)"`` when ``solver`` needs dense matrices."""
    if solver == AUTO or not SOLVERS[solver].dense_memory:
        return ""
    lean = [e.name for e in SOLVERS.values() if not e.dense_memory]
    return f", or use the {' or '.join(lean)} solver (--solver {lean[0]})" if lean else ""


def mib(n: int) -> str:
    """``n`` bytes in MiB for messages (``"512 MiB"``, ``"1,234 MiB"``)."""
    return f"{-(-n // 2**20):,} MiB"


class CrisisModel:
    """A scenario as an Evaluator (uncertainties, levers, draw, ppf, evaluate)."""

    def __init__(
        self, scenario: Scenario, solver: str = "auto", lam: float | None = None, memory: int = MEMORY_BUDGET
    ) -> None:
        self.scenario = scenario
        caps = get_template(scenario.template).capabilities
        if lam is not None and not caps.default_solver:  # auto is spe here, which takes no lambda
            check_solver(solver, lam)
        #: The solver and lambda that run: ``"auto"`` resolved to the template's declared
        #: default where it has one (the escalation template: qbi at the lambda fitted on
        #: ICB), else kept as ``"auto"`` (the registry's rule, spe).
        self.solver, self.lam, self.auto = template_default(
            caps.default_solver, caps.default_lambda, check_solver(solver), lam
        )
        #: Memory budget of one evaluation, in bytes (see the module doc).
        self.memory = memory
        self._variants: dict[tuple[tuple[str, str], ...], Scenario] = {}
        self._footprints: dict[int, tuple[Scenario, Footprint]] = {}

    @property
    def name(self) -> str:
        return self.scenario.name

    @cached_property
    def scenario_json(self) -> str:
        """The scenario as canonical JSON (sorted keys, without its source): what a pickle ships."""
        return json.dumps(self.scenario.model_dump(mode="json", exclude={"source"}), sort_keys=True)

    @cached_property
    def _digest(self) -> str:
        return hashlib.sha256(self.scenario_json.encode()).hexdigest()

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle as data: ``(class, scenario JSON, its hash, source, solver, lambda, memory)``.

        The compiled expressions and caches stay behind; :func:`_shipped_model` rebuilds
        the model in the receiving process (once per process, see the module doc).
        """
        return (
            _shipped_model,
            (type(self), self._digest, self.scenario_json, self.scenario.source, self.solver, self.lam, self.memory),
        )

    @property
    def information(self) -> Information:
        """The version of the game the solver gets: with information sets for a solver
        that handles them (:mod:`brink.solvers.registry`), else perfect information
        (``auto`` included)."""
        return "imperfect" if self.solver != AUTO and SOLVERS[self.solver].information_sets else "perfect"

    @property
    def solver_entry(self) -> SolverEntry:
        """The registered solver of this model (``auto`` resolved for :attr:`information`)."""
        return resolve(self.solver, perfect_information=self.information == "perfect")

    @property
    def uncertainties(self) -> Sequence[str]:
        return self.scenario.parameters.uncertainties

    @property
    def levers(self) -> Mapping[str, Sequence[Any]]:
        return self.scenario.levers

    def draw(self, seed: int, start: int, stop: int) -> dict[str, FloatArray]:
        """Samples ``start..stop-1`` of every uncertain parameter (chunk-invariant)."""
        from brink.scenario.random import draw

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
            from brink.scenario.document import apply_overrides

            data = self.scenario.model_dump(mode="json", exclude={"source"})
            data = apply_overrides(data, [f"{p}={v}" for p, v in key])
            self._variants[key] = scenario_from_data(data, source=self.scenario.source)
        return (self._variants[key] if key else self.scenario), numeric

    def _prepare(
        self, params: Mapping[str, FloatArray], levers: Mapping[str, Any] | None, *, check: bool = True
    ) -> tuple[Scenario, dict[str, FloatArray], NDArray[np.bool_]]:
        """The lever variant, every parameter as an ``(S,)`` array, and the failed mask.

        Every finite value is held to its parameter's range (``check``; an
        :class:`InputError` names the first one outside it).  Failed samples (a
        non-finite parameter) get the central values, so the game of the whole chunk can
        still be built; their results are replaced by NaN afterwards.
        """
        sc, full, failed, _ = self._complete(params, levers, check=check)
        return sc, full, failed

    def _complete(
        self, params: Mapping[str, FloatArray], levers: Mapping[str, Any] | None, *, check: bool = True
    ) -> tuple[Scenario, dict[str, FloatArray], NDArray[np.bool_], str]:
        """:meth:`_prepare` and why the first failed sample failed (``""`` if none did)."""
        sc, numeric = self._variant(levers)
        P = sc.parameters
        n = len(next(iter(params.values()))) if params else 1
        base: dict[str, FloatArray] = {}
        for k, dist in P.distributions.items():
            base[k] = np.asarray(params[k], dtype=np.float64) if k in params else np.full(n, dist.central)
        for k, val in numeric.items():
            base[k] = np.full(n, val)
        full = P.derive(base, n)
        if check:
            P.check(full, {k: "a lever setting" for k in numeric})
        failed = np.zeros(n, dtype=bool)
        for key, arr in full.items():
            failed |= non_finite(key, arr)
        failure = ""
        if failed.any():
            failure = P.failure(full, failed)
            if failure:
                failure = f"the first parameter that is not a finite number: {failure}"
            centre = P.central()
            for k, arr in full.items():
                arr[failed] = centre[k][0] if not np.isnan(centre[k][0]) else 0.0
        return sc, full, failed, failure

    def footprint(self, levers: Mapping[str, Any] | None = None) -> Footprint:
        """The estimated memory of evaluating the scenario (with ``levers``), from its game's size.

        Builds the game of one sample at the central values (no solve) and counts: per
        sample, ``16 * (nodes * (players + 3) + 2 * actions + edges + 2 * outcomes * players)``
        bytes for the game and its solution, the template's own arrays
        (:meth:`brink.templates.base.Template.sample_bytes`) and the parameters and
        outcomes; for QRE also ``8 * (actions + 1)**2`` per sample (the derivative array
        its last evaluation allocates) and a fixed ``24 * (actions + 1)**2`` for its dense
        Newton matrices.  The estimate is an upper bound for the bundled scenarios (see
        ``tests/test_limits.py``).
        """
        sc, _ = self._variant(levers)
        hit = self._footprints.get(id(sc))
        if hit is not None and hit[0] is sc:
            return hit[1]
        _, full, _ = self._prepare({}, levers, check=False)
        information = self.information
        template = get_template(sc.template)
        g = compile_game(sc, full, information)
        actions = int(g.infoset_action_ptr[-1])
        floats = g.n_nodes * (g.n_players + 3) + 2 * actions + g.n_edges + 2 * g.n_outcomes * g.n_players
        n_params = len(sc.parameters.names)
        per_row = 8 * (4 * n_params + 2 * _OUTPUTS)
        square = 8 * (actions + 1) ** 2 if self.solver_entry.dense_memory else 0
        fp = Footprint(
            nodes=g.n_nodes,
            actions=actions,
            players=g.n_players,
            parameters=n_params,
            solver=self.solver,
            fixed=3 * square,
            per_sample=_BYTES_PER_FLOAT * floats + square + template.sample_bytes(sc) + per_row,
            per_row=per_row,
            fused=self._fused_bytes(template, sc, per_row),
        )
        self._footprints[id(sc)] = (sc, fp)
        return fp

    def _fused_bytes(self, template: Template, sc: Scenario, per_row: int) -> int:
        """Bytes per sample of the template's fused path under this model's solver, 0 if not taken."""
        entry = self.solver_entry
        if entry.terminal_reach is None or not template.capabilities.fused_read_out or self.information != "perfect":
            return 0
        own = template.fused_sample_bytes(sc, entry.name)
        return own + per_row if own else 0

    def _solve(self, sc: Scenario, full: Mapping[str, FloatArray], prepared: Any = None) -> tuple[Game, Solution]:
        game = compile_game(sc, full, self.information, prepared)
        return game, self.solver_entry(game, lam=self.lam)

    def game(self, params: Mapping[str, FloatArray], levers: Mapping[str, Any] | None = None) -> tuple[Game, Solution]:
        """The compiled game of the rows of ``params`` (with ``levers`` applied) and its solution.

        The game carries a sample dimension (``Game.sample(k)`` gives sample ``k``); the
        solver is the model's (SPE, or QRE on the information-set version).  Samples with
        non-finite parameters are solved at the central values; :meth:`evaluate` flags them.
        """
        sc, full, _ = self._prepare(params, levers)
        return self._solve(sc, full)

    def explain_terms(
        self, params: Mapping[str, FloatArray], levers: Mapping[str, Any] | None = None
    ) -> dict[str, FloatArray]:
        """Theoretical thresholds of each sample, for :func:`brink.analysis.explain.explain`.

        For the crisis template: ``credibility_threshold``, Zagare & Kilgour's (2000)
        ``(u(DC) - u(SQ)) / (u(DC) - u(DD))`` for the challenger's first nuclear rung
        (DC: its equilibrium value against a restrained defender, DD: against a resolute
        one, SQ: its best rung below the nuclear threshold), and ``credibility_margin``,
        that threshold minus the defender's prior resolve: the challenger prefers the
        nuclear rung to staying below it iff the margin is positive.  Both read off the
        subgame-perfect equilibrium of the perfect-information game.  Templates without
        such terms give ``{}``; failed samples are NaN.
        """
        sc, full, failed = self._prepare(params, levers)
        template = get_template(sc.template)
        if type(template).theory_terms is Template.theory_terms:
            return {}
        prepared = template.prepare(sc, full)
        solution = resolve(AUTO, perfect_information=True)(compile_game(sc, full, "perfect", prepared))
        terms = template.theory_terms(sc, full, solution, prepared)
        return {k: np.where(failed, np.nan, np.asarray(v, dtype=np.float64)) for k, v in terms.items()}

    def evaluate(self, params: Mapping[str, FloatArray], levers: Mapping[str, Any] | None = None) -> Evaluation:
        """Outcomes and metrics for each row of ``params`` (missing parameters take their fixed values).

        The rows are solved in pieces that fit :attr:`memory` (:meth:`footprint`); pieces
        are of nearly equal size and never of one row when there are more (a one-row
        array takes other summation paths in numpy), so the numbers do not depend on
        them.  A game of which one sample does not fit is an :class:`InputError`.
        """
        n = len(next(iter(params.values()))) if params else 1
        fp = self.footprint(levers)
        fp.check(self.memory, self.scenario.name)
        piece = fp.evaluation_piece(self.memory)
        if n <= piece:
            return self._evaluate(params, levers)
        k = -(-n // piece)
        bounds = [i * n // k for i in range(k + 1)]
        return concatenate(
            [self._evaluate({key: v[a:b] for key, v in params.items()}, levers) for a, b in pairwise(bounds)]
        )

    def reach(
        self, params: Mapping[str, FloatArray], levers: Mapping[str, Any] | None = None
    ) -> tuple[Scenario, dict[str, FloatArray], NDArray[np.bool_], Any, FloatArray, NDArray[np.int64]]:
        """The equilibrium's reach of the game's terminals for the rows of ``params``: ``(scenario,
        full parameters, failed mask, the template's prepared quantities, reach (S, T), the
        terminal nodes (T,))``, for read-outs beyond :meth:`evaluate` such as the endings
        ``brink simulate`` draws.  Call it on rows that fit :attr:`memory` (:meth:`footprint`)."""
        sc, full, failed, _ = self._complete(params, levers)
        template = get_template(sc.template)
        prepared = template.prepare(sc, full)
        lean = self.solver_entry.terminal_reach
        if lean is not None and template.capabilities.fused_read_out and self.information == "perfect":
            fused = template.fused_reach(sc, full, self.solver_entry.name, self.solver_entry.given(lam=self.lam), prepared)
            if fused is not None:
                return sc, full, failed, prepared, fused[0], fused[1]
        if lean is not None and template.capabilities.fast_read_out:
            game = compile_game(sc, full, self.information, prepared)
            equilibrium = lean(game, **self.solver_entry.given(lam=self.lam))
            return sc, full, failed, prepared, equilibrium.reach, np.asarray(game.terminals, dtype=np.int64)
        game, solution = self._solve(sc, full, prepared)
        nodes = np.asarray(game.terminals, dtype=np.int64)
        reach = np.asarray(solution.reach, dtype=np.float64).reshape(-1, game.n_nodes)[:, nodes]
        if "converged" in solution.info:
            failed |= ~np.broadcast_to(np.asarray(solution.info["converged"], dtype=bool), failed.shape)
        return sc, full, failed, prepared, np.ascontiguousarray(reach), nodes

    def _evaluate(self, params: Mapping[str, FloatArray], levers: Mapping[str, Any] | None) -> Evaluation:
        """:meth:`evaluate` of rows that fit the memory budget."""
        sc, full, failed, failure = self._complete(params, levers)
        n_params_failed = bool(failed.any())
        n = failed.shape[0]
        template = get_template(sc.template)
        prepared = template.prepare(sc, full)  # per-chunk quantities, a value shared by build and read-out
        lean = self.solver_entry.terminal_reach
        fused = None
        if lean is not None and template.capabilities.fused_read_out and self.information == "perfect":
            # solve and read out in one pass, payoffs computed as visited (same numbers, bit for bit)
            fused = template.fused_read_out(
                sc, full, self.solver_entry.name, self.solver_entry.given(lam=self.lam), prepared
            )
        if fused is not None:
            outcomes, metrics = fused.outcomes, fused.metrics
            paths, labels, chance = with_ties(fused.game, fused.modal)
        elif lean is not None and template.capabilities.fast_read_out:
            # the fast read-out: payoffs, terminal reach and modal path only (same numbers)
            game = compile_game(sc, full, self.information, prepared)
            equilibrium = lean(game, **self.solver_entry.given(lam=self.lam))
            outcomes, metrics = template.terminal_read_out(
                sc, full, game, equilibrium.payoffs, equilibrium.reach, prepared
            )
            paths, labels, chance = with_ties(game, equilibrium.modal)
        else:
            _, solution = self._solve(sc, full, prepared)
            outcomes, metrics = template.read_out(sc, full, solution, prepared)
            if "converged" in solution.info:
                failed |= ~np.broadcast_to(np.asarray(solution.info["converged"], dtype=bool), (n,))
                if failed.any() and not n_params_failed:
                    failure = f"the {self.solver} solver did not converge (Solution.info['converged'])"
                    if "bound" in solution.info:  # a certifying solver (pbe): say what was not met
                        failure = (
                            f"uncertified by the {self.solver} solver: max or sequential regret above "
                            f"{solution.info['bound']:g} x the payoff range (Solution.info['certified'])"
                        )
            paths, labels, chance = with_ties(solution.game, _modal_codes(solution))
        for d in (outcomes, metrics):
            for k in d:
                d[k] = np.where(failed, np.nan, np.asarray(d[k], dtype=np.float64))
        return Evaluation(outcomes, metrics, failed, paths, labels, chance, failure)


#: Models rebuilt from pickles in this process, newest last (at most :data:`_SHIPPED_MAX`).
_SHIPPED: OrderedDict[tuple[type[CrisisModel], str, str, str, float | None, int], CrisisModel] = OrderedDict()
_SHIPPED_MAX = 4


def _shipped_model(
    cls: type[CrisisModel], digest: str, text: str, source: str, solver: str, lam: float | None, memory: int
) -> CrisisModel:
    """The model a pickle describes, built once per process and then reused.

    Keyed by the hash of the scenario's JSON (not by object identity), so every chunk of
    a run or analysis that reaches a worker finds the model, its compiled tree and its
    caches from the first; a few models are kept (an analysis may interleave two).
    """
    key = (cls, digest, source, solver, lam, memory)
    model = _SHIPPED.get(key)
    if model is None:
        model = cls(scenario_from_data(json.loads(text), source=source), solver, lam, memory)
        model.__dict__["scenario_json"], model.__dict__["_digest"] = text, digest
        _SHIPPED[key] = model
        while len(_SHIPPED) > _SHIPPED_MAX:
            _SHIPPED.popitem(last=False)
    else:
        _SHIPPED.move_to_end(key)
    return model


def modal_paths(solution: Any) -> tuple[NDArray[np.int64], tuple[str, ...]]:
    """Each sample's most likely path, vectorised: from the root, the most probable action at
    every node (the first at chance), stopping at a mover's node whose most probable actions
    tie (within :data:`brink.solvers.spe.TIE_TOLERANCE`).

    Returns the index of each sample's path into the labels: one " > "-joined label per
    terminal, then one per tie met (:func:`with_ties`).
    """
    paths, labels, _ = with_ties(solution.game, _modal_codes(solution))
    return paths, labels


def _modal_codes(solution: Any) -> NDArray[np.int64]:
    """Each sample's modal path as the kernels give it: a terminal's position or a tie code
    (:func:`brink.solvers.spe.tie_code`)."""
    from brink.solvers.spe import TIE_TOLERANCE, tie_bits

    g = solution.game
    prof = np.ascontiguousarray(np.atleast_2d(np.asarray(solution.profile, dtype=np.float64)))
    out = np.empty(prof.shape[0], dtype=np.int64)
    pos = np.full(g.n_nodes, -1, dtype=np.int64)
    pos[g.terminals] = np.arange(g.terminals.size)
    _modal_walk(
        prof, np.ascontiguousarray(g.child_ptr, dtype=np.int64), np.ascontiguousarray(g.children, dtype=np.int64),
        np.ascontiguousarray(g.infoset, dtype=np.int64), np.ascontiguousarray(g.infoset_action_ptr, dtype=np.int64),
        np.ascontiguousarray(g.node_player, dtype=np.int64), pos, tie_bits(g), TIE_TOLERANCE, out,
    )
    return out


def with_ties(game: Any, codes: NDArray[np.int64]) -> tuple[NDArray[np.int64], tuple[str, ...], tuple[tuple[bool, ...], ...]]:
    """Modal paths as kernels give them (a terminal's position, or a tie code of
    :func:`brink.solvers.spe.tie_code`) as indices into path labels and chance flags.

    The labels are the terminals' (:func:`_path_labels`), then one per distinct tie met: the
    path to the tied node, then a last step naming the tied actions joined by
    :data:`brink.evaluation.TIE_SEPARATOR` (``... > hold | climb``): the mover is indifferent
    and mixes uniformly over them.  Without ties the codes are returned as they are.
    """
    from brink.solvers.spe import decode_tie, tie_bits

    labels, chance = _path_labels(game), _path_chance(game)
    codes = np.asarray(codes, dtype=np.int64)
    n_terminals = len(labels)
    tied = np.unique(codes[codes >= n_terminals])
    if tied.size == 0:
        return codes, labels, chance
    is_chance = np.asarray(game.node_player) == CHANCE
    more: list[str] = []
    flags: list[tuple[bool, ...]] = []
    for code in tied.tolist():
        node, actions = decode_tie(game, int(code))
        names = [game.action_labels[int(game.infoset[node])][a] for a in actions]
        if int(game.num_children[node]) > tie_bits(game):
            names.append("...")
        prefix = _path_label(game, node)
        step = TIE_SEPARATOR.join(names)
        more.append(prefix + PATH_SEPARATOR + step if prefix else step)
        flags.append((*_chance_steps(game, is_chance, node), False))
    index = np.searchsorted(tied, codes)
    paths = np.where(codes >= n_terminals, n_terminals + index, codes).astype(np.int64)
    return paths, labels + tuple(more), chance + tuple(flags)


@njit(cache=True, nogil=True)
def _modal_walk(
    profile: FloatArray,
    child_ptr: NDArray[np.int64],
    children: NDArray[np.int64],
    infoset: NDArray[np.int64],
    action_ptr: NDArray[np.int64],
    player: NDArray[np.int64],
    terminal_pos: NDArray[np.int64],
    bits: int,
    tol: float,
    out: NDArray[np.int64],
) -> None:
    """From the root, follow the most probable action (the first at chance) down to a terminal
    (``out``: its position), or stop at a mover's node whose most probable actions tie within
    ``tol`` (``out``: the tie code, :func:`brink.solvers.spe.tie_code`)."""
    n_terminals = 0
    for v in range(terminal_pos.shape[0]):
        n_terminals += 1 if terminal_pos[v] >= 0 else 0
    for s in range(profile.shape[0]):
        node = 0
        code = -1
        while child_ptr[node + 1] > child_ptr[node]:
            e0 = child_ptr[node]
            k = child_ptr[node + 1] - e0
            base = action_ptr[infoset[node]]
            best = 0
            top = profile[s, base]
            for a in range(1, k):
                if profile[s, base + a] > top:
                    best = a
                    top = profile[s, base + a]
            if player[node] >= 0:
                mask = 0
                count = 0
                for a in range(k):
                    if profile[s, base + a] >= top - tol * (1.0 + top):
                        count += 1
                        if a < bits:
                            mask |= 1 << a
                if count > 1:
                    code = n_terminals + (node << bits) + mask
                    break
            node = children[e0 + best]
        out[s] = terminal_pos[node] if code < 0 else code


_PathInfo = tuple[tuple[str, ...], tuple[tuple[bool, ...], ...]]
_LABELS: dict[tuple[int, int], tuple[Any, _PathInfo]] = {}


def _path_labels(g: Any) -> tuple[str, ...]:
    """The path label of every terminal of ``g``."""
    return _path_info(g)[0]


def _path_chance(g: Any) -> tuple[tuple[bool, ...], ...]:
    """For every terminal of ``g`` (as in :func:`_path_labels`), which steps of its path are chance moves."""
    return _path_info(g)[1]


def _path_info(g: Any) -> _PathInfo:
    """Path labels and chance-step flags of every terminal of ``g``.

    Cached by tree: sampled copies of one game share its ``children`` and ``action_labels``
    objects (the entry keeps them alive, so their ids cannot be reused).
    """
    key = (id(g.children), id(g.action_labels))
    hit = _LABELS.get(key)
    if hit is not None and hit[0][0] is g.children and hit[0][1] is g.action_labels:
        return hit[1]
    chance = np.asarray(g.node_player) == CHANCE
    info = (
        tuple(_path_label(g, int(t)) for t in g.terminals),
        tuple(_chance_steps(g, chance, int(t)) for t in g.terminals),
    )
    if len(_LABELS) > 64:
        _LABELS.clear()
    _LABELS[key] = ((g.children, g.action_labels), info)
    return info


def _chance_steps(g: Any, chance: NDArray[np.bool_], node: int) -> tuple[bool, ...]:
    out: list[bool] = []
    while g.parent[node] >= 0:
        node = int(g.parent[node])
        out.append(bool(chance[node]))
    return tuple(reversed(out))


def _path_label(g: Any, node: int) -> str:
    out: list[str] = []
    while g.parent[node] >= 0:
        p = int(g.parent[node])
        out.append(g.action_labels[int(g.infoset[p])][int(g.parent_edge[node] - g.child_ptr[p])])
        node = p
    return " > ".join(reversed(out))


def _yaml_scalar(value: Any) -> str:
    return json.dumps(value) if not isinstance(value, str) else value
