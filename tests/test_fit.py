"""Structural estimation (brink.fit): Signorino's closed forms, the analytic gradient, parameter
recovery with coverage, standard errors against the bootstrap, the tests between
specifications, and the logit precision against pygambit's estimator."""

from __future__ import annotations

import numpy as np
import pytest

from brink.errors import InputError
from brink.fit import (
    Specification,
    bootstrap,
    choice_probabilities,
    deterrence_tree,
    fit,
    likelihood_ratio,
    log_likelihood,
    signorino_probabilities,
    simulate_paths,
    terminal_probabilities,
    vuong,
)

#: Signorino's deterrence tree with a covariate ``x`` (e.g. the challenger's capability share)
#: in the challenger's value of the target yielding and of war, and the target's value of war.
#: Each side's status quo and backing down are the zeros of its scale (as in egame12's usual
#: normalisation: a constant for each of the three is not identified from the choices).
NAMES = ("A.yield", "A.yield.x", "A.war", "A.war.x", "B.yield", "B.war", "B.war.x")
TRUE = np.array([0.5, 1.0, -1.0, 0.8, -0.3, -1.2, 0.7])


def weights() -> np.ndarray:
    W = np.zeros((7, 4, 2))  # terminals: status quo, yield, back down, war; players A, B
    W[0, 1, 0] = W[1, 1, 0] = W[2, 3, 0] = W[3, 3, 0] = 1
    W[4, 1, 1] = W[5, 3, 1] = W[6, 3, 1] = 1
    return W


def specification(n: int, seed: int) -> Specification:
    x = np.random.default_rng(seed).normal(size=n)
    one = np.ones(n)
    return Specification(deterrence_tree(), NAMES, weights(), np.stack([one, x, one, x, one, one, x], axis=1))


def test_choice_probabilities_equal_signorinos_closed_forms() -> None:
    spec = specification(500, 0)
    u = np.einsum("k,nk,ktp->ntp", TRUE, spec.covariates, spec.weights)
    closed = signorino_probabilities(u[:, :, 0], u[:, :, 1])
    edges = choice_probabilities(spec, TRUE, 1.0)  # edges: quo, challenge, yield, resist, back down, war
    assert np.allclose(edges[:, 1], closed["challenge"], rtol=0, atol=1e-14)
    assert np.allclose(edges[:, 3], closed["resist"], rtol=0, atol=1e-14)
    assert np.allclose(edges[:, 5], closed["war"], rtol=0, atol=1e-14)
    reach = terminal_probabilities(spec, TRUE, 1.0)
    assert np.allclose(reach[:, 3], closed["challenge"] * closed["resist"] * closed["war"], atol=1e-14)
    assert np.allclose(reach.sum(axis=1), 1.0)


def test_the_analytic_gradient_equals_finite_differences() -> None:
    spec = specification(400, 1)
    observed = simulate_paths(spec, TRUE, 1.0, np.random.default_rng(2))
    theta, lam = TRUE * 0.7, 1.4
    _, grad = log_likelihood(spec, theta, lam, observed)
    for k in range(len(theta) + 1):
        h = 1e-6
        up, down = theta.copy(), theta.copy()
        lam_up, lam_down = lam, lam
        if k < len(theta):
            up[k] += h
            down[k] -= h
        else:
            lam_up, lam_down = lam * np.exp(h), lam * np.exp(-h)
        numeric = (log_likelihood(spec, up, lam_up, observed, gradient=False)[0].sum()
                   - log_likelihood(spec, down, lam_down, observed, gradient=False)[0].sum()) / (2 * h)
        assert grad[:, k].sum() == pytest.approx(numeric, rel=1e-6, abs=1e-6)


def test_observing_only_challenged_cases_conditions_on_the_challenge() -> None:
    """Disputes enter the data only once started: the likelihood from the target's node is the
    full path's minus the log probability of the challenge."""
    spec = specification(300, 3)
    observed = simulate_paths(spec, TRUE, 1.0, np.random.default_rng(4), root=np.full(300, 2))
    full, _ = log_likelihood(spec, TRUE, 1.0, observed)
    sub, _ = log_likelihood(spec, TRUE, 1.0, observed, np.full(300, 2))
    challenge = choice_probabilities(spec, TRUE, 1.0)[:, 1]
    assert np.allclose(full - sub, np.log(challenge), atol=1e-12)


@pytest.mark.slow
def test_parameters_are_recovered_within_their_intervals() -> None:
    """Data simulated at known parameters (1,000 cases, 60 replications): each 95% interval covers
    the truth in at least 90% of the replications."""
    covered = np.zeros(len(TRUE))
    reps = 60
    for r in range(reps):
        spec = specification(1000, 100 + r)
        observed = simulate_paths(spec, TRUE, 1.0, np.random.default_rng(200 + r))
        result = fit(spec, observed)
        assert result.converged
        lo, hi = result.interval()
        covered += (lo <= TRUE) & (hi >= TRUE)
    assert np.all(covered / reps >= 0.90), covered / reps


def test_standard_errors_agree_with_the_bootstrap() -> None:
    spec = specification(2000, 7)
    observed = simulate_paths(spec, TRUE, 1.0, np.random.default_rng(8))
    result = fit(spec, observed)
    boot = bootstrap(spec, observed, result, replications=60, seed=1)
    ratio = boot / result.standard_error
    assert np.all((ratio > 0.7) & (ratio < 1.4)), ratio


def test_likelihood_ratio_and_vuong_prefer_the_true_specification() -> None:
    spec = specification(3000, 9)
    observed = simulate_paths(spec, TRUE, 1.0, np.random.default_rng(10))
    full = fit(spec, observed)
    keep = [0, 2, 4, 5]  # no covariate
    restricted_spec = Specification(spec.game, tuple(NAMES[k] for k in keep), spec.weights[keep],
                                    spec.covariates[:, keep])
    restricted = fit(restricted_spec, observed)
    lr = likelihood_ratio(restricted, full)
    assert lr["df"] == 3 and lr["p_value"] < 1e-6
    v = vuong(full, restricted, correction="bic")
    assert v["z"] > 2
    with pytest.raises(InputError):
        likelihood_ratio(full, restricted)


def test_the_precision_equals_a_brute_force_maximum_over_pygambits_qre() -> None:
    """With payoffs fixed, brink's maximum-likelihood lambda equals the brute-force maximiser of
    the same likelihood over pygambit's agent logit QRE (``logit_solve_lambda``), to 1e-4.

    pygambit's own estimator (``qre.logit_estimate`` on a behaviour profile of counts) ends in a
    segmentation fault in pygambit 16.7.0 on this game, and its ``use_empirical`` variant fits
    another model (empirical payoffs; 2.03 here against 1.995), so the peer is its QRE solver
    and a bounded scalar search (the issue's fallback).
    """
    gbt = pytest.importorskip("pygambit")
    from scipy.optimize import minimize_scalar

    payoffs = np.array([[0.0, 0.0], [1.0, -1.0], [-0.5, 0.5], [-1.0, -2.0]])  # quo, yield, back down, war
    n = 400
    spec = Specification(deterrence_tree(), (), np.zeros((0, 4, 2)), np.zeros((n, 0)), offset=payoffs)
    observed = simulate_paths(spec, np.zeros(0), 2.0, np.random.default_rng(5))
    result = fit(spec, observed, estimate_lambda=True, lam=1.0)
    quo, yielded, backed, war = (float((observed == t).sum()) for t in deterrence_tree().terminals)

    g = gbt.Game.new_tree(players=["A", "B"])
    g.append_move(g.root, "A", ["status quo", "challenge"])
    challenged = g.root.children["challenge"]
    g.append_move(challenged, "B", ["yield", "resist"])
    resisted = challenged.children["resist"]
    g.append_move(resisted, "A", ["back down", "war"])
    leaves = [g.root.children["status quo"], challenged.children["yield"], resisted.children["back down"],
              resisted.children["war"]]
    for i, (leaf, (a, b)) in enumerate(zip(leaves, payoffs, strict=True)):
        g.set_outcome(leaf, g.add_outcome(f"outcome {i}", [float(a), float(b)]))

    def minus_log_likelihood(lam: float) -> float:
        q = gbt.qre.logit_solve_lambda(g, lam=[lam], use_strategic=False)[0]
        # pygambit's flat order: A's sets (status quo | challenge, back down | war), then B's (yield | resist)
        sq, ch, back, fight, yld, resist = (float(q[i]) for i in range(len(q)))
        return -(quo * np.log(sq) + (yielded + backed + war) * np.log(ch) + yielded * np.log(yld)
                 + (backed + war) * np.log(resist) + backed * np.log(back) + war * np.log(fight))

    peer = minimize_scalar(minus_log_likelihood, bounds=(0.5, 5.0), method="bounded", options={"xatol": 1e-7})
    assert result.lam == pytest.approx(float(peer.x), abs=1e-4)
    assert result.log_likelihood == pytest.approx(-float(peer.fun), abs=1e-4)


def test_bad_input_is_refused() -> None:
    spec = specification(10, 0)
    with pytest.raises(InputError, match="terminal"):
        log_likelihood(spec, TRUE, 1.0, np.zeros(10, dtype=np.int64))
    with pytest.raises(InputError, match="finite"):
        Specification(spec.game, NAMES, spec.weights, np.full((3, len(NAMES)), np.nan))


def test_a_templates_game_with_fixed_payoffs_matches_qbi_and_recovers_the_precision() -> None:
    """The escalation game's own payoffs: the likelihood's path probabilities equal the qbi solver's
    terminal reach, and lambda is recovered from 2,000 simulated paths within its interval."""
    from pathlib import Path

    from brink.fit.games import fixed_payoffs
    from brink.scenario import load_scenario
    from brink.solvers import solve
    from brink.templates import get_template

    sc = load_scenario(str(Path(__file__).parent / "fixtures" / "escalation-small.yaml"))
    game = get_template("escalation").build(sc, sc.parameters.draw(0, 0, 1))
    solution = solve(game, solver="qbi", lam=2.0)
    reach = np.asarray(solution.reach).reshape(-1, game.n_nodes)[0][game.terminals]
    assert np.allclose(terminal_probabilities(fixed_payoffs(game, 1), np.zeros(0), 2.0)[0], reach, atol=1e-14)
    spec = fixed_payoffs(game, 2000)
    observed = simulate_paths(spec, np.zeros(0), 2.0, np.random.default_rng(1))
    result = fit(spec, observed, estimate_lambda=True)
    lo, hi = result.interval()
    assert lo[0] <= 2.0 <= hi[0] and result.standard_error[0] < 0.2
