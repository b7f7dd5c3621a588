"""The self-contained HTML report: offline, every chart carries data; static figures; tree layout."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from brink.analysis.test_functions import IshigamiEvaluator
from brink.errors import InputError
from brink.games import TreeBuilder
from brink.report import build_report, strip_urls, write_figures, write_report
from brink.report.figures import game_tree_figure, tree_layout, write_static
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


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


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
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
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
