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

Three readings keep the explanation honest (issue 15):

* **Who moves.** When the model can show its game tree (``evaluator.game``), each step
  names the player and, where the scenario says, its role: "NATO (defender) chooses
  'none'", not "'none' is chosen".
* **Trivial rules are dropped.** A stump is reported only if it beats always guessing
  the majority by at least :data:`MIN_GAIN` (a stated margin: 5 points of accuracy) and
  its side leaves out at least :data:`MIN_RANGE_LEFT` of the parameter's range in the
  samples, so "nuclear_coercion below 0.6" over a range of 0.1 to 0.6, which holds
  everywhere, is not offered as a reason.
* **Nature's moves are folded.** A chance move (Harsanyi 1967: nature draws a type) is
  not a decision, so by default paths are compared on the players' decisions only: two
  samples that differ only in nature's draw follow the same path, and the modal path
  does not split on a chance draw.

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

__all__ = [
    "MIN_GAIN",
    "MIN_RANGE_LEFT",
    "Choice",
    "ExplainResult",
    "Stump",
    "decision_stump",
    "explain",
    "explain_paths",
    "path_players",
    "players_of",
]


#: Separator of actions in ``Evaluation.path_labels``.
PATH_SEPARATOR = " > "
#: Least gain in accuracy over always guessing the majority for a rule to be reported.
MIN_GAIN = 0.05
#: Least share of a parameter's range (in the samples that get this far) that a rule's
#: threshold must leave on the other side; a rule holding over more of it says nothing.
MIN_RANGE_LEFT = 0.02


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

    @property
    def gain(self) -> float:
        """Accuracy gained over always guessing the majority."""
        return self.accuracy - self.base_rate

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
    player: str = ""
    dropped: tuple[Stump, ...] = ()
    dropped_reason: str = ""

    @property
    def decisive(self) -> bool:
        return len(self.shares) > 1

    def sentence(self) -> str:
        """The choice in plain language, with the numbers behind it."""
        share = self.shares.get(self.action, 0.0)
        if self.chance:
            verb = "is the likelier draw"
            subject = f"Nature draws {self.action!r} (a chance move, not a decision): it"
        elif self.player:
            verb, subject = f"chooses {self.action!r}", self.player
        else:
            verb, subject = "is chosen", f"{self.action!r}"
        if not self.decisive:
            return f"{subject} {verb} in every sample that gets this far ({self.n} samples)."
        head = f"{subject} {verb} in {share:.0%} of the {self.n} samples that get this far"
        if self.stump is None:
            if self.dropped:
                d = self.dropped[0]
                side = "below" if d.below else "above"
                why = self.dropped_reason or "is not clear enough"
                return head + (
                    f"; no single parameter separates the others clearly (the best rule, "
                    f"{d.parameter} {side} {d.threshold:.3g}, {why})."
                )
            return head + "; no single parameter separates the others."
        s = self.stump
        side = "below" if s.below else "above"
        it = "It is chosen" if self.player and not self.chance else f"It {verb}"
        text = (
            f"{head}. {it} when {s.parameter} is {side} {s.threshold:.3g} "
            f"(in {s.precision:.1%} of those samples; the rule classifies {s.accuracy:.1%} "
            f"of samples correctly against {s.base_rate:.1%} by always guessing the majority)."
        )
        for t in self.theory:
            lo, med, hi = self.term_ranges.get(t.parameter, (np.nan, np.nan, np.nan))
            side = "below" if t.below else "above"
            text += (
                f" Theory: {t.parameter} (median {med:.3g}, range {lo:.3g} to {hi:.3g}) splits it at "
                f"{t.threshold:.3g}: {'chosen' if self.player and not self.chance else verb.removeprefix('is ')} "
                f"when {side} ({t.accuracy:.0%} correct)."
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
            "player": self.player,
            "dropped_rules": [d.to_json() for d in self.dropped],
            "dropped_reason": self.dropped_reason,
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
    folded: bool = False
    min_gain: float = MIN_GAIN

    def sentences(self) -> list[str]:
        head = (
            f"The most likely path, followed in {self.path_share:.0%} of {self.n} solved samples, is: "
            + PATH_SEPARATOR.join(self.path)
            + (" (nature's draws folded: paths are compared on the players' decisions)" if self.folded else "")
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
            "chance_folded": self.folded,
            "min_gain": self.min_gain,
            "min_range_left": MIN_RANGE_LEFT,
            "choices": [c.to_json() for c in self.choices],
            "sentences": self.sentences(),
        }


def _trivial(stump: Stump, x: FloatArray | None, min_gain: float) -> str:
    """Why ``stump`` says nothing (``""`` if it does): it gains less than ``min_gain`` over the
    majority guess, or its threshold leaves less than :data:`MIN_RANGE_LEFT` of ``x``'s range
    (in the samples) on the other side."""
    if stump.gain < min_gain - 1e-12:
        return (
            f"gains only {max(stump.gain, 0.0):.1%} over always guessing the majority "
            f"(the margin is {min_gain:.0%})"
        )
    if x is None:
        return ""
    v = x[np.isfinite(x)]
    lo, hi = float(v.min()), float(v.max())
    if hi <= lo:
        return "the parameter does not vary"
    left = (hi - stump.threshold) / (hi - lo) if stump.below else (stump.threshold - lo) / (hi - lo)
    if left < MIN_RANGE_LEFT:
        return f"holds over nearly the whole range of {stump.parameter} in these samples ({lo:.3g} to {hi:.3g})"
    return ""


def path_players(game: Any, roles: Mapping[str, str] | None = None) -> dict[str, tuple[str, ...]]:
    """Who moves at each step of every path of ``game``: path label -> one name per step.

    A player is named by its label in the game, followed by its role where ``roles`` gives
    one (``NATO (defender)``); a chance node is ``nature``.
    """
    from brink.games import CHANCE

    players = [f"{p} ({roles[p]})" if roles and p in roles else str(p) for p in game.players]
    out: dict[str, tuple[str, ...]] = {}
    for t in game.terminals:
        node, actions, movers = int(t), [], []
        while game.parent[node] >= 0:
            parent = int(game.parent[node])
            actions.append(game.action_labels[int(game.infoset[parent])][int(game.parent_edge[node] - game.child_ptr[parent])])
            who = int(game.node_player[parent])
            movers.append("nature" if who == CHANCE else players[who])
            node = parent
        out[PATH_SEPARATOR.join(reversed(actions))] = tuple(reversed(movers))
    return out


def explain_paths(
    evaluation: Evaluation,
    params: Mapping[str, FloatArray],
    terms: Mapping[str, FloatArray] | None = None,
    seed: int | None = None,
    *,
    players: Mapping[str, Sequence[str]] | None = None,
    fold_chance: bool = True,
    min_gain: float = MIN_GAIN,
) -> ExplainResult:
    """Explain the paths of an evaluation by the parameters (and theoretical terms) that drew them.

    ``players`` names who moves at each step of each path label (:func:`path_players`);
    with ``fold_chance`` nature's moves are taken out of the paths (module doc), and rules
    gaining less than ``min_gain`` over the majority guess, or holding over nearly a
    parameter's whole range, are dropped (kept in :attr:`Choice.dropped`).
    """
    failed = np.asarray(evaluation.failed, dtype=bool)
    if evaluation.paths.shape[0] != evaluation.n or not evaluation.path_labels:
        raise InputError(
            "the model reports no equilibrium paths",
            where="explain",
            fix="use a model whose evaluate() fills Evaluation.paths and path_labels",
        )
    if not 0.0 <= min_gain < 1.0:
        raise InputError(f"margin {min_gain} is not in [0, 1)", "explain --margin", "give e.g. 0.05")
    ok = ~failed & (evaluation.paths >= 0)
    n = int(ok.sum())
    if n == 0:
        raise InputError(
            "no sample could be solved", where="explain", fix="check the scenario with brink run"
        )
    # each label as (action, is_chance, player) steps; folded labels drop the chance steps
    steps_of: list[list[tuple[str, bool, str]]] = []
    for k, lab in enumerate(evaluation.path_labels):
        actions = lab.split(PATH_SEPARATOR) if lab else []
        flags = evaluation.path_chance[k] if k < len(evaluation.path_chance) else ()
        who = tuple((players or {}).get(lab, ()))
        steps_of.append([
            (a, bool(flags[i]) if i < len(flags) else False, who[i] if i < len(who) else "")
            for i, a in enumerate(actions)
        ])
    folded = fold_chance and any(c for steps in steps_of for _, c, _ in steps)
    if folded:
        steps_of = [[st for st in steps if not st[1]] for steps in steps_of]
    labels: dict[str, int] = {}
    remap = np.array(
        [labels.setdefault(PATH_SEPARATOR.join(a for a, _, _ in steps), len(labels)) for steps in steps_of],
        dtype=np.int64,
    )
    firsts = {int(remap[k]): k for k in range(len(steps_of) - 1, -1, -1)}
    idx = remap[evaluation.paths[ok]]
    counts = Counter(idx.tolist())
    modal = max(counts, key=lambda k: (counts[k], -k))
    modal_steps = steps_of[firsts[modal]]
    path = tuple(a for a, _, _ in modal_steps)
    columns = {k: np.asarray(v, dtype=np.float64)[ok] for k, v in params.items()}
    theory = {k: np.asarray(v, dtype=np.float64)[ok] for k, v in (terms or {}).items()}
    seqs = [tuple(a for a, _, _ in steps_of[firsts[i]]) for i in idx.tolist()]
    agree = np.ones(n, dtype=bool)
    choices = []
    for step, (action, is_chance, player) in enumerate(modal_steps):
        nxt = np.array([s[step] if len(s) > step else "" for s in seqs], dtype=object)
        here = nxt[agree]
        c = Counter(here.tolist())
        shares = {a if a else "(end)": cnt / here.size for a, cnt in c.most_common()}
        stump: Stump | None = None
        rules: list[Stump] = []
        dropped: list[Stump] = []
        reason = ""
        ranges: dict[str, tuple[float, float, float]] = {}
        if len(c) > 1:
            target = here == action
            sub = {k: v[agree] for k, v in columns.items()}
            stump = decision_stump(sub, target)
            reason = _trivial(stump, sub.get(stump.parameter), min_gain) if stump is not None else ""
            if stump is not None and reason:
                dropped.append(stump)
                stump = None
            for name, values in theory.items():
                rule = decision_stump({name: values[agree]}, target, theory=[name])
                if rule is not None and not _trivial(rule, values[agree], min_gain):
                    rules.append(rule)
                    v = values[agree][np.isfinite(values[agree])]
                    ranges[name] = (float(v.min()), float(np.median(v)), float(v.max()))
        choices.append(
            Choice(step, action, shares, int(agree.sum()), stump, tuple(rules), ranges, is_chance,
                   "" if is_chance else player, tuple(dropped), reason)
        )
        agree &= nxt == action
    names = list(labels)
    paths = {names[k]: cnt / n for k, cnt in counts.most_common()}
    return ExplainResult(path, counts[modal] / n, paths, tuple(choices), n, int((~ok).sum()), seed,
                         folded, min_gain)


def players_of(
    evaluator: Evaluator, params: Mapping[str, FloatArray], levers: Mapping[str, Any] | None = None
) -> dict[str, tuple[str, ...]]:
    """Who moves on each path of the evaluator's game, if it shows one (else nothing).

    Roles come from the scenario's ``crisis:`` section (challenger, target, defender).
    """
    game_of = getattr(evaluator, "game", None)
    if not callable(game_of):
        return {}
    one = {k: np.asarray(v)[:1] for k, v in params.items()}
    try:
        game, _ = game_of(one, levers)
    except (InputError, ValueError, TypeError):
        return {}
    roles: dict[str, str] = {}
    crisis = getattr(getattr(evaluator, "scenario", None), "crisis", None)
    for role in ("challenger", "target", "defender"):
        who = getattr(crisis, role, None)
        if isinstance(who, str):
            roles.setdefault(who, role)
    return path_players(game, roles)


def explain(
    evaluator: Evaluator,
    n: int,
    seed: int,
    levers: Mapping[str, Any] | None = None,
    *,
    chunk: int = DEFAULT_CHUNK,
    executor: Executor | None = None,
    fold_chance: bool = True,
    min_gain: float = MIN_GAIN,
) -> ExplainResult:
    """Draw ``n`` samples, evaluate them, and explain the modal path (see module doc).

    The samples are evaluated in chunks of ``chunk`` rows, on ``executor`` when given
    (same numbers).

    If the evaluator has a method ``explain_terms(params)`` returning named
    ``(n,)`` arrays of theoretical quantities, they are used as described above; if it
    has ``game(params)`` (:class:`~brink.model.CrisisModel`), the players are named.
    """
    params = evaluator.draw(seed, 0, n)
    ev = evaluate_chunked(evaluator, params, levers, chunk, executor)
    terms_fn = getattr(evaluator, "explain_terms", None)
    terms = dict(terms_fn(params)) if callable(terms_fn) else None
    players = players_of(evaluator, params, levers) if n > 0 else {}
    return explain_paths(ev, params, terms, seed, players=players, fold_chance=fold_chance, min_gain=min_gain)
