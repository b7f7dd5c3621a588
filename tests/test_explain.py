"""Explanations: the modal path and the parameter thresholds that decided it."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from brink.analysis.explain import decision_stump, explain
from brink.evaluation import Evaluation


class Deterrence:
    """A toy crisis: the challenger escalates when the defender's credibility is below 0.72;
    after escalation the defender retaliates when resolve exceeds 0.7.  ``noise`` is irrelevant.
    The theoretical term is ``credibility - 0.72`` (a stand-in for a Zagare-Kilgour threshold)."""

    name = "toy-deterrence"
    uncertainties = ("noise", "credibility", "resolve")
    levers: Mapping[str, Sequence[Any]] = {}

    def draw(self, seed: int, start: int, stop: int) -> dict[str, np.ndarray]:
        u = np.random.default_rng(seed).random((stop, 3))[start:stop]
        return {k: u[:, j] for j, k in enumerate(self.uncertainties)}

    def ppf(self, name: str, u: np.ndarray) -> np.ndarray:
        return np.asarray(u, dtype=np.float64)

    def evaluate(self, params: Mapping[str, np.ndarray], levers: Any = None) -> Evaluation:
        c, r = params["credibility"], params["resolve"]
        esc = c < 0.72
        labels = ("escalate > retaliate", "escalate > back down", "status quo")
        paths = np.where(esc, np.where(r > 0.7, 0, 1), 2).astype(np.int64)
        return Evaluation(
            outcomes={"escalation": esc.astype(float)},
            metrics={},
            failed=np.zeros(c.shape[0], dtype=bool),
            paths=paths,
            path_labels=labels,
        )

    def explain_terms(self, params: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        return {"credibility margin": params["credibility"] - 0.72}


def test_finds_planted_thresholds() -> None:
    res = explain(Deterrence(), 3000, 5)
    assert res.path == ("escalate", "back down")  # 0.72 * 0.7 of samples: the modal path
    assert abs(res.path_share - 0.72 * 0.7) < 0.03
    first, second = res.choices
    assert first.stump is not None and first.stump.parameter == "credibility"
    assert first.stump.below and abs(first.stump.threshold - 0.72) < 0.01
    assert first.stump.accuracy == 1.0 and first.stump.precision == 1.0
    assert second.n == int(first.shares["escalate"] * first.n + 0.5)
    assert second.stump is not None and second.stump.parameter == "resolve"
    assert second.stump.below and abs(second.stump.threshold - 0.7) < 0.02
    theory = first.theory[0]
    assert theory.parameter == "credibility margin" and abs(theory.threshold) < 0.01
    text = " ".join(res.sentences())
    assert "'escalate' is chosen" in text and "credibility is below 0.72" in text
    assert "(in 100.0% of those samples" in text


def test_failed_samples_are_counted() -> None:
    class Failing(Deterrence):
        def evaluate(self, params: Mapping[str, np.ndarray], levers: Any = None) -> Evaluation:
            ev = super().evaluate(params, levers)
            failed = params["noise"] < 0.1
            return Evaluation(ev.outcomes, ev.metrics, failed, ev.paths, ev.path_labels)

    res = explain(Failing(), 1000, 1)
    assert res.n_failed > 50 and res.n + res.n_failed == 1000
    assert any("could not be solved" in s for s in res.sentences())


@settings(max_examples=40, deadline=None)
@given(
    data=st.lists(
        st.tuples(st.integers(0, 6), st.integers(0, 6), st.booleans()), min_size=2, max_size=25
    )
)
def test_stump_is_optimal_by_brute_force(data: list[tuple[int, int, bool]]) -> None:
    a = np.array([d[0] for d in data], dtype=float)
    b = np.array([d[1] for d in data], dtype=float)
    t = np.array([d[2] for d in data])
    stump = decision_stump({"a": a, "b": b}, t)
    best = 0.0
    for x, thr, below in itertools.product((a, b), np.arange(-0.5, 7.0, 0.5), (True, False)):
        pred = x < thr if below else x > thr
        best = max(best, float(np.mean(pred == t)))
    majority = max(t.mean(), 1 - t.mean())
    if best <= majority + 1e-12:
        assert stump is None
        return
    assert stump is not None and stump.base_rate == majority
    assert abs(stump.accuracy - best) < 1e-12
    x = a if stump.parameter == "a" else b
    pred = x < stump.threshold if stump.below else x > stump.threshold
    assert abs(np.mean(pred == t) - stump.accuracy) < 1e-12


def test_chance_steps_are_draws_not_choices() -> None:
    """In ukraine-2022-exchange nature draws the defender's type (Harsanyi 1967): the modal path's
    'resolute' step is a chance move, told apart from the players' decisions; the flags
    survive chunked evaluation (chunk 64 < 200 samples)."""
    from brink.model import CrisisModel
    from brink.scenario import load_scenario

    # issue 15 folds nature's moves out of paths by default; unfolded, the draw is a step
    res = explain(CrisisModel(load_scenario("ukraine-2022-exchange")), 200, 1, chunk=64, fold_chance=False)
    kinds = {c.action: c.chance for c in res.choices}
    assert kinds["resolute"] is True
    assert kinds[res.path[0]] is False
    assert sum(kinds.values()) == 1
    drawn = next(c for c in res.choices if c.chance)
    assert drawn.sentence().startswith("Nature draws 'resolute' (a chance move, not a decision)")
    assert "is chosen" not in drawn.sentence()
    assert all(" chooses " in c.sentence() for c in res.choices if not c.chance)
    assert res.to_json()["choices"][drawn.step]["chance"] is True


def test_models_without_chance_flags_are_all_decisions() -> None:
    res = explain(Deterrence(), 500, 2)
    assert not any(c.chance for c in res.choices)


def test_players_are_named_at_each_decision() -> None:
    """Issue 15: "NATO (defender) chooses 'none'", not "'none' is chosen"; the names and roles
    come from the game tree and the scenario's crisis section, nature is never a chooser."""
    from brink.model import CrisisModel
    from brink.scenario import load_scenario

    sc = load_scenario("ukraine-2022-exchange")
    assert sc.crisis is not None
    res = explain(CrisisModel(sc), 200, 1, chunk=64)
    roles = {f"{sc.crisis.challenger} (challenger)", f"{sc.crisis.defender} (defender)"}
    assert [c.player for c in res.choices] and {c.player for c in res.choices} <= roles
    assert res.choices[0].player == f"{sc.crisis.challenger} (challenger)"  # the challenger opens
    for c in res.choices:
        assert c.sentence().startswith(f"{c.player} chooses {c.action!r}")
        assert res.to_json()["choices"][c.step]["player"] == c.player


def test_nature_is_folded_out_of_paths() -> None:
    """Issue 15: the modal path does not split on nature's draw of the defender's type.  Folded,
    each path's share is the sum of the unfolded paths that differ only in the chance step."""
    from brink.model import CrisisModel
    from brink.scenario import load_scenario

    model = CrisisModel(load_scenario("ukraine-2022-exchange"))
    folded = explain(model, 200, 1, chunk=64)
    raw = explain(model, 200, 1, chunk=64, fold_chance=False)
    ev = model.evaluate(model.draw(1, 0, 200))
    flags = dict(zip(ev.path_labels, ev.path_chance, strict=True))
    chance_actions = {a for lab, f in flags.items() for a, c in zip(lab.split(" > "), f, strict=True) if c}
    assert {"resolute", "restrained"} <= chance_actions and not chance_actions & set(folded.path)
    assert folded.to_json()["chance_folded"] is True and not any(c.chance for c in folded.choices)
    expected: dict[str, float] = {}
    for label, share in raw.paths.items():
        kept = " > ".join(a for a, c in zip(label.split(" > "), flags[label], strict=True) if not c)
        expected[kept] = expected.get(kept, 0.0) + share
    assert folded.paths.keys() == expected.keys()
    for label, share in expected.items():
        assert abs(folded.paths[label] - share) < 1e-12
    assert folded.path_share == max(expected.values()) >= raw.path_share


class Trivial(Deterrence):
    """'stop' in the 0.5% of samples where ``noise`` is above 0.995: the one rule that separates
    them holds over 99.5% of noise's range."""

    def evaluate(self, params: Mapping[str, np.ndarray], levers: Any = None) -> Evaluation:
        u = params["noise"]
        rare = u > 0.995  # a 0.5% minority: the best rule isolates it at the top of noise's range
        labels = ("go", "stop")
        return Evaluation(
            outcomes={"go": (~rare).astype(float)}, metrics={}, failed=np.zeros(u.shape[0], dtype=bool),
            paths=np.where(rare, 1, 0).astype(np.int64), path_labels=labels,
        )


def test_rules_over_the_whole_range_are_dropped() -> None:
    """A rule 'go when noise below 0.995' holds over 99.5% of noise's range: dropped (kept in
    ``dropped``), though its accuracy is 100%; with the range test alone the same stump
    would have been reported by decision_stump."""
    from brink.analysis.explain import MIN_RANGE_LEFT, explain_paths

    model = Trivial()
    params = model.draw(3, 0, 4000)
    ev = model.evaluate(params)
    raw = decision_stump(dict(params), ev.paths == 0)
    assert raw is not None and raw.parameter == "noise" and raw.accuracy == 1.0
    assert (1.0 - raw.threshold) < MIN_RANGE_LEFT  # it holds over nearly the whole range
    res = explain_paths(ev, params, min_gain=0.0)  # the range test alone drops it
    (choice,) = res.choices
    assert choice.stump is None and choice.dropped[0].parameter == "noise"
    assert "holds over nearly the whole range" in choice.sentence()


def test_rules_below_the_margin_are_dropped() -> None:
    """The planted credibility rule gains 28 points over the majority guess: kept at the
    default margin (5 points), dropped when the margin asked for is above its gain."""
    res = explain(Deterrence(), 2000, 4)
    first = res.choices[0]
    assert first.stump is not None
    gain = first.stump.accuracy - first.stump.base_rate
    assert abs(gain - (1 - 0.72)) < 0.03
    strict = explain(Deterrence(), 2000, 4, min_gain=gain + 0.01)
    assert strict.choices[0].stump is None and strict.choices[0].dropped
    assert not strict.choices[0].theory  # the theory rule gains the same: dropped too
    assert "gains only" in strict.choices[0].sentence()
