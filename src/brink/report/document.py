"""One self-contained HTML report that works offline.

The report is a single file: styles inline, plotly.js embedded inline, and each
figure stored as JSON in a ``<script type="application/json">`` block that a few
lines of script hand to ``Plotly.newPlot``.  Nothing is fetched from a network:
plotly.js carries URL strings for map tile servers (used only by map traces,
which the report never draws) and XML namespace names; they are written as
``http:\\/\\/...`` — the identical JavaScript string value, since ``\\/`` is an
escaped ``/`` in string, template and regular-expression literals — so the file
holds no literal ``http://`` or ``https://`` at all and can be checked for that.

Content comes from the analyses (:mod:`brink.analysis`) and the solver; this
module only lays it out.  ``--figures DIR`` writes the same figures as PNG and
SVG with :func:`brink.report.figures.write_static`.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import plotly.graph_objects as go

    from brink.analysis.compare import CompareResult
    from brink.analysis.policies import PoliciesResult, PolicyScore
    from brink.evaluation import Evaluator
    from brink.executors import Executor
    from brink.games import Game
    from brink.solvers.result import Solution

__all__ = [
    "STORED_REPORTS",
    "Section",
    "Table",
    "build_report",
    "build_simulation_report",
    "build_stored_report",
    "check_figures_folder",
    "choose_outcome",
    "comparison_section",
    "estimation_section",
    "format_number",
    "format_percent",
    "identical_policies",
    "inert_levers",
    "policies_section",
    "render_html",
    "section_id",
    "sensitivity_warnings",
    "simulation_section",
    "strip_urls",
    "write_figures",
    "write_report",
]

_URL = re.compile(r"(https?):(\\?/)(\\?/)")


@dataclass(frozen=True)
class Table:
    """A table: column headers and rows of cells (escaped on output)."""

    columns: Sequence[str]
    rows: Sequence[Sequence[Any]]
    caption: str = ""


@dataclass(frozen=True)
class Section:
    """A report section: heading, paragraphs, tables and figures, in that order."""

    title: str
    paragraphs: Sequence[str] = ()
    tables: Sequence[Table] = ()
    figures: Sequence[tuple[str, go.Figure]] = ()
    notes: Sequence[str] = field(default_factory=tuple)


def strip_urls(text: str) -> str:
    """Write every ``http://``/``https://`` as ``http:\\/\\/`` (same value in JS and JSON strings)."""
    return _URL.sub(lambda m: f"{m.group(1)}:\\/\\/", text)


def format_number(v: float) -> str:
    """A number for a table cell, never in exponent notation (a reader sees ``<0.001``,
    not ``8.738e-06``): three significant digits, thousands separated above 1,000."""
    if v != v:
        return ""
    if v in (float("inf"), float("-inf")):
        return "\u221e" if v > 0 else "-\u221e"
    a = abs(v)
    if a == 0.0:
        return "0"
    if a < 0.001:
        return "<0.001" if v > 0 else ">-0.001"
    if a >= 1000:
        return f"{v:,.0f}"
    if a >= 100:
        return f"{v:.1f}"
    return f"{v:.3g}"


def format_percent(p: float) -> str:
    """A probability as a percentage with one decimal; a positive value below 0.05% as ``<0.1%``."""
    if p != p:
        return ""
    if 0 < p < 0.0005:
        return "<0.1%"
    return f"{100 * p:.1f}%"


def _cell(v: Any) -> str:
    if isinstance(v, float):
        return format_number(v)
    return html.escape("" if v is None else str(v))


def _table(t: Table) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in t.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{_cell(c)}</td>" for c in row) + "</tr>" for row in t.rows
    )
    cap = f"<caption>{html.escape(t.caption)}</caption>" if t.caption else ""
    return f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _figure_json(fig: go.Figure) -> str:
    spec = fig.to_plotly_json()
    payload = {"data": spec.get("data", []), "layout": spec.get("layout", {})}
    import plotly.io

    text = plotly.io.json.to_json_plotly(payload)
    return strip_urls(text).replace("</", "<\\/")


_STYLE = """
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;max-width:1100px;margin:2em auto;
padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.7em;margin-bottom:.2em}h2{border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;margin:1em 0;font-size:.9em}caption{text-align:left;font-weight:600;
padding:.3em 0}th,td{border:1px solid #ddd;padding:.25em .6em;text-align:left;vertical-align:top}
th{background:#f4f4f4}.note{color:#666;font-size:.9em}.figure{margin:1em 0}.warning{color:#9a3412}
"""

_BOOT = """
document.querySelectorAll('script.brink-figure').forEach(function (s) {
  var spec = JSON.parse(s.textContent);
  var div = document.getElementById(s.dataset.target);
  Plotly.newPlot(div, spec.data, spec.layout, {displaylogo: false, responsive: true});
});
"""


def section_id(title: str, taken: set[str] | None = None) -> str:
    """The anchor of a section: its title in lower case, words joined by ``-`` (unique in ``taken``)."""
    base = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") or "section"
    name, k = base, 1
    while taken is not None and name in taken:
        k += 1
        name = f"{base}-{k}"
    if taken is not None:
        taken.add(name)
    return name


def render_html(title: str, sections: Sequence[Section], subtitle: str = "") -> str:
    """The whole report as one HTML string (plotly.js inline, no external resource).

    A table of contents links to every section by its anchor (:func:`section_id`).
    """
    import plotly.offline

    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style>",
        f'<script type="text/javascript">{strip_urls(plotly.offline.get_plotlyjs())}</script>',
        "</head><body>",
        f"<h1>{html.escape(title)}</h1>",
    ]
    if subtitle:
        parts.append(f'<p class="note">{html.escape(subtitle)}</p>')
    taken: set[str] = {"contents"}
    ids = [section_id(sec.title, taken) for sec in sections]
    if len(sections) > 1:
        parts.append('<nav id="contents"><h2>Contents</h2><ol>')
        parts.extend(
            f'<li><a href="#{i}">{html.escape(sec.title)}</a></li>' for i, sec in zip(ids, sections, strict=True)
        )
        parts.append("</ol></nav>")
    k = 0
    for sid, sec in zip(ids, sections, strict=True):
        parts.append(f'<section id="{sid}"><h2>{html.escape(sec.title)}</h2>')
        parts.extend(f"<p>{html.escape(p)}</p>" for p in sec.paragraphs)
        parts.extend(_table(t) for t in sec.tables)
        for name, fig in sec.figures:
            k += 1
            target = f"figure-{k}"
            parts.append(
                f'<div class="figure" id="{target}" data-name="{html.escape(name)}"></div>'
                f'<script type="application/json" class="brink-figure" data-target="{target}" '
                f'data-name="{html.escape(name)}">{_figure_json(fig)}</script>'
            )
        parts.extend(f'<p class="note">{html.escape(n)}</p>' for n in sec.notes)
        parts.append("</section>")
    parts.append(f"<script>{_BOOT}</script></body></html>")
    return strip_urls("\n".join(parts))


def write_report(path: str | Path, text: str, *, parents: bool = False) -> Path:
    """Write the report atomically (a half-written report never replaces a good one).

    Through :func:`brink.output.write_text`: ``path`` must be a regular file or a new
    name (a directory, device or FIFO is refused), and its folder must exist unless
    ``parents`` (``--parents``).
    """
    from brink.output import write_text

    return write_text(path, text, parents=parents)


def check_figures_folder(directory: str | Path, *, parents: bool = False) -> Path:
    """``directory`` for ``--figures``: an existing folder, or a new one whose parent exists.

    Refuses a path that exists but is not a folder, and a missing parent folder unless
    ``parents`` (which creates it).  Called before the report is computed, and again by
    :func:`write_figures`.
    """
    from brink.errors import InputError
    from brink.output import check_target, describe_mode

    d = Path(directory).expanduser()
    if d.is_dir():
        return d
    if d.exists():
        raise InputError(
            f"is {describe_mode(d.stat().st_mode)}, not a folder; it was left untouched",
            str(directory),
            "Give a folder (new or existing) with --figures",
        )
    check_target(d, parents=parents, option="--figures")
    return d


def write_figures(
    directory: str | Path, figures: Mapping[str, go.Figure], *, parents: bool = False
) -> list[Path]:
    """Each figure as ``NAME.png`` and ``NAME.svg`` in ``directory`` (matplotlib, offline).

    ``directory`` is created if missing (see :func:`check_figures_folder`); each file is
    written through :func:`brink.output.replacing`, so an existing figure is replaced
    whole and a directory, device or FIFO in its place is refused.
    """
    from brink.errors import InputError
    from brink.output import replacing
    from brink.report.figures import write_static

    d = check_figures_folder(directory, parents=parents)
    try:
        d.mkdir(exist_ok=True)
    except OSError as exc:
        raise InputError(
            f"cannot create the folder: {exc.strerror}", str(d), "Choose another --figures folder"
        ) from None
    written: list[Path] = []
    for name, fig in figures.items():
        for ext in ("png", "svg"):
            target = d / f"{name}.{ext}"
            with replacing(target, option="--figures") as tmp:
                write_static(fig, tmp)
            written.append(target)
    return written


def _difference_cell(kind: str, v: float) -> str:
    """A value of the comparison table: a percentage for an outcome probability, a number for a metric."""
    return format_percent(v) if kind == "outcome" else format_number(v)


def comparison_section(result: CompareResult, label: str = "") -> tuple[Section, dict[str, go.Figure]]:
    """The section comparing this report's scenario (A) with ``label`` (B) and its figure ``comparison``.

    ``result`` is :func:`brink.analysis.compare.compare` of the two models on common random
    numbers: the table gives each outcome and metric under A and B, the mean paired difference
    ``B - A`` with its interval, and the share of samples in which it changed at all; the text
    says how many pairs were used and which differences exclude zero (Law 2015, sec. 11.2).
    """
    from brink.report.figures import compare_figure

    label = label or result.b_name
    level = f"{result.conf_level:.0%}"
    rows = [
        [
            r.name,
            _difference_cell(r.kind, float(r.a.mean)),
            _difference_cell(r.kind, float(r.b.mean)),
            _difference_cell(r.kind, float(r.difference.mean)),
            f"{_difference_cell(r.kind, float(r.difference.low))} to {_difference_cell(r.kind, float(r.difference.high))}",
            format_percent(r.changed),
        ]
        for r in result.rows
    ]
    identical = (result.info or {}).get("shared_with_identical_draws") or []
    paragraphs = [
        f"A is this report's model ({result.a_name}); B is {label}. Both were evaluated on the same "
        f"{result.n:,} draws (seed {result.seed}): {result.n_pairs:,} paired samples in which both games "
        f"were solved, on common random numbers ({len(identical)} of the {len(result.shared)} uncertain "
        "parameters the two share took identical values sample by sample; the others B draws from a "
        "changed distribution), so each difference is the mean of per-sample differences B - A (Law 2015, sec. 11.2; "
        f"Glasserman & Yao 1992). Outcomes are probabilities in percent, metrics in their own units; "
        f"'changed' is the share of pairs in which the value differs at all.",
    ]
    moved = [r for r in result.rows if float(r.difference.low) > 0 or float(r.difference.high) < 0]
    if moved:
        paragraphs.append(
            f"The {level} interval of B - A excludes zero for: "
            + "; ".join(f"{r.name} ({_difference_cell(r.kind, float(r.difference.mean))})" for r in moved)
            + "."
        )
    else:
        paragraphs.append(f"No difference is distinguishable from zero at {level}.")
    if result.n_failed_a or result.n_failed_b:
        paragraphs.append(
            f"Failed samples: A {result.n_failed_a}, B {result.n_failed_b}; a pair with a failure on either "
            "side is left out."
        )
    if result.only_a or result.only_b:
        paragraphs.append(
            "Not compared (reported by one model only): "
            + "; ".join(
                f"{side}: {', '.join(names)}" for side, names in (("A", result.only_a), ("B", result.only_b)) if names
            )
            + "."
        )
    heading = f"B - A, B = {label}"
    fig = compare_figure(result, title=heading if len(heading) <= 70 else heading[:69] + "\u2026")
    table = Table(["outcome", "A", "B", "B \u2212 A", f"{level} interval", "changed"], rows,
                  caption=f"A = {result.a_name}; B = {label}")
    return Section(f"Comparison with {label}", paragraphs, [table], [("comparison", fig)]), {"comparison": fig}


def _policy_numbers(s: PolicyScore) -> tuple[float, ...]:
    """What the policies table shows of a policy, rounded to 12 digits (NaN as itself)."""
    values = (s.expected, s.worst_decile, s.mean_regret, s.p90_regret, s.max_regret, s.share_best)
    return tuple(round(float(v), 12) if v == v else float("nan") for v in values)


def _same_numbers(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return all(x == y or (x != x and y != y) for x, y in zip(a, b, strict=True))


def identical_policies(result: PoliciesResult) -> list[list[int]]:
    """Groups (ranks from 1, in ranked order) of two or more policies whose numbers are all identical."""
    groups: list[tuple[tuple[float, ...], list[int]]] = []
    for rank, s in enumerate(result.scores, 1):
        key = _policy_numbers(s)
        for seen, members in groups:
            if _same_numbers(seen, key):
                members.append(rank)
                break
        else:
            groups.append((key, [rank]))
    return [members for _, members in groups if len(members) > 1]


def inert_levers(result: PoliciesResult) -> list[str]:
    """Levers with two or more options that change none of the policies' numbers.

    A lever is inert when, for every setting of the other levers, all its options give
    identical numbers: on these draws it has no effect on the outcome.
    """
    out: list[str] = []
    names = list(result.scores[0].levers) if result.scores else []
    for lever in names:
        options = {repr(s.levers[lever]) for s in result.scores}
        if len(options) < 2:
            continue
        by_rest: dict[tuple[str, ...], list[tuple[float, ...]]] = {}
        for s in result.scores:
            rest = tuple(f"{k}={s.levers[k]!r}" for k in names if k != lever)
            by_rest.setdefault(rest, []).append(_policy_numbers(s))
        if all(all(_same_numbers(g[0], x) for x in g[1:]) for g in by_rest.values()):
            out.append(lever)
    return out


def _lever_text(levers: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in levers.items())


def policies_section(result: PoliciesResult) -> tuple[Section, dict[str, go.Figure]]:
    """The section ranking every combination of the levers for ``result.outcome``, and its figure ``policies``.

    ``result`` is :func:`brink.analysis.policies.policies`: each policy on the same draws, ranked by
    the 90th percentile of Savage (1951) regret, ties broken by the expected outcome (robust
    decision making; Lempert, Popper & Bankes 2003).  The text names the top-ranked policy and
    warns when policies have identical numbers, naming any lever that changes nothing.
    """
    from brink.report.figures import policies_figure

    goal = "minimise" if result.minimize else "maximise"
    rows = [
        [
            rank,
            _lever_text(s.levers),
            format_number(s.expected),
            format_number(s.worst_decile),
            format_number(s.mean_regret),
            format_number(s.p90_regret),
            format_number(s.max_regret),
            format_percent(s.share_best),
        ]
        for rank, s in enumerate(result.scores, 1)
    ]
    paragraphs = [
        f"Every combination of the levers ({len(result.scores)} policies) on the same {result.n:,} draws "
        f"(seed {result.seed}; common random numbers), to {goal} {result.outcome}. Worst decile: the mean "
        "over the 10% of draws where the policy fares worst (Rockafellar & Uryasev 2000). Regret: how much "
        f"worse than the best policy of the same draw (Savage 1951), over the {result.n_regret_draws:,} draws "
        "in which every policy was solved; 'best in' is the share of those draws in which the policy is best. "
        "Ranked by the 90th percentile of regret, ties broken by the expected outcome "
        "(robust decision making; Lempert, Popper & Bankes 2003).",
    ]
    if result.scores:
        best = result.best
        paragraphs.append(
            f"The top-ranked policy is {_lever_text(best.levers) or '(no levers)'}: expected {result.outcome} "
            f"{format_number(best.expected)}, worst decile {format_number(best.worst_decile)}, 90th percentile "
            f"of regret {format_number(best.p90_regret)}, maximum regret {format_number(best.max_regret)}, best "
            f"in {format_percent(best.share_best)} of draws."
        )
    groups = identical_policies(result)
    if groups:
        inert = inert_levers(result)
        text = (
            f"Warning: {sum(len(g) for g in groups)} policies in {len(groups)} group(s) have identical numbers "
            f"(ranks {'; '.join(', '.join(str(r) for r in g) for g in groups)}), so their order is arbitrary. "
        )
        if inert:
            text += (
                f"{', '.join(inert)} changes nothing for {result.outcome} on these draws: every one of its "
                "options gives the same numbers whatever the other levers; check that the model uses it."
            )
        else:
            text += "No single lever explains it: different settings happen to give the same outcome here."
        paragraphs.append(text)
    failed = sum(s.n_failed for s in result.scores)
    if failed:
        paragraphs.append(
            f"{failed} policy-draw evaluations failed; each policy's expected outcome and worst decile use its "
            f"own solved draws, regret the {result.n_regret_draws:,} complete draws."
        )
    fig = policies_figure(result)
    table = Table(
        ["rank", "levers", "expected", "worst decile", "mean regret", "p90 regret", "max regret", "best in"],
        rows,
        caption=f"Policies for {result.outcome} ({goal})",
    )
    return Section(f"Policies for {result.outcome}", paragraphs, [table], [("policies", fig)]), {"policies": fig}


#: An outcome that holds with mean probability above this is not picked for sensitivity and
#: discovery while another is available: there is almost nothing left to explain.
NEAR_CERTAIN = 0.95


def choose_outcome(outcomes: Mapping[str, Any], user: str | None = None) -> tuple[str | None, str]:
    """The outcome that sensitivity and discovery explain, and why it was chosen.

    The user's ``--outcome`` when given; else the outcome whose per-sample probability has
    the largest variance across samples (the most to explain: Sobol' indices split that
    variance, Saltelli et al. 2008), leaving out any that holds with mean probability above
    :data:`NEAR_CERTAIN` unless nothing else is available.
    """
    import numpy as np

    if user is not None:
        return user, f"{user} was chosen with --outcome."
    stats: list[tuple[str, float, float]] = []
    for name, v in outcomes.items():
        arr = np.asarray(v, dtype=np.float64)
        arr = arr[np.isfinite(arr)]
        stats.append((name, float(arr.var()) if arr.size else 0.0, float(arr.mean()) if arr.size else 0.0))
    if not stats:
        return None, "no outcome to explain."
    eligible = [t for t in stats if t[2] <= NEAR_CERTAIN] or stats
    best = eligible[0]
    for t in eligible[1:]:
        if t[1] > best[1] + 1e-15:
            best = t
    dropped = [t[0] for t in stats if t not in eligible]
    why = (
        f"{best[0]} was chosen because its probability varies most across samples "
        f"(variance {format_number(best[1])}, mean {format_percent(best[2])}); pass --outcome to choose another."
    )
    if dropped:
        why += f" Left out as near-certain (mean above {NEAR_CERTAIN:.0%}): {', '.join(dropped)}."
    return best[0], why


def _auto_outcome(outcomes: Mapping[str, Any]) -> str | None:
    """The outcome :func:`choose_outcome` picks without ``--outcome``."""
    return choose_outcome(outcomes)[0]


def sensitivity_warnings(rows: Sequence[Mapping[str, Any]], n_base: int) -> dict[str, str]:
    """A warning for each parameter whose Sobol' estimate cannot be trusted at ``n_base`` base samples.

    An index whose confidence half-width exceeds the estimate itself, or a negative first-order
    index (impossible for a variance share, so estimation noise; Saltelli et al. 2010), is
    marked; the fix is more base samples.
    """
    out: dict[str, str] = {}
    for r in rows:
        why: list[str] = []
        for key in ("S1", "ST"):
            est, conf = r.get(key), r.get(f"{key}_conf")
            if isinstance(est, float) and isinstance(conf, float) and conf == conf and conf > abs(est):
                why.append(f"{key} interval wider than the estimate")
        s1 = r.get("S1")
        if isinstance(s1, float) and s1 < 0:
            why.append("negative S1")
        if why:
            out[str(r["parameter"])] = (
                f"uncertain at {n_base} base samples ({'; '.join(why)}): raise --sensitivity-samples"
            )
    return out


def simulation_section(result: Mapping[str, Any]) -> tuple[Section, dict[str, go.Figure]]:
    """The section of a ``brink simulate`` run and its figures (survival, reserves, discount, support).

    ``result`` is :meth:`brink.runs.simulate.SimulationResult.to_json`, which is also the
    summary of a stored run of kind ``simulate``.  The survival curve comes with the hazards
    of removal by cause (Goemans 2000; Chiozza & Goemans 2011); reserves, discount and each
    partner's support are fan charts (pointwise 5-95% across samples).
    """
    from brink.report.figures import reserves_figure, support_figure, survival_figure

    figs: dict[str, go.Figure] = {
        "survival": survival_figure(result),
        "reserves": reserves_figure(result, "reserves_usd_bn"),
        "discount": reserves_figure(result, "discount_usd_per_bbl"),
    }
    if result.get("partners"):
        figs["support"] = support_figure(result)
    endings = ", ".join(
        f"{k.replace('_', ' ')} {v:.1%}" for k, v in (result.get("endings") or {}).items() if v is not None
    )
    ending = result.get("ending")
    summary = result.get("summary") or {}
    paragraphs = [
        f"{result.get('samples', 0):,} post-war trajectories of {result.get('months')} months, seed "
        f"{result.get('seed')}, solver {result.get('solver')}; the crisis ending was "
        + (f"fixed: {ending}." if ending else f"drawn from the crisis equilibrium ({endings})."),
        "Bands are the pointwise 5-95% range across samples; the survival curve is the mean "
        "probability of still being in office, the hazards are per month among leaders still in office.",
    ]
    month_rows = [
        [row.get("month"), row.get("in_office"), row.get("in_office_p05"), row.get("in_office_p95"),
         row.get("domestic_hazard"), row.get("foreign_hazard"), row.get("reserves_usd_bn_p50"),
         row.get("discount_usd_per_bbl")]
        for row in result.get("table") or []
    ]
    tables = [
        Table(["month", "in office", "5%", "95%", "domestic hazard", "foreign hazard",
               "reserves US$ bn (median)", "discount US$/bbl"], month_rows, caption="By month"),
        Table(["per sample", "mean"], [[k, v] for k, v in summary.items()], caption="Per-sample summary"),
    ]
    return Section("Trajectories after the crisis", paragraphs, tables, list(figs.items())), figs


def build_simulation_report(
    result: Mapping[str, Any],
    *,
    title: str = "",
    assumptions: Sequence[Sequence[Any]] = (),
    sources: Mapping[str, str] | None = None,
    notes: Sequence[str] = (),
) -> tuple[str, dict[str, go.Figure]]:
    """The report of a stored ``simulate`` run (its summary, ``result``): no model is re-run,
    the figures are drawn from the stored month table.  Returns the HTML and its figures."""
    from brink import __version__

    section, figs = simulation_section(result)
    summary = Section(
        "Summary",
        [f"Scenario {result.get('scenario')!r}, run {result.get('run_id') or '(not stored)'}, brink "
         f"{result.get('version') or __version__}; {result.get('failed') or 0} samples failed."],
        notes=tuple(notes),
    )
    sections = [summary, section]
    if assumptions:
        sections.append(
            Section("Assumptions and sources", tables=[Table(["parameter", "value", "source"], assumptions)])
        )
    if sources:
        sections.append(Section("Sources", tables=[Table(["key", "source"], [[k, v] for k, v in sources.items()])]))
    return render_html(title or f"brink simulate: {result.get('scenario')}", sections), figs


#: Run kinds whose stored results ``brink report RUN_ID`` draws, and the key their summary must hold.
STORED_REPORTS: dict[str, str] = {"simulate": "table", "fit": "parameters", "backtest": "by_time"}


def estimation_section(kind: str, result: Mapping[str, Any]) -> tuple[Section, dict[str, go.Figure]]:
    """The section of a stored ``brink fit`` (coefficient table and plot) or ``brink backtest``
    (scores, skills with intervals, reliability diagram) run."""
    from brink.report.figures import coefficient_figure, reliability_figure

    if kind == "fit":
        rows = list(result.get("parameters") or [])
        fig = coefficient_figure(rows)
        table = Table(["parameter", "estimate", "se", "robust se", "95% low", "95% high"],
                      [[r.get("parameter"), r.get("estimate"), r.get("se"), r.get("robust_se"), r.get("ci95_low"),
                        r.get("ci95_high")] for r in rows], caption="Estimates")
        text = [f"{result.get('cases')} cases; log-likelihood {result.get('log_likelihood')}; weakly identified: "
                f"{', '.join(result.get('weakly_identified') or []) or 'none'}."]
        return Section("Structural estimate", text, [table], [("coefficients", fig)]), {"coefficients": fig}
    designs = [d for d in (result.get("by_time"), result.get("cross_validation")) if isinstance(d, Mapping)]
    fig = reliability_figure(designs[0].get("reliability") or [] if designs else [])
    tables, text = [], []
    for design in designs:
        name = str(design.get("design"))
        scores = design.get("scores") or {}
        skills = design.get("skills") or {}
        tables.append(Table(["predictor", "score", "value"],
                            [[p, k, v] for p, vals in scores.items() if isinstance(vals, Mapping) for k, v in vals.items()],
                            caption=f"Scores on the held-out cases ({name})"))
        tables.append(Table(["skill", "value"], [[k, str(v)] for k, v in skills.items()],
                            caption=f"Skill, 1 - score / reference, with 95% intervals ({name})"))
        text.append(f"{name}: {design.get('n_train')} training and {design.get('n_test')} scored cases.")
    return Section("Backtest", text, tables, [("reliability", fig)]), {"reliability": fig}


def build_stored_report(
    kind: str, result: Mapping[str, Any], *, title: str = "", notes: Sequence[str] = (),
) -> tuple[str, dict[str, go.Figure]]:
    """The report of a stored run of ``kind`` (:data:`STORED_REPORTS`) from its summary alone."""
    from brink import __version__

    if kind == "simulate":
        return build_simulation_report(result, title=title, notes=notes)
    section, figs = estimation_section(kind, result)
    summary = Section("Summary", [f"Run {result.get('run_id') or '(not stored)'}, brink {__version__}."],
                      notes=tuple(notes))
    return render_html(title or f"brink {kind}", [summary, section]), figs


def _summary_in_words(
    rows: Sequence[tuple[str, Any]], solver: str = "auto", lam: float | None = None, auto: str = ""
) -> list[str]:
    """The outcome probabilities in words: the headline ``brink run`` prints
    (:func:`brink.measures.headline`, with its corner note), then the most likely ways the crisis
    ends (several when their 95% intervals overlap the top one's, so the data cannot rank them)
    and the next ones.  Only outcomes of the group "how the crisis ends" are ranked: a rung, a
    declaration or a partner's choice is not an ending."""
    from brink.measures import GROUPS, headline, measure

    if not rows:
        return ["No outcome was computed."]
    said = headline({k: {"p": float(i.mean), "ci95": [float(i.low), float(i.high)]} for k, i in rows}, solver, lam, auto)
    endings = [r for r in rows if (m := measure(r[0])) is not None and m.group == GROUPS[0]]
    kind = "way the crisis ends" if endings else "outcome"
    ranked = sorted(endings or rows, key=lambda r: -float(r[1].mean))
    top = ranked[0][1]
    modal = [r for r in ranked if float(r[1].high) >= float(top.low)]

    def say(name: str, i: Any) -> str:
        return (f"{name} ({format_percent(float(i.mean))}, 95% interval {format_percent(float(i.low))} "
                f"to {format_percent(float(i.high))})")

    if len(modal) == 1:
        first = f"The most likely {kind} is {say(*modal[0])}."
    else:
        first = (f"The most likely {'endings' if endings else 'outcomes'}, which the samples cannot rank (their intervals overlap), are "
                 + " and ".join(say(*r) for r in modal) + ".")
    rest = [r for r in ranked if r not in modal and float(r[1].mean) > 0.0]
    if rest:
        first += " Next: " + "; ".join(say(*r) for r in rest[:3]) + (
            f"; {len(rest) - 3} more in the Outcomes section." if len(rest) > 3 else "."
        )
    return [*said, first]


def build_report(
    evaluator: Evaluator,
    *,
    samples: int,
    seed: int,
    title: str = "",
    sensitivity_samples: int = 64,
    outcome: str | None = None,
    game: Game | None = None,
    solution: Solution | None = None,
    assumptions: Sequence[Sequence[Any]] = (),
    sources: Mapping[str, str] | None = None,
    notes: Sequence[str] = (),
    executor: Executor | None = None,
    chunk: int | None = None,
    simulation: Mapping[str, Any] | None = None,
    description: str = "",
    as_of: str = "",
    comparison: CompareResult | None = None,
    comparison_label: str = "",
    policies: PoliciesResult | None = None,
) -> tuple[str, dict[str, go.Figure]]:
    """Run the analyses a report shows and lay them out; returns the HTML and its figures.

    Sections (each listed in a table of contents): a summary in words (the most likely
    outcome(s) with their intervals, the most common path, the scenario's ``description``
    and ``as_of`` date), the run (samples, seed, failures), outcome probabilities with 95%
    intervals, the most likely path and what decided it (:mod:`brink.analysis.explain`),
    the game tree with the equilibrium path (when ``game`` is given), Sobol'
    sensitivity and PRIM discovery of ``outcome`` (default: the outcome that varies
    most), and the table of assumptions (``[parameter, value, source]`` rows).  The
    evaluations run in chunks of ``chunk`` rows (``None``: the analyses' default) on
    ``executor`` when given, with the same numbers.  With ``simulation`` (the summary of
    a stored run of kind ``simulate``, :meth:`brink.runs.simulate.SimulationResult.to_json`)
    the report also shows the trajectories after the crisis (:func:`simulation_section`).
    With ``comparison`` (:func:`brink.analysis.compare.compare` of this model, A, and another,
    B, named ``comparison_label``) and ``policies`` (:func:`brink.analysis.policies.policies`),
    computed by the caller on the same samples and seed, the report adds the sections
    "Comparison with ..." (:func:`comparison_section`) and "Policies for ..."
    (:func:`policies_section`) after scenario discovery.
    """
    import numpy as np

    from brink import __version__
    from brink.analysis.experiments import evaluate_chunked
    from brink.analysis.explain import explain_paths
    from brink.analysis.intervals import mean_interval
    from brink.analysis.prim import discover
    from brink.analysis.sensitivity import sobol
    from brink.drawing import game_tree_figure
    from brink.errors import BrinkError
    from brink.report.figures import (
        discovery_figure,
        outcomes_figure,
        sensitivity_figure,
    )

    params = evaluator.draw(seed, 0, samples)
    from brink.analysis.experiments import DEFAULT_CHUNK

    chunk = DEFAULT_CHUNK if chunk is None else chunk
    ev = evaluate_chunked(evaluator, params, chunk=chunk, executor=executor)
    failed = int(np.asarray(ev.failed).sum())
    ok = ~np.asarray(ev.failed, dtype=bool)
    rows = [
        (k, mean_interval(np.asarray(v)[ok], bounds=(0.0, 1.0))) for k, v in ev.outcomes.items()
    ]
    figs: dict[str, go.Figure] = {"outcomes": outcomes_figure(rows)}
    sections: list[Section] = []
    words = _summary_in_words(rows, str(getattr(evaluator, "solver", "auto")), getattr(evaluator, "lam", None),
                              str(getattr(evaluator, "auto", "")))
    if description:
        words.append(f"The scenario: {description.strip()}")
    if as_of:
        words.append(f"Situation as of {as_of}.")
    words_index = len(sections)
    sections.append(Section("Summary", words))
    summary = [
        f"Model {evaluator.name!r}: {samples:,} Monte Carlo samples, seed {seed}, brink {__version__}.",
        f"{len(evaluator.uncertainties)} uncertain parameters; {failed} samples could not be solved "
        "and are left out of every figure and table below.",
    ]
    sections.append(Section("The run", summary, notes=tuple(notes)))
    from brink.measures import measure

    def meaning(name: str) -> str:
        m = measure(name)
        return "" if m is None else m.meaning

    def unit(name: str) -> str:
        m = measure(name)
        return "" if m is None else m.unit

    metric_rows = [
        [k, *(lambda i: [i.mean, i.low, i.high])(mean_interval(np.asarray(v)[ok])), unit(k), meaning(k)]
        for k, v in ev.metrics.items()
    ]
    sections.append(
        Section(
            "Outcomes",
            [
                "Probability of each outcome over the uncertainty, with 95% intervals of the Monte Carlo mean."
            ],
            [
                Table(
                    ["outcome", "probability", "95% low", "95% high", "meaning"],
                    [[k, format_percent(i.mean), format_percent(i.low), format_percent(i.high), meaning(k)]
                     for k, i in rows],
                ),
                Table(["metric", "mean", "95% low", "95% high", "unit", "meaning"], metric_rows, caption="Metrics"),
            ],
            [("outcomes", figs["outcomes"])],
        )
    )
    try:
        terms_fn = getattr(evaluator, "explain_terms", None)
        terms = dict(terms_fn(params)) if callable(terms_fn) else None
        why = explain_paths(ev, params, terms, seed)
        path_rows = [[p, format_percent(float(s))] for p, s in list(why.paths.items())[:8]]
        if why.paths:
            modal, share = next(iter(why.paths.items()))
            sections[words_index] = Section(
                "Summary",
                [*sections[words_index].paragraphs[:1],
                 f"The most common path of play, in {format_percent(float(share))} of samples: {modal}.",
                 *sections[words_index].paragraphs[1:]],
            )
        sections.append(
            Section(
                "Most likely path and what decided it",
                why.sentences(),
                [Table(["path", "share"], path_rows)],
            )
        )
    except BrinkError as exc:
        sections.append(Section("Most likely path and what decided it", [f"not available: {exc}"]))
    if simulation is not None:
        sim_section, sim_figs = simulation_section(simulation)
        figs.update(sim_figs)
        sections.append(sim_section)
    if game is not None:
        from brink.drawing import PRUNE_REACH, TREE_HEIGHT_CAP, TREE_MAX_DEPTH

        figs["game_tree"] = game_tree_figure(game, solution)
        sections.append(
            Section(
                "Game tree",
                [
                    "The game for the sampled parameter values; each node names the player who moves there, "
                    "each edge the action and the probability that play reaches it under the equilibrium, "
                    "averaged over samples; the highlighted path follows the most likely move at every step.",
                    f"Branches reached with probability below {PRUNE_REACH:g} are not drawn; moves more than "
                    f"{TREE_MAX_DEPTH} steps from the start (fewer if needed to keep the figure under "
                    f"{TREE_HEIGHT_CAP} px) collapse into '+ N more' leaves.",
                ],
                figures=[("game_tree", figs["game_tree"])],
            )
        )
    target, chosen_because = choose_outcome(
        {k: np.asarray(v)[ok] for k, v in ev.outcomes.items()}, outcome
    )
    if target is not None and evaluator.uncertainties:
        try:
            sens = sobol(evaluator, target, sensitivity_samples, seed, chunk=chunk, executor=executor)
            figs["sensitivity"] = sensitivity_figure(sens)
            sens_rows = sens.table()
            warn = sensitivity_warnings(sens_rows, sens.n_base)
            sections.append(
                Section(
                    f"Sensitivity of {target}",
                    [
                        f"Sobol' indices from {sens.n_evaluations:,} model runs ({sens.n_base} base samples; "
                        f"{sens.n_blocks_dropped} dropped for failed games). S1: share of variance from the "
                        "parameter alone; ST: including its interactions.",
                        chosen_because,
                        *([sens.info["warning"]] if "warning" in sens.info else []),
                        *(
                            [f"Warning: {len(warn)} of {len(sens_rows)} indices are uncertain at "
                             f"{sens.n_base} base samples (interval wider than the estimate, or a negative "
                             "S1); raise --sensitivity-samples before reading the ranking."]
                            if warn else []
                        ),
                    ],
                    [
                        Table(
                            ["parameter", "S1", "S1 ±", "ST", "ST ±", "warning"],
                            [
                                [r["parameter"], r["S1"], r["S1_conf"], r["ST"], r["ST_conf"],
                                 warn.get(str(r["parameter"]), "")]
                                for r in sens_rows
                            ],
                        )
                    ],
                    [("sensitivity", figs["sensitivity"])],
                )
            )
        except BrinkError as exc:
            sections.append(Section(f"Sensitivity of {target}", [f"not available: {exc}"]))
        disc = discover(evaluator, target, samples, seed, threshold=0.5, chunk=chunk, executor=executor)
        figs["discovery"] = discovery_figure(disc)
        box_tables = [
            Table(
                ["parameter", "lower", "upper"],
                [[lim["parameter"], lim["lower"], lim["upper"]] for lim in b.limits(disc.names)],
                caption=f"Box {i + 1}: coverage {b.coverage:.2f}, density {b.density:.2f}, support {b.support:.2f}",
            )
            for i, b in enumerate(disc.boxes)
        ]
        sections.append(
            Section(
                f"Where {target} > 0.5 (scenario discovery)",
                [
                    f"PRIM (Friedman & Fisher 1999) on {disc.n:,} solved samples ({disc.n_failed} failed, left out); "
                    f"{target} exceeds 0.5 in {disc.base_density:.1%} of them. {chosen_because}",
                    *(
                        [f"Box {i + 1} restricts no parameter: {target} > 0.5 is not confined to a region "
                         "of the uncertainty that PRIM can find." for i, b in enumerate(disc.boxes)
                         if not b.limits(disc.names)]
                    ),
                ],
                box_tables,
                [("discovery", figs["discovery"])],
            )
        )
    for extra in (
        comparison_section(comparison, comparison_label) if comparison is not None else None,
        policies_section(policies) if policies is not None else None,
    ):
        if extra is not None:
            sections.append(extra[0])
            figs.update(extra[1])
    if assumptions:
        sections.append(
            Section(
                "Assumptions and sources",
                [
                    "Every number of the scenario, with the source it is taken from or marked as an assumption."
                ],
                [Table(["parameter", "value", "source"], assumptions)],
            )
        )
    if sources:
        sections.append(
            Section(
                "Sources", tables=[Table(["key", "source"], [[k, v] for k, v in sources.items()])]
            )
        )
    return render_html(title or f"brink report: {evaluator.name}", sections), figs
