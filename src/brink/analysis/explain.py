"""Plain-language explanations of what decided an equilibrium path.

For each sample the model reports its most likely equilibrium path.  We take the
*modal* path (the one most samples follow) and walk down it: at each step, among
the samples that agree with the modal path so far, we look at which action they
take next.  Where they disagree the choice is *decisive*, and we ask which single
uncertain parameter best separates the samples that take the modal action from
those that do not: a decision stump, the one-split classification tree of
Breiman et al. (1984), fitted exactly by scanning every threshold of every
parameter.  The stump reads as a sentence such as "tactical use is chosen when
doctrines.NATO.credibility is below 0.42 (in 93% of those samples)".

Where the model exposes theoretical quantities through an optional
``explain_terms(params)`` method (for instance the Zagare & Kilgour 2000
credibility threshold ``(u(DC) - u(SQ)) / (u(DC) - u(DD))`` of a deterrence game),
each term is also tried as a splitting variable and reported with its range, so
that the empirical threshold can be read against the theory's.

Failed samples (no solved game, hence no path) are left out and counted.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from brink.analysis.experiments import DEFAULT_CHUNK, evaluate_chunked
from brink.arrays import BoolArray, FloatArray
from brink.errors import InputError
from brink.evaluation import Evaluation, Evaluator

if TYPE_CHECKING:
    from brink.executors import Executor

__all__ = ["Choice", "ExplainResult", "Stump", "decision_stump", "explain", "explain_paths"]


#: Separator of actions in ``Evaluation.path_labels``.
PATH_SEPARATOR = " > "


@dataclass(frozen=True)
class Stump:
    """The best one-parameter rule ``target iff x < threshold`` (``below``) or ``x > threshold``.

    Attributes:
        parameter: The splitting variable.
        threshold: Midpoint between the two closest values on either side of the split.
        below: True if the target lies below the threshold.
        accuracy: Share of all samples the rule classifies correctly.
        base_rate: Accuracy of always guessing the majority class (the rule's baseline).
        precision: Share of samples on the rule's side that are targets.
        recall: Share of targets that lie on the rule's side.
        theory: True if ``parameter`` is a theoretical term of the model.
    """

    parameter: str
    threshold: float
    below: bool
    accuracy: float
    base_rate: float
    precision: float
    recall: float
    theory: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "parameter": self.parameter,
            "threshold": self.threshold,
            "side": "below" if self.below else "above",
            "accuracy": self.accuracy,
            "base_rate": self.base_rate,
            "precision": self.precision,
            "recall": self.recall,
            "theory": self.theory,
        }


def _best_split(x: FloatArray, target: BoolArray) -> tuple[float, float, bool] | None:
    """(accuracy, threshold, below) of the best threshold on one variable, exactly."""
    n = x.size
    order = np.argsort(x, kind="stable")
    xs, ts = x[order], target[order].astype(np.int64)
    pos = np.cumsum(ts)[:-1]
    total = int(ts.sum())
    left = np.arange(1, n)
    valid = xs[1:] > xs[:-1]
    if not valid.any():
        return None
    acc_below = (pos + (n - left) - (total - pos)) / n
    acc_above = ((left - pos) + (total - pos)) / n
    acc_below = np.where(valid, acc_below, -1.0)
    acc_above = np.where(valid, acc_above, -1.0)
    i_b, i_a = int(np.argmax(acc_below)), int(np.argmax(acc_above))
    if acc_below[i_b] >= acc_above[i_a]:
        i, acc, below = i_b, float(acc_below[i_b]), True
    else:
        i, acc, below = i_a, float(acc_above[i_a]), False
    return acc, float(0.5 * (xs[i] + xs[i + 1])), below


def decision_stump(
    columns: Mapping[str, FloatArray], target: BoolArray, theory: Sequence[str] = ()
) -> Stump | None:
    """The single-variable threshold rule that best classifies ``target``.

    Ties between variables go to the first in ``columns`` order. ``None`` when
    no rule classifies better than always guessing the majority (the target does
    not vary, no variable takes two distinct values, or no split helps).
    """
    t = np.asarray(target, dtype=bool)
    n = t.size
    if n == 0 or t.all() or not t.any():
        return None
    best: tuple[float, str, float, bool] | None = None
    for name, values in columns.items():
        x = np.asarray(values, dtype=np.float64)
        ok = np.isfinite(x)
        if ok.sum() < 2:
            continue
        split = _best_split(np.where(ok, x, np.nanmedian(x)), t)
        if split is not None and (best is None or split[0] > best[0] + 1e-12):
            best = (split[0], name, split[1], split[2])
    if best is None:
        return None
    acc, name, thr, below = best
    base_rate = max(float(t.mean()), 1.0 - float(t.mean()))
    if acc <= base_rate + 1e-12:
        return None
    x = np.asarray(columns[name], dtype=np.float64)
    side = x < thr if below else x > thr
    return Stump(
        name,
        thr,
        below,
        acc,
        base_rate,
        float(t[side].mean()) if side.any() else 0.0,
        float(side[t].mean()),
        name in theory,
    )


@dataclass(frozen=True)
class Choice:
    """One step of the modal path.

    Attributes:
        step: Position along the path (0 = first move).
        action: The modal action taken at this step.
        shares: Share of the samples reaching this point that take each action next.
        n: Samples that agree with the modal path up to this step.
        stump: What separates samples taking ``action`` from the others (decisive steps).
        theory: Rules on the model's theoretical terms, if it exposes any.
        chance: True if the step is a chance move (nature draws, e.g. the defender's
            type, Harsanyi 1967) rather than a player's decision.  The modal path follows
            nature's likelier draw, so ``shares`` then says in how many samples that
            draw is the likelier one.
    """

    step: int
    action: str
    shares: dict[str, float]
    n: int
    stump: Stump | None = None
    theory: tuple[Stump, ...] = ()
    term_ranges: dict[str, tuple[float, float, float]] = field(default_factory=dict)
    chance: bool = False

    @property
    def decisive(self) -> bool:
        return len(self.shares) > 1

    def sentence(self) -> str:
        """The choice in plain language, with the numbers behind it."""
        share = self.shares.get(self.action, 0.0)
        verb = "is the likelier draw" if self.chance else "is chosen"
        subject = f"Nature draws {self.action!r} (a chance move, not a decision): it" if self.chance else f"{self.action!r}"
        if not self.decisive:
            return f"{subject} {verb} in every sample that gets this far ({self.n} samples)."
        head = f"{subject} {verb} in {share:.0%} of the {self.n} samples that get this far"
        if self.stump is None:
            return head + "; no single parameter separates the others."
        s = self.stump
        side = "below" if s.below else "above"
        text = (
            f"{head}. It {verb} when {s.parameter} is {side} {s.threshold:.3g} "
            f"(in {s.precision:.1%} of those samples; the rule classifies {s.accuracy:.1%} "
            f"of samples correctly against {s.base_rate:.1%} by always guessing the majority)."
        )
        for t in self.theory:
            lo, med, hi = self.term_ranges.get(t.parameter, (np.nan, np.nan, np.nan))
            side = "below" if t.below else "above"
            text += (
                f" Theory: {t.parameter} (median {med:.3g}, range {lo:.3g} to {hi:.3g}) splits it at "
                f"{t.threshold:.3g}: {verb.removeprefix('is ')} when {side} ({t.accuracy:.0%} correct)."
            )
        return text

    def to_json(self) -> dict[str, Any]:
        return {
            "step": self.step,
            "action": self.action,
            "shares": self.shares,
            "n": self.n,
            "decisive": self.decisive,
            "chance": self.chance,
            "rule": self.stump.to_json() if self.stump else None,
            "theory": [t.to_json() for t in self.theory],
            "sentence": self.sentence(),
        }


@dataclass(frozen=True)
class ExplainResult:
    """The modal equilibrium path and what decided each choice along it."""

    path: tuple[str, ...]
    path_share: float
    paths: dict[str, float]
    choices: tuple[Choice, ...]
    n: int
    n_failed: int
    seed: int | None = None

    def sentences(self) -> list[str]:
        head = (
            f"The most likely path, followed in {self.path_share:.0%} of {self.n} solved samples, is: "
            + PATH_SEPARATOR.join(self.path)
            + "."
        )
        tail = (
            [f"{self.n_failed} samples could not be solved and are left out."]
            if self.n_failed
            else []
        )
        return [head, *(c.sentence() for c in self.choices if c.decisive), *tail]

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": "explain",
            "seed": self.seed,
            "n": self.n,
            "n_failed": self.n_failed,
            "path": list(self.path),
            "path_share": self.path_share,
            "paths": self.paths,
            "choices": [c.to_json() for c in self.choices],
            "sentences": self.sentences(),
        }


def explain_paths(
    evaluation: Evaluation,
    params: Mapping[str, FloatArray],
    terms: Mapping[str, FloatArray] | None = None,
    seed: int | None = None,
) -> ExplainResult:
    """Explain the paths of an evaluation by the parameters (and theoretical terms) that drew them."""
    failed = np.asarray(evaluation.failed, dtype=bool)
    if evaluation.paths.shape[0] != evaluation.n or not evaluation.path_labels:
        raise InputError(
            "the model reports no equilibrium paths",
            where="explain",
            fix="use a model whose evaluate() fills Evaluation.paths and path_labels",
        )
    ok = ~failed & (evaluation.paths >= 0)
    idx = evaluation.paths[ok]
    n = int(ok.sum())
    if n == 0:
        raise InputError(
            "no sample could be solved", where="explain", fix="check the scenario with brink run"
        )
    split = [tuple(lab.split(PATH_SEPARATOR)) if lab else () for lab in evaluation.path_labels]
    counts = Counter(idx.tolist())
    modal = max(counts, key=lambda k: (counts[k], -k))
    path = split[modal]
    chance = evaluation.path_chance[modal] if evaluation.path_chance else ()
    columns = {k: np.asarray(v, dtype=np.float64)[ok] for k, v in params.items()}
    theory = {k: np.asarray(v, dtype=np.float64)[ok] for k, v in (terms or {}).items()}
    seqs = [split[i] for i in idx.tolist()]
    agree = np.ones(n, dtype=bool)
    choices = []
    for step, action in enumerate(path):
        nxt = np.array([s[step] if len(s) > step else "" for s in seqs], dtype=object)
        here = nxt[agree]
        c = Counter(here.tolist())
        shares = {a if a else "(end)": cnt / here.size for a, cnt in c.most_common()}
        stump, rules, ranges = None, [], {}
        if len(c) > 1:
            target = here == action
            stump = decision_stump({k: v[agree] for k, v in columns.items()}, target)
            for name, values in theory.items():
                rule = decision_stump({name: values[agree]}, target, theory=[name])
                if rule is not None:
                    rules.append(rule)
                    v = values[agree][np.isfinite(values[agree])]
                    ranges[name] = (float(v.min()), float(np.median(v)), float(v.max()))
        is_chance = bool(chance[step]) if step < len(chance) else False
        choices.append(
            Choice(step, action, shares, int(agree.sum()), stump, tuple(rules), ranges, is_chance)
        )
        agree &= nxt == action
    total = Counter(idx.tolist())
    paths = {evaluation.path_labels[k]: cnt / n for k, cnt in total.most_common()}
    return ExplainResult(path, counts[modal] / n, paths, tuple(choices), n, int((~ok).sum()), seed)


def explain(
    evaluator: Evaluator,
    n: int,
    seed: int,
    levers: Mapping[str, Any] | None = None,
    *,
    chunk: int = DEFAULT_CHUNK,
    executor: Executor | None = None,
) -> ExplainResult:
    """Draw ``n`` samples, evaluate them, and explain the modal path (see module doc).

    The samples are evaluated in chunks of ``chunk`` rows, on ``executor`` when given
    (same numbers).

    If the evaluator has a method ``explain_terms(params)`` returning named
    ``(n,)`` arrays of theoretical quantities, they are used as described above.
    """
    params = evaluator.draw(seed, 0, n)
    ev = evaluate_chunked(evaluator, params, levers, chunk, executor)
    terms_fn = getattr(evaluator, "explain_terms", None)
    terms = dict(terms_fn(params)) if callable(terms_fn) else None
    return explain_paths(ev, params, terms, seed)
