"""The contract between a crisis model and the analyses that explore it.

Exploratory modelling (Bankes 1993; Kwakkel 2017, EMA Workbench) separates a
model's *uncertainties* (what nobody controls), its *levers* (what a client
chooses) and its *outcomes*.  An :class:`Evaluator` exposes exactly that, over
plain numpy arrays, so that Monte Carlo runs, Sobol/Morris sensitivity, PRIM,
counterfactual comparison, robust policy search and every executor can share
one interface.

Determinism: ``draw(seed, start, stop)`` must return the same values for sample
``i`` however the range ``[0, N)`` is cut into chunks (see :mod:`brink.scenario.random`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from brink.arrays import FloatArray

__all__ = ["PATH_SEPARATOR", "TIE_SEPARATOR", "Evaluation", "Evaluator", "concatenate", "decision_players", "decisions"]



@dataclass(frozen=True)
class Evaluation:
    """Per-sample results of evaluating a model on ``n`` parameter vectors.

    Attributes:
        outcomes: name -> ``(n,)`` probability of the event in each sample (in [0, 1];
            an equilibrium can be mixed or pass through chance, so per-sample outcomes
            are probabilities, not indicators).
        metrics: name -> ``(n,)`` real-valued per-sample quantities (expected payoffs,
            escalation score, months a discount lasts, ...).
        failed: ``(n,)`` True where the sample's game could not be solved; such samples
            carry NaN in outcomes and metrics and are counted, never silently dropped.
        paths: ``(n,)`` index into ``path_labels`` of each sample's most likely path.
        path_labels: the distinct equilibrium paths (each a " > "-joined action string); a
            path whose mover is indifferent at some node stops there with a step naming the
            tied actions joined by :data:`TIE_SEPARATOR` (``hold | climb``).
        path_chance: for each path label, which of its steps are chance moves (nature's
            draws, e.g. the defender's type) rather than decisions; empty if unknown.
        failure: why the first failed sample failed, for messages (e.g. ``the first
            parameter that is not a finite number: file:12:5:
            energy_discount.sustainable_months = nan (from expression 'log(x)')``);
            ``""`` when no sample failed or the model cannot say.
    """

    outcomes: dict[str, FloatArray]
    metrics: dict[str, FloatArray]
    failed: NDArray[np.bool_]
    paths: NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    path_labels: tuple[str, ...] = ()
    path_chance: tuple[tuple[bool, ...], ...] = ()
    failure: str = ""

    @property
    def n(self) -> int:
        return int(self.failed.shape[0])


#: The separator of a path's steps in its label ("RUS resolute > offer 0.6 > accept").
PATH_SEPARATOR = " > "
#: The separator of tied actions in a path's last step ("... > NATO: none | deter"): the
#: mover is indifferent between them and mixes uniformly (:mod:`brink.solvers.spe`'s tie
#: rule), so the modal path stops there instead of naming whichever is listed first.
TIE_SEPARATOR = " | "


def decisions(evaluation: Evaluation) -> Evaluation:
    """The evaluation with each sample's path reduced to the players' decisions.

    This is brink's one definition of a *modal path* (``brink run``, ``brink runs show``,
    ``brink explain``, the what-if, the report): each sample's most likely path of play --
    from the root, the most likely edge at every node, stopping at a tie between a mover's
    most likely actions (a last step ``a | b``, :data:`TIE_SEPARATOR`: a tie is shown as a
    tie, never as the action listed first) -- with nature's draws folded out, so
    two samples that differ only in the types nature drew (Harsanyi 1967) follow the same
    path; a path's *share* is the fraction of the (solved) samples whose path it is.  The
    decisions still depend on the types: they are the players' equilibrium choices given
    what nature drew.  Labels without chance steps (or an evaluation that does not mark
    them) are returned as they are.
    """
    chance = evaluation.path_chance
    if not evaluation.path_labels or len(chance) != len(evaluation.path_labels) or not any(any(c) for c in chance):
        return evaluation
    labels: dict[str, int] = {}
    remap = np.empty(len(evaluation.path_labels), dtype=np.int64)
    for k, (label, flags) in enumerate(zip(evaluation.path_labels, chance, strict=True)):
        steps = label.split(PATH_SEPARATOR) if label else []
        kept = PATH_SEPARATOR.join(s for i, s in enumerate(steps) if not (i < len(flags) and flags[i]))
        remap[k] = labels.setdefault(kept, len(labels))
    paths = np.where(evaluation.paths >= 0, remap[np.clip(evaluation.paths, 0, len(remap) - 1)], evaluation.paths)
    return Evaluation(
        evaluation.outcomes, evaluation.metrics, evaluation.failed, paths.astype(np.int64), tuple(labels),
        tuple((False,) * (label.count(PATH_SEPARATOR) + 1 if label else 0) for label in labels),
        evaluation.failure,
    )


def decision_players(players: Mapping[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    """Who moves at each step of each path (as :func:`brink.analysis.explain.path_players`
    gives them, ``"nature"`` at chance steps), keyed by the path of :func:`decisions`."""
    out: dict[str, tuple[str, ...]] = {}
    for label, movers in players.items():
        steps = label.split(PATH_SEPARATOR) if label else []
        kept = [(s, m) for s, m in zip(steps, movers, strict=False) if m != "nature"]
        out.setdefault(PATH_SEPARATOR.join(s for s, _ in kept), tuple(m for _, m in kept))
    return out


def concatenate(parts: Sequence[Evaluation]) -> Evaluation:
    """One evaluation of consecutive row blocks: columns joined, path labels merged.

    Per-sample results do not depend on how rows are grouped, so a model may evaluate a
    large set of rows in pieces (to bound memory) and join them with this.  ``failure``
    is the first piece's that has one.
    """
    if len(parts) == 1:
        return parts[0]
    labels: dict[str, int] = {}
    chance: dict[str, tuple[bool, ...]] = {}
    paths: list[NDArray[np.int64]] = []
    for part in parts:
        if part.paths.shape[0] == part.n and part.path_labels:
            mapping = np.array([labels.setdefault(lab, len(labels)) for lab in part.path_labels], dtype=np.int64)
            for lab, steps in zip(part.path_labels, part.path_chance, strict=False):
                chance.setdefault(lab, steps)
            paths.append(mapping[part.paths])
        else:
            paths.append(np.full(part.n, -1, dtype=np.int64))
    first = parts[0]
    return Evaluation(
        outcomes={k: np.concatenate([p.outcomes[k] for p in parts]) for k in first.outcomes},
        metrics={k: np.concatenate([p.metrics[k] for p in parts]) for k in first.metrics},
        failed=np.concatenate([np.asarray(p.failed, dtype=bool) for p in parts]),
        paths=np.concatenate(paths) if labels else np.zeros(0, dtype=np.int64),
        path_labels=tuple(labels),
        path_chance=tuple(chance[lab] for lab in labels) if len(chance) == len(labels) else (),
        failure=next((p.failure for p in parts if p.failure), ""),
    )


class Evaluator(Protocol):
    """A model that analyses can sample, evaluate and perturb."""

    @property
    def name(self) -> str: ...

    @property
    def uncertainties(self) -> Sequence[str]:
        """Dotted paths of uncertain parameters (those given as distributions)."""
        ...

    @property
    def levers(self) -> Mapping[str, Sequence[Any]]:
        """Dotted paths of levers and the options each can take."""
        ...

    def draw(self, seed: int, start: int, stop: int) -> dict[str, FloatArray]:
        """Samples ``start..stop-1`` of every uncertain parameter (chunk-invariant)."""
        ...

    def ppf(self, name: str, u: FloatArray) -> FloatArray:
        """Inverse CDF of uncertainty ``name`` at quantiles ``u`` (for designed experiments)."""
        ...

    def evaluate(
        self, params: Mapping[str, FloatArray], levers: Mapping[str, Any] | None = None
    ) -> Evaluation:
        """Outcomes for each row of ``params`` (arrays of equal length), with lever settings."""
        ...
