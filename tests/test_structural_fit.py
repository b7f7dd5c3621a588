"""The structural fit of the escalation game to ICB (brink.fit.structural; docs/icb-fit.md)."""

from __future__ import annotations

import json
import math
import os
from importlib import resources
from typing import Any

import numpy as np
import pytest

from brink.fit import icb_fit
from brink.fit import structural as S  # noqa: N812
from brink.model import CrisisModel
from brink.scenario import scenario_from_data

#: Parameters of the recovery tests: lambda 1.35 (2.0 at a nuclear dyad), war costs 0.3 per
#: round (less for the stronger side), the balance a flatter, shifted capability ratio, a war
#: decided with probability 0.2 per round at full intensity.
TRUE = np.array([0.3, 0.4, math.log(0.3), -0.3, 0.5, 0.7, math.log(0.2 / 0.8)])


def covariates(n: int, seed: int, nuclear: float = 0.07) -> S.StructuralData:
    """Real-looking covariates: ICB challengers' log power ratio has median -0.5 and quartiles
    -1.8 and 0.9 (about normal(-0.4, 2.1)); 7% of them are nuclear dyads (20 of 296)."""
    rng = np.random.default_rng(seed)
    return S.StructuralData(np.arange(n), np.full(n, 1970), np.zeros(n, dtype=np.int64),
                            rng.normal(-0.4, 2.1, n), (rng.random(n) < nuclear).astype(np.float64))


def direct_probabilities(theta: np.ndarray, log_ratio: float, nuclear: float) -> np.ndarray:
    """One crisis's six ending probabilities from its own scenario, the numbers written into
    the file (no per-sample parameters), solved with qbi at its own lambda."""
    a0, a1, b0, b1, g0, g1, d0 = theta
    data: dict[str, Any] = json.loads(json.dumps(S.GENERIC_CRISIS))
    data["crisis"]["balance"] = float(1 / (1 + math.exp(-(g0 + g1 * log_ratio))))
    data["costs"]["conventional_war"] = float(math.exp(b0 + b1 * log_ratio))
    data["costs"]["target_war"] = float(math.exp(b0 - b1 * log_ratio))
    data["process"]["decisiveness"] = float(1 / (1 + math.exp(-d0)))
    o = CrisisModel(scenario_from_data(data), "qbi", float(math.exp(a0 + a1 * nuclear))).evaluate({}).outcomes
    # war_decided is the sum of the two war endings: an identity the mapping must keep
    assert float(o["war_decided"][0]) == pytest.approx(
        float(o["challenger_victory"][0] - o["target_concedes"][0] + o["challenger_defeat"][0]), abs=1e-9)
    return np.array([o["settlement"][0], o["target_concedes"][0], o["challenger_concedes"][0],
                     o["challenger_victory"][0] - o["target_concedes"][0], o["challenger_defeat"][0],
                     o["stalemate"][0]])


def test_likelihood_equals_a_direct_computation_on_a_tiny_case() -> None:
    theta = np.array([0.2, 0.5, math.log(0.4), -0.2, 0.3, 0.8, -1.5])
    data = S.StructuralData(np.arange(4), np.full(4, 1960), np.array([0, 3, 5, 2]),
                            np.array([-1.5, 0.0, 2.0, 0.7]), np.array([0.0, 1.0, 0.0, 1.0]))
    direct = np.array([direct_probabilities(theta, r, nd) for r, nd in zip(data.log_ratio, data.nuclear_dyad,
                                                                             strict=True)])
    assert direct.sum(axis=1) == pytest.approx(np.ones(4), abs=1e-9)
    p = S.ending_probabilities(theta, data)
    assert p == pytest.approx(direct, abs=1e-9)
    expected = float(np.log(direct[np.arange(4), data.ending]).sum())
    assert S.log_likelihood(theta, data) == pytest.approx(expected, abs=1e-9)
    # the parameters move the probabilities the way the model says
    stronger = np.array([0.2, 0.5, math.log(0.4), -0.2, 2.0, 0.8, -1.5])
    assert S.ending_probabilities(stronger, data)[:, 3].sum() > p[:, 3].sum()


def test_gradient_check() -> None:
    """The central-difference gradient the optimiser uses agrees with a five-point stencil, and
    vanishes at the maximum of a simulated data set."""
    data = S.simulate_endings(TRUE, covariates(150, 1), seed=2)
    x = TRUE + 0.1

    def f(t: np.ndarray) -> float:
        return S.log_likelihood(t, data)

    g = S.numerical_gradient(f, x)
    h = 1e-3
    five = np.empty(len(x))
    for k in range(len(x)):
        e = np.zeros(len(x))
        e[k] = h
        five[k] = (-f(x + 2 * e) + 8 * f(x + e) - 8 * f(x - e) + f(x - 2 * e)) / (12 * h)
    assert g == pytest.approx(five, rel=1e-3, abs=1e-3)
    assert np.abs(g).max() > 1.0  # off the maximum the gradient is not flat
    fit = S.fit_structural(data)
    assert not fit.extra["at_bound"]
    assert np.abs(S.numerical_gradient(f, fit.estimate)).max() < 0.05


def _replication(rep: int, n: int, nuclear: float, start: np.ndarray | None) -> np.ndarray:
    """Whether each parameter's 95% interval covers the truth in replication ``rep``."""
    data = S.simulate_endings(TRUE, covariates(n, rep, nuclear), seed=1000 + rep)
    fit = S.fit_structural(data, start)
    lo, hi = fit.interval()
    return np.asarray((lo <= TRUE) & (hi >= TRUE))


def _recovery(replications: int, n: int, nuclear: float = 0.07, start: np.ndarray | None = None,
              workers: int = 1) -> np.ndarray:
    """Coverage per replication and parameter (replications in ``workers`` processes)."""
    if workers <= 1:
        return np.asarray([_replication(rep, n, nuclear, start) for rep in range(replications)])
    from concurrent.futures import ProcessPoolExecutor
    from functools import partial

    with ProcessPoolExecutor(workers) as pool:
        return np.asarray(list(pool.map(partial(_replication, n=n, nuclear=nuclear, start=start), range(replications))))


def test_recovery_quick() -> None:
    """3 replications of 200 crises (20% nuclear dyads, so that each replication has some; the
    search started at the truth to save time): at least 80% of the 21 intervals cover the truth
    (the slow test asks 90% of 50 replications of 2,000, searched from :data:`START`)."""
    hits = _recovery(3, 200, nuclear=0.2, start=TRUE)
    assert hits.mean() >= 0.8, hits


@pytest.mark.slow
def test_recovery_300_crises_4_replications() -> None:
    """The recovery study CI can afford: 4 replications of 300 crises (20% nuclear dyads), each
    searched from the truth, run on every core: at least 85% of the 28 intervals cover the truth
    (measured 27 of 28; expected 95%; the full study below asks 90% per parameter of 50
    replications of 2,000, and its measured figures are in its reason)."""
    hits = _recovery(4, 300, nuclear=0.2, start=TRUE, workers=os.cpu_count() or 1)
    assert hits.mean() >= 0.85, hits


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason="measured on brink 0.5.0 (2026-12-07, all 50 replications, 175 core-minutes): "
                   "coverage lambda.const 0.96, lambda.nuclear_dyad 0.94, cost.const 0.96, cost.log_ratio 0.94, "
                   "balance.const 0.96, balance.log_ratio 0.88 (44 of 50), decisiveness.const 0.96; 94.3% of the "
                   "350 intervals: the Wald interval of the capability slope covers too rarely")
@pytest.mark.skipif(os.environ.get("BRINK_RECOVERY_STUDY") != "1",
                    reason="the full recovery study takes about 100 core-minutes (50 replications of 2,000 crises, "
                           "about 2 minutes each): run it with BRINK_RECOVERY_STUDY=1 on a machine with many cores")
def test_recovery_2000_crises_50_replications() -> None:
    """Issue 23: on 2,000 crises simulated from the model, each parameter's 95% interval covers
    the truth in at least 90% of 50 replications (about 2 minutes a replication on one core;
    the replications run in parallel on every core)."""
    hits = _recovery(50, 2000, workers=os.cpu_count() or 1)
    assert (hits.mean(axis=0) >= 0.9).all(), hits.mean(axis=0)


def test_simulated_endings_follow_the_probabilities() -> None:
    data = covariates(3000, 3)
    sim = S.simulate_endings(TRUE, data, seed=4)
    p = S.ending_probabilities(TRUE, data).mean(axis=0)
    freq = np.bincount(sim.ending, minlength=6) / data.cases
    assert freq == pytest.approx(p, abs=4 * math.sqrt(0.25 / data.cases))


def test_loss_of_control_bound_is_the_rule_of_three() -> None:
    table = {"crisno": np.array([1, 1, 2, 3, 4]), "nuclear_a": np.array([1.0, 1.0, 1.0, 0.0, np.nan]),
             "nuclear_b": np.array([1.0, 0.0, 1.0, 1.0, 1.0])}
    b = S.loss_of_control_bound(table, rounds=3)
    assert b["nuclear_dyad_crises"] == 2 and b["crisis_rounds"] == 6
    assert b["rule_of_three_95"] == pytest.approx(0.5)
    assert (1 - b["exact_95"]) ** 6 == pytest.approx(0.05)
    assert not b["identified"]


def stored() -> dict[str, Any]:
    return json.loads(resources.files("brink.data").joinpath("icb_fit.json").read_text(encoding="utf-8"))


def test_stored_fit_is_complete_and_round_trips() -> None:
    d = stored()
    assert d["parameters"] == list(S.PARAMETERS) and d["version"] == icb_fit.FIT_VERSION
    assert d["n"] == sum(d["endings"].values()) and d["n"] > 250
    assert set(d["data_checksum"]) >= {"data/icb/icb1v14.csv", "data/icb/icb2v14.csv"}
    assert all(len(h) == 64 for h in d["data_checksum"].values())
    fit = S.load_fit()
    again = S.StructuralFit.from_json(json.loads(json.dumps(fit.to_json())))
    assert again.estimate == pytest.approx(fit.estimate)
    assert np.array_equal(np.isnan(again.covariance), np.isnan(fit.covariance))
    lam, lo, hi = S.fitted_lambda()
    a0, se = d["estimate"][0], math.sqrt(d["covariance"][0][0])
    assert (lam, lo, hi) == pytest.approx((math.exp(a0), math.exp(a0 - 1.959964 * se), math.exp(a0 + 1.959964 * se)))
    assert d["loss_of_control"]["rule_of_three_95"] == pytest.approx(3 / d["loss_of_control"]["crisis_rounds"])


def fitted_scenario(cap_c: float, cap_t: float, **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(json.dumps(S.GENERIC_CRISIS))
    data["fitted"] = "icb"
    data["as_of"] = "2021-01-01"  # after the last fitted crisis: the whole fit, not a vintage
    del data["crisis"]["balance"]
    del data["costs"]
    data["actors"]["C"]["capability"] = cap_c
    data["actors"]["T"]["capability"] = cap_t
    data.update(extra)
    return data


def test_fitted_icb_priors_are_recomputed_from_the_stored_fit() -> None:
    d = stored()
    theta = np.asarray(d["estimate"])
    cov = np.asarray([[np.nan if v is None else v for v in row] for row in d["covariance"]])
    cap_c, cap_t = 0.02, 0.08
    sc = scenario_from_data(fitted_scenario(cap_c, cap_t))
    r = math.log(cap_c / cap_t)
    x = np.array([0, 0, 0, 0, 1.0, r, 0])
    idx = np.array([4, 5])
    mu, sd = float(x @ theta), math.sqrt(float(x[idx] @ cov[np.ix_(idx, idx)] @ x[idx]))
    if d["identified"]["balance.const"] and d["identified"]["balance.log_ratio"]:
        assert sc.provenance["crisis.balance"] == "fit:icb"
        spec = str(sc.parameters.distributions[f"parameters.{icb_fit.BALANCE_PARAMETER}"].spec)
        got = [float(v) for v in spec[spec.index("(") + 1:-1].split(",")]
        assert got == pytest.approx([mu, sd], rel=1e-5)
        draws = CrisisModel(sc).draw(0, 0, 4000)
        balance = sc.parameters.derive(draws, 4000)["crisis.balance"]
        assert float(np.median(balance)) == pytest.approx(1 / (1 + math.exp(-mu)), abs=0.02)
    x = np.array([0, 0, 1.0, r, 0, 0, 0])
    if d["identified"]["cost.const"] and d["identified"]["cost.log_ratio"]:
        assert sc.provenance["costs.conventional_war"] == "fit:icb"
        idx = np.array([2, 3])
        spec = str(sc.parameters.distributions["costs.conventional_war"].spec)
        got = [float(v) for v in spec[spec.index("(") + 1:-1].split(",")]
        assert got == pytest.approx([float(x @ theta), math.sqrt(float(x[idx] @ cov[np.ix_(idx, idx)] @ x[idx]))],
                                    rel=1e-5)
    else:  # not identified: the scenario keeps its judgement (here the template default) and says so
        assert sc.provenance.get("costs.conventional_war") != "fit:icb"
        assert "not identified" in sc.sources["fit:icb"]


def test_vintage_rule() -> None:
    """A scenario takes the fit on the crises before its year: the whole fit when every fitted
    crisis is in its past, else the latest vintage not after its year."""
    assert icb_fit.vintage_for("", 2017) is None
    assert icb_fit.vintage_for("2022-10-01", 2017) is None
    assert icb_fit.vintage_for("2017-06-01", 2017) == 2015  # crises of 2017 are not all in its past
    assert icb_fit.vintage_for("1962-10-22", 2017) == 1960
    assert icb_fit.vintage_for("1960-01-01", 2017) == 1960
    assert icb_fit.vintage_for("1959-12-31", 2017) == 1955
    with pytest.raises(ValueError, match="1918"):
        icb_fit.vintage_for("1914-07-23", 2017)
    with pytest.raises(ValueError, match="not an ISO date"):
        icb_fit.vintage_for("July 1914", 2017)


def test_stored_vintages_are_fits_on_the_crises_before_their_year() -> None:
    d = stored()
    assert list(d["vintages"]) == [str(v) for v in icb_fit.VINTAGES]
    ns = [d["vintages"][str(v)]["n"] for v in icb_fit.VINTAGES]
    assert ns == sorted(ns) and ns[-1] < d["n"] and ns[0] > 0
    for v in icb_fit.VINTAGES:
        vint = d["vintages"][str(v)]
        assert vint["before"] == v and vint["years"][1] < v and vint["n"] == sum(vint["endings"].values())
        fit = S.load_fit(vintage=v)
        assert fit.n == vint["n"] and fit.estimate == pytest.approx(vint["estimate"])
    with pytest.raises(Exception, match="no vintage 1931"):
        S.load_fit(vintage=1931)


@pytest.mark.parametrize(("as_of", "vintage"), [("1962-10-22", 1960), ("1999-05-15", 1995), ("2021-01-01", None)])
def test_fitted_icb_takes_the_vintage_of_the_scenario_date(as_of: str, vintage: int | None) -> None:
    """The balance's prior is recomputed from the vintage the date names (or the whole fit)."""
    fit = S.load_fit(vintage=vintage)
    cap_c, cap_t = 0.05, 0.03
    sc = scenario_from_data(fitted_scenario(cap_c, cap_t, as_of=as_of))
    x = np.array([0, 0, 0, 0, 1.0, math.log(cap_c / cap_t), 0])
    idx = np.array([4, 5])
    mu = float(x @ fit.estimate)
    sd = math.sqrt(float(x[idx] @ fit.covariance[np.ix_(idx, idx)] @ x[idx]))
    source = sc.sources["fit:icb"]
    assert (f"vintage {vintage}" in source) if vintage else ("vintage" not in source)
    if fit.identified()["balance.const"] and fit.identified()["balance.log_ratio"]:
        spec = str(sc.parameters.distributions[f"parameters.{icb_fit.BALANCE_PARAMETER}"].spec)
        assert [float(v) for v in spec[spec.index("(") + 1:-1].split(",")] == pytest.approx([mu, sd], rel=1e-5)
    else:
        assert "not identified" in source


def test_fitted_icb_refuses_a_date_before_the_data() -> None:
    from brink.errors import InputError

    with pytest.raises(InputError, match="1918") as exc:
        scenario_from_data(fitted_scenario(0.05, 0.03, as_of="1914-07-23"))
    assert "as_of" in str(exc.value)


def test_fitted_icb_refuses_what_it_cannot_fill() -> None:
    from brink.errors import InputError

    with pytest.raises(InputError, match="capability"):
        data = fitted_scenario(0.02, 0.08)
        del data["actors"]["T"]["capability"]
        scenario_from_data(data)
    with pytest.raises(InputError, match="fitted: icb"):
        scenario_from_data(fitted_scenario(0.02, 0.08, fitted="mid"))


def test_a_written_value_is_the_fallback_where_the_vintage_does_not_identify_it() -> None:
    """The file's balance is kept where the fit (its vintage) does not identify the balance and
    replaced, with the replacement named in the source entry, where it does."""
    for as_of, vintage in (("1961-06-05", 1960), ("2021-01-01", None)):
        data = fitted_scenario(0.02, 0.08, as_of=as_of)
        data["crisis"]["balance"] = 0.4
        data["provenance"]["crisis.balance"] = "assumption: a judgement"
        sc = scenario_from_data(data)
        known = S.load_fit(vintage=vintage).identified()
        if known["balance.const"] and known["balance.log_ratio"]:
            assert sc.provenance["crisis.balance"] == "fit:icb"
            assert "replaced the file's fallback for crisis.balance (written 0.4)" in sc.sources["fit:icb"]
        else:
            assert sc.provenance["crisis.balance"] == "assumption: a judgement"
            assert "kept as written: " in sc.sources["fit:icb"] and "crisis.balance" in sc.sources["fit:icb"]
            assert float(sc.crisis.balance.root) == 0.4  # type: ignore[attr-defined]


def test_structural_predictor_sums_to_the_four_outcomes() -> None:
    from brink.fit.icb import COVARIATES, IcbCases

    data = S.simulate_endings(TRUE, covariates(200, 5), seed=6)
    four = np.array([1, 0, 3, 0, 3, 2])[data.ending]  # settlements are compromises; some undecided too
    four[(data.ending == 5) & (np.arange(200) % 4 == 0)] = 1
    balance = 1 / (1 + np.exp(-data.log_ratio))
    x = np.zeros((200, len(COVARIATES)))
    names = list(COVARIATES)
    x[:, names.index("nuclear_a")] = data.nuclear_dyad
    x[:, names.index("nuclear_b")] = data.nuclear_dyad
    cases = IcbCases(data.crisno, np.where(np.arange(200) < 150, 1970, 1995), four, x, balance, ending=data.ending)
    train, test = cases.subset(cases.year < 1990), cases.subset(cases.year >= 1990)
    p = S.structural_predictor(train, test)
    assert p.shape == (50, 4)
    assert p.sum(axis=1) == pytest.approx(np.ones(50))
    with pytest.raises(Exception, match="challenger"):
        S.structural_predictor(IcbCases(cases.crisno, cases.year, four, x, balance), test)


@pytest.mark.shared
def test_stored_fit_names_the_shared_data_it_was_made_from(shared_dir: Any) -> None:
    """The committed fit was derived from these files (scripts/derive_icb_fit.py rewrites it)."""
    assert stored()["data_checksum"] == S.data_checksum(shared_dir)


@pytest.mark.shared
def test_cli_fit_icb_writes_the_fit(shared_dir: Any, tmp_path: Any, capsys: pytest.CaptureFixture[str],
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from brink.cli import main
    from brink.history.icb import icb_table

    out = tmp_path / "fit.json"
    monkeypatch.setattr(sys, "argv", ["brink", "fit", "--data", "icb", "--before", "1960", "--shared", str(shared_dir),
                                      "--out", str(out), "--no-store"])
    with pytest.raises(SystemExit) as exc:
        main()
    assert exc.value.code in (0, None), capsys.readouterr().err
    assert "lambda" in capsys.readouterr().out
    d = json.loads(out.read_text())
    assert d["before"] == 1960 and d["years"][1] < 1960 and d["parameters"] == list(S.PARAMETERS)
    fit = S.StructuralFit.from_json(d)
    data = S.structural_data(icb_table(shared_dir))
    data = data.subset(data.year < 1960)
    assert fit.n == data.cases
    assert S.log_likelihood(fit.estimate, data) == pytest.approx(d["log_likelihood"], abs=1e-6)


def test_cli_fit_icb_refuses_options_of_the_mid_fit(capsys: pytest.CaptureFixture[str],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from brink.cli import main

    for args, words in ((("--out", "x.json"), "add --data icb"), (("--data", "icb", "--bootstrap", "5"), "MID fit"),
                        (("--data", "cow"), "unknown data")):
        monkeypatch.setattr(sys, "argv", ["brink", "fit", *args, "--no-store"])
        with pytest.raises(SystemExit) as exc:
            main()
        err = capsys.readouterr().err
        assert exc.value.code == 2 and words in err and "Traceback" not in err, (args, err)


@pytest.mark.shared
def test_fitted_icb_reads_the_covariates_from_data_fills(shared_dir: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """from_data fills the capabilities for the year; fitted: icb then reads them."""
    monkeypatch.setenv("BRINK_SHARED", str(shared_dir))
    data = fitted_scenario(0.1, 0.1)
    data["actors"] = {
        "RUS": {"kind": "state", "name": "Russia", "from_data": {"year": 2014},
                "nuclear": {"strategic": 1600, "non_strategic": 1900},
                "leader": {"W": 0.1, "S": 1.0, "office_value": 0.0, "punishment_cost": 0.0}},
        "UKR": {"kind": "state", "name": "Ukraine", "from_data": {"year": 2014}},
        "USA": {"kind": "state", "name": "United States", "from_data": {"year": 2014},
                "nuclear": {"strategic": 1600, "non_strategic": 500}},
    }
    data["crisis"].update(challenger="RUS", target="UKR", defender="USA")
    data["doctrines"] = {"USA": data["doctrines"]["D"]}
    sc = scenario_from_data(data)
    cap_r, cap_u = sc.actors["RUS"].capability, sc.actors["UKR"].capability
    assert sc.provenance["actors.RUS.capability"] == "from_data"
    ratio = math.log(float(cap_r.root) / float(cap_u.root))  # type: ignore[union-attr]
    assert f"log power ratio {ratio:.3f}" in sc.sources["fit:icb"]
    assert "nuclear dyad False" in sc.sources["fit:icb"]


def test_a_value_set_on_the_command_line_is_never_replaced_by_the_fit() -> None:
    """``--set crisis.balance=0.1`` on a scenario with ``fitted: icb`` runs at 0.1, and the
    source entry says the fit did not set it."""
    from brink.scenario import load_scenario

    sc = load_scenario("crimea-2014", ["crisis.balance=0.1"])
    assert float(sc.crisis.balance.root) == 0.1  # type: ignore[attr-defined]
    assert "set by --set, not by the fit: crisis.balance" in sc.sources["fit:icb"]
    assert load_scenario("crimea-2014").provenance["crisis.balance"] == "fit:icb"
