"""The self-contained HTML report: offline, every chart carries data; static figures; tree layout."""

from __future__ import annotations

import json
import re
import subprocess
from html import escape as html_escape
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from web_server import CHROMIUM, CHROMIUM_ARGS

from brink.analysis.test_functions import IshigamiEvaluator
from brink.drawing import game_tree_figure, tree_layout
from brink.errors import InputError
from brink.games import TreeBuilder
from brink.report import build_report, strip_urls, write_figures, write_report
from brink.report.figures import write_static
from brink.solvers import solve

FIGURE = re.compile(
    r'<script type="application/json" class="brink-figure"[^>]*>(.*?)</script>', re.S
)


def entry_game() -> tuple[object, object]:
    b = TreeBuilder("entry deterrence", ["Entrant", "Incumbent"])
    out, enter = b.move(b.root, "Entrant", ["out", "in"])
    b.outcome(out, [0, 2])
    fight, share = b.move(enter, "Incumbent", ["fight", "share"])
    b.outcome(fight, [-1, -1])
    b.outcome(share, [1, 1])
    game = b.build()
    return game, solve(game)


@pytest.fixture(scope="module")
def report() -> tuple[str, dict[str, object]]:
    game, sol = entry_game()
    return build_report(
        IshigamiEvaluator(),
        samples=400,
        seed=1,
        sensitivity_samples=32,
        outcome="high",
        game=game,  # type: ignore[arg-type]
        solution=sol,  # type: ignore[arg-type]
        assumptions=[["x1", "uniform(-pi, pi)", "assumption"]],
        sources={"ishigami": "Ishigami & Homma 1990 <test>"},
        description="A test function <with> a description.",
        as_of="2022-10-01",
    )


def test_report_is_offline(report: tuple[str, dict[str, object]]) -> None:
    html, _ = report
    assert "http://" not in html and "https://" not in html
    assert "sourceMappingURL" not in html
    assert re.search(r"<(?:script|link|img|iframe)[^>]+(?:src|href)=", html) is None
    assert "Plotly.newPlot" in html and len(html) > 1_000_000  # plotly.js is inline
    assert "Ishigami &amp; Homma 1990 &lt;test&gt;" in html  # cells are escaped


def test_every_chart_has_data(report: tuple[str, dict[str, object]]) -> None:
    html, figs = report
    blocks = FIGURE.findall(html)
    assert len(blocks) == len(figs) == 4
    for block in blocks:
        spec = json.loads(block)
        assert spec["data"], "figure without traces"
        for trace in spec["data"]:
            values = [
                v
                for v in (trace.get("x") or []) + (trace.get("y") or [])
                if isinstance(v, int | float)
            ]
            assert values, f"trace {trace.get('name')} has no numbers"
    sens = json.loads(blocks[2])
    assert {t["name"] for t in sens["data"]} == {"total (ST)", "first order (S1)"}
    tree = json.loads(blocks[1])
    path = next(t for t in tree["data"] if t["name"] == "equilibrium path")
    # Backward induction: the incumbent shares, so the entrant enters: root -> in -> share.
    assert [v for v in path["x"] if v is not None] == [0.0, 1.0, 1.0, 2.0]


def test_write_report_and_static_figures(
    report: tuple[str, dict[str, object]], tmp_path: Path
) -> None:
    html, figs = report
    out = write_report(tmp_path / "r" / "report.html", html, parents=True)
    assert out.read_text(encoding="utf-8") == html
    files = write_figures(tmp_path / "figs", figs)  # type: ignore[arg-type]
    assert len(files) == 8
    for f in files:
        data = f.read_bytes()
        if f.suffix == ".png":
            assert data[:8] == b"\x89PNG\r\n\x1a\n"
        else:
            assert b"<svg" in data[:2000]
    with pytest.raises(InputError, match=r"png or \.svg"):
        write_static(figs["outcomes"], tmp_path / "x.pdf")  # type: ignore[arg-type]


@given(st.text(alphabet="htps:/\\ab", max_size=40))
def test_strip_urls_leaves_no_url(text: str) -> None:
    out = strip_urls(text)
    assert "http://" not in out and "https://" not in out
    # the escape is invisible to JSON (and JavaScript) string parsing
    assert json.loads(strip_urls(json.dumps(text))) == text
    assert json.loads(strip_urls(json.dumps("see https://x.org/a"))) == "see https://x.org/a"


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(2, 3), min_size=1, max_size=6), st.integers(0, 100))
def test_tree_layout_centres_parents(branching: list[int], seed: int) -> None:
    rng = np.random.default_rng(seed)
    b = TreeBuilder("t", ["A"])
    frontier = [b.root]
    for k in branching:
        node = frontier.pop(int(rng.integers(len(frontier))))
        frontier.extend(b.move(node, "A", [f"a{i}" for i in range(k)]))
    for leaf in frontier:
        b.outcome(leaf, [0.0])
    game = b.build()
    x, y = tree_layout(game)
    leaves = np.flatnonzero(game.num_children == 0)
    np.testing.assert_array_equal(np.sort(y[leaves]), np.arange(leaves.size))
    for v in np.flatnonzero(game.num_children > 0):
        kids = game.children[game.child_ptr[v] : game.child_ptr[v + 1]]
        assert y[kids].min() <= y[v] <= y[kids].max()
        assert np.all(x[kids] == x[v] + 1)
    fig = game_tree_figure(game)
    assert fig.to_plotly_json()["data"]


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (CI installs it)")
def test_report_renders_every_chart_offline_in_headless_chromium(
    report: tuple[str, dict[str, object]], tmp_path: Path
) -> None:
    """A real browser with networking off draws one plotly chart per embedded figure."""
    html, _ = report
    page = write_report(tmp_path / "report.html", html)
    figures = len(FIGURE.findall(html))
    assert figures >= 3
    flags = [
        *CHROMIUM_ARGS,
        f"--user-data-dir={tmp_path / 'profile'}",
        "--virtual-time-budget=10000",
        "--dump-dom",
    ]
    dom = subprocess.run(
        [str(CHROMIUM), *flags, page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    assert dom.count('class="plot-container plotly"') == figures
    assert dom.count('class="main-svg"') >= figures


# --- `brink simulate` figures (brink.report.figures.survival_figure, reserves_figure, support_figure) ---


@pytest.fixture(scope="module")
def simulated() -> dict[str, object]:
    from brink.runs.simulate import simulate
    from brink.scenario import load_scenario

    result = simulate(load_scenario("ukraine-2022", []), 256, 3, months=12, ending="defeat")
    return json.loads(json.dumps(result.to_json()))  # type: ignore[no-any-return]


def _traces(fig: object) -> dict[str, dict[str, object]]:
    spec = fig.to_plotly_json()  # type: ignore[attr-defined]
    return {t["name"]: t for t in spec["data"]}


def test_survival_band_is_the_table_quantiles(simulated: dict[str, object]) -> None:
    from brink.report.figures import survival_figure

    table: list[dict[str, float]] = simulated["table"]  # type: ignore[assignment]
    traces = _traces(survival_figure(simulated))
    upper, lower, mean = traces["in office 95%"], traces["in office 5%"], traces["in office (mean)"]
    assert list(upper["y"]) == [r["in_office_p95"] for r in table]  # type: ignore[call-overload]
    assert list(lower["y"]) == [r["in_office_p05"] for r in table]  # type: ignore[call-overload]
    assert list(mean["y"]) == [r["in_office"] for r in table]  # type: ignore[call-overload]
    assert upper["fill"] == "tonexty"  # the band fills down to the trace before it, the 5% edge
    names = list(traces)
    assert names.index("in office 95%") == names.index("in office 5%") + 1
    assert all(lo <= m <= hi for lo, m, hi in zip(lower["y"], mean["y"], upper["y"], strict=True))  # type: ignore[call-overload]
    for cause in ("domestic", "foreign"):
        hazard = traces[f"{cause} hazard (right axis)"]
        assert hazard["yaxis"] == "y2"
        assert list(hazard["y"]) == [r[f"{cause}_hazard"] for r in table]  # type: ignore[call-overload]
    assert list(upper["x"]) == list(range(1, 13))  # type: ignore[call-overload]


def test_fan_charts_follow_the_table(simulated: dict[str, object], tmp_path: Path) -> None:
    from brink.report.figures import reserves_figure, support_figure

    table: list[dict[str, float]] = simulated["table"]  # type: ignore[assignment]
    reserves = _traces(reserves_figure(simulated))
    assert list(reserves["reserves 95%"]["y"]) == [r["reserves_usd_bn_p95"] for r in table]  # type: ignore[call-overload]
    assert list(reserves["reserves (median)"]["y"]) == [r["reserves_usd_bn_p50"] for r in table]  # type: ignore[call-overload]
    assert list(reserves["reserves (mean)"]["y"]) == [r["reserves_usd_bn"] for r in table]  # type: ignore[call-overload]
    discount = _traces(reserves_figure(simulated, "discount_usd_per_bbl"))
    assert list(discount["discount 5%"]["y"]) == [r["discount_usd_per_bbl_p05"] for r in table]  # type: ignore[call-overload]
    with pytest.raises(InputError, match="no fan chart"):
        reserves_figure(simulated, "in_office")
    support = _traces(support_figure(simulated))
    for partner in simulated["partners"]:  # type: ignore[attr-defined]
        assert list(support[f"{partner} 95%"]["y"]) == [r[f"support.{partner}_p95"] for r in table]  # type: ignore[call-overload]
        assert list(support[f"{partner} (mean)"]["y"]) == [r[f"support.{partner}"] for r in table]  # type: ignore[call-overload]
    from brink.report.figures import survival_figure

    for name, fig in (("survival", survival_figure(simulated)), ("support", support_figure(simulated))):
        out = write_static(fig, tmp_path / f"{name}.png")  # bands and the right axis draw offline
        assert out.stat().st_size > 5_000


def test_simulation_report_embeds_its_figures(simulated: dict[str, object]) -> None:
    from brink.report.document import build_simulation_report

    html, figs = build_simulation_report(simulated)
    assert sorted(figs) == ["discount", "reserves", "support", "survival"]
    assert "http://" not in html and "https://" not in html
    blocks = {m.group(1): json.loads(m.group(2)) for m in re.finditer(
        r'<script type="application/json" class="brink-figure"[^>]*data-name="([^"]+)">(.*?)</script>', html, re.S)}
    assert sorted(blocks) == sorted(figs)
    table: list[dict[str, float]] = simulated["table"]  # type: ignore[assignment]
    upper = next(t for t in blocks["survival"]["data"] if t["name"] == "in office 95%")
    assert upper["y"] == [r["in_office_p95"] for r in table]
    assert "Trajectories after the crisis" in html


def test_build_report_adds_a_stored_simulation(simulated: dict[str, object]) -> None:
    html, figs = build_report(IshigamiEvaluator(), samples=64, seed=1, sensitivity_samples=8, outcome="high",
                              simulation=simulated)
    assert {"outcomes", "survival", "reserves", "discount", "support"} <= set(figs)
    assert len(FIGURE.findall(html)) == len(figs)


def test_coefficient_and_reliability_figures_carry_the_numbers(tmp_path: Path) -> None:
    from brink.report.figures import coefficient_figure, reliability_figure, write_static

    rows = [{"parameter": "a", "estimate": 1.0, "ci95_low": 0.5, "ci95_high": 2.0},
            {"parameter": "b", "estimate": -0.5, "ci95_low": -1.0, "ci95_high": 0.25}]
    bar = coefficient_figure(rows).data[0]
    assert list(bar.y) == ["b", "a"] and list(bar.x) == [-0.5, 1.0]
    assert list(bar.error_x.array) == [0.75, 1.0] and list(bar.error_x.arrayminus) == [0.5, 0.5]
    table = [{"outcome": "war", "mean_predicted": [0.1, None, 0.7], "observed": [0.2, None, 0.6]}]
    fig = reliability_figure(table)
    assert list(fig.data[1].x) == [0.1, 0.7] and list(fig.data[1].y) == [0.2, 0.6]
    assert list(fig.data[0].x) == [0.0, 1.0]  # the diagonal
    for figure, name in ((coefficient_figure(rows), "c.png"), (fig, "r.svg")):
        assert write_static(figure, tmp_path / name).stat().st_size > 0


# --- report structure, formatted numbers, outcome choice, warnings, pruned tree (issue 15, item 4) ---

TABLE = re.compile(r"<table>.*?</table>", re.S)


def test_every_section_has_an_anchor_in_the_contents(report: tuple[str, dict[str, object]]) -> None:
    html, _ = report
    nav = re.search(r'<nav id="contents">(.*?)</nav>', html, re.S)
    assert nav is not None
    targets = re.findall(r'href="#([^"]+)"', nav.group(1))
    ids = re.findall(r'<section id="([^"]+)">', html)
    assert targets == ids and len(ids) == len(set(ids))
    for expected in ("summary", "the-run", "outcomes", "game-tree", "sensitivity-of-high",
                     "where-high-0-5-scenario-discovery", "assumptions-and-sources", "sources"):
        assert expected in ids, expected
    summary = html[html.index('<section id="summary">'):html.index('<section id="the-run">')]
    assert "The most likely outcome" in summary or "The most likely outcomes" in summary  # no crisis endings here
    assert "A test function &lt;with&gt; a description." in summary and "2022-10-01" in summary


def test_numbers_in_tables_are_formatted(report: tuple[str, dict[str, object]]) -> None:
    html, _ = report
    tables = TABLE.findall(html)
    assert tables
    for t in tables:
        assert not re.search(r"\de[-+]\d", t), t[:300]
    outcomes = next(t for t in tables if "<th>outcome</th>" in t)
    cells = re.findall(r"<td>([^<]*)</td>", outcomes)
    assert "<th>meaning</th>" in outcomes and len(cells) % 5 == 0  # name, p, low, high, meaning
    numbers = [c for i, c in enumerate(cells) if i % 5 != 4]
    assert all(re.fullmatch(r"(?:<0\.1|\d{1,3}\.\d)%|[a-z_]+", c.replace("&lt;", "<")) for c in numbers), numbers


def test_number_formats() -> None:
    from brink.report.document import format_number, format_percent

    assert format_percent(8.738e-06) == "<0.1%"
    assert format_percent(0.42345) == "42.3%" and format_percent(0.0) == "0.0%"
    assert format_number(8.738e-06) == "<0.001" and format_number(-3e-7) == ">-0.001"
    assert format_number(12345.6) == "12,346" and format_number(0.012345) == "0.0123"
    assert "e" not in format_number(999.96) and "e" not in format_number(1.5e12)


def test_default_outcome_has_the_most_variance_and_is_not_near_certain() -> None:
    from brink.report.document import choose_outcome

    rng = np.random.default_rng(0)
    b = np.where(np.arange(200) % 2 == 0, 0.4, 0.6)  # variance 0.01, mean 0.5
    c = np.ones(200)
    c[:8] = 0.0  # mean 0.96, variance 0.0384: the largest, but near-certain
    outcomes = {"a": np.full(200, 0.3), "b": b, "c": c, "d": rng.uniform(0.45, 0.55, 200)}
    name, why = choose_outcome(outcomes)
    assert name == "b"
    assert "varies most" in why and "near-certain" in why and "c" in why.split("near-certain")[1]
    assert choose_outcome({"a": np.full(10, 0.3), "c": c})[0] == "a"  # zero variance beats near-certain
    assert choose_outcome({"c": c})[0] == "c"  # nothing else available
    assert choose_outcome({k: v for k, v in outcomes.items() if k != "c"})[0] == "b"
    assert choose_outcome(outcomes, "a") == ("a", "a was chosen with --outcome.")


def test_wide_interval_and_negative_s1_are_warned() -> None:
    from brink.report.document import sensitivity_warnings

    rows = [
        {"parameter": "wide", "S1": 0.1, "S1_conf": 0.05, "ST": 0.83, "ST_conf": 1.437},
        {"parameter": "fine", "S1": 0.5, "S1_conf": 0.1, "ST": 0.6, "ST_conf": 0.1},
        {"parameter": "negative", "S1": -0.02, "S1_conf": 0.01, "ST": 0.1, "ST_conf": 0.01},
    ]
    warn = sensitivity_warnings(rows, 64)
    assert set(warn) == {"wide", "negative"}
    assert "uncertain at 64 base samples" in warn["wide"] and "raise --sensitivity-samples" in warn["wide"]
    assert "ST interval wider" in warn["wide"] and "negative S1" in warn["negative"]


def test_zero_probability_branches_are_not_drawn() -> None:
    game, sol = entry_game()
    fig = game_tree_figure(game, sol).to_plotly_json()  # type: ignore[arg-type]
    actions = next(t for t in fig["data"] if t["name"] == "actions")
    assert [t.split(" (")[0] for t in actions["text"]] == ["in", "share"]  # "out", "fight" unreached
    markers = [p for t in fig["data"] if "markers" in t["mode"] for p in t["x"]]
    assert len(markers) == 3
    assert {t["name"] for t in fig["data"] if "markers" in t["mode"]} == {"Entrant", "Incumbent", "outcome"}
    node_text = [s for t in fig["data"] if "markers" in t["mode"] for s in t["text"]]
    assert "Entrant" in node_text and "Incumbent" in node_text


def test_game_draw_prunes_by_the_given_reach() -> None:
    game, sol = entry_game()
    reach = np.ones(game.n_nodes)  # type: ignore[attr-defined]
    fig = game.draw(reach=reach).to_plotly_json()  # type: ignore[attr-defined]
    assert sum(len(t["x"]) for t in fig["data"] if "markers" in t["mode"]) == game.n_nodes  # type: ignore[attr-defined]
    same = game.draw(reach=sol).to_plotly_json()  # type: ignore[attr-defined]
    assert same == game_tree_figure(game, sol).to_plotly_json()  # type: ignore[arg-type]


def test_ukraine_tree_fits_under_the_height_cap() -> None:
    from brink.cli.analysis import load_evaluator
    from brink.drawing import PRUNE_REACH, TREE_HEIGHT_CAP, TREE_ROW_PX

    model = load_evaluator("ukraine-2022", [], "spe", None, None).evaluator
    game, sol = model.game(model.draw(0, 0, 50))  # type: ignore[attr-defined]  # spe: the equilibrium tree
    reach = np.asarray(sol.reach).mean(axis=0)
    for fig in (game_tree_figure(game, sol), game.draw(reach=sol.reach, sample=None), game.draw()):
        spec = fig.to_plotly_json()
        assert spec["layout"]["height"] < TREE_HEIGHT_CAP
        ys = [v for t in spec["data"] if "markers" in t["mode"] for v in t["y"]]
        assert max(ys) - min(ys) + 1 <= (spec["layout"]["height"] - 160) / TREE_ROW_PX + 1e-9  # one row per leaf
    spec = game_tree_figure(game, sol).to_plotly_json()
    drawn = sum(len(t["x"]) for t in spec["data"] if "markers" in t["mode"])
    assert drawn == int((reach >= PRUNE_REACH).sum())  # exactly the reachable nodes
    assert spec["layout"]["xaxis"]["title"]["text"] == "moves from the start"


# --- comparison and policies sections (issue 15, item 4: "compare and policy sections when asked for") ---

SECTION = re.compile(r'<section id="([^"]+)">(.*?)</section>', re.S)
CELLS = re.compile(r"<tr>(.*?)</tr>", re.S)
DISCOUNT = "energy_discount.offered_usd_per_bbl"


def _rows(table_html: str) -> list[list[str]]:
    import html as html_lib

    return [[html_lib.unescape(c) for c in re.findall(r"<td>(.*?)</td>", r)] for r in CELLS.findall(table_html)
            if "<td>" in r]


def _exchange(overrides: list[str] | None = None) -> object:
    from brink.cli.analysis import load_evaluator

    return load_evaluator("ukraine-2022-exchange", overrides or [], "auto", None, None).evaluator


@pytest.fixture(scope="module")
def sections_report() -> tuple[str, dict[str, object]]:
    from brink.analysis.compare import compare
    from brink.analysis.policies import policies

    a, b = _exchange(), _exchange([f"{DISCOUNT}=30"])
    return build_report(
        a,  # type: ignore[arg-type]
        samples=200,
        seed=0,
        sensitivity_samples=8,
        comparison=compare(a, b, 200, 0),  # type: ignore[arg-type]
        comparison_label="the 30 US$ discount",
        policies=policies(a, "challenger_victory", 200, 0),  # type: ignore[arg-type]
    )


def _section(html: str, sid: str) -> str:
    found: dict[str, str] = dict(SECTION.findall(html))
    assert sid in found, sorted(found)
    return found[sid]


def test_comparison_and_policies_sections_are_listed_with_their_figures(
    sections_report: tuple[str, dict[str, object]],
) -> None:
    html, figs = sections_report
    assert "http://" not in html and "https://" not in html
    nav = re.search(r'<nav id="contents">(.*?)</nav>', html, re.S)
    assert nav is not None
    targets = re.findall(r'href="#([^"]+)"', nav.group(1))
    assert "comparison-with-the-30-us-discount" in targets and "policies-for-challenger-victory" in targets
    # after the analyses of the model itself, in the order asked for
    assert targets.index("where-challenger-defeat-0-5-scenario-discovery") \
        < targets.index("comparison-with-the-30-us-discount") < targets.index("policies-for-challenger-victory")
    assert {"comparison", "policies"} <= set(figs)
    assert len(FIGURE.findall(html)) == len(figs)
    for sid, name in (("comparison-with-the-30-us-discount", "comparison"),
                      ("policies-for-challenger-victory", "policies")):
        body = _section(html, sid)
        assert re.search(rf'<div class="figure" id="figure-\d+" data-name="{name}">', body), name
        assert len(FIGURE.findall(body)) == 1
        for table in TABLE.findall(body):
            assert not re.search(r"\de[-+]\d", table)


def test_comparison_table_equals_compare_run_directly(sections_report: tuple[str, dict[str, object]]) -> None:
    from brink.analysis.compare import compare
    from brink.report.document import format_number, format_percent

    html, _ = sections_report
    direct = compare(_exchange(), _exchange([f"{DISCOUNT}=30"]), 200, 0)  # type: ignore[arg-type]
    body = _section(html, "comparison-with-the-30-us-discount")
    assert f"{direct.n_pairs:,} paired samples" in body and "common random numbers" in body
    rows = _rows(TABLE.findall(body)[0])
    assert len(rows) == len(direct.rows) > 0
    for cells, r in zip(rows, direct.rows, strict=True):
        fmt = format_percent if r.kind == "outcome" else format_number
        d = r.difference
        assert cells == [r.name, fmt(float(r.a.mean)), fmt(float(r.b.mean)), fmt(float(d.mean)),
                         f"{fmt(float(d.low))} to {fmt(float(d.high))}", format_percent(r.changed)]
        # paired samples on the same draws: the mean difference is the difference of the means
        assert float(d.mean) == pytest.approx(float(r.b.mean) - float(r.a.mean), abs=1e-12)
    # a lower discount-refusal threshold: partners abandon Russia less often, in every pair
    assert float(direct.row("partners_abandon").difference.high) < 0
    assert "partners_abandon" in body.split("excludes zero for:")[1]
    spec = json.loads(FIGURE.findall(body)[0])
    outcomes = [r for r in direct.rows if r.kind == "outcome"][::-1]
    bars = spec["data"][0]
    assert bars["y"] == [r.name for r in outcomes]
    assert bars["x"] == [float(r.difference.mean) for r in outcomes]
    assert bars["error_x"]["array"] == [float(r.difference.high - r.difference.mean) for r in outcomes]


def test_policies_table_equals_policies_and_brute_force(sections_report: tuple[str, dict[str, object]]) -> None:
    from brink.analysis.policies import lever_combinations, policies
    from brink.report.document import format_number, format_percent

    html, _ = sections_report
    model = _exchange()
    direct = policies(model, "challenger_victory", 200, 0)  # type: ignore[arg-type]
    body = _section(html, "policies-for-challenger-victory")
    rows = _rows(TABLE.findall(body)[0])
    assert len(rows) == len(direct.scores) == 16
    for rank, (cells, s) in enumerate(zip(rows, direct.scores, strict=True), 1):
        assert cells == [str(rank), ", ".join(f"{k}={v}" for k, v in s.levers.items()),
                         *(format_number(v) for v in (s.expected, s.worst_decile, s.mean_regret,
                                                      s.p90_regret, s.max_regret)),
                         format_percent(s.share_best)]
    # brute force: each lever setting evaluated on the draws, its mean and its Savage regret
    params = model.draw(0, 0, 200)  # type: ignore[attr-defined]
    settings = lever_combinations(model.levers)  # type: ignore[attr-defined]
    values = np.vstack([np.asarray(model.evaluate(params, s).outcomes["challenger_victory"])  # type: ignore[attr-defined]
                        for s in settings])
    regret = values - values.min(axis=0)
    for s in direct.scores:
        i = settings.index(s.levers)
        assert s.expected == pytest.approx(values[i].mean(), abs=1e-12)
        assert s.max_regret == pytest.approx(regret[i].max(), abs=1e-12)
    top = direct.best
    assert f"The top-ranked policy is {', '.join(f'{k}={v}' for k, v in top.levers.items())}:" in body
    # the declared doctrine does not enter this model's outcome: every option gives the same numbers
    assert "Warning:" in body and "doctrines.NATO.declared changes nothing" in body
    spec = json.loads(FIGURE.findall(body)[0])
    labelled = spec["data"][0]
    distinct = {(s.expected, s.max_regret) for s in direct.scores}
    assert len(labelled["x"]) == len(distinct) < 16
    assert sorted(zip(labelled["x"], labelled["y"], strict=True)) == sorted(distinct)
    assert sum(1 + int(m.group(1)) if (m := re.search(r"\(\+(\d+) same\)", t)) else 1
               for t in labelled["text"]) == 16


def _score(levers: dict[str, object], expected: float, regret: float) -> object:
    from brink.analysis.policies import PolicyScore

    return PolicyScore(levers, expected, expected, regret, regret, regret, 1.0 if regret == 0 else 0.5, 0)


def test_identical_policies_and_inert_levers() -> None:
    from brink.analysis.policies import PoliciesResult
    from brink.report.document import identical_policies, inert_levers, policies_section

    # "x" changes nothing (same numbers whatever "y"); "y" matters
    inert = PoliciesResult("war", True, tuple(
        _score({"x": x, "y": y}, 0.1 * (y + 1), 0.05 * y) for y in (0, 1) for x in ("a", "b")), 10, 10)  # type: ignore[misc]
    assert identical_policies(inert) == [[1, 2], [3, 4]]
    assert inert_levers(inert) == ["x"]
    section, figs = policies_section(inert)
    assert any("x changes nothing for war" in p for p in section.paragraphs)
    assert section.title == "Policies for war" and set(figs) == {"policies"}
    # two settings coincide but neither lever is inert: warned, no lever named
    chance = PoliciesResult("war", True, (
        _score({"x": "a", "y": 0}, 0.1, 0.0), _score({"x": "b", "y": 0}, 0.2, 0.1),
        _score({"x": "a", "y": 1}, 0.2, 0.1), _score({"x": "b", "y": 1}, 0.3, 0.2)), 10, 10)  # type: ignore[arg-type]
    assert identical_policies(chance) == [[2, 3]] and inert_levers(chance) == []
    assert any("No single lever explains it" in p for p in policies_section(chance)[0].paragraphs)
    distinct = PoliciesResult("war", True, (_score({"x": "a"}, 0.1, 0.0), _score({"x": "b"}, 0.2, 0.1)), 10, 10)  # type: ignore[arg-type]
    assert identical_policies(distinct) == [] and inert_levers(distinct) == []
    assert not any("Warning" in p for p in policies_section(distinct)[0].paragraphs)


def test_report_cli_compare_and_policies(tmp_path: Path) -> None:
    from brink_in_process import invoke

    out = tmp_path / "r.html"
    base = ["report", "ukraine-2022-exchange", "--samples", "200", "--sensitivity-samples", "8", "--no-store"]
    code, err = invoke([*base, "--compare-set", f"{DISCOUNT}=30", "--policies", "challenger_victory",
                        "--maximize", "-o", str(out)])
    assert code == 0, err
    html = out.read_text(encoding="utf-8")
    ids = re.findall(r'<section id="([^"]+)">', html)
    assert f"comparison-with-ukraine-2022-exchange-with-{DISCOUNT.replace('.', '-').replace('_', '-')}-30" in ids
    assert "policies-for-challenger-victory" in ids and "(maximise)" in html
    assert "http://" not in html and "https://" not in html
    # every outcome and metric has its meaning (and a metric its unit) from the one glossary
    from brink.measures import MEASURES

    outcomes = _section(html, "outcomes")
    for name in ("leader_survives", "escalation_score"):
        assert html_escape(MEASURES[name].meaning) in outcomes, name
    assert ">score 0-60<" in outcomes
    # B a scenario of its own, with its own overrides; the report's --set stays with A
    code, err = invoke([*base, "--compare", "ukraine-2022-exchange", "--compare-set", f"{DISCOUNT}=30",
                        "--set", f"{DISCOUNT}=10", "-o", str(out)])
    assert code == 0, err
    body = _section(out.read_text(encoding="utf-8"),
                    f"comparison-with-ukraine-2022-exchange-with-{DISCOUNT.replace('.', '-').replace('_', '-')}-30")
    assert "B is ukraine-2022-exchange with energy_discount.offered_usd_per_bbl=30" in body
    bad = tmp_path / "bad.html"
    for args, message in (
        (["--policies", "no_such_outcome"], "unknown outcome 'no_such_outcome'"),
        (["--compare", "no-such-scenario"], "no-such-scenario"),
    ):
        code, err = invoke([*base, *args, "-o", str(bad)])
        assert code == 2 and message in err and "Traceback" not in err, err
        assert not bad.exists()
    code, err = invoke(["report", "deterrence-rudimentary", "--samples", "50", "--no-store",
                        "--policies", "challenger_challenges", "-o", str(bad)])
    assert code == 2 and "no levers" in err and "--policies" in err, err
    assert not bad.exists()
