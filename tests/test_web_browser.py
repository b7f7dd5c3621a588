"""The ``brink serve`` workbench in a real browser (issue 15): every tab a user meets first.

A headless chromium (Debian's, driven by playwright) opens the app served by uvicorn on a
free loopback port, with a private run store.  Every request of the page goes through a
route that lets only that origin through, so the tests also prove the page fetches
nothing from the internet (plotly.js is served by the app itself).  One page is shared,
in order: the scenario library and the editor's located errors, a run, the live what-if,
the game tree and the run history with its downloads.

Each chart is checked three ways: plotly drew it (``.main-svg``), its screenshot is not
blank (pixel standard deviation), and its SVG text carries the expected labels.  The
what-if bars are checked against the API's own numbers for the same change (common
random numbers make both the same draw, so they agree exactly).

Screenshots go to ``$BRINK_SCREENSHOTS`` (else a temporary folder), with the what-if
timings as ``whatif_timings.json``.  Without chromium or playwright the tests skip; in
CI (``CI=true``) that is a failure.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from web_server import (
    IN_CI,
    Browser,
    browsing,
    missing_browser,
    move_slider,
    png_spread,
    serving,
    wait_redrawn,
    whatif_bars,
)

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.slow

#: A fast scenario (the one-exchange crisis: a what-if of 1,000 samples solves in ~0.2 s).
SCENARIO = "ukraine-2022-exchange"
RUN_SAMPLES = 300
WHATIF_SAMPLES = 1000
#: The what-if control moved: the balance of power changes who wins (checked with the API:
#: pinning it at 0 moves an outcome probability by about 0.2 at 1,000 samples).
PARAMETER = "crisis.balance"
#: A chart screenshot whose pixel standard deviation is below this is blank (white is 1.0).
BLANK = 0.02


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the screenshots go: ``$BRINK_SCREENSHOTS`` or a temporary folder."""
    folder = Path(os.environ.get("BRINK_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app on a free 127.0.0.1 port with its own store and an empty scenario folder."""
    reason = missing_browser()
    if reason is not None:
        if IN_CI:
            pytest.fail(f"CI must run the browser tests: {reason}")
        pytest.skip(reason)
    root = tmp_path_factory.mktemp("serve")
    (root / "scenarios").mkdir()
    with serving(root / "runs.duckdb", root / "scenarios") as url:
        yield url


@pytest.fixture(scope="module")
def browser(base_url: str) -> Iterator[Browser]:
    """One chromium page on the app, shared by the tests of this module in order."""
    with browsing(base_url) as b:
        b.page.goto(base_url + "/")
        yield b


@pytest.fixture(scope="module")
def flow() -> dict[str, Any]:
    """What one step leaves for the next (the stored run's id)."""
    return {}


def clean(b: Browser) -> None:
    """Nothing was requested outside the server's origin and no script error reached the page."""
    assert b.offsite.blocked == [], f"the page tried to reach {b.offsite.blocked}"
    assert b.errors == [], f"uncaught page errors: {b.errors}"


def open_tab(b: Browser, tab: str) -> None:
    b.page.click(f'#tabs button[data-tab="{tab}"]')
    b.page.wait_for_selector(f"#tab-{tab}.active")


def chart_shot(b: Browser, chart: str, path: Path, labels: list[str]) -> None:
    """Screenshot a drawn chart, check it is not blank and that its SVG text shows ``labels``."""
    b.page.wait_for_selector(f"#{chart} .main-svg")
    b.page.locator(f"#{chart}").screenshot(path=str(path))
    spread = png_spread(path)
    assert spread > BLANK, f"{path.name} looks blank (pixel std {spread:.4f})"
    text = b.page.evaluate(
        f"() => Array.from(document.querySelectorAll('#{chart} svg text')).map(t => t.textContent).join('\\n')"
    )
    for label in labels:
        assert label in text, f"{label!r} is not among the labels of {chart}"


def bars(page: Page, chart: str) -> dict[str, float]:
    """A one-trace bar chart's values by label, as the plotly div holds them."""
    out: dict[str, float] = page.evaluate(
        f"() => {{ const t = document.getElementById('{chart}').data[0];"
        " return Object.fromEntries(t.y.map((k, i) => [k, t.x[i]])); }"
    )
    return out


def whatif_baseline(page: Page) -> list[float]:
    """The grey bars: the scenario as written."""
    values: list[float] = page.evaluate(
        "() => Array.from(document.getElementById('whatif-chart').data[0].x)"
    )
    return values


def slider_span(page: Page) -> tuple[float, float]:
    """The ends of :data:`PARAMETER`'s sliders (their ``min`` and ``max``)."""
    sel = f'input[type=range][data-name="{PARAMETER}"][data-end="low"]'
    return float(page.get_attribute(sel, "min") or "nan"), float(
        page.get_attribute(sel, "max") or "nan"
    )


def api_bars(b: Browser, base_url: str) -> list[float]:
    """The API's what-if means, in the chart's order, for the range the sliders now hold."""
    page = b.page
    held = page.evaluate(
        f"""() => Array.from(document.querySelectorAll('input[type=range][data-name="{PARAMETER}"]'))
            .map(e => +e.value)"""
    )
    response = page.request.post(
        base_url + "/api/whatif",
        data={
            "text": page.input_value("#editor"),
            "samples": int(page.input_value("#whatif-samples")),
            "seed": 0,
            "solver": "auto",
            "lam": None,
            "ranges": {PARAMETER: held},
            "levers": {},
        },
    )
    assert response.ok, response.text()
    names = page.evaluate("() => Array.from(document.getElementById('whatif-chart').data[1].y)")
    return [response.json()["outcomes"][k]["mean"] for k in names]


def test_library_and_located_errors(browser: Browser, shots: Path) -> None:
    from brink.scenario import bundled_scenarios

    page = browser.page
    # the page opens a first scenario by itself: let it finish first
    page.wait_for_function(
        "() => document.getElementById('validate-status').textContent.startsWith('valid: ')"
    )
    names = page.eval_on_selector_all("#library option", "os => os.map(o => o.value)")
    assert sorted(names) == sorted(bundled_scenarios())
    page.select_option("#library", SCENARIO)
    page.click("#load-btn")
    page.wait_for_function(
        f"() => document.getElementById('validate-status').textContent.startsWith('valid: {SCENARIO} ')"
    )
    original = page.input_value("#editor")
    lines = original.split("\n")
    broken = next(i for i, line in enumerate(lines) if line.startswith("template:")) + 1
    lines[broken - 1] = lines[broken - 1].replace("template:", "templat:")
    page.fill("#editor", "\n".join(lines))  # an input event: the page checks it after a pause
    error = page.wait_for_selector("#errors li.error")
    assert error is not None
    assert error.get_attribute("data-line") == str(broken)
    message = error.text_content() or ""
    assert message.startswith(f"line {broken}, column 1: ")
    assert "Did you mean template?" in message
    assert "problem" in (page.text_content("#validate-status") or "")
    error.click()  # the message takes the cursor to the broken line
    selected = page.evaluate(
        "() => { const e = document.getElementById('editor');"
        " return e.value.slice(e.selectionStart, e.selectionEnd); }"
    )
    assert selected == lines[broken - 1]
    # the gutter marks the broken line inline, beside the text, and only it
    assert page.eval_on_selector_all("#gutter span.bad", "ss => ss.map(s => s.textContent)") == [str(broken)]
    gutter_lines = (page.text_content("#gutter") or "").rstrip("\n").split("\n")
    assert len(gutter_lines) == len(lines)
    page.screenshot(path=str(shots / "01-editor-error.png"))
    page.fill("#editor", original)
    page.wait_for_function(
        f"() => document.getElementById('validate-status').textContent.startsWith('valid: {SCENARIO} ')"
    )
    assert page.eval_on_selector_all("#errors li", "ls => ls.length") == 0
    assert page.eval_on_selector_all("#gutter span.bad", "ss => ss.length") == 0
    page.screenshot(path=str(shots / "02-editor-valid.png"))
    clean(browser)


def test_run_draws_outcomes_and_stores_the_run(
    browser: Browser, shots: Path, flow: dict[str, Any]
) -> None:
    page = browser.page
    open_tab(browser, "run")
    page.fill("#run-samples", str(RUN_SAMPLES))
    page.click("#run-btn")
    page.wait_for_function(
        "() => /stored as run \\S+/.test(document.getElementById('run-status').textContent)"
    )
    status = page.text_content("#run-status") or ""
    match = re.search(r"stored as run (\S+)", status)
    assert match is not None and status.startswith(f"{RUN_SAMPLES} samples in ")
    flow["run_id"] = match.group(1).rstrip(";")
    outcomes = page.evaluate("() => document.getElementById('run-chart').data[0].y")
    assert "tactical_nuclear_use" in outcomes and "leader_survives" in outcomes
    flow["bars"] = bars(page, "run-chart")
    chart_shot(
        browser, "run-chart", shots / "03-run.png", ["Outcome probabilities", "leader_survives"]
    )
    assert page.eval_on_selector_all("#run-paths li", "ls => ls.length") >= 1
    headline = page.text_content("#run-headline") or ""
    assert headline.startswith("most likely ending: ") and "95% Monte Carlo intervals" in headline
    assert "units of the challenger's stake" in (page.text_content("#run-metrics") or "")
    clean(browser)


def test_whatif_slider_redraws_the_api_numbers(
    browser: Browser, base_url: str, shots: Path
) -> None:
    page = browser.page
    open_tab(browser, "whatif")
    # set the sample count without its change event (which would start a what-if by itself)
    page.evaluate(
        f"() => {{ document.getElementById('whatif-samples').value = '{WHATIF_SAMPLES}'; }}"
    )
    page.click("#whatif-start")
    page.wait_for_function(
        "() => document.getElementById('whatif-status').textContent.includes('move a slider')"
    )
    page.wait_for_selector("#whatif-chart .main-svg")
    before = whatif_bars(page)
    baseline = whatif_baseline(page)
    assert before == baseline  # nothing changed yet: the what-if is the scenario as written
    names = page.evaluate("() => Array.from(document.getElementById('whatif-chart').data[1].y)")
    rungs = [n for n in names if n.startswith("rung.")]
    assert rungs and names[-len(rungs):] == rungs  # the rungs reached follow the endings
    assert not any(n.startswith("declared.") for n in names)
    kinds = page.eval_on_selector_all(
        "#whatif-controls .control", "cs => cs.map(c => c.querySelector('select') ? 'lever' : 'uncertainty')"
    )
    assert kinds[0] == "lever" and kinds == sorted(kinds)  # the levers come first
    chart_shot(
        browser,
        "whatif-chart",
        shots / "04-whatif-start.png",
        ["what-if", "as written", "leader_survives"],
    )

    low, high = slider_span(page)
    timings = [wait_redrawn(page, move_slider(page, PARAMETER, "high", low))]
    pinned = whatif_bars(page)
    assert max(abs(a - b) for a, b in zip(pinned, before, strict=True)) > 0.05
    assert whatif_baseline(page) == baseline  # the grey bars stay the scenario as written
    assert "pinned at" in (
        page.text_content(f'#whatif-controls .control:has([data-name="{PARAMETER}"]) .value') or ""
    )
    # the bars are the API's numbers for the range the sliders hold, on the same draw
    assert pinned == api_bars(browser, base_url)
    chart_shot(browser, "whatif-chart", shots / "05-whatif-pinned.png", ["what-if", "as written"])

    # two more moves: the lower half of the range, then pinned at its middle
    middle = (low + high) / 2
    timings.append(wait_redrawn(page, move_slider(page, PARAMETER, "high", middle)))
    half = whatif_bars(page)
    assert half != pinned and half == api_bars(browser, base_url)
    timings.append(wait_redrawn(page, move_slider(page, PARAMETER, "low", middle)))
    assert whatif_bars(page) not in (half, pinned)
    assert whatif_bars(page) == api_bars(browser, base_url)
    recorded = page.evaluate("() => window.brink.whatifTimings")
    assert recorded == timings and all(t["samples"] == WHATIF_SAMPLES for t in timings)
    assert all(0 < t["server_ms"] <= t["total_ms"] for t in timings)
    (shots / "whatif_timings.json").write_text(
        json.dumps({"scenario": SCENARIO, "parameter": PARAMETER, "timings": timings}, indent=2)
        + "\n"
    )
    clean(browser)


def test_whatif_keeps_its_settings_when_the_sample_count_changes(browser: Browser, base_url: str) -> None:
    """Changing the sample count redraws with the sliders and levers as they were set."""
    page = browser.page
    low, high = slider_span(page)
    wait_redrawn(page, move_slider(page, PARAMETER, "low", low))
    wait_redrawn(page, move_slider(page, PARAMETER, "high", (low + high) / 2))
    lever = page.locator("#whatif-controls select").first
    option = page.eval_on_selector("#whatif-controls select", "s => s.options[2].value")
    before = page.evaluate("() => window.brink.whatifTimings.length")
    lever.select_option(option)
    wait_redrawn(page, before)
    sliders = f"""() => Array.from(document.querySelectorAll('input[type=range][data-name="{PARAMETER}"]')).map(e => +e.value)"""
    set_before = page.evaluate(sliders)
    before = page.evaluate("() => window.brink.whatifTimings.length")
    page.select_option("#whatif-samples", "10000")
    wait_redrawn(page, before)
    held = page.evaluate(sliders)
    assert held == set_before and held[0] < held[1]
    assert page.input_value("#whatif-controls select >> nth=0") == option
    name = page.get_attribute("#whatif-controls select >> nth=0", "data-name")
    response = page.request.post(base_url + "/api/whatif", data={
        "text": page.input_value("#editor"), "samples": 10000, "seed": 0, "solver": "auto", "lam": None,
        "ranges": {PARAMETER: held}, "levers": {name: option}})
    assert response.ok, response.text()
    shown = page.evaluate("() => Array.from(document.getElementById('whatif-chart').data[1].y)")
    assert whatif_bars(page) == [response.json()["outcomes"][k]["mean"] for k in shown]
    # back to 1,000 samples and the scenario as written for the tests that follow
    page.evaluate(f"() => {{ document.getElementById('whatif-samples').value = '{WHATIF_SAMPLES}'; }}")
    page.click("#whatif-reset")
    page.wait_for_function(
        "() => document.getElementById('whatif-status').textContent.includes('move a slider')"
    )
    clean(browser)


def test_whatif_sliders_back_at_their_ends_are_the_scenario_as_written(browser: Browser) -> None:
    page = browser.page
    baseline = whatif_baseline(page)
    low, high = slider_span(page)
    wait_redrawn(page, move_slider(page, PARAMETER, "low", low))
    wait_redrawn(page, move_slider(page, PARAMETER, "high", high))
    assert whatif_bars(page) == baseline
    clean(browser)


def test_game_tree_names_players_and_expands(browser: Browser, shots: Path) -> None:
    page = browser.page
    open_tab(browser, "tree")
    page.click("#tree-btn")
    page.wait_for_function(
        "() => document.getElementById('tree-status').textContent.includes('players:')"
    )
    players = (page.text_content("#tree-status") or "").split("players: ")[1].split(", ")
    assert players == ["RUS", "NATO"]
    shown = page.eval_on_selector_all(
        "#tree li", "ls => ls.filter(l => l.checkVisibility()).length"
    )
    who = page.eval_on_selector_all(
        "#tree li .who", "ws => ws.filter(w => w.checkVisibility()).map(w => w.textContent)"
    )
    assert set(players) <= set(who)
    page.screenshot(path=str(shots / "06-tree.png"))
    closed = page.locator("#tree details:not([open]) > summary").filter(visible=True).first
    closed.click()
    more = page.eval_on_selector_all("#tree li", "ls => ls.filter(l => l.checkVisibility()).length")
    assert more > shown
    page.screenshot(path=str(shots / "07-tree-expanded.png"))
    clean(browser)


def test_history_opens_the_run_and_its_csv(
    browser: Browser, shots: Path, flow: dict[str, Any]
) -> None:
    page = browser.page
    run_id = flow.get("run_id")
    if run_id is None:
        pytest.fail("the run step did not store a run")
    open_tab(browser, "history")
    row = page.locator("#history tr").filter(has_text=run_id)
    row.wait_for()
    assert SCENARIO in (row.text_content() or "")
    row.locator("button.open-run").click()
    page.wait_for_function(
        f"() => (document.querySelector('#history-detail h3') || {{}}).textContent?.includes('{run_id}')"
    )
    chart_shot(
        browser,
        "history-chart",
        shots / "08-history.png",
        ["Outcome probabilities", "leader_survives"],
    )
    assert bars(page, "history-chart") == flow["bars"]  # the stored run is the run drawn
    links = page.eval_on_selector_all(
        "#history-detail a", "as => as.map(a => [a.textContent, a.href])"
    )
    by_text = dict(links)
    assert {"samples (CSV)", "samples (Parquet)"} <= set(by_text)
    response = page.request.get(by_text["samples (CSV)"])
    assert response.ok
    rows = list(csv.reader(io.StringIO(response.text())))
    assert len(rows) - 1 == RUN_SAMPLES  # a header, then one row per sample
    # each bar is its outcome column's mean over the samples that solved
    table = [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]
    solved = [r for r in table if r["failed"] == "false"]
    assert solved
    for name, p in flow["bars"].items():
        assert p == pytest.approx(
            sum(float(r[name]) for r in solved) / len(solved), rel=1e-9, abs=1e-12
        )
    page.screenshot(path=str(shots / "09-history-detail.png"))
    # the report is built as a job: its progress shows, then the page downloads it
    with page.expect_download(timeout=120_000) as download:
        page.click("#history-report")
    assert download.value.suggested_filename == f"brink-{run_id}.html"
    report = Path(download.value.path()).read_text(encoding="utf-8")
    assert f"run {run_id}" in report
    status = page.text_content("#report-status") or ""
    assert status.startswith("built in ") and f"{len(report):,} bytes" in status.replace("\u202f", ",")
    assert page.evaluate("() => { const p = document.getElementById('report-progress'); return p.value === p.max; }")
    clean(browser)


def test_prim_trajectory_points_open_their_boxes(browser: Browser, shots: Path) -> None:
    """Scenario discovery in the Analyses tab: the peeling trajectory is drawn (coverage against
    density) and clicking one of its points shows that step's box, as EMA Workbench's inspect does."""
    page = browser.page
    open_tab(browser, "analyses")
    page.select_option("#analysis-kind", "discovery")
    page.wait_for_function("() => document.querySelectorAll('#analysis-outcome option').length > 1")
    page.select_option("#analysis-outcome", "partners_abandon")
    page.fill("#analysis-samples", "1000")
    page.click("#analysis-btn")
    page.wait_for_function(
        "() => document.getElementById('analysis-status').textContent.startsWith('done')", timeout=120_000
    )
    chart_shot(browser, "analysis-chart", shots / "10-prim.png", ["coverage", "density"])
    first = page.text_content("#prim-steps h4") or ""
    assert first.startswith("Box 1, step ")  # the selected box is shown at once
    steps = page.evaluate("() => document.getElementById('analysis-chart').data[0].x.length")
    assert steps >= 2
    # click the trajectory's first point (the whole data: no limit), through plotly's own event
    page.evaluate(
        "() => { const gd = document.getElementById('analysis-chart');"
        " gd.emit('plotly_click', {points: [{curveNumber: 0, pointIndex: 0}]}); }"
    )
    page.wait_for_function("() => document.querySelector('#prim-steps h4').textContent.startsWith('Box 1, step 0:')")
    assert page.eval_on_selector_all("#analysis-table tr", "rs => rs.length") == 1  # the header only
    clean(browser)


def test_compare_a_scenario_with_its_own_change(browser: Browser, shots: Path) -> None:
    """The Compare tab: A (the editor's scenario) against A with a change; the chart and the table
    show B - A, and a change that moves partners (the energy discount) moves partners_abandon."""
    page = browser.page
    open_tab(browser, "compare")
    page.select_option("#compare-b", "")
    page.fill("#compare-set", "energy_discount.offered_usd_per_bbl=30")
    page.fill("#compare-samples", "400")
    page.click("#compare-btn")
    page.wait_for_function(
        "() => document.getElementById('compare-status').textContent.includes('paired samples')", timeout=120_000
    )
    chart_shot(browser, "compare-chart", shots / "11-compare.png", ["partners_abandon"])
    rows = page.eval_on_selector_all(
        "#compare-table tr", "rs => rs.slice(1).map(r => Array.from(r.cells).map(c => c.textContent))"
    )
    diff = {r[0]: float(r[3]) for r in rows if r[3] != "n/a"}  # n/a: a metric no pair defines
    assert diff["partners_abandon"] < -0.01  # a larger discount keeps partners
    clean(browser)


# ---- issue 24: the tree as Gambit shows it, and every tab's numbers are the command line's ----------


def test_tree_shows_payoffs_sets_probabilities_and_downloads_an_efg_gambit_solves_alike(
    browser: Browser, tmp_path: Path
) -> None:
    """The tree of sample 3: payoffs at the leaves, information sets, action probabilities on the
    edges, the equilibrium path in bold; its .efg download loads in pygambit, and the SPE of the
    file read back is the page's path."""
    gbt = pytest.importorskip("pygambit")
    from brink.efg import read_efg
    from brink.solvers import solve

    page = browser.page
    open_tab(browser, "tree")
    page.fill("#tree-sample", "3")
    page.click("#tree-btn")
    page.wait_for_function("() => document.getElementById('tree-status').textContent.includes('players:')")
    assert page.eval_on_selector_all("#tree .payoffs", "ps => ps.length") >= 1
    assert page.eval_on_selector_all("#tree .infoset", "ps => ps.length") >= 1
    assert page.eval_on_selector_all("#tree .prob", "ps => ps.length") >= 1
    leaf = page.text_content("#tree li.on-path:not(:has(li)) .payoffs") or ""
    assert leaf.startswith("(RUS ") and ", NATO " in leaf
    path = page.evaluate("() => window.brink.tree.path")
    bold = page.eval_on_selector_all(
        "#tree li.on-path", "ls => ls.map(l => +l.dataset.node)"
    )
    assert len(bold) == len(path) + 1
    assert " > ".join(path) in (page.text_content("#tree-path") or "")
    assert "levers: as written" in (page.text_content("#tree-path") or "")
    with page.expect_download() as download:
        page.click("#tree-efg")
    assert download.value.suggested_filename.endswith("-seed0-sample3.efg")
    file = tmp_path / "tree.efg"
    file.write_text(Path(download.value.path()).read_text())
    g = gbt.read_efg(str(file))
    assert [p.label for p in g.players] == ["RUS", "NATO"]
    assert solve(read_efg(file), "spe").path() == path
    clean(browser)


def set_solver(page: Page, solver: str, lam: str = "") -> None:
    page.select_option("#solver", solver)
    if lam:
        page.fill("#lam", lam)


@pytest.mark.parametrize(("solver", "lam"), [("spe", ""), ("qbi", "3")])
def test_compare_of_a_scenario_with_itself_is_zero_under_each_solver(browser: Browser, solver: str, lam: str) -> None:
    """A = the editor's scenario, B = the same scenario from the library: every difference is 0.0,
    and the page names the solver of each side (issue 24: B used to be solved with the default)."""
    page = browser.page
    set_solver(page, solver, lam)
    open_tab(browser, "compare")
    page.select_option("#compare-b", SCENARIO)
    page.fill("#compare-set", "")
    page.fill("#compare-samples", "200")
    page.click("#compare-btn")
    page.wait_for_function(
        "() => document.getElementById('compare-status').textContent.includes('paired samples')", timeout=120_000
    )
    rows = page.eval_on_selector_all(
        "#compare-table tr", "rs => rs.slice(1).map(r => Array.from(r.cells).map(c => c.textContent))"
    )
    diffs = [r[3] for r in rows if r[3] != "n/a"]
    assert diffs and all(float(d) == 0.0 for d in diffs)
    words = page.text_content("#compare-solvers") or ""
    expected = solver + (f" (λ = {lam})" if lam else "")
    assert f"A solved with {expected}, B with {expected}." in words and "mix" not in words
    set_solver(page, "auto")
    clean(browser)


def run_analysis(page: Page, kind: str, fields: dict[str, str]) -> dict[str, Any]:
    """Start an analysis from the page with ``fields`` set and return the JSON the page drew."""
    page.select_option("#analysis-kind", kind)
    page.wait_for_function("() => document.querySelectorAll('#analysis-outcome option').length > 1")
    for sel, value in fields.items():
        if page.eval_on_selector(sel, "e => e.tagName") == "SELECT":
            page.select_option(sel, value)
        else:
            page.fill(sel, value)
    page.evaluate("() => { window.brink.analysis = null; }")
    page.click("#analysis-btn")
    page.wait_for_function(
        "() => document.getElementById('analysis-status').textContent.startsWith('done') && window.brink.analysis",
        timeout=180_000,
    )
    out: dict[str, Any] = page.evaluate("() => window.brink.analysis")
    return out


def test_analysis_tabs_give_the_command_lines_numbers(browser: Browser) -> None:
    """Sensitivity, discovery and policies from the page, with the base samples, threshold and
    direction it shows, equal brink sensitivity / discover / policies with the same settings;
    the outcome menu offers only outcomes that vary."""
    from test_web_api import cli_json

    page = browser.page
    open_tab(browser, "analyses")
    page.wait_for_function("() => document.querySelectorAll('#analysis-outcome option').length > 1")
    offered = page.eval_on_selector_all("#analysis-outcome option", "os => os.map(o => o.value)")
    assert "partners_abandon" in offered and "strategic_nuclear_use" not in offered  # flat on this draw
    flags = [SCENARIO, "--seed", "2", "--solver", "auto", "--outcome", "partners_abandon"]
    common = {"#analysis-outcome": "partners_abandon", "#analysis-seed": "2"}
    sens = run_analysis(page, "sensitivity", {**common, "#analysis-base": "16"})
    cli = cli_json("sensitivity", *flags, "--samples", "16")
    assert sens["outcome"] == "partners_abandon" and sens["n_base"] == 16 and sens["rows"] == cli["table"]
    first = page.eval_on_selector_all("#analysis-table tr", "rs => Array.from(rs[1].cells).map(c => c.textContent)")
    assert first[0] == cli["table"][0]["parameter"]
    prim = run_analysis(page, "discovery", {**common, "#analysis-samples": "400", "#analysis-threshold": "0.3",
                                            "#analysis-direction": "above"})
    cli = cli_json("discover", *flags, "--samples", "400", "--threshold", "0.3")
    assert prim["threshold"] == 0.3 and prim["base_density"] == cli["base_density"]
    assert [b["limits"] for b in prim["boxes"]] == [b["limits"] for b in cli["boxes"]]
    assert "partners_abandon > 0.3" in (page.text_content("#analysis-extra") or "")
    pol = run_analysis(page, "policies", {**common, "#analysis-samples": "100", "#analysis-goal": "maximize"})
    cli = cli_json("policies", *flags, "--samples", "100", "--maximize")
    assert pol["policies"] == cli["policies"] and "maximise" in (page.text_content("#analysis-extra") or "")
    clean(browser)
