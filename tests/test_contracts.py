"""Contract tests over the registries (the way Axelrod's ``TestPlayer`` runs every strategy).

Every registered template, on each of its bundled scenarios, must give the same numbers
for any chunk size and on every executor, pickle as a model and evaluate the same after,
and -- where both solvers apply -- have a subgame-perfect equilibrium equal to the limit
of its logit QRE.  A new template with a bundled scenario is picked up here without any
edit.  (Names, players, information sets and outcome ranges are checked by
``test_architecture.test_capabilities_match_the_bundled_scenarios``.)
"""

from __future__ import annotations

import pickle
from functools import cache

import numpy as np
import pytest

from brink.executors import get_executor
from brink.model import CrisisModel
from brink.runs import run
from brink.scenario import bundled_scenarios, load_scenario
from brink.templates import REGISTRY

#: Scenarios whose games are large: their runs here are in the slow tier.
LARGE = {"fearon-1995"}


@cache
def _by_template() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name in sorted(bundled_scenarios()):
        out.setdefault(load_scenario(name).template, []).append(name)
    return out


def _cases() -> list[object]:
    return [
        pytest.param(template, name, marks=[pytest.mark.slow] if name in LARGE else [], id=name)
        for template in sorted(REGISTRY)
        for name in _by_template().get(template, [])
    ]


def test_every_registered_template_has_a_bundled_scenario() -> None:
    assert set(_by_template()) == set(REGISTRY)


def _numbers(result: dict[str, object]) -> dict[str, object]:
    return {k: result[k] for k in ("outcomes", "metrics", "paths", "failed")}


@pytest.mark.parametrize(("template", "name"), _cases())
def test_same_numbers_for_any_chunk_size_and_executor(template: str, name: str) -> None:
    sc = load_scenario(name)
    assert sc.template == template
    reference = _numbers(run(sc, samples=2500, seed=4, chunk_size=1024).to_json())
    assert _numbers(run(sc, samples=2500, seed=4, chunk_size=3072).to_json()) == reference
    executor = get_executor("processes", workers=2)
    try:
        on_processes = run(sc, samples=2500, seed=4, chunk_size=1024, executor=executor).to_json()
    finally:
        executor.close()
    assert _numbers(on_processes) == reference
    for outcome in reference["outcomes"].values():  # type: ignore[attr-defined]
        assert 0.0 <= outcome["p"] <= 1.0


@pytest.mark.parametrize(("template", "name"), _cases())
def test_model_pickles_and_evaluates_the_same(template: str, name: str) -> None:
    model = CrisisModel(load_scenario(name))
    params = model.draw(7, 0, 32)
    before = model.evaluate(params)
    after = pickle.loads(pickle.dumps(model)).evaluate(params)
    assert set(after.outcomes) == set(before.outcomes)
    for key, value in before.outcomes.items():
        np.testing.assert_array_equal(after.outcomes[key], value, err_msg=key)
    for key, value in before.metrics.items():
        np.testing.assert_array_equal(after.metrics[key], value, err_msg=key)


@pytest.mark.parametrize(
    ("template", "name"),
    [case for case in _cases() if "qre" in REGISTRY[case.values[0]].capabilities.solvers  # type: ignore[attr-defined]
     and not REGISTRY[case.values[0]].capabilities.private_information  # type: ignore[attr-defined]
     and case.values[1] not in LARGE],  # type: ignore[attr-defined]
)
def test_spe_equals_the_limit_of_the_qre(template: str, name: str) -> None:
    """Where both apply, the limiting logit QRE reaches the subgame-perfect equilibrium's payoffs.

    Not for templates with private information that matters to others
    (:attr:`brink.templates.base.Capabilities.private_information`): there the two versions
    are different games (their own contract is the regret check of ``tests/test_escalation.py``).

    McKelvey & Palfrey (1998): the branch from λ = 0 converges to a sequential equilibrium;
    on a sample whose SPE breaks no tie anywhere in the tree, every player's equilibrium
    payoff under the QRE limit (information-set version) equals the SPE's.  Samples with
    ties may pick different, payoff-different equilibria; they are at most a tenth here.
    """
    sc = load_scenario(name)
    spe, qre = CrisisModel(sc, solver="spe"), CrisisModel(sc, solver="qre")
    params = spe.draw(11, 0, 24)
    a, b = spe.evaluate(params), qre.evaluate(params)
    assert not b.failed.any()
    _, solution = spe.game(params)
    tied = np.asarray(solution.ties).reshape(24, -1).any(axis=1)
    payoffs = [key for key in a.metrics if key.startswith("payoff.")]
    assert payoffs
    differ = np.zeros(24, dtype=bool)
    for key in payoffs:
        differ |= ~np.isclose(b.metrics[key], a.metrics[key], rtol=0, atol=1e-5)
    assert not (differ & ~tied).any(), np.flatnonzero(differ & ~tied)
    assert differ.sum() <= 2


# ------------------------------------------------------------------------------- solvers


def _solver_cases() -> list[object]:
    from conftest import contrib_games

    from brink.efg import read_efg
    from brink.solvers.registry import SOLVERS

    cases = []
    for path in contrib_games():
        game = read_efg(path)
        if not game.has_perfect_recall:
            continue
        for name, entry in sorted(SOLVERS.items()):
            if entry.accepts(game.is_perfect_information):
                cases.append(pytest.param(name, path, id=f"{name}-{path.stem}"))
    return cases


@pytest.mark.shared
@pytest.mark.parametrize(("solver", "path"), _solver_cases())
def test_every_registered_solver_passes_the_regret_check(solver: str, path: object) -> None:
    """Every solver in the registry, on every contrib game it accepts: what it reports is an
    equilibrium (max regret at most 1e-6 of the payoff range), by brink's own regret, which
    ``test_regret`` checks against pygambit's.  A solver registered as a behavioural model
    at a finite logit precision (``equilibrium=False``) is held to the logit bound instead:
    its one-shot (sequential) regret is at most ``ln(n) / lam`` at a node with ``n`` actions
    (softmax maximises ``sigma . U + H(sigma) / lam``, and ``H <= ln n``)."""
    from brink.efg import read_efg
    from brink.solvers.registry import SOLVERS
    from brink.solvers.regret import max_regret, sequential_regrets

    game = read_efg(path)  # type: ignore[arg-type]
    solution = SOLVERS[solver](game)
    assert solution.solver == solver
    payoffs = game.terminal_payoffs()
    scale = max(float(np.ptp(payoffs)), 1e-300) if payoffs.size else 1.0
    if not SOLVERS[solver].equilibrium:
        assert solution.lam is not None and 0 < solution.lam < np.inf
        widest = int(game.num_children[game.node_player >= 0].max(initial=1))
        bound = np.log(widest) / solution.lam
        assert float(np.max(sequential_regrets(game, solution.profile))) <= bound + 1e-9 * scale
        return
    assert float(np.max(max_regret(game, solution.profile))) <= 1e-6 * scale


def test_the_solver_contract_covers_every_registered_solver() -> None:
    from brink.solvers.registry import SOLVERS

    covered = {case.values[0] for case in _solver_cases()}  # type: ignore[attr-defined]
    assert covered == set(SOLVERS) or not covered  # no data sets: nothing to cover
